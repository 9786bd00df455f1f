//! The incremental engine agrees with a fresh compile (issue 20): a random cluster (the
//! generator of `tiers_agreement.rs`, in `arb/`) takes a random stream of changes drawn from a
//! second random cluster: pods added, replaced (relabelled, moved to another IP, finished) and
//! deleted, copies of pods under new names (a rollout's next pod), policies, namespaces, cluster
//! policies and nodes added, changed and deleted, deletions of objects never held.
//!
//! After every change, [`Live`] must hold exactly the cluster that validating the objects held
//! so far afresh gives (namespaces assumed and forgotten as S8 says), and answer every pod → pod,
//! pod → IP and IP → pod question on ports around the alphabet as a fresh compile of that
//! cluster does, with the same number of identities and the same audit, connectivity report,
//! graph and reach answers. A change [`Live`]
//! refuses must be one validation refuses too (or the deletion of an object not held), and a
//! snapshot taken before a change must keep answering as before it. The same holds for changes
//! applied in batches ([`Live::apply_all`]), checked after each batch.

mod arb;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arb::*;
use netpol::audit::{audit, AuditOptions};
use netpol::graph::graph;
use netpol::raw::{RawCluster, RawClusterPolicy, RawNamespace, RawNode, RawPod, RawPolicy, Strictness};
use netpol::reach::{reach, Subject};
use netpol::report::ConnectivityReport;
use netpol::spec::change::{Change, Object};
use netpol::spec::ClusterPolicyKind;
use netpol::{Applied, Cluster, Compiler, Direction, Endpoint, Engine, Live, ObjectKind, ObjectRef, Options, Protocol};
use netpol_test_support::alphabet::PORTS;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::FileFailurePersistence;

/// The objects held, keyed as the API server keys them.
#[derive(Clone, Debug, Default)]
struct State {
    namespaces: BTreeMap<String, RawNamespace>,
    pods: BTreeMap<(String, String), RawPod>,
    policies: BTreeMap<(String, String), RawPolicy>,
    cluster_policies: BTreeMap<(ClusterPolicyKind, String), RawClusterPolicy>,
    nodes: BTreeMap<String, RawNode>,
}

/// One raw object of any kind.
#[derive(Clone, Debug)]
enum Raw {
    Namespace(RawNamespace),
    Pod(RawPod),
    Policy(RawPolicy),
    ClusterPolicy(RawClusterPolicy),
    Node(RawNode),
}

fn namespace_of(ns: &Option<String>) -> String {
    ns.clone().unwrap_or_else(|| "default".into())
}

impl State {
    fn of(raw: &RawCluster) -> State {
        let mut state = State::default();
        for o in &raw.namespaces {
            state.insert(Raw::Namespace(o.clone()));
        }
        for o in &raw.pods {
            state.insert(Raw::Pod(o.clone()));
        }
        for o in &raw.policies {
            state.insert(Raw::Policy(o.clone()));
        }
        for o in &raw.cluster_policies {
            state.insert(Raw::ClusterPolicy(o.clone()));
        }
        for o in &raw.nodes {
            state.insert(Raw::Node(o.clone()));
        }
        state
    }

    fn insert(&mut self, object: Raw) {
        match object {
            Raw::Namespace(o) => drop(self.namespaces.insert(o.name.clone(), o)),
            Raw::Pod(o) => drop(self.pods.insert((namespace_of(&o.namespace), o.name.clone()), o)),
            Raw::Policy(o) => drop(self.policies.insert((namespace_of(&o.namespace), o.name.clone()), o)),
            Raw::ClusterPolicy(o) => drop(self.cluster_policies.insert((o.kind, o.name.clone()), o)),
            Raw::Node(o) => drop(self.nodes.insert(o.name.clone(), o)),
        }
    }

