//! Observed traffic held against the policies: flow records (Hubble JSON export, plain JSONL
//! and CSV), resolved to endpoints of a cluster, replayed through the engine.

use crate::query::Endpoint;
use crate::spec::Protocol;

/// One observed connection, resolved against a cluster: `count` records of traffic from `src` to
/// `dst` on `port`/`protocol` (records with the same four fields are folded into one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObservedFlow {
    /// The endpoint that opened the connection.
    pub src: Endpoint,
    /// The endpoint it was opened to.
    pub dst: Endpoint,
    /// The destination port.
    pub port: u16,
    /// The L4 protocol.
    pub protocol: Protocol,
    /// How many records were folded into this flow (at least 1).
    pub count: u64,
}
