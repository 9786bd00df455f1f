//! Streamed output (issue 17, item 5): `connectivity` and `matrix` write as they compute, so a
//! cluster with no policies (every pod pair allowed) prints hundreds of megabytes with the
//! memory of the engine and the pod names; a reader that stops early ends the command quietly;
//! a write error mid-stream is exit 2. Also `connectivity --group-by` on the bundled example
//! and `graph`'s node limit.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use common::{example, netpol, scratch, stderr, stdout};

/// Namespaces and pods per namespace of the generated cluster: 6 × 150 + 2 CoreDNS pods, whose
/// 813,604 pairs are 111 MB of JSON (2.7 GB of memory before output was streamed).
const NAMESPACES: usize = 6;
const PODS_PER_NAMESPACE: usize = 150;
const PODS: usize = NAMESPACES * PODS_PER_NAMESPACE + 2;

/// A generated cluster of [`PODS`] pods and no policy, written once per test binary.
fn open_cluster() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| {
        let out = netpol(&[
            "generate",
            "--namespaces",
            &NAMESPACES.to_string(),
            "--pods-per-namespace",
            &PODS_PER_NAMESPACE.to_string(),
            "--policies",
            "0",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let path: PathBuf = scratch("open").join("open.yaml");
        fs::write(&path, &out.stdout).unwrap();
        path.display().to_string()
    })
}

/// The peak resident memory of a running process (`VmHWM`), in bytes; `None` once it exited.
fn peak_rss(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Reads a child's stdout, counting bytes and the occurrences of `needle`, and sampling the
/// child's peak memory every megabyte (while it still writes, it is alive).
struct Meter<R> {
    inner: R,
    pid: u32,
    bytes: u64,
    next_sample: u64,
    peak: Option<u64>,
    needle: &'static [u8],
    matched: usize,
    found: u64,
    /// The last bytes read.
    tail: Vec<u8>,
}

impl<R: Read> Meter<R> {
    fn new(inner: R, pid: u32, needle: &'static [u8]) -> Meter<R> {
        Meter { inner, pid, bytes: 0, next_sample: 0, peak: None, needle, matched: 0, found: 0, tail: Vec::new() }
    }
}

impl<R: Read> Read for Meter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            // The needles used here do not overlap themselves, so a restart at 0 is enough.
            if b == self.needle[self.matched] {
                self.matched += 1;
                if self.matched == self.needle.len() {
                    self.found += 1;
                    self.matched = 0;
                }
            } else {
                self.matched = usize::from(b == self.needle[0]);
            }
        }
        self.tail.extend_from_slice(&buf[n.saturating_sub(16)..n]);
        let excess = self.tail.len().saturating_sub(16);
        self.tail.drain(..excess);
        self.bytes += n as u64;
        if self.bytes >= self.next_sample {
            self.next_sample = self.bytes + (1 << 20);
            if let Some(rss) = peak_rss(self.pid) {
                self.peak = Some(self.peak.unwrap_or(0).max(rss));
            }
        }
        Ok(n)
    }
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netpol runs")
}

/// Peak memory allowed while streaming: the engine and the pod names of a cluster of 902 pods
/// take about 20 MB in a debug build, while the materialised outputs took 2.7 GB (JSON: a JSON
/// value per pair, then one string), 223 MB (CSV) and 117 MB (text).
const MAX_RSS: u64 = 64 << 20;

