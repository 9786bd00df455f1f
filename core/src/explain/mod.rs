//! Explanations: which policies isolate each side of a connection and which rule admits it.
//!
//! The types and their text live here; `walk.rs` builds them from the spec, independently of
//! the reference evaluator.

mod walk;

pub(crate) use walk::explain;

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use core::fmt::Write as _;

use crate::spec::query::{ips_family_mask, Endpoint, Family, FamilyVerdicts, Verdict};
use crate::spec::{Action, Cluster, Direction, PolicyId, Protocol, Tier};

/// One rule that admitted a connection, with the peer and port entries that matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleRef {
    /// The policy.
    pub policy: PolicyId,
    /// Which list the rule is in.
    pub direction: Direction,
    /// Index into `spec.ingress` or `spec.egress`.
    pub rule: usize,
    /// Index into the rule's `from`/`to` of the first matching peer; `None` when the rule has no
    /// peers (so every peer matches, S5).
    pub peer: Option<usize>,
    /// Index into the rule's `ports` of the first matching entry; `None` when the rule has no
    /// ports (so every port matches, S5).
    pub port: Option<usize>,
}

impl RuleRef {
    /// The rule's YAML path, with the matching peer and port: `spec.ingress[0]` plus
    /// `.from[1]` and `.ports[0]` as they apply, e.g. `spec.ingress[0].from[1] + spec.ingress[0].ports[0]`.
    pub fn yaml_path(&self) -> String {
        let rule = format!("spec.{}[{}]", self.direction.field(), self.rule);
        let mut parts = Vec::new();
        if let Some(p) = self.peer {
            parts.push(format!("{rule}.{}[{p}]", self.direction.peers_field()));
        }
        if let Some(p) = self.port {
            parts.push(format!("{rule}.ports[{p}]"));
        }
        if parts.is_empty() {
            rule
        } else {
            parts.join(" + ")
        }
    }
}

/// A rule of an isolating policy that did not admit, and which half failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleMiss {
    /// The policy.
    pub policy: PolicyId,
    /// Index into `spec.ingress` or `spec.egress`.
    pub rule: usize,
    /// Some peer of the rule matched the other endpoint.
    pub peer_matched: bool,
    /// Some port entry of the rule matched the port and protocol.
    pub port_matched: bool,
}

/// A rule of a cluster policy (S15) that matched a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TierMatch {
    /// The policy: an index into [`Cluster::cluster_policies`].
    pub policy: usize,
    /// Its priority.
    pub priority: u32,
    /// Index into its `spec.ingress` or `spec.egress`.
    pub rule: usize,
    /// The rule's action.
    pub action: Action,
    /// Index into the rule's `from`/`to` of the first matching peer; `None` when the rule fails
    /// closed (S15.8).
    pub peer: Option<usize>,
    /// Index into the rule's `protocols`/`ports` of the first matching entry; `None` when it has
    /// none (every port) or fails closed.
    pub port: Option<usize>,
}

/// What one admin tier (S15.2) did in one direction: the priority group that decided, with the
/// first matching rule of each of its policies, and the action taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TierStep {
    /// The tier.
    pub tier: Tier,
    /// The action taken: Accept or Deny (final) or Pass (on to the next tier).
    pub action: Action,
    /// The matching rules of the deciding priority group, one per policy, in policy order.
    pub matches: Vec<TierMatch>,
}

impl TierStep {
    /// S15.3: whether policies at the deciding priority matched with different actions (the
    /// action then came from the tie option).
    pub fn ambiguous(&self) -> bool {
        self.matches.iter().any(|m| m.action != self.action)
    }

    /// The match whose action was taken.
    pub fn deciding(&self) -> &TierMatch {
        self.matches.iter().find(|m| m.action == self.action).unwrap_or(&self.matches[0])
    }
}

