//! The engine: immutable, `Send + Sync`, compiled once by [`Compiler`](crate::Compiler), then
//! answering queries with a few array reads and bit tests (DESIGN §3).
//!
//! A decision maps each pod endpoint to its identity and each IP endpoint to a pod (by a hash
//! lookup) or to its IP class, maps the port to its port class, and tests one bit per direction
//! in the row the index names. No allocation, no loop over policies or rules.
//! [`Engine::explain`] is the slow path: it walks the spec (see `explain/`).

mod by_ip;
pub(crate) mod compile;
pub(crate) mod connectivity;
pub(crate) mod live;
#[cfg(feature = "k8s")]
pub(crate) mod load;
pub(crate) mod nftables;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;
use core::net::IpAddr;

use hashbrown::HashMap;

use crate::engine::by_ip::PodsByIp;
use crate::engine::compile::bits;
use crate::engine::compile::rows::{RowEntry, RowRef};
use crate::engine::compile::{PodLookup, Tables};
use crate::explain::Explanation;
use crate::spec::query::{Endpoint, Family, FamilyVerdicts, Options, Verdict, FAMILIES_ANY};
use crate::spec::{Cluster, Direction, PodId, Protocol};

/// The compiled decision structure. Immutable; share it freely across threads.
#[derive(Clone, Debug)]
pub struct Engine {
    cluster: Cluster,
    options: Options,
    tables: Tables,
    pod_by_ip: PodsByIp,
    pod_by_name: HashMap<Box<str>, PodId>,
}

/// Where an endpoint sits in the tables.
#[derive(Clone, Copy)]
struct Located {
    /// The families it can use (S9a): an IP's own, a pod's IPs' families.
    families: u8,
    /// Its columns in relation rows over IPv4 and over IPv6 (a pod's identity columns, or an
    /// address's IP-class column).
    columns: [usize; 2],
    /// Its identity, when it is a pod.
    identity: Option<usize>,
    /// The pod, when it is one.
    pod: Option<PodId>,
}

impl Engine {
    pub(crate) fn new(cluster: Cluster, options: Options, tables: Tables) -> Engine {
        let mut engine =
            Engine { cluster, options, tables, pod_by_ip: PodsByIp::default(), pod_by_name: HashMap::new() };
        engine.index_pods();
        engine
    }

    /// Builds the lookups of pods by IP and by name from the cluster's pods.
    pub(crate) fn index_pods(&mut self) {
        let pods = self.cluster.pods();
        self.pod_by_ip = PodsByIp::new(pods, &self.tables.ip_classes);
        self.pod_by_name =
            pods.iter().enumerate().map(|(i, p)| (p.qualified_name().into_boxed_str(), PodId(i as u32))).collect();
    }

    /// The cluster this engine was compiled from.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The options it decides under.
    pub fn options(&self) -> Options {
        self.options
    }

    /// The number of pod identities: classes of pods no policy can tell apart.
    pub fn identities(&self) -> usize {
        self.tables.identities
    }

    /// The identity of a pod.
    pub fn identity_of(&self, pod: PodId) -> usize {
        self.tables.pod_identity[pod.index()] as usize
    }

    /// Bytes held by the compiled tables and lookups (not counting the kept cluster).
    pub fn memory_bytes(&self) -> usize {
        let name_entry = core::mem::size_of::<(Box<str>, PodId)>() + 1;
        self.tables.memory_bytes()
            + self.pod_by_ip.memory_bytes()
            + self.pod_by_name.capacity() * name_entry
            + self.pod_by_name.keys().map(|k| k.len()).sum::<usize>()
    }

    /// The pod `namespace/name`. No allocation.
    pub fn pod_id(&self, qualified_name: &str) -> Option<PodId> {
        self.pod_by_name.get(qualified_name).copied()
    }

    /// The endpoint for an IP: the pod that has it, or the IP itself (S1); an IPv4-mapped IPv6
    /// address is the IPv4 address (S9a). No allocation.
    ///
    /// A pod found this way is the pod *over every family it has*; to keep the connection in the
    /// IP's family, pass `Endpoint::Ip(ip)` to [`Engine::decide`] instead.
    pub fn endpoint_for_ip(&self, ip: IpAddr) -> Endpoint {
        let ip = ip.to_canonical();
        self.pod_by_ip.get(ip).map_or(Endpoint::Ip(ip), Endpoint::Pod)
    }

