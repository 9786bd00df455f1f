//! Port and address sets for the audit's coverage questions: sorted, disjoint inclusive spans
//! with union, intersection and difference, so "which ports admit every public address" and "is
//! this ipBlock inside that one" are exact.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use ipnet::IpNet;

use crate::engine::connectivity::{IpRange, PortSet};
use crate::spec::{ContainerPort, IpBlock, PortMatch, Protocol, Rule};

/// An inclusive span of numbers (ports, or addresses of one family as integers).
pub(crate) type Span = (u128, u128);

/// Sorts and merges overlapping or adjacent spans.
fn normalize(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some((_, last)) if last.checked_add(1).is_none_or(|next| next >= a) => *last = (*last).max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

fn union(a: &[Span], b: &[Span]) -> Vec<Span> {
    normalize(a.iter().chain(b).copied().collect())
}

fn intersection(a: &[Span], b: &[Span]) -> Vec<Span> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let (lo, hi) = (a[i].0.max(b[j].0), a[i].1.min(b[j].1));
        if lo <= hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn difference(a: &[Span], b: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for &(first, hi) in a {
        let mut lo = Some(first);
        for &(c, d) in b {
            let Some(l) = lo else { break };
            if c > hi {
                break;
            }
            if d < l {
                continue;
            }
            if c > l {
                out.push((l, c - 1));
            }
            lo = d.checked_add(1).filter(|&next| next <= hi);
        }
        if let Some(l) = lo {
            out.push((l, hi));
        }
    }
    out
}

/// Number of values in `spans`, saturating (the whole IPv6 space does not fit in a `u128`).
fn size(spans: &[Span]) -> u128 {
    spans.iter().fold(0u128, |acc, &(a, b)| acc.saturating_add(b - a).saturating_add(1))
}

/// Ports per protocol (TCP, UDP, SCTP, in [`Protocol::ALL`] order) within 1–65535.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Ports([Vec<Span>; 3]);

const ALL_PORTS: Span = (1, u16::MAX as u128);

fn index(protocol: Protocol) -> usize {
    crate::engine::compile::port_class::protocol_index(protocol)
}

impl Ports {
    /// Every port of every protocol.
    pub(crate) fn all() -> Ports {
        Ports([vec![ALL_PORTS], vec![ALL_PORTS], vec![ALL_PORTS]])
    }

    /// `first..=last` of `protocol`.
    pub(crate) fn range(protocol: Protocol, first: u16, last: u16) -> Ports {
        let mut ports = Ports::default();
        ports.0[index(protocol)] = vec![(u128::from(first.max(1)), u128::from(last))];
        ports
    }

    /// The ports of a connectivity [`PortSet`].
    pub(crate) fn from_port_set(set: &PortSet) -> Ports {
        Ports(Protocol::ALL.map(|p| set.ranges(p).iter().map(|&(a, b)| (u128::from(a), u128::from(b))).collect()))
    }

    /// The ports a rule admits towards a destination whose container ports are `destination`
    /// (`None` for an address outside the pods, where named ports never match: S11).
    pub(crate) fn of_rule(rule: &Rule, destination: Option<&[ContainerPort]>) -> Ports {
        if rule.ports.is_empty() {
            return Ports::all(); // S5
        }
        let mut out = Ports::default();
        for port in &rule.ports {
            let spans = &mut out.0[index(port.protocol)];
            match &port.port {
                PortMatch::Any => spans.push(ALL_PORTS),
                PortMatch::Range { first, last } => spans.push((u128::from(*first), u128::from(*last))),
                PortMatch::Named(name) => spans.extend(
                    destination
                        .unwrap_or_default()
                        .iter()
                        .filter(|c| c.protocol == port.protocol && c.name.as_deref() == Some(name.as_str()))
                        .map(|c| (u128::from(c.number), u128::from(c.number))),
                ),
            }
        }
        Ports(out.0.map(normalize))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }

    pub(crate) fn union(&self, other: &Ports) -> Ports {
        Ports([0, 1, 2].map(|i| union(&self.0[i], &other.0[i])))
    }

    pub(crate) fn intersection(&self, other: &Ports) -> Ports {
        Ports([0, 1, 2].map(|i| intersection(&self.0[i], &other.0[i])))
    }

    pub(crate) fn difference(&self, other: &Ports) -> Ports {
        Ports([0, 1, 2].map(|i| difference(&self.0[i], &other.0[i])))
    }

    pub(crate) fn covers(&self, other: &Ports) -> bool {
        other.difference(self).is_empty()
    }

    pub(crate) fn overlaps(&self, other: &Ports) -> bool {
        !self.intersection(other).is_empty()
    }
}

impl fmt::Display for Ports {
    /// In the one port notation of text outputs ([`PortSet`]'s): `8080,9100-9199/TCP, 53/UDP`,
    /// `all TCP ports`, `any port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut set = PortSet::default();
        for p in Protocol::ALL {
            for &(a, b) in &self.0[index(p)] {
                // Spans of ports never leave 0..=65535.
                set.push(p, u16::try_from(a).unwrap_or(u16::MAX), u16::try_from(b).unwrap_or(u16::MAX));
            }
        }
        fmt::Display::fmt(&set, f)
    }
}

