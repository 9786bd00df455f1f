//! `netpol::flows`: flow records (Hubble, JSONL, CSV) resolved against a cluster, folded and
//! replayed through the policies.

use std::io::Cursor;
use std::path::Path;

use netpol::flows::{read_flows, replay, FlowFormat, FlowSet, FlowSetBuilder, MatchedBy, SkipReason};
use netpol::k8s::{LoadOptions, Loader};
use netpol::{Compiler, Direction, Endpoint, Engine, Protocol};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn engine(paths: &[&str]) -> Engine {
    let mut loader = Loader::new(LoadOptions::default());
    for p in paths {
        loader.add_path(&repo().join(p));
    }
    Compiler::new().compile(&loader.finish().unwrap_or_else(|e| panic!("{e}")))
}

fn example() -> Engine {
    engine(&["examples/cluster.yaml"])
}

fn read(engine: &Engine, text: &str, format: FlowFormat) -> FlowSet {
    read_flows(Cursor::new(text), "test", format, engine, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}

fn read_err(engine: &Engine, text: &str, format: FlowFormat) -> Vec<String> {
    match read_flows(Cursor::new(text), "flows.txt", format, engine, &mut |_| {}) {
        Ok(set) => panic!("expected errors, got {set:?}"),
        Err(e) => e.diagnostics().iter().map(ToString::to_string).collect(),
    }
}

fn hubble_file(engine: &Engine) -> FlowSet {
    let text = std::fs::read_to_string(repo().join("examples/flows/hubble.jsonl")).unwrap();
    read(engine, &text, FlowFormat::Auto)
}

fn pod(engine: &Engine, name: &str) -> Endpoint {
    engine.parse_endpoint(name).unwrap_or_else(|| panic!("{name}"))
}

fn skipped(set: &FlowSet, reason: SkipReason) -> u64 {
    set.skipped.iter().find(|(r, _)| *r == reason).map_or(0, |(_, n)| *n)
}

#[test]
fn the_bundled_hubble_export_resolves_every_record() {
    let e = example();
    let set = hubble_file(&e);
    assert_eq!(set.records, 21);
    assert_eq!(skipped(&set, SkipReason::Reply), 1);
    assert_eq!(skipped(&set, SkipReason::Icmp), 1);
    assert_eq!(skipped(&set, SkipReason::NodeTraffic), 1);
    assert_eq!(skipped(&set, SkipReason::NotAFlow), 1);
    assert_eq!(set.unresolved_records, 0);
    assert_eq!(set.decided_records(), 17);
    // frontend -> api seen at both ends is one flow of two records.
    let (fe, api) = (pod(&e, "shop/frontend-6c8f9b7d4-2lmnp"), pod(&e, "shop/api-7f6d5c8b9-4kx8m"));
    let f = set.flows.iter().find(|f| f.src == fe && f.dst == api).unwrap();
    assert_eq!((f.port, f.protocol, f.count), (8080, Protocol::Tcp, 2));
    // The internet is an address outside the pods.
    assert!(set.flows.iter().any(|f| f.src == Endpoint::Ip("198.51.100.23".parse().unwrap()) && f.dst == fe));
    // The pod of the api's previous ReplicaSet is matched by its labels.
    assert_eq!(set.substitutes.len(), 1);
    let s = &set.substitutes[0];
    assert!(s.observed.starts_with("shop/api-5b9c7d6f4-h2x8n"), "{}", s.observed);
    assert_eq!((s.by, s.records), (MatchedBy::Labels, 1));
    assert_eq!(e.cluster().pod(s.pod).labels.get("app").map(String::as_str), Some("api"));
    // The DROPPED record is kept as dropped.
    let pg = pod(&e, "shop/postgres-0");
    let i = set.flows.iter().position(|f| f.src == fe && f.dst == pg).unwrap();
    assert_eq!((set.flows[i].count, set.dropped[i]), (1, 1));
}

#[test]
fn replaying_the_example_denies_nothing_and_finds_the_unused_rule() {
    let e = example();
    let report = replay(&e, &hubble_file(&e));
    assert!(!report.breaks_traffic(), "{}", report.to_text(e.cluster(), usize::MAX));
    assert_eq!(report.flows, 14);
    assert_eq!(report.allowed, (13, 16));
    assert_eq!(report.still_dropped, (1, 1));
    assert_eq!(report.newly_allowed, (0, 0));
    let unused: Vec<String> = report
        .unused_rules()
        .map(|r| format!("{} {}", e.cluster().policy(r.policy).qualified_name(), r.path()))
        .collect();
    assert_eq!(unused, ["kube-system/dns-from-cluster spec.ingress[1]"]);
    // Rule use counts records that flowed: api -> postgres is 3 records (one by the old pod).
    let id = e.cluster().policies().iter().position(|p| p.qualified_name() == "shop/postgres-from-api").unwrap();
    let usage = report.rules.iter().find(|r| r.policy.index() == id && r.direction == Direction::Ingress).unwrap();
    assert_eq!((usage.flows, usage.records), (2, 3));
    // Used rules with entries no flow needed: DNS over TCP was never observed.
    let entries: Vec<String> = report
        .rules
        .iter()
        .flat_map(|r| {
            let policy = e.cluster().policy(r.policy).qualified_name();
            r.unused_entry_paths().into_iter().map(move |p| format!("{policy} {p}"))
        })
        .collect();
    assert_eq!(
        entries,
        ["kube-system/dns-from-cluster spec.ingress[0].ports[1]", "shop/allow-dns spec.egress[0].ports[1]"]
    );
}

/// Unused peers and ports of used rules: dropping them all keeps every observed flow allowed,
/// and each one dropped alone changes nothing for the observed flows either.
#[test]
fn unused_entries_of_used_rules_can_all_go() {
    let policy = |from: &str, ports: &str| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: a}}\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata: {{name: db, namespace: a, labels: {{app: db}}}}\nstatus: {{podIP: 10.0.0.1}}\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata: {{name: web, namespace: a, labels: {{app: web}}}}\nstatus: {{podIP: 10.0.0.2}}\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata: {{name: job, namespace: a, labels: {{app: job}}}}\nstatus: {{podIP: 10.0.0.3}}\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: db, namespace: a}}\n\
             spec:\n  podSelector: {{matchLabels: {{app: db}}}}\n  ingress:\n  - from: [{from}]\n    ports: [{ports}]\n"
        )
    };
    let engine_of = |yaml: &str| Compiler::new().compile(&netpol::Cluster::from_yaml_str(yaml).unwrap());
    let wide = engine_of(&policy(
        "{podSelector: {matchLabels: {app: web}}}, {podSelector: {matchLabels: {app: job}}}, {ipBlock: {cidr: 192.0.2.0/24}}",
        "{port: 5432}, {port: 5400, endPort: 5500}, {port: 9187}",
    ));
    let flows = "src,dst,port\na/web,a/db,5432\na/web,a/db,5433\n192.0.2.9,a/db,5432\n";
    let set = read(&wide, flows, FlowFormat::Csv);
    let report = replay(&wide, &set);
    assert!(!report.breaks_traffic());
    let usage = &report.rules[0];
    assert_eq!((usage.flows, usage.unused_peers.clone(), usage.unused_ports.clone()), (3, vec![1], vec![2]));
    assert_eq!(usage.unused_entry_paths(), ["spec.ingress[0].from[1]", "spec.ingress[0].ports[2]"]);
    // The tightened policy still allows every observed flow, and denies what it dropped.
    let tight = engine_of(&policy(
        "{podSelector: {matchLabels: {app: web}}}, {ipBlock: {cidr: 192.0.2.0/24}}",
        "{port: 5432}, {port: 5400, endPort: 5500}",
    ));
    let report = replay(&tight, &read(&tight, flows, FlowFormat::Csv));
    assert!(!report.breaks_traffic());
    assert_eq!(report.rules[0].unused_entry_paths(), Vec::<String>::new());
    let (job, db) = (pod(&tight, "a/job"), pod(&tight, "a/db"));
    assert!(!tight.decide(job, db, 5432, Protocol::Tcp).is_allowed());
    assert!(!tight.decide(pod(&tight, "a/web"), db, 9187, Protocol::Tcp).is_allowed());
}