    /// Parses `namespace/name` or an IP address into an endpoint. An address stays an
    /// [`Endpoint::Ip`] (canonical: IPv4-mapped addresses as IPv4), also when it is a pod's, so
    /// that it keeps its family (S9a); evaluators resolve it to the pod.
    pub fn parse_endpoint(&self, text: &str) -> Option<Endpoint> {
        // Pod names always hold a '/', addresses never do.
        if text.contains('/') {
            return self.pod_id(text).map(Endpoint::Pod);
        }
        text.parse::<IpAddr>().ok().map(|ip| Endpoint::Ip(ip.to_canonical()))
    }

    /// The pod an endpoint is or stands for: a pod, or the pod whose IP it is.
    #[inline]
    pub fn pod_of(&self, endpoint: Endpoint) -> Option<PodId> {
        match endpoint {
            Endpoint::Pod(p) => Some(p),
            Endpoint::Ip(ip) => self.pod_by_ip.get(ip.to_canonical()),
        }
    }

    #[inline(always)]
    fn locate_pod(&self, pod: PodId, families: Option<u8>) -> Located {
        let lookup = self.tables.pod_lookup[pod.index()];
        let identity = lookup.identity() as usize;
        Located {
            families: families.unwrap_or(lookup.families()),
            columns: [identity, self.v6_column_of(lookup)],
            identity: Some(identity),
            pod: Some(pod),
        }
    }

    #[inline(always)]
    fn locate(&self, endpoint: Endpoint) -> Located {
        match endpoint {
            Endpoint::Pod(p) => self.locate_pod(p, None),
            Endpoint::Ip(ip) => {
                let (ip, family) = canonical_with_family(ip);
                match self.pod_by_ip.get(ip) {
                    // S9a: a pod's IP is the pod over that IP's family only.
                    Some(p) => self.locate_pod(p, Some(family)),
                    None => {
                        let column = self.tables.ip_base + self.tables.ip_classes.class_of(ip);
                        Located { families: family, columns: [column, column], identity: None, pod: None }
                    }
                }
            }
        }
    }

    /// The column of a pod's identity over IPv6: its own unless split.
    #[inline(always)]
    fn v6_column_of(&self, lookup: PodLookup) -> usize {
        if lookup.split() {
            self.tables.v6_column[lookup.identity() as usize] as usize
        } else {
            lookup.identity() as usize
        }
    }

    /// The row `index` names for `identity` and `port_class`.
    #[inline(always)]
    fn entry(&self, index: &[RowEntry], identity: usize, port_class: usize) -> RowEntry {
        index[port_class * self.tables.identities + identity]
    }

