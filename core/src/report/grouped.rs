//! The connectivity map folded into groups of pods (`netpol connectivity --group-by
//! workload|namespace`), for clusters where a pod-by-pod answer is unreadable: for every ordered
//! pair of groups, how many of their pod pairs may connect (all or some), the ports some pair
//! may use and the ports every pair may use. Self traffic (a pod to itself) is left out.
//!
//! Computed on identities one source group at a time: memory for the groups and one row of
//! them, whatever the number of pod pairs.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::str::FromStr;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{csv_field, into_string, ports_json, range_strings};
use crate::engine::connectivity::PortSet;
use crate::spec::{group_name, Cluster, PodId, Protocol};
use crate::Connectivity;

/// What pods are folded into by [`GroupedConnectivity`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupBy {
    /// The workload (`namespace/kind/name`, as `graph` names its nodes; a pod without a known
    /// workload is its own group).
    Workload,
    /// The namespace.
    Namespace,
}

impl GroupBy {
    /// `workload` or `namespace`.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Workload => "workload",
            GroupBy::Namespace => "namespace",
        }
    }

    /// The group `pod` falls in.
    fn group_of(self, pod: &crate::spec::Pod) -> String {
        match self {
            GroupBy::Workload => group_name(pod),
            GroupBy::Namespace => pod.namespace.clone(),
        }
    }
}

/// A [`GroupBy`] value other than `workload` or `namespace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownGroupBy(pub String);

impl core::fmt::Display for UnknownGroupBy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "unknown grouping {:?}: use workload or namespace", self.0)
    }
}

impl FromStr for GroupBy {
    type Err = UnknownGroupBy;

    fn from_str(s: &str) -> Result<GroupBy, UnknownGroupBy> {
        match s {
            "workload" => Ok(GroupBy::Workload),
            "namespace" => Ok(GroupBy::Namespace),
            _ => Err(UnknownGroupBy(s.to_string())),
        }
    }
}

/// One ordered pair of groups with something allowed between some of their pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupPair {
    /// Source group name.
    pub from: String,
    /// Destination group name.
    pub to: String,
    /// Pod pairs (source pod ≠ destination pod) with at least one allowed port.
    pub allowed_pairs: u64,
    /// All pod pairs between the groups (source pod ≠ destination pod).
    pub pairs: u64,
    /// The ports allowed for at least one pod pair.
    pub ports: PortSet,
    /// The ports allowed for every pod pair (empty unless every pair has something allowed).
    pub ports_every_pair: PortSet,
}

impl GroupPair {
    /// `all` when every pod pair may connect, else `some`.
    pub fn reach(&self) -> &'static str {
        if self.allowed_pairs == self.pairs {
            "all"
        } else {
            "some"
        }
    }
}

/// The ports in both `a` and `b`.
fn intersection(a: &PortSet, b: &PortSet) -> PortSet {
    let mut out = PortSet::default();
    for p in Protocol::ALL {
        let (x, y) = (a.ranges(p), b.ranges(p));
        let (mut i, mut j) = (0, 0);
        while i < x.len() && j < y.len() {
            let (first, last) = (x[i].0.max(y[j].0), x[i].1.min(y[j].1));
            if first <= last {
                out.push(p, first, last);
            }
            if x[i].1 < y[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
    }
    out
}

/// The connectivity map by groups of pods; see the module documentation.
pub struct GroupedConnectivity<'a> {
    conn: &'a Connectivity,
    by: GroupBy,
    /// Group names, sorted, with their pod counts.
    groups: Vec<(String, u64)>,
    /// Per group: (identity, pods of it in the group).
    group_ids: Vec<Vec<(usize, u64)>>,
    /// Per identity: (group, pods of it in the group).
    id_groups: Vec<Vec<(usize, u64)>>,
}

/// The ports of a group pair: one port set of the map (by index) for every allowed pod pair,
/// or the union and the intersection of several.
enum Ports {
    Same(u32),
    Mixed { union: PortSet, every: PortSet },
}

/// What is allowed between a source group and one destination group, as it is summed up.
struct Cell {
    allowed: u64,
    ports: Ports,
}

/// One group pair as [`GroupedConnectivity::for_each_cell`] gives it: source and destination
/// group indexes, allowed pod pairs, pod pairs, and the ports.
struct CellView<'c> {
    from: usize,
    to: usize,
    allowed: u64,
    pairs: u64,
    ports: &'c Ports,
}

