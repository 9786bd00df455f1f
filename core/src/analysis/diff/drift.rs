//! Drift (issue 20): the policies running in a cluster against those kept in Git, and the
//! connectivity the difference opens or closes.
//!
//! The *desired* world is the live cluster (its namespaces and pods as they are) with its
//! NetworkPolicies and cluster policies replaced by the desired ones; the drift is the [`Diff`]
//! from the desired world to the live one. So "newly allowed" reads "allowed live, not by what
//! Git holds", and the policies added, changed and removed are those only live, different, and
//! only in Git.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{diff, Diff};
use crate::spec::change::{Change, Object};
use crate::spec::Cluster;
use crate::{Compiler, Engine, ObjectKind, ObjectRef};

/// The difference between the live policies and the desired ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// From the desired world to the live cluster: policies added (only live), changed and
    /// removed (only desired), and the connections that differ.
    pub diff: Diff,
}

impl Drift {
    /// Whether the live policies are the desired ones.
    pub fn is_empty(&self) -> bool {
        let d = &self.diff;
        d.policies_added.is_empty() && d.policies_changed.is_empty() && d.policies_removed.is_empty()
    }

    /// The policies that differ, in short: a `DRIFT:` line and the lists (`no drift: ...`
    /// without drift).
    pub fn summary(&self) -> String {
        let text = self.to_text();
        text.split("\n\n").next().unwrap_or_default().to_string()
    }

    /// The report `netpol drift` prints.
    pub fn to_text(&self) -> String {
        let d = &self.diff;
        let mut out = String::new();
        if self.is_empty() {
            let _ = writeln!(out, "no drift: the live policies are the desired ones");
            return out;
        }
        let n = d.policies_added.len() + d.policies_changed.len() + d.policies_removed.len();
        let verb = if n == 1 { "differs" } else { "differ" };
        let _ = writeln!(out, "DRIFT: {} {verb} from the desired state", policies(n));
        for (what, names) in [
            ("only live", &d.policies_added),
            ("different", &d.policies_changed),
            ("only desired", &d.policies_removed),
        ] {
            if !names.is_empty() {
                let _ = writeln!(out, "  {what}: {}", names.join(", "));
            }
        }
        let _ = writeln!(out, "\nwhat the live policies change against the desired ones (desired -> live):");
        out.push_str(&d.to_text());
        out
    }

    /// `{"drift": bool, "only_live", "different", "only_desired", "connectivity": <diff JSON>}`.
    pub fn to_json(&self) -> Value {
        let d = &self.diff;
        json!({
            "drift": !self.is_empty(),
            "only_live": d.policies_added,
            "different": d.policies_changed,
            "only_desired": d.policies_removed,
            "connectivity": d.to_json(),
        })
    }
}

/// The live cluster with its policies and cluster policies replaced by `desired`'s.
pub fn desired_world(live: &Cluster, desired: &Cluster) -> Cluster {
    let mut world = live.clone();
    let none = |_| None;
    let mut deletions: Vec<ObjectRef> = live
        .policies()
        .iter()
        .map(|p| ObjectRef::namespaced(ObjectKind::NetworkPolicy, &p.namespace, &p.name))
        .collect();
    deletions.extend(live.cluster_policies().iter().map(|p| ObjectRef::cluster_scoped(p.kind.object_kind(), &p.name)));
    for object in deletions {
        // Held, so the deletion applies.
        let _ = world.apply(Change::Delete(object), &none);
    }
    for policy in desired.policies() {
        let _ = world.apply(Change::Upsert(Object::Policy(policy.clone())), &none);
    }
    for policy in desired.cluster_policies() {
        let _ = world.apply(Change::Upsert(Object::ClusterPolicy(policy.clone())), &none);
    }
    world
}

/// The drift of `live` from `desired` (policies only: the desired cluster's pods and
/// namespaces are not compared), decided under the live engine's options.
pub fn drift(live: &Engine, desired: &Cluster) -> Drift {
    let world = desired_world(live.cluster(), desired);
    let desired_engine = Compiler::new().options(live.options()).compile_owned(world);
    let mut diff = diff(&desired_engine, live);
    // Pods are the same on both sides: only policies and connections are drift.
    diff.added.clear();
    diff.removed.clear();
    Drift { diff }
}

/// `n` policies, for messages.
fn policies(n: usize) -> String {
    format!("{n} polic{}", if n == 1 { "y" } else { "ies" })
}
