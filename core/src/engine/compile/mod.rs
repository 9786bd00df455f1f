//! The compiler (DESIGN §3): from a validated [`Cluster`] to the tables of an [`Engine`].
//!
//! 1. **Identities.** Pods are grouped into classes no policy can tell apart: same namespace,
//!    same answers to every pod selector, same IP classes (when ipBlocks match pod IPs) and same
//!    named ports (for the names policies use).
//! 2. **IP classes** ([`ip_class`]) and **port classes** ([`port_class`]) cut addresses and
//!    ports so every ipBlock and every rule's ports are unions of whole classes.
//! 3. **Tables.** A relation row is a bitset over *columns*: identities, then IP classes. For
//!    each (identity, port class) and direction an index names the row of peers admitted;
//!    identical rows are stored once. A pod that is not isolated points at the all-ones row, so
//!    a decision is the same few reads whatever the policies.
//!
//! Before any row is built, the distinct peers, the peer sets of rules and the rows each port
//! sweep can add are counted ([`estimate`]); past the budget of [`Compiler::try_compile`] (the
//! `compile-bytes` limit) the compile is refused, so memory is bounded by construction.

pub(crate) mod bits;
mod estimate;
pub(crate) mod ip_class;
pub(crate) mod keyer;
pub(crate) mod port_class;
pub(crate) mod rows;
mod selector_index;
mod tiers;

use alloc::vec;
use alloc::vec::Vec;

use hashbrown::HashMap;
use smallvec::SmallVec;

use self::estimate::Estimate;
use self::ip_class::IpClasses;
use self::keyer::Keyer;
use self::port_class::{protocol_index, PortClasses};
use self::rows::{RowEntry, RowRef, RowSet, Rows};
use self::selector_index::SelectorIndex;
use crate::engine::Engine;
use crate::spec::query::{ips_family_mask, Family, Options};
use crate::spec::{
    Action, AdminPeer, AdminPort, Cluster, Direction, LabelSelector, Labels, NamespacedPods, Peer, PortMatch, Protocol,
    Rule, Subject,
};
use crate::spec::{Diagnostic, Error};
use ipnet::IpNet;

/// Builds an [`Engine`] from a validated [`Cluster`].
#[derive(Clone, Debug, Default)]
pub struct Compiler {
    options: Options,
    /// The most the tables may take, in bytes (`None`: no budget).
    max_bytes: Option<usize>,
}

impl Compiler {
    /// A compiler with default [`Options`] and no memory budget.
    pub fn new() -> Compiler {
        Compiler::default()
    }

    /// Sets the options the engine decides under.
    pub fn options(mut self, options: Options) -> Compiler {
        self.options = options;
        self
    }

    /// Sets the memory budget of [`Compiler::try_compile`]: the most the compiled tables may
    /// take, in bytes (the `compile-bytes` limit, [`Limits::max_compile_bytes`](crate::Limits)).
    pub fn max_bytes(mut self, bytes: usize) -> Compiler {
        self.max_bytes = Some(bytes);
        self
    }

    /// Compiles `cluster`, whatever its tables take (no budget: for trusted input; see
    /// [`Compiler::try_compile`]). The engine keeps its own copy of the cluster for explanations.
    pub fn compile(&self, cluster: &Cluster) -> Engine {
        self.compile_owned(cluster.clone())
    }

    /// [`Compiler::compile`], keeping `cluster` itself rather than a copy (a copy of a
    /// 100,000-pod cluster costs a fifth of its compile).
    pub fn compile_owned(&self, cluster: Cluster) -> Engine {
        let tables = Tables::build(&cluster, &self.options, usize::MAX).expect("no budget to exceed");
        Engine::new(cluster, self.options, tables)
    }

    /// Compiles `cluster` within the budget set by [`Compiler::max_bytes`]. The size of the tables
    /// is estimated (an upper bound) before they are allocated; past the budget the compile is
    /// refused with an error naming the estimate, the limit and how to raise it.
    pub fn try_compile(&self, cluster: &Cluster) -> Result<Engine, Error> {
        self.try_compile_owned(cluster.clone())
    }

    /// [`Compiler::try_compile`], keeping `cluster` itself rather than a copy.
    ///
    /// With [`Tie::Error`](crate::spec::Tie) a cluster where cluster policies of one tier and
    /// priority may disagree ([`Cluster::ambiguous_priorities`], S15.3) is refused, naming them.
    pub fn try_compile_owned(&self, cluster: Cluster) -> Result<Engine, Error> {
        self.try_compile_keyed(cluster, false).map(|(engine, _)| engine)
    }

    /// [`Compiler::try_compile_owned`], and with `keyed` the [`Keyer`] that places pods the
    /// engine was not compiled with.
    pub(crate) fn try_compile_keyed(&self, cluster: Cluster, keyed: bool) -> Result<(Engine, Option<Keyer>), Error> {
        if self.options.tie == crate::spec::Tie::Error {
            let problems: Vec<Diagnostic> = cluster
                .ambiguous_priorities()
                .into_iter()
                .map(|(a, b, direction)| {
                    let (pa, pb) = (&cluster.cluster_policies()[a], &cluster.cluster_policies()[b]);
                    let object = crate::ObjectRef::cluster_scoped(pb.kind.object_kind(), &pb.name);
                    let message = alloc::format!(
                        "same tier and priority ({}) as {} with different actions in {} rules: refused (--tie error)",
                        pb.priority,
                        pa.display_name(),
                        direction.field()
                    );
                    Diagnostic::new(Some(object), "spec.priority", message)
                })
                .collect();
            if !problems.is_empty() {
                return Err(Error::new(problems));
            }
        }
        let budget = self.max_bytes.unwrap_or(usize::MAX);
        match Tables::build_keyed(&cluster, &self.options, budget, keyed) {
            Ok((tables, keyer)) => Ok((Engine::new(cluster, self.options, tables), keyer)),
            Err(estimate) => Err(Error::single(Diagnostic::new(None, "", estimate.over(budget)))),
        }
    }
}

/// A named container port as policies see it: (interned name, protocol index, number).
type NamedPort = (u32, u8, u16);

/// Everything that tells pods apart: namespace, selector answers (by row), address families, IP
/// classes, named ports.
type IdentityKey = (u32, u32, u8, SmallVec<[u32; 2]>, Vec<NamedPort>);

