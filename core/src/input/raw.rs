//! Unvalidated input, shaped like the Kubernetes API.
//!
//! The Kubernetes loader ([`crate::k8s`]) fills these structs from YAML/JSON; other faces (C,
//! Python, wasm) and tests may fill them directly. [`RawCluster::validate`] (in
//! `input/validate.rs`) turns them into a [`Cluster`](crate::Cluster).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::spec::{ClusterPolicyKind, Labels, Protocol, Workload};
use crate::Diagnostic;

pub use crate::spec::NAMESPACE_NAME_LABEL;

/// The namespace assumed for namespaced objects that name none.
pub const DEFAULT_NAMESPACE: &str = "default";

/// What to do with objects the API server would reject (S14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Strictness {
    /// Fail the whole load and list every problem.
    #[default]
    Strict,
    /// Skip the rejected objects and report the same problems as warnings.
    Lenient,
}

impl Strictness {
    /// S14, in one place: the problems of one object become errors (strict) or, with the object
    /// skipped, warnings that say so (lenient).
    pub fn reject(
        self,
        problems: impl IntoIterator<Item = Diagnostic>,
        errors: &mut Vec<Diagnostic>,
        warnings: &mut Vec<Diagnostic>,
    ) {
        match self {
            Strictness::Strict => errors.extend(problems),
            Strictness::Lenient => warnings.extend(problems.into_iter().map(skipped_leniently)),
        }
    }

    /// `strict` or `lenient`: how every face spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Strictness::Strict => "strict",
            Strictness::Lenient => "lenient",
        }
    }

    /// [`Strictness::Strict`] when `strict`, else [`Strictness::Lenient`]: for faces that take a
    /// flag (`--lenient`, `strict=False`).
    pub fn strict_if(strict: bool) -> Strictness {
        if strict {
            Strictness::Strict
        } else {
            Strictness::Lenient
        }
    }
}

/// A problem turned into the warning of a skipped object (lenient mode).
pub(crate) fn skipped_leniently(problem: Diagnostic) -> Diagnostic {
    let message = format!("{} (object skipped: lenient mode)", problem.message());
    problem.with_message(message)
}

impl core::fmt::Display for Strictness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Strictness {
    type Err = crate::UnknownOptionValue;

    /// `strict` or `lenient`.
    fn from_str(text: &str) -> Result<Strictness, crate::UnknownOptionValue> {
        match text {
            "strict" => Ok(Strictness::Strict),
            "lenient" => Ok(Strictness::Lenient),
            _ => Err(crate::UnknownOptionValue { expected: &["strict", "lenient"] }),
        }
    }
}

/// A `v1/Namespace` as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawNamespace {
    /// Where it came from (file and document), for diagnostics.
    pub origin: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: Labels,
}

/// One container port of a pod as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawContainerPort {
    /// Field path, such as `spec.containers[0].ports[1]`.
    pub field: String,
    /// `name`.
    pub name: Option<String>,
    /// `containerPort`.
    pub container_port: i32,
    /// `protocol`.
    pub protocol: Option<String>,
}

/// A `v1/Pod` as given, reduced to what NetworkPolicies use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPod {
    /// Where it came from, for diagnostics.
    pub origin: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: Labels,
    /// `status.phase`.
    pub phase: Option<String>,
    /// `spec.hostNetwork`.
    pub host_network: bool,
    /// IPs with their field paths (`status.podIPs[0].ip`, or `status.podIP`).
    pub ips: Vec<(String, String)>,
    /// The ports of every container.
    pub ports: Vec<RawContainerPort>,
    /// The workload it belongs to, when known.
    pub workload: Option<Workload>,
    /// A representative of a workload given without pods: `name` is `kind/name` (lowercase
    /// kind, such as `deployment/api`).
    pub representative: bool,
}

/// A `port` value: a number or a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawPortValue {
    /// A port number (validated to 1–65535).
    Number(i32),
    /// A named port (validated as an IANA service name).
    Name(String),
}

/// One entry of a rule's `ports` as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPort {
    /// `protocol`.
    pub protocol: Option<String>,
    /// `port`.
    pub port: Option<RawPortValue>,
    /// `endPort`.
    pub end_port: Option<i32>,
}

/// One `matchExpressions` entry as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRequirement {
    /// `key`.
    pub key: String,
    /// `operator`.
    pub operator: String,
    /// `values`.
    pub values: Option<Vec<String>>,
}

/// A label selector as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawSelector {
    /// `matchLabels`.
    pub match_labels: Option<BTreeMap<String, String>>,
    /// `matchExpressions`.
    pub match_expressions: Option<Vec<RawRequirement>>,
}

/// An `ipBlock` as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawIpBlock {
    /// `cidr`.
    pub cidr: String,
    /// `except`.
    pub except: Option<Vec<String>>,
}

