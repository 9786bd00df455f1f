//! The incremental engine (issue 20): a cluster that changes one object at a time, and the
//! engine that follows it without compiling everything again when it need not.
//!
//! [`Live::apply`] takes a [`Change`] (an object added, replaced or deleted):
//!
//! - a pod that lands in an identity the tables already have (a rollout's next pod, a pod that
//!   changed IP or an unselected label) only updates the per-pod arrays and lookups: no row,
//!   index or class changes;
//! - a change to left-out pods changes no table;
//! - anything else (a pod that makes or empties an identity, a namespace, a policy, a cluster
//!   policy, a node) compiles the changed cluster afresh, and a failing compile (the memory
//!   budget, `--tie error`) leaves the state as it was.
//!
//! Readers never wait: [`Live::snapshot`] hands out the current engine as an `Arc`; the writer
//! changes it in place only while nobody holds a snapshot, and otherwise works on a copy, so a
//! snapshot taken stays valid and unchanged for as long as it is held. The differential
//! property test (`tests/live_agreement.rs`) checks that after every change the engine answers
//! exactly as a fresh compile of the same cluster.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::by_ip::shifted;
use super::compile::keyer::Keyer;
use super::compile::members_of;
use super::Engine;
use crate::spec::change::{Change, Effect, Object};
use crate::spec::{Cluster, Error, PodId};
use crate::Compiler;

/// A cluster that changes, and the engine that follows it.
#[derive(Debug)]
pub struct Live {
    compiler: Compiler,
    engine: Arc<Engine>,
    keyer: Keyer,
    stats: LiveStats,
}

/// What one change took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied {
    /// Nothing changed: the object was given again as it is.
    Unchanged,
    /// Only left-out pods changed; the tables stay.
    LeftOut,
    /// A pod joined, left or moved between existing identities: per-pod arrays updated.
    Patched,
    /// The cluster was compiled again.
    Recompiled,
}

/// Counts of what the changes so far took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LiveStats {
    /// Changes that changed nothing.
    pub unchanged: u64,
    /// Changes to left-out pods only.
    pub left_out: u64,
    /// Changes applied by patching per-pod arrays.
    pub patched: u64,
    /// Changes that compiled again.
    pub recompiled: u64,
    /// Changes refused (the state stayed as it was).
    pub refused: u64,
}

/// What one watch event did ([`Live::apply_event`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventOutcome {
    /// A change, applied.
    Applied(Applied),
    /// A bookmark, or an object of a kind netpol does not read: nothing to do.
    Ignored,
    /// A full listing replaced the whole state.
    Resynced,
}

/// The pod a change replaces or removes: where it is and what it had.
struct OldPod {
    at: PodId,
    identity: u32,
    ips: Vec<IpAddr>,
    name: String,
}

/// How a pod change is followed without a compile.
struct Patch {
    /// The identity of the pod the change brings, if it brings one.
    identity: Option<u32>,
    old: Option<OldPod>,
}

impl Live {
    /// A live engine starting from `cluster`, compiled by `compiler` (its options and memory
    /// budget hold for every later compile too).
    pub fn new(compiler: Compiler, cluster: Cluster) -> Result<Live, Error> {
        let (engine, keyer) = compiler.try_compile_keyed(cluster, true)?;
        Ok(Live { compiler, engine: Arc::new(engine), keyer: keyer.unwrap_or_default(), stats: LiveStats::default() })
    }

    /// The engine for the current state (borrowed: for the writer's own questions).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The cluster as it is now.
    pub fn cluster(&self) -> &Cluster {
        self.engine.cluster()
    }

    /// The engine for the current state, to keep and query from any thread; later changes do
    /// not touch it.
    pub fn snapshot(&self) -> Arc<Engine> {
        Arc::clone(&self.engine)
    }

    /// What the changes so far took.
    pub fn stats(&self) -> LiveStats {
        self.stats
    }

    /// Applies `change`. On an error (a deletion of an object not held, a pod whose IP another
    /// pod has, a compile over the budget) the state is as it was.
    pub fn apply(&mut self, mut change: Change) -> Result<Applied, Error> {
        let result = match self.patch_for(&mut change) {
            Some(patch) => self.apply_patch(change, patch),
            None => self.apply_compiling(change),
        };
        self.count(&result);
        result
    }

