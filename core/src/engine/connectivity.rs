//! The connectivity map: for every ordered pod pair the allowed ports per protocol, and for
//! every pod the external IP ranges it may reach and be reached from, on which ports.
//!
//! Computed on identities and port-class groups (port classes every table treats alike), then
//! expanded to pods; pairs with nothing allowed are never materialised, so the cost and the
//! output stay proportional to what is allowed.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use hashbrown::HashMap;
use ipnet::IpNet;

use crate::engine::compile::bits;
use crate::engine::Engine;
use crate::spec::query::Family;
use crate::spec::{Direction, PodId, Protocol};

/// Allowed ports per protocol, as sorted, disjoint, non-adjacent inclusive ranges within 1–65535.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PortSet {
    ranges: [Vec<(u16, u16)>; 3],
}

/// One part of a [`PortSet`]: inclusive port ranges, and the protocols that have exactly them.
pub type PortPart<'a> = (&'a [(u16, u16)], Vec<Protocol>);

impl PortSet {
    /// Every port of every protocol.
    pub fn all() -> PortSet {
        PortSet { ranges: [vec![(1, u16::MAX)], vec![(1, u16::MAX)], vec![(1, u16::MAX)]] }
    }

    fn index(protocol: Protocol) -> usize {
        crate::engine::compile::port_class::protocol_index(protocol)
    }

    /// Adds `first..=last` of `protocol`, merging with what is there (ranges arrive sorted).
    pub(crate) fn push(&mut self, protocol: Protocol, first: u16, last: u16) {
        let first = first.max(1);
        if first > last {
            return;
        }
        let ranges = &mut self.ranges[PortSet::index(protocol)];
        match ranges.last_mut() {
            Some((_, l)) if u32::from(*l) + 1 >= u32::from(first) => *l = (*l).max(last),
            _ => ranges.push((first, last)),
        }
    }

    /// `port`/`protocol` alone when `self` allows it, else nothing.
    pub fn only(&self, port: u16, protocol: Protocol) -> PortSet {
        let mut one = PortSet::default();
        if self.allows(port, protocol) {
            one.push(protocol, port, port);
        }
        one
    }

    /// The allowed ranges of `protocol`.
    pub fn ranges(&self, protocol: Protocol) -> &[(u16, u16)] {
        &self.ranges[PortSet::index(protocol)]
    }

    /// Whether every port (1–65535) of `protocol` is allowed.
    pub fn is_all(&self, protocol: Protocol) -> bool {
        self.ranges(protocol) == [(1, u16::MAX)]
    }

    /// The set as parts: each distinct list of port ranges with the protocols that have exactly
    /// it (in TCP, UDP, SCTP order), so `53/TCP+UDP` is one part; protocols without ports are
    /// left out.
    pub fn parts(&self) -> Vec<PortPart<'_>> {
        let mut parts: Vec<PortPart<'_>> = Vec::new();
        for p in Protocol::ALL {
            let ranges = self.ranges(p);
            if ranges.is_empty() {
                continue;
            }
            match parts.iter_mut().find(|(r, _)| *r == ranges) {
                Some((_, protocols)) => protocols.push(p),
                None => parts.push((ranges, alloc::vec![p])),
            }
        }
        parts
    }

    /// The ports in `self` or `other`.
    pub fn union(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::default();
        for p in Protocol::ALL {
            let mut ranges: Vec<(u16, u16)> = self.ranges(p).iter().chain(other.ranges(p)).copied().collect();
            ranges.sort_unstable();
            for (f, l) in ranges {
                out.push(p, f, l);
            }
        }
        out
    }

    /// Whether nothing is allowed.
    pub fn is_empty(&self) -> bool {
        self.ranges.iter().all(Vec::is_empty)
    }

    /// Whether `port`/`protocol` is allowed.
    pub fn allows(&self, port: u16, protocol: Protocol) -> bool {
        self.ranges(protocol).iter().any(|&(f, l)| (f..=l).contains(&port))
    }
}

