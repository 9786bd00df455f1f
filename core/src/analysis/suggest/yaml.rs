//! Rendering a suggestion: a multi-document YAML stream with a comment above each policy (what
//! `kubectl apply -f` takes), or a JSON `List`. Both serialise the same k8s-openapi objects
//! (the reverse of [`crate::k8s`]'s conversion), so they agree; serde-saphyr quotes whatever a
//! YAML reader would take for another type.

use std::string::{String, ToString};
use std::vec::Vec;

use k8s_openapi::api::networking::v1 as net_v1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta_v1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::Suggestion;
use crate::spec::{LabelSelector, NetworkPolicy, Peer, PolicyPort, PortMatch, Rule};

/// `Some(items)` unless there are none: k8s-openapi leaves out `None` fields.
fn non_empty<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn selector(s: &LabelSelector) -> meta_v1::LabelSelector {
    let expressions = s
        .match_expressions()
        .iter()
        .map(|r| meta_v1::LabelSelectorRequirement {
            key: r.key().to_string(),
            operator: r.operator().as_str().to_string(),
            values: non_empty(r.values().to_vec()),
        })
        .collect();
    meta_v1::LabelSelector {
        match_labels: (!s.match_labels().is_empty()).then(|| s.match_labels().clone()),
        match_expressions: non_empty(expressions),
    }
}

fn peer(p: &Peer) -> net_v1::NetworkPolicyPeer {
    match p {
        Peer::Selector { pod_selector, namespace_selector } => net_v1::NetworkPolicyPeer {
            pod_selector: pod_selector.as_ref().map(selector),
            namespace_selector: namespace_selector.as_ref().map(selector),
            ip_block: None,
        },
        Peer::IpBlock(block) => net_v1::NetworkPolicyPeer {
            ip_block: Some(net_v1::IPBlock {
                cidr: block.cidr().to_string(),
                except: non_empty(block.except().iter().map(ToString::to_string).collect()),
            }),
            ..Default::default()
        },
    }
}

fn port(p: &PolicyPort) -> net_v1::NetworkPolicyPort {
    let (port, end_port) = match &p.port {
        PortMatch::Any => (None, None),
        PortMatch::Named(name) => (Some(IntOrString::String(name.clone())), None),
        PortMatch::Range { first, last } => {
            (Some(IntOrString::Int(i32::from(*first))), (last != first).then_some(i32::from(*last)))
        }
    };
    net_v1::NetworkPolicyPort { port, end_port, protocol: Some(p.protocol.as_str().to_string()) }
}

/// A rule's peers and ports.
fn peers_and_ports(r: &Rule) -> (Option<Vec<net_v1::NetworkPolicyPeer>>, Option<Vec<net_v1::NetworkPolicyPort>>) {
    (non_empty(r.peers.iter().map(peer).collect()), non_empty(r.ports.iter().map(port).collect()))
}

/// The API object for `p`, with its policy types always explicit.
fn policy(p: &NetworkPolicy) -> net_v1::NetworkPolicy {
    let mut types = Vec::new();
    if p.affects_ingress {
        types.push("Ingress".to_string());
    }
    if p.affects_egress {
        types.push("Egress".to_string());
    }
    let ingress = p.ingress.iter().map(|r| {
        let (from, ports) = peers_and_ports(r);
        net_v1::NetworkPolicyIngressRule { from, ports }
    });
    let egress = p.egress.iter().map(|r| {
        let (to, ports) = peers_and_ports(r);
        net_v1::NetworkPolicyEgressRule { to, ports }
    });
    net_v1::NetworkPolicy {
        metadata: meta_v1::ObjectMeta {
            name: Some(p.name.clone()),
            namespace: Some(p.namespace.clone()),
            ..Default::default()
        },
        spec: Some(net_v1::NetworkPolicySpec {
            // `{}` (every pod) is written out: older API servers require the field.
            pod_selector: Some(selector(&p.pod_selector)),
            policy_types: Some(types),
            ingress: if p.affects_ingress { non_empty(ingress.collect()) } else { None },
            egress: if p.affects_egress { non_empty(egress.collect()) } else { None },
        }),
    }
}

/// One policy as a YAML document (no `---`).
fn document(p: &NetworkPolicy) -> String {
    serde_saphyr::to_string(&policy(p)).expect("a NetworkPolicy always serialises")
}

/// A `v1/List`, as `kubectl get -o json` writes several objects.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct List {
    api_version: &'static str,
    kind: &'static str,
    items: Vec<net_v1::NetworkPolicy>,
}

impl Suggestion {
    /// The policies as a multi-document YAML stream (`---` between documents), each with a
    /// comment saying what it is for and which observed flows it admits; the first document
    /// also carries a header and the warnings. Apply it with `kubectl apply -f`.
    pub fn to_yaml(&self) -> String {
        crate::report::into_string(|out| self.write_yaml(out))
    }

    /// Writes the YAML of [`Suggestion::to_yaml`], one policy at a time.
    pub fn write_yaml<W: std::io::Write + ?Sized>(&self, out: &mut W) -> std::io::Result<()> {
        writeln!(
            out,
            "# NetworkPolicies suggested by netpol from {} ({}): every",
            super::plural(self.flows as u64, "observed flow"),
            super::plural(self.records, "record")
        )?;
        out.write_all(b"# observed flow is allowed, everything else denied. They replace the current policies.\n")?;
        for w in &self.warnings {
            writeln!(out, "# warning: {w}")?;
        }
        for (i, p) in self.policies.iter().enumerate() {
            if i > 0 {
                out.write_all(b"---\n")?;
            }
            out.write_all(b"#\n")?;
            for line in &p.comment {
                writeln!(out, "# {line}")?;
            }
            out.write_all(document(&p.policy).as_bytes())?;
        }
        Ok(())
    }

