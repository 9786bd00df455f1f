//! The cluster: namespaces, pods and policies after validation, in a fixed order.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::admin::{networks_contain, Action, AdminPeer, AdminRule, ClusterPolicy, DnsMap, Node, Tier};
use super::query::{Endpoint, Family};
use super::{ContainerPort, Direction, Labels, LeftOutPod, NetworkPolicy, Peer, Protocol, Workload};
use crate::{Diagnostic, ObjectRef};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The position in the cluster's list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// A pod's position in [`Cluster::pods`] (pods are sorted by namespace, then name).
    PodId
);
id_type!(
    /// A policy's position in [`Cluster::policies`] (sorted by namespace, then name).
    PolicyId
);
id_type!(
    /// A namespace's position in [`Cluster::namespaces`] (sorted by name).
    NamespaceId
);

/// The label the API server puts on every namespace (S8).
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// A namespace and its labels; `kubernetes.io/metadata.name` is always present (S8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Namespace {
    /// The namespace's name.
    pub name: String,
    /// Its labels, including `kubernetes.io/metadata.name`.
    pub labels: Labels,
}

impl Namespace {
    /// S8: a namespace referenced but not given, assumed with just its name label.
    pub fn assumed(name: &str) -> Namespace {
        let mut labels = Labels::new();
        labels.insert(NAMESPACE_NAME_LABEL.into(), name.into());
        Namespace { name: name.into(), labels }
    }
}

/// A pod as far as NetworkPolicies care: where it is, its labels, IPs and named ports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pod {
    /// The pod's namespace.
    pub namespace: String,
    /// The namespace's position in [`Cluster::namespaces`].
    pub namespace_id: NamespaceId,
    /// The pod's name.
    pub name: String,
    /// Its labels.
    pub labels: Labels,
    /// Its IPs (`status.podIPs`, or `status.podIP`), IPv4-mapped IPv6 addresses read as IPv4;
    /// empty for a pod not yet scheduled.
    pub ips: Vec<IpAddr>,
    /// The container ports of all its containers.
    pub ports: Vec<ContainerPort>,
    /// The workload it belongs to, when known (from `ownerReferences`, the controllers' naming
    /// and labels, or the given workload objects' selectors).
    pub workload: Option<Workload>,
    /// Whether it stands for a workload given without pods: named `kind/name` (such as
    /// `deployment/api`), built from the pod template, without IPs.
    pub representative: bool,
}

impl Pod {
    /// `namespace/name`.
    pub fn qualified_name(&self) -> String {
        alloc::format!("{}/{}", self.namespace, self.name)
    }
}

/// Validated namespaces, pods and NetworkPolicies, plus the warnings produced on the way.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    pub(super) namespaces: Vec<Namespace>,
    pub(super) pods: Vec<Pod>,
    pub(super) policies: Vec<NetworkPolicy>,
    /// Sorted by tier, priority, then name (S15).
    pub(super) cluster_policies: Vec<ClusterPolicy>,
    /// Sorted by name.
    pub(super) nodes: Vec<Node>,
    /// What `domainNames` peers resolve to (empty: unknown).
    pub(super) dns: DnsMap,
    /// Sorted by namespace, then name; no name is also in `pods`.
    pub(super) left_out: Vec<LeftOutPod>,
    pub(super) warnings: Vec<Diagnostic>,
    /// The namespaces assumed because pods or policies name them (S8), not given.
    pub(super) assumed: BTreeSet<String>,
}

impl Cluster {
    /// Assembles a cluster: sorts namespaces by name and pods, policies and left-out pods by
    /// namespace and name, and points every pod at its namespace. The caller (the validator)
    /// guarantees unique, valid parts and a namespace for every pod.
    pub(crate) fn from_parts(
        mut namespaces: Vec<Namespace>,
        mut pods: Vec<Pod>,
        mut policies: Vec<NetworkPolicy>,
        mut left_out: Vec<LeftOutPod>,
        warnings: Vec<Diagnostic>,
    ) -> Cluster {
        namespaces.sort_by(|a, b| a.name.cmp(&b.name));
        pods.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        policies.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        left_out.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        for pod in &mut pods {
            let i = namespaces
                .binary_search_by(|n| n.name.as_str().cmp(&pod.namespace))
                .expect("every pod's namespace was registered");
            pod.namespace_id = NamespaceId(i as u32);
        }
        Cluster {
            namespaces,
            pods,
            policies,
            cluster_policies: Vec::new(),
            nodes: Vec::new(),
            dns: DnsMap::default(),
            left_out,
            warnings,
            assumed: BTreeSet::new(),
        }
    }

