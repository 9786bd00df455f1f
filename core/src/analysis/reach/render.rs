//! A [`Reach`] for people (a statement, then a table) and for programs (JSON).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{Access, ExternalRow, GrantLine, Part, PeerRow, Reach};
use crate::engine::connectivity::PortSet;
use crate::report::plural;
use crate::report::ports_json;
use crate::spec::Direction;

/// How many peers the statement names before it refers to the table.
const STATEMENT_PEERS: usize = 6;

/// `a`, `a and b`, `a; b and c` (items may hold commas).
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join("; ")),
    }
}

/// Up to three pod names, then `…`.
fn names(pods: &[String]) -> String {
    let mut out = pods.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
    if pods.len() > 3 {
        out.push_str(", …");
    }
    out
}

/// The grants of one line, the subject's side first: `shop/db-from-api spec.ingress[0];
/// egress not isolated`.
fn grants_text(line: &GrantLine, direction: Direction) -> String {
    let side = |access: &Access, d: Direction| match access {
        Access::NotChecked => None,
        Access::NotIsolated => Some(format!("{} not isolated", d.field())),
        Access::Rules(rules) => Some(rules.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
    };
    let (egress, ingress) = (side(&line.egress, Direction::Egress), side(&line.ingress, Direction::Ingress));
    let ordered = if direction == Direction::Ingress { [ingress, egress] } else { [egress, ingress] };
    ordered.into_iter().flatten().collect::<Vec<_>>().join("; ")
}

/// `shop/deployment/api (2 pods)`, `shop/deployment/api (1 of 3 pods: shop/api-x)`, or
/// `shop/lone` for a pod of no workload.
fn peer_label(row: &PeerRow) -> String {
    if row.pods.len() == 1 && row.pods[0] == row.group {
        return row.group.clone();
    }
    if row.pods.len() == row.group_pods {
        return format!("{} ({})", row.group, plural(row.pods.len(), "pod"));
    }
    format!("{} ({} of {} pods: {})", row.group, row.pods.len(), row.group_pods, names(&row.pods))
}

impl Reach {
    fn is_to(&self) -> bool {
        self.direction == Direction::Ingress
    }

    /// The peers of the statement: the whole cluster, when every pod is a peer on the same
    /// ports, is one item, and so is a namespace whose every pod is; at most
    /// [`STATEMENT_PEERS`] items, then a count.
    fn peer_items(&self, part: &Part) -> Vec<String> {
        let other = if self.kind == "pod" { "other " } else { "" };
        let (cluster_pods, namespaces) = self.cluster_pods;
        if let Some(first) = part.peers.first() {
            let pods: usize = part.peers.iter().map(|r| r.pods.len()).sum();
            if namespaces > 1 && pods == cluster_pods && part.peers.iter().all(|r| r.ports == first.ports) {
                return alloc::vec![format!(
                    "every {other}pod in the cluster ({} in {namespaces} namespaces) on {}",
                    plural(pods, "pod"),
                    first.ports.to_string()
                )];
            }
        }
        // Peers by namespace: a namespace whose every pod is a peer on the same ports is
        // `Ok((namespace, pods, ports))`, other peers are `Err(text)`.
        let mut entries: Vec<Result<(&str, usize, &PortSet), String>> = Vec::new();
        let mut rows = &part.peers[..];
        while let Some(first) = rows.first() {
            let n = rows.iter().take_while(|r| r.namespace == first.namespace).count();
            let (here, rest) = rows.split_at(n);
            let pods: usize = here.iter().map(|r| r.pods.len()).sum();
            if n > 1
                && here.iter().all(|r| r.ports == first.ports)
                && self.namespace_pods.get(&first.namespace) == Some(&pods)
            {
                entries.push(Ok((first.namespace.as_str(), pods, &first.ports)));
            } else {
                entries.extend(here.iter().map(|r| Err(format!("{} on {}", peer_label(r), r.ports))));
            }
            rows = rest;
        }
        // Whole namespaces on the same ports fold into one item, where the first of them stands.
        let subject_ns = self.subject.split('/').next();
        let mut items = Vec::new();
        let mut folded: Vec<&PortSet> = Vec::new();
        for entry in &entries {
            match entry {
                Err(text) => items.push(text.clone()),
                Ok((_, _, ports)) if folded.contains(ports) => {}
                Ok((_, _, ports)) => {
                    folded.push(ports);
                    let same: Vec<(&str, usize)> =
                        entries.iter().flatten().filter(|w| w.2 == *ports).map(|w| (w.0, w.1)).collect();
                    let pods: usize = same.iter().map(|w| w.1).sum();
                    let other =
                        if self.kind == "pod" && same.iter().any(|w| Some(w.0) == subject_ns) { "other " } else { "" };
                    let where_ = match &same[..] {
                        [one] => format!("namespace {}", one.0),
                        few if few.len() <= 3 => {
                            format!("namespaces {}", and_list(&few.iter().map(|w| w.0.to_string()).collect::<Vec<_>>()))
                        }
                        many => format!("{} namespaces", many.len()),
                    };
                    items.push(format!("every {other}pod of {where_} ({}) on {}", plural(pods, "pod"), ports));
                }
            }
        }
        if items.len() > STATEMENT_PEERS {
            let more = items.len() - STATEMENT_PEERS;
            items.truncate(STATEMENT_PEERS);
            items.push(format!("{more} more (see the table)"));
        }
        items
    }

    /// Who the statement of `part` is about.
    fn subject_label(&self, part: &Part) -> String {
        if self.parts.len() > 1 {
            return format!(
                "{} ({} of the {} pods of {})",
                names(&part.pods),
                part.pods.len(),
                self.pods,
                self.subject
            );
        }
        match self.kind {
            "pod" => match &self.workload {
                Some(w) => format!("{} ({w})", self.subject),
                None => self.subject.clone(),
            },
            "workload" => format!("{} ({})", self.subject, plural(self.pods, "pod")),
            _ => format!("{} (an address outside the cluster's pods)", self.subject),
        }
    }

    /// The statement about one part: who reaches it (or what it reaches), from outside the
    /// cluster too, and whether its side is isolated at all.
    pub fn part_statement(&self, part: &Part) -> String {
        let who = self.subject_label(part);
        let isolated = part.isolated_by.as_ref().is_none_or(|p| !p.is_empty());
        let only = if isolated { "only " } else { "" };
        let mut out = String::new();
        let items = self.peer_items(part);
        let granted = match (&part.peers[..], part.external.is_empty()) {
            ([row], true) if row.grants.len() == 1 => {
                format!(", granted by {}", grants_text(&row.grants[0], self.direction).replace("; ", " and "))
            }
            _ => String::new(),
        };
        let _ = match (self.is_to(), items.is_empty()) {
            (true, true) => write!(out, "{who} is not reachable from any pod."),
            (true, false) => write!(out, "{who} is reachable {only}from {}{granted}.", and_list(&items)),
            (false, true) => write!(out, "{who} may reach no pod."),
            (false, false) => write!(out, "{who} may reach {only}{}{granted}.", and_list(&items)),
        };
        if part.isolated_by.is_some() {
            let external: Vec<String> =
                part.external.iter().map(|r| format!("{} on {}", r.addresses.replace('\n', "; "), r.ports)).collect();
            let _ = match (self.is_to(), external.is_empty()) {
                (true, true) => write!(out, " It is not reachable from outside the cluster."),
                (true, false) => write!(out, " From outside the cluster it is reachable from {}.", and_list(&external)),
                (false, true) => write!(out, " It may reach nothing outside the cluster."),
                (false, false) => write!(out, " Outside the cluster it may reach {}.", and_list(&external)),
            };
        }
        if !isolated {
            let (field, type_, peers) =
                if self.is_to() { ("ingress", "Ingress", "egress") } else { ("egress", "Egress", "ingress") };
            let whom = if self.kind == "pod" { self.subject.clone() } else { format!("the pods of {}", self.subject) };
            let _ = write!(
                out,
                "\nNot isolated: no policy selects {whom} for {type_}, so its {field} allows everything; only the peers' {peers} policies restrict it."
            );
        }
        out
    }

    /// The statement: one per part, after a line saying that a workload's pods differ.
    pub fn statement(&self) -> String {
        let mut out = String::new();
        if self.parts.len() > 1 {
            let _ = writeln!(
                out,
                "The {} pods of {} differ: {} groups answer differently.",
                self.pods,
                self.subject,
                self.parts.len()
            );
        }
        let parts: Vec<String> = self.parts.iter().map(|p| self.part_statement(p)).collect();
        out.push_str(&parts.join("\n"));
        out
    }

    /// Table rows of a part: (peer, namespace, pods, ports, granted by), one per grant line.
    fn rows(&self, part: &Part) -> Vec<[String; 5]> {
        let mut rows = Vec::new();
        let mut push = |first: [String; 3], grants: &[GrantLine]| {
            for (i, line) in grants.iter().enumerate() {
                let lead = if i == 0 { first.clone() } else { Default::default() };
                let [a, b, c] = lead;
                rows.push([a, b, c, line.ports.to_string(), grants_text(line, self.direction)]);
            }
        };
        for r in &part.peers {
            let short = r.group.strip_prefix(&format!("{}/", r.namespace)).unwrap_or(&r.group).to_string();
            let (peer, pods) = if r.pods.len() == r.group_pods {
                (short, r.pods.len().to_string())
            } else {
                let pods: Vec<String> = r.pods.iter().map(|p| p.rsplit('/').next().unwrap_or(p).to_string()).collect();
                (format!("{short} [{}]", names(&pods)), format!("{} of {}", r.pods.len(), r.group_pods))
            };
            push([peer, r.namespace.clone(), pods], &r.grants);
        }
        for r in &part.external {
            push([r.addresses.replace('\n', "; "), "(outside)".into(), "-".into()], &r.grants);
        }
        rows
    }

    /// The statement, then per part a table: PEER, NAMESPACE, PODS, PORTS, GRANTED BY.
    pub fn to_text(&self) -> String {
        let mut out = self.statement();
        out.push('\n');
        for part in &self.parts {
            out.push('\n');
            if self.parts.len() > 1 {
                let _ = writeln!(out, "{}:", names(&part.pods));
            }
            let rows = self.rows(part);
            if rows.is_empty() {
                out.push_str("(no peers)\n");
                continue;
            }
            let header = ["PEER", "NAMESPACE", "PODS", "PORTS", "GRANTED BY"].map(String::from);
            let mut widths = [0usize; 5];
            for row in core::iter::once(&header).chain(&rows) {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for row in core::iter::once(&header).chain(&rows) {
                let mut line = String::new();
                for (i, cell) in row.iter().enumerate() {
                    if i + 1 < row.len() {
                        let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
                    } else {
                        line.push_str(cell);
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out
    }

    /// A heading, the statement and a table per part (peer, namespace, pods, ports, granted
    /// by), in GitHub Markdown.
    pub fn to_markdown(&self) -> String {
        let cell = |s: &str| s.replace('|', "\\|");
        let mut out = String::new();
        let verb = if self.is_to() { "Who can reach" } else { "What can be reached from" };
        let _ = writeln!(out, "## {verb} `{}`\n", self.subject);
        for line in self.statement().lines() {
            let _ = writeln!(out, "{line}\n");
        }
        for part in &self.parts {
            if self.parts.len() > 1 {
                let _ = writeln!(out, "### {}\n", names(&part.pods));
            }
            let rows = self.rows(part);
            if rows.is_empty() {
                out.push_str("No peers.\n\n");
                continue;
            }
            out.push_str("| Peer | Namespace | Pods | Ports | Granted by |\n| --- | --- | --- | --- | --- |\n");
            for row in rows {
                let _ = writeln!(out, "| {} |", row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | "));
            }
            out.push('\n');
        }
        out
    }

    /// `{"direction": "to"|"from", "subject": {"name", "kind": "pod"|"workload"|"address",
    /// "workload", "pods"}, "statement", "parts": [{"pods", "isolated_by" (null for an
    /// address; [] when not isolated), "statement", "peers": [{"group", "namespace", "pods",
    /// "group_pods", "ports", "label", "grants"}], "external": [{"addresses", "cidrs", "ports",
    /// "label", "grants"}]}]}`. `ports` is as [`ports_json`], `label` as the [`PortSet`] notation; each
    /// grant is `{"ports", "label", "egress", "ingress"}` with a side as `{"access":
    /// "rules"|"not-isolated"|"not-checked", "rules": [{"policy", "rule"}]}`.
    pub fn to_json(&self) -> Value {
        let side = |a: &Access| match a {
            Access::NotChecked => json!({"access": "not-checked", "rules": []}),
            Access::NotIsolated => json!({"access": "not-isolated", "rules": []}),
            Access::Rules(rules) => json!({"access": "rules", "rules": rules
                .iter()
                .map(|g| json!({"policy": g.policy, "rule": g.rule}))
                .collect::<Vec<_>>()}),
        };
        let grants = |lines: &[GrantLine]| -> Vec<Value> {
            lines
                .iter()
                .map(|l| {
                    json!({"ports": ports_json(&l.ports), "label": l.ports.to_string(), "egress": side(&l.egress), "ingress": side(&l.ingress)})
                })
                .collect()
        };
        let peer = |r: &PeerRow| {
            json!({"group": r.group, "namespace": r.namespace, "pods": r.pods, "group_pods": r.group_pods,
                "ports": ports_json(&r.ports), "label": r.ports.to_string(), "grants": grants(&r.grants)})
        };
        let external = |r: &ExternalRow| {
            json!({"addresses": r.addresses, "cidrs": r.cidrs, "ports": ports_json(&r.ports),
                "label": r.ports.to_string(), "grants": grants(&r.grants)})
        };
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|p| {
                json!({
                    "pods": p.pods,
                    "isolated_by": p.isolated_by,
                    "statement": self.part_statement(p),
                    "peers": p.peers.iter().map(peer).collect::<Vec<_>>(),
                    "external": p.external.iter().map(external).collect::<Vec<_>>(),
                })
            })
            .collect();
        let pods: Vec<&String> = self.parts.iter().flat_map(|p| &p.pods).collect();
        json!({
            "direction": if self.is_to() { "to" } else { "from" },
            "subject": {"name": self.subject, "kind": self.kind, "workload": self.workload, "pods": pods},
            "statement": self.statement(),
            "parts": parts,
        })
    }
}
