//! `netpol::suggest`: least-privilege policies from observed flows, checked by loading the
//! emitted YAML back and replaying the flows.

use std::path::Path;

use netpol::flows::ObservedFlow;
use netpol::k8s::{LoadOptions, Loader};
use netpol::spec::{Peer, PortMatch};
use netpol::suggest::{reachable_pairs, reachable_ports, replace_policies, suggest, Suggestion};
use netpol::{Cluster, Compiler, Engine, Protocol};

fn example() -> Engine {
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.yaml"));
    Compiler::new().compile(&loader.finish().unwrap_or_else(|e| panic!("{e}")))
}

fn from_yaml(text: &str) -> Engine {
    Compiler::new().compile(&Cluster::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}")))
}

fn flow(engine: &Engine, src: &str, dst: &str, port: u16, protocol: Protocol, count: u64) -> ObservedFlow {
    let endpoint = |s: &str| engine.parse_endpoint(s).unwrap_or_else(|| panic!("no endpoint {s}"));
    ObservedFlow { src: endpoint(src), dst: endpoint(dst), port, protocol, count, family: None }
}

const FRONTEND_A: &str = "shop/frontend-6c8f9b7d4-2lmnp";
const FRONTEND_B: &str = "shop/frontend-6c8f9b7d4-8hq7r";
const API_A: &str = "shop/api-7f6d5c8b9-4kx8m";
const API_B: &str = "shop/api-7f6d5c8b9-v7p2s";
const POSTGRES: &str = "shop/postgres-0";
const COREDNS: &str = "kube-system/coredns-5d78c9869d-7xk2p";
const PROMETHEUS: &str = "monitoring/prometheus-0";

/// What a day of traffic on the example cluster looks like.
fn example_flows(engine: &Engine) -> Vec<ObservedFlow> {
    use Protocol::{Tcp, Udp};
    vec![
        flow(engine, "203.0.113.5", FRONTEND_A, 8080, Tcp, 120),
        flow(engine, "203.0.113.4", FRONTEND_B, 8080, Tcp, 80),
        flow(engine, FRONTEND_A, API_A, 8080, Tcp, 60),
        flow(engine, FRONTEND_B, API_B, 8080, Tcp, 40),
        flow(engine, API_A, POSTGRES, 5432, Tcp, 30),
        flow(engine, API_B, POSTGRES, 5432, Tcp, 25),
        flow(engine, API_A, "203.0.113.10", 443, Tcp, 5),
        // Denied by the current policies (outside the payment range): the suggestion opens it.
        flow(engine, API_B, "198.51.100.7", 443, Tcp, 2),
        flow(engine, API_A, COREDNS, 53, Udp, 90),
        flow(engine, FRONTEND_A, "10.244.1.10", 53, Udp, 70),
        flow(engine, PROMETHEUS, FRONTEND_A, 9090, Tcp, 10),
        flow(engine, PROMETHEUS, API_B, 9090, Tcp, 10),
        flow(engine, PROMETHEUS, POSTGRES, 9187, Tcp, 10),
        flow(engine, PROMETHEUS, COREDNS, 9153, Tcp, 10),
    ]
}

fn policy<'a>(s: &'a Suggestion, qualified: &str) -> &'a netpol::spec::NetworkPolicy {
    &s.policies()
        .iter()
        .find(|p| p.policy.qualified_name() == qualified)
        .unwrap_or_else(|| panic!("no policy {qualified} in {:#?}", s.policies()))
        .policy
}

