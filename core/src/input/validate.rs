//! Validation of a [`RawCluster`] into a [`Cluster`]: the checks the API server would make
//! (S14), the defaults of §2 (S4, S8, S10), and every problem reported with the object and field
//! path. It lives in the `no_std` core so every face validates alike.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;
use core::str::FromStr;

use hashbrown::hash_map::Entry;
use hashbrown::HashMap;
use ipnet::IpNet;

use super::raw::*;
use crate::spec::names;
use crate::spec::{
    Cluster, ContainerPort, IpBlock, LabelSelector, Labels, LeftOutPod, LeftOutReason, Namespace, NamespaceId,
    NetworkPolicy, Operator, Peer, Pod, PolicyPort, PortMatch, Protocol, Requirement, Rule,
};
use crate::spec::{ClusterPolicy, Node};
use crate::{Diagnostic, Error, ObjectKind, ObjectRef};

/// Collects the problems of one object.
pub(super) struct Checker<'a> {
    object: ObjectRef,
    origin: Option<&'a str>,
    problems: Vec<Diagnostic>,
}

impl<'a> Checker<'a> {
    pub(super) fn new(object: ObjectRef, origin: Option<&'a str>) -> Checker<'a> {
        Checker { object, origin, problems: Vec::new() }
    }

    pub(super) fn report(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push(Diagnostic::new(Some(self.object.clone()), field, message).with_origin(self.origin));
    }

    pub(super) fn name(&mut self, name: &str, check: fn(&str) -> bool, what: &str) {
        if name.is_empty() {
            self.report("metadata.name", "required value: every object needs a name");
        } else if !check(name) {
            self.report("metadata.name", format!("invalid name {name:?}: must be a {what}"));
        }
    }

    pub(super) fn labels(&mut self, field: &str, labels: &Labels) {
        for (k, v) in labels {
            if !names::is_label_key(k) {
                self.report(&format!("{field}[{k:?}]"), format!("invalid label key {k:?}: must be [prefix/]name, name at most 63 characters of [A-Za-z0-9_.-] starting and ending alphanumeric"));
            }
            if !names::is_label_value(v) {
                self.report(&format!("{field}[{k:?}]"), format!("invalid label value {v:?}: must be empty or at most 63 characters of [A-Za-z0-9_.-] starting and ending alphanumeric"));
            }
        }
    }

    pub(super) fn selector(&mut self, field: &str, raw: &RawSelector) -> LabelSelector {
        let match_labels = raw.match_labels.clone().unwrap_or_default();
        self.labels(&format!("{field}.matchLabels"), &match_labels);
        let mut expressions = Vec::new();
        for (i, r) in raw.match_expressions.iter().flatten().enumerate() {
            let at = format!("{field}.matchExpressions[{i}]");
            if !names::is_label_key(&r.key) {
                self.report(&format!("{at}.key"), format!("invalid label key {:?}", r.key));
            }
            let values = r.values.clone().unwrap_or_default();
            let Some(op) = Operator::parse(&r.operator) else {
                self.report(
                    &format!("{at}.operator"),
                    format!(
                        "unsupported operator {:?}: supported values: \"In\", \"NotIn\", \"Exists\", \"DoesNotExist\"",
                        r.operator
                    ),
                );
                continue;
            };
            match op {
                Operator::In | Operator::NotIn if values.is_empty() => self.report(
                    &format!("{at}.values"),
                    format!("required value: must be non-empty for operator {}", op.as_str()),
                ),
                Operator::Exists | Operator::DoesNotExist if !values.is_empty() => self.report(
                    &format!("{at}.values"),
                    format!("forbidden: may not be specified when operator is {}", op.as_str()),
                ),
                _ => {}
            }
            for (j, v) in values.iter().enumerate() {
                if !names::is_label_value(v) {
                    self.report(&format!("{at}.values[{j}]"), format!("invalid label value {v:?}"));
                }
            }
            expressions.push(Requirement::new(r.key.clone(), op, values));
        }
        LabelSelector::new(match_labels, expressions)
    }

    pub(super) fn cidr(&mut self, field: &str, text: &str) -> Option<IpNet> {
        if text.is_empty() {
            self.report(field, "required value: a CIDR such as 10.0.0.0/8 or fd00::/8");
            return None;
        }
        match IpNet::from_str(text) {
            Ok(net) => Some(net.trunc()),
            Err(_) => {
                self.report(
                    field,
                    format!(
                        "invalid CIDR {text:?}: must be an address and prefix length, such as 10.0.0.0/8 or fd00::/8"
                    ),
                );
                None
            }
        }
    }

    fn ip_block(&mut self, field: &str, raw: &RawIpBlock) -> Option<IpBlock> {
        let cidr = self.cidr(&format!("{field}.cidr"), &raw.cidr);
        let mut except = Vec::new();
        for (i, e) in raw.except.iter().flatten().enumerate() {
            let at = format!("{field}.except[{i}]");
            let (Some(net), Some(cidr)) = (self.cidr(&at, e), cidr) else { continue };
            let same_family = matches!((net, cidr), (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_)));
            if !same_family {
                self.report(&at, format!("{e:?} is not of the same IP family as cidr {:?}", raw.cidr));
            } else if !(cidr.contains(&net) && net.prefix_len() > cidr.prefix_len()) {
                self.report(&at, format!("{e:?} must be a strict subset of cidr {:?}", raw.cidr));
            } else {
                except.push(net);
            }
        }
        Some(IpBlock::new(cidr?, except))
    }

