//! Random clusters for the property tests (`tiers_agreement.rs`, `live_agreement.rs`):
//! proptest strategies over the test support crate's alphabets, building [`RawCluster`]s with
//! namespaces, pods (host-network ones among them), NetworkPolicies, cluster policies of every
//! kind and tier (with twins at equal priorities, S15.3) and Nodes.

#![allow(dead_code)] // Each test uses its own part.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use netpol::raw::{
    RawAdminPeer, RawAdminPort, RawAdminRule, RawCluster, RawClusterPolicy, RawContainerPort, RawDestinationPort,
    RawIpBlock, RawNamespace, RawNamespacedPods, RawNode, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue,
    RawRequirement, RawRule, RawSelector, RawSubject, NAMESPACE_NAME_LABEL,
};
use netpol::spec::{Action, ClusterPolicyKind, Labels, Tie};
use netpol::{Options, Protocol, SelfTraffic};
use netpol_test_support::alphabet::{
    pod_ipv4, pod_ipv6, CIDRS, EXISTENCE_OPERATORS, LABEL_KEYS, LABEL_VALUES, POD_EDGE_HOSTS, POD_HOSTS, POD_SUBNETS,
    PORTS, PORT_NAMES, PROTOCOLS, SET_OPERATORS,
};
use netpol_test_support::model;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, Index};

// ---------------------------------------------------------------------------------------------
// Generator: proptest strategies over the test support crate's alphabets.

/// At most this many declared namespaces (`ns0`..); one more (`ns{n}`) is sometimes used
/// without being declared (S8).
pub const MAX_DECLARED: usize = 3;

/// Node addresses: outside the pod subnets (`10.0.0-3.x`, `fd00::x`) but inside some of the
/// alphabet's wider CIDRs (`10.0.0.0/8`, `0.0.0.0/0`, `fd00::/8`, `::/0`); the last one written
/// IPv4-mapped (validation reads it as IPv4, S9a). Host-network pods (left out, S13) take the
/// first ones as their IPs, as they would on a node.
pub const NODE_ADDRESSES: &[&str] =
    &["192.168.0.1", "192.168.0.2", "10.1.0.1", "172.16.0.1", "fd01::1", "fd01::2", "::ffff:192.168.0.3"];
pub const HOST_NETWORK_IPS: &[&str] = &["192.168.0.1", "192.168.0.2", "10.1.0.1", "fd01::1"];

pub fn ns_name(i: usize) -> String {
    format!("ns{i}")
}

pub fn s(v: &str) -> String {
    v.to_string()
}

pub fn labels() -> impl Strategy<Value = Labels> {
    btree_map(select(LABEL_KEYS).prop_map(s), select(LABEL_VALUES).prop_map(s), 0..=3)
}

pub fn requirement() -> impl Strategy<Value = RawRequirement> {
    prop_oneof![
        (select(LABEL_KEYS), select(SET_OPERATORS), vec(select(LABEL_VALUES).prop_map(s), 1..=2)).prop_map(
            |(key, operator, values)| RawRequirement { key: s(key), operator: s(operator), values: Some(values) }
        ),
        (select(LABEL_KEYS), select(EXISTENCE_OPERATORS), any::<bool>()).prop_map(|(key, operator, empty)| {
            RawRequirement { key: s(key), operator: s(operator), values: empty.then(Vec::new) }
        }),
    ]
}

pub fn selector() -> impl Strategy<Value = RawSelector> {
    let match_labels = prop_oneof![
        2 => Just(None),
        1 => Just(Some(BTreeMap::new())),
        3 => btree_map(select(LABEL_KEYS).prop_map(s), select(LABEL_VALUES).prop_map(s), 1..=2).prop_map(Some),
    ];
    let match_expressions = prop_oneof![
        3 => Just(None),
        1 => Just(Some(Vec::new())),
        2 => vec(requirement(), 1..=2).prop_map(Some),
    ];
    (match_labels, match_expressions)
        .prop_map(|(match_labels, match_expressions)| RawSelector { match_labels, match_expressions })
}

