//! Runs every case of `core/testdata/` through both evaluators (see `core/testdata/README.md`).
//!
//! Valid cases: every expected verdict is checked against the reference evaluator, the engine's
//! `decide`, its `matrix` and its `explain`. Invalid cases: strict loading must fail with the
//! expected diagnostics, lenient loading must succeed and report them as warnings.

use std::collections::BTreeSet;
use std::net::IpAddr;

use netpol::raw::Strictness;
use netpol::reference::Evaluator;
use netpol::{Compiler, Connectivity, Endpoint, Engine, Family, FamilyVerdicts, PodId, Protocol};
use netpol_test_support::corpus::{invalid_cases, testdata, valid_cases, Expectation};

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
            _ => None,
        }
    }
}

#[test]
fn valid_cases_agree_with_both_evaluators() {
    let all = valid_cases();
    assert!(!all.is_empty(), "no cases found");
    let mut failures = Vec::new();
    let mut names = BTreeSet::new();
    let mut checked = 0;
    let mut checked_families = 0;
    for case in &all {
        let name = format!("{}: {}", case.file, case.name);
        assert!(names.insert(case.name.clone()), "duplicate case name {name}");
        let cluster = match case.input.load(case.strictness) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: does not load: {e}"));
                continue;
            }
        };
        let engine = Compiler::new().options(case.options).compile(&cluster);
        let connectivity = engine.connectivity();
        let mut checker = Checker {
            case: name.clone(),
            engine: &engine,
            connectivity: &connectivity,
            reference: Evaluator::new(&cluster, case.options),
            failures: &mut failures,
            checked: &mut checked,
            checked_families: &mut checked_families,
        };
        for expect in &case.expect {
            match expect {
                Expectation::Matrix(m) => {
                    let (port, protocol) = (m.port, m.protocol);
                    let pods: Vec<String> = cluster.pods().iter().map(|p| p.qualified_name()).collect();
                    let matrix = engine.matrix(port, protocol);
                    for (s, d, expected) in case.matrix_cells(m, &pods) {
                        let (src, dst) = (&pods[s], &pods[d]);
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
                Expectation::Check(c) => {
                    let (src, dst) = (checker.endpoint(&c.from), checker.endpoint(&c.to));
                    let what = format!("{} -> {}", c.from, c.to);
                    checker.check(src, dst, c.port, c.protocol, c.allowed, c.families, &what);
                }
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
    let all = invalid_cases();
    let mut failures = Vec::new();
    for case in &all {
        let name = format!("{}: {}", case.file, case.name);
        match case.input.load(Strictness::Strict) {
            Ok(_) => failures.push(format!("{name}: loaded in strict mode")),
            Err(err) => {
                for e in &case.errors {
                    if !err.diagnostics().iter().any(|d| e.matches(d)) {
                        failures.push(format!("{name}: strict: no diagnostic like {e}; got:\n    {err}"));
                    }
                }
            }
        }
        if case.lenient_fails {
            continue;
        }
        match case.input.load(Strictness::Lenient) {
            Err(err) => failures.push(format!("{name}: lenient: failed: {err}")),
            Ok(cluster) => {
                for e in &case.errors {
                    if !cluster.warnings().iter().any(|d| e.matches(d)) {
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
    rules.extend((1..=10).map(|i| format!("S15.{i}")));
    rules
}

#[test]
fn every_rule_has_a_case() {
    let known = known_rules();
    let mut covered = BTreeSet::new();
    let valid = valid_cases().into_iter().map(|c| (c.file, c.name, c.rules));
    let invalid = invalid_cases().into_iter().map(|c| (c.file, c.name, c.rules));
    for (file, name, rules) in valid.chain(invalid) {
        for r in rules {
            assert!(known.contains(&r), "{file}: {name}: unknown rule {r}");
            covered.insert(r);
        }
    }
    let missing: Vec<&String> = known.iter().filter(|r| !covered.contains(*r)).collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}
