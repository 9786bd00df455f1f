//! Limits (README "Limits", `netpol::limits`): every limit refuses input just over it with a
//! message naming the object, the field, the count and the limit, lets input at it through, and
//! can be raised. Then the worst cases within the limits: many overlapping excepts, many
//! distinct label values, many named ports. They must compile and answer correctly; their time
//! and memory are printed (`cargo test --test limits -- --nocapture`), not asserted.

use std::fmt::Write as _;
use std::time::Instant;

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::{
    RawCluster, RawContainerPort, RawIpBlock, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue, RawRequirement,
    RawRule, RawSelector, Strictness,
};
use netpol::reference::Evaluator;
use netpol::{Cluster, Compiler, Config, Endpoint, Engine, Error, Limits, Options, PodId, Protocol, Source};
use netpol_test_support::hostile::rules_excepts_ports;

fn load(text: &str, limits: Limits, strictness: Strictness) -> Result<Cluster, Error> {
    let mut loader = Loader::new(LoadOptions { strictness, limits, ..LoadOptions::default() });
    loader.add_str(text, "in.yaml");
    loader.finish()
}

fn error(text: &str, limits: Limits) -> String {
    load(text, limits, Strictness::Strict).expect_err("over a limit").to_string()
}

fn warnings(c: &Cluster) -> String {
    c.warnings().iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")
}

/// `n` comma-separated items made by `f`.
fn list(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(", ")
}

fn pod_with_labels(n: usize) -> String {
    format!(
        "{{apiVersion: v1, kind: Pod, metadata: {{name: p, namespace: a, labels: {{{}}}}}, status: {{podIP: 10.0.0.1}}}}",
        list(n, |i| format!("k{i}: v"))
    )
}

fn policy(spec: &str) -> String {
    format!(
        "{{apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {{name: np, namespace: a}}, spec: {spec}}}"
    )
}

/// Asserts that `make(limit + 1)` fails naming `field` and the limit, that `make(limit)` loads,
/// that lenient mode skips the object with the same message, and that raising the limit lets
/// it through.
fn check_limit(name: &str, limit: usize, make: impl Fn(usize) -> String, object: &str, field: &str, what: &str) {
    // `--- ` first: a document opening with `{` would be read as JSON.
    let make = |n| format!("--- {}", make(n));
    let mut limits = Limits::default();
    limits.set(name, limit).unwrap();
    let over = make(limit + 1);
    let err = error(&over, limits);
    let expected = format!(
        "in.yaml: {object}: {field}: {} {what}: over the limit of {limit} (raise it with the `{name}` limit)",
        limit + 1
    );
    assert!(err.contains(&expected), "{name}: expected {expected:?} in\n{err}");
    load(&make(limit), limits, Strictness::Strict).unwrap_or_else(|e| panic!("{name}: at the limit: {e}"));
    let lenient = load(&over, limits, Strictness::Lenient).unwrap();
    let w = warnings(&lenient);
    assert!(w.contains(&format!("{expected} (object skipped: lenient mode)")), "{name}: {w}");
    let mut raised = limits;
    raised.set(name, limit + 1).unwrap();
    load(&over, raised, Strictness::Strict).unwrap_or_else(|e| panic!("{name}: raised: {e}"));
}

#[test]
fn defaults_are_the_documented_ones() {
    let l = Limits::default();
    assert_eq!(
        [
            l.max_objects,
            l.max_depth,
            l.max_alias_events,
            l.max_labels,
            l.max_expressions,
            l.max_values,
            l.max_rules,
            l.max_peers,
            l.max_ports,
            l.max_ip_blocks,
            l.max_excepts,
            l.max_tier_rules,
            l.max_compile_bytes
        ],
        [1_000_000, 64, 1_000_000, 256, 64, 1024, 1024, 1024, 1024, 1024, 1024, 10_000, 2 << 30]
    );
    let mut l = Limits::default();
    for name in Limits::NAMES {
        l.set(name, 7).unwrap();
    }
    assert_eq!(l.max_excepts, 7);
    let e = l.set("widgets", 1).unwrap_err();
    assert!(e.starts_with("unknown limit \"widgets\": one of objects, depth, alias-events"), "{e}");
}

#[test]
fn labels_per_object() {
    check_limit("labels", 256, pod_with_labels, "Pod a/p", "metadata.labels", "labels");
    let ns = |n| {
        format!(
            "{{apiVersion: v1, kind: Namespace, metadata: {{name: a, labels: {{{}}}}}}}",
            list(n, |i| format!("k{i}: v"))
        )
    };
    check_limit("labels", 8, ns, "Namespace a", "metadata.labels", "labels");
    let selector = |n| policy(&format!("{{podSelector: {{matchLabels: {{{}}}}}}}", list(n, |i| format!("k{i}: v"))));
    check_limit("labels", 8, selector, "NetworkPolicy a/np", "spec.podSelector.matchLabels", "labels");
}