#[test]
fn connectivity_json_of_an_open_cluster_streams_in_bounded_memory() {
    let mut child = spawn(&["connectivity", open_cluster(), "-o", "json"]);
    let mut meter = Meter::new(child.stdout.take().unwrap(), child.id(), b"{\"from\":");
    let mut head = [0u8; 64];
    meter.read_exact(&mut head).unwrap();
    io::copy(&mut meter, &mut io::sink()).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert!(head.starts_with(b"{\"external\":[{\"egress\":[{\"cidrs\":"), "{}", String::from_utf8_lossy(&head));
    assert!(meter.tail.ends_with(b"\"}]}\n"), "{}", String::from_utf8_lossy(&meter.tail));
    // No policy: every ordered pair (self traffic included) is allowed.
    assert_eq!(meter.found, (PODS * PODS) as u64, "pairs");
    assert!(meter.bytes > 100 << 20, "{} bytes: over a hundred megabytes", meter.bytes);
    let peak = meter.peak.expect("memory sampled while the command ran");
    assert!(peak < MAX_RSS, "peak RSS {} MB while streaming {} MB", peak >> 20, meter.bytes >> 20);
}

#[test]
fn streamed_json_is_one_valid_value() {
    let out = netpol(&["generate", "--namespaces", "3", "--pods-per-namespace", "10", "--policies", "0"]);
    let dir = scratch("small");
    let cluster = dir.join("small.yaml").display().to_string();
    fs::write(&cluster, &out.stdout).unwrap();
    let out = netpol(&["connectivity", &cluster, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["pairs"].as_array().unwrap().len(), 32 * 32);
    assert_eq!(json["external"].as_array().unwrap().len(), 32);
    let first = &json["pairs"][0];
    assert!(first["from"].as_str().unwrap().starts_with("kube-system/coredns-"), "{first}");
    assert_eq!(first["from"], first["to"]);
    assert_eq!(first["ports"], serde_json::json!({"SCTP": "all", "TCP": "all", "UDP": "all"}));
    let out = netpol(&["matrix", &cluster, "--port", "80", "-o", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["allowed"].as_array().unwrap().len(), 32);
    assert_eq!(json["pods"].as_array().unwrap().len(), 32);
    assert_eq!((json["port"].as_u64(), json["protocol"].as_str()), (Some(80), Some("TCP")));
}

#[test]
fn connectivity_text_and_csv_count_every_pair() {
    let mut child = spawn(&["connectivity", open_cluster(), "-o", "csv"]);
    let mut meter = Meter::new(child.stdout.take().unwrap(), child.id(), b"\n");
    io::copy(&mut meter, &mut io::sink()).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // A header, then per pair one row per protocol (TCP, UDP, SCTP), then per pod one egress and
    // one ingress row (0.0.0.0/0; the generated pods are IPv4 only).
    assert_eq!(meter.found, 1 + 3 * (PODS * PODS) as u64 + 3 * 2 * PODS as u64);
    assert!(meter.peak.expect("sampled") < MAX_RSS);

    let mut child = spawn(&["connectivity", open_cluster()]);
    let mut meter = Meter::new(child.stdout.take().unwrap(), child.id(), b"any port\n");
    let expected = format!("{} allowed pod pairs (self traffic included)\n", PODS * PODS);
    let mut head = vec![0u8; expected.len()];
    meter.read_exact(&mut head).unwrap();
    assert_eq!(String::from_utf8_lossy(&head), expected);
    io::copy(&mut meter, &mut io::sink()).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(meter.found, (PODS * PODS + 2 * PODS) as u64, "pair lines and external lines");
}

#[test]
fn matrix_json_and_csv_stream_row_by_row() {
    let mut child = spawn(&["matrix", open_cluster(), "--port", "80", "-o", "json"]);
    let mut meter = Meter::new(child.stdout.take().unwrap(), child.id(), b"true");
    io::copy(&mut meter, &mut io::sink()).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(meter.found, (PODS * PODS) as u64, "every cell allowed");

    let out = netpol(&["matrix", open_cluster(), "--port", "80", "-o", "csv"]);
    assert_eq!(out.status.code(), Some(0));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), PODS + 1);
    assert!(lines.iter().all(|l| l.split(',').count() == PODS + 1));
    assert!(lines[1..].iter().all(|l| !l.contains(",0")));
}

