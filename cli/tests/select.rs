//! `netpol select`: lookups by pod and by policy, text and JSON, and clear errors.

mod common;

use common::{example, netpol, path, text};

#[test]
fn by_pod_names_the_selecting_policies_and_the_rules_naming_it() {
    let out = netpol(&["select", &example(), "--pod", "shop/postgres-0"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.starts_with("shop/postgres-0\n"), "{report}");
    assert!(
        report.contains("  ingress: selected by shop/allow-monitoring, shop/default-deny, shop/postgres-from-api"),
        "{report}"
    );
    assert!(report.contains("NetworkPolicy shop/api-to-postgres spec.egress[0].to[0] (as a destination): pods app=postgres in the policy's namespace"), "{report}");
    let json: serde_json::Value =
        serde_json::from_slice(&netpol(&["select", &example(), "--pod", "shop/postgres-0", "-o", "json"]).stdout)
            .unwrap();
    assert_eq!(json["pod"], "shop/postgres-0");
    assert!(json["peer_of"].as_array().unwrap().iter().any(|p| p["policy"] == "NetworkPolicy shop/api-to-postgres"));
}

#[test]
fn by_policy_lists_pods_and_what_rules_admit() {
    let out = netpol(&["select", &example(), "--policy", "shop/api-to-postgres"]);
    assert_eq!(out.status.code(), Some(0));
    let report = text(&out.stdout);
    assert!(report.contains("NetworkPolicy shop/api-to-postgres (Egress)"), "{report}");
    assert!(report.contains("selects 2 pods: shop/api-7f6d5c8b9-4kx8m, shop/api-7f6d5c8b9-v7p2s"), "{report}");
    assert!(report.contains("admits 1 pod: shop/postgres-0; namespaces shop"), "{report}");
    let tiers = netpol(&["select", &path("examples/admin-tiers.yaml"), "--policy", "protect-db", "-o", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&tiers.stdout).unwrap();
    assert_eq!(json["selects"], serde_json::json!(["shop/db"]));
}

#[test]
fn unknown_names_and_bad_usage_exit_2() {
    let out = netpol(&["select", &example(), "--pod", "shop/nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--pod"), "{}", text(&out.stderr));
    let out = netpol(&["select", &example(), "--policy", "shop/nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no policy \"shop/nope\""), "{}", text(&out.stderr));
    assert_eq!(netpol(&["select", &example()]).status.code(), Some(2));
    assert_eq!(netpol(&["select", &example(), "--pod", "a/b", "--policy", "c/d"]).status.code(), Some(2));
}
