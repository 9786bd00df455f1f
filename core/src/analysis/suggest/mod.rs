//! Least-privilege NetworkPolicies from observed traffic: the inverse of checking. Given a
//! cluster and the flows seen in it ([`crate::flows::ObservedFlow`]), [`suggest`] writes the
//! policies that allow exactly those flows, keyed on labels, and [`Suggestion::check`] loads the
//! emitted YAML back through the normal loader and replays every flow through the engine.
//!
//! What the suggestion holds, per namespace with pods (a namespace without pods gives no
//! evidence, so it gets nothing):
//!
//! - `default-deny`: every pod isolated for ingress and egress.
//! - `allow-dns`: egress to the cluster DNS pods (`k8s-app: kube-dns` in `kube-system`) on port
//!   53 UDP and TCP, whether or not the flows show lookups (captures often leave them out).
//! - in the DNS pods' namespace, `dns-server`: ingress to the DNS pods on 53 from every
//!   namespace (new namespaces need DNS too) and egress from them on 53 to anywhere (upstream
//!   resolvers). Observed flows these two cover get no rules of their own.
//! - per workload with observed flows, `<workload>-ingress` (one rule per set of sources with the
//!   same ports) and `<workload>-egress` (alike, per destinations).
//!
//! Pods are grouped by workload ([`crate::spec::group_name`]) and selected by their *stable*
//! labels: the labels all pods of the group share, minus those that change with every rollout
//! or pod ([`VOLATILE_LABELS`]). When one well-known identity label (`app`,
//! `app.kubernetes.io/name`, ...) alone picks exactly the group within its namespace, that label
//! is used; otherwise all stable labels are. Pods are never selected by name. A selector that
//! also picks pods of another group, or a group with no stable labels (selected with `{}`, every
//! pod of its namespace), is reported in [`Suggestion::warnings`]: the policy is then wider than
//! the flows. Ports are named when every destination pod defines the number and protocol under
//! one name (S11), numbers (consecutive ones as `endPort` ranges) otherwise. External addresses
//! become `ipBlock`s of the observed addresses (`/32`, `/128`, merged only when exact).

mod check;
mod report;
mod select;
mod yaml;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;

use ipnet::IpNet;

use crate::flows::ObservedFlow;
use crate::raw::NAMESPACE_NAME_LABEL;
use crate::spec::query::Endpoint;
use crate::spec::{
    IpBlock, LabelSelector, Labels, NetworkPolicy, Peer, PodId, PolicyPort, PortMatch, Protocol, Rule, DNS_LABEL,
    DNS_NAMESPACE,
};
use crate::Engine;

use crate::report::plural;
pub use crate::spec::VOLATILE_LABELS;
pub use check::{reachable_pairs, reachable_ports, replace_policies, SelfCheck};
pub use report::{input_warnings, suggest_checked, SuggestFailure, SuggestReport};
pub use select::stable_labels;
use select::{groups, Group};

const DNS_PORT: u16 = 53;

/// One suggested NetworkPolicy with the comment that says what it admits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedPolicy {
    /// The policy, as the loader would read it back (policy types always explicit).
    pub policy: NetworkPolicy,
    /// Comment lines (without `# `) written above it: what it is for and which observed flows
    /// it admits.
    pub comment: Vec<String>,
    /// How many observed flows it was written for.
    pub flows: usize,
    /// How many flow records those flows fold.
    pub records: u64,
}

/// The policies suggested for a set of observed flows, with what was noticed on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Suggestion {
    policies: Vec<SuggestedPolicy>,
    warnings: Vec<String>,
    flows: usize,
    records: u64,
}

impl Suggestion {
    /// The policies, sorted by namespace, then `default-deny`, `allow-dns`, `dns-server`, then
    /// the workloads' policies by name.
    pub fn policies(&self) -> &[SuggestedPolicy] {
        &self.policies
    }

    /// Where the suggestion is wider than the flows (a selector that also picks other pods, a
    /// workload without stable labels, no DNS pods found), one sentence each.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The number of observed flows the suggestion was made from.
    pub fn flows(&self) -> usize {
        self.flows
    }

