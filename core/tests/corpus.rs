//! Runs every case of `core/testdata/` through both evaluators (see `core/testdata/README.md`).
//!
//! Valid cases: every expected verdict is checked against the reference evaluator, the engine's
//! `decide`, its `matrix` and its `explain`. Invalid cases: strict loading must fail with the
//! expected diagnostics, lenient loading must succeed and report them as warnings.

use std::collections::BTreeSet;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::reference::Evaluator;
use netpol::{
    Cluster, Compiler, Connectivity, Endpoint, Engine, Family, FamilyVerdicts, Options, PodId, Protocol, SelfTraffic,
};
use serde_json::Value;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// Every case in the `*.yaml` files of `dir`, with the file it came from.
fn cases(dir: &str) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = fs::read_dir(testdata().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        let doc: Value = serde_saphyr::from_str_with_options(&text, serde_saphyr::options! { strict_booleans: true })
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        for case in doc["cases"].as_array().unwrap_or_else(|| panic!("{name}: no `cases` list")) {
            out.push((name.clone(), case.clone()));
        }
    }
    out
}

fn case_name(case: &Value) -> String {
    case["name"].as_str().expect("every case has a name").to_string()
}

fn load(case: &Value, strictness: Strictness) -> Result<Cluster, netpol::Error> {
    let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
    if let Some(model) = case["model"].as_str() {
        let path = testdata().join("models").join(format!("{model}.yaml"));
        loader.add_path(&path);
    }
    if let Some(raw) = case["raw"].as_str() {
        loader.add_str(raw, "raw");
    }
    if let Some(objects) = case["objects"].as_array() {
        loader.add_objects(objects.clone(), "objects");
    }
    loader.finish()
}

fn options(case: &Value) -> Options {
    let mut options = Options::default();
    let o = &case["options"];
    match o["self_traffic"].as_str() {
        None | Some("allow") => {}
        Some("evaluate") => options.self_traffic = SelfTraffic::Evaluate,
        Some(other) => panic!("{}: unknown self_traffic {other}", case_name(case)),
    }
    if let Some(b) = o["ip_block_matches_pods"].as_bool() {
        options.ip_block_matches_pods = b;
    }
    options
}

fn protocol(v: &Value) -> Protocol {
    v.as_str().map_or(Protocol::Tcp, |p| Protocol::parse(p).unwrap_or_else(|| panic!("bad protocol {p}")))
}

fn port(v: &Value) -> u16 {
    v.as_u64().and_then(|p| u16::try_from(p).ok()).unwrap_or_else(|| panic!("bad port {v}"))
}

/// Whether `pattern` (`*`, `ns/*`, `*/pod`, `ns/pod`) covers `pod` (`ns/name`).
fn covers(pattern: &str, pod: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (pns, pname) = pattern.split_once('/').unwrap_or_else(|| panic!("bad pattern {pattern}"));
    let (ns, name) = pod.split_once('/').unwrap();
    (pns == "*" || pns == ns) && (pname == "*" || pname == name)
}

struct Checker<'a> {
    case: String,
    engine: &'a Engine,
    connectivity: &'a Connectivity,
    reference: Evaluator<'a>,
    failures: &'a mut Vec<String>,
    checked: &'a mut usize,
    checked_families: &'a mut usize,
}

/// `{ipv4: true, ipv6: false}`, as the case files write it (absent key: family not shared).
fn show(f: FamilyVerdicts) -> String {
    let parts: Vec<String> = f.iter().map(|(family, allowed)| format!("{}: {allowed}", family.key())).collect();
    format!("{{{}}}", parts.join(", "))
}

/// The optional `families` of a single check: only the shared families, `{}` for none.
fn families(case: &str, v: &Value) -> Option<FamilyVerdicts> {
    let map = v.as_object()?;
    let mut out = FamilyVerdicts::default();
    for (key, allowed) in map {
        let allowed = allowed.as_bool().unwrap_or_else(|| panic!("{case}: families.{key} is not a boolean"));
        match key.as_str() {
            "ipv4" => out.ipv4 = Some(allowed),
            "ipv6" => out.ipv6 = Some(allowed),
            other => panic!("{case}: unknown family {other} (ipv4, ipv6)"),
        }
    }
    Some(out)
}