    /// Applies one watch event: `event` is one JSON document, `{"type": ADDED | MODIFIED |
    /// DELETED | BOOKMARK | ERROR, "object": {...}}` as `kubectl get ... -o json --watch
    /// --output-watch-events` prints it, or a full listing (a document that is not an event,
    /// such as a `kind: List`) that replaces the whole state. Objects are read with `load`.
    /// On an error (malformed JSON, an object the API server would reject, a deletion of an
    /// object not held, an `ERROR` event such as 410 Gone, more than one document) the state is
    /// as it was.
    #[cfg(feature = "k8s")]
    pub fn apply_event(&mut self, event: &[u8], load: crate::k8s::LoadOptions) -> Result<EventOutcome, Error> {
        use crate::k8s::{WatchItem, WatchStream};
        use crate::Diagnostic;
        let mut stream = WatchStream::new(event, "<event>", load);
        let item = stream.next();
        if stream.next().is_some() {
            return Err(Error::single(Diagnostic::new(None, "", "more than one document: give one event at a time")));
        }
        match item {
            Some(WatchItem::Change { change, .. }) => self.apply(change).map(EventOutcome::Applied),
            Some(WatchItem::Listing { cluster, .. }) => {
                *self = Live::new(self.compiler.clone(), cluster)?;
                Ok(EventOutcome::Resynced)
            }
            Some(WatchItem::Ignored { .. }) => Ok(EventOutcome::Ignored),
            Some(WatchItem::Problem { diagnostic, .. }) => Err(Error::single(diagnostic)),
            None => Err(Error::single(Diagnostic::new(None, "", "no event: the text is empty"))),
        }
    }

    /// Applies `changes` in order, compiling at most once: changes that patch per-pod arrays
    /// patch them until the first that needs a compile; from there the rest change the cluster
    /// alone, and the engine is compiled once at the end. Each change's result is as
    /// [`Live::apply`] gives it (a refused change leaves the state as it was); when the final
    /// compile fails (the memory budget, `--tie error`), the whole tail from the first
    /// compiling change is refused and the state is as before it.
    pub fn apply_all(&mut self, changes: impl IntoIterator<Item = Change>) -> Vec<Result<Applied, Error>> {
        let mut results = Vec::new();
        let mut changes = changes.into_iter();
        // Patch while patches do.
        let mut pending = None;
        for mut change in changes.by_ref() {
            match self.patch_for(&mut change) {
                Some(patch) => {
                    let result = self.apply_patch(change, patch);
                    self.count(&result);
                    results.push(result);
                }
                None => {
                    pending = Some(change);
                    break;
                }
            }
        }
        let Some(first) = pending else { return results };
        // Then the cluster alone, and one compile.
        let mut cluster = self.engine.cluster().clone();
        let start = results.len();
        let mut compile = false;
        let mut owners = IpOwners::of(&cluster);
        for change in core::iter::once(first).chain(changes) {
            let result = owners.apply(&mut cluster, change);
            let applied = match result {
                Ok(Effect::Unchanged) => Ok(Applied::Unchanged),
                Ok(Effect::LeftOut) => Ok(Applied::LeftOut),
                Ok(_) => {
                    compile = true;
                    Ok(Applied::Recompiled)
                }
                Err(d) => Err(Error::single(d)),
            };
            results.push(applied);
        }
        let outcome = if compile {
            self.compiler.try_compile_keyed(cluster, true).map(|(engine, keyer)| {
                self.engine = Arc::new(engine);
                self.keyer = keyer.unwrap_or_default();
            })
        } else {
            Arc::make_mut(&mut self.engine).cluster = cluster;
            Ok(())
        };
        if let Err(e) = outcome {
            for result in &mut results[start..] {
                *result = Err(e.clone());
            }
        }
        for result in &results[start..] {
            self.count(result);
        }
        results
    }