/// Namespace selectors also use the name label the API server sets (S8).
pub fn namespace_selector() -> impl Strategy<Value = RawSelector> {
    prop_oneof![
        4 => selector(),
        1 => (0..=MAX_DECLARED).prop_map(|i| RawSelector {
            match_labels: Some(BTreeMap::from([(s(NAMESPACE_NAME_LABEL), ns_name(i))])),
            match_expressions: None,
        }),
        1 => (vec(0..=MAX_DECLARED, 1..=2), any::<bool>()).prop_map(|(names, negate)| RawSelector {
            match_labels: None,
            match_expressions: Some(vec![RawRequirement {
                key: s(NAMESPACE_NAME_LABEL),
                operator: s(if negate { "NotIn" } else { "In" }),
                values: Some(names.into_iter().map(ns_name).collect()),
            }]),
        }),
    ]
}

pub fn strict_subsets(cidr: &str) -> Vec<&'static str> {
    let outer = model::net(cidr);
    CIDRS
        .iter()
        .copied()
        .filter(|e| {
            let inner = model::net(e);
            outer.contains(&inner) && inner.prefix_len() > outer.prefix_len()
        })
        .collect()
}

// --- v1 NetworkPolicies (a few, sometimes): as in agreement.rs.

pub fn ip_block() -> impl Strategy<Value = RawIpBlock> {
    (select(CIDRS), 0..3u8, any::<Index>()).prop_map(|(cidr, shape, pick)| {
        let subsets = strict_subsets(cidr);
        let except = match shape {
            0 => None,
            _ if subsets.is_empty() => Some(Vec::new()),
            _ => Some(vec![s(subsets[pick.index(subsets.len())])]),
        };
        RawIpBlock { cidr: s(cidr), except }
    })
}

pub fn peer() -> impl Strategy<Value = RawPeer> {
    prop_oneof![
        selector().prop_map(|p| RawPeer { pod_selector: Some(p), ..RawPeer::default() }),
        namespace_selector().prop_map(|n| RawPeer { namespace_selector: Some(n), ..RawPeer::default() }),
        (selector(), namespace_selector()).prop_map(|(p, n)| RawPeer {
            pod_selector: Some(p),
            namespace_selector: Some(n),
            ip_block: None
        }),
        ip_block().prop_map(|b| RawPeer { ip_block: Some(b), ..RawPeer::default() }),
    ]
}

pub fn port_number() -> impl Strategy<Value = i32> {
    prop_oneof![3 => select(PORTS), 1 => 1..=65535i32]
}

pub fn policy_port() -> impl Strategy<Value = RawPort> {
    let value = prop_oneof![
        1 => Just((None, None)),
        3 => port_number().prop_map(|n| (Some(RawPortValue::Number(n)), None)),
        2 => (port_number(), 0..=1000i32).prop_map(|(n, d)| (Some(RawPortValue::Number(n)), Some((n + d).min(65535)))),
        2 => select(PORT_NAMES).prop_map(|name| (Some(RawPortValue::Name(s(name))), None)),
    ];
    (select(PROTOCOLS), value).prop_map(|(protocol, (port, end_port))| RawPort {
        protocol: protocol.map(s),
        port,
        end_port,
    })
}

pub fn rule() -> impl Strategy<Value = RawRule> {
    let peers = prop_oneof![2 => Just(None), 4 => vec(peer(), 1..=2).prop_map(Some)];
    let ports = prop_oneof![2 => Just(None), 3 => vec(policy_port(), 1..=2).prop_map(Some)];
    (peers, ports).prop_map(|(peers, ports)| RawRule { peers, ports })
}

pub fn rules() -> impl Strategy<Value = Option<Vec<RawRule>>> {
    prop_oneof![1 => Just(None), 3 => vec(rule(), 0..=2).prop_map(Some)]
}

/// Mostly a declared namespace, sometimes the undeclared `ns{n}`.
pub fn namespace_index(declared: usize) -> impl Strategy<Value = usize> {
    prop_oneof![9 => 0..declared, 1 => Just(declared)]
}

pub fn policy(declared: usize) -> impl Strategy<Value = RawPolicy> {
    let types = prop_oneof![
        Just(None),
        Just(Some(vec!["Ingress"])),
        Just(Some(vec!["Egress"])),
        Just(Some(vec!["Ingress", "Egress"])),
    ];
    (namespace_index(declared), selector(), types, rules(), rules()).prop_map(
        |(ns, pod_selector, types, ingress, egress)| RawPolicy {
            origin: None,
            namespace: Some(ns_name(ns)),
            name: String::new(), // made unique in `build_case`
            pod_selector: Some(pod_selector),
            policy_types: types.map(|t| t.into_iter().map(s).collect()),
            ingress,
            egress,
        },
    )
}

