//! Decoding the admin-tier kinds (S15): ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2),
//! AdminNetworkPolicy and BaselineAdminNetworkPolicy (v1alpha1), and the Nodes their `nodes`
//! peers select; then into the raw model.
//!
//! The structs hold every field of both versions' rules; a field of the other version or of the
//! other direction (`to` in an ingress rule, `protocols` in a v1alpha1 rule) is reported as an
//! unknown field, as the API server's strict decoding would.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use serde::Deserialize;

use super::decode::{Meta, Selector, UnknownField};
use crate::raw::{
    RawAdminPeer, RawAdminPort, RawAdminRule, RawClusterPolicy, RawDestinationPort, RawNamespacedPods, RawNode,
    RawSubject,
};
use crate::spec::{ClusterPolicyKind, Protocol};

/// The kinds of cluster policies read, with their `apiVersion`.
pub(super) const KINDS: [(&str, &str); 3] = [
    ("ClusterNetworkPolicy", "policy.networking.k8s.io/v1alpha2"),
    ("AdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1"),
    ("BaselineAdminNetworkPolicy", "policy.networking.k8s.io/v1alpha1"),
];

/// Whether `kind` is a cluster policy kind.
pub(super) fn is_cluster_policy(kind: &str) -> bool {
    KINDS.iter().any(|(k, _)| *k == kind)
}

/// The top-level fields of a cluster policy object.
pub(super) const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec", "status"];

/// `spec` of any of the three kinds.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AdminSpec {
    pub tier: Option<String>,
    pub priority: Option<i64>,
    pub subject: Option<Subject>,
    pub ingress: Option<Vec<AdminRule>>,
    pub egress: Option<Vec<AdminRule>>,
}

/// `spec.subject`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Subject {
    pub namespaces: Option<Selector>,
    pub pods: Option<NamespacedPod>,
}

/// `pods` of a subject or peer.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NamespacedPod {
    pub namespace_selector: Option<Selector>,
    pub pod_selector: Option<Selector>,
}

/// An ingress or egress rule of either version.
#[derive(Debug, Default, Deserialize)]
pub(super) struct AdminRule {
    pub name: Option<String>,
    pub action: Option<String>,
    pub from: Option<Vec<AdminPeer>>,
    pub to: Option<Vec<AdminPeer>>,
    pub protocols: Option<Vec<ProtocolEntry>>,
    pub ports: Option<Vec<AnpPort>>,
}

/// A `from`/`to` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AdminPeer {
    pub namespaces: Option<Selector>,
    pub pods: Option<NamespacedPod>,
    pub networks: Option<Vec<String>>,
    pub nodes: Option<Selector>,
    pub domain_names: Option<Vec<String>>,
}

/// A v1alpha2 `protocols` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProtocolEntry {
    #[serde(rename = "tcp")]
    pub tcp: Option<ProtocolPort>,
    #[serde(rename = "udp")]
    pub udp: Option<ProtocolPort>,
    #[serde(rename = "sctp")]
    pub sctp: Option<ProtocolPort>,
    pub destination_named_port: Option<String>,
}

/// `tcp`/`udp`/`sctp` of a protocols entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProtocolPort {
    pub destination_port: Option<DestinationPort>,
}

/// `destinationPort`: `number` or `range`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct DestinationPort {
    pub number: Option<i64>,
    pub range: Option<Range>,
}

/// `range` of a destination port.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Range {
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// A v1alpha1 `ports` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AnpPort {
    pub port_number: Option<PortNumber>,
    pub named_port: Option<String>,
    pub port_range: Option<PortRange>,
}

/// `portNumber`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PortNumber {
    pub protocol: Option<String>,
    pub port: Option<i64>,
}

/// `portRange`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PortRange {
    pub protocol: Option<String>,
    pub start: Option<i64>,
    pub end: Option<i64>,
}

/// A Node's `status`: its addresses.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NodeStatus {
    pub addresses: Option<Vec<NodeAddress>>,
}

/// `status.addresses[i]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NodeAddress {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub address: String,
}

/// The fields of the structs above at `parent` (keys from the object's root), for suggestions.
pub(super) fn fields_at(parent: &[&str]) -> &'static [&'static str] {
    use super::decode::fields_of;
    match parent {
        ["spec"] => fields_of::<AdminSpec>(),
        ["spec", "subject"] => fields_of::<Subject>(),
        [.., "pods"] => fields_of::<NamespacedPod>(),
        ["spec", "ingress" | "egress"] => fields_of::<AdminRule>(),
        ["spec", _, "from" | "to"] => fields_of::<AdminPeer>(),
        ["spec", _, "protocols"] => fields_of::<ProtocolEntry>(),
        ["spec", _, "protocols", _] => fields_of::<ProtocolPort>(),
        [.., "destinationPort"] => fields_of::<DestinationPort>(),
        [.., "range"] => fields_of::<Range>(),
        ["spec", _, "ports"] => fields_of::<AnpPort>(),
        [.., "portNumber"] => fields_of::<PortNumber>(),
        [.., "portRange"] => fields_of::<PortRange>(),
        _ => &[],
    }
}

fn selector(s: Selector) -> crate::raw::RawSelector {
    super::convert::raw_selector(s)
}