/// What the engine reads at decision time.
#[derive(Clone, Debug)]
pub(crate) struct Tables {
    /// Pod → identity.
    pub pod_identity: Vec<u32>,
    /// Pod → what a decision reads of it, in one word ([`PodLookup`]): four bytes a pod keep
    /// the table small enough to stay in cache at 150,000 pods.
    pub pod_lookup: Vec<PodLookup>,
    /// Pods of each identity: `members[member_start[i]..member_start[i + 1]]`.
    pub member_start: Vec<u32>,
    pub members: Vec<u32>,
    pub ip_classes: IpClasses,
    pub ports: PortClasses,
    /// Identities. Columns `0..identities` are identities (over IPv6 too, unless split);
    /// `identities..ip_base` the IPv6 columns of split identities; from `ip_base` IP classes.
    pub identities: usize,
    /// Per identity: the address families its pods can use (S9a), as a mask (IPv4 1, IPv6 2;
    /// both for pods without IPs).
    pub families: Vec<u8>,
    /// Per identity: its column as a peer over IPv6. A dual-stack identity whose addresses
    /// ipBlocks may match is *split*: ipBlocks see its IPv4 address in its own column and its
    /// IPv6 address in a column of its own (S9a); every other identity has one column.
    pub v6_column: Vec<u32>,
    /// Split identities, by IPv6 column: `split[c - identities]` owns column `c`.
    pub split: Vec<u32>,
    /// The first IP-class column.
    pub ip_base: usize,
    /// `[port class * identities + identity]` → the row of admitted peers, per direction, with
    /// its first head ([`RowEntry`]). Port class major: queries on one port read one contiguous
    /// slice, `identities` entries long.
    pub egress_index: Vec<RowEntry>,
    pub ingress_index: Vec<RowEntry>,
    /// Distinct rows, in blocks ([`rows`]).
    pub rows: Rows,
    /// The all-ones row: what a pod that is not isolated admits.
    pub open_row: u32,
}

/// Identities a compile can have: a pod's lookup word keeps 29 bits for its identity.
pub(crate) const MAX_IDENTITIES: usize = 1 << 29;

/// What a decision reads of a pod, packed in one word: its identity, whether the identity is
/// split (its IPv6 column is then [`Tables::v6_column`]'s), and its address families.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PodLookup(u32);

impl PodLookup {
    /// The lookups of pods of the identities `pod_identity` gives.
    pub(crate) fn of_pods(pod_identity: &[u32], v6_column: &[u32], families: &[u8]) -> Vec<PodLookup> {
        pod_identity
            .iter()
            .map(|&id| {
                debug_assert!((id as usize) < MAX_IDENTITIES, "identity {id} does not fit a pod lookup");
                let split = v6_column[id as usize] != id;
                PodLookup(id << 3 | u32::from(split) << 2 | u32::from(families[id as usize] & 3))
            })
            .collect()
    }

    /// The pod's identity: its column over IPv4, and over IPv6 unless split.
    #[inline(always)]
    pub(crate) fn identity(self) -> u32 {
        self.0 >> 3
    }

    /// Whether the identity is split (S9a): over IPv6 it is another column.
    #[inline(always)]
    pub(crate) fn split(self) -> bool {
        self.0 & 4 != 0
    }

    /// The address families the pod can use, as a mask (IPv4 1, IPv6 2).
    #[inline(always)]
    pub(crate) fn families(self) -> u8 {
        self.0 as u8 & 3
    }
}

/// Per identity: what distinguishes it.
struct Identity {
    namespace: u32,
    /// Its answers to every distinct pod selector: a row of [`Identities::answers`].
    answers: u32,
    /// Address families (S9a): IPv4 1, IPv6 2, both for pods without IPs.
    families: u8,
    /// IP classes of its pods' IPs (empty when ipBlocks do not match pods).
    ip_classes: SmallVec<[u32; 2]>,
    /// Referenced named ports it defines.
    named: Vec<NamedPort>,
}

/// One rule with its peers resolved to a row and its ports kept for port-class matching.
struct CompiledRule<'c> {
    peers: u32,
    rule: &'c Rule,
}

/// Where an identity's index comes from: the index of an earlier identity with the same
/// selecting policies (and named ports), or a sweep over the rules of these policies.
enum IndexSource {
    Same(usize),
    Sweep(Vec<u32>),
}

impl Tables {
    /// The tables, or what they would take when that is over `budget` bytes. The size is told
    /// (stage 3a, [`estimate`]) before any row is built: the distinct peers, the distinct peer
    /// sets of rules and the rows each port sweep can add are counted first.
    fn build(cluster: &Cluster, options: &Options, budget: usize) -> Result<Tables, Estimate> {
        Tables::build_keyed(cluster, options, budget, false).map(|(tables, _)| tables)
    }

