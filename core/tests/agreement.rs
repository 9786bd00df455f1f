//! The two evaluators agree (DESIGN §1): random clusters, built as [`RawCluster`]s and validated
//! strictly, are asked every pod → pod, pod → IP, IP → pod (and some IP → IP) question on ports
//! and protocols chosen to hit rule boundaries, and the reference interpreter, the engine's
//! `decide`, `decide_batch`, `matrix` and `explain` must give the same answer, per direction.
//!
//! A third opinion, [`Model`], reads the *raw* input directly (its own selector, ipBlock, port,
//! policy-type and namespace-label logic, sharing no code with the crate), so a bug in a helper
//! that both evaluators share (`LabelSelector::matches`, `IpBlock::contains`,
//! `PolicyPort::matches`, the S4 defaults in validation) cannot hide behind their agreement.
//!
//! The model also decides per address family (S9a) on its own: each endpoint's families, the
//! shared ones, ipBlocks against the peer's address of that family only, and IPv4-mapped IPv6
//! addresses read as IPv4; `Verdict::families` must match it exactly.
//!
//! Below the property are targeted tests of corners the generator only reaches by chance.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use netpol::raw::{
    RawCluster, RawContainerPort, RawIpBlock, RawNamespace, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue,
    RawRequirement, RawRule, RawSelector, Strictness, NAMESPACE_NAME_LABEL,
};
use netpol::reference::Evaluator;
use netpol::spec::{Labels, Tie};
use netpol::{
    Cluster, Compiler, Direction, DirectionExplanation, Endpoint, Engine, Explanation, Family, FamilyVerdicts, Options,
    PodId, Protocol, Query, Reason, SelfTraffic, Verdict,
};
use netpol_test_support::alphabet::{
    pod_ipv4, pod_ipv6, CIDRS, EXISTENCE_OPERATORS, LABEL_KEYS, LABEL_VALUES, NAMESPACES, POD_EDGE_HOSTS, POD_HOSTS,
    POD_SUBNETS, PORTS, PORT_NAMES, PROTOCOLS, SET_OPERATORS,
};
use netpol_test_support::model::{self, Fam, RawModel, Side};
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::test_runner::FileFailurePersistence;

// ---------------------------------------------------------------------------------------------
// Generator: proptest strategies over the test support crate's alphabets.

/// Namespaces are `ns0`..; a cluster declares `ns0..ns{n-1}` and sometimes uses `ns{n}` without
/// declaring it (S8: assumed with just its name label).
const NAMESPACE_POOL: usize = NAMESPACES.len();

fn ns_name(i: usize) -> String {
    s(NAMESPACES[i])
}

fn s(v: &str) -> String {
    v.to_string()
}

fn labels() -> impl Strategy<Value = Labels> {
    btree_map(select(LABEL_KEYS).prop_map(s), select(LABEL_VALUES).prop_map(s), 0..=3)
}

/// The operators are unions of `Just`s, not `select`s: the two draw differently, and the seeds
/// in `agreement.proptest-regressions` replay their cases only while the strategies draw as
/// they did.
fn requirement() -> impl Strategy<Value = RawRequirement> {
    let set = prop_oneof![Just(SET_OPERATORS[0]), Just(SET_OPERATORS[1])];
    let existence = prop_oneof![Just(EXISTENCE_OPERATORS[0]), Just(EXISTENCE_OPERATORS[1])];
    prop_oneof![
        (select(LABEL_KEYS), set, vec(select(LABEL_VALUES).prop_map(s), 1..=2)).prop_map(|(key, operator, values)| {
            RawRequirement { key: s(key), operator: s(operator), values: Some(values) }
        }),
        (select(LABEL_KEYS), existence, any::<bool>()).prop_map(|(key, operator, empty)| RawRequirement {
            key: s(key),
            operator: s(operator),
            values: empty.then(Vec::new)
        }),
    ]
}

fn selector() -> impl Strategy<Value = RawSelector> {
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
fn namespace_selector() -> impl Strategy<Value = RawSelector> {
    prop_oneof![
        4 => selector(),
        1 => (0..NAMESPACE_POOL).prop_map(|i| RawSelector {
            match_labels: Some(BTreeMap::from([(s(NAMESPACE_NAME_LABEL), ns_name(i))])),
            match_expressions: None,
        }),
        1 => (vec(0..NAMESPACE_POOL, 1..=2), any::<bool>()).prop_map(|(names, negate)| RawSelector {
            match_labels: None,
            match_expressions: Some(vec![RawRequirement {
                key: s(NAMESPACE_NAME_LABEL),
                operator: s(if negate { "NotIn" } else { "In" }),
                values: Some(names.into_iter().map(ns_name).collect()),
            }]),
        }),
    ]
}

fn strict_subsets(cidr: &str) -> Vec<&'static str> {
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

fn ip_block() -> impl Strategy<Value = RawIpBlock> {
    (select(CIDRS), 0..4u8, vec(any::<Index>(), 1..=2)).prop_map(|(cidr, shape, picks)| {
        let subsets = strict_subsets(cidr);
        let except = match shape {
            0 => None,
            1 => Some(Vec::new()),
            _ => {
                Some(picks.iter().filter(|_| !subsets.is_empty()).map(|i| s(subsets[i.index(subsets.len())])).collect())
            }
        };
        RawIpBlock { cidr: s(cidr), except }
    })
}

fn peer() -> impl Strategy<Value = RawPeer> {
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

fn port_number() -> impl Strategy<Value = i32> {
    prop_oneof![3 => select(PORTS), 1 => 1..=65535i32]
}

fn policy_port() -> impl Strategy<Value = RawPort> {
    let value = prop_oneof![
        1 => Just((None, None)),
        3 => port_number().prop_map(|n| (Some(RawPortValue::Number(n)), None)),
        2 => (port_number(), prop_oneof![Just(0), 1..=2i32, 1..=1000i32])
            .prop_map(|(n, d)| (Some(RawPortValue::Number(n)), Some((n + d).min(65535)))),
        2 => select(PORT_NAMES).prop_map(|name| (Some(RawPortValue::Name(s(name))), None)),
    ];
    (select(PROTOCOLS), value).prop_map(|(protocol, (port, end_port))| RawPort {
        protocol: protocol.map(s),
        port,
        end_port,
    })
}

fn rule() -> impl Strategy<Value = RawRule> {
    let peers = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Vec::new())),
        4 => vec(peer(), 1..=3).prop_map(Some),
    ];
    let ports = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Vec::new())),
        3 => vec(policy_port(), 1..=3).prop_map(Some),
    ];
    (peers, ports).prop_map(|(peers, ports)| RawRule { peers, ports })
}

fn rules() -> impl Strategy<Value = Option<Vec<RawRule>>> {
    prop_oneof![1 => Just(None), 3 => vec(rule(), 0..=3).prop_map(Some)]
}

