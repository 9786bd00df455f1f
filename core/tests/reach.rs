//! `netpol::reach`: who may reach an endpoint and what it may reach, with ports and grants; and
//! a cross-check that the report agrees with `decide` and the connectivity map.

use std::collections::BTreeSet;
use std::path::Path;

use netpol::k8s::{LoadOptions, Loader};
use netpol::reach::{reach, Access, Grant, GrantLine, PeerRow, Reach, Subject};
use netpol::{Cluster, Compiler, Direction, Endpoint, Engine, Options, PodId, Protocol, SelfTraffic};

fn example() -> Engine {
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.yaml"));
    Compiler::new().compile(&loader.finish().unwrap())
}

fn from_yaml(text: &str) -> Engine {
    Compiler::new().compile(&Cluster::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}")))
}

fn ask(engine: &Engine, endpoint: &str, direction: Direction) -> Reach {
    let subject = Subject::parse(engine, endpoint).unwrap_or_else(|| panic!("{endpoint} is not an endpoint"));
    reach(engine, &subject, direction)
}

/// `group: ports [pods]` per peer row.
fn peers(rows: &[PeerRow]) -> Vec<String> {
    rows.iter().map(|r| format!("{}: {} {:?}", r.group, r.ports, r.pods)).collect()
}

fn rules(grants: &[(&str, &str)]) -> Access {
    Access::Rules(grants.iter().map(|(p, r)| Grant { policy: p.to_string(), rule: r.to_string() }).collect())
}

fn line(ports: &str, egress: Access, ingress: Access, r: &GrantLine) {
    assert_eq!((r.ports.to_string().as_str(), &r.egress, &r.ingress), (ports, &egress, &ingress));
}

#[test]
fn who_reaches_postgres_in_the_bundled_example() {
    let r = ask(&example(), "shop/postgres-0", Direction::Ingress);
    assert_eq!((r.kind, r.workload.as_deref(), r.pods, r.parts.len()), ("pod", Some("statefulset/postgres"), 1, 1));
    let part = &r.parts[0];
    assert_eq!(
        part.isolated_by.as_deref().unwrap(),
        ["shop/allow-monitoring", "shop/default-deny", "shop/postgres-from-api"]
    );
    assert_eq!(
        peers(&part.peers),
        [
            r#"monitoring/statefulset/prometheus: 9090,9100-9199/TCP ["monitoring/prometheus-0"]"#,
            r#"shop/deployment/api: 5432/TCP ["shop/api-7f6d5c8b9-4kx8m", "shop/api-7f6d5c8b9-v7p2s"]"#,
        ]
    );
    let api = &part.peers[1];
    assert_eq!((api.namespace.as_str(), api.group_pods, api.grants.len()), ("shop", 2, 1));
    line(
        "5432/TCP",
        rules(&[("shop/api-to-postgres", "spec.egress[0]")]),
        rules(&[("shop/postgres-from-api", "spec.ingress[0]")]),
        &api.grants[0],
    );
    line(
        "9090,9100-9199/TCP",
        Access::NotIsolated,
        rules(&[("shop/allow-monitoring", "spec.ingress[0]")]),
        &part.peers[0].grants[0],
    );
    assert!(part.external.is_empty());
    assert_eq!(
        r.statement(),
        "shop/postgres-0 (statefulset/postgres) is reachable only from monitoring/statefulset/prometheus (1 pod) \
         on 9090,9100-9199/TCP and shop/deployment/api (2 pods) on 5432/TCP. It is not reachable from outside the \
         cluster."
    );
    // The same pod by its IP.
    assert_eq!(ask(&example(), "10.244.2.41", Direction::Ingress), r);
}