    /// [`Tables::build`], and with `keyed` the [`Keyer`] that places pods the tables were not
    /// compiled with (for [`Live`](crate::Live)).
    pub(crate) fn build_keyed(
        cluster: &Cluster,
        options: &Options,
        budget: usize,
        keyed: bool,
    ) -> Result<(Tables, Option<Keyer>), Estimate> {
        let policies = cluster.policies();

        let vocabulary = Vocabulary::of(cluster);
        let Identities { list: identities, answers, pod_identity, v6_column, split, keys } =
            Identities::of(cluster, &vocabulary, options, budget)?;
        let Vocabulary { pod_selectors, ns_selectors, named_ids, ip_classes, ns_match, has_networks } = vocabulary;
        let keyer = keyed.then(|| {
            let track_ips = options.ip_block_matches_pods || has_networks;
            Keyer::new(&pod_selectors, &answers, &named_ids, track_ips, keys)
        });
        let n_ids = identities.len();
        let ip_base = n_ids + split.len();
        let columns = ip_base + ip_classes.len();
        let layout = Layout { v6_column: &v6_column, ip_base };

        let ports = port_classes(cluster, &identities);
        let n_pcs = ports.len();

        // Stage 3a, before any row: the distinct peers (selector peers without a namespace
        // selector depend on the policy's namespace), the distinct peer sets of rules (sorted
        // peer ids; empty for "every peer"), and each rule with its peer set.
        let mut peer_ids: HashMap<(&Peer, u32), u32> = HashMap::new();
        let mut peers: Vec<(&Peer, u32)> = Vec::new();
        let mut set_ids: HashMap<SmallVec<[u32; 1]>, u32> = HashMap::new();
        let mut peer_sets: Vec<SmallVec<[u32; 1]>> = Vec::new();
        let mut compiled: Vec<Vec<CompiledRule>> = Vec::with_capacity(policies.len() * 2);
        for policy in policies {
            let policy_ns = cluster.namespace_id(&policy.namespace).map_or(u32::MAX, |n| n.0);
            for direction in [Direction::Egress, Direction::Ingress] {
                let mut list = Vec::new();
                for rule in policy.rules(direction) {
                    let mut set: SmallVec<[u32; 1]> = SmallVec::new();
                    for peer in &rule.peers {
                        let key = (peer, if matches!(peer, Peer::IpBlock(_)) { u32::MAX } else { policy_ns });
                        let next = peers.len() as u32;
                        set.push(*peer_ids.entry(key).or_insert_with(|| {
                            peers.push(key);
                            next
                        }));
                    }
                    set.sort_unstable();
                    set.dedup();
                    let next = peer_sets.len() as u32;
                    let peers = *set_ids.entry(set).or_insert_with_key(|set| {
                        peer_sets.push(set.clone());
                        next
                    });
                    list.push(CompiledRule { peers, rule });
                }
                compiled.push(list);
            }
        }
        drop(set_ids);

        // The referenced named ports identities define, and the numbers each referenced
        // (name, protocol) resolves to somewhere.
        let mut named_ports: Vec<NamedPort> = identities.iter().flat_map(|i| i.named.iter().copied()).collect();
        named_ports.sort_unstable();
        named_ports.dedup();
        let mut named_numbers: HashMap<(u32, u8), Vec<u16>> = HashMap::new();
        for &(name, p, number) in &named_ports {
            named_numbers.entry((name, p)).or_default().push(number);
        }

        // The policies of each (namespace, pod selector), ascending: an identity finds the
        // policies selecting it from the selectors it satisfies, not by trying every policy.
        let mut policies_by_selector: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        for (k, p) in policies.iter().enumerate() {
            if let Some(ns) = cluster.namespace_id(&p.namespace) {
                policies_by_selector.entry((ns.0, pod_selectors[&p.pod_selector])).or_default().push(k as u32);
            }
        }

        // Where each identity's index comes from, per direction. Identities with the same
        // selecting policies (and, for ingress, the same named ports) share their whole index.
        let mut jobs: Vec<(usize, Direction, IndexSource)> = Vec::new();
        let mut by_policies: HashMap<(Direction, Vec<u32>, Vec<NamedPort>), usize> = HashMap::new();
        for (i, identity) in identities.iter().enumerate() {
            for direction in [Direction::Egress, Direction::Ingress] {
                let mut selecting: Vec<u32> = answers
                    .row(identity.answers)
                    .ones()
                    .filter_map(|s| policies_by_selector.get(&(identity.namespace, s as u32)))
                    .flatten()
                    .copied()
                    .filter(|&k| policies[k as usize].affects(direction))
                    .collect();
                selecting.sort_unstable();
                if selecting.is_empty() {
                    continue; // Not isolated: the all-ones row.
                }
                let named_key = if direction == Direction::Ingress { identity.named.clone() } else { Vec::new() };
                let key = (direction, selecting, named_key);
                let source = match by_policies.get(&key) {
                    Some(&same) => IndexSource::Same(same),
                    None => {
                        let source = IndexSource::Sweep(key.1.clone());
                        by_policies.insert(key, i);
                        source
                    }
                };
                jobs.push((i, direction, source));
            }
        }
        drop(by_policies);

        // The estimate: the empty and all-ones rows, a row per peer and per peer set of two or
        // more, and what the sweeps add.
        let side_of = |direction| if direction == Direction::Egress { 0 } else { 1 };
        let mut estimate = Estimate {
            pods: pod_identity.len(),
            label_sets: answers.len(),
            selectors: pod_selectors.len(),
            identities: n_ids,
            port_classes: n_pcs,
            columns,
            rows: 2 + peers.len() + peer_sets.iter().filter(|s| s.len() >= 2).count(),
            named_rows: named_ports.len(),
        };
        // S15: the cluster policies applying to each identity; each (identity, direction) with
        // some gets up to a row per port class, and each rule a peer row.
        let subject_of = |k: usize, i: usize| {
            let identity = &identities[i];
            let ns = |s: &LabelSelector| bits::test(&ns_match[ns_selectors[s] as usize], identity.namespace as usize);
            match &cluster.cluster_policies()[k].subject {
                Subject::Namespaces(s) => ns(s),
                Subject::Pods(p) => {
                    ns(&p.namespace_selector)
                        && answers.row(identity.answers).test(pod_selectors[&p.pod_selector] as usize)
                }
            }
        };
        let mut tier_plan = tiers::TierPlan::new(cluster, n_ids, subject_of);
        estimate.rows += tier_plan.rules.len() + tier_plan.jobs() * n_pcs;
        let mut named_seen = HashMap::new();
        for (i, direction, source) in &jobs {
            if let IndexSource::Sweep(selecting) = source {
                let rules = selecting.iter().flat_map(|&k| &compiled[k as usize * 2 + side_of(*direction)]);
                let spans = port_spans(rules, *direction, &identities[*i], &ports, &named_ids, &named_numbers);
                estimate.rows += estimate::sweep_rows(&spans, n_pcs, peer_sets.len() as u32, &mut named_seen);
            }
        }
        drop(named_seen);
        if estimate.bytes() > budget {
            return Err(estimate);
        }

        // Stage 3b: the rows. Peers, then peer sets.
        let mut rows = RowSet::new(columns);
        let all_row = {
            let mut all = rows.scratch();
            bits::set_range(&mut all, 0..columns);
            rows.intern(&all)
        };
        let peer_rows = PeerRows::new(
            &identities,
            &answers,
            &layout,
            &pod_selectors,
            &ns_selectors,
            &ns_match,
            &ip_classes,
            cluster.namespaces().len(),
            options,
            columns,
        );
        let peer_rows_builder = peer_rows;
        let peer_rows: Vec<u32> =
            peers.iter().map(|&(peer, policy_ns)| rows.intern(&peer_rows_builder.row(peer, policy_ns))).collect();
        let mut scratch = rows.scratch();
        let set_rows: Vec<u32> = peer_sets
            .iter()
            .map(|set| match set.as_slice() {
                [] => all_row,
                [one] => peer_rows[*one as usize],
                many => {
                    scratch.fill(0);
                    for &p in many {
                        rows.row(peer_rows[p as usize]).or_into(&mut scratch);
                    }
                    rows.intern(&scratch)
                }
            })
            .collect();
        drop(scratch);

        // Identities carrying each referenced named port number: [(name, protocol, number)] → row.
        let mut named_cols: HashMap<NamedPort, Vec<u64>> = HashMap::with_capacity(named_ports.len());
        for (i, identity) in identities.iter().enumerate() {
            for np in &identity.named {
                let row = named_cols.entry(*np).or_insert_with(|| vec![0; bits::words_for(columns)]);
                layout.set_identity(row, i);
            }
        }

        // Index: per identity and direction, the row of each port class.
        let mut egress_index = vec![all_row; n_ids * n_pcs];
        let mut ingress_index = vec![all_row; n_ids * n_pcs];
        let mut sweep = Sweep::new(&mut rows, columns);
        for (i, direction, source) in &jobs {
            let index = if *direction == Direction::Egress { &mut egress_index } else { &mut ingress_index };
            match source {
                IndexSource::Same(same) => index.copy_within(same * n_pcs..(same + 1) * n_pcs, i * n_pcs),
                IndexSource::Sweep(selecting) => {
                    let rules = selecting.iter().flat_map(|&k| &compiled[k as usize * 2 + side_of(*direction)]);
                    let mut spans = port_spans(rules, *direction, &identities[*i], &ports, &named_ids, &named_numbers);
                    spans.iter_mut().for_each(|(span, _)| span.row = set_rows[span.row as usize]);
                    sweep.fill(&spans, &mut rows, &named_cols, &mut index[i * n_pcs..(i + 1) * n_pcs]);
                }
            }
        }
        // S15: the admin tiers over the v1 rows.
        if tier_plan.jobs() > 0 {
            let empty_row = sweep.empty;
            let nodes = cluster.nodes();
            let mut scratch = rows.scratch();
            tier_plan.set_peers(|rule| {
                if rule.fails_closed() {
                    // S15.8: an accepting rule matches nothing; any other everything.
                    return if rule.action == Action::Accept { empty_row } else { all_row };
                }
                scratch.fill(0);
                for peer in &rule.peers {
                    bits::or_into(&mut scratch, &peer_rows_builder.admin_row(peer, nodes, cluster.dns()));
                }
                rows.intern(&scratch)
            });
            let mut isolated = [vec![false; n_ids], vec![false; n_ids]];
            for (i, direction, _) in &jobs {
                isolated[side_of(*direction)][*i] = true;
            }
            let cx = tiers::TierContext {
                ports: &ports,
                identities: &identities,
                named_ids: &named_ids,
                named_cols: &named_cols,
                tie: options.tie,
                all_row,
            };
            cx.apply(&tier_plan, Direction::Egress, &isolated[0], &mut rows, &mut egress_index);
            cx.apply(&tier_plan, Direction::Ingress, &isolated[1], &mut rows, &mut ingress_index);
        }
        debug_assert!(rows.len() <= estimate.rows, "{} rows, estimated at most {}", rows.len(), estimate.rows);

        let rows = rows.into_rows();
        let (egress_index, ingress_index) =
            (by_port_class(&egress_index, n_pcs, &rows), by_port_class(&ingress_index, n_pcs, &rows));
        let (member_start, members) = members_of(&pod_identity, n_ids);
        let families: Vec<u8> = identities.iter().map(|i| i.families).collect();
        let pod_lookup = PodLookup::of_pods(&pod_identity, &v6_column, &families);
        let tables = Tables {
            pod_identity,
            pod_lookup,
            member_start,
            members,
            ip_classes,
            ports,
            identities: n_ids,
            families,
            v6_column,
            split,
            ip_base,
            egress_index,
            ingress_index,
            rows,
            open_row: all_row,
        };
        Ok((tables, keyer))
    }