// --- Pods and Nodes.

pub fn any_pod_ipv4() -> impl Strategy<Value = String> {
    let host = prop_oneof![4 => 0..POD_HOSTS, 1 => select(POD_EDGE_HOSTS)];
    (0..POD_SUBNETS, host).prop_map(|(subnet, host)| pod_ipv4(subnet, host))
}

pub fn any_pod_ipv6() -> impl Strategy<Value = String> {
    (0..POD_HOSTS).prop_map(pod_ipv6)
}

/// IPv4-only, IPv6-only, dual-stack (either order) or none (S9a).
pub fn pod_ips() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => any_pod_ipv4().prop_map(|a| vec![a]),
        2 => any_pod_ipv6().prop_map(|b| vec![b]),
        3 => (any_pod_ipv4(), any_pod_ipv6(), any::<bool>())
            .prop_map(|(a, b, v6_first)| if v6_first { vec![b, a] } else { vec![a, b] }),
    ]
}

pub fn pod(declared: usize) -> impl Strategy<Value = RawPod> {
    let container_port = (option::of(select(PORT_NAMES)), port_number(), select(PROTOCOLS)).prop_map(
        |(name, container_port, protocol)| RawContainerPort {
            field: String::new(), // set in `build_case`
            name: name.map(s),
            container_port,
            protocol: protocol.map(s),
        },
    );
    // Succeeded and host-network pods are left out by validation (S13): their IPs are plain IPs;
    // a host-network pod has its node's address.
    let state = prop_oneof![
        16 => Just((None, false)),
        1 => Just((Some("Succeeded"), false)),
        2 => Just((Some("Running"), true)),
    ];
    (namespace_index(declared), labels(), pod_ips(), vec(container_port, 0..=3), state, select(HOST_NETWORK_IPS))
        .prop_map(|(ns, labels, ips, ports, (phase, host_network), node_ip)| {
            let ips = if host_network { vec![s(node_ip)] } else { ips };
            RawPod {
                origin: None,
                namespace: Some(ns_name(ns)),
                name: String::new(), // made unique in `build_case`
                labels,
                phase: phase.map(s),
                host_network,
                ips: ips.into_iter().map(|ip| (String::new(), ip)).collect(),
                ports,
                ..RawPod::default()
            }
        })
}

pub fn node() -> impl Strategy<Value = RawNode> {
    let address = prop_oneof![
        4 => select(NODE_ADDRESSES).prop_map(|a| (s("InternalIP"), s(a))),
        1 => select(NODE_ADDRESSES).prop_map(|a| (s("ExternalIP"), s(a))),
        1 => Just((s("Hostname"), s("node.example"))),
    ];
    (labels(), vec(address, 1..=2)).prop_map(|(labels, addresses)| RawNode {
        origin: None,
        name: String::new(), // made unique in `build_case`
        labels,
        addresses,
    })
}

// --- Cluster policies.

/// Which kind (and tier) a generated cluster policy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    CnpAdmin,
    CnpBaseline,
    Anp,
    Banp,
}

impl Flavour {
    pub fn kind(self) -> ClusterPolicyKind {
        match self {
            Flavour::CnpAdmin | Flavour::CnpBaseline => ClusterPolicyKind::ClusterNetworkPolicy,
            Flavour::Anp => ClusterPolicyKind::AdminNetworkPolicy,
            Flavour::Banp => ClusterPolicyKind::BaselineAdminNetworkPolicy,
        }
    }

    pub fn tier(self) -> Option<&'static str> {
        match self {
            Flavour::CnpAdmin => Some("Admin"),
            Flavour::CnpBaseline => Some("Baseline"),
            Flavour::Anp | Flavour::Banp => None,
        }
    }
}

/// The spelling of the accepting action: `Accept` (v1alpha2) or `Allow` (v1alpha1).
pub fn accept_word(kind: ClusterPolicyKind) -> &'static str {
    if kind == ClusterPolicyKind::ClusterNetworkPolicy {
        "Accept"
    } else {
        "Allow"
    }
}

