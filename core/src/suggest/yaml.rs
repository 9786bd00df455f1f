//! Rendering a suggestion: a multi-document YAML stream with a comment above each policy (what
//! `kubectl apply -f` takes), or a JSON `List`. Both come from one small tree, so they agree.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::Suggestion;
use crate::spec::{LabelSelector, NetworkPolicy, Peer, PolicyPort, PortMatch, Rule};

/// A YAML/JSON value with keys in the order written.
enum Node {
    Str(String),
    Int(i64),
    Map(Vec<(&'static str, Node)>),
    /// A map with data keys (labels).
    Labels(Vec<(String, Node)>),
    Seq(Vec<Node>),
}

impl Node {
    fn str(s: &str) -> Node {
        Node::Str(s.to_string())
    }

    fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Str(s) => Value::String(s.clone()),
            Node::Int(n) => Value::from(*n),
            Node::Map(entries) => Value::Object(entries.iter().map(|(k, v)| (k.to_string(), v.to_json())).collect()),
            Node::Labels(entries) => Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
            Node::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
        }
    }

    fn entries(&self) -> Option<Vec<(&str, &Node)>> {
        match self {
            Node::Map(e) => Some(e.iter().map(|(k, v)| (*k, v)).collect()),
            Node::Labels(e) => Some(e.iter().map(|(k, v)| (k.as_str(), v)).collect()),
            _ => None,
        }
    }
}

fn selector(s: &LabelSelector) -> Node {
    let mut entries = Vec::new();
    if !s.match_labels().is_empty() {
        let labels = s.match_labels().iter().map(|(k, v)| (k.clone(), Node::str(v))).collect();
        entries.push(("matchLabels", Node::Labels(labels)));
    }
    if !s.match_expressions().is_empty() {
        let expressions = s
            .match_expressions()
            .iter()
            .map(|r| {
                let mut e = alloc::vec![("key", Node::str(r.key())), ("operator", Node::str(r.operator().as_str()))];
                if !r.values().is_empty() {
                    e.push(("values", Node::Seq(r.values().iter().map(|v| Node::str(v)).collect())));
                }
                Node::Map(e)
            })
            .collect();
        entries.push(("matchExpressions", Node::Seq(expressions)));
    }
    Node::Map(entries)
}

fn peer(p: &Peer) -> Node {
    match p {
        Peer::Selector { pod_selector, namespace_selector } => {
            let mut entries = Vec::new();
            if let Some(ns) = namespace_selector {
                entries.push(("namespaceSelector", selector(ns)));
            }
            if let Some(pods) = pod_selector {
                entries.push(("podSelector", selector(pods)));
            }
            Node::Map(entries)
        }
        Peer::IpBlock(block) => {
            let mut entries = alloc::vec![("cidr", Node::Str(block.cidr().to_string()))];
            if !block.except().is_empty() {
                entries.push(("except", Node::Seq(block.except().iter().map(|e| Node::Str(e.to_string())).collect())));
            }
            Node::Map(alloc::vec![("ipBlock", Node::Map(entries))])
        }
    }
}

fn port(p: &PolicyPort) -> Node {
    let mut entries = Vec::new();
    match &p.port {
        PortMatch::Any => {}
        PortMatch::Named(name) => entries.push(("port", Node::str(name))),
        PortMatch::Range { first, last } => {
            entries.push(("port", Node::Int(i64::from(*first))));
            if last != first {
                entries.push(("endPort", Node::Int(i64::from(*last))));
            }
        }
    }
    entries.push(("protocol", Node::str(p.protocol.as_str())));
    Node::Map(entries)
}

fn rule(r: &Rule, peers_field: &'static str) -> Node {
    let mut entries = Vec::new();
    if !r.peers.is_empty() {
        entries.push((peers_field, Node::Seq(r.peers.iter().map(peer).collect())));
    }
    if !r.ports.is_empty() {
        entries.push(("ports", Node::Seq(r.ports.iter().map(port).collect())));
    }
    Node::Map(entries)
}

fn policy(p: &NetworkPolicy) -> Node {
    let mut types = Vec::new();
    let mut spec = alloc::vec![("podSelector", selector(&p.pod_selector))];
    if p.affects_ingress {
        types.push(Node::str("Ingress"));
    }
    if p.affects_egress {
        types.push(Node::str("Egress"));
    }
    spec.push(("policyTypes", Node::Seq(types)));
    if p.affects_ingress && !p.ingress.is_empty() {
        spec.push(("ingress", Node::Seq(p.ingress.iter().map(|r| rule(r, "from")).collect())));
    }
    if p.affects_egress && !p.egress.is_empty() {
        spec.push(("egress", Node::Seq(p.egress.iter().map(|r| rule(r, "to")).collect())));
    }
    Node::Map(alloc::vec![
        ("apiVersion", Node::str("networking.k8s.io/v1")),
        ("kind", Node::str("NetworkPolicy")),
        ("metadata", Node::Map(alloc::vec![("name", Node::str(&p.name)), ("namespace", Node::str(&p.namespace))])),
        ("spec", Node::Map(spec)),
    ])
}