    pub(super) fn port_number(&mut self, field: &str, n: i32) -> Option<u16> {
        match u16::try_from(n) {
            Ok(p) if p >= 1 => Some(p),
            _ => {
                self.report(field, format!("invalid port {n}: must be between 1 and 65535, inclusive"));
                None
            }
        }
    }

    pub(super) fn protocol(&mut self, field: &str, raw: Option<&str>) -> Option<Protocol> {
        match raw {
            None => Some(Protocol::Tcp),
            Some(p) => {
                let parsed = Protocol::parse(p);
                if parsed.is_none() {
                    self.report(
                        field,
                        format!("unsupported protocol {p:?}: supported values: \"TCP\", \"UDP\", \"SCTP\""),
                    );
                }
                parsed
            }
        }
    }

    fn policy_port(&mut self, field: &str, raw: &RawPort) -> Option<PolicyPort> {
        let protocol = self.protocol(&format!("{field}.protocol"), raw.protocol.as_deref());
        let port = match (&raw.port, raw.end_port) {
            (None, None) => Some(PortMatch::Any),
            (None, Some(_)) => {
                self.report(&format!("{field}.port"), "required value: must be specified when endPort is specified");
                None
            }
            (Some(RawPortValue::Name(name)), end) => {
                if end.is_some() {
                    self.report(
                        &format!("{field}.endPort"),
                        "forbidden: may not be specified when port is a named port",
                    );
                }
                if !names::is_iana_svc_name(name) {
                    self.report(
                        &format!("{field}.port"),
                        format!("invalid named port {name:?}: must be 1-15 characters of [a-z0-9-], with at least one letter and no leading, trailing or doubled '-'"),
                    );
                }
                (end.is_none() && names::is_iana_svc_name(name)).then(|| PortMatch::Named(name.clone()))
            }
            (Some(RawPortValue::Number(n)), end) => {
                let first = self.port_number(&format!("{field}.port"), *n);
                let last = match end {
                    None => first,
                    Some(e) => {
                        let last = self.port_number(&format!("{field}.endPort"), e);
                        if let (Some(f), Some(l)) = (first, last) {
                            if l < f {
                                self.report(
                                    &format!("{field}.endPort"),
                                    format!("invalid endPort {l}: must be greater than or equal to port {f}"),
                                );
                                return None;
                            }
                        }
                        last
                    }
                };
                Some(PortMatch::Range { first: first?, last: last? })
            }
        };
        Some(PolicyPort { protocol: protocol?, port: port? })
    }

