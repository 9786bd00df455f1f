//! The exact check of one expectation: resolve both selectors into groups of endpoints that
//! decide alike (pods of one identity, one address per piece of a CIDR), then decide each pair
//! of groups once.

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::OnceCell;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hashbrown::HashMap;
use ipnet::IpNet;

use super::{Counterexample, EndpointSelector, Expectation, ExpectationResult, Expected, PortSpec};
use crate::spec::query::ips_family_mask;
use crate::{Connectivity, Endpoint, Engine, Family, IpRange, PodId, PortSet, Protocol};

/// How many pairs decided like a counterexample it names.
const ALIKE_EXAMPLES: usize = 3;

/// One side of a pair as the checker sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Pod(PodId),
    /// A dual-stack pod by one of its addresses: the pod over that address's family (S9a).
    PodAt(PodId, IpAddr),
    /// An address outside the pods, and the range of addresses that behave like it.
    Addr(IpAddr, Option<IpRange>),
}

impl Side {
    fn endpoint(self) -> Endpoint {
        match self {
            Side::Pod(p) => Endpoint::Pod(p),
            Side::PodAt(_, ip) | Side::Addr(ip, _) => Endpoint::Ip(ip),
        }
    }

    fn pod(self) -> Option<PodId> {
        match self {
            Side::Pod(p) | Side::PodAt(p, _) => Some(p),
            Side::Addr(..) => None,
        }
    }
}

/// Endpoints that decide alike: the pods of one identity, or one address.
struct Group {
    identity: Option<usize>,
    members: Vec<Side>,
}

/// Class boundaries of external addresses, per family, as `u128`s.
#[derive(Default)]
struct Cuts {
    v4: BTreeSet<u128>,
    v6: BTreeSet<u128>,
}

pub(super) struct Checker<'e> {
    engine: &'e Engine,
    connectivity: OnceCell<Connectivity>,
    cuts: OnceCell<Cuts>,
    max: usize,
}