    /// Bytes held by the tables.
    pub(crate) fn memory_bytes(&self) -> usize {
        (self.pod_identity.capacity() + self.member_start.capacity() + self.members.capacity()) * 4
            + self.pod_lookup.capacity() * 4
            + (self.egress_index.capacity() + self.ingress_index.capacity()) * core::mem::size_of::<RowEntry>()
            + self.families.capacity()
            + (self.v6_column.capacity() + self.split.capacity()) * 4
            + self.rows.memory_bytes()
            + self.ip_classes.memory_bytes()
            + self.ports.memory_bytes()
    }
}

/// Port classes: cut at every range boundary of the rules, and at every number a referenced
/// named port resolves to on some identity.
fn port_classes(cluster: &Cluster, identities: &[Identity]) -> PortClasses {
    let mut boundaries = Vec::new();
    for policy in cluster.policies() {
        for rule in policy.ingress.iter().chain(&policy.egress) {
            for port in &rule.ports {
                if let PortMatch::Range { first, last } = port.port {
                    boundaries.push((port.protocol, u32::from(first)));
                    boundaries.push((port.protocol, u32::from(last) + 1));
                }
            }
        }
    }
    for policy in cluster.cluster_policies() {
        for rule in policy.ingress.iter().chain(&policy.egress) {
            for port in &rule.ports {
                if let AdminPort::Port(p) = port {
                    if let PortMatch::Range { first, last } = p.port {
                        boundaries.push((p.protocol, u32::from(first)));
                        boundaries.push((p.protocol, u32::from(last) + 1));
                    }
                }
            }
        }
    }
    for identity in identities {
        for &(_, p, n) in &identity.named {
            boundaries.push((Protocol::ALL[p as usize], u32::from(n)));
            boundaries.push((Protocol::ALL[p as usize], u32::from(n) + 1));
        }
    }
    PortClasses::new(boundaries)
}

/// `index` (identity major, `classes` row ids per identity) laid out port class major, each row
/// as an index keeps it.
fn by_port_class(index: &[u32], classes: usize, rows: &Rows) -> Vec<RowEntry> {
    let identities = index.len().checked_div(classes).unwrap_or(0);
    let mut out = Vec::with_capacity(index.len());
    for pc in 0..classes {
        out.extend((0..identities).map(|i| rows.entry(index[i * classes + pc])));
    }
    out
}

/// The pods of each identity: `members[member_start[i]..member_start[i + 1]]`, ascending.
pub(crate) fn members_of(pod_identity: &[u32], n_ids: usize) -> (Vec<u32>, Vec<u32>) {
    let mut member_start = vec![0u32; n_ids + 1];
    for &id in pod_identity {
        member_start[id as usize + 1] += 1;
    }
    for i in 0..n_ids {
        member_start[i + 1] += member_start[i];
    }
    let mut fill = member_start.clone();
    let mut members = vec![0u32; pod_identity.len()];
    for (p, &id) in pod_identity.iter().enumerate() {
        members[fill[id as usize] as usize] = p as u32;
        fill[id as usize] += 1;
    }
    (member_start, members)
}

