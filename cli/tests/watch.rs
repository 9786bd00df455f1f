//! `netpol watch` and `netpol drift` (issue 20): the example stream (examples/watch/, made by
//! scripts/watch-example.py) gives the expected report; bad events are reported and survived;
//! drift exits 1; the metrics endpoint answers real HTTP requests on loopback, including slow
//! and malformed clients.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::{netpol, netpol_stdin, path, stderr, stdout};

fn stream() -> Vec<u8> {
    std::fs::read(path("examples/watch/stream.json")).unwrap()
}

fn watch_example(extra: &[&str]) -> std::process::Output {
    let initial = common::example();
    let desired = path("examples/watch/desired");
    let mut args = vec!["watch", "-", "--initial", &initial, "--desired", &desired];
    args.extend_from_slice(extra);
    netpol_stdin(&args, stream())
}

#[test]
fn the_example_stream_gives_the_expected_report() {
    let out = watch_example(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let expected = std::fs::read_to_string(path("examples/watch/expected.txt")).unwrap();
    assert_eq!(stdout(&out), expected);
}

#[test]
fn json_gives_one_line_per_change_with_what_it_did() {
    let out = watch_example(&["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect();
    let changes: Vec<&Value> = lines.iter().filter(|l| l["change"].as_u64().is_some_and(|c| c > 0)).collect();
    let problems: Vec<&Value> = lines.iter().filter(|l| l.get("problem").is_some()).collect();
    assert_eq!(changes.len(), 12, "{lines:#?}");
    assert_eq!(problems.len(), 4, "malformed, unknown deletion, ERROR, cut stream: {problems:#?}");
    // The policy edit that opens the database: 3 pod pairs, NP201 opened, drift named.
    let open = changes[6];
    assert_eq!(open["events"][0]["object"], "NetworkPolicy shop/postgres-from-api");
    assert_eq!(open["connectivity"]["summary"]["newly_allowed"]["pod_pairs"], 3);
    assert_eq!(open["findings_opened"][0]["id"], "NP201");
    assert_eq!(open["drift"]["different"][0], "shop/postgres-from-api");
    // The ERROR event marks the state stale until the full listing resyncs it.
    assert_eq!(problems[2]["stale"], true);
    let resync = changes[11];
    assert_eq!(resync["applied"], "resynced from a full listing");
    assert_eq!(resync["stale"], false);
    assert_eq!(resync["connectivity"]["summary"]["newly_denied"]["pod_pairs"], 1);
}

#[test]
fn batches_report_consecutive_events_together_and_end_in_the_same_state() {
    let out = watch_example(&["-o", "json", "--batch", "100"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let changes: Vec<&Value> = lines.iter().filter(|l| l["change"].as_u64().is_some_and(|c| c > 0)).collect();
    // Events 1-11 (up to the malformed document) are one change, then the resync.
    assert_eq!(changes.len(), 2, "{lines:#?}");
    assert_eq!(changes[0]["events"].as_array().unwrap().len(), 11);
    // Net effect of the first batch: prometheus -> postgres opened (namespace relabel).
    assert_eq!(changes[0]["connectivity"]["summary"]["newly_allowed"]["pod_pairs"], 1);
}

#[test]
fn bad_events_are_reported_and_the_watch_goes_on() {
    let good = r#"{"type": "ADDED", "object": {"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "status": {"phase": "Running", "podIP": "10.0.0.9"}}}"#;
    let unknown_field = r#"{"type": "ADDED", "object": {"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "typo", "namespace": "shop", "lables": {"app": "web"}}}}"#;
    let huge = format!(r#"{{"type": "ADDED", "object": {{"kind": "Pod", "pad": "{}"}}}}"#, "x".repeat(5000));
    let deny = r#"{"type": "ADDED", "object": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "deny", "namespace": "shop"}, "spec": {"podSelector": {}}}}"#;
    let deep = format!("{{\"type\": \"ADDED\", \"object\": {}{}}}", "[".repeat(1000), "]".repeat(1000));
    let input = format!("garbage line\n{unknown_field}\n{huge}\n{good}\n{{\"type\": \"ADDED\", \"extra\": 1, \"object\": {{}}}}\n{deny}\n{deep}\n");
    let out = netpol_stdin(&["watch", "-", "--max-input-bytes", "4096"], input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let problems: Vec<&str> = text.lines().filter(|l| l.starts_with('!')).collect();
    assert_eq!(problems.len(), 5, "{text}");
    assert!(problems[0].contains("not a JSON object: \"garbage line\""), "{text}");
    assert!(problems[1].contains("Pod shop/typo") && problems[1].contains("lables"), "{text}");
    assert!(problems[2].contains("over the limit of 4096 bytes"), "{text}");
    assert!(problems[3].contains("unknown field \"extra\""), "{text}");
    assert!(problems[4].contains("malformed JSON: recursion limit exceeded"), "{text}");
    // The valid events after each bad one still apply.
    assert!(text.contains("#1 line 5: ADDED Pod shop/web"), "{text}");
    assert!(text.contains("#2 line 9: ADDED NetworkPolicy shop/deny"), "{text}");
    assert!(text.contains("NEWLY DENIED"), "{text}");
}

#[test]
fn drift_exits_1_on_drift_and_names_the_policies() {
    let desired = path("examples/watch/desired");
    let out = netpol(&["drift", &common::example(), "--desired", &desired]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "no drift: the live policies are the desired ones\n");
    let out = netpol(&["drift", &path("examples/watch/live-drifted.json"), "--desired", &desired, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["drift"], true);
    assert_eq!(v["only_live"][0], "shop/debug-allow-all");
    assert_eq!(v["different"][0], "shop/postgres-from-api");
    assert_eq!(v["only_desired"].as_array().unwrap().len(), 0);
    assert_eq!(v["connectivity"]["summary"]["newly_allowed"]["pod_pairs"], 9);
}

/// One HTTP exchange: sends `request`, reads the whole answer.
fn http(addr: &str, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request).unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

fn get(addr: &str, target: &str) -> String {
    http(addr, format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
}

fn sample(metrics: &str, name: &str) -> f64 {
    let line = metrics.lines().find(|l| l.starts_with(name) && !l.starts_with('#')).expect(name);
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn metrics_answer_real_http_requests_including_slow_and_malformed_clients() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(["watch", "-", "--initial", &common::example(), "--metrics", "127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(err.read_line(&mut line).unwrap() > 0, "no metrics address printed");
        if let Some(rest) = line.strip_prefix("serving metrics on http://") {
            break rest.trim().trim_end_matches("/metrics").to_string();
        }
    };
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let m = get(&addr, "/metrics");
    assert!(m.starts_with("HTTP/1.1 200 OK\r\n"), "{m}");
    assert!(m.contains("Content-Type: text/plain; version=0.0.4"), "{m}");
    assert_eq!(sample(&m, "netpol_changes_total"), 0.0);
    assert!(m.contains("netpol_pods_not_isolated{namespace=\"monitoring\",direction=\"egress\"} 1"), "{m}");
    assert!(m.contains("netpol_findings{id=\"NP102\",severity=\"warning\"} 1"), "{m}");
    assert!(get(&addr, "/healthz").ends_with("\r\n\r\nok\n"));
    assert!(get(&addr, "/nope").starts_with("HTTP/1.1 404"));
    assert!(http(&addr, b"POST /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    assert!(http(&addr, b"\x00\x01garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
    assert!(http(&addr, &vec![b'A'; 20_000]).starts_with("HTTP/1.1 431"));
    // A client that connects and says nothing is answered 400 after the timeout, and the next
    // client is served.
    let started = Instant::now();
    let silent = http(&addr, b"GET /metrics");
    assert!(silent.starts_with("HTTP/1.1 400"), "{silent}");
    assert!(started.elapsed() < Duration::from_secs(8));
    assert!(get(&addr, "/healthz").starts_with("HTTP/1.1 200"));
    // Events move the counters.
    let mut stdin = child.stdin.take().unwrap();
    let edit = r#"{"type": "DELETED", "object": {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny-ingress", "namespace": "monitoring"}}}"#;
    writeln!(stdin, "{edit}\nnot json").unwrap();
    stdin.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let m = loop {
        let m = get(&addr, "/metrics");
        if sample(&m, "netpol_changes_total") >= 1.0 && sample(&m, "netpol_decode_errors_total") >= 1.0 {
            break m;
        }
        assert!(Instant::now() < deadline, "counters never moved: {m}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(sample(&m, "netpol_events_total"), 1.0);
    assert!(sample(&m, "netpol_newly_allowed_pod_pairs_total") > 0.0, "{m}");
    assert!(m.contains("netpol_pods_not_isolated{namespace=\"monitoring\",direction=\"ingress\"} 1"), "{m}");
    assert!(sample(&m, "netpol_last_change_age_seconds") >= 0.0);
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success());
}
