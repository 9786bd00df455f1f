//! Exposure: through which *selectors* a pod can be reached (ingress) or can reach (egress) —
//! not only the pods and addresses that match today, but everything a future pod, namespace or
//! address matching them would get. Each entry is a peer of a rule that applies to the pod
//! (NetworkPolicy rules of the policies isolating it, cluster policy rules whose subject it is),
//! as written, with its ports, the rule path, how many pods it matches today (none is still an
//! exposure), and its scope: whether it opens the pod to every pod of the cluster, of a
//! namespace, or to every address.
//!
//! Only the pod's own side is read: a future peer must also be allowed on its side (its egress
//! for ingress exposure), which cannot be known for pods that do not exist yet.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use crate::report::describe::{admin_peer_text, admin_ports_text, families_of, peer_text, ports_text};
use crate::spec::{AdminPeer, Cluster, Direction, Peer, PodId};
use crate::{Endpoint, Options};

/// How wide an exposure entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// A rule without peers: every pod and every address.
    Everything,
    /// Every pod of every namespace (the entire cluster).
    EntireCluster,
    /// Every address (`0.0.0.0/0` or `::/0`, with or without excepts).
    EveryAddress,
    /// Every pod of the namespaces a selector matches (or of the policy's namespace).
    WholeNamespaces,
    /// Pods a label selector matches in every namespace.
    SelectedPodsInEveryNamespace,
    /// Pods and namespaces chosen by labels.
    Selected,
    /// Address ranges.
    Addresses,
}

impl Scope {
    /// A stable id: `everything`, `entire-cluster`, `every-address`, `whole-namespaces`,
    /// `selected-pods-in-every-namespace`, `selected`, `addresses`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Everything => "everything",
            Scope::EntireCluster => "entire-cluster",
            Scope::EveryAddress => "every-address",
            Scope::WholeNamespaces => "whole-namespaces",
            Scope::SelectedPodsInEveryNamespace => "selected-pods-in-every-namespace",
            Scope::Selected => "selected",
            Scope::Addresses => "addresses",
        }
    }

    /// Whether it admits every pod of the cluster or every address: what a reviewer should see
    /// first.
    pub fn is_wide(self) -> bool {
        matches!(self, Scope::Everything | Scope::EntireCluster | Scope::EveryAddress)
    }
}

/// One way in (ingress) or out (egress).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExposureEntry {
    /// `NetworkPolicy ns/name` or a cluster policy's display name.
    pub policy: String,
    /// The peer's path (`spec.ingress[0].from[1]`), or the rule's for a rule without peers.
    pub path: String,
    /// The peer as written: `pods app=web in namespaces team=shop`.
    pub peer: String,
    /// The ports, as written (`every port` when none); for a cluster policy the action first.
    pub ports: String,
    /// How wide it is.
    pub scope: Scope,
    /// The cluster policy rule's action (`Accept`, `Deny`, `Pass`); `None` for a NetworkPolicy,
    /// whose rules only allow.
    pub action: Option<&'static str>,
    /// Pods it matches today (the pod itself left out).
    pub pods_today: usize,
}

/// What [`exposure`] finds for one pod and direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exposure {
    /// `namespace/name`.
    pub pod: String,
    /// Ingress (who could reach it) or egress (what it could reach).
    pub direction: Direction,
    /// The NetworkPolicies isolating it in this direction; empty when it is not isolated (every
    /// pod and address then may connect, unless a cluster policy denies).
    pub isolating: Vec<String>,
    /// The entries in evaluation order: admin tier rules (by priority), NetworkPolicy peers
    /// (widest first, then by policy and path), baseline tier rules.
    pub entries: Vec<ExposureEntry>,
}

fn peer_scope(peer: &Peer) -> Scope {
    match peer {
        Peer::IpBlock(block) if block.cidr().prefix_len() == 0 => Scope::EveryAddress,
        Peer::IpBlock(_) => Scope::Addresses,
        Peer::Selector { pod_selector, namespace_selector } => {
            let all_pods = pod_selector.as_ref().is_none_or(crate::spec::LabelSelector::is_empty);
            match namespace_selector {
                Some(ns) if ns.is_empty() && all_pods => Scope::EntireCluster,
                Some(ns) if ns.is_empty() => Scope::SelectedPodsInEveryNamespace,
                _ if all_pods => Scope::WholeNamespaces,
                _ => Scope::Selected,
            }
        }
    }
}