    fn peer(&mut self, field: &str, raw: &RawPeer) -> Option<Peer> {
        let has_selector = raw.pod_selector.is_some() || raw.namespace_selector.is_some();
        match (&raw.ip_block, has_selector) {
            (None, false) => {
                self.report(field, "required value: must specify a peer: podSelector, namespaceSelector or ipBlock");
                None
            }
            (Some(_), true) => {
                self.report(
                    field,
                    "forbidden: may not specify both ipBlock and another peer (podSelector or namespaceSelector)",
                );
                None
            }
            (Some(block), false) => self.ip_block(&format!("{field}.ipBlock"), block).map(Peer::IpBlock),
            (None, true) => Some(Peer::Selector {
                pod_selector: raw.pod_selector.as_ref().map(|s| self.selector(&format!("{field}.podSelector"), s)),
                namespace_selector: raw
                    .namespace_selector
                    .as_ref()
                    .map(|s| self.selector(&format!("{field}.namespaceSelector"), s)),
            }),
        }
    }

    fn rules(&mut self, direction: &str, peers_field: &str, raw: Option<&Vec<RawRule>>) -> Vec<Rule> {
        let mut rules = Vec::new();
        for (i, r) in raw.into_iter().flatten().enumerate() {
            let at = format!("spec.{direction}[{i}]");
            let peers = r
                .peers
                .iter()
                .flatten()
                .enumerate()
                .filter_map(|(j, p)| self.peer(&format!("{at}.{peers_field}[{j}]"), p))
                .collect();
            let ports = r
                .ports
                .iter()
                .flatten()
                .enumerate()
                .filter_map(|(j, p)| self.policy_port(&format!("{at}.ports[{j}]"), p))
                .collect();
            rules.push(Rule { peers, ports });
        }
        rules
    }

    /// The object checked.
    pub(super) fn object(&self) -> &ObjectRef {
        &self.object
    }

    /// Where it came from.
    pub(super) fn origin(&self) -> Option<&'a str> {
        self.origin
    }

    /// The problems found (for a caller that could not build the value).
    pub(super) fn into_problems(self) -> Vec<Diagnostic> {
        self.problems
    }

    pub(super) fn finish<T>(self, value: T) -> Result<T, Vec<Diagnostic>> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(self.problems)
        }
    }
}

fn validate_namespace(raw: &RawNamespace) -> Result<Namespace, Vec<Diagnostic>> {
    let mut c = Checker::new(ObjectRef::cluster_scoped(ObjectKind::Namespace, &raw.name), raw.origin.as_deref());
    c.name(&raw.name, names::is_dns1123_label, "DNS-1123 label (lowercase letters, digits and '-', at most 63)");
    c.labels("metadata.labels", &raw.labels);
    let mut labels = raw.labels.clone();
    labels.insert(NAMESPACE_NAME_LABEL.into(), raw.name.clone());
    c.finish(Namespace { name: raw.name.clone(), labels })
}

