//! How answers are written out, shared by every face (CLI, Python, wasm, C) so that a field
//! means the same everywhere: the JSON shapes (documented in the README), the whole-cluster
//! tables ([`MatrixReport`], [`ConnectivityReport`], [`GroupedConnectivity`]), one decided
//! connection ([`CheckReport`]), and the errors for endpoints that name nothing.
//!
//! Naming: every result renders itself with `to_text()` and `to_json()` (a
//! [`serde_json::Value`]), and where a face prints more formats, `to_csv()`, `to_junit()`,
//! `to_dot()`, `to_mermaid()`, `to_markdown()`, `to_yaml()`. A renderer takes only what the
//! result does not hold: the [`Cluster`] naming the pods and policies it refers to by id, and
//! limits of the text form.
//!
//! Outputs that grow past the engine and the pods (the tables, the connectivity map by pods or
//! groups, flow reports) are written by `write_text`, `write_json`, `write_csv`, ... to any
//! [`std::io::Write`], piece by piece as they are computed, stopping at the first write error;
//! their `to_*` forms are thin wrappers over them, so both give the same bytes.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::net::IpAddr;
use std::io::{self, Write};

use serde_json::{json, Map, Value};

mod check;
mod connectivity;
pub(crate) mod describe;
mod grouped;
pub mod markdown;
mod matrix;
pub mod sarif;
mod unknown;

pub use check::CheckReport;
pub use connectivity::ConnectivityReport;
pub use grouped::{GroupBy, GroupPair, GroupedConnectivity, UnknownGroupBy};
pub use matrix::MatrixReport;
pub use unknown::{unknown_endpoint, unknown_subject};

use crate::engine::connectivity::{IpRange, PortSet};
use crate::explain::{endpoint_name, DirectionExplanation, Explanation, Reason, TierStep};
use crate::spec::{Cluster, Protocol};
use crate::{Endpoint, Family, FamilyVerdicts};

/// The stable id of a [`Reason`]: `admitted`, `no-rule-admits`, `not-isolated`, `not-a-pod`,
/// `self-traffic`, `no-common-family`, `admin-accepted`, `admin-denied`, `baseline-accepted`,
/// `baseline-denied`.
pub fn reason_id(reason: Reason) -> &'static str {
    match reason {
        Reason::NotAPod => "not-a-pod",
        Reason::SelfTraffic => "self-traffic",
        Reason::NotIsolated => "not-isolated",
        Reason::Admitted => "admitted",
        Reason::NoRuleAdmits => "no-rule-admits",
        Reason::NoCommonFamily => "no-common-family",
        Reason::AdminAccepted => "admin-accepted",
        Reason::AdminDenied => "admin-denied",
        Reason::BaselineAccepted => "baseline-accepted",
        Reason::BaselineDenied => "baseline-denied",
    }
}

/// One direction of an explanation: `allowed`, `reason`, `isolating_policies`, `admitted_by`
/// (policy, rule, peer, port, path) and `not_admitting` (policy, rule, path, peer_matched,
/// port_matched), and for the admin tiers (S15) `admin` and `baseline`: the step each tier
/// took, or `null`.
pub fn direction_json(cluster: &Cluster, d: &DirectionExplanation) -> Value {
    let policy = |id| cluster.policy(id).qualified_name();
    let tier = |step: &Option<TierStep>| {
        step.as_ref().map(|s| {
            json!({
                "action": s.action.as_str(),
                "ambiguous": s.ambiguous(),
                "matches": s.matches.iter().map(|m| {
                    let p = &cluster.cluster_policies()[m.policy];
                    json!({
                        "kind": p.kind.as_str(),
                        "policy": p.name,
                        "priority": m.priority,
                        "rule": m.rule,
                        "rule_name": p.rules(d.direction)[m.rule].name,
                        "action": m.action.as_str(),
                        "peer": m.peer,
                        "port": m.port,
                    })
                }).collect::<Vec<_>>(),
            })
        })
    };
    json!({
        "admin": tier(&d.admin),
        "baseline": tier(&d.baseline),
        "allowed": d.allowed(),
        "reason": reason_id(d.reason),
        "isolating_policies": d.isolating.iter().map(|&id| policy(id)).collect::<Vec<_>>(),
        "admitted_by": d.admitting.iter().map(|r| json!({
            "policy": policy(r.policy),
            "rule": r.rule,
            "peer": r.peer,
            "port": r.port,
            "path": r.yaml_path(),
        })).collect::<Vec<_>>(),
        "not_admitting": d.misses.iter().map(|m| json!({
            "policy": policy(m.policy),
            "rule": m.rule,
            "path": format!("spec.{}[{}]", d.direction.field(), m.rule),
            "peer_matched": m.peer_matched,
            "port_matched": m.port_matched,
        })).collect::<Vec<_>>(),
    })
}