/// A plain scalar when YAML reads it back as this same string, else a double-quoted one (JSON
/// string syntax is valid YAML).
fn scalar(s: &str) -> String {
    const SPECIAL: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"];
    // Digits first read as a number (or a date) unless a `/` rules that out, as in a CIDR.
    let first = s.bytes().next();
    let plain = (first.is_some_and(|c| c.is_ascii_alphabetic())
        || (first.is_some_and(|c| c.is_ascii_digit()) && s.contains('/')))
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'))
        && !SPECIAL.iter().any(|w| w.eq_ignore_ascii_case(s));
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(core::iter::repeat_n(' ', indent));
}

/// `key: value` at the current position; nested maps indent by two, sequences do not (as
/// `kubectl` writes them).
fn key_value(out: &mut String, key: &str, value: &Node, indent: usize) {
    out.push_str(&scalar(key));
    out.push(':');
    match value {
        Node::Seq(items) if !items.is_empty() => {
            out.push('\n');
            seq(out, items, indent);
        }
        Node::Map(_) | Node::Labels(_) if !value.entries().is_some_and(|e| e.is_empty()) => {
            out.push('\n');
            map(out, value, indent + 2);
        }
        _ => {
            out.push(' ');
            inline(out, value);
            out.push('\n');
        }
    }
}

/// A scalar, `{}` or `[]`.
fn inline(out: &mut String, value: &Node) {
    match value {
        Node::Str(s) => out.push_str(&scalar(s)),
        Node::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Node::Seq(_) => out.push_str("[]"),
        Node::Map(_) | Node::Labels(_) => out.push_str("{}"),
    }
}

fn map(out: &mut String, value: &Node, indent: usize) {
    for (k, v) in value.entries().unwrap_or_default() {
        pad(out, indent);
        key_value(out, k, v, indent);
    }
}

fn seq(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match (item, item.entries()) {
            (_, Some(entries)) if !entries.is_empty() => {
                for (i, (k, v)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        pad(out, indent + 2);
                    }
                    key_value(out, k, v, indent + 2);
                }
            }
            (Node::Seq(inner), _) if !inner.is_empty() => {
                out.push('\n');
                seq(out, inner, indent + 2);
            }
            _ => {
                inline(out, item);
                out.push('\n');
            }
        }
    }
}

impl Suggestion {
    /// The policies as a multi-document YAML stream (`---` between documents), each with a
    /// comment saying what it is for and which observed flows it admits; the first document
    /// also carries a header and the warnings. Apply it with `kubectl apply -f`.
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# NetworkPolicies suggested by netpol from {} ({}): every",
            super::plural(self.flows as u64, "observed flow"),
            super::plural(self.records, "record")
        );
        out.push_str("# observed flow is allowed, everything else denied. They replace the current policies.\n");
        for w in &self.warnings {
            let _ = writeln!(out, "# warning: {w}");
        }
        for (i, p) in self.policies.iter().enumerate() {
            if i > 0 {
                out.push_str("---\n");
            }
            out.push_str("#\n");
            for line in &p.comment {
                let _ = writeln!(out, "# {line}");
            }
            map(&mut out, &policy(&p.policy), 0);
        }
        out
    }

    /// The policies as a pretty-printed JSON `v1/List` (no comments: JSON has none).
    pub fn to_json(&self) -> String {
        let items = Node::Seq(self.policies.iter().map(|p| policy(&p.policy)).collect());
        let list =
            Node::Map(alloc::vec![("apiVersion", Node::str("v1")), ("kind", Node::str("List")), ("items", items),]);
        let mut text = serde_json::to_string_pretty(&list.to_json()).expect("a JSON value always serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::scalar;

    #[test]
    fn scalars_quote_what_yaml_would_read_otherwise() {
        assert_eq!(scalar("frontend"), "frontend");
        assert_eq!(scalar("kubernetes.io/metadata.name"), "kubernetes.io/metadata.name");
        assert_eq!(scalar("10.0.0.1/32"), "10.0.0.1/32");
        for s in
            ["", "true", "No", "on", "null", "~", "8080", "1.0", "1e3", "2025-01-01", "fd00::/64", "a: b", "-x", "#x"]
        {
            assert!(scalar(s).starts_with('"'), "{s} must be quoted");
        }
        assert_eq!(scalar("a\"b"), "\"a\\\"b\"");
    }
}