/// Why a direction allowed or denied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// This side is an IP, not a pod: the direction is not checked (S1).
    NotAPod,
    /// Source and destination are the same pod and self traffic is allowed (S12).
    SelfTraffic,
    /// No policy selecting the pod has this policy type: everything is allowed (S2).
    NotIsolated,
    /// Isolated, and at least one rule admits (S3).
    Admitted,
    /// Isolated, and no rule of any isolating policy admits.
    NoRuleAdmits,
    /// The two ends share no address family, so no connection between them can exist (S9a):
    /// an IPv4-only pod and an IPv6-only pod, or a pod and an address of a family it lacks.
    NoCommonFamily,
    /// A rule of the admin tier accepted (S15.2): final for this direction.
    AdminAccepted,
    /// A rule of the admin tier denied (S15.2): final.
    AdminDenied,
    /// Not isolated by NetworkPolicies, and a rule of the baseline tier accepted (S15.4).
    BaselineAccepted,
    /// Not isolated by NetworkPolicies, and a rule of the baseline tier denied (S15.4).
    BaselineDenied,
}

/// The account of one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectionExplanation {
    /// Egress (at the source) or ingress (at the destination).
    pub direction: Direction,
    /// Why.
    pub reason: Reason,
    /// The policies that select the pod and have this policy type.
    pub isolating: Vec<PolicyId>,
    /// Every rule that admits (for [`Reason::Admitted`]).
    pub admitting: Vec<RuleRef>,
    /// Every rule of the isolating policies that does not admit, with what failed.
    pub misses: Vec<RuleMiss>,
    /// What the admin tier did, when one of its rules matched (S15.2).
    pub admin: Option<TierStep>,
    /// What the baseline tier did, when it was reached and one of its rules matched.
    pub baseline: Option<TierStep>,
}

impl DirectionExplanation {
    /// Whether this direction allows the connection.
    pub fn allowed(&self) -> bool {
        !matches!(
            self.reason,
            Reason::NoRuleAdmits | Reason::NoCommonFamily | Reason::AdminDenied | Reason::BaselineDenied
        )
    }

    /// Whether a tier step of this account was decided by the tie option (S15.3).
    pub fn ambiguous(&self) -> bool {
        self.admin.iter().chain(&self.baseline).any(TierStep::ambiguous)
    }
}

/// The account of one address family: egress at the source, ingress at the destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyExplanation {
    /// The family.
    pub family: Family,
    /// Egress at the source, over `family`.
    pub egress: DirectionExplanation,
    /// Ingress at the destination, over `family`.
    pub ingress: DirectionExplanation,
}

/// The account of a whole connection: egress at the source, ingress at the destination (S1),
/// in each address family the two ends share (S9a).
///
/// `egress` and `ingress` are the account of `family`: a family that allows the connection if
/// any does, else the first shared one (IPv4 first). `other` holds the other shared family's
/// account when it differs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Egress at the source.
    pub egress: DirectionExplanation,
    /// Ingress at the destination.
    pub ingress: DirectionExplanation,
    /// The family `egress` and `ingress` are about; `None` when the ends share no family (both
    /// directions then say [`Reason::NoCommonFamily`]).
    pub family: Option<Family>,
    /// Per shared family, whether it allows the connection.
    pub families: FamilyVerdicts,
    /// The other shared family's account, when it differs from this one.
    pub other: Option<Box<FamilyExplanation>>,
}

impl Explanation {
    /// Whether the connection is allowed (both directions allow it, in some shared family).
    pub fn allowed(&self) -> bool {
        self.egress.allowed() && self.ingress.allowed()
    }

    /// The verdict this explanation amounts to.
    pub fn verdict(&self) -> Verdict {
        Verdict { egress: self.egress.allowed(), ingress: self.ingress.allowed(), families: self.families }
    }