    /// The flow records those flows fold.
    pub fn records(&self) -> u64 {
        self.records
    }
}

/// A peer of a policy: another group, or an address outside the pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PeerKey {
    Group(usize),
    Ip(IpAddr),
}

/// What the flows between a policy's pods and one peer used.
#[derive(Default)]
struct Usage {
    ports: BTreeSet<(Protocol, u16)>,
    flows: usize,
    records: u64,
}

/// One `ports` entry before it becomes a [`PolicyPort`]; sorts by protocol, then number.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct PortEntry {
    protocol: Protocol,
    first: u16,
    last: u16,
    name: Option<String>,
}

impl PortEntry {
    fn policy_port(&self) -> PolicyPort {
        let port = match &self.name {
            Some(name) => PortMatch::Named(name.clone()),
            None => PortMatch::Range { first: self.first, last: self.last },
        };
        PolicyPort { protocol: self.protocol, port }
    }
}

/// Suggests least-privilege policies that allow every flow in `flows` on the cluster of
/// `engine` (see the module documentation for their shape). The cluster's current policies
/// play no part: the suggestion replaces them.
///
/// Flows between two addresses outside the pods need no policy and are skipped; so is a pod's
/// traffic to itself unless the engine evaluates self traffic (S12). An [`Endpoint::Ip`] that is
/// a pod's IP stands for that pod.
pub fn suggest(engine: &Engine, flows: &[ObservedFlow]) -> Suggestion {
    let cluster = engine.cluster();
    let mut warnings = Vec::new();
    let (groups, group_of) = groups(engine, &mut warnings);

    let dns_pods: Vec<PodId> = (0..cluster.pods().len() as u32)
        .map(PodId)
        .filter(|&p| {
            let pod = cluster.pod(p);
            pod.namespace == DNS_NAMESPACE && pod.labels.get(DNS_LABEL.0).map(String::as_str) == Some(DNS_LABEL.1)
        })
        .collect();
    let is_dns = |p: PodId| dns_pods.binary_search(&p).is_ok();

    let mut ingress: BTreeMap<usize, BTreeMap<PeerKey, Usage>> = BTreeMap::new();
    let mut egress: BTreeMap<usize, BTreeMap<PeerKey, Usage>> = BTreeMap::new();
    // Flows the DNS policies admit, per namespace of the pod that made or served the lookup.
    let mut dns_lookups: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    let mut dns_served = (0usize, 0u64);
    let mut dns_upstream = (0usize, 0u64);
    let mut records = 0u64;
    for flow in flows {
        records = records.saturating_add(flow.count);
        let resolve = |e: Endpoint| match e {
            Endpoint::Ip(ip) => engine.endpoint_for_ip(ip),
            pod => pod,
        };
        let (src, dst) = (resolve(flow.src), resolve(flow.dst));
        let pod = |e: Endpoint| match e {
            Endpoint::Pod(p) => Some(p),
            Endpoint::Ip(_) => None,
        };
        if engine.options().self_exempt(pod(src), pod(dst)) {
            continue;
        }
        let dns_port = flow.port == DNS_PORT && matches!(flow.protocol, Protocol::Udp | Protocol::Tcp);
        let note = |usage: &mut Usage| {
            usage.ports.insert((flow.protocol, flow.port));
            usage.flows += 1;
            usage.records = usage.records.saturating_add(flow.count);
        };
        let bump = |tally: &mut (usize, u64)| {
            tally.0 += 1;
            tally.1 = tally.1.saturating_add(flow.count);
        };
        match (src, dst) {
            (Endpoint::Pod(s), Endpoint::Pod(d)) if dns_port && is_dns(d) => {
                bump(dns_lookups.entry(cluster.pod(s).namespace.clone()).or_default());
                bump(&mut dns_served);
            }
            (Endpoint::Pod(s), Endpoint::Ip(_)) if dns_port && is_dns(s) => bump(&mut dns_upstream),
            (Endpoint::Pod(s), Endpoint::Pod(d)) => {
                let (gs, gd) = (group_of[s.index()], group_of[d.index()]);
                note(egress.entry(gs).or_default().entry(PeerKey::Group(gd)).or_default());
                note(ingress.entry(gd).or_default().entry(PeerKey::Group(gs)).or_default());
            }
            (Endpoint::Pod(s), Endpoint::Ip(ip)) => {
                note(egress.entry(group_of[s.index()]).or_default().entry(PeerKey::Ip(ip)).or_default());
            }
            (Endpoint::Ip(ip), Endpoint::Pod(d)) => {
                note(ingress.entry(group_of[d.index()]).or_default().entry(PeerKey::Ip(ip)).or_default());
            }
            (Endpoint::Ip(_), Endpoint::Ip(_)) => {}
        }
    }

    let mut policies = Vec::new();
    let namespaces: BTreeSet<&str> = cluster.pods().iter().map(|p| p.namespace.as_str()).collect();
    if dns_pods.is_empty() && !namespaces.is_empty() {
        warnings.push(format!(
            "no DNS pods ({}={} in {DNS_NAMESPACE}) in the input: allow-dns assumes them there",
            DNS_LABEL.0, DNS_LABEL.1
        ));
    }
    let dns_ports = dns_port_entries(engine, &dns_pods);
    for ns in &namespaces {
        policies.push(default_deny(ns));
        let (flows, records) = dns_lookups.get(*ns).copied().unwrap_or_default();
        policies.push(allow_dns(ns, &dns_ports, flows, records));
    }
    if !dns_pods.is_empty() {
        policies.push(dns_server(&dns_ports, dns_served, dns_upstream));
    }
    for (direction, uses) in [(crate::spec::Direction::Ingress, &ingress), (crate::spec::Direction::Egress, &egress)] {
        for (&g, peers) in uses {
            policies.push(workload_policy(engine, &groups, g, direction, peers));
        }
    }
    policies.sort_by(|a, b| {
        let rank = |p: &SuggestedPolicy| match p.policy.name.as_str() {
            "default-deny" => 0,
            "allow-dns" => 1,
            "dns-server" => 2,
            _ => 3,
        };
        (&a.policy.namespace, rank(a), &a.policy.name).cmp(&(&b.policy.namespace, rank(b), &b.policy.name))
    });
    Suggestion { policies, warnings, flows: flows.len(), records }
}