    #[inline(always)]
    fn row(&self, index: &[RowEntry], identity: usize, port_class: usize) -> RowRef<'_> {
        self.tables.rows.row(self.entry(index, identity, port_class).row)
    }

    /// Whether `src` may open a connection to `dst` on `port`/`protocol`: per direction, and
    /// per address family the two ends share (S9a). An IP endpoint keeps its family also when
    /// it is a pod's IP.
    #[inline]
    pub fn decide(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Verdict {
        self.decide_masked(src, dst, port, protocol, FAMILIES_ANY)
    }

    /// [`Engine::decide`] over one address family only, as for a connection observed over it
    /// (a flow record with addresses). Not shared by both ends: no connection, denied.
    pub fn decide_over(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol, family: Family) -> Verdict {
        self.decide_masked(src, dst, port, protocol, family.bit())
    }

    /// The families `src` and `dst` share, as a mask (S9a).
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only analyses
    pub(crate) fn shared_families_of(&self, src: Endpoint, dst: Endpoint) -> u8 {
        self.locate(src).families & self.locate(dst).families
    }

    #[inline]
    fn decide_masked(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol, mask: u8) -> Verdict {
        // The common case first: two different pods, neither split, sharing a family. Every
        // shared family then answers alike, from one bit per direction.
        if let (Endpoint::Pod(s), Endpoint::Pod(d)) = (src, dst) {
            let (sl, dl) = (self.tables.pod_lookup[s.index()], self.tables.pod_lookup[d.index()]);
            let shared = sl.families() & dl.families() & mask;
            if shared != 0 && s != d {
                let (si, di) = (sl.identity() as usize, dl.identity() as usize);
                let pc = self.tables.ports.class_of(port, protocol);
                let rows = &self.tables.rows;
                let erow = self.entry(&self.tables.egress_index, si, pc);
                let irow = self.entry(&self.tables.ingress_index, di, pc);
                let (e4, i4) = (rows.test_entry(erow, di), rows.test_entry(irow, si));
                if !sl.split() && !dl.split() {
                    let families = UNIFORM[shared as usize][usize::from(e4 && i4)];
                    return Verdict { egress: e4, ingress: i4, families };
                }
                // A split end: over IPv6 its own column.
                let (e6, i6) =
                    (rows.test_entry(erow, self.v6_column_of(dl)), rows.test_entry(irow, self.v6_column_of(sl)));
                return headline(shared, (e4, i4), (e6, i6));
            }
        }
        // Next, a pod and an outside address (one that is no pod's): only the pod's side has
        // rules, and the address is one column in one family.
        if let (Endpoint::Ip(ip), Endpoint::Pod(pod)) | (Endpoint::Pod(pod), Endpoint::Ip(ip)) = (src, dst) {
            if let Some((column, family)) = self.outside_column(ip) {
                let lookup = self.tables.pod_lookup[pod.index()];
                let shared = family & lookup.families() & mask;
                if shared == 0 {
                    return Verdict::default(); // S9a: no connection can exist.
                }
                let pc = self.tables.ports.class_of(port, protocol);
                let from_pod = matches!(src, Endpoint::Pod(_));
                let index = if from_pod { &self.tables.egress_index } else { &self.tables.ingress_index };
                let admitted = self.tables.rows.test_entry(self.entry(index, lookup.identity() as usize, pc), column);
                let (egress, ingress) = if from_pod { (admitted, true) } else { (true, admitted) };
                return Verdict { egress, ingress, families: UNIFORM[shared as usize][usize::from(admitted)] };
            }
        }
        self.decide_located(self.locate(src), self.locate(dst), port, protocol, mask)
    }

    /// The IP-class column and the family of an address that is no pod's; `None` for a pod's.
    #[inline(always)]
    fn outside_column(&self, ip: IpAddr) -> Option<(usize, u8)> {
        let (ip, family) = canonical_with_family(ip);
        let class = self.tables.ip_classes.class_of(ip);
        match self.pod_by_ip.get_in_class(ip, class) {
            Some(_) => None,
            None => Some((self.tables.ip_base + class, family)),
        }
    }

    /// The general case of [`Engine::decide_masked`], on located ends.
    fn decide_located(&self, src: Located, dst: Located, port: u16, protocol: Protocol, mask: u8) -> Verdict {
        // S9a: the families both ends have.
        let shared = src.families & dst.families & mask;
        if shared == 0 {
            return Verdict::default(); // S9a: no connection can exist.
        }
        let (v4, v6) = (shared & 1 != 0, shared & 2 != 0);
        if self.options.self_exempt(src.pod, dst.pod) {
            let families = FamilyVerdicts { ipv4: v4.then_some(true), ipv6: v6.then_some(true) };
            return Verdict { egress: true, ingress: true, families }; // S12
        }
        let pc = self.tables.ports.class_of(port, protocol);
        // The same row serves both families; only a split peer's column differs.
        let rows = &self.tables.rows;
        let egress = src.identity.map(|s| self.entry(&self.tables.egress_index, s, pc));
        let ingress = dst.identity.map(|d| self.entry(&self.tables.ingress_index, d, pc));
        let e4 = egress.is_none_or(|row| rows.test_entry(row, dst.columns[0]));
        let i4 = ingress.is_none_or(|row| rows.test_entry(row, src.columns[0]));
        if src.columns[0] == src.columns[1] && dst.columns[0] == dst.columns[1] {
            // Neither end is split: every shared family answers alike.
            let families = UNIFORM[shared as usize][usize::from(e4 && i4)];
            return Verdict { egress: e4, ingress: i4, families };
        }
        let e6 = egress.is_none_or(|row| rows.test_entry(row, dst.columns[1]));
        let i6 = ingress.is_none_or(|row| rows.test_entry(row, src.columns[1]));
        headline(shared, (e4, i4), (e6, i6))
    }

    /// Decides many queries; `out[i]` gets the verdict for `queries[i]`. Extra entries of the
    /// longer slice are left alone. No allocation.
    ///
    /// Queries go in groups, stage by stage (the pods' lookups, then the rows, then the blocks,
    /// then the bits): the reads of one stage do not depend on each other, so a group's cache
    /// misses overlap instead of following one another as they do query by query. Queries off
    /// the common path (an IP end, a pod to itself, a split end) are decided one by one.
    pub fn decide_batch(&self, queries: &[Query], out: &mut [Verdict]) {
        const LANES: usize = 16;
        let t = &self.tables;
        for (group, verdicts) in queries.chunks(LANES).zip(out.chunks_mut(LANES)) {
            // Stage 1: the ends' identities and the port class; whether the common path holds.
            let mut fast = [false; LANES];
            let mut ends = [[0u32; 2]; LANES];
            let mut shared = [0u8; LANES];
            let mut pcs = [0usize; LANES];
            for (k, q) in group.iter().enumerate() {
                if let (Endpoint::Pod(s), Endpoint::Pod(d)) = (q.src, q.dst) {
                    let (sl, dl) = (t.pod_lookup[s.index()], t.pod_lookup[d.index()]);
                    shared[k] = sl.families() & dl.families();
                    fast[k] = shared[k] != 0 && s != d && !sl.split() && !dl.split();
                    ends[k] = [sl.identity(), dl.identity()];
                    pcs[k] = t.ports.class_of(q.port, q.protocol);
                }
            }
            // Stage 2: each direction's row, with its first head.
            let mut rows = [[RowEntry::default(); 2]; LANES];
            for k in (0..group.len()).filter(|&k| fast[k]) {
                let [si, di] = ends[k];
                rows[k] = [
                    self.entry(&t.egress_index, si as usize, pcs[k]),
                    self.entry(&t.ingress_index, di as usize, pcs[k]),
                ];
            }
            // Stage 3: the block of each row holding the other end's column.
            let mut blocks = [[0u32; 2]; LANES];
            for k in (0..group.len()).filter(|&k| fast[k]) {
                let [si, di] = ends[k];
                blocks[k] =
                    [t.rows.block_of_entry(rows[k][0], di as usize), t.rows.block_of_entry(rows[k][1], si as usize)];
            }
            // Stage 4: the bits, as `decide` reads them.
            for (k, (q, v)) in group.iter().zip(verdicts.iter_mut()).enumerate() {
                *v = if fast[k] {
                    let [si, di] = ends[k];
                    let egress = t.rows.test_block(blocks[k][0], di as usize);
                    let ingress = t.rows.test_block(blocks[k][1], si as usize);
                    Verdict { egress, ingress, families: UNIFORM[shared[k] as usize][usize::from(egress && ingress)] }
                } else {
                    self.decide(q.src, q.dst, q.port, q.protocol)
                };
            }
        }
    }

    /// Identity-level truth table for one port class: `[src identity]` → bits over destination
    /// identities, egress at the source AND ingress at the destination, in some address family
    /// both share (S9a).
    fn identity_matrix(&self, pc: usize) -> Vec<Vec<u64>> {
        let t = &self.tables;
        let n = t.identities;
        let words = bits::words_for(n);
        let with = |family: Family| {
            let mut mask = vec![0u64; words];
            (0..n).filter(|&i| t.families[i] & family.bit() != 0).for_each(|i| bits::set(&mut mask, i));
            mask
        };
        let mut out = self.family_matrix(pc, Family::Ipv4, &with(Family::Ipv4));
        // Over IPv6 answers differ from IPv4 ones only for split identities and for pairs that
        // share IPv6 but not IPv4: without IPv6-only or split identities the IPv4 table holds all.
        let v6_only = (0..n).any(|i| t.families[i] == Family::Ipv6.bit());
        if v6_only || !t.split.is_empty() {
            let v6 = self.family_matrix(pc, Family::Ipv6, &with(Family::Ipv6));
            out.iter_mut().zip(v6).for_each(|(row, v6)| bits::or_into(row, &v6));
        }
        out
    }

    /// The truth table over one family, among the identities in `members` (those that have it).
    fn family_matrix(&self, pc: usize, family: Family, members: &[u64]) -> Vec<Vec<u64>> {
        let t = &self.tables;
        let n = t.identities;
        let words = bits::words_for(n);
        // The identity whose column over `family` is `c`, if any.
        let owner = |c: usize| -> Option<usize> {
            match (family, c.checked_sub(n)) {
                (Family::Ipv4, None) => Some(c),
                (Family::Ipv4, Some(_)) => None,
                (Family::Ipv6, None) => (t.v6_column[c] as usize == c).then_some(c),
                (Family::Ipv6, Some(k)) => t.split.get(k).map(|&i| i as usize),
            }
        };
        let plain = family == Family::Ipv4 || t.split.is_empty();
        // Transpose ingress: admitted_by[s] = destinations whose ingress admits s. Destinations
        // open to everyone are one word-wise OR; the others are walked by their set bits.
        let mut open = vec![0u64; words];
        let mut admitted_by = vec![vec![0u64; words]; n];
        for d in bits::ones(members).take_while(|&d| d < n) {
            if t.ingress_index[pc * n + d].row == t.open_row {
                bits::set(&mut open, d);
                continue;
            }
            let row = self.row(&t.ingress_index, d, pc);
            let end = if plain { n } else { t.ip_base };
            for s in row.ones().take_while(|&c| c < end).filter_map(owner) {
                bits::set(&mut admitted_by[s], d);
            }
        }
        let mut egress_bits = vec![0u64; words];
        for (s, column) in admitted_by.iter_mut().enumerate() {
            if !bits::test(members, s) {
                column.iter_mut().for_each(|w| *w = 0);
                continue;
            }
            let egress = self.row(&t.egress_index, s, pc);
            egress.copy_into(&mut egress_bits);
            if !plain {
                // Split identities answer over IPv6 in their own column.
                for &i in &t.split {
                    let i = i as usize;
                    if egress.test(t.v6_column[i] as usize) {
                        bits::set(&mut egress_bits, i);
                    } else {
                        egress_bits[i >> 6] &= !(1 << (i & 63));
                    }
                }
            }
            column
                .iter_mut()
                .zip(&open)
                .zip(&egress_bits)
                .zip(members)
                .for_each(|(((w, o), e), m)| *w = (*w | o) & e & m);
        }
        admitted_by
    }

    /// The number of port classes.
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only analyses
    pub(crate) fn port_classes(&self) -> usize {
        self.tables.ports.len()
    }

    /// The protocol and inclusive port range of port class `pc`.
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only analyses
    pub(crate) fn port_class_range(&self, pc: usize) -> (Protocol, u16, u16) {
        self.tables.ports.range(pc)
    }

    /// Identity `identity`'s column over `family`.
    #[inline]
    pub(crate) fn column(&self, identity: usize, family: Family) -> usize {
        match family {
            Family::Ipv4 => identity,
            Family::Ipv6 => self.tables.v6_column[identity] as usize,
        }
    }

    /// The identity whose column (of either family) `column` is; `None` for an IP class.
    pub(crate) fn column_identity(&self, column: usize) -> Option<usize> {
        match column.checked_sub(self.tables.identities) {
            None => Some(column),
            Some(k) => self.tables.split.get(k).map(|&i| i as usize),
        }
    }

    /// The column of IP class `class`.
    pub(crate) fn ip_column(&self, class: usize) -> usize {
        self.tables.ip_base + class
    }

    /// The IP classes, as (first, last) address: ranges of outside addresses that every policy
    /// treats alike (DESIGN §3), IPv4 first, each family's in address order. Classes wholly
    /// inside `::ffff:0:0/96` are left out: those addresses are the IPv4 ones (S9a).
    pub fn ip_classes(&self) -> Vec<(IpAddr, IpAddr)> {
        let classes = &self.tables.ip_classes;
        (0..classes.len()).filter(|&c| !classes.is_mapped(c)).map(|c| (classes.start(c), classes.end(c))).collect()
    }

    /// The families both identities can use, as a mask (S9a).
    pub(crate) fn shared_families(&self, a: usize, b: usize) -> u8 {
        self.tables.families[a] & self.tables.families[b]
    }

    /// Whether identity `identity`'s pods have addresses of `family` (or no addresses at all).
    pub(crate) fn has_family(&self, identity: usize, family: Family) -> bool {
        self.tables.families[identity] & family.bit() != 0
    }

    /// Whether identity `local`'s rules in `direction` admit identity `peer` on port class `pc`
    /// in some family both share (the other end's rules not asked).
    pub(crate) fn admits(&self, direction: Direction, local: usize, peer: usize, pc: usize) -> bool {
        let row = match direction {
            Direction::Egress => self.egress_row(local, pc),
            Direction::Ingress => self.ingress_row(local, pc),
        };
        let shared = self.shared_families(local, peer);
        Family::ALL.into_iter().any(|f| shared & f.bit() != 0 && row.test(self.column(peer, f)))
    }

    /// Whether pods of identity `src` may reach pods of identity `dst` on port class `pc` over
    /// `family`: both have it, and egress and ingress both admit (S1, S9a).
    pub(crate) fn pair_allowed_over(&self, src: usize, dst: usize, pc: usize, family: Family) -> bool {
        self.shared_families(src, dst) & family.bit() != 0
            && self.egress_row(src, pc).test(self.column(dst, family))
            && self.ingress_row(dst, pc).test(self.column(src, family))
    }

    /// Whether pods of identity `src` may reach pods of identity `dst` on port class `pc`: egress
    /// and ingress both admit, in one family both share (S1, S9a).
    pub(crate) fn pair_allowed(&self, src: usize, dst: usize, pc: usize) -> bool {
        let shared = self.shared_families(src, dst);
        let (egress, ingress) = (self.egress_row(src, pc), self.ingress_row(dst, pc));
        Family::ALL
            .into_iter()
            .any(|f| shared & f.bit() != 0 && egress.test(self.column(dst, f)) && ingress.test(self.column(src, f)))
    }

    /// The truth table of every pod to every pod on `port`/`protocol`, computed on identities
    /// as machine words: identities × identities bits, whatever the number of pods (a table of
    /// pods × pods bits took 2.8 GB at 150,000 pods). Rows expand to pods on demand.
    pub fn matrix(&self, port: u16, protocol: Protocol) -> Matrix {
        let pc = self.tables.ports.class_of(port, protocol);
        let t = &self.tables;
        Matrix {
            ids: self.identity_matrix(pc),
            pod_identity: t.pod_identity.clone(),
            member_start: t.member_start.clone(),
            members: t.members.clone(),
            self_exempt: self.options.exempts_self_traffic(),
        }
    }

    /// The truth table of [`Engine::matrix`], to go through row by row.
    pub fn matrix_rows(&self, port: u16, protocol: Protocol) -> MatrixRows<'_> {
        MatrixRows { matrix: self.matrix(port, protocol), engine: core::marker::PhantomData }
    }

    /// Why `decide` answers as it does: isolating policies and admitting rules per direction.
    /// A slower path that re-walks the policies; it agrees with [`Engine::decide`].
    pub fn explain(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Explanation {
        crate::explain::explain(&self.cluster, self.options, (src, dst, port, protocol), FAMILIES_ANY)
    }

    /// [`Engine::explain`] over one address family only; agrees with [`Engine::decide_over`].
    pub fn explain_over(
        &self,
        src: Endpoint,
        dst: Endpoint,
        port: u16,
        protocol: Protocol,
        family: Family,
    ) -> Explanation {
        crate::explain::explain(&self.cluster, self.options, (src, dst, port, protocol), family.bit())
    }

    /// The compiled tables: read only by the engine and its own modules (compile,
    /// connectivity); analyses ask through the `pub(crate)` helpers above and below.
    fn tables(&self) -> &Tables {
        &self.tables
    }

    /// The pods of identity `identity`, by index, ascending.
    pub(crate) fn members(&self, identity: usize) -> &[u32] {
        let t = &self.tables;
        &t.members[t.member_start[identity] as usize..t.member_start[identity + 1] as usize]
    }

    /// The families identity `identity`'s pods have, as a mask (every family when they have no
    /// addresses).
    pub(crate) fn identity_families(&self, identity: usize) -> u8 {
        self.tables.families[identity]
    }

    /// The port class of `port`/`protocol`.
    pub(crate) fn port_class_of(&self, port: u16, protocol: Protocol) -> usize {
        self.tables.ports.class_of(port, protocol)
    }

    /// The first and last address of IP class `class`.
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // used by the k8s-only analyses
    pub(crate) fn ip_class_bounds(&self, class: usize) -> (IpAddr, IpAddr) {
        (self.tables.ip_classes.start(class), self.tables.ip_classes.end(class))
    }

    /// The (source identity, destination identity) pairs whose answer may differ by address
    /// family, with the port classes to examine: exactly the entries whose row sets one column of
    /// a split (dual-stack) identity and not its other (S9a). Empty when no identity is split.
    pub(crate) fn family_asymmetry_candidates(&self) -> BTreeMap<(usize, usize), BTreeSet<usize>> {
        let t = &self.tables;
        let mut candidates: BTreeMap<(usize, usize), BTreeSet<usize>> = BTreeMap::new();
        if t.split.is_empty() {
            return candidates;
        }
        let mut differing: HashMap<u32, Vec<usize>> = HashMap::new();
        for r in 0..t.rows.len() {
            let row = t.rows.row(r as u32);
            for &x in &t.split {
                let x = x as usize;
                if row.test(x) != row.test(t.v6_column[x] as usize) {
                    differing.entry(r as u32).or_default().push(x);
                }
            }
        }
        for (direction, index) in [(Direction::Egress, &t.egress_index), (Direction::Ingress, &t.ingress_index)] {
            for (entry, row) in index.iter().enumerate() {
                let Some(peers) = differing.get(&row.row) else { continue };
                let (local, pc) = (entry % t.identities, entry / t.identities);
                for &x in peers {
                    let pair = if direction == Direction::Egress { (local, x) } else { (x, local) };
                    candidates.entry(pair).or_default().insert(pc);
                }
            }
        }
        candidates
    }

    pub(crate) fn egress_row(&self, identity: usize, pc: usize) -> RowRef<'_> {
        self.row(&self.tables.egress_index, identity, pc)
    }

    pub(crate) fn ingress_row(&self, identity: usize, pc: usize) -> RowRef<'_> {
        self.row(&self.tables.ingress_index, identity, pc)
    }
}