/// Mostly a declared namespace, sometimes the undeclared `ns{n}`.
fn namespace_index(declared: usize) -> impl Strategy<Value = usize> {
    prop_oneof![9 => 0..declared, 1 => Just(declared)]
}

fn policy(declared: usize) -> impl Strategy<Value = RawPolicy> {
    let types = prop_oneof![
        Just(None),
        Just(Some(Vec::<&str>::new())),
        Just(Some(vec!["Ingress"])),
        Just(Some(vec!["Egress"])),
        Just(Some(vec!["Ingress", "Egress"])),
        Just(Some(vec!["Egress", "Ingress"])),
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

fn any_pod_ipv4() -> impl Strategy<Value = String> {
    let host = prop_oneof![4 => 0..POD_HOSTS, 1 => select(POD_EDGE_HOSTS)];
    (0..POD_SUBNETS, host).prop_map(|(subnet, host)| pod_ipv4(subnet, host))
}

fn any_pod_ipv6() -> impl Strategy<Value = String> {
    (0..POD_HOSTS).prop_map(pod_ipv6)
}

/// `status.podIPs` (at most one address per family, as Kubernetes has it, S9a): IPv4-only,
/// IPv6-only, dual-stack (either order) or none. A repeated IP is dropped in `build_case`, so a
/// dual-stack pod sometimes ends up single-stack.
fn pod_ips() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => any_pod_ipv4().prop_map(|a| vec![a]),
        2 => any_pod_ipv6().prop_map(|b| vec![b]),
        3 => (any_pod_ipv4(), any_pod_ipv6(), any::<bool>())
            .prop_map(|(a, b, v6_first)| if v6_first { vec![b, a] } else { vec![a, b] }),
    ]
}

fn pod(declared: usize) -> impl Strategy<Value = RawPod> {
    let container_port = (option::of(select(PORT_NAMES)), port_number(), select(PROTOCOLS)).prop_map(
        |(name, container_port, protocol)| RawContainerPort {
            field: String::new(), // set in `build_case`
            name: name.map(s),
            container_port,
            protocol: protocol.map(s),
        },
    );
    // Succeeded and host-network pods are left out by validation: their IPs are plain IPs.
    let state = prop_oneof![
        18 => Just((None, false)),
        1 => Just((Some("Succeeded"), false)),
        1 => Just((Some("Running"), true)),
    ];
    (namespace_index(declared), labels(), pod_ips(), vec(container_port, 0..=3), state).prop_map(
        |(ns, labels, ips, ports, (phase, host_network))| RawPod {
            origin: None,
            namespace: Some(ns_name(ns)),
            name: String::new(), // made unique in `build_case`
            labels,
            phase: phase.map(s),
            host_network,
            ips: ips.into_iter().map(|ip| (String::new(), ip)).collect(),
            ports,
            ..RawPod::default()
        },
    )
}

/// One generated input: the cluster, the options, and picks for the port and IP probes.
#[derive(Clone, Debug)]
struct Case {
    raw: RawCluster,
    options: Options,
    port_picks: Vec<(Index, Option<Protocol>)>,
    ip_picks: Vec<Index>,
}

type Parts = (Vec<Labels>, Vec<RawPod>, Vec<RawPolicy>, bool, bool, Vec<(Index, Option<Protocol>)>, Vec<Index>);

fn build_case(
    (namespaces, mut pods, mut policies, evaluate_self, ip_block_matches_pods, port_picks, ip_picks): Parts,
) -> Case {
    let namespaces = namespaces
        .into_iter()
        .enumerate()
        .map(|(i, labels)| RawNamespace { origin: None, name: ns_name(i), labels })
        .collect();
    // Unique names, unique IPs (validation rejects repeats), field paths for diagnostics.
    let mut used_ips = BTreeSet::new();
    for (i, pod) in pods.iter_mut().enumerate() {
        pod.name = format!("p{i}");
        pod.ips.retain(|(_, ip)| used_ips.insert(ip.parse::<IpAddr>().expect("generated IPs parse")));
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
    let options = Options {
        self_traffic: if evaluate_self { SelfTraffic::Evaluate } else { SelfTraffic::Allow },
        ip_block_matches_pods,
        ..Options::default()
    };
    let raw = RawCluster { namespaces, pods, policies, ..RawCluster::default() };
    Case { raw, options, port_picks, ip_picks }
}

fn cases() -> impl Strategy<Value = Case> {
    (1..=4usize)
        .prop_flat_map(|declared| {
            (
                vec(labels(), declared),
                vec(pod(declared), 0..=12),
                vec(policy(declared), 0..=6),
                any::<bool>(),
                any::<bool>(),
                vec((any::<Index>(), option::weighted(0.25, select(Protocol::ALL.to_vec()))), 12),
                vec(any::<Index>(), 10),
            )
        })
        .prop_map(build_case)
}

// ---------------------------------------------------------------------------------------------
// Probes: ports around every boundary the cluster mentions, IPs around every block edge.

fn around(n: i32, protocol: Protocol, out: &mut BTreeSet<(u16, Protocol)>) {
    for p in [n - 1, n, n + 1] {
        if let Ok(p @ 1..) = u16::try_from(p) {
            out.insert((p, protocol));
        }
    }
}

/// Up to 14 (port, protocol) probes: picks from the interesting values, plus 1 and 65535.
fn port_probes(case: &Case) -> Vec<(u16, Protocol)> {
    let mut candidates = BTreeSet::new();
    for policy in &case.raw.policies {
        for rule in policy.ingress.iter().chain(&policy.egress).flatten() {
            for port in rule.ports.iter().flatten() {
                let protocol = model::protocol_of(port.protocol.as_deref());
                if let Some(RawPortValue::Number(n)) = port.port {
                    around(n, protocol, &mut candidates);
                }
                if let Some(end) = port.end_port {
                    around(end, protocol, &mut candidates);
                }
                if port.port.is_none() {
                    candidates.insert((443, protocol));
                }
            }
        }
    }
    for pod in &case.raw.pods {
        for port in &pod.ports {
            around(port.container_port, model::protocol_of(port.protocol.as_deref()), &mut candidates);
        }
    }
    candidates.extend([(1, Protocol::Tcp), (65535, Protocol::Udp), (80, Protocol::Sctp)]);
    let candidates: Vec<_> = candidates.into_iter().collect();
    let mut probes: BTreeSet<_> = case
        .port_picks
        .iter()
        .map(|(i, protocol)| {
            let (port, own) = candidates[i.index(candidates.len())];
            (port, protocol.unwrap_or(own))
        })
        .collect();
    probes.extend([(1, Protocol::Tcp), (65535, Protocol::Tcp)]);
    probes.into_iter().collect()
}

fn step(ip: IpAddr, up: bool) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(a) => {
            let n = u32::from(a);
            (if up { n.checked_add(1) } else { n.checked_sub(1) }).map(|n| IpAddr::V4(n.into()))
        }
        IpAddr::V6(a) => {
            let n = u128::from(a);
            (if up { n.checked_add(1) } else { n.checked_sub(1) }).map(|n| IpAddr::V6(n.into()))
        }
    }
}

