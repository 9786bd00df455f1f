//! The primitives of the independent models of the property tests (`core/tests/agreement.rs`,
//! `core/tests/tiers_agreement.rs`): DESIGN §2 read off the *raw* input with their own selector,
//! ipBlock, port and policy-type logic, sharing no code with the crate, so that a bug in a helper
//! both evaluators share (`LabelSelector::matches`, `IpBlock::contains`, `PolicyPort::matches`,
//! the S4 defaults) cannot hide behind their agreement.

use std::net::IpAddr;

use ipnet::IpNet;
use netpol::raw::{RawContainerPort, RawIpBlock, RawPolicy, RawPort, RawPortValue, RawSelector};
use netpol::spec::Labels;
use netpol::{Direction, Protocol};

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