fn admin_peer_scope(peer: &AdminPeer) -> Scope {
    match peer {
        AdminPeer::Namespaces(ns) if ns.is_empty() => Scope::EntireCluster,
        AdminPeer::Namespaces(_) => Scope::WholeNamespaces,
        AdminPeer::Pods(p) if p.namespace_selector.is_empty() && p.pod_selector.is_empty() => Scope::EntireCluster,
        AdminPeer::Pods(p) if p.namespace_selector.is_empty() => Scope::SelectedPodsInEveryNamespace,
        AdminPeer::Pods(p) if p.pod_selector.is_empty() => Scope::WholeNamespaces,
        AdminPeer::Networks(nets) if nets.iter().any(|n| n.prefix_len() == 0) => Scope::EveryAddress,
        _ => match peer {
            AdminPeer::Pods(_) => Scope::Selected,
            _ => Scope::Addresses,
        },
    }
}

/// The exposure of `pod` in `direction`: every peer of every rule that applies to it, as
/// written, with scope and today's matches.
pub fn exposure(cluster: &Cluster, pod: PodId, direction: Direction, options: Options) -> Exposure {
    let others = |matches: &dyn Fn(PodId) -> bool| {
        (0..cluster.pods().len() as u32).map(PodId).filter(|&id| id != pod && matches(id)).count()
    };
    let mut entries = Vec::new();
    let isolating: Vec<_> = cluster.isolating(pod, direction).collect();
    for &id in &isolating {
        let policy = cluster.policy(id);
        let name = format!("NetworkPolicy {}", policy.qualified_name());
        for (r, rule) in policy.rules(direction).iter().enumerate() {
            let ports = ports_text(rule);
            if rule.peers.is_empty() {
                entries.push(ExposureEntry {
                    policy: name.clone(),
                    path: format!("spec.{}[{r}]", direction.field()),
                    peer: "every pod and address".into(),
                    ports: ports.clone(),
                    scope: Scope::Everything,
                    action: None,
                    pods_today: cluster.pods().len().saturating_sub(1),
                });
                continue;
            }
            for (p, peer) in rule.peers.iter().enumerate() {
                let pods_today = others(&|other| {
                    families_of(cluster, other).iter().any(|&family| {
                        cluster.peer_matches(
                            peer,
                            &policy.namespace,
                            Endpoint::Pod(other),
                            family,
                            options.ip_block_matches_pods,
                        )
                    })
                });
                let mut text = peer_text(peer);
                if text.ends_with("in the policy's namespace") {
                    let _ = write!(text, " ({})", policy.namespace);
                }
                entries.push(ExposureEntry {
                    policy: name.clone(),
                    path: format!("spec.{}[{r}].{}[{p}]", direction.field(), direction.peers_field()),
                    peer: text,
                    ports: ports.clone(),
                    scope: peer_scope(peer),
                    action: None,
                    pods_today,
                });
            }
        }
    }
    entries.sort_by(|a, b| (a.scope, &a.policy, &a.path).cmp(&(b.scope, &b.policy, &b.path)));
    // Cluster policies in the order they are evaluated: the admin tier before the
    // NetworkPolicies, the baseline tier after, each by priority.
    let mut tiers: Vec<&crate::spec::ClusterPolicy> =
        cluster.cluster_policies().iter().filter(|c| cluster.subject_of(c, pod)).collect();
    tiers.sort_by_key(|c| (c.tier, c.priority));
    let mut admin = Vec::new();
    let mut baseline = Vec::new();
    for policy in tiers {
        let entries = if policy.tier == crate::spec::Tier::Admin { &mut admin } else { &mut baseline };
        for (r, rule) in policy.rules(direction).iter().enumerate() {
            let ports = admin_ports_text(rule);
            for (p, peer) in rule.peers.iter().enumerate() {
                let pods_today = others(&|other| {
                    families_of(cluster, other)
                        .iter()
                        .any(|&f| cluster.admin_peer_matches(peer, Endpoint::Pod(other), f))
                });
                entries.push(ExposureEntry {
                    policy: policy.display_name(),
                    path: format!("spec.{}[{r}].{}[{p}]", direction.field(), direction.peers_field()),
                    peer: admin_peer_text(peer),
                    ports: ports.clone(),
                    scope: admin_peer_scope(peer),
                    action: Some(rule.action.as_str()),
                    pods_today,
                });
            }
        }
    }
    admin.append(&mut entries);
    admin.append(&mut baseline);
    Exposure {
        pod: cluster.pod(pod).qualified_name(),
        direction,
        isolating: isolating.iter().map(|&id| cluster.policy(id).qualified_name()).collect(),
        entries: admin,
    }
}