fn policy(namespace: &str, name: &str, pod_selector: LabelSelector) -> NetworkPolicy {
    NetworkPolicy {
        namespace: namespace.to_string(),
        name: name.to_string(),
        pod_selector,
        ingress: Vec::new(),
        egress: Vec::new(),
        affects_ingress: false,
        affects_egress: false,
    }
}

fn default_deny(namespace: &str) -> SuggestedPolicy {
    let mut p = policy(namespace, "default-deny", LabelSelector::everything());
    p.affects_ingress = true;
    p.affects_egress = true;
    let comment = alloc::vec![format!(
        "{namespace}: every pod isolated for ingress and egress; the policies below allow what was observed"
    )];
    SuggestedPolicy { policy: p, comment, flows: 0, records: 0 }
}

fn dns_selector() -> LabelSelector {
    LabelSelector::new(Labels::from([(DNS_LABEL.0.to_string(), DNS_LABEL.1.to_string())]), Vec::new())
}

/// 53/UDP and 53/TCP, named when the DNS pods all name them.
fn dns_port_entries(engine: &Engine, dns_pods: &[PodId]) -> Vec<PortEntry> {
    let ports = BTreeSet::from([(Protocol::Udp, DNS_PORT), (Protocol::Tcp, DNS_PORT)]);
    port_entries(engine, (!dns_pods.is_empty()).then_some(dns_pods), &ports)
}

