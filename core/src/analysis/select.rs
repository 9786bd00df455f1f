//! Lookups, the questions pod-centric tools are asked most: which policies select a pod (per
//! direction, NetworkPolicies and cluster policies of every tier) and which rules name it as a
//! peer, with their paths; and, the other way, which pods a policy selects and which pods,
//! namespaces and address ranges each of its rules admits.
//!
//! Read from the validated spec with the single-object primitives every evaluator shares
//! (S2 `isolating`, S6 `peer_matches`, S15 `admin_peer_matches`); nothing compiled is needed.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use crate::report::describe::{admin_peer_text, admin_ports_text, families_of, ip_block_text, peer_text, ports_text};
use crate::spec::{AdminPeer, Cluster, ClusterPolicy, Direction, NetworkPolicy, Peer, PodId};
use crate::{Endpoint, Options};

/// A policy or rule that names the pod as a peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerOf {
    /// `NetworkPolicy ns/name` or `AdminNetworkPolicy name` (and the like).
    pub policy: String,
    /// The rule's direction: ingress rules admit the pod as a source, egress rules as a
    /// destination.
    pub direction: Direction,
    /// The peer's path, `spec.ingress[0].from[1]`.
    pub path: String,
    /// How it matches: the peer as written.
    pub peer: String,
}

/// What [`select_pod`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodSelection {
    /// `namespace/name`.
    pub pod: String,
    /// NetworkPolicies that select it and isolate it for ingress (S2), by name.
    pub ingress: Vec<String>,
    /// Likewise for egress.
    pub egress: Vec<String>,
    /// Cluster policies whose subject it is, as `Kind name (tier, priority P)`, in tier and
    /// priority order.
    pub cluster_policies: Vec<String>,
    /// Rules that name it as a peer.
    pub peer_of: Vec<PeerOf>,
}

/// One peer of a rule and what it admits today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerAdmits {
    /// `spec.ingress[0].from[1]`; for a rule without peers, the rule's own path.
    pub path: String,
    /// The peer as written (`every pod and address` for a rule without peers).
    pub peer: String,
    /// The pods it matches, by name.
    pub pods: Vec<String>,
    /// The namespaces it spans: those its namespace selector matches (declared ones), else
    /// the policy's own.
    pub namespaces: Vec<String>,
    /// Address ranges it admits (ipBlock, networks), as written.
    pub addresses: Vec<String>,
}

/// One rule of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleAdmits {
    /// `spec.ingress[0]`.
    pub path: String,
    /// Its direction.
    pub direction: Direction,
    /// Ports, as written (`every port` when none are given); for cluster policies the action
    /// comes first.
    pub ports: String,
    /// Its peers.
    pub peers: Vec<PeerAdmits>,
}

/// What [`select_policy`] finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySelection {
    /// `NetworkPolicy ns/name` or `Kind name`.
    pub policy: String,
    /// The directions it isolates (NetworkPolicy) or has rules for (cluster policy).
    pub directions: Vec<Direction>,
    /// The pods it selects (subject), by name.
    pub selects: Vec<String>,
    /// Its rules.
    pub rules: Vec<RuleAdmits>,
}

/// The names of the pods that `keep` keeps, in pod order.
fn pod_names(cluster: &Cluster, keep: impl Fn(PodId) -> bool) -> Vec<String> {
    (0..cluster.pods().len() as u32)
        .map(PodId)
        .filter(|&id| keep(id))
        .map(|id| cluster.pod(id).qualified_name())
        .collect()
}

fn policy_name(policy: &NetworkPolicy) -> String {
    format!("NetworkPolicy {}", policy.qualified_name())
}

fn cluster_policy_name(policy: &ClusterPolicy) -> String {
    policy.display_name()
}