#[test]
fn a_seeded_policy_change_breaks_the_scrapes() {
    let e = engine(&["examples/cluster.yaml", "examples/flows/broken/prometheus-egress.yaml"]);
    let report = replay(&e, &hubble_file(&e));
    assert!(report.breaks_traffic());
    assert_eq!(report.denied, (3, 3));
    let groups: Vec<(&str, &str, String, usize)> =
        report.denied_groups.iter().map(|g| (g.from.as_str(), g.to.as_str(), g.ports.to_string(), g.flows)).collect();
    assert_eq!(
        groups,
        [
            ("monitoring/statefulset/prometheus", "shop/deployment/api", "9090/TCP".to_string(), 2),
            ("monitoring/statefulset/prometheus", "shop/statefulset/postgres", "9187/TCP".to_string(), 1),
        ]
    );
    let g = &report.denied_groups[0];
    assert!(!g.explanation.egress.allowed() && g.explanation.ingress.allowed());
    let text = g.report(e.cluster());
    assert!(text.contains("isolated by: monitoring/prometheus-egress"), "{text}");
    // The scrapes no longer use shop/allow-monitoring.
    let text = report.to_text(e.cluster(), usize::MAX);
    assert!(text.contains("  shop/allow-monitoring spec.ingress[0]\n"), "{text}");
    let json = report.to_json(e.cluster());
    assert_eq!(json["summary"]["denied"], serde_json::json!({"flows": 3, "records": 3}));
    assert_eq!(json["denied"][0]["ports"], serde_json::json!({"TCP": ["9090"]}));
    assert_eq!(json["denied"][0]["example"]["egress"]["reason"], "no-rule-admits");
}