impl<'e> Checker<'e> {
    pub(super) fn new(engine: &'e Engine, max: usize) -> Checker<'e> {
        Checker { engine, connectivity: OnceCell::new(), cuts: OnceCell::new(), max }
    }

    fn connectivity(&self) -> &Connectivity {
        self.connectivity.get_or_init(|| self.engine.connectivity())
    }

    /// Every point where the treatment of external addresses may change, for some pod and
    /// direction: the starts and ends of the connectivity map's external ranges.
    fn cuts(&self) -> &Cuts {
        self.cuts.get_or_init(|| {
            let conn = self.connectivity();
            let mut cuts = Cuts::default();
            for i in 0..self.engine.cluster().pods().len() {
                let pod = PodId(i as u32);
                for (range, _) in conn.egress_external(pod).into_iter().chain(conn.ingress_external(pod)) {
                    let set = if range.first.is_ipv4() { &mut cuts.v4 } else { &mut cuts.v6 };
                    set.insert(to_u128(range.first));
                    set.insert(to_u128(range.last).saturating_add(1));
                }
            }
            cuts
        })
    }

    pub(super) fn check(&self, e: &Expectation) -> ExpectationResult {
        let mut result = ExpectationResult {
            expectation: e.clone(),
            pairs: 0,
            failed_pairs: 0,
            problem: None,
            counterexamples: Vec::new(),
        };
        let sources = self.resolve(&e.from);
        let destinations = self.resolve(&e.to);
        let empty = |side: &str, sel: &EndpointSelector| match sel {
            EndpointSelector::Cidr(_) => format!("{side} {sel} has no address outside the cluster's pods"),
            _ => format!("{side} {sel} matches no pod"),
        };
        let problems: Vec<String> =
            [sources.is_empty().then(|| empty("from", &e.from)), destinations.is_empty().then(|| empty("to", &e.to))]
                .into_iter()
                .flatten()
                .collect();
        if !problems.is_empty() {
            result.problem = Some(problems.join("; "));
            return result;
        }
        for sg in &sources {
            for dg in &destinations {
                let Some((count, (s, d))) = pairs_of(sg, dg) else { continue };
                result.pairs += count;
                let Some(port) = self.failing_port(s, d, e) else { continue };
                result.failed_pairs += count;
                if result.counterexamples.len() < self.max {
                    let mut c = self.counterexample(s, d, port, e.protocol);
                    c.alike = count - 1;
                    c.alike_examples = other_pairs(sg, dg, (s, d))
                        .take(ALIKE_EXAMPLES)
                        .map(|(s, d)| (self.name(s), self.name(d)))
                        .collect();
                    result.counterexamples.push(c);
                }
            }
        }
        if result.pairs == 0 {
            result.problem = Some("nothing to check: every pair is a pod with itself".to_string());
        }
        result
    }

    fn counterexample(&self, s: Side, d: Side, port: u16, protocol: Protocol) -> Counterexample {
        let cluster = self.engine.cluster();
        let (src, dst) = (s.endpoint(), d.endpoint());
        let explanation = self.engine.explain(src, dst, port, protocol);
        let report = explanation.report(cluster, src, dst, port, protocol);
        let range = |side: Side| match side {
            Side::Addr(_, range) => range,
            Side::Pod(_) | Side::PodAt(..) => None,
        };
        Counterexample {
            src,
            dst,
            from: crate::endpoint_name(cluster, src),
            to: crate::endpoint_name(cluster, dst),
            from_range: range(s),
            to_range: range(d),
            port,
            protocol,
            explanation,
            report,
            alike: 0,
            alike_examples: Vec::new(),
        }
    }

    fn name(&self, side: Side) -> String {
        crate::endpoint_name(self.engine.cluster(), side.endpoint())
    }

    /// A port of the expectation on which the pair breaks it, if any.
    fn failing_port(&self, s: Side, d: Side, e: &Expectation) -> Option<u16> {
        let want = e.expected == Expected::Allowed;
        if let PortSpec::Port(p) = e.ports {
            let allowed = self.engine.decide(s.endpoint(), d.endpoint(), p, e.protocol).is_allowed();
            return (allowed != want).then_some(p);
        }
        let (first, last) = e.ports.bounds();
        let set = self.port_set(s, d);
        let ranges = set.ranges(e.protocol);
        if want {
            first_missing(ranges, first, last)
        } else {
            first_present(ranges, first, last)
        }
    }

    /// Every port allowed from `s` to `d`.
    fn port_set(&self, s: Side, d: Side) -> PortSet {
        let conn = self.connectivity();
        let external = |list: Vec<(IpRange, &PortSet)>, ip: IpAddr| {
            let at = to_u128(ip);
            list.into_iter()
                .find(|(r, _)| r.first.is_ipv4() == ip.is_ipv4() && (to_u128(r.first)..=to_u128(r.last)).contains(&at))
                .map_or_else(PortSet::default, |(_, set)| set.clone())
        };
        match (s, d) {
            (Side::Pod(s), Side::Pod(d)) => conn.between(s, d),
            (Side::Pod(s), Side::Addr(ip, _)) => external(conn.egress_external(s), ip),
            (Side::Addr(ip, _), Side::Pod(d)) => external(conn.ingress_external(d), ip),
            // A pod over one family, or two addresses (whose families must agree, S9a): one
            // decision per port class, as the map holds pods over every family they share.
            _ => {
                let classes: Vec<usize> = (0..self.engine.port_classes())
                    .filter(|&pc| {
                        let (protocol, first, _) = self.engine.port_class_range(pc);
                        self.engine.decide(s.endpoint(), d.endpoint(), first.max(1), protocol).is_allowed()
                    })
                    .collect();
                crate::engine::connectivity::port_set(self.engine, &classes)
            }
        }
    }

    /// The groups of endpoints a selector stands for; empty when it matches nothing.
    fn resolve(&self, selector: &EndpointSelector) -> Vec<Group> {
        let cluster = self.engine.cluster();
        let pods = |keep: &dyn Fn(&crate::spec::Pod) -> bool| {
            self.group_pods(cluster.pods().iter().enumerate().filter(|(_, p)| keep(p)).map(|(i, _)| PodId(i as u32)))
        };
        match selector {
            EndpointSelector::Name { namespace, name } => {
                pods(&|p| glob_match(namespace, &p.namespace) && glob_match(name, &p.name))
            }
            EndpointSelector::Labels { namespace, namespace_labels, labels } => pods(&|p| {
                let ns_labels = &cluster.namespace(p.namespace_id).labels;
                namespace.as_ref().is_none_or(|n| *n == p.namespace)
                    && namespace_labels.iter().all(|(k, v)| ns_labels.get(k) == Some(v))
                    && labels.iter().all(|(k, v)| p.labels.get(k) == Some(v))
            }),
            EndpointSelector::AllPods => pods(&|_| true),
            // S9a: an address, also a pod's, is decided over its own family: the engine resolves
            // a pod's IP to the pod over that family.
            EndpointSelector::Ip(ip) => {
                let ip = ip.to_canonical();
                match self.engine.pod_of(Endpoint::Ip(ip)) {
                    // A pod with only this address's family decides alike by name.
                    Some(p) if ips_family_mask(&cluster.pod(p).ips) == Family::of(ip).bit() => {
                        self.group_pods([p].into_iter())
                    }
                    Some(p) => alloc::vec![Group { identity: None, members: alloc::vec![Side::PodAt(p, ip)] }],
                    None => alloc::vec![Group { identity: None, members: alloc::vec![Side::Addr(ip, None)] }],
                }
            }
            EndpointSelector::Cidr(net) => self.cidr_groups(net),
        }
    }

    /// Pods grouped by identity, groups in the order of their first pod.
    fn group_pods(&self, pods: impl Iterator<Item = PodId>) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        let mut index: HashMap<usize, usize> = HashMap::new();
        for pod in pods {
            let identity = self.engine.identity_of(pod);
            let i = *index.entry(identity).or_insert_with(|| {
                groups.push(Group { identity: Some(identity), members: Vec::new() });
                groups.len() - 1
            });
            groups[i].members.push(Side::Pod(pod));
        }
        groups
    }

