//! The engine: immutable, `Send + Sync`, compiled once by [`Compiler`](crate::Compiler), then
//! answering queries with a few array reads and bit tests (DESIGN §3).
//!
//! A decision maps each pod endpoint to its identity and each IP endpoint to a pod (by a hash
//! lookup) or to its IP class, maps the port to its port class, and tests one bit per direction
//! in the row the index names. No allocation, no loop over policies or rules.
//! [`Engine::explain`] is the slow path: it re-walks the spec with the reference evaluator.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::net::IpAddr;

use hashbrown::HashMap;

use crate::compile::bits;
use crate::compile::Tables;
use crate::explain::Explanation;
use crate::query::{Endpoint, Options, SelfTraffic, Verdict};
use crate::reference::Evaluator;
use crate::spec::{Cluster, PodId, Protocol};

/// The compiled decision structure. Immutable; share it freely across threads.
#[derive(Clone, Debug)]
pub struct Engine {
    cluster: Cluster,
    options: Options,
    tables: Tables,
    pod_by_ip: HashMap<IpAddr, PodId>,
    pod_by_name: HashMap<Box<str>, PodId>,
}

/// Where an endpoint sits in the tables.
#[derive(Clone, Copy)]
struct Located {
    /// Its column in relation rows (identity, or identities + IP class).
    column: usize,
    /// Its identity, when it is a pod.
    identity: Option<usize>,
    /// The pod, when it is one.
    pod: Option<PodId>,
}

impl Engine {
    pub(crate) fn new(cluster: Cluster, options: Options, tables: Tables) -> Engine {
        let pods = cluster.pods();
        let pod_by_ip =
            pods.iter().enumerate().flat_map(|(i, p)| p.ips.iter().map(move |ip| (*ip, PodId(i as u32)))).collect();
        let pod_by_name =
            pods.iter().enumerate().map(|(i, p)| (p.qualified_name().into_boxed_str(), PodId(i as u32))).collect();
        Engine { cluster, options, tables, pod_by_ip, pod_by_name }
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
        let entry = core::mem::size_of::<(IpAddr, PodId)>() + 1;
        let name_entry = core::mem::size_of::<(Box<str>, PodId)>() + 1;
        self.tables.memory_bytes()
            + self.pod_by_ip.capacity() * entry
            + self.pod_by_name.capacity() * name_entry
            + self.pod_by_name.keys().map(|k| k.len()).sum::<usize>()
    }

    /// The pod `namespace/name`. No allocation.
    pub fn pod_id(&self, qualified_name: &str) -> Option<PodId> {
        self.pod_by_name.get(qualified_name).copied()
    }

    /// The endpoint for an IP: the pod that has it, or the IP itself (S1). No allocation.
    pub fn endpoint_for_ip(&self, ip: IpAddr) -> Endpoint {
        self.pod_by_ip.get(&ip).map_or(Endpoint::Ip(ip), |&p| Endpoint::Pod(p))
    }

    /// Parses `namespace/name` or an IP address into an endpoint.
    pub fn parse_endpoint(&self, text: &str) -> Option<Endpoint> {
        // Pod names always hold a '/', addresses never do.
        if text.contains('/') {
            return self.pod_id(text).map(Endpoint::Pod);
        }
        text.parse::<IpAddr>().ok().map(|ip| self.endpoint_for_ip(ip))
    }

    #[inline(always)]
    fn locate_pod(&self, pod: PodId) -> Located {
        let identity = self.tables.pod_identity[pod.index()] as usize;
        Located { column: identity, identity: Some(identity), pod: Some(pod) }
    }

    #[inline(always)]
    fn locate(&self, endpoint: Endpoint) -> Located {
        match endpoint {
            Endpoint::Pod(p) => self.locate_pod(p),
            Endpoint::Ip(ip) => match self.pod_by_ip.get(&ip) {
                Some(&p) => self.locate_pod(p),
                None => Located {
                    column: self.tables.identities + self.tables.ip_classes.class_of(ip),
                    identity: None,
                    pod: None,
                },
            },
        }
    }

    #[inline(always)]
    fn row(&self, index: &[u32], identity: usize, port_class: usize) -> &[u64] {
        let row = index[identity * self.tables.ports.len() + port_class] as usize * self.tables.words;
        &self.tables.rows[row..row + self.tables.words]
    }

