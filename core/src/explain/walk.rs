//! The account of a connection, walked over the validated spec.
//!
//! Independent of both evaluators: it shares only the single-object matching primitives of
//! [`crate::spec`] (S1 resolution, S2 isolation, S6 peer matching, port matching) and assembles
//! them into a [`Explanation`] that records every isolating policy, every admitting rule with the
//! peer and port entries that matched, and every rule that missed with the half that failed.
//! The reference evaluator, the compiled engine and this walk are tested to agree.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::{DirectionExplanation, Explanation, FamilyExplanation, Reason, RuleMiss, RuleRef, TierMatch, TierStep};
use crate::spec::query::{shared_families, Endpoint, Family, FamilyVerdicts, Options};
use crate::spec::{Action, Cluster, ContainerPort, Direction, PodId, Protocol, Tier};

/// The explanation of `src` → `dst` on `port`/`protocol`, over the shared families in `mask`.
pub(crate) fn explain(
    cluster: &Cluster,
    options: Options,
    connection: (Endpoint, Endpoint, u16, Protocol),
    mask: u8,
) -> Explanation {
    let (src, dst, port, protocol) = connection;
    let (src, dst) = (src.canonical(), dst.canonical());
    // S9a: the families both ends can use; an IP endpoint fixes its own, even a pod's IP.
    let shared = shared_families(cluster, src, dst) & mask;
    let walk = Walk { cluster, options, src: cluster.resolve(src), dst: cluster.resolve(dst), port, protocol };
    let mut accounts: Vec<FamilyExplanation> =
        Family::ALL.into_iter().filter(|f| shared & f.bit() != 0).map(|family| walk.account(family)).collect();
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

/// One connection between resolved endpoints (S1), walked per family.
struct Walk<'c> {
    cluster: &'c Cluster,
    options: Options,
    src: Endpoint,
    dst: Endpoint,
    port: u16,
    protocol: Protocol,
}

impl Walk<'_> {
    /// The account over one address family: egress at the source, ingress at the destination.
    fn account(&self, family: Family) -> FamilyExplanation {
        let exempt = self.options.self_exempt(self.src.pod(), self.dst.pod()); // S12
        let side = |local: Endpoint, peer: Endpoint, direction: Direction| match local {
            _ if exempt => trivial(direction, Reason::SelfTraffic),
            Endpoint::Ip(_) => trivial(direction, Reason::NotAPod), // S1
            Endpoint::Pod(pod) => self.direction(pod, direction, peer, family),
        };
        FamilyExplanation {
            family,
            egress: side(self.src, self.dst, Direction::Egress),
            ingress: side(self.dst, self.src, Direction::Ingress),
        }
    }

    /// S2, S3, S5: isolation of `pod` in `direction`, then every rule of the isolating policies
    /// as admitting (with the first matching peer and port entries) or missing (with the half
    /// that failed).
    ///
    /// S15.1: the admin tier before, and for a pod not isolated the baseline tier after.
    fn direction(&self, pod: PodId, direction: Direction, peer: Endpoint, family: Family) -> DirectionExplanation {
        let admin = self.tier(Tier::Admin, pod, direction, peer, family);
        match admin.as_ref().map(|s| s.action) {
            Some(Action::Accept) => return DirectionExplanation { admin, ..trivial(direction, Reason::AdminAccepted) },
            Some(Action::Deny) => return DirectionExplanation { admin, ..trivial(direction, Reason::AdminDenied) },
            _ => {}
        }
        let mut account = self.isolation(pod, direction, peer, family);
        account.admin = admin;
        if account.reason == Reason::NotIsolated {
            account.baseline = self.tier(Tier::Baseline, pod, direction, peer, family);
            account.reason = match account.baseline.as_ref().map(|s| s.action) {
                Some(Action::Accept) => Reason::BaselineAccepted,
                Some(Action::Deny) => Reason::BaselineDenied,
                _ => Reason::NotIsolated,
            };
        }
        account
    }

    /// S15.2, S15.3: the first priority group of `tier`'s policies applying to `pod` where some
    /// rule matches, with each policy's first matching rule and the action the tie option takes.
    fn tier(&self, tier: Tier, pod: PodId, direction: Direction, peer: Endpoint, family: Family) -> Option<TierStep> {
        let destination_ports: Option<&[ContainerPort]> = self.dst.pod().map(|p| self.cluster.pod(p).ports.as_slice());
        let connection = (self.port, self.protocol, destination_ports);
        let mut matches: Vec<TierMatch> = Vec::new();
        let mut group: Option<u32> = None;
        for (index, policy) in self.cluster.tier_policies(tier, pod, direction) {
            if group.is_some_and(|g| g != policy.priority) {
                if let Some(step) = self.settle(tier, &mut matches) {
                    return Some(step);
                }
            }
            group = Some(policy.priority);
            let rules = policy.rules(direction);
            let Some(i) = rules.iter().position(|r| self.cluster.admin_rule_matches(r, peer, family, connection))
            else {
                continue;
            };
            let rule = &rules[i];
            let closed = rule.fails_closed();
            matches.push(TierMatch {
                policy: index,
                priority: policy.priority,
                rule: i,
                action: rule.effective_action(),
                peer: if closed {
                    None
                } else {
                    rule.peers.iter().position(|p| self.cluster.admin_peer_matches(p, peer, family))
                },
                port: if closed {
                    None
                } else {
                    rule.ports.iter().position(|p| p.matches(self.port, self.protocol, destination_ports))
                },
            });
        }
        self.settle(tier, &mut matches)
    }

    /// The step of a priority group, if any of its rules matched (then `matches` is taken).
    fn settle(&self, tier: Tier, matches: &mut Vec<TierMatch>) -> Option<TierStep> {
        let mut seen = [false; 3];
        matches.iter().for_each(|m| seen[m.action as usize] = true);
        let action = self.options.tie.resolve(seen)?;
        Some(TierStep { tier, action, matches: core::mem::take(matches) })
    }

    /// S2, S3, S5: isolation by NetworkPolicies and their rules.
    fn isolation(&self, pod: PodId, direction: Direction, peer: Endpoint, family: Family) -> DirectionExplanation {
        let isolating: Vec<_> = self.cluster.isolating(pod, direction).collect();
        if isolating.is_empty() {
            return trivial(direction, Reason::NotIsolated);
        }
        let destination_ports: Option<&[ContainerPort]> = self.dst.pod().map(|p| self.cluster.pod(p).ports.as_slice());
        let ip_block_matches_pods = self.options.ip_block_matches_pods;
        let mut admitting = Vec::new();
        let mut misses = Vec::new();
        for &id in &isolating {
            let policy = self.cluster.policy(id);
            for (i, rule) in policy.rules(direction).iter().enumerate() {
                let peer_match = rule
                    .peers
                    .iter()
                    .position(|p| self.cluster.peer_matches(p, &policy.namespace, peer, family, ip_block_matches_pods));
                let port_match = rule.ports.iter().position(|p| p.matches(self.port, self.protocol, destination_ports));
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
        DirectionExplanation { direction, reason, isolating, admitting, misses, admin: None, baseline: None }
    }
}

fn trivial(direction: Direction, reason: Reason) -> DirectionExplanation {
    DirectionExplanation {
        direction,
        reason,
        isolating: Vec::new(),
        admitting: Vec::new(),
        misses: Vec::new(),
        admin: None,
        baseline: None,
    }
}
