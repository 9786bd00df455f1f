//! Explanations: which policies isolate each side of a connection and which rule admits it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use core::fmt::Write as _;

use crate::query::{Endpoint, Verdict};
use crate::spec::{Cluster, Direction, PolicyId, Protocol};

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
}

impl DirectionExplanation {
    /// Whether this direction allows the connection.
    pub fn allowed(&self) -> bool {
        !matches!(self.reason, Reason::NoRuleAdmits)
    }
}

/// The account of a whole connection: egress at the source, ingress at the destination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// Egress at the source.
    pub egress: DirectionExplanation,
    /// Ingress at the destination.
    pub ingress: DirectionExplanation,
}

impl Explanation {
    /// Whether the connection is allowed (both directions allow it).
    pub fn allowed(&self) -> bool {
        self.egress.allowed() && self.ingress.allowed()
    }

    /// The verdict this explanation amounts to.
    pub fn verdict(&self) -> Verdict {
        Verdict { egress: self.egress.allowed(), ingress: self.ingress.allowed(), families: Default::default() }
    }

    /// A report for people, as `netpol check` prints it: the verdict, then for egress at the
    /// source and ingress at the destination the isolating policies and each admitting rule with
    /// its YAML path, or "no rule admits" and why each rule did not.
    pub fn report(&self, cluster: &Cluster, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> String {
        let (from, to) = (endpoint_name(cluster, src), endpoint_name(cluster, dst));
        let mut out = String::new();
        let verdict = if self.allowed() { "ALLOWED" } else { "DENIED" };
        let _ = writeln!(out, "{verdict}: {from} -> {to} on {port}/{protocol}");
        direction_report(&mut out, cluster, &from, &self.egress);
        direction_report(&mut out, cluster, &to, &self.ingress);
        out
    }
}

/// `namespace/pod` for a pod (or a pod's IP), the address otherwise.
pub fn endpoint_name(cluster: &Cluster, endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Pod(p) => cluster.pod(p).qualified_name(),
        Endpoint::Ip(ip) => {
            cluster.pod_with_ip(ip).map_or_else(|| format!("{ip}"), |p| cluster.pod(p).qualified_name())
        }
    }
}

fn direction_report(out: &mut String, cluster: &Cluster, who: &str, d: &DirectionExplanation) {
    let verdict = if d.allowed() { "allowed" } else { "DENIED" };
    let field = d.direction.field();
    let _ = writeln!(out, "{field} at {who}: {verdict}");
    match d.reason {
        Reason::NotAPod => {
            let _ = writeln!(out, "  {who} is an IP outside the cluster's pods: {field} is not checked");
        }
        Reason::SelfTraffic => {
            let _ = writeln!(out, "  a pod may always reach itself (self traffic: allow)");
        }
        Reason::NotIsolated => {
            let _ = writeln!(out, "  not isolated: no policy selects {who} with policy type {}", d.direction);
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