#[test]
fn round_trip_on_the_example() {
    let engine = example();
    let flows = example_flows(&engine);
    let s = suggest(&engine, &flows);
    let yaml = s.to_yaml();

    // The emitted YAML, loaded by the normal loader with the input's namespaces and pods.
    let cluster =
        replace_policies(engine.cluster(), &yaml, "suggestion.yaml").unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let mut loaded: Vec<_> = cluster.policies().to_vec();
    let mut suggested: Vec<_> = s.policies().iter().map(|p| p.policy.clone()).collect();
    loaded.sort_by_key(|p| p.qualified_name());
    suggested.sort_by_key(|p| p.qualified_name());
    assert_eq!(loaded, suggested, "the YAML reads back as the suggestion:\n{yaml}");
    let after = Compiler::new().compile(&cluster);
    for f in &flows {
        assert!(after.decide(f.src, f.dst, f.port, f.protocol).is_allowed(), "{f:?} denied by\n{yaml}");
    }

    let check = s.check(&engine, &flows).unwrap();
    assert!(check.all_allowed(), "{:?}", check.denied);
    assert_eq!(check.flows, flows.len());
    // Prometheus scrapes every pod, so every pair the example allows is used on some port...
    assert_eq!((check.pairs_before, check.pairs_after), (25, 25));
    assert_eq!(check.pairs_before, reachable_pairs(&engine));
    assert_eq!(check.pairs_after, reachable_pairs(&after));
    // ...but on far fewer ports.
    assert!(check.ports_after < check.ports_before, "{} -> {}", check.ports_before, check.ports_after);
    assert_eq!(check.ports_after, reachable_ports(&after));
    // Without the postgres scrape in the capture, Prometheus loses postgres.
    let fewer: Vec<ObservedFlow> = flows.iter().filter(|f| f.port != 9187).copied().collect();
    let check = suggest(&engine, &fewer).check(&engine, &fewer).unwrap();
    assert!(check.all_allowed());
    assert_eq!((check.pairs_before, check.pairs_after), (25, 24));
    assert_eq!(check.opened, [flows[7]], "only api -> 198.51.100.7 is denied today");

    // Not observed, so denied.
    let denied = |src: &str, dst: &str, port: u16| {
        let (s, d) = (after.parse_endpoint(src).unwrap(), after.parse_endpoint(dst).unwrap());
        !after.decide(s, d, port, Protocol::Tcp).is_allowed()
    };
    assert!(denied(FRONTEND_A, POSTGRES, 5432));
    assert!(denied(API_A, POSTGRES, 9187));
    assert!(denied(API_A, FRONTEND_A, 8080));
    assert!(denied("203.0.113.5", API_A, 8080));
    assert!(denied("203.0.113.6", FRONTEND_A, 8080));
    assert!(denied(API_A, "203.0.113.11", 443));
    assert!(denied(PROMETHEUS, POSTGRES, 5432));
    // Observed on one pod of a workload: allowed for its siblings too (rules are per workload).
    assert!(!denied(FRONTEND_B, API_A, 8080));
}

#[test]
fn selectors_use_stable_labels_only() {
    let engine = example();
    let s = suggest(&engine, &example_flows(&engine));
    let yaml = s.to_yaml();
    for volatile in ["pod-template-hash", "statefulset.kubernetes.io/pod-name", "6c8f9b7d4", "postgres-0"] {
        assert!(!yaml.contains(volatile), "{volatile} in\n{yaml}");
    }
    let api = policy(&s, "shop/api-ingress");
    assert_eq!(api.pod_selector.to_string(), "app=api");
    let postgres = policy(&s, "shop/postgres-ingress");
    assert_eq!(postgres.pod_selector.to_string(), "app=postgres");
    // Prometheus, from another namespace: namespace by name and pods by label.
    let from_prometheus = postgres.ingress.iter().flat_map(|r| &r.peers).find_map(|p| match p {
        Peer::Selector { pod_selector, namespace_selector: Some(ns) } => Some((ns, pod_selector)),
        _ => None,
    });
    let (ns, pods) = from_prometheus.expect("a peer in monitoring");
    assert_eq!(ns.to_string(), "kubernetes.io/metadata.name=monitoring");
    assert_eq!(pods.as_ref().unwrap().to_string(), "app=prometheus");
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
}

#[test]
fn named_ports_where_the_destination_defines_them() {
    let engine = example();
    let s = suggest(&engine, &example_flows(&engine));
    let api = policy(&s, "shop/api-ingress");
    let ports: Vec<String> = api.ingress.iter().flat_map(|r| &r.ports).map(|p| p.to_string()).collect();
    assert_eq!(ports, ["http/TCP", "metrics/TCP"]);
    let egress = policy(&s, "shop/api-egress");
    let ports: Vec<String> = egress.egress.iter().flat_map(|r| &r.ports).map(|p| p.to_string()).collect();
    // postgres by name; addresses have no named ports.
    assert_eq!(ports, ["postgres/TCP", "443/TCP"]);

    // A destination without a name for the port gets the number.
    let engine = from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nstatus: {podIP: 10.0.0.1}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\n\
         spec: {containers: [{name: c, ports: [{containerPort: 80, name: web}]}]}\nstatus: {podIP: 10.0.0.2}\n",
    );
    let flows = [flow(&engine, "x/a", "x/b", 80, Protocol::Tcp, 1), flow(&engine, "x/b", "x/a", 80, Protocol::Tcp, 1)];
    let s = suggest(&engine, &flows);
    assert_eq!(policy(&s, "x/b-ingress").ingress[0].ports[0].port, PortMatch::Named("web".into()));
    assert_eq!(policy(&s, "x/a-ingress").ingress[0].ports[0].port, PortMatch::Range { first: 80, last: 80 });
    assert!(s.check(&engine, &flows).unwrap().all_allowed());
}