    /// Records that namespace `name` was assumed (S8), not given: it goes when nothing names
    /// it any more ([`Cluster::apply`]).
    pub(crate) fn mark_assumed(&mut self, name: &str) {
        self.assumed.insert(name.into());
    }

    /// Takes the pods out (for an engine that merges pod changes, [`Cluster::set_pods`] puts
    /// them back).
    pub(crate) fn take_pods(&mut self) -> Vec<Pod> {
        core::mem::take(&mut self.pods)
    }

    /// Puts pods back: the caller keeps them sorted by namespace and name, unique, in held
    /// namespaces (with `namespace_id` set), their IPs unique.
    pub(crate) fn set_pods(&mut self, pods: Vec<Pod>) {
        self.pods = pods;
    }

    /// Whether namespace `name` is assumed (S8): named by pods or policies, not given.
    pub fn is_assumed(&self, name: &str) -> bool {
        self.assumed.contains(name)
    }

    /// Adds the cluster-wide policies (sorted by tier, priority, then name) and the Nodes
    /// (sorted by name). The caller (the validator) guarantees valid, unique parts.
    pub(crate) fn with_admin(mut self, mut cluster_policies: Vec<ClusterPolicy>, mut nodes: Vec<Node>) -> Cluster {
        cluster_policies.sort_by(|a, b| (a.tier, a.priority, &a.name).cmp(&(b.tier, b.priority, &b.name)));
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        self.cluster_policies = cluster_policies;
        self.nodes = nodes;
        // S15.3: equal priorities that may disagree are reported at load.
        for (a, b, direction) in self.ambiguous_priorities() {
            let (pa, pb) = (&self.cluster_policies[a], &self.cluster_policies[b]);
            let message = alloc::format!(
                "same tier ({}) and priority ({}) as {}, both applying to some pods with different actions in {} \
                 rules: for a connection both match, which decides is undefined (netpol decides by --tie, default \
                 deny-wins); give them different priorities",
                pb.tier,
                pb.priority,
                pa.display_name(),
                direction.field()
            );
            let object = ObjectRef::cluster_scoped(pb.kind.object_kind(), &pb.name);
            self.warnings.push(Diagnostic::new(Some(object), "spec.priority", message));
        }
        self
    }

    /// The cluster with `dns` as what `domainNames` peers of its cluster policies resolve to
    /// (S15.6): names the map does not hold, and every name without a map, match nothing.
    pub fn with_dns(mut self, dns: DnsMap) -> Cluster {
        self.dns = dns;
        self
    }

    /// What `domainNames` peers resolve to.
    pub fn dns(&self) -> &DnsMap {
        &self.dns
    }

    /// Cluster-wide policies of the admin tiers (S15), sorted by tier, priority, then name.
    pub fn cluster_policies(&self) -> &[ClusterPolicy] {
        &self.cluster_policies
    }

    /// The Nodes given (for `nodes` peers), sorted by name.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// S15.5: whether cluster policy `policy` applies to `pod`.
    pub fn subject_of(&self, policy: &ClusterPolicy, pod: PodId) -> bool {
        let pod = self.pod(pod);
        policy.subject.matches(&self.namespace(pod.namespace_id).labels, &pod.labels)
    }