impl Checker<'_> {
    /// `ns/name` is that pod; an IP stays an IP endpoint (evaluators resolve a pod's IP to the
    /// pod, restricted to that IP's family, S9a), so the query keeps the family the IP fixes.
    fn endpoint(&self, text: &str) -> Endpoint {
        match text.parse::<IpAddr>() {
            Ok(ip) => Endpoint::Ip(ip),
            Err(_) => {
                self.engine.parse_endpoint(text).unwrap_or_else(|| panic!("{}: unknown endpoint {text}", self.case))
            }
        }
    }

    /// Checks one connection against `expected`, and, when given, the per-family verdicts of
    /// the reference and the engine against `families` (S9a).
    #[allow(clippy::too_many_arguments)]
    fn check(
        &mut self,
        src: Endpoint,
        dst: Endpoint,
        port: u16,
        protocol: Protocol,
        expected: bool,
        families: Option<FamilyVerdicts>,
        what: &str,
    ) {
        *self.checked += 1;
        let reference = self.reference.verdict(src, dst, port, protocol);
        let decided = self.engine.decide(src, dst, port, protocol);
        let explained = self.engine.explain(src, dst, port, protocol).allowed();
        let mapped = self.connectivity_says(src, dst, port, protocol).unwrap_or(expected);
        let (reference_allowed, decided_allowed) = (reference.is_allowed(), decided.is_allowed());
        if reference_allowed != expected || decided_allowed != expected || explained != expected || mapped != expected {
            self.failures.push(format!(
                "{}: {what} {port}/{protocol}: expected {expected}, reference {reference_allowed}, engine {decided_allowed}, explain {explained}, connectivity {mapped}",
                self.case
            ));
        }
        if reference.families != decided.families {
            self.failures.push(format!(
                "{}: {what} {port}/{protocol}: families: reference {}, engine {}",
                self.case,
                show(reference.families),
                show(decided.families)
            ));
        }
        if let Some(families) = families {
            *self.checked_families += 1;
            if reference.families != families || decided.families != families {
                self.failures.push(format!(
                    "{}: {what} {port}/{protocol}: expected families {}, reference {}, engine {}",
                    self.case,
                    show(families),
                    show(reference.families),
                    show(decided.families)
                ));
            }
        }
    }

    /// What the connectivity map says about a connection (IP to IP is not in the map).
    fn connectivity_says(&self, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> Option<bool> {
        let inside = |ip, r: &netpol::IpRange| r.first <= ip && ip <= r.last;
        // A pod's IP is that pod over the IP's family (S9a); the map answers for pods over every
        // family they share, so it is comparable only for a pod with that one family. An
        // IPv4-mapped IPv6 address is the IPv4 address.
        let as_pod = |e: Endpoint| -> Option<Endpoint> {
            let Endpoint::Ip(ip) = e else { return Some(e) };
            let ip = ip.to_canonical();
            let Some(p) = self.engine.pod_of(Endpoint::Ip(ip)) else { return Some(Endpoint::Ip(ip)) };
            let pod = self.engine.cluster().pod(p);
            pod.ips.iter().all(|a| Family::of(*a) == Family::of(ip)).then_some(Endpoint::Pod(p))
        };
        match (as_pod(src)?, as_pod(dst)?) {
            (Endpoint::Pod(s), Endpoint::Pod(d)) => Some(self.connectivity.between(s, d).allows(port, protocol)),
            (Endpoint::Pod(s), Endpoint::Ip(ip)) => Some(
                self.connectivity.egress_external(s).iter().any(|(r, set)| inside(ip, r) && set.allows(port, protocol)),
            ),
            (Endpoint::Ip(ip), Endpoint::Pod(d)) => Some(
                self.connectivity
                    .ingress_external(d)
                    .iter()
                    .any(|(r, set)| inside(ip, r) && set.allows(port, protocol)),
            ),
            (Endpoint::Ip(_), Endpoint::Ip(_)) => None,
        }
    }
}