#[test]
fn external_addresses_become_exact_ip_blocks() {
    let engine = example();
    let s = suggest(&engine, &example_flows(&engine));
    let frontend = policy(&s, "shop/frontend-ingress");
    let blocks: Vec<String> = frontend
        .ingress
        .iter()
        .flat_map(|r| &r.peers)
        .filter_map(|p| match p {
            Peer::IpBlock(b) => Some(b.cidr().to_string()),
            _ => None,
        })
        .collect();
    // .4 and .5 are exactly 203.0.113.4/31.
    assert_eq!(blocks, ["203.0.113.4/31"]);
    let api = policy(&s, "shop/api-egress");
    let blocks: Vec<String> = api
        .egress
        .iter()
        .flat_map(|r| &r.peers)
        .filter_map(|p| match p {
            Peer::IpBlock(b) => Some(b.cidr().to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(blocks, ["198.51.100.7/32", "203.0.113.10/32"]);

    // IPv6 gets /128.
    let engine = from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\n\
         status: {podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}, {ip: 'fd00::1'}]}\n",
    );
    // S9a: a dual-stack pod (an IPv4-only pod has no IPv6 connections).
    let flows = [flow(&engine, "x/a", "2001:db8::1", 443, Protocol::Tcp, 1)];
    let s = suggest(&engine, &flows);
    // A plain scalar: a colon not followed by a space is text in YAML.
    assert!(s.to_yaml().contains("cidr: 2001:db8::1/128\n"), "{}", s.to_yaml());
    assert!(suggest(&example(), &example_flows(&example())).to_yaml().contains("cidr: 203.0.113.4/31\n"));
    assert!(s.check(&engine, &flows).unwrap().all_allowed());
}

#[test]
fn dns_egress_is_kept_for_every_namespace() {
    let engine = example();
    let flows = example_flows(&engine);
    let s = suggest(&engine, &flows);
    for ns in ["kube-system", "monitoring", "shop"] {
        let dns = policy(&s, &format!("{ns}/allow-dns"));
        assert!(dns.affects_egress && !dns.affects_ingress);
        policy(&s, &format!("{ns}/default-deny"));
    }
    // Observed lookups need no rules of their own.
    for p in s.policies().iter().filter(|p| p.policy.name.ends_with("-egress") || p.policy.name.ends_with("-ingress")) {
        let rules = p.policy.ingress.iter().chain(&p.policy.egress);
        assert!(rules.flat_map(|r| &r.ports).all(|port| !port.matches(53, Protocol::Udp, None)), "{p:?}");
    }
    let check = s.check(&engine, &flows).unwrap();
    let after = &check.engine;
    // Lookups never observed from these pods are allowed all the same, on UDP and TCP.
    for src in [PROMETHEUS, POSTGRES, FRONTEND_B] {
        for protocol in [Protocol::Udp, Protocol::Tcp] {
            let (s, d) = (after.parse_endpoint(src).unwrap(), after.parse_endpoint(COREDNS).unwrap());
            assert!(after.decide(s, d, 53, protocol).is_allowed(), "{src} -> DNS {protocol}");
        }
    }
    // The DNS pods may forward to upstream resolvers, and nothing else outwards.
    let (dns, upstream) = (after.parse_endpoint(COREDNS).unwrap(), after.parse_endpoint("8.8.8.8").unwrap());
    assert!(after.decide(dns, upstream, 53, Protocol::Udp).is_allowed());
    assert!(!after.decide(dns, upstream, 443, Protocol::Tcp).is_allowed());
}

