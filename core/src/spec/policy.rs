//! NetworkPolicies: selected pods, policy types (S4), rules, peers (S6).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::{IpBlock, LabelSelector, Pod, PolicyPort};

/// A direction of traffic as seen from the selected pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// Traffic into the selected pod.
    Ingress,
    /// Traffic out of the selected pod.
    Egress,
}

impl Direction {
    /// The API spelling (`Ingress`, `Egress`).
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "Ingress",
            Direction::Egress => "Egress",
        }
    }

    /// The rules' field name (`ingress`, `egress`).
    pub fn field(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// The peers' field name (`from` for ingress, `to` for egress).
    pub fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One validated peer of a rule (S6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (at least one is present).
    Selector {
        /// Pods to match; `None` means every pod in the selected namespaces.
        pod_selector: Option<LabelSelector>,
        /// Namespaces to look in; `None` means the policy's own namespace.
        namespace_selector: Option<LabelSelector>,
    },
    /// An `ipBlock`.
    IpBlock(IpBlock),
}

/// One validated ingress or egress rule. Empty `peers` matches every peer, empty `ports` every
/// port (S5).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Rule {
    /// `from` (ingress) or `to` (egress).
    pub peers: Vec<Peer>,
    /// `ports`.
    pub ports: Vec<PolicyPort>,
}

/// A validated NetworkPolicy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NetworkPolicy {
    /// The policy's namespace.
    pub namespace: String,
    /// The policy's name.
    pub name: String,
    /// `spec.podSelector`: the pods this policy applies to, within its namespace.
    pub pod_selector: LabelSelector,
    /// `spec.ingress` (kept even when the policy does not affect ingress, for explanations).
    pub ingress: Vec<Rule>,
    /// `spec.egress` (kept even when the policy does not affect egress).
    pub egress: Vec<Rule>,
    /// Whether the effective policy types (S4) include `Ingress`.
    pub affects_ingress: bool,
    /// Whether the effective policy types (S4) include `Egress`.
    pub affects_egress: bool,
}

impl NetworkPolicy {
    /// `namespace/name`.
    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether the effective policy types include `direction`.
    pub fn affects(&self, direction: Direction) -> bool {
        match direction {
            Direction::Ingress => self.affects_ingress,
            Direction::Egress => self.affects_egress,
        }
    }

    /// S2: whether this policy selects `pod` and its effective policy types include
    /// `direction` (so it isolates the pod in that direction).
    pub fn selects(&self, pod: &Pod, direction: Direction) -> bool {
        self.namespace == pod.namespace && self.affects(direction) && self.pod_selector.matches(&pod.labels)
    }

    /// The rules for `direction`.
    pub fn rules(&self, direction: Direction) -> &[Rule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}
