//! The allowed connections as a graph: namespaces as clusters, workloads (or lone pods) as
//! nodes, external address sets as nodes, and one edge per ordered pair of nodes labelled with
//! the union of the ports allowed between their pods. Rendered as Graphviz `dot`, Mermaid or
//! JSON.
//!
//! Built from the connectivity map on identities, so its cost follows what is allowed. A
//! workload's edge to itself means that two of its pods may talk (self traffic is not drawn).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use crate::engine::connectivity::{IpRange, PortSet};
use crate::report::{address_label, cidr_strings, ports_json};
use crate::spec::group_name;
use crate::spec::{PodId, Protocol};
use crate::Engine;

/// A node: a workload, a pod without a known workload, or a set of external addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// `ns/deployment/api`, `ns/pod`, or the address set's label.
    pub name: String,
    /// The namespace, for workloads and pods.
    pub namespace: Option<String>,
    /// Pods it stands for (0 for addresses).
    pub pods: usize,
    /// For addresses: the CIDRs.
    pub cidrs: Vec<String>,
}

/// An edge: `from` may open connections to `to` on `ports`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Index into [`Graph::nodes`].
    pub from: usize,
    /// Index into [`Graph::nodes`].
    pub to: usize,
    /// The ports allowed from some pod of `from` to some pod of `to`.
    pub ports: PortSet,
}

/// The graph of allowed connections.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Graph {
    /// Workload and pod nodes (sorted by name), then address nodes.
    pub nodes: Vec<Node>,
    /// Edges, sorted by source then destination.
    pub edges: Vec<Edge>,
}

/// `set` restricted to `port` of `protocol` (of any protocol when `None`).
fn only(set: &PortSet, port: u16, protocol: Option<Protocol>) -> PortSet {
    match protocol {
        Some(protocol) => set.only(port, protocol),
        None => Protocol::ALL.into_iter().fold(PortSet::default(), |out, p| out.union(&set.only(port, p))),
    }
}

/// What part of the graph to build, and how large it may be.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GraphOptions {
    /// Only connections allowed on this port (of [`GraphOptions::protocol`]); the labels show
    /// just it.
    pub port: Option<u16>,
    /// The protocol of [`GraphOptions::port`]; any protocol when `None`.
    pub protocol: Option<Protocol>,
    /// Only the workloads of these namespaces (and the connections among them and with outside
    /// addresses); all namespaces when empty.
    pub namespaces: Vec<String>,
    /// Refuse a graph of more nodes than this (workloads and address sets), before its edges
    /// are computed; no limit when `None`.
    pub max_nodes: Option<usize>,
}

impl GraphOptions {
    /// Every namespace, every port, no node limit.
    pub fn new() -> GraphOptions {
        GraphOptions::default()
    }

    /// With [`GraphOptions::port`] set.
    pub fn port(mut self, port: Option<u16>) -> GraphOptions {
        self.port = port;
        self
    }

    /// With [`GraphOptions::protocol`] set.
    pub fn protocol(mut self, protocol: Option<Protocol>) -> GraphOptions {
        self.protocol = protocol;
        self
    }

    /// With [`GraphOptions::namespaces`] set.
    pub fn namespaces(mut self, namespaces: Vec<String>) -> GraphOptions {
        self.namespaces = namespaces;
        self
    }

    /// With [`GraphOptions::max_nodes`] set.
    pub fn max_nodes(mut self, max: Option<usize>) -> GraphOptions {
        self.max_nodes = max;
        self
    }
}

/// A graph refused by [`GraphOptions::max_nodes`]: how many nodes it would have had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyNodes {
    /// Nodes the graph would have (workloads and address sets).
    pub nodes: usize,
    /// The limit.
    pub max: usize,
}

impl core::fmt::Display for TooManyNodes {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "the graph would have {} nodes, more than the limit of {}", self.nodes, self.max)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for TooManyNodes {}

/// Builds the graph; with `port`, only connections allowed on that port (any protocol), and
/// the labels show just it. No node limit: see [`try_graph`].
pub fn graph(engine: &Engine, port: Option<u16>) -> Graph {
    // Without a limit there is no refusal.
    try_graph(engine, &GraphOptions::new().port(port)).unwrap_or_default()
}