#[test]
fn a_reader_that_stops_early_ends_the_stream_quietly() {
    let mut child = spawn(&["connectivity", open_cluster(), "-o", "json"]);
    let mut stdout = child.stdout.take().unwrap();
    let mut head = [0u8; 4096];
    stdout.read_exact(&mut head).unwrap();
    assert!(head.starts_with(b"{\"external\":[{\"egress\":"));
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a closed pipe is not an error");
    assert_eq!(stderr(&out), "", "quiet");
}

#[test]
fn a_write_error_mid_stream_is_exit_2() {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    for args in [
        &["connectivity", open_cluster(), "-o", "json"][..],
        &["matrix", open_cluster(), "--port", "80", "-o", "csv"][..],
        &["connectivity", &example(), "--group-by", "workload"][..],
    ] {
        let full = fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_netpol")).args(args).stdout(full).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("error: cannot write the output: No space left on device"), "{err}");
        assert_eq!(err.matches("error:").count(), 1, "{err}");
    }
}

/// The group-by text of the bundled example, checked by hand against its policies: the shop
/// namespace is default-deny with DNS egress, frontend -> api on 8080, api -> postgres on 5432;
/// Prometheus scrapes the shop on 9090 and 9100-9199 and asks CoreDNS on 53 and 9153.
#[test]
fn group_by_workload_on_the_bundled_example() {
    let out = netpol(&["connectivity", &example(), "--group-by", "workload"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let expected = [
        "kube-system/deployment/coredns    -> kube-system/deployment/coredns     all 2 of 2 pod pairs  53/TCP+UDP",
        "monitoring/statefulset/prometheus -> kube-system/deployment/coredns     all 2 of 2 pod pairs  53,9153/TCP, 53/UDP",
        "                                  -> shop/deployment/api                all 2 of 2 pod pairs  9090,9100-9199/TCP",
        "                                  -> shop/deployment/frontend           all 2 of 2 pod pairs  9090,9100-9199/TCP",
        "                                  -> shop/statefulset/postgres          all 1 of 1 pod pairs  9090,9100-9199/TCP",
        "shop/deployment/api               -> kube-system/deployment/coredns     all 4 of 4 pod pairs  53/TCP+UDP",
        "                                  -> shop/statefulset/postgres          all 2 of 2 pod pairs  5432/TCP",
        "shop/deployment/frontend          -> kube-system/deployment/coredns     all 4 of 4 pod pairs  53/TCP+UDP",
        "                                  -> shop/deployment/api                all 4 of 4 pod pairs  8080/TCP",
        "shop/statefulset/postgres         -> kube-system/deployment/coredns     all 2 of 2 pod pairs  53/TCP+UDP",
        "",
        "10 workload pairs with something allowed, among 5 workloads",
    ];
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines, expected, "{text}");
}

#[test]
fn group_by_namespace_agrees_with_the_pod_pairs() {
    let json = |args: &[&str]| -> Value {
        let out = netpol(args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_str(&stdout(&out)).unwrap()
    };
    let grouped = json(&["connectivity", &example(), "--group-by", "namespace", "-o", "json"]);
    assert_eq!(grouped["group_by"], "namespace");
    let groups: BTreeMap<String, u64> = grouped["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["name"].as_str().unwrap().to_string(), g["pods"].as_u64().unwrap()))
        .collect();
    assert_eq!(groups, BTreeMap::from([("kube-system".into(), 2), ("monitoring".into(), 1), ("shop".into(), 5)]));
    // shop -> shop: of 5 × 4 pod pairs, frontend (2) -> api (2) and api (2) -> postgres (1).
    let pairs = grouped["pairs"].as_array().unwrap();
    let shop = pairs.iter().find(|p| p["from"] == "shop" && p["to"] == "shop").unwrap();
    assert_eq!(shop["reach"], "some");
    assert_eq!((shop["allowed_pairs"].as_u64(), shop["pairs"].as_u64()), (Some(6), Some(20)));
    assert_eq!(shop["ports"], serde_json::json!({"TCP": ["5432", "8080"]}));
    assert_eq!(shop["ports_every_pair"], serde_json::json!({}));

    // Every group pair, recounted from the pod-level map (a pod to itself left out).
    let pods = json(&["connectivity", &example(), "-o", "json"]);
    let mut counted: BTreeMap<(String, String), u64> = BTreeMap::new();
    for p in pods["pairs"].as_array().unwrap() {
        let (from, to) = (p["from"].as_str().unwrap(), p["to"].as_str().unwrap());
        if from != to {
            let ns = |s: &str| s.split('/').next().unwrap().to_string();
            *counted.entry((ns(from), ns(to))).or_default() += 1;
        }
    }
    let reported: BTreeMap<(String, String), u64> = pairs
        .iter()
        .map(|p| {
            let key = (p["from"].as_str().unwrap().to_string(), p["to"].as_str().unwrap().to_string());
            (key, p["allowed_pairs"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(reported, counted);
    for p in pairs {
        let (a, n) = (p["allowed_pairs"].as_u64().unwrap(), p["pairs"].as_u64().unwrap());
        let (from, to) = (&groups[p["from"].as_str().unwrap()], &groups[p["to"].as_str().unwrap()]);
        assert_eq!(n, from * to - if p["from"] == p["to"] { *from } else { 0 }, "{p}");
        assert_eq!(p["reach"], if a == n { "all" } else { "some" }, "{p}");
    }

    let csv = stdout(&netpol(&["connectivity", &example(), "--group-by", "namespace", "-o", "csv"]));
    assert!(csv.starts_with("from,to,reach,allowed_pairs,pairs,protocol,ports,ports_every_pair\n"), "{csv}");
    assert!(csv.contains("\nshop,shop,some,6,20,TCP,5432;8080,\n"), "{csv}");
    assert!(csv.contains("\nmonitoring,shop,all,5,5,TCP,9090;9100-9199,9090;9100-9199\n"), "{csv}");
}

#[test]
fn group_by_an_open_cluster_is_one_line_per_namespace_pair() {
    let out = netpol(&["connectivity", open_cluster(), "--group-by", "namespace"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    let groups = NAMESPACES + 1; // and kube-system
    assert!(
        text.ends_with(&format!(
            "\n{} namespace pairs with something allowed, among {groups} namespaces\n",
            groups * groups
        )),
        "{text}"
    );
    let per = PODS_PER_NAMESPACE;
    assert!(text.contains(&format!("all {} of {} pod pairs  any port\n", per * (per - 1), per * (per - 1))), "{text}");
}

#[test]
fn graph_refuses_past_its_node_limit() {
    // 5 workloads and 3 address sets.
    let out = netpol(&["graph", &example(), "--max-nodes", "7"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    let err = stderr(&out);
    assert!(
        err.contains(
            "error: the graph would have 8 nodes, more than the limit of 7: draw part of it with --in-namespace NS"
        ),
        "{err}"
    );
    assert_eq!(netpol(&["graph", &example(), "--max-nodes", "8"]).status.code(), Some(0));

    // The shop namespace alone: its 3 workloads and the 2 address sets they talk with.
    let out = netpol(&["graph", &example(), "--in-namespace", "shop", "--max-nodes", "5", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let graph: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let nodes = graph["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 5);
    assert!(nodes.iter().all(|n| n["kind"] == "addresses" || n["namespace"] == "shop"), "{nodes:?}");

    // The generated cluster's 902 pods are 154 nodes (workloads and address sets).
    let out = netpol(&["graph", open_cluster(), "--max-nodes", "100"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("the graph would have 154 nodes, more than the limit of 100"), "{}", stderr(&out));
    let out = netpol(&["graph", open_cluster(), "--in-namespace", "monitoring", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
