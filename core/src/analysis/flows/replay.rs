//! Replay: every observed flow decided under the policies; the flows they would deny, grouped
//! by workload; the flows observed dropped that they now allow; and how much each rule is used.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use hashbrown::HashMap;

use super::FlowSet;
use crate::spec::group_name;
use crate::spec::{Direction, PolicyId, Protocol};
use crate::{Endpoint, Engine, Explanation, PortSet, RuleRef};

/// Observed traffic the policies would deny, between two groups (workloads, pods or addresses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeniedGroup {
    /// The source group: `namespace/kind/name`, `namespace/pod`, or an address.
    pub from: String,
    /// The destination group, alike.
    pub to: String,
    /// The denied ports.
    pub ports: PortSet,
    /// Distinct flows (source, destination, port, protocol) denied.
    pub flows: usize,
    /// Their records.
    pub records: u64,
    /// The flow of the group with the most records: source, destination, port, protocol.
    pub example: (Endpoint, Endpoint, u16, Protocol),
    /// Why it is denied.
    pub explanation: Explanation,
}

impl DeniedGroup {
    /// The explanation as `netpol check` prints it (rendered on demand: a report of a million
    /// groups shows a few).
    pub fn report(&self, cluster: &crate::Cluster) -> String {
        let (src, dst, port, protocol) = self.example;
        self.explanation.report(cluster, src, dst, port, protocol)
    }
}

/// Observed `DROPPED` traffic the policies now allow (a widening), between two groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewlyAllowed {
    /// The source group.
    pub from: String,
    /// The destination group.
    pub to: String,
    /// The ports.
    pub ports: PortSet,
    /// Distinct flows.
    pub flows: usize,
    /// Records observed dropped.
    pub records: u64,
}

/// How much observed traffic one rule admits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleUsage {
    /// The policy.
    pub policy: PolicyId,
    /// `ingress` or `egress`.
    pub direction: Direction,
    /// Index into `spec.ingress` or `spec.egress`.
    pub rule: usize,
    /// Allowed flows (that really flowed: not only observed dropped) this rule admits.
    pub flows: usize,
    /// Their records, less those observed dropped.
    pub records: u64,
    /// For a used rule: the indices into its `from`/`to` of the peers no flow needed (no flow
    /// had it as its first matching peer). Dropping them all, and the entries of
    /// `unused_ports`, keeps every observed flow allowed.
    pub unused_peers: Vec<usize>,
    /// For a used rule: the indices into its `ports` of the entries no flow needed.
    pub unused_ports: Vec<usize>,
}

impl RuleUsage {
    /// `spec.ingress[0]`.
    pub fn path(&self) -> String {
        alloc::format!("spec.{}[{}]", self.direction.field(), self.rule)
    }

    /// The paths of the unused entries of a used rule: `spec.ingress[0].from[1]`,
    /// `spec.ingress[0].ports[2]`.
    pub fn unused_entry_paths(&self) -> Vec<String> {
        let peers =
            self.unused_peers.iter().map(|i| alloc::format!("{}.{}[{i}]", self.path(), self.direction.peers_field()));
        let ports = self.unused_ports.iter().map(|i| alloc::format!("{}.ports[{i}]", self.path()));
        peers.chain(ports).collect()
    }
}

/// Use of one rule: flows, records, and the peer and port entries flows matched first.
#[derive(Default)]
struct Use {
    flows: usize,
    records: u64,
    peers: BTreeSet<usize>,
    ports: BTreeSet<usize>,
}

/// The result of [`replay`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FlowReport {
    /// Records read, skipped and unresolved, and the substitutes: the flow set less its flows.
    pub input: FlowSet,
    /// Distinct flows decided.
    pub flows: usize,
    /// Flows allowed, and their records.
    pub allowed: (usize, u64),
    /// Flows that would be denied though no record of them was observed dropped, and their
    /// records: what `netpol flows` fails on.
    pub denied: (usize, u64),
    /// Flows with a record observed dropped and still denied (consistent with the cluster),
    /// and their records. Any dropped record counts: Hubble reports one packet where it leaves
    /// (FORWARDED by the source's egress) and again where the destination's ingress drops it.
    pub still_dropped: (usize, u64),
    /// Flows with records observed dropped that are now allowed, and those records.
    pub newly_allowed: (usize, u64),
    /// The denied flows by group pair, most records first.
    pub denied_groups: Vec<DeniedGroup>,
    /// The newly allowed flows by group pair, most records first.
    pub newly_allowed_groups: Vec<NewlyAllowed>,
    /// Every rule of every policy in a direction the policy affects, with its use, in policy
    /// order.
    pub rules: Vec<RuleUsage>,
}

impl FlowReport {
    /// Whether some observed traffic would be denied.
    pub fn breaks_traffic(&self) -> bool {
        self.denied.0 > 0
    }

    /// The rules no observed flow uses: candidates for tightening.
    pub fn unused_rules(&self) -> impl Iterator<Item = &RuleUsage> {
        self.rules.iter().filter(|r| r.flows == 0)
    }
}

fn group(engine: &Engine, e: Endpoint) -> String {
    match e {
        Endpoint::Pod(p) => group_name(engine.cluster().pod(p)),
        Endpoint::Ip(ip) => ip.to_string(),
    }
}

fn port_set(ports: &BTreeSet<(Protocol, u16)>) -> PortSet {
    let mut set = PortSet::default();
    for &(protocol, port) in ports {
        set.push(protocol, port, port);
    }
    set
}

