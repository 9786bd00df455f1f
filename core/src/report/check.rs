//! One connection decided and explained, as `netpol check` prints it (text and JSON).

use alloc::string::String;

use serde_json::Value;

use super::explanation_json;
use crate::spec::{Cluster, Protocol};
use crate::{Endpoint, Engine, Explanation, Verdict};

/// The verdict and explanation of one connection, with what is needed to write them out.
pub struct CheckReport<'e> {
    cluster: &'e Cluster,
    src: Endpoint,
    dst: Endpoint,
    port: u16,
    protocol: Protocol,
    explanation: Explanation,
}

impl<'e> CheckReport<'e> {
    /// Explains the connection `src` → `dst` on `port`/`protocol` under `engine`.
    pub fn new(engine: &'e Engine, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol) -> CheckReport<'e> {
        let explanation = engine.explain(src, dst, port, protocol);
        CheckReport { cluster: engine.cluster(), src, dst, port, protocol, explanation }
    }

    /// The verdict the explanation gives (the engine's, which it agrees with).
    pub fn verdict(&self) -> Verdict {
        self.explanation.verdict()
    }

    /// The explanation.
    pub fn explanation(&self) -> &Explanation {
        &self.explanation
    }

    /// The report for people: the verdict line, then per direction the isolating policies and
    /// the deciding rule.
    pub fn to_text(&self) -> String {
        self.explanation.report(self.cluster, self.src, self.dst, self.port, self.protocol)
    }

    /// `{"allowed", "from", "to", "port", "protocol", "families", "family", "egress",
    /// "ingress", "other_family"}` (see [`explanation_json`]).
    pub fn to_json(&self) -> Value {
        explanation_json(self.cluster, self.src, self.dst, self.port, self.protocol, &self.explanation)
    }
}
