//! `netpol` on a cluster with admin tiers (S15): check and explain name the tier, the policy,
//! the priority and the rule; `--tie` decides equal priorities that disagree, `--tie error`
//! refuses them; audit reports them.

mod common;

use serde_json::Value;

use common::{netpol, path as repo_path, scratch, stderr, stdout};

fn admin_example() -> String {
    repo_path("examples/admin-tiers.yaml")
}

#[test]
fn check_names_the_tier_policy_priority_and_rule() {
    let out = netpol(&["check", &admin_example(), "--from", "ops/tool", "--to", "shop/db", "--port", "5432"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "denied by admin policy ClusterNetworkPolicy protect-db priority 10 rule \"nobody-else\" spec.ingress[1].from[0] (Deny)"
        ),
        "{text}"
    );
    let out = netpol(&[
        "check",
        &admin_example(),
        "--from",
        "shop/web",
        "--to",
        "shop/web",
        "--port",
        "5432",
        "--self-traffic",
        "evaluate",
    ]);
    let text = stdout(&out);
    assert!(text.contains("not isolated by NetworkPolicies: on to the baseline tier"), "{text}");
    assert!(text.contains("denied by baseline policy ClusterNetworkPolicy shop-default-deny priority 5"), "{text}");
}

#[test]
fn check_json_carries_the_tier_steps() {
    let out =
        netpol(&["check", &admin_example(), "--from", "shop/api", "--to", "shop/db", "--port", "5432", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let ingress = &v["ingress"];
    assert_eq!(ingress["reason"], "admitted");
    assert_eq!(ingress["admin"]["action"], "Pass");
    assert_eq!(ingress["admin"]["ambiguous"], false);
    let m = &ingress["admin"]["matches"][0];
    assert_eq!(
        (m["kind"].as_str(), m["policy"].as_str(), m["priority"].as_u64()),
        (Some("ClusterNetworkPolicy"), Some("protect-db"), Some(10))
    );
    assert_eq!(
        (m["rule"].as_u64(), m["rule_name"].as_str(), m["peer"].as_u64()),
        (Some(0), Some("shop-decides"), Some(0))
    );
    assert_eq!(ingress["admitted_by"][0]["policy"], "shop/db-from-api");
    assert_eq!(v["egress"]["admin"], Value::Null);
}

/// Two Admin policies at priority 7 for the same pod: one accepts, one denies.
fn tie_cluster() -> String {
    let file = scratch("tie").join("tie.yaml");
    let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n\
        apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: a}\nstatus: {phase: Running, podIP: 10.0.0.1}\n---\n\
        apiVersion: v1\nkind: Pod\nmetadata: {name: y, namespace: a}\nstatus: {phase: Running, podIP: 10.0.0.2}\n---\n\
        apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: open}\n\
        spec: {tier: Admin, priority: 7, subject: {namespaces: {}}, ingress: [{action: Accept, from: [{namespaces: {}}]}]}\n---\n\
        apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: shut}\n\
        spec: {tier: Admin, priority: 7, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}\n";
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

#[test]
fn tie_option_decides_equal_priorities_and_every_mode_reports_them() {
    let file = tie_cluster();
    let path = file.as_str();
    let check = |tie: &str| netpol(&["check", path, "--from", "a/x", "--to", "a/y", "--port", "80", "--tie", tie]);
    let deny = check("deny-wins");
    assert_eq!(deny.status.code(), Some(1), "{}", stderr(&deny));
    assert!(
        stderr(&deny).contains("same tier (Admin) and priority (7) as ClusterNetworkPolicy open"),
        "{}",
        stderr(&deny)
    );
    assert!(stdout(&deny).contains("ambiguous: at the same priority ClusterNetworkPolicy open"), "{}", stdout(&deny));
    let accept = check("accept-wins");
    assert_eq!(accept.status.code(), Some(0), "{}", stdout(&accept));
    assert!(stdout(&accept).contains("accepted by admin policy ClusterNetworkPolicy open"), "{}", stdout(&accept));
    let refuse = check("error");
    assert_eq!(refuse.status.code(), Some(2), "{}", stdout(&refuse));
    assert!(stderr(&refuse).contains("refused (--tie error)"), "{}", stderr(&refuse));
    let audit = netpol(&["audit", path, "-o", "json"]);
    let v: Value = serde_json::from_str(&stdout(&audit)).unwrap();
    let ids: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"NP501"), "{ids:?}");
}

#[test]
fn matrix_follows_the_tiers() {
    let out = netpol(&["matrix", &admin_example(), "--port", "5432", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let pods: Vec<&str> = v["pods"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(pods, ["ops/tool", "shop/api", "shop/db", "shop/web"]);
    let rows: Vec<Vec<bool>> = v["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|c| c.as_bool().unwrap()).collect())
        .collect();
    // Column shop/db: only api (passed, then admitted); shop/api and shop/web columns: the
    // baseline tier denies; ops/tool has no policy.
    assert_eq!(
        rows,
        [
            [true, false, false, false],
            [true, true, true, false],
            [true, false, true, false],
            [true, false, false, true]
        ]
    );
}

/// S15.6: `domainNames` peers match nothing without DNS data, and the addresses `--dns-map`
/// gives the names with it.
#[test]
fn domain_names_resolve_through_the_dns_map() {
    let dir = scratch("dns");
    let cluster = dir.join("egress.yaml");
    std::fs::write(
        &cluster,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: a}\nstatus: {phase: Running, podIP: 10.0.0.1}\n---\n\
         apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: allowlist}\n\
         spec: {tier: Admin, priority: 5, subject: {namespaces: {}}, egress: [{name: partners, action: Accept, to: [{domainNames: ['*.example.com']}]}]}\n---\n\
         apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: no-internet}\n\
         spec: {tier: Admin, priority: 10, subject: {namespaces: {}}, egress: [{action: Deny, to: [{networks: [0.0.0.0/0]}]}]}\n",
    )
    .unwrap();
    let dns = dir.join("dns.yaml");
    std::fs::write(&dns, "api.example.com: [192.0.2.10]\nexample.com: 192.0.2.20\n").unwrap();
    let (cluster, dns) = (cluster.to_str().unwrap(), dns.to_str().unwrap());
    let check = |to: &str, map: bool| {
        let mut args = vec!["check", cluster, "--from", "a/app", "--to", to, "--port", "443"];
        if map {
            args.extend(["--dns-map", dns]);
        }
        netpol(&args)
    };
    let unknown = check("192.0.2.10", false);
    assert_eq!(unknown.status.code(), Some(1), "{}", stdout(&unknown));
    assert!(
        stdout(&unknown).contains("denied by admin policy ClusterNetworkPolicy no-internet"),
        "{}",
        stdout(&unknown)
    );
    let known = check("192.0.2.10", true);
    assert_eq!(known.status.code(), Some(0), "{}{}", stdout(&known), stderr(&known));
    assert!(
        stdout(&known).contains("accepted by admin policy ClusterNetworkPolicy allowlist priority 5 rule \"partners\""),
        "{}",
        stdout(&known)
    );
    // `*.example.com` does not match example.com itself.
    assert_eq!(check("192.0.2.20", true).status.code(), Some(1));
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "api.example.com: [not-an-ip]\n").unwrap();
    let out = netpol(&[
        "check",
        cluster,
        "--from",
        "a/app",
        "--to",
        "192.0.2.10",
        "--port",
        "443",
        "--dns-map",
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("api.example.com: \"not-an-ip\" is not an IP address"), "{}", stderr(&out));
}