/// Decides every flow of `flows` under `engine`'s policies (see [`FlowReport`]). Each distinct
/// flow is decided once; allowed flows that really flowed are explained to count rule use, and
/// the explanations are shared by flows whose endpoints the policies cannot tell apart.
pub fn replay(engine: &Engine, flows: &FlowSet) -> FlowReport {
    let mut report = FlowReport { flows: flows.flows.len(), ..FlowReport::default() };
    let mut denied: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut widened: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut usage: HashMap<(PolicyId, Direction, usize), Use> = HashMap::new();
    // Admitting rules of allowed flows, by what decides them: the identities (or the address)
    // of both ends, the port and protocol.
    // Self traffic is decided apart from the identities (S12): keyed by its pod.
    type Decides = (Key, Key, u16, Protocol, Option<Endpoint>);
    let mut admitted: HashMap<Decides, Vec<RuleRef>> = HashMap::new();
    let key = |e: Endpoint| match e {
        Endpoint::Pod(p) => Key::Identity(engine.identity_of(p)),
        Endpoint::Ip(ip) => Key::Ip(ip),
    };
    for (i, f) in flows.flows.iter().enumerate() {
        let dropped = flows.dropped[i];
        let flowed = f.count.saturating_sub(dropped);
        let allowed = f.decide(engine).is_allowed();
        if allowed {
            report.allowed.0 += 1;
            report.allowed.1 = report.allowed.1.saturating_add(f.count);
            if dropped > 0 {
                report.newly_allowed.0 += 1;
                report.newly_allowed.1 = report.newly_allowed.1.saturating_add(dropped);
                widened.entry((group(engine, f.src), group(engine, f.dst))).or_default().add(i, f, dropped);
            }
            if flowed == 0 {
                continue;
            }
            let k = (key(f.src), key(f.dst), f.port, f.protocol, (f.src == f.dst).then_some(f.src));
            let rules = admitted.entry(k).or_insert_with(|| {
                let e = f.explain(engine);
                // One entry per admitting rule, with its first matching peer and port.
                e.egress.admitting.iter().chain(&e.ingress.admitting).copied().collect()
            });
            for r in rules.iter() {
                let u = usage.entry((r.policy, r.direction, r.rule)).or_default();
                u.flows += 1;
                u.records = u.records.saturating_add(flowed);
                u.peers.extend(r.peer);
                u.ports.extend(r.port);
            }
        } else if dropped > 0 {
            report.still_dropped.0 += 1;
            report.still_dropped.1 = report.still_dropped.1.saturating_add(f.count);
        } else {
            report.denied.0 += 1;
            report.denied.1 = report.denied.1.saturating_add(f.count);
            let t = denied.entry((group(engine, f.src), group(engine, f.dst))).or_default();
            t.add(i, f, f.count);
            if f.count > flows.flows[t.example].count {
                t.example = i;
            }
        }
    }
    for ((from, to), Tally { ports, flows: n, records, example }) in denied {
        let f = flows.flows[example];
        let explanation = f.explain(engine);
        report.denied_groups.push(DeniedGroup {
            from,
            to,
            ports: port_set(&ports),
            flows: n,
            records,
            example: (f.src, f.dst, f.port, f.protocol),
            explanation,
        });
    }
    report
        .denied_groups
        .sort_by(|a, b| b.records.cmp(&a.records).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to))));
    for ((from, to), Tally { ports, flows: n, records, .. }) in widened {
        report.newly_allowed_groups.push(NewlyAllowed { from, to, ports: port_set(&ports), flows: n, records });
    }
    report
        .newly_allowed_groups
        .sort_by(|a, b| b.records.cmp(&a.records).then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to))));
    for (i, policy) in engine.cluster().policies().iter().enumerate() {
        let id = PolicyId(i as u32);
        for direction in [Direction::Ingress, Direction::Egress] {
            if !policy.affects(direction) {
                continue;
            }
            for (rule, spec) in policy.rules(direction).iter().enumerate() {
                let used = usage.remove(&(id, direction, rule)).unwrap_or_default();
                let unused = |n: usize, seen: &BTreeSet<usize>| {
                    if used.flows == 0 {
                        Vec::new() // The whole rule is unused: listed as such.
                    } else {
                        (0..n).filter(|i| !seen.contains(i)).collect()
                    }
                };
                report.rules.push(RuleUsage {
                    policy: id,
                    direction,
                    rule,
                    flows: used.flows,
                    records: used.records,
                    unused_peers: unused(spec.peers.len(), &used.peers),
                    unused_ports: unused(spec.ports.len(), &used.ports),
                });
            }
        }
    }
    report.input = FlowSet {
        flows: Vec::new(),
        dropped: Vec::new(),
        records: flows.records,
        skipped: flows.skipped.clone(),
        unresolved_records: flows.unresolved_records,
        unresolved: flows.unresolved.clone(),
        substitutes: flows.substitutes.clone(),
    };
    report
}

/// Flows between one pair of groups.
#[derive(Default)]
struct Tally {
    ports: BTreeSet<(Protocol, u16)>,
    flows: usize,
    records: u64,
    /// The flow shown: the first (the caller may pick another).
    example: usize,
}

impl Tally {
    fn add(&mut self, i: usize, f: &super::ObservedFlow, records: u64) {
        if self.flows == 0 {
            self.example = i;
        }
        self.ports.insert((f.protocol, f.port));
        self.flows += 1;
        self.records = self.records.saturating_add(records);
    }
}

/// What an end of a flow is to the policies: a pod's identity, or an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key {
    Identity(usize),
    Ip(core::net::IpAddr),
}