fn pods(p: NamespacedPod) -> RawNamespacedPods {
    RawNamespacedPods {
        namespace_selector: p.namespace_selector.map(selector),
        pod_selector: p.pod_selector.map(selector),
    }
}

/// A decoded cluster policy of `kind` into the raw model. Fields of the other version or
/// direction go to `unknown`.
pub(super) fn cluster_policy(
    kind: &str,
    meta: Meta,
    spec: Option<AdminSpec>,
    origin: &str,
    unknown: &mut Vec<UnknownField>,
) -> RawClusterPolicy {
    let kind = match kind {
        "AdminNetworkPolicy" => ClusterPolicyKind::AdminNetworkPolicy,
        "BaselineAdminNetworkPolicy" => ClusterPolicyKind::BaselineAdminNetworkPolicy,
        _ => ClusterPolicyKind::ClusterNetworkPolicy,
    };
    let v1alpha2 = kind == ClusterPolicyKind::ClusterNetworkPolicy;
    let spec = spec.unwrap_or_default();
    let mut misplaced =
        |path: String, suggestion: Option<&'static str>| unknown.push(UnknownField { path, suggestion });
    if !v1alpha2 && spec.tier.is_some() {
        misplaced("spec.tier".into(), None);
    }
    if kind == ClusterPolicyKind::BaselineAdminNetworkPolicy && spec.priority.is_some() {
        misplaced("spec.priority".into(), None);
    }
    let mut rules = |direction: &str, rules: Option<Vec<AdminRule>>| {
        rules.map(|rules| {
            rules
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let at = format!("spec.{direction}[{i}]");
                    let (peers, wrong) = if direction == "ingress" { (r.from, r.to) } else { (r.to, r.from) };
                    let (right, other) = if direction == "ingress" { ("from", "to") } else { ("to", "from") };
                    if wrong.is_some() {
                        misplaced(format!("{at}.{other}"), Some(right));
                    }
                    let ports: Option<Vec<RawAdminPort>> = if v1alpha2 {
                        if r.ports.is_some() {
                            misplaced(format!("{at}.ports"), Some("protocols"));
                        }
                        r.protocols.map(|ps| ps.into_iter().map(protocol_entry).collect())
                    } else {
                        if r.protocols.is_some() {
                            misplaced(format!("{at}.protocols"), Some("ports"));
                        }
                        r.ports.map(|ps| ps.into_iter().map(anp_port).collect())
                    };
                    let peers = peers.map(|ps| {
                        ps.into_iter()
                            .enumerate()
                            .map(|(j, p)| {
                                if direction == "ingress" {
                                    for (field, given) in [
                                        ("networks", p.networks.is_some()),
                                        ("nodes", p.nodes.is_some()),
                                        ("domainNames", p.domain_names.is_some()),
                                    ] {
                                        if given {
                                            misplaced(format!("{at}.from[{j}].{field}"), None);
                                        }
                                    }
                                }
                                let egress = direction == "egress";
                                RawAdminPeer {
                                    namespaces: p.namespaces.map(selector),
                                    pods: p.pods.map(pods),
                                    networks: p.networks.filter(|_| egress),
                                    nodes: p.nodes.map(selector).filter(|_| egress),
                                    domain_names: p.domain_names.filter(|_| egress),
                                }
                            })
                            .collect()
                    });
                    RawAdminRule { name: r.name, action: r.action, peers, ports }
                })
                .collect()
        })
    };
    let ingress = rules("ingress", spec.ingress);
    let egress = rules("egress", spec.egress);
    RawClusterPolicy {
        origin: Some(origin.to_string()),
        kind,
        name: meta.name.unwrap_or_default(),
        tier: spec.tier,
        priority: spec.priority,
        subject: spec.subject.map(|s| RawSubject { namespaces: s.namespaces.map(selector), pods: s.pods.map(pods) }),
        ingress,
        egress,
    }
}

fn protocol_entry(p: ProtocolEntry) -> RawAdminPort {
    let mut protocol = Vec::new();
    for (proto, given) in [(Protocol::Tcp, p.tcp), (Protocol::Udp, p.udp), (Protocol::Sctp, p.sctp)] {
        if let Some(port) = given {
            let port = port
                .destination_port
                .map(|d| RawDestinationPort { number: d.number, range: d.range.map(|r| (r.start, r.end)) });
            protocol.push((proto, port));
        }
    }
    RawAdminPort { protocol, named_port: p.destination_named_port, ..RawAdminPort::default() }
}

fn anp_port(p: AnpPort) -> RawAdminPort {
    RawAdminPort {
        named_port: p.named_port,
        port_number: p.port_number.map(|n| (n.protocol, n.port)),
        port_range: p.port_range.map(|r| (r.protocol, r.start, r.end)),
        ..RawAdminPort::default()
    }
}

/// A decoded Node into the raw model.
pub(super) fn node(meta: &Meta, status: Option<NodeStatus>, origin: &str) -> RawNode {
    RawNode {
        origin: Some(origin.to_string()),
        name: meta.name.clone().unwrap_or_default(),
        labels: meta.labels.clone().unwrap_or_default(),
        addresses: status.and_then(|s| s.addresses).into_iter().flatten().map(|a| (a.kind, a.address)).collect(),
    }
}