#[test]
fn output_is_deterministic() {
    let engine = example();
    let mut flows = example_flows(&engine);
    let first = suggest(&engine, &flows);
    flows.reverse();
    let second = suggest(&engine, &flows);
    assert_eq!(first.to_yaml(), second.to_yaml());
    assert_eq!(first.to_json(), second.to_json());
}

#[test]
fn json_output_loads_back_too() {
    let engine = example();
    let flows = example_flows(&engine);
    let s = suggest(&engine, &flows);
    let cluster = replace_policies(engine.cluster(), &s.to_json(), "suggestion.json").unwrap();
    assert_eq!(cluster.policies().len(), s.policies().len());
    let after = Compiler::new().compile(&cluster);
    assert!(flows.iter().all(|f| after.decide(f.src, f.dst, f.port, f.protocol).is_allowed()));
}

#[test]
fn every_policy_says_what_it_admits() {
    let engine = example();
    let s = suggest(&engine, &example_flows(&engine));
    let yaml = s.to_yaml();
    assert!(yaml.starts_with("# NetworkPolicies suggested by netpol from 14 observed flows (562 records)"), "{yaml}");
    for document in yaml.split("---\n") {
        assert!(document.trim_start().starts_with('#'), "{document}");
    }
    assert!(yaml.contains("# shop/deployment/api: ingress for 3 observed flows (110 records):\n"), "{yaml}");
    assert!(yaml.contains("#   from shop/deployment/frontend on http (8080/TCP) (2 flows, 100 records)\n"), "{yaml}");
    let names: Vec<String> = s.policies().iter().map(|p| p.policy.qualified_name()).collect();
    for name in &names {
        let (_, policy) = name.split_once('/').unwrap();
        assert!(netpol::spec::names::is_dns1123_subdomain(policy), "{name}");
    }
}

#[test]
fn wide_or_missing_selectors_are_warned_about() {
    // Two bare pods share every label; a third has none.
    let engine = from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {role: w}}\nstatus: {podIP: 10.0.0.1}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {role: w}}\nstatus: {podIP: 10.0.0.2}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: c, namespace: x}\nstatus: {podIP: 10.0.0.3}\n",
    );
    let flows = [flow(&engine, "x/a", "x/c", 80, Protocol::Tcp, 1)];
    let s = suggest(&engine, &flows);
    let warnings = s.warnings().join("\n");
    assert!(warnings.contains("x/a: its selector role=w also selects x/b"), "{warnings}");
    assert!(warnings.contains("x/c: its pods share no stable labels"), "{warnings}");
    assert!(!s.to_yaml().contains("name: a\n"), "pods are never selected by name");
    assert!(warnings.contains("no DNS pods"), "{warnings}");
    assert!(s.check(&engine, &flows).unwrap().all_allowed());
}

#[test]
fn label_values_that_look_like_other_types_stay_strings() {
    let engine = from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a, version: \"1.0\", canary: \"true\", e: \"\"}}\n\
         status: {podIP: 10.0.0.1}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: a2, namespace: x, labels: {app: a, version: \"2.0\", canary: \"false\"}}\n\
         status: {podIP: 10.0.0.3}\n\
         ---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\nstatus: {podIP: 10.0.0.2}\n",
    );
    // a and a2 are separate bare pods sharing `app: a`: their selectors need every label.
    let flows = [flow(&engine, "x/a", "x/b", 80, Protocol::Tcp, 1), flow(&engine, "x/b", "x/a", 81, Protocol::Tcp, 1)];
    let s = suggest(&engine, &flows);
    let check = s.check(&engine, &flows).unwrap_or_else(|e| panic!("{e}\n{}", s.to_yaml()));
    assert!(check.all_allowed(), "{}", s.to_yaml());
    let after = &check.engine;
    let (a2, b) = (after.parse_endpoint("x/a2").unwrap(), after.parse_endpoint("x/b").unwrap());
    assert!(!after.decide(a2, b, 80, Protocol::Tcp).is_allowed(), "{}", s.to_yaml());
}