/// IP address families.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Family {
    V4,
    V6,
}

impl Family {
    pub(crate) const ALL: [Family; 2] = [Family::V4, Family::V6];

    pub(crate) fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }

    /// `0.0.0.0/0` or `::/0`.
    pub(crate) fn everything(self) -> &'static str {
        match self {
            Family::V4 => "0.0.0.0/0",
            Family::V6 => "::/0",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    fn max(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }
}

/// An address as an integer of its family.
pub(crate) fn addr_value(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn net_span(net: &IpNet) -> Span {
    (addr_value(net.network()), addr_value(net.broadcast()))
}

/// Addresses not globally reachable (IANA special-purpose registries, the large blocks): what
/// "the internet" leaves out. IPv6's internet is the global unicast block `2000::/3`.
const NOT_PUBLIC_V4: [(u32, u8); 9] = [
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0a00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared (CGNAT)
    (0x7f00_0000, 8),  // 127.0.0.0/8 loopback
    (0xa9fe_0000, 16), // 169.254.0.0/16 link-local
    (0xac10_0000, 12), // 172.16.0.0/12 private
    (0xc0a8_0000, 16), // 192.168.0.0/16 private
    (0xe000_0000, 4),  // 224.0.0.0/4 multicast
    (0xf000_0000, 4),  // 240.0.0.0/4 reserved and broadcast
];

/// A set of addresses, per family.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Addrs {
    v4: Vec<Span>,
    v6: Vec<Span>,
}

