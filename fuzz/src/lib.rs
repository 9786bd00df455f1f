//! Shared by the fuzz targets: a small cluster built from fuzz bytes, with cluster policies of
//! the admin tiers (S15) and Nodes.
//!
//! Like the generator of `core/tests/agreement.rs`, names, labels, CIDRs and ports come from
//! the small alphabets of `netpol_test_support::alphabet`, so that selectors, blocks and ports
//! actually match something; now and then a free-form string from the input takes their place,
//! so validation sees junk too.

use std::collections::BTreeMap;
use std::net::IpAddr;

use arbitrary::{Arbitrary, Result, Unstructured};
use netpol::raw::{
    RawAdminPeer, RawAdminPort, RawAdminRule, RawCluster, RawClusterPolicy, RawContainerPort, RawDestinationPort,
    RawIpBlock, RawNamespace, RawNamespacedPods, RawNode, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue,
    RawRequirement, RawRule, RawSelector, RawSubject, NAMESPACE_NAME_LABEL,
};
use netpol::spec::ClusterPolicyKind;
use netpol::{Endpoint, Options, Protocol, SelfTraffic};
use netpol_test_support::alphabet::{
    pod_ipv4, pod_ipv6, CIDRS, EXISTENCE_OPERATORS, LABEL_KEYS, LABEL_VALUES, NAMESPACES, POD_EDGE_HOSTS, POD_HOSTS,
    POD_SUBNETS, PORTS, PORT_NAMES, PROTOCOLS, SET_OPERATORS,
};

/// The namespaces these clusters use.
const USED_NAMESPACES: &[&str] = NAMESPACES.split_at(3).0;
/// Addresses that queries use besides the pods' own: inside and outside the alphabet's CIDRs, and
/// IPv4-mapped IPv6 forms, which are IPv4 (S9a).
pub const PROBE_IPS: &[&str] = &[
    "10.0.0.1",
    "10.0.0.5",
    "10.0.1.5",
    "10.0.2.200",
    "10.1.2.3",
    "192.0.2.1",
    "fd00::3",
    "fd00::1:0",
    "2001:db8::1",
    "::ffff:10.0.0.5",
    "::ffff:192.0.2.1",
];
/// Ports that queries use: rule boundaries and a few others.
pub const PROBE_PORTS: &[u16] = &[1, 53, 80, 81, 443, 1000, 8080, 9090, 65535];

fn pick<'a, T: Copy>(u: &mut Unstructured<'a>, from: &[T]) -> Result<T> {
    Ok(*u.choose(from)?)
}

/// Mostly a word of `alphabet`, rarely a free-form string from the input.
fn word(u: &mut Unstructured<'_>, alphabet: &[&str]) -> Result<String> {
    if u.ratio(1u8, 40)? {
        let s: &str = u.arbitrary()?;
        Ok(s.chars().take(70).collect())
    } else {
        Ok(pick(u, alphabet)?.to_string())
    }
}

fn small_len(u: &mut Unstructured<'_>, max: usize) -> Result<usize> {
    u.int_in_range(0..=max)
}

/// A label key; now and then the namespace name label (S8), which namespace selectors by name
/// use.
fn key(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1u8, 4)? {
        Ok(NAMESPACE_NAME_LABEL.to_string())
    } else {
        word(u, LABEL_KEYS)
    }
}

/// A label value; now and then a namespace name, for the name label.
fn value(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(2u8, 5)? {
        word(u, USED_NAMESPACES)
    } else {
        word(u, LABEL_VALUES)
    }
}

fn labels(u: &mut Unstructured<'_>) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for _ in 0..small_len(u, 3)? {
        out.insert(key(u)?, value(u)?);
    }
    Ok(out)
}

