//! Stage 1 of the pipeline: text or structs in, a validated [`Cluster`](crate::Cluster) out.
//!
//! - `k8s/` (feature `k8s`): YAML/JSON text, files, directories and streams → [`raw::RawCluster`].
//! - `raw.rs`: the unvalidated, API-shaped structs any face may fill.
//! - `source.rs` (feature `k8s`): files, directories, text, bytes, stdin: every face's inputs;
//!   [`TextLimits`] and the capped line reader for flow and expectations files.
//! - `limits.rs`: input refused up front when over a stated limit.
//! - `validate.rs`: what the API server would check (S14), defaults, strict and lenient.
//!
//! Every problem is a [`Diagnostic`](crate::Diagnostic) (in `spec/`): object, field, origin.

#[cfg(feature = "k8s")]
pub mod k8s;
pub mod limits;
pub mod raw;
#[cfg(feature = "k8s")]
mod source;
mod validate;
mod validate_admin;

#[cfg(feature = "k8s")]
pub(crate) use source::{clip_quotes, excerpt, read_line, Line, EXCERPT_BYTES};
#[cfg(feature = "k8s")]
pub use source::{Source, TextLimits};