impl<'a> GroupedConnectivity<'a> {
    /// Folds the pods of `cluster` (the cluster `conn` was computed from) by `by`.
    pub fn new(cluster: &Cluster, conn: &'a Connectivity, by: GroupBy) -> GroupedConnectivity<'a> {
        let mut names: BTreeMap<String, Vec<PodId>> = BTreeMap::new();
        for (i, pod) in cluster.pods().iter().enumerate() {
            names.entry(by.group_of(pod)).or_default().push(PodId(i as u32));
        }
        let mut group_ids: Vec<Vec<(usize, u64)>> = Vec::with_capacity(names.len());
        let mut id_groups: Vec<Vec<(usize, u64)>> = alloc::vec![Vec::new(); conn.identity_count()];
        let mut groups = Vec::with_capacity(names.len());
        for (g, (name, pods)) in names.into_iter().enumerate() {
            let mut ids: BTreeMap<usize, u64> = BTreeMap::new();
            for &p in &pods {
                *ids.entry(conn.identity_of(p)).or_default() += 1;
            }
            for (&id, &n) in &ids {
                id_groups[id].push((g, n));
            }
            group_ids.push(ids.into_iter().collect());
            groups.push((name, pods.len() as u64));
        }
        GroupedConnectivity { conn, by, groups, group_ids, id_groups }
    }

    /// The groups, sorted by name, with their pod counts.
    pub fn groups(&self) -> &[(String, u64)] {
        &self.groups
    }

    /// Calls `each` with every pair of groups with something allowed, by source then
    /// destination name, computing one source group's row at a time; stops at its first error.
    pub fn for_each_pair<E>(&self, mut each: impl FnMut(&GroupPair) -> Result<(), E>) -> Result<(), E> {
        self.for_each_cell(|c| {
            let (union, every) = match c.ports {
                Ports::Same(set) => {
                    let set = self.conn.port_set(*set);
                    (set.clone(), if c.allowed == c.pairs { set.clone() } else { PortSet::default() })
                }
                Ports::Mixed { union, every } => {
                    (union.clone(), if c.allowed == c.pairs { every.clone() } else { PortSet::default() })
                }
            };
            each(&GroupPair {
                from: self.groups[c.from].0.clone(),
                to: self.groups[c.to].0.clone(),
                allowed_pairs: c.allowed,
                pairs: c.pairs,
                ports: union,
                ports_every_pair: every,
            })
        })
    }

    /// The work of [`GroupedConnectivity::for_each_pair`], with the ports by port set index
    /// while every allowed pod pair of a group pair has the same (so writers render each set
    /// once).
    fn for_each_cell<E>(&self, mut each: impl FnMut(&CellView<'_>) -> Result<(), E>) -> Result<(), E> {
        let mut cells: Vec<Option<Cell>> = (0..self.groups.len()).map(|_| None).collect();
        let mut touched: Vec<usize> = Vec::new();
        for (g, ids) in self.group_ids.iter().enumerate() {
            for &(sid, cs) in ids {
                for &(d, set) in self.conn.identity_pair_ids(sid) {
                    let d = d as usize;
                    for &(h, cd) in &self.id_groups[d] {
                        // Pairs of a pod with itself are left out.
                        let n = cs * cd - if sid == d && g == h { cs } else { 0 };
                        if n == 0 {
                            continue;
                        }
                        let Some(cell) = &mut cells[h] else {
                            touched.push(h);
                            cells[h] = Some(Cell { allowed: n, ports: Ports::Same(set) });
                            continue;
                        };
                        cell.allowed += n;
                        let new = self.conn.port_set(set);
                        match &mut cell.ports {
                            Ports::Same(s) if *s == set => {}
                            Ports::Same(s) => {
                                let old = self.conn.port_set(*s);
                                cell.ports = Ports::Mixed { union: old.union(new), every: intersection(old, new) };
                            }
                            Ports::Mixed { union, every } => {
                                *union = union.union(new);
                                *every = intersection(every, new);
                            }
                        }
                    }
                }
            }
            touched.sort_unstable();
            for &h in &touched {
                let Some(cell) = cells[h].take() else { continue };
                let (ng, nh) = (self.groups[g].1, self.groups[h].1);
                let pairs = ng * nh - if g == h { ng } else { 0 };
                each(&CellView { from: g, to: h, allowed: cell.allowed, pairs, ports: &cell.ports })?;
            }
            touched.clear();
        }
        Ok(())
    }

    /// `{"group_by", "groups": [{"name", "pods"}], "pairs": [{"from", "to", "reach",
    /// "allowed_pairs", "pairs", "ports", "ports_every_pair"}]}`. Built from
    /// [`GroupedConnectivity::write_json`].
    pub fn to_json(&self) -> Value {
        let text = into_string(|out| self.write_json(out));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Writes the JSON of [`GroupedConnectivity::to_json`] (no newline after it), one source
    /// group at a time.
    pub fn write_json<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        out.write_all(b"{\"group_by\":")?;
        serde_json::to_writer(&mut *out, self.by.as_str())?;
        out.write_all(b",\"groups\":[")?;
        for (i, (name, pods)) in self.groups.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &json!({"name": name, "pods": pods}))?;
        }
        out.write_all(b"],\"pairs\":[")?;
        let names: Vec<String> = self.groups.iter().map(|(n, _)| Value::String(n.clone()).to_string()).collect();
        let sets: Vec<String> =
            (0..self.conn.port_set_count()).map(|i| ports_json(self.conn.port_set(i as u32)).to_string()).collect();
        let mut line = String::new();
        let mut first = true;
        self.for_each_cell(|c| {
            line.clear();
            if !first {
                line.push(',');
            }
            first = false;
            let all = c.allowed == c.pairs;
            let (union, every) = match c.ports {
                Ports::Same(set) => {
                    let json = &sets[*set as usize];
                    (json.clone(), if all { json.clone() } else { "{}".to_string() })
                }
                Ports::Mixed { union, every } => (
                    ports_json(union).to_string(),
                    if all { ports_json(every).to_string() } else { "{}".to_string() },
                ),
            };
            // Keys sorted, as serde_json writes its maps.
            line.push_str(&format!(
                "{{\"allowed_pairs\":{},\"from\":{},\"pairs\":{},\"ports\":{union},\"ports_every_pair\":{every},\"reach\":\"{}\",\"to\":{}}}",
                c.allowed,
                names[c.from],
                c.pairs,
                if all { "all" } else { "some" },
                names[c.to],
            ));
            out.write_all(line.as_bytes())
        })?;
        out.write_all(b"]}")
    }