#[test]
fn expressions_per_selector() {
    let make = |n| {
        let e = list(n, |i| format!("{{key: k{i}, operator: Exists}}"));
        policy(&format!(
            "{{podSelector: {{}}, ingress: [{{from: [{{namespaceSelector: {{matchExpressions: [{e}]}}}}]}}]}}"
        ))
    };
    let field = "spec.ingress[0].from[0].namespaceSelector.matchExpressions";
    check_limit("expressions", 64, make, "NetworkPolicy a/np", field, "expressions in one selector");
}

#[test]
fn values_per_expression() {
    let make = |n| {
        let v = list(n, |i| format!("v{i}"));
        policy(&format!("{{podSelector: {{matchExpressions: [{{key: app, operator: In, values: [{v}]}}]}}}}"))
    };
    let field = "spec.podSelector.matchExpressions[0].values";
    check_limit("values", 1024, make, "NetworkPolicy a/np", field, "values in one expression");
}

#[test]
fn rules_per_policy() {
    let make = |n| policy(&format!("{{podSelector: {{}}, egress: [{}]}}", list(n, |_| "{}".into())));
    check_limit("rules", 1024, make, "NetworkPolicy a/np", "spec.egress", "egress rules");
}

#[test]
fn peers_per_rule() {
    let make = |n| {
        policy(&format!("{{podSelector: {{}}, ingress: [{{from: [{}]}}]}}", list(n, |_| "{podSelector: {}}".into())))
    };
    check_limit("peers", 1024, make, "NetworkPolicy a/np", "spec.ingress[0].from", "peers in one rule");
}

#[test]
fn ports_per_rule_and_per_pod() {
    let make = |n| {
        policy(&format!(
            "{{podSelector: {{}}, ingress: [{{ports: [{}]}}]}}",
            list(n, |i| format!("{{port: {}}}", i + 1))
        ))
    };
    check_limit("ports", 1024, make, "NetworkPolicy a/np", "spec.ingress[0].ports", "ports in one rule");
    let pod = |n| {
        let ports = list(n, |i| format!("{{containerPort: {}}}", i + 1));
        format!("{{apiVersion: v1, kind: Pod, metadata: {{name: p, namespace: a}}, spec: {{containers: [{{name: c, ports: [{ports}]}}]}}}}")
    };
    check_limit("ports", 1024, pod, "Pod a/p", "spec.containers[*].ports", "container ports");
}

#[test]
fn ip_blocks_per_policy() {
    // Spread over two rules and both directions, so that no rule is over the peers limit.
    let make = |n: usize| {
        let block = |i: usize| format!("{{ipBlock: {{cidr: 10.{}.{}.0/24}}}}", i / 256, i % 256);
        let half = n / 2;
        policy(&format!(
            "{{podSelector: {{}}, ingress: [{{from: [{}]}}], egress: [{{to: [{}]}}]}}",
            list(half, block),
            list(n - half, |i| block(half + i))
        ))
    };
    check_limit("ip-blocks", 1024, make, "NetworkPolicy a/np", "spec", "ipBlocks in one policy");
}

#[test]
fn excepts_per_ip_block() {
    let make = |n| {
        let e = list(n, |i| format!("10.{}.{}.0/24", i / 256, i % 256));
        policy(&format!(
            "{{podSelector: {{}}, ingress: [{{from: [{{ipBlock: {{cidr: 10.0.0.0/8, except: [{e}]}}}}]}}]}}"
        ))
    };
    let field = "spec.ingress[0].from[0].ipBlock.except";
    check_limit("excepts", 1024, make, "NetworkPolicy a/np", field, "excepts in one ipBlock");
}

/// S15: the rules of all cluster policies together are capped before anything is compiled (each
/// is applied per identity and port class), whatever the strictness.
#[test]
fn rules_of_cluster_policies_together() {
    let cnp = |k: usize| {
        let rules = list(25, |_| "{action: Deny, from: [{namespaces: {}}]}".to_string());
        format!(
            "{{apiVersion: policy.networking.k8s.io/v1alpha2, kind: ClusterNetworkPolicy, metadata: {{name: c{k}}}, \
             spec: {{tier: Admin, priority: {}, subject: {{namespaces: {{}}}}, ingress: [{rules}]}}}}",
            k % 1000
        )
    };
    let text = |n: usize| format!("apiVersion: v1\nkind: List\nitems: [{}]\n", list(n, cnp));
    let load = |n: usize, limits: Limits| {
        let mut loader = Loader::new(LoadOptions { limits, strictness: Strictness::Lenient, ..LoadOptions::default() });
        loader.add_str(&text(n), "cnp.yaml");
        loader.finish()
    };
    // 400 policies of 25 rules: exactly the default; one more policy is over.
    if let Err(e) = load(400, Limits::default()) {
        panic!("400 x 25 rules: {e}");
    }
    let e = load(401, Limits::default()).unwrap_err().to_string();
    assert!(
        e.contains("10025 rules of cluster policies: over the limit of 10000 (raise it with the `tier-rules` limit)"),
        "{e}"
    );
    let mut raised = Limits::default();
    raised.set("tier-rules", 10_025).unwrap();
    assert!(load(401, raised).is_ok());
}