pub fn namespaced_pods() -> impl Strategy<Value = RawNamespacedPods> {
    (namespace_selector(), selector()).prop_map(|(namespaces, pods)| RawNamespacedPods {
        namespace_selector: Some(namespaces),
        pod_selector: Some(pods),
    })
}

/// Namespace selectors of cluster policies: often `{}` (every namespace), so that policies of
/// one priority overlap and tie (S15.3).
pub fn broad_namespace_selector() -> impl Strategy<Value = RawSelector> {
    prop_oneof![1 => Just(RawSelector::default()), 2 => namespace_selector()]
}

pub fn subject() -> impl Strategy<Value = RawSubject> {
    prop_oneof![
        broad_namespace_selector().prop_map(|n| RawSubject { namespaces: Some(n), pods: None }),
        namespaced_pods().prop_map(|p| RawSubject { namespaces: None, pods: Some(p) }),
    ]
}

pub fn admin_peer(egress: bool) -> BoxedStrategy<RawAdminPeer> {
    let namespaces =
        broad_namespace_selector().prop_map(|n| RawAdminPeer { namespaces: Some(n), ..RawAdminPeer::default() });
    let pods = namespaced_pods().prop_map(|p| RawAdminPeer { pods: Some(p), ..RawAdminPeer::default() });
    if !egress {
        return prop_oneof![namespaces, pods].boxed();
    }
    prop_oneof![
        2 => namespaces,
        2 => pods,
        3 => vec(select(CIDRS).prop_map(s), 1..=2)
            .prop_map(|n| RawAdminPeer { networks: Some(n), ..RawAdminPeer::default() }),
        2 => selector().prop_map(|n| RawAdminPeer { nodes: Some(n), ..RawAdminPeer::default() }),
        1 => Just(RawAdminPeer { domain_names: Some(vec![s("example.com")]), ..RawAdminPeer::default() }),
    ]
    .boxed()
}

/// A start and an end above it.
pub fn port_range() -> impl Strategy<Value = (i64, i64)> {
    (port_number(), prop_oneof![1..=2i32, 1..=1000i32]).prop_map(|(n, d)| {
        let start = n.min(65534);
        (i64::from(start), i64::from((start + d).min(65535)))
    })
}

pub fn admin_port(kind: ClusterPolicyKind) -> BoxedStrategy<RawAdminPort> {
    let named = select(PORT_NAMES).prop_map(|n| RawAdminPort { named_port: Some(s(n)), ..RawAdminPort::default() });
    if kind == ClusterPolicyKind::ClusterNetworkPolicy {
        let protocol = select(Protocol::ALL.to_vec());
        prop_oneof![
            2 => (protocol.clone(), port_number()).prop_map(|(p, n)| RawAdminPort {
                protocol: vec![(p, Some(RawDestinationPort { number: Some(i64::from(n)), range: None }))],
                ..RawAdminPort::default()
            }),
            2 => (protocol, port_range()).prop_map(|(p, (a, b))| RawAdminPort {
                protocol: vec![(p, Some(RawDestinationPort { number: None, range: Some((Some(a), Some(b))) }))],
                ..RawAdminPort::default()
            }),
            2 => named,
        ]
        .boxed()
    } else {
        prop_oneof![
            2 => (select(&["TCP", "UDP", "SCTP"][..]), port_number()).prop_map(|(p, n)| RawAdminPort {
                port_number: Some((Some(s(p)), Some(i64::from(n)))),
                ..RawAdminPort::default()
            }),
            2 => (select(PROTOCOLS), port_range()).prop_map(|(p, (a, b))| RawAdminPort {
                port_range: Some((p.map(s), Some(a), Some(b))),
                ..RawAdminPort::default()
            }),
            2 => named,
        ]
        .boxed()
    }
}

