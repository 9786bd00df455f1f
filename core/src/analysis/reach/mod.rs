//! Reachability of one endpoint: who may open connections to a pod, a workload or an address
//! (`--to`), or what it may open connections to (`--from`), as a statement an auditor can read:
//! peers grouped by workload and namespace, external address ranges, ports per protocol, and
//! the rules that grant each port, or the fact that a side is not isolated.
//!
//! Computed on one row (or column) of the compiled tables, not on the whole connectivity map:
//! identities × port classes bit tests, then one [`Engine::explain`] per peer identity and
//! allowed port class for the granting rules. Pods that policies cannot tell apart (one
//! identity) decide alike, so an identity's answer holds for every pod in it; rows and parts
//! are folded only where the answers are identical.
//!
//! Self traffic is left out: a pod is never listed as its own peer. When the subject is a
//! workload, its pods may appear among its peers (they reach each other).

mod render;

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use hashbrown::HashMap;

use crate::engine::connectivity::{adjacent, port_set, IpRange, PortSet, Side};
use crate::explain::{DirectionExplanation, Reason};
use crate::report::address_label;
use crate::report::cidr_strings;
use crate::spec::group_name;
use crate::spec::{Cluster, Direction, PodId, Protocol};
use crate::{Endpoint, Engine};

/// What a reach question is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Subject {
    /// One pod: `namespace/pod`, or one of the pod's IPs.
    Pod(PodId),
    /// Every pod of a workload: `namespace/kind/name` as [`group_name`] writes it
    /// (`shop/deployment/api`).
    Workload {
        /// `namespace/kind/name`.
        name: String,
        /// Its pods, in cluster order.
        pods: Vec<PodId>,
    },
    /// An address that is no pod's: what pods may reach it, or what it may reach.
    Address(IpAddr),
}

impl Subject {
    /// Reads `namespace/pod`, `namespace/kind/name` (a workload; the kind in any case) or an IP
    /// address (a pod's IP is that pod). `None` when nothing in the cluster has that name. A
    /// bare namespace is not a subject: its pods usually differ, ask per workload.
    pub fn parse(engine: &Engine, text: &str) -> Option<Subject> {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Some(match engine.endpoint_for_ip(ip) {
                Endpoint::Pod(p) => Subject::Pod(p),
                Endpoint::Ip(ip) => Subject::Address(ip),
            });
        }
        let parts: Vec<&str> = text.split('/').collect();
        match parts[..] {
            [_, _] => engine.pod_id(text).map(Subject::Pod),
            [ns, kind, name] => {
                let name = format!("{ns}/{}/{name}", kind.to_ascii_lowercase());
                let pods: Vec<PodId> = (0..engine.cluster().pods().len())
                    .map(|i| PodId(i as u32))
                    .filter(|&p| group_name(engine.cluster().pod(p)) == name)
                    .collect();
                (!pods.is_empty()).then_some(Subject::Workload { name, pods })
            }
            _ => None,
        }
    }

    /// The subject's pods (none for an address).
    pub fn pods(&self) -> Vec<PodId> {
        match self {
            Subject::Pod(p) => alloc::vec![*p],
            Subject::Workload { pods, .. } => pods.clone(),
            Subject::Address(_) => Vec::new(),
        }
    }

    /// `shop/postgres-0`, `shop/deployment/api` or `203.0.113.7`.
    pub fn name(&self, cluster: &Cluster) -> String {
        match self {
            Subject::Pod(p) => cluster.pod(*p).qualified_name(),
            Subject::Workload { name, .. } => name.clone(),
            Subject::Address(ip) => format!("{ip}"),
        }
    }
}

/// A rule that grants a connection: `shop/postgres-from-api spec.ingress[0]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    /// The policy, `namespace/name`, or a cluster policy by kind and name
    /// (`ClusterNetworkPolicy protect-db`).
    pub policy: String,
    /// The rule's YAML path, `spec.ingress[0]`.
    pub rule: String,
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.policy, self.rule)
    }
}

/// Why one direction (egress at the source, ingress at the destination) lets a connection
/// through.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Access {
    /// That side is an address, not a pod: the direction is not checked (S1).
    NotChecked,
    /// No policy selects that pod for the direction: everything is allowed (S2).
    NotIsolated,
    /// Isolated, and these rules admit (S3), sorted.
    Rules(Vec<Grant>),
}