/// Stage 1 of the compile: what the policies refer to. Distinct selectors (so each is evaluated
/// once per label group or namespace), the named ports they use, and the IP classes cut at every
/// cidr and except.
struct Vocabulary<'c> {
    pod_selectors: HashMap<&'c LabelSelector, u32>,
    ns_selectors: HashMap<&'c LabelSelector, u32>,
    named_ids: HashMap<(&'c str, u8), u32>,
    ip_classes: IpClasses,
    /// Namespace selector answers: `[selector][namespace]`.
    ns_match: Vec<Vec<u64>>,
    /// Whether some cluster policy has a `networks` peer (which matches pod IPs, S15.6).
    has_networks: bool,
}

impl<'c> Vocabulary<'c> {
    fn of(cluster: &'c Cluster) -> Vocabulary<'c> {
        let mut pod_selectors: HashMap<&LabelSelector, u32> = HashMap::new();
        let mut ns_selectors: HashMap<&LabelSelector, u32> = HashMap::new();
        let mut named_ids: HashMap<(&str, u8), u32> = HashMap::new();
        let mut nets = Vec::new();
        for policy in cluster.policies() {
            intern(&mut pod_selectors, &policy.pod_selector);
            for rule in policy.ingress.iter().chain(&policy.egress) {
                for peer in &rule.peers {
                    match peer {
                        Peer::Selector { pod_selector, namespace_selector } => {
                            if let Some(s) = pod_selector {
                                intern(&mut pod_selectors, s);
                            }
                            if let Some(s) = namespace_selector {
                                intern(&mut ns_selectors, s);
                            }
                        }
                        Peer::IpBlock(b) => {
                            nets.push(b.cidr());
                            nets.extend_from_slice(b.except());
                        }
                    }
                }
                for port in &rule.ports {
                    if let PortMatch::Named(name) = &port.port {
                        let next = named_ids.len() as u32;
                        named_ids.entry((name.as_str(), protocol_index(port.protocol) as u8)).or_insert(next);
                    }
                }
            }
        }
        // S15: the selectors of cluster policies' subjects and peers, their networks, the
        // addresses of the nodes their `nodes` peers can select, and their named ports (of any
        // protocol: the name says which).
        let mut has_networks = false;
        let mut any_nodes = false;
        for policy in cluster.cluster_policies() {
            let pods = |p: &'c NamespacedPods, pod_selectors: &mut HashMap<_, _>, ns_selectors: &mut HashMap<_, _>| {
                intern(pod_selectors, &p.pod_selector);
                intern(ns_selectors, &p.namespace_selector);
            };
            match &policy.subject {
                Subject::Namespaces(s) => intern(&mut ns_selectors, s),
                Subject::Pods(p) => pods(p, &mut pod_selectors, &mut ns_selectors),
            }
            for rule in policy.ingress.iter().chain(&policy.egress) {
                for peer in &rule.peers {
                    match peer {
                        AdminPeer::Namespaces(s) => intern(&mut ns_selectors, s),
                        AdminPeer::Pods(p) => pods(p, &mut pod_selectors, &mut ns_selectors),
                        AdminPeer::Networks(n) => {
                            has_networks = true;
                            nets.extend_from_slice(n);
                        }
                        AdminPeer::Nodes(_) => any_nodes = true,
                        AdminPeer::DomainNames(names) => {
                            for name in names {
                                nets.extend(cluster.dns().resolve(name).map(IpNet::from));
                            }
                        }
                        _ => {}
                    }
                }
                for port in &rule.ports {
                    if let AdminPort::Named(name) = port {
                        for p in Protocol::ALL {
                            let next = named_ids.len() as u32;
                            named_ids.entry((name.as_str(), protocol_index(p) as u8)).or_insert(next);
                        }
                    }
                }
            }
        }
        if any_nodes {
            nets.extend(cluster.nodes().iter().flat_map(|n| n.addresses.iter().map(|&ip| IpNet::from(ip))));
        }
        let namespaces = cluster.namespaces();
        let mut ns_match = vec![vec![0u64; bits::words_for(namespaces.len())]; ns_selectors.len()];
        let index = SelectorIndex::new(&ns_selectors);
        for (n, ns) in namespaces.iter().enumerate() {
            index.each_match(&ns.labels, |id| bits::set(&mut ns_match[id as usize], n));
        }
        Vocabulary { pod_selectors, ns_selectors, named_ids, ip_classes: IpClasses::new(&nets), ns_match, has_networks }
    }
}

/// Stage 2 of the compile: pods grouped into identities, and where each identity's columns are.
struct Identities {
    list: Vec<Identity>,
    /// The distinct rows of selector answers, one bit per pod selector.
    answers: RowSet,
    /// Pod → identity.
    pod_identity: Vec<u32>,
    /// Per identity: its IPv6 column (its own column unless split).
    v6_column: Vec<u32>,
    /// Split identities, in IPv6-column order.
    split: Vec<u32>,
    /// Each identity's key.
    keys: HashMap<IdentityKey, u32>,
}