#[test]
fn objects_per_load() {
    let make = |n| {
        format!(
            "apiVersion: v1\nkind: List\nitems:\n{}",
            (0..n)
                .map(|i| format!("- {{apiVersion: v1, kind: Namespace, metadata: {{name: n{i}}}}}\n"))
                .collect::<String>()
        )
    };
    let mut limits = Limits::default();
    limits.set("objects", 10).unwrap();
    // The List itself counts: 9 items + the List = 10.
    assert_eq!(load(&make(9), limits, Strictness::Strict).unwrap().namespaces().len(), 9);
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        let err = load(&make(10), limits, strictness).unwrap_err().to_string();
        assert!(
            err.contains("in.yaml items[9]: 11 objects or more: over the limit of 10 (raise it with the `objects` limit); the rest is not read"),
            "{err}"
        );
    }
    // A RawCluster filled directly is held to the same limit.
    let raw = RawCluster {
        pods: (0..11)
            .map(|i| RawPod { name: format!("p{i}"), namespace: Some("a".into()), ..RawPod::default() })
            .collect(),
        ..RawCluster::default()
    };
    let err = raw.validate_with(Strictness::Lenient, &limits).unwrap_err().to_string();
    assert!(err.contains("11 objects: over the limit of 10 (raise it with the `objects` limit)"), "{err}");
}

#[test]
fn nesting_depth_yaml_and_json() {
    let nested = |open: &str, close: &str, n: usize| {
        format!("{{\"kind\": \"Pod\", \"status\": {{\"conditions\": {}1{}}}}}", open.repeat(n), close.repeat(n))
    };
    // YAML (flow style is YAML too): the parser's budget.
    let yaml = format!("kind: Pod\nstatus: {{conditions: {}1{}}}\n", "[".repeat(70), "]".repeat(70));
    let err = error(&yaml, Limits::default());
    assert!(err.contains("in.yaml: malformed YAML") && err.contains("(the `depth` limit is 64)"), "{err}");
    // Block-style nesting too.
    let mut block = String::from("kind: Pod\n");
    for i in 0..70 {
        let _ = writeln!(block, "{}k{i}:", "  ".repeat(i));
    }
    let err = error(&block, Limits::default());
    assert!(err.contains("(the `depth` limit is 64)"), "{err}");
    // JSON: ours at 64 (counting the document), the JSON reader's own at 128.
    let err = error(&nested("[", "]", 70), Limits::default());
    assert!(
        err.contains("in.yaml: JSON nested 72 deep: over the limit of 64 (raise it with the `depth` limit)"),
        "{err}"
    );
    let err = error(&nested("[", "]", 200), Limits::unlimited());
    assert!(err.contains("malformed JSON: recursion limit exceeded"), "{err}");
    // Within the limit, the document is read (and the skipped field not built).
    let mut limits = Limits::default();
    limits.set("depth", 100).unwrap();
    let ok = format!(
        "{{\"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\", \"namespace\": \"a\"}}, \"status\": {{\"conditions\": {}1{}}}}}",
        "[".repeat(90),
        "]".repeat(90)
    );
    assert_eq!(load(&ok, limits, Strictness::Strict).unwrap().pods().len(), 1);
}

#[test]
fn yaml_alias_expansion() {
    // A "billion laughs": 10^9 scalars from 1 KB. Refused quickly, whatever the limit.
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for name in "bcdefghi".chars() {
        let refs = vec![format!("*{prev}"); 10].join(", ");
        let _ = writeln!(text, "{name}: &{name} [{refs}]");
        prev = name;
    }
    text.push_str("kind: Pod\n");
    let started = Instant::now();
    let err = error(&text, Limits::default());
    assert!(err.contains("in.yaml: malformed YAML"), "{err}");
    eprintln!("billion laughs refused in {:?}: {err}", started.elapsed());
    // A modest expansion: 3 aliases of a 10-item list = 30 replayed scalars (plus the list
    // events). Over a small `alias-events` limit it is refused, naming the limit; within, read.
    let small =
        "status: {conditions: &l [a, b, c, d, e, f, g, h, i, j]}\nspec: {volumes: [*l, *l, *l]}\nkind: Pod\nmetadata: {name: p, namespace: a}\n";
    let mut limits = Limits::default();
    limits.set("alias-events", 20).unwrap();
    let err = error(small, limits);
    assert!(err.contains("alias replay limit exceeded") && err.contains("(the `alias-events` limit is 20)"), "{err}");
    limits.set("alias-events", 100).unwrap();
    assert_eq!(load(small, limits, Strictness::Strict).unwrap().pods().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Worst cases within the limits.

fn s(v: &str) -> String {
    v.to_string()
}

fn labels<const N: usize>(pairs: [(&str, String); N]) -> std::collections::BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (s(k), v)).collect()
}

