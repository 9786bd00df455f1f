//! Verification: expectations about a cluster's connectivity, checked exactly.
//!
//! An analysis on top of the [`Engine`]: an expectations file (YAML) says which
//! connections must be allowed and which must be denied; [`verify`] checks every expectation on
//! every pair of endpoints it covers and returns a [`VerifyReport`] that names, for each broken
//! expectation, a few counterexamples with the [`Explanation`] of each. The report renders as
//! text, JSON and JUnit XML (for CI systems).
//!
//! # The file
//!
//! ```yaml
//! expectations:
//!   - name: frontend reaches api            # optional; derived from from/to/port otherwise
//!     from: shop/frontend-*                 # an endpoint selector (below)
//!     to: {namespace: shop, labels: {app: api}}
//!     port: 8080                            # a port, a range "9100-9199", or "all"
//!     protocol: TCP                         # TCP (default), UDP or SCTP
//!     expect: allowed                       # allowed | denied
//! ```
//!
//! Endpoint selectors (`from`, `to`):
//!
//! - `ns/pod`: one pod; `*` in either part is a wildcard (`shop/frontend-*`, `shop/*`, `*/*`).
//! - `{namespace: ns}`, `{labels: {k: v}}`, `{namespace: ns, labels: {...}}`,
//!   `{namespaceLabels: {...}, labels: {...}}`: pods by namespace name, namespace labels and pod
//!   labels (every given part must match; labels with `matchLabels` semantics).
//! - `{pods: all}`: every pod.
//! - an IP address (`203.0.113.10`): a pod's IP means that pod (as in `netpol check`); any other
//!   address is outside the pods.
//! - a CIDR (`203.0.113.0/25`): every address in it that is not a pod's IP (select pods by name
//!   or labels). The policies cut a CIDR into ranges whose addresses they all treat alike; one
//!   address of each range is checked, so the check is exact, not sampled.
//!
//! # Semantics
//!
//! `expect: allowed` passes iff *every* (source, destination) combination is allowed on *every*
//! port of `port`; `expect: denied` passes iff every combination is denied on every port of
//! `port` (so `port: all` + `denied` means no port at all is open). A pod paired with itself is
//! skipped. A selector that matches nothing, or an expectation left with no pair to check, is a
//! failure, never a silent pass.
//!
//! Pods that no policy can tell apart (one identity) decide alike, so each pair of identities is
//! decided once and its verdict counted for all its pod pairs; port ranges are checked on the
//! [`Connectivity`](crate::Connectivity) map's port sets, never port by port.

mod check;
mod file;
mod render;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use ipnet::IpNet;

use crate::spec::Labels;
use crate::{Endpoint, Engine, Explanation, IpRange, Protocol};

/// How many counterexamples [`verify`] keeps per broken expectation.
pub const DEFAULT_MAX_COUNTEREXAMPLES: usize = 5;

/// What an expectation says about its connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expected {
    /// Every connection is allowed on every port of the expectation.
    Allowed,
    /// Every connection is denied on every port of the expectation.
    Denied,
}

impl Expected {
    /// `allowed` or `denied`, as the file spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Allowed => "allowed",
            Expected::Denied => "denied",
        }
    }
}

/// The ports an expectation covers (of its one protocol).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PortSpec {
    /// One port.
    Port(u16),
    /// An inclusive range, `first < last`.
    Range {
        /// First port.
        first: u16,
        /// Last port.
        last: u16,
    },
    /// Every port, 1–65535.
    All,
}

impl PortSpec {
    /// The first and last port covered.
    pub fn bounds(self) -> (u16, u16) {
        match self {
            PortSpec::Port(p) => (p, p),
            PortSpec::Range { first, last } => (first, last),
            PortSpec::All => (1, u16::MAX),
        }
    }
}

impl fmt::Display for PortSpec {
    /// `8080`, `9100-9199` or `all`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortSpec::Port(p) => write!(f, "{p}"),
            PortSpec::Range { first, last } => write!(f, "{first}-{last}"),
            PortSpec::All => f.write_str("all"),
        }
    }
}

/// Which endpoints one side of an expectation stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointSelector {
    /// `namespace/name`; `*` in either part matches any run of characters.
    Name {
        /// The namespace (pattern).
        namespace: String,
        /// The pod name (pattern).
        name: String,
    },
    /// Pods by namespace name, namespace labels and pod labels; every given part must match.
    Labels {
        /// The namespace's name, if given.
        namespace: Option<String>,
        /// Labels the pod's namespace must carry (empty: any namespace).
        namespace_labels: Labels,
        /// Labels the pod must carry (empty: any pod).
        labels: Labels,
    },
    /// Every pod.
    AllPods,
    /// One address; a pod's IP means that pod.
    Ip(IpAddr),
    /// Every address of the network that is not a pod's IP.
    Cidr(IpNet),
}

