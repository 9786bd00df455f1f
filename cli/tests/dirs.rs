//! Directories as input: symlink loops end, and FIFOs, sockets and devices in a scanned
//! directory are skipped with a warning instead of blocking. Each run has a 60 s kill timer: a
//! hang fails the test instead of stalling CI (it takes well under a second).

mod common;

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{example, scratch, stderr, stdout};

/// Runs `netpol` with `args`; kills it and fails after 60 s.
fn netpol_with_watchdog(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netpol"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("netpol runs");
    let start = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("netpol {args:?} still running after 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn symlink_loops_end_and_each_directory_is_read_once() {
    let dir = scratch("loops");
    std::fs::copy(example(), dir.join("cluster.yaml")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("x")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("y")).unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    let out = netpol_with_watchdog(&["matrix", dir.to_str().unwrap(), "--port", "80"]);
    let expected = common::netpol(&["matrix", &example(), "--port", "80"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), stdout(&expected));
    let err = stderr(&out);
    assert!(err.contains("x: skipped: the directory") && err.contains("is read already"), "{err}");
    assert!(err.contains("sub/up: skipped"), "{err}");
}

#[test]
fn fifos_in_a_scanned_directory_are_skipped_with_a_warning() {
    let dir = scratch("fifo");
    std::fs::copy(example(), dir.join("cluster.yaml")).unwrap();
    let fifo = dir.join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(made.success());
    let out = netpol_with_watchdog(&["matrix", dir.to_str().unwrap(), "--port", "80"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("pipe.yaml: skipped: not a regular file (a FIFO, socket or device)"), "{err}");
}