/// Per shared address family its verdict, as `{"ipv4": true, "ipv6": false}` (only the
/// families both ends have; `{}` when they share none).
pub fn families_json(families: FamilyVerdicts) -> Value {
    Value::Object(families.iter().map(|(f, allowed)| (f.key().into(), Value::Bool(allowed))).collect())
}

/// A verdict as `{"allowed", "egress", "ingress", "families"}`: both directions and the
/// per-family answers (S9a; see [`families_json`]).
pub fn verdict_json(v: crate::Verdict) -> Value {
    json!({
        "allowed": v.is_allowed(),
        "egress": v.egress,
        "ingress": v.ingress,
        "families": families_json(v.families),
    })
}

/// A whole explanation, as `netpol check -o json` prints it: `egress` and `ingress` are the
/// account of `family` (an allowing family if any); `other_family` holds the other shared
/// family's account when it differs.
pub fn explanation_json(
    cluster: &Cluster,
    src: Endpoint,
    dst: Endpoint,
    port: u16,
    protocol: Protocol,
    e: &Explanation,
) -> Value {
    json!({
        "allowed": e.allowed(),
        "from": endpoint_name(cluster, src),
        "to": endpoint_name(cluster, dst),
        "port": port,
        "protocol": protocol.as_str(),
        "families": families_json(e.families),
        "family": e.family.map(Family::key),
        "egress": direction_json(cluster, &e.egress),
        "ingress": direction_json(cluster, &e.ingress),
        "other_family": e.other.as_ref().map(|o| json!({
            "family": o.family.key(),
            "egress": direction_json(cluster, &o.egress),
            "ingress": direction_json(cluster, &o.ingress),
        })),
    })
}

/// The pod names of a cluster, in pod order.
pub fn pod_names(cluster: &Cluster) -> Vec<String> {
    cluster.pods().iter().map(|p| p.qualified_name()).collect()
}

/// Quotes a CSV field when it needs it (pod names cannot hold commas or quotes, but be safe).
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// What a streaming writer writes, as a string: the `to_*` forms of the `write_*` methods.
pub(crate) fn into_string(write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>) -> String {
    let mut bytes = Vec::new();
    // Writing to a Vec fails only if the writer itself fails, and ours write UTF-8.
    let _ = write(&mut bytes);
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A [`core::fmt::Write`] over an [`io::Write`] that keeps the first I/O error, so text built
/// with `writeln!` can be streamed: after an error every write fails, and
/// [`Lines::finish`] returns it.
pub(crate) struct Lines<'a, W: Write + ?Sized> {
    /// Where the text goes.
    pub(crate) out: &'a mut W,
    /// The first error.
    pub(crate) error: Option<io::Error>,
}

impl<W: Write + ?Sized> core::fmt::Write for Lines<'_, W> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        if self.error.is_some() {
            return Err(core::fmt::Error);
        }
        self.out.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            core::fmt::Error
        })
    }
}

