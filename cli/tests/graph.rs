//! `netpol graph`: dot, Mermaid and JSON of the bundled example, `--port`, and rendering with
//! Graphviz when `dot` is installed (the test command installs it).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

use common::{example, netpol, repo, stdout};

#[test]
fn dot_of_the_bundled_example() {
    let out = netpol(&["graph", &example()]);
    assert_eq!(out.status.code(), Some(0));
    let dot = stdout(&out);
    assert!(dot.starts_with("digraph netpol {"), "{dot}");
    assert!(dot.contains("label=\"namespace shop\""), "{dot}");
    assert!(dot.contains("n2 -> n4 [label=\"5432/TCP\"];"), "{dot}");
    assert!(dot.contains("label=\"203.0.113.0/25\", shape=ellipse"), "{dot}");
    assert_eq!(dot.matches(" -> ").count(), 14, "{dot}");
}

#[test]
fn mermaid_json_and_port() {
    let mermaid = stdout(&netpol(&["graph", &example(), "-o", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert!(mermaid.contains("n3[\"deployment/frontend<br/>2 pods\"]"), "{mermaid}");
    let json: Value =
        serde_json::from_str(&stdout(&netpol(&["graph", &example(), "-o", "json", "--port", "8080"]))).unwrap();
    let edges = json["edges"].as_array().unwrap();
    assert!(edges.iter().all(|e| e["label"].as_str().unwrap().starts_with("8080")), "{edges:?}");
    assert!(edges.iter().any(|e| e["from"] == "n3" && e["to"] == "n2"), "frontend -> api: {edges:?}");
    assert_eq!(netpol(&["graph", &example(), "--port", "0"]).status.code(), Some(2));
}

/// `--port` alone keeps every protocol of the port; with `--protocol`, that protocol only.
#[test]
fn port_and_protocol() {
    let labels = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["graph", "-o", "json"];
        all.extend_from_slice(args);
        let json: Value = serde_json::from_str(&stdout(&netpol(&all))).unwrap();
        json["edges"].as_array().unwrap().iter().map(|e| e["label"].as_str().unwrap().to_string()).collect()
    };
    let example = example();
    let any = labels(&[&example, "--port", "53"]);
    assert!(any.iter().any(|l| l == "53/TCP+UDP"), "DNS is allowed on both: {any:?}");
    let udp = labels(&[&example, "--port", "53", "--protocol", "udp"]);
    assert!(!udp.is_empty() && udp.iter().all(|l| l == "53/UDP"), "{udp:?}");
    assert_eq!(udp.len(), any.iter().filter(|l| l.contains("UDP")).count());
    assert_eq!(netpol(&["graph", &example, "--protocol", "udp"]).status.code(), Some(2), "--protocol needs --port");
    assert_eq!(netpol(&["graph", &example, "--port", "53", "--protocol", "icmp"]).status.code(), Some(2));
}

#[test]
fn manifests_render_as_workloads() {
    let dot = stdout(&netpol(&["graph", repo().join("examples/pr/after").to_str().unwrap()]));
    assert!(dot.contains("label=\"namespace checkout\""), "{dot}");
    assert!(dot.contains("[label=\"cronjob/settlement-report\\n1 pod\"]"), "{dot}");
}

#[test]
fn graphviz_renders_it() {
    if Command::new("dot").arg("-V").output().is_err() {
        eprintln!("skipped: Graphviz `dot` is not installed (the test command installs it)");
        return;
    }
    let graph = stdout(&netpol(&["graph", &example()]));
    let mut dot = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    dot.stdin.take().unwrap().write_all(graph.as_bytes()).unwrap();
    let out = dot.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "dot warned: {}", String::from_utf8_lossy(&out.stderr));
    let svg = String::from_utf8(out.stdout).unwrap();
    assert!(svg.contains("<svg") && svg.contains("deployment/api"), "{svg}");
}
