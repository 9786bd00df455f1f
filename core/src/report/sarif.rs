//! SARIF 2.1.0 (the OASIS Static Analysis Results Interchange Format), the shape code-scanning
//! services read: one run of the `netpol` tool, its rules, and results pointing at lines of the
//! input files, so that a pull request shows a finding on the line of the YAML it is about.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use serde_json::{json, Value};

use crate::k8s::{SourceLine, SourceMap};

/// The schema a SARIF log names.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// How severe a result is, in SARIF's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SarifLevel {
    /// `error`.
    Error,
    /// `warning`.
    Warning,
    /// `note`.
    Note,
}

impl SarifLevel {
    /// `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            SarifLevel::Error => "error",
            SarifLevel::Warning => "warning",
            SarifLevel::Note => "note",
        }
    }
}

/// One kind of result (an audit check, a broken expectation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SarifRule {
    /// Stable id: `NP101`.
    pub id: String,
    /// Stable name: `namespace-without-default-deny-ingress`.
    pub name: String,
    /// What it finds, in a few words.
    pub description: String,
    /// Its usual level.
    pub level: SarifLevel,
}

/// Where a result is: a line of a file when known, and the object and field it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SarifLocation {
    /// The file and line, when the object was read from a file.
    pub line: Option<SourceLine>,
    /// The object (`NetworkPolicy shop/web`) or other logical place; empty for none.
    pub object: String,
    /// The field path in the object (`spec.ingress[0]`); empty for the object itself.
    pub path: String,
}

/// One result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SarifResult {
    /// The rule's id.
    pub rule: String,
    /// How severe.
    pub level: SarifLevel,
    /// What was found and what to do, as text.
    pub message: String,
    /// Where, the first being the primary location.
    pub locations: Vec<SarifLocation>,
}

/// A SARIF 2.1.0 log of one run of netpol: its rules (each result's `ruleIndex` points into
/// them; a result whose rule is not listed is an error of the caller and gets none) and results.
pub fn sarif_log(rules: &[SarifRule], results: &[SarifResult]) -> Value {
    let rules_json: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": { "text": r.description },
                "defaultConfiguration": { "level": r.level.as_str() },
            })
        })
        .collect();
    let results_json: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut result = json!({
                "ruleId": r.rule,
                "level": r.level.as_str(),
                "message": { "text": r.message },
                "locations": r.locations.iter().map(location_json).collect::<Vec<_>>(),
            });
            if let Some(index) = rules.iter().position(|rule| rule.id == r.rule) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "netpol",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
                "rules": rules_json,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results_json,
        }],
    })
}

fn location_json(l: &SarifLocation) -> Value {
    let mut location = json!({});
    if let Some(line) = &l.line {
        location["physicalLocation"] = json!({
            "artifactLocation": { "uri": uri(&line.file) },
            "region": { "startLine": line.line },
        });
    }
    if !l.object.is_empty() {
        let name = if l.path.is_empty() { l.object.clone() } else { format!("{} {}", l.object, l.path) };
        location["logicalLocations"] = json!([{ "fullyQualifiedName": name, "kind": "object" }]);
    }
    location
}

/// Puts line 1 of the first input file first when none of `locations` has a line: code scanning
/// shows only results with a line, and a finding about the cluster as a whole, or about an
/// object the input does not hold, has none of its own.
pub fn ensure_a_line(locations: &mut Vec<SarifLocation>, sources: &SourceMap) {
    if !locations.iter().any(|l| l.line.is_some()) {
        if let Some(first) = sources.first_file() {
            locations.insert(0, SarifLocation { line: Some(first), object: String::new(), path: String::new() });
        }
    }
}

/// A file path as a relative URI reference: `/` kept, anything but unreserved characters
/// percent-encoded (a space is `%20`); `./` in front dropped, as code scanning matches paths
/// from the repository root.
pub fn uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uri_references() {
        assert_eq!(uri("./deploy/net pol.yaml"), "deploy/net%20pol.yaml");
        assert_eq!(uri("a/b_c-1.2~x.json"), "a/b_c-1.2~x.json");
        assert_eq!(uri("ü#?.yaml"), "%C3%BC%23%3F.yaml");
    }

    #[test]
    fn results_point_at_their_rule_and_line() {
        let rules = [SarifRule {
            id: "NP1".into(),
            name: "one".into(),
            description: "the first".into(),
            level: SarifLevel::Warning,
        }];
        let results = [SarifResult {
            rule: "NP1".into(),
            level: SarifLevel::Warning,
            message: "found".into(),
            locations: alloc::vec![SarifLocation {
                line: Some(SourceLine { file: "p.yaml".into(), line: 7 }),
                object: "NetworkPolicy a/b".into(),
                path: "spec.ingress[0]".into(),
            }],
        }];
        let log = sarif_log(&rules, &results);
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(result["locations"][0]["physicalLocation"]["region"]["startLine"], 7);
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "p.yaml");
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            "NetworkPolicy a/b spec.ingress[0]"
        );
    }
}
