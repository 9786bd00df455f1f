//! Shared set-up for the criterion benches: generated clusters at the sizes the issues name.

use netpol::{Cluster, Compiler, Endpoint, Engine, PodId, Protocol, Query};
use netpol_gen::{generate_string, GenConfig};

/// A benchmark size: namespaces × pods per namespace, and policies.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Label used in benchmark ids, e.g. `1000p-400np`.
    pub label: &'static str,
    /// Generator configuration.
    pub namespaces: usize,
    /// Pods per namespace.
    pub pods_per_namespace: usize,
    /// Policies in total.
    pub policies: usize,
    /// ClusterNetworkPolicies (admin and baseline tiers, S15).
    pub cluster_policies: usize,
}

/// 100 pods / 40 policies, 1,000 / 400 and 10,000 / 2,000 (plus the generator's CoreDNS pods).
pub const SIZES: [Size; 3] = [
    Size { label: "100p-40np", namespaces: 5, pods_per_namespace: 20, policies: 40, cluster_policies: 0 },
    Size { label: "1000p-400np", namespaces: 10, pods_per_namespace: 100, policies: 400, cluster_policies: 0 },
    Size { label: "10000p-2000np", namespaces: 50, pods_per_namespace: 200, policies: 2000, cluster_policies: 0 },
];

/// 10,000 pods / 2,000 policies with 200 ClusterNetworkPolicies over them (issue 19: decide
/// within 2x of the same size without them).
pub const TIERED: Size = Size {
    label: "10000p-2000np-200cnp",
    namespaces: 50,
    pods_per_namespace: 200,
    policies: 2000,
    cluster_policies: 200,
};

/// 50,000 pods / 10,000 policies, 100,000 / 20,000 and 150,000 / 30,000: up to Kubernetes' own
/// limit of 150,000 pods, one policy per five pods (issue 18).
pub const LARGE_SIZES: [Size; 3] = [
    Size { label: "50000p-10000np", namespaces: 250, pods_per_namespace: 200, policies: 10_000, cluster_policies: 0 },
    Size { label: "100000p-20000np", namespaces: 500, pods_per_namespace: 200, policies: 20_000, cluster_policies: 0 },
    Size { label: "150000p-30000np", namespaces: 750, pods_per_namespace: 200, policies: 30_000, cluster_policies: 0 },
];

/// The generated cluster of `size` (seed 1), read from its JSON (the faster reader: the large
/// sizes are hundreds of megabytes of text).
pub fn cluster(size: Size) -> Cluster {
    let json = cluster_text(size, Format::Json, false);
    Cluster::from_yaml_str(&json).expect("generated clusters are valid")
}

/// The generated cluster of `size` (seed 1) as text: `kubectl get -o json|yaml` output of a live
/// cluster when `realistic` (managedFields, full pod specs and status), else the plain YAML or
/// JSON.
pub fn cluster_text(size: Size, format: Format, realistic: bool) -> String {
    let config = GenConfig {
        namespaces: size.namespaces,
        pods_per_namespace: size.pods_per_namespace,
        policies: size.policies,
        seed: 1,
        realistic,
        cluster_policies: size.cluster_policies,
    };
    generate_string(&config, format).expect("bench sizes are within the generator's maximums")
}

/// The engine for `cluster` with default options.
pub fn engine(cluster: &Cluster) -> Engine {
    Compiler::new().compile(cluster)
}

/// The generator's output formats and its CoreDNS pods, for benches that generate text.
pub use netpol_gen::{Format, COREDNS_PODS};

/// The workspace's deterministic generator (SplitMix64), so every run asks the same questions.
pub use netpol_gen::Rng;

/// `n` random pod → pod queries on 8080/TCP.
pub fn pod_queries(engine: &Engine, n: usize) -> Vec<Query> {
    let pods = engine.cluster().pods().len();
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15, 0);
    (0..n)
        .map(|_| Query {
            src: Endpoint::Pod(PodId(rng.below(pods) as u32)),
            dst: Endpoint::Pod(PodId(rng.below(pods) as u32)),
            port: 8080,
            protocol: Protocol::Tcp,
        })
        .collect()
}

/// `n` random external IP → pod queries on 8080/TCP (sources in 198.18.0.0/8-ish public space).
pub fn ip_queries(engine: &Engine, n: usize) -> Vec<Query> {
    let pods = engine.cluster().pods().len();
    let mut rng = Rng::new(0x2545_f491_4f6c_dd1d, 0);
    (0..n)
        .map(|_| {
            let ip = std::net::Ipv4Addr::from(0xc612_0000u32.wrapping_add(rng.next_u64() as u32 & 0x00ff_ffff));
            Query {
                src: Endpoint::Ip(ip.into()),
                dst: Endpoint::Pod(PodId(rng.below(pods) as u32)),
                port: 8080,
                protocol: Protocol::Tcp,
            }
        })
        .collect()
}

/// `n` Hubble flow lines (`hubble observe -o json`) from random pods of `engine`'s cluster, each
/// pod talking to three peers of its own on a port of its own per peer, as services do (so
/// about three distinct flows per pod); one line in 16 a reply, one in 32 dropped, as a capture
/// shows them.
pub fn hubble_lines(engine: &Engine, n: usize) -> String {
    use std::fmt::Write as _;
    let pods = engine.cluster().pods();
    let mut rng = Rng::new(0x51_7cc1_b727_220a, 0);
    let endpoint = |p: &netpol::spec::Pod| {
        let labels: Vec<String> = p.labels.iter().map(|(k, v)| format!("\"k8s:{k}={v}\"")).collect();
        format!(
            r#"{{"namespace":"{}","pod_name":"{}","labels":[{},"k8s:io.kubernetes.pod.namespace={}"]}}"#,
            p.namespace,
            p.name,
            labels.join(","),
            p.namespace
        )
    };
    let mut out = String::with_capacity(n * 400);
    for i in 0..n {
        let (s, k) = (rng.below(pods.len()), rng.below(3));
        let d = (s * 7919 + k * 104_729 + 1) % pods.len();
        let (src, dst) = (&pods[s], &pods[d]);
        let ip = |p: &netpol::spec::Pod| p.ips.first().map_or_else(|| "10.255.255.1".to_string(), |ip| ip.to_string());
        let port = [8080, 443, 5432, 53, 9090][(s + k) % 5];
        let verdict = if i % 32 == 7 { "DROPPED" } else { "FORWARDED" };
        let _ = writeln!(
            out,
            r#"{{"flow":{{"time":"2025-03-14T09:26:00.137013Z","verdict":"{verdict}","IP":{{"source":"{}","destination":"{}","ipVersion":"IPv4"}},"l4":{{"TCP":{{"source_port":{},"destination_port":{port},"flags":{{"SYN":true}}}}}},"source":{},"destination":{},"Type":"L3_L4","traffic_direction":"EGRESS","is_reply":{}}},"node_name":"node-1"}}"#,
            ip(src),
            ip(dst),
            30000 + i % 30000,
            endpoint(src),
            endpoint(dst),
            i % 16 == 3
        );
    }
    out
}