#[test]
fn the_csv_form_decides_like_the_hubble_form() {
    let e = example();
    let text = std::fs::read_to_string(repo().join("examples/flows/flows.csv")).unwrap();
    let set = read(&e, &text, FlowFormat::Auto);
    assert_eq!(set.records, 1111);
    assert_eq!(set.decided_records(), 1111);
    // 10.244.1.31 is the api pod's IP: resolved to the pod.
    let (api, pg) = (pod(&e, "shop/api-7f6d5c8b9-4kx8m"), pod(&e, "shop/postgres-0"));
    assert!(set.flows.iter().any(|f| f.src == api && f.dst == pg && f.count == 88));
    let report = replay(&e, &set);
    assert!(!report.breaks_traffic());
    assert_eq!(report.still_dropped, (1, 3));
}

#[test]
fn jsonl_with_labels_counts_and_verdicts() {
    let e = example();
    let text = r#"
{"src": "shop/frontend-6c8f9b7d4-2lmnp", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "count": 5}
{"src": "shop/frontend-6c8f9b7d4-2lmnp", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "protocol": "tcp", "count": 2}
{"src": "shop/frontend-0", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "src_labels": {"app": "frontend", "tier": "web", "pod-template-hash": "111"}}
{"src": "shop/ghost", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "count": 4}
{"src": "shop/ghost", "dst": "shop/postgres-0", "port": 5432}
{"src": "shop/api-7f6d5c8b9-4kx8m", "dst": "shop/frontend-6c8f9b7d4-2lmnp", "port": 8080, "verdict": "DROPPED", "count": 6}
"#;
    let set = read(&e, text, FlowFormat::Auto);
    assert_eq!(set.records, 19);
    // Same four fields fold; the pod gone since folds in through its labels.
    let (fe, api) = (pod(&e, "shop/frontend-6c8f9b7d4-2lmnp"), pod(&e, "shop/api-7f6d5c8b9-4kx8m"));
    let f = set.flows.iter().find(|f| f.src == fe && f.dst == api).unwrap();
    assert_eq!(f.count, 8);
    assert_eq!(set.substitutes[0].observed, "shop/frontend-0 {app=frontend,pod-template-hash=111,tier=web}");
    // A pod with no labels to match by is reported with its records, never dropped.
    assert_eq!(set.unresolved_records, 5);
    assert_eq!(set.unresolved.len(), 1);
    assert_eq!(set.unresolved[0].endpoint, "shop/ghost");
    assert_eq!(set.unresolved[0].records, 5);
    assert!(set.unresolved[0].reason.contains("no labels"), "{}", set.unresolved[0].reason);
    // api -> frontend was observed dropped and is still denied: consistent, not a failure.
    let report = replay(&e, &set);
    assert_eq!(report.still_dropped, (1, 6));
    assert!(!report.breaks_traffic());
}