impl fmt::Display for PortSet {
    /// The one port notation of every text output: ports, then the protocols that have exactly
    /// them: `5432/TCP`, `9090,9100-9199/TCP`, `53/TCP+UDP`, `53,9153/TCP, 53/UDP`,
    /// `all TCP ports, 53/UDP`, `any port` (every port of every protocol), `no port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if Protocol::ALL.iter().all(|&p| self.is_all(p)) {
            return f.write_str("any port");
        }
        if self.is_empty() {
            return f.write_str("no port");
        }
        for (i, (ranges, protocols)) in self.parts().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let all = *ranges == [(1, u16::MAX)];
            if all {
                f.write_str("all ")?;
            } else {
                for (j, &(a, b)) in ranges.iter().enumerate() {
                    let sep = if j > 0 { "," } else { "" };
                    if a == b {
                        write!(f, "{sep}{a}")?;
                    } else {
                        write!(f, "{sep}{a}-{b}")?;
                    }
                }
                f.write_str("/")?;
            }
            for (j, p) in protocols.iter().enumerate() {
                write!(f, "{}{p}", if j > 0 { "+" } else { "" })?;
            }
            if all {
                f.write_str(" ports")?;
            }
        }
        Ok(())
    }
}

/// An inclusive range of addresses of one family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpRange {
    /// First address.
    pub first: IpAddr,
    /// Last address.
    pub last: IpAddr,
}

impl IpRange {
    /// The range as the fewest CIDRs that cover it exactly.
    pub fn cidrs(&self) -> Vec<IpNet> {
        match (self.first, self.last) {
            (IpAddr::V4(a), IpAddr::V4(b)) => ipnet::Ipv4Subnets::new(a, b, 0).map(IpNet::V4).collect(),
            (IpAddr::V6(a), IpAddr::V6(b)) => ipnet::Ipv6Subnets::new(a, b, 0).map(IpNet::V6).collect(),
            _ => Vec::new(),
        }
    }
}

/// Who may talk to whom on which ports, for the whole cluster.
#[derive(Clone, Debug)]
pub struct Connectivity {
    port_sets: Vec<PortSet>,
    /// Per source identity: (destination identity, port set) with something allowed.
    pairs: Vec<Vec<(u32, u32)>>,
    /// Per identity: (external range, port set) it may reach.
    egress_external: Vec<Vec<(IpRange, u32)>>,
    /// Per identity: (external range, port set) it may be reached from.
    ingress_external: Vec<Vec<(IpRange, u32)>>,
    pod_identity: Vec<u32>,
    member_start: Vec<u32>,
    members: Vec<u32>,
    self_allowed: Option<u32>,
}