impl Exposure {
    /// What the entry's scope means, for people.
    fn scope_note(scope: Scope) -> &'static str {
        match scope {
            Scope::Everything => "EVERY POD AND ADDRESS",
            Scope::EntireCluster => "EVERY POD OF THE CLUSTER",
            Scope::EveryAddress => "EVERY ADDRESS",
            Scope::WholeNamespaces => "every pod of these namespaces",
            Scope::SelectedPodsInEveryNamespace => "matching pods of every namespace",
            Scope::Selected | Scope::Addresses => "",
        }
    }

    /// The text `netpol reach --exposure` prints after the reach report.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let (heading, nothing, side) = match self.direction {
            Direction::Ingress => (
                "the selectors through which pods and addresses, today's and future ones, could reach it",
                "nothing can reach it, now or later",
                "ingress",
            ),
            Direction::Egress => (
                "the selectors of the pods and addresses, today's and future ones, it could reach",
                "it can reach nothing, now or later",
                "egress",
            ),
        };
        let _ = writeln!(out, "EXPOSURE of {} ({side}): {heading}", self.pod);
        if self.isolating.is_empty() {
            let _ = writeln!(
                out,
                "  not isolated for {side}: every pod and address, on every port, unless a cluster policy denies"
            );
        } else {
            let _ = writeln!(out, "  isolated by: {}", self.isolating.join(", "));
        }
        for e in &self.entries {
            let action = e.action.map(|a| format!("{a} ")).unwrap_or_default();
            let note = Exposure::scope_note(e.scope);
            let note = if note.is_empty() { String::new() } else { format!("  [{note}]") };
            let _ = writeln!(
                out,
                "  {action}{} on {}  via {} {}  ({} today){note}",
                e.peer,
                e.ports,
                e.policy,
                e.path,
                crate::report::plural(e.pods_today, "pod")
            );
        }
        if self.entries.is_empty() && !self.isolating.is_empty() {
            let _ = writeln!(out, "  no rule admits anything: {nothing}");
        }
        out
    }

    /// `{"pod", "direction", "isolating", "entries": [{"policy", "path", "peer", "ports",
    /// "scope", "wide", "action", "pods_today"}]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "pod": self.pod,
            "direction": self.direction.field(),
            "isolating": self.isolating,
            "entries": self.entries.iter().map(|e| json!({
                "policy": e.policy,
                "path": e.path,
                "peer": e.peer,
                "ports": e.ports,
                "scope": e.scope.as_str(),
                "wide": e.scope.is_wide(),
                "action": e.action,
                "pods_today": e.pods_today,
            })).collect::<Vec<_>>(),
        })
    }

    /// A Markdown section: a heading, the isolation line and a table of the entries.
    pub fn to_markdown(&self) -> String {
        use crate::report::markdown::{code, table};
        let mut out = String::new();
        let _ = writeln!(out, "### Exposure of `{}` ({})\n", self.pod, self.direction.field());
        if self.isolating.is_empty() {
            out.push_str("Not isolated: every pod and address, on every port, unless a cluster policy denies.\n\n");
        } else {
            let _ = writeln!(
                out,
                "Isolated by {}.\n",
                self.isolating.iter().map(|p| code(p)).collect::<Vec<_>>().join(", ")
            );
        }
        let rows = self.entries.iter().map(|e| {
            alloc::vec![
                e.action.map(|a| format!("{a} ")).unwrap_or_default() + &e.peer,
                e.ports.clone(),
                Exposure::scope_note(e.scope).to_string(),
                code(&format!("{} {}", e.policy, e.path)),
                e.pods_today.to_string(),
            ]
        });
        table(&mut out, &["Through", "Ports", "Scope", "Rule", "Pods today"], rows);
        out
    }
}