    /// Removes what `object` names; whether it was held.
    fn remove(&mut self, object: &ObjectRef) -> bool {
        let key = || (object.namespace().unwrap_or_default().to_string(), object.name().to_string());
        match object.kind() {
            ObjectKind::Namespace => self.namespaces.remove(object.name()).is_some(),
            ObjectKind::Pod => self.pods.remove(&key()).is_some(),
            ObjectKind::NetworkPolicy => self.policies.remove(&key()).is_some(),
            ObjectKind::Node => self.nodes.remove(object.name()).is_some(),
            kind => {
                let before = self.cluster_policies.len();
                self.cluster_policies.retain(|(k, name), _| !(k_kind(*k) == kind && name == object.name()));
                before != self.cluster_policies.len()
            }
        }
    }

    fn raw(&self) -> RawCluster {
        RawCluster {
            namespaces: self.namespaces.values().cloned().collect(),
            pods: self.pods.values().cloned().collect(),
            policies: self.policies.values().cloned().collect(),
            cluster_policies: self.cluster_policies.values().cloned().collect(),
            nodes: self.nodes.values().cloned().collect(),
            ..RawCluster::default()
        }
    }
}

fn k_kind(kind: ClusterPolicyKind) -> ObjectKind {
    match kind {
        ClusterPolicyKind::ClusterNetworkPolicy => ObjectKind::ClusterNetworkPolicy,
        ClusterPolicyKind::AdminNetworkPolicy => ObjectKind::AdminNetworkPolicy,
        _ => ObjectKind::BaselineAdminNetworkPolicy,
    }
}

impl Raw {
    fn object_ref(&self) -> ObjectRef {
        match self {
            Raw::Namespace(o) => ObjectRef::cluster_scoped(ObjectKind::Namespace, &o.name),
            Raw::Pod(o) => ObjectRef::namespaced(ObjectKind::Pod, &namespace_of(&o.namespace), &o.name),
            Raw::Policy(o) => ObjectRef::namespaced(ObjectKind::NetworkPolicy, &namespace_of(&o.namespace), &o.name),
            Raw::ClusterPolicy(o) => ObjectRef::cluster_scoped(k_kind(o.kind), &o.name),
            Raw::Node(o) => ObjectRef::cluster_scoped(ObjectKind::Node, &o.name),
        }
    }

    /// The object validated alone, as a watch event's object is.
    fn change(&self) -> Change {
        let mut alone = RawCluster::default();
        match self.clone() {
            Raw::Namespace(o) => alone.namespaces.push(o),
            Raw::Pod(o) => alone.pods.push(o),
            Raw::Policy(o) => alone.policies.push(o),
            Raw::ClusterPolicy(o) => alone.cluster_policies.push(o),
            Raw::Node(o) => alone.nodes.push(o),
        }
        let cluster = alone.validate(Strictness::Strict).expect("generated objects are valid alone");
        Change::Upsert(Object::take_from(cluster, &self.object_ref()).expect("the object is held"))
    }
}

/// One step of churn, read against the state and the pool when it runs.
#[derive(Clone, Debug)]
struct Op {
    what: u8,
    pick: Index,
    other: Index,
    flag: bool,
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    vec(
        (0u8..14, any::<Index>(), any::<Index>(), any::<bool>()).prop_map(|(what, pick, other, flag)| Op {
            what,
            pick,
            other,
            flag,
        }),
        1..=24,
    )
}

fn pick<I: ExactSizeIterator>(mut list: I, index: &Index) -> Option<I::Item> {
    let n = list.len();
    if n == 0 {
        return None;
    }
    list.nth(index.index(n))
}