#[test]
fn valid_cases_agree_with_both_evaluators() {
    let all = cases("cases");
    assert!(!all.is_empty(), "no cases found");
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let mut checked = 0;
    let mut checked_families = 0;
    for (file, case) in &all {
        let name = format!("{file}: {}", case_name(case));
        assert!(names.insert(case_name(case)), "duplicate case name {name}");
        let cluster = match load(case, Strictness::Strict) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: does not load: {e}"));
                continue;
            }
        };
        let options = options(case);
        let engine = Compiler::new().options(options).compile(&cluster);
        let connectivity = engine.connectivity();
        let mut checker = Checker {
            case: name.clone(),
            engine: &engine,
            connectivity: &connectivity,
            reference: Evaluator::new(&cluster, options),
            failures: &mut failures,
            checked: &mut checked,
            checked_families: &mut checked_families,
        };
        for expect in case["expect"].as_array().unwrap_or_else(|| panic!("{name}: no expect list")) {
            if let Some(m) = expect.get("matrix") {
                let (port, protocol) = (port(&m["port"]), protocol(&m["protocol"]));
                let default = expect["default"].as_bool().unwrap_or_else(|| panic!("{name}: matrix without default"));
                let pods: Vec<String> = cluster.pods().iter().map(|p| p.qualified_name()).collect();
                let matrix = engine.matrix(port, protocol);
                for (s, src) in pods.iter().enumerate() {
                    for (d, dst) in pods.iter().enumerate() {
                        let mut expected = default;
                        for cell in expect["cells"].as_array().into_iter().flatten() {
                            if covers(cell["from"].as_str().unwrap(), src) && covers(cell["to"].as_str().unwrap(), dst)
                            {
                                expected = cell["allowed"].as_bool().unwrap();
                            }
                        }
                        if s == d && options.self_traffic == SelfTraffic::Allow {
                            expected = true;
                        }
                        let (sp, dp) = (PodId(s as u32), PodId(d as u32));
                        checker.check(
                            Endpoint::Pod(sp),
                            Endpoint::Pod(dp),
                            port,
                            protocol,
                            expected,
                            None,
                            &format!("{src} -> {dst}"),
                        );
                        if matrix.allowed(sp, dp) != expected {
                            checker
                                .failures
                                .push(format!("{name}: matrix {src} -> {dst} {port}/{protocol}: expected {expected}"));
                        }
                    }
                }
            } else {
                let from = expect["from"].as_str().unwrap_or_else(|| panic!("{name}: check without from"));
                let to = expect["to"].as_str().unwrap_or_else(|| panic!("{name}: check without to"));
                let (src, dst) = (checker.endpoint(from), checker.endpoint(to));
                let allowed = expect["allowed"].as_bool().unwrap_or_else(|| panic!("{name}: check without allowed"));
                let families = expect
                    .get("families")
                    .map(|f| families(&name, f).unwrap_or_else(|| panic!("{name}: families is not a map: {f}")));
                checker.check(
                    src,
                    dst,
                    port(&expect["port"]),
                    protocol(&expect["protocol"]),
                    allowed,
                    families,
                    &format!("{from} -> {to}"),
                );
            }
        }
    }
    eprintln!(
        "{} cases of {}, {checked} verdicts checked, {checked_families} with their families",
        all.len(),
        testdata().display()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn invalid_cases_fail_strict_and_warn_lenient() {
    let all = cases("invalid");
    let mut failures = Vec::new();
    for (file, case) in &all {
        let name = format!("{file}: {}", case_name(case));
        let expected = case["errors"].as_array().unwrap_or_else(|| panic!("{name}: no errors list"));
        let matches = |d: &netpol::Diagnostic, e: &Value| {
            let object_ok = e["object"].as_str().is_none_or(|o| d.object().is_some_and(|x| x.qualified_name() == o));
            let field_ok = e["field"].as_str().is_none_or(|f| d.field() == f);
            let message_ok = e["message"].as_str().is_none_or(|m| d.message().contains(m));
            object_ok && field_ok && message_ok
        };
        match load(case, Strictness::Strict) {
            Ok(_) => failures.push(format!("{name}: loaded in strict mode")),
            Err(err) => {
                for e in expected {
                    if !err.diagnostics().iter().any(|d| matches(d, e)) {
                        failures.push(format!("{name}: strict: no diagnostic like {e}; got:\n    {err}"));
                    }
                }
            }
        }
        if case["lenient_fails"].as_bool() == Some(true) {
            continue;
        }
        match load(case, Strictness::Lenient) {
            Err(err) => failures.push(format!("{name}: lenient: failed: {err}")),
            Ok(cluster) => {
                for e in expected {
                    if !cluster.warnings().iter().any(|d| matches(d, e)) {
                        failures.push(format!("{name}: lenient: no warning like {e}; got {:?}", cluster.warnings()));
                    }
                }
            }
        }
    }
    eprintln!("{} invalid cases", all.len());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// The rules of DESIGN §2 that cases cite: S1–S14 and S9a.
fn known_rules() -> Vec<String> {
    let mut rules: Vec<String> = (1..=14).map(|i| format!("S{i}")).collect();
    rules.insert(9, "S9a".to_string());
    rules
}

#[test]
fn every_rule_has_a_case() {
    let known = known_rules();
    let mut covered = BTreeSet::new();
    for (file, case) in cases("cases").iter().chain(cases("invalid").iter()) {
        for r in case["rules"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap().to_string();
            assert!(known.contains(&r), "{file}: {}: unknown rule {r}", case_name(case));
            covered.insert(r);
        }
    }
    let missing: Vec<&String> = known.iter().filter(|r| !covered.contains(*r)).collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}
