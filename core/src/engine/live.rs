//! The incremental engine (issue 20): a cluster that changes one object at a time, and the
//! engine that follows it without compiling everything again when it need not.
//!
//! [`Live::apply`] takes a [`Change`] (an object added, replaced or deleted):
//!
//! - a pod that lands in an identity the tables already have (a rollout's next pod, a pod that
//!   changed IP or an unselected label, a pod leaving an identity other pods keep) is recorded
//!   in a sorted overlay with its identity: a few map operations, no table work. The overlay is
//!   merged into the cluster and the per-pod arrays and lookups rebuilt (linear in the pods,
//!   nothing per policy) when the engine is next read: [`Live::snapshot`], [`Live::engine`],
//!   [`Live::cluster`], or a change that needs the merged state;
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

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::IpAddr;

use hashbrown::HashMap;

use super::compile::keyer::Keyer;
use super::compile::{members_of, PodLookup};
use super::Engine;
use crate::spec::change::{Change, Effect, Object};
use crate::spec::{Cluster, Diagnostic, Error, ObjectKind, Pod};
use crate::Compiler;

/// A cluster that changes, and the engine that follows it.
#[derive(Debug)]
pub struct Live {
    compiler: Compiler,
    engine: Arc<Engine>,
    keyer: Keyer,
    stats: LiveStats,
    /// Pod changes not merged into the engine yet, by `(namespace, name)`: the pod with its
    /// identity, or `None` for a deletion.
    pending: BTreeMap<(String, String), Option<(Pod, u32)>>,
    /// Pods per identity, with the pending changes.
    members: Vec<u32>,
    /// The pod that has each IP, with the pending changes.
    owners: IpOwners,
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

impl Live {
    /// A live engine starting from `cluster`, compiled by `compiler` (its options and memory
    /// budget hold for every later compile too).
    pub fn new(compiler: Compiler, cluster: Cluster) -> Result<Live, Error> {
        let (engine, keyer) = compiler.try_compile_keyed(cluster, true)?;
        let mut live = Live {
            compiler,
            engine: Arc::new(engine),
            keyer: Keyer::default(),
            stats: LiveStats::default(),
            pending: BTreeMap::new(),
            members: Vec::new(),
            owners: IpOwners::default(),
        };
        live.compiled(keyer);
        Ok(live)
    }

    /// Takes what a compile made: the keyer, the member counts, the IP owners.
    fn compiled(&mut self, keyer: Option<Keyer>) {
        self.keyer = keyer.unwrap_or_default();
        let tables = &self.engine.tables;
        self.members = tables.member_start.windows(2).map(|w| w[1] - w[0]).collect();
        self.owners = IpOwners::of(self.engine.cluster());
    }

    /// The engine for the current state (for the writer's own questions).
    pub fn engine(&mut self) -> &Engine {
        self.merge();
        &self.engine
    }

    /// The cluster as it is now.
    pub fn cluster(&mut self) -> &Cluster {
        self.merge();
        self.engine.cluster()
    }

    /// The engine for the current state, to keep and query from any thread; later changes do
    /// not touch it.
    pub fn snapshot(&mut self) -> Arc<Engine> {
        self.merge();
        Arc::clone(&self.engine)
    }

    /// What the changes so far took.
    pub fn stats(&self) -> LiveStats {
        self.stats
    }