impl<W: Write + ?Sized> Lines<'_, W> {
    /// The first error, if any.
    pub(crate) fn finish(self) -> io::Result<()> {
        self.error.map_or(Ok(()), Err)
    }
}

/// Writes `items` as a JSON array, one serialised item at a time.
pub(crate) fn json_array<W: Write + ?Sized, T: serde::Serialize>(
    out: &mut W,
    items: impl Iterator<Item = T>,
) -> io::Result<()> {
    out.write_all(b"[")?;
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &item)?;
    }
    out.write_all(b"]")
}

/// `"all"`, or the ranges as `"80"` / `"8080-8090"` strings.
pub fn ports_json(set: &PortSet) -> Value {
    let mut map = Map::new();
    for p in Protocol::ALL {
        if set.is_all(p) {
            map.insert(p.as_str().into(), json!("all"));
        } else if !set.ranges(p).is_empty() {
            map.insert(p.as_str().into(), json!(range_strings(set, p)));
        }
    }
    Value::Object(map)
}

/// The ranges of `p` in `set` as `"80"` / `"9100-9199"` strings.
pub fn range_strings(set: &PortSet, p: Protocol) -> Vec<String> {
    set.ranges(p).iter().map(|&(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }).collect()
}

/// The CIDRs covering `range` exactly, as strings.
pub fn cidr_strings(range: &IpRange) -> Vec<String> {
    range.cidrs().iter().map(ToString::to_string).collect()
}

/// Numbers of a family's addresses: (family, first, last).
fn span(r: &IpRange) -> (u8, u128, u128) {
    match (r.first, r.last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (4, u32::from(a).into(), u32::from(b).into()),
        (IpAddr::V6(a), IpAddr::V6(b)) => (6, a.into(), b.into()),
        _ => (0, 0, 0),
    }
}

/// The range of a family's addresses `first..=last`.
fn range(family: u8, first: u128, last: u128) -> IpRange {
    if family == 4 {
        IpRange { first: IpAddr::V4((first as u32).into()), last: IpAddr::V4((last as u32).into()) }
    } else {
        IpRange { first: IpAddr::V6(first.into()), last: IpAddr::V6(last.into()) }
    }
}

/// A readable label for a set of address ranges: per family the CIDRs, or
/// `0.0.0.0/0 except …` when that is shorter, one family per line; `any address` for every
/// address of both families. What `graph`, `reach` and `diff` write for outside addresses.
pub fn address_label(ranges: &[IpRange]) -> String {
    let mut lines = Vec::new();
    for (family, all, top) in [(4u8, "0.0.0.0/0", u128::from(u32::MAX)), (6, "::/0", u128::MAX)] {
        let mine: Vec<(u128, u128)> = ranges.iter().map(span).filter(|s| s.0 == family).map(|s| (s.1, s.2)).collect();
        if mine.is_empty() {
            continue;
        }
        let cidrs: Vec<String> = mine.iter().flat_map(|&(a, b)| cidr_strings(&range(family, a, b))).collect();
        let mut gaps = Vec::new();
        let mut next = 0u128;
        for &(a, b) in &mine {
            if a > next {
                gaps.push((next, a - 1));
            }
            next = b.saturating_add(1);
        }
        if mine.last().is_some_and(|&(_, b)| b < top) {
            gaps.push((next, top));
        }
        let gap_cidrs: Vec<String> = gaps.iter().flat_map(|&(a, b)| cidr_strings(&range(family, a, b))).collect();
        if gaps.is_empty() {
            lines.push(all.to_string());
        } else if gap_cidrs.len() < cidrs.len() {
            lines.push(format!("{all} except {}", gap_cidrs.join(", ")));
        } else {
            lines.push(cidrs.join(", "));
        }
    }
    if lines == ["0.0.0.0/0", "::/0"] {
        return "any address".into();
    }
    lines.join("\n")
}

pub(crate) use crate::spec::plural;
