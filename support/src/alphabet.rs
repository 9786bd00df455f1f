//! The small alphabets random clusters are built from, so that selectors, ipBlocks and ports
//! actually match something. `core/tests/agreement.rs` draws from them with proptest
//! strategies, `fuzz/src/lib.rs` with `arbitrary` (now and then putting junk in their place).

/// Label keys of pods, namespaces and selectors (besides `kubernetes.io/metadata.name`).
pub const LABEL_KEYS: &[&str] = &["app", "tier", "env"];
/// Label values (besides namespace names, for `kubernetes.io/metadata.name`).
pub const LABEL_VALUES: &[&str] = &["a", "b", "c"];
/// Namespace names, in order: a cluster declares a prefix of them and may use the next one
/// without declaring it (S8: assumed, with just its name label).
pub const NAMESPACES: &[&str] = &["ns0", "ns1", "ns2", "ns3", "ns4"];

/// Operators of selector requirements that take values.
pub const SET_OPERATORS: &[&str] = &["In", "NotIn"];
/// Operators of selector requirements that take no values.
pub const EXISTENCE_OPERATORS: &[&str] = &["Exists", "DoesNotExist"];

/// Names of container ports and of the policy ports that refer to them.
pub const PORT_NAMES: &[&str] = &["http", "dns", "metrics"];
/// Protocols as written in the input (`None`: left out, TCP).
pub const PROTOCOLS: &[Option<&str>] = &[None, Some("TCP"), Some("UDP"), Some("SCTP")];
/// Port numbers of rules and container ports: the ends of the range and a few in between.
pub const PORTS: &[i32] = &[1, 53, 80, 81, 443, 8080, 9090, 65535];

/// CIDRs of ipBlocks, nested so that excepts can be strict subsets of them.
pub const CIDRS: &[&str] = &[
    "0.0.0.0/0",
    "10.0.0.0/8",
    "10.0.0.0/16",
    "10.0.0.0/23",
    "10.0.0.0/24",
    "10.0.1.0/24",
    "10.0.2.0/25",
    "10.0.2.128/25",
    "10.0.0.0/29",
    "10.0.0.4/30",
    "10.0.0.2/31",
    "10.0.1.5/32",
    "::/0",
    "fd00::/8",
    "fd00::/112",
    "fd00::/125",
    "fd00::4/126",
    "fd00::3/128",
    // IPv6 blocks over the IPv4-mapped range: they match no address at all (S9a: a mapped
    // address is IPv4, and IPv4 never matches an IPv6 block).
    "::ffff:0:0/96",
    "::ffff:10.0.0.0/120",
];

/// Pod IPv4 addresses are [`pod_ipv4`]`(subnet, host)` with `subnet < POD_SUBNETS` and
/// `host < POD_HOSTS` or one of [`POD_EDGE_HOSTS`], inside and at the edges of [`CIDRS`].
pub const POD_SUBNETS: u8 = 4;
/// See [`POD_SUBNETS`]; IPv6 pods are [`pod_ipv6`]`(host)` with `host < POD_HOSTS`.
pub const POD_HOSTS: u8 = 8;
/// See [`POD_SUBNETS`].
pub const POD_EDGE_HOSTS: &[u8] = &[127, 128, 255];

/// `10.0.<subnet>.<host>`.
pub fn pod_ipv4(subnet: u8, host: u8) -> String {
    format!("10.0.{subnet}.{host}")
}

/// `fd00::<host>`.
pub fn pod_ipv6(host: u8) -> String {
    format!("fd00::{host}")
}