/// Hubble reports a packet where it leaves (FORWARDED by the source's egress) and again where the
/// destination's ingress drops it: one dropped record makes the flow one the cluster refuses, so
/// it neither fails the gate nor is allowed by a suggestion.
#[test]
fn a_flow_forwarded_at_the_source_and_dropped_at_the_destination_is_refused() {
    let e = example();
    let line = |verdict: &str, point: &str| {
        format!(
            r#"{{"flow":{{"verdict":"{verdict}","IP":{{"source":"10.244.1.21","destination":"10.244.2.40"}},"l4":{{"TCP":{{"source_port":40000,"destination_port":5432,"flags":{{"SYN":true}}}}}},"source":{{"namespace":"shop","pod_name":"frontend-6c8f9b7d4-2lmnp"}},"destination":{{"namespace":"shop","pod_name":"postgres-0"}},"Type":"L3_L4","trace_observation_point":"{point}","is_reply":false}}}}"#
        )
    };
    let text = format!("{}\n{}\n", line("FORWARDED", "TO_OVERLAY"), line("DROPPED", "TO_ENDPOINT"));
    let set = read(&e, &text, FlowFormat::Hubble);
    assert_eq!((set.flows.len(), set.flows[0].count, set.dropped[0]), (1, 2, 1));
    let report = replay(&e, &set);
    assert_eq!((report.denied, report.still_dropped), ((0, 0), (1, 2)));
    assert!(!report.breaks_traffic());
    let (allow, refused) = set.split_dropped(false);
    assert_eq!((allow.len(), refused.len()), (0, 1));
    assert_eq!(set.split_dropped(true).0.len(), 1);
}

#[test]
fn a_file_that_is_not_hubble_is_an_error_not_an_empty_capture() {
    let e = example();
    let errors = read_err(&e, "{\"from\": \"shop/a\", \"to\": \"shop/b\"}\n", FlowFormat::Hubble);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("flows.txt:1: flow: not a Hubble flow"), "{errors:?}");
    // Hubble's own non-flow lines are skipped as such.
    let set = read(&e, "{\"node_status\": {\"state_change\": \"NODE_CONNECTED\"}}\n", FlowFormat::Hubble);
    assert_eq!(skipped(&set, SkipReason::NotAFlow), 1);
}

#[test]
fn huge_counts_saturate_instead_of_overflowing() {
    let e = example();
    let line = r#"{"src": "shop/frontend-6c8f9b7d4-2lmnp", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "count": 18446744073709551615}"#;
    let dropped = r#"{"src": "shop/frontend-6c8f9b7d4-2lmnp", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "count": 18446744073709551615, "verdict": "DROPPED"}"#;
    let set = read(&e, &format!("{line}\n{line}\n{dropped}\n{dropped}\n"), FlowFormat::Jsonl);
    assert_eq!((set.records, set.flows[0].count, set.dropped[0]), (u64::MAX, u64::MAX, u64::MAX));
    let report = replay(&e, &set);
    assert_eq!(report.allowed, (1, u64::MAX));
    assert!(!report.to_text(e.cluster(), 20).is_empty());
}