    /// Applies `change`. On an error (a deletion of an object not held, a pod whose IP another
    /// pod has, a compile over the budget) the state is as it was.
    pub fn apply(&mut self, change: Change) -> Result<Applied, Error> {
        // A batch of one: it gives one result.
        self.apply_all(core::iter::once(change)).pop().unwrap_or(Ok(Applied::Unchanged))
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
        // Overlay while the overlay does.
        let mut first = None;
        for mut change in changes.by_ref() {
            match self.overlay(&mut change) {
                Some(result) => {
                    self.count(&result);
                    results.push(result);
                }
                None => {
                    first = Some(change);
                    break;
                }
            }
        }
        let Some(first) = first else { return results };
        // Then the cluster alone, and one compile.
        self.merge();
        let mut cluster = self.engine.cluster().clone();
        let start = results.len();
        let (mut compile, mut changed) = (false, false);
        // In step with the merged engine's cluster: taken, and given back below.
        let mut owners = core::mem::take(&mut self.owners);
        for change in core::iter::once(first).chain(changes) {
            let result = owners.apply(&mut cluster, change);
            let applied = match result {
                Ok(Effect::Unchanged) => Ok(Applied::Unchanged),
                Ok(Effect::LeftOut) => {
                    changed = true;
                    Ok(Applied::LeftOut)
                }
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
                self.compiled(keyer);
            })
        } else {
            // Only left-out pods changed (or nothing): no table does.
            if changed {
                Arc::make_mut(&mut self.engine).cluster = cluster;
            }
            self.owners = owners;
            Ok(())
        };
        if let Err(e) = outcome {
            self.owners = IpOwners::of(self.engine.cluster());
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

    /// The pod `namespace/name` as it is now (pending changes first), with its identity;
    /// `None` when there is none in the model.
    fn current(&self, namespace: &str, name: &str) -> Option<(&Pod, u32)> {
        let key = (String::from(namespace), String::from(name));
        match self.pending.get(&key) {
            Some(entry) => entry.as_ref().map(|(pod, identity)| (pod, *identity)),
            None => {
                let at = self.engine.cluster().pod_id(namespace, name)?;
                Some((self.engine.cluster().pod(at), self.engine.tables.pod_identity[at.index()]))
            }
        }
    }

    /// Records a pod change in the overlay when it needs no compile and no other part of the
    /// cluster: its result, or `None` to take the change through the merged cluster.
    fn overlay(&mut self, change: &mut Change) -> Option<Result<Applied, Error>> {
        let cluster = self.engine.cluster();
        let (namespace, name, new_pod) = match change {
            Change::Upsert(Object::Pod(pod)) => {
                // The pod was validated alone: point it at its namespace here.
                pod.namespace_id = cluster.namespace_id(&pod.namespace)?;
                (pod.namespace.clone(), pod.name.clone(), Some(&*pod))
            }
            Change::Delete(object) if object.kind() == ObjectKind::Pod => {
                (String::from(object.namespace().unwrap_or_default()), String::from(object.name()), None)
            }
            _ => return None,
        };
        // A left-out pod of that name, or an assumed namespace a deletion may empty: the
        // merged cluster decides.
        if cluster.left_out_pod(&namespace, &name).is_some() || (new_pod.is_none() && cluster.is_assumed(&namespace)) {
            return None;
        }
        let identity = match new_pod {
            // None: a new identity.
            Some(pod) => Some(self.keyer.identity_of(pod, &self.engine.tables.ip_classes)?),
            None => None,
        };
        let old = self.current(&namespace, &name).map(|(pod, identity)| (pod.clone(), identity));
        if let (Some(new), Some((old_pod, _))) = (new_pod, &old) {
            if new == old_pod {
                return Some(Ok(Applied::Unchanged));
            }
        }
        let key = (namespace, name);
        match (&old, identity) {
            (None, None) => return None, // Not held: the merged cluster says so.
            // An identity left empty: compile.
            (Some((_, was)), now) if now != Some(*was) && self.members[*was as usize] < 2 => return None,
            _ => {}
        }
        if let Some(pod) = new_pod {
            if let Some(refused) = self.owners.refuse(pod, &key) {
                return Some(Err(Error::single(refused)));
            }
        }
        let Some(pod) = new_pod.cloned() else {
            // A deletion (of a pod held: checked above).
            let (old_pod, was) = old?;
            self.members[was as usize] -= 1;
            self.owners.replace(&key, &old_pod.ips, &[]);
            self.pending.insert(key, None);
            return Some(Ok(Applied::Patched));
        };
        let identity = identity?;
        if let Some((old_pod, was)) = &old {
            self.members[*was as usize] -= 1;
            self.owners.replace(&key, &old_pod.ips, &[]);
        }
        self.members[identity as usize] += 1;
        self.owners.replace(&key, &[], &pod.ips);
        self.pending.insert(key, Some((pod, identity)));
        Some(Ok(Applied::Patched))
    }

    /// Merges the pending pod changes into the engine: the pods in order, their identities,
    /// the per-pod arrays and lookups (on a copy while a snapshot is held).
    fn merge(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let pending = core::mem::take(&mut self.pending);
        let engine = Arc::make_mut(&mut self.engine);
        let old = engine.cluster.take_pods();
        let old_identity = core::mem::take(&mut engine.tables.pod_identity);
        let mut pods = Vec::with_capacity(old.len() + pending.len());
        let mut identities = Vec::with_capacity(old.len() + pending.len());
        let mut pending = pending.into_iter().peekable();
        for (pod, identity) in old.into_iter().zip(old_identity) {
            // Pending pods before this one are new; one with its name replaces or deletes it.
            let mut replaced = false;
            while let Some(((ns, name), _)) = pending.peek() {
                match (ns.as_str(), name.as_str()).cmp(&(pod.namespace.as_str(), pod.name.as_str())) {
                    core::cmp::Ordering::Greater => break,
                    order => {
                        replaced |= order == core::cmp::Ordering::Equal;
                        if let Some((_, Some((new, id)))) = pending.next() {
                            pods.push(new);
                            identities.push(id);
                        }
                    }
                }
            }
            if !replaced {
                pods.push(pod);
                identities.push(identity);
            }
        }
        for (new, id) in pending.filter_map(|(_, entry)| entry) {
            pods.push(new);
            identities.push(id);
        }
        let tables = &mut engine.tables;
        tables.pod_lookup = PodLookup::of_pods(&identities, &tables.v6_column, &tables.families);
        let (member_start, members) = members_of(&identities, tables.identities);
        tables.member_start = member_start;
        tables.members = members;
        tables.pod_identity = identities;
        engine.cluster.set_pods(pods);
        engine.index_pods();
    }
}

/// The pod that has each IP, by name, kept in step with a cluster that changes (the engine's
/// index of pods by IP is by position, which changes move).
#[derive(Clone, Debug, Default)]
struct IpOwners(HashMap<IpAddr, (String, String)>);

impl IpOwners {
    fn of(cluster: &Cluster) -> IpOwners {
        let mut owners = HashMap::with_capacity(cluster.pods().len());
        for pod in cluster.pods() {
            for &ip in &pod.ips {
                owners.insert(ip, (pod.namespace.clone(), pod.name.clone()));
            }
        }
        IpOwners(owners)
    }