    fn count(&mut self, result: &Result<Applied, Error>) {
        match result {
            Ok(Applied::Unchanged) => self.stats.unchanged += 1,
            Ok(Applied::LeftOut) => self.stats.left_out += 1,
            Ok(Applied::Patched) => self.stats.patched += 1,
            Ok(Applied::Recompiled) => self.stats.recompiled += 1,
            Err(_) => self.stats.refused += 1,
        }
    }

    /// The patch that follows `change` without a compile, if there is one.
    fn patch_for(&self, change: &mut Change) -> Option<Patch> {
        let cluster = self.engine.cluster();
        let tables = &self.engine.tables;
        let (namespace, name, new_pod) = match change {
            Change::Upsert(Object::Pod(pod)) => {
                // The pod was validated alone: point it at its namespace here.
                let ns = cluster.namespace_id(&pod.namespace)?;
                pod.namespace_id = ns;
                (pod.namespace.clone(), pod.name.clone(), Some(&*pod))
            }
            Change::Upsert(Object::LeftOutPod(pod)) => (pod.namespace.clone(), pod.name.clone(), None),
            Change::Delete(object) if object.kind() == crate::ObjectKind::Pod => {
                (object.namespace().unwrap_or_default().into(), object.name().into(), None)
            }
            _ => return None,
        };
        let identity = match new_pod {
            // None: a new identity.
            Some(pod) => Some(self.keyer.identity_of(pod, &tables.ip_classes)?),
            None => None,
        };
        let old = cluster.pod_id(&namespace, &name).map(|at| OldPod {
            at,
            identity: tables.pod_identity[at.index()],
            ips: cluster.pod(at).ips.clone(),
            name: cluster.pod(at).qualified_name(),
        });
        if let Some(old) = &old {
            let i = old.identity as usize;
            let members = tables.member_start[i + 1] - tables.member_start[i];
            // An identity left empty, or an assumed namespace nothing may name any more: compile.
            if (identity != Some(old.identity) && members < 2) || (identity.is_none() && cluster.is_assumed(&namespace))
            {
                return None;
            }
        }
        Some(Patch { identity, old })
    }

    /// Applies a pod change in place (on a copy while a snapshot is held).
    fn apply_patch(&mut self, change: Change, patch: Patch) -> Result<Applied, Error> {
        let engine = Arc::make_mut(&mut self.engine);
        let by_ip = &engine.pod_by_ip;
        let effect = engine.cluster.apply(change, &|ip| by_ip.get(ip)).map_err(Error::single)?;
        let (removed, inserted) = match effect {
            Effect::Unchanged => return Ok(Applied::Unchanged),
            Effect::LeftOut => return Ok(Applied::LeftOut),
            Effect::Pod { removed, inserted } => (removed, inserted),
            // Not expected for a change the patch planned; compile to stay exact.
            Effect::Other => return Ok(self.recompile_in_place()),
        };
        let engine = Arc::make_mut(&mut self.engine);
        let tables = &mut engine.tables;
        if let Some(old) = &patch.old {
            for &ip in &old.ips {
                engine.pod_by_ip.remove(ip, old.at);
            }
            engine.pod_by_name.remove(old.name.as_str());
        }
        let lookup = |identity: u32| {
            let i = identity as usize;
            [identity, tables.v6_column[i] << 2 | u32::from(tables.families[i])]
        };
        match (removed, inserted, patch.identity) {
            (Some(at), Some(same), Some(identity)) if at == same => {
                tables.pod_identity[at.index()] = identity;
                tables.pod_lookup[at.index()] = lookup(identity);
            }
            (Some(at), None, None) => {
                tables.pod_identity.remove(at.index());
                tables.pod_lookup.remove(at.index());
                engine.pod_by_ip.shift(at, false);
                engine.pod_by_name.values_mut().for_each(|id| *id = shifted(*id, at, false));
            }
            (None, Some(at), Some(identity)) => {
                tables.pod_identity.insert(at.index(), identity);
                tables.pod_lookup.insert(at.index(), lookup(identity));
                engine.pod_by_ip.shift(at, true);
                engine.pod_by_name.values_mut().for_each(|id| *id = shifted(*id, at, true));
            }
            // Not a replacement, a removal or an insertion as planned: compile to stay exact.
            _ => return Ok(self.recompile_in_place()),
        }
        if let Some(at) = inserted {
            let pod = engine.cluster.pod(at);
            for &ip in &pod.ips {
                engine.pod_by_ip.insert(ip, at);
            }
            engine.pod_by_name.insert(pod.qualified_name().into_boxed_str(), at);
        }
        let (member_start, members) = members_of(&tables.pod_identity, tables.identities);
        tables.member_start = member_start;
        tables.members = members;
        Ok(Applied::Patched)
    }