pub fn admin_rule(kind: ClusterPolicyKind, egress: bool) -> impl Strategy<Value = RawAdminRule> {
    let actions: Vec<&'static str> = match kind {
        ClusterPolicyKind::BaselineAdminNetworkPolicy => vec!["Allow", "Deny"],
        _ => vec![accept_word(kind), "Deny", "Pass"],
    };
    let ports = prop_oneof![2 => Just(None), 3 => vec(admin_port(kind), 1..=2).prop_map(Some)];
    (select(actions), vec(admin_peer(egress), 1..=2), ports, any::<bool>(), any::<bool>()).prop_map(
        move |(action, mut peers, mut ports, keep_named, named_rule)| {
            // domainNames: only in accepting rules, not in the BaselineAdminNetworkPolicy.
            if action != accept_word(kind) || kind == ClusterPolicyKind::BaselineAdminNetworkPolicy {
                peers.retain(|p| p.domain_names.is_none());
            }
            // Named ports never with networks/nodes/domainNames peers in one rule.
            let addressed = |p: &RawAdminPeer| p.networks.is_some() || p.nodes.is_some() || p.domain_names.is_some();
            let named = ports.iter().flatten().any(|p| p.named_port.is_some());
            if named && peers.iter().any(addressed) {
                if keep_named {
                    peers.retain(|p| !addressed(p));
                } else {
                    for list in ports.iter_mut() {
                        list.retain(|p| p.named_port.is_none());
                    }
                    if ports.as_ref().is_some_and(Vec::is_empty) {
                        ports = None;
                    }
                }
            }
            if peers.is_empty() {
                peers.push(RawAdminPeer { namespaces: Some(RawSelector::default()), ..RawAdminPeer::default() });
            }
            RawAdminRule { name: named_rule.then(|| s("rule")), action: Some(s(action)), peers: Some(peers), ports }
        },
    )
}

pub fn admin_rules(kind: ClusterPolicyKind, egress: bool) -> impl Strategy<Value = Option<Vec<RawAdminRule>>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Vec::new())),
        5 => vec(admin_rule(kind, egress), 1..=3).prop_map(Some),
    ]
}

/// Priorities from a small set, so that equal priorities (S15.3) are common.
pub fn priority() -> impl Strategy<Value = i64> {
    prop_oneof![6 => select(&[0i64, 1][..]), 1 => Just(2i64), 1 => Just(1000i64)]
}

pub fn cluster_policy() -> impl Strategy<Value = RawClusterPolicy> {
    prop_oneof![
        3 => Just(Flavour::CnpAdmin),
        2 => Just(Flavour::CnpBaseline),
        2 => Just(Flavour::Anp),
        1 => Just(Flavour::Banp),
    ]
    .prop_flat_map(|flavour| {
        let kind = flavour.kind();
        (Just(flavour), priority(), subject(), admin_rules(kind, false), admin_rules(kind, true))
    })
    .prop_map(|(flavour, priority, subject, ingress, egress)| RawClusterPolicy {
        origin: None,
        kind: flavour.kind(),
        name: String::new(), // set in `build_case`
        tier: flavour.tier().map(s),
        priority: (flavour != Flavour::Banp).then_some(priority),
        subject: Some(subject),
        ingress,
        egress,
    })
}

/// One generated input: the cluster, the options, and picks for the port and IP probes.
#[derive(Clone, Debug)]
pub struct Case {
    pub raw: RawCluster,
    pub options: Options,
    pub port_picks: Vec<(Index, Option<Protocol>)>,
    pub ip_picks: Vec<Index>,
}

pub type Parts = (
    Vec<Labels>,
    Vec<RawPod>,
    Vec<RawPolicy>,
    (Vec<RawClusterPolicy>, Vec<Index>),
    Vec<RawNode>,
    (bool, bool, bool),
    Vec<(Index, Option<Protocol>)>,
    Vec<Index>,
);