    /// S15.1, S15.5: the cluster policies of `tier` that apply to `pod` and have rules in
    /// `direction`, by priority then name.
    pub fn tier_policies(
        &self,
        tier: Tier,
        pod: PodId,
        direction: Direction,
    ) -> impl Iterator<Item = (usize, &ClusterPolicy)> + '_ {
        self.cluster_policies
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.tier == tier && !p.rules(direction).is_empty() && self.subject_of(p, pod))
    }

    /// S15.3: pairs of cluster policies `(a, b)` (indexes into [`Cluster::cluster_policies`],
    /// `a < b`) of one tier and priority that both apply to some pod and have rules in
    /// `direction` with different actions: one connection may match both, and the API leaves
    /// the outcome undefined. Peers are not compared, so a pair may never meet in practice.
    /// Sorted; at most [`Cluster::MAX_AMBIGUITIES`] pairs.
    ///
    /// Subjects are matched once per distinct (namespace, labels) of the pods and policy, not
    /// per pair of policies: many policies at one priority over disjoint namespaces cost their
    /// number times the label sets.
    pub fn ambiguous_priorities(&self) -> Vec<(usize, usize, Direction)> {
        let policies = &self.cluster_policies;
        if policies.len() < 2 {
            return Vec::new(); // Nothing to disagree with: no pass over the pods.
        }
        // Pods that answer every subject alike: one per (namespace, labels).
        let mut seen_labels = alloc::collections::BTreeSet::new();
        let representatives: Vec<&Pod> =
            self.pods.iter().filter(|p| seen_labels.insert((p.namespace_id, &p.labels))).collect();
        let actions = |k: usize, direction: Direction| {
            let mut seen = [false; 3];
            policies[k].rules(direction).iter().for_each(|r| seen[r.effective_action() as usize] = true);
            seen
        };
        let differ = |x: [bool; 3], y: [bool; 3]| (0..3).any(|i| x[i] && (0..3).any(|j| j != i && y[j]));
        let mut out = alloc::collections::BTreeSet::new();
        let mut start = 0;
        while start < policies.len() && out.len() < Self::MAX_AMBIGUITIES {
            let (tier, priority) = (policies[start].tier, policies[start].priority);
            let end = start + policies[start..].iter().take_while(|p| p.tier == tier && p.priority == priority).count();
            for direction in [Direction::Ingress, Direction::Egress] {
                let members: Vec<(usize, [bool; 3])> =
                    (start..end).map(|k| (k, actions(k, direction))).filter(|(_, a)| a.iter().any(|&x| x)).collect();
                if !members.iter().any(|&(_, x)| members.iter().any(|&(_, y)| differ(x, y))) {
                    continue; // One kind of action only: nothing to disagree on.
                }
                for pod in &representatives {
                    let labels = &self.namespace(pod.namespace_id).labels;
                    let applying: Vec<&(usize, [bool; 3])> =
                        members.iter().filter(|(k, _)| policies[*k].subject.matches(labels, &pod.labels)).collect();
                    for (i, &&(a, x)) in applying.iter().enumerate() {
                        for &&(b, y) in &applying[i + 1..] {
                            if differ(x, y) && out.len() < Self::MAX_AMBIGUITIES {
                                out.insert((a, b, direction));
                            }
                        }
                    }
                }
            }
            start = end;
        }
        out.into_iter().collect()
    }

    /// The most pairs [`Cluster::ambiguous_priorities`] reports.
    pub const MAX_AMBIGUITIES: usize = 1_000;

    /// S15.2, S15.6–S15.8: whether `rule` of a cluster policy matches the connection with
    /// `peer` (resolved) at the other end, over `family`, on `port`/`protocol` towards a
    /// destination with `destination_ports`. A rule that fails closed matches everything unless
    /// it accepts, and then nothing.
    pub fn admin_rule_matches(
        &self,
        rule: &AdminRule,
        peer: Endpoint,
        family: Family,
        (port, protocol, destination_ports): (u16, Protocol, Option<&[ContainerPort]>),
    ) -> bool {
        if rule.fails_closed() {
            return rule.action != Action::Accept;
        }
        rule.peers.iter().any(|p| self.admin_peer_matches(p, peer, family))
            && rule.ports_match(port, protocol, destination_ports)
    }

    /// S15.6: whether a cluster policy peer matches `endpoint` (already
    /// [resolved](Cluster::resolve)) in a connection over `family`. [`AdminPeer::Unknown`] is
    /// never matched here: its rule fails closed as a whole ([`crate::spec::AdminRule::fails_closed`]).
    pub fn admin_peer_matches(&self, peer: &AdminPeer, endpoint: Endpoint, family: Family) -> bool {
        match (peer, endpoint) {
            (AdminPeer::Namespaces(s), Endpoint::Pod(id)) => {
                s.matches(&self.namespace(self.pod(id).namespace_id).labels)
            }
            (AdminPeer::Pods(p), Endpoint::Pod(id)) => {
                let pod = self.pod(id);
                p.matches(&self.namespace(pod.namespace_id).labels, &pod.labels)
            }
            (AdminPeer::Networks(nets), Endpoint::Pod(id)) => {
                self.pod(id).ips.iter().any(|&ip| networks_contain(nets, ip, family))
            }
            (AdminPeer::Networks(nets), Endpoint::Ip(ip)) => networks_contain(nets, ip, family),
            (AdminPeer::Nodes(s), Endpoint::Ip(ip)) => {
                self.nodes.iter().any(|n| s.matches(&n.labels) && n.addresses.contains(&ip))
            }
            (AdminPeer::DomainNames(names), Endpoint::Ip(ip)) => {
                names.iter().any(|name| self.dns.resolve(name).any(|a| a == ip))
            }
            // Pods and namespaces are never outside addresses; nodes and domain names are never
            // pods.
            _ => false,
        }
    }

    /// Namespaces, sorted by name.
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// Pods, sorted by namespace, then name.
    pub fn pods(&self) -> &[Pod] {
        &self.pods
    }

    /// Policies, sorted by namespace, then name.
    pub fn policies(&self) -> &[NetworkPolicy] {
        &self.policies
    }

    /// Pods given but left out of the model (host-network pods, finished pods; S13), sorted by
    /// namespace, then name. Each also has a warning.
    pub fn left_out_pods(&self) -> &[LeftOutPod] {
        &self.left_out
    }

    /// The left-out pod `namespace/name`, if the input had one (see [`Cluster::unknown_endpoint`]
    /// for the message that explains it).
    pub fn left_out_pod(&self, namespace: &str, name: &str) -> Option<&LeftOutPod> {
        self.left_out
            .binary_search_by(|p| (p.namespace.as_str(), p.name.as_str()).cmp(&(namespace, name)))
            .ok()
            .map(|i| &self.left_out[i])
    }

    /// What the loader and validator reported without failing: assumed namespaces, skipped
    /// pods and kinds, and (in lenient mode) the rejected objects.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The warnings, for the loader to place them on lines.
    #[cfg(feature = "k8s")]
    pub(crate) fn warnings_mut(&mut self) -> &mut [Diagnostic] {
        &mut self.warnings
    }

    /// The pod with this id.
    pub fn pod(&self, id: PodId) -> &Pod {
        &self.pods[id.index()]
    }

    /// The policy with this id.
    pub fn policy(&self, id: PolicyId) -> &NetworkPolicy {
        &self.policies[id.index()]
    }

    /// The namespace with this id.
    pub fn namespace(&self, id: NamespaceId) -> &Namespace {
        &self.namespaces[id.index()]
    }

    /// The namespace called `name`.
    pub fn namespace_id(&self, name: &str) -> Option<NamespaceId> {
        self.namespaces.binary_search_by(|n| n.name.as_str().cmp(name)).ok().map(|i| NamespaceId(i as u32))
    }

    /// The pod `namespace/name`.
    pub fn pod_id(&self, namespace: &str, name: &str) -> Option<PodId> {
        self.pods
            .binary_search_by(|p| (p.namespace.as_str(), p.name.as_str()).cmp(&(namespace, name)))
            .ok()
            .map(|i| PodId(i as u32))
    }

    /// The pod that has `ip` among its IPs (pod IPs are unique after validation); an
    /// IPv4-mapped IPv6 address is the IPv4 address (S9a).
    pub fn pod_with_ip(&self, ip: IpAddr) -> Option<PodId> {
        let ip = ip.to_canonical();
        self.pods.iter().position(|p| p.ips.contains(&ip)).map(|i| PodId(i as u32))
    }

    /// S1: an IP endpoint that is a pod's IP is that pod (IPv4-mapped read as IPv4).
    pub fn resolve(&self, endpoint: Endpoint) -> Endpoint {
        match endpoint.canonical() {
            Endpoint::Ip(ip) => self.pod_with_ip(ip).map_or(Endpoint::Ip(ip), Endpoint::Pod),
            pod => pod,
        }
    }

    /// S2: the policies that select `pod` and whose effective policy types include `direction`
    /// (the pod is isolated in `direction` exactly when there is one).
    pub fn isolating(&self, pod: PodId, direction: Direction) -> impl Iterator<Item = PolicyId> + '_ {
        let local = self.pod(pod);
        self.policies
            .iter()
            .enumerate()
            .filter_map(move |(i, policy)| policy.selects(local, direction).then_some(PolicyId(i as u32)))
    }

    /// S6, S9, S9a: whether `peer`, of a policy in `policy_namespace`, matches `endpoint` (already
    /// [resolved](Cluster::resolve)) in a connection over `family`. An ipBlock matches a pod only
    /// when `ip_block_matches_pods`, and then only through the pod's address of `family`.
    pub fn peer_matches(
        &self,
        peer: &Peer,
        policy_namespace: &str,
        endpoint: Endpoint,
        family: Family,
        ip_block_matches_pods: bool,
    ) -> bool {
        match (peer, endpoint) {
            (Peer::Selector { pod_selector, namespace_selector }, Endpoint::Pod(id)) => {
                let pod = self.pod(id);
                let namespace_ok = match namespace_selector {
                    None => pod.namespace == policy_namespace,
                    Some(selector) => selector.matches(&self.namespace(pod.namespace_id).labels),
                };
                namespace_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels))
            }
            (Peer::Selector { .. }, Endpoint::Ip(_)) => false,
            (Peer::IpBlock(block), Endpoint::Ip(ip)) => block.contains(ip),
            (Peer::IpBlock(block), Endpoint::Pod(id)) => {
                ip_block_matches_pods
                    && self.pod(id).ips.iter().any(|&ip| Family::of(ip) == family && block.contains(ip))
            }
        }
    }
}