fn validate_pod(raw: RawPod, namespace: &str, object: ObjectRef) -> Result<Pod, Vec<Diagnostic>> {
    let mut c = Checker::new(object, raw.origin.as_deref());
    if raw.representative {
        // `kind/name`: the workload's name must be a valid object name.
        c.name(raw.name.split_once('/').map_or("", |(_, n)| n), names::is_dns1123_subdomain, "DNS-1123 subdomain");
    } else {
        c.name(&raw.name, names::is_dns1123_subdomain, "DNS-1123 subdomain");
    }
    c.labels("metadata.labels", &raw.labels);
    let mut ips = Vec::new();
    for (field, text) in &raw.ips {
        // S9a: an IPv4-mapped IPv6 address is the IPv4 address.
        match IpAddr::from_str(text).map(|ip| ip.to_canonical()) {
            Ok(ip) if !ips.contains(&ip) => ips.push(ip),
            Ok(_) => {}
            Err(_) => c.report(field, format!("invalid IP address {text:?}")),
        }
    }
    let mut ports = Vec::new();
    for p in &raw.ports {
        let number = c.port_number(&format!("{}.containerPort", p.field), p.container_port);
        let protocol = c.protocol(&format!("{}.protocol", p.field), p.protocol.as_deref());
        if let Some(name) = &p.name {
            if !names::is_iana_svc_name(name) {
                c.report(
                    &format!("{}.name", p.field),
                    format!("invalid port name {name:?}: must be an IANA service name"),
                );
            }
        }
        if let (Some(number), Some(protocol)) = (number, protocol) {
            ports.push(ContainerPort { name: p.name.clone(), number, protocol });
        }
    }
    ports.sort();
    ports.dedup();
    c.finish(Pod {
        namespace: namespace.into(),
        namespace_id: NamespaceId(0),
        name: raw.name,
        labels: raw.labels,
        ips,
        ports,
        workload: raw.workload,
        representative: raw.representative,
    })
}

fn validate_policy(raw: &RawPolicy, namespace: &str) -> Result<NetworkPolicy, Vec<Diagnostic>> {
    let mut c =
        Checker::new(ObjectRef::namespaced(ObjectKind::NetworkPolicy, namespace, &raw.name), raw.origin.as_deref());
    c.name(&raw.name, names::is_dns1123_subdomain, "DNS-1123 subdomain");
    let pod_selector = match &raw.pod_selector {
        Some(s) => c.selector("spec.podSelector", s),
        // S7: stored by the API server as `{}` (warned about in `policies`).
        None => LabelSelector::everything(),
    };
    let ingress = c.rules("ingress", "from", raw.ingress.as_ref());
    let egress = c.rules("egress", "to", raw.egress.as_ref());
    // S4: missing or empty policyTypes means Ingress, plus Egress when egress rules are given.
    let (affects_ingress, affects_egress) = match raw.policy_types.as_deref() {
        None | Some([]) => (true, raw.egress.as_ref().is_some_and(|e| !e.is_empty())),
        Some(types) => {
            if types.len() > 2 {
                c.report("spec.policyTypes", "may not specify more than two policyTypes");
            }
            for (i, t) in types.iter().enumerate() {
                if t != "Ingress" && t != "Egress" {
                    c.report(
                        &format!("spec.policyTypes[{i}]"),
                        format!("unsupported value {t:?}: supported values: \"Ingress\", \"Egress\""),
                    );
                }
            }
            (types.iter().any(|t| t == "Ingress"), types.iter().any(|t| t == "Egress"))
        }
    };
    c.finish(NetworkPolicy {
        namespace: namespace.into(),
        name: raw.name.clone(),
        pod_selector,
        ingress,
        egress,
        affects_ingress,
        affects_egress,
    })
}

/// Whether an object is new, an identical repeat, or a repeat with other content.
enum Seen {
    First,
    Identical(Diagnostic),
    Conflicting(Diagnostic),
}

/// A raw object that may be given twice: compared by content, wherever it came from.
trait Content: Clone + PartialEq {
    /// Where it came from.
    fn origin(&self) -> Option<&str>;
    /// The object with its origin forgotten.
    fn without_origin(&self) -> Self;
}

macro_rules! content {
    ($($raw:ty),*) => {$(
        impl Content for $raw {
            fn origin(&self) -> Option<&str> {
                self.origin.as_deref()
            }
            fn without_origin(&self) -> Self {
                Self { origin: None, ..self.clone() }
            }
        }
    )*};
}
content!(RawNamespace, RawPod, RawPolicy, RawClusterPolicy, RawNode);

/// The first object of each key, by kind: `(namespace, name)`, or `("", name)` for objects
/// of the cluster. It refers to the raw objects, so nothing is copied for objects given once.
type Firsts<'r, R> = HashMap<(&'r str, &'r str), &'r R>;