/// An address as the tables know it, with its family bit: an IPv4-mapped IPv6 address is the
/// IPv4 address (S9a).
#[inline(always)]
fn canonical_with_family(ip: IpAddr) -> (IpAddr, u8) {
    match ip {
        IpAddr::V4(_) => (ip, Family::Ipv4.bit()),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (IpAddr::V4(v4), Family::Ipv4.bit()),
            None => (ip, Family::Ipv6.bit()),
        },
    }
}

/// The verdict from each family's (egress, ingress) and the shared families (non-empty): per
/// family, and as headline a family that allows if any does, else the first shared (IPv4 first),
/// as [`Explanation`] picks it.
#[inline(always)]
fn headline(shared: u8, v4: (bool, bool), v6: (bool, bool)) -> Verdict {
    let (has4, has6) = (shared & 1 != 0, shared & 2 != 0);
    let families = FamilyVerdicts { ipv4: has4.then_some(v4.0 && v4.1), ipv6: has6.then_some(v6.0 && v6.1) };
    let (egress, ingress) = if families.ipv4 == Some(true) || (has4 && families.ipv6 != Some(true)) { v4 } else { v6 };
    Verdict { egress, ingress, families }
}

/// The per-family answers when every shared family answers alike: `[shared mask][allowed]`.
const UNIFORM: [[FamilyVerdicts; 2]; 4] = {
    const fn row(mask: u8, allowed: bool) -> FamilyVerdicts {
        FamilyVerdicts {
            ipv4: if mask & 1 != 0 { Some(allowed) } else { None },
            ipv6: if mask & 2 != 0 { Some(allowed) } else { None },
        }
    }
    [
        [row(0, false), row(0, true)],
        [row(1, false), row(1, true)],
        [row(2, false), row(2, true)],
        [row(3, false), row(3, true)],
    ]
};