fn allow_dns(namespace: &str, ports: &[PortEntry], flows: usize, records: u64) -> SuggestedPolicy {
    let mut p = policy(namespace, "allow-dns", LabelSelector::everything());
    p.affects_egress = true;
    let peer = Peer::Selector {
        pod_selector: Some(dns_selector()),
        namespace_selector: Some(namespace_selector(DNS_NAMESPACE)),
    };
    p.egress.push(Rule { peers: alloc::vec![peer], ports: ports.iter().map(PortEntry::policy_port).collect() });
    let comment = alloc::vec![format!(
        "{namespace}: DNS lookups from every pod to {DNS_NAMESPACE}/{}={} ({}), kept whether observed or not{}",
        DNS_LABEL.0,
        DNS_LABEL.1,
        describe_entries(ports),
        admitted(flows, records)
    )];
    SuggestedPolicy { policy: p, comment, flows, records }
}

fn dns_server(ports: &[PortEntry], served: (usize, u64), upstream: (usize, u64)) -> SuggestedPolicy {
    let mut p = policy(DNS_NAMESPACE, "dns-server", dns_selector());
    p.affects_ingress = true;
    p.affects_egress = true;
    let from_all = Peer::Selector { pod_selector: None, namespace_selector: Some(LabelSelector::everything()) };
    p.ingress.push(Rule { peers: alloc::vec![from_all], ports: ports.iter().map(PortEntry::policy_port).collect() });
    let upstream_ports = [Protocol::Udp, Protocol::Tcp]
        .map(|protocol| PolicyPort { protocol, port: PortMatch::Range { first: DNS_PORT, last: DNS_PORT } });
    p.egress.push(Rule { peers: Vec::new(), ports: upstream_ports.to_vec() });
    let comment = alloc::vec![
        format!(
            "{DNS_NAMESPACE}: the DNS pods answer lookups from every namespace ({}){}",
            describe_entries(ports),
            admitted(served.0, served.1)
        ),
        format!(
            "and forward them to upstream resolvers anywhere on 53/UDP and 53/TCP{}",
            admitted(upstream.0, upstream.1)
        ),
    ];
    SuggestedPolicy { policy: p, comment, flows: served.0 + upstream.0, records: served.1 + upstream.1 }
}

/// `; admits N observed flows (M records)`, or nothing for none.
fn admitted(flows: usize, records: u64) -> String {
    match flows {
        0 => String::new(),
        n => format!("; admits {} ({})", plural(n as u64, "observed flow"), plural(records, "record")),
    }
}

fn namespace_selector(namespace: &str) -> LabelSelector {
    LabelSelector::new(Labels::from([(NAMESPACE_NAME_LABEL.to_string(), namespace.to_string())]), Vec::new())
}

/// The `<workload>-ingress` or `<workload>-egress` policy of group `g`.
fn workload_policy(
    engine: &Engine,
    groups: &[Group],
    g: usize,
    direction: crate::spec::Direction,
    peers: &BTreeMap<PeerKey, Usage>,
) -> SuggestedPolicy {
    use crate::spec::Direction;
    let group = &groups[g];
    let suffix = match direction {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    };
    let mut p = policy(
        &group.namespace,
        &format!("{}-{suffix}", group.stem),
        LabelSelector::new(group.selector.clone(), Vec::new()),
    );
    // Peers with the same ports share a rule.
    let mut rules: BTreeMap<Vec<PortEntry>, (Vec<usize>, Vec<IpAddr>)> = BTreeMap::new();
    let mut comment = Vec::new();
    let (mut flows, mut records) = (0, 0u64);
    let word = if direction == Direction::Ingress { "from" } else { "to" };
    for (&peer, usage) in peers {
        let destination = match (direction, peer) {
            (Direction::Ingress, _) => Some(group.pods.as_slice()),
            (Direction::Egress, PeerKey::Group(d)) => Some(groups[d].pods.as_slice()),
            (Direction::Egress, PeerKey::Ip(_)) => None,
        };
        let entries = port_entries(engine, destination, &usage.ports);
        let name = match peer {
            PeerKey::Group(o) => groups[o].key.clone(),
            PeerKey::Ip(ip) => ip.to_string(),
        };
        comment.push(format!(
            "  {word} {name} on {} ({}, {})",
            describe_entries(&entries),
            plural(usage.flows as u64, "flow"),
            plural(usage.records, "record")
        ));
        flows += usage.flows;
        records = records.saturating_add(usage.records);
        let rule = rules.entry(entries).or_default();
        match peer {
            PeerKey::Group(o) => rule.0.push(o),
            PeerKey::Ip(ip) => rule.1.push(ip),
        }
    }
    let mut rule_list: Vec<Rule> = rules
        .into_iter()
        .map(|(entries, (pod_peers, ips))| {
            let mut peers: Vec<Peer> = pod_peers
                .into_iter()
                .map(|o| {
                    let other = &groups[o];
                    let namespace_selector =
                        (other.namespace != group.namespace).then(|| namespace_selector(&other.namespace));
                    let pod_selector = Some(LabelSelector::new(other.selector.clone(), Vec::new()));
                    Peer::Selector { pod_selector, namespace_selector }
                })
                .collect();
            let nets: Vec<IpNet> = ips.into_iter().map(IpNet::from).collect();
            peers.extend(IpNet::aggregate(&nets).into_iter().map(|net| Peer::IpBlock(IpBlock::new(net, Vec::new()))));
            Rule { peers, ports: entries.iter().map(PortEntry::policy_port).collect() }
        })
        .collect();
    // Rules in the order of their first peer, pods before addresses.
    rule_list.sort_by_key(|r| peer_sort_key(&r.peers[0]));
    let head = format!(
        "{}: {suffix} for {} ({}):",
        group.key,
        plural(flows as u64, "observed flow"),
        plural(records, "record")
    );
    comment.insert(0, head);
    match direction {
        Direction::Ingress => {
            p.affects_ingress = true;
            p.ingress = rule_list;
        }
        Direction::Egress => {
            p.affects_egress = true;
            p.egress = rule_list;
        }
    }
    SuggestedPolicy { policy: p, comment, flows, records }
}

