//! Differential: a small cluster built from the fuzz bytes is validated, compiled, and asked
//! questions; the compiled engine (`decide`, `decide_batch`, `matrix`, `connectivity`) must give
//! the reference interpreter's answer on every one. Any disagreement is a crash.

#![no_main]

use std::net::IpAddr;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use netpol::raw::Strictness;
use netpol::reference::Evaluator;
use netpol::{Compiler, Endpoint, IpRange, PodId, Protocol, Query, SelfTraffic, Verdict};
use netpol_fuzz::{cluster, endpoints, options, QueryShape, PROBE_IPS, PROBE_PORTS};

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let raw = cluster(u)?;
    let options = options(u)?;
    let strictness = if u.arbitrary()? { Strictness::Lenient } else { Strictness::Strict };
    let shapes: Vec<QueryShape> = u.arbitrary_iter()?.take(64).collect::<Result<_>>()?;
    let matrix_probes: Vec<(u8, u8)> = u.arbitrary_iter()?.take(3).collect::<Result<_>>()?;

    let Ok(cluster) = raw.validate(strictness) else { return Ok(()) };
    let engine = Compiler::new().options(options).compile(&cluster);
    let reference = Evaluator::new(&cluster, options);
    let endpoints = endpoints(&cluster);

    // Single queries and the same queries as a batch.
    let mut queries = Vec::new();
    for shape in &shapes {
        let (src, dst, port, protocol) = shape.resolve(&endpoints);
        let expected = reference.allowed(src, dst, port, protocol);
        let verdict = engine.decide(src, dst, port, protocol);
        assert_eq!(verdict.is_allowed(), expected, "decide {src:?} -> {dst:?} on {port}/{protocol:?}");
        queries.push(Query { src, dst, port, protocol });
    }
    let mut batch = vec![Verdict::default(); queries.len()];
    engine.decide_batch(&queries, &mut batch);
    for (q, v) in queries.iter().zip(&batch) {
        assert_eq!(*v, engine.decide(q.src, q.dst, q.port, q.protocol), "decide_batch {q:?}");
    }

    // Whole truth tables on a few ports.
    let pods = cluster.pods().len();
    for &(port, protocol) in &matrix_probes {
        let port = PROBE_PORTS[port as usize % PROBE_PORTS.len()];
        let protocol = Protocol::ALL[protocol as usize % Protocol::ALL.len()];
        let matrix = engine.matrix(port, protocol);
        assert_eq!(matrix.len(), pods);
        for s in 0..pods {
            for d in 0..pods {
                let (src, dst) = (PodId(s as u32), PodId(d as u32));
                let expected = reference.allowed(Endpoint::Pod(src), Endpoint::Pod(dst), port, protocol);
                assert_eq!(matrix.allowed(src, dst), expected, "matrix {s} -> {d} on {port}/{protocol:?}");
            }
        }
    }

    // Connectivity: the allowed port sets per pod pair, on every probe port and protocol.
    if !matrix_probes.is_empty() {
        let connectivity = engine.connectivity();
        for s in 0..pods {
            for d in 0..pods {
                let (src, dst) = (PodId(s as u32), PodId(d as u32));
                let set = connectivity.between(src, dst);
                for &port in PROBE_PORTS {
                    for protocol in Protocol::ALL {
                        let mut expected = reference.allowed(Endpoint::Pod(src), Endpoint::Pod(dst), port, protocol);
                        if s == d && options.self_traffic == SelfTraffic::Allow {
                            expected = true;
                        }
                        assert_eq!(set.allows(port, protocol), expected, "between {s} -> {d} on {port}/{protocol:?}");
                    }
                }
            }
        }
        // External ranges: addresses outside the pods, both directions.
        let outside: Vec<IpAddr> = PROBE_IPS
            .iter()
            // An IPv4-mapped probe is the IPv4 address (S9a).
            .map(|s| s.parse::<IpAddr>().expect("probe IPs parse").to_canonical())
            .filter(|ip| cluster.pod_with_ip(*ip).is_none())
            .collect();
        let within = |r: &IpRange, ip: IpAddr| r.first <= ip && ip <= r.last && r.first.is_ipv4() == ip.is_ipv4();
        for p in 0..pods {
            let pod = PodId(p as u32);
            let (egress, ingress) = (connectivity.egress_external(pod), connectivity.ingress_external(pod));
            for &ip in &outside {
                for &port in &PROBE_PORTS[..4] {
                    for protocol in Protocol::ALL {
                        let out = reference.allowed(Endpoint::Pod(pod), Endpoint::Ip(ip), port, protocol);
                        let got = egress.iter().any(|(r, set)| within(r, ip) && set.allows(port, protocol));
                        assert_eq!(got, out, "egress_external {p} -> {ip} on {port}/{protocol:?}");
                        let inc = reference.allowed(Endpoint::Ip(ip), Endpoint::Pod(pod), port, protocol);
                        let got = ingress.iter().any(|(r, set)| within(r, ip) && set.allows(port, protocol));
                        assert_eq!(got, inc, "ingress_external {ip} -> {p} on {port}/{protocol:?}");
                    }
                }
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