/// Builds the graph `options` asks for, or refuses it when it has more nodes than
/// [`GraphOptions::max_nodes`]; the nodes are counted before any edge is computed, so a refusal
/// costs little whatever the size of the cluster.
pub fn try_graph(engine: &Engine, options: &GraphOptions) -> Result<Graph, TooManyNodes> {
    let port = options.port;
    let cluster = engine.cluster();
    let shown = |ns: &str| options.namespaces.is_empty() || options.namespaces.iter().any(|n| n == ns);
    let conn = engine.connectivity();
    let mut group_index: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for pod in cluster.pods().iter().filter(|p| shown(&p.namespace)) {
        let entry = group_index.entry(group_name(pod)).or_insert((0, pod.namespace.clone()));
        entry.0 += 1;
    }
    let mut nodes: Vec<Node> = group_index
        .iter()
        .map(|(name, (pods, ns))| Node {
            name: name.clone(),
            namespace: Some(ns.clone()),
            pods: *pods,
            cidrs: Vec::new(),
        })
        .collect();
    let index_of: BTreeMap<&str, usize> = group_index.keys().enumerate().map(|(i, k)| (k.as_str(), i)).collect();

    // Identity -> (group -> pods of that identity in it), and one pod per identity.
    let n_ids = engine.identities();
    let mut id_groups: Vec<BTreeMap<usize, usize>> = alloc::vec![BTreeMap::new(); n_ids];
    let mut id_pod: Vec<Option<PodId>> = alloc::vec![None; n_ids];
    for (i, pod) in cluster.pods().iter().enumerate() {
        let Some(&g) = index_of.get(group_name(pod).as_str()) else { continue };
        let id = engine.identity_of(PodId(i as u32));
        *id_groups[id].entry(g).or_default() += 1;
        id_pod[id].get_or_insert(PodId(i as u32));
    }
    let restrict = |set: &PortSet| match port {
        Some(p) => only(set, p, options.protocol),
        None => set.clone(),
    };
    // External address sets: per identity and direction, the ranges with the same ports.
    let mut address_nodes: BTreeMap<Vec<String>, usize> = BTreeMap::new();
    let mut address_edges: Vec<(usize, bool, PortSet, usize)> = Vec::new();
    // Identities in the order of their first pods, so that address nodes are numbered the
    // same however the identities happen to be numbered (a live engine numbers them otherwise).
    let mut firsts: Vec<(PodId, usize)> = id_pod.iter().enumerate().filter_map(|(id, p)| Some(((*p)?, id))).collect();
    firsts.sort_unstable();
    for (pod, id) in firsts {
        for egress in [true, false] {
            let list = if egress { conn.egress_external(pod) } else { conn.ingress_external(pod) };
            let mut by_ports: Vec<(PortSet, Vec<IpRange>)> = Vec::new();
            for (r, set) in list {
                let set = restrict(set);
                if set.is_empty() {
                    continue;
                }
                match by_ports.iter_mut().find(|(s, _)| *s == set) {
                    Some((_, rs)) => rs.push(r),
                    None => by_ports.push((set, alloc::vec![r])),
                }
            }
            for (set, ranges) in by_ports {
                let cidrs: Vec<String> = ranges.iter().flat_map(cidr_strings).collect();
                let next = nodes.len();
                let x = *address_nodes.entry(cidrs.clone()).or_insert_with(|| {
                    nodes.push(Node { name: address_label(&ranges), namespace: None, pods: 0, cidrs });
                    next
                });
                address_edges.push((id, egress, set, x));
            }
        }
    }
    if let Some(max) = options.max_nodes.filter(|&max| nodes.len() > max) {
        return Err(TooManyNodes { nodes: nodes.len(), max });
    }
    let mut edges: BTreeMap<(usize, usize), PortSet> = BTreeMap::new();
    let add = |edges: &mut BTreeMap<(usize, usize), PortSet>, from: usize, to: usize, set: &PortSet| {
        let set = restrict(set);
        if set.is_empty() {
            return;
        }
        let e = edges.entry((from, to)).or_default();
        *e = e.union(&set);
    };
    for s in 0..n_ids {
        if id_groups[s].is_empty() {
            continue;
        }
        for (d, set) in conn.identity_pairs(s) {
            for (&gs, &ns) in &id_groups[s] {
                for &gd in id_groups[d].keys() {
                    if s == d && gs == gd && ns == 1 {
                        continue; // Only the pod itself.
                    }
                    add(&mut edges, gs, gd, set);
                }
            }
        }
    }
    for (id, egress, set, x) in address_edges {
        for &g in id_groups[id].keys() {
            if egress {
                add(&mut edges, g, x, &set);
            } else {
                add(&mut edges, x, g, &set);
            }
        }
    }
    let edges = edges.into_iter().map(|((from, to), ports)| Edge { from, to, ports }).collect();
    Ok(Graph { nodes, edges })
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The short name of a workload node inside its namespace box.
fn short(node: &Node) -> &str {
    match &node.namespace {
        Some(ns) => node.name.strip_prefix(ns.as_str()).and_then(|n| n.strip_prefix('/')).unwrap_or(&node.name),
        None => &node.name,
    }
}

fn pods_line(n: usize) -> String {
    if n == 1 {
        "1 pod".into()
    } else {
        format!("{n} pods")
    }
}

impl Graph {
    fn namespaces(&self) -> BTreeMap<&str, Vec<usize>> {
        let mut out: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if let Some(ns) = &n.namespace {
                out.entry(ns.as_str()).or_default().push(i);
            }
        }
        out
    }

    /// Graphviz `dot`: namespaces as clusters, addresses as ellipses.
    pub fn to_dot(&self) -> String {
        let mut out = String::from("digraph netpol {\n");
        // Small graphs read best top to bottom; larger ones left to right, where a namespace's
        // workloads stack in a column and parallel edge paths merge.
        if self.nodes.len() <= 12 {
            out.push_str("  rankdir=TB; nodesep=0.4; ranksep=0.7;");
        } else {
            out.push_str("  rankdir=LR; nodesep=0.15; ranksep=1.5; concentrate=true;");
        }
        out.push_str(" fontname=\"Helvetica\"; fontsize=12;\n");
        out.push_str("  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\", color=\"#4a6fa5\"];\n");
        out.push_str("  edge [fontname=\"Helvetica\", fontsize=10, color=\"#555555\", arrowsize=0.7];\n");
        for (i, (ns, members)) in self.namespaces().iter().enumerate() {
            let _ = writeln!(out, "  subgraph cluster_{i} {{");
            let _ = writeln!(
                out,
                "    label=\"namespace {}\"; style=\"rounded,dashed\"; color=\"#888888\"; fontcolor=\"#444444\";",
                escape(ns)
            );
            for &m in members {
                let n = &self.nodes[m];
                let _ = writeln!(out, "    n{m} [label=\"{}\\n{}\"];", escape(short(n)), pods_line(n.pods));
            }
            out.push_str("  }\n");
        }
        for (i, n) in self.nodes.iter().enumerate().filter(|(_, n)| n.namespace.is_none()) {
            let _ = writeln!(
                out,
                "  n{i} [label=\"{}\", shape=ellipse, fillcolor=\"#fff4e0\", color=\"#c77700\"];",
                escape(&n.name).replace('\n', "\\n")
            );
        }
        for e in &self.edges {
            let _ = writeln!(out, "  n{} -> n{} [label=\"{}\"];", e.from, e.to, escape(&e.ports.to_string()));
        }
        out.push_str("}\n");
        out
    }

    /// A Mermaid `flowchart LR`: namespaces as subgraphs.
    pub fn to_mermaid(&self) -> String {
        let quote = |s: &str| s.replace('"', "#quot;").replace('\n', "<br/>");
        let mut out = String::from("flowchart LR\n");
        for (i, (ns, members)) in self.namespaces().iter().enumerate() {
            let _ = writeln!(out, "  subgraph ns{i}[\"namespace {}\"]", quote(ns));
            for &m in members {
                let n = &self.nodes[m];
                let _ = writeln!(out, "    n{m}[\"{}<br/>{}\"]", quote(short(n)), pods_line(n.pods));
            }
            out.push_str("  end\n");
        }
        for (i, n) in self.nodes.iter().enumerate().filter(|(_, n)| n.namespace.is_none()) {
            let _ = writeln!(out, "  n{i}([\"{}\"])", quote(&n.name));
        }
        for e in &self.edges {
            let _ = writeln!(out, "  n{} -->|\"{}\"| n{}", e.from, quote(&e.ports.to_string()), e.to);
        }
        out
    }

    /// `{"nodes": [{"id", "kind", "name", "namespace", "pods", "cidrs"}], "edges": [{"from",
    /// "to", "ports", "label"}]}`; ids are `n<index>`, `kind` is `workload` or `addresses`.
    pub fn to_json(&self) -> Value {
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| match &n.namespace {
                Some(ns) => {
                    json!({"id": format!("n{i}"), "kind": "workload", "name": n.name, "namespace": ns, "pods": n.pods})
                }
                None => json!({"id": format!("n{i}"), "kind": "addresses", "name": n.name, "cidrs": n.cidrs}),
            })
            .collect();
        let edges: Vec<Value> = self
            .edges
            .iter()
            .map(|e| {
                json!({"from": format!("n{}", e.from), "to": format!("n{}", e.to), "ports": ports_json(&e.ports), "label": e.ports.to_string()})
            })
            .collect();
        json!({"nodes": nodes, "edges": edges})
    }
}
