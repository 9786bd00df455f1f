//! The `netpol` command as scripts use it: formats, sort order and exit codes.

mod common;

use serde_json::Value;

use common::{example, netpol, netpol_stdin, stderr, stdout};

const FRONTEND: &str = "shop/frontend-6c8f9b7d4-2lmnp";
const API: &str = "shop/api-7f6d5c8b9-4kx8m";
const POSTGRES: &str = "shop/postgres-0";

#[test]
fn matrix_json_has_exactly_the_documented_shape() {
    let out = netpol(&["matrix", &example(), "--port", "8080", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["allowed", "pods", "port", "protocol"]);
    assert_eq!(v["port"], 8080);
    assert_eq!(v["protocol"], "TCP");
    let pods: Vec<&str> = v["pods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    // Sorted by namespace, then name; the Succeeded job pod is left out.
    let mut sorted = pods.clone();
    sorted.sort_by_key(|p| p.split_once('/').unwrap());
    assert_eq!(pods, sorted);
    assert_eq!(pods.len(), 8);
    assert!(!pods.iter().any(|p| p.contains("db-migrate")));
    let allowed = v["allowed"].as_array().unwrap();
    assert_eq!(allowed.len(), pods.len());
    let cell = |from: &str, to: &str| {
        let (s, d) = (pods.iter().position(|p| *p == from).unwrap(), pods.iter().position(|p| *p == to).unwrap());
        allowed[s].as_array().unwrap()[d].as_bool().unwrap()
    };
    assert!(cell(FRONTEND, API), "frontend -> api on 8080 is allowed by frontend-to-api and api-from-frontend");
    assert!(!cell(API, FRONTEND), "api -> frontend is denied by default-deny");
    assert!(!cell(FRONTEND, POSTGRES));
    assert!(cell(POSTGRES, POSTGRES), "self traffic is allowed by default");
}

/// `--in-namespace` keeps only those namespaces' pods, as rows and as columns, with the cells
/// of the whole table; a namespace not in the input is an error naming it.
#[test]
fn matrix_in_namespace_shows_only_those_pods() {
    let whole: Value =
        serde_json::from_str(&stdout(&netpol(&["matrix", &example(), "--port", "8080", "-o", "json"]))).unwrap();
    let out = netpol(&[
        "matrix",
        &example(),
        "--port",
        "8080",
        "-o",
        "json",
        "--in-namespace",
        "shop",
        "--in-namespace",
        "monitoring",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let part: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let names = |v: &Value| -> Vec<String> {
        v["pods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()).collect()
    };
    let (all, shown) = (names(&whole), names(&part));
    let expected: Vec<String> =
        all.iter().filter(|p| p.starts_with("shop/") || p.starts_with("monitoring/")).cloned().collect();
    assert_eq!(shown, expected);
    assert!(shown.len() < all.len() && shown.iter().any(|p| p == FRONTEND));
    for (i, from) in shown.iter().enumerate() {
        for (j, to) in shown.iter().enumerate() {
            let (a, b) = (all.iter().position(|p| p == from).unwrap(), all.iter().position(|p| p == to).unwrap());
            assert_eq!(part["allowed"][i][j], whole["allowed"][a][b], "{from} -> {to}");
        }
    }
    let csv = stdout(&netpol(&["matrix", &example(), "--port", "8080", "-o", "csv", "--in-namespace", "monitoring"]));
    assert!(csv.lines().all(|l| !l.contains("shop/")), "{csv}");
    assert_eq!(csv.lines().count(), 1 + expected.iter().filter(|p| p.starts_with("monitoring/")).count());

    let out = netpol(&["matrix", &example(), "--port", "8080", "--in-namespace", "shopp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--in-namespace \"shopp\": no such namespace in the input"), "{}", stderr(&out));
    let out = netpol(&["graph", &example(), "--in-namespace", "shopp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no such namespace"), "{}", stderr(&out));
}

/// `check` takes workloads (every pod pair, exit 0 only when all are allowed) and ports by
/// their container port names (the destination pod's number and protocol).
#[test]
fn check_workloads_and_named_ports() {
    let out = netpol(&[
        "check",
        &example(),
        "--from",
        "shop/deployment/frontend",
        "--to",
        "shop/deployment/api",
        "--port",
        "http",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("4 of 4 pod pairs allowed\n\nALLOWED: "), "{text}");
    assert_eq!(text.matches(" on 8080/TCP").count(), 4, "http is 8080 on the api pods: {text}");

    let json: Value = serde_json::from_str(&stdout(&netpol(&[
        "check",
        &example(),
        "--from",
        "shop/deployment/api",
        "--to",
        "shop/deployment/frontend",
        "--port",
        "8080",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["allowed"], false);
    let pairs = json["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 4);
    assert!(pairs.iter().all(|p| p["allowed"] == false && p["port"] == 8080), "{json}");

    // One pod and a named port: the single-pair report, as with a number.
    let named = stdout(&netpol(&["check", &example(), "--from", API, "--to", POSTGRES, "--port", "postgres"]));
    let numbered = stdout(&netpol(&["check", &example(), "--from", API, "--to", POSTGRES, "--port", "5432"]));
    assert_eq!(named, numbered);
    // A name the pod does not have, a name for an address, a name with the wrong protocol.
    let out = netpol(&["check", &example(), "--from", API, "--to", POSTGRES, "--port", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("shop/postgres-0 has no container port named \"nope\"; it has named ports"),
        "{}",
        stderr(&out)
    );
    let out = netpol(&["check", &example(), "--from", API, "--to", "203.0.113.9", "--port", "https"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("a named port needs a destination pod"), "{}", stderr(&out));
    let out =
        netpol(&["check", &example(), "--from", API, "--to", POSTGRES, "--port", "postgres", "--protocol", "udp"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        netpol(&["check", &example(), "--from", API, "--to", POSTGRES, "--port", "70000"]).status.code(),
        Some(2)
    );
}

#[test]
fn matrix_self_traffic_evaluate_denies_the_diagonal_under_default_deny() {
    let out = netpol(&["matrix", &example(), "--port", "8080", "-o", "json", "--self-traffic", "evaluate"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let pods = v["pods"].as_array().unwrap();
    let i = pods.iter().position(|p| p == POSTGRES).unwrap();
    assert_eq!(v["allowed"][i][i], false);
}

#[test]
fn matrix_csv_and_table() {
    let csv = stdout(&netpol(&["matrix", &example(), "--port", "5432", "-o", "csv"]));
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 9);
    assert!(lines[0].starts_with("from\\to,kube-system/coredns"));
    let api_row = lines.iter().find(|l| l.starts_with(API)).unwrap();
    assert!(api_row.ends_with(",1"), "api -> postgres on 5432 is allowed: {api_row}");
    let table = stdout(&netpol(&["matrix", &example(), "--port", "5432"]));
    assert!(table.contains("legend:"));
    assert!(table.contains(POSTGRES));
}

#[test]
fn check_exit_codes() {
    let allowed = netpol(&["check", &example(), "--from", FRONTEND, "--to", API, "--port", "8080"]);
    assert_eq!(allowed.status.code(), Some(0));
    assert!(stdout(&allowed).starts_with("ALLOWED"));
    let denied = netpol(&["check", &example(), "--from", FRONTEND, "--to", POSTGRES, "--port", "5432"]);
    assert_eq!(denied.status.code(), Some(1));
    assert!(stdout(&denied).starts_with("DENIED"));
    assert!(stdout(&denied).contains("no rule admits"));
    let unknown = netpol(&["check", &example(), "--from", "shop/nope", "--to", API, "--port", "80"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("shop/nope"));
    let bad_protocol =
        netpol(&["check", &example(), "--from", FRONTEND, "--to", API, "--port", "80", "--protocol", "ICMP"]);
    assert_eq!(bad_protocol.status.code(), Some(2));
    let port_zero = netpol(&["check", &example(), "--from", FRONTEND, "--to", API, "--port", "0"]);
    assert_eq!(port_zero.status.code(), Some(2));
    let missing = netpol(&["check", "/nonexistent.yaml", "--from", "a/b", "--to", "a/c", "--port", "80"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/nonexistent.yaml"));
}

#[test]
fn check_text_names_policies_and_yaml_paths() {
    let out = netpol(&["check", &example(), "--from", API, "--to", POSTGRES, "--port", "5432"]);
    let text = stdout(&out);
    assert!(text.contains("admitted by shop/api-to-postgres spec.egress[0].to[0] + spec.egress[0].ports[0]"), "{text}");
    assert!(
        text.contains("admitted by shop/postgres-from-api spec.ingress[0].from[0] + spec.ingress[0].ports[0]"),
        "{text}"
    );
    assert!(text.contains("isolated by: shop/allow-monitoring, shop/default-deny, shop/postgres-from-api"), "{text}");
}

#[test]
fn check_json_between_ip_and_pod() {
    // External client to the frontend: egress is not checked for an IP source (S1).
    let out =
        netpol(&["check", &example(), "--from", "198.51.100.7", "--to", FRONTEND, "--port", "8080", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(v["egress"]["reason"], "not-a-pod");
    assert_eq!(v["ingress"]["reason"], "admitted");
    assert_eq!(v["ingress"]["admitted_by"][0]["policy"], "shop/frontend-from-internet");
    assert_eq!(v["ingress"]["admitted_by"][0]["path"], "spec.ingress[0].from[0] + spec.ingress[0].ports[0]");
    // A private address is in the except list.
    let out = netpol(&["check", &example(), "--from", "10.9.9.9", "--to", FRONTEND, "--port", "8080", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["ingress"]["reason"], "no-rule-admits");
    // The api may reach the payment range, but not its excepted upper half.
    let ok = netpol(&["check", &example(), "--from", API, "--to", "203.0.113.10", "--port", "443"]);
    assert_eq!(ok.status.code(), Some(0));
    let no = netpol(&["check", &example(), "--from", API, "--to", "203.0.113.200", "--port", "443"]);
    assert_eq!(no.status.code(), Some(1));
    // A pod IP means that pod.
    let by_ip = netpol(&["check", &example(), "--from", "10.244.1.21", "--to", API, "--port", "8080", "-o", "json"]);
    let v: Value = serde_json::from_str(&stdout(&by_ip)).unwrap();
    assert_eq!(v["from"], FRONTEND);
    assert_eq!(v["allowed"], true);
}

#[test]
fn stdin_and_directories_are_inputs() {
    let yaml = std::fs::read_to_string(example()).unwrap();
    let out = netpol_stdin(&["check", "-", "--from", FRONTEND, "--to", API, "--port", "8080"], &yaml);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // A directory of manifests, read recursively (examples/ also holds files that are not
    // Kubernetes objects, so copy the cluster into a directory of its own).
    let dir = std::env::temp_dir().join(format!("netpol-cli-dir-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("nested/cluster.yaml"), &yaml).unwrap();
    std::fs::write(dir.join("notes.txt"), "not read: not .yaml, .yml or .json").unwrap();
    let out = netpol(&["check", &dir.display().to_string(), "--from", FRONTEND, "--to", API, "--port", "8080"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn warnings_are_printed() {
    let out = netpol(&["matrix", &example(), "--port", "80"]);
    assert!(stderr(&out).contains("warning:"), "{}", stderr(&out));
    assert!(stderr(&out).contains("db-migrate-28571340-5xq2d: status.phase: pod is Succeeded"));
}

#[test]
fn errors_name_file_object_and_field() {
    let bad = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: bad, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n    - from: [{ipBlock: {cidr: 10.0.0.0/99}}]\n";
    let out = netpol_stdin(&["matrix", "-", "--port", "80"], bad);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("<stdin>"), "{err}");
    assert!(err.contains("NetworkPolicy x/bad"), "{err}");
    assert!(err.contains("spec.ingress[0].from[0].ipBlock.cidr"), "{err}");
    assert!(err.contains("invalid CIDR"), "{err}");
    // Lenient: the policy is skipped and reported, the rest is evaluated.
    let out = netpol_stdin(&["matrix", "-", "--port", "80", "--lenient", "-o", "json"], bad);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("object skipped"), "{}", stderr(&out));
}

#[test]
fn malformed_yaml_exits_2() {
    let out = netpol_stdin(&["matrix", "-", "--port", "80"], "kind: Pod\nmetadata: {name: [\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("malformed YAML"), "{}", stderr(&out));
}

#[test]
fn connectivity_json_lists_only_allowed_pairs_with_ports() {
    let out = netpol(&["connectivity", &example(), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let pairs = v["pairs"].as_array().unwrap();
    let find = |from: &str, to: &str| pairs.iter().find(|p| p["from"] == from && p["to"] == to).cloned();
    assert_eq!(find(FRONTEND, API).unwrap()["ports"], serde_json::json!({"TCP": ["8080"]}));
    assert_eq!(find(API, POSTGRES).unwrap()["ports"], serde_json::json!({"TCP": ["5432"]}));
    assert!(find(FRONTEND, POSTGRES).is_none(), "nothing allowed: omitted");
    assert!(find(API, FRONTEND).is_none());
    assert_eq!(
        find(POSTGRES, POSTGRES).unwrap()["ports"],
        serde_json::json!({"TCP": "all", "UDP": "all", "SCTP": "all"})
    );
    assert_eq!(
        find("monitoring/prometheus-0", API).unwrap()["ports"],
        serde_json::json!({"TCP": ["9090", "9100-9199"]})
    );
    // Every listed pair agrees with `netpol check`.
    for p in pairs.iter().take(12) {
        let (from, to) = (p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
        let tcp = &p["ports"]["TCP"];
        let port = if tcp == "all" {
            "80".to_string()
        } else if let Some(list) = tcp.as_array() {
            list[0].as_str().unwrap().split('-').next().unwrap().to_string()
        } else {
            continue;
        };
        let check = netpol(&["check", &example(), "--from", from, "--to", to, "--port", &port]);
        assert_eq!(check.status.code(), Some(0), "{from} -> {to} on {port}");
    }
    let external = v["external"].as_array().unwrap();
    let api = external.iter().find(|e| e["pod"] == API).unwrap();
    assert_eq!(api["egress"][0]["cidrs"], serde_json::json!(["203.0.113.0/25"]));
    assert_eq!(api["egress"][0]["ports"], serde_json::json!({"TCP": ["443"]}));
    let frontend = external.iter().find(|e| e["pod"] == FRONTEND).unwrap();
    let ingress_cidrs: Vec<&str> = frontend["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["cidrs"].as_array().unwrap())
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(ingress_cidrs.contains(&"8.0.0.0/7"), "{ingress_cidrs:?}");
    assert!(!ingress_cidrs.iter().any(|c| c.starts_with("10.")), "private ranges are excepted: {ingress_cidrs:?}");
}

#[test]
fn connectivity_csv_and_table() {
    let csv = stdout(&netpol(&["connectivity", &example(), "-o", "csv"]));
    assert!(csv.starts_with("from,to,protocol,ports\n"));
    assert!(csv.contains(&format!("{FRONTEND},{API},TCP,8080\n")), "{csv}");
    assert!(csv.contains(&format!("{API},203.0.113.0/25,TCP,443\n")), "{csv}");
    let table = stdout(&netpol(&["connectivity", &example()]));
    assert!(table.contains("allowed pod pairs"));
    assert!(table.contains("external addresses:"));
}

#[test]
fn bench_reports_the_documented_keys() {
    let out = netpol(&["bench", &example(), "--queries", "1000", "--passes", "3", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    for key in
        ["pods", "policies", "identities", "compile_ms", "decide_ns", "decide_ip_ns", "matrix_ms", "memory_bytes"]
            .into_iter()
            .chain(["input_bytes", "load_ms", "load_mb_per_s", "decide_best_ns", "decide_ip_best_ns"])
    {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["pods"], 8);
    assert_eq!(v["policies"], 12);
    assert_eq!(v["passes"], 3);
    for (median, best) in [("decide_ns", "decide_best_ns"), ("decide_batch_ns", "decide_batch_best_ns")] {
        assert!(v[best].as_f64().unwrap() <= v[median].as_f64().unwrap(), "{v}");
    }
    assert!(v["identities"].as_u64().unwrap() <= 8);
    assert!(v["memory_bytes"].as_u64().unwrap() > 0);
    let size = std::fs::metadata(example()).unwrap().len();
    assert_eq!(v["input_bytes"], size);
    assert!(v["load_ms"].as_f64().unwrap() > 0.0 && v["load_mb_per_s"].as_f64().unwrap() > 0.0, "{v}");
}

#[test]
fn quiet_silences_warnings_and_text_names_every_default_format() {
    // The example's finished pod is left out with a warning; -q (anywhere) silences it, errors stay.
    let loud = netpol(&["matrix", &example(), "--port", "8080"]);
    assert!(stderr(&loud).contains("warning: "), "{}", stderr(&loud));
    for args in [
        vec!["-q", "matrix", example_str(), "--port", "8080"],
        vec!["matrix", example_str(), "--port", "8080", "--quiet"],
    ] {
        let quiet = netpol(&args);
        assert_eq!(quiet.status.code(), Some(0));
        assert_eq!(stderr(&quiet), "", "{args:?}");
        assert_eq!(stdout(&quiet), stdout(&loud));
    }
    let bad = netpol(&["-q", "check", &example(), "--from", "shop/nope", "--to", "shop/postgres-0", "--port", "1"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).starts_with("error: "), "{}", stderr(&bad));
    // `-o text` is every command's text form, `table` included.
    for command in ["matrix", "connectivity"] {
        let mut args = vec![command, example_str(), "-o", "text"];
        if command == "matrix" {
            args.extend(["--port", "8080"]);
        }
        let text = netpol(&args);
        args[3] = "table";
        assert_eq!(text.status.code(), Some(0), "{command}: {}", stderr(&text));
        assert_eq!(stdout(&text), stdout(&netpol(&args)), "{command}");
    }
}

/// The example's path, kept for the life of the test process.
fn example_str() -> &'static str {
    Box::leak(example().into_boxed_str())
}