#[test]
fn what_an_api_pod_reaches() {
    let r = ask(&example(), "shop/api-7f6d5c8b9-4kx8m", Direction::Egress);
    let part = &r.parts[0];
    assert_eq!(
        peers(&part.peers),
        [
            r#"kube-system/deployment/coredns: 53/TCP+UDP ["kube-system/coredns-5d78c9869d-7xk2p", "kube-system/coredns-5d78c9869d-q9w4z"]"#,
            r#"shop/statefulset/postgres: 5432/TCP ["shop/postgres-0"]"#,
        ]
    );
    line(
        "53/TCP+UDP",
        rules(&[("shop/allow-dns", "spec.egress[0]")]),
        rules(&[("kube-system/dns-from-cluster", "spec.ingress[0]")]),
        &part.peers[0].grants[0],
    );
    // ipBlock 203.0.113.0/24 except 203.0.113.128/25.
    assert_eq!(part.external.len(), 1);
    let ext = &part.external[0];
    assert_eq!((ext.addresses.as_str(), ext.cidrs.clone()), ("203.0.113.0/25", vec!["203.0.113.0/25".to_string()]));
    line("443/TCP", rules(&[("shop/api-to-payments", "spec.egress[0]")]), Access::NotChecked, &ext.grants[0]);
    assert!(r.statement().contains("may reach only kube-system/deployment/coredns (2 pods) on 53/TCP+UDP and"));
    assert!(
        r.statement().ends_with("Outside the cluster it may reach 203.0.113.0/25 on 443/TCP."),
        "{}",
        r.statement()
    );
}

#[test]
fn the_internet_reaches_the_frontend_through_an_ip_block_with_excepts() {
    let r = ask(&example(), "shop/deployment/frontend", Direction::Ingress);
    assert_eq!((r.kind, r.pods, r.parts.len()), ("workload", 2, 1));
    let ext = &r.parts[0].external;
    assert_eq!(ext.len(), 1);
    assert_eq!(ext[0].addresses, "0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16");
    assert_eq!(ext[0].ports.to_string(), "8080/TCP");
    assert!(ext[0].cidrs.contains(&"11.0.0.0/8".to_string()) && !ext[0].cidrs.iter().any(|c| c.starts_with("10.")));
    line(
        "8080/TCP",
        Access::NotChecked,
        rules(&[("shop/frontend-from-internet", "spec.ingress[0]")]),
        &ext[0].grants[0],
    );
}

#[test]
fn an_address_endpoint() {
    let engine = example();
    assert_eq!(Subject::parse(&engine, "203.0.113.5"), Some(Subject::Address("203.0.113.5".parse().unwrap())));
    // Who may open connections to it: pods whose egress allows it.
    let r = ask(&engine, "203.0.113.5", Direction::Ingress);
    assert_eq!((r.kind, r.parts[0].isolated_by.clone()), ("address", None));
    assert_eq!(
        peers(&r.parts[0].peers).iter().map(|p| p.split(" [").next().unwrap()).collect::<Vec<_>>(),
        [
            "kube-system/deployment/coredns: any port",
            "monitoring/statefulset/prometheus: any port",
            "shop/deployment/api: 443/TCP"
        ]
    );
    line(
        "443/TCP",
        rules(&[("shop/api-to-payments", "spec.egress[0]")]),
        Access::NotChecked,
        &r.parts[0].peers[2].grants[0],
    );
    // 203.0.113.200 is in the except.
    let r = ask(&engine, "203.0.113.200", Direction::Ingress);
    assert!(!r.parts[0].peers.iter().any(|p| p.group == "shop/deployment/api"));
    // What it may open connections to: the frontend, from the internet.
    let r = ask(&engine, "203.0.113.5", Direction::Egress);
    assert_eq!(peers(&r.parts[0].peers).len(), 1);
    assert!(r.statement().starts_with(
        "203.0.113.5 (an address outside the cluster's pods) may reach only shop/deployment/frontend (2 pods) on 8080/TCP, granted by \
         shop/frontend-from-internet spec.ingress[0]."
    ));
}

#[test]
fn endpoints_that_name_nothing() {
    let engine = example();
    for text in ["shop", "shop/nope", "shop/deployment/nope", "a/b/c/d", "shop/api"] {
        assert_eq!(Subject::parse(&engine, text), None, "{text}");
    }
    // The kind in any case.
    assert!(
        matches!(Subject::parse(&engine, "shop/Deployment/api"), Some(Subject::Workload { pods, .. }) if pods.len() == 2)
    );
}