impl Connectivity {
    pub(crate) fn build(engine: &Engine) -> Connectivity {
        let tables = engine.tables();
        let n_ids = tables.identities;
        let n_pcs = tables.ports.len();

        // Port classes every table treats alike form one group.
        let mut group_of_signature: HashMap<Vec<u32>, usize> = HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for pc in 0..n_pcs {
            let signature: Vec<u32> = (0..n_ids)
                .flat_map(|i| [tables.egress_index[pc * n_ids + i].row, tables.ingress_index[pc * n_ids + i].row])
                .collect();
            let next = groups.len();
            let g = *group_of_signature.entry(signature).or_insert_with(|| {
                groups.push(Vec::new());
                next
            });
            groups[g].push(pc);
        }
        let representative: Vec<usize> = groups.iter().map(|g| g[0]).collect();
        let group_words = bits::words_for(groups.len());

        let mut sets: HashMap<Vec<u64>, u32> = HashMap::new();
        let mut port_sets: Vec<PortSet> = Vec::new();
        let mut intern = |mask: &[u64]| -> u32 {
            if let Some(&id) = sets.get(mask) {
                return id;
            }
            let mut classes: Vec<usize> =
                (0..groups.len()).filter(|&g| bits::test(mask, g)).flat_map(|g| groups[g].iter().copied()).collect();
            classes.sort_unstable();
            let mut set = PortSet::default();
            for pc in classes {
                let (p, first, last) = tables.ports.range(pc);
                set.push(p, first, last);
            }
            let id = port_sets.len() as u32;
            port_sets.push(set);
            sets.insert(mask.to_vec(), id);
            id
        };

        // Pod pairs, per source identity: egress bits, then the destination's ingress bit.
        let mut masks = vec![0u64; n_ids * group_words];
        let mut touched: Vec<u32> = Vec::new();
        let mut pairs = Vec::with_capacity(n_ids);
        let ip_base = tables.ip_base;
        for s in 0..n_ids {
            for (g, &pc) in representative.iter().enumerate() {
                let egress = engine.egress_row(s, pc);
                // Identity columns of both families; a split identity may be visited twice.
                for c in egress.ones().take_while(|&c| c < ip_base) {
                    let Some(d) = engine.column_identity(c) else { continue };
                    if engine.pair_allowed(s, d, pc) {
                        let mask = &mut masks[d * group_words..(d + 1) * group_words];
                        if mask.iter().all(|&m| m == 0) {
                            touched.push(d as u32);
                        }
                        bits::set(mask, g);
                    }
                }
            }
            touched.sort_unstable();
            let mut row = Vec::with_capacity(touched.len());
            for &d in &touched {
                let mask = &mut masks[d as usize * group_words..(d as usize + 1) * group_words];
                row.push((d, intern(mask)));
                mask.iter_mut().for_each(|m| *m = 0);
            }
            touched.clear();
            pairs.push(row);
        }

        // External ranges: IP class columns of each identity's rows, adjacent equal classes merged.
        let classes = tables.ip_classes.len();
        let external = |egress: bool, intern: &mut dyn FnMut(&[u64]) -> u32| {
            let row_of =
                |i: usize, pc: usize| if egress { engine.egress_row(i, pc) } else { engine.ingress_row(i, pc) };
            let mut out = Vec::with_capacity(n_ids);
            let mut mask = vec![0u64; group_words];
            for i in 0..n_ids {
                let mut ranges: Vec<(IpRange, u32)> = Vec::new();
                // S9a: only addresses of a family the identity's pods have.
                // IPv4-mapped IPv6 addresses are IPv4 addresses: never listed as IPv6.
                let listed =
                    |c: usize| engine.has_family(i, tables.ip_classes.family(c)) && !tables.ip_classes.is_mapped(c);
                for c in (0..classes).filter(|&c| listed(c)) {
                    mask.iter_mut().for_each(|m| *m = 0);
                    for (g, &pc) in representative.iter().enumerate() {
                        if row_of(i, pc).test(engine.ip_column(c)) {
                            bits::set(&mut mask, g);
                        }
                    }
                    if mask.iter().all(|&m| m == 0) {
                        continue;
                    }
                    let set = intern(&mask);
                    let range = IpRange { first: tables.ip_classes.start(c), last: tables.ip_classes.end(c) };
                    match ranges.last_mut() {
                        Some((prev, s)) if *s == set && adjacent(prev.last, range.first) => prev.last = range.last,
                        _ => ranges.push((range, set)),
                    }
                }
                out.push(ranges);
            }
            out
        };
        let egress_external = external(true, &mut intern);
        let ingress_external = external(false, &mut intern);

        let self_allowed = engine.options().exempts_self_traffic().then(|| {
            let id = port_sets.len() as u32;
            port_sets.push(PortSet::all());
            id
        });
        Connectivity {
            port_sets,
            pairs,
            egress_external,
            ingress_external,
            pod_identity: tables.pod_identity.clone(),
            member_start: tables.member_start.clone(),
            members: tables.members.clone(),
            self_allowed,
        }
    }