pub fn build_case(
    (namespaces, mut pods, mut policies, (mut cluster_policies, twins), mut nodes, flags, port_picks, ip_picks): Parts,
) -> Case {
    let (evaluate_self, ip_block_matches_pods, accept_wins) = flags;
    let namespaces = namespaces
        .into_iter()
        .enumerate()
        .map(|(i, labels)| RawNamespace { origin: None, name: ns_name(i), labels })
        .collect();
    // Unique names, unique IPs among the pods kept (validation rejects repeats; host-network
    // pods share their node's address), field paths for diagnostics.
    let mut used_ips = BTreeSet::new();
    for (i, pod) in pods.iter_mut().enumerate() {
        pod.name = format!("p{i}");
        if !pod.host_network {
            pod.ips.retain(|(_, ip)| used_ips.insert(ip.parse::<IpAddr>().expect("generated IPs parse")));
        }
        for (k, (field, _)) in pod.ips.iter_mut().enumerate() {
            *field = format!("status.podIPs[{k}].ip");
        }
        for (k, port) in pod.ports.iter_mut().enumerate() {
            port.field = format!("spec.containers[0].ports[{k}]");
        }
    }
    for (i, policy) in policies.iter_mut().enumerate() {
        policy.name = format!("np{i}");
    }
    // Twins (at most 6 policies in all): copies of a policy at its tier and priority with every
    // action changed, so that equal priorities disagree (S15.3) often; the twin of the
    // BaselineAdminNetworkPolicy is a Baseline ClusterNetworkPolicy at 0, its priority.
    for pick in twins {
        if cluster_policies.is_empty() || cluster_policies.len() >= 6 {
            break;
        }
        let twin = twin(&cluster_policies[pick.index(cluster_policies.len())]);
        cluster_policies.push(twin);
    }
    // The BaselineAdminNetworkPolicy is the singleton `default`: keep the first one.
    let mut banp_seen = false;
    cluster_policies.retain(|p| {
        let banp = p.kind == ClusterPolicyKind::BaselineAdminNetworkPolicy;
        let keep = !(banp && banp_seen);
        banp_seen |= banp;
        keep
    });
    for (i, policy) in cluster_policies.iter_mut().enumerate() {
        policy.name = match policy.kind {
            ClusterPolicyKind::ClusterNetworkPolicy => format!("cnp{i}"),
            ClusterPolicyKind::AdminNetworkPolicy => format!("anp{i}"),
            _ => s("default"),
        };
    }
    for (i, node) in nodes.iter_mut().enumerate() {
        node.name = format!("node{i}");
    }
    let options = Options {
        self_traffic: if evaluate_self { SelfTraffic::Evaluate } else { SelfTraffic::Allow },
        ip_block_matches_pods,
        tie: if accept_wins { Tie::AcceptWins } else { Tie::DenyWins },
    };
    let raw = RawCluster { namespaces, pods, policies, cluster_policies, nodes, ..RawCluster::default() };
    Case { raw, options, port_picks, ip_picks }
}

/// A copy of `policy` with Accept → Deny → Pass → Accept in every rule (a
/// BaselineAdminNetworkPolicy becomes a Baseline ClusterNetworkPolicy at 0).
pub fn twin(policy: &RawClusterPolicy) -> RawClusterPolicy {
    let mut twin = policy.clone();
    if twin.kind == ClusterPolicyKind::BaselineAdminNetworkPolicy {
        twin.kind = ClusterPolicyKind::ClusterNetworkPolicy;
        twin.tier = Some(s("Baseline"));
        twin.priority = Some(0);
    }
    for rule in twin.ingress.iter_mut().chain(twin.egress.iter_mut()).flatten() {
        let action = match model_action(policy.kind, rule) {
            Action::Accept => "Deny",
            Action::Deny => "Pass",
            _ => accept_word(twin.kind),
        };
        rule.action = Some(s(action));
        if action != accept_word(twin.kind) {
            let peers = rule.peers.get_or_insert_with(Vec::new);
            peers.retain(|p| p.domain_names.is_none());
            if peers.is_empty() {
                peers.push(RawAdminPeer { namespaces: Some(RawSelector::default()), ..RawAdminPeer::default() });
            }
        }
    }
    twin
}

pub fn cases() -> impl Strategy<Value = Case> {
    (1..=MAX_DECLARED)
        .prop_flat_map(|declared| {
            (
                vec(labels(), declared),
                vec(pod(declared), 0..=10),
                prop_oneof![1 => Just(Vec::new()), 1 => vec(policy(declared), 1..=3)],
                (vec(cluster_policy(), 0..=6), vec(any::<Index>(), 0..=2)),
                vec(node(), 0..=3),
                (any::<bool>(), any::<bool>(), any::<bool>()),
                vec((any::<Index>(), option::weighted(0.25, select(Protocol::ALL.to_vec()))), 12),
                vec(any::<Index>(), 12),
            )
        })
        .prop_map(build_case)
}

/// S15.10: `Allow` (v1alpha1) is Accept.
pub fn model_action(kind: ClusterPolicyKind, rule: &RawAdminRule) -> Action {
    match rule.action.as_deref() {
        Some(a) if a == accept_word(kind) => Action::Accept,
        Some("Deny") => Action::Deny,
        Some("Pass") => Action::Pass,
        other => panic!("generated an invalid action {other:?}"),
    }
}
