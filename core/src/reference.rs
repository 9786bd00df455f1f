//! The reference evaluator: DESIGN §2 read literally, with no precomputation.
//!
//! Every query walks the policies of the cluster and answers yes or no; it is slow and meant to
//! be obviously right. The compiled [`Engine`](crate::Engine) and the explanations
//! ([`Engine::explain`](crate::Engine::explain), a separate walk) are tested against it. It
//! shares with them only the single-object primitives of [`crate::spec`]:
//! [`Cluster::resolve`] (S1), [`Cluster::isolating`] (S2), [`Cluster::peer_matches`] (S6, S9,
//! S9a) and [`PolicyPort::matches`](crate::spec::PolicyPort::matches) (S7, S10, S11); for the
//! admin tiers (S15), [`Cluster::tier_policies`] and [`Cluster::admin_rule_matches`].

use alloc::vec::Vec;

use crate::spec::query::{shared_families, Endpoint, Family, FamilyVerdicts, Options, Verdict, FAMILIES_ANY};
use crate::spec::{Action, Cluster, ClusterPolicy, Direction, PodId, PolicyId, Protocol, Tier};

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
        self.verdict(src, dst, port, protocol).is_allowed()
    }

    /// Both directions and every shared address family (S9a). The directions are those of an
    /// allowing family if there is one, else of the first shared family; with no shared family
    /// neither direction allows.
    pub fn verdict(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Verdict {
        self.verdict_masked(src, dst, port, protocol, FAMILIES_ANY)
    }

    /// [`Evaluator::verdict`] over one address family only (a connection observed over it).
    pub fn verdict_over(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol, family: Family) -> Verdict {
        self.verdict_masked(src, dst, port, protocol, family.bit())
    }

    fn verdict_masked(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol, mask: u8) -> Verdict {
        let (src, dst) = (src.canonical(), dst.canonical());
        let shared = shared_families(self.cluster, src, dst) & mask;
        let (src, dst) = (self.cluster.resolve(src), self.cluster.resolve(dst));
        let mut verdict = Verdict { egress: false, ingress: false, families: FamilyVerdicts::default() };
        let mut headline_found = false;
        for family in Family::ALL.into_iter().filter(|f| shared & f.bit() != 0) {
            let egress = self.side_allows(src, dst, Direction::Egress, (src, dst, port, protocol), family);
            let ingress = self.side_allows(dst, src, Direction::Ingress, (src, dst, port, protocol), family);
            verdict.families.set(family, Some(egress && ingress));
            // The headline: the first allowing family, else the first shared one.
            if !headline_found || (egress && ingress && !verdict.is_allowed()) {
                (verdict.egress, verdict.ingress) = (egress, ingress);
                headline_found = true;
            }
        }
        verdict
    }

    /// One direction at `local`, of the connection `(src, dst, port, protocol)`.
    fn side_allows(
        &self,
        local: Endpoint,
        peer: Endpoint,
        direction: Direction,
        (src, dst, port, protocol): (Endpoint, Endpoint, u16, Protocol),
        family: Family,
    ) -> bool {
        if self.options.self_exempt(src.pod(), dst.pod()) {
            return true; // S12
        }
        match local {
            Endpoint::Ip(_) => true, // S1: only pods have policies
            Endpoint::Pod(pod) => {
                let connection = (dst, port, protocol);
                // S15.1: the admin tier first; Accept and Deny are final, Pass goes on.
                match self.tier_action(Tier::Admin, pod, direction, peer, connection, family) {
                    Some(Action::Accept) => return true,
                    Some(Action::Deny) => return false,
                    Some(Action::Pass) | None => {}
                }
                // S2, S15.4: a pod some NetworkPolicy isolates is decided by them (S3).
                let mut isolating = self.cluster.isolating(pod, direction).peekable();
                if isolating.peek().is_some() {
                    return self.admitting(pod, direction, peer, connection, family).next().is_some();
                }
                // S15.1: then the baseline tier; Pass or no match leaves the default, allow.
                self.tier_action(Tier::Baseline, pod, direction, peer, connection, family) != Some(Action::Deny)
            }
        }
    }

    /// S15.2, S15.3: the action of `tier` for `pod` in `direction`: the policies of the tier
    /// applying to it, by priority; in each priority group, each policy's first matching rule;
    /// the first group where some rule matches decides, its actions reconciled by the tie option.
    fn tier_action(
        &self,
        tier: Tier,
        pod: PodId,
        direction: Direction,
        peer: Endpoint,
        (destination, port, protocol): (Endpoint, u16, Protocol),
        family: Family,
    ) -> Option<Action> {
        let destination_ports = destination.pod().map(|p| self.cluster.pod(p).ports.as_slice());
        let policies: Vec<&ClusterPolicy> = self.cluster.tier_policies(tier, pod, direction).map(|(_, p)| p).collect();
        for group in policies.chunk_by(|a, b| a.priority == b.priority) {
            let mut matched = [false; 3];
            for policy in group {
                let first = policy.rules(direction).iter().find(|rule| {
                    self.cluster.admin_rule_matches(rule, peer, family, (port, protocol, destination_ports))
                });
                if let Some(rule) = first {
                    matched[rule.effective_action() as usize] = true; // S15.8
                }
            }
            if let Some(action) = self.options.tie.resolve(matched) {
                return Some(action);
            }
        }
        None
    }

    /// The policies that isolate `pod` in `direction` (S2).
    pub fn isolating(&self, pod: PodId, direction: Direction) -> Vec<PolicyId> {
        self.cluster.isolating(pod, direction).collect()
    }

    /// S3, S5: the rules `(policy, index)` of the policies isolating `pod` in `direction` that
    /// admit `peer` (resolved, S1) on `port`/`protocol` over `family`; `destination` is the
    /// connection's destination, whose named ports name ports (S10).
    pub fn admitting_rules(
        &self,
        (pod, direction): (PodId, Direction),
        peer: Endpoint,
        (destination, port, protocol): (Endpoint, u16, Protocol),
        family: Family,
    ) -> Vec<(PolicyId, usize)> {
        let peer = self.cluster.resolve(peer);
        let destination = self.cluster.resolve(destination);
        self.admitting(pod, direction, peer, (destination, port, protocol), family).collect()
    }

    fn admitting(
        &self,
        pod: PodId,
        direction: Direction,
        peer: Endpoint,
        (destination, port, protocol): (Endpoint, u16, Protocol),
        family: Family,
    ) -> impl Iterator<Item = (PolicyId, usize)> + '_ {
        let destination_ports = destination.pod().map(|p| self.cluster.pod(p).ports.as_slice());
        let matches_pods = self.options.ip_block_matches_pods;
        self.cluster.isolating(pod, direction).flat_map(move |id| {
            let policy = self.cluster.policy(id);
            policy.rules(direction).iter().enumerate().filter_map(move |(i, rule)| {
                // S5: no peers matches every peer, no ports every port.
                let peer_ok = rule.peers.is_empty()
                    || rule
                        .peers
                        .iter()
                        .any(|p| self.cluster.peer_matches(p, &policy.namespace, peer, family, matches_pods));
                let port_ok =
                    rule.ports.is_empty() || rule.ports.iter().any(|p| p.matches(port, protocol, destination_ports));
                (peer_ok && port_ok).then_some((id, i))
            })
        })
    }
}