    /// The identities a source identity may reach, ascending, with the ports (self traffic not
    /// added: for a single-pod identity, a pair with itself means the policies admit it).
    pub(crate) fn identity_pairs(&self, source: usize) -> impl Iterator<Item = (usize, &PortSet)> + '_ {
        self.pairs[source].iter().map(|&(d, set)| (d as usize, &self.port_sets[set as usize]))
    }

    /// [`Connectivity::identity_pairs`] with port set indexes ([`Connectivity::port_set`]).
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only reports
    pub(crate) fn identity_pair_ids(&self, source: usize) -> &[(u32, u32)] {
        &self.pairs[source]
    }

    /// Every ordered pod pair with something allowed, sorted by source then destination. Holds
    /// them all at once: to go through a large cluster's pairs, use [`Connectivity::pairs_iter`].
    pub fn pairs(&self) -> Vec<(PodId, PodId, &PortSet)> {
        self.pairs_iter().collect()
    }

    /// The pairs of [`Connectivity::pairs`], one source pod's row at a time: memory for one row,
    /// whatever the number of pairs.
    pub fn pairs_iter(&self) -> Pairs<'_> {
        Pairs { conn: self, source: 0, row: Vec::new(), next: 0 }
    }

    /// The number of pairs [`Connectivity::pairs`] holds, counted on identities.
    pub fn pair_count(&self) -> usize {
        let mut per_identity = vec![0usize; self.pairs.len()];
        for (sid, row) in self.pairs.iter().enumerate() {
            let mut n: usize = row.iter().map(|&(d, _)| self.member_count(d as usize)).sum();
            if self.self_allowed.is_some() && row.binary_search_by_key(&(sid as u32), |&(d, _)| d).is_err() {
                n += 1;
            }
            per_identity[sid] = n;
        }
        self.pod_identity.iter().map(|&sid| per_identity[sid as usize]).sum()
    }

    /// The number of pods of `identity`.
    fn member_count(&self, identity: usize) -> usize {
        (self.member_start[identity + 1] - self.member_start[identity]) as usize
    }

    /// The identity of `pod` (an index of [`Connectivity::identity_pairs`]).
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only reports
    pub(crate) fn identity_of(&self, pod: PodId) -> usize {
        self.pod_identity[pod.index()] as usize
    }

    /// The number of identities.
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only reports
    pub(crate) fn identity_count(&self) -> usize {
        self.pairs.len()
    }

    /// The number of pods the map covers.
    pub fn pod_count(&self) -> usize {
        self.pod_identity.len()
    }

    /// One source pod's row: (destination pod, port set index) with something allowed, by
    /// destination; `row` is cleared first.
    pub(crate) fn row_into(&self, src: usize, row: &mut Vec<(u32, u32)>) {
        row.clear();
        for &(d_id, set) in &self.pairs[self.pod_identity[src] as usize] {
            let members =
                &self.members[self.member_start[d_id as usize] as usize..self.member_start[d_id as usize + 1] as usize];
            row.extend(members.iter().map(|&d| (d, set)));
        }
        if let Some(all) = self.self_allowed {
            match row.iter_mut().find(|(d, _)| *d as usize == src) {
                Some(entry) => entry.1 = all,
                None => row.push((src as u32, all)),
            }
        }
        row.sort_unstable();
    }

    /// The number of distinct port sets, indexed by [`Connectivity::row_into`].
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only reports
    pub(crate) fn port_set_count(&self) -> usize {
        self.port_sets.len()
    }

    /// The port set of index `i`.
    pub(crate) fn port_set(&self, i: u32) -> &PortSet {
        &self.port_sets[i as usize]
    }

    /// The allowed ports from `src` to `dst` (empty when nothing is).
    pub fn between(&self, src: PodId, dst: PodId) -> PortSet {
        if src == dst {
            if let Some(all) = self.self_allowed {
                return self.port_sets[all as usize].clone();
            }
        }
        let (s, d) = (self.pod_identity[src.index()], self.pod_identity[dst.index()]);
        let row = &self.pairs[s as usize];
        row.binary_search_by_key(&d, |&(id, _)| id)
            .map_or_else(|_| PortSet::default(), |i| self.port_sets[row[i].1 as usize].clone())
    }

    /// External address ranges `pod` may open connections to, with the ports.
    pub fn egress_external(&self, pod: PodId) -> Vec<(IpRange, &PortSet)> {
        self.egress_external[self.pod_identity[pod.index()] as usize]
            .iter()
            .map(|(r, s)| (*r, &self.port_sets[*s as usize]))
            .collect()
    }

    /// External address ranges that may open connections to `pod`, with the ports.
    pub fn ingress_external(&self, pod: PodId) -> Vec<(IpRange, &PortSet)> {
        self.ingress_external[self.pod_identity[pod.index()] as usize]
            .iter()
            .map(|(r, s)| (*r, &self.port_sets[*s as usize]))
            .collect()
    }
}

