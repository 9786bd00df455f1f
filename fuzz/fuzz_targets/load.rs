//! The YAML/JSON loader on arbitrary bytes: any input gives a cluster or an error, never a
//! panic, a hang or unbounded memory. The first byte picks the options; when the input loads,
//! the cluster is compiled and asked one question (the loader's output must be compilable).

#![no_main]

use libfuzzer_sys::fuzz_target;
use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::{Compiler, Protocol};

fuzz_target!(|data: &[u8]| {
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
});