/// Which policies select `pod` and which rules name it as a peer.
pub fn select_pod(cluster: &Cluster, pod: PodId, options: Options) -> PodSelection {
    let families = families_of(cluster, pod);
    let names = |direction| cluster.isolating(pod, direction).map(|p| cluster.policy(p).qualified_name()).collect();
    let mut peer_of = Vec::new();
    for policy in cluster.policies() {
        for direction in [Direction::Ingress, Direction::Egress] {
            if !policy.affects(direction) {
                continue; // Rules of a direction the policy does not isolate do nothing (S4).
            }
            for (r, rule) in policy.rules(direction).iter().enumerate() {
                for (p, peer) in rule.peers.iter().enumerate() {
                    let matches = families.iter().any(|&family| {
                        cluster.peer_matches(
                            peer,
                            &policy.namespace,
                            Endpoint::Pod(pod),
                            family,
                            options.ip_block_matches_pods,
                        )
                    });
                    if matches {
                        peer_of.push(PeerOf {
                            policy: policy_name(policy),
                            direction,
                            path: format!("spec.{}[{r}].{}[{p}]", direction.field(), direction.peers_field()),
                            peer: peer_text(peer),
                        });
                    }
                }
            }
        }
    }
    let mut subjects: Vec<&ClusterPolicy> =
        cluster.cluster_policies().iter().filter(|c| cluster.subject_of(c, pod)).collect();
    subjects.sort_by_key(|c| (c.tier, c.priority));
    for policy in cluster.cluster_policies() {
        for direction in [Direction::Ingress, Direction::Egress] {
            for (r, rule) in policy.rules(direction).iter().enumerate() {
                for (p, peer) in rule.peers.iter().enumerate() {
                    if families.iter().any(|&family| cluster.admin_peer_matches(peer, Endpoint::Pod(pod), family)) {
                        peer_of.push(PeerOf {
                            policy: cluster_policy_name(policy),
                            direction,
                            path: format!("spec.{}[{r}].{}[{p}]", direction.field(), direction.peers_field()),
                            peer: admin_peer_text(peer),
                        });
                    }
                }
            }
        }
    }
    PodSelection {
        pod: cluster.pod(pod).qualified_name(),
        ingress: names(Direction::Ingress),
        egress: names(Direction::Egress),
        cluster_policies: subjects
            .iter()
            .map(|c| format!("{} ({} tier, priority {})", c.display_name(), c.tier.as_str(), c.priority))
            .collect(),
        peer_of,
    }
}

/// The pods `peer` (of a NetworkPolicy in `namespace`) matches, and the namespaces it spans.
fn peer_admits(cluster: &Cluster, namespace: &str, peer: &Peer, path: String, options: Options) -> PeerAdmits {
    let pods = pod_names(cluster, |id| {
        families_of(cluster, id).iter().any(|&family| {
            cluster.peer_matches(peer, namespace, Endpoint::Pod(id), family, options.ip_block_matches_pods)
        })
    });
    let (namespaces, addresses) = match peer {
        Peer::Selector { namespace_selector: Some(s), .. } => {
            (cluster.namespaces().iter().filter(|n| s.matches(&n.labels)).map(|n| n.name.clone()).collect(), Vec::new())
        }
        Peer::Selector { namespace_selector: None, .. } => (alloc::vec![namespace.to_string()], Vec::new()),
        Peer::IpBlock(block) => (Vec::new(), alloc::vec![ip_block_text(block)]),
    };
    PeerAdmits { path, peer: peer_text(peer), pods, namespaces, addresses }
}