    /// Compiles the cluster the engine holds (already changed) afresh, without the budget: the
    /// change was a pod's, which the budget allowed before.
    fn recompile_in_place(&mut self) -> Applied {
        let cluster = core::mem::take(&mut Arc::make_mut(&mut self.engine).cluster);
        let (engine, keyer) = match self.compiler.try_compile_keyed(cluster.clone(), true) {
            Ok(compiled) => compiled,
            Err(_) => (self.compiler.compile_owned(cluster), None),
        };
        self.engine = Arc::new(engine);
        self.keyer = keyer.unwrap_or_default();
        Applied::Recompiled
    }

    /// Applies a change to a copy of the cluster and compiles it; the state stays on an error.
    fn apply_compiling(&mut self, change: Change) -> Result<Applied, Error> {
        let mut cluster = self.engine.cluster().clone();
        let by_ip = &self.engine.pod_by_ip;
        match cluster.apply(change, &|ip| by_ip.get(ip)).map_err(Error::single)? {
            Effect::Unchanged => Ok(Applied::Unchanged),
            Effect::LeftOut => {
                Arc::make_mut(&mut self.engine).cluster = cluster;
                Ok(Applied::LeftOut)
            }
            Effect::Pod { .. } | Effect::Other => {
                let (engine, keyer) = self.compiler.try_compile_keyed(cluster, true)?;
                self.engine = Arc::new(engine);
                self.keyer = keyer.unwrap_or_default();
                Ok(Applied::Recompiled)
            }
        }
    }
}

/// The pod that has each IP, by name, kept in step with a cluster changed several times (the
/// engine's index of pods by IP is by position, which the changes move).
struct IpOwners(hashbrown::HashMap<IpAddr, (String, String)>);

impl IpOwners {
    fn of(cluster: &Cluster) -> IpOwners {
        let mut owners = hashbrown::HashMap::with_capacity(cluster.pods().len());
        for pod in cluster.pods() {
            for &ip in &pod.ips {
                owners.insert(ip, (pod.namespace.clone(), pod.name.clone()));
            }
        }
        IpOwners(owners)
    }

    /// Applies `change` to `cluster`, checking a new pod's IPs against the other pods'.
    fn apply(&mut self, cluster: &mut Cluster, change: Change) -> Result<Effect, crate::Diagnostic> {
        let object = change.object_ref();
        let key = (String::from(object.namespace().unwrap_or_default()), String::from(object.name()));
        let new_ips: Vec<IpAddr> = match &change {
            Change::Upsert(Object::Pod(pod)) => pod.ips.clone(),
            _ => Vec::new(),
        };
        let owner_ids: Vec<Option<PodId>> =
            new_ips.iter().map(|ip| self.0.get(ip).and_then(|(ns, name)| cluster.pod_id(ns, name))).collect();
        let old_ips: Vec<IpAddr> = if object.kind() == crate::ObjectKind::Pod {
            cluster.pod_id(&key.0, &key.1).map(|p| cluster.pod(p).ips.clone()).unwrap_or_default()
        } else {
            Vec::new()
        };
        let effect = cluster.apply(change, &|ip| new_ips.iter().position(|&a| a == ip).and_then(|i| owner_ids[i]))?;
        if object.kind() == crate::ObjectKind::Pod {
            for ip in old_ips {
                if self.0.get(&ip) == Some(&key) {
                    self.0.remove(&ip);
                }
            }
            if let Some(at) = cluster.pod_id(&key.0, &key.1) {
                for &ip in &cluster.pod(at).ips {
                    self.0.insert(ip, key.clone());
                }
            }
        }
        Ok(effect)
    }
}
