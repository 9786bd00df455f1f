//! The nftables export enforces what the engine decides (issue 21): on random clusters (the
//! generator of `tiers_agreement.rs`, in `arb/`), the ruleset's maps and chains, worked out by
//! [`NftRuleset::admits`], pass exactly the connections [`Engine::decide`] allows between every
//! pair of addresses (pods' IPs, node addresses, outside addresses of both families, IPv4-mapped
//! ones among them) on ports around the alphabet. Real packets through `nft` are the lab's part
//! (`cli/tests/lab.rs`).

mod arb;

use std::net::IpAddr;

use arb::*;
use netpol::raw::Strictness;
use netpol::{Compiler, Endpoint, NftOptions, Protocol};
use netpol_test_support::alphabet::PORTS;
use proptest::prelude::*;

/// Addresses asked about: every pod IP and node address, and outside ones.
fn addresses(cluster: &netpol::Cluster) -> Vec<IpAddr> {
    let mut ips: Vec<IpAddr> = cluster.pods().iter().flat_map(|p| p.ips.iter().copied()).collect();
    ips.extend(cluster.nodes().iter().flat_map(|n| n.addresses.iter().copied()));
    let outside = ["10.0.0.1", "192.0.2.1", "0.0.0.0", "255.255.255.255", "fd00::1", "::", "2001:db8::7"];
    ips.extend(outside.map(|a| a.parse::<IpAddr>().unwrap()));
    // S9a: IPv4-mapped forms of the IPv4 ones.
    let mapped: Vec<IpAddr> = ips
        .iter()
        .filter_map(|ip| match ip {
            IpAddr::V4(a) => Some(IpAddr::V6(a.to_ipv6_mapped())),
            IpAddr::V6(_) => None,
        })
        .collect();
    ips.extend(mapped);
    ips
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every connection between two addresses of one family: the ruleset passes it exactly when
    /// the engine allows it (a pod's traffic to itself, when exempt, never meets the ruleset).
    #[test]
    fn ruleset_enforces_the_engine(case in cases()) {
        let Ok(cluster) = case.raw.clone().validate(Strictness::Strict) else { return Ok(()) };
        let engine = Compiler::new().options(case.options).compile(&cluster);
        let ruleset = engine.nftables(&NftOptions::default());
        let ips = addresses(engine.cluster());
        for &src in &ips {
            for &dst in &ips {
                let (s, d) = (src.to_canonical(), dst.to_canonical());
                if s.is_ipv4() != d.is_ipv4() || src.is_ipv4() != dst.is_ipv4() {
                    continue;
                }
                let same_pod = engine.pod_of(Endpoint::Ip(s)).is_some_and(|p| Some(p) == engine.pod_of(Endpoint::Ip(d)));
                if same_pod && engine.options().exempts_self_traffic() {
                    continue;
                }
                for port in PORTS.iter().filter_map(|&p| u16::try_from(p).ok()).chain([0, 2, 8081]) {
                    for protocol in Protocol::ALL {
                        let allowed = engine.decide(Endpoint::Ip(src), Endpoint::Ip(dst), port, protocol).is_allowed();
                        prop_assert_eq!(
                            ruleset.admits(src, dst, port, protocol), allowed,
                            "{} -> {} on {}/{:?}", src, dst, port, protocol
                        );
                    }
                }
            }
        }
    }
}