/// What `op` does to `state`, drawing new objects from `pool`: an object to add or replace, or
/// one to delete.
fn interpret(op: &Op, state: &State, pool: &RawCluster, serial: usize) -> Result<Raw, ObjectRef> {
    let missing = |kind| Err(ObjectRef::namespaced(kind, "ns0", &format!("missing{serial}")));
    match op.what {
        // A pod of the pool, under its own name or one held (MODIFIED).
        0 | 1 => {
            let Some(mut pod) = pick(pool.pods.iter(), &op.pick).cloned() else { return missing(ObjectKind::Pod) };
            if let (true, Some(((ns, name), _))) = (op.flag, pick(state.pods.iter(), &op.other)) {
                (pod.namespace, pod.name) = (Some(ns.clone()), name.clone());
            }
            Ok(Raw::Pod(pod))
        }
        // A held pod relabelled with a pool pod's labels, or finished.
        2 => {
            let Some((_, pod)) = pick(state.pods.iter(), &op.pick) else { return missing(ObjectKind::Pod) };
            let mut pod = pod.clone();
            match pick(pool.pods.iter(), &op.other) {
                Some(other) if op.flag => pod.labels = other.labels.clone(),
                _ => pod.phase = Some("Succeeded".into()),
            }
            Ok(Raw::Pod(pod))
        }
        // A rollout's next pod: a held pod under a new name, with a pool pod's IPs (or none).
        3 | 4 => {
            let Some((_, pod)) = pick(state.pods.iter(), &op.pick) else { return missing(ObjectKind::Pod) };
            let mut pod = pod.clone();
            pod.name = format!("{}-r{serial}", pod.name);
            pod.ips = match pick(pool.pods.iter(), &op.other) {
                Some(other) if op.flag && !other.host_network => other.ips.clone(),
                _ => Vec::new(),
            };
            Ok(Raw::Pod(pod))
        }
        5 => match pick(state.pods.keys(), &op.pick) {
            Some((ns, name)) if op.flag || serial % 5 != 0 => Err(ObjectRef::namespaced(ObjectKind::Pod, ns, name)),
            _ => missing(ObjectKind::Pod),
        },
        6 => {
            let Some(mut policy) = pick(pool.policies.iter(), &op.pick).cloned() else {
                return missing(ObjectKind::NetworkPolicy);
            };
            if let (true, Some(((ns, name), _))) = (op.flag, pick(state.policies.iter(), &op.other)) {
                (policy.namespace, policy.name) = (Some(ns.clone()), name.clone());
            }
            Ok(Raw::Policy(policy))
        }
        7 => match pick(state.policies.keys(), &op.pick) {
            Some((ns, name)) => Err(ObjectRef::namespaced(ObjectKind::NetworkPolicy, ns, name)),
            None => missing(ObjectKind::NetworkPolicy),
        },
        // A namespace relabelled (or given) with a pool namespace's labels, or deleted.
        8 => {
            let Some(ns) = pick(pool.namespaces.iter(), &op.pick) else { return missing(ObjectKind::Namespace) };
            let mut ns = ns.clone();
            if let (true, Some(held)) = (op.flag, pick(state.namespaces.keys(), &op.other)) {
                ns.labels.retain(|k, _| k != netpol::raw::NAMESPACE_NAME_LABEL);
                ns.labels.insert(netpol::raw::NAMESPACE_NAME_LABEL.into(), held.clone());
                ns.name = held.clone();
            }
            Ok(Raw::Namespace(ns))
        }
        9 => match pick(state.namespaces.keys(), &op.pick) {
            Some(name) => Err(ObjectRef::cluster_scoped(ObjectKind::Namespace, name)),
            None => missing(ObjectKind::Namespace),
        },
        10 => match pick(pool.cluster_policies.iter(), &op.pick) {
            Some(p) if op.flag => Ok(Raw::ClusterPolicy(p.clone())),
            _ => match pick(state.cluster_policies.keys(), &op.other) {
                Some((kind, name)) => Err(ObjectRef::cluster_scoped(k_kind(*kind), name)),
                None => missing(ObjectKind::ClusterNetworkPolicy),
            },
        },
        // A held pod with a label no selector reads (a rollout's new pod-template-hash): it
        // keeps its identity, so the overlay takes it.
        12 | 13 => {
            let Some((_, pod)) = pick(state.pods.iter(), &op.pick) else { return missing(ObjectKind::Pod) };
            let mut pod = pod.clone();
            pod.labels.insert("pod-template-hash".into(), format!("h{serial}"));
            if op.flag {
                // And a copy under a new name without IPs (scheduled later).
                pod.name = format!("{}-p{serial}", pod.name);
                pod.ips.clear();
            }
            Ok(Raw::Pod(pod))
        }
        _ => match pick(pool.nodes.iter(), &op.pick) {
            Some(n) if op.flag => Ok(Raw::Node(n.clone())),
            _ => match pick(state.nodes.keys(), &op.other) {
                Some(name) => Err(ObjectRef::cluster_scoped(ObjectKind::Node, name)),
                None => missing(ObjectKind::Node),
            },
        },
    }
}

