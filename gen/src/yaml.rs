//! The last stage: the model as YAML documents, in the block style `kubectl` prints.
//!
//! Written by hand (no serializer dependency, and it is the fast part of the generator). Only
//! strings the generator made pass through here, so quoting is simple: anything that is neither a
//! word starting with a letter nor an address (`10.64.0.2`, `10.0.0.0/8`), or that a YAML 1.1
//! reader would take for a boolean or null, is single-quoted; none of them contains a quote.

use std::fmt::Write as _;

use crate::cluster::{host_ip, node_name, Namespace, Pod};
use crate::policies::{Peer, Policy, PortValue, Rule, Selector};

/// Pushes `s` as a YAML scalar that reads back as the string `s`.
fn scalar(out: &mut String, s: &str) {
    const RESERVED: [&str; 11] = ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"];
    let word = s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic)
        && !RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s))
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"-_./:".contains(&c));
    // Addresses and CIDRs (`10.64.0.2`, `10.0.0.0/8`): no YAML reader takes them for numbers.
    let address = s.bytes().filter(|&c| c == b'.').count() >= 2
        && s.bytes().all(|c| c.is_ascii_digit() || c == b'.' || c == b'/');
    let plain = word || address;
    if plain {
        out.push_str(s);
    } else {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    }
}

/// `<indent>key: value\n`.
fn field(out: &mut String, indent: usize, key: &str, value: &str) {
    pad(out, indent);
    out.push_str(key);
    out.push_str(": ");
    scalar(out, value);
    out.push('\n');
}

/// `<TOP + indent>text\n`, for the fixed lines of an object.
fn line(out: &mut String, indent: usize, text: &str) {
    pad(out, TOP + indent);
    out.push_str(text);
    out.push('\n');
}