fn pod(i: usize, labels: std::collections::BTreeMap<String, String>, ports: Vec<RawContainerPort>) -> RawPod {
    RawPod {
        namespace: Some(s("a")),
        name: format!("p{i}"),
        labels,
        ips: vec![(s("status.podIP"), format!("10.{}.{}.{}", 200 + i / 65536, (i / 256) % 256, i % 256))],
        ports,
        ..RawPod::default()
    }
}

/// Compiles, prints time and memory, and checks `cells` pod pairs plus pod/IP pairs against
/// the reference interpreter.
fn compile_and_check(what: &str, raw: RawCluster, probes: &[(u16, Protocol)], ips: &[&str]) -> Engine {
    let started = Instant::now();
    let cluster = raw.validate_with(Strictness::Strict, &Limits::default()).unwrap_or_else(|e| panic!("{what}: {e}"));
    let validated = started.elapsed();
    let engine = Compiler::new().compile(&cluster);
    let compiled = started.elapsed() - validated;
    eprintln!(
        "{what}: {} pods, {} policies; validate {validated:?}, compile {compiled:?}; {} identities, tables {} KiB",
        cluster.pods().len(),
        cluster.policies().len(),
        engine.identities(),
        engine.memory_bytes() / 1024
    );
    let reference = Evaluator::new(&cluster, Options::default());
    let n = cluster.pods().len();
    let pods = [0, 1, n / 3, n / 2, n - 1].map(|i| Endpoint::Pod(PodId(i as u32)));
    let ips: Vec<Endpoint> = ips.iter().map(|ip| Endpoint::Ip(ip.parse().unwrap())).collect();
    for &(port, protocol) in probes {
        for &src in pods.iter().chain(&ips) {
            for &dst in pods.iter().chain(&ips) {
                assert_eq!(
                    engine.decide(src, dst, port, protocol).is_allowed(),
                    reference.allowed(src, dst, port, protocol),
                    "{what}: {src:?} -> {dst:?} on {port}/{protocol:?}"
                );
            }
        }
    }
    engine
}

/// `policies` policies, each one ipBlock 10.0.0.0/8 with `excepts` excepts: /24s and /20s on
/// sliding windows, so that the excepts of one block overlap each other and those of the others.
fn overlapping_excepts(policies: usize, excepts: usize) {
    let mut raw = RawCluster {
        pods: (0..64).map(|i| pod(i, labels([("app", format!("a{}", i % 8))]), Vec::new())).collect(),
        ..RawCluster::default()
    };
    for i in 0..policies {
        let except = (0..excepts)
            .map(|j| {
                let k = i + j;
                if j % 2 == 0 {
                    format!("10.{}.{}.0/24", (k / 256) % 256, k % 256)
                } else {
                    format!("10.{}.{}.0/20", (k * 16 / 256) % 256, (k * 16) % 256)
                }
            })
            .collect();
        raw.policies.push(RawPolicy {
            namespace: Some(s("a")),
            name: format!("np{i}"),
            pod_selector: Some(RawSelector {
                match_labels: Some(labels([("app", format!("a{}", i % 8))])),
                match_expressions: None,
            }),
            ingress: Some(vec![RawRule {
                peers: Some(vec![RawPeer {
                    ip_block: Some(RawIpBlock { cidr: s("10.0.0.0/8"), except: Some(except) }),
                    ..RawPeer::default()
                }]),
                ports: None,
            }]),
            ..RawPolicy::default()
        });
    }
    let ips = ["10.0.0.1", "10.3.232.7", "10.7.255.255", "10.8.0.1", "10.255.0.1", "192.0.2.1"];
    compile_and_check(
        &format!("overlapping excepts ({policies} policies x {excepts})"),
        raw,
        &[(80, Protocol::Tcp)],
        &ips,
    );
}

#[test]
fn worst_case_many_overlapping_excepts() {
    overlapping_excepts(200, 1000);
}

/// 1,000 policies with 1,000 excepts each. Testing every IP class against every except took
/// 160 s; marking each cidr and except as a run of whole classes takes a fraction of a second.
#[test]
fn worst_case_many_overlapping_excepts_at_the_limits() {
    overlapping_excepts(1000, 1000);
}

