//! What one change to a live cluster did (issue 20): the connections it newly allowed or
//! denied (a [`Diff`] of the engines before and after) and the audit findings it opened or
//! closed.
//!
//! A finding is the same finding before and after when its check, its first object and its
//! paths are: a namespace without default-deny that gains a pod is the same finding (its pod
//! list changed), not one closed and one opened.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{diff_with, Diff};
use crate::audit::{AuditReport, Finding, Location};
use crate::{Connectivity, Engine};

/// What a change did to connections and findings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delta {
    /// Connections newly allowed and newly denied, groups added and removed, policies changed.
    pub diff: Diff,
    /// Findings after the change that were not there before.
    pub opened: Vec<Finding>,
    /// Findings before the change that are gone.
    pub closed: Vec<Finding>,
}

type FindingKey<'a> = (&'static str, Option<&'a String>, &'a [Location]);

fn key(f: &Finding) -> FindingKey<'_> {
    (f.id, f.objects.first(), &f.paths)
}

/// The findings of `a` that `b` does not have.
fn missing_from(a: &AuditReport, b: &AuditReport) -> Vec<Finding> {
    let keys: BTreeSet<FindingKey<'_>> = b.findings.iter().map(key).collect();
    a.findings.iter().filter(|f| !keys.contains(&key(f))).cloned().collect()
}

/// One side of a change: the engine, its connectivity map (`engine.connectivity()`) and its
/// audit.
pub struct Side<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// Its connectivity map.
    pub connectivity: &'a Connectivity,
    /// Its audit.
    pub audit: &'a AuditReport,
}

/// What changed from `before` to `after`.
pub fn delta(before: Side<'_>, after: Side<'_>) -> Delta {
    let (before_audit, after_audit) = (before.audit, after.audit);
    Delta {
        diff: diff_with(before.engine, after.engine, before.connectivity, after.connectivity),
        opened: missing_from(after_audit, before_audit),
        closed: missing_from(before_audit, after_audit),
    }
}

impl Delta {
    /// Whether the change changed no connection, group, policy or finding.
    pub fn is_empty(&self) -> bool {
        let d = &self.diff;
        d.is_empty()
            && d.policies_added.is_empty()
            && d.policies_changed.is_empty()
            && d.policies_removed.is_empty()
            && self.opened.is_empty()
            && self.closed.is_empty()
    }

    /// The change for people: the diff's report, then `+` for each finding opened and `-` for
    /// each closed; every line indented by two spaces.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if self.is_empty() {
            out.push_str("  no connection or finding changes\n");
            return out;
        }
        let d = &self.diff;
        if !d.is_empty() || !d.policies_added.is_empty() || !d.policies_changed.is_empty() {
            for line in d.to_text().lines().filter(|l| !l.is_empty() && *l != "no connection changes") {
                let _ = writeln!(out, "  {line}");
            }
        }
        for (sign, findings) in [("+", &self.opened), ("-", &self.closed)] {
            for f in findings {
                let objects = f.objects.iter().take(3).cloned().collect::<Vec<_>>().join(", ");
                let more = f.objects.len().saturating_sub(3);
                let more = if more > 0 { alloc::format!(" (+{more} more)") } else { String::new() };
                let _ = writeln!(out, "  {sign} {} {} {}: {objects}{more}", f.id, f.severity.as_str(), f.slug);
            }
        }
        out
    }

    /// `{"connectivity": <diff JSON>, "findings_opened": [...], "findings_closed": [...]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "connectivity": self.diff.to_json(),
            "findings_opened": self.opened.iter().map(Finding::to_json).collect::<Vec<_>>(),
            "findings_closed": self.closed.iter().map(Finding::to_json).collect::<Vec<_>>(),
        })
    }
}