    /// `from,to,reach,allowed_pairs,pairs,protocol,ports,ports_every_pair` rows, one per
    /// protocol with ports; ports `all` or ranges joined by `;` (`ports_every_pair` empty when
    /// no port is allowed for every pair). Built from [`GroupedConnectivity::write_csv`].
    pub fn to_csv(&self) -> String {
        into_string(|out| self.write_csv(out))
    }

    /// Writes the CSV of [`GroupedConnectivity::to_csv`], one source group at a time.
    pub fn write_csv<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let ports = |set: &PortSet, p: Protocol| -> String {
            if set.is_all(p) {
                "all".to_string()
            } else {
                range_strings(set, p).join(";")
            }
        };
        out.write_all(b"from,to,reach,allowed_pairs,pairs,protocol,ports,ports_every_pair\n")?;
        self.for_each_pair(|g| {
            for p in Protocol::ALL.into_iter().filter(|&p| !g.ports.ranges(p).is_empty()) {
                writeln!(
                    out,
                    "{},{},{},{},{},{p},{},{}",
                    csv_field(&g.from),
                    csv_field(&g.to),
                    g.reach(),
                    g.allowed_pairs,
                    g.pairs,
                    ports(&g.ports, p),
                    ports(&g.ports_every_pair, p),
                )?;
            }
            Ok::<(), io::Error>(())
        })
    }

    /// One line per pair of groups with something allowed: `from -> to  all|some A of N pod
    /// pairs  ports`, and the ports every pair may use when they differ; then the counts.
    /// Built from [`GroupedConnectivity::write_text`].
    pub fn to_text(&self) -> String {
        into_string(|out| self.write_text(out))
    }

    /// Writes the lines of [`GroupedConnectivity::to_text`], one source group at a time.
    pub fn write_text<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let by = self.by.as_str();
        writeln!(
            out,
            "allowed pod pairs by {by} (a pod to itself left out): all or some of the pairs, \
             the ports some pair may use, and those every pair may use when fewer"
        )?;
        let width = self.groups.iter().map(|(n, _)| n.chars().count()).max().unwrap_or(0);
        let mut count = 0usize;
        let mut last: Option<String> = None;
        self.for_each_pair(|g| {
            count += 1;
            let from = if last.as_deref() == Some(g.from.as_str()) { "" } else { g.from.as_str() };
            write!(
                out,
                "{from:<width$} -> {:<width$}  {} {} of {} pod pairs  {}",
                g.to,
                g.reach(),
                g.allowed_pairs,
                g.pairs,
                g.ports
            )?;
            // With `some`, no port is on every pair; with `all`, say when the ports differ.
            if g.allowed_pairs == g.pairs && g.ports_every_pair != g.ports {
                if g.ports_every_pair.is_empty() {
                    write!(out, " (no port on every pair)")?;
                } else {
                    write!(out, " (on every pair: {})", g.ports_every_pair)?;
                }
            }
            out.write_all(b"\n")?;
            if !from.is_empty() {
                last = Some(g.from.clone());
            }
            Ok::<(), io::Error>(())
        })?;
        writeln!(out, "\n{count} {by} pairs with something allowed, among {} {by}s", self.groups.len())
    }
}
