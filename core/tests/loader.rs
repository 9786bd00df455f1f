//! Kubernetes input: the shapes kubectl prints, what is skipped and reported, and hostile input.

use std::net::IpAddr;

use netpol::k8s::{LoadOptions, Loader, DEFAULT_MAX_INPUT_BYTES};
use netpol::raw::Strictness;
use netpol::spec::LeftOutReason;
use netpol::{Cluster, Error};
use netpol_test_support::hostile::SHAPES;

fn load(text: &str) -> Result<Cluster, Error> {
    Cluster::from_yaml_str(text)
}

fn warnings(c: &Cluster) -> String {
    c.warnings().iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")
}

#[test]
fn multi_document_stream_with_empty_documents_and_trailing_separator() {
    let text = "---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n---\n";
    let c = load(text).unwrap();
    assert_eq!(c.namespaces().len(), 1);
    assert_eq!(c.pods().len(), 1);
}

#[test]
fn kubectl_list_with_other_kinds_skipped_and_counted() {
    let text = r#"
apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- {apiVersion: v1, kind: Service, metadata: {name: web, namespace: a}, spec: {ports: [{port: 80}]}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: web, namespace: a}}
- {apiVersion: v1, kind: Service, metadata: {name: db, namespace: a}}
- {apiVersion: v1, kind: Pod, metadata: {name: p, namespace: a}}
"#;
    let c = load(text).unwrap();
    assert_eq!(c.pods().len(), 1);
    let w = warnings(&c);
    assert!(w.contains("skipped 3 objects of kinds netpol does not read: Deployment (1), Service (2)"), "{w}");
}

#[test]
fn typed_lists_and_json_streams() {
    let json = r#"{"apiVersion":"v1","kind":"PodList","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"a"}}]}
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q","namespace":"a"}}"#;
    let c = load(json).unwrap();
    assert_eq!(c.pods().len(), 2);
    let array = r#"[{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"a"}}]"#;
    assert_eq!(load(array).unwrap().namespaces().len(), 1);
}

#[test]
fn finished_and_host_network_pods_are_left_out_and_reported() {
    let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: done, namespace: a}, status: {phase: Succeeded, podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: crashed, namespace: a}, status: {phase: Failed, podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: node-agent, namespace: a}, spec: {hostNetwork: true, containers: []}, status: {phase: Running, podIP: 192.168.1.5}}
- {apiVersion: v1, kind: Pod, metadata: {name: live, namespace: a}, status: {phase: Running, podIP: 10.0.0.1}}
"#;
    let c = load(text).unwrap();
    let names: Vec<String> = c.pods().iter().map(|p| p.qualified_name()).collect();
    assert_eq!(names, ["a/live"]);
    let w = warnings(&c);
    assert!(w.contains("Pod a/done: status.phase: pod is Succeeded"), "{w}");
    assert!(w.contains("Pod a/crashed: status.phase: pod is Failed"), "{w}");
    assert!(w.contains("Pod a/node-agent: spec.hostNetwork"), "{w}");
}

#[test]
fn left_out_pods_are_kept_by_name_with_reason_and_ips() {
    let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: hn, namespace: kube-system}, spec: {hostNetwork: true, containers: []}, status: {phase: Running, podIP: 192.168.1.5}}
- {apiVersion: v1, kind: Pod, metadata: {name: job-1, namespace: x}, status: {phase: Succeeded, podIPs: [{ip: 10.0.0.9}, {ip: "fd00::9"}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: job-2, namespace: x}, status: {phase: Failed, podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: live, namespace: x}, status: {phase: Running, podIP: 10.0.0.1}}
"#;
    let c = load(text).unwrap();
    let names: Vec<String> = c.left_out_pods().iter().map(|p| p.qualified_name()).collect();
    assert_eq!(names, ["kube-system/hn", "x/job-1", "x/job-2"]);

    let hn = c.left_out_pod("kube-system", "hn").unwrap();
    assert_eq!(hn.reason, LeftOutReason::HostNetwork);
    assert_eq!(hn.ips, ["192.168.1.5".parse::<IpAddr>().unwrap()]);
    let job = c.left_out_pod("x", "job-1").unwrap();
    assert_eq!(job.reason, LeftOutReason::Succeeded);
    assert_eq!(job.ips, ["10.0.0.9".parse::<IpAddr>().unwrap(), "fd00::9".parse().unwrap()]);
    assert_eq!(c.left_out_pod("x", "job-2").unwrap().reason, LeftOutReason::Failed);
    assert!(c.left_out_pod("x", "live").is_none());
    assert!(c.pod_id("kube-system", "hn").is_none());

    assert_eq!(
        c.unknown_endpoint("kube-system/hn").as_deref(),
        Some("kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address")
    );
    assert_eq!(
        c.unknown_endpoint("x/job-1").as_deref(),
        Some("x/job-1 was left out: its phase is Succeeded (finished pods hold no connections); its IPs are outside addresses")
    );
    // A finished pod's IP may have been given to a new pod.
    assert_eq!(
        c.unknown_endpoint("x/job-2").as_deref(),
        Some("x/job-2 was left out: its phase is Failed (finished pods hold no connections); 10.0.0.1 is the IP of pod x/live now")
    );
    assert_eq!(c.unknown_endpoint("x/nope"), None);
    assert_eq!(c.unknown_endpoint("x/live"), None);
    assert_eq!(c.unknown_endpoint("hn"), None);

    // The engine keeps the record, so every face can ask it.
    let engine = netpol::Compiler::new().compile(&c);
    assert_eq!(engine.cluster().left_out_pods(), c.left_out_pods());
    assert!(engine.parse_endpoint("kube-system/hn").is_none());
}