impl Identities {
    fn of(
        cluster: &Cluster,
        vocabulary: &Vocabulary<'_>,
        options: &Options,
        budget: usize,
    ) -> Result<Identities, Estimate> {
        let Vocabulary { pod_selectors, named_ids, ip_classes, has_networks, .. } = vocabulary;
        // Pods' IP classes tell identities apart when ipBlocks or `networks` peers (S15.6) can
        // match pod IPs.
        let track_ips = options.ip_block_matches_pods || *has_networks;
        // Pods with equal labels share selector answers, computed once per label set and stored
        // once per distinct answer row; then group by everything that can tell pods apart. The
        // label sets are counted first, so that their answers are sized before they are made.
        let pods = cluster.pods();
        let mut label_groups: HashMap<(u32, &Labels), u32> = HashMap::new();
        for pod in pods {
            let next = label_groups.len() as u32;
            label_groups.entry((pod.namespace_id.0, &pod.labels)).or_insert(next);
        }
        let estimate = Estimate {
            label_sets: label_groups.len(),
            selectors: pod_selectors.len(),
            pods: pods.len(),
            ..Estimate::default()
        };
        if estimate.bytes() > budget {
            return Err(estimate);
        }
        let mut answers = RowSet::new(pod_selectors.len());
        let selector_index = SelectorIndex::new(pod_selectors);
        let mut group_answers = vec![u32::MAX; label_groups.len()];
        let mut scratch = answers.scratch();
        let mut identity_of_key: HashMap<IdentityKey, u32> = HashMap::new();
        let mut identities: Vec<Identity> = Vec::new();
        let mut pod_identity = Vec::with_capacity(pods.len());
        for pod in pods {
            let namespace = pod.namespace_id.0;
            let group = label_groups[&(namespace, &pod.labels)] as usize;
            if group_answers[group] == u32::MAX {
                scratch.fill(0);
                selector_index.each_match(&pod.labels, |id| bits::set(&mut scratch, id as usize));
                group_answers[group] = answers.intern(&scratch);
            }
            let answer = group_answers[group];
            let key = pod_key(pod, answer, track_ips, ip_classes, |name, p| named_ids.get(&(name, p)).copied());
            let next = identities.len() as u32;
            let id = *identity_of_key.entry(key.clone()).or_insert_with(|| {
                identities.push(Identity {
                    namespace,
                    answers: answer,
                    families: key.2,
                    ip_classes: key.3,
                    named: key.4,
                });
                next
            });
            pod_identity.push(id);
        }
        // S9a: identities with addresses of both families that ipBlocks may match get a second
        // column, for the IPv6 side.
        let n_ids = identities.len();
        let mut v6_column: Vec<u32> = (0..n_ids as u32).collect();
        let mut split = Vec::new();
        for (i, identity) in identities.iter().enumerate() {
            let has = |f: Family| identity.ip_classes.iter().any(|&c| ip_classes.family(c as usize) == f);
            if has(Family::Ipv4) && has(Family::Ipv6) {
                v6_column[i] = (n_ids + split.len()) as u32;
                split.push(i as u32);
            }
        }
        Ok(Identities { list: identities, answers, pod_identity, v6_column, split, keys: identity_of_key })
    }
}

/// What tells `pod` apart from other pods (see [`IdentityKey`]), given its selector answers'
/// row `answer`, whether IP classes count, and the ids of referenced named ports.
fn pod_key(
    pod: &crate::spec::Pod,
    answer: u32,
    track_ips: bool,
    ip_classes: &IpClasses,
    named_id: impl Fn(&str, u8) -> Option<u32>,
) -> IdentityKey {
    let mut classes: SmallVec<[u32; 2]> = SmallVec::new();
    if track_ips {
        classes.extend(pod.ips.iter().map(|ip| ip_classes.class_of(*ip) as u32));
        classes.sort_unstable();
        classes.dedup();
    }
    let mut named: Vec<NamedPort> = pod
        .ports
        .iter()
        .filter_map(|c| {
            let p = protocol_index(c.protocol) as u8;
            Some((named_id(c.name.as_deref()?, p)?, p, c.number))
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    (pod.namespace_id.0, answer, ips_family_mask(&pod.ips), classes, named)
}

/// Where one rule port entry admits: port classes `start..end` admit the peers of row `row`.
struct Span {
    start: usize,
    end: usize,
    row: u32,
}

/// The spans of every port entry of `rules` (the rules of the policies selecting `identity` in
/// `direction`). Work is linear in the entries and the named-port numbers they resolve to; a
/// range is one span however many classes it covers.
fn port_spans<'c>(
    rules: impl Iterator<Item = &'c CompiledRule<'c>>,
    direction: Direction,
    identity: &Identity,
    ports: &PortClasses,
    named_ids: &HashMap<(&str, u8), u32>,
    named_numbers: &HashMap<(u32, u8), Vec<u16>>,
) -> Vec<(Span, Option<NamedPort>)> {
    let mut spans = Vec::new();
    for rule in rules {
        if rule.rule.ports.is_empty() {
            spans.push((Span { start: 0, end: ports.len(), row: rule.peers }, None));
            continue;
        }
        for port in &rule.rule.ports {
            let protocol = port.protocol;
            match &port.port {
                PortMatch::Any => {
                    let classes = ports.classes_of(protocol);
                    spans.push((Span { start: classes.start, end: classes.end, row: rule.peers }, None));
                }
                PortMatch::Range { first, last } => {
                    let (start, end) = (ports.class_of(*first, protocol), ports.class_of(*last, protocol) + 1);
                    spans.push((Span { start, end, row: rule.peers }, None));
                }
                PortMatch::Named(name) => {
                    let p = protocol_index(protocol) as u8;
                    let Some(&name_id) = named_ids.get(&(name.as_str(), p)) else {
                        continue; // No pod defines it: the entry admits nothing.
                    };
                    // A resolved number is a class of its own (cut at n and n + 1).
                    match direction {
                        // Resolved at the destination: this identity (`named` is sorted).
                        Direction::Ingress => {
                            let from = identity.named.partition_point(|np| (np.0, np.1) < (name_id, p));
                            for &(_, _, number) in
                                identity.named[from..].iter().take_while(|np| (np.0, np.1) == (name_id, p))
                            {
                                let class = ports.class_of(number, protocol);
                                spans.push((Span { start: class, end: class + 1, row: rule.peers }, None));
                            }
                        }
                        // Resolved at the destination: the peers that define the name as this number.
                        Direction::Egress => {
                            for &number in named_numbers.get(&(name_id, p)).into_iter().flatten() {
                                let class = ports.class_of(number, protocol);
                                let span = Span { start: class, end: class + 1, row: rule.peers };
                                spans.push((span, Some((name_id, p, number))));
                            }
                        }
                    }
                }
            }
        }
    }
    spans
}

/// Turns spans into one row per port class by a sweep over the classes: the row changes only
/// where a span starts or ends. Where one row is active it is the row; where several are, their
/// union is kept up to date as rows come and go, a word at a time: per word a count of the
/// active rows that have it all ones, and per column a count of the ones in the other words.
/// The work is the spans plus the words of the rows that come and go (and the set bits of their
/// partial words), not classes x entries nor changes x active rows; and not the set bits of
/// every row either (a wide ipBlock row is mostly all-ones words).
struct Sweep {
    /// (peer row, named port) → the peer row restricted to identities defining the named port.
    named_rows: HashMap<(u32, NamedPort), u32>,
    /// The union of the active rows.
    union: Vec<u64>,
    /// Per word: how many active rows have it all ones.
    full_counts: Vec<u32>,
    /// Per column: how many active rows have it in a word that is not all ones.
    column_counts: Vec<u32>,
    /// The union of the active rows' words that are not all ones.
    partial: Vec<u64>,
    /// The all-zeros row.
    empty: u32,
}

/// Sweep events at one class sort starts before ends.
const START: u8 = 0;
const END: u8 = 1;

impl Sweep {
    fn new(rows: &mut RowSet, columns: usize) -> Sweep {
        let union = rows.scratch();
        let empty = rows.intern(&union);
        Sweep {
            named_rows: HashMap::new(),
            full_counts: vec![0; union.len()],
            partial: union.clone(),
            union,
            column_counts: vec![0; columns],
            empty,
        }
    }

    fn fill(
        &mut self,
        spans: &[(Span, Option<NamedPort>)],
        rows: &mut RowSet,
        named_cols: &HashMap<NamedPort, Vec<u64>>,
        out: &mut [u32],
    ) {
        // (class, START or END, contributing row), sorted: starts first, so a row ending and starting
        // at one class (adjacent ranges of a rule) stays active without touching its columns.
        let mut events: Vec<(usize, u8, u32)> = Vec::with_capacity(spans.len() * 2);
        for (span, named) in spans {
            let row = match named {
                None => span.row,
                Some(np) => *self.named_rows.entry((span.row, *np)).or_insert_with(|| {
                    let mut row = rows.row(span.row).to_vec();
                    row.iter_mut().zip(&named_cols[np]).for_each(|(w, c)| *w &= c);
                    rows.intern(&row)
                }),
            };
            debug_assert!(span.start < span.end, "spans are never empty");
            events.push((span.start, START, row));
            events.push((span.end, END, row));
        }
        events.sort_unstable();
        let mut active: HashMap<u32, u32> = HashMap::new();
        let mut current = self.empty;
        let (mut class, mut e, n) = (0, 0, out.len());
        while e < events.len() {
            let at = events[e].0.min(n);
            out[class..at].fill(current);
            let mut changed = false;
            while e < events.len() && events[e].0.min(n) == at {
                let (_, kind, row) = events[e];
                let count = active.entry(row).or_insert(0);
                if kind == START {
                    *count += 1;
                    if *count == 1 {
                        self.toggle(rows.row(row), true);
                        changed = true;
                    }
                } else {
                    *count -= 1;
                    if *count == 0 {
                        active.remove(&row);
                        self.toggle(rows.row(row), false);
                        changed = true;
                    }
                }
                e += 1;
            }
            if changed && at < n {
                current = match active.len() {
                    0 => self.empty,
                    1 => *active.keys().next().expect("one active row"),
                    _ => rows.intern(&self.union),
                };
            }
            class = at;
        }
        out[class..].fill(current);
        debug_assert!(self.union.iter().all(|&w| w == 0), "every span ends by the last class");
    }

    /// Adds `row` to the union (or takes it out), a word at a time.
    fn toggle(&mut self, row: RowRef<'_>, add: bool) {
        for (w, word) in row.nonzero_words() {
            if word == u64::MAX {
                if add {
                    self.full_counts[w] += 1;
                } else {
                    self.full_counts[w] -= 1;
                }
            } else {
                let mut rest = word;
                while rest != 0 {
                    let bit = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    let count = &mut self.column_counts[w * 64 + bit];
                    if add {
                        *count += 1;
                        if *count == 1 {
                            self.partial[w] |= 1 << bit;
                        }
                    } else {
                        *count -= 1;
                        if *count == 0 {
                            self.partial[w] &= !(1 << bit);
                        }
                    }
                }
            }
            self.union[w] = if self.full_counts[w] > 0 { u64::MAX } else { self.partial[w] };
        }
    }
}

/// Where identities sit in a row's columns (S9a): each identity's own column, plus a second
/// column for the IPv6 side of a split identity.
struct Layout<'a> {
    v6_column: &'a [u32],
    ip_base: usize,
}

