//! `netpol flows` as a CI gate uses it: exit codes, text, JSON, several files and stdin.

mod common;

use serde_json::Value;

use common::{netpol, netpol_stdin, path, repo, stderr, stdout};

#[test]
fn the_example_traffic_passes_under_the_example_policies() {
    let out = netpol(&["flows", &path("examples/cluster.yaml"), "--flows", &path("examples/flows/hubble.jsonl")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "records: 21 read, 4 skipped, 0 unresolved; 17 decided as 14 distinct flows\n\
             allowed: 13 flows, 16 records\n\
             would be denied: 0 flows, 0 records\n\
             observed dropped, still denied: 1 flow, 1 record\n\
             observed dropped, now allowed: 0 flows, 0 records dropped\n\
             rules: 9 of 10 used by observed flows\n"
        ),
        "{text}"
    );
    assert!(text.contains("\nUNUSED RULES (no observed flow uses them: candidates for tightening)\n  kube-system/dns-from-cluster spec.ingress[1]\n"), "{text}");
    assert!(
        text.contains(
            "  shop/api-5b9c7d6f4-h2x8n {app=api,tier=backend} -> shop/api-7f6d5c8b9-4kx8m by labels (1 record)\n"
        ),
        "{text}"
    );
    assert!(text.contains("  reply packets (not new connections): 1 record\n"), "{text}");
    assert!(!text.contains("WOULD BE DENIED"), "{text}");
}

