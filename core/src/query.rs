//! The vocabulary of a question: endpoints, options and the verdict.

use core::net::IpAddr;

use crate::spec::PodId;

/// One end of a connection: a pod of the cluster, or an IP address outside the pod model (S1).
///
/// An [`Endpoint::Ip`] that is some pod's IP means that pod: evaluators resolve it first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// A pod, by its position in the cluster.
    Pod(PodId),
    /// An IP address.
    Ip(IpAddr),
}

/// How a pod's traffic to itself is decided (S12).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SelfTraffic {
    /// A pod can always reach itself; policies do not apply (what CNIs do).
    #[default]
    Allow,
    /// Self traffic is decided like any other connection (what upstream e2e expects).
    Evaluate,
}

/// Choices where CNIs differ; both evaluators honour them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    /// S12: self traffic.
    pub self_traffic: SelfTraffic,
    /// S9: whether ipBlocks also match pod IPs (default `true`).
    pub ip_block_matches_pods: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { self_traffic: SelfTraffic::Allow, ip_block_matches_pods: true }
    }
}

/// The answer for one connection: whether egress at the source and ingress at the destination
/// allow it (S1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Verdict {
    /// Egress at the source allows it (always true for an IP source).
    pub egress: bool,
    /// Ingress at the destination allows it (always true for an IP destination).
    pub ingress: bool,
}

impl Verdict {
    /// Both directions allow the connection.
    pub fn is_allowed(self) -> bool {
        self.egress && self.ingress
    }
}