#[test]
fn worst_case_many_distinct_label_values() {
    // 5,000 pods, each with a label value of its own; 200 policies selecting by 1,000 values each
    // (In and NotIn), so that nearly every pod is an identity of its own.
    let mut raw = RawCluster {
        pods: (0..5000)
            .map(|i| pod(i, labels([("id", format!("v{i}")), ("app", format!("a{}", i % 50))]), Vec::new()))
            .collect(),
        ..RawCluster::default()
    };
    for i in 0..200 {
        let values = (0..1000).map(|j| format!("v{}", (i * 25 + j) % 5000)).collect();
        let operator = if i % 2 == 0 { "In" } else { "NotIn" };
        let selector = RawSelector {
            match_labels: None,
            match_expressions: Some(vec![RawRequirement { key: s("id"), operator: s(operator), values: Some(values) }]),
        };
        raw.policies.push(RawPolicy {
            namespace: Some(s("a")),
            name: format!("np{i}"),
            pod_selector: Some(RawSelector {
                match_labels: Some(labels([("app", format!("a{}", i % 50))])),
                match_expressions: None,
            }),
            policy_types: Some(vec![s("Ingress"), s("Egress")]),
            origin: None,
            ingress: Some(vec![RawRule {
                peers: Some(vec![RawPeer { pod_selector: Some(selector.clone()), ..RawPeer::default() }]),
                ports: None,
            }]),
            egress: Some(vec![RawRule {
                peers: Some(vec![RawPeer { pod_selector: Some(selector), ..RawPeer::default() }]),
                ports: None,
            }]),
        });
    }
    compile_and_check("distinct label values", raw, &[(80, Protocol::Tcp)], &["192.0.2.1"]);
}

/// `pods` pods with `per_pod` named container ports each (names shared, numbers differing per
/// pod), and `policies` policies whose rules name `per_pod` ports each.
fn named_ports(pods: usize, per_pod: usize, policies: usize) {
    let name = |k: usize| format!("p{k}");
    let mut raw = RawCluster {
        pods: (0..pods)
            .map(|i| {
                let ports = (0..per_pod)
                    .map(|k| RawContainerPort {
                        field: format!("spec.containers[0].ports[{k}]"),
                        name: Some(name(k)),
                        container_port: (1 + (k * 7 + i) % 65535) as i32,
                        protocol: Some(s(["TCP", "UDP", "SCTP"][k % 3])),
                    })
                    .collect();
                pod(i, labels([("app", format!("a{}", i % 10))]), ports)
            })
            .collect(),
        ..RawCluster::default()
    };
    for i in 0..policies {
        let ports: Vec<RawPort> = (0..per_pod)
            .map(|k| RawPort {
                protocol: Some(s(["TCP", "UDP", "SCTP"][(k + i) % 3])),
                port: Some(RawPortValue::Name(name((k + i * 13) % per_pod))),
                end_port: None,
            })
            .collect();
        raw.policies.push(RawPolicy {
            namespace: Some(s("a")),
            name: format!("np{i}"),
            pod_selector: Some(RawSelector {
                match_labels: Some(labels([("app", format!("a{}", i % 10))])),
                match_expressions: None,
            }),
            policy_types: Some(vec![s("Ingress"), s("Egress")]),
            origin: None,
            ingress: Some(vec![RawRule { peers: None, ports: Some(ports.clone()) }]),
            egress: Some(vec![RawRule { peers: None, ports: Some(ports) }]),
        });
    }
    let probes =
        [(1, Protocol::Tcp), (8, Protocol::Udp), (701, Protocol::Sctp), (7000, Protocol::Tcp), (80, Protocol::Tcp)];
    compile_and_check(
        &format!("named ports ({pods} pods x {per_pod}, {policies} policies)"),
        raw,
        &probes,
        &["192.0.2.1"],
    );
}

#[test]
fn worst_case_many_named_ports() {
    named_ports(200, 256, 20);
}

/// The same at the per-object limits (500 pods with 1,000 named ports each, 50 policies naming
/// 1,000 ports each): ~500 identities x ~100,000 port classes. Building the index per port class
/// x port entry did not finish in minutes; the span sweep (`compile::Sweep`) does it in seconds.
#[test]
fn worst_case_many_named_ports_at_the_limits() {
    named_ports(500, 1000, 50);
}

