//! `netpol reach --exposure`: the selectors through which a pod can be reached (or reach),
//! including rules that match no pod today, with their scope, ports and rule paths.

mod common;

use common::{example, netpol, netpol_stdin, text};
use serde_json::Value;

/// `web` in `shop` is isolated by three policies: one admits pods labelled `app=checkout` (none
/// exist yet), one every pod of every namespace on 9090, one every address on 443 (an ipBlock
/// 0.0.0.0/0) and one rule has no peers on 8443. `lonely` in `other` is not isolated.
const CLUSTER: &str = r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: shop, labels: {team: shop}}}
- {apiVersion: v1, kind: Namespace, metadata: {name: other}}
- {apiVersion: v1, kind: Pod, metadata: {name: web, namespace: shop, labels: {app: web}}, status: {podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: lonely, namespace: other, labels: {app: x}}, status: {podIP: 10.0.0.2}}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: from-checkout, namespace: shop}
  spec:
    podSelector: {matchLabels: {app: web}}
    ingress:
    - from:
      - podSelector: {matchLabels: {app: checkout}}
        namespaceSelector: {matchLabels: {team: shop}}
      ports: [{port: 8080}]
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: metrics, namespace: shop}
  spec:
    podSelector: {}
    ingress:
    - from: [{namespaceSelector: {}}]
      ports: [{port: 9090}]
    - from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
      ports: [{port: 443}]
    - ports: [{port: 8443}]
"#;

fn exposure_json(args: &[&str]) -> Value {
    let mut all = vec!["reach", "-", "--exposure", "-o", "json"];
    all.extend_from_slice(args);
    let out = netpol_stdin(&all, CLUSTER);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    json["exposure"][0].clone()
}

#[test]
fn every_way_in_is_listed_widest_first_with_todays_matches() {
    let e = exposure_json(&["--to", "shop/web"]);
    assert_eq!(e["pod"], "shop/web");
    assert_eq!(e["direction"], "ingress");
    assert_eq!(e["isolating"], serde_json::json!(["shop/from-checkout", "shop/metrics"]));
    let entries: Vec<(String, String, String, String, u64)> = e["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["scope"].as_str().unwrap().to_string(),
                x["peer"].as_str().unwrap().to_string(),
                x["ports"].as_str().unwrap().to_string(),
                format!("{} {}", x["policy"].as_str().unwrap(), x["path"].as_str().unwrap()),
                x["pods_today"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("everything", "every pod and address", "8443/TCP", "NetworkPolicy shop/metrics spec.ingress[2]", 1),
        (
            "entire-cluster",
            "every pod in every namespace",
            "9090/TCP",
            "NetworkPolicy shop/metrics spec.ingress[0].from[0]",
            1,
        ),
        (
            "every-address",
            "ipBlock 0.0.0.0/0 except 10.0.0.0/8",
            "443/TCP",
            "NetworkPolicy shop/metrics spec.ingress[1].from[0]",
            0,
        ),
        // No pod is labelled app=checkout today: still a way in for a future one.
        (
            "selected",
            "pods app=checkout in namespaces team=shop",
            "8080/TCP",
            "NetworkPolicy shop/from-checkout spec.ingress[0].from[0]",
            0,
        ),
    ];
    let expected: Vec<(String, String, String, String, u64)> = expected
        .iter()
        .map(|(a, b, c, d, n)| (a.to_string(), b.to_string(), c.to_string(), d.to_string(), *n))
        .collect();
    assert_eq!(entries, expected);
    let wide: Vec<bool> = e["entries"].as_array().unwrap().iter().map(|x| x["wide"].as_bool().unwrap()).collect();
    assert_eq!(wide, [true, true, true, false]);
}

#[test]
fn a_pod_not_isolated_says_so_and_text_flags_wide_entries() {
    let e = exposure_json(&["--to", "other/lonely"]);
    assert_eq!(e["isolating"], serde_json::json!([]));
    assert_eq!(e["entries"], serde_json::json!([]));
    let out = netpol_stdin(&["reach", "-", "--to", "other/lonely", "--exposure"], CLUSTER);
    assert!(text(&out.stdout).contains("not isolated for ingress: every pod and address, on every port"));
    let out = netpol_stdin(&["reach", "-", "--to", "shop/web", "--exposure"], CLUSTER);
    let report = text(&out.stdout);
    assert!(
        report.contains("  every pod in every namespace on 9090/TCP  via NetworkPolicy shop/metrics spec.ingress[0].from[0]  (1 pod today)  [EVERY POD OF THE CLUSTER]"),
        "{report}"
    );
    // Egress: web is not isolated for egress.
    let e = exposure_json(&["--from", "shop/web"]);
    assert_eq!(e["direction"], "egress");
    assert_eq!(e["isolating"], serde_json::json!([]));
}

#[test]
fn a_workload_and_cluster_policies_and_bad_subjects() {
    // Both api pods of the example share their labels: one exposure.
    let out = netpol(&["reach", &example(), "--to", "shop/deployment/api", "--exposure", "-o", "json"]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["exposure"].as_array().unwrap().len(), 1);
    // Cluster policies in evaluation order, with their actions.
    let tiers =
        netpol(&["reach", &common::path("examples/admin-tiers.yaml"), "--to", "shop/db", "--exposure", "-o", "json"]);
    let json: Value = serde_json::from_slice(&tiers.stdout).unwrap();
    let actions: Vec<Value> =
        json["exposure"][0]["entries"].as_array().unwrap().iter().map(|e| e["action"].clone()).collect();
    assert_eq!(actions, [Value::from("Pass"), "Deny".into(), Value::Null, "Deny".into()]);
    // An address has no selectors of its own.
    let out = netpol(&["reach", &example(), "--to", "203.0.113.9", "--exposure"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--exposure is about a pod or a workload"), "{}", text(&out.stderr));
}
