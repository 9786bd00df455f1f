//! What a change to the inputs does to traffic: every pod pair and port whose verdict changes
//! between two clusters (two commits, or a live dump and the manifests), grouped by workload and
//! namespace, with the policies that caused it.
//!
//! Pods are matched by `namespace/name`; the pods left over are matched by workload (a
//! Deployment's representative on one side stands for its real pods on the other, whose first
//! pod stands for them). Pods and workloads on one side only are listed as added or removed,
//! not compared. The comparison runs on pairs of identities (one per pod on each side) and the
//! two connectivity maps, so its cost follows the identities, not the pods squared. Self
//! traffic is not compared.
//!
//! Changes with the same ports, direction of change and causes are folded: sources with the
//! same destinations share a line, and a whole namespace (or every workload) is written `ns/*`
//! (or `*`).

pub mod delta;
pub mod drift;
mod render;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use hashbrown::HashMap;

use crate::engine::connectivity::{IpRange, PortSet};
use crate::spec::query::{ips_family_mask, Family};
use crate::spec::{Cluster, ClusterPolicy, Direction, NetworkPolicy, PodId, Protocol};
use crate::Connectivity;
use crate::Engine;

/// The group a pod is shown in (kept here for callers of `netpol::diff::group_name`).
pub use crate::spec::group_name;

/// A folded set of changed pairs: every source in `from` to every destination in `to` on
/// `ports` (for the pairs this line stands for).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Newly allowed (`true`) or newly denied (`false`).
    pub allowed: bool,
    /// Sources: groups (`ns/deployment/api`), whole namespaces (`ns/*`) or `*`.
    pub from: Vec<String>,
    /// Destinations, alike.
    pub to: Vec<String>,
    /// The ports whose verdict changed.
    pub ports: PortSet,
    /// Group (workload) pairs this line stands for.
    pub group_pairs: usize,
    /// Pod pairs (matched pods or workloads on both sides) it stands for.
    pub pod_pairs: usize,
    /// The added, removed or changed policies that select a source (egress) or a destination
    /// (ingress), as `ns/name (added)`; empty when only labels changed.
    pub causes: Vec<String>,
}

/// One changed workload pair, exactly (what [`Change`] lines fold): every pod pair of `from` →
/// `to` it counts had `ports` newly allowed (or newly denied). A pair whose pods changed on
/// different ports is listed once per port set. Never a workload paired with itself unless
/// pods of it changed towards each other.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PairChange {
    /// Newly allowed (`true`) or newly denied (`false`).
    pub allowed: bool,
    /// The source workload (`ns/deployment/api`, or a pod's `ns/name` when it has none).
    pub from: String,
    /// The destination workload.
    pub to: String,
    /// The ports whose verdict changed.
    pub ports: PortSet,
    /// Pod pairs of these workloads with exactly this change.
    pub pod_pairs: usize,
    /// As [`Change::causes`].
    pub causes: Vec<String>,
}

/// A change in the external addresses some groups may reach (egress) or be reached from
/// (ingress).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExternalChange {
    /// Newly allowed or newly denied.
    pub allowed: bool,
    /// Egress: the groups open connections to the addresses; ingress: the addresses to them.
    pub direction: Direction,
    /// The groups (folded like [`Change::from`]).
    pub groups: Vec<String>,
    /// The addresses, as CIDRs.
    pub cidrs: Vec<String>,
    /// The addresses in short: `any address`, `0.0.0.0/0 except 10.0.0.0/8`, or the CIDRs.
    pub addresses: String,
    /// The ports.
    pub ports: PortSet,
    /// As [`Change::causes`].
    pub causes: Vec<String>,
}

/// Totals of a diff.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Pod pairs with some port newly allowed.
    pub allowed_pod_pairs: usize,
    /// Pod pairs with some port newly denied.
    pub denied_pod_pairs: usize,
    /// Group (workload) pairs with some port newly allowed.
    pub allowed_group_pairs: usize,
    /// Group pairs with some port newly denied.
    pub denied_group_pairs: usize,
    /// External changes newly allowing.
    pub allowed_external: usize,
    /// External changes newly denying.
    pub denied_external: usize,
}

