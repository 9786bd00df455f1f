//! Output never lies (issue 17, item 6): a write error ends with a message and exit 2, never
//! with exit 0 or a panic; a closed pipe ends quietly with the answer's exit code.

mod common;

use std::fs::{self, File};
use std::io::Read;
use std::process::{Command, Output, Stdio};

use common::{example, netpol, path, scratch, stderr, stdout};

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

/// `--color always` colours the verdict and the error label, `never` and a pipe (auto) do not,
/// and `NO_COLOR` turns auto off; JSON is never coloured.
#[test]
fn colour_follows_color_and_no_color() {
    let args = |color: &str| {
        vec![
            "check".to_string(),
            example(),
            "--from".into(),
            "shop/api-7f6d5c8b9-4kx8m".into(),
            "--to".into(),
            "shop/frontend-6c8f9b7d4-2lmnp".into(),
            "--port".into(),
            "8080".into(),
            "-q".into(),
            "--color".into(),
            color.into(),
        ]
    };
    let run = |color: &str| {
        let a = args(color);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        netpol(&a)
    };
    let always = run("always");
    assert_eq!(always.status.code(), Some(1));
    assert!(stdout(&always).starts_with("\x1b[1;31mDENIED\x1b[0m: shop/api"), "{:?}", stdout(&always));
    for plain in [run("never"), run("auto")] {
        assert!(stdout(&plain).starts_with("DENIED: shop/api") && !stdout(&plain).contains('\x1b'));
    }
    let mut json = args("always");
    json.extend(["-o".to_string(), "json".to_string()]);
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    assert!(!stdout(&netpol(&json)).contains('\x1b'));
    let error = netpol(&["check", &example(), "--from", "x/y", "--to", "a/b", "--port", "80", "--color", "always"]);
    assert!(stderr(&error).starts_with("\x1b[33mwarning\x1b[0m: "), "{:?}", stderr(&error));
    assert!(stderr(&error).contains("\n\x1b[1;31merror\x1b[0m: --from \"x/y\""), "{:?}", stderr(&error));
    let expect = path("examples/expectations.yaml");
    let verify = netpol(&["verify", &example(), "--expect", &expect, "-q", "--color", "always"]);
    assert!(stdout(&verify).starts_with("\x1b[1;32mPASS\x1b[0m  "), "{:?}", stdout(&verify));
    let no_color = Command::new(env!("CARGO_BIN_EXE_netpol")).args(args("auto")).env("NO_COLOR", "1").output().unwrap();
    assert!(!stdout(&no_color).contains('\x1b'));
}

/// On a terminal, a load that takes longer than the wait says so on stderr and clears the line
/// when it ends; into a pipe, or with `-q`, nothing is shown. (`script` gives the command a
/// terminal; the wait is cut to nothing so that the small example is long enough.)
#[test]
fn progress_shows_on_a_terminal_only() {
    let run = |extra: &str| {
        let command = format!("{} matrix {} --port 80 -o csv {extra}", env!("CARGO_BIN_EXE_netpol"), example());
        Command::new("script").args(["-qec", &command, "/dev/null"]).env("NETPOL_PROGRESS_AFTER_MS", "0").output()
    };
    let Ok(shown) = run("") else {
        eprintln!("skipped: no `script` (util-linux) to give the command a terminal");
        return;
    };
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.starts_with("\rreading the input... 0 s"), "{text:?}");
    assert!(text.contains("\r\x1b[K"), "the line is cleared: {text:?}");
    let quiet = run("-q").unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("reading the input"));
    let piped = Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(["matrix", &example(), "--port", "80", "-o", "csv"])
        .env("NETPOL_PROGRESS_AFTER_MS", "0")
        .output()
        .unwrap();
    assert!(!stderr(&piped).contains("reading the input"), "{}", stderr(&piped));
}
