//! Helpers shared by the CLI integration tests: where the repository and its examples are, how
//! to run the built `netpol` binary, and how to read what it printed.
//!
//! Each test file is its own crate and uses only some of these, hence the `allow`.

#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The workspace root, so tests name files as the README does (`examples/cluster.yaml`).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `relative` (to the workspace root) as an absolute path, ready to pass as an argument.
pub fn path(relative: &str) -> String {
    repo().join(relative).display().to_string()
}

/// The bundled example cluster, `examples/cluster.yaml`.
pub fn example() -> String {
    path("examples/cluster.yaml")
}

/// Runs `netpol` with `args` and no stdin, and waits for it.
pub fn netpol(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netpol")).args(args).output().expect("netpol runs")
}

/// Runs `netpol` with `args`, writes `input` to its stdin and closes it, and waits for it.
pub fn netpol_stdin(args: &[&str], input: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netpol runs");
    child.stdin.take().unwrap().write_all(input.as_ref()).unwrap();
    child.wait_with_output().unwrap()
}

/// `bytes` as text; panics if netpol printed anything that is not UTF-8.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// What the run printed on stdout.
pub fn stdout(o: &Output) -> String {
    text(&o.stdout)
}

/// What the run printed on stderr.
pub fn stderr(o: &Output) -> String {
    text(&o.stderr)
}

/// A fresh, empty directory for one test: named after the test file, the process and `name`, so
/// test binaries and tests running at the same time do not share one.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netpol-{}-{}-{name}", env!("CARGO_CRATE_NAME"), std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}