/// The iterator of [`Connectivity::pairs_iter`]: pairs by source then destination, computed one
/// source row at a time.
pub struct Pairs<'a> {
    conn: &'a Connectivity,
    source: usize,
    row: Vec<(u32, u32)>,
    next: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (PodId, PodId, &'a PortSet);

    fn next(&mut self) -> Option<Self::Item> {
        while self.next == self.row.len() {
            if self.source == self.conn.pod_identity.len() {
                return None;
            }
            self.conn.row_into(self.source, &mut self.row);
            self.source += 1;
            self.next = 0;
        }
        let (d, set) = self.row[self.next];
        self.next += 1;
        Some((PodId(self.source as u32 - 1), PodId(d), self.conn.port_set(set)))
    }
}

/// Whether `b` directly follows `a`.
pub(crate) fn adjacent(a: IpAddr, b: IpAddr) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a).checked_add(1) == Some(u32::from(b)),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a).checked_add(1) == Some(u128::from(b)),
        _ => false,
    }
}

impl Engine {
    /// The connectivity map of the whole cluster.
    pub fn connectivity(&self) -> Connectivity {
        Connectivity::build(self)
    }
}

/// One endpoint's side of the map, per port class: the peer identities and IP classes allowed,
/// each with the port classes (ascending) on which it is.
pub(crate) struct Side {
    /// (peer identity, port classes), identities ascending.
    pub peers: Vec<(usize, Vec<usize>)>,
    /// (IP class, port classes), classes ascending.
    pub external: Vec<(usize, Vec<usize>)>,
}

/// The ports of some port classes (ascending).
pub(crate) fn port_set(engine: &Engine, classes: &[usize]) -> PortSet {
    let mut set = PortSet::default();
    for &pc in classes {
        let (p, first, last) = engine.tables().ports.range(pc);
        set.push(p, first, last);
    }
    set
}

/// One pod's row or column of the map, without building the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodConnectivity {
    /// Pods with something allowed and the ports, in pod order; as [`Connectivity::between`]
    /// (so the pod itself is there with every port when self traffic is allowed).
    pub pods: Vec<(PodId, PortSet)>,
    /// External ranges, as [`Connectivity::egress_external`] or
    /// [`Connectivity::ingress_external`].
    pub external: Vec<(IpRange, PortSet)>,
}