fn selector(u: &mut Unstructured<'_>) -> Result<RawSelector> {
    let match_labels = match u.int_in_range(0..=3u8)? {
        0 => None,
        1 => Some(BTreeMap::new()),
        _ => Some(labels(u)?),
    };
    let match_expressions = match u.int_in_range(0..=3u8)? {
        0 | 1 => None,
        2 => Some(Vec::new()),
        _ => {
            let mut v = Vec::new();
            for _ in 0..small_len(u, 2)? + 1 {
                let operators = if u.arbitrary()? { SET_OPERATORS } else { EXISTENCE_OPERATORS };
                let operator = word(u, operators)?;
                let values = match u.int_in_range(0..=3u8)? {
                    0 => None,
                    1 => Some(Vec::new()),
                    _ => Some((0..small_len(u, 2)? + 1).map(|_| value(u)).collect::<Result<_>>()?),
                };
                v.push(RawRequirement { key: key(u)?, operator, values });
            }
            Some(v)
        }
    };
    Ok(RawSelector { match_labels, match_expressions })
}

fn ip_block(u: &mut Unstructured<'_>) -> Result<RawIpBlock> {
    let cidr = word(u, CIDRS)?;
    let except = match u.int_in_range(0..=2u8)? {
        0 => None,
        1 => Some(Vec::new()),
        // Mostly strict subsets (valid), sometimes anything (invalid excepts are reported).
        _ => Some((0..small_len(u, 2)? + 1).map(|_| word(u, CIDRS)).collect::<Result<_>>()?),
    };
    Ok(RawIpBlock { cidr, except })
}

fn peer(u: &mut Unstructured<'_>) -> Result<RawPeer> {
    Ok(match u.int_in_range(0..=4u8)? {
        0 => RawPeer { pod_selector: Some(selector(u)?), ..RawPeer::default() },
        1 => RawPeer { namespace_selector: Some(selector(u)?), ..RawPeer::default() },
        2 => RawPeer { pod_selector: Some(selector(u)?), namespace_selector: Some(selector(u)?), ip_block: None },
        _ => RawPeer { ip_block: Some(ip_block(u)?), ..RawPeer::default() },
    })
}

fn port_number(u: &mut Unstructured<'_>) -> Result<i32> {
    if u.ratio(1u8, 4)? {
        Ok(u.int_in_range(-2..=65537)?)
    } else {
        pick(u, PORTS)
    }
}

fn policy_port(u: &mut Unstructured<'_>) -> Result<RawPort> {
    let protocol =
        if u.ratio(1u8, 40)? { Some(u.arbitrary::<String>()?) } else { pick(u, PROTOCOLS)?.map(String::from) };
    let (port, end_port) = match u.int_in_range(0..=4u8)? {
        0 => (None, None),
        1 => (Some(RawPortValue::Number(port_number(u)?)), None),
        2 => {
            let n = port_number(u)?;
            let d = u.int_in_range(-1..=1000)?;
            (Some(RawPortValue::Number(n)), Some(n.saturating_add(d).min(65535)))
        }
        _ => (Some(RawPortValue::Name(word(u, PORT_NAMES)?)), None),
    };
    Ok(RawPort { protocol, port, end_port })
}

fn rules(u: &mut Unstructured<'_>) -> Result<Option<Vec<RawRule>>> {
    if u.ratio(1u8, 4)? {
        return Ok(None);
    }
    let mut out = Vec::new();
    for _ in 0..small_len(u, 3)? {
        let peers = match u.int_in_range(0..=5u8)? {
            0 | 1 => None,
            2 => Some(Vec::new()),
            _ => Some((0..small_len(u, 2)? + 1).map(|_| peer(u)).collect::<Result<_>>()?),
        };
        let ports = match u.int_in_range(0..=4u8)? {
            0 | 1 => None,
            2 => Some(Vec::new()),
            _ => Some((0..small_len(u, 2)? + 1).map(|_| policy_port(u)).collect::<Result<_>>()?),
        };
        out.push(RawRule { peers, ports });
    }
    Ok(Some(out))
}

