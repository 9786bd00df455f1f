//! `netpol lab` (issue 21): real TCP and UDP connections between network namespaces, through
//! the exported nftables ruleset, agree with the model on every probed cell: the bundled
//! examples (IPv4, dual-stack, self traffic evaluated), a generated 50-pod cluster, and every
//! valid case of the corpus (`core/testdata/cases`, IPv4 and IPv6) on the ports its
//! expectations name. A control run with no dataplane must disagree exactly where the model
//! denies (the lab can see a hole). Every run must leave no namespace behind: on success, on
//! SIGTERM in the middle, and with `--keep` until the next run sweeps them.
//!
//! Needs root and network namespaces (the test command runs as root and installs nftables and
//! iproute2); without them each test says so on stderr and checks nothing. Labs run one at a
//! time: a run sweeps namespaces that dead runs left, which a `--keep` check must not race.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::{example, path, text};
use netpol_test_support::corpus::{valid_cases, Expectation};
use serde_json::Value;

static LABS: Mutex<()> = Mutex::new(());

/// The lock for one lab at a time, or `None` (with the reason on stderr) where no lab can run.
fn lab_slot() -> Option<MutexGuard<'static, ()>> {
    let slot = LABS.lock().unwrap_or_else(|e| e.into_inner());
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let root = status.lines().any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"));
    if !root {
        eprintln!("SKIPPED: netpol lab needs root (network namespaces, nftables)");
        return None;
    }
    let probe = format!("netpol-lab-test-{}", std::process::id());
    let made = Command::new("ip").args(["netns", "add", &probe]).output();
    if !made.as_ref().is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: this kernel (or sandbox) cannot make network namespaces: {made:?}");
        return None;
    }
    let _ = Command::new("ip").args(["netns", "delete", &probe]).status();
    Some(slot)
}

fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_netpol"))
        .arg("lab")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netpol runs")
}

/// The namespaces of the lab run by process `pid` that still exist.
fn namespaces_of(pid: u32) -> Vec<String> {
    let prefix = format!("netpol-lab-{pid}-");
    let Ok(entries) = std::fs::read_dir("/run/netns") else { return Vec::new() };
    entries.filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.starts_with(&prefix)).collect()
}

/// Runs `netpol lab ARGS -o json`; checks that it left no namespace; the report and exit code.
fn lab_json(args: &[&str]) -> (Value, i32, String) {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let child = spawn(&all);
    let pid = child.id();
    let out: Output = child.wait_with_output().unwrap();
    assert!(namespaces_of(pid).is_empty(), "lab {args:?} left namespaces: {:?}", namespaces_of(pid));
    let stderr = text(&out.stderr);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (report, out.status.code().unwrap_or(-1), stderr)
}

fn count(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or_else(|| panic!("no count {key} in the report: {report}"))
}

/// Every probe agrees, none failed, and each probe passed exactly when the model allows.
fn assert_agrees(report: &Value, code: i32, what: &str) {
    assert_eq!(count(report, "disagree"), 0, "{what}: disagreements {}", report["disagreements"]);
    assert_eq!(code, 0, "{what}: exit code");
    assert!(count(report, "probes") > 0, "{what}: nothing probed");
    assert_eq!(count(report, "failed"), 0, "{what}");
    assert_eq!(count(report, "passed"), count(report, "allowed_by_model"), "{what}");
    assert_eq!(count(report, "agree"), count(report, "probes"), "{what}");
}

#[test]
fn the_example_agrees_cell_for_cell() {
    let Some(_slot) = lab_slot() else { return };
    let (report, code, _) = lab_json(&[&example(), "--port", "8080", "--port", "5432", "--port", "53/udp"]);
    assert_agrees(&report, code, "examples/cluster.yaml");
    // Both outcomes occur, and every pod pair plus the outside addresses were probed on each port.
    assert!(count(&report, "passed") > 0 && count(&report, "dropped") > 0);
    let pods = report["pods"].as_array().unwrap().len() as u64;
    let outside_v4 =
        report["outside"].as_array().unwrap().iter().filter(|a| a.as_str().unwrap().contains('.')).count() as u64;
    assert_eq!(pods, 8);
    assert_eq!(count(&report, "probes"), 3 * (pods * pods + 2 * pods * outside_v4));
}