/// `::ffff:a.b.c.d` for an IPv4 address (S9a: the same address, written as IPv6).
fn mapped(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(a) => Some(IpAddr::V6(a.to_ipv6_mapped())),
        IpAddr::V6(_) => None,
    }
}

/// Up to 12 IPs: picks among block edges (and just outside them), every pod IP (also of pods
/// validation left out), the IPv4-mapped form of every IPv4 candidate, and a few outsiders, plus
/// two pod IPs for sure when there are any.
fn ip_probes(case: &Case) -> Vec<IpAddr> {
    let mut candidates: BTreeSet<IpAddr> =
        ["10.0.0.1", "192.168.1.1", "fd00::1", "2001:db8::1", "0.0.0.0"].iter().map(|ip| ip.parse().unwrap()).collect();
    for policy in &case.raw.policies {
        for rule in policy.ingress.iter().chain(&policy.egress).flatten() {
            for block in rule.peers.iter().flatten().filter_map(|p| p.ip_block.as_ref()) {
                for cidr in std::iter::once(&block.cidr).chain(block.except.iter().flatten()) {
                    let n = model::net(cidr);
                    candidates.extend([n.network(), n.broadcast()]);
                    candidates.extend(step(n.network(), false));
                    candidates.extend(step(n.broadcast(), true));
                }
            }
        }
    }
    let pod_ips: Vec<IpAddr> =
        case.raw.pods.iter().flat_map(|p| &p.ips).map(|(_, ip)| ip.parse().expect("generated IPs parse")).collect();
    candidates.extend(&pod_ips);
    let mapped_forms: Vec<IpAddr> = candidates.iter().filter_map(|&ip| mapped(ip)).collect();
    candidates.extend(mapped_forms);
    let candidates: Vec<IpAddr> = candidates.into_iter().collect();
    let mut probes: BTreeSet<IpAddr> = case.ip_picks.iter().map(|i| candidates[i.index(candidates.len())]).collect();
    if !pod_ips.is_empty() {
        probes.extend(case.ip_picks.iter().take(2).map(|i| pod_ips[i.index(pod_ips.len())]));
    }
    probes.into_iter().collect()
}

// ---------------------------------------------------------------------------------------------
// The independent model: DESIGN §2 read straight off the raw input.

/// The raw input with the v1 tier decided on it ([`RawModel`]); the verdict is read here.
struct Model<'a>(RawModel<'a>);

impl<'a> std::ops::Deref for Model<'a> {
    type Target = RawModel<'a>;

    fn deref(&self) -> &RawModel<'a> {
        &self.0
    }
}

impl<'a> Model<'a> {
    fn new(raw: &'a RawCluster, cluster: &Cluster, options: Options) -> Model<'a> {
        Model(RawModel::new(raw, cluster, options))
    }

    fn verdict(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Verdict {
        let (src, dst) = (self.side(src), self.side(dst));
        let (src_families, dst_families) = (self.families(&src), self.families(&dst));
        let shared: Vec<Fam> = src_families.into_iter().filter(|f| dst_families.contains(f)).collect();
        let self_allowed = matches!((&src, &dst), (Side::Pod(a, _), Side::Pod(b, _)) if a == b)
            && self.options.self_traffic == SelfTraffic::Allow;
        let dst_pod = match dst {
            Side::Pod(d, _) => Some(&self.pods[d]),
            Side::Ip(_) => None,
        };
        let mut families = FamilyVerdicts::default();
        let mut per_family = Vec::new();
        for &family in &shared {
            let (egress, ingress) = if self_allowed {
                (true, true) // S12
            } else {
                let egress = match src {
                    Side::Ip(_) => true,
                    Side::Pod(p, _) => {
                        self.v1(&self.pods[p], Direction::Egress, &dst, family, dst_pod, port, protocol).unwrap_or(true)
                    }
                };
                let ingress = match dst {
                    Side::Ip(_) => true,
                    Side::Pod(p, _) => self
                        .v1(&self.pods[p], Direction::Ingress, &src, family, dst_pod, port, protocol)
                        .unwrap_or(true),
                };
                (egress, ingress)
            };
            families.set(family.crate_family(), Some(egress && ingress));
            per_family.push((egress, ingress));
        }
        // An allowing family if any, else the first shared (IPv4 first), else none.
        let (egress, ingress) = per_family
            .iter()
            .copied()
            .find(|&(e, i)| e && i)
            .or_else(|| per_family.first().copied())
            .unwrap_or((false, false));
        Verdict { egress, ingress, families }
    }
}

// ---------------------------------------------------------------------------------------------
// The checks.

struct Under<'a> {
    cluster: &'a Cluster,
    reference: Evaluator<'a>,
    engine: &'a Engine,
    model: &'a Model<'a>,
}

impl Under<'_> {
    fn name(&self, endpoint: Endpoint) -> String {
        match endpoint {
            Endpoint::Pod(id) => self.cluster.pod(id).qualified_name(),
            Endpoint::Ip(ip) => ip.to_string(),
            other => format!("{other:?}"),
        }
    }