const OPEN: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: open, namespace: lab, labels: {app: open}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: lab, labels: {app: client}}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: locked, namespace: lab, labels: {app: locked}}
status: {podIP: 10.0.0.3}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: locked-egress, namespace: lab}
spec: {podSelector: {matchLabels: {app: locked}}, policyTypes: [Egress]}
"#;

#[test]
fn a_pod_that_is_not_isolated() {
    let engine = from_yaml(OPEN);
    let r = ask(&engine, "lab/open", Direction::Ingress);
    let part = &r.parts[0];
    assert_eq!(part.isolated_by.as_deref(), Some(&[][..]));
    // `locked` may not open connections at all; `client` may, on every port.
    assert_eq!(peers(&part.peers), [r#"lab/client: any port ["lab/client"]"#]);
    line("any port", Access::NotIsolated, Access::NotIsolated, &part.peers[0].grants[0]);
    // S9a: an IPv4-only pod is reachable from IPv4 addresses only.
    assert_eq!(part.external[0].addresses, "0.0.0.0/0");
    let s = r.statement();
    assert!(s.starts_with("lab/open is reachable from lab/client on any port."), "{s}");
    assert!(s.contains("From outside the cluster it is reachable from 0.0.0.0/0 on any port."), "{s}");
    assert!(
        s.contains("Not isolated: no policy selects lab/open for Ingress, so its ingress allows everything"),
        "{s}"
    );
    // The locked pod reaches nothing, and says so.
    let r = ask(&engine, "lab/locked", Direction::Egress);
    assert_eq!(r.parts[0].isolated_by.as_deref().unwrap(), ["lab/locked-egress"]);
    assert!(r.parts[0].peers.is_empty() && r.parts[0].external.is_empty());
    assert_eq!(r.statement(), "lab/locked may reach no pod. It may reach nothing outside the cluster.");
}

/// A Deployment whose pods differ: one carries a canary label that a policy selects, and they
/// define the named port `http` on different numbers.
const CANARY: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web-5f7d8c9b6-aaaaa, namespace: app, labels: {app: web, pod-template-hash: 5f7d8c9b6}}
spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5f7d8c9b6-bbbbb, namespace: app, labels: {app: web, pod-template-hash: 5f7d8c9b6}}
spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.1.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5f7d8c9b6-ccccc, namespace: app, labels: {app: web, track: canary, pod-template-hash: 5f7d8c9b6}}
spec: {containers: [{name: web, ports: [{name: http, containerPort: 9090}]}]}
status: {podIP: 10.1.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: app, labels: {app: probe}}
status: {podIP: 10.1.0.9}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-http, namespace: app}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: probe}}}], ports: [{port: http}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: canary-debug, namespace: app}
spec:
  podSelector: {matchLabels: {track: canary}}
  ingress: [{from: [{podSelector: {matchLabels: {app: probe}}}], ports: [{port: 22}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: probe-out, namespace: app}
spec:
  podSelector: {matchLabels: {app: probe}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}, {port: 22}]}]
"#;

