//! Writes the shared case corpus (`core/testdata/cases/`) as fixtures the C tests read
//! (`ffi/tests/c/corpus_check.c`), with the verdicts of the Rust engine.
//!
//! Into `$CARGO_TARGET_TMPDIR/c-corpus/`:
//! - `index.txt`: one line per case, `<id> <corpus file>`.
//! - `<id>.json`: the cluster, the model's objects and then the case's, as one
//!   `{"apiVersion": "v1", "kind": "List", "items": [...]}`.
//! - `<id>.txt`: the queries, one fact per line, whitespace-separated:
//!   ```text
//!   case <name>
//!   options <self_traffic_evaluate 0|1> <ip_block_matches_pods 0|1>
//!   pods <n>
//!   pod <index> <namespace/name>            (n lines, in engine order)
//!   q <src> <dst> <port> <iana protocol> <allowed> <egress_allowed> <ingress_allowed> <families> <allowed_families>
//!   end <number of q lines>
//!   ```
//!   `src`/`dst` are a pod index (digits only) or an IPv4/IPv6 literal; `families` and
//!   `allowed_families` are the masks of `netpol_verdict` (IPv4 1, IPv6 2): the families the
//!   ends share and those that allow. The queries are every ordered pod pair on each matrix
//!   expectation's port/protocol, then every single check.
//!
//! The verdicts come from `netpol_core::Engine::decide` on an engine loaded from the very bytes
//! of `<id>.json` (as the C side loads them), and the test also checks they are the corpus's
//! expected verdicts (and, where a single check gives `families`, its per-family verdicts), so a
//! fixture can only mean what its case means.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use netpol_core::k8s::{LoadOptions, Loader};
use netpol_core::raw::Strictness;
use netpol_core::spec::Tie;
use netpol_core::{Compiler, Endpoint, Engine, Family, FamilyVerdicts, PodId, Protocol, SelfTraffic};
use netpol_test_support::corpus::{valid_cases, Expectation};
use serde_json::json;

fn iana(protocol: Protocol) -> u32 {
    match protocol {
        Protocol::Tcp => 6,
        Protocol::Udp => 17,
        Protocol::Sctp => 132,
        other => unreachable!("a protocol the C API does not number: {other}"),
    }
}

/// Writes the queries of one case; returns how many, and pushes any disagreement between the
/// engine and the corpus's expectation onto `failures`.
struct Fixture<'a> {
    name: &'a str,
    engine: &'a Engine,
    out: String,
    queries: usize,
    failures: &'a mut Vec<String>,
}

/// (shared, allowing) family masks, as `netpol_verdict` has them.
fn masks(families: FamilyVerdicts) -> (u8, u8) {
    let bit = |f: Family| match f {
        Family::Ipv4 => 1u8,
        Family::Ipv6 => 2,
    };
    families.iter().fold((0, 0), |(s, a), (f, allowed)| (s | bit(f), if allowed { a | bit(f) } else { a }))
}

impl Fixture<'_> {
    fn query(
        &mut self,
        src: (&str, Endpoint),
        dst: (&str, Endpoint),
        port: u16,
        protocol: Protocol,
        expected: bool,
        expected_families: Option<FamilyVerdicts>,
    ) {
        let v = self.engine.decide(src.1, dst.1, port, protocol);
        if expected_families.is_some_and(|f| f != v.families) {
            self.failures.push(format!(
                "{}: {} -> {} {port}/{protocol}: corpus expects families {:?}, the engine on the fixture says {:?}",
                self.name, src.0, dst.0, expected_families, v.families
            ));
        }
        if v.is_allowed() != expected {
            self.failures.push(format!(
                "{}: {} -> {} {port}/{protocol}: corpus expects {expected}, the engine on the fixture says {}",
                self.name,
                src.0,
                dst.0,
                v.is_allowed()
            ));
        }
        let b = |x: bool| u8::from(x);
        let (shared, allowing) = masks(v.families);
        writeln!(
            self.out,
            "q {} {} {port} {} {} {} {} {shared} {allowing}",
            src.0,
            dst.0,
            iana(protocol),
            b(v.is_allowed()),
            b(v.egress),
            b(v.ingress)
        )
        .unwrap();
        self.queries += 1;
    }
}

