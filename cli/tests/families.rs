//! Address families (DESIGN S9a) through the CLI: the issue 15 reproducer, per-family verdicts
//! in `check -o json`, and "allowed over IPv4 only" in the text report.

mod common;

use common::{netpol, path, stdout};
use serde_json::Value;

fn check_json(file: &str, from: &str, to: &str, port: &str) -> (Option<i32>, Value) {
    let out = netpol(&["check", &path(file), "--from", from, "--to", to, "--port", port, "-o", "json"]);
    let json = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (out.status.code(), json)
}

const REPRO: &str = "examples/dual-stack/issue-15-reproducer.yaml";

#[test]
fn the_reproducer_is_denied_by_name_by_address_and_in_the_matrix() {
    for from in ["x/ds", "10.0.0.2", "::ffff:10.0.0.2"] {
        let (code, json) = check_json(REPRO, from, "x/a", "80");
        assert_eq!(code, Some(1), "{from}: {json}");
        assert_eq!(json["allowed"], false, "{from}");
        assert_eq!(json["families"], serde_json::json!({"ipv4": false}), "{from}");
        assert_eq!(json["family"], "ipv4");
        assert_eq!(json["ingress"]["reason"], "no-rule-admits");
    }
    // ds's IPv6 address: x/a has no IPv6 address, so no connection can exist.
    let (code, json) = check_json(REPRO, "fd00:1::2", "x/a", "80");
    assert_eq!(code, Some(1));
    assert_eq!(json["families"], serde_json::json!({}));
    assert_eq!(json["family"], Value::Null);
    assert_eq!(json["ingress"]["reason"], "no-common-family");
    let out = netpol(&["check", &path(REPRO), "--from", "fd00:1::2", "--to", "x/a", "--port", "80"]);
    assert!(
        stdout(&out)
            .contains("no address family in common: x/ds is addressed over IPv6 (fd00:1::2), x/a has IPv4 only"),
        "{}",
        stdout(&out)
    );
    let out = netpol(&["matrix", &path(REPRO), "--port", "80", "-o", "json"]);
    let m: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(m["pods"], serde_json::json!(["x/a", "x/ds"]));
    assert_eq!(m["allowed"], serde_json::json!([[true, true], [false, true]]));
}

#[test]
fn a_connection_allowed_over_one_family_only_says_so() {
    let file = "examples/dual-stack/cluster.yaml";
    let (code, json) = check_json(file, "shop/web", "shop/api", "8080");
    assert_eq!(code, Some(0));
    assert_eq!(json["families"], serde_json::json!({"ipv4": true, "ipv6": false}));
    assert_eq!(json["other_family"]["family"], "ipv6");
    assert_eq!(json["other_family"]["ingress"]["allowed"], false);
    let out = netpol(&["check", &path(file), "--from", "shop/web", "--to", "shop/api", "--port", "8080"]);
    let text = stdout(&out);
    assert!(
        text.starts_with("ALLOWED: shop/web -> shop/api on 8080/TCP (allowed over IPv4 only)\nover IPv4:\n"),
        "{text}"
    );
    assert!(text.contains("\nover IPv6:\n"), "{text}");
    // By its IPv6 address the connection is IPv6, and denied.
    let (code, json) = check_json(file, "fd00:10::1", "shop/api", "8080");
    assert_eq!(code, Some(1));
    assert_eq!(json["families"], serde_json::json!({"ipv6": false}));
    let out = netpol(&["audit", &path(file), "-o", "json"]);
    let ids: Vec<String> = serde_json::from_str::<Value>(&stdout(&out)).unwrap()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.contains(&"NP408".to_string()) && ids.contains(&"NP409".to_string()), "{ids:?}");
}