/// Keeps the first of several objects with the same key and classifies the repeats.
fn check_duplicate<'r, R: Content>(
    firsts: &mut Firsts<'r, R>,
    key: (&'r str, &'r str),
    raw: &'r R,
    object: &ObjectRef,
) -> Seen {
    let first = match firsts.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(raw);
            return Seen::First;
        }
        Entry::Occupied(slot) => *slot.get(),
    };
    let origin = raw.origin();
    if first.without_origin() == raw.without_origin() {
        return Seen::Identical(
            Diagnostic::new(Some(object.clone()), "", "given more than once with identical content; used once")
                .with_origin(origin),
        );
    }
    // Both origins, so the reader can compare the two.
    Seen::Conflicting(
        Diagnostic::new(
            Some(object.clone()),
            "metadata.name",
            format!(
                "given more than once with different content (first in {}): which one is meant? (the first one is kept)",
                first.origin().unwrap_or("the same input")
            ),
        )
        .with_origin(origin),
    )
}

impl RawCluster {
    /// Validates everything and builds the [`Cluster`].
    ///
    /// Strict: any problem fails the whole call, and the error lists all of them. Lenient:
    /// objects with problems are skipped and the problems become warnings. Either way pods in
    /// phase Succeeded/Failed and host-network pods are left out with a warning (S13) and kept
    /// by name ([`Cluster::left_out_pods`]), and namespaces referenced but not given are assumed
    /// with a warning (S8).
    pub fn validate(self, strictness: Strictness) -> Result<Cluster, Error> {
        let mut v = Validation { strictness, errors: Vec::new(), warnings: self.warnings, referenced: BTreeSet::new() };
        let mut namespaces = v.namespaces(&self.namespaces);
        let (mut pods, left_out) = v.pods(self.pods);
        let policies = v.policies(&self.policies);
        let cluster_policies = v.cluster_policies(&self.cluster_policies);
        let nodes = v.nodes(&self.nodes);
        v.unique_ips(&mut pods);
        if !v.errors.is_empty() {
            return Err(Error::new(v.errors));
        }
        // S8: namespaces referenced but not given get just their name label.
        let mut assumed = Vec::new();
        for ns in &v.referenced {
            if !namespaces.contains_key(ns) {
                v.warnings.push(Diagnostic::new(
                    Some(ObjectRef::cluster_scoped(ObjectKind::Namespace, ns)),
                    "",
                    format!("not given; assumed with the single label {NAMESPACE_NAME_LABEL}={ns}"),
                ));
                namespaces.insert(ns.clone(), Namespace::assumed(ns));
                assumed.push(ns.clone());
            }
        }
        let mut cluster = Cluster::from_parts(namespaces.into_values().collect(), pods, policies, left_out, v.warnings)
            .with_admin(cluster_policies, nodes);
        for ns in &assumed {
            cluster.mark_assumed(ns);
        }
        Ok(cluster)
    }
}

/// One validation run: where problems go (S14) and the namespaces pods and policies name.
struct Validation {
    strictness: Strictness,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    referenced: BTreeSet<String>,
}

impl Validation {
    fn reject(&mut self, problems: Vec<Diagnostic>) {
        self.strictness.reject(problems, &mut self.errors, &mut self.warnings);
    }

    /// A repeated object: an identical copy is a warning, a conflicting one a problem; only the
    /// first goes on to validation.
    fn admit(&mut self, seen: Seen) -> bool {
        match seen {
            Seen::First => true,
            Seen::Identical(d) => {
                self.warnings.push(d);
                false
            }
            Seen::Conflicting(d) => {
                self.reject(alloc::vec![d]);
                false
            }
        }
    }

