//! Flow files on arbitrary bytes, against the bundled example cluster: any input reads to a flow
//! set or an error naming a line, never a panic; a flow set replays and renders; and the
//! least-privilege suggestion for it loads back and allows every flow it was made from (a
//! suggestion that denies an observed flow is a crash). The first byte picks the format.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use netpol::flows::{read_flows, replay, FlowFormat};
use netpol::suggest::suggest;
use netpol::{Cluster, Compiler, Engine};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let cluster = Cluster::from_yaml_str(include_str!("../../examples/cluster.yaml")).expect("the example loads");
        Compiler::new().compile(&cluster)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, text)) = data.split_first() else { return };
    let format = [FlowFormat::Auto, FlowFormat::Hubble, FlowFormat::Jsonl, FlowFormat::Csv][flags as usize % 4];
    let engine = engine();
    match read_flows(text, "<fuzz>", format, engine, &mut |_| {}) {
        Ok(set) => {
            assert_eq!(set.flows.len(), set.dropped.len());
            let report = replay(engine, &set);
            assert!(!report.to_text(engine.cluster(), 20).is_empty());
            let _ = report.to_json(engine.cluster());
            if flags & 4 != 0 {
                let suggestion = suggest(engine, &set.flows);
                let check = suggestion.check(engine, &set.flows).expect("the suggestion loads back");
                assert!(check.all_allowed(), "the suggestion denies observed flows: {:?}", check.denied);
            }
        }
        Err(e) => assert!(!e.diagnostics().is_empty(), "an error names at least one problem"),
    }
});
