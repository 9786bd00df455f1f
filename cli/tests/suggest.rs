//! `netpol suggest`: policies from flows, the self-check summary, and the output loading back.

mod common;

use serde_json::Value;

use common::{netpol, path, scratch, text};

const CLUSTER: &str = "cli/tests/data/suggest/cluster.yaml";
const FLOWS: &str = "cli/tests/data/suggest/flows.csv";

#[test]
fn suggestion_applies_and_allows_exactly_the_observed_flows() {
    let out = netpol(&["suggest", &path(CLUSTER), "--flows", &path(FLOWS)]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("suggested 10 policies in 2 namespaces from 6 observed flows (119 records)"), "{stderr}");
    assert!(stderr.contains("observed flows allowed by the suggestion: 6 of 6"), "{stderr}");
    assert!(stderr.contains("reachable pod pairs: 20 before -> 7 after"), "{stderr}");
    let yaml = text(&out.stdout);
    assert!(yaml.starts_with("# NetworkPolicies suggested by netpol"), "{yaml}");
    assert!(!yaml.contains("pod-template-hash") && !yaml.contains("db-0"), "{yaml}");

    // The YAML, applied on top of the pods, through `netpol check`.
    let dir = scratch("check");
    let file = dir.join("suggestion.yaml");
    std::fs::write(&file, &yaml).unwrap();
    let check = |from: &str, to: &str, port: &str, protocol: &str| {
        let file = file.display().to_string();
        let out = netpol(&[
            "check",
            &path(CLUSTER),
            &file,
            "--from",
            from,
            "--to",
            to,
            "--port",
            port,
            "--protocol",
            protocol,
        ]);
        assert_ne!(out.status.code(), Some(2), "{}", text(&out.stderr));
        out.status.code() == Some(0)
    };
    let (web, web2, api, db) =
        ("shop/web-6c8f9b7d4-2lmnp", "shop/web-6c8f9b7d4-8hq7r", "shop/api-7f6d5c8b9-4kx8m", "shop/db-0");
    let dns = "kube-system/coredns-5d78c9869d-7xk2p";
    assert!(check("198.51.100.23", web, "8080", "TCP"));
    assert!(check(web, api, "8080", "TCP"));
    assert!(check(web2, api, "8080", "TCP"));
    assert!(check(api, db, "5432", "TCP"));
    assert!(check(api, "203.0.113.10", "443", "TCP"));
    assert!(check(api, dns, "53", "UDP"));
    // DNS kept for pods that were not seen looking up names.
    assert!(check(db, dns, "53", "TCP"));
    // Never observed: denied.
    assert!(!check(web, db, "5432", "TCP"));
    assert!(!check("198.51.100.24", web, "8080", "TCP"));
    assert!(!check(api, "203.0.113.11", "443", "TCP"));
    assert!(!check(db, api, "8080", "TCP"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn json_output_is_a_list_of_the_same_policies() {
    let yaml = netpol(&["suggest", &path(CLUSTER), "--flows", &path(FLOWS)]);
    let json = netpol(&["suggest", &path(CLUSTER), "--flows", &path(FLOWS), "-o", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    let list: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), text(&yaml.stdout).matches("kind: NetworkPolicy").count());
    assert!(items.iter().all(|i| i["kind"] == "NetworkPolicy"));
    let names: Vec<&str> = items.iter().map(|i| i["metadata"]["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"api-ingress") && names.contains(&"default-deny"), "{names:?}");
}

#[test]
fn the_example_with_hubble_flows_shrinks_reachability() {
    let out = netpol(&["suggest", &path("examples/cluster.yaml"), "--flows", &path("examples/flows/hubble.jsonl")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let line = stderr.lines().find(|l| l.starts_with("reachable pod pairs: ")).expect("a reachability line");
    let numbers: Vec<usize> = line.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    assert!(numbers[1] < numbers[0], "{line}");
    let allowed = stderr.lines().find(|l| l.starts_with("self-check: ")).expect("a self-check line");
    let counts: Vec<usize> = allowed.split(|c: char| !c.is_ascii_digit()).filter_map(|w| w.parse().ok()).collect();
    assert_eq!(counts[0], counts[1], "{allowed}");
    // The sample's one node-traffic record is left out, with a warning about default-deny egress.
    assert!(stderr.contains("warning: 1 record of traffic to or from nodes (host, remote-node, health) left out"));
    // The same policies from the CSV export of the same traffic load back as valid input.
    let dir = scratch("example");
    let file = dir.join("suggestion.yaml");
    std::fs::write(&file, &out.stdout).unwrap();
    let file = file.display().to_string();
    let out = netpol(&["check", &file, "--from", "10.0.0.1", "--to", "10.0.0.2", "--port", "80"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_input_exits_2() {
    // No flow file given.
    let out = netpol(&["suggest", &path(CLUSTER)]);
    assert_eq!(out.status.code(), Some(2));
    // A flow file that does not exist.
    let out = netpol(&["suggest", &path(CLUSTER), "--flows", "/nonexistent/flows.csv"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    // A malformed flow file prints nothing on stdout.
    let dir = scratch("broken");
    let broken = dir.join("flows.csv");
    std::fs::write(&broken, "src,dst,port\nshop/db-0,shop/web-6c8f9b7d4-2lmnp,not-a-port\n").unwrap();
    let out = netpol(&["suggest", &path(CLUSTER), "--flows", &broken.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    // stdin only once.
    let out = netpol(&["suggest", "-", "--flows", "-"]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}
