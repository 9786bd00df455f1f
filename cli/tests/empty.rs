//! Fail closed on nothing (issue 17, item 7): an input without objects is an error unless
//! `--allow-empty`, stdin is read once per run, and `flows` fails on unresolved records beyond
//! `--max-unresolved`.

mod common;

use std::fs;

use common::{netpol, netpol_stdin, path, scratch, stderr, stdout};

const MATRIX: [&str; 3] = ["matrix", "--port", "80"];

fn matrix(input: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![MATRIX[0], input, MATRIX[1], MATRIX[2]];
    args.extend_from_slice(extra);
    netpol(&args)
}

fn assert_refused(out: &std::process::Output, origin: &str) {
    assert_eq!(out.status.code(), Some(2), "{origin}: {}", stderr(out));
    let err = stderr(out);
    assert!(err.contains(&format!("error: {origin}: no Kubernetes objects: the input is empty")), "{err}");
    assert!(err.contains("--allow-empty"), "{err}");
    assert_eq!(stdout(out), "");
}

#[test]
fn an_empty_file_dev_null_or_empty_directory_is_an_error_unless_allowed() {
    let dir = scratch("inputs");
    let file = dir.join("empty.yaml");
    fs::write(&file, "").unwrap();
    let blank = dir.join("blank.yaml");
    fs::write(&blank, "---\n# nothing here\n---\n").unwrap();
    let empty_list = dir.join("list.json");
    fs::write(&empty_list, r#"{"apiVersion": "v1", "kind": "List", "items": []}"#).unwrap();
    let empty_dir = dir.join("empty-dir");
    fs::create_dir(&empty_dir).unwrap();
    for input in [&file, &blank, &empty_list, &empty_dir, std::path::Path::new("/dev/null")] {
        let input = input.display().to_string();
        assert_refused(&matrix(&input, &[]), &input);
        let out = matrix(&input, &["--allow-empty"]);
        assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr(&out));
        assert!(stdout(&out).contains("(no pods)"), "{}", stdout(&out));
    }
    // An empty input beside a real one is still named.
    let out = netpol(&[
        "check",
        &path("examples/cluster.yaml"),
        &file.display().to_string(),
        "--from",
        "1.1.1.1",
        "--to",
        "shop/postgres-0",
        "--port",
        "5432",
    ]);
    assert_refused(&out, &file.display().to_string());
}

#[test]
fn empty_stdin_is_an_error_unless_allowed() {
    for subcommand in [&["matrix", "-", "--port", "80"][..], &["audit", "-"], &["connectivity", "-"], &["graph", "-"]] {
        assert_refused(&netpol_stdin(subcommand, ""), "<stdin>");
        let mut allowed = subcommand.to_vec();
        allowed.push("--allow-empty");
        let out = netpol_stdin(&allowed, "");
        assert_eq!(out.status.code(), Some(0), "{subcommand:?}: {}", stderr(&out));
    }
    // A closed stdin reads as empty too.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(["check", "-", "--from", "1.1.1.1", "--to", "2.2.2.2", "--port", "80"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_refused(&out, "<stdin>");
}

#[test]
fn diff_sides_may_not_both_read_stdin() {
    let out = netpol_stdin(&["diff", "--before", "-", "--after", "-"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("error: stdin (`-`) can be read only once"), "{}", stderr(&out));
    // One side from stdin is fine; an empty side is refused unless allowed.
    let cluster = std::fs::read_to_string(path("examples/cluster.yaml")).unwrap();
    let out = netpol_stdin(&["diff", "--before", "-", "--after", &path("examples/cluster.yaml")], &cluster);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = netpol(&["diff", "--before", "/dev/null", "--after", &path("examples/cluster.yaml")]);
    assert_refused(&out, "/dev/null");
    let out = netpol(&["diff", "--before", "/dev/null", "--after", &path("examples/cluster.yaml"), "--allow-empty"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn one_input_list_may_not_read_stdin_twice() {
    let out = netpol_stdin(&["check", "-", "-", "--from", "1.1.1.1", "--to", "2.2.2.2", "--port", "80"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("given more than once: it can be read once only"), "{}", stderr(&out));
}

#[test]
fn unresolved_records_fail_the_flows_gate_beyond_max_unresolved() {
    let cluster = path("examples/cluster.yaml");
    let flows = "{\"src\": \"shop/ghost-1\", \"dst\": \"shop/postgres-0\", \"port\": 5432, \"count\": 7}\n\
                 {\"src\": \"shop/ghost-2\", \"dst\": \"shop/postgres-0\", \"port\": 5432}\n\
                 {\"src\": \"shop/api-7f6d5c8b9-4kx8m\", \"dst\": \"shop/postgres-0\", \"port\": 5432}\n";
    let out = netpol_stdin(&["flows", &cluster, "--flows", "-"], flows);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(
            "error: 8 of 9 flow records not decided (endpoints not in the cluster), over --max-unresolved 0: \
             shop/ghost-1: pod not in the cluster, and the flow carries no labels to match it by (7 records); \
             shop/ghost-2: "
        ),
        "{err}"
    );
    // The report is printed all the same.
    assert!(stdout(&out).starts_with("records: 9 read, 0 skipped, 8 unresolved;"), "{}", stdout(&out));
    for (max, code) in [("7", 1), ("8", 0), ("100", 0)] {
        let out = netpol_stdin(&["flows", &cluster, "--flows", "-", "--max-unresolved", max], flows);
        assert_eq!(out.status.code(), Some(code), "--max-unresolved {max}: {}", stderr(&out));
    }
    // JSON alike.
    let out = netpol_stdin(&["flows", &cluster, "--flows", "-", "-o", "json"], flows);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["summary"]["unresolved"], 8);
}
