//! The README's examples are true: every `$ netpol ...` line shown in a README code block is run
//! (from a scratch directory that sees the repository's `examples/` and `cli/`), and what it
//! prints, stderr and stdout together, must be what the README shows under it; `$ echo $?`
//! must show the previous command's exit code. In the README's output, a line `…` or `...`
//! (indented or not) stands for any number of lines, and a line ending in `…` for any line
//! starting with what comes before.
//! Commands that cannot run here are listed in [`NOT_RUN`] with the reason, so a new example
//! is never skipped silently.

mod common;

use std::path::Path;
use std::process::Command;

/// Commands shown but not run by this test, and why.
const NOT_RUN: &[(&str, &str)] = &[(
    "v/bin/python python/examples/audit_any_namespace.py",
    "needs the Python venv; python/tests/test_engine.py runs the script and checks its output",
)];

/// One example: the command line, what the README shows under it, and the README line.
struct Example {
    line: usize,
    command: String,
    expected: Vec<String>,
}

fn examples(readme: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_block = false;
    let mut current: Option<Example> = None;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            if in_block {
                out.extend(current.take());
            }
            in_block = !in_block;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(command) = line.strip_prefix("$ ") {
            out.extend(current.take());
            current = Some(Example { line: i + 1, command: command.to_string(), expected: Vec::new() });
        } else if let Some(example) = current.as_mut() {
            example.expected.push(line.trim_end().to_string());
        }
    }
    for example in &mut out {
        while example.expected.last().is_some_and(String::is_empty) {
            example.expected.pop();
        }
    }
    out
}

/// Whether `actual` is what `expected` shows, `…` lines and `…` line ends as wildcards.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if matches!(e.trim(), "…" | "...") => {
            (0..=actual.len()).any(|skip| matches(rest, &actual[skip..]))
        }
        Some((e, rest)) => {
            let Some((a, actual_rest)) = actual.split_first() else { return false };
            let line_ok = match e.strip_suffix('…') {
                Some(prefix) => a.starts_with(prefix),
                None => a.trim_end() == e,
            };
            line_ok && matches(rest, actual_rest)
        }
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn every_command_the_readme_shows_prints_what_it_shows() {
    let repo = common::repo();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let all = examples(&readme);
    assert!(all.len() >= 20, "found only {} examples", all.len());
    let scratch = std::env::temp_dir().join(format!("netpol-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    for dir in ["examples", "cli"] {
        std::os::unix::fs::symlink(repo.join(dir), scratch.join(dir)).unwrap();
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_netpol")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut last_code = None;
    for example in &all {
        if let Some((_, why)) = NOT_RUN.iter().find(|(c, _)| *c == example.command) {
            skipped.push(example.command.clone());
            eprintln!("README line {}: not run ({why})", example.line);
            continue;
        }
        if example.command == "echo $?" {
            let shown = example.expected.join("\n");
            if last_code.map(|c: i32| c.to_string()) != Some(shown.clone()) {
                failures.push(format!("README line {}: exit code {last_code:?}, README says {shown}", example.line));
            }
            continue;
        }
        assert!(
            example.command.starts_with("netpol "),
            "README line {}: `{}` is neither run nor listed in NOT_RUN",
            example.line,
            example.command
        );
        if example.command.starts_with("netpol lab ") && !is_root() {
            eprintln!("README line {}: netpol lab needs root; not run", example.line);
            last_code = None;
            continue;
        }
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("exec 2>&1; {}", example.command))
            .current_dir(&scratch)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        last_code = out.status.code();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let actual: Vec<&str> = text.trim_end_matches('\n').lines().collect();
        if !matches(&example.expected, &actual) {
            failures.push(format!(
                "README line {}: `{}` printed\n{}\n--- but the README shows\n{}\n",
                example.line,
                example.command,
                text.trim_end(),
                example.expected.join("\n")
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(skipped.len(), NOT_RUN.len(), "an entry of NOT_RUN is no longer in the README");
    assert!(failures.is_empty(), "{} README examples differ:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_matcher_needs_every_line_and_honours_wildcards() {
    let e = |lines: &[&str]| lines.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(matches(&e(&["a", "…", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&e(&["a", "…"]), &["a"]));
    assert!(matches(&e(&["a", "    ...", "c"]), &["a", "b", "c"]));
    assert!(matches(&e(&["ab…"]), &["abc"]));
    assert!(!matches(&e(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&e(&["a"]), &["a", "b"]));
    assert!(!matches(&e(&["ab…"]), &["ba"]));
}
