//! Pods the loader leaves out (host-network, finished) are named as such when asked about.

mod common;

use std::process::Output;

use common::{example, netpol, netpol_stdin, stderr};

const CLUSTER: &str = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: hn, namespace: kube-system}, spec: {hostNetwork: true, containers: []}, status: {phase: Running, podIP: 192.168.1.5}}
- {apiVersion: v1, kind: Pod, metadata: {name: web, namespace: x}, status: {phase: Running, podIP: 10.0.0.2}}
"#;

/// The error line (the warnings about the left-out pods come first).
fn error(out: &Output) -> String {
    stderr(out).lines().last().unwrap_or_default().to_string()
}

const HOST_NETWORK: &str =
    "kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address";

#[test]
fn check_names_a_host_network_pod_as_left_out() {
    let out = netpol_stdin(&["check", "-", "--from", "kube-system/hn", "--to", "x/web", "--port", "80"], CLUSTER);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(error(&out), format!("error: --from: {HOST_NETWORK}"));
    let out = netpol_stdin(&["check", "-", "--from", "x/web", "--to", "kube-system/hn", "--port", "80"], CLUSTER);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("--to: {HOST_NETWORK}")), "{}", stderr(&out));
    // Any other unknown name keeps the usual wording.
    let out = netpol_stdin(&["check", "-", "--from", "kube-system/nope", "--to", "x/web", "--port", "80"], CLUSTER);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--from \"kube-system/nope\": no such pod in the input"), "{}", stderr(&out));
}

#[test]
fn reach_names_a_finished_pod_as_left_out() {
    // The example's migration Job pod has finished.
    let out = netpol(&["reach", &example(), "--to", "shop/db-migrate-28571340-5xq2d"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        error(&out),
        "error: --to: shop/db-migrate-28571340-5xq2d was left out: its phase is Succeeded (finished pods hold no connections); its IP is an outside address"
    );
    let out = netpol_stdin(&["reach", "-", "--from", "kube-system/hn"], CLUSTER);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(error(&out), format!("error: --from: {HOST_NETWORK}"));
}
