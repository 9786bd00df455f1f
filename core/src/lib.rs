//! # netpol: exact Kubernetes NetworkPolicy decisions
//!
//! Given namespaces, pods and NetworkPolicies, netpol answers *may endpoint A open a connection
//! to endpoint B on port P with protocol T, and which rules decide it?*
//!
//! The pipeline:
//!
//! 1. **Input.** [`k8s`] (feature `k8s`) reads YAML/JSON text, files, directories and streams
//!    into a [`raw::RawCluster`]; other faces may fill one directly.
//! 2. **Validation.** [`raw::RawCluster::validate`] checks everything the API server would and
//!    produces a [`Cluster`] of validated [`spec`] types, or an [`Error`] whose
//!    [`Diagnostic`]s name object, field path and problem.
//! 3. **Evaluation.** [`reference::Evaluator`] reads the semantics literally; [`Compiler`]
//!    builds an immutable [`Engine`] that answers [`Engine::decide`] fast and agrees with it.
//!    [`Engine::explain`] says why.
//! 4. **Analyses and output.** The analyses (`audit`, `verify`, `diff`, `graph`, `flows`,
//!    `suggest`, `reach`) and [`report`] return results that write themselves out, named alike
//!    everywhere: `to_text()`, `to_json()` (a `serde_json::Value`), and where a face prints more
//!    formats `to_csv()`, `to_junit()`, `to_dot()`, `to_mermaid()`, `to_markdown()`,
//!    `to_yaml()`. A renderer takes only what its result does not hold (the [`Cluster`] that
//!    names pods and policies held by id, limits of the text form).
//!
//! Every face (command line, Python, wasm, C) enters through [`load_and_compile`] (or [`load`]):
//! [`Source`]s (files, directories, text, bytes, stdin) and a [`Config`] (strictness, limits,
//! evaluation [`Options`]) in, an [`Engine`] or an [`Error`] naming every problem out. Option
//! values parse and print through the core's own `FromStr`/`Display` ([`SelfTraffic`],
//! [`raw::Strictness`], [`Limits`], [`LimitSetting`], [`Options::parse_ip_block_pod_ips`]), so
//! every face spells them alike; faces only parse arguments, call, convert types and print.
//!
//! ```
//! # #[cfg(feature = "k8s")] {
//! use netpol::{Cluster, Compiler, Protocol};
//! let cluster = Cluster::from_yaml_str(r#"
//! apiVersion: v1
//! kind: Pod
//! metadata: {name: web, namespace: shop, labels: {app: web}}
//! status: {podIP: 10.0.0.1}
//! ---
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata: {name: deny-all, namespace: shop}
//! spec: {podSelector: {}, policyTypes: [Ingress]}
//! "#).unwrap();
//! let engine = Compiler::new().compile(&cluster);
//! let web = engine.parse_endpoint("shop/web").unwrap();
//! let outside = engine.parse_endpoint("192.0.2.7").unwrap();
//! assert!(!engine.decide(outside, web, 80, Protocol::Tcp).is_allowed());
//! assert!(engine.decide(web, outside, 443, Protocol::Tcp).is_allowed());
//! # }
//! ```
//!
//! ## Features
//! - `std` (default): `std::error::Error` for [`Error`].
//! - `k8s` (default, implies `std`): Kubernetes input via k8s-openapi, serde and serde-saphyr.
//!
//! Without default features the crate is `no_std` + `alloc`.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

// The pipeline, in dependency order: a module uses only those above it (checked by
// `tests/architecture.rs`). See docs/ARCHITECTURE.md.
mod analysis;
mod engine;
mod explain;
mod input;
pub mod reference;
#[cfg(feature = "k8s")]
pub mod report;
pub mod spec;

pub use analysis::audit;
#[cfg(feature = "k8s")]
pub use analysis::{diff, exposure, flows, graph, reach, select, suggest, verify};
#[cfg(feature = "k8s")]
pub use input::k8s;
pub use input::{limits, raw};

pub use engine::compile::Compiler;
pub use engine::connectivity::{Connectivity, IpRange, Pairs, PodConnectivity, PortPart, PortSet};
pub use engine::live::{Applied, EventOutcome, Live, LiveStats};
#[cfg(feature = "k8s")]
pub use engine::load::{load, load_and_compile, load_live, load_with_sources, Config};
pub use engine::nftables::{NftOptions, NftRuleset, NftStats};
pub use engine::{Engine, Matrix, MatrixRows, Query};
pub use explain::{endpoint_name, DirectionExplanation, Explanation, Reason, RuleMiss, RuleRef, TierMatch, TierStep};
pub use input::limits::{LimitSetting, Limits};
#[cfg(feature = "k8s")]
pub use input::{Source, TextLimits};
pub use spec::query::{Endpoint, Family, FamilyVerdicts, Options, SelfTraffic, UnknownOptionValue, Verdict};
pub use spec::{Cluster, Direction, PodId, PolicyId, Protocol};
pub use spec::{Diagnostic, Error, ObjectKind, ObjectRef};