/// A fixture endpoint: the pod's index when the text names a pod, else the IP literal.
fn endpoint(engine: &Engine, text: &str, case: &str) -> (String, Endpoint) {
    let e = engine.parse_endpoint(text).unwrap_or_else(|| panic!("{case}: unknown endpoint {text}"));
    let written = match text.parse::<std::net::IpAddr>() {
        Ok(_) => text.to_string(),
        Err(_) => match e {
            Endpoint::Pod(p) => p.0.to_string(),
            _ => unreachable!("a name parses to a pod"),
        },
    };
    (written, e)
}

#[test]
fn write_c_corpus_fixtures() {
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c-corpus");
    if out_dir.exists() {
        fs::remove_dir_all(&out_dir).unwrap();
    }
    fs::create_dir_all(&out_dir).unwrap();

    let mut index = String::new();
    let mut failures = Vec::new();
    let (mut cases, mut queries) = (0usize, 0usize);
    for case in &valid_cases() {
        let name = case.name.as_str();
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{}: case name {name:?} is not a safe file name",
            case.file
        );
        let items =
            case.input.items().unwrap_or_else(|| panic!("{name}: `raw` cases are not supported by the C fixtures"));
        let cluster_json =
            serde_json::to_string_pretty(&json!({"apiVersion": "v1", "kind": "List", "items": items})).unwrap();

        // Load exactly what the C side will load.
        let mut loader = Loader::new(LoadOptions { strictness: case.strictness, ..LoadOptions::default() });
        loader.add_bytes(cluster_json.as_bytes(), "<input>");
        let cluster = loader.finish().unwrap_or_else(|e| panic!("{name}: fixture does not load: {e}"));
        let options = case.options;
        let engine = Compiler::new().options(options).compile(&cluster);
        let pods: Vec<String> = cluster.pods().iter().map(|p| p.qualified_name()).collect();

        let mut fixture = Fixture { name, engine: &engine, out: String::new(), queries: 0, failures: &mut failures };
        writeln!(fixture.out, "case {name}").unwrap();
        writeln!(
            fixture.out,
            "options {} {} {} {}",
            u8::from(options.self_traffic == SelfTraffic::Evaluate),
            u8::from(options.ip_block_matches_pods),
            match options.tie {
                Tie::DenyWins => 0,
                Tie::AcceptWins => 1,
                Tie::Error => 2,
            },
            u8::from(case.strictness == Strictness::Lenient)
        )
        .unwrap();
        writeln!(fixture.out, "pods {}", pods.len()).unwrap();
        for (i, pod) in pods.iter().enumerate() {
            writeln!(fixture.out, "pod {i} {pod}").unwrap();
        }
        for expect in &case.expect {
            match expect {
                Expectation::Matrix(m) => {
                    for (s, d, expected) in case.matrix_cells(m, &pods) {
                        let (sp, dp) = (Endpoint::Pod(PodId(s as u32)), Endpoint::Pod(PodId(d as u32)));
                        let (s, d) = (s.to_string(), d.to_string());
                        fixture.query((&s, sp), (&d, dp), m.port, m.protocol, expected, None);
                    }
                }
                Expectation::Check(c) => {
                    let (src, dst) = (endpoint(&engine, &c.from, name), endpoint(&engine, &c.to, name));
                    fixture.query((&src.0, src.1), (&dst.0, dst.1), c.port, c.protocol, c.allowed, c.families);
                }
            }
        }
        writeln!(fixture.out, "end {}", fixture.queries).unwrap();
        queries += fixture.queries;
        fs::write(out_dir.join(format!("{name}.json")), &cluster_json).unwrap();
        fs::write(out_dir.join(format!("{name}.txt")), &fixture.out).unwrap();
        writeln!(index, "{name} {}", case.file).unwrap();
        cases += 1;
    }
    fs::write(out_dir.join("index.txt"), &index).unwrap();
    eprintln!("wrote {cases} cases, {queries} queries to {}", out_dir.display());
    assert!(
        failures.is_empty(),
        "{} fixture verdicts differ from the corpus:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(cases >= 150, "only {cases} cases written: the corpus has more than 150");
}