impl Access {
    fn of(cluster: &Cluster, d: &DirectionExplanation) -> Access {
        match d.reason {
            Reason::NotAPod => Access::NotChecked,
            Reason::NotIsolated | Reason::SelfTraffic => Access::NotIsolated,
            // S15: the accepting rule of the tier that decided.
            Reason::AdminAccepted | Reason::BaselineAccepted => {
                let step = if d.reason == Reason::AdminAccepted { &d.admin } else { &d.baseline };
                let grants = step
                    .iter()
                    .map(|s| {
                        let m = s.deciding();
                        let policy = &cluster.cluster_policies()[m.policy];
                        Grant {
                            policy: policy.display_name(),
                            rule: format!("spec.{}[{}] ({} tier)", d.direction.field(), m.rule, s.tier.word()),
                        }
                    })
                    .collect();
                Access::Rules(grants)
            }
            _ => {
                let mut grants: Vec<Grant> = d
                    .admitting
                    .iter()
                    .map(|r| Grant {
                        policy: cluster.policy(r.policy).qualified_name(),
                        rule: format!("spec.{}[{}]", r.direction.field(), r.rule),
                    })
                    .collect();
                grants.sort();
                grants.dedup();
                Access::Rules(grants)
            }
        }
    }
}

/// Ports granted alike: by the same rules (or the same lack of isolation) on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantLine {
    /// The ports these grants cover.
    pub ports: PortSet,
    /// Egress at the source.
    pub egress: Access,
    /// Ingress at the destination.
    pub ingress: Access,
}

/// Peer pods of one group (workload, or lone pod) with the same ports and grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerRow {
    /// The group: `namespace/kind/name`, or `namespace/pod` for a pod of no known workload.
    pub group: String,
    /// Its namespace.
    pub namespace: String,
    /// The pods of the group this row is about (`namespace/pod`); fewer than
    /// [`PeerRow::group_pods`] when the group's pods differ.
    pub pods: Vec<String>,
    /// How many pods the group has (not counting the subject when it is a lone pod).
    pub group_pods: usize,
    /// Every allowed port.
    pub ports: PortSet,
    /// The ports by what grants them.
    pub grants: Vec<GrantLine>,
}

/// External addresses (no pod's) with the same ports and grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalRow {
    /// The addresses in short: `0.0.0.0/0 except 10.0.0.0/8`, `any address` or the CIDRs (one
    /// line per family).
    pub addresses: String,
    /// The addresses as CIDRs.
    pub cidrs: Vec<String>,
    /// Every allowed port.
    pub ports: PortSet,
    /// The ports by what grants them.
    pub grants: Vec<GrantLine>,
}

/// The answer for subject pods that all answer alike (all of them, unless a workload's pods
/// differ).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// The subject pods this part is about (`namespace/pod`); empty for an address.
    pub pods: Vec<String>,
    /// The policies that isolate these pods in the asked direction (ingress for `to`, egress
    /// for `from`); empty when none does, so everything is allowed on their side. `None` for
    /// an address.
    pub isolated_by: Option<Vec<String>>,
    /// Peer pods, by namespace and group.
    pub peers: Vec<PeerRow>,
    /// External addresses (none for an address subject: address to address is not modelled).
    pub external: Vec<ExternalRow>,
}

/// Who may reach a subject, or what it may reach.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reach {
    /// [`Direction::Ingress`]: who may open connections to the subject (`--to`);
    /// [`Direction::Egress`]: what the subject may open connections to (`--from`).
    pub direction: Direction,
    /// `shop/postgres-0`, `shop/deployment/api` or `203.0.113.7`.
    pub subject: String,
    /// `pod`, `workload` or `address`.
    pub kind: &'static str,
    /// For a pod of a known workload: `statefulset/postgres`.
    pub workload: Option<String>,
    /// How many pods the subject has (0 for an address).
    pub pods: usize,
    /// One part per class of subject pods that answer alike (one for an address).
    pub parts: Vec<Part>,
    /// Pods per namespace of the peers (not counting a lone subject pod), to say "every pod of
    /// namespace x".
    namespace_pods: BTreeMap<String, usize>,
    /// Pods of the cluster (not counting a lone subject pod) and their namespaces, to say
    /// "every pod in the cluster".
    cluster_pods: (usize, usize),
}

impl Reach {
    /// Only what is allowed on `port`/`protocol`: peers and addresses that have it, each with
    /// that port alone and the grants that cover it.
    pub fn on_port(mut self, port: u16, protocol: Protocol) -> Reach {
        let narrow = |ports: &mut PortSet, grants: &mut Vec<GrantLine>| {
            *ports = ports.only(port, protocol);
            grants.retain(|g| g.ports.allows(port, protocol));
            grants.iter_mut().for_each(|g| g.ports = g.ports.only(port, protocol));
            !ports.is_empty()
        };
        for part in &mut self.parts {
            part.peers.retain_mut(|row| narrow(&mut row.ports, &mut row.grants));
            part.external.retain_mut(|row| narrow(&mut row.ports, &mut row.grants));
        }
        self
    }
}

