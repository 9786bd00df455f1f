//! Cluster-wide admin tiers (S15): ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha2) and
//! its predecessors AdminNetworkPolicy / BaselineAdminNetworkPolicy (v1alpha1), validated; and
//! the Nodes their `nodes` peers select.
//!
//! The numbered rules (issue 19, after kubernetes-sigs/network-policy-api
//! `apis/v1alpha2/clusternetworkpolicy_types.go` and `site-src/api-overview.md`):
//!
//! - **S15.1** Per direction (egress at the source pod, ingress at the destination pod; a
//!   connection needs both): tier Admin, then v1 NetworkPolicy, then tier Baseline, then allow.
//! - **S15.2** In Admin and Baseline: the policies of the tier whose subject selects the pod and
//!   that have rules in the direction, by priority ascending, then rule order within a policy.
//!   The first rule whose peers and protocols match decides: Accept allows (final for the
//!   direction), Deny denies (final), Pass skips the rest of the tier. No match: next tier.
//! - **S15.3** Policies of one tier at one priority that match with different actions: the API
//!   leaves it undefined; netpol reports it and decides by [`Tie`] (default: deny wins).
//! - **S15.4** The v1 tier is final for a pod some NetworkPolicy isolates in the direction;
//!   otherwise evaluation falls through to Baseline.
//! - **S15.5** Subject: `namespaces` or `pods`. Host-network pods are never subjects or peers
//!   (they are left out of the model, S13).
//! - **S15.6** Peers: `namespaces`, `pods`; egress also `networks` (CIDRs, which match pod IPs
//!   too), `nodes` (node labels, matched on the nodes' addresses) and `domainNames` (Accept
//!   only; the addresses a [`DnsMap`] gives the names, outside the pod model; unknown without
//!   DNS data, so it matches nothing). Ingress from an address outside the pod model matches no
//!   peer.
//! - **S15.7** `protocols`: absent means every protocol and port; `tcp`/`udp`/`sctp` with a
//!   destination port number or range; `destinationNamedPort`, resolved on the destination
//!   pod's container ports (number and protocol from there).
//! - **S15.8** Fail closed: a rule with a peer or protocol entry netpol cannot understand
//!   matches nothing when it accepts; when it denies or passes it is a Deny-all rule.
//! - **S15.9** Self traffic is exempt as in S12.
//! - **S15.10** v1alpha1: AdminNetworkPolicy is tier Admin (`Allow` is Accept),
//!   BaselineAdminNetworkPolicy (the singleton `default`) tier Baseline.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use ipnet::IpNet;

use super::query::Family;
use super::{ContainerPort, Direction, LabelSelector, Labels, PolicyPort, Protocol};

/// A tier of cluster-wide policies (S15.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// Before NetworkPolicies.
    Admin,
    /// After NetworkPolicies, for pods none isolates.
    Baseline,
}

impl Tier {
    /// The API spelling (`Admin`, `Baseline`).
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Admin => "Admin",
            Tier::Baseline => "Baseline",
        }
    }

    /// Lowercase, for prose: `admin`, `baseline`.
    pub fn word(self) -> &'static str {
        match self {
            Tier::Admin => "admin",
            Tier::Baseline => "baseline",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a matching rule does (S15.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Allows; final for the direction.
    Accept,
    /// Denies; final.
    Deny,
    /// Skips the rest of the tier.
    Pass,
}

impl Action {
    /// The v1alpha2 spelling (`Accept`, `Deny`, `Pass`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "Accept",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How policies of one tier at one priority that match one connection with different actions
/// are decided (S15.3). The API leaves it undefined; every face reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Tie {
    /// Deny, then Pass, then Accept (what Cilium does): the reading that opens least.
    #[default]
    DenyWins,
    /// Accept, then Pass, then Deny.
    AcceptWins,
    /// Refuse the compile (decided as deny-wins where a caller asks anyway).
    Error,
}

impl Tie {
    /// `deny-wins`, `accept-wins` or `error`: how every face spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Tie::DenyWins => "deny-wins",
            Tie::AcceptWins => "accept-wins",
            Tie::Error => "error",
        }
    }

    /// S15.3: the action of a priority group from whether some policy of it matched with each
    /// action (`[accept, deny, pass]`); `None` when none matched.
    pub fn resolve(self, [accept, deny, pass]: [bool; 3]) -> Option<Action> {
        let order = match self {
            Tie::DenyWins | Tie::Error => [(deny, Action::Deny), (pass, Action::Pass), (accept, Action::Accept)],
            Tie::AcceptWins => [(accept, Action::Accept), (pass, Action::Pass), (deny, Action::Deny)],
        };
        order.into_iter().find(|(matched, _)| *matched).map(|(_, action)| action)
    }
}

