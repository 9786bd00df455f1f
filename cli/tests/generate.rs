//! `netpol generate`: deterministic output that the other subcommands read.

mod common;

use serde_json::Value;

use common::{netpol, netpol_stdin};

fn generate(args: &[&str]) -> Vec<u8> {
    let out = netpol(&[&["generate"], args].concat());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

const SMALL: [&str; 8] = ["--namespaces", "4", "--pods-per-namespace", "6", "--policies", "25", "--seed", "42"];

#[test]
fn same_arguments_same_bytes() {
    let first = generate(&SMALL);
    assert!(!first.is_empty());
    assert_eq!(first, generate(&SMALL));
    let mut other_seed = SMALL;
    other_seed[7] = "43";
    assert_ne!(first, generate(&other_seed));
    assert_eq!(generate(&[]), generate(&["--namespaces", "5", "--pods-per-namespace", "10", "--policies", "20"]));
}

#[test]
fn matrix_reads_the_output_from_stdin() {
    let yaml = generate(&SMALL);
    let out = netpol_stdin(&["matrix", "-", "--port", "8080", "-o", "json"], &yaml);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "no warnings: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pods = v["pods"].as_array().unwrap();
    assert_eq!(pods.len(), 4 * 6 + 2, "namespaces × pods per namespace, plus two CoreDNS pods");
    assert!(pods.iter().any(|p| p.as_str().unwrap().starts_with("kube-system/coredns-")));
}

#[test]
fn too_many_pods_is_a_usage_error() {
    let out = netpol(&["generate", "--namespaces", "100000", "--pods-per-namespace", "100000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at most"));
}

#[test]
fn numbers_over_the_maximums_are_usage_errors_not_panics() {
    let huge = "18446744073709551615";
    for (args, option, max) in [
        (vec!["generate", "--policies", huge], "--policies", "1000000"),
        (vec!["generate", "--namespaces", huge], "--namespaces", "100000"),
        (vec!["generate", "--pods-per-namespace", huge], "--pods-per-namespace", "4145152"),
        (vec!["bench", &common::example(), "--queries", huge], "--queries", "10000000"),
    ] {
        let out = netpol(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(option) && err.contains(max), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // Within each maximum, the product of namespaces and pods may still be too many.
    let out = netpol(&["generate", "--namespaces", "100000", "--pods-per-namespace", "100"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("10000002 pods asked for: the generator makes at most 4145152"), "{err}");
}

#[test]
fn realistic_json_and_yaml_mean_the_plain_cluster() {
    let matrix = |text: &[u8]| {
        let out = netpol_stdin(&["matrix", "-", "--port", "8080", "-o", "json"], text);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let plain = matrix(&generate(&SMALL));
    for format in ["json", "yaml"] {
        let text = generate(&[&SMALL[..], &["--realistic", "--format", format]].concat());
        assert!(String::from_utf8_lossy(&text).contains("managedFields"), "{format}");
        assert_eq!(matrix(&text), plain, "{format}");
    }
    let json = generate(&[&SMALL[..], &["--format", "json"]].concat());
    assert!(json.starts_with(b"{\n    \"apiVersion\": \"v1\",\n    \"items\": ["));
    assert_eq!(matrix(&json), plain);
}

#[test]
fn bench_times_loading_from_stdin() {
    let text = generate(&[&SMALL[..], &["--realistic", "--format", "json"]].concat());
    let out = netpol_stdin(&["bench", "-", "--queries", "100", "-o", "json"], &text);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["input_bytes"], text.len());
    assert!(v["load_ms"].as_f64().unwrap() > 0.0, "{v}");
    assert!(v["load_mb_per_s"].as_f64().unwrap() > 0.0, "{v}");
}