    /// Every evaluator, on one query; `Ok(verdict)` when they all agree.
    fn check(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Result<Verdict, TestCaseError> {
        let what = format!("{} -> {} on {port}/{protocol}", self.name(src), self.name(dst));
        let allowed = self.reference.allowed(src, dst, port, protocol);
        let expected = self.reference.verdict(src, dst, port, protocol);
        prop_assert_eq!(allowed, expected.is_allowed(), "reference allowed vs its verdict: {}", what);
        let verdict = self.engine.decide(src, dst, port, protocol);
        prop_assert_eq!(verdict.is_allowed(), allowed, "engine decide vs reference: {}", what);
        prop_assert_eq!(verdict, expected, "engine decide vs reference, per direction: {}", what);
        let explanation = self.engine.explain(src, dst, port, protocol);
        prop_assert_eq!(explanation.allowed(), allowed, "engine explain vs reference: {}", what);
        prop_assert_eq!(explanation.verdict(), verdict, "engine explain vs engine decide, per direction: {}", what);
        self.check_explanation(&explanation, &expected, (src, dst, port, protocol), &what)?;
        let modelled = self.model.verdict(src, dst, port, protocol);
        prop_assert_eq!(modelled, verdict, "independent model vs engine, per direction: {}", what);
        Ok(verdict)
    }

    /// The explanation (a walk of its own) is well formed and, family by family, names the
    /// policies and rules the reference's literal reading of S2, S3 and S5 finds.
    fn check_explanation(
        &self,
        got: &Explanation,
        expected: &Verdict,
        (src, dst, port, protocol): (Endpoint, Endpoint, u16, Protocol),
        what: &str,
    ) -> Result<(), TestCaseError> {
        // S9a: the headline family (the first allowing family, else the first shared one), the
        // per-family verdicts and one account per differing family.
        let shared: Vec<Family> = Family::ALL.into_iter().filter(|&f| expected.families.get(f).is_some()).collect();
        let headline =
            shared.iter().copied().find(|&f| expected.families.get(f) == Some(true)).or(shared.first().copied());
        prop_assert_eq!(got.family, headline, "explain family vs reference: {}", what);
        prop_assert_eq!(got.families, expected.families, "explain families vs reference: {}", what);
        prop_assert_eq!(got.family.is_none(), got.families.is_none_shared(), "explain family: {}", what);
        if let Some(other) = &got.other {
            prop_assert!(Some(other.family) != got.family, "explain other family is the headline: {what}");
            prop_assert!(shared.contains(&other.family), "explain other family not shared: {what}");
        }
        let per_family: Vec<_> =
            shared.iter().map(|&f| (f, self.reference.verdict_over(src, dst, port, protocol, f))).collect();
        if let [(_, a), (_, b)] = per_family.as_slice() {
            if (a.egress, a.ingress) != (b.egress, b.ingress) {
                prop_assert!(got.other.is_some(), "explain: families decide differently but one account: {what}");
            }
        }
        let (src, dst) = (resolve(self.cluster, src), resolve(self.cluster, dst));
        for (family, egress, ingress) in got.accounts() {
            let Some(family) = family else {
                for side in [egress, ingress] {
                    prop_assert_eq!(side.reason, Reason::NoCommonFamily, "explain: no common family: {}", what);
                    prop_assert!(side.isolating.is_empty() && side.admitting.is_empty() && side.misses.is_empty());
                }
                prop_assert!(shared.is_empty(), "explain: no common family, but the reference shares one: {what}");
                continue;
            };
            let reference = self.reference.verdict_over(src, dst, port, protocol, family);
            prop_assert_eq!(
                got.families.get(family),
                Some(egress.allowed() && ingress.allowed()),
                "explain {:?}: account vs families: {}",
                family,
                what
            );
            prop_assert_eq!(
                (egress.allowed(), ingress.allowed()),
                (reference.egress, reference.ingress),
                "explain {:?}: directions vs reference: {}",
                family,
                what
            );
            self.check_account([(egress, src, dst), (ingress, dst, src)], (dst, port, protocol, family), what)?;
        }
        Ok(())
    }

    /// One family's account (egress at `src`, ingress at `dst`) is well formed and names the
    /// isolating policies and the admitting rules the reference finds.
    fn check_account(
        &self,
        sides: [(&DirectionExplanation, Endpoint, Endpoint); 2],
        (destination, port, protocol, family): (Endpoint, u16, Protocol, Family),
        what: &str,
    ) -> Result<(), TestCaseError> {
        let (src, dst) = (sides[0].1, sides[1].1);
        for ((side, local, peer), direction) in sides.into_iter().zip([Direction::Egress, Direction::Ingress]) {
            prop_assert_eq!(side.direction, direction, "explain direction: {}", what);
            prop_assert_eq!(
                side.reason == Reason::NotAPod,
                matches!(local, Endpoint::Ip(_)),
                "explain {}: NotAPod exactly for IP endpoints: {}",
                direction,
                what
            );
            let exempt = src == dst
                && self.engine.options().self_traffic == SelfTraffic::Allow
                && !matches!(src, Endpoint::Ip(_));
            prop_assert_eq!(
                side.reason == Reason::SelfTraffic,
                exempt,
                "explain {}: SelfTraffic exactly for a pod to itself under SelfTraffic::Allow: {}",
                direction,
                what
            );
            prop_assert_eq!(
                side.reason == Reason::Admitted,
                !side.admitting.is_empty(),
                "explain {}: Admitted exactly when a rule admits: {}",
                direction,
                what
            );
            let trivial = matches!(side.reason, Reason::NotAPod | Reason::SelfTraffic | Reason::NotIsolated);
            prop_assert_eq!(trivial, side.isolating.is_empty(), "explain {}: isolating policies: {}", direction, what);
            let rules: usize = side.isolating.iter().map(|&id| self.cluster.policy(id).rules(direction).len()).sum();
            prop_assert_eq!(
                side.admitting.len() + side.misses.len(),
                rules,
                "explain {}: every rule of the isolating policies admits or misses: {}",
                direction,
                what
            );
            for r in &side.admitting {
                prop_assert!(
                    side.isolating.contains(&r.policy),
                    "explain {direction}: admitting rule of a non-isolating policy: {what}"
                );
                prop_assert_eq!(r.direction, direction, "explain {}: rule direction: {}", direction, what);
                let rule = &self.cluster.policy(r.policy).rules(direction)[r.rule];
                prop_assert_eq!(r.peer.is_none(), rule.peers.is_empty(), "explain {}: peer index: {}", direction, what);
                prop_assert_eq!(r.port.is_none(), rule.ports.is_empty(), "explain {}: port index: {}", direction, what);
                prop_assert!(r.peer.is_none_or(|p| p < rule.peers.len()), "explain {direction}: peer index: {what}");
                prop_assert!(r.port.is_none_or(|p| p < rule.ports.len()), "explain {direction}: port index: {what}");
            }
            // The reference's literal S2 and S3/S5, for a pod side the policies decide.
            let Endpoint::Pod(pod) = local else { continue };
            if exempt {
                continue;
            }
            let mut isolating: Vec<u32> = self.reference.isolating(pod, direction).iter().map(|id| id.0).collect();
            isolating.sort_unstable();
            prop_assert_eq!(
                sorted_policies(side),
                isolating,
                "explain {} isolating policies vs reference: {}",
                direction,
                what
            );
            let mut admitting: Vec<(u32, usize)> = self
                .reference
                .admitting_rules((pod, direction), peer, (destination, port, protocol), family)
                .into_iter()
                .map(|(id, i)| (id.0, i))
                .collect();
            admitting.sort_unstable();
            prop_assert_eq!(
                sorted_rules(side),
                admitting,
                "explain {} admitting rules vs reference: {}",
                direction,
                what
            );
        }
        Ok(())
    }
}

/// S1, S9a: an IP that is a pod's IP (IPv4-mapped or not) is that pod.
fn resolve(cluster: &Cluster, e: Endpoint) -> Endpoint {
    match e {
        Endpoint::Ip(ip) => cluster.pod_with_ip(model::canonical(ip)).map_or(e, Endpoint::Pod),
        pod => pod,
    }
}

/// S9a: the family an endpoint given as an IP fixes; `None` for a pod by name.
fn fixed_family(e: Endpoint) -> Option<Family> {
    match e {
        Endpoint::Ip(ip) => Some(Fam::of(ip).crate_family()),
        _ => None,
    }
}

/// The per-family verdicts of a pod-level query, cut down to the families the query's IP
/// endpoints fix: what the same query with those IPs must answer (S9a).
fn restricted(pod_level: FamilyVerdicts, src: Endpoint, dst: Endpoint) -> FamilyVerdicts {
    let mut out = FamilyVerdicts::default();
    for family in Family::ALL {
        if [fixed_family(src), fixed_family(dst)].iter().all(|f| f.is_none_or(|f| f == family)) {
            out.set(family, pod_level.get(family));
        }
    }
    out
}

fn sorted_policies(side: &DirectionExplanation) -> Vec<u32> {
    let mut ids: Vec<u32> = side.isolating.iter().map(|id| id.0).collect();
    ids.sort_unstable();
    ids
}

fn sorted_rules(side: &DirectionExplanation) -> Vec<(u32, usize)> {
    let mut rules: Vec<_> = side.admitting.iter().map(|r| (r.policy.0, r.rule)).collect();
    rules.sort_unstable();
    rules
}

fn check_case(case: &Case) -> Result<(), TestCaseError> {
    let cluster = match case.raw.clone().validate(Strictness::Strict) {
        Ok(cluster) => cluster,
        Err(e) => return Err(TestCaseError::fail(format!("the generator made invalid input: {e}"))),
    };
    // Validation keeps exactly the pods that are neither finished nor host-network (S13).
    let kept = case.raw.pods.iter().filter(|p| !p.host_network && p.phase.as_deref() != Some("Succeeded")).count();
    prop_assert_eq!(cluster.pods().len(), kept, "pods kept by validation");
    prop_assert_eq!(cluster.policies().len(), case.raw.policies.len(), "policies kept by validation");

    let engine = Compiler::new().options(case.options).compile(&cluster);
    prop_assert_eq!(engine.options(), case.options);
    let model = Model::new(&case.raw, &cluster, case.options);
    let under =
        Under { cluster: &cluster, reference: Evaluator::new(&cluster, case.options), engine: &engine, model: &model };

    // S1: an IP that is a pod's IP is that pod, for every lookup, also written IPv4-mapped
    // (S9a); parsed, it stays an IP endpoint (canonical) so that it keeps its family.
    for (i, pod) in cluster.pods().iter().enumerate() {
        let id = PodId(i as u32);
        prop_assert_eq!(engine.pod_id(&pod.qualified_name()), Some(id));
        for &ip in &pod.ips {
            prop_assert_eq!(cluster.pod_with_ip(ip), Some(id), "pod_with_ip({})", ip);
            for written in std::iter::once(ip).chain(mapped(ip)) {
                prop_assert_eq!(engine.endpoint_for_ip(written), Endpoint::Pod(id), "endpoint_for_ip({})", written);
                prop_assert_eq!(engine.pod_of(Endpoint::Ip(written)), Some(id), "pod_of({})", written);
                prop_assert_eq!(
                    engine.parse_endpoint(&written.to_string()),
                    Some(Endpoint::Ip(ip)),
                    "parse_endpoint({})",
                    written
                );
            }
        }
    }

    let pods: Vec<PodId> = (0..cluster.pods().len() as u32).map(PodId).collect();
    let ips = ip_probes(case);
    let probes = port_probes(case);
    let connectivity = engine.connectivity();
    for (n, &(port, protocol)) in probes.iter().enumerate() {
        let matrix = engine.matrix(port, protocol);
        // The connectivity map says the same as decide, pair by pair and range by range.
        for &a in &pods {
            for &b in &pods {
                let decided = engine.decide(Endpoint::Pod(a), Endpoint::Pod(b), port, protocol).is_allowed();
                prop_assert_eq!(
                    connectivity.between(a, b).allows(port, protocol),
                    decided,
                    "connectivity {:?} -> {:?} on {}/{}",
                    a,
                    b,
                    port,
                    protocol
                );
            }
            for &ip in &ips {
                // A pod's IP (or its mapped form) is that pod in one family: not in the map.
                let ip = model::canonical(ip);
                if cluster.pod_with_ip(ip).is_some() {
                    continue;
                }
                let inside = |r: &netpol::IpRange| r.first <= ip && ip <= r.last;
                let out =
                    connectivity.egress_external(a).iter().any(|(r, set)| inside(r) && set.allows(port, protocol));
                let into =
                    connectivity.ingress_external(a).iter().any(|(r, set)| inside(r) && set.allows(port, protocol));
                prop_assert_eq!(
                    out,
                    engine.decide(Endpoint::Pod(a), Endpoint::Ip(ip), port, protocol).is_allowed(),
                    "connectivity {:?} -> {} on {}/{}",
                    a,
                    ip,
                    port,
                    protocol
                );
                prop_assert_eq!(
                    into,
                    engine.decide(Endpoint::Ip(ip), Endpoint::Pod(a), port, protocol).is_allowed(),
                    "connectivity {} -> {:?} on {}/{}",
                    ip,
                    a,
                    port,
                    protocol
                );
            }
        }
        prop_assert_eq!(matrix.len(), pods.len(), "matrix size");
        prop_assert_eq!(matrix.is_empty(), pods.is_empty(), "matrix emptiness");
        let mut queries = Vec::new();
        let mut verdicts = Vec::new();
        let mut ask = |src: Endpoint, dst: Endpoint| -> Result<Verdict, TestCaseError> {
            let verdict = under.check(src, dst, port, protocol)?;
            queries.push(Query { src, dst, port, protocol });
            verdicts.push(verdict);
            Ok(verdict)
        };
        for &a in &pods {
            for &b in &pods {
                let verdict = ask(Endpoint::Pod(a), Endpoint::Pod(b))?;
                prop_assert_eq!(
                    matrix.allowed(a, b),
                    verdict.is_allowed(),
                    "matrix vs decide: {} -> {} on {}/{}",
                    under.name(Endpoint::Pod(a)),
                    under.name(Endpoint::Pod(b)),
                    port,
                    protocol
                );
            }
        }
        for &p in &pods {
            for &ip in &ips {
                let (pod, ip_end) = (Endpoint::Pod(p), Endpoint::Ip(ip));
                let out = ask(pod, ip_end)?;
                let into = ask(ip_end, pod)?;
                // An IP that is a pod's IP behaves exactly like that pod, in the IP's family (S9a).
                if let Endpoint::Pod(owner) = resolve(&cluster, ip_end) {
                    let owner = Endpoint::Pod(owner);
                    let what = format!("{} (= {}) and {} on {port}/{protocol}", ip, under.name(owner), under.name(pod));
                    let by_pod = engine.decide(pod, owner, port, protocol).families;
                    prop_assert_eq!(out.families, restricted(by_pod, pod, ip_end), "pod -> pod IP: {}", what);
                    let by_pod = engine.decide(owner, pod, port, protocol).families;
                    prop_assert_eq!(into.families, restricted(by_pod, ip_end, pod), "pod IP -> pod: {}", what);
                }
            }
        }
        if n == 0 {
            for &a in &ips {
                for &b in &ips {
                    ask(Endpoint::Ip(a), Endpoint::Ip(b))?;
                }
            }
        }
        let mut batch = vec![Verdict::default(); queries.len()];
        engine.decide_batch(&queries, &mut batch);
        for (q, (got, want)) in queries.iter().zip(batch.iter().zip(&verdicts)) {
            prop_assert_eq!(
                got,
                want,
                "decide_batch vs decide: {} -> {} on {}/{}",
                under.name(q.src),
                under.name(q.dst),
                q.port,
                q.protocol
            );
        }
    }
    Ok(())
}

/// 10,000 cases by default (the test profile optimises this crate, see the workspace
/// `Cargo.toml`); `PROPTEST_CASES=n` asks for another number. Failures are
/// kept next to this file (`agreement.proptest-regressions`) and replayed first; a disagreement
/// found here should also become a plain `#[test]` below.
fn config() -> ProptestConfig {
    let mut config = ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 10_000;
    }
    config
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn evaluators_agree(case in cases()) {
        check_case(&case)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Targeted tests.

fn namespace(name: &str, labels: &[(&str, &str)]) -> RawNamespace {
    RawNamespace { origin: None, name: s(name), labels: label_map(labels) }
}

fn label_map(labels: &[(&str, &str)]) -> Labels {
    labels.iter().map(|(k, v)| (s(k), s(v))).collect()
}

fn raw_pod(qualified: &str, labels: &[(&str, &str)], ips: &[&str], ports: &[(&str, i32, &str)]) -> RawPod {
    let (ns, name) = qualified.split_once('/').unwrap();
    RawPod {
        namespace: Some(s(ns)),
        name: s(name),
        labels: label_map(labels),
        ips: ips.iter().enumerate().map(|(i, ip)| (format!("status.podIPs[{i}].ip"), s(ip))).collect(),
        ports: ports
            .iter()
            .enumerate()
            .map(|(i, (name, number, protocol))| RawContainerPort {
                field: format!("spec.containers[0].ports[{i}]"),
                name: Some(s(name)),
                container_port: *number,
                protocol: Some(s(protocol)),
            })
            .collect(),
        ..RawPod::default()
    }
}

fn match_labels(labels: &[(&str, &str)]) -> RawSelector {
    RawSelector { match_labels: Some(label_map(labels)), match_expressions: None }
}

fn raw_policy(qualified: &str, selects: &[(&str, &str)], types: &[&str]) -> RawPolicy {
    let (ns, name) = qualified.split_once('/').unwrap();
    RawPolicy {
        namespace: Some(s(ns)),
        name: s(name),
        pod_selector: Some(match_labels(selects)),
        policy_types: Some(types.iter().map(|t| s(t)).collect()),
        ..RawPolicy::default()
    }
}

fn pods_peer(labels: &[(&str, &str)]) -> RawPeer {
    RawPeer { pod_selector: Some(match_labels(labels)), ..RawPeer::default() }
}

fn block_peer(cidr: &str, except: &[&str]) -> RawPeer {
    RawPeer {
        ip_block: Some(RawIpBlock { cidr: s(cidr), except: Some(except.iter().map(|e| s(e)).collect()) }),
        ..RawPeer::default()
    }
}

fn tcp(port: RawPortValue) -> RawPort {
    RawPort { protocol: Some(s("TCP")), port: Some(port), end_port: None }
}

/// A validated cluster, an engine and the model for hand-written cases.
struct Fixture {
    raw: RawCluster,
    cluster: Cluster,
}

impl Fixture {
    fn new(namespaces: Vec<RawNamespace>, pods: Vec<RawPod>, policies: Vec<RawPolicy>) -> Fixture {
        let raw = RawCluster { namespaces, pods, policies, ..RawCluster::default() };
        let cluster = raw.clone().validate(Strictness::Strict).unwrap_or_else(|e| panic!("invalid fixture: {e}"));
        Fixture { raw, cluster }
    }

    fn endpoint(&self, text: &str) -> Endpoint {
        match text.parse::<IpAddr>() {
            Ok(ip) => Endpoint::Ip(ip),
            Err(_) => {
                let (ns, name) = text.split_once('/').unwrap();
                Endpoint::Pod(self.cluster.pod_id(ns, name).unwrap_or_else(|| panic!("no pod {text}")))
            }
        }
    }

    /// Asserts that every evaluator (and the model) says `expected`, and that the same query
    /// with any pod IP replaced by its pod gets the same verdict in the IP's family (S9a).
    fn expect(&self, options: Options, src: &str, dst: &str, port: u16, protocol: Protocol, expected: bool) {
        self.expect_families(options, src, dst, port, protocol, expected, None);
    }

    /// [`Fixture::expect`], and when `families` is given, the per-family verdicts too.
    #[allow(clippy::too_many_arguments)]
    fn expect_families(
        &self,
        options: Options,
        src: &str,
        dst: &str,
        port: u16,
        protocol: Protocol,
        expected: bool,
        families: Option<FamilyVerdicts>,
    ) {
        let engine = Compiler::new().options(options).compile(&self.cluster);
        let model = Model::new(&self.raw, &self.cluster, options);
        let under = Under {
            cluster: &self.cluster,
            reference: Evaluator::new(&self.cluster, options),
            engine: &engine,
            model: &model,
        };
        let (a, b) = (self.endpoint(src), self.endpoint(dst));
        let verdict = under.check(a, b, port, protocol).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(verdict.is_allowed(), expected, "{src} -> {dst} on {port}/{protocol} under {options:?}");
        if let Some(families) = families {
            assert_eq!(verdict.families, families, "{src} -> {dst} on {port}/{protocol} under {options:?}: families");
        }
        let as_pod = |e: Endpoint| resolve(&self.cluster, e);
        let by_pod = under.check(as_pod(a), as_pod(b), port, protocol).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(restricted(by_pod.families, a, b), verdict.families, "{src} -> {dst}: by IP and by pod");
        if let (Endpoint::Pod(pa), Endpoint::Pod(pb)) = (as_pod(a), as_pod(b)) {
            assert_eq!(engine.matrix(port, protocol).allowed(pa, pb), by_pod.is_allowed(), "matrix: {src} -> {dst}");
        }
    }
}

const TCP: Protocol = Protocol::Tcp;
const DEFAULT: Options = Options { self_traffic: SelfTraffic::Allow, ip_block_matches_pods: true, tie: Tie::DenyWins };
const EVALUATE_SELF: Options =
    Options { self_traffic: SelfTraffic::Evaluate, ip_block_matches_pods: true, tie: Tie::DenyWins };
const BLOCKS_SKIP_PODS: Options =
    Options { self_traffic: SelfTraffic::Allow, ip_block_matches_pods: false, tie: Tie::DenyWins };

/// S1, S12: an IP endpoint that is a pod's IP (any of them) is that pod, for ingress, egress and
/// self traffic alike.
#[test]
fn pod_ip_endpoints_are_their_pods() {
    let mut web_in = raw_policy("shop/web-in", &[("app", "web")], &["Ingress"]);
    web_in.ingress = Some(vec![RawRule {
        peers: Some(vec![pods_peer(&[("app", "client")])]),
        ports: Some(vec![tcp(RawPortValue::Number(80))]),
    }]);
    // Default policy types: Ingress (no rules: deny all) plus Egress (rules given).
    let mut client = raw_policy("shop/client", &[("app", "client")], &[]);
    client.policy_types = None;
    client.egress = Some(vec![RawRule { peers: Some(vec![pods_peer(&[("app", "web")])]), ports: None }]);
    let f = Fixture::new(
        vec![namespace("shop", &[])],
        vec![
            raw_pod("shop/web", &[("app", "web")], &["10.0.0.1", "fd00::1"], &[]),
            raw_pod("shop/client", &[("app", "client")], &["10.0.0.2"], &[]),
            raw_pod("shop/other", &[("app", "other")], &["10.0.0.3"], &[]),
        ],
        vec![web_in, client],
    );
    f.expect(DEFAULT, "10.0.0.2", "shop/web", 80, TCP, true);
    // S9a: client is IPv4-only, fd00::1 is web over IPv6: no shared family (allowed before S9a).
    f.expect(DEFAULT, "10.0.0.2", "fd00::1", 80, TCP, false);
    f.expect(DEFAULT, "10.0.0.2", "shop/web", 81, TCP, false);
    f.expect(DEFAULT, "10.0.0.3", "shop/web", 80, TCP, false);
    f.expect(DEFAULT, "10.0.0.9", "shop/web", 80, TCP, false);
    f.expect(DEFAULT, "shop/client", "10.0.0.9", 80, TCP, false); // egress only to web
    f.expect(DEFAULT, "shop/web", "10.0.0.2", 80, TCP, false); // client denies all ingress
    f.expect(DEFAULT, "shop/web", "10.0.0.9", 80, TCP, true);
    // Self traffic over one of the pod's IPs; from one of its families to the other there is no
    // connection at all (S9a; allowed before S9a).
    f.expect(DEFAULT, "fd00::1", "10.0.0.1", 80, TCP, false);
    f.expect(DEFAULT, "10.0.0.1", "10.0.0.1", 80, TCP, true);
    f.expect(DEFAULT, "shop/web", "fd00::1", 80, TCP, true);
    f.expect(EVALUATE_SELF, "fd00::1", "10.0.0.1", 80, TCP, false);
    f.expect(EVALUATE_SELF, "shop/client", "10.0.0.2", 80, TCP, false); // client isolated both ways
}

/// S9: ipBlocks with excepts, on pod IPs and plain IPs, under both readings of
/// `ip_block_matches_pods`; an IP that is a pod's IP is the pod, so the option applies to it too.
#[test]
fn ip_blocks_and_the_pod_ip_option() {
    let mut db_in = raw_policy("data/db-in", &[("app", "db")], &["Ingress"]);
    db_in.ingress = Some(vec![RawRule { peers: Some(vec![block_peer("10.0.0.0/16", &["10.0.2.0/24"])]), ports: None }]);
    let f = Fixture::new(
        vec![namespace("data", &[])],
        vec![
            raw_pod("data/db", &[("app", "db")], &["10.0.1.1"], &[]),
            raw_pod("data/client", &[("app", "client")], &["10.0.0.5"], &[]),
            raw_pod("data/far", &[("app", "client")], &["10.0.2.5"], &[]),
            raw_pod("data/v6", &[("app", "client")], &["fd00::5"], &[]),
        ],
        vec![db_in],
    );
    for (src, matches_pods, outside) in [
        ("data/client", true, false),
        ("10.0.0.5", true, false),
        ("data/far", false, false),
        ("data/v6", false, false),
        ("10.0.3.3", true, true),
        ("10.0.255.255", true, true),
        ("10.0.2.0", false, true),
        ("10.0.2.255", false, true),
        ("10.1.0.0", false, true),
        ("fd00::9", false, true),
    ] {
        f.expect(DEFAULT, src, "data/db", 5432, TCP, matches_pods);
        f.expect(BLOCKS_SKIP_PODS, src, "data/db", 5432, TCP, matches_pods && outside);
    }
}

/// S11: a named port resolves against the destination pod's container ports (name, protocol
/// and number), and never matches an IP destination.
#[test]
fn named_ports_need_a_destination_pod() {
    let mut api_out = raw_policy("app/api-out", &[("app", "api")], &["Egress"]);
    api_out.egress = Some(vec![RawRule {
        peers: Some(vec![block_peer("0.0.0.0/0", &[])]),
        ports: Some(vec![tcp(RawPortValue::Name(s("http")))]),
    }]);
    let f = Fixture::new(
        vec![namespace("app", &[])],
        vec![
            raw_pod("app/api", &[("app", "api")], &["10.0.0.1"], &[]),
            raw_pod("app/web", &[("app", "web")], &["10.0.0.2"], &[("http", 8080, "TCP"), ("http", 8081, "UDP")]),
        ],
        vec![api_out],
    );
    f.expect(DEFAULT, "app/api", "app/web", 8080, Protocol::Tcp, true);
    f.expect(DEFAULT, "app/api", "10.0.0.2", 8080, Protocol::Tcp, true);
    f.expect(DEFAULT, "app/api", "app/web", 8081, Protocol::Tcp, false);
    f.expect(DEFAULT, "app/api", "app/web", 8081, Protocol::Udp, false); // the entry is TCP
    f.expect(DEFAULT, "app/api", "app/web", 80, Protocol::Tcp, false);
    f.expect(DEFAULT, "app/api", "192.0.2.1", 8080, Protocol::Tcp, false);
    // With ipBlocks not matching pods, the pod destination is no longer a peer at all.
    f.expect(BLOCKS_SKIP_PODS, "app/api", "app/web", 8080, Protocol::Tcp, false);
}

/// S8, S13: a pod in an undeclared namespace is matched by that namespace's name label, and the
/// IP of a pod that validation left out (finished) is a plain IP.
#[test]
fn assumed_namespaces_and_left_out_pods() {
    let mut web_in = raw_policy("shop/web-in", &[("app", "web")], &["Ingress"]);
    web_in.ingress = Some(vec![RawRule {
        peers: Some(vec![RawPeer {
            namespace_selector: Some(match_labels(&[(NAMESPACE_NAME_LABEL, "tools")])),
            pod_selector: Some(match_labels(&[("app", "client")])),
            ip_block: None,
        }]),
        ports: None,
    }]);
    let mut gone = raw_pod("tools/gone", &[("app", "client")], &["10.0.0.7"], &[]);
    gone.phase = Some(s("Succeeded"));
    let f = Fixture::new(
        vec![namespace("shop", &[("app", "client")])],
        vec![
            raw_pod("shop/web", &[("app", "web")], &["10.0.0.1"], &[]),
            raw_pod("shop/client", &[("app", "client")], &["10.0.0.2"], &[]),
            raw_pod("tools/client", &[("app", "client")], &["10.0.0.3"], &[]),
            gone,
        ],
        vec![web_in],
    );
    assert_eq!(f.cluster.pods().len(), 3);
    f.expect(DEFAULT, "tools/client", "shop/web", 80, Protocol::Tcp, true);
    f.expect(DEFAULT, "10.0.0.3", "shop/web", 80, Protocol::Tcp, true);
    f.expect(DEFAULT, "shop/client", "shop/web", 80, Protocol::Tcp, false);
    f.expect(DEFAULT, "10.0.0.7", "shop/web", 80, Protocol::Tcp, false);
}

fn fams(ipv4: Option<bool>, ipv6: Option<bool>) -> Option<FamilyVerdicts> {
    Some(FamilyVerdicts { ipv4, ipv6 })
}

/// S9a: issue 15 and its egress twin (an IPv6 ipBlock never admits a dual-stack pod over IPv4),
/// IPv4-mapped addresses, and pods without IPs.
#[test]
fn address_families() {
    let mut v6_in = raw_policy("x/v6-in", &[("app", "a")], &["Ingress"]);
    v6_in.ingress = Some(vec![RawRule { peers: Some(vec![block_peer("fd00:1::/64", &[])]), ports: None }]);
    let mut v6_out = raw_policy("x/v6-out", &[("role", "client")], &["Egress"]);
    v6_out.egress = Some(vec![RawRule { peers: Some(vec![block_peer("fd00:1::/64", &[])]), ports: None }]);
    let mut mapped_in = raw_policy("x/mapped-in", &[("app", "m")], &["Ingress"]);
    mapped_in.ingress = Some(vec![
        RawRule { peers: Some(vec![block_peer("10.0.0.0/24", &[])]), ports: Some(vec![tcp(RawPortValue::Number(80))]) },
        RawRule {
            peers: Some(vec![block_peer("::ffff:0:0/96", &[])]),
            ports: Some(vec![tcp(RawPortValue::Number(81))]),
        },
    ]);
    let f = Fixture::new(
        vec![namespace("x", &[])],
        vec![
            raw_pod("x/a", &[("app", "a")], &["10.0.0.1"], &[]),
            raw_pod("x/ds", &[("app", "ds")], &["10.0.0.2", "fd00:1::2"], &[]),
            raw_pod("x/c4", &[("role", "client")], &["10.0.0.3"], &[]),
            raw_pod("x/c46", &[("role", "client")], &["10.0.0.4", "fd00:1::4"], &[]),
            raw_pod("x/m", &[("app", "m")], &["10.0.0.5"], &[]),
            raw_pod("x/v6", &[("app", "v6")], &["fd00:1::6"], &[]),
            raw_pod("x/none", &[("app", "none")], &[], &[]),
        ],
        vec![v6_in, v6_out, mapped_in],
    );
    let e = |f: &Fixture, src, dst, port, allowed, families| {
        f.expect_families(DEFAULT, src, dst, port, TCP, allowed, families)
    };
    // Issue 15: ds and a share IPv4 only, where the IPv6 block cannot match ds.
    e(&f, "x/ds", "x/a", 80, false, fams(Some(false), None));
    e(&f, "10.0.0.2", "x/a", 80, false, fams(Some(false), None));
    e(&f, "fd00:1::2", "x/a", 80, false, fams(None, None));
    e(&f, "x/a", "x/ds", 80, true, fams(Some(true), None));
    // The egress twin: c4 (IPv4 only) never reaches ds; c46 does, over IPv6 only.
    e(&f, "x/c4", "x/ds", 80, false, fams(Some(false), None));
    e(&f, "x/c46", "x/ds", 80, true, fams(Some(false), Some(true)));
    e(&f, "x/c46", "10.0.0.2", 80, false, fams(Some(false), None));
    e(&f, "x/c46", "fd00:1::2", 80, true, fams(None, Some(true)));
    // IPv4-mapped addresses are IPv4; the IPv6 block over the mapped range matches none of them.
    e(&f, "::ffff:10.0.0.2", "x/m", 80, true, fams(Some(true), None));
    e(&f, "::ffff:10.0.0.2", "x/m", 81, false, fams(Some(false), None));
    e(&f, "::ffff:10.0.0.99", "x/m", 80, true, fams(Some(true), None));
    e(&f, "::ffff:10.0.0.99", "x/m", 81, false, fams(Some(false), None));
    e(&f, "::ffff:10.0.0.99", "x/v6", 80, false, fams(None, None));
    e(&f, "x/v6", "::ffff:192.0.2.1", 80, false, fams(None, None));
    e(&f, "::ffff:10.0.0.5", "x/m", 81, true, fams(Some(true), None)); // m itself
                                                                       // IPv4-only and IPv6-only pods, and IP endpoints of the other family: no connection.
    e(&f, "x/a", "x/v6", 80, false, fams(None, None));
    e(&f, "x/v6", "x/a", 80, false, fams(None, None));
    e(&f, "2001:db8::1", "x/a", 80, false, fams(None, None));
    e(&f, "192.0.2.1", "x/v6", 80, false, fams(None, None));
    e(&f, "192.0.2.1", "2001:db8::1", 80, false, fams(None, None));
    // A pod without IPs shares both families but has no address for an ipBlock.
    e(&f, "x/none", "x/a", 80, false, fams(Some(false), None));
    e(&f, "x/none", "x/v6", 80, true, fams(None, Some(true)));
    e(&f, "x/none", "x/none", 80, true, fams(Some(true), Some(true)));
    e(&f, "x/ds", "x/none", 80, true, fams(Some(true), Some(true)));
    // Self traffic: every family the pod has; from one of its families to the other, none.
    e(&f, "x/ds", "x/ds", 80, true, fams(Some(true), Some(true)));
    e(&f, "10.0.0.2", "fd00:1::2", 80, false, fams(None, None));
    f.expect_families(EVALUATE_SELF, "x/a", "x/a", 80, TCP, false, fams(Some(false), None));
    f.expect_families(BLOCKS_SKIP_PODS, "x/c46", "x/ds", 80, TCP, false, fams(Some(false), Some(false)));
    f.expect_families(BLOCKS_SKIP_PODS, "x/c46", "fd00:1::9", 80, TCP, true, fams(None, Some(true)));
}