impl fmt::Display for Tie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for Tie {
    type Err = super::query::UnknownOptionValue;

    /// `deny-wins`, `accept-wins` or `error`.
    fn from_str(text: &str) -> Result<Tie, Self::Err> {
        match text {
            "deny-wins" => Ok(Tie::DenyWins),
            "accept-wins" => Ok(Tie::AcceptWins),
            "error" => Ok(Tie::Error),
            _ => Err(super::query::UnknownOptionValue { expected: &["deny-wins", "accept-wins", "error"] }),
        }
    }
}

/// Which API kind a cluster policy came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ClusterPolicyKind {
    /// policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy.
    ClusterNetworkPolicy,
    /// policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy (tier Admin).
    AdminNetworkPolicy,
    /// policy.networking.k8s.io/v1alpha1 BaselineAdminNetworkPolicy (tier Baseline).
    BaselineAdminNetworkPolicy,
}

impl ClusterPolicyKind {
    /// The API kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterPolicyKind::ClusterNetworkPolicy => "ClusterNetworkPolicy",
            ClusterPolicyKind::AdminNetworkPolicy => "AdminNetworkPolicy",
            ClusterPolicyKind::BaselineAdminNetworkPolicy => "BaselineAdminNetworkPolicy",
        }
    }

    /// The kind diagnostics name objects of this kind with.
    pub fn object_kind(self) -> super::ObjectKind {
        match self {
            ClusterPolicyKind::ClusterNetworkPolicy => super::ObjectKind::ClusterNetworkPolicy,
            ClusterPolicyKind::AdminNetworkPolicy => super::ObjectKind::AdminNetworkPolicy,
            ClusterPolicyKind::BaselineAdminNetworkPolicy => super::ObjectKind::BaselineAdminNetworkPolicy,
        }
    }
}

/// Pods in namespaces: a namespace selector and a pod selector, ANDed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamespacedPods {
    /// Namespaces to look in (`{}`: all).
    pub namespace_selector: LabelSelector,
    /// Pods to match in them (`{}`: all).
    pub pod_selector: LabelSelector,
}

impl NamespacedPods {
    /// Whether a pod with `labels` in a namespace with `namespace_labels` is one of these.
    pub fn matches(&self, namespace_labels: &Labels, labels: &Labels) -> bool {
        self.namespace_selector.matches(namespace_labels) && self.pod_selector.matches(labels)
    }
}

/// The pods a cluster policy applies to (S15.5).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    /// Every pod of the namespaces matching the selector.
    Namespaces(LabelSelector),
    /// Matching pods of matching namespaces.
    Pods(NamespacedPods),
}

impl Subject {
    /// Whether a pod with `labels` in a namespace with `namespace_labels` is a subject.
    pub fn matches(&self, namespace_labels: &Labels, labels: &Labels) -> bool {
        match self {
            Subject::Namespaces(s) => s.matches(namespace_labels),
            Subject::Pods(p) => p.matches(namespace_labels, labels),
        }
    }
}

/// One peer of a cluster policy rule (S15.6).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AdminPeer {
    /// Every pod of the matching namespaces.
    Namespaces(LabelSelector),
    /// Matching pods of matching namespaces.
    Pods(NamespacedPods),
    /// Addresses in these CIDRs (egress), pods' addresses included.
    Networks(Vec<IpNet>),
    /// The addresses of the matching Nodes (egress; experimental).
    Nodes(LabelSelector),
    /// Domain names (egress, Accept only; experimental): the addresses they resolve to in the
    /// cluster's [`DnsMap`]; without DNS data, nothing.
    DomainNames(Vec<String>),
    /// An entry netpol cannot understand (lenient mode): the rule fails closed (S15.8).
    Unknown,
}

/// One `protocols` (v1alpha2) or `ports` (v1alpha1) entry (S15.7).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AdminPort {
    /// A protocol with every port, one port or a range (a [`PolicyPort`] never named here).
    Port(PolicyPort),
    /// A named container port of the destination pod, of whatever protocol it has there.
    Named(String),
    /// An entry netpol cannot understand (lenient mode): the rule fails closed (S15.8).
    Unknown,
}

