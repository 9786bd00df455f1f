//! What the tests of netpol's crates share, written once: the core's integration tests, the C
//! API's tests (`ffi/tests/`) and the fuzz crate (`fuzz/`) all depend on it.
//!
//! - [`corpus`]: the case corpus of `core/testdata/` (valid cases with their expected verdicts,
//!   invalid ones with their expected errors), read into typed cases.
//! - [`alphabet`]: the small alphabets random clusters are built from (label keys and values,
//!   CIDRs, ports, pod addresses, probes), shared by the proptest generator of
//!   `core/tests/agreement.rs` and the `arbitrary` builders of `fuzz/src/lib.rs`; each keeps its
//!   own strategies.
//! - [`model`]: the primitives of the property tests' independent models, read off the raw
//!   input (selectors, ipBlocks, ports, policy types).
//! - [`hostile`]: inputs that must give a cluster or an error, never a panic or a hang, and what
//!   the `load` fuzz target checks on each input.
//!
//! Only integration tests can use it: a unit test inside `core/src` would see two `netpol`
//! crates (the one under test and the one this crate depends on).

pub mod alphabet;
pub mod corpus;
pub mod hostile;
pub mod model;