/// What may reach `subject` ([`Direction::Ingress`]) or what it may reach
/// ([`Direction::Egress`]), by peer group and external address range, with the granting rules.
pub fn reach(engine: &Engine, subject: &Subject, direction: Direction) -> Reach {
    let cluster = engine.cluster();
    // Group sizes, without a lone subject pod: it is never its own peer.
    let alone = if let Subject::Pod(p) = subject { Some(*p) } else { None };
    let mut group_pods: HashMap<String, usize> = HashMap::new();
    let mut all_namespace_pods: HashMap<&str, usize> = HashMap::new();
    for (i, pod) in cluster.pods().iter().enumerate() {
        if alone == Some(PodId(i as u32)) {
            continue;
        }
        *group_pods.entry(group_name(pod)).or_default() += 1;
        *all_namespace_pods.entry(pod.namespace.as_str()).or_default() += 1;
    }
    let (kind, workload) = match subject {
        Subject::Pod(p) => ("pod", cluster.pod(*p).workload.as_ref().map(|w| w.short_name())),
        Subject::Workload { .. } => ("workload", None),
        Subject::Address(_) => ("address", None),
    };
    let subject_pods = subject.pods();
    let mut parts: Vec<Part> = Vec::new();
    match subject {
        Subject::Address(ip) => {
            let side = engine.address_side(*ip, direction);
            let peers = peer_rows(engine, &side, Endpoint::Ip(*ip), &[], direction, &group_pods);
            parts.push(Part { pods: Vec::new(), isolated_by: None, peers, external: Vec::new() });
        }
        _ => {
            // Subject pods by identity, in order of first appearance.
            let mut classes: Vec<(usize, Vec<PodId>)> = Vec::new();
            for &p in &subject_pods {
                let id = engine.identity_of(p);
                match classes.iter_mut().find(|(i, _)| *i == id) {
                    Some((_, pods)) => pods.push(p),
                    None => classes.push((id, alloc::vec![p])),
                }
            }
            for (id, pods) in classes {
                let side = engine.identity_side(id, direction);
                let here = Endpoint::Pod(pods[0]);
                let peers = peer_rows(engine, &side, here, &pods, direction, &group_pods);
                let external = external_rows(engine, &side, here, direction);
                let isolated_by =
                    cluster.isolating(pods[0], direction).map(|id| cluster.policy(id).qualified_name()).collect();
                let names: Vec<String> = pods.iter().map(|&p| cluster.pod(p).qualified_name()).collect();
                let part = Part { pods: names, isolated_by: Some(isolated_by), peers, external };
                // Fold pods whose answers are the same.
                match parts
                    .iter_mut()
                    .find(|q| q.isolated_by == part.isolated_by && q.peers == part.peers && q.external == part.external)
                {
                    Some(q) => q.pods.extend(part.pods),
                    None => parts.push(part),
                }
            }
            for part in &mut parts {
                part.pods.sort();
            }
        }
    }
    let namespace_pods = parts
        .iter()
        .flat_map(|p| &p.peers)
        .map(|r| (r.namespace.clone(), all_namespace_pods.get(r.namespace.as_str()).copied().unwrap_or(0)))
        .collect();
    let cluster_pods = (all_namespace_pods.values().sum(), all_namespace_pods.len());
    Reach {
        direction,
        subject: subject.name(cluster),
        kind,
        workload,
        pods: subject_pods.len(),
        parts,
        namespace_pods,
        cluster_pods,
    }
}

/// The source and destination of a connection between the subject side `here` and a peer.
fn ends(here: Endpoint, peer: Endpoint, direction: Direction) -> (Endpoint, Endpoint) {
    match direction {
        Direction::Ingress => (peer, here),
        Direction::Egress => (here, peer),
    }
}

/// The allowed port classes between `here` and `peer`, split by what grants them.
fn grant_lines(engine: &Engine, here: Endpoint, peer: Endpoint, pcs: &[usize], direction: Direction) -> Vec<GrantLine> {
    let (src, dst) = ends(here, peer, direction);
    let mut by_access: Vec<(Access, Access, Vec<usize>)> = Vec::new();
    for &pc in pcs {
        let (protocol, first, last) = engine.port_class_range(pc);
        if last == 0 {
            continue; // Port 0 alone: no port.
        }
        let e = engine.explain(src, dst, first.max(1), protocol);
        debug_assert!(e.allowed(), "the tables allow it");
        let (egress, ingress) = (Access::of(engine.cluster(), &e.egress), Access::of(engine.cluster(), &e.ingress));
        match by_access.iter_mut().find(|(a, b, _)| *a == egress && *b == ingress) {
            Some((_, _, list)) => list.push(pc),
            None => by_access.push((egress, ingress, alloc::vec![pc])),
        }
    }
    by_access
        .into_iter()
        .map(|(egress, ingress, list)| GrantLine { ports: port_set(engine, &list), egress, ingress })
        .collect()
}

/// The union of the lines' ports.
fn all_ports(lines: &[GrantLine]) -> PortSet {
    lines.iter().fold(PortSet::default(), |acc, l| acc.union(&l.ports))
}