/// The difference between two clusters' connectivity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diff {
    /// Changed pod pairs, folded.
    pub changes: Vec<Change>,
    /// Changed workload pairs, not folded: for machines (a CI job that must know which
    /// workloads a change hits); sorted by change, source, destination.
    pub pairs: Vec<PairChange>,
    /// Changed external addresses, folded.
    pub external: Vec<ExternalChange>,
    /// Groups only in the second cluster.
    pub added: Vec<String>,
    /// Groups only in the first cluster.
    pub removed: Vec<String>,
    /// Policies only in the second cluster (`ns/name`).
    pub policies_added: Vec<String>,
    /// Policies only in the first cluster.
    pub policies_removed: Vec<String>,
    /// Policies in both with different content.
    pub policies_changed: Vec<String>,
    /// Totals.
    pub summary: Summary,
}

impl Diff {
    /// Whether anything is newly allowed (what `--fail-on-change` fails on).
    pub fn newly_allows(&self) -> bool {
        self.summary.allowed_pod_pairs > 0 || self.summary.allowed_external > 0
    }

    /// Whether anything is newly denied (pod pairs or external addresses).
    pub fn newly_denies(&self) -> bool {
        self.summary.denied_pod_pairs > 0 || self.summary.denied_external > 0
    }

    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.external.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// A port set as a sortable key: (first, last, protocol index) per range.
type PortKey = Vec<(u16, u16, u8)>;

/// A pod (or workload) present on both sides.
struct Unit {
    group: usize,
    a: PodId,
    b: PodId,
}

/// Port-set difference `a \ b`.
fn minus(a: &PortSet, b: &PortSet) -> PortSet {
    let mut out = PortSet::default();
    for p in Protocol::ALL {
        let cut = b.ranges(p);
        for &(first, last) in a.ranges(p) {
            let mut start = u32::from(first);
            for &(cf, cl) in cut {
                let (cf, cl) = (u32::from(cf), u32::from(cl));
                if cl < start || cf > u32::from(last) {
                    continue;
                }
                if cf > start {
                    out.push(p, start as u16, (cf - 1) as u16);
                }
                start = cl + 1;
            }
            if start <= u32::from(last) {
                out.push(p, start as u16, last);
            }
        }
    }
    out
}

/// Which policies changed between the clusters, by qualified name (cluster policies by kind and
/// name, `ClusterNetworkPolicy block-db`), with their label.
fn changed_policies<'a>(a: &'a Cluster, b: &'a Cluster, diff: &mut Diff) -> Changed<'a> {
    let all = |c: &'a Cluster| -> BTreeMap<String, PolicyRef<'a>> {
        c.policies()
            .iter()
            .map(|p| (p.qualified_name(), PolicyRef::Namespaced(p)))
            .chain(c.cluster_policies().iter().map(|p| (p.display_name(), PolicyRef::Cluster(p))))
            .collect()
    };
    let (before, after) = (all(a), all(b));
    let mut out = Vec::new();
    for (name, p) in &before {
        match after.get(name) {
            None => {
                diff.policies_removed.push(name.clone());
                out.push((format!("{name} (removed)"), Some(*p), None));
            }
            Some(q) if q != p => {
                diff.policies_changed.push(name.clone());
                out.push((format!("{name} (changed)"), Some(*p), Some(*q)));
            }
            Some(_) => {}
        }
    }
    for (name, q) in &after {
        if !before.contains_key(name) {
            diff.policies_added.push(name.clone());
            out.push((format!("{name} (added)"), None, Some(*q)));
        }
    }
    out.sort_by(|x, y| x.0.cmp(&y.0));
    out
}

/// Whether the change of a policy (`a` before, `b` after) touches `direction` at all.
fn changed_in(a: Option<PolicyRef<'_>>, b: Option<PolicyRef<'_>>, direction: Direction) -> bool {
    use PolicyRef::{Cluster as C, Namespaced as N};
    match (a, b) {
        (Some(N(a)), Some(N(b))) => {
            a.affects(direction) != b.affects(direction)
                || a.rules(direction) != b.rules(direction)
                || (a.pod_selector != b.pod_selector && (a.affects(direction) || b.affects(direction)))
        }
        (Some(C(a)), Some(C(b))) => {
            a.rules(direction) != b.rules(direction)
                || ((a.subject != b.subject || a.priority != b.priority || a.tier != b.tier)
                    && !(a.rules(direction).is_empty() && b.rules(direction).is_empty()))
        }
        (Some(N(p)), None) | (None, Some(N(p))) => p.affects(direction),
        (Some(C(p)), None) | (None, Some(C(p))) => !p.rules(direction).is_empty(),
        _ => false,
    }
}

/// Whether `policy` applies to `pod` of `cluster` in `direction`.
fn selects(cluster: &Cluster, policy: Option<PolicyRef<'_>>, pod: PodId, direction: Direction) -> bool {
    match policy {
        Some(PolicyRef::Namespaced(p)) => p.selects(cluster.pod(pod), direction),
        Some(PolicyRef::Cluster(p)) => !p.rules(direction).is_empty() && cluster.subject_of(p, pod),
        None => false,
    }
}

/// Addresses as numbers, for cutting ranges: (family, value).
fn key(ip: IpAddr) -> (u8, u128) {
    match ip {
        IpAddr::V4(a) => (4, u128::from(u32::from(a))),
        IpAddr::V6(a) => (6, u128::from(a)),
    }
}

fn addr(family: u8, value: u128) -> IpAddr {
    if family == 4 {
        IpAddr::V4((value as u32).into())
    } else {
        IpAddr::V6(value.into())
    }
}

/// The external ranges whose port sets differ: (range, newly allowed, newly denied).
fn external_delta(a: &[(IpRange, &PortSet)], b: &[(IpRange, &PortSet)]) -> Vec<(IpRange, PortSet, PortSet)> {
    let mut cuts: BTreeSet<(u8, u128)> = BTreeSet::new();
    for (r, _) in a.iter().chain(b) {
        let (f, first) = key(r.first);
        let (_, last) = key(r.last);
        cuts.insert((f, first));
        if let Some(next) = last.checked_add(1) {
            cuts.insert((f, next));
        }
    }
    let lookup = |list: &[(IpRange, &PortSet)], at: (u8, u128)| -> PortSet {
        list.iter()
            .find(|(r, _)| key(r.first).0 == at.0 && key(r.first).1 <= at.1 && at.1 <= key(r.last).1)
            .map_or_else(PortSet::default, |(_, s)| (*s).clone())
    };
    let cuts: Vec<(u8, u128)> = cuts.into_iter().collect();
    let mut out: Vec<(IpRange, PortSet, PortSet)> = Vec::new();
    for (i, &(f, start)) in cuts.iter().enumerate() {
        let end = match cuts.get(i + 1) {
            Some(&(g, next)) if g == f => next - 1,
            _ => {
                if f == 4 {
                    u128::from(u32::MAX)
                } else {
                    u128::MAX
                }
            }
        };
        let (sa, sb) = (lookup(a, (f, start)), lookup(b, (f, start)));
        if sa == sb {
            continue;
        }
        let (allowed, denied) = (minus(&sb, &sa), minus(&sa, &sb));
        match out.last_mut() {
            Some((r, al, de))
                if *al == allowed
                    && *de == denied
                    && key(r.last).0 == f
                    && key(r.last).1.checked_add(1) == Some(start) =>
            {
                r.last = addr(f, end)
            }
            _ => out.push((IpRange { first: addr(f, start), last: addr(f, end) }, allowed, denied)),
        }
    }
    out
}

/// Folds `(source, destination)` group pairs into lines: sources with the same destinations
/// share one, and whole namespaces collapse.
fn fold(pairs: &BTreeMap<usize, BTreeSet<usize>>, groups: &Groups) -> Vec<(Vec<String>, Vec<String>)> {
    let mut by_targets: BTreeMap<&BTreeSet<usize>, Vec<usize>> = BTreeMap::new();
    for (s, ds) in pairs {
        by_targets.entry(ds).or_default().push(*s);
    }
    let mut out: Vec<(Vec<String>, Vec<String>)> = by_targets
        .into_iter()
        .map(|(ds, ss)| (groups.compress(&ss), groups.compress(&ds.iter().copied().collect::<Vec<_>>())))
        .collect();
    out.sort();
    out
}

/// The groups compared (present on both sides), and how to write sets of them.
struct Groups {
    names: Vec<String>,
    namespace: Vec<String>,
    /// Per namespace, how many compared groups it has.
    per_namespace: BTreeMap<String, usize>,
    /// Per group, how many units (pods present on both sides) it has.
    units: Vec<usize>,
}

impl Groups {
    fn compress(&self, list: &[usize]) -> Vec<String> {
        let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &g in list {
            by_ns.entry(&self.namespace[g]).or_default().push(g);
        }
        if list.len() > 1
            && by_ns.len() == self.per_namespace.len()
            && by_ns.iter().all(|(ns, gs)| self.per_namespace.get(*ns) == Some(&gs.len()))
        {
            return alloc::vec!["*".into()];
        }
        let mut out = Vec::new();
        for (ns, gs) in by_ns {
            let total = self.per_namespace.get(ns).copied().unwrap_or(0);
            if gs.len() > 1 && total == gs.len() {
                out.push(format!("{ns}/*"));
            } else if gs.len() >= 4 && (total - gs.len()) * 3 <= total {
                // Most of the namespace: name the few left out.
                let missing: Vec<&str> = (0..self.names.len())
                    .filter(|g| self.namespace[*g] == ns && !gs.contains(g))
                    .map(|g| &self.names[g][ns.len() + 1..])
                    .collect();
                out.push(format!("{ns}/* except {}", missing.join(", ")));
            } else {
                out.extend(gs.iter().map(|&g| self.names[g].clone()));
            }
        }
        out
    }
}

/// Compares the connectivity of `before` and `after` (compiled with the same options).
pub fn diff(before: &Engine, after: &Engine) -> Diff {
    diff_with(before, after, &before.connectivity(), &after.connectivity())
}

/// [`diff`] with each engine's connectivity map already made (`Engine::connectivity` of that
/// engine), for a caller that keeps them (a watch compares each state with the next).
pub fn diff_with(before: &Engine, after: &Engine, conn_before: &Connectivity, conn_after: &Connectivity) -> Diff {
    let mut result = Diff::default();
    let policies = changed_policies(before.cluster(), after.cluster(), &mut result);
    let (units, groups) = pair_units(before.cluster(), after.cluster(), &mut result);
    let classes = Classes::of(before, after, &units, &policies);
    let steps = Steps {
        before,
        after,
        conn_a: conn_before,
        conn_b: conn_after,
        policies: &policies,
        groups: &groups,
        classes: &classes,
    };
    steps.pod_changes(&mut result);
    steps.external_changes(&mut result);
    result
}

/// The policies changed between the two sides: (name, before, after).
type Changed<'a> = Vec<(String, Option<PolicyRef<'a>>, Option<PolicyRef<'a>>)>;

/// A NetworkPolicy or a cluster policy of the admin tiers (S15), as a cause of a change.
#[derive(Clone, Copy, PartialEq)]
enum PolicyRef<'a> {
    Namespaced(&'a NetworkPolicy),
    Cluster(&'a ClusterPolicy),
}

/// Step 1: pair the two sides' pods into units (by name, then what is left by group) and name
/// the groups; groups only on one side are recorded as added or removed.
fn pair_units(ca: &Cluster, cb: &Cluster, result: &mut Diff) -> (Vec<Unit>, Groups) {
    let mut group_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut units: Vec<Unit> = Vec::new();
    let mut left_a: BTreeMap<String, Vec<PodId>> = BTreeMap::new();
    let mut matched_b = alloc::vec![false; cb.pods().len()];
    let group_of = |name: String, index: &mut BTreeMap<String, usize>| -> usize {
        let next = index.len();
        *index.entry(name).or_insert(next)
    };
    for (i, pod) in ca.pods().iter().enumerate() {
        match cb.pod_id(&pod.namespace, &pod.name) {
            Some(b) => {
                matched_b[b.index()] = true;
                let group = group_of(group_name(pod), &mut group_index);
                units.push(Unit { group, a: PodId(i as u32), b });
            }
            None => left_a.entry(group_name(pod)).or_default().push(PodId(i as u32)),
        }
    }
    let mut left_b: BTreeMap<String, Vec<PodId>> = BTreeMap::new();
    for (i, pod) in cb.pods().iter().enumerate().filter(|(i, _)| !matched_b[*i]) {
        left_b.entry(group_name(pod)).or_default().push(PodId(i as u32));
    }
    for (name, pods_a) in &left_a {
        match left_b.get(name) {
            Some(pods_b) => {
                let group = group_of(name.clone(), &mut group_index);
                units.push(Unit { group, a: pods_a[0], b: pods_b[0] });
            }
            None if !group_index.contains_key(name) => result.removed.push(name.clone()),
            None => {}
        }
    }
    for name in left_b.keys() {
        if !left_a.contains_key(name) && !group_index.contains_key(name) {
            result.added.push(name.clone());
        }
    }
    let mut names = alloc::vec![String::new(); group_index.len()];
    for (name, &i) in &group_index {
        names[i] = name.clone();
    }
    let namespace: Vec<String> = names.iter().map(|n| n.split('/').next().unwrap_or("").into()).collect();
    let mut per_namespace: BTreeMap<String, usize> = BTreeMap::new();
    for ns in &namespace {
        *per_namespace.entry(ns.clone()).or_default() += 1;
    }
    let mut units_per_group = alloc::vec![0usize; names.len()];
    for u in &units {
        units_per_group[u.group] += 1;
    }
    (units, Groups { names, namespace, per_namespace, units: units_per_group })
}

/// Step 2: units with the same identity on each side decide alike, so they are compared once
/// per class; each class keeps its unit count per group and the changed policies that select
/// it per direction (the causes).
struct Classes {
    /// (identity before, identity after, a pod before, the same unit's pod after).
    classes: Vec<(usize, usize, PodId, PodId)>,
    /// Per class: group → units.
    groups: Vec<BTreeMap<usize, usize>>,
    /// Per class: indices into the changed policies selecting it for egress.
    egress_causes: Vec<Vec<usize>>,
    /// Per class: the same for ingress.
    ingress_causes: Vec<Vec<usize>>,
}

impl Classes {
    fn of(before: &Engine, after: &Engine, units: &[Unit], policies: &Changed<'_>) -> Classes {
        let (ca, cb) = (before.cluster(), after.cluster());
        let mut class_of: HashMap<(usize, usize), usize> = HashMap::new();
        let mut classes: Vec<(usize, usize, PodId, PodId)> = Vec::new();
        let mut groups: Vec<BTreeMap<usize, usize>> = Vec::new();
        for u in units {
            let k = (before.identity_of(u.a), after.identity_of(u.b));
            let next = classes.len();
            let c = *class_of.entry(k).or_insert_with(|| {
                classes.push((k.0, k.1, u.a, u.b));
                groups.push(BTreeMap::new());
                next
            });
            *groups[c].entry(u.group).or_default() += 1;
        }
        let causes = |c: usize, direction: Direction| -> Vec<usize> {
            let (pa, pb) = (classes[c].2, classes[c].3);
            (0..policies.len())
                .filter(|&i| {
                    let (before, after) = (policies[i].1, policies[i].2);
                    changed_in(before, after, direction)
                        && (selects(ca, before, pa, direction) || selects(cb, after, pb, direction))
                })
                .collect()
        };
        let egress_causes = (0..classes.len()).map(|c| causes(c, Direction::Egress)).collect();
        let ingress_causes = (0..classes.len()).map(|c| causes(c, Direction::Ingress)).collect();
        Classes { classes, groups, egress_causes, ingress_causes }
    }
}

/// The port set as a sortable key.
fn port_key(s: &PortSet) -> PortKey {
    Protocol::ALL
        .iter()
        .enumerate()
        .flat_map(|(i, &p)| s.ranges(p).iter().map(move |&(a, b)| (a, b, i as u8)))
        .collect()
}

/// Steps 3 and 4 share the two engines, the changed policies, the groups and the classes.
struct Steps<'a> {
    before: &'a Engine,
    after: &'a Engine,
    conn_a: &'a Connectivity,
    conn_b: &'a Connectivity,
    policies: &'a Changed<'a>,
    groups: &'a Groups,
    classes: &'a Classes,
}

impl Steps<'_> {
    fn cause_names(&self, why: &[usize]) -> Vec<String> {
        why.iter().map(|&i| self.policies[i].0.clone()).collect()
    }

