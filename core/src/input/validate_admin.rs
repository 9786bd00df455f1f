//! Validation of the admin-tier kinds (S15) and Nodes, as their CRDs validate them: priority
//! range, one-of fields, list sizes (25 per rule and direction for v1alpha2, 100 for v1alpha1),
//! port ranges, named ports not with networks/nodes/domainNames, domainNames only in Accept
//! rules, the BaselineAdminNetworkPolicy singleton `default`.
//!
//! An entry with none of the fields netpol knows (a peer or protocol kind from a newer API) is
//! an error in strict mode; in lenient mode it is kept as an entry that makes its rule fail
//! closed (S15.8), with a warning, rather than dropping the policy.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;
use core::str::FromStr;

use super::raw::*;
use super::validate::Checker;
use crate::spec::names;
use crate::spec::{
    Action, AdminPeer, AdminPort, AdminRule, ClusterPolicy, ClusterPolicyKind, NamespacedPods, Node, PolicyPort,
    PortMatch, Protocol, Subject, Tier,
};
use crate::{Diagnostic, ObjectKind, ObjectRef};

/// What a kind allows: list sizes and the spelling of the accepting action.
struct Schema {
    kind: ClusterPolicyKind,
    max_items: usize,
    accept: &'static str,
}

impl Schema {
    fn of(kind: ClusterPolicyKind) -> Schema {
        match kind {
            ClusterPolicyKind::ClusterNetworkPolicy => Schema { kind, max_items: 25, accept: "Accept" },
            ClusterPolicyKind::AdminNetworkPolicy => Schema { kind, max_items: 100, accept: "Allow" },
            ClusterPolicyKind::BaselineAdminNetworkPolicy => Schema { kind, max_items: 100, accept: "Allow" },
        }
    }

    fn object_kind(&self) -> ObjectKind {
        self.kind.object_kind()
    }
}

/// One cluster policy: the policy, or its problems; `notes` gets the warnings of entries kept
/// failing closed (lenient mode).
pub(super) fn validate_cluster_policy(
    raw: &RawClusterPolicy,
    lenient: bool,
    notes: &mut Vec<Diagnostic>,
) -> Result<ClusterPolicy, Vec<Diagnostic>> {
    let schema = Schema::of(raw.kind);
    let object = ObjectRef::cluster_scoped(schema.object_kind(), &raw.name);
    let mut c = Checker::new(object.clone(), raw.origin.as_deref());
    c.name(&raw.name, names::is_dns1123_subdomain, "DNS-1123 subdomain");
    let tier = match raw.kind {
        ClusterPolicyKind::AdminNetworkPolicy => Some(Tier::Admin),
        ClusterPolicyKind::BaselineAdminNetworkPolicy => {
            if raw.name != "default" {
                c.report("metadata.name", "BaselineAdminNetworkPolicy is a singleton: its name must be \"default\"");
            }
            Some(Tier::Baseline)
        }
        ClusterPolicyKind::ClusterNetworkPolicy => match raw.tier.as_deref() {
            Some("Admin") => Some(Tier::Admin),
            Some("Baseline") => Some(Tier::Baseline),
            Some(other) => {
                c.report(
                    "spec.tier",
                    format!("unsupported value {other:?}: supported values: \"Admin\", \"Baseline\""),
                );
                None
            }
            None => {
                c.report("spec.tier", "required value: \"Admin\" or \"Baseline\"");
                None
            }
        },
    };
    let priority = match (raw.kind, raw.priority) {
        (ClusterPolicyKind::BaselineAdminNetworkPolicy, _) => Some(0),
        (_, Some(p)) if (0..=1000).contains(&p) => Some(p as u32),
        (_, Some(p)) => {
            c.report("spec.priority", format!("invalid value {p}: must be between 0 and 1000, inclusive"));
            None
        }
        (_, None) => {
            c.report("spec.priority", "required value: a priority from 0 to 1000");
            None
        }
    };
    let subject = match &raw.subject {
        None => {
            c.report("spec.subject", "required value: exactly one of namespaces or pods");
            None
        }
        Some(s) => match (&s.namespaces, &s.pods) {
            (Some(ns), None) => Some(Subject::Namespaces(c.selector("spec.subject.namespaces", ns))),
            (None, Some(p)) => namespaced_pods(&mut c, "spec.subject.pods", p).map(Subject::Pods),
            _ => {
                c.report("spec.subject", "must specify exactly one of namespaces or pods");
                None
            }
        },
    };
    let mut rules = |c: &mut Checker<'_>, direction: &str, raw_rules: Option<&Vec<RawAdminRule>>| {
        let raw_rules = raw_rules.map(Vec::as_slice).unwrap_or_default();
        if raw_rules.len() > schema.max_items {
            c.report(
                &format!("spec.{direction}"),
                format!("too many rules: {} (at most {})", raw_rules.len(), schema.max_items),
            );
        }
        raw_rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| rule(c, &schema, &format!("spec.{direction}[{i}]"), direction, r, lenient, notes))
            .collect::<Vec<_>>()
    };
    let ingress = rules(&mut c, "ingress", raw.ingress.as_ref());
    let egress = rules(&mut c, "egress", raw.egress.as_ref());
    match (tier, priority, subject) {
        (Some(tier), Some(priority), Some(subject)) => {
            c.finish(ClusterPolicy { kind: raw.kind, name: raw.name.clone(), tier, priority, subject, ingress, egress })
        }
        _ => Err(c.into_problems()),
    }
}