/// The endpoints asked about: every pod, and every pod IP and node address as an IP.
fn endpoints(cluster: &Cluster) -> Vec<Endpoint> {
    let mut out: Vec<Endpoint> = (0..cluster.pods().len()).map(|i| Endpoint::Pod(netpol::PodId(i as u32))).collect();
    let mut ips: Vec<IpAddr> = cluster.pods().iter().flat_map(|p| p.ips.iter().copied()).collect();
    ips.extend(cluster.nodes().iter().flat_map(|n| n.addresses.iter().copied()));
    ips.extend(["10.0.0.1", "192.0.2.1", "fd00::1"].map(|a| a.parse::<IpAddr>().unwrap()));
    out.extend(ips.into_iter().map(Endpoint::Ip));
    out
}

/// `live` answers every question as `fresh` does (pods are matched by position: both clusters
/// are equal, which the caller checked).
fn same_answers(live: &Engine, fresh: &Engine, what: &str) -> Result<(), TestCaseError> {
    let ends = endpoints(fresh.cluster());
    let ports: Vec<(u16, Protocol)> = PORTS
        .iter()
        .filter_map(|&p| u16::try_from(p).ok())
        .flat_map(|p| Protocol::ALL.map(|proto| (p, proto)))
        .collect();
    for &src in &ends {
        for &dst in &ends {
            for &(port, protocol) in &ports {
                let (a, b) = (live.decide(src, dst, port, protocol), fresh.decide(src, dst, port, protocol));
                prop_assert_eq!(a, b, "{}: {:?} -> {:?} on {}/{:?}", what, src, dst, port, protocol);
            }
        }
    }
    Ok(())
}

fn same_cluster(live: &Cluster, fresh: &Cluster, what: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(live.namespaces(), fresh.namespaces(), "{}: namespaces", what);
    prop_assert_eq!(live.pods(), fresh.pods(), "{}: pods", what);
    prop_assert_eq!(live.policies(), fresh.policies(), "{}: policies", what);
    prop_assert_eq!(live.cluster_policies(), fresh.cluster_policies(), "{}: cluster policies", what);
    prop_assert_eq!(live.nodes(), fresh.nodes(), "{}: nodes", what);
    prop_assert_eq!(live.left_out_pods(), fresh.left_out_pods(), "{}: left-out pods", what);
    Ok(())
}