    /// Whether `src` may open a connection to `dst` on `port`/`protocol`, per direction.
    #[inline]
    pub fn decide(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Verdict {
        let src = self.locate(src);
        let dst = self.locate(dst);
        if src.pod.is_some() && src.pod == dst.pod && self.options.self_traffic == SelfTraffic::Allow {
            // S12
            return Verdict { egress: true, ingress: true, families: Default::default() };
        }
        let pc = self.tables.ports.class_of(port, protocol);
        let egress = src.identity.is_none_or(|s| bits::test(self.row(&self.tables.egress_index, s, pc), dst.column));
        let ingress = dst.identity.is_none_or(|d| bits::test(self.row(&self.tables.ingress_index, d, pc), src.column));
        Verdict { egress, ingress, families: Default::default() }
    }

    /// Decides many queries; `out[i]` gets the verdict for `queries[i]`. Extra entries of the
    /// longer slice are left alone. No allocation.
    pub fn decide_batch(&self, queries: &[Query], out: &mut [Verdict]) {
        for (q, v) in queries.iter().zip(out.iter_mut()) {
            *v = self.decide(q.src, q.dst, q.port, q.protocol);
        }
    }

    /// Identity-level truth table for one port class: `[src identity]` → bits over destination
    /// identities, egress at the source AND ingress at the destination.
    fn identity_matrix(&self, pc: usize) -> Vec<Vec<u64>> {
        let n = self.tables.identities;
        let words = bits::words_for(n);
        // Transpose ingress: admitted_by[s] = destinations whose ingress admits s. Destinations
        // open to everyone are one word-wise OR; the others are walked by their set bits.
        let mut open = vec![0u64; words];
        let mut admitted_by = vec![vec![0u64; words]; n];
        for d in 0..n {
            let index = self.tables.ingress_index[d * self.tables.ports.len() + pc];
            if index == self.tables.open_row {
                bits::set(&mut open, d);
                continue;
            }
            let row = self.row(&self.tables.ingress_index, d, pc);
            for s in bits::ones(&row[..words]).take_while(|&s| s < n) {
                bits::set(&mut admitted_by[s], d);
            }
        }
        for (s, column) in admitted_by.iter_mut().enumerate() {
            let egress = self.row(&self.tables.egress_index, s, pc);
            column.iter_mut().zip(&open).zip(egress).for_each(|((w, o), e)| *w = (*w | o) & e);
        }
        admitted_by
    }

    /// The truth table of every pod to every pod on `port`/`protocol`: computed on identities
    /// as machine words, then expanded to pods.
    pub fn matrix(&self, port: u16, protocol: Protocol) -> Matrix {
        let pc = self.tables.ports.class_of(port, protocol);
        let ids = self.identity_matrix(pc);
        let n = self.cluster.pods().len();
        let row_words = bits::words_for(n);
        // One pod-level row per identity, then copied to each of its pods.
        let pod_rows: Vec<Vec<u64>> = ids
            .iter()
            .map(|id_row| {
                let mut row = vec![0u64; row_words];
                for (d, &id) in self.tables.pod_identity.iter().enumerate() {
                    if bits::test(id_row, id as usize) {
                        bits::set(&mut row, d);
                    }
                }
                row
            })
            .collect();
        let mut allowed = Vec::with_capacity(n * row_words);
        for (s, &id) in self.tables.pod_identity.iter().enumerate() {
            allowed.extend_from_slice(&pod_rows[id as usize]);
            if self.options.self_traffic == SelfTraffic::Allow {
                bits::set(&mut allowed[s * row_words..], s);
            }
        }
        Matrix { pods: n, row_words, allowed }
    }

    /// Why `decide` answers as it does: isolating policies and admitting rules per direction.
    /// A slower path that re-walks the policies; it agrees with [`Engine::decide`].
    pub fn explain(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Explanation {
        Evaluator::new(&self.cluster, self.options).explain(src, dst, port, protocol)
    }

    pub(crate) fn tables(&self) -> &Tables {
        &self.tables
    }

    pub(crate) fn egress_row(&self, identity: usize, pc: usize) -> &[u64] {
        self.row(&self.tables.egress_index, identity, pc)
    }

    pub(crate) fn ingress_row(&self, identity: usize, pc: usize) -> &[u64] {
        self.row(&self.tables.ingress_index, identity, pc)
    }
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
    row_words: usize,
    allowed: Vec<u64>,
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
        bits::test(self.row_bits(src), dst.index())
    }

    /// The row of `src` as bits: bit `d` of word `d / 64` is whether `src` may reach pod `d`.
    pub fn row_bits(&self, src: PodId) -> &[u64] {
        &self.allowed[src.index() * self.row_words..(src.index() + 1) * self.row_words]
    }

    /// Number of allowed pairs.
    pub fn count_allowed(&self) -> usize {
        self.allowed.iter().map(|w| w.count_ones() as usize).sum()
    }
}
