//! `netpol diff` as a pull-request check uses it: exit codes, text, JSON, manifests and dumps.

mod common;

use serde_json::Value;

use common::{netpol, path, stdout};

#[test]
fn the_pull_request_walkthrough() {
    let (before, after) = (path("examples/pr/before"), path("examples/pr/after"));
    let out = netpol(&["diff", "--before", &before, "--after", &after]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = stdout(&out);
    assert_eq!(
        text,
        "newly allowed: 1 pod pair (1 workload pair), 0 external changes; newly denied: 0 pod pairs (0 workload pairs), 1 external change\n\
         policies: changed shop/api, shop/payment-provider\n\
         \n\
         NEWLY ALLOWED\n\
         \x20 checkout/deployment/orders -> shop/deployment/api  8080/TCP  (1 workload pair, 1 pod pair)\n\
         \x20   because: shop/api (changed)\n\
         \n\
         NEWLY DENIED\n\
         \x20 shop/cronjob/settlement-report, shop/deployment/api -> 203.0.113.64/26  443/TCP\n\
         \x20   because: shop/payment-provider (changed)\n"
    );
}

/// `diff` takes the loader's flags as every command that reads a cluster does (`--limit`,
/// `--max-memory`, `--dns-map`), for both sides.
#[test]
fn loader_flags_apply_to_both_sides() {
    let (before, after) = (path("examples/pr/before"), path("examples/pr/after"));
    let out = netpol(&["diff", "--before", &before, "--after", &after, "--limit", "objects=3"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("over the limit of 3 (raise it with the `objects` limit)"), "{stderr}");
    let out = netpol(&[
        "diff",
        "--before",
        &before,
        "--after",
        &after,
        "--limit",
        "objects=10000",
        "--max-memory",
        "100000000",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `--fail-on allowed|denied|any`: the walkthrough's change both allows (orders -> api) and
/// denies (an external range); a change that only denies fails `denied` and `any` only.
#[test]
fn fail_on_names_the_direction_of_change() {
    let (before, after) = (path("examples/pr/before"), path("examples/pr/after"));
    let code = |b: &str, a: &[&str], on: &str| {
        let mut args = vec!["diff", "--before", b, "--after"];
        args.extend_from_slice(a);
        args.extend_from_slice(&["--fail-on", on]);
        netpol(&args).status.code()
    };
    for on in ["allowed", "denied", "any"] {
        assert_eq!(code(&before, &[&after], on), Some(1), "{on}");
        assert_eq!(code(&after, &[&after], on), Some(0), "no change, {on}");
    }
    let deny = path("cli/tests/data/default-deny-checkout.yaml");
    assert_eq!(code(&before, &[&before, &deny], "allowed"), Some(0));
    assert_eq!(code(&before, &[&before, &deny], "denied"), Some(1));
    assert_eq!(code(&before, &[&before, &deny], "any"), Some(1));
    let out = netpol(&["diff", "--before", &before, "--after", &after, "--fail-on", "any", "--fail-on-change"]);
    assert_eq!(out.status.code(), Some(2), "the two flags conflict");
}

#[test]
fn fail_on_change_exits_1_only_when_something_is_newly_allowed() {
    let (before, after) = (path("examples/pr/before"), path("examples/pr/after"));
    assert_eq!(netpol(&["diff", "--before", &before, "--after", &after, "--fail-on-change"]).status.code(), Some(1));
    // The other way round loosens the except again: newly allowed too.
    assert_eq!(netpol(&["diff", "--before", &after, "--after", &before, "--fail-on-change"]).status.code(), Some(1));
    // No change at all.
    assert_eq!(netpol(&["diff", "--before", &after, "--after", &after, "--fail-on-change"]).status.code(), Some(0));
    let deny = path("cli/tests/data/default-deny-checkout.yaml");
    let out = netpol(&["diff", "--before", &before, "--after", &before, &deny, "--fail-on-change"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("policies: added checkout/default-deny\n"), "{}", stdout(&out));
    // Bad input is 2.
    assert_eq!(netpol(&["diff", "--before", &before, "--after", "/nonexistent"]).status.code(), Some(2));
    assert_eq!(netpol(&["diff", "--before", &before]).status.code(), Some(2));
}

#[test]
fn json_shape() {
    let (before, after) = (path("examples/pr/before"), path("examples/pr/after"));
    let out = netpol(&["diff", "--before", &before, "--after", &after, "-o", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["summary"]["newly_allowed"], serde_json::json!({"pod_pairs": 1, "workload_pairs": 1, "external": 0}));
    assert_eq!(
        v["changes"][0],
        serde_json::json!({"change": "allowed", "from": ["checkout/deployment/orders"], "to": ["shop/deployment/api"],
                           "ports": {"TCP": ["8080"]}, "workload_pairs": 1, "pod_pairs": 1, "causes": ["shop/api (changed)"]})
    );
    assert_eq!(v["external"][0]["cidrs"], serde_json::json!(["203.0.113.64/26"]));
    assert_eq!(v["external"][0]["addresses"], "203.0.113.64/26");
    assert_eq!(v["policies"]["changed"], serde_json::json!(["shop/api", "shop/payment-provider"]));
}

#[test]
fn drift_between_a_live_dump_and_manifests() {
    // The bundled live dump against manifests of the same shop: real pods match Deployments.
    let out = netpol(&["diff", "--before", &path("examples/cluster.yaml"), "--after", &path("examples/pr/before")]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("only after (not compared): checkout/deployment/orders, shop/cronjob/settlement-report\n"),
        "{text}"
    );
    assert!(!text.contains("shop/api-7f6d5c8b9"), "pods of a workload on both sides are compared, not listed: {text}");
}

#[test]
fn a_default_deny_on_a_generated_cluster_folds_to_whole_namespaces() {
    let out =
        netpol(&["generate", "--namespaces", "10", "--pods-per-namespace", "12", "--policies", "60", "--seed", "1"]);
    let after = stdout(&out);
    let before: String = after
        .split("\n- ")
        .filter(|item| !(item.contains("kind: NetworkPolicy") && item.contains("namespace: search-prod")))
        .collect::<Vec<_>>()
        .join("\n- ");
    let dir = std::env::temp_dir().join(format!("netpol-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (b, a) = (dir.join("before.yaml"), dir.join("after.yaml"));
    std::fs::write(&b, before).unwrap();
    std::fs::write(&a, after).unwrap();
    let out = netpol(&["diff", "--before", b.to_str().unwrap(), "--after", a.to_str().unwrap()]);
    let text = stdout(&out);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(text.starts_with("newly allowed: 0 pod pairs"), "{text}");
    assert!(text.contains("search-prod/*"), "{text}");
    assert!(text.lines().count() < 30, "{text}");
    let first = text.lines().next().unwrap();
    let denied: usize = first.split("newly denied: ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(denied > 100, "{first}");
}

#[test]
fn namespace_default_for_manifests_without_one() {
    let dir = std::env::temp_dir().join(format!("netpol-diff-ns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let web = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: w}]}}}\n";
    let deny =
        "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n";
    std::fs::write(dir.join("a.yaml"), format!("{web}---\n{}", web.replace("web", "api"))).unwrap();
    std::fs::write(dir.join("b.yaml"), format!("{web}---\n{}{deny}", web.replace("web", "api"))).unwrap();
    let (a, b) = (dir.join("a.yaml"), dir.join("b.yaml"));
    let out = netpol(&["diff", "--namespace", "team", "--before", a.to_str().unwrap(), "--after", b.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    let text = stdout(&out);
    assert!(text.contains("policies: added team/deny\n"), "{text}");
    assert!(
        text.contains("\n  * -> *  any port  (2 workload pairs, 2 pod pairs)\n    because: team/deny (added)\n"),
        "{text}"
    );
    assert!(text.contains("\n  any address -> *  any port\n"), "{text}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("no namespace given"));
}