    /// The accounts of every shared family that differ, headline first: one entry when every
    /// shared family decides alike (or none is shared).
    pub fn accounts(&self) -> impl Iterator<Item = (Option<Family>, &DirectionExplanation, &DirectionExplanation)> {
        core::iter::once((self.family, &self.egress, &self.ingress))
            .chain(self.other.iter().map(|o| (Some(o.family), &o.egress, &o.ingress)))
    }

    /// A report for people, as `netpol check` prints it: the verdict, then for egress at the
    /// source and ingress at the destination the isolating policies and each admitting rule with
    /// its YAML path, or "no rule admits" and why each rule did not.
    pub fn report(&self, cluster: &Cluster, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> String {
        let (from, to) = (endpoint_name(cluster, src), endpoint_name(cluster, dst));
        let mut out = String::new();
        let verdict = if self.allowed() { "ALLOWED" } else { "DENIED" };
        let only = match (self.families.differ(), self.families.iter().find(|&(_, a)| a)) {
            (true, Some((family, _))) => format!(" (allowed over {family} only)"),
            _ => String::new(),
        };
        let _ = writeln!(out, "{verdict}: {from} -> {to} on {port}/{protocol}{only}");
        if self.family.is_none() {
            let _ = writeln!(
                out,
                "  no address family in common: {}, {}; no connection between them can exist",
                family_text(cluster, src, &from),
                family_text(cluster, dst, &to)
            );
            return out;
        }
        let headed = self.other.is_some();
        for (family, egress, ingress) in self.accounts() {
            if let (true, Some(f)) = (headed, family) {
                let _ = writeln!(out, "over {f}:");
            }
            direction_report(&mut out, cluster, &from, egress);
            direction_report(&mut out, cluster, &to, ingress);
        }
        out
    }
}

/// What fixes an endpoint's family: `x/a has IPv4 only`, `fd00::1 is IPv6`.
fn family_text(cluster: &Cluster, endpoint: Endpoint, name: &str) -> String {
    match endpoint {
        Endpoint::Ip(ip) if cluster.pod_with_ip(ip).is_some() => {
            format!("{name} is addressed over {} ({})", Family::of(ip), ip.to_canonical())
        }
        Endpoint::Ip(ip) => format!("{name} is {}", Family::of(ip)),
        Endpoint::Pod(p) => match ips_family_mask(&cluster.pod(p).ips) {
            1 => format!("{name} has IPv4 only"),
            2 => format!("{name} has IPv6 only"),
            _ => format!("{name} has IPv4 and IPv6"),
        },
    }
}

/// `namespace/pod` for a pod (or a pod's IP), the address otherwise.
pub fn endpoint_name(cluster: &Cluster, endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Pod(p) => cluster.pod(p).qualified_name(),
        Endpoint::Ip(ip) => {
            let ip = ip.to_canonical();
            cluster.pod_with_ip(ip).map_or_else(|| format!("{ip}"), |p| cluster.pod(p).qualified_name())
        }
    }
}

