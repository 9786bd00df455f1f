//! The primitives of the independent models of the property tests (`core/tests/agreement.rs`,
//! `core/tests/tiers_agreement.rs`): DESIGN §2 read off the *raw* input with their own selector,
//! ipBlock, port and policy-type logic, sharing no code with the crate, so that a bug in a helper
//! both evaluators share (`LabelSelector::matches`, `IpBlock::contains`, `PolicyPort::matches`,
//! the S4 defaults) cannot hide behind their agreement. [`RawModel`] holds the raw input with the
//! pods in the cluster's order and decides the v1 tier; each test builds its verdicts on it.

use std::net::IpAddr;

use ipnet::IpNet;
use netpol::raw::{
    RawCluster, RawContainerPort, RawIpBlock, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue, RawSelector,
    NAMESPACE_NAME_LABEL,
};
use netpol::spec::Labels;
use netpol::{Cluster, Direction, Endpoint, Family, Options, Protocol};

/// A CIDR of the generated input (valid by construction), host bits cleared.
pub fn net(text: &str) -> IpNet {
    text.parse::<IpNet>().expect("test CIDRs parse").trunc()
}

/// A generated `protocol` (valid by construction): TCP when absent.
pub fn protocol_of(raw: Option<&str>) -> Protocol {
    raw.map_or(Protocol::Tcp, |p| Protocol::parse(p).expect("generated protocols are valid"))
}

/// S4 read off the raw policy.
pub fn policy_types(policy: &RawPolicy) -> Vec<Direction> {
    match policy.policy_types.as_deref() {
        None | Some([]) => {
            let mut types = vec![Direction::Ingress];
            if policy.egress.as_ref().is_some_and(|e| !e.is_empty()) {
                types.push(Direction::Egress);
            }
            types
        }
        Some(types) => types
            .iter()
            .map(|t| match t.as_str() {
                "Ingress" => Direction::Ingress,
                "Egress" => Direction::Egress,
                other => panic!("generated an invalid policy type {other}"),
            })
            .collect(),
    }
}

/// S7 read off the raw selector.
pub fn selects(selector: &RawSelector, labels: &Labels) -> bool {
    selector.match_labels.iter().flatten().all(|(k, v)| labels.get(k) == Some(v))
        && selector.match_expressions.iter().flatten().all(|r| {
            let value = labels.get(&r.key);
            let listed = value.is_some_and(|v| r.values.iter().flatten().any(|x| x == v));
            match r.operator.as_str() {
                "In" => listed,
                "NotIn" => !listed,
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                other => panic!("generated an invalid operator {other}"),
            }
        })
}

/// S9 read off the raw ipBlock; `ip` is canonical, so an IPv4 address never falls in an IPv6
/// block (not even in ::ffff:0:0/96) and `0.0.0.0/0` never covers IPv6.
pub fn in_block(block: &RawIpBlock, ip: IpAddr) -> bool {
    net(&block.cidr).contains(&ip) && !block.except.iter().flatten().any(|e| net(e).contains(&ip))
}

/// S10, S11 read off the raw port entry and the destination's raw container ports (`None` for
/// an address outside the pods).
pub fn port_matches(entry: &RawPort, port: u16, protocol: Protocol, destination: Option<&[RawContainerPort]>) -> bool {
    if protocol_of(entry.protocol.as_deref()) != protocol {
        return false;
    }
    match &entry.port {
        None => true,
        Some(RawPortValue::Number(first)) => (*first..=entry.end_port.unwrap_or(*first)).contains(&i32::from(port)),
        Some(RawPortValue::Name(name)) => destination.is_some_and(|ports| {
            ports.iter().any(|c| {
                c.name.as_deref() == Some(name.as_str())
                    && c.container_port == i32::from(port)
                    && protocol_of(c.protocol.as_deref()) == protocol
            })
        }),
    }
}

/// A pod as a model sees it: the raw object and its parsed IPs.
pub struct ModelPod<'a> {
    /// The generated pod.
    pub raw: &'a RawPod,
    /// Its namespace.
    pub namespace: &'a str,
    /// Its IPs, as given.
    pub ips: Vec<IpAddr>,
}

/// One end as a model sees it: a pod (by name, or by one of its IPs: then only that IP's
/// family) or an IP outside the pod model.
pub enum Side {
    /// A pod (index into [`RawModel::pods`]), over one family when named by an IP.
    Pod(usize, Option<Fam>),
    /// An address outside the pods, canonical.
    Ip(IpAddr),
}

/// A model's own address family (S9a), not the crate's [`Family`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fam {
    /// IPv4.
    V4,
    /// IPv6.
    V6,
}

impl Fam {
    /// An IPv4-mapped IPv6 address is IPv4.
    pub fn of(ip: IpAddr) -> Fam {
        match ip {
            IpAddr::V4(_) => Fam::V4,
            IpAddr::V6(a) if a.to_ipv4_mapped().is_some() => Fam::V4,
            IpAddr::V6(_) => Fam::V6,
        }
    }

    /// The crate's name for it.
    pub fn crate_family(self) -> Family {
        match self {
            Fam::V4 => Family::Ipv4,
            Fam::V6 => Family::Ipv6,
        }
    }
}

