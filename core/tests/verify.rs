//! `netpol::verify`: the expectations file (every selector form, errors naming the field), the
//! semantics (allowed/denied, ranges, "all", CIDRs, selectors that match nothing) checked against
//! `decide` port by port, and the text/JSON/JUnit shapes.

use std::net::IpAddr;
use std::path::Path;

use netpol::verify::{verify, verify_with, EndpointSelector, Expectations, Expected, PortSpec, VerifyReport};
use netpol::{Cluster, Compiler, Endpoint, Engine, Protocol};
use serde_json::Value;

fn example_engine() -> Engine {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.yaml");
    let cluster = Cluster::from_yaml_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Compiler::new().compile(&cluster)
}

fn parse(text: &str) -> Expectations {
    Expectations::from_yaml_str(text, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> String {
    let e = Expectations::from_yaml_str(text, "test.yaml").expect_err("should not parse");
    e.diagnostics().iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n")
}

/// One expectation with `from`, `to`, `port` and `expect` (YAML flow values), TCP.
fn one(from: &str, to: &str, port: &str, expect: &str) -> Expectations {
    parse(&format!("expectations:\n- {{from: {from}, to: {to}, port: {port}, expect: {expect}}}\n"))
}

fn run(engine: &Engine, from: &str, to: &str, port: &str, expect: &str) -> VerifyReport {
    verify(engine, &one(from, to, port, expect))
}

const FRONTEND: &str = "shop/frontend-6c8f9b7d4-2lmnp";

#[test]
fn every_selector_form_parses() {
    let e = parse(
        r#"
expectations:
- {from: shop/postgres-0, to: shop/frontend-*, port: 80, expect: allowed}
- {from: "shop/*", to: {namespace: shop}, port: 80, expect: allowed}
- {from: {labels: {app: api}}, to: {namespace: shop, labels: {app: api, tier: "backend"}}, port: 80, expect: denied}
- {from: {namespaceLabels: {team: platform}, labels: {app: prometheus}}, to: {pods: all}, port: 80, expect: denied}
- {from: 203.0.113.10, to: 203.0.113.0/25, port: 80, expect: allowed}
- {from: "2001:db8::1", to: "2001:db8::/64", port: 80, expect: allowed}
"#,
    );
    use EndpointSelector as S;
    let sel = |i: usize| (&e.items[i].from, &e.items[i].to);
    assert_eq!(sel(0).0, &S::Name { namespace: "shop".into(), name: "postgres-0".into() });
    assert_eq!(sel(0).1, &S::Name { namespace: "shop".into(), name: "frontend-*".into() });
    assert_eq!(sel(1).0, &S::Name { namespace: "shop".into(), name: "*".into() });
    assert!(matches!(sel(1).1, S::Labels { namespace: Some(ns), namespace_labels, labels }
        if ns == "shop" && namespace_labels.is_empty() && labels.is_empty()));
    assert!(matches!(sel(2).1, S::Labels { labels, .. } if labels.len() == 2 && labels["tier"] == "backend"));
    assert!(
        matches!(sel(3).0, S::Labels { namespace: None, namespace_labels, .. } if namespace_labels["team"] == "platform")
    );
    assert_eq!(sel(3).1, &S::AllPods);
    assert_eq!(sel(4).0, &S::Ip("203.0.113.10".parse().unwrap()));
    assert_eq!(sel(4).1, &S::Cidr("203.0.113.0/25".parse().unwrap()));
    assert_eq!(sel(5).1, &S::Cidr("2001:db8::/64".parse().unwrap()));
    // Short forms for names, default names and the TCP default.
    assert_eq!(sel(2).0.to_string(), "*/{app=api}");
    assert_eq!(sel(3).0.to_string(), "{team=platform}/{app=prometheus}");
    assert_eq!(e.items[1].name, "shop/* -> shop/* on 80/TCP allowed");
    assert!(e.items.iter().all(|x| x.protocol == Protocol::Tcp));
}

#[test]
fn ports_protocols_names_and_expect() {
    let e = parse(
        r#"
expectations:
- {name: dns, from: a/b, to: c/d, port: 53, protocol: UDP, expect: allowed}
- {from: a/b, to: c/d, port: "9100-9199", protocol: sctp, expect: denied}
- {from: a/b, to: c/d, port: all, expect: denied}
- {from: a/b, to: c/d, port: "8080", expect: allowed}
- {from: a/b, to: c/d, port: 1-65535, expect: allowed}
"#,
    );
    assert_eq!(e.origin, "test.yaml");
    assert_eq!(e.items[0].name, "dns");
    assert_eq!((e.items[0].ports, e.items[0].protocol), (PortSpec::Port(53), Protocol::Udp));
    assert_eq!((e.items[1].ports, e.items[1].protocol), (PortSpec::Range { first: 9100, last: 9199 }, Protocol::Sctp));
    assert_eq!(e.items[1].expected, Expected::Denied);
    assert_eq!(e.items[2].ports, PortSpec::All);
    assert_eq!(e.items[2].name, "a/b -> c/d on all TCP ports denied");
    assert_eq!(e.items[3].ports, PortSpec::Port(8080));
    assert_eq!(e.items[4].ports, PortSpec::All);
}

#[test]
fn errors_name_the_expectation_and_the_field() {
    let cases = [
        ("- {from: a/b, to: c/d, port: 70000, expect: allowed}", "expectations[0].port: expected a port 1-65535"),
        ("- {from: a/b, to: c/d, port: 0, expect: allowed}", "expectations[0].port: expected a port 1-65535"),
        (
            "- {from: a/b, to: c/d, port: 9199-9100, expect: allowed}",
            "expectations[0].port: range \"9199-9100\" ends before it starts",
        ),
        ("- {from: a/b, to: c/d, port: http, expect: allowed}", "got \"http\""),
        (
            "- {from: a/b, to: c/d, port: 80, expect: allow}",
            "expectations[0].expect: expected allowed or denied; got \"allow\"",
        ),
        (
            "- {from: a/b, to: c/d, port: 80, protocol: ICMP, expect: denied}",
            "expectations[0].protocol: expected TCP, UDP or SCTP",
        ),
        ("- {from: a/b, to: c/d, port: 80}", "expectations[0].expect: required field is missing"),
        ("- {to: c/d, port: 80, expect: denied}", "expectations[0].from: required field is missing"),
        ("- {from: a/b, to: c/d, port: 80, expect: denied, ports: 80}", "expectations[0].ports: unknown field"),
        ("- {from: frontend, to: c/d, port: 80, expect: denied}", "expectations[0].from: expected \"namespace/pod\""),
        ("- {from: a/b/c, to: c/d, port: 80, expect: denied}", "expectations[0].from: expected \"namespace/pod\""),
        ("- {from: a/b, to: [c/d], port: 80, expect: denied}", "expectations[0].to: expected \"namespace/pod\""),
        (
            "- {from: a/b, to: 10.0.0.1/8, port: 80, expect: denied}",
            "expectations[0].to: CIDR \"10.0.0.1/8\" has host bits set; the network is 10.0.0.0/8",
        ),
        (
            "- {from: {app: web}, to: c/d, port: 80, expect: denied}",
            "expectations[0].from.app: unknown field; the fields are namespace, namespaceLabels, labels, pods",
        ),
        ("- {from: {}, to: c/d, port: 80, expect: denied}", "expectations[0].from: empty selector"),
        (
            "- {from: {pods: some}, to: c/d, port: 80, expect: denied}",
            "expectations[0].from.pods: the only value is \"all\"",
        ),
        (
            "- {from: {pods: all, namespace: a}, to: c/d, port: 80, expect: denied}",
            "expectations[0].from.pods: \"pods: all\" stands alone",
        ),
        (
            "- {from: {labels: [a]}, to: c/d, port: 80, expect: denied}",
            "expectations[0].from.labels: expected a map of labels",
        ),
        (
            "- {from: {labels: {a: [b]}}, to: c/d, port: 80, expect: denied}",
            "expectations[0].from.labels.a: expected a label value",
        ),
        (
            "- {from: {namespace: 3}, to: c/d, port: 80, expect: denied}",
            "expectations[0].from.namespace: expected a namespace name",
        ),
        ("- just a string", "expectations[0]: expected a map with the fields name, from, to, port, protocol, expect"),
    ];
    for (item, want) in cases {
        let got = errors(&format!("expectations:\n{item}\n"));
        assert!(got.starts_with("test.yaml: "), "{got}");
        assert!(got.contains(want), "for {item}\nwant: {want}\ngot:  {got}");
    }
}

#[test]
fn every_problem_is_reported_with_the_name_and_line() {
    let got = errors(
        "expectations:\n- {from: a/b, to: c/d, port: 80, expect: allowed}\n- name: web\n  from: nowhere\n  to: c/d\n  port: 99999\n  expect: allowed\n",
    );
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 2, "{got}");
    assert!(lines[0].starts_with("test.yaml: expectations[1].from: "), "{got}");
    assert!(lines[0].ends_with("(expectation \"web\" at line 3)"), "{got}");
    assert!(lines[1].starts_with("test.yaml: expectations[1].port: "), "{got}");
}

#[test]
fn file_level_errors() {
    assert!(errors("expectations: []\n").contains("expectations: no expectations"));
    assert!(errors("").contains("no expectations") || errors("").contains("not an expectations file"));
    assert!(errors("expectation:\n- {}\n").contains("not an expectations file"), "{}", errors("expectation:\n- {}\n"));
    assert!(errors("expectations: {a: 1}\n").contains("not an expectations file"));
    assert!(errors("expectations:\n- {from: a/b\n").contains("not an expectations file"));
}

#[test]
fn yaml_1_2_booleans_stay_label_values() {
    let e = parse(
        "expectations:\n- {from: {labels: {ns: y, on: on, real: true, n: 3}}, to: a/b, port: 80, expect: denied}\n",
    );
    let EndpointSelector::Labels { labels, .. } = &e.items[0].from else { panic!() };
    assert_eq!(labels["ns"], "y");
    assert_eq!(labels["on"], "on");
    assert_eq!(labels["real"], "true");
    assert_eq!(labels["n"], "3");
}

#[test]
fn the_example_expectations_all_hold() {
    let engine = example_engine();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/expectations.yaml");
    let e = Expectations::from_yaml_str(&std::fs::read_to_string(path).unwrap(), "examples/expectations.yaml").unwrap();
    let report = verify(&engine, &e);
    assert!(report.all_passed(), "{}", report.to_text());
    assert_eq!(report.passed(), e.items.len());
    assert!(report.results.iter().all(|r| r.pairs > 0 && r.counterexamples.is_empty()));
}

#[test]
fn a_broken_expectation_names_the_pairs_and_the_isolating_policies() {
    let engine = example_engine();
    let report = run(&engine, "shop/frontend-*", "shop/postgres-0", "5432", "allowed");
    let r = &report.results[0];
    assert!(!r.passed());
    assert_eq!((r.pairs, r.failed_pairs), (2, 2));
    // Both frontends are one identity: one counterexample, the other pair decided alike.
    assert_eq!(r.counterexamples.len(), 1);
    let c = &r.counterexamples[0];
    assert_eq!(
        (c.from.as_str(), c.to.as_str(), c.port, c.protocol),
        (FRONTEND, "shop/postgres-0", 5432, Protocol::Tcp)
    );
    assert!(!c.explanation.allowed());
    assert_eq!(c.alike, 1);
    assert_eq!(c.alike_examples, [("shop/frontend-6c8f9b7d4-8hq7r".to_string(), "shop/postgres-0".to_string())]);
    assert!(c.report.starts_with(&format!("DENIED: {FRONTEND} -> shop/postgres-0 on 5432/TCP")), "{}", c.report);
    assert!(c.report.contains("isolated by: shop/allow-monitoring, shop/default-deny, shop/postgres-from-api"));
    assert_eq!(report.failed(), 1);
    let text = report.to_text();
    assert!(
        text.starts_with("FAIL  shop/frontend-* -> shop/postgres-0 on 5432/TCP allowed: 2 of 2 pairs break it"),
        "{text}"
    );
    assert!(text.contains("      egress at shop/frontend-6c8f9b7d4-2lmnp: DENIED\n"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed\n"), "{text}");
}

#[test]
fn counterexamples_are_capped_and_the_rest_counted() {
    let engine = example_engine();
    // Every pod to every other pod on 5432 allowed: nearly all pairs break it.
    let e = one("{pods: all}", "{pods: all}", "5432", "allowed");
    let report = verify_with(&engine, &e, 2);
    let r = &report.results[0];
    assert_eq!(r.pairs, 8 * 7);
    assert_eq!(r.counterexamples.len(), 2);
    assert_eq!(r.failed_pairs, 8 * 7 - 2, "only api -> postgres is allowed");
    assert!(r.details(0).contains("more failing pairs not shown"), "{}", r.details(0));
}

#[test]
fn port_ranges_and_all() {
    let engine = example_engine();
    let passed = |from: &str, to: &str, port: &str, expect: &str| run(&engine, from, to, port, expect).all_passed();
    assert!(passed("monitoring/prometheus-0", "shop/*", "9100-9199", "allowed"));
    assert!(!passed("monitoring/prometheus-0", "shop/*", "all", "allowed"));
    assert!(!passed("shop/frontend-*", "shop/api-*", "all", "denied"));
    assert!(passed("shop/frontend-*", "shop/api-*", "1-8079", "denied"));
    assert!(passed("shop/frontend-*", "shop/api-*", "8081-65535", "denied"));

    // The failing port is the first one that breaks the expectation.
    let port_of = |from: &str, to: &str, port: &str, expect: &str| {
        run(&engine, from, to, port, expect).results[0].counterexamples[0].port
    };
    assert_eq!(port_of("monitoring/prometheus-0", "shop/postgres-0", "9000-9199", "allowed"), 9000);
    assert_eq!(port_of("monitoring/prometheus-0", "shop/postgres-0", "9091-9199", "allowed"), 9091);
    assert_eq!(port_of("shop/frontend-*", "shop/api-*", "8000-8100", "denied"), 8080);
    assert_eq!(port_of("shop/frontend-*", "shop/api-*", "all", "denied"), 8080);
    assert_eq!(port_of("shop/frontend-*", "shop/api-*", "all", "allowed"), 1);
    // UDP is its own protocol.
    let udp = one("shop/*", "{labels: {k8s-app: kube-dns}}", "53", "allowed");
    let mut udp_only = udp.clone();
    udp_only.items[0].protocol = Protocol::Udp;
    assert!(verify(&engine, &udp_only).all_passed());
    udp_only.items[0].protocol = Protocol::Sctp;
    assert!(!verify(&engine, &udp_only).all_passed());
}

#[test]
fn cidrs_are_cut_where_the_policies_cut_them() {
    let engine = example_engine();
    // 203.0.113.0/24 is allowed on 443 except its upper half.
    let report = run(&engine, "shop/api-*", "203.0.113.0/24", "443", "allowed");
    let r = &report.results[0];
    assert_eq!((r.pairs, r.failed_pairs), (4, 2), "two api pods x two halves");
    let c = &r.counterexamples[0];
    assert_eq!(c.to, "203.0.113.128");
    let range = c.to_range.unwrap();
    assert_eq!((range.first, range.last), ("203.0.113.128".parse().unwrap(), "203.0.113.255".parse().unwrap()));
    assert!(c.from_range.is_none());
    assert!(run(&engine, "shop/api-*", "203.0.113.0/25", "443", "allowed").all_passed());
    assert!(run(&engine, "shop/api-*", "203.0.113.64/26", "443", "allowed").all_passed());

    // Pod IPs inside a CIDR are not part of it: 10.0.0.0/8 holds every pod IP, but only the
    // addresses outside the pods are checked (and the except denies them).
    assert!(run(&engine, "10.0.0.0/8", "shop/frontend-*", "8080", "denied").all_passed());
    let r = &run(&engine, "0.0.0.0/0", "shop/frontend-*", "8080", "allowed").results[0];
    assert!(!r.passed());
    let failing: Vec<String> = r.counterexamples.iter().map(|c| c.from.clone()).collect();
    assert_eq!(failing, ["10.0.0.0", "172.16.0.0", "192.168.0.0"]);
    // A CIDR of one pod's IP has no address outside the pods.
    let r = &run(&engine, "10.244.1.21/32", "shop/api-*", "8080", "allowed").results[0];
    assert!(!r.passed());
    assert_eq!(r.problem.as_deref(), Some("from 10.244.1.21/32 has no address outside the cluster's pods"));
    // A single IP that is a pod's means that pod.
    let r = &run(&engine, "10.244.1.21", "shop/api-*", "8080", "allowed").results[0];
    assert!(r.passed() && r.pairs == 2);
    // Between two addresses nothing is checked (S1): always allowed.
    assert!(run(&engine, "198.51.100.0/24", "203.0.113.0/24", "all", "allowed").all_passed());
}

#[test]
fn selectors_matching_nothing_fail() {
    let engine = example_engine();
    let cases = [
        ("shop/nope-*", "shop/*", "from shop/nope-* matches no pod"),
        ("shop/*", "{namespace: nowhere}", "to nowhere/* matches no pod"),
        (
            "{labels: {app: nope}}",
            "{namespaceLabels: {team: none}}",
            "from */{app=nope} matches no pod; to {team=none}/* matches no pod",
        ),
        ("shop/postgres-0", "shop/postgres-0", "nothing to check: every pair is a pod with itself"),
    ];
    for (from, to, want) in cases {
        let report = run(&engine, from, to, "80", "denied");
        let r = &report.results[0];
        assert!(!r.passed() && !report.all_passed());
        assert_eq!(r.problem.as_deref(), Some(want));
        assert!(
            report.to_text().starts_with(&format!("FAIL  {}: {want}\n", r.expectation.name)),
            "{}",
            report.to_text()
        );
    }
}

/// Every pair, every port (of a few protocols and ports for CIDRs): the report agrees with
/// `decide` asked port by port and address by address.
#[test]
fn verdicts_agree_with_decide_port_by_port() {
    let engine = example_engine();
    let cluster = engine.cluster();
    let selectors = [
        "shop/frontend-*",
        "shop/*",
        "{pods: all}",
        "monitoring/prometheus-0",
        "{namespace: kube-system}",
        "203.0.113.0/24",
        "10.0.0.0/8",
    ];
    let ports = ["53", "443", "8080", "9100-9199", "9000-9199", "5000-6000", "all"];
    let pods_of = |sel: &str| -> Vec<Endpoint> {
        let all: Vec<Endpoint> = (0..cluster.pods().len()).map(|i| Endpoint::Pod(netpol::PodId(i as u32))).collect();
        let name = |e: &Endpoint| netpol::endpoint_name(cluster, *e);
        match sel {
            "{pods: all}" => all,
            "{namespace: kube-system}" => all.into_iter().filter(|e| name(e).starts_with("kube-system/")).collect(),
            "shop/frontend-*" => all.into_iter().filter(|e| name(e).starts_with("shop/frontend-")).collect(),
            "shop/*" => all.into_iter().filter(|e| name(e).starts_with("shop/")).collect(),
            "monitoring/prometheus-0" => all.into_iter().filter(|e| name(e) == sel).collect(),
            // About 64 addresses spread over the network, and its ends, skipping pod IPs.
            cidr => {
                let net: ipnet::Ipv4Net = cidr.parse().unwrap();
                let step = ((1u64 << (32 - net.prefix_len())) / 64).max(1) as usize;
                net.hosts()
                    .step_by(step)
                    .chain([net.network(), net.broadcast()])
                    .map(|a| engine.endpoint_for_ip(IpAddr::V4(a)))
                    .filter(|e| matches!(e, Endpoint::Ip(_)))
                    .collect()
            }
        }
    };
    let mut checked = 0;
    for from in selectors {
        for to in selectors {
            for port in ports {
                for protocol in [Protocol::Tcp, Protocol::Udp] {
                    let cidr_involved = from.contains('.') || to.contains('.');
                    let (first, last) = match port {
                        "all" => (1u16, u16::MAX),
                        p => match p.split_once('-') {
                            Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                            None => (p.parse().unwrap(), p.parse().unwrap()),
                        },
                    };
                    // The ends, and every port where a policy or container port of the example cuts
                    // the port space, with its neighbours: every port class is probed.
                    let cuts = [53u16, 443, 5432, 8080, 9090, 9100, 9153, 9187, 9199];
                    let mut probe: Vec<u16> =
                        cuts.iter().flat_map(|&p| [p - 1, p, p + 1]).chain([first, last]).collect();
                    probe.retain(|p| (first..=last).contains(p));
                    let mut all_allowed = true;
                    let mut all_denied = true;
                    let mut pairs = 0;
                    for &s in &pods_of(from) {
                        for &d in &pods_of(to) {
                            if s == d {
                                continue;
                            }
                            pairs += 1;
                            for &p in &probe {
                                let allowed = engine.decide(s, d, p, protocol).is_allowed();
                                all_allowed &= allowed;
                                all_denied &= !allowed;
                            }
                        }
                    }
                    for (expect, want) in [("allowed", all_allowed), ("denied", all_denied)] {
                        let mut e = one(&yaml_scalar(from), &yaml_scalar(to), &format!("\"{port}\""), expect);
                        e.items[0].protocol = protocol;
                        let report = verify(&engine, &e);
                        let got = report.all_passed();
                        let what = format!("{from} -> {to} {port}/{protocol} {expect}");
                        if pairs == 0 {
                            assert!(!got, "{what}: no pair to check is a failure");
                        } else if cidr_involved {
                            // Sampled addresses: a failure decide finds, verify must find too.
                            assert!(want || !got, "{what}: verify passes, decide finds a failure");
                        } else {
                            assert_eq!(got, want, "{what}");
                        }
                        // Every counterexample is real.
                        for c in &report.results[0].counterexamples {
                            let allowed = engine.decide(c.src, c.dst, c.port, protocol).is_allowed();
                            assert_eq!(allowed, expect == "denied", "{what}: {} -> {} on {}", c.from, c.to, c.port);
                            assert!((first..=last).contains(&c.port), "{what}");
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, selectors.len() * selectors.len() * ports.len() * 2 * 2);
}

fn yaml_scalar(s: &str) -> String {
    if s.starts_with('{') {
        s.to_string()
    } else {
        format!("\"{s}\"")
    }
}

#[test]
fn json_shape() {
    let engine = example_engine();
    let e = parse(
        r#"
expectations:
- {name: ok, from: shop/api-*, to: shop/postgres-0, port: 5432, expect: allowed}
- {name: broken, from: shop/api-*, to: 203.0.113.0/24, port: 443, expect: allowed}
- {name: empty, from: shop/nope, to: shop/api-*, port: all, expect: denied}
"#,
    );
    let v = verify(&engine, &e).to_json(engine.cluster());
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&v), ["expectations", "failed", "origin", "passed"]);
    assert_eq!(
        (v["passed"].as_u64(), v["failed"].as_u64(), v["origin"].as_str()),
        (Some(1), Some(2), Some("test.yaml"))
    );
    let list = v["expectations"].as_array().unwrap();
    assert_eq!(
        keys(&list[0]),
        [
            "counterexamples",
            "expect",
            "failed_pairs",
            "from",
            "name",
            "pairs",
            "passed",
            "ports",
            "problem",
            "protocol",
            "to"
        ]
    );
    assert_eq!(list[0]["passed"], true);
    assert_eq!(list[0]["problem"], Value::Null);
    assert_eq!(list[0]["ports"], "5432");
    assert_eq!(list[1]["from"], "shop/api-*");
    assert_eq!((list[1]["pairs"].as_u64(), list[1]["failed_pairs"].as_u64()), (Some(4), Some(2)));
    let c = &list[1]["counterexamples"][0];
    assert_eq!(
        keys(c),
        [
            "alike",
            "alike_examples",
            "allowed",
            "egress",
            "families",
            "family",
            "from",
            "from_range",
            "ingress",
            "other_family",
            "port",
            "protocol",
            "to",
            "to_range"
        ]
    );
    assert_eq!(c["allowed"], false);
    assert_eq!(c["families"], serde_json::json!({"ipv4": false}));
    assert_eq!(c["to"], "203.0.113.128");
    assert_eq!(c["to_range"], serde_json::json!(["203.0.113.128/25"]));
    assert_eq!(c["from_range"], serde_json::json!([]));
    assert_eq!(c["egress"]["reason"], "no-rule-admits");
    assert_eq!(c["ingress"]["reason"], "not-a-pod");
    assert_eq!(c["alike"], 1);
    assert_eq!(c["alike_examples"][0]["from"], "shop/api-7f6d5c8b9-v7p2s");
    assert_eq!(list[2]["problem"], "from shop/nope matches no pod");
    assert_eq!(list[2]["ports"], "all");
    assert_eq!(list[2]["passed"], false);
}

#[test]
fn junit_shape_and_escaping() {
    let engine = example_engine();
    let e = parse(
        r#"
expectations:
- {name: "api <-> postgres & \"friends\"", from: shop/api-*, to: shop/postgres-0, port: 5432, expect: allowed}
- {name: frontend's postgres, from: shop/frontend-*, to: shop/postgres-0, port: 5432, expect: allowed}
- {name: nobody, from: shop/nope, to: shop/api-*, port: all, expect: denied}
"#,
    );
    let xml = verify(&engine, &e).to_junit();
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"netpol verify\" tests=\"3\" failures=\"2\""
    ));
    assert!(xml.contains("<testsuite name=\"netpol verify\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\">"));
    assert_eq!(xml.matches("<testcase ").count(), 3);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert_eq!(xml.matches("</failure>").count(), 2);
    assert!(xml.contains("name=\"api &lt;-&gt; postgres &amp; &quot;friends&quot;\"/>"), "{xml}");
    assert!(xml.contains("name=\"frontend&apos;s postgres\">"), "{xml}");
    assert!(xml.contains("<failure type=\"expectation\" message=\"2 of 2 pairs break it (expected allowed on 5432/TCP)\">DENIED: shop/frontend-6c8f9b7d4-2lmnp -&gt; shop/postgres-0 on 5432/TCP\n"), "{xml}");
    assert!(xml.contains("<failure type=\"selector\" message=\"from shop/nope matches no pod\"></failure>"), "{xml}");
    assert!(xml.ends_with("  </testsuite>\n</testsuites>\n"));
    // No raw markup characters outside tags: every '<' opens a known element.
    for piece in xml.split('<').skip(1) {
        let tag = piece.trim_start_matches('/').split([' ', '>', '/']).next().unwrap();
        assert!(
            ["?xml", "testsuites", "testsuite", "properties", "property", "testcase", "failure"].contains(&tag),
            "{tag}"
        );
    }
}

/// S9a: an address of a dual-stack pod is that pod over the address's family (selectors match
/// it, ipBlocks see that address only), for single ports, port ranges and "all".
#[test]
fn a_dual_stack_pods_address_keeps_its_family() {
    let cluster = Cluster::from_yaml_str(
        r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: web, namespace: shop, labels: {app: web}},
   status: {podIP: 10.1.0.1, podIPs: [{ip: 10.1.0.1}, {ip: "fd00:10::1"}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: api, namespace: shop, labels: {app: api}},
   status: {podIP: 10.1.0.2, podIPs: [{ip: 10.1.0.2}, {ip: "fd00:10::2"}]}}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: api, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: api}}
    ingress:
    - {from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 8080}]}
    - {from: [{ipBlock: {cidr: "fd00:10::/64"}}], ports: [{port: 9090}]}
"#,
    )
    .unwrap();
    let engine = Compiler::new().compile(&cluster);
    for (from, port, expect, passes) in [
        // web by either address is web: its label admits it on 8080 in both families.
        ("10.1.0.1", "8080", "allowed", true),
        ("'fd00:10::1'", "8080", "allowed", true),
        // 9090 admits the IPv6 block only: web's IPv4 address is not in it.
        ("10.1.0.1", "9090", "denied", true),
        ("'fd00:10::1'", "9090", "allowed", true),
        ("10.1.0.1", "8000-9000", "denied", false),
        ("10.1.0.1", "9000-9999", "denied", true),
        ("'fd00:10::1'", "9000-9999", "denied", false),
        ("10.1.0.1", "all", "denied", false),
        ("shop/web", "9090", "allowed", true),
    ] {
        let r = run(&engine, from, "shop/api", port, expect);
        assert_eq!(r.all_passed(), passes, "{from} -> shop/api {port} {expect}: {}", r.to_text());
    }
}

