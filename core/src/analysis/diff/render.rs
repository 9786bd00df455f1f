//! The text and JSON forms of a [`Diff`], as `netpol diff` prints them.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{Change, Diff, ExternalChange, PairChange};
use crate::report::markdown::{cell, close_details, code, open_details, table, FOLD_ROWS};
use crate::report::plural;
use crate::report::ports_json;
use crate::spec::Direction;

/// Groups listed per side of a line in text (JSON lists them all).
const TEXT_GROUPS: usize = 6;

fn list(items: &[String]) -> String {
    if items.len() <= TEXT_GROUPS {
        return items.join(", ");
    }
    format!("{} (+{} more)", items[..TEXT_GROUPS].join(", "), items.len() - TEXT_GROUPS)
}

fn causes(c: &[String]) -> String {
    if c.is_empty() {
        "labels of pods or namespaces".into()
    } else {
        c.join(", ")
    }
}

impl Diff {
    /// The one-line summary the text and Markdown forms start with.
    pub fn summary_line(&self) -> String {
        let s = &self.summary;
        format!(
            "newly allowed: {} ({}), {}; newly denied: {} ({}), {}",
            plural(s.allowed_pod_pairs, "pod pair"),
            plural(s.allowed_group_pairs, "workload pair"),
            plural(s.allowed_external, "external change"),
            plural(s.denied_pod_pairs, "pod pair"),
            plural(s.denied_group_pairs, "workload pair"),
            plural(s.denied_external, "external change"),
        )
    }

    /// The policies added, changed and removed: `added a/x; changed b/y`; empty for none.
    fn policies_line(&self) -> String {
        let mut policies = Vec::new();
        for (what, names) in
            [("added", &self.policies_added), ("changed", &self.policies_changed), ("removed", &self.policies_removed)]
        {
            if !names.is_empty() {
                policies.push(format!("{what} {}", names.join(", ")));
            }
        }
        policies.join("; ")
    }