#[test]
fn self_traffic_and_address_only_flows_need_nothing() {
    let engine = from_yaml(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nstatus: {podIP: 10.0.0.1}\n",
    );
    let flows = [
        flow(&engine, "x/a", "x/a", 80, Protocol::Tcp, 1),
        flow(&engine, "192.0.2.1", "192.0.2.2", 80, Protocol::Tcp, 1),
    ];
    let s = suggest(&engine, &flows);
    let names: Vec<String> = s.policies().iter().map(|p| p.policy.qualified_name()).collect();
    assert_eq!(names, ["x/default-deny", "x/allow-dns"]);
    assert!(s.check(&engine, &flows).unwrap().all_allowed());
}

/// A workload that reached more addresses than the input limits allow ipBlocks in one policy
/// (1,024) still gets a suggestion that loads back and allows every flow: the self-check reads
/// netpol's own output without limits.
#[test]
fn thousands_of_addresses_load_back() {
    let engine = example();
    let api = engine.parse_endpoint("shop/api-7f6d5c8b9-4kx8m").unwrap();
    let flows: Vec<ObservedFlow> = (0..1500u32)
        .map(|i| ObservedFlow {
            src: api,
            // Every other address, so no two merge into a wider block.
            dst: netpol::Endpoint::Ip(std::net::Ipv4Addr::from(0xc612_0000 + 2 * i).into()),
            port: 443,
            protocol: Protocol::Tcp,
            count: 1,
            family: None,
        })
        .collect();
    let s = suggest(&engine, &flows);
    let check = s.check(&engine, &flows).unwrap_or_else(|e| panic!("{e}"));
    assert!(check.all_allowed(), "{:?}", check.denied);
    assert_eq!(check.flows, 1500);
}

/// Two pods whose long names agree in their first 240 characters get distinct policy names (the
/// suffix used to be cut off again, so the search for a free name never ended).
#[test]
fn long_names_that_collide_get_distinct_policy_names() {
    let long = "a".repeat(245);
    let engine = from_yaml(&format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {long}x, namespace: ns}}\nstatus: {{podIP: 10.0.0.1}}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {{name: {long}y, namespace: ns}}\nstatus: {{podIP: 10.0.0.2}}\n"
    ));
    let flows = [flow(&engine, &format!("ns/{long}x"), &format!("ns/{long}y"), 80, Protocol::Tcp, 1)];
    let s = suggest(&engine, &flows);
    let names: Vec<&str> = s.policies().iter().map(|p| p.policy.name.as_str()).collect();
    let unique: std::collections::BTreeSet<&&str> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    assert!(names.iter().all(|n| n.len() <= 253), "{names:?}");
    assert!(s.check(&engine, &flows).unwrap().all_allowed());
}

/// A flow observed DROPPED is left out of the suggestion, but rules are per workload: when
/// another pod of its workload was seen on the same port, the suggestion admits it all the same,
/// and the self-check says so.
#[test]
fn dropped_flows_a_workload_rule_admits_are_reported() {
    let engine = example();
    let seen = flow(&engine, FRONTEND_A, POSTGRES, 5432, Protocol::Tcp, 3);
    let dropped = flow(&engine, FRONTEND_B, POSTGRES, 5432, Protocol::Tcp, 1);
    let other = flow(&engine, API_A, POSTGRES, 5433, Protocol::Tcp, 1);
    let s = suggest(&engine, &[seen]);
    let check = s.check(&engine, &[seen]).unwrap();
    assert_eq!(check.allowed_anyway(&[dropped, other]), [dropped]);
}

/// S15: suggestions replace NetworkPolicies only; the admin tiers stay as given, so a flow an
/// admin Deny blocks stays denied after the suggestion, and the self-check says so.
#[test]
fn admin_tiers_stay_as_given() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/admin-tiers.yaml")).unwrap();
    let engine = from_yaml(&text);
    let flows = vec![
        flow(&engine, "shop/api", "shop/db", 5432, Protocol::Tcp, 10),
        flow(&engine, "ops/tool", "shop/db", 5432, Protocol::Tcp, 3),
    ];
    let s = suggest(&engine, &flows);
    let cluster = replace_policies(engine.cluster(), &s.to_yaml(), "suggestion.yaml").unwrap();
    let names: Vec<&str> = cluster.cluster_policies().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["protect-db", "shop-default-deny"]);
    let check = s.check(&engine, &flows).unwrap();
    assert_eq!(check.denied, [flows[1]], "the admin tier's Deny of ops/tool -> shop/db stands");
}
