//! `netpol audit` as scripts use it: exit codes with `--fail-on`, the JSON shape, options.

mod common;

use serde_json::Value;

use common::{example, netpol, path, stdout};

fn gaps() -> String {
    path("examples/gaps/cluster.yaml")
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn json(args: &[&str]) -> Value {
    let out = netpol(args);
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn text_output_on_the_bundled_example() {
    let out = netpol(&["audit", &example()]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.starts_with("NP102 warning Namespace monitoring, Pod monitoring/prometheus-0: monitoring: 1 of 1 pod"),
        "{text}"
    );
    assert!(text.contains("\n  fix: add a default-deny egress policy to monitoring"), "{text}");
    assert!(text.contains("\n  paths: NetworkPolicy shop/frontend-from-internet spec.ingress[0].from[0]\n"), "{text}");
    assert!(text.contains("\nnamespace     pods  ingress isolated  egress isolated\n"), "{text}");
    assert!(text.contains("\nshop             5  5 (100%)          5 (100%)\n"), "{text}");
    assert!(text.ends_with("\n2 findings: 0 errors, 1 warning, 1 info\n"), "{text}");
}

#[test]
fn fail_on_sets_the_exit_code() {
    // The bundled example has a warning and an info finding, no error.
    assert_eq!(netpol(&["audit", &example(), "--fail-on", "warning"]).status.code(), Some(1));
    assert_eq!(netpol(&["audit", &example(), "--fail-on", "error"]).status.code(), Some(0));
    assert_eq!(netpol(&["audit", &gaps(), "--fail-on", "error"]).status.code(), Some(1));
    assert_eq!(netpol(&["audit", &gaps()]).status.code(), Some(0));
    assert_eq!(netpol(&["audit", &gaps(), "--fail-on", "fatal"]).status.code(), Some(2));
}

#[test]
fn bad_input_exits_2() {
    assert_eq!(netpol(&["audit", "/nonexistent/cluster.yaml"]).status.code(), Some(2));
    let out = netpol(&["audit", &example(), "--dns-selector", "k8s-app"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dns-selector"));
}

#[test]
fn json_has_exactly_the_documented_shape() {
    let v = json(&["audit", &gaps(), "-o", "json"]);
    assert_eq!(keys(&v), ["coverage", "findings", "summary"]);
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 14);
    for f in findings {
        assert_eq!(keys(f), ["fix", "id", "objects", "paths", "severity", "slug", "why"]);
        assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
        for p in f["paths"].as_array().unwrap() {
            assert_eq!(keys(p), ["object", "path"]);
        }
    }
    let first = &findings[0];
    assert_eq!(first["id"], "NP301");
    assert_eq!(first["slug"], "no-dns-egress");
    assert_eq!(first["severity"], "error");
    // JSON lists every object; text stops at six.
    let np406 = findings.iter().find(|f| f["id"] == "NP406").unwrap();
    assert_eq!(np406["objects"].as_array().unwrap().len(), 11);
    let coverage = v["coverage"].as_array().unwrap();
    assert_eq!(
        keys(&coverage[0]),
        ["egress_isolated", "egress_share", "ingress_isolated", "ingress_share", "namespace", "pods"]
    );
    let batch = coverage.iter().find(|c| c["namespace"] == "batch").unwrap();
    assert_eq!((batch["pods"].as_u64(), batch["ingress_share"].as_f64()), (Some(2), Some(0.0)));
    assert_eq!(
        v["summary"],
        serde_json::json!({"findings": 14, "error": 3, "warning": 10, "info": 1,
                           "pods": 12, "ingress_isolated": 7, "egress_isolated": 7})
    );
}

#[test]
fn system_namespaces_and_dns_are_options() {
    let ids = |v: &Value| -> Vec<String> {
        v["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap().to_string()).collect()
    };
    // kube-system is no longer a system namespace: held to both directions like any other.
    let v = json(&["audit", &gaps(), "-o", "json", "--system-namespace", "kube-public"]);
    let found = ids(&v);
    assert!(!found.contains(&"NP103".to_string()));
    assert_eq!(found.iter().filter(|id| *id == "NP101" || *id == "NP102").count(), 4);
    // DNS pods looked for elsewhere: none found, said once.
    let v = json(&["audit", &example(), "-o", "json", "--dns-namespace", "dns", "--dns-selector", "app=resolver"]);
    assert!(ids(&v).contains(&"NP303".to_string()));
}