    /// Step 3: class by class, the ports newly allowed and newly denied between pods; lines of
    /// the same change and ports are folded by group into [`Diff::changes`].
    fn pod_changes(&self, result: &mut Diff) {
        let (classes, class_groups) = (&self.classes.classes, &self.classes.groups);
        let (conn_a, conn_b) = (self.conn_a, self.conn_b);
        let rows_a: Vec<Vec<(usize, &PortSet)>> =
            (0..self.before.identities()).map(|i| conn_a.identity_pairs(i).collect()).collect();
        let rows_b: Vec<Vec<(usize, &PortSet)>> =
            (0..self.after.identities()).map(|i| conn_b.identity_pairs(i).collect()).collect();
        let empty = PortSet::default();
        let find =
            |row: &[(usize, &'_ PortSet)], d: usize| -> Option<usize> { row.binary_search_by_key(&d, |e| e.0).ok() };

        // (allowed, ports) -> (ports, causes, source group -> destination group -> pod pairs).
        type Line = (PortSet, BTreeSet<usize>, BTreeMap<usize, BTreeMap<usize, usize>>);
        let mut lines: BTreeMap<(bool, PortKey), Line> = BTreeMap::new();
        let mut pair_allowed: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut pair_denied: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (cs, &(sa, sb, _, _)) in classes.iter().enumerate() {
            let (row_a, row_b) = (&rows_a[sa], &rows_b[sb]);
            for (cd, &(da, db, _, _)) in classes.iter().enumerate() {
                let pa = find(row_a, da).map_or(&empty, |i| row_a[i].1);
                let pb = find(row_b, db).map_or(&empty, |i| row_b[i].1);
                if pa == pb {
                    continue;
                }
                let mut why: Vec<usize> =
                    self.classes.egress_causes[cs].iter().chain(&self.classes.ingress_causes[cd]).copied().collect();
                why.sort_unstable();
                why.dedup();
                for (allowed, ports) in [(true, minus(pb, pa)), (false, minus(pa, pb))] {
                    if ports.is_empty() {
                        continue;
                    }
                    let entry = lines
                        .entry((allowed, port_key(&ports)))
                        .or_insert_with(|| (ports, BTreeSet::new(), BTreeMap::new()));
                    entry.1.extend(why.iter().copied());
                    for (&gs, &ns) in &class_groups[cs] {
                        for (&gd, &nd) in &class_groups[cd] {
                            // A unit paired with itself is self traffic, not compared.
                            let n = if cs == cd && gs == gd { ns * nd - ns } else { ns * nd };
                            if n == 0 {
                                continue;
                            }
                            *entry.2.entry(gs).or_default().entry(gd).or_default() += n;
                            if allowed {
                                result.summary.allowed_pod_pairs += n;
                                pair_allowed.insert((gs, gd));
                            } else {
                                result.summary.denied_pod_pairs += n;
                                pair_denied.insert((gs, gd));
                            }
                        }
                    }
                }
            }
        }
        result.summary.allowed_group_pairs = pair_allowed.len();
        result.summary.denied_group_pairs = pair_denied.len();
        for ((allowed, _), (ports, why, by_src)) in lines {
            let why: Vec<usize> = why.into_iter().collect();
            for (&s, ds) in &by_src {
                for (&d, &pod_pairs) in ds {
                    result.pairs.push(PairChange {
                        allowed,
                        from: self.groups.names[s].clone(),
                        to: self.groups.names[d].clone(),
                        ports: ports.clone(),
                        pod_pairs,
                        causes: self.cause_names(&why),
                    });
                }
            }
            for (from, to) in fold(&self.with_lone_pods_folded(&by_src), self.groups) {
                // Count what this line stands for.
                let (mut group_pairs, mut pod_pairs) = (0, 0);
                for (s, ds) in &by_src {
                    if !covers(&from, self.groups, *s) {
                        continue;
                    }
                    for (d, n) in ds {
                        if covers(&to, self.groups, *d) {
                            group_pairs += 1;
                            pod_pairs += n;
                        }
                    }
                }
                let causes = self.cause_names(&why);
                result.changes.push(Change { allowed, from, to, ports: ports.clone(), group_pairs, pod_pairs, causes });
            }
        }
        result.changes.sort_by(|x, y| (!x.allowed, &x.to, &x.from).cmp(&(!y.allowed, &y.to, &y.from)));
        result.pairs.sort_by(|x, y| {
            (!x.allowed, &x.from, &x.to, port_key(&x.ports)).cmp(&(!y.allowed, &y.from, &y.to, port_key(&y.ports)))
        });
    }

    /// The source group → destination groups of a line. A group of one pod paired with itself
    /// is self traffic, never compared: it is folded as either, so that `ns/* -> ns/*` is one
    /// line.
    fn with_lone_pods_folded(
        &self,
        by_src: &BTreeMap<usize, BTreeMap<usize, usize>>,
    ) -> BTreeMap<usize, BTreeSet<usize>> {
        let touched: BTreeSet<usize> =
            by_src.iter().flat_map(|(s, ds)| core::iter::once(*s).chain(ds.keys().copied())).collect();
        let mut pairs: BTreeMap<usize, BTreeSet<usize>> =
            by_src.iter().map(|(s, ds)| (*s, ds.keys().copied().collect())).collect();
        let candidates: BTreeMap<usize, BTreeSet<usize>> = touched
            .iter()
            .filter(|&&g| self.groups.units[g] == 1)
            .filter_map(|&g| {
                let mut with_self = pairs.get(&g)?.clone();
                with_self.insert(g).then_some((g, with_self))
            })
            .collect();
        for (g, with_self) in &candidates {
            let shared = pairs.iter().any(|(s, ds)| s != g && ds == with_self)
                || candidates.iter().any(|(s, ds)| s != g && ds == with_self);
            if shared {
                pairs.insert(*g, with_self.clone());
            }
        }
        pairs
    }

    /// Step 4: per class and direction, the external address ranges whose ports changed,
    /// compared in the families the pod has on both sides (S9a), merged by change into
    /// [`Diff::external`].
    fn external_changes(&self, result: &mut Diff) {
        let (conn_a, conn_b) = (self.conn_a, self.conn_b);
        type ExtLines = BTreeMap<
            (bool, Direction, Vec<String>, PortKey),
            (PortSet, Vec<IpRange>, BTreeSet<usize>, BTreeSet<usize>),
        >;
        let mut ext: ExtLines = BTreeMap::new();
        for (c, &(_, _, pa, pb)) in self.classes.classes.iter().enumerate() {
            for direction in [Direction::Egress, Direction::Ingress] {
                let (mut la, mut lb) = match direction {
                    Direction::Egress => (conn_a.egress_external(pa), conn_b.egress_external(pb)),
                    Direction::Ingress => (conn_a.ingress_external(pa), conn_b.ingress_external(pb)),
                };
                // S9a: compared in the families the pod has on both sides, so that a live dump
                // (IPv4 pods) against manifests (pods without IPs, so of every family) does not
                // report the IPv6 internet as a change.
                let families = ips_family_mask(&self.before.cluster().pod(pa).ips)
                    & ips_family_mask(&self.after.cluster().pod(pb).ips);
                let compared = |(r, _): &(IpRange, &PortSet)| families & Family::of(r.first).bit() != 0;
                la.retain(compared);
                lb.retain(compared);
                let why = match direction {
                    Direction::Egress => &self.classes.egress_causes[c],
                    Direction::Ingress => &self.classes.ingress_causes[c],
                };
                // Merge ranges with the same change.
                let mut merged: BTreeMap<(bool, PortKey), (PortSet, Vec<IpRange>)> = BTreeMap::new();
                for (range, allowed, denied) in external_delta(&la, &lb) {
                    for (is_allowed, ports) in [(true, allowed), (false, denied)] {
                        if ports.is_empty() {
                            continue;
                        }
                        let e = merged.entry((is_allowed, port_key(&ports))).or_insert_with(|| (ports, Vec::new()));
                        e.1.push(range);
                    }
                }
                for ((is_allowed, pk), (ports, ranges)) in merged {
                    let cidrs: Vec<String> = ranges.iter().flat_map(crate::report::cidr_strings).collect();
                    let e = ext
                        .entry((is_allowed, direction, cidrs, pk))
                        .or_insert_with(|| (ports, ranges, BTreeSet::new(), BTreeSet::new()));
                    e.2.extend(self.classes.groups[c].keys().copied());
                    e.3.extend(why.iter().copied());
                }
            }
        }
        for ((allowed, direction, cidrs, _), (ports, ranges, gs, why)) in ext {
            let why: Vec<usize> = why.into_iter().collect();
            if allowed {
                result.summary.allowed_external += 1;
            } else {
                result.summary.denied_external += 1;
            }
            result.external.push(ExternalChange {
                allowed,
                direction,
                groups: self.groups.compress(&gs.into_iter().collect::<Vec<_>>()),
                addresses: crate::report::address_label(&ranges).replace('\n', ", "),
                cidrs,
                ports,
                causes: self.cause_names(&why),
            });
        }
    }
}

/// Whether a folded list covers group `g`.
fn covers(list: &[String], groups: &Groups, g: usize) -> bool {
    let ns = &groups.namespace[g];
    list.iter().any(|item| {
        if item == "*" || *item == groups.names[g] || item.strip_suffix("/*").is_some_and(|n| n == ns) {
            return true;
        }
        match item.split_once("/* except ") {
            Some((n, missing)) => n == ns && !missing.split(", ").any(|m| groups.names[g][ns.len() + 1..] == *m),
            None => false,
        }
    })
}