#[test]
fn the_text_report_shows_the_table() {
    let Some(_slot) = lab_slot() else { return };
    let child = spawn(&[&example(), "--port", "8080"]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = text(&out.stdout);
    assert!(report.contains("8080/TCP (rows: from, columns: to)"), "{report}");
    // shop/frontend may reach both api pods on 8080, and the api pods one another not.
    let row = report.lines().find(|l| l.contains("shop/frontend-6c8f9b7d4-2lmnp ")).unwrap();
    assert!(row.trim_end().ends_with(".  .  .  A  A  A  .  ."), "{row}");
    assert!(report.contains("Disagreements: none."), "{report}");
}

#[test]
fn dual_stack_agrees_over_both_families() {
    let Some(_slot) = lab_slot() else { return };
    for file in ["examples/dual-stack/cluster.yaml", "examples/dual-stack/issue-15-reproducer.yaml"] {
        let (report, code, _) = lab_json(&[&path(file), "--port", "80", "--port", "443", "--port", "8080"]);
        assert_agrees(&report, code, file);
        let outside = report["outside"].as_array().unwrap();
        assert!(outside.iter().any(|a| a.as_str().unwrap().contains(':')), "{file}: no IPv6 outside address");
    }
}

#[test]
fn self_traffic_evaluated_is_enforced_in_the_pods_own_namespace() {
    let Some(_slot) = lab_slot() else { return };
    let (report, code, _) = lab_json(&[&example(), "--self-traffic", "evaluate", "--port", "8080", "--port", "53/udp"]);
    assert_agrees(&report, code, "self traffic evaluated");
    // A pod to itself is now denied somewhere (coredns may not reach itself on 8080).
    let (allow, _, _) = lab_json(&[&example(), "--port", "8080", "--port", "53/udp"]);
    assert!(count(&report, "allowed_by_model") < count(&allow, "allowed_by_model"));
}

#[test]
fn a_generated_50_pod_cluster_agrees() {
    let Some(_slot) = lab_slot() else { return };
    let generated = common::netpol(&[
        "generate",
        "--namespaces",
        "5",
        "--pods-per-namespace",
        "10",
        "--policies",
        "20",
        "--seed",
        "1",
    ]);
    assert!(generated.status.success());
    let file = std::env::temp_dir().join(format!("netpol-lab-50-{}.yaml", std::process::id()));
    std::fs::write(&file, &generated.stdout).unwrap();
    let (report, code, _) =
        lab_json(&[file.to_str().unwrap(), "--port", "8080", "--port", "9100", "--port", "53/udp", "--port", "5432"]);
    std::fs::remove_file(&file).unwrap();
    assert_agrees(&report, code, "generated cluster");
    assert!(report["pods"].as_array().unwrap().len() >= 50);
    assert!(count(&report, "passed") > 0 && count(&report, "dropped") > 0);
}

#[test]
fn with_no_dataplane_every_denied_cell_disagrees() {
    let Some(_slot) = lab_slot() else { return };
    let (report, code, _) = lab_json(&[&example(), "--port", "8080", "--dataplane", "none"]);
    assert_eq!(code, 1, "disagreements exit 1");
    assert_eq!(count(&report, "dropped"), 0);
    let denied = count(&report, "probes") - count(&report, "allowed_by_model");
    assert!(denied > 0);
    assert_eq!(count(&report, "disagree"), denied);
    let first = &report["disagreements"][0];
    assert_eq!((first["model"].as_str(), first["seen"].as_str()), (Some("denied"), Some("passed")));
}

#[test]
fn sigterm_in_the_middle_removes_every_namespace() {
    let Some(_slot) = lab_slot() else { return };
    // Long timeouts: the run is still probing when the signal comes.
    let mut child = spawn(&[&example(), "--port", "8080", "--timeout-ms", "20000"]);
    let pid = child.id();
    let start = Instant::now();
    while namespaces_of(pid).len() < 3 {
        assert!(start.elapsed() < Duration::from_secs(30), "the lab never came up");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15));
    assert!(namespaces_of(pid).is_empty(), "left: {:?}", namespaces_of(pid));
}

#[test]
fn kept_namespaces_stay_until_the_next_run() {
    let Some(_slot) = lab_slot() else { return };
    let child = spawn(&[&example(), "--port", "8080", "--keep"]);
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let kept = namespaces_of(pid);
    assert_eq!(kept.len(), 8 + 2, "router, 8 pods, outside: {kept:?}");
    assert!(text(&out.stdout).contains("kept: 10 network namespaces"));
    let (_, _, stderr) = lab_json(&[&example(), "--port", "8080"]);
    assert!(stderr.contains("removed 10 namespaces left by earlier labs"), "{stderr}");
    assert!(namespaces_of(pid).is_empty());
}