/// One query for [`Engine::decide_batch`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Query {
    /// Source.
    pub src: Endpoint,
    /// Destination.
    pub dst: Endpoint,
    /// Destination port.
    pub port: u16,
    /// Protocol.
    pub protocol: Protocol,
}

/// The truth table of one port, row by row ([`Engine::matrix_rows`]): rows are sources, columns
/// destinations, in [`Cluster::pods`] order, as [`Matrix`].
pub struct MatrixRows<'e> {
    matrix: Matrix,
    engine: core::marker::PhantomData<&'e Engine>,
}

impl MatrixRows<'_> {
    /// Number of pods (rows and columns).
    pub fn len(&self) -> usize {
        self.matrix.len()
    }

    /// Whether there are no pods.
    pub fn is_empty(&self) -> bool {
        self.matrix.is_empty()
    }

    /// The row of `src` as bits, into `row`: as [`Matrix::row_into`].
    pub fn row_into(&self, src: PodId, row: &mut Vec<u64>) {
        self.matrix.row_into(src, row);
    }

    /// The whole table.
    pub fn matrix(&self) -> &Matrix {
        &self.matrix
    }
}

/// A pod-to-pod truth table; rows are sources, columns destinations, in [`Cluster::pods`] order.
/// Held as a table over identities (pods no policy tells apart answer alike), so its size
/// does not grow with the square of the pods; equality compares answers, not the layout.
#[derive(Clone, Debug)]
pub struct Matrix {
    /// Per source identity, the destination identities it may reach, as bits.
    ids: Vec<Vec<u64>>,
    /// Pod → identity.
    pod_identity: Vec<u32>,
    /// Pods of each identity: `members[member_start[i]..member_start[i + 1]]`.
    member_start: Vec<u32>,
    members: Vec<u32>,
    /// Whether a pod always reaches itself (S12).
    self_exempt: bool,
}