#[test]
fn named_ports_split_a_workload_whose_pods_differ() {
    let engine = from_yaml(CANARY);
    // From the probe: the web pods are one group, in two rows (the named port resolves per pod).
    let r = ask(&engine, "app/probe", Direction::Egress);
    let rows = &r.parts[0].peers;
    assert_eq!(
        peers(rows),
        [
            r#"app/deployment/web: 8080/TCP ["app/web-5f7d8c9b6-aaaaa", "app/web-5f7d8c9b6-bbbbb"]"#,
            r#"app/deployment/web: 22,9090/TCP ["app/web-5f7d8c9b6-ccccc"]"#,
        ]
    );
    assert_eq!((rows[0].group_pods, rows[1].group_pods), (3, 3));
    assert_eq!(rows[1].grants.len(), 2, "22 and 9090 are granted by different rules: {:?}", rows[1].grants);
    line(
        "22/TCP",
        rules(&[("app/probe-out", "spec.egress[0]")]),
        rules(&[("app/canary-debug", "spec.ingress[0]")]),
        &rows[1].grants[0],
    );
    line(
        "9090/TCP",
        rules(&[("app/probe-out", "spec.egress[0]")]),
        rules(&[("app/web-http", "spec.ingress[0]")]),
        &rows[1].grants[1],
    );
    assert!(r.statement().contains("app/deployment/web (1 of 3 pods: app/web-5f7d8c9b6-ccccc) on 22,9090/TCP"));

    // Who reaches the workload: its pods answer in two parts.
    let r = ask(&engine, "app/deployment/web", Direction::Ingress);
    assert_eq!((r.kind, r.pods, r.parts.len()), ("workload", 3, 2));
    assert_eq!(r.parts[0].pods, ["app/web-5f7d8c9b6-aaaaa", "app/web-5f7d8c9b6-bbbbb"]);
    assert_eq!(r.parts[1].pods, ["app/web-5f7d8c9b6-ccccc"]);
    assert_eq!(peers(&r.parts[0].peers), [r#"app/probe: 8080/TCP ["app/probe"]"#]);
    assert_eq!(peers(&r.parts[1].peers), [r#"app/probe: 22,9090/TCP ["app/probe"]"#]);
    assert_eq!(r.parts[1].isolated_by.as_deref().unwrap(), ["app/canary-debug", "app/web-http"]);
    assert!(r.statement().starts_with("The 3 pods of app/deployment/web differ: 2 groups answer differently.\n"));
}

/// Every pod and port the report lists is allowed by `decide`; every pod it leaves out is
/// denied on probe ports; and the lists agree with the whole connectivity map.
fn cross_check(engine: &Engine) {
    let cluster = engine.cluster();
    let conn = engine.connectivity();
    let probes = [1u16, 22, 53, 80, 443, 5432, 8080, 9090, 9100, 9153, 9199, 65535];
    let pod_of = |name: &str| {
        let (ns, n) = name.split_once('/').unwrap();
        cluster.pod_id(ns, n).unwrap()
    };
    for s in 0..cluster.pods().len() {
        let subject = PodId(s as u32);
        for direction in [Direction::Ingress, Direction::Egress] {
            let r = reach(engine, &Subject::Pod(subject), direction);
            assert_eq!(r.parts.len(), 1);
            let part = &r.parts[0];
            let mut listed = BTreeSet::new();
            for row in &part.peers {
                for name in &row.pods {
                    let peer = pod_of(name);
                    assert_ne!(peer, subject, "self is never a peer");
                    listed.insert(peer);
                    let (src, dst) = if direction == Direction::Ingress { (peer, subject) } else { (subject, peer) };
                    assert_eq!(conn.between(src, dst), row.ports, "{name} {direction:?} {}", r.subject);
                    for p in Protocol::ALL {
                        for &(a, b) in row.ports.ranges(p) {
                            for port in [a, b, a + (b - a) / 2] {
                                let v = engine.decide(Endpoint::Pod(src), Endpoint::Pod(dst), port, p);
                                assert!(v.is_allowed(), "{name} {port}/{p} listed but denied");
                            }
                        }
                    }
                }
            }
            for o in (0..cluster.pods().len()).map(|i| PodId(i as u32)).filter(|o| *o != subject && !listed.contains(o))
            {
                let (src, dst) = if direction == Direction::Ingress { (o, subject) } else { (subject, o) };
                assert!(conn.between(src, dst).is_empty());
                for p in Protocol::ALL {
                    for port in probes {
                        assert!(!engine.decide(Endpoint::Pod(src), Endpoint::Pod(dst), port, p).is_allowed());
                    }
                }
            }
            // External ranges: the same addresses and ports as the map.
            let map = if direction == Direction::Ingress {
                conn.ingress_external(subject)
            } else {
                conn.egress_external(subject)
            };
            let mut from_map: Vec<(String, String)> = map
                .iter()
                .flat_map(|(range, set)| range.cidrs().into_iter().map(move |c| (c.to_string(), set.to_string())))
                .collect();
            let mut from_report: Vec<(String, String)> = part
                .external
                .iter()
                .flat_map(|row| row.cidrs.iter().map(move |c| (c.clone(), row.ports.to_string())))
                .collect();
            from_map.sort();
            from_report.sort();
            assert_eq!(from_report, from_map, "{} {direction:?}", r.subject);
            // The one-row API agrees with the map.
            let one = engine.connectivity_of(subject, direction);
            for (peer, set) in &one.pods {
                let (src, dst) = if direction == Direction::Ingress { (*peer, subject) } else { (subject, *peer) };
                assert_eq!(conn.between(src, dst), *set);
            }
            let from_one: Vec<_> = one.external.iter().map(|(r, s)| (*r, s)).collect();
            assert_eq!(from_one, map);
        }
    }
}

#[test]
fn the_report_does_not_lie() {
    cross_check(&example());
    cross_check(&from_yaml(CANARY));
    cross_check(&from_yaml(OPEN));
    // Under the other readings of S9 and S12 too.
    let options = Options { self_traffic: SelfTraffic::Evaluate, ip_block_matches_pods: false, ..Options::default() };
    cross_check(&Compiler::new().options(options).compile(example().cluster()));
    cross_check(&Compiler::new().options(options).compile(&Cluster::from_yaml_str(CANARY).unwrap()));
}

/// Namespaces whose every pod is a peer on the same ports fold into one item of the statement;
/// the whole cluster too. The table still lists each peer group.
#[test]
fn whole_namespaces_fold_in_the_statement() {
    let mut yaml = String::new();
    for ns in ["a", "b", "c", "d"] {
        for i in 0..2 {
            yaml.push_str(&format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: {ns}, labels: {{app: x{i}}}}}\n---\n"
            ));
        }
    }
    yaml.push_str(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: db-0, namespace: db, labels: {app: db}}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {name: cache-0, namespace: db, labels: {app: cache}}\n---\n\
         apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: db}\n\
         spec:\n  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n    ports: [{port: 5432}]\n",
    );
    let engine = from_yaml(&yaml);
    let r = ask(&engine, "db/db-0", Direction::Ingress);
    assert_eq!(
        r.statement(),
        "db/db-0 is reachable only from every other pod in the cluster (9 pods in 5 namespaces) on 5432/TCP. \
         It is not reachable from outside the cluster."
    );
    assert_eq!(r.parts[0].peers.iter().map(|p| p.pods.len()).sum::<usize>(), 9, "{}", r.to_text());

    // With the cache pod's egress denied, the other four namespaces fold into one item.
    yaml.push_str(
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: cache, namespace: db}\n\
         spec: {podSelector: {matchLabels: {app: cache}}, policyTypes: [Egress]}\n",
    );
    let r = ask(&from_yaml(&yaml), "db/db-0", Direction::Ingress);
    assert_eq!(
        r.statement(),
        "db/db-0 is reachable only from every pod of 4 namespaces (8 pods) on 5432/TCP. \
         It is not reachable from outside the cluster."
    );
}