#[test]
fn a_seeded_policy_change_fails_the_gate_naming_the_broken_flows() {
    let out = netpol(&[
        "flows",
        &path("examples/cluster.yaml"),
        &path("examples/flows/broken/prometheus-egress.yaml"),
        "--flows",
        &path("examples/flows/hubble.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("would be denied: 3 flows, 3 records\n"), "{text}");
    assert!(
        text.contains(
            "\nWOULD BE DENIED (observed traffic these policies block)\n\
             \x20 monitoring/statefulset/prometheus -> shop/deployment/api  9090/TCP  (2 flows, 2 records)\n\
             \x20   DENIED: monitoring/prometheus-0 -> shop/api-7f6d5c8b9-4kx8m on 9090/TCP\n\
             \x20   egress at monitoring/prometheus-0: DENIED\n\
             \x20     isolated by: monitoring/prometheus-egress\n"
        ),
        "{text}"
    );
    assert!(text
        .contains("  monitoring/statefulset/prometheus -> shop/statefulset/postgres  9187/TCP  (1 flow, 1 record)\n"));
}

#[test]
fn max_groups_caps_the_explained_groups_and_counts_the_rest() {
    let out = netpol(&[
        "flows",
        &path("examples/cluster.yaml"),
        &path("examples/flows/broken/prometheus-egress.yaml"),
        "--flows",
        &path("examples/flows/hubble.jsonl"),
        "--max-groups",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    // Most records first: the api scrapes (2 records) are explained, the postgres one counted.
    assert!(
        text.contains("  monitoring/statefulset/prometheus -> shop/deployment/api  9090/TCP  (2 flows, 2 records)\n")
    );
    assert!(!text.contains("-> shop/statefulset/postgres"), "{text}");
    assert!(
        text.contains(
            "  ... and 1 more group (1 flow, 1 record): -o json lists every group, --max-groups shows more\n"
        ),
        "{text}"
    );
}

#[test]
fn json_shape() {
    let out = netpol(&[
        "flows",
        &path("examples/cluster.yaml"),
        &path("examples/flows/broken/prometheus-egress.yaml"),
        "--flows",
        &path("examples/flows/hubble.jsonl"),
        "-o",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        v["summary"],
        serde_json::json!({"records": 21, "skipped": 4, "unresolved": 0, "flows": 14,
            "allowed": {"flows": 10, "records": 13}, "denied": {"flows": 3, "records": 3},
            "still_dropped": {"flows": 1, "records": 1}, "newly_allowed": {"flows": 0, "records": 0},
            "rules": 11, "unused_rules": 3})
    );
    let d = &v["denied"][0];
    assert_eq!(d["from"], "monitoring/statefulset/prometheus");
    assert_eq!(d["to"], "shop/deployment/api");
    assert_eq!(d["ports"], serde_json::json!({"TCP": ["9090"]}));
    assert_eq!((d["flows"].as_u64(), d["records"].as_u64()), (Some(2), Some(2)));
    assert_eq!(d["example"]["egress"]["isolating_policies"], serde_json::json!(["monitoring/prometheus-egress"]));
    assert_eq!(
        v["unused_rules"][0],
        serde_json::json!({"policy": "kube-system/dns-from-cluster", "direction": "ingress", "rule": 1, "path": "spec.ingress[1]"})
    );
    let api_to_pg = v["rules"].as_array().unwrap().iter().find(|r| r["policy"] == "shop/postgres-from-api").unwrap();
    assert_eq!((api_to_pg["flows"].as_u64(), api_to_pg["records"].as_u64()), (Some(2), Some(3)));
    assert_eq!(v["matched"][0]["by"], "labels");
    assert_eq!(
        v["skipped"][0],
        serde_json::json!({"reason": "reply", "description": "reply packets (not new connections)", "records": 1})
    );
    assert_eq!(v["unresolved"], serde_json::json!([]));
}

#[test]
fn several_flow_files_and_stdin() {
    let csv = std::fs::read_to_string(repo().join("examples/flows/flows.csv")).unwrap();
    let out = netpol_stdin(
        &["flows", &path("examples/cluster.yaml"), "--flows", "-", "--flows", &path("examples/flows/hubble.jsonl")],
        &csv,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("records: 1132 read, 4 skipped, 0 unresolved; 1128 decided as 14 distinct flows\n"),
        "{}",
        stdout(&out)
    );
    // No progress line when stderr is not a terminal.
    assert!(!stderr(&out).contains("reading flows"), "{}", stderr(&out));
}

#[test]
fn bad_input_exits_2_and_names_the_line() {
    let cluster = path("examples/cluster.yaml");
    let out =
        netpol_stdin(&["flows", &cluster, "--flows", "-"], "src,dst,port\nshop/a,shop/b,80\nshop/a,shop/b,eighty\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: <stdin>:3: port: expected a port 1-65535; got \"eighty\""),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    // A format given explicitly is used for every file.
    let out = netpol(&["flows", &cluster, "--flows", &path("examples/flows/flows.csv"), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("flows.csv:1: "), "{}", stderr(&out));
    // Missing flow file, missing --flows, stdin twice.
    assert_eq!(netpol(&["flows", &cluster, "--flows", "/nonexistent.jsonl"]).status.code(), Some(2));
    assert_eq!(netpol(&["flows", &cluster]).status.code(), Some(2));
    assert_eq!(netpol(&["flows", "-", "--flows", "-"]).status.code(), Some(2));
}

#[test]
fn unresolved_pods_are_reported_not_dropped() {
    let out = netpol_stdin(
        &["flows", &path("examples/cluster.yaml"), "--flows", "-"],
        "{\"src\": \"shop/ghost-1\", \"dst\": \"shop/postgres-0\", \"port\": 5432, \"count\": 7}\n",
    );
    // Reported, and the gate fails: nothing was decided (`--max-unresolved` is 0).
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("records: 7 read, 0 skipped, 7 unresolved; 0 decided as 0 distinct flows\n"), "{text}");
    assert!(
        text.contains("\nUNRESOLVED (not decided)\n  shop/ghost-1: pod not in the cluster, and the flow carries no labels to match it by (7 records)\n"),
        "{text}"
    );
}

#[test]
fn an_over_long_flow_line_is_refused_quoting_200_bytes() {
    let line = format!("{{\"src\": \"{}\", \"dst\": \"shop/api\", \"port\": 80}}\n", "a".repeat(1 << 20));
    let out = common::netpol_stdin(&["flows", &common::example(), "--flows", "-"], &line);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{}", &err[..err.len().min(500)]);
    assert!(err.contains("<stdin>:1: line over the limit of 65536 bytes") && err.len() < 2_000, "{err}");
    let raised = ["flows", &common::example(), "--flows", "-", "--max-line-bytes", "2000000"];
    let out = common::netpol_stdin(&raised, &line);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{}", &err[..err.len().min(500)]);
    assert!(err.contains(&format!("\"{}…\"", "a".repeat(200))) && err.len() < 2_000, "{err}");
    // The input cap.
    let out = common::netpol_stdin(&["flows", &common::example(), "--flows", "-", "--max-flow-bytes", "100"], &line);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("more than 100 bytes: over the limit"), "{}", common::stderr(&out));
}

#[test]
fn a_depth_limit_over_the_maximum_is_a_usage_error() {
    let out = common::netpol(&["matrix", &common::example(), "--port", "80", "--limit", "depth=100000"]);
    let err = common::stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("the `depth` limit is at most 128"), "{err}");
}