impl Addrs {
    fn family(&self, family: Family) -> &[Span] {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    /// Every address of `family`.
    pub(crate) fn whole(family: Family) -> Addrs {
        Addrs::only(family, vec![(0, family.max())])
    }

    /// The public (globally reachable unicast) addresses of `family`.
    pub(crate) fn public(family: Family) -> Addrs {
        match family {
            Family::V4 => {
                let private: Vec<Span> = NOT_PUBLIC_V4
                    .iter()
                    .map(|&(net, len)| {
                        let size = 1u128 << (32 - len);
                        (u128::from(net), u128::from(net) + size - 1)
                    })
                    .collect();
                Addrs::only(family, difference(&[(0, family.max())], &normalize(private)))
            }
            Family::V6 => Addrs::only(family, vec![(0x2000u128 << 112, (0x4000u128 << 112) - 1)]),
        }
    }

    fn only(family: Family, spans: Vec<Span>) -> Addrs {
        match family {
            Family::V4 => Addrs { v4: spans, v6: Vec::new() },
            Family::V6 => Addrs { v4: Vec::new(), v6: spans },
        }
    }

    /// The addresses an ipBlock matches: its CIDR minus its excepts (S9).
    pub(crate) fn of_block(block: &IpBlock) -> Addrs {
        let cidr = [net_span(&block.cidr())];
        let except = normalize(block.except().iter().map(net_span).collect());
        Addrs::only(Family::of(block.cidr().network()), difference(&cidr, &except))
    }

    /// The addresses of a connectivity [`IpRange`].
    pub(crate) fn of_range(range: &IpRange) -> Addrs {
        Addrs::only(Family::of(range.first), vec![(addr_value(range.first), addr_value(range.last))])
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.v4.is_empty() && self.v6.is_empty()
    }

    pub(crate) fn union(&self, other: &Addrs) -> Addrs {
        Addrs { v4: union(&self.v4, &other.v4), v6: union(&self.v6, &other.v6) }
    }

    pub(crate) fn intersection(&self, other: &Addrs) -> Addrs {
        Addrs { v4: intersection(&self.v4, &other.v4), v6: intersection(&self.v6, &other.v6) }
    }

    pub(crate) fn covers(&self, other: &Addrs) -> bool {
        difference(&other.v4, &self.v4).is_empty() && difference(&other.v6, &self.v6).is_empty()
    }

    pub(crate) fn overlaps(&self, other: &Addrs) -> bool {
        !self.intersection(other).is_empty()
    }

    /// Number of addresses (saturating), to rank how much of a space a set covers.
    pub(crate) fn size(&self) -> u128 {
        size(&self.v4).saturating_add(size(&self.v6))
    }

    /// The spans of one family as (first, last) integer pairs.
    pub(crate) fn spans(&self, family: Family) -> &[Span] {
        self.family(family)
    }
}

/// The ports on which every address of `target` is admitted, given the external ranges a pod is
/// admitted to or from and their ports; empty when some address of `target` is not admitted at
/// all. Each address lies in exactly one range, so this is the intersection of the ports of the
/// ranges that meet `target`, provided they cover it.
pub(crate) fn ports_covering(ranges: &[(IpRange, &PortSet)], target: &Addrs) -> Ports {
    let mut reached = Addrs::default();
    let mut ports = Ports::all();
    for (range, set) in ranges {
        let addrs = Addrs::of_range(range);
        if !addrs.overlaps(target) {
            continue;
        }
        reached = reached.union(&addrs);
        ports = ports.intersection(&Ports::from_port_set(set));
        if ports.is_empty() {
            return ports;
        }
    }
    if reached.covers(target) {
        ports
    } else {
        Ports::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn span_operations() {
        assert_eq!(normalize(vec![(5, 9), (1, 3), (4, 4), (20, 30)]), vec![(1, 9), (20, 30)]);
        assert_eq!(difference(&[(1, 100)], &[(10, 20), (50, 200)]), vec![(1, 9), (21, 49)]);
        assert_eq!(difference(&[(0, u128::MAX)], &[(0, u128::MAX)]), vec![]);
        assert_eq!(intersection(&[(1, 10), (20, 30)], &[(5, 25)]), vec![(5, 10), (20, 25)]);
        assert_eq!(size(&[(0, u128::MAX)]), u128::MAX);
    }

    #[test]
    fn public_ipv4_excludes_private_ranges() {
        let public = Addrs::public(Family::V4);
        let block = |cidr: &str, except: &[&str]| {
            Addrs::of_block(&IpBlock::new(cidr.parse().unwrap(), except.iter().map(|e| e.parse().unwrap()).collect()))
        };
        assert!(block("0.0.0.0/0", &["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]).covers(&public));
        assert!(!block("0.0.0.0/0", &["8.0.0.0/8"]).covers(&public));
        assert!(!public.overlaps(&block("10.0.0.0/8", &[])));
    }

    #[test]
    fn ports_display() {
        assert_eq!(Ports::all().to_string(), "any port");
        let p = Ports::range(Protocol::Tcp, 8080, 8080).union(&Ports::range(Protocol::Udp, 1, 65535));
        assert_eq!(p.to_string(), "8080/TCP, all UDP ports");
    }
}