    /// A namespaced object's namespace (see [`Validation::namespace_of`]) and reference, if it
    /// is the first of its name ([`Validation::admit`]).
    fn admit_namespaced<'r, R: Content>(
        &mut self,
        firsts: &mut Firsts<'r, R>,
        kind: ObjectKind,
        (namespace, name): (&'r Option<String>, &'r str),
        raw: &'r R,
    ) -> Option<(String, ObjectRef)> {
        let object = ObjectRef::namespaced(kind, namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE), name);
        let ns = self.namespace_of(namespace, &object, raw.origin());
        let key = (namespace.as_deref().filter(|ns| !ns.is_empty()).unwrap_or(DEFAULT_NAMESPACE), name);
        self.admit(check_duplicate(firsts, key, raw, &object)).then_some((ns, object))
    }

    /// The namespace of a namespaced object; `default`, with a warning, when it names none.
    fn namespace_of(&mut self, namespace: &Option<String>, object: &ObjectRef, origin: Option<&str>) -> String {
        match namespace {
            Some(ns) if !ns.is_empty() => ns.clone(),
            _ => {
                let message = format!("no namespace given; assumed {DEFAULT_NAMESPACE:?}");
                self.warnings
                    .push(Diagnostic::new(Some(object.clone()), "metadata.namespace", message).with_origin(origin));
                DEFAULT_NAMESPACE.to_string()
            }
        }
    }

    fn namespaces(&mut self, raws: &[RawNamespace]) -> BTreeMap<String, Namespace> {
        let mut namespaces = BTreeMap::new();
        let mut firsts = Firsts::new();
        for raw in raws {
            let object = ObjectRef::cluster_scoped(ObjectKind::Namespace, &raw.name);
            let key = ("", raw.name.as_str());
            if !self.admit(check_duplicate(&mut firsts, key, raw, &object)) {
                continue;
            }
            match validate_namespace(raw) {
                Ok(ns) => {
                    namespaces.insert(ns.name.clone(), ns);
                }
                Err(p) => self.reject(p),
            }
        }
        namespaces
    }

    /// The pods, and those left out (finished or host-network, S13) kept by name. The raw
    /// pods are taken apart, not copied.
    fn pods(&mut self, raws: Vec<RawPod>) -> (Vec<Pod>, Vec<LeftOutPod>) {
        let (mut pods, mut left_out_pods) = (Vec::with_capacity(raws.len()), Vec::new());
        let admitted: Vec<Option<(String, ObjectRef)>> = {
            let mut firsts = Firsts::with_capacity(raws.len());
            raws.iter()
                .map(|raw| {
                    let name = (&raw.namespace, raw.name.as_str());
                    self.admit_namespaced(&mut firsts, ObjectKind::Pod, name, raw)
                })
                .collect()
        };
        for (raw, admitted) in raws.into_iter().zip(admitted) {
            let Some((ns, object)) = admitted else { continue };
            if let Some(left_out) = self.left_out(&raw, &object, &ns) {
                left_out_pods.push(left_out);
                continue;
            }
            match validate_pod(raw, &ns, object) {
                Ok(pod) => {
                    self.referenced.insert(ns);
                    pods.push(pod);
                }
                Err(p) => self.reject(p),
            }
        }
        (pods, left_out_pods)
    }

    /// S13: a pod in phase Succeeded or Failed, or on the host network, is left out with a
    /// warning and kept by name (with its IPs), so that asking about it says why it is missing.
    fn left_out(&mut self, raw: &RawPod, object: &ObjectRef, ns: &str) -> Option<LeftOutPod> {
        let (reason, phase) = match raw.phase.as_deref() {
            Some(phase @ "Succeeded") => (LeftOutReason::Succeeded, phase),
            Some(phase @ "Failed") => (LeftOutReason::Failed, phase),
            _ => raw.host_network.then_some((LeftOutReason::HostNetwork, ""))?,
        };
        let warning = match reason {
            LeftOutReason::HostNetwork => Diagnostic::new(
                Some(object.clone()),
                "spec.hostNetwork",
                "host-network pod: left out (node traffic is out of scope, S13)",
            ),
            _ => Diagnostic::new(
                Some(object.clone()),
                "status.phase",
                format!("pod is {phase}: left out (its IPs may belong to another pod now)"),
            ),
        };
        self.warnings.push(warning.with_origin(raw.origin.as_deref()));
        let mut ips: Vec<IpAddr> = Vec::new();
        for ip in raw.ips.iter().filter_map(|(_, text)| IpAddr::from_str(text).ok().map(|ip| ip.to_canonical())) {
            if !ips.contains(&ip) {
                ips.push(ip);
            }
        }
        Some(LeftOutPod { namespace: ns.into(), name: raw.name.clone(), reason, ips })
    }

    fn policies(&mut self, raws: &[RawPolicy]) -> Vec<NetworkPolicy> {
        let mut policies = Vec::new();
        let mut firsts = Firsts::new();
        for raw in raws {
            let name = (&raw.namespace, raw.name.as_str());
            let kind = ObjectKind::NetworkPolicy;
            let Some((ns, _)) = self.admit_namespaced(&mut firsts, kind, name, raw) else {
                continue;
            };
            match validate_policy(raw, &ns) {
                Ok(policy) => {
                    if raw.pod_selector.is_none() {
                        let message = "missing or null: read as `{}`, every pod in the namespace, as the API server \
                                       stores it (S7); write `podSelector: {}` to say so";
                        let object = ObjectRef::namespaced(kind, &ns, &raw.name);
                        let warning = Diagnostic::new(Some(object), "spec.podSelector", message);
                        self.warnings.push(warning.with_origin(raw.origin.as_deref()));
                    }
                    self.referenced.insert(ns);
                    policies.push(policy);
                }
                Err(p) => self.reject(p),
            }
        }
        policies
    }

    /// Cluster-wide policies (S15): one of each kind and name.
    fn cluster_policies(&mut self, raws: &[RawClusterPolicy]) -> Vec<ClusterPolicy> {
        let mut out = Vec::new();
        let mut firsts = Firsts::new();
        for raw in raws {
            let key = (raw.kind.as_str(), raw.name.as_str());
            let object = ObjectRef::cluster_scoped(raw.kind.object_kind(), &raw.name);
            if !self.admit(check_duplicate(&mut firsts, key, raw, &object)) {
                continue;
            }
            let lenient = self.strictness == Strictness::Lenient;
            match super::validate_admin::validate_cluster_policy(raw, lenient, &mut self.warnings) {
                Ok(policy) => out.push(policy),
                Err(p) => self.reject(p),
            }
        }
        out
    }

    /// Nodes, one of each name.
    fn nodes(&mut self, raws: &[RawNode]) -> Vec<Node> {
        let mut out = Vec::new();
        let mut firsts = Firsts::new();
        for raw in raws {
            let object = ObjectRef::cluster_scoped(ObjectKind::Node, &raw.name);
            let key = ("", raw.name.as_str());
            if !self.admit(check_duplicate(&mut firsts, key, raw, &object)) {
                continue;
            }
            match super::validate_admin::validate_node(raw) {
                Ok(node) => out.push(node),
                Err(p) => self.reject(p),
            }
        }
        out
    }

    /// Two pods with one IP would make IP endpoints ambiguous: both are rejected.
    fn unique_ips(&mut self, pods: &mut Vec<Pod>) {
        // The last pod given each IP (by index), as a clash names the one before.
        let mut owners: HashMap<IpAddr, usize> = HashMap::with_capacity(pods.len());
        let mut clashing = BTreeSet::new();
        for (i, pod) in pods.iter().enumerate() {
            for ip in &pod.ips {
                if let Some(other) = owners.insert(*ip, i) {
                    let problem = Diagnostic::new(
                        Some(ObjectRef::namespaced(ObjectKind::Pod, &pod.namespace, &pod.name)),
                        "status.podIPs",
                        format!(
                            "IP {ip} is also the IP of pod {}; pod IPs must be unique",
                            pods[other].qualified_name()
                        ),
                    );
                    self.reject(alloc::vec![problem]);
                    clashing.insert(i);
                }
            }
        }
        if !clashing.is_empty() {
            let mut i = 0;
            pods.retain(|_| {
                i += 1;
                !clashing.contains(&(i - 1))
            });
        }
    }
}