/// `policies` policies selecting every pod, each with `rules` rules of a peer of its own (an
/// ipBlock /24) and `ranges` nested port ranges: every rule is active over most port classes,
/// so the index sweep sees thousands of distinct peer rows at every class boundary.
fn overlapping_port_ranges(policies: usize, rules: usize, ranges: usize) {
    let mut raw = RawCluster {
        pods: (0..16).map(|i| pod(i, labels([("app", format!("a{}", i % 4))]), Vec::new())).collect(),
        ..RawCluster::default()
    };
    for i in 0..policies {
        let rules = (0..rules)
            .map(|r| RawRule {
                peers: Some(vec![RawPeer {
                    ip_block: Some(RawIpBlock { cidr: format!("10.{}.{}.0/24", i % 256, r % 256), except: None }),
                    ..RawPeer::default()
                }]),
                ports: Some(
                    (0..ranges)
                        .map(|k| {
                            let low = (1 + i + r * 7 + k * 301) % 30000 + 1;
                            RawPort {
                                protocol: Some(s(["TCP", "UDP"][(r + k) % 2])),
                                port: Some(RawPortValue::Number(low as i32)),
                                end_port: Some((65535 - low % 20000) as i32),
                            }
                        })
                        .collect(),
                ),
            })
            .collect();
        raw.policies.push(RawPolicy {
            namespace: Some(s("a")),
            name: format!("np{i}"),
            pod_selector: Some(RawSelector::default()),
            policy_types: Some(vec![s("Ingress"), s("Egress")]),
            origin: None,
            ingress: Some(rules),
            egress: None,
        });
    }
    let probes = [
        (1, Protocol::Tcp),
        (2, Protocol::Udp),
        (15000, Protocol::Tcp),
        (40000, Protocol::Udp),
        (65535, Protocol::Tcp),
    ];
    compile_and_check(
        &format!("overlapping port ranges ({policies} policies x {rules} rules x {ranges})"),
        raw,
        &probes,
        &["10.0.0.1", "10.3.17.9", "192.0.2.1"],
    );
}

#[test]
fn worst_case_many_overlapping_port_ranges() {
    overlapping_port_ranges(50, 200, 20);
}

#[test]
fn worst_case_every_port_its_own_class() {
    // 64 rules of 1,024 single ports cut TCP into a class per port (65,536 classes); UDP and
    // SCTP rules add classes after them, whose global ids are then over 65,535.
    let tcp: Vec<RawRule> = (0..64)
        .map(|r| RawRule {
            peers: None,
            ports: Some(
                (0..1024)
                    .map(|i| RawPort {
                        protocol: None,
                        port: Some(RawPortValue::Number((r * 1024 + i) % 65535 + 1)),
                        end_port: None,
                    })
                    .collect(),
            ),
        })
        .collect();
    let other = |protocol: &str, port: i32| RawRule {
        peers: None,
        ports: Some(vec![RawPort {
            protocol: Some(s(protocol)),
            port: Some(RawPortValue::Number(port)),
            end_port: None,
        }]),
    };
    let raw = RawCluster {
        pods: (0..4).map(|i| pod(i, labels([("app", format!("a{i}"))]), Vec::new())).collect(),
        policies: vec![
            RawPolicy {
                namespace: Some(s("a")),
                name: s("tcp-except-pod0"),
                pod_selector: Some(RawSelector {
                    match_labels: None,
                    match_expressions: Some(vec![RawRequirement {
                        key: s("app"),
                        operator: s("NotIn"),
                        values: Some(vec![s("a0")]),
                    }]),
                }),
                ingress: Some(tcp),
                ..RawPolicy::default()
            },
            RawPolicy {
                namespace: Some(s("a")),
                name: s("udp-53-to-pod0"),
                pod_selector: Some(RawSelector {
                    match_labels: Some(labels([("app", s("a0"))])),
                    match_expressions: None,
                }),
                ingress: Some(vec![other("UDP", 53), other("SCTP", 9)]),
                ..RawPolicy::default()
            },
        ],
        ..RawCluster::default()
    };
    let probes = [
        (53, Protocol::Udp),
        (54, Protocol::Udp),
        (9, Protocol::Sctp),
        (1, Protocol::Tcp),
        (53, Protocol::Tcp),
        (65535, Protocol::Tcp),
    ];
    compile_and_check("every port its own class", raw, &probes, &["192.0.2.1"]);
}

/// Runs `f` on a thread with a 2 MiB stack (what Rust gives spawned threads, and less than a
/// main thread's 8 MiB): a stack overflow aborts the test run instead of passing.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("thread starts").join().expect("no panic")
}

