//! A suggestion made from a flow set and self-checked, with what every face says about it: the
//! warnings about the input, the notes about flows left denied, the summary (`netpol suggest`
//! prints these on stderr) and one JSON object (Python's `suggest`).

use alloc::boxed::Box;
use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{suggest, SelfCheck, Suggestion};
use crate::flows::{FlowSet, ObservedFlow, SkipReason, Unresolved};
use crate::{endpoint_name, Cluster, Engine, Error};

/// A self-checked suggestion for a flow set (see [`suggest_checked`]).
#[derive(Debug)]
#[non_exhaustive]
pub struct SuggestReport {
    /// The suggested policies.
    pub suggestion: Suggestion,
    /// Their self-check; every observed flow it replayed is allowed.
    pub check: SelfCheck,
    /// Flows observed DROPPED and left out of the suggestion (without `include_dropped`).
    pub refused: Vec<ObservedFlow>,
    /// Those of `refused` the suggestion allows all the same (its rules are per workload).
    pub allowed_anyway: Vec<ObservedFlow>,
    /// The endpoints of the flow set that could not be resolved.
    pub unresolved: Vec<Unresolved>,
}

/// Why [`suggest_checked`] returns no suggestion: the self-check failed, a bug in netpol.
#[derive(Debug)]
#[non_exhaustive]
pub enum SuggestFailure {
    /// The suggested policies do not load back.
    LoadBack(Error),
    /// The suggested policies deny observed flows.
    Denied(Box<SelfCheck>),
}

/// `a -> b 80/TCP (3 records)`.
fn describe(cluster: &Cluster, f: &ObservedFlow) -> String {
    let records = if f.count == 1 { "record" } else { "records" };
    format!(
        "{} -> {} {}/{} ({} {records})",
        endpoint_name(cluster, f.src),
        endpoint_name(cluster, f.dst),
        f.port,
        f.protocol,
        f.count
    )
}

/// `{"from", "to", "port", "protocol", "count"}`.
fn flow_json(cluster: &Cluster, f: &ObservedFlow) -> Value {
    json!({
        "from": endpoint_name(cluster, f.src),
        "to": endpoint_name(cluster, f.dst),
        "port": f.port,
        "protocol": f.protocol.as_str(),
        "count": f.count,
    })
}

/// The warnings about a flow set a suggestion does not cover, one `warning: ` line each (with
/// the unresolved endpoints indented below): endpoints not in the cluster, and node traffic.
/// Empty when there are none.
pub fn input_warnings(set: &FlowSet) -> String {
    let mut out = String::new();
    if set.unresolved_records > 0 {
        let _ = writeln!(
            out,
            "warning: {} with endpoints not in the cluster; the suggestion does not cover them:",
            crate::report::plural(set.unresolved_records, "record")
        );
        for u in &set.unresolved {
            let _ = writeln!(out, "  {} ({}; {})", u.endpoint, u.reason, crate::report::plural(u.records, "record"));
        }
    }
    let node_records: u64 = set.skipped.iter().filter(|(r, _)| *r == SkipReason::NodeTraffic).map(|(_, n)| n).sum();
    if node_records > 0 {
        let _ = writeln!(
            out,
            "warning: {} of traffic to or from nodes (host, remote-node, health) left out: \
             NetworkPolicies do not describe it alike on every CNI. If pods reach the API server or node-local \
             services on host addresses, make sure the suggested default-deny egress keeps that (an ipBlock for \
             those addresses) before applying it.",
            crate::report::plural(node_records, "record")
        );
    }
    out
}

/// Suggests policies for the flows of `set` ([`suggest`]) and self-checks them: flows observed
/// DROPPED stay denied unless `include_dropped`.
pub fn suggest_checked(engine: &Engine, set: &FlowSet, include_dropped: bool) -> Result<SuggestReport, SuggestFailure> {
    let (flows, refused) = set.split_dropped(include_dropped);
    let suggestion = suggest(engine, &flows);
    let check = suggestion.check(engine, &flows).map_err(SuggestFailure::LoadBack)?;
    if !check.all_allowed() {
        return Err(SuggestFailure::Denied(Box::new(check)));
    }
    let allowed_anyway = check.allowed_anyway(&refused);
    Ok(SuggestReport { suggestion, check, refused, allowed_anyway, unresolved: set.unresolved.clone() })
}

impl SuggestFailure {
    /// What went wrong, as `netpol suggest` prints it: a heading line and the problems or the
    /// denied flows indented below.
    pub fn to_text(&self, cluster: &Cluster) -> String {
        let mut out = String::new();
        match self {
            SuggestFailure::LoadBack(e) => {
                let _ = writeln!(out, "internal error: the suggested policies do not load back (a bug in netpol):");
                for d in e.diagnostics() {
                    let _ = writeln!(out, "  {d}");
                }
            }
            SuggestFailure::Denied(check) => {
                let _ = writeln!(
                    out,
                    "internal error: the suggested policies deny {} of {} observed flows (a bug in netpol; nothing printed):",
                    check.denied.len(),
                    check.flows
                );
                for f in &check.denied {
                    let _ = writeln!(out, "  {}", describe(cluster, f));
                }
            }
        }
        out
    }