    /// The policies as a pretty-printed JSON `v1/List` (no comments: JSON has none).
    pub fn to_json(&self) -> String {
        let items = self.policies.iter().map(|p| policy(&p.policy)).collect();
        let list = List { api_version: "v1", kind: "List", items };
        let mut text = serde_json::to_string_pretty(&list).expect("a NetworkPolicy always serialises");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::format;
    use std::string::{String, ToString};
    use std::vec::Vec;

    use super::document;
    use crate::spec::{LabelSelector, NetworkPolicy};

    /// A policy selecting pods by `labels`.
    fn selecting(labels: &[(&str, &str)]) -> NetworkPolicy {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        NetworkPolicy {
            namespace: "x".into(),
            name: "p".into(),
            pod_selector: LabelSelector::new(labels, Vec::new()),
            ingress: Vec::new(),
            egress: Vec::new(),
            affects_ingress: true,
            affects_egress: false,
        }
    }

    /// `spec.podSelector.matchLabels` of `yaml`, read back as the loader reads it (YAML 1.2).
    fn read_back(yaml: &str) -> BTreeMap<String, serde_json::Value> {
        let value: serde_json::Value = serde_saphyr::from_str(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        let labels = value["spec"]["podSelector"]["matchLabels"].as_object().unwrap_or_else(|| panic!("{yaml}"));
        labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn scalars_quote_what_yaml_would_read_otherwise() {
        let plain = [("app", "frontend"), ("kubernetes.io/metadata.name", "shop"), ("version", "v1.2.3")];
        let yaml = document(&selecting(&plain));
        for (k, v) in plain {
            assert!(yaml.contains(&format!("      {k}: {v}\n")), "{k}: {v} written plain in\n{yaml}");
        }

        // Values YAML 1.1 or 1.2 readers (kubectl's among them) take for booleans, numbers,
        // nulls or dates, or that YAML syntax would change.
        let tricky = [
            "",
            "true",
            "False",
            "No",
            "y",
            "on",
            "OFF",
            "null",
            "~",
            "8080",
            "1.0",
            "1e3",
            "0x1f",
            "0o17",
            ".5",
            "1_000",
            "1:30",
            ".inf",
            ".NaN",
            "2024-01-01",
            "2001:db8::1",
            "a: b",
            "-x",
            "- x",
            "#x",
            "x #y",
            "'x",
            "\"x",
            "*x",
            "&x",
            "!x",
            "|",
            ">",
            "%x",
            "@x",
            "`x",
            "[x]",
            "{x}",
            "<<",
            "=",
            "---",
            "...",
            " x",
            "x ",
            "a\nb",
        ];
        let keys: Vec<String> = (0..tricky.len()).map(|i| format!("k{i}")).collect();
        let values: Vec<(&str, &str)> = keys.iter().map(String::as_str).zip(tricky).collect();
        let yaml = document(&selecting(&values));
        let read = read_back(&yaml);
        for (k, v) in &values {
            assert_eq!(read[*k], serde_json::Value::String(v.to_string()), "{k}: {v:?} in\n{yaml}");
        }
        // Beyond what the loader needs: YAML 1.1 spellings are quoted too, for kubectl.
        for v in ["y", "on", "No", "1:30", "2024-01-01"] {
            assert!(yaml.contains(&format!(": \"{v}\"\n")), "{v} unquoted in\n{yaml}");
        }

        // Label keys (qualified names) can look like other types as well.
        let keys = ["true", "y", "on", "null", "1", "1.0", "0x1f", "1e3", "2024-01-01", "example.com/on"];
        let labels: Vec<(&str, &str)> = keys.iter().map(|k| (*k, "v")).collect();
        let yaml = document(&selecting(&labels));
        let read: Vec<String> = read_back(&yaml).into_keys().collect();
        let mut sorted = keys.map(str::to_string);
        sorted.sort();
        assert_eq!(read, sorted, "{yaml}");
        // kubectl's reader turns a plain `on:` key into "true".
        for k in ["true", "y", "on", "null", "1", "2024-01-01"] {
            assert!(yaml.contains(&format!("\"{k}\": v\n")), "{k} unquoted in\n{yaml}");
        }
    }
    proptest::proptest! {
        /// Any value, however number- or date-like, reads back as the same string.
        #[test]
        fn any_value_reads_back_as_itself(values in proptest::collection::vec("[0-9a-zA-Z._:+ -]{0,6}", 1..16)) {
            let keys: Vec<String> = (0..values.len()).map(|i| format!("k{i}")).collect();
            let labels: Vec<(&str, &str)> = keys.iter().map(String::as_str).zip(values.iter().map(String::as_str)).collect();
            let yaml = document(&selecting(&labels));
            let read = read_back(&yaml);
            for (k, v) in labels {
                proptest::prop_assert_eq!(&read[k], &serde_json::Value::String(v.to_string()), "{}", yaml);
            }
        }
    }
}