/// About `n` levels of nesting in each form: YAML flow, YAML block (one line a level up to
/// 3,000 levels, else compact `- - - 1`), JSON; each inside a Pod.
fn nested_documents(n: usize) -> Vec<(&'static str, String)> {
    let flow = format!(
        "kind: Pod\nmetadata: {{name: p, namespace: a}}\nstatus: {{conditions: {}1{}}}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let mut block = String::from("kind: Pod\nmetadata: {name: p, namespace: a}\nstatus:\n conditions:\n");
    if n <= 3_000 {
        for i in 0..n / 2 {
            let _ = writeln!(block, "{}- k{i}:", "  ".repeat(i + 1));
        }
    } else {
        let _ = writeln!(block, "  {}1", "- ".repeat(n));
    }
    let json = format!(
        "{{\"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\", \"namespace\": \"a\"}}, \"status\": {{\"conditions\": {}1{}}}}}",
        "[".repeat(n),
        "]".repeat(n)
    );
    Vec::from([("YAML flow", flow), ("YAML block", block), ("JSON", json)])
}

#[test]
fn raised_depth_limits_never_overflow_the_stack() {
    // A depth limit above the safe maximum is refused with a message naming it.
    let err = Limits::default().set("depth", 100_000).unwrap_err();
    assert!(err.contains(&format!("at most {}", Limits::MAX_DEPTH)), "{err}");
    let err = "depth=100000".parse::<netpol::LimitSetting>().unwrap_err();
    assert!(err.contains("at most"), "{err}");
    // At the maximum (set directly, or by `unlimited`, or above it through the public field),
    // 3,000 and 100,000 levels are errors, not a crash, on a small stack.
    let mut at_max = Limits::default();
    at_max.set("depth", Limits::MAX_DEPTH).unwrap();
    let above = Limits { max_depth: usize::MAX, ..Limits::default() };
    for limits in [at_max, Limits::unlimited(), above] {
        for n in [3_000, 100_000] {
            for (form, text) in nested_documents(n) {
                let err = on_small_stack(move || error(&text, limits));
                assert!(err.contains("depth") || err.contains("recursion limit"), "{form}, {n} levels: {err}");
            }
        }
    }
    // Just within the maximum, every form loads (JSON only to the JSON reader's 128).
    for (form, text) in nested_documents(Limits::MAX_DEPTH - 3) {
        let result = on_small_stack(move || load(&text, at_max, Strictness::Strict).map(|c| c.pods().len()));
        match (form, result) {
            (_, Ok(pods)) => assert_eq!(pods, 1, "{form}"),
            ("JSON", Err(e)) => assert!(e.to_string().contains("recursion limit"), "{e}"),
            (_, Err(e)) => panic!("{form}: {e}"),
        }
    }
}

#[test]
fn floods_of_tiny_values_are_refused_not_held() {
    // Nulls and scalars are not objects, but each is a value held until the input is read:
    // twice the `objects` limit (plus 16) of them per input at most.
    let mut limits = Limits::default();
    limits.set("objects", 10).unwrap();
    for text in ["--- 1\n".repeat(100), format!("[{}]", vec!["null"; 100].join(", ")), "{} ".repeat(100)] {
        let err = error(&text, limits);
        assert!(
            err.contains("more than 36 documents, List items and array entries: over twice the limit of 10 objects (raise it with the `objects` limit)")
                || err.contains("over the limit of 10"),
            "{err}"
        );
    }
    for text in ["--- 1\n".repeat(100), format!("[{}]", vec!["null"; 100].join(", "))] {
        let err = error(&text, limits);
        assert!(err.contains("more than 36 documents"), "{err}");
    }
}

/// Thousands of bad objects report the first thousand problems and how many more: 2,000,000
/// `{}` printed a million lines.
#[test]
fn a_flood_of_bad_objects_reports_the_first_thousand_problems() {
    let text = "---\n{}\n".repeat(1500);
    let err = load(&text, Limits::default(), Strictness::Strict).expect_err("objects without kind");
    let diagnostics = err.diagnostics();
    assert_eq!(diagnostics.len(), 1001);
    assert!(diagnostics[0].to_string().contains("an object without `kind`"), "{}", diagnostics[0]);
    assert_eq!(diagnostics[1000].to_string(), "500 more problems not shown (the first 1000 are above)");
}

// The compile's memory budget (`compile-bytes`): rules x excepts x ports.

/// `rules` rules of the hostile shape, loaded under the default limits.
fn hostile_rules(rules: usize, shared_cidr: bool) -> Cluster {
    load(&rules_excepts_ports(rules, shared_cidr), Limits::default(), Strictness::Strict).unwrap()
}

#[test]
fn compile_bytes_refuses_past_the_budget_before_building() {
    let cluster = hostile_rules(2048, true);
    // About 2,048 rows of about 4,100 columns: some 1 MiB of rows.
    let err = Compiler::new().max_bytes(1 << 20).try_compile(&cluster).expect_err("over 1 MiB").to_string();
    assert!(err.starts_with("the compiled tables would take up to "), "{err}");
    assert!(err.contains("rows of 4"), "{err}");
    assert!(err.contains("identities x "), "{err}");
    assert!(err.ends_with("over the limit of 1048576 (raise it with the `compile-bytes` limit)"), "{err}");
    // Raised, it compiles; the estimate is an upper bound of what the tables then hold.
    let engine = Compiler::new().max_bytes(64 << 20).try_compile(&cluster).unwrap();
    assert!(engine.memory_bytes() < 64 << 20);
    let estimated: usize = err["the compiled tables would take up to ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a byte count in {err}"));
    assert!(engine.memory_bytes() <= estimated, "{} > {estimated}", engine.memory_bytes());

    // The one entry every face uses refuses it by the `compile-bytes` limit.
    let mut config = Config::default();
    config.load.limits.set("compile-bytes", 1 << 20).unwrap();
    let source = Source::text(rules_excepts_ports(2048, true), "hostile.yaml");
    let err =
        netpol::load_and_compile(std::slice::from_ref(&source), &config).expect_err("over the budget").to_string();
    assert!(err.contains("over the limit of 1048576 (raise it with the `compile-bytes` limit)"), "{err}");
    config.load.limits = Limits::default();
    netpol::load_and_compile(&[source], &config).unwrap();

    // Many label sets and many selectors are refused before their answers are computed.
    let mut text = String::new();
    for i in 0..2000 {
        let ip = format!("10.1.{}.{}", i / 256, i % 256);
        let _ = write!(
            text,
            "---\n{{apiVersion: v1, kind: Pod, metadata: {{name: p{i}, namespace: a, labels: {{k: v{i}}}}}, \
             status: {{podIP: {ip}}}}}\n---\n{}\n",
            policy(&format!("{{podSelector: {{matchLabels: {{k: v{i}}}}}}}"))
                .replace("name: np,", &format!("name: np{i},"))
        );
    }
    let cluster = load(&text, Limits::default(), Strictness::Strict).unwrap();
    let err = Compiler::new().max_bytes(500_000).try_compile(&cluster).expect_err("over").to_string();
    assert!(err.contains("2000 pod label sets x 2000 pod selectors"), "{err}");
    assert!(err.ends_with("over the limit of 500000 (raise it with the `compile-bytes` limit)"), "{err}");
}