impl fmt::Display for EndpointSelector {
    /// The selector in one short form: `shop/frontend-*`, `shop/{app=api}`,
    /// `{team=platform}/*`, `*/*`, `203.0.113.0/25`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn labels(f: &mut fmt::Formatter<'_>, labels: &Labels) -> fmt::Result {
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, "{{{}}}", pairs.join(","))
        }
        match self {
            EndpointSelector::Name { namespace, name } => write!(f, "{namespace}/{name}"),
            EndpointSelector::Labels { namespace, namespace_labels, labels: pod_labels } => {
                match namespace {
                    Some(ns) => f.write_str(ns)?,
                    None if namespace_labels.is_empty() => f.write_str("*")?,
                    None => {}
                }
                if !namespace_labels.is_empty() {
                    labels(f, namespace_labels)?;
                }
                f.write_str("/")?;
                if pod_labels.is_empty() {
                    f.write_str("*")
                } else {
                    labels(f, pod_labels)
                }
            }
            EndpointSelector::AllPods => f.write_str("*/*"),
            EndpointSelector::Ip(ip) => write!(f, "{ip}"),
            EndpointSelector::Cidr(net) => write!(f, "{net}"),
        }
    }
}

/// One expectation: connections from `from` to `to` on `ports`/`protocol` are all `expected`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectation {
    /// Its name (given, or derived from the rest).
    pub name: String,
    /// The sources.
    pub from: EndpointSelector,
    /// The destinations.
    pub to: EndpointSelector,
    /// The destination ports.
    pub ports: PortSpec,
    /// The protocol.
    pub protocol: Protocol,
    /// Allowed or denied.
    pub expected: Expected,
    /// Its line (1-based) in the expectations file, when read from one.
    pub line: Option<u32>,
}

impl Expectation {
    /// The name used when the file gives none: `shop/a -> shop/b on 8080/TCP allowed`.
    pub fn default_name(&self) -> String {
        format!("{} -> {} on {} {}", self.from, self.to, self.port_label(), self.expected.as_str())
    }

    /// The ports with the protocol: `8080/TCP`, `9100-9199/TCP`, `all TCP ports`.
    pub fn port_label(&self) -> String {
        match self.ports {
            PortSpec::All => format!("all {} ports", self.protocol),
            ports => format!("{ports}/{}", self.protocol),
        }
    }
}

/// The expectations of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expectations {
    /// Where they came from (a file name), for reports.
    pub origin: String,
    /// The expectations, in file order.
    pub items: Vec<Expectation>,
}

/// One pair that breaks an expectation, with the engine's account of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The source.
    pub src: Endpoint,
    /// The destination.
    pub dst: Endpoint,
    /// `namespace/pod` or the address of the source.
    pub from: String,
    /// `namespace/pod` or the address of the destination.
    pub to: String,
    /// When the source is an address from a CIDR: the range of addresses it stands for.
    pub from_range: Option<IpRange>,
    /// When the destination is an address from a CIDR: the range of addresses it stands for.
    pub to_range: Option<IpRange>,
    /// A port on which the expectation fails (the first one, for ranges).
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// Why the engine decides as it does.
    pub explanation: Explanation,
    /// The explanation as `netpol check` prints it.
    pub report: String,
    /// How many other failing pairs are decided exactly alike (pods of the same identities).
    pub alike: usize,
    /// A few of them, as (`from`, `to`) names.
    pub alike_examples: Vec<(String, String)>,
}

/// The outcome of one expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectationResult {
    /// The expectation.
    pub expectation: Expectation,
    /// Number of (source, destination) pairs checked; a CIDR counts once per range of addresses
    /// the policies treat alike.
    pub pairs: usize,
    /// Number of those pairs that break the expectation.
    pub failed_pairs: usize,
    /// Why the expectation could not be checked (a selector matching nothing); a failure.
    pub problem: Option<String>,
    /// Up to the requested number of failing pairs, one per pair of identities at most.
    pub counterexamples: Vec<Counterexample>,
}

impl ExpectationResult {
    /// Whether the expectation holds.
    pub fn passed(&self) -> bool {
        self.problem.is_none() && self.failed_pairs == 0
    }
}

/// The outcome of every expectation of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Where the expectations came from.
    pub origin: String,
    /// One result per expectation, in file order.
    pub results: Vec<ExpectationResult>,
}

impl VerifyReport {
    /// Number of expectations that hold.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.passed()).count()
    }

    /// Number of expectations that do not.
    pub fn failed(&self) -> usize {
        self.results.len() - self.passed()
    }

    /// Whether every expectation holds.
    pub fn all_passed(&self) -> bool {
        self.results.iter().all(ExpectationResult::passed)
    }
}

/// Checks every expectation against `engine`, keeping [`DEFAULT_MAX_COUNTEREXAMPLES`]
/// counterexamples per broken one.
pub fn verify(engine: &Engine, expectations: &Expectations) -> VerifyReport {
    verify_with(engine, expectations, DEFAULT_MAX_COUNTEREXAMPLES)
}

/// Checks every expectation against `engine`, keeping up to `max_counterexamples` per broken one.
pub fn verify_with(engine: &Engine, expectations: &Expectations, max_counterexamples: usize) -> VerifyReport {
    let checker = check::Checker::new(engine, max_counterexamples);
    let results = expectations.items.iter().map(|e| checker.check(e)).collect();
    VerifyReport { origin: expectations.origin.clone(), results }
}