impl Layout<'_> {
    /// Sets identity `i`'s columns of both families.
    fn set_identity(&self, row: &mut [u64], i: usize) {
        bits::set(row, i);
        bits::set(row, self.v6_column[i] as usize);
    }

    /// Identity `i`'s column over `family`.
    fn column(&self, i: usize, family: Family) -> usize {
        match family {
            Family::Ipv4 => i,
            Family::Ipv6 => self.v6_column[i] as usize,
        }
    }
}

fn intern<'a>(map: &mut HashMap<&'a LabelSelector, u32>, s: &'a LabelSelector) {
    let next = map.len() as u32;
    map.entry(s).or_insert(next);
}

/// What a peer's row is made from (S6, S9), with the identities filed by namespace, by pod
/// selector and by IP class, so that a row costs the identities it can match rather than every
/// identity (issue 18: peers x identities was the compile's quadratic step).
struct PeerRows<'a, 'c> {
    identities: &'a [Identity],
    layout: &'a Layout<'a>,
    pod_selectors: &'a HashMap<&'c LabelSelector, u32>,
    ns_selectors: &'a HashMap<&'c LabelSelector, u32>,
    ns_match: &'a [Vec<u64>],
    ip_classes: &'a IpClasses,
    options: &'a Options,
    columns: usize,
    /// Per namespace: its identities, ascending.
    by_namespace: Vec<Vec<u32>>,
    /// Per pod selector: the identities it selects, ascending.
    by_selector: Vec<Vec<u32>>,
    /// Per IP class: the identities with an address in it, ascending (empty when ipBlocks do
    /// not match pods).
    by_ip_class: Vec<Vec<u32>>,
    /// The identities with an address in some IP class, ascending.
    with_addresses: Vec<u32>,
}

impl<'a, 'c> PeerRows<'a, 'c> {
    #[allow(clippy::too_many_arguments)]
    fn new(
        identities: &'a [Identity],
        answers: &RowSet,
        layout: &'a Layout<'a>,
        pod_selectors: &'a HashMap<&'c LabelSelector, u32>,
        ns_selectors: &'a HashMap<&'c LabelSelector, u32>,
        ns_match: &'a [Vec<u64>],
        ip_classes: &'a IpClasses,
        namespaces: usize,
        options: &'a Options,
        columns: usize,
    ) -> PeerRows<'a, 'c> {
        let mut by_namespace = vec![Vec::new(); namespaces];
        let mut by_selector = vec![Vec::new(); pod_selectors.len()];
        let mut by_ip_class = vec![Vec::new(); ip_classes.len()];
        for (i, identity) in identities.iter().enumerate() {
            if let Some(list) = by_namespace.get_mut(identity.namespace as usize) {
                list.push(i as u32);
            }
            answers.row(identity.answers).ones().for_each(|s| by_selector[s].push(i as u32));
            identity.ip_classes.iter().for_each(|&c| by_ip_class[c as usize].push(i as u32));
        }
        let with_addresses =
            (0..identities.len() as u32).filter(|&i| !identities[i as usize].ip_classes.is_empty()).collect();
        PeerRows {
            identities,
            layout,
            pod_selectors,
            ns_selectors,
            ns_match,
            ip_classes,
            options,
            columns,
            by_namespace,
            by_selector,
            by_ip_class,
            with_addresses,
        }
    }