fn namespaced_pods(c: &mut Checker<'_>, field: &str, raw: &RawNamespacedPods) -> Option<NamespacedPods> {
    let namespace_selector = raw
        .namespace_selector
        .as_ref()
        .map(|s| c.selector(&format!("{field}.namespaceSelector"), s))
        .unwrap_or_default();
    match &raw.pod_selector {
        Some(s) => {
            Some(NamespacedPods { namespace_selector, pod_selector: c.selector(&format!("{field}.podSelector"), s) })
        }
        None => {
            c.report(&format!("{field}.podSelector"), "required value: a pod selector (`{}` for every pod)");
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn rule(
    c: &mut Checker<'_>,
    schema: &Schema,
    at: &str,
    direction: &str,
    raw: &RawAdminRule,
    lenient: bool,
    notes: &mut Vec<Diagnostic>,
) -> Option<AdminRule> {
    let peers_field = if direction == "ingress" { "from" } else { "to" };
    let ports_field = if schema.kind == ClusterPolicyKind::ClusterNetworkPolicy { "protocols" } else { "ports" };
    if raw.name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        c.report(&format!("{at}.name"), "too long: at most 100 characters");
    }
    let action = match raw.action.as_deref() {
        Some(a) if a == schema.accept => Some(Action::Accept),
        Some("Deny") => Some(Action::Deny),
        Some("Pass") if schema.kind != ClusterPolicyKind::BaselineAdminNetworkPolicy => Some(Action::Pass),
        Some(other) => {
            let supported = match schema.kind {
                ClusterPolicyKind::ClusterNetworkPolicy => "\"Accept\", \"Deny\", \"Pass\"",
                ClusterPolicyKind::AdminNetworkPolicy => "\"Allow\", \"Deny\", \"Pass\"",
                ClusterPolicyKind::BaselineAdminNetworkPolicy => "\"Allow\", \"Deny\"",
            };
            c.report(&format!("{at}.action"), format!("unsupported value {other:?}: supported values: {supported}"));
            None
        }
        None => {
            c.report(&format!("{at}.action"), "required value: the rule's action");
            None
        }
    };
    let mut fails_closed = |c: &mut Checker<'_>, field: String, what: &str| {
        if lenient {
            let message = format!("{what}: none of the fields netpol reads; the rule fails closed (S15.8): an accepting rule matches nothing, a Deny or Pass rule denies everything");
            notes.push(Diagnostic::new(Some(c.object().clone()), field, message).with_origin(c.origin()));
        } else {
            c.report(&field, format!("{what}: must specify exactly one field"));
        }
    };
    let mut peers = Vec::new();
    match &raw.peers {
        None => c.report(&format!("{at}.{peers_field}"), "required value: at least one peer"),
        Some(list) if list.is_empty() => c.report(&format!("{at}.{peers_field}"), "required value: at least one peer"),
        Some(list) => {
            if list.len() > schema.max_items {
                c.report(
                    &format!("{at}.{peers_field}"),
                    format!("too many peers: {} (at most {})", list.len(), schema.max_items),
                );
            }
            for (j, p) in list.iter().enumerate() {
                let field = format!("{at}.{peers_field}[{j}]");
                let given = [
                    p.namespaces.is_some(),
                    p.pods.is_some(),
                    p.networks.is_some(),
                    p.nodes.is_some(),
                    p.domain_names.is_some(),
                ];
                // S15.6: ingress peers are pods only.
                if direction == "ingress" && given[2..].iter().any(|g| *g) {
                    c.report(
                        &field,
                        "forbidden: ingress peers are namespaces or pods (networks, nodes and domainNames are egress peers)",
                    );
                    continue;
                }
                match given.iter().filter(|g| **g).count() {
                    0 => {
                        fails_closed(c, field, "peer");
                        peers.push(AdminPeer::Unknown);
                        continue;
                    }
                    1 => {}
                    _ => {
                        c.report(
                            &field,
                            "must specify exactly one of namespaces, pods, networks, nodes or domainNames",
                        );
                        continue;
                    }
                }
                if let Some(s) = &p.namespaces {
                    peers.push(AdminPeer::Namespaces(c.selector(&format!("{field}.namespaces"), s)));
                } else if let Some(pods) = &p.pods {
                    if let Some(pods) = namespaced_pods(c, &format!("{field}.pods"), pods) {
                        peers.push(AdminPeer::Pods(pods));
                    }
                } else if let Some(s) = &p.nodes {
                    peers.push(AdminPeer::Nodes(c.selector(&format!("{field}.nodes"), s)));
                } else if let Some(nets) = &p.networks {
                    if nets.is_empty() || nets.len() > 25 {
                        c.report(&format!("{field}.networks"), format!("must hold 1 to 25 CIDRs, not {}", nets.len()));
                    }
                    let cidrs: Vec<_> = nets
                        .iter()
                        .enumerate()
                        .filter_map(|(k, n)| c.cidr(&format!("{field}.networks[{k}]"), n))
                        .collect();
                    peers.push(AdminPeer::Networks(cidrs));
                } else if let Some(names) = &p.domain_names {
                    if names.is_empty() || names.len() > 25 {
                        c.report(
                            &format!("{field}.domainNames"),
                            format!("must hold 1 to 25 names, not {}", names.len()),
                        );
                    }
                    for (k, name) in names.iter().enumerate() {
                        if !is_domain_name(name) {
                            c.report(&format!("{field}.domainNames[{k}]"), format!("invalid domain name {name:?}: labels of [A-Za-z0-9_-], optionally starting with `*.`"));
                        }
                    }
                    if action.is_some_and(|a| a != Action::Accept) {
                        c.report(
                            &format!("{field}.domainNames"),
                            format!("domainNames peers are only allowed in {} rules", schema.accept),
                        );
                    }
                    peers.push(AdminPeer::DomainNames(names.clone()));
                }
            }
        }
    }
    let mut ports = Vec::new();
    if let Some(list) = &raw.ports {
        if list.is_empty() || list.len() > schema.max_items {
            c.report(
                &format!("{at}.{ports_field}"),
                format!("must hold 1 to {} entries, not {}", schema.max_items, list.len()),
            );
        }
        for (j, p) in list.iter().enumerate() {
            let field = format!("{at}.{ports_field}[{j}]");
            let given = p.protocol.len()
                + usize::from(p.named_port.is_some())
                + usize::from(p.port_number.is_some())
                + usize::from(p.port_range.is_some());
            match given {
                0 => {
                    fails_closed(c, field, "protocol entry");
                    ports.push(AdminPort::Unknown);
                }
                1 => {
                    if let Some(port) = admin_port(c, &field, p) {
                        ports.push(port);
                    }
                }
                _ => c.report(&field, "must specify exactly one field"),
            }
        }
        let named = ports.iter().any(|p| matches!(p, AdminPort::Named(_)));
        if named
            && peers
                .iter()
                .any(|p| matches!(p, AdminPeer::Networks(_) | AdminPeer::Nodes(_) | AdminPeer::DomainNames(_)))
        {
            c.report(
                &format!("{at}.{ports_field}"),
                "networks/nodes/domainNames peers cannot be set with named ports: there are no named ports there",
            );
        }
    }
    Some(AdminRule { name: raw.name.clone(), action: action?, peers, ports })
}

fn admin_port(c: &mut Checker<'_>, field: &str, raw: &RawAdminPort) -> Option<AdminPort> {
    let number = |c: &mut Checker<'_>, at: &str, n: Option<i64>| -> Option<u16> {
        match n {
            None => {
                c.report(at, "required value: a port from 1 to 65535");
                None
            }
            Some(n) => c.port_number(at, i32::try_from(n).unwrap_or(-1)),
        }
    };
    let range = |c: &mut Checker<'_>, at: &str, protocol: Protocol, start: Option<i64>, end: Option<i64>| {
        let (first, last) = (number(c, &format!("{at}.start"), start), number(c, &format!("{at}.end"), end));
        let (first, last) = (first?, last?);
        if first >= last {
            c.report(at, format!("start port {first} must be less than end port {last}"));
            return None;
        }
        Some(AdminPort::Port(PolicyPort { protocol, port: PortMatch::Range { first, last } }))
    };
    if let Some(name) = &raw.named_port {
        if !names::is_iana_svc_name(name) {
            c.report(
                field,
                format!("invalid named port {name:?}: must be 1-15 characters of [a-z0-9-], with at least one letter"),
            );
            return None;
        }
        return Some(AdminPort::Named(name.clone()));
    }
    if let Some((protocol, port)) = raw.protocol.first() {
        let at = format!("{field}.{}", protocol.as_str().to_ascii_lowercase());
        return match port {
            None => {
                c.report(&at, "required value: destinationPort");
                None
            }
            Some(RawDestinationPort { number: Some(n), range: None }) => {
                let n = number(c, &format!("{at}.destinationPort.number"), Some(*n))?;
                Some(AdminPort::Port(PolicyPort { protocol: *protocol, port: PortMatch::Range { first: n, last: n } }))
            }
            Some(RawDestinationPort { number: None, range: Some((start, end)) }) => {
                range(c, &format!("{at}.destinationPort.range"), *protocol, *start, *end)
            }
            Some(_) => {
                c.report(&format!("{at}.destinationPort"), "must specify exactly one of number or range");
                None
            }
        };
    }
    if let Some((protocol, port)) = &raw.port_number {
        let protocol = anp_protocol(c, &format!("{field}.portNumber.protocol"), protocol.as_deref(), true)?;
        let n = number(c, &format!("{field}.portNumber.port"), *port)?;
        return Some(AdminPort::Port(PolicyPort { protocol, port: PortMatch::Range { first: n, last: n } }));
    }
    if let Some((protocol, start, end)) = &raw.port_range {
        let protocol = anp_protocol(c, &format!("{field}.portRange.protocol"), protocol.as_deref(), false)?;
        return range(c, &format!("{field}.portRange"), protocol, *start, *end);
    }
    None
}

