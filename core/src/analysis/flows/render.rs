//! The text and JSON forms of a [`FlowReport`], as `netpol flows` prints them.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::FlowReport;
use crate::k8s::SourceMap;
use crate::report::sarif::{ensure_a_line, sarif_log, SarifLevel, SarifLocation, SarifResult, SarifRule};
use crate::report::{explanation_json, into_string, json_array, plural, ports_json, Lines};
use crate::spec::Cluster;

/// `2 flows, 5 records`.
fn flows_records(pair: (usize, u64)) -> String {
    format!("{}, {}", plural(pair.0, "flow"), plural(pair.1, "record"))
}

/// `  ... and 12 more groups (30 flows, 41 records): ...` for the groups past the `shown` first;
/// `sizes` gives each group's flows and records.
fn more_groups(out: &mut impl core::fmt::Write, sizes: impl Iterator<Item = (usize, u64)>, shown: usize) {
    let rest: Vec<(usize, u64)> = sizes.skip(shown).collect();
    if !rest.is_empty() {
        let flows = rest.iter().map(|g| g.0).sum::<usize>();
        let records = rest.iter().map(|g| g.1).sum::<u64>();
        let _ = writeln!(
            out,
            "  ... and {} more {} ({}): -o json lists every group, --max-groups shows more",
            rest.len(),
            if rest.len() == 1 { "group" } else { "groups" },
            flows_records((flows, records)),
        );
    }
}

impl FlowReport {
    /// The report `netpol flows` prints: the counts, then the observed traffic the policies
    /// would deny (by workload pair, each with an explanation), the dropped traffic they now
    /// allow, the rules no flow uses, the pods matched by labels, what was not resolved, and
    /// what was skipped. Denied and newly allowed groups come most records first; at most
    /// `max_groups` of each are printed, then a line counting the rest (the JSON form has all).
    pub fn to_text(&self, cluster: &Cluster, max_groups: usize) -> String {
        into_string(|out| self.write_text(cluster, max_groups, out))
    }