fn pad(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

/// Writes a list item with `write` at `indent + 2`, then turns the first line's last two spaces
/// of indentation into `- `.
fn item(out: &mut String, indent: usize, write: impl FnOnce(&mut String, usize)) {
    let start = out.len();
    write(out, indent + 2);
    out.replace_range(start + indent..start + indent + 2, "- ");
}

fn ip(out: &mut String, indent: usize, key: &str, ip: [u8; 4]) {
    field(out, indent, key, &format!("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]));
}

fn labels<K: AsRef<str>>(out: &mut String, indent: usize, key: &str, labels: &[(K, String)]) {
    pad(out, indent);
    out.push_str(key);
    out.push_str(":\n");
    for (k, v) in labels {
        field(out, indent + 2, k.as_ref(), v);
    }
}

/// Opens an item of the List: `- apiVersion: ...` and `kind`; the object's fields follow at
/// [`TOP`].
fn document(out: &mut String, api_version: &str, kind: &str) {
    out.push_str("- ");
    out.push_str("apiVersion: ");
    scalar(out, api_version);
    out.push('\n');
    field(out, TOP, "kind", kind);
}

/// The indentation of an object's top-level fields inside the List's `items`.
const TOP: usize = 2;

/// Opens the `kind: List` that holds every object (a multi-document stream would do for small
/// clusters, but netpol's YAML reader caps the number of documents per input).
pub(crate) fn list_start(out: &mut String) {
    out.push_str("apiVersion: v1\nkind: List\nitems:\n");
}

/// A `v1/Namespace`, with the `kubernetes.io/metadata.name` label the API server adds.
pub(crate) fn namespace(out: &mut String, ns: &Namespace) {
    document(out, "v1", "Namespace");
    line(out, 0, "metadata:");
    let mut all: Vec<(&str, String)> = ns.labels.iter().map(|(k, v)| (*k, v.clone())).collect();
    all.push(("kubernetes.io/metadata.name", ns.name.clone()));
    all.sort();
    labels(out, TOP + 2, "labels", &all);
    field(out, TOP + 2, "name", &ns.name);
}

/// A running `v1/Pod` with one container.
pub(crate) fn pod(out: &mut String, pod: &Pod, namespace: &str) {
    document(out, "v1", "Pod");
    line(out, 0, "metadata:");
    labels(out, TOP + 2, "labels", &pod.labels);
    field(out, TOP + 2, "name", &pod.name);
    field(out, TOP + 2, "namespace", namespace);
    line(out, 0, "spec:");
    line(out, 2, "containers:");
    item(out, TOP + 2, |out, indent| {
        field(out, indent, "image", &pod.image);
        field(out, indent, "name", &pod.container);
        pad(out, indent);
        out.push_str("ports:\n");
        for port in pod.role.ports() {
            item(out, indent, |out, indent| {
                pad(out, indent);
                let _ = writeln!(out, "containerPort: {}", port.number);
                field(out, indent, "name", port.name);
                field(out, indent, "protocol", port.protocol);
            });
        }
    });
    field(out, TOP + 2, "nodeName", &node_name(pod.node));
    line(out, 0, "status:");
    ip(out, TOP + 2, "hostIP", host_ip(pod.node));
    field(out, TOP + 2, "phase", "Running");
    ip(out, TOP + 2, "podIP", pod.ip);
    line(out, 2, "podIPs:");
    item(out, TOP + 2, |out, indent| ip(out, indent, "ip", pod.ip));
}

fn selector(out: &mut String, indent: usize, key: &str, selector: &Selector) {
    pad(out, indent);
    out.push_str(key);
    if selector.labels.is_empty() && selector.expressions.is_empty() {
        out.push_str(": {}\n");
        return;
    }
    out.push_str(":\n");
    if !selector.expressions.is_empty() {
        pad(out, indent + 2);
        out.push_str("matchExpressions:\n");
        for e in &selector.expressions {
            item(out, indent + 2, |out, indent| {
                field(out, indent, "key", e.key);
                field(out, indent, "operator", e.operator);
                if !e.values.is_empty() {
                    pad(out, indent);
                    out.push_str("values:\n");
                    for v in &e.values {
                        pad(out, indent);
                        out.push_str("- ");
                        scalar(out, v);
                        out.push('\n');
                    }
                }
            });
        }
    }
    if !selector.labels.is_empty() {
        labels(out, indent + 2, "matchLabels", &selector.labels);
    }
}

fn peer(out: &mut String, indent: usize, peer: &Peer) {
    match peer {
        Peer::Selectors { namespaces, pods } => {
            if let Some(s) = namespaces {
                selector(out, indent, "namespaceSelector", s);
            }
            if let Some(s) = pods {
                selector(out, indent, "podSelector", s);
            }
        }
        Peer::IpBlock { cidr, except } => {
            pad(out, indent);
            out.push_str("ipBlock:\n");
            field(out, indent + 2, "cidr", cidr);
            if !except.is_empty() {
                pad(out, indent + 2);
                out.push_str("except:\n");
                for e in except {
                    pad(out, indent + 2);
                    out.push_str("- ");
                    scalar(out, e);
                    out.push('\n');
                }
            }
        }
    }
}

fn rules(out: &mut String, key: &str, peers_key: &str, rules: &[Rule]) {
    if rules.is_empty() {
        return;
    }
    line(out, 2, &format!("{key}:"));
    for r in rules {
        item(out, TOP + 2, |out, indent| {
            if !r.peers.is_empty() {
                pad(out, indent);
                let _ = writeln!(out, "{peers_key}:");
                for p in &r.peers {
                    item(out, indent, |out, indent| peer(out, indent, p));
                }
            }
            if !r.ports.is_empty() {
                pad(out, indent);
                out.push_str("ports:\n");
                for p in &r.ports {
                    item(out, indent, |out, indent| {
                        match p.value {
                            PortValue::Number(n) => {
                                pad(out, indent);
                                let _ = writeln!(out, "port: {n}");
                            }
                            PortValue::Range(first, last) => {
                                pad(out, indent);
                                let _ = writeln!(out, "endPort: {last}");
                                pad(out, indent);
                                let _ = writeln!(out, "port: {first}");
                            }
                            PortValue::Named(name) => field(out, indent, "port", name),
                        }
                        field(out, indent, "protocol", p.protocol);
                    });
                }
            }
            if r.peers.is_empty() && r.ports.is_empty() {
                // `- {}`: a rule that admits everything.
                pad(out, indent);
                out.push_str("{}\n");
            }
        });
    }
}

/// A `networking.k8s.io/v1/NetworkPolicy`.
pub(crate) fn policy(out: &mut String, policy: &Policy, namespace: &str) {
    document(out, "networking.k8s.io/v1", "NetworkPolicy");
    line(out, 0, "metadata:");
    field(out, TOP + 2, "name", &policy.name);
    field(out, TOP + 2, "namespace", namespace);
    line(out, 0, "spec:");
    rules(out, "egress", "to", &policy.egress);
    rules(out, "ingress", "from", &policy.ingress);
    selector(out, TOP + 2, "podSelector", &policy.pod_selector);
    if let Some(types) = policy.types {
        line(out, 2, "policyTypes:");
        for t in types {
            pad(out, TOP + 2);
            out.push_str("- ");
            out.push_str(t);
            out.push('\n');
        }
    }
}