impl Matrix {
    /// Number of pods (rows and columns).
    pub fn len(&self) -> usize {
        self.pod_identity.len()
    }

    /// Whether there are no pods.
    pub fn is_empty(&self) -> bool {
        self.pod_identity.is_empty()
    }

    /// The pods of identity `identity`.
    fn members(&self, identity: usize) -> &[u32] {
        &self.members[self.member_start[identity] as usize..self.member_start[identity + 1] as usize]
    }

    /// Whether `src` may reach `dst`.
    pub fn allowed(&self, src: PodId, dst: PodId) -> bool {
        let (s, d) = (self.pod_identity[src.index()], self.pod_identity[dst.index()]);
        (self.self_exempt && src == dst) || bits::test(&self.ids[s as usize], d as usize)
    }

    /// The row of `src` as bits, into `row` (resized to the number of pods): bit `d` of word
    /// `d / 64` is whether `src` may reach pod `d`.
    pub fn row_into(&self, src: PodId, row: &mut Vec<u64>) {
        row.clear();
        row.resize(bits::words_for(self.len()), 0);
        // The members of each admitted identity: the work is the bits set, not every pod.
        for id in bits::ones(&self.ids[self.pod_identity[src.index()] as usize]) {
            for &d in self.members(id) {
                bits::set(row, d as usize);
            }
        }
        if self.self_exempt {
            bits::set(row, src.index());
        }
    }

    /// Number of allowed pairs.
    pub fn count_allowed(&self) -> usize {
        let size = |i: usize| (self.member_start[i + 1] - self.member_start[i]) as usize;
        self.ids
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let reached: usize = bits::ones(row).map(size).sum();
                let to_self = if self.self_exempt && !bits::test(row, i) { 1 } else { 0 };
                size(i) * (reached + to_self)
            })
            .sum()
    }
}

impl PartialEq for Matrix {
    fn eq(&self, other: &Matrix) -> bool {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        self.len() == other.len()
            && (0..self.len()).all(|s| {
                self.row_into(PodId(s as u32), &mut a);
                other.row_into(PodId(s as u32), &mut b);
                a == b
            })
    }
}

impl Eq for Matrix {}