fn peer_sort_key(peer: &Peer) -> (u8, String) {
    match peer {
        Peer::Selector { pod_selector, namespace_selector } => {
            let ns = namespace_selector.as_ref().map(ToString::to_string).unwrap_or_default();
            let pods = pod_selector.as_ref().map(ToString::to_string).unwrap_or_default();
            (0, format!("{ns} {pods}"))
        }
        Peer::IpBlock(block) => (1, block.cidr().to_string()),
    }
}

/// The `ports` entries for `ports` towards `destination` pods (`None`: an address, or pods
/// unknown): named when every destination pod defines the number and protocol under one name,
/// else numbers, consecutive ones merged into ranges.
fn port_entries(engine: &Engine, destination: Option<&[PodId]>, ports: &BTreeSet<(Protocol, u16)>) -> Vec<PortEntry> {
    let cluster = engine.cluster();
    let mut out: Vec<PortEntry> = Vec::new();
    for &(protocol, number) in ports {
        let name = destination.and_then(|pods| {
            let mut names: Option<BTreeSet<&str>> = None;
            for &p in pods {
                let here: BTreeSet<&str> = cluster
                    .pod(p)
                    .ports
                    .iter()
                    .filter(|c| c.protocol == protocol && c.number == number)
                    .filter_map(|c| c.name.as_deref())
                    .collect();
                names = Some(match names {
                    None => here,
                    Some(seen) => seen.intersection(&here).copied().collect(),
                });
            }
            names?.into_iter().next().map(String::from)
        });
        match (name, out.last_mut()) {
            (None, Some(last))
                if last.name.is_none()
                    && last.protocol == protocol
                    && u32::from(last.last) + 1 == u32::from(number) =>
            {
                last.last = number;
            }
            (name, _) => out.push(PortEntry { protocol, first: number, last: number, name }),
        }
    }
    out
}

/// `http (8080/TCP), 9100-9102/TCP`.
fn describe_entries(entries: &[PortEntry]) -> String {
    let parts: Vec<String> = entries
        .iter()
        .map(|e| {
            let numbers = if e.first == e.last { format!("{}", e.first) } else { format!("{}-{}", e.first, e.last) };
            match &e.name {
                Some(name) => format!("{name} ({numbers}/{})", e.protocol),
                None => format!("{numbers}/{}", e.protocol),
            }
        })
        .collect();
    parts.join(", ")
}