/// One tier step as a line: `denied by admin policy ClusterNetworkPolicy block-db priority 10
/// spec.ingress[2].from[0] (Deny)`, with the other policies of an ambiguous priority.
fn tier_report(out: &mut String, cluster: &Cluster, step: &TierStep, direction: Direction) {
    let m = step.deciding();
    let policy = &cluster.cluster_policies()[m.policy];
    let verb = match step.action {
        Action::Accept => "accepted",
        Action::Deny => "denied",
        Action::Pass => "passed",
    };
    let path = tier_rule_path(policy, direction, m);
    let rule = &policy.rules(direction)[m.rule];
    let name = rule.name.as_ref().map(|n| format!(" rule {n:?}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  {verb} by {} policy {} priority {}{name} {path} ({})",
        step.tier.word(),
        policy.display_name(),
        m.priority,
        rule.action
    );
    if step.ambiguous() {
        let others: Vec<String> = step
            .matches
            .iter()
            .filter(|o| o.action != step.action)
            .map(|o| {
                let p = &cluster.cluster_policies()[o.policy];
                format!("{} {} ({})", p.display_name(), tier_rule_path(p, direction, o), o.action)
            })
            .collect();
        let _ = writeln!(
            out,
            "  ambiguous: at the same priority {} also matches; decided by --tie (the API leaves it undefined)",
            others.join(", ")
        );
    }
}

/// `spec.ingress[2].from[0] + spec.ingress[2].protocols[1]` for a tier match.
fn tier_rule_path(policy: &crate::spec::ClusterPolicy, direction: Direction, m: &TierMatch) -> String {
    let rule = format!("spec.{}[{}]", direction.field(), m.rule);
    let ports = if policy.kind == crate::spec::ClusterPolicyKind::ClusterNetworkPolicy { "protocols" } else { "ports" };
    let mut parts = Vec::new();
    if let Some(p) = m.peer {
        parts.push(format!("{rule}.{}[{p}]", direction.peers_field()));
    }
    if let Some(p) = m.port {
        parts.push(format!("{rule}.{ports}[{p}]"));
    }
    if policy.rules(direction)[m.rule].fails_closed() {
        parts.push(format!("{rule} (fails closed: an entry could not be read)"));
    }
    if parts.is_empty() {
        rule
    } else {
        parts.join(" + ")
    }
}

fn direction_report(out: &mut String, cluster: &Cluster, who: &str, d: &DirectionExplanation) {
    let verdict = if d.allowed() { "allowed" } else { "DENIED" };
    let field = d.direction.field();
    let _ = writeln!(out, "{field} at {who}: {verdict}");
    if let Some(step) = &d.admin {
        tier_report(out, cluster, step, d.direction);
    }
    match d.reason {
        Reason::AdminAccepted | Reason::AdminDenied => {}
        Reason::BaselineAccepted | Reason::BaselineDenied => {
            let _ = writeln!(out, "  not isolated by NetworkPolicies: on to the baseline tier");
            if let Some(step) = &d.baseline {
                tier_report(out, cluster, step, d.direction);
            }
        }
        Reason::NoCommonFamily => {
            let _ = writeln!(out, "  no address family in common with the other end");
        }
        Reason::NotAPod => {
            let _ = writeln!(out, "  {who} is an IP outside the cluster's pods: {field} is not checked");
        }
        Reason::SelfTraffic => {
            let _ = writeln!(out, "  a pod may always reach itself (self traffic: allow)");
        }
        Reason::NotIsolated => {
            let _ = writeln!(out, "  not isolated: no policy selects {who} with policy type {}", d.direction);
            if let Some(step) = &d.baseline {
                tier_report(out, cluster, step, d.direction);
                let _ = writeln!(out, "  nothing below the baseline tier: allowed by default");
            }
        }
        Reason::Admitted | Reason::NoRuleAdmits => {
            let names: Vec<String> = d.isolating.iter().map(|&id| cluster.policy(id).qualified_name()).collect();
            let _ = writeln!(out, "  isolated by: {}", names.join(", "));
            for r in &d.admitting {
                let _ = writeln!(out, "  admitted by {} {}", cluster.policy(r.policy).qualified_name(), r.yaml_path());
            }
            if d.reason == Reason::NoRuleAdmits {
                let _ = writeln!(out, "  no rule admits");
                for m in &d.misses {
                    let why = match (m.peer_matched, m.port_matched) {
                        (false, false) => "neither peer nor port matches",
                        (false, true) => "peer does not match",
                        (true, false) => "port does not match",
                        (true, true) => "matches",
                    };
                    let name = cluster.policy(m.policy).qualified_name();
                    let _ = writeln!(out, "    {name} spec.{field}[{}]: {why}", m.rule);
                }
                for &id in &d.isolating {
                    if cluster.policy(id).rules(d.direction).is_empty() {
                        let name = cluster.policy(id).qualified_name();
                        let _ = writeln!(out, "    {name}: no {field} rules (denies all {field})");
                    }
                }
            }
        }
    }
}
