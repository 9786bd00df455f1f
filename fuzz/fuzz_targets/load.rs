//! The YAML/JSON loader on arbitrary bytes: any input gives a cluster or an error, never a
//! panic, a hang or unbounded memory. The first byte picks the options; when the input loads,
//! the cluster is compiled and asked one question (the loader's output must be compilable).
//! The checks are `netpol_test_support::hostile::check_load`, which
//! `core/tests/fuzz_regressions.rs` runs on the regression inputs too.

#![no_main]

use libfuzzer_sys::fuzz_target;
use netpol_test_support::hostile::check_load;

fuzz_target!(|data: &[u8]| check_load(data));