#[test]
fn missing_namespaces_are_assumed_and_reported() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: team}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\n";
    let c = load(text).unwrap();
    let names: Vec<&str> = c.namespaces().iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["default", "team"]);
    assert_eq!(c.namespaces()[1].labels.get("kubernetes.io/metadata.name").map(String::as_str), Some("team"));
    let w = warnings(&c);
    assert!(w.contains("Pod default/q: metadata.namespace: no namespace given; assumed \"default\""), "{w}");
    assert!(
        w.contains("Namespace team: not given; assumed with the single label kubernetes.io/metadata.name=team"),
        "{w}"
    );
}

#[test]
fn pod_ips_ports_of_all_containers_and_sidecars() {
    let text = r#"
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: a}
spec:
  initContainers:
  - {name: setup, ports: [{name: ignored, containerPort: 1}]}
  - {name: proxy, restartPolicy: Always, ports: [{name: proxy, containerPort: 15001}]}
  containers:
  - {name: app, ports: [{name: http, containerPort: 8080}]}
  - {name: dns, ports: [{name: dns, containerPort: 53, protocol: UDP}]}
status:
  podIP: 10.0.0.1
  podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]
"#;
    let c = load(text).unwrap();
    let pod = &c.pods()[0];
    assert_eq!(pod.ips.len(), 2);
    let names: Vec<&str> = pod.ports.iter().filter_map(|p| p.name.as_deref()).collect();
    assert_eq!(names, ["dns", "http", "proxy"]);
}

#[test]
fn identical_duplicates_are_used_once_with_a_warning() {
    let one = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n";
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_str(one, "first.yaml");
    loader.add_str(one, "second.yaml");
    let c = loader.finish().unwrap();
    assert_eq!(c.pods().len(), 1);
    assert!(warnings(&c).contains("second.yaml: Pod a/p: given more than once with identical content"));
}

#[test]
fn yaml_alias_bomb_is_refused() {
    let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut prev = 'a';
    for name in "bcdefghij".chars() {
        text.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        prev = name;
    }
    text.push_str("kind: Pod\n");
    let err = load(&text).unwrap_err().to_string();
    assert!(err.contains("malformed YAML"), "{err}");
    assert!(
        err.to_lowercase().contains("budget")
            || err.to_lowercase().contains("alias")
            || err.to_lowercase().contains("limit"),
        "{err}"
    );
}

#[test]
fn input_over_the_size_limit_is_refused_with_the_limit_named() {
    // A 50 MB input: a valid header followed by a giant comment.
    let mut text = String::from("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\n#");
    text.push_str(&"x".repeat(50 * 1000 * 1000));
    let mut loader = Loader::new(LoadOptions { max_input_bytes: 32 << 20, ..LoadOptions::default() });
    loader.add_str(&text, "big.yaml");
    let err = loader.finish().unwrap_err().to_string();
    assert!(err.contains(&format!("over the limit of {} bytes", 32 << 20)), "{err}");
    // The default fits a kubectl dump of a large cluster.
    const { assert!(DEFAULT_MAX_INPUT_BYTES >= 2 << 30) };
    assert_eq!(load(&text).unwrap().pods().len(), 1);
    // Raising the limit lets it through.
    let mut loader = Loader::new(LoadOptions { max_input_bytes: 64 << 20, ..LoadOptions::default() });
    loader.add_str(&text, "big.yaml");
    assert_eq!(loader.finish().unwrap().pods().len(), 1);
}

#[test]
fn invalid_utf8_is_a_clear_error() {
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_bytes(b"kind: Pod\nmetadata: {name: \xff}\n", "bad.yaml");
    let err = loader.finish().unwrap_err().to_string();
    assert!(err.contains("bad.yaml: not UTF-8 text (invalid byte at line 2, offset 27)"), "{err}");
}

#[test]
fn unreadable_paths_are_errors_not_skips() {
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_path(std::path::Path::new("/nonexistent/netpol/input.yaml"));
    let err = loader.finish().unwrap_err().to_string();
    assert!(err.contains("/nonexistent/netpol/input.yaml: cannot read"), "{err}");
}

#[test]
fn lenient_mode_skips_and_reports_but_parse_errors_still_fail() {
    let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: bad, namespace: a}, spec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}}
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: good, namespace: a}, spec: {podSelector: {}}}
"#;
    let mut loader = Loader::new(LoadOptions { strictness: Strictness::Lenient, ..LoadOptions::default() });
    loader.add_str(text, "in.yaml");
    let c = loader.finish().unwrap();
    assert_eq!(c.policies().len(), 1);
    assert_eq!(c.policies()[0].name, "good");
    assert!(warnings(&c).contains("NetworkPolicy a/bad: spec.ingress[0].ports[0].port: invalid port 0"));

    let mut loader = Loader::new(LoadOptions { strictness: Strictness::Lenient, ..LoadOptions::default() });
    loader.add_str("kind: [unclosed", "broken.yaml");
    assert!(loader.finish().is_err());
}

#[test]
fn strict_mode_lists_every_problem() {
    let text = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: one, namespace: a}, spec: {podSelector: {}, ingress: [{ports: [{port: 0}]}]}}
- {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: two, namespace: a}, spec: {podSelector: {}, egress: [{to: [{}]}]}}
"#;
    let err = load(text).unwrap_err();
    assert_eq!(err.diagnostics().len(), 2, "{err}");
    assert!(err.to_string().starts_with("2 problems in the input:"));
}

/// `fuzz_regressions.rs` also puts these through the `load` fuzz target's checks.
#[test]
fn hostile_shapes_do_not_panic() {
    for text in SHAPES {
        let _ = load(text);
    }
}
