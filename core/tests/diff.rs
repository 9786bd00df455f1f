//! `netpol::diff`: changed connections between two clusters, folded by workload, with causes.

use std::path::Path;

use netpol::diff::{diff, Diff};
use netpol::k8s::{LoadOptions, Loader};
use netpol::{Cluster, Compiler, Engine, Protocol};

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn engine(paths: &[&str], extra: &str) -> Engine {
    let mut loader = Loader::new(LoadOptions::default());
    for p in paths {
        loader.add_path(&repo().join(p));
    }
    if !extra.is_empty() {
        loader.add_str(extra, "extra");
    }
    Compiler::new().compile(&loader.finish().unwrap_or_else(|e| panic!("{e}")))
}

fn from_yaml(text: &str) -> Engine {
    Compiler::new().compile(&Cluster::from_yaml_str(text).unwrap_or_else(|e| panic!("{e}")))
}

fn pr() -> Diff {
    diff(&engine(&["examples/pr/before"], ""), &engine(&["examples/pr/after"], ""))
}

#[test]
fn the_pull_request_example() {
    let d = pr();
    assert_eq!(d.policies_changed, ["shop/api", "shop/payment-provider"]);
    assert!(d.policies_added.is_empty() && d.policies_removed.is_empty());
    assert_eq!(d.changes.len(), 1, "{d:#?}");
    let c = &d.changes[0];
    assert!(c.allowed);
    assert_eq!(c.from, ["checkout/deployment/orders"]);
    assert_eq!(c.to, ["shop/deployment/api"]);
    assert_eq!(c.ports.ranges(Protocol::Tcp), [(8080, 8080)]);
    assert!(c.ports.ranges(Protocol::Udp).is_empty());
    assert_eq!(c.causes, ["shop/api (changed)"]);
    assert!(d.newly_allows());
}

#[test]
fn an_except_change_only_touches_external_addresses() {
    let d = pr();
    assert_eq!(d.external.len(), 1, "{d:#?}");
    let e = &d.external[0];
    assert!(!e.allowed);
    assert_eq!(e.cidrs, ["203.0.113.64/26"]);
    assert_eq!(e.ports.ranges(Protocol::Tcp), [(443, 443)]);
    assert_eq!(e.groups, ["shop/cronjob/settlement-report", "shop/deployment/api"]);
    assert_eq!(e.causes, ["shop/payment-provider (changed)"], "shop/api changed only its ingress");
    assert_eq!(d.summary.denied_pod_pairs, 0, "no pod pair changes");
}

#[test]
fn only_an_except_changes() {
    let before = from_yaml(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]}]
"#,
    );
    let after = from_yaml(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: out, namespace: x}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/17]}}]}]
"#,
    );
    let d = diff(&before, &after);
    assert!(d.changes.is_empty());
    assert_eq!(d.external.len(), 1, "{d:#?}");
    let e = &d.external[0];
    assert!(e.allowed);
    assert_eq!(e.cidrs, ["10.1.128.0/17"]);
    assert_eq!(e.groups, ["x/a"]);
    assert_eq!(e.causes, ["x/out (changed)"]);
    assert!(d.to_text().contains("x/a -> 10.1.128.0/17  any port\n    because: x/out (changed)\n"), "{}", d.to_text());
    // And back: the same range, newly denied.
    let back = diff(&after, &before);
    assert!(!back.newly_allows() && back.external.len() == 1 && !back.external[0].allowed);
}

#[test]
fn a_default_deny_is_folded_into_few_lines() {
    let deny = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: default-deny, namespace: checkout}\nspec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n";
    let d = diff(&engine(&["examples/pr/before"], ""), &engine(&["examples/pr/before"], deny));
    assert_eq!(d.policies_added, ["checkout/default-deny"]);
    assert!(!d.newly_allows());
    assert!(d.changes.len() <= 2, "{}", d.to_text());
    assert!(d.changes.iter().all(|c| c.causes == ["checkout/default-deny (added)"]));
    assert_eq!(d.summary.denied_pod_pairs, d.changes.iter().map(|c| c.pod_pairs).sum::<usize>());
    // The exact pairs: as many pod pairs and workload pairs as the summary, every one touching
    // checkout/deployment/orders (the only workload the policy selects), none a workload to
    // itself unless it has several pods.
    assert_eq!(d.summary.denied_pod_pairs, d.pairs.iter().map(|p| p.pod_pairs).sum::<usize>());
    let workload_pairs: std::collections::BTreeSet<(&str, &str)> =
        d.pairs.iter().map(|p| (p.from.as_str(), p.to.as_str())).collect();
    assert_eq!(workload_pairs.len(), d.summary.denied_group_pairs);
    assert!(d.pairs.iter().all(|p| !p.allowed && p.causes == ["checkout/default-deny (added)"]));
    assert!(d.pairs.iter().all(|p| p.from.starts_with("checkout/") || p.to.starts_with("checkout/")), "{:?}", d.pairs);
    let text = d.to_text();
    assert!(text.contains("-> checkout/deployment/orders  any port"), "{text}");
    assert!(text.contains("any address -> checkout/deployment/orders  any port"), "{text}");
}

