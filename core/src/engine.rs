//! The engine: compiled once from a [`Cluster`], then answers queries without walking policies.
//!
//! This first engine precomputes, per pod and direction, whether it is isolated and which rules
//! apply to it, and per rule the set of pods its peers match (a bitset). A decision then tests
//! the rules that apply to one pod. It is kept apart from [`crate::reference`], which it is
//! tested against; the compiled identity/bitset structure of DESIGN §3 replaces its internals
//! without changing this API.

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::net::IpAddr;

use crate::explain::Explanation;
use crate::query::{Endpoint, Options, SelfTraffic, Verdict};
use crate::reference::Evaluator;
use crate::spec::{Cluster, Direction, IpBlock, Peer, PodId, PolicyPort, Protocol, Rule};

/// Builds an [`Engine`] from a validated [`Cluster`].
#[derive(Clone, Debug, Default)]
pub struct Compiler {
    options: Options,
}

impl Compiler {
    /// A compiler with default [`Options`].
    pub fn new() -> Compiler {
        Compiler::default()
    }

    /// Sets the options the engine decides under.
    pub fn options(mut self, options: Options) -> Compiler {
        self.options = options;
        self
    }

    /// Compiles `cluster`. The engine keeps its own copy of the cluster for explanations.
    pub fn compile(&self, cluster: &Cluster) -> Engine {
        Engine::build(cluster.clone(), self.options)
    }
}

/// A fixed-size set of pods.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PodSet {
    words: Vec<u64>,
}

impl PodSet {
    fn new(pods: usize) -> PodSet {
        PodSet { words: vec![0; pods.div_ceil(64)] }
    }

    fn insert(&mut self, pod: usize) {
        self.words[pod / 64] |= 1 << (pod % 64);
    }

    fn contains(&self, pod: usize) -> bool {
        self.words[pod / 64] & (1 << (pod % 64)) != 0
    }
}

/// One rule, with its peers resolved against the cluster's pods.
#[derive(Clone, Debug)]
struct CompiledRule {
    /// `from`/`to` empty: every pod and IP.
    any_peer: bool,
    /// Pods matched by some peer (selectors, and ipBlocks on pod IPs when enabled).
    pods: PodSet,
    /// The ipBlocks, for IP endpoints.
    ip_blocks: Vec<IpBlock>,
    /// `ports` (empty: every port).
    ports: Vec<PolicyPort>,
}

/// Per pod and direction: isolated or not, and the rules that apply.
#[derive(Clone, Debug, Default)]
struct Side {
    isolated: bool,
    rules: Vec<u32>,
}

/// The compiled decision structure. Immutable, `Send + Sync`.
#[derive(Clone, Debug)]
pub struct Engine {
    cluster: Cluster,
    options: Options,
    rules: Vec<CompiledRule>,
    /// `[pod][0]` egress, `[pod][1]` ingress.
    sides: Vec<[Side; 2]>,
    pod_by_ip: BTreeMap<IpAddr, PodId>,
}

fn side_index(direction: Direction) -> usize {
    match direction {
        Direction::Egress => 0,
        Direction::Ingress => 1,
    }
}

impl Engine {
    fn build(cluster: Cluster, options: Options) -> Engine {
        let pods = cluster.pods();
        let mut rules = Vec::new();
        let mut sides: Vec<[Side; 2]> = vec![Default::default(); pods.len()];
        for policy in cluster.policies() {
            let ns = cluster.namespace_id(&policy.namespace);
            let selected: Vec<usize> = (0..pods.len())
                .filter(|&i| Some(pods[i].namespace_id) == ns && policy.pod_selector.matches(&pods[i].labels))
                .collect();
            for direction in [Direction::Egress, Direction::Ingress] {
                if !policy.affects(direction) {
                    continue;
                }
                let first = rules.len() as u32;
                for rule in policy.rules(direction) {
                    rules.push(compile_rule(&cluster, &options, &policy.namespace, rule));
                }
                let ids = first..rules.len() as u32;
                for &p in &selected {
                    let side = &mut sides[p][side_index(direction)];
                    side.isolated = true;
                    side.rules.extend(ids.clone());
                }
            }
        }
        let pod_by_ip =
            pods.iter().enumerate().flat_map(|(i, p)| p.ips.iter().map(move |ip| (*ip, PodId(i as u32)))).collect();
        Engine { cluster, options, rules, sides, pod_by_ip }
    }

    /// The cluster this engine was compiled from.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The options it decides under.
    pub fn options(&self) -> Options {
        self.options
    }

    /// The pod `namespace/name`.
    pub fn pod_id(&self, qualified_name: &str) -> Option<PodId> {
        let (namespace, name) = qualified_name.split_once('/')?;
        self.cluster.pod_id(namespace, name)
    }

    /// The endpoint for an IP: the pod that has it, or the IP itself (S1).
    pub fn endpoint_for_ip(&self, ip: IpAddr) -> Endpoint {
        self.pod_by_ip.get(&ip).map_or(Endpoint::Ip(ip), |&p| Endpoint::Pod(p))
    }

    /// Parses `namespace/name` or an IP address into an endpoint.
    pub fn parse_endpoint(&self, text: &str) -> Option<Endpoint> {
        match text.parse::<IpAddr>() {
            Ok(ip) => Some(self.endpoint_for_ip(ip)),
            Err(_) => self.pod_id(text).map(Endpoint::Pod),
        }
    }

