//! Shell completions, man pages and the kubectl plugin binary: made from the command
//! definition, so every subcommand `netpol --help` lists must be in each of them.

mod common;

use std::process::Command;

use common::{example, netpol, text};

/// The subcommands `netpol --help` lists (without `help`).
fn subcommands() -> Vec<String> {
    let help = text(&netpol(&["--help"]).stdout);
    let listed = help.split("Commands:").nth(1).unwrap().split("Options:").next().unwrap().to_owned();
    let names: Vec<String> = listed
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 17 && names.contains(&"lab".to_owned()), "{names:?}");
    names
}

/// The developer commands are not among the commands `--help` lists, but under a heading of
/// their own after it; they still run.
#[test]
fn developer_commands_have_a_heading_of_their_own() {
    let names = subcommands();
    assert!(!names.iter().any(|n| n == "bench" || n == "generate"), "{names:?}");
    let help = text(&netpol(&["--help"]).stdout);
    let developer = help.split("Developer commands").nth(1).expect("a developer heading");
    assert!(developer.contains("\n  bench ") && developer.contains("\n  generate "), "{help}");
    assert!(netpol(&["generate", "--namespaces", "1", "--pods-per-namespace", "1", "--policies", "1"])
        .status
        .success());
    assert!(netpol(&["bench", "--help"]).status.success());
}

#[test]
fn every_shell_gets_every_subcommand() {
    let names = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = netpol(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell}: no {name}");
        }
    }
}

#[test]
fn bash_completes_subcommands_and_flags() {
    let out = netpol(&["completions", "bash"]);
    let script = std::env::temp_dir().join(format!("netpol-completion-{}.bash", std::process::id()));
    std::fs::write(&script, &out.stdout).unwrap();
    let complete = |words: &str| -> String {
        // As bash calls a completion function: the words, the index of the current one, and
        // the command, current word and previous word as arguments.
        let list: Vec<&str> = words.split(' ').collect();
        let count = list.len() - 1;
        let (cur, prev) = (list[count], list[count - 1]);
        let program = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={count}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             _netpol netpol '{cur}' '{prev}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let out = Command::new("bash").args(["-c", &program]).output().unwrap();
        text(&out.stdout)
    };
    let subcommands = complete("netpol la");
    assert_eq!(subcommands.trim(), "lab", "{subcommands}");
    let flags = complete("netpol lab --data");
    assert_eq!(flags.trim(), "--dataplane", "{flags}");
    let values = complete("netpol lab x.yaml --dataplane ");
    assert!(values.contains("nfqueue") && values.contains("nftables"), "{values}");
    std::fs::remove_file(&script).unwrap();
}

#[test]
fn man_pages_for_every_subcommand() {
    let dir = std::env::temp_dir().join(format!("netpol-man-{}", std::process::id()));
    let out = netpol(&["man", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut pages = vec!["netpol".to_owned(), "netpol-export-nftables".to_owned()];
    pages.extend(subcommands().iter().map(|s| format!("netpol-{s}")));
    for page in pages {
        let path = dir.join(format!("{page}.1"));
        let roff = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(roff.starts_with(".ie \\n(.g .ds Aq") || roff.contains(".TH"), "{page}: {roff:.200}");
        assert!(text(&out.stdout).contains(&format!("{page}.1")));
    }
    let lab = std::fs::read_to_string(dir.join("netpol-lab.1")).unwrap();
    assert!(lab.contains("dataplane") && lab.contains("nfqueue"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_kubectl_plugin_is_the_same_command() {
    let plugin = env!("CARGO_BIN_EXE_kubectl-netpol");
    let help = Command::new(plugin).arg("--help").output().unwrap();
    assert!(text(&help.stdout).contains("Usage: kubectl netpol [OPTIONS] <COMMAND>"), "{}", text(&help.stdout));
    let check = Command::new(plugin)
        .args(["check", &example(), "--from", "shop/api-7f6d5c8b9-4kx8m", "--to", "shop/postgres-0", "--port", "5432"])
        .output()
        .unwrap();
    let direct = netpol(&[
        "check",
        &example(),
        "--from",
        "shop/api-7f6d5c8b9-4kx8m",
        "--to",
        "shop/postgres-0",
        "--port",
        "5432",
    ]);
    assert_eq!(check.status.code(), Some(0));
    assert_eq!(check.stdout, direct.stdout);
    let wrong = Command::new(plugin).arg("nonsense").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    assert!(text(&wrong.stderr).contains("kubectl netpol"), "{}", text(&wrong.stderr));
}

/// Each command's `--help` lists its own flags first and the loader's under a heading of their
/// own, wrapped to at most 100 columns.
#[test]
fn help_groups_the_loader_flags_and_wraps() {
    for command in subcommands() {
        let help = text(&netpol(&[&command, "--help"]).stdout);
        let widest = help.lines().map(|l| l.chars().count()).max().unwrap_or(0);
        assert!(widest <= 100, "{command} --help has a line of {widest} columns");
        if let Some((own, loader)) = help.split_once("Reading and evaluating the input:") {
            assert!(loader.contains("--lenient") && loader.contains("--limit <NAME=N>"), "{command}");
            assert!(!own.contains("--lenient") && own.contains("Options:"), "{command}");
        }
    }
    let check = text(&netpol(&["check", "--help"]).stdout);
    let (own, loader) = check.split_once("Reading and evaluating the input:").expect("check reads a cluster");
    assert!(own.contains("--from <SRC>") && !loader.contains("--from"), "{check}");
}