#[test]
fn over_long_lines_are_refused_and_errors_quote_little() {
    let long = format!(
        "expectations:\n  - {{from: shop/web, to: shop/api, port: 80, expect: allowed}}\n  - {{from: \"{}\", to: shop/api, port: 80, expect: allowed}}\n",
        "a".repeat(1 << 20)
    );
    let source = netpol::Source::text(long.clone(), "e.yaml");
    let e = Expectations::from_source(&source).unwrap_err().to_string();
    assert!(
        e.starts_with("e.yaml:3: line over the limit of 65536 bytes (raise it with max_line_bytes"),
        "{}",
        &e[..300]
    );
    assert!(e.len() < 400 && e.ends_with("aaa…"), "{} bytes", e.len());
    // Within a raised line limit, the bad value is quoted cut to 200 bytes.
    let limits = netpol::TextLimits { max_line_bytes: 2 << 20, ..netpol::TextLimits::EXPECTATIONS };
    let e = Expectations::from_source_with(&source, limits).unwrap_err().to_string();
    assert!(e.contains(&format!("\"{}…\"", "a".repeat(200))) && e.len() < 800, "{} bytes: {}", e.len(), &e[..800]);
    // A field name is cut too; and the input cap.
    let key = format!(
        "expectations:\n  - {{from: shop/web, to: shop/api, port: 80, expect: allowed, {}: 1}}\n",
        "k".repeat(5000)
    );
    let e = errors(&key);
    assert!(e.len() < 800, "{} bytes: {}", e.len(), &e[..800]);
    let limits = netpol::TextLimits { max_bytes: 100, ..netpol::TextLimits::EXPECTATIONS };
    let e = Expectations::from_source_with(&source, limits).unwrap_err().to_string();
    assert!(e.contains("over the limit of 100 bytes"), "{}", &e[..300]);
}
