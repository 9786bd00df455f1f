//! Output never lies (issue 17, item 6): a write error ends with a message and exit 2, never
//! with exit 0 or a panic; a closed pipe ends quietly with the answer's exit code.

mod common;

use std::fs::{self, File};
use std::io::Read;
use std::process::{Command, Output, Stdio};

use common::{example, path, scratch, stderr};

/// Runs `netpol` with stdout (or stderr) on `/dev/full`.
fn to_dev_full(args: &[&str], stream: &str) -> Output {
    let full = || Stdio::from(File::options().write(true).open("/dev/full").expect("/dev/full"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_netpol"));
    command.args(args).stdin(Stdio::null());
    if stream == "stdout" {
        command.stdout(full()).stderr(Stdio::piped());
    } else {
        command.stdout(Stdio::piped()).stderr(full());
    }
    command.output().expect("netpol runs")
}

fn flows() -> String {
    path("examples/flows/hubble.jsonl")
}

#[test]
fn a_full_disk_is_an_error_with_exit_2_for_every_subcommand() {
    let (c, f) = (example(), flows());
    let (stream, drifted, desired) =
        (path("examples/watch/stream.json"), path("examples/watch/live-drifted.json"), path("examples/watch/desired"));
    let runs: Vec<Vec<&str>> = vec![
        vec!["watch", &stream, "--initial", &c],
        vec!["watch", &stream, "--initial", &c, "-o", "json"],
        vec!["drift", &drifted, "--desired", &desired],
        vec!["generate", "--churn", "10"],
        vec!["export", "nftables", &c],
        vec!["export", "nftables", &c, "-o", "json"],
        vec!["suggest", &c, "--flows", &f],
        vec!["suggest", &c, "--flows", &f, "-o", "json"],
        vec!["flows", &c, "--flows", &f, "-o", "json"],
        vec!["flows", &c, "--flows", &f],
        vec!["matrix", &c, "--port", "80"],
        vec!["matrix", &c, "--port", "80", "-o", "json"],
        vec!["connectivity", &c],
        vec!["connectivity", &c, "-o", "csv"],
        vec!["check", &c, "--from", "10.0.0.1", "--to", "shop/postgres-0", "--port", "5432"],
        vec!["audit", &c],
        vec!["audit", &c, "-o", "json"],
        vec!["graph", &c],
        vec!["reach", &c, "--to", "shop/postgres-0"],
        vec!["verify", &c, "--expect", "examples/expectations.yaml"],
        vec!["generate"],
        vec!["bench", &c, "--queries", "10"],
        vec!["--help"],
    ];
    let verify_expect = path("examples/expectations.yaml");
    for mut args in runs {
        if args[0] == "verify" {
            args[3] = &verify_expect;
        }
        let out = to_dev_full(&args, "stdout");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("error: cannot write the output: "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn diff_to_a_full_disk_is_an_error() {
    let (before, after) = (path("examples/pr/before"), path("examples/pr/after"));
    let out = to_dev_full(&["diff", "--before", &before, "--after", &after], "stdout");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot write the output"), "{}", stderr(&out));
}

#[test]
fn an_unwritable_stderr_does_not_panic() {
    // Warnings (a left-out pod) and suggest's summary go to stderr; stdout is still written.
    let (c, f) = (example(), flows());
    let out = to_dev_full(&["matrix", &c, "--port", "80"], "stderr");
    assert_eq!(out.status.code(), Some(0));
    assert!(!out.stdout.is_empty());
    let out = to_dev_full(&["suggest", &c, "--flows", &f], "stderr");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: NetworkPolicy"));
    // An error is still an error.
    let out = to_dev_full(&["matrix", "/nonexistent.yaml", "--port", "80"], "stderr");
    assert_eq!(out.status.code(), Some(2));
}

/// A cluster whose outputs are far larger than a pipe's buffer.
fn big_cluster(name: &str) -> String {
    let dir = scratch(name);
    let out = Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(["generate", "--namespaces", "10", "--pods-per-namespace", "30", "--policies", "5"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let file = dir.join("cluster.yaml");
    fs::write(&file, out.stdout).unwrap();
    file.display().to_string()
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let cluster = big_cluster("pipe");
    for args in [
        vec!["matrix", &cluster, "--port", "80"],
        vec!["matrix", &cluster, "--port", "80", "-o", "csv"],
        vec!["connectivity", &cluster],
        vec!["connectivity", &cluster, "-o", "json"],
        vec!["generate", "--namespaces", "10", "--pods-per-namespace", "30"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_netpol"))
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read a little, then close the pipe as `| head -c 16` does.
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("error"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}
