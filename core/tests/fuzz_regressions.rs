//! Replays `core/testdata/fuzz/` (see its README) and the hostile shapes of the test support
//! crate: each input must load or fail with a clear error, as the `load` fuzz target checks
//! (the very same function), without panicking, hanging or exhausting memory.

use netpol_test_support::hostile::{check_load, load_regressions, SHAPES};

#[test]
fn load_inputs() {
    for (path, data) in load_regressions() {
        eprintln!("replaying {}", path.display());
        check_load(&data);
    }
}

/// Every shape under every option byte of the `load` target (strict or lenient, one input or
/// two halves).
#[test]
fn hostile_shapes() {
    for text in SHAPES {
        for flags in 0..4u8 {
            let mut data = vec![flags];
            data.extend_from_slice(text.as_bytes());
            check_load(&data);
        }
    }
    eprintln!("{} shapes, 4 option bytes each", SHAPES.len());
}