    /// The columns a peer of a policy in namespace `policy_ns` matches (S6, S9).
    fn row(&self, peer: &Peer, policy_ns: u32) -> Vec<u64> {
        let mut row = vec![0u64; bits::words_for(self.columns)];
        match peer {
            Peer::Selector { pod_selector, namespace_selector } => {
                let pod_sel = pod_selector.as_ref().map(|s| self.pod_selectors[s] as usize);
                let ns_sel = namespace_selector.as_ref().map(|s| self.ns_selectors[s] as usize);
                let ns_ok = |ns: u32| match ns_sel {
                    None => ns == policy_ns,
                    Some(s) => bits::test(&self.ns_match[s], ns as usize),
                };
                // The namespaces the peer admits: the policy's own, or the selector's.
                let namespaces: Vec<usize> = match ns_sel {
                    None => self.by_namespace.get(policy_ns as usize).map(|_| policy_ns as usize).into_iter().collect(),
                    Some(s) => bits::ones(&self.ns_match[s]).collect(),
                };
                let in_namespaces: usize = namespaces.iter().map(|&n| self.by_namespace[n].len()).sum();
                match pod_sel {
                    // The shorter list of candidates, checked against the other condition.
                    Some(p) if self.by_selector[p].len() < in_namespaces => {
                        for &i in &self.by_selector[p] {
                            if ns_ok(self.identities[i as usize].namespace) {
                                self.layout.set_identity(&mut row, i as usize);
                            }
                        }
                    }
                    _ => {
                        let selected = |i: u32| pod_sel.is_none_or(|p| self.by_selector[p].binary_search(&i).is_ok());
                        for &n in &namespaces {
                            for &i in self.by_namespace[n].iter().filter(|&&i| selected(i)) {
                                self.layout.set_identity(&mut row, i as usize);
                            }
                        }
                    }
                }
            }
            Peer::IpBlock(block) => {
                self.ip_block_into(&mut row, block.cidr(), block.except(), self.options.ip_block_matches_pods)
            }
        }
        row
    }

    /// Sets the columns of `cidr` minus `except` (S9): its IP classes and, when `match_pods`,
    /// the identities with an address in it, each family's address in that family's column.
    fn ip_block_into(&self, row: &mut [u64], cidr: ipnet::IpNet, except: &[ipnet::IpNet], match_pods: bool) {
        // Classes are cut at every cidr and except boundary: the cidr is a run of whole
        // classes, and so is each except.
        let base = self.layout.ip_base;
        let run = |net: &ipnet::IpNet| {
            base + self.ip_classes.class_of(net.network())..base + self.ip_classes.class_of(net.broadcast()) + 1
        };
        let mut own = vec![0u64; row.len()];
        bits::set_range(&mut own, run(&cidr));
        for except in except {
            bits::clear_range(&mut own, run(except));
        }
        if match_pods {
            // S9a: each family's address is matched in that family's column only. The
            // identities with addresses are walked, or the matched classes, whichever are
            // fewer (one pod under 60,000 ipBlocks of 120,000 classes each, or 20,000
            // identities under a /8).
            let matched_classes: usize = own.iter().map(|w| w.count_ones() as usize).sum();
            let mut columns = Vec::new();
            if self.with_addresses.len() <= matched_classes {
                for &i in &self.with_addresses {
                    for &c in &self.identities[i as usize].ip_classes {
                        if bits::test(&own, base + c as usize) {
                            columns.push(self.layout.column(i as usize, self.ip_classes.family(c as usize)));
                        }
                    }
                }
            } else {
                for class in bits::ones(&own).filter(|&c| c >= base).map(|c| c - base) {
                    let family = self.ip_classes.family(class);
                    columns.extend(self.by_ip_class[class].iter().map(|&i| self.layout.column(i as usize, family)));
                }
            }
            columns.into_iter().for_each(|c| bits::set(&mut own, c));
        }
        bits::or_into(row, &own);
    }

    /// The columns a cluster policy peer matches (S15.6): selector peers as v1 ones with both
    /// selectors, `networks` as ipBlocks that always match pod IPs, `nodes` and `domainNames`
    /// as the addresses of their nodes and resolved names (never pods); entries that could not
    /// be read match nothing here (their rule fails closed as a whole).
    fn admin_row(&self, peer: &AdminPeer, nodes: &[crate::spec::Node], dns: &crate::spec::DnsMap) -> Vec<u64> {
        match peer {
            AdminPeer::Namespaces(s) => {
                self.row(&Peer::Selector { pod_selector: None, namespace_selector: Some(s.clone()) }, u32::MAX)
            }
            AdminPeer::Pods(p) => self.row(
                &Peer::Selector {
                    pod_selector: Some(p.pod_selector.clone()),
                    namespace_selector: Some(p.namespace_selector.clone()),
                },
                u32::MAX,
            ),
            AdminPeer::Networks(nets) => {
                let mut row = vec![0u64; bits::words_for(self.columns)];
                for net in nets {
                    self.ip_block_into(&mut row, *net, &[], true);
                }
                row
            }
            AdminPeer::Nodes(selector) => {
                let mut row = vec![0u64; bits::words_for(self.columns)];
                for node in nodes.iter().filter(|n| selector.matches(&n.labels)) {
                    for &ip in &node.addresses {
                        bits::set(&mut row, self.layout.ip_base + self.ip_classes.class_of(ip));
                    }
                }
                row
            }
            AdminPeer::DomainNames(names) => {
                let mut row = vec![0u64; bits::words_for(self.columns)];
                for ip in names.iter().flat_map(|name| dns.resolve(name)) {
                    bits::set(&mut row, self.layout.ip_base + self.ip_classes.class_of(ip));
                }
                row
            }
            _ => vec![0u64; bits::words_for(self.columns)],
        }
    }
}
