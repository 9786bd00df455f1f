//! A [`VerifyReport`] for people (text), programs (JSON) and CI systems (JUnit XML).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{Counterexample, ExpectationResult, VerifyReport};
use crate::k8s::SourceLine;
use crate::report::markdown::{cell, close_details, code, code_block, open_details, table};
use crate::report::plural;
use crate::report::sarif::{sarif_log, SarifLevel, SarifLocation, SarifResult, SarifRule};
use crate::report::{cidr_strings, explanation_json};
use crate::spec::Cluster;

/// The name of the JUnit test suite.
const SUITE: &str = "netpol verify";

impl ExpectationResult {
    /// One line: why it fails (`2 of 4 pairs break it: ...`), or `N pairs` when it holds.
    pub fn summary(&self) -> String {
        let e = &self.expectation;
        if let Some(problem) = &self.problem {
            return problem.clone();
        }
        let pairs = plural(self.pairs, "pair");
        if self.failed_pairs == 0 {
            return format!("{pairs} checked");
        }
        let every = if matches!(e.ports, super::PortSpec::Range { .. }) { "every port of " } else { "" };
        let (expected, ports) = (e.expected.as_str(), e.port_label());
        format!("{} of {pairs} break it (expected {expected} on {every}{ports})", self.failed_pairs)
    }

    /// The failing pairs shown, each with its explanation, indented by `indent` spaces; and how
    /// many more fail.
    pub fn details(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut out = String::new();
        for (i, c) in self.counterexamples.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            for (who, range) in [(&c.from, &c.from_range), (&c.to, &c.to_range)] {
                if let Some(r) = range {
                    let cidrs = cidr_strings(r).join(", ");
                    let _ = writeln!(out, "{pad}{who} stands for every address of {cidrs} outside the pods");
                }
            }
            for line in c.report.lines() {
                let _ = writeln!(out, "{pad}{line}");
            }
            if c.alike > 0 {
                let mut names: Vec<String> = c.alike_examples.iter().map(|(f, t)| format!("{f} -> {t}")).collect();
                if c.alike > names.len() {
                    names.push(format!("{} more", c.alike - names.len()));
                }
                let _ = writeln!(out, "{pad}decided alike (pods no policy tells apart): {}", names.join(", "));
            }
        }
        let shown: usize = self.counterexamples.iter().map(|c| 1 + c.alike).sum();
        let hidden = self.failed_pairs.saturating_sub(shown);
        if hidden > 0 {
            let _ = writeln!(out, "{pad}... and {} not shown", plural(hidden, "more failing pair"));
        }
        out
    }
}

impl VerifyReport {
    /// One line per expectation (`PASS` or `FAIL`, the name, the counts); under each failure
    /// the counterexamples with their explanations; then `N passed, M failed`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for r in &self.results {
            let verdict = if r.passed() { "PASS" } else { "FAIL" };
            let _ = writeln!(out, "{verdict}  {}: {}", r.expectation.name, r.summary());
            out.push_str(&r.details(6));
        }
        let _ = writeln!(out, "{} passed, {} failed", self.passed(), self.failed());
        out
    }

    /// The report as JSON (the README documents the shape); `cluster` names the policies in
    /// the explanations.
    pub fn to_json(&self, cluster: &Cluster) -> Value {
        let results: Vec<Value> = self.results.iter().map(|r| result_json(cluster, r)).collect();
        json!({
            "origin": self.origin,
            "passed": self.passed(),
            "failed": self.failed(),
            "expectations": results,
        })
    }

    /// The report as JUnit XML: one test suite `netpol verify`, one test case per expectation,
    /// a `<failure>` with the counterexamples and their explanations for each broken one.
    pub fn to_junit(&self) -> String {
        let (tests, failures) = (self.results.len(), self.failed());
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(out, "<testsuites name=\"{SUITE}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">");
        let _ = writeln!(
            out,
            "  <testsuite name=\"{SUITE}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">"
        );
        let _ = writeln!(
            out,
            "    <properties><property name=\"expectations\" value=\"{}\"/></properties>",
            xml(&self.origin)
        );
        for r in &self.results {
            let name = xml(&r.expectation.name);
            if r.passed() {
                let _ = writeln!(out, "    <testcase classname=\"{SUITE}\" name=\"{name}\"/>");
                continue;
            }
            let kind = if r.problem.is_some() { "selector" } else { "expectation" };
            let _ = writeln!(out, "    <testcase classname=\"{SUITE}\" name=\"{name}\">");
            let _ = writeln!(
                out,
                "      <failure type=\"{kind}\" message=\"{}\">{}</failure>",
                xml(&r.summary()),
                xml_text(&r.details(0))
            );
            let _ = writeln!(out, "    </testcase>");
        }
        out.push_str("  </testsuite>\n</testsuites>\n");
        out
    }
}

fn result_json(cluster: &Cluster, r: &ExpectationResult) -> Value {
    let e = &r.expectation;
    json!({
        "name": e.name,
        "passed": r.passed(),
        "from": format!("{}", e.from),
        "to": format!("{}", e.to),
        "ports": format!("{}", e.ports),
        "protocol": e.protocol.as_str(),
        "expect": e.expected.as_str(),
        "pairs": r.pairs,
        "failed_pairs": r.failed_pairs,
        "problem": r.problem,
        "counterexamples": r.counterexamples.iter().map(|c| counterexample_json(cluster, c)).collect::<Vec<_>>(),
    })
}

