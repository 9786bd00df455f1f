//! The validated model: namespaces, pods and NetworkPolicies as plain `no_std` values.
//!
//! Everything here has passed validation ([`crate::raw`] builds it), so evaluators can rely on
//! it: CIDRs parse, excepts are strict subsets, ports are in range, selectors are well formed.
//! Matching helpers that both evaluators share at the level of a single selector, ipBlock or
//! port live next to their types; how they combine into a verdict is each evaluator's business.
//!
//! Beside the model: the question asked of it (`query.rs`: [`Endpoint`](crate::Endpoint),
//! [`Family`](crate::Family), [`Options`](crate::Options), [`Verdict`](crate::Verdict)) and the
//! diagnostics every stage reports in (`diagnostic.rs`).

pub mod admin;
pub mod change;
mod cluster;
mod diagnostic;
mod dns;
mod ip_block;
mod left_out;
pub mod names;
mod policy;
mod port;
pub(crate) mod query;
mod selector;
mod workload;

pub use admin::{
    Action, AdminPeer, AdminPort, AdminRule, ClusterPolicy, ClusterPolicyKind, DnsMap, NamespacedPods, Node, Subject,
    Tie, Tier,
};
pub use cluster::{Cluster, Namespace, NamespaceId, Pod, PodId, PolicyId, NAMESPACE_NAME_LABEL};
pub use diagnostic::{Diagnostic, Error, ObjectKind, ObjectRef};
pub use dns::{DNS_LABEL, DNS_NAMESPACE, DNS_SELECTOR};
pub use ip_block::IpBlock;
pub use left_out::{LeftOutPod, LeftOutReason};
pub use policy::{Direction, NetworkPolicy, Peer, Rule};
pub use port::{ContainerPort, PolicyPort, PortMatch, Protocol};
pub use selector::{LabelSelector, Labels, Operator, Requirement};
pub use workload::{group_name, stable_labels, Workload, VOLATILE_LABELS};

/// `1 pod`, `3 pods`: a count with its noun, the plural made with `s`.
#[cfg(feature = "std")]
pub(crate) fn plural<N: Copy + PartialEq + core::fmt::Display + From<u8>>(n: N, noun: &str) -> alloc::string::String {
    if n == N::from(1) {
        alloc::format!("1 {noun}")
    } else {
        alloc::format!("{n} {noun}s")
    }
}