    /// Writes the report of [`FlowReport::to_text`]; explanations are rendered only for the
    /// groups shown.
    pub fn write_text<W: Write + ?Sized>(&self, cluster: &Cluster, max_groups: usize, out: &mut W) -> io::Result<()> {
        let i = &self.input;
        let mut out = Lines { out, error: None };
        let _ = writeln!(
            out,
            "records: {} read, {} skipped, {} unresolved; {} decided as {}",
            i.records,
            i.skipped_records(),
            i.unresolved_records,
            i.records.saturating_sub(i.skipped_records().saturating_add(i.unresolved_records)),
            plural(self.flows, "distinct flow"),
        );
        let _ = writeln!(out, "allowed: {}", flows_records(self.allowed));
        let _ = writeln!(out, "would be denied: {}", flows_records(self.denied));
        let _ = writeln!(out, "observed dropped, still denied: {}", flows_records(self.still_dropped));
        let _ = writeln!(out, "observed dropped, now allowed: {} dropped", flows_records(self.newly_allowed));
        let unused: Vec<_> = self.unused_rules().collect();
        let _ =
            writeln!(out, "rules: {} of {} used by observed flows", self.rules.len() - unused.len(), self.rules.len());
        if !self.denied_groups.is_empty() {
            let _ = writeln!(out, "\nWOULD BE DENIED (observed traffic these policies block)");
            for g in self.denied_groups.iter().take(max_groups) {
                let _ =
                    writeln!(out, "  {} -> {}  {}  ({})", g.from, g.to, g.ports, flows_records((g.flows, g.records)));
                for line in g.report(cluster).lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            more_groups(&mut out, self.denied_groups.iter().map(|g| (g.flows, g.records)), max_groups);
        }
        if !self.newly_allowed_groups.is_empty() {
            let _ = writeln!(out, "\nNEWLY ALLOWED (observed DROPPED, allowed by these policies)");
            for g in self.newly_allowed_groups.iter().take(max_groups) {
                let _ =
                    writeln!(out, "  {} -> {}  {}  ({})", g.from, g.to, g.ports, flows_records((g.flows, g.records)));
            }
            more_groups(&mut out, self.newly_allowed_groups.iter().map(|g| (g.flows, g.records)), max_groups);
        }
        if !unused.is_empty() {
            let _ = writeln!(out, "\nUNUSED RULES (no observed flow uses them: candidates for tightening)");
            for r in unused {
                let _ = writeln!(out, "  {} {}", cluster.policy(r.policy).qualified_name(), r.path());
            }
        }
        let entries: Vec<(String, Vec<String>)> = self
            .rules
            .iter()
            .filter(|r| r.flows > 0)
            .map(|r| (cluster.policy(r.policy).qualified_name(), r.unused_entry_paths()))
            .filter(|(_, paths)| !paths.is_empty())
            .collect();
        if !entries.is_empty() {
            let _ = writeln!(
                out,
                "\nUNUSED ENTRIES OF USED RULES (peers and ports no observed flow needs: candidates for tightening)"
            );
            for (policy, paths) in entries {
                let _ = writeln!(out, "  {policy} {}", paths.join(", "));
            }
        }
        if !i.substitutes.is_empty() {
            let _ = writeln!(out, "\nMATCHED (pods not in the cluster, decided as a pod like them)");
            for s in &i.substitutes {
                let pod = cluster.pod(s.pod).qualified_name();
                let by = s.by.as_str();
                let _ = writeln!(out, "  {} -> {pod} by {by} ({})", s.observed, plural(s.records, "record"));
            }
        }
        if !i.unresolved.is_empty() {
            let _ = writeln!(out, "\nUNRESOLVED (not decided)");
            for u in &i.unresolved {
                let _ = writeln!(out, "  {}: {} ({})", u.endpoint, u.reason, plural(u.records, "record"));
            }
        }
        if !i.skipped.is_empty() {
            let _ = writeln!(out, "\nSKIPPED");
            for (reason, n) in &i.skipped {
                let _ = writeln!(out, "  {}: {}", reason.describe(), plural(*n, "record"));
            }
        }
        out.finish()
    }

    /// The report as `netpol flows -o json` prints it: `{"summary", "denied", "newly_allowed",
    /// "rules", "unused_rules", "matched", "unresolved", "skipped"}` (shape in the README).
    /// Built from [`FlowReport::write_json`].
    pub fn to_json(&self, cluster: &Cluster) -> Value {
        let text = into_string(|out| self.write_json(cluster, out));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Writes the JSON of [`FlowReport::to_json`] (no newline after it), one group, rule or
    /// record at a time.
    pub fn write_json<W: Write + ?Sized>(&self, cluster: &Cluster, out: &mut W) -> io::Result<()> {
        let i = &self.input;
        let pair = |p: (usize, u64)| json!({"flows": p.0, "records": p.1});
        let policy = |r: &super::RuleUsage| cluster.policy(r.policy).qualified_name();
        // Keys in the order serde_json's maps keep them (sorted).
        out.write_all(b"{\"denied\":")?;
        json_array(
            out,
            self.denied_groups.iter().map(|g| {
                let (src, dst, port, protocol) = g.example;
                json!({
                    "from": g.from,
                    "to": g.to,
                    "ports": ports_json(&g.ports),
                    "flows": g.flows,
                    "records": g.records,
                    "example": explanation_json(cluster, src, dst, port, protocol, &g.explanation),
                })
            }),
        )?;
        out.write_all(b",\"matched\":")?;
        json_array(
            out,
            i.substitutes.iter().map(|s| {
                json!({
                    "observed": s.observed,
                    "pod": cluster.pod(s.pod).qualified_name(),
                    "by": s.by.as_str(),
                    "records": s.records,
                })
            }),
        )?;
        out.write_all(b",\"newly_allowed\":")?;
        json_array(
            out,
            self.newly_allowed_groups.iter().map(|g| {
                json!({
                    "from": g.from,
                    "to": g.to,
                    "ports": ports_json(&g.ports),
                    "flows": g.flows,
                    "records": g.records,
                })
            }),
        )?;
        out.write_all(b",\"rules\":")?;
        json_array(
            out,
            self.rules.iter().map(|r| {
                json!({
                    "policy": policy(r),
                    "direction": r.direction.field(),
                    "rule": r.rule,
                    "path": r.path(),
                    "flows": r.flows,
                    "records": r.records,
                    "unused_entries": r.unused_entry_paths(),
                })
            }),
        )?;
        out.write_all(b",\"skipped\":")?;
        json_array(
            out,
            i.skipped.iter().map(|(reason, n)| {
                json!({
                    "reason": reason.id(),
                    "description": reason.describe(),
                    "records": n,
                })
            }),
        )?;
        let summary = json!({
            "records": i.records,
            "skipped": i.skipped_records(),
            "unresolved": i.unresolved_records,
            "flows": self.flows,
            "allowed": pair(self.allowed),
            "denied": pair(self.denied),
            "still_dropped": pair(self.still_dropped),
            "newly_allowed": pair(self.newly_allowed),
            "rules": self.rules.len(),
            "unused_rules": self.unused_rules().count(),
        });
        out.write_all(b",\"summary\":")?;
        serde_json::to_writer(&mut *out, &summary)?;
        out.write_all(b",\"unresolved\":")?;
        json_array(
            out,
            i.unresolved.iter().map(|u| {
                json!({
                    "endpoint": u.endpoint,
                    "reason": u.reason,
                    "records": u.records,
                })
            }),
        )?;
        out.write_all(b",\"unused_rules\":")?;
        json_array(
            out,
            self.unused_rules().map(
                |r| json!({"policy": policy(r), "direction": r.direction.field(), "rule": r.rule, "path": r.path()}),
            ),
        )?;
        out.write_all(b"}")
    }
}

/// The rules of `netpol flows -o sarif`.
fn sarif_rules() -> [SarifRule; 4] {
    let rule = |id: &str, name: &str, description: &str, level| SarifRule {
        id: id.into(),
        name: name.into(),
        description: description.into(),
        level,
    };
    [
        rule("NPF01", "observed-traffic-denied", "observed traffic these policies would deny", SarifLevel::Error),
        rule(
            "NPF02",
            "observed-drop-now-allowed",
            "traffic observed dropped that these policies allow (a widening)",
            SarifLevel::Warning,
        ),
        rule("NPF03", "unused-rule", "a rule no observed flow uses: a candidate for tightening", SarifLevel::Note),
        rule(
            "NPF04",
            "unused-rule-entry",
            "peers and ports of a used rule that no observed flow needs: candidates for tightening",
            SarifLevel::Note,
        ),
    ]
}

impl FlowReport {
    /// The report as SARIF 2.1.0: each group of traffic that would be denied, located at the
    /// policies that deny it (the isolating policies of a direction no rule admits, or the
    /// cluster policy rule that denies); each unused rule and unused entry of a used rule at its
    /// path; dropped traffic now allowed at the first input file. `sources` (from
    /// [`load_with_sources`](crate::load_with_sources)) puts each on its file and line; every
    /// result has at least one line when the cluster was read from a file.
    pub fn to_sarif(&self, cluster: &Cluster, sources: &SourceMap) -> Value {
        let mut results: Vec<(SarifResult, Vec<(String, String)>)> = Vec::new();
        for g in &self.denied_groups {
            let mut places = Vec::new();
            for d in [&g.explanation.egress, &g.explanation.ingress] {
                if d.allowed() {
                    continue;
                }
                for step in d.admin.iter().chain(&d.baseline).filter(|s| s.action == crate::spec::Action::Deny) {
                    let m = step.deciding();
                    let p = &cluster.cluster_policies()[m.policy];
                    let object = format!("{} {}", p.kind.as_str(), p.name);
                    places.push((object, format!("spec.{}[{}]", d.direction.field(), m.rule)));
                }
                // At the rules of the direction (`spec.egress`); at `spec` when the policy has none.
                for id in &d.isolating {
                    let object = format!("NetworkPolicy {}", cluster.policy(*id).qualified_name());
                    places.push((object, format!("spec.{}", d.direction.field())));
                }
            }
            let message = format!(
                "{} -> {} {}: {} observed would be denied\n{}",
                g.from,
                g.to,
                g.ports,
                flows_records((g.flows, g.records)),
                g.report(cluster).trim_end()
            );
            results.push((sarif_result("NPF01", SarifLevel::Error, message), places));
        }
        for g in &self.newly_allowed_groups {
            let message = format!(
                "{} -> {} {}: {} observed dropped, allowed by these policies",
                g.from,
                g.to,
                g.ports,
                flows_records((g.flows, g.records))
            );
            results.push((sarif_result("NPF02", SarifLevel::Warning, message), Vec::new()));
        }
        for r in &self.rules {
            let object = format!("NetworkPolicy {}", cluster.policy(r.policy).qualified_name());
            if r.flows == 0 {
                let message = format!("{} {}: no observed flow uses this rule", object, r.path());
                results.push((sarif_result("NPF03", SarifLevel::Note, message), [(object, r.path())].into()));
                continue;
            }
            for path in r.unused_entry_paths() {
                let message = format!("{object} {path}: no observed flow needs this entry of a used rule");
                results.push((sarif_result("NPF04", SarifLevel::Note, message), [(object.clone(), path)].into()));
            }
        }
        let requests: Vec<(&str, &str)> =
            results.iter().flat_map(|(_, places)| places.iter().map(|(o, p)| (o.as_str(), p.as_str()))).collect();
        let mut lines = sources.lines(&requests).into_iter();
        let results: Vec<SarifResult> = results
            .into_iter()
            .map(|(mut result, places)| {
                result.locations = places
                    .into_iter()
                    .map(|(object, path)| SarifLocation { line: lines.next().flatten(), object, path })
                    .collect();
                ensure_a_line(&mut result.locations, sources);
                result
            })
            .collect();
        sarif_log(&sarif_rules(), &results)
    }
}

fn sarif_result(rule: &str, level: SarifLevel, message: String) -> SarifResult {
    SarifResult { rule: rule.into(), level, message, locations: Vec::new() }
}