#[test]
fn observed_drops_now_allowed_are_a_widening() {
    let e = example();
    let text = "src,dst,port,verdict,count\n\
                shop/frontend-6c8f9b7d4-2lmnp,shop/api-7f6d5c8b9-4kx8m,8080,DROPPED,3\n\
                shop/frontend-6c8f9b7d4-2lmnp,shop/api-7f6d5c8b9-4kx8m,8080,FORWARDED,1\n";
    let report = replay(&e, &read(&e, text, FlowFormat::Csv));
    assert_eq!(report.newly_allowed, (1, 3));
    assert_eq!(report.newly_allowed_groups[0].from, "shop/deployment/frontend");
    assert_eq!(report.allowed, (1, 4));
    // Rule use counts only the record that flowed.
    let used: u64 = report.rules.iter().map(|r| r.records).max().unwrap();
    assert_eq!(used, 1);
}

#[test]
fn denied_traffic_is_grouped_by_workload_with_an_explanation() {
    let e = example();
    let text = "src,dst,port,protocol\n\
                shop/frontend-6c8f9b7d4-2lmnp,shop/postgres-0,5432,TCP\n\
                shop/frontend-6c8f9b7d4-8hq7r,shop/postgres-0,5432,TCP\n\
                shop/frontend-6c8f9b7d4-8hq7r,shop/postgres-0,5433,TCP\n\
                shop/frontend-6c8f9b7d4-8hq7r,shop/postgres-0,5433,TCP\n\
                shop/api-7f6d5c8b9-4kx8m,198.51.100.1,443,TCP\n";
    let report = replay(&e, &read(&e, text, FlowFormat::Auto));
    assert_eq!(report.denied, (4, 5));
    let g = &report.denied_groups[0];
    assert_eq!((g.from.as_str(), g.to.as_str()), ("shop/deployment/frontend", "shop/statefulset/postgres"));
    assert_eq!((g.ports.to_string(), g.flows, g.records), ("5432-5433/TCP".to_string(), 3, 4));
    // The example is the flow with the most records.
    assert_eq!(g.example.2, 5433);
    let text = g.report(e.cluster());
    assert!(text.starts_with("DENIED: shop/frontend-6c8f9b7d4-8hq7r -> shop/postgres-0 on 5433/TCP"), "{text}");
    let ext = &report.denied_groups[1];
    assert_eq!((ext.from.as_str(), ext.to.as_str()), ("shop/deployment/api", "198.51.100.1"));
}