    /// Why `pod` (to be `key`) is refused: an IP another pod has, as validation says it.
    fn refuse(&self, pod: &Pod, key: &(String, String)) -> Option<Diagnostic> {
        let (ip, (ns, name)) = pod.ips.iter().find_map(|ip| self.0.get(ip).filter(|o| *o != key).map(|o| (ip, o)))?;
        let object = crate::ObjectRef::namespaced(ObjectKind::Pod, &key.0, &key.1);
        let message = alloc::format!("IP {ip} is also the IP of pod {ns}/{name}; pod IPs must be unique");
        Some(Diagnostic::new(Some(object), "status.podIPs", message))
    }

    /// Pod `key` no longer has `old` and now has `new`.
    fn replace(&mut self, key: &(String, String), old: &[IpAddr], new: &[IpAddr]) {
        for ip in old {
            if self.0.get(ip) == Some(key) {
                self.0.remove(ip);
            }
        }
        for &ip in new {
            self.0.insert(ip, key.clone());
        }
    }

    /// Applies `change` to `cluster` (not the engine's: a copy changed several times), checking
    /// a new pod's IPs against the other pods'.
    fn apply(&mut self, cluster: &mut Cluster, change: Change) -> Result<Effect, Diagnostic> {
        let object = change.object_ref();
        let key = (String::from(object.namespace().unwrap_or_default()), String::from(object.name()));
        if let Change::Upsert(Object::Pod(pod)) = &change {
            if let Some(refused) = self.refuse(pod, &key) {
                return Err(refused);
            }
        }
        let old_ips: Vec<IpAddr> = match object.kind() {
            ObjectKind::Pod => cluster.pod_id(&key.0, &key.1).map(|p| cluster.pod(p).ips.clone()).unwrap_or_default(),
            _ => Vec::new(),
        };
        // The IPs were checked above.
        let effect = cluster.apply(change, &|_| None)?;
        if object.kind() == ObjectKind::Pod {
            let new_ips = cluster.pod_id(&key.0, &key.1).map(|p| cluster.pod(p).ips.clone()).unwrap_or_default();
            self.replace(&key, &old_ips, &new_ips);
        }
        Ok(effect)
    }
}