#[test]
fn every_corpus_case_agrees_with_real_packets() {
    let Some(_slot) = lab_slot() else { return };
    let dir = std::env::temp_dir().join(format!("netpol-lab-corpus-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut cases, mut probes, mut failures) = (0, 0, Vec::new());
    for case in valid_cases() {
        let mut inputs: Vec<PathBuf> = case.input.model_path().into_iter().collect();
        if let Some(raw) = &case.input.raw {
            let file = dir.join(format!("{cases}-raw.yaml"));
            std::fs::write(&file, raw).unwrap();
            inputs.push(file);
        }
        if let Some(objects) = &case.input.objects {
            let file = dir.join(format!("{cases}-objects.json"));
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
            std::fs::write(&file, list.to_string()).unwrap();
            inputs.push(file);
        }
        let mut ports: Vec<String> = case
            .expect
            .iter()
            .map(|e| match e {
                Expectation::Matrix(m) => format!("{}/{}", m.port, m.protocol),
                Expectation::Check(c) => format!("{}/{}", c.port, c.protocol),
            })
            .collect();
        ports.sort();
        ports.dedup();
        let mut args: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        for port in &ports {
            args.extend(["--port".into(), port.clone()]);
        }
        let o = case.options;
        args.extend(["--self-traffic".into(), o.self_traffic.to_string(), "--tie".into(), o.tie.to_string()]);
        args.extend(["--ipblock-pod-ips".into(), if o.ip_block_matches_pods { "match" } else { "ignore" }.into()]);
        if case.strictness == netpol::raw::Strictness::Lenient {
            args.push("--lenient".into());
        }
        args.extend(["--timeout-ms".into(), "300".into(), "--allow-empty".into()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (report, code, stderr) = lab_json(&args);
        cases += 1;
        if report.get("probes").is_none() {
            failures.push(format!("{}: {}: no report ({code}): {stderr}", case.file, case.name));
            continue;
        }
        probes += count(&report, "probes");
        if code != 0 || count(&report, "disagree") != 0 || count(&report, "failed") != 0 {
            failures.push(format!("{}: {}: {}", case.file, case.name, report["disagreements"]));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    eprintln!("corpus through the lab: {cases} cases, {probes} probes, {} disagreeing cases", failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(cases > 200 && probes > 10_000, "{cases} cases, {probes} probes");
}

/// `nft list ruleset` in a fresh namespace after loading `file` with `nft ARGS`.
fn loaded(args: &[&str], file: &std::path::Path) -> String {
    let ns = format!("netpol-lab-test-{}-load", std::process::id());
    assert!(Command::new("ip").args(["netns", "add", &ns]).status().unwrap().success());
    let load = Command::new("ip").args(["netns", "exec", &ns, "nft"]).args(args).arg(file).output().unwrap();
    let listed = Command::new("ip").args(["netns", "exec", &ns, "nft", "list", "ruleset"]).output().unwrap();
    let _ = Command::new("ip").args(["netns", "delete", &ns]).status();
    assert!(load.status.success(), "nft {args:?} {}: {}", file.display(), text(&load.stderr));
    text(&listed.stdout)
}

#[test]
fn the_json_export_loads_as_the_text_does() {
    let Some(_slot) = lab_slot() else { return };
    let dir = std::env::temp_dir().join(format!("netpol-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for file in ["examples/cluster.yaml", "examples/dual-stack/cluster.yaml", "examples/admin-tiers.yaml"] {
        for self_traffic in ["allow", "evaluate"] {
            let mut listings = Vec::new();
            for format in ["text", "json"] {
                let out =
                    common::netpol(&["export", "nftables", &path(file), "--self-traffic", self_traffic, "-o", format]);
                assert!(out.status.success(), "{file}: {}", text(&out.stderr));
                let saved = dir.join(format!("ruleset.{format}"));
                std::fs::write(&saved, &out.stdout).unwrap();
                let args: &[&str] = if format == "json" { &["-j", "-f"] } else { &["-f"] };
                listings.push(loaded(args, &saved));
            }
            assert!(listings[0].contains("chain forward"), "{}", listings[0]);
            assert_eq!(listings[0].contains("chain local"), self_traffic == "evaluate");
            assert_eq!(
                listings[0], listings[1],
                "{file} --self-traffic {self_traffic}: JSON and text load differently"
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_junit_report_has_a_case_per_port() {
    let Some(_slot) = lab_slot() else { return };
    let child = spawn(&[&example(), "--port", "8080", "--port", "53/udp", "-o", "junit"]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let report = text(&out.stdout);
    assert!(report.contains("<testsuite name=\"netpol lab\" tests=\"2\" failures=\"0\""), "{report}");
    assert!(report.contains("name=\"8080/TCP: 224 probes\"/>"), "{report}");
    let failing =
        spawn(&[&example(), "--port", "8080", "--dataplane", "none", "-o", "junit"]).wait_with_output().unwrap();
    assert_eq!(failing.status.code(), Some(1));
    assert!(text(&failing.stdout).contains("<failure message=\"168 of 224 probes disagree\">"));
}

#[test]
fn a_run_over_the_probe_limit_is_refused_before_anything_is_made() {
    let Some(_slot) = lab_slot() else { return };
    let child = spawn(&[&example(), "--port", "8080", "--port", "5432", "--max-probes", "100"]);
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("448 probes planned (8 pods, 2 ports): over --max-probes 100"), "{stderr}");
    assert!(namespaces_of(pid).is_empty());
}