    /// The diff as a pull-request comment (GitHub Markdown): the summary line in bold, the
    /// policies changed, then a table per side (from, to, ports, pairs, because), folded in
    /// `<details>` past 20 rows, and the groups found on one side only, folded.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let mark = if self.newly_allows() {
            "⚠️"
        } else if self.is_empty() {
            "✅"
        } else {
            "ℹ️"
        };
        let _ = writeln!(
            out,
            "{mark} **netpol diff**: {}
",
            self.summary_line()
        );
        let policies = self.policies_line();
        if !policies.is_empty() {
            let _ = writeln!(
                out,
                "Policies: {}
",
                cell(&policies)
            );
        }
        for allowed in [true, false] {
            let mut rows: Vec<Vec<String>> = Vec::new();
            for c in self.changes.iter().filter(|c| c.allowed == allowed) {
                rows.push(alloc::vec![
                    c.from.iter().map(|g| code(g)).collect::<Vec<_>>().join(", "),
                    c.to.iter().map(|g| code(g)).collect::<Vec<_>>().join(", "),
                    c.ports.to_string(),
                    format!("{}, {}", plural(c.group_pairs, "workload pair"), plural(c.pod_pairs, "pod pair")),
                    causes(&c.causes),
                ]);
            }
            for e in self.external.iter().filter(|c| c.allowed == allowed) {
                let groups = e.groups.iter().map(|g| code(g)).collect::<Vec<_>>().join(", ");
                let (from, to) = match e.direction {
                    Direction::Egress => (groups, code(&e.addresses)),
                    Direction::Ingress => (code(&e.addresses), groups),
                };
                rows.push(alloc::vec![from, to, e.ports.to_string(), "external".into(), causes(&e.causes)]);
            }
            if rows.is_empty() {
                continue;
            }
            let title = format!("{} ({})", if allowed { "Newly allowed" } else { "Newly denied" }, rows.len());
            let fold = rows.len() > FOLD_ROWS;
            if fold {
                open_details(&mut out, &title, false);
            } else {
                let _ = writeln!(
                    out,
                    "#### {title}
"
                );
            }
            table(&mut out, &["From", "To", "Ports", "Pairs", "Because"], rows);
            if fold {
                close_details(&mut out);
            } else {
                out.push('\n');
            }
        }
        for (title, groups) in
            [("Only after (not compared)", &self.added), ("Only before (not compared)", &self.removed)]
        {
            if !groups.is_empty() {
                open_details(&mut out, &format!("{title}: {}", groups.len()), false);
                let _ = writeln!(out, "{}", groups.iter().map(|g| code(g)).collect::<Vec<_>>().join(", "));
                close_details(&mut out);
            }
        }
        if self.is_empty() {
            out.push_str("No connection changes.\n");
        }
        out
    }

    /// The report `netpol diff` prints: a summary, then newly allowed and newly denied
    /// connections (folded lines with their causes), external addresses, and the groups and
    /// policies only on one side.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.summary_line());
        let policies = self.policies_line();
        if !policies.is_empty() {
            let _ = writeln!(out, "policies: {policies}");
        }
        for allowed in [true, false] {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.allowed == allowed).collect();
            let external: Vec<&ExternalChange> = self.external.iter().filter(|c| c.allowed == allowed).collect();
            if changes.is_empty() && external.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{}", if allowed { "NEWLY ALLOWED" } else { "NEWLY DENIED" });
            for c in changes {
                let _ = writeln!(
                    out,
                    "  {} -> {}  {}  ({}, {})",
                    list(&c.from),
                    list(&c.to),
                    c.ports,
                    plural(c.group_pairs, "workload pair"),
                    plural(c.pod_pairs, "pod pair")
                );
                let _ = writeln!(out, "    because: {}", causes(&c.causes));
            }
            for e in external {
                let (from, to) = match e.direction {
                    Direction::Egress => (list(&e.groups), e.addresses.clone()),
                    Direction::Ingress => (e.addresses.clone(), list(&e.groups)),
                };
                let _ = writeln!(out, "  {from} -> {to}  {}", e.ports);
                let _ = writeln!(out, "    because: {}", causes(&e.causes));
            }
        }
        if !self.added.is_empty() {
            let _ = writeln!(out, "\nonly after (not compared): {}", self.added.join(", "));
        }
        if !self.removed.is_empty() {
            let _ = writeln!(out, "\nonly before (not compared): {}", self.removed.join(", "));
        }
        if self.is_empty() {
            let _ = writeln!(out, "\nno connection changes");
        }
        out
    }

    /// The diff as `netpol diff -o json` prints it (shape in the README).
    pub fn to_json(&self) -> Value {
        let diff = self;
        let s = &diff.summary;
        let change = |c: &Change| {
            json!({
                "change": if c.allowed { "allowed" } else { "denied" },
                "from": c.from,
                "to": c.to,
                "ports": ports_json(&c.ports),
                "workload_pairs": c.group_pairs,
                "pod_pairs": c.pod_pairs,
                "causes": c.causes,
            })
        };
        let pair = |p: &PairChange| {
            json!({
                "change": if p.allowed { "allowed" } else { "denied" },
                "from": p.from,
                "to": p.to,
                "ports": ports_json(&p.ports),
                "pod_pairs": p.pod_pairs,
                "causes": p.causes,
            })
        };
        let external = |e: &ExternalChange| {
            json!({
                "change": if e.allowed { "allowed" } else { "denied" },
                "direction": e.direction.field(),
                "workloads": e.groups,
                "cidrs": e.cidrs,
                "addresses": e.addresses,
                "ports": ports_json(&e.ports),
                "causes": e.causes,
            })
        };
        json!({
            "summary": {
                "newly_allowed": {"pod_pairs": s.allowed_pod_pairs, "workload_pairs": s.allowed_group_pairs, "external": s.allowed_external},
                "newly_denied": {"pod_pairs": s.denied_pod_pairs, "workload_pairs": s.denied_group_pairs, "external": s.denied_external},
            },
            "changes": diff.changes.iter().map(change).collect::<Vec<_>>(),
            "pairs": diff.pairs.iter().map(pair).collect::<Vec<_>>(),
            "external": diff.external.iter().map(external).collect::<Vec<_>>(),
            "added": diff.added,
            "removed": diff.removed,
            "policies": {"added": diff.policies_added, "changed": diff.policies_changed, "removed": diff.policies_removed},
        })
    }
}