impl AdminPort {
    /// Whether this entry matches `port`/`protocol` towards a destination whose container
    /// ports are `destination_ports` (`None` for an address outside the pod model). Not for
    /// [`AdminPort::Unknown`], which [`AdminRule::fails_closed`] handles for the whole rule.
    pub fn matches(&self, port: u16, protocol: Protocol, destination_ports: Option<&[ContainerPort]>) -> bool {
        match self {
            AdminPort::Port(p) => p.matches(port, protocol, destination_ports),
            AdminPort::Named(name) => destination_ports.is_some_and(|ports| {
                ports
                    .iter()
                    .any(|c| c.protocol == protocol && c.number == port && c.name.as_deref() == Some(name.as_str()))
            }),
            AdminPort::Unknown => false,
        }
    }
}

impl fmt::Display for AdminPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminPort::Port(p) => p.fmt(f),
            AdminPort::Named(name) => write!(f, "named port {name}"),
            AdminPort::Unknown => f.write_str("an entry netpol cannot read"),
        }
    }
}

/// A validated rule of a cluster policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AdminRule {
    /// `name`, if given.
    pub name: Option<String>,
    /// `action` (v1alpha1 `Allow` read as Accept).
    pub action: Action,
    /// `from` (ingress) or `to` (egress): never empty.
    pub peers: Vec<AdminPeer>,
    /// `protocols` (v1alpha2) or `ports` (v1alpha1); empty: every protocol and port.
    pub ports: Vec<AdminPort>,
}

impl AdminRule {
    /// S15.8: whether an entry of this rule could not be read, so that it fails closed.
    pub fn fails_closed(&self) -> bool {
        self.peers.iter().any(|p| matches!(p, AdminPeer::Unknown))
            || self.ports.iter().any(|p| matches!(p, AdminPort::Unknown))
    }

    /// S15.8: the action the rule takes: a Pass rule that fails closed is a Deny-all rule (the
    /// API: "for Deny and Pass rules, fail closed means: treat the rule as a 'Deny all' rule").
    pub fn effective_action(&self) -> Action {
        if self.action == Action::Pass && self.fails_closed() {
            Action::Deny
        } else {
            self.action
        }
    }

    /// S15.7, S15.8: whether the rule's ports match (peers asked separately): a rule that fails
    /// closed matches every port unless it accepts.
    pub fn ports_match(&self, port: u16, protocol: Protocol, destination_ports: Option<&[ContainerPort]>) -> bool {
        if self.fails_closed() {
            return self.action != Action::Accept;
        }
        self.ports.is_empty() || self.ports.iter().any(|p| p.matches(port, protocol, destination_ports))
    }
}

/// A validated cluster-wide policy of either API version.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClusterPolicy {
    /// The kind it was given as.
    pub kind: ClusterPolicyKind,
    /// `metadata.name` (cluster-scoped).
    pub name: String,
    /// Its tier (S15.10 for v1alpha1 kinds).
    pub tier: Tier,
    /// `spec.priority`, 0–1000 (BaselineAdminNetworkPolicy has none: 0).
    pub priority: u32,
    /// `spec.subject`.
    pub subject: Subject,
    /// `spec.ingress`.
    pub ingress: Vec<AdminRule>,
    /// `spec.egress`.
    pub egress: Vec<AdminRule>,
}

impl ClusterPolicy {
    /// The rules for `direction`.
    pub fn rules(&self, direction: Direction) -> &[AdminRule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }

    /// How faces name it: `ClusterNetworkPolicy block-db`, `AdminNetworkPolicy block-db`.
    pub fn display_name(&self) -> String {
        alloc::format!("{} {}", self.kind.as_str(), self.name)
    }
}

/// A Node as `nodes` peers see it: its labels and addresses (`status.addresses`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    pub labels: Labels,
    /// The IP addresses among `status.addresses` (InternalIP, ExternalIP), canonical.
    pub addresses: Vec<IpAddr>,
}

/// What `domainNames` peers resolve to (S15.6): name → addresses, as the cluster's resolvers
/// answer. Without it, domain names are unknown and match nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DnsMap {
    /// (name, its addresses): names lowercase without a trailing dot, addresses canonical.
    entries: Vec<(String, Vec<IpAddr>)>,
}