fn check_churn(start: &Case, pool: &Case, ops: &[Op], batch: usize) -> Result<(), TestCaseError> {
    let options: Options = start.options;
    let compiler = Compiler::new().options(options);
    let Ok(cluster) = start.raw.clone().validate(Strictness::Strict) else { return Ok(()) };
    let mut state = State::of(&start.raw);
    let mut live = Live::new(compiler.clone(), cluster).expect("no budget");
    let mut fresh = compiler.compile(live.cluster());
    for (chunk_index, chunk) in ops.chunks(batch.max(1)).enumerate() {
        let before: Arc<Engine> = live.snapshot();
        let what = format!("chunk {chunk_index} {chunk:?}");
        // Each op read against the state as if the ones before it in the chunk applied.
        let mut tentative = state.clone();
        let mut planned = Vec::new();
        for (k, op) in chunk.iter().enumerate() {
            let serial = chunk_index * batch + k;
            let (change, raw) = match interpret(op, &tentative, &pool.raw, serial) {
                Ok(raw) => (raw.change(), Some(raw)),
                Err(object) => (Change::Delete(object), None),
            };
            match &raw {
                Some(raw) => tentative.insert(raw.clone()),
                None => drop(tentative.remove(&change.object_ref())),
            }
            planned.push((change.object_ref(), change, raw));
        }
        let results = if batch == 1 {
            let (_, change, _) = planned[0].clone();
            vec![live.apply(change)]
        } else {
            live.apply_all(planned.iter().map(|(_, change, _)| change.clone()))
        };
        prop_assert_eq!(results.len(), planned.len());
        let mut any_change = false;
        for ((object, _, raw), result) in planned.into_iter().zip(&results) {
            any_change |= !matches!(result, Ok(Applied::Unchanged) | Err(_));
            match (result, raw) {
                (Ok(_), Some(raw)) => state.insert(raw),
                (Ok(_), None) => prop_assert!(state.remove(&object), "{}: deleted {:?}, not held", what, object),
                (Err(e), Some(raw)) => {
                    let mut with = state.clone();
                    with.insert(raw);
                    let refused = with.raw().validate(Strictness::Strict).is_err();
                    prop_assert!(refused, "{}: {:?} refused, but valid: {}", what, object, e);
                }
                (Err(_), None) => prop_assert!(!state.clone().remove(&object), "{}: held, but not deleted", what),
            }
        }
        let cluster = state.raw().validate(Strictness::Strict).expect("the state stays valid");
        same_cluster(live.cluster(), &cluster, &what)?;
        let old = std::mem::replace(&mut fresh, compiler.compile(&cluster));
        let engine = live.snapshot();
        prop_assert_eq!(engine.identities(), fresh.identities(), "{}: identities", &what);
        same_answers(&engine, &fresh, &what)?;
        same_answers(&before, &old, &format!("{what} (snapshot taken before)"))?;
        if any_change {
            // The reports built on the engine do not depend on how identities are numbered.
            let (a, b) = (audit(&engine, &AuditOptions::default()), audit(&fresh, &AuditOptions::default()));
            prop_assert_eq!(format!("{:?}", a), format!("{:?}", b), "{}: audit", what);
            let (a, b) = (ConnectivityReport::new(&engine).to_json(), ConnectivityReport::new(&fresh).to_json());
            prop_assert_eq!(a, b, "{}: connectivity", what);
            let (a, b) = (graph(&engine, None).to_json(), graph(&fresh, None).to_json());
            prop_assert_eq!(a, b, "{}: graph", what);
            for pod in fresh.cluster().pods().iter().take(3) {
                let subject = Subject::parse(&fresh, &pod.qualified_name()).expect("a pod of the cluster");
                for direction in [Direction::Ingress, Direction::Egress] {
                    let (a, b) =
                        (reach(&engine, &subject, direction).to_json(), reach(&fresh, &subject, direction).to_json());
                    prop_assert_eq!(a, b, "{}: reach {} {:?}", what, pod.name, direction);
                }
            }
        }
    }
    let stats = live.stats();
    for (counter, n) in [
        (&PATCHED, stats.patched),
        (&RECOMPILED, stats.recompiled),
        (&REFUSED, stats.refused),
        (&UNCHANGED, stats.unchanged + stats.left_out),
    ] {
        counter.fetch_add(n as usize, Ordering::Relaxed);
    }
    Ok(())
}

static PATCHED: AtomicUsize = AtomicUsize::new(0);
static RECOMPILED: AtomicUsize = AtomicUsize::new(0);
static REFUSED: AtomicUsize = AtomicUsize::new(0);
static UNCHANGED: AtomicUsize = AtomicUsize::new(0);

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    /// After every change of a random stream, the live engine is a fresh compile.
    #[test]
    fn live_engine_is_a_fresh_compile(start in cases(), pool in cases(), ops in ops()) {
        check_churn(&start, &pool, &ops, 1)?;
    }

    /// After every batch of changes applied together ([`Live::apply_all`]), likewise.
    #[test]
    fn live_batches_are_a_fresh_compile(start in cases(), pool in cases(), ops in ops(), batch in 2usize..8) {
        check_churn(&start, &pool, &ops, batch)?;
    }
}

/// The generator reaches every path: patches, compiles, refusals and no-ops (it runs the
/// property again to count them, whatever ran before in this process).
#[test]
fn churn_reaches_every_path() {
    live_engine_is_a_fresh_compile();
    live_batches_are_a_fresh_compile();
    let counts = [&PATCHED, &RECOMPILED, &REFUSED, &UNCHANGED].map(|c| c.load(Ordering::Relaxed));
    eprintln!("churn: {} patched, {} recompiled, {} refused, {} unchanged", counts[0], counts[1], counts[2], counts[3]);
    assert!(counts.iter().all(|&n| n > 0), "some path never taken: {counts:?}");
}