/// Peer identities expanded to pods, grouped by workload; `subject` pods are left out when they
/// are the only subject pod (self traffic).
fn peer_rows(
    engine: &Engine,
    side: &Side,
    here: Endpoint,
    subject: &[PodId],
    direction: Direction,
    group_pods: &HashMap<String, usize>,
) -> Vec<PeerRow> {
    let cluster = engine.cluster();
    let alone = if let [p] = subject { Some(*p) } else { None };
    // (namespace, group) -> variants of (grants, pods).
    type Variants = Vec<(Vec<GrantLine>, Vec<PodId>)>;
    let mut groups: BTreeMap<(String, String), Variants> = BTreeMap::new();
    for (id, pcs) in &side.peers {
        let members: Vec<PodId> = engine.members(*id).iter().map(|&m| PodId(m)).filter(|&m| Some(m) != alone).collect();
        // A peer pod other than the one standing for the subject.
        let Some(&rep) = members.iter().find(|&&m| Endpoint::Pod(m) != here) else { continue };
        let lines = grant_lines(engine, here, Endpoint::Pod(rep), pcs, direction);
        if lines.is_empty() {
            continue;
        }
        for m in members {
            let pod = cluster.pod(m);
            let variants = groups.entry((pod.namespace.clone(), group_name(pod))).or_default();
            match variants.iter_mut().find(|(l, _)| *l == lines) {
                Some((_, pods)) => pods.push(m),
                None => variants.push((lines.clone(), alloc::vec![m])),
            }
        }
    }
    let mut rows = Vec::new();
    for ((namespace, group), mut variants) in groups {
        variants.iter_mut().for_each(|(_, pods)| pods.sort_unstable());
        variants.sort_by_key(|(_, pods)| pods[0]);
        for (grants, pods) in variants {
            rows.push(PeerRow {
                group_pods: group_pods.get(&group).copied().unwrap_or(pods.len()),
                group: group.clone(),
                namespace: namespace.clone(),
                pods: pods.iter().map(|&p| cluster.pod(p).qualified_name()).collect(),
                ports: all_ports(&grants),
                grants,
            });
        }
    }
    rows
}

/// An address of IP class `class` that is no pod's (the class's column stands for those) and,
/// in an IPv6 class, no IPv4-mapped address (that is the IPv4 address, S9a, another class), if
/// there is one. The walk ends at the first such address, so it visits at most as many
/// addresses as there are pod IPs, plus one.
fn outside_address(engine: &Engine, class: usize) -> Option<IpAddr> {
    let (mut ip, last) = engine.ip_class_bounds(class);
    loop {
        if let IpAddr::V6(a) = ip {
            if a.to_ipv4_mapped().is_some() {
                // Past ::ffff:255.255.255.255, if the class goes on.
                let after = core::net::Ipv6Addr::from(u128::from(a) | 0xffff_ffff).to_bits() + 1;
                if !matches!(last, IpAddr::V6(l) if l.to_bits() >= after) {
                    return None;
                }
                ip = IpAddr::V6(after.into());
                continue;
            }
        }
        if matches!(engine.endpoint_for_ip(ip), Endpoint::Ip(_)) {
            return Some(ip);
        }
        if ip == last {
            return None;
        }
        ip = match ip {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) + 1).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) + 1).into()),
        };
    }
}

/// External IP classes, adjacent ones with the same answer merged, then grouped by answer.
fn external_rows(engine: &Engine, side: &Side, here: Endpoint, direction: Direction) -> Vec<ExternalRow> {
    let mut merged: Vec<(IpRange, Vec<GrantLine>)> = Vec::new();
    for (class, pcs) in &side.external {
        let Some(ip) = outside_address(engine, *class) else { continue };
        let lines = grant_lines(engine, here, Endpoint::Ip(ip), pcs, direction);
        if lines.is_empty() {
            continue;
        }
        let (first, last) = engine.ip_class_bounds(*class);
        let range = IpRange { first, last };
        match merged.last_mut() {
            Some((prev, l)) if *l == lines && adjacent(prev.last, range.first) => prev.last = range.last,
            _ => merged.push((range, lines)),
        }
    }
    let mut rows: Vec<(Vec<GrantLine>, Vec<IpRange>)> = Vec::new();
    for (range, lines) in merged {
        match rows.iter_mut().find(|(l, _)| *l == lines) {
            Some((_, ranges)) => ranges.push(range),
            None => rows.push((lines, alloc::vec![range])),
        }
    }
    rows.into_iter()
        .map(|(grants, ranges)| ExternalRow {
            addresses: address_label(&ranges),
            cidrs: ranges.iter().flat_map(cidr_strings).collect(),
            ports: all_ports(&grants),
            grants,
        })
        .collect()
}
