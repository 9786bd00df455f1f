//! Hostile input: what the loader must turn into a cluster or an error, never a panic, a hang
//! or unbounded memory. The `load` fuzz target runs [`check_load`] on every input it makes;
//! `core/tests/fuzz_regressions.rs` runs it on the regression inputs of
//! `core/testdata/fuzz/load/` (also `fuzz/seed.sh`'s seeds for the target) and on
//! [`SHAPES`].

use std::fs;
use std::path::PathBuf;

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::{Compiler, Protocol};

use crate::corpus::testdata;

/// Small texts of every shape a careless reader trips on: scalars and lists where objects
/// belong, fields of the wrong type, a lone surrogate, a byte-order mark.
pub const SHAPES: &[&str] = &[
    "",
    "---",
    "null",
    "42",
    "[1, 2]",
    "kind: 7",
    "kind: List\nitems: 3",
    "kind: List\nitems: [null, 1, {kind: Pod}]",
    "kind: Pod\nmetadata: 5",
    "kind: NetworkPolicy\nmetadata: {name: x}\nspec: []",
    "kind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: {matchExpressions: [{}]}}",
    "kind: Pod\nstatus: {podIPs: [{ip: 1}]}",
    "{\"kind\": \"Pod\", \"metadata\": {\"name\": \"\\ud800\"}}",
    "\u{feff}kind: Namespace\nmetadata: {name: a}",
];

/// The regression inputs of `core/testdata/fuzz/load/` (crashes and constructed worst cases,
/// in the `load` target's format: see [`check_load`]), sorted by file name.
pub fn load_regressions() -> Vec<(PathBuf, Vec<u8>)> {
    let dir = testdata().join("fuzz/load");
    let mut paths: Vec<PathBuf> =
        fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).map(|e| e.unwrap().path()).collect();
    paths.sort();
    assert!(!paths.is_empty(), "no inputs in {}", dir.display());
    paths
        .into_iter()
        .map(|p| {
            let data = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, data)
        })
        .collect()
}

/// What the `load` fuzz target checks on one input: the first byte picks the options (bit 0:
/// lenient; bit 1: the rest split in two inputs), the rest is YAML/JSON text. It gives a
/// cluster, which compiles and explains its first pod to its last as it decides, or an error
/// that names at least one problem.
pub fn check_load(data: &[u8]) {
    let Some((&flags, text)) = data.split_first() else { return };
    let strictness = if flags & 1 == 0 { Strictness::Strict } else { Strictness::Lenient };
    let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
    if flags & 2 == 0 {
        loader.add_bytes(text, "<fuzz>");
    } else {
        // Two inputs: the same objects from two origins (duplicates, conflicts).
        let half = text.len() / 2;
        loader.add_bytes(&text[..half], "<fuzz-a>");
        loader.add_bytes(&text[half..], "<fuzz-b>");
    }
    match loader.finish() {
        Ok(cluster) => {
            for w in cluster.warnings() {
                assert!(!w.to_string().is_empty());
            }
            let engine = Compiler::new().compile(&cluster);
            if let (Some(a), Some(b)) = (cluster.pods().first(), cluster.pods().last()) {
                let src = engine.parse_endpoint(&a.qualified_name()).expect("a pod's name parses");
                let dst = engine.parse_endpoint(&b.qualified_name()).expect("a pod's name parses");
                let v = engine.decide(src, dst, 80, Protocol::Tcp);
                assert_eq!(engine.explain(src, dst, 80, Protocol::Tcp).verdict(), v);
            }
        }
        Err(e) => {
            assert!(!e.diagnostics().is_empty(), "an error names at least one problem");
            assert!(!e.to_string().is_empty());
        }
    }
}

/// The rules × excepts × ports worst case of the compile (issue 17): namespace `a`, one pod
/// `a/p` (10.0.0.1), and `rules` ingress rules in policies of 1,024 rules each (the `rules`
/// limit), all selecting the pod. Rule `i` has its own ipBlock and its own port: with
/// `shared_cidr` every cidr is `10.0.0.0/8` (dense peer rows), otherwise rule `i` has a /24 of
/// its own; either way its except is a /32 of its own inside the cidr and its port is
/// `1 + i % 65535` over TCP. Every rule is a peer row of its own over about one IP class per
/// rule: as many rows as columns. The text is flow-style YAML, about 120 bytes a rule.
pub fn rules_excepts_ports(rules: usize, shared_cidr: bool) -> String {
    use std::fmt::Write as _;
    let mut text = String::from(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\n\
         metadata: {name: p, namespace: a, labels: {app: p}}\nstatus: {podIP: 10.0.0.1}\n",
    );
    for (k, first) in (0..rules).step_by(1024).enumerate() {
        let _ = write!(
            text,
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{k}, namespace: a}}\n\
             spec:\n  podSelector: {{}}\n  ingress:\n"
        );
        for i in first..rules.min(first + 1024) {
            // Rule i's own /24 (10.1.0.0/24 onwards) and a /32 inside it.
            let (b, c) = (1 + i / 256 % 255, i % 256);
            let cidr = if shared_cidr { String::from("10.0.0.0/8") } else { format!("10.{b}.{c}.0/24") };
            let _ = writeln!(
                text,
                "  - {{from: [{{ipBlock: {{cidr: {cidr}, except: [10.{b}.{c}.{}/32]}}}}], ports: [{{port: {}}}]}}",
                1 + i / 65280 % 254,
                1 + i % 65535
            );
        }
    }
    text
}