fn namespace(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => None,
        n => Some(word(u, &USED_NAMESPACES[..((n as usize) % USED_NAMESPACES.len() + 1)])?),
    })
}

fn ipv4(u: &mut Unstructured<'_>) -> Result<String> {
    let subnet = u.int_in_range(0..=POD_SUBNETS - 1)?;
    let host = if u.ratio(1u8, 4)? { pick(u, POD_EDGE_HOSTS)? } else { u.int_in_range(0..=POD_HOSTS - 1)? };
    Ok(pod_ipv4(subnet, host))
}

fn ipv6(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(pod_ipv6(u.int_in_range(0..=POD_HOSTS - 1)?))
}

/// `status.podIPs` by address family (S9a): none, IPv4-only, IPv6-only, dual-stack (either
/// order); rarely junk, or an IPv4-mapped address (validation reads it as IPv4).
fn pod_ips(u: &mut Unstructured<'_>) -> Result<Vec<String>> {
    Ok(match u.int_in_range(0..=9u8)? {
        0 => Vec::new(),
        1..=4 => vec![ipv4(u)?],
        5 | 6 => vec![ipv6(u)?],
        7 => vec![ipv4(u)?, ipv6(u)?],
        8 => vec![ipv6(u)?, ipv4(u)?],
        _ if u.ratio(1u8, 2)? => vec![format!("::ffff:{}", ipv4(u)?)],
        _ => (0..small_len(u, 2)?).map(|_| u.arbitrary::<String>()).collect::<Result<_>>()?,
    })
}

/// A cluster of at most 4 namespaces, 8 pods and 6 policies.
pub fn cluster(u: &mut Unstructured<'_>) -> Result<RawCluster> {
    let mut raw = RawCluster::default();
    for _ in 0..small_len(u, 3)? {
        raw.namespaces.push(RawNamespace { origin: None, name: word(u, USED_NAMESPACES)?, labels: labels(u)? });
    }
    for i in 0..small_len(u, 8)? {
        let ips = pod_ips(u)?.into_iter().enumerate().map(|(j, ip)| (format!("status.podIPs[{j}].ip"), ip)).collect();
        let mut ports = Vec::new();
        for j in 0..small_len(u, 3)? {
            let name = if u.arbitrary()? { Some(word(u, PORT_NAMES)?) } else { None };
            ports.push(RawContainerPort {
                field: format!("spec.containers[0].ports[{j}]"),
                name,
                container_port: port_number(u)?,
                protocol: pick(u, PROTOCOLS)?.map(String::from),
            });
        }
        let phase = match u.int_in_range(0..=19u8)? {
            0 => Some("Succeeded".to_string()),
            1 => Some("Running".to_string()),
            _ => None,
        };
        raw.pods.push(RawPod {
            origin: Some(format!("pod{i}")),
            namespace: namespace(u)?,
            name: if u.ratio(1u8, 8)? { "p0".into() } else { format!("p{i}") },
            labels: labels(u)?,
            phase,
            host_network: u.ratio(1u8, 30)?,
            ips,
            ports,
            ..RawPod::default()
        });
    }
    for i in 0..small_len(u, 6)? {
        let policy_types = match u.int_in_range(0..=6u8)? {
            0 => None,
            1 => Some(Vec::new()),
            2 => Some(vec!["Ingress".into()]),
            3 => Some(vec!["Egress".into()]),
            4 => Some(vec!["Ingress".into(), "Egress".into()]),
            5 => Some(vec!["Egress".into(), "Ingress".into()]),
            _ => Some(vec![word(u, &["Ingress", "Egress"])?]),
        };
        raw.policies.push(RawPolicy {
            origin: Some(format!("policy{i}")),
            namespace: namespace(u)?,
            name: if u.ratio(1u8, 8)? { "np0".into() } else { format!("np{i}") },
            pod_selector: if u.ratio(1u8, 30)? { None } else { Some(selector(u)?) },
            policy_types,
            ingress: rules(u)?,
            egress: rules(u)?,
        });
    }
    // Admin tiers (S15): a few cluster policies of any kind, and Nodes with PROBE_IPS addresses.
    for i in 0..small_len(u, 4)? {
        raw.cluster_policies.push(cluster_policy(u, i)?);
    }
    for i in 0..small_len(u, 2)? {
        let addresses = (0..small_len(u, 2)? + 1)
            .map(|_| Ok((word(u, &["InternalIP", "ExternalIP", "Hostname"])?, word(u, PROBE_IPS)?)))
            .collect::<Result<_>>()?;
        raw.nodes.push(RawNode { origin: None, name: format!("node-{i}"), labels: labels(u)?, addresses });
    }
    Ok(raw)
}

