//! Replays `core/testdata/fuzz/` (see its README): each input must load or fail with a clear
//! error, as the `load` fuzz target checks, without panicking, hanging or exhausting memory.

use std::fs;
use std::path::Path;

use netpol::k8s::{LoadOptions, Loader};
use netpol::raw::Strictness;
use netpol::{Compiler, Protocol};

/// What the `load` fuzz target does with one input.
fn replay(data: &[u8]) {
    let Some((&flags, text)) = data.split_first() else { return };
    let strictness = if flags & 1 == 0 { Strictness::Strict } else { Strictness::Lenient };
    let mut loader = Loader::new(LoadOptions { strictness, ..LoadOptions::default() });
    if flags & 2 == 0 {
        loader.add_bytes(text, "<fuzz>");
    } else {
        let half = text.len() / 2;
        loader.add_bytes(&text[..half], "<fuzz-a>");
        loader.add_bytes(&text[half..], "<fuzz-b>");
    }
    match loader.finish() {
        Ok(cluster) => {
            let engine = Compiler::new().compile(&cluster);
            if let (Some(a), Some(b)) = (cluster.pods().first(), cluster.pods().last()) {
                let src = engine.parse_endpoint(&a.qualified_name()).unwrap();
                let dst = engine.parse_endpoint(&b.qualified_name()).unwrap();
                let v = engine.decide(src, dst, 80, Protocol::Tcp);
                assert_eq!(engine.explain(src, dst, 80, Protocol::Tcp).verdict(), v);
            }
        }
        Err(e) => assert!(!e.diagnostics().is_empty() && !e.to_string().is_empty()),
    }
}

#[test]
fn load_inputs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz/load");
    let mut entries: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    assert!(!entries.is_empty(), "no inputs in {}", dir.display());
    for path in entries {
        eprintln!("replaying {}", path.display());
        replay(&fs::read(&path).unwrap());
    }
}