impl Engine {
    /// One identity's side: for [`Direction::Ingress`] who may open connections to its pods,
    /// for [`Direction::Egress`] what they may open connections to. Identities × port classes
    /// bit tests.
    pub(crate) fn identity_side(&self, identity: usize, direction: Direction) -> Side {
        let tables = self.tables();
        let (ip_base, columns) = (tables.ip_base, tables.ip_base + tables.ip_classes.len());
        let n_ids = tables.identities;
        let mut peers: Vec<Vec<usize>> = vec![Vec::new(); n_ids];
        let mut external: Vec<Vec<usize>> = vec![Vec::new(); tables.ip_classes.len()];
        for pc in 0..tables.ports.len() {
            let egress = direction == Direction::Egress;
            let row = if egress { self.egress_row(identity, pc) } else { self.ingress_row(identity, pc) };
            for c in row.ones().take_while(|&c| c < columns) {
                match self.column_identity(c) {
                    // A peer pod must admit back in the other direction, in a shared family.
                    Some(peer) if c < ip_base => {
                        let (src, dst) = if egress { (identity, peer) } else { (peer, identity) };
                        if peers[peer].last() != Some(&pc) && self.pair_allowed(src, dst, pc) {
                            peers[peer].push(pc);
                        }
                    }
                    _ => {
                        // S9a: only addresses of a family the identity's pods have.
                        let class = c - ip_base;
                        // IPv4-mapped IPv6 addresses are IPv4 addresses: never listed as IPv6.
                        let family = tables.ip_classes.family(class);
                        if self.has_family(identity, family) && !tables.ip_classes.is_mapped(class) {
                            external[class].push(pc);
                        }
                    }
                }
            }
        }
        let nonempty = |list: Vec<Vec<usize>>| -> Vec<(usize, Vec<usize>)> {
            list.into_iter().enumerate().filter(|(_, pcs)| !pcs.is_empty()).collect()
        };
        Side { peers: nonempty(peers), external: nonempty(external) }
    }

    /// For an address outside the pods: for [`Direction::Ingress`] the identities whose egress
    /// admits it, for [`Direction::Egress`] those whose ingress does; only identities whose pods
    /// have the address's family (S9a). Only `peers` is filled.
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only analyses
    pub(crate) fn address_side(&self, ip: IpAddr, direction: Direction) -> Side {
        let tables = self.tables();
        let ip = ip.to_canonical();
        let family = Family::of(ip);
        let column = self.ip_column(tables.ip_classes.class_of(ip));
        let peers = (0..tables.identities)
            .filter(|&i| self.has_family(i, family))
            .filter_map(|i| {
                let pcs: Vec<usize> = (0..tables.ports.len())
                    .filter(|&pc| match direction {
                        Direction::Ingress => self.egress_row(i, pc).test(column),
                        Direction::Egress => self.ingress_row(i, pc).test(column),
                    })
                    .collect();
                (!pcs.is_empty()).then_some((i, pcs))
            })
            .collect();
        Side { peers, external: Vec::new() }
    }

    /// One pod's side of the connectivity map: for [`Direction::Ingress`] who may open
    /// connections to `pod`, for [`Direction::Egress`] what it may open connections to. Agrees
    /// with [`Engine::connectivity`] but costs one row of it (identities × port classes).
    pub fn connectivity_of(&self, pod: PodId, direction: Direction) -> PodConnectivity {
        let tables = self.tables();
        let side = self.identity_side(self.identity_of(pod), direction);
        let mut pods: Vec<(PodId, PortSet)> = Vec::new();
        for (id, pcs) in &side.peers {
            let set = port_set(self, pcs);
            let members = &tables.members[tables.member_start[*id] as usize..tables.member_start[id + 1] as usize];
            pods.extend(members.iter().map(|&m| (PodId(m), set.clone())));
        }
        if self.options().exempts_self_traffic() {
            match pods.iter_mut().find(|(p, _)| *p == pod) {
                Some(entry) => entry.1 = PortSet::all(),
                None => pods.push((pod, PortSet::all())),
            }
        }
        pods.sort_unstable_by_key(|(p, _)| *p);
        let mut external: Vec<(IpRange, PortSet)> = Vec::new();
        for (class, pcs) in &side.external {
            let set = port_set(self, pcs);
            let range = IpRange { first: tables.ip_classes.start(*class), last: tables.ip_classes.end(*class) };
            match external.last_mut() {
                Some((prev, s)) if *s == set && adjacent(prev.last, range.first) => prev.last = range.last,
                _ => external.push((range, set)),
            }
        }
        PodConnectivity { pods, external }
    }
}