fn namespaced_pods(u: &mut Unstructured<'_>) -> Result<RawNamespacedPods> {
    Ok(RawNamespacedPods {
        namespace_selector: if u.ratio(1u8, 10)? { None } else { Some(selector(u)?) },
        pod_selector: if u.ratio(1u8, 30)? { None } else { Some(selector(u)?) },
    })
}

/// One protocol (v1alpha2) or port (v1alpha1) entry, mostly valid.
fn admin_port(u: &mut Unstructured<'_>, v1alpha2: bool) -> Result<RawAdminPort> {
    let protocol = *u.choose(&Protocol::ALL)?;
    let number = |u: &mut Unstructured<'_>| -> Result<Option<i64>> { Ok(Some(i64::from(port_number(u)?))) };
    Ok(match (v1alpha2, u.int_in_range(0..=3u8)?) {
        (_, 0) => RawAdminPort { named_port: Some(word(u, PORT_NAMES)?), ..RawAdminPort::default() },
        (true, 1) => {
            let range = Some((number(u)?, number(u)?));
            RawAdminPort {
                protocol: vec![(protocol, Some(RawDestinationPort { number: None, range }))],
                ..RawAdminPort::default()
            }
        }
        (true, _) => {
            let port = RawDestinationPort { number: number(u)?, range: None };
            RawAdminPort { protocol: vec![(protocol, Some(port))], ..RawAdminPort::default() }
        }
        (false, 1) => RawAdminPort {
            port_range: Some((pick(u, PROTOCOLS)?.map(String::from), number(u)?, number(u)?)),
            ..RawAdminPort::default()
        },
        (false, _) => RawAdminPort {
            port_number: Some((Some(protocol.as_str().to_string()), number(u)?)),
            ..RawAdminPort::default()
        },
    })
}

fn admin_rules(u: &mut Unstructured<'_>, kind: ClusterPolicyKind, egress: bool) -> Result<Option<Vec<RawAdminRule>>> {
    let v1alpha2 = kind == ClusterPolicyKind::ClusterNetworkPolicy;
    let actions: &[&str] = match kind {
        ClusterPolicyKind::ClusterNetworkPolicy => &["Accept", "Deny", "Pass"],
        ClusterPolicyKind::AdminNetworkPolicy => &["Allow", "Deny", "Pass"],
        _ => &["Allow", "Deny"],
    };
    let mut rules = Vec::new();
    for _ in 0..small_len(u, 3)? {
        let action = word(u, actions)?;
        let mut peers = Vec::new();
        for _ in 0..small_len(u, 2)? + 1 {
            let max = if egress { 4 } else { 1 };
            peers.push(match u.int_in_range(0..=max)? {
                0 => RawAdminPeer { namespaces: Some(selector(u)?), ..RawAdminPeer::default() },
                1 => RawAdminPeer { pods: Some(namespaced_pods(u)?), ..RawAdminPeer::default() },
                2 => RawAdminPeer {
                    networks: Some((0..small_len(u, 2)? + 1).map(|_| word(u, CIDRS)).collect::<Result<_>>()?),
                    ..RawAdminPeer::default()
                },
                3 => RawAdminPeer { nodes: Some(selector(u)?), ..RawAdminPeer::default() },
                _ => RawAdminPeer { domain_names: Some(vec!["*.example.com".into()]), ..RawAdminPeer::default() },
            });
        }
        let ports = if u.arbitrary()? {
            None
        } else {
            Some((0..small_len(u, 2)? + 1).map(|_| admin_port(u, v1alpha2)).collect::<Result<_>>()?)
        };
        rules.push(RawAdminRule { name: None, action: Some(action), peers: Some(peers), ports });
    }
    Ok(if rules.is_empty() && u.arbitrary()? { None } else { Some(rules) })
}