#[test]
fn hubble_fields_replies_and_label_sources() {
    let e = example();
    // A bare flow object (no GetFlowsResponse wrapper), older `reply`, a SYN+ACK without
    // is_reply, an L7 record without l4, SCTP, port 0 and a socket trace.
    let src = r#""source":{"namespace":"shop","pod_name":"frontend-6c8f9b7d4-2lmnp"},"destination":{"namespace":"shop","pod_name":"api-7f6d5c8b9-4kx8m"}"#;
    let text = [
        format!(r#"{{{src},"l4":{{"TCP":{{"destination_port":8080}}}},"verdict":"FORWARDED"}}"#),
        format!(r#"{{"flow":{{{src},"l4":{{"TCP":{{"destination_port":8080}}}},"reply":true}}}}"#),
        format!(
            r#"{{"flow":{{{src},"l4":{{"TCP":{{"destination_port":35012,"flags":{{"SYN":true,"ACK":true}}}}}}}}}}"#
        ),
        format!(r#"{{"flow":{{{src},"Type":"L7","l7":{{"type":"REQUEST"}}}}}}"#),
        format!(r#"{{"flow":{{{src},"l4":{{"SCTP":{{"destination_port":9999}}}}}}}}"#),
        format!(r#"{{"flow":{{{src},"l4":{{"UDP":{{"source_port":53}}}}}}}}"#),
        format!(r#"{{"flow":{{{src},"Type":"SOCK","l4":{{"TCP":{{"destination_port":8080}}}}}}}}"#),
    ]
    .join("\n");
    let set = read(&e, &text, FlowFormat::Hubble);
    assert_eq!(set.records, 7);
    assert_eq!(skipped(&set, SkipReason::Reply), 2);
    assert_eq!(skipped(&set, SkipReason::NoL4), 1);
    assert_eq!(skipped(&set, SkipReason::NoPort), 1);
    assert_eq!(skipped(&set, SkipReason::SocketTrace), 1);
    let protocols: Vec<(u16, Protocol)> = set.flows.iter().map(|f| (f.port, f.protocol)).collect();
    assert_eq!(protocols, [(8080, Protocol::Tcp), (9999, Protocol::Sctp)]);

    // Labels: `k8s:` source only, Cilium's own dropped; a workload when labels do not match.
    let gone = |name: &str, labels: &str, workloads: &str| {
        format!(
            r#"{{"flow":{{"source":{{"namespace":"shop","pod_name":"{name}","labels":[{labels}]{workloads}}},"destination":{{"namespace":"shop","pod_name":"postgres-0"}},"l4":{{"TCP":{{"destination_port":5432}}}}}}}}"#
        )
    };
    let text = [
        gone("api-old", r#""k8s:app=api","k8s:tier=backend","k8s:io.kubernetes.pod.namespace=shop","k8s:io.cilium.k8s.policy.serviceaccount=default","k8s:io.cilium.k8s.namespace.labels.team=shop","container:x=y""#, ""),
        gone("api-old2", r#""k8s:app=api-v2""#, r#","workloads":[{"name":"frontend","kind":"Deployment"}]"#),
        gone("api-old3", r#""k8s:app=api-v3""#, ""),
    ]
    .join("\n");
    let set = read(&e, &text, FlowFormat::Auto);
    assert_eq!(set.substitutes.len(), 2, "{set:#?}");
    assert_eq!(set.substitutes[0].by, MatchedBy::Labels);
    assert_eq!(set.substitutes[1].by, MatchedBy::Workload);
    assert_eq!(e.cluster().pod(set.substitutes[1].pod).name, "frontend-6c8f9b7d4-2lmnp");
    assert_eq!(set.unresolved.len(), 1);
    assert_eq!(set.unresolved[0].reason, "no pod of shop has these labels");
}

#[test]
fn a_pod_known_by_name_wins_over_its_ip() {
    let e = example();
    // The frontend's name with the api's IP (reused since): the name decides.
    let text = r#"{"flow":{"IP":{"source":"10.244.1.31","destination":"10.244.2.41"},"source":{"namespace":"shop","pod_name":"frontend-6c8f9b7d4-2lmnp"},"destination":{"labels":["reserved:world"]},"l4":{"TCP":{"destination_port":5432}}}}"#;
    let set = read(&e, text, FlowFormat::Auto);
    assert_eq!(set.flows[0].src, pod(&e, "shop/frontend-6c8f9b7d4-2lmnp"));
    // An IP alone resolves to the pod that has it.
    assert_eq!(set.flows[0].dst, pod(&e, "shop/postgres-0"));
}

#[test]
fn malformed_lines_name_file_line_and_field() {
    let e = example();
    let errors = read_err(
        &e,
        "src,dst,port,protocol\n\
         shop/a,shop/b,80,TCP\n\
         shop/a,shop/b,http,TCP\n\
         shop/a,shop/b,80,ICMP\n\
         \n\
         shop/a,nowhere,80,TCP\n\
         shop/a,shop/b,0,TCP\n\
         shop/a,shop/b,80\n",
        FlowFormat::Auto,
    );
    assert_eq!(
        errors,
        [
            "flows.txt:3: port: expected a port 1-65535; got \"http\"",
            "flows.txt:4: protocol: expected TCP, UDP or SCTP; got \"ICMP\" (ICMP has no ports)",
            "flows.txt:6: dst: expected namespace/pod or an IP address; got \"nowhere\"",
            "flows.txt:7: port: expected a port 1-65535; got 0",
            "flows.txt:8: expected 4 columns as in the header; got 3",
        ]
    );
    let errors = read_err(
        &e,
        "{\"src\": \"shop/a\", \"dst\": \"shop/b\", \"port\": \"80\"}\n\
         {\"src\": \"shop/a\", \"dst\": \"shop/b\", \"port\": 80, \"colour\": 1}\n\
         {\"src\": \"shop/a\", \"dst\": \"shop/b\", \"port\": 80, \"verdict\": \"DENY\"}\n\
         {\"src\": \"shop/a\", \"port\": 80}\n\
         not json\n",
        FlowFormat::Jsonl,
    );
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].starts_with("flows.txt:1: port: invalid type: string \"80\""), "{}", errors[0]);
    assert!(errors[1].starts_with("flows.txt:2: colour: unknown field `colour`"), "{}", errors[1]);
    assert!(errors[2].starts_with("flows.txt:3: verdict: unknown verdict \"DENY\""), "{}", errors[2]);
    assert!(errors[3].starts_with("flows.txt:4: missing field `dst`"), "{}", errors[3]);
    assert!(errors[4].starts_with("flows.txt:5: "), "{}", errors[4]);
    let errors = read_err(
        &e,
        r#"{"flow":{"l4":{"TCP":{"destination_port":70000}},"IP":{"source":"1.2.3.4","destination":"5.6.7.8"}}}"#,
        FlowFormat::Auto,
    );
    assert_eq!(errors, ["flows.txt:1: flow.l4: destination_port 70000 is above 65535"]);
    let errors = read_err(&e, "from,to,port\n", FlowFormat::Auto);
    assert!(errors[0].starts_with("flows.txt:1: header: unknown column \"from\""), "{}", errors[0]);
}

#[test]
fn reading_stops_after_max_errors() {
    let e = example();
    let text = "src,dst,port\n".to_string() + &"a,b,c\n".repeat(100);
    let errors = read_err(&e, &text, FlowFormat::Csv);
    assert_eq!(errors.len(), netpol::flows::MAX_ERRORS + 1);
    assert_eq!(errors.last().unwrap(), "flows.txt: stopped after 20 malformed lines");
}

#[test]
fn several_files_fold_into_one_set_with_progress() {
    let e = example();
    let mut builder = FlowSetBuilder::new(&e);
    let mut calls = 0;
    let line = "shop/frontend-6c8f9b7d4-2lmnp,shop/api-7f6d5c8b9-4kx8m,8080\n";
    let big = "src,dst,port\n".to_string() + &line.repeat(40_000);
    builder
        .read(Cursor::new(big.as_bytes()), "a.csv", FlowFormat::Auto, &mut |p| {
            calls += 1;
            assert!(p.bytes > 0);
        })
        .unwrap();
    builder
        .read(
            Cursor::new(r#"{"src":"10.244.1.21","dst":"shop/api-7f6d5c8b9-4kx8m","port":8080}"#),
            "b.jsonl",
            FlowFormat::Auto,
            &mut |_| {},
        )
        .unwrap();
    let set = builder.finish();
    assert!(calls >= 2, "{calls}");
    assert_eq!(set.records, 40_001);
    assert_eq!(set.flows.len(), 1);
    assert_eq!(set.flows[0].count, 40_001);
}

/// A pod gone since stands in for the pods with its labels only when they all decide alike; two
/// versions whose named port differs (and a policy names it) make the flow ambiguous: reported,
/// not guessed.
#[test]
fn a_gone_pod_matches_by_labels_only_when_the_candidates_decide_alike() {
    let pod = |name: &str, port: u16| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: a, labels: {{app: web}}}}\n\
             spec: {{containers: [{{name: c, ports: [{{name: http, containerPort: {port}}}]}}]}}\n---\n"
        )
    };
    let named_policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web, namespace: a}\n\
                        spec: {podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: http}]}]}\n";
    let csv = "src,dst,port\n192.0.2.1,a/web-gone,80\n";
    let jsonl = r#"{"src": "192.0.2.1", "dst": "a/web-gone", "port": 80, "dst_labels": {"app": "web", "pod-template-hash": "zzz"}}"#;
    let engine_of = |yaml: &str| Compiler::new().compile(&netpol::Cluster::from_yaml_str(yaml).unwrap());
    // Same named port on both: one identity, matched.
    let alike = engine_of(&format!("{}{}{named_policy}", pod("web-1", 80), pod("web-2", 80)));
    let set = read(&alike, jsonl, FlowFormat::Jsonl);
    assert_eq!((set.unresolved_records, set.substitutes.len()), (0, 1));
    // `http` is 80 on one and 8080 on the other: they decide 80/TCP differently.
    let differ = engine_of(&format!("{}{}{named_policy}", pod("web-1", 80), pod("web-2", 8080)));
    let set = read(&differ, jsonl, FlowFormat::Jsonl);
    assert_eq!((set.unresolved_records, set.substitutes.len()), (1, 0));
    assert!(set.unresolved[0].reason.contains("differ to the policies"), "{}", set.unresolved[0].reason);
    // Without labels there is nothing to match by.
    let set = read(&differ, csv, FlowFormat::Csv);
    assert_eq!(set.unresolved_records, 1);
}