    /// What went wrong in one line (an exception's message).
    pub fn message(&self, cluster: &Cluster) -> String {
        match self {
            SuggestFailure::LoadBack(e) => {
                let problems: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
                format!("the suggested policies do not load back (a bug in netpol): {}", problems.join("; "))
            }
            SuggestFailure::Denied(check) => {
                let denied: Vec<String> = check.denied.iter().map(|f| flow_json(cluster, f).to_string()).collect();
                format!(
                    "the suggested policies deny {} of {} observed flows (a bug in netpol): {}",
                    check.denied.len(),
                    check.flows,
                    denied.join(", ")
                )
            }
        }
    }
}

impl SuggestReport {
    /// The note about flows observed DROPPED and left out, each marked allowed all the same or
    /// denied; empty when there are none.
    pub fn notes(&self, cluster: &Cluster) -> String {
        let mut out = String::new();
        if !self.refused.is_empty() {
            let _ = writeln!(
                out,
                "note: {} observed DROPPED left out (--include-dropped allows them); {} of them \
                 the suggestion allows all the same (its rules are per workload):",
                crate::report::plural(self.refused.len(), "flow"),
                self.allowed_anyway.len()
            );
            for f in &self.refused {
                let verdict = if self.allowed_anyway.contains(f) { "allowed all the same" } else { "denied" };
                let _ = writeln!(out, "  {} ({verdict})", describe(cluster, f));
            }
        }
        out
    }

    /// The summary `netpol suggest` prints after the policies: the suggestion's warnings, the
    /// counts, the self-check, the flows it opens and the reachable pod pairs before and after.
    pub fn summary(&self, cluster: &Cluster) -> String {
        let (suggestion, check) = (&self.suggestion, &self.check);
        let mut out = String::new();
        for w in suggestion.warnings() {
            let _ = writeln!(out, "warning: {w}");
        }
        let namespaces: BTreeSet<&str> = suggestion.policies().iter().map(|p| p.policy.namespace.as_str()).collect();
        let _ = writeln!(
            out,
            "suggested {} policies in {} namespaces from {} observed flows ({} records)",
            suggestion.policies().len(),
            namespaces.len(),
            suggestion.flows(),
            suggestion.records()
        );
        let _ =
            writeln!(out, "self-check: observed flows allowed by the suggestion: {} of {}", check.flows, check.flows);
        if !check.opened.is_empty() {
            let _ = writeln!(
                out,
                "{} that the current policies deny, allowed by the suggestion:",
                crate::report::plural(check.opened.len(), "observed flow")
            );
            for f in &check.opened {
                let _ = writeln!(out, "  {}", describe(cluster, f));
            }
        }
        let _ = writeln!(
            out,
            "reachable pod pairs: {} before -> {} after (allowed pod-pair ports: {} -> {})",
            check.pairs_before, check.pairs_after, check.ports_before, check.ports_after
        );
        out
    }

    /// Everything as one object: `{"yaml", "json", "policies", "warnings", "flows", "records",
    /// "check": {"flows", "denied", "opened", "pairs_before", "pairs_after", "ports_before",
    /// "ports_after"}, "left_denied", "dropped_allowed", "unresolved"}`.
    pub fn to_json(&self, cluster: &Cluster) -> Value {
        let (suggestion, check) = (&self.suggestion, &self.check);
        let flows_json = |list: &[ObservedFlow]| list.iter().map(|f| flow_json(cluster, f)).collect::<Vec<_>>();
        let left_denied: Vec<ObservedFlow> =
            self.refused.iter().filter(|f| !self.allowed_anyway.contains(f)).copied().collect();
        json!({
            "yaml": suggestion.to_yaml(),
            "json": suggestion.to_json(),
            "policies": suggestion.policies().iter().map(|p| p.policy.qualified_name()).collect::<Vec<_>>(),
            "warnings": suggestion.warnings(),
            "flows": suggestion.flows(),
            "records": suggestion.records(),
            "check": {
                "flows": check.flows,
                "denied": flows_json(&check.denied),
                "opened": flows_json(&check.opened),
                "pairs_before": check.pairs_before,
                "pairs_after": check.pairs_after,
                "ports_before": check.ports_before,
                "ports_after": check.ports_after,
            },
            "left_denied": flows_json(&left_denied),
            "dropped_allowed": flows_json(&self.allowed_anyway),
            "unresolved": self.unresolved.iter().map(|u| json!({
                "endpoint": u.endpoint,
                "reason": u.reason,
                "records": u.records,
            })).collect::<Vec<_>>(),
        })
    }
}