    /// One group per range of the network that every pod treats alike, represented by its
    /// first address that is not a pod's IP (ranges of pod IPs only are left out).
    fn cidr_groups(&self, net: &IpNet) -> Vec<Group> {
        let v4 = matches!(net, IpNet::V4(_));
        let (lo, hi) = (to_u128(net.network()), to_u128(net.broadcast()));
        let cuts = self.cuts();
        let cuts = if v4 { &cuts.v4 } else { &cuts.v6 };
        let mut starts: Vec<u128> = alloc::vec![lo];
        if lo < hi {
            starts.extend(cuts.range(lo + 1..=hi).copied());
        }
        let mut groups = Vec::new();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(hi, |next| next - 1);
            let outside =
                (start..=end).find(|&a| matches!(self.engine.endpoint_for_ip(from_u128(a, v4)), Endpoint::Ip(_)));
            if let Some(a) = outside {
                let range = IpRange { first: from_u128(start, v4), last: from_u128(end, v4) };
                groups.push(Group { identity: None, members: alloc::vec![Side::Addr(from_u128(a, v4), Some(range))] });
            }
        }
        groups
    }
}

/// The number of pairs between two groups (a pod with itself excluded) and one of them, or
/// `None` when there is none.
fn pairs_of(sg: &Group, dg: &Group) -> Option<(usize, (Side, Side))> {
    let overlap = if sg.identity.is_some() && sg.identity == dg.identity {
        sg.members.iter().filter(|m| dg.members.contains(m)).count()
    } else {
        0
    };
    let count = sg.members.len() * dg.members.len() - overlap;
    if count == 0 {
        return None;
    }
    let pair = sg
        .members
        .iter()
        .flat_map(|&s| dg.members.iter().map(move |&d| (s, d)))
        .find(|(s, d)| s != d && (s.pod().is_none() || s.pod() != d.pod()))?;
    Some((count, pair))
}

/// The pairs between two groups other than `shown` (a pod with itself excluded).
fn other_pairs<'g>(sg: &'g Group, dg: &'g Group, shown: (Side, Side)) -> impl Iterator<Item = (Side, Side)> + 'g {
    sg.members
        .iter()
        .flat_map(|&s| dg.members.iter().map(move |&d| (s, d)))
        .filter(move |&(s, d)| s != d && (s, d) != shown)
}

/// The first port of `first..=last` outside the sorted `ranges`.
fn first_missing(ranges: &[(u16, u16)], first: u16, last: u16) -> Option<u16> {
    let mut next = first;
    for &(a, b) in ranges {
        if b < next {
            continue;
        }
        if a > next {
            break;
        }
        if b >= last {
            return None;
        }
        next = b + 1;
    }
    (next <= last).then_some(next)
}

/// The first port of `first..=last` inside the sorted `ranges`.
fn first_present(ranges: &[(u16, u16)], first: u16, last: u16) -> Option<u16> {
    ranges.iter().find(|&&(a, b)| b >= first && a <= last).map(|&(a, _)| a.max(first))
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
fn glob_match(pattern: &str, text: &str) -> bool {
    let Some((head, rest)) = pattern.split_once('*') else { return pattern == text };
    let Some(mut text) = text.strip_prefix(head) else { return false };
    let mut parts: Vec<&str> = rest.split('*').collect();
    let tail = parts.pop().unwrap_or_default();
    for part in parts {
        match text.find(part) {
            Some(i) => text = &text[i + part.len()..],
            None => return false,
        }
    }
    text.len() >= tail.len() && text.ends_with(tail)
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn from_u128(address: u128, v4: bool) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(address as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(address))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match("frontend-*", "frontend-6c8f9b7d4-2lmnp"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYc"));
        assert!(glob_match("a*b*c", "abc"));
        assert!(!glob_match("a*b*c", "acb"));
        assert!(!glob_match("*-0", "postgres-1"));
        assert!(glob_match("*-0", "postgres-0"));
        assert!(!glob_match("ab*ba", "aba"), "the head and tail must not overlap");
        assert!(glob_match("postgres-0", "postgres-0"));
        assert!(!glob_match("postgres", "postgres-0"));
    }

    #[test]
    fn port_ranges() {
        let r = [(53, 53), (8080, 8090), (9000, 65535)];
        assert_eq!(first_missing(&r, 8080, 8090), None);
        assert_eq!(first_missing(&r, 8080, 8091), Some(8091));
        assert_eq!(first_missing(&r, 1, 65535), Some(1));
        assert_eq!(first_missing(&r, 53, 53), None);
        assert_eq!(first_missing(&r, 9500, 65535), None);
        assert_eq!(first_missing(&[], 80, 80), Some(80));
        assert_eq!(first_missing(&[(1, 65535)], 1, 65535), None);
        assert_eq!(first_present(&r, 54, 8079), None);
        assert_eq!(first_present(&r, 54, 8080), Some(8080));
        assert_eq!(first_present(&r, 8085, 8100), Some(8085));
        assert_eq!(first_present(&[], 1, 65535), None);
    }
}
