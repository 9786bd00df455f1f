//! Explanations: which policies isolate each side of a connection and which rule admits it.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::query::Verdict;
use crate::spec::{Cluster, Direction, PolicyId};

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

    /// One line for people: the verdict and the deciding policies or rules.
    pub fn summary(&self, cluster: &Cluster) -> String {
        let side = match self.direction {
            Direction::Egress => "source",
            Direction::Ingress => "destination",
        };
        let names = |ids: &mut dyn Iterator<Item = PolicyId>| {
            ids.map(|id| cluster.policy(id).qualified_name()).collect::<Vec<_>>().join(", ")
        };
        match self.reason {
            Reason::NotAPod => {
                format!("allowed: the {side} is an IP outside the cluster's pods, {} is not checked", self.direction)
            }
            Reason::SelfTraffic => "allowed: a pod may always reach itself (self traffic)".into(),
            Reason::NotIsolated => format!("allowed: no policy isolates the {side} pod for {}", self.direction),
            Reason::Admitted => format!(
                "allowed by {}",
                self.admitting
                    .iter()
                    .map(|r| format!("{} {}", cluster.policy(r.policy).qualified_name(), r.yaml_path()))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            Reason::NoRuleAdmits => {
                format!("denied: isolated by {} and no rule admits", names(&mut self.isolating.iter().copied()))
            }
        }
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
        Verdict { egress: self.egress.allowed(), ingress: self.ingress.allowed() }
    }
}