/// Rules x excepts x ports: every rule of its own ipBlock (a /32 except of its own) and port.
/// It compiles, and agrees with the reference at the rules' ports, excepts and cidrs.
fn rules_excepts_ports_agree(rules: usize, shared_cidr: bool) {
    let started = Instant::now();
    let cluster = hostile_rules(rules, shared_cidr);
    let engine = Compiler::new().max_bytes(Limits::DEFAULT_COMPILE_BYTES).try_compile(&cluster).unwrap();
    eprintln!(
        "rules x excepts x ports ({rules} rules, shared cidr {shared_cidr}): {:?}, tables {} KiB",
        started.elapsed(),
        engine.memory_bytes() / 1024
    );
    let reference = Evaluator::new(&cluster, Options::default());
    let pod = Endpoint::Pod(PodId(0));
    for i in [0, 1, rules / 3, rules / 2, rules - 2, rules - 1] {
        let (b, c) = (1 + i / 256 % 255, i % 256);
        let port = (1 + i % 65535) as u16;
        for ip in
            [format!("10.{b}.{c}.1"), format!("10.{b}.{c}.200"), s("10.0.0.2"), s("10.255.255.255"), s("192.0.2.1")]
        {
            let src = Endpoint::Ip(ip.parse().unwrap());
            for (port, protocol) in
                [(port, Protocol::Tcp), (port + 1, Protocol::Tcp), (port, Protocol::Udp), (65535, Protocol::Tcp)]
            {
                assert_eq!(
                    engine.decide(src, pod, port, protocol).is_allowed(),
                    reference.allowed(src, pod, port, protocol),
                    "{ip} -> a/p on {port}/{protocol:?}"
                );
            }
        }
    }
}

#[test]
fn a_large_input_with_a_wrong_type_reports_its_first_problem() {
    // Over 32 MiB, the values fallback (which names every problem) is not taken: it could hold
    // ten times the input. The streaming decode's own error, with its line, is reported.
    let padding = "x".repeat(34 << 20);
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"p\", \"namespace\": \"a\", \"annotations\": {{\"pad\": \"{padding}\"}}}},\n\"spec\": {{\"hostNetwork\": \"yes\"}}}}]}}"
    );
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_str(&text, "big.json");
    let err = loader.finish().unwrap_err();
    let d = &err.diagnostics()[0];
    assert!(d.message().contains("invalid type: string \"yes\", expected a boolean"), "{}", d.message());
    assert!(d.message().contains("only its first problem is reported"), "{}", d.message());
    assert_eq!(d.line(), Some(3));
}

#[test]
fn worst_case_rules_excepts_ports() {
    rules_excepts_ports_agree(3000, true);
    rules_excepts_ports_agree(3000, false);
}