fn cluster_policy(u: &mut Unstructured<'_>, i: usize) -> Result<RawClusterPolicy> {
    let kind = *u.choose(&[
        ClusterPolicyKind::ClusterNetworkPolicy,
        ClusterPolicyKind::ClusterNetworkPolicy,
        ClusterPolicyKind::AdminNetworkPolicy,
        ClusterPolicyKind::BaselineAdminNetworkPolicy,
    ])?;
    let subject = match u.int_in_range(0..=5u8)? {
        0 => RawSubject::default(),
        1 | 2 => RawSubject { namespaces: Some(selector(u)?), pods: None },
        _ => RawSubject { namespaces: None, pods: Some(namespaced_pods(u)?) },
    };
    Ok(RawClusterPolicy {
        origin: Some(format!("cnp{i}")),
        kind,
        name: if kind == ClusterPolicyKind::BaselineAdminNetworkPolicy { "default".into() } else { format!("cnp{i}") },
        tier: (kind == ClusterPolicyKind::ClusterNetworkPolicy).then(|| word(u, &["Admin", "Baseline"])).transpose()?,
        priority: Some(*u.choose(&[0i64, 1, 1, 2, 1000, 1001])?),
        subject: Some(subject),
        ingress: admin_rules(u, kind, false)?,
        egress: admin_rules(u, kind, true)?,
    })
}

/// Evaluation options from the input.
pub fn options(u: &mut Unstructured<'_>) -> Result<Options> {
    Ok(Options {
        self_traffic: if u.arbitrary()? { SelfTraffic::Evaluate } else { SelfTraffic::Allow },
        ip_block_matches_pods: u.arbitrary()?,
        tie: if u.arbitrary()? { netpol::spec::Tie::AcceptWins } else { netpol::spec::Tie::DenyWins },
    })
}

/// One query, from a pool of every pod and a few addresses.
#[derive(Clone, Copy, Debug, Arbitrary)]
pub struct QueryShape {
    pub src: u8,
    pub dst: u8,
    pub port: u8,
    pub protocol: u8,
    /// A free port number instead of a probe port when odd.
    pub free_port: Option<u16>,
}

/// Every pod, then the probe addresses, then the pods' own IPs (which mean the pods).
pub fn endpoints(cluster: &netpol::Cluster) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = (0..cluster.pods().len()).map(|i| Endpoint::Pod(netpol::PodId(i as u32))).collect();
    out.extend(PROBE_IPS.iter().map(|s| Endpoint::Ip(s.parse::<IpAddr>().expect("probe IPs parse"))));
    for pod in cluster.pods() {
        out.extend(pod.ips.iter().map(|ip| Endpoint::Ip(*ip)));
    }
    out
}

impl QueryShape {
    /// The query this shape names among `endpoints`.
    pub fn resolve(&self, endpoints: &[Endpoint]) -> (Endpoint, Endpoint, u16, Protocol) {
        let port = match self.free_port {
            Some(p) => p,
            None => PROBE_PORTS[self.port as usize % PROBE_PORTS.len()],
        };
        (
            endpoints[self.src as usize % endpoints.len()],
            endpoints[self.dst as usize % endpoints.len()],
            port,
            Protocol::ALL[self.protocol as usize % Protocol::ALL.len()],
        )
    }
}