/// The pods a cluster policy peer matches, the namespaces and the address ranges it spans.
fn admin_peer_admits(cluster: &Cluster, peer: &AdminPeer, path: String) -> PeerAdmits {
    let pods = pod_names(cluster, |id| {
        families_of(cluster, id).iter().any(|&f| cluster.admin_peer_matches(peer, Endpoint::Pod(id), f))
    });
    let namespaces = match peer {
        AdminPeer::Namespaces(s) => {
            cluster.namespaces().iter().filter(|n| s.matches(&n.labels)).map(|n| n.name.clone()).collect()
        }
        AdminPeer::Pods(p) => cluster
            .namespaces()
            .iter()
            .filter(|n| p.namespace_selector.matches(&n.labels))
            .map(|n| n.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    let addresses = match peer {
        AdminPeer::Networks(nets) => nets.iter().map(ToString::to_string).collect(),
        AdminPeer::Nodes(s) => cluster
            .nodes()
            .iter()
            .filter(|n| s.matches(&n.labels))
            .flat_map(|n| n.addresses.iter().map(ToString::to_string))
            .collect(),
        AdminPeer::DomainNames(names) => {
            names.iter().flat_map(|n| cluster.dns().resolve(n).map(|a| a.to_string())).collect()
        }
        _ => Vec::new(),
    };
    PeerAdmits { path, peer: admin_peer_text(peer), pods, namespaces, addresses }
}

/// The policy called `name` (`namespace/name` for a NetworkPolicy; a cluster policy's name,
/// or `Kind/name` when kinds share it): the pods it selects and what its rules admit. `None`
/// when there is no such policy.
pub fn select_policy(cluster: &Cluster, name: &str, options: Options) -> Option<PolicySelection> {
    if let Some(policy) = cluster.policies().iter().find(|p| p.qualified_name() == name) {
        let selects = pod_names(cluster, |id| {
            let pod = cluster.pod(id);
            pod.namespace == policy.namespace && policy.pod_selector.matches(&pod.labels)
        });
        let mut rules = Vec::new();
        let directions: Vec<Direction> =
            [Direction::Ingress, Direction::Egress].into_iter().filter(|&d| policy.affects(d)).collect();
        for &direction in &directions {
            for (r, rule) in policy.rules(direction).iter().enumerate() {
                let path = format!("spec.{}[{r}]", direction.field());
                let peers = if rule.peers.is_empty() {
                    // S5: no peers admits every pod and address.
                    let all = cluster.pods().iter().map(|p| p.qualified_name()).collect();
                    let namespaces = cluster.namespaces().iter().map(|n| n.name.clone()).collect();
                    let addresses = alloc::vec!["every address".to_string()];
                    alloc::vec![PeerAdmits {
                        path: path.clone(),
                        peer: "every pod and address".into(),
                        pods: all,
                        namespaces,
                        addresses
                    }]
                } else {
                    rule.peers
                        .iter()
                        .enumerate()
                        .map(|(p, peer)| {
                            let at = format!("{path}.{}[{p}]", direction.peers_field());
                            peer_admits(cluster, &policy.namespace, peer, at, options)
                        })
                        .collect()
                };
                rules.push(RuleAdmits { path, direction, ports: ports_text(rule), peers });
            }
        }
        return Some(PolicySelection { policy: policy_name(policy), directions, selects, rules });
    }
    let policy = cluster
        .cluster_policies()
        .iter()
        .find(|c| c.name == name || format!("{}/{}", c.kind.as_str(), c.name).eq_ignore_ascii_case(name))?;
    let selects = pod_names(cluster, |id| cluster.subject_of(policy, id));
    let mut rules = Vec::new();
    let mut directions = Vec::new();
    for direction in [Direction::Ingress, Direction::Egress] {
        if !policy.rules(direction).is_empty() {
            directions.push(direction);
        }
        for (r, rule) in policy.rules(direction).iter().enumerate() {
            let path = format!("spec.{}[{r}]", direction.field());
            let peers = rule
                .peers
                .iter()
                .enumerate()
                .map(|(p, peer)| admin_peer_admits(cluster, peer, format!("{path}.{}[{p}]", direction.peers_field())))
                .collect();
            let ports = admin_ports_text(rule);
            rules.push(RuleAdmits { path, direction, ports: format!("{} on {ports}", rule.action.as_str()), peers });
        }
    }
    Some(PolicySelection { policy: cluster_policy_name(policy), directions, selects, rules })
}

/// `1 pod`, `2 pods`.
fn pods(n: usize) -> String {
    if n == 1 {
        "1 pod".to_string()
    } else {
        format!("{n} pods")
    }
}

/// `a, b and 3 more` (the first `keep`, then a count).
fn list(items: &[String], keep: usize) -> String {
    if items.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<&str> = items.iter().take(keep).map(String::as_str).collect();
    match items.len().checked_sub(keep).filter(|&n| n > 0) {
        Some(more) => format!("{} and {more} more", shown.join(", ")),
        None => shown.join(", "),
    }
}

impl PodSelection {
    /// The text `netpol select --pod` prints.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.pod);
        for (direction, names) in [("ingress", &self.ingress), ("egress", &self.egress)] {
            if names.is_empty() {
                let _ = writeln!(out, "  {direction}: no NetworkPolicy selects it (not isolated)");
            } else {
                let _ = writeln!(out, "  {direction}: selected by {}", names.join(", "));
            }
        }
        if !self.cluster_policies.is_empty() {
            let _ = writeln!(out, "  subject of: {}", self.cluster_policies.join("; "));
        }
        if self.peer_of.is_empty() {
            let _ = writeln!(out, "  named as a peer by: no rule");
        } else {
            let _ = writeln!(out, "  named as a peer by:");
            for p in &self.peer_of {
                let role = match p.direction {
                    Direction::Ingress => "as a source",
                    Direction::Egress => "as a destination",
                };
                let _ = writeln!(out, "    {} {} ({role}): {}", p.policy, p.path, p.peer);
            }
        }
        out
    }

    /// `{"pod", "ingress": [..], "egress": [..], "cluster_policies": [..], "peer_of": [{"policy", "direction", "path", "peer"}]}`.
    pub fn to_json(&self) -> Value {
        let peer_of: Vec<Value> = self
            .peer_of
            .iter()
            .map(|p| json!({"policy": p.policy, "direction": p.direction.as_str(), "path": p.path, "peer": p.peer}))
            .collect();
        json!({
            "pod": self.pod, "ingress": self.ingress, "egress": self.egress,
            "cluster_policies": self.cluster_policies, "peer_of": peer_of,
        })
    }
}

impl PolicySelection {
    /// The text `netpol select --policy` prints.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let directions: Vec<&str> = self.directions.iter().map(|d| d.as_str()).collect();
        let _ = writeln!(
            out,
            "{} ({})",
            self.policy,
            if directions.is_empty() { "no direction".into() } else { directions.join(", ") }
        );
        let _ = writeln!(out, "  selects {}: {}", pods(self.selects.len()), list(&self.selects, 10));
        for rule in &self.rules {
            let _ = writeln!(out, "  {} ({}) on {}", rule.path, rule.direction.as_str(), rule.ports);
            for peer in &rule.peers {
                let mut parts = alloc::vec![format!("{}: {}", pods(peer.pods.len()), list(&peer.pods, 6))];
                if !peer.namespaces.is_empty() {
                    parts.push(format!("namespaces {}", list(&peer.namespaces, 6)));
                }
                if !peer.addresses.is_empty() {
                    parts.push(format!("addresses {}", peer.addresses.join(", ")));
                }
                let _ = writeln!(out, "    {}: {}", peer.path, peer.peer);
                let _ = writeln!(out, "      admits {}", parts.join("; "));
            }
        }
        out
    }

    /// `{"policy", "directions", "selects", "rules": [{"path", "direction", "ports", "peers": [{"path", "peer", "pods", "namespaces", "addresses"}]}]}`.
    pub fn to_json(&self) -> Value {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| {
                let peers: Vec<Value> = r
                    .peers
                    .iter()
                    .map(|p| json!({"path": p.path, "peer": p.peer, "pods": p.pods, "namespaces": p.namespaces, "addresses": p.addresses}))
                    .collect();
                json!({"path": r.path, "direction": r.direction.as_str(), "ports": r.ports, "peers": peers})
            })
            .collect();
        let directions: Vec<&str> = self.directions.iter().map(|d| d.as_str()).collect();
        json!({"policy": self.policy, "directions": directions, "selects": self.selects, "rules": rules})
    }
}