/// A v1alpha1 protocol: required in `portNumber`, TCP by default in `portRange`.
fn anp_protocol(c: &mut Checker<'_>, field: &str, raw: Option<&str>, required: bool) -> Option<Protocol> {
    if raw.is_none() && required {
        c.report(field, "required value: TCP, UDP or SCTP");
        return None;
    }
    c.protocol(field, raw)
}

/// A domain name as the CRD's pattern allows: labels, optionally a leading `*.`, optionally a
/// trailing dot.
fn is_domain_name(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    let name = name.strip_suffix('.').unwrap_or(name);
    let labels: Vec<&str> = name.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
                && l.starts_with(|ch: char| ch.is_ascii_alphanumeric())
                && l.ends_with(|ch: char| ch.is_ascii_alphanumeric())
        })
}

/// One Node: its labels and the IP addresses among `status.addresses` (hostnames are not
/// addresses and are passed over).
pub(super) fn validate_node(raw: &RawNode) -> Result<Node, Vec<Diagnostic>> {
    let mut c = Checker::new(ObjectRef::cluster_scoped(ObjectKind::Node, &raw.name), raw.origin.as_deref());
    c.name(&raw.name, names::is_dns1123_subdomain, "DNS-1123 subdomain");
    c.labels("metadata.labels", &raw.labels);
    let mut addresses = Vec::new();
    for (i, (kind, address)) in raw.addresses.iter().enumerate() {
        if kind == "Hostname" || kind == "InternalDNS" || kind == "ExternalDNS" {
            continue;
        }
        match IpAddr::from_str(address) {
            Ok(ip) => {
                let ip = ip.to_canonical();
                if !addresses.contains(&ip) {
                    addresses.push(ip);
                }
            }
            Err(_) => c.report(
                &format!("status.addresses[{i}].address"),
                format!("invalid IP address {address:?} for type {kind:?}"),
            ),
        }
    }
    c.finish(Node { name: raw.name.clone(), labels: raw.labels.clone(), addresses })
}

#[cfg(test)]
mod tests {
    use super::is_domain_name;

    #[test]
    fn domain_names_follow_the_crd_pattern() {
        assert!(is_domain_name("kubernetes.io"));
        assert!(is_domain_name("*.kubernetes.io"));
        assert!(is_domain_name("blog.kubernetes.io."));
        assert!(!is_domain_name("kubernetes"));
        assert!(!is_domain_name("*kubernetes.io"));
        assert!(!is_domain_name("www.*.io"));
    }
}