/// The `netpol check -o json` object of the pair, plus `from_range`/`to_range`: the CIDRs an
/// address from a CIDR stands for (empty otherwise).
fn counterexample_json(cluster: &Cluster, c: &Counterexample) -> Value {
    let mut v = explanation_json(cluster, c.src, c.dst, c.port, c.protocol, &c.explanation);
    let range = |r: &Option<crate::IpRange>| r.as_ref().map(cidr_strings).unwrap_or_default();
    if let Value::Object(map) = &mut v {
        map.insert("from_range".into(), json!(range(&c.from_range)));
        map.insert("to_range".into(), json!(range(&c.to_range)));
        map.insert("alike".into(), json!(c.alike));
        let examples: Vec<Value> = c.alike_examples.iter().map(|(f, t)| json!({"from": f, "to": t})).collect();
        map.insert("alike_examples".into(), json!(examples));
    }
    v
}

/// `text` escaped for an XML attribute value: line breaks survive as character references.
fn xml(text: &str) -> String {
    escape(text, true)
}

/// `text` escaped for XML character data.
fn xml_text(text: &str) -> String {
    escape(text, false)
}

/// Escapes markup and quotes; characters XML 1.0 cannot hold become U+FFFD.
fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if !attribute => out.push('\n'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

impl VerifyReport {
    /// The outcome as a pull-request comment (GitHub Markdown): a one-line summary in bold, a
    /// table of the expectations that fail (name, line, why), each failure's counterexamples
    /// folded in `<details>`, and the expectations that hold, folded.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let (passed, failed) = (self.passed(), self.failed());
        let mark = if failed == 0 { "✅" } else { "❌" };
        let _ = writeln!(
            out,
            "{mark} **netpol verify**: {} of {} hold, {failed} {} ({})\n",
            passed,
            plural(self.results.len(), "expectation"),
            if failed == 1 { "fails" } else { "fail" },
            code(&self.origin)
        );
        let failing: Vec<&ExpectationResult> = self.results.iter().filter(|r| !r.passed()).collect();
        if !failing.is_empty() {
            let rows = failing.iter().map(|r| {
                let line = r.expectation.line.map(|l| format!("{l}")).unwrap_or_default();
                alloc::vec![r.expectation.name.clone(), line, r.summary()]
            });
            table(&mut out, &["Expectation", "Line", "Why"], rows);
            out.push('\n');
            for r in failing.iter().filter(|r| !r.counterexamples.is_empty()) {
                open_details(&mut out, &format!("{}: counterexamples", r.expectation.name), false);
                code_block(&mut out, &r.details(0));
                close_details(&mut out);
            }
        }
        if passed > 0 {
            open_details(&mut out, &format!("Holding ({passed})"), false);
            for r in self.results.iter().filter(|r| r.passed()) {
                let _ = writeln!(out, "- {} ({})", cell(&r.expectation.name), r.summary());
            }
            close_details(&mut out);
        }
        out
    }
}

/// The rules of `netpol verify -o sarif`: a broken expectation, and one that could not be
/// checked.
fn sarif_rules() -> [SarifRule; 2] {
    [
        SarifRule {
            id: "NPV01".into(),
            name: "expectation-broken".into(),
            description: "connections that the expectation says are allowed (or denied) are not".into(),
            level: SarifLevel::Error,
        },
        SarifRule {
            id: "NPV02".into(),
            name: "expectation-unchecked".into(),
            description: "an expectation whose selectors match nothing, so it checks nothing".into(),
            level: SarifLevel::Error,
        },
    ]
}

impl VerifyReport {
    /// Every expectation that does not hold as a SARIF 2.1.0 result at its line of the
    /// expectations file (none for standard input), with why and the first counterexamples.
    pub fn to_sarif(&self) -> Value {
        let file = !matches!(self.origin.as_str(), "" | "-" | "<stdin>");
        let results: Vec<SarifResult> = self
            .results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| {
                let e = &r.expectation;
                let mut message = format!("{}: {}", e.name, r.summary());
                let details = r.details(2);
                if !details.is_empty() {
                    message.push('\n');
                    message.push_str(details.trim_end());
                }
                SarifResult {
                    rule: if r.problem.is_some() { "NPV02" } else { "NPV01" }.into(),
                    level: SarifLevel::Error,
                    message,
                    locations: alloc::vec![SarifLocation {
                        line: e.line.filter(|_| file).map(|line| SourceLine { file: self.origin.clone(), line }),
                        object: format!("expectation {}", e.name),
                        path: String::new(),
                    }],
                }
            })
            .collect();
        sarif_log(&sarif_rules(), &results)
    }
}

#[cfg(test)]
mod tests {
    use super::{xml, xml_text};

    #[test]
    fn xml_escapes_markup_quotes_and_control_characters() {
        assert_eq!(xml("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
        assert_eq!(xml("x\u{1}y\nz"), "x\u{FFFD}y&#10;z");
        assert_eq!(xml_text("x<\ny"), "x&lt;\ny");
    }
}