impl DnsMap {
    /// A map from (name, addresses) pairs; names are compared without case and trailing dot,
    /// IPv4-mapped IPv6 addresses read as IPv4.
    pub fn new(entries: impl IntoIterator<Item = (String, Vec<IpAddr>)>) -> DnsMap {
        let mut entries: Vec<(String, Vec<IpAddr>)> = entries
            .into_iter()
            .map(|(name, ips)| (normalize(&name), ips.into_iter().map(|ip| ip.to_canonical()).collect::<Vec<_>>()))
            .collect();
        entries.sort();
        DnsMap { entries }
    }

    /// Whether the map is empty (no DNS data).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The (name, addresses) entries, sorted by name.
    pub fn entries(&self) -> &[(String, Vec<IpAddr>)] {
        &self.entries
    }

    /// The addresses of every name `pattern` matches (S15.6: `*.example.com` matches one or more
    /// labels before `example.com`, not `example.com` itself; other patterns match exactly).
    pub fn resolve<'m>(&'m self, pattern: &str) -> impl Iterator<Item = IpAddr> + 'm {
        let pattern = normalize(pattern);
        self.entries
            .iter()
            .filter(move |(name, _)| match pattern.strip_prefix("*.") {
                Some(suffix) => {
                    name.len() > suffix.len() + 1
                        && name.ends_with(suffix)
                        && name.as_bytes()[name.len() - suffix.len() - 1] == b'.'
                }
                None => *name == pattern,
            })
            .flat_map(|(_, ips)| ips.iter().copied())
    }
}

fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// S15.6: whether `networks` match an address of `family`.
pub fn networks_contain(networks: &[IpNet], ip: IpAddr, family: Family) -> bool {
    Family::of(ip) == family && networks.iter().any(|n| n.contains(&ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_resolve_by_the_option() {
        // S15.3
        let all = [true, true, true];
        assert_eq!(Tie::DenyWins.resolve(all), Some(Action::Deny));
        assert_eq!(Tie::AcceptWins.resolve(all), Some(Action::Accept));
        assert_eq!(Tie::DenyWins.resolve([true, false, true]), Some(Action::Pass));
        assert_eq!(Tie::AcceptWins.resolve([false, true, true]), Some(Action::Pass));
        assert_eq!(Tie::DenyWins.resolve([true, false, false]), Some(Action::Accept));
        assert_eq!(Tie::AcceptWins.resolve([false, false, false]), None);
        assert_eq!("accept-wins".parse::<Tie>(), Ok(Tie::AcceptWins));
        assert!("first".parse::<Tie>().is_err());
    }

    #[test]
    fn domain_patterns_match_as_the_api_says() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let map = DnsMap::new([
            ("kubernetes.io".into(), alloc::vec![ip("192.0.2.1")]),
            ("www.Kubernetes.io.".into(), alloc::vec![ip("192.0.2.2")]),
            ("latest.blog.kubernetes.io".into(), alloc::vec![ip("::ffff:192.0.2.3")]),
            ("my-kubernetes.io".into(), alloc::vec![ip("192.0.2.4")]),
        ]);
        let all = |p: &str| map.resolve(p).collect::<Vec<_>>();
        assert_eq!(all("kubernetes.io"), [ip("192.0.2.1")]);
        assert_eq!(all("*.kubernetes.io"), [ip("192.0.2.3"), ip("192.0.2.2")]);
        assert!(all("blog.kubernetes.io").is_empty());
        assert_eq!(all("WWW.kubernetes.io."), [ip("192.0.2.2")]);
    }

    #[test]
    fn a_rule_that_cannot_be_read_fails_closed() {
        // S15.8
        let rule = |action| AdminRule { name: None, action, peers: alloc::vec![AdminPeer::Unknown], ports: Vec::new() };
        assert!(rule(Action::Accept).fails_closed());
        assert!(!rule(Action::Accept).ports_match(80, Protocol::Tcp, None));
        assert!(rule(Action::Deny).ports_match(80, Protocol::Tcp, None));
        assert!(rule(Action::Pass).ports_match(9, Protocol::Udp, None));
        assert_eq!(rule(Action::Pass).effective_action(), Action::Deny);
        assert_eq!(rule(Action::Accept).effective_action(), Action::Accept);
    }
}
