//! Stage 4 of the pipeline: analyses that ask a compiled [`Engine`](crate::Engine) questions
//! and return a result with its text and JSON renderings. None reads the engine's tables; none
//! borrows another analysis's helpers (shared pieces live in `report/` or `spec/`).

pub mod audit;
#[cfg(feature = "k8s")]
pub mod diff;
#[cfg(feature = "k8s")]
pub mod exposure;
#[cfg(feature = "k8s")]
pub mod flows;
#[cfg(feature = "k8s")]
pub mod graph;
#[cfg(feature = "k8s")]
pub mod reach;
#[cfg(feature = "k8s")]
pub mod select;
#[cfg(feature = "k8s")]
pub mod suggest;
#[cfg(feature = "k8s")]
pub mod verify;