    fn resolve(&self, endpoint: Endpoint) -> Endpoint {
        match endpoint {
            Endpoint::Ip(ip) => self.endpoint_for_ip(ip),
            pod => pod,
        }
    }

    /// Whether `src` may open a connection to `dst` on `port`/`protocol`, per direction.
    pub fn decide(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Verdict {
        let src = self.resolve(src);
        let dst = self.resolve(dst);
        if let (Endpoint::Pod(a), Endpoint::Pod(b)) = (src, dst) {
            if a == b && self.options.self_traffic == SelfTraffic::Allow {
                return Verdict { egress: true, ingress: true };
            }
        }
        let dst_pod = match dst {
            Endpoint::Pod(p) => Some(p),
            Endpoint::Ip(_) => None,
        };
        let egress = match src {
            Endpoint::Ip(_) => true,
            Endpoint::Pod(p) => self.side_allows(p, Direction::Egress, dst, dst_pod, port, protocol),
        };
        let ingress = match dst {
            Endpoint::Ip(_) => true,
            Endpoint::Pod(p) => self.side_allows(p, Direction::Ingress, src, dst_pod, port, protocol),
        };
        Verdict { egress, ingress }
    }

    fn side_allows(
        &self,
        pod: PodId,
        direction: Direction,
        peer: Endpoint,
        dst: Option<PodId>,
        port: u16,
        protocol: Protocol,
    ) -> bool {
        let side = &self.sides[pod.index()][side_index(direction)];
        if !side.isolated {
            return true;
        }
        let dst_ports = dst.map(|d| self.cluster.pod(d).ports.as_slice());
        side.rules.iter().any(|&r| {
            let rule = &self.rules[r as usize];
            let peer_ok = rule.any_peer
                || match peer {
                    Endpoint::Pod(p) => rule.pods.contains(p.index()),
                    Endpoint::Ip(ip) => rule.ip_blocks.iter().any(|b| b.contains(ip)),
                };
            peer_ok && (rule.ports.is_empty() || rule.ports.iter().any(|p| p.matches(port, protocol, dst_ports)))
        })
    }

    /// Decides many queries; `out[i]` gets the verdict for `queries[i]`. Extra entries of the
    /// longer slice are left alone.
    pub fn decide_batch(&self, queries: &[Query], out: &mut [Verdict]) {
        for (q, v) in queries.iter().zip(out.iter_mut()) {
            *v = self.decide(q.src, q.dst, q.port, q.protocol);
        }
    }

    /// The truth table of every pod to every pod on `port`/`protocol`.
    pub fn matrix(&self, port: u16, protocol: Protocol) -> Matrix {
        let n = self.cluster.pods().len();
        let mut allowed = PodSet::new(n * n);
        for s in 0..n {
            for d in 0..n {
                if self
                    .decide(Endpoint::Pod(PodId(s as u32)), Endpoint::Pod(PodId(d as u32)), port, protocol)
                    .is_allowed()
                {
                    allowed.insert(s * n + d);
                }
            }
        }
        Matrix { pods: n, allowed }
    }

    /// Why `decide` answers as it does: isolating policies and admitting rules per direction.
    /// A slower path that re-walks the policies; it agrees with [`Engine::decide`].
    pub fn explain(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Explanation {
        Evaluator::new(&self.cluster, self.options).explain(src, dst, port, protocol)
    }
}

fn compile_rule(cluster: &Cluster, options: &Options, policy_namespace: &str, rule: &Rule) -> CompiledRule {
    let pods = cluster.pods();
    let mut set = PodSet::new(pods.len());
    let mut ip_blocks = Vec::new();
    for peer in &rule.peers {
        match peer {
            Peer::Selector { pod_selector, namespace_selector } => {
                for (i, pod) in pods.iter().enumerate() {
                    let ns_ok = match namespace_selector {
                        None => pod.namespace == policy_namespace,
                        Some(s) => s.matches(&cluster.namespace(pod.namespace_id).labels),
                    };
                    if ns_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels)) {
                        set.insert(i);
                    }
                }
            }
            Peer::IpBlock(block) => {
                if options.ip_block_matches_pods {
                    for (i, pod) in pods.iter().enumerate() {
                        if pod.ips.iter().any(|ip| block.contains(*ip)) {
                            set.insert(i);
                        }
                    }
                }
                ip_blocks.push(block.clone());
            }
        }
    }
    CompiledRule { any_peer: rule.peers.is_empty(), pods: set, ip_blocks, ports: rule.ports.clone() }
}

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

/// A pod-to-pod truth table; rows are sources, columns destinations, in [`Cluster::pods`] order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matrix {
    pods: usize,
    allowed: PodSet,
}

impl Matrix {
    /// Number of pods (rows and columns).
    pub fn len(&self) -> usize {
        self.pods
    }

    /// Whether there are no pods.
    pub fn is_empty(&self) -> bool {
        self.pods == 0
    }

    /// Whether `src` may reach `dst`.
    pub fn allowed(&self, src: PodId, dst: PodId) -> bool {
        self.allowed.contains(src.index() * self.pods + dst.index())
    }
}