/// S15: a connection an admin Accept grants names that cluster policy and rule.
#[test]
fn an_admin_accept_is_named_as_the_grant() {
    let engine = from_yaml(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: ops, labels: {team: ops}}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {name: db, namespace: shop}\nstatus: {phase: Running, podIP: 10.3.0.10}\n---\n\
         apiVersion: v1\nkind: Pod\nmetadata: {name: tool, namespace: ops}\nstatus: {phase: Running, podIP: 10.3.1.10}\n---\n\
         apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n\
         spec: {podSelector: {}, policyTypes: [Ingress]}\n---\n\
         apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ops-in}\n\
         spec: {tier: Admin, priority: 3, subject: {namespaces: {}}, ingress: [{action: Accept, from: \
         [{namespaces: {matchLabels: {team: ops}}}], protocols: [{tcp: {destinationPort: {number: 5432}}}]}]}\n",
    );
    let r = ask(&engine, "shop/db", Direction::Ingress);
    let part = &r.parts[0];
    assert_eq!(peers(&part.peers), ["ops/tool: 5432/TCP [\"ops/tool\"]"]);
    let grant = rules(&[("ClusterNetworkPolicy ops-in", "spec.ingress[0] (admin tier)")]);
    line("5432/TCP", Access::NotIsolated, grant, &part.peers[0].grants[0]);
}