#[test]
fn representatives_match_real_pods_of_the_same_workload() {
    // Drift: a live dump (real pods) against the manifests (a Deployment).
    let live = from_yaml(
        r#"
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: web-5d9c7b-abcde, namespace: a, labels: {app: web, pod-template-hash: 5d9c7b}}, status: {podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: db-0, namespace: a, labels: {app: db, statefulset.kubernetes.io/pod-name: db-0}}, status: {podIP: 10.0.0.2}}
"#,
    );
    let manifests = from_yaml(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w}]}}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: a}
spec: {selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: d}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: new, namespace: a}
spec: {selector: {matchLabels: {app: new}}, template: {metadata: {labels: {app: new}}, spec: {containers: [{name: n}]}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: a}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
"#,
    );
    let d = diff(&live, &manifests);
    assert_eq!(d.added, ["a/deployment/new"]);
    assert!(d.removed.is_empty());
    assert_eq!(d.policies_added, ["a/db"]);
    assert!(!d.newly_allows());
    let lines: Vec<_> = d.changes.iter().map(|c| (c.from.join(","), c.to.join(","))).collect();
    assert_eq!(lines, [("a/deployment/web".to_string(), "a/statefulset/db".to_string())], "{}", d.to_text());
    let c = &d.changes[0];
    assert_eq!(c.ports.ranges(Protocol::Tcp), [(1, 5431), (5433, 65535)]);
    assert!(c.ports.is_all(Protocol::Udp));
}

#[test]
fn identical_inputs_have_no_changes_and_json_has_the_documented_shape() {
    let a = engine(&["examples/cluster.yaml"], "");
    let d = diff(&a, &a);
    assert!(d.is_empty() && !d.newly_allows());
    assert!(d.to_text().ends_with("no connection changes\n"), "{}", d.to_text());
    let json = pr().to_json();
    let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["added", "changes", "external", "pairs", "policies", "removed", "summary"]);
    assert_eq!(json["pairs"][0]["from"], "checkout/deployment/orders");
    assert_eq!(json["pairs"][0]["to"], "shop/deployment/api");
    assert_eq!(json["summary"]["newly_allowed"]["pod_pairs"], 1);
    assert_eq!(json["changes"][0]["ports"]["TCP"][0], "8080");
    assert_eq!(json["external"][0]["direction"], "egress");
}

/// S15: a cluster policy changed from Pass to Accept opens what the NetworkPolicy and the
/// baseline tier closed, and the diff names it as the cause.
#[test]
fn a_cluster_policy_change_is_named_as_the_cause() {
    let before = std::fs::read_to_string(repo().join("examples/admin-tiers.yaml")).unwrap();
    let after =
        before.replace("  - name: shop-decides\n    action: Pass", "  - name: shop-decides\n    action: Accept");
    assert_ne!(before, after, "the example has the Pass rule");
    let d = diff(&from_yaml(&before), &from_yaml(&after));
    assert_eq!(d.policies_changed, ["ClusterNetworkPolicy protect-db"]);
    let lines: Vec<(Vec<String>, Vec<String>, Vec<String>)> =
        d.changes.iter().map(|c| (c.from.clone(), c.to.clone(), c.causes.clone())).collect();
    let cause = vec!["ClusterNetworkPolicy protect-db (changed)".to_string()];
    assert_eq!(
        lines,
        [
            (vec!["shop/api".to_string()], vec!["shop/db".to_string()], cause.clone()),
            (vec!["shop/web".to_string()], vec!["shop/db".to_string()], cause),
        ]
    );
    assert!(d.changes.iter().all(|c| c.allowed));
    // api was admitted on 5432 by the NetworkPolicy already: everything else is new.
    assert!(!d.changes[0].ports.allows(5432, Protocol::Tcp) && d.changes[0].ports.allows(5433, Protocol::Tcp));
    assert!(d.changes[1].ports.allows(5432, Protocol::Tcp));
}
