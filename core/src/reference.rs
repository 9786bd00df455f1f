//! The reference evaluator: DESIGN §2 read literally, with no precomputation.
//!
//! Every query walks the policies of the cluster. It is slow and meant to be obviously right:
//! the compiled [`Engine`](crate::Engine) is tested against it, and explanations come from here.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::explain::{DirectionExplanation, Explanation, FamilyExplanation, Reason, RuleMiss, RuleRef};
use crate::spec::query::{shared_families, Endpoint, Family, FamilyVerdicts, Options, FAMILIES_ANY};
use crate::spec::{Cluster, ContainerPort, Direction, Peer, Pod, PodId, PolicyId, Protocol};

/// A literal interpreter of §2 over a borrowed cluster.
#[derive(Clone, Copy, Debug)]
pub struct Evaluator<'c> {
    cluster: &'c Cluster,
    options: Options,
}

impl<'c> Evaluator<'c> {
    /// An evaluator for `cluster` under `options`.
    pub fn new(cluster: &'c Cluster, options: Options) -> Evaluator<'c> {
        Evaluator { cluster, options }
    }

    /// Whether `src` may open a connection to `dst` on `port`/`protocol` (S1).
    pub fn allowed(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> bool {
        self.explain(src, dst, port, protocol).allowed()
    }

    /// The full account of a connection: per shared address family (S9a) and direction, the
    /// isolating policies and the rules that admit it, or the rules that do not and why.
    pub fn explain(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Explanation {
        self.explain_masked(src, dst, port, protocol, FAMILIES_ANY)
    }

    /// [`Evaluator::explain`] over one address family only (a connection observed over it).
    pub fn explain_over(
        &self,
        src: Endpoint,
        dst: Endpoint,
        port: u16,
        protocol: Protocol,
        family: Family,
    ) -> Explanation {
        self.explain_masked(src, dst, port, protocol, family.bit())
    }

    fn explain_masked(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol, mask: u8) -> Explanation {
        let src = canonical(src);
        let dst = canonical(dst);
        // S9a: the families both ends can use; an IP endpoint fixes its own, even a pod's IP.
        let shared = shared_families(self.cluster, src, dst) & mask;
        let mut accounts: Vec<FamilyExplanation> = Family::ALL
            .into_iter()
            .filter(|f| shared & f.bit() != 0)
            .map(|family| self.explain_in(src, dst, port, protocol, family))
            .collect();
        let mut families = FamilyVerdicts::default();
        for a in &accounts {
            families.set(a.family, Some(a.egress.allowed() && a.ingress.allowed()));
        }
        if accounts.is_empty() {
            return Explanation {
                egress: trivial(Direction::Egress, Reason::NoCommonFamily),
                ingress: trivial(Direction::Ingress, Reason::NoCommonFamily),
                family: None,
                families,
                other: None,
            };
        }
        // The headline: an allowing family if any, else the first shared one.
        let headline = accounts.iter().position(|a| a.egress.allowed() && a.ingress.allowed()).unwrap_or(0);
        let head = accounts.remove(headline);
        let other = accounts.pop().filter(|o| o.egress != head.egress || o.ingress != head.ingress).map(Box::new);
        Explanation { egress: head.egress, ingress: head.ingress, family: Some(head.family), families, other }
    }

    /// The account of a connection over one address family.
    fn explain_in(
        &self,
        src: Endpoint,
        dst: Endpoint,
        port: u16,
        protocol: Protocol,
        family: Family,
    ) -> FamilyExplanation {
        // S1: an IP that belongs to a pod is that pod.
        let src = self.resolve(canonical(src));
        let dst = self.resolve(canonical(dst));
        let pod = |e: Endpoint| match e {
            Endpoint::Pod(p) => Some(p),
            Endpoint::Ip(_) => None,
        };
        let exempt = self.options.self_exempt(pod(src), pod(dst));
        let destination_ports = match dst {
            Endpoint::Pod(p) => Some(self.cluster.pod(p).ports.as_slice()),
            Endpoint::Ip(_) => None,
        };
        let side = |local: Endpoint, peer: Endpoint, direction: Direction| {
            if exempt {
                return trivial(direction, Reason::SelfTraffic); // S12
            }
            match local {
                Endpoint::Ip(_) => trivial(direction, Reason::NotAPod), // S1
                Endpoint::Pod(pod) => self.direction(pod, direction, peer, port, protocol, destination_ports, family),
            }
        };
        FamilyExplanation {
            family,
            egress: side(src, dst, Direction::Egress),
            ingress: side(dst, src, Direction::Ingress),
        }
    }

    /// S1: an IP endpoint that is a pod's IP is that pod.
    fn resolve(&self, endpoint: Endpoint) -> Endpoint {
        match endpoint {
            Endpoint::Ip(ip) => self.cluster.pod_with_ip(ip).map_or(endpoint, Endpoint::Pod),
            pod => pod,
        }
    }

    /// S2, S3: isolation of `pod` in `direction` and the union of the isolating policies' rules.
    #[allow(clippy::too_many_arguments)]
    fn direction(
        &self,
        pod: PodId,
        direction: Direction,
        peer: Endpoint,
        port: u16,
        protocol: Protocol,
        destination_ports: Option<&[ContainerPort]>,
        family: Family,
    ) -> DirectionExplanation {
        let local = self.cluster.pod(pod);
        let isolating: Vec<PolicyId> = (0..self.cluster.policies().len())
            .map(|i| PolicyId(i as u32))
            .filter(|&id| {
                let policy = self.cluster.policy(id);
                policy.namespace == local.namespace
                    && policy.affects(direction)
                    && policy.pod_selector.matches(&local.labels)
            })
            .collect();
        if isolating.is_empty() {
            return trivial(direction, Reason::NotIsolated);
        }
        let mut admitting = Vec::new();
        let mut misses = Vec::new();
        for &id in &isolating {
            let policy = self.cluster.policy(id);
            for (i, rule) in policy.rules(direction).iter().enumerate() {
                // S5: no peers matches every peer, no ports every port.
                let peer_match = rule.peers.iter().position(|p| self.peer_matches(p, &policy.namespace, peer, family));
                let port_match = rule.ports.iter().position(|p| p.matches(port, protocol, destination_ports));
                let peer_ok = rule.peers.is_empty() || peer_match.is_some();
                let port_ok = rule.ports.is_empty() || port_match.is_some();
                if peer_ok && port_ok {
                    admitting.push(RuleRef { policy: id, direction, rule: i, peer: peer_match, port: port_match });
                } else {
                    misses.push(RuleMiss { policy: id, rule: i, peer_matched: peer_ok, port_matched: port_ok });
                }
            }
        }
        let reason = if admitting.is_empty() { Reason::NoRuleAdmits } else { Reason::Admitted };
        DirectionExplanation { direction, reason, isolating, admitting, misses }
    }

    /// S6, S9, S9a: whether `peer` of a policy in `policy_namespace` matches `endpoint` in a
    /// connection over `family`.
    fn peer_matches(&self, peer: &Peer, policy_namespace: &str, endpoint: Endpoint, family: Family) -> bool {
        match (peer, endpoint) {
            (Peer::Selector { pod_selector, namespace_selector }, Endpoint::Pod(id)) => {
                let pod: &Pod = self.cluster.pod(id);
                let namespace_ok = match namespace_selector {
                    None => pod.namespace == policy_namespace,
                    Some(selector) => selector.matches(&self.cluster.namespace(pod.namespace_id).labels),
                };
                namespace_ok && pod_selector.as_ref().is_none_or(|s| s.matches(&pod.labels))
            }
            (Peer::Selector { .. }, Endpoint::Ip(_)) => false,
            (Peer::IpBlock(block), Endpoint::Ip(ip)) => block.contains(ip),
            // S9a: only the pod's address of the connection's family.
            (Peer::IpBlock(block), Endpoint::Pod(id)) => {
                self.options.ip_block_matches_pods
                    && self.cluster.pod(id).ips.iter().any(|&ip| Family::of(ip) == family && block.contains(ip))
            }
        }
    }
}

/// An IP endpoint with an IPv4-mapped IPv6 address as the IPv4 address (S9a).
fn canonical(endpoint: Endpoint) -> Endpoint {
    match endpoint {
        Endpoint::Ip(ip) => Endpoint::Ip(ip.to_canonical()),
        pod => pod,
    }
}

fn trivial(direction: Direction, reason: Reason) -> DirectionExplanation {
    DirectionExplanation { direction, reason, isolating: Vec::new(), admitting: Vec::new(), misses: Vec::new() }
}