/// `::ffff:a.b.c.d` as `a.b.c.d`; every other address as it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(a) => a.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The raw input as the models read it, with the v1 tier (S2–S11) decided on it.
pub struct RawModel<'a> {
    /// The generated input.
    pub raw: &'a RawCluster,
    /// The options the question is asked under.
    pub options: Options,
    /// In the cluster's pod order, so `PodId`s index it.
    pub pods: Vec<ModelPod<'a>>,
}

impl<'a> RawModel<'a> {
    /// The model of `raw`, whose validated form is `cluster` (for the pod order).
    pub fn new(raw: &'a RawCluster, cluster: &Cluster, options: Options) -> RawModel<'a> {
        let pods = cluster
            .pods()
            .iter()
            .map(|p| {
                let raw = raw
                    .pods
                    .iter()
                    .find(|r| r.namespace.as_deref() == Some(p.namespace.as_str()) && r.name == p.name)
                    .expect("every pod of the cluster was generated");
                let ips = raw.ips.iter().map(|(_, ip)| ip.parse().expect("generated IPs parse")).collect();
                ModelPod { raw, namespace: raw.namespace.as_deref().expect("generated pods name a namespace"), ips }
            })
            .collect();
        RawModel { raw, options, pods }
    }

    /// S8: declared labels plus the name label; an undeclared namespace has only the latter.
    pub fn namespace_labels(&self, name: &str) -> Labels {
        let mut labels =
            self.raw.namespaces.iter().find(|n| n.name == name).map(|n| n.labels.clone()).unwrap_or_default();
        labels.insert(NAMESPACE_NAME_LABEL.to_string(), name.to_string());
        labels
    }

    /// S1: an IP that is a pod's IP is that pod, in that IP's family only (S9a).
    pub fn side(&self, endpoint: Endpoint) -> Side {
        match endpoint {
            Endpoint::Pod(id) => Side::Pod(id.index(), None),
            Endpoint::Ip(ip) => {
                let ip = canonical(ip);
                self.pods
                    .iter()
                    .position(|p| p.ips.contains(&ip))
                    .map_or(Side::Ip(ip), |p| Side::Pod(p, Some(Fam::of(ip))))
            }
            other => unreachable!("an endpoint kind the model does not know: {other:?}"),
        }
    }

    /// S9a: the families an end can use. A pod without IPs does not restrict.
    pub fn families(&self, side: &Side) -> Vec<Fam> {
        match side {
            Side::Ip(ip) => vec![Fam::of(*ip)],
            Side::Pod(_, Some(f)) => vec![*f],
            Side::Pod(p, None) => {
                let ips = &self.pods[*p].ips;
                [Fam::V4, Fam::V6]
                    .into_iter()
                    .filter(|&f| ips.is_empty() || ips.iter().any(|&ip| Fam::of(ip) == f))
                    .collect()
            }
        }
    }

    /// The v1 tier (S2–S11) at `local` in `direction`: `None` when no NetworkPolicy isolates the
    /// pod, else whether some rule of an isolating policy admits `peer` over `family` on
    /// `port`/`protocol` towards the destination `dst`.
    #[allow(clippy::too_many_arguments)]
    pub fn v1(
        &self,
        local: &ModelPod,
        direction: Direction,
        peer: &Side,
        family: Fam,
        dst: Option<&ModelPod>,
        port: u16,
        protocol: Protocol,
    ) -> Option<bool> {
        let isolating: Vec<&RawPolicy> = self
            .raw
            .policies
            .iter()
            .filter(|p| {
                p.namespace.as_deref() == Some(local.namespace)
                    && selects(
                        p.pod_selector.as_ref().expect("generated policies have a pod selector"),
                        &local.raw.labels,
                    )
                    && policy_types(p).contains(&direction)
            })
            .collect();
        if isolating.is_empty() {
            return None;
        }
        let destination = dst.map(|d| d.raw.ports.as_slice());
        Some(isolating.iter().any(|policy| {
            let rules = match direction {
                Direction::Ingress => &policy.ingress,
                Direction::Egress => &policy.egress,
            };
            rules.iter().flatten().any(|rule| {
                let peers = rule.peers.as_deref().unwrap_or_default();
                let ports = rule.ports.as_deref().unwrap_or_default();
                (peers.is_empty() || peers.iter().any(|p| self.peer_matches(p, policy, peer, family)))
                    && (ports.is_empty() || ports.iter().any(|p| port_matches(p, port, protocol, destination)))
            })
        }))
    }

    /// S6, S9, S9a: in `family`, an ipBlock sees only the pod's address of that family.
    pub fn peer_matches(&self, peer: &RawPeer, policy: &RawPolicy, endpoint: &Side, family: Fam) -> bool {
        match (&peer.ip_block, endpoint) {
            (Some(block), Side::Ip(ip)) => in_block(block, *ip),
            (Some(block), Side::Pod(p, _)) => {
                self.options.ip_block_matches_pods
                    && self.pods[*p].ips.iter().any(|&ip| Fam::of(ip) == family && in_block(block, ip))
            }
            (None, Side::Ip(_)) => false,
            (None, Side::Pod(p, _)) => {
                let pod = &self.pods[*p];
                let namespace_ok = match &peer.namespace_selector {
                    None => policy.namespace.as_deref() == Some(pod.namespace),
                    Some(sel) => selects(sel, &self.namespace_labels(pod.namespace)),
                };
                namespace_ok && peer.pod_selector.as_ref().is_none_or(|sel| selects(sel, &pod.raw.labels))
            }
        }
    }
}