#[test]
fn over_long_lines_and_inputs_are_refused_and_errors_quote_little() {
    let engine = example();
    let good = r#"{"src": "shop/web-1", "dst": "shop/api-1", "port": 8080}"#;
    // A 1 MiB line: an error naming the line and the limit, quoting at most 200 bytes.
    let long =
        format!("{good}\n{{\"src\": \"{}\", \"dst\": \"shop/api-1\", \"port\": 80}}\n{good}\n", "a".repeat(1 << 20));
    let errors = read_err(&engine, &long, FlowFormat::Jsonl);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(":2: line over the limit of 65536 bytes (raise it with max_line_bytes"),
        "{}",
        errors[0]
    );
    assert!(errors[0].len() < 400 && errors[0].ends_with("aaa…"), "{}", errors[0]);
    // Within a raised line limit, the bad value is quoted cut to 200 bytes.
    let limits = netpol::TextLimits { max_line_bytes: 2 << 20, ..netpol::TextLimits::FLOWS };
    let mut builder = FlowSetBuilder::new(&engine).with_limits(limits);
    let e = builder.read(Cursor::new(long.as_bytes()), "f.jsonl", FlowFormat::Jsonl, &mut |_| {}).unwrap_err();
    let e = e.diagnostics()[0].to_string();
    assert!(e.starts_with("f.jsonl:2: src: ") && e.contains(&format!("\"{}…\"", "a".repeat(200))), "{e}");
    assert!(e.len() < 600, "{} bytes: {}", e.len(), &e[..600]);
    // A serde message quoting an unknown field name is cut too.
    let unknown =
        format!("{{\"src\": \"shop/web-1\", \"dst\": \"shop/api-1\", \"port\": 80, \"{}\": 1}}\n", "k".repeat(5000));
    let errors = read_err(&engine, &unknown, FlowFormat::Jsonl);
    assert!(errors[0].contains(&format!("`{}…`", "k".repeat(200))) && errors[0].len() < 800, "{}", errors[0]);
    // The input cap: reading stops with an error past it.
    let limits = netpol::TextLimits { max_bytes: 1_000, ..netpol::TextLimits::FLOWS };
    let many = format!("{good}\n").repeat(100);
    let mut builder = FlowSetBuilder::new(&engine).with_limits(limits);
    let e = builder.read(Cursor::new(many.as_bytes()), "f.jsonl", FlowFormat::Jsonl, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("more than 1000 bytes: over the limit (raise it with max_flow_bytes"), "{e}");
}