/// A peer (`from`/`to` entry) as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPeer {
    /// `podSelector`.
    pub pod_selector: Option<RawSelector>,
    /// `namespaceSelector`.
    pub namespace_selector: Option<RawSelector>,
    /// `ipBlock`.
    pub ip_block: Option<RawIpBlock>,
}

/// An ingress or egress rule as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRule {
    /// `from` (ingress) or `to` (egress).
    pub peers: Option<Vec<RawPeer>>,
    /// `ports`.
    pub ports: Option<Vec<RawPort>>,
}

/// A `networking.k8s.io/v1/NetworkPolicy` as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawPolicy {
    /// Where it came from, for diagnostics.
    pub origin: Option<String>,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `spec.podSelector` (required).
    pub pod_selector: Option<RawSelector>,
    /// `spec.policyTypes`.
    pub policy_types: Option<Vec<String>>,
    /// `spec.ingress`.
    pub ingress: Option<Vec<RawRule>>,
    /// `spec.egress`.
    pub egress: Option<Vec<RawRule>>,
}

/// Everything given, before validation.
#[derive(Clone, Debug, Default)]
pub struct RawCluster {
    /// Namespaces.
    pub namespaces: Vec<RawNamespace>,
    /// Pods.
    pub pods: Vec<RawPod>,
    /// NetworkPolicies.
    pub policies: Vec<RawPolicy>,
    /// Cluster-wide policies of the admin tiers (S15).
    pub cluster_policies: Vec<RawClusterPolicy>,
    /// Nodes (for `nodes` peers).
    pub nodes: Vec<RawNode>,
    /// Warnings gathered before validation (skipped kinds, ...), passed on to the cluster.
    pub warnings: Vec<Diagnostic>,
}

/// `namespaceSelector` + `podSelector` of a cluster policy subject or peer, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawNamespacedPods {
    /// `namespaceSelector`.
    pub namespace_selector: Option<RawSelector>,
    /// `podSelector` (required).
    pub pod_selector: Option<RawSelector>,
}

/// `spec.subject` of a cluster policy, as given (exactly one field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawSubject {
    /// `namespaces`.
    pub namespaces: Option<RawSelector>,
    /// `pods`.
    pub pods: Option<RawNamespacedPods>,
}

/// A `from`/`to` entry of a cluster policy rule, as given (exactly one field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawAdminPeer {
    /// `namespaces`.
    pub namespaces: Option<RawSelector>,
    /// `pods`.
    pub pods: Option<RawNamespacedPods>,
    /// `networks` (egress).
    pub networks: Option<Vec<String>>,
    /// `nodes` (egress).
    pub nodes: Option<RawSelector>,
    /// `domainNames` (egress).
    pub domain_names: Option<Vec<String>>,
}

/// A destination port of a v1alpha2 `protocols` entry: `number` or `range`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawDestinationPort {
    /// `number`.
    pub number: Option<i64>,
    /// `range`: (`start`, `end`).
    pub range: Option<(Option<i64>, Option<i64>)>,
}

/// A v1alpha2 `protocols` entry or a v1alpha1 `ports` entry, as given (exactly one field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawAdminPort {
    /// v1alpha2 `tcp`/`udp`/`sctp`, with its `destinationPort` (`None` inside when absent).
    pub protocol: Vec<(Protocol, Option<RawDestinationPort>)>,
    /// v1alpha2 `destinationNamedPort` or v1alpha1 `namedPort`.
    pub named_port: Option<String>,
    /// v1alpha1 `portNumber`: (`protocol`, `port`).
    pub port_number: Option<(Option<String>, Option<i64>)>,
    /// v1alpha1 `portRange`: (`protocol`, `start`, `end`).
    pub port_range: Option<(Option<String>, Option<i64>, Option<i64>)>,
}

/// A rule of a cluster policy, as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawAdminRule {
    /// `name`.
    pub name: Option<String>,
    /// `action`.
    pub action: Option<String>,
    /// `from` (ingress) or `to` (egress).
    pub peers: Option<Vec<RawAdminPeer>>,
    /// `protocols` (v1alpha2) or `ports` (v1alpha1).
    pub ports: Option<Vec<RawAdminPort>>,
}

/// A ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy, as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawClusterPolicy {
    /// Where it came from, for diagnostics.
    pub origin: Option<String>,
    /// The kind it was given as.
    pub kind: ClusterPolicyKind,
    /// `metadata.name`.
    pub name: String,
    /// `spec.tier` (v1alpha2).
    pub tier: Option<String>,
    /// `spec.priority`.
    pub priority: Option<i64>,
    /// `spec.subject`.
    pub subject: Option<RawSubject>,
    /// `spec.ingress`.
    pub ingress: Option<Vec<RawAdminRule>>,
    /// `spec.egress`.
    pub egress: Option<Vec<RawAdminRule>>,
}

/// A `v1/Node` as given, reduced to its labels and addresses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawNode {
    /// Where it came from, for diagnostics.
    pub origin: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: Labels,
    /// `status.addresses`: (`type`, `address`).
    pub addresses: Vec<(String, String)>,
}
