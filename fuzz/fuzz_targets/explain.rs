//! Explanations: for a cluster read from YAML/JSON text (first byte odd) or built from the
//! bytes (even), `explain` must amount to `decide`'s verdict for every queried pair, and its
//! report and JSON must say so. Admitting rules must exist exactly when a direction is admitted.

#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::{Cluster, Compiler, Options, Reason};
use netpol_fuzz::{cluster, endpoints, options, QueryShape};

fn check(cluster: &Cluster, options: Options, shapes: &[QueryShape]) {
    let engine = Compiler::new().options(options).compile(cluster);
    let endpoints = endpoints(cluster);
    for shape in shapes {
        let (src, dst, port, protocol) = shape.resolve(&endpoints);
        let verdict = engine.decide(src, dst, port, protocol);
        let explanation = engine.explain(src, dst, port, protocol);
        assert_eq!(explanation.verdict(), verdict, "{src:?} -> {dst:?} on {port}/{protocol:?}");
        for d in [&explanation.egress, &explanation.ingress] {
            assert_eq!(d.reason == Reason::Admitted, !d.admitting.is_empty(), "{d:?}");
            if d.reason == Reason::NoRuleAdmits {
                assert!(!d.isolating.is_empty(), "denied without an isolating policy: {d:?}");
            }
        }
        let report = explanation.report(cluster, src, dst, port, protocol);
        let head = if verdict.is_allowed() { "ALLOWED: " } else { "DENIED: " };
        assert!(report.starts_with(head), "{report}");
        // No shared address family (S9a): the verdict and one line saying so.
        let least = if explanation.family.is_none() { 2 } else { 3 };
        assert!(report.lines().count() >= least, "{report}");
        let json = netpol::report::explanation_json(cluster, src, dst, port, protocol, &explanation);
        assert_eq!(json["allowed"], verdict.is_allowed(), "{json}");
    }
}

fn run(data: &[u8]) -> Result<()> {
    let Some((&mode, rest)) = data.split_first() else { return Ok(()) };
    if mode & 1 == 0 {
        let mut u = Unstructured::new(rest);
        let raw = cluster(&mut u)?;
        let options = options(&mut u)?;
        let shapes: Vec<QueryShape> = u.arbitrary_iter()?.take(32).collect::<Result<_>>()?;
        if let Ok(cluster) = raw.validate(Strictness::Lenient) {
            check(&cluster, options, &shapes);
        }
    } else {
        // Text up to the first NUL, then the queries.
        let cut = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        let (text, tail) = rest.split_at(cut);
        let mut u = Unstructured::new(tail);
        let options = options(&mut u)?;
        let mut shapes: Vec<QueryShape> = u.arbitrary_iter()?.take(32).collect::<Result<_>>()?;
        if shapes.is_empty() {
            // Every pair of the first few endpoints.
            for s in 0..4u8 {
                for d in 0..4u8 {
                    shapes.push(QueryShape { src: s, dst: d, port: 2, protocol: 0, free_port: None });
                }
            }
        }
        let mut loader = Loader::new(LoadOptions { strictness: Strictness::Lenient, ..LoadOptions::default() });
        loader.add_bytes(text, "<fuzz>");
        if let Ok(cluster) = loader.finish() {
            check(&cluster, options, &shapes);
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(data);
});
