//! `netpol bench --live`: what the live engine ([`netpol::Live`]) takes per change on the given
//! cluster, the merge of pending pod changes a snapshot waits for, memory after many changes,
//! and decide's speed while a writer applies changes.

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use netpol::spec::change::{Change, Object};
use netpol::{Compiler, Engine, Live, ObjectKind, ObjectRef, PodId, PolicyId, Query};
use serde_json::{json, Value};

/// Pods taken out and put back for the join measurement.
const JOIN_ROUNDS: usize = 2_000;
/// New-identity and policy rounds (each compiles).
const COMPILE_ROUNDS: usize = 10;

fn pod_ref(engine: &Engine, pod: PodId) -> ObjectRef {
    let p = engine.cluster().pod(pod);
    ObjectRef::namespaced(ObjectKind::Pod, &p.namespace, &p.name)
}

/// Mean microseconds of `f` over `rounds` calls.
fn mean_us(rounds: usize, mut f: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    for i in 0..rounds {
        f(i);
    }
    start.elapsed().as_secs_f64() * 1e6 / rounds.max(1) as f64
}

/// The live figures, as JSON fields to add to the bench report.
pub fn measure(compiler: &Compiler, engine: &Engine, queries: &[Query], changes: usize) -> Value {
    let Ok(mut live) = Live::new(compiler.clone(), engine.cluster().clone()) else { return json!({}) };
    let pods = engine.cluster().pods().len();
    // Pods whose identity has other members: taking one out and back in patches arrays.
    let mut members = vec![0usize; engine.identities()];
    for p in 0..pods {
        members[engine.identity_of(PodId(p as u32))] += 1;
    }
    let shared: Vec<PodId> =
        (0..pods as u32).map(PodId).filter(|&p| members[engine.identity_of(p)] >= 2).step_by(3).collect();
    let mut join_us = None;
    if !shared.is_empty() {
        let before = live.stats().patched;
        let us = mean_us(JOIN_ROUNDS, |i| {
            let pod = shared[i % shared.len()];
            let object = engine.cluster().pod(pod).clone();
            let _ = live.apply(Change::Delete(pod_ref(engine, pod)));
            let _ = live.apply(Change::Upsert(Object::Pod(object)));
        }) / 2.0;
        join_us = Some((us, live.stats().patched - before));
    }
    // The merge those changes wait for: 1,000 pod changes, then a snapshot.
    let merge_ms = (!shared.is_empty()).then(|| {
        let _ = live.snapshot();
        for i in 0..500 {
            let pod = shared[i % shared.len()];
            let object = engine.cluster().pod(pod).clone();
            let _ = live.apply(Change::Delete(pod_ref(engine, pod)));
            let _ = live.apply(Change::Upsert(Object::Pod(object)));
        }
        let start = Instant::now();
        black_box(live.snapshot());
        start.elapsed().as_secs_f64() * 1e3
    });
    // A pod with a label nobody else has, that a policy selects... or not: a new identity only
    // when some selector tells it apart, so it takes the namespace's first policy's labels away.
    let new_identity_ms = (pods > 0).then(|| {
        let before = live.stats().recompiled;
        let ms = mean_us(COMPILE_ROUNDS, |i| {
            let mut pod = engine.cluster().pod(PodId(0)).clone();
            pod.name = format!("bench-new-identity-{i}");
            pod.labels.clear();
            pod.labels.insert(format!("bench-{i}"), "x".into());
            pod.ips.clear();
            let r = ObjectRef::namespaced(ObjectKind::Pod, &pod.namespace, &pod.name);
            let _ = live.apply(Change::Upsert(Object::Pod(pod)));
            let _ = live.apply(Change::Delete(r));
        }) / 2.0
            / 1e3;
        (ms, live.stats().recompiled - before)
    });
    let policy_ms = (!engine.cluster().policies().is_empty()).then(|| {
        mean_us(COMPILE_ROUNDS, |i| {
            let mut policy =
                engine.cluster().policy(PolicyId(i as u32 % engine.cluster().policies().len() as u32)).clone();
            let original = policy.clone();
            policy.affects_ingress = !policy.affects_ingress;
            let _ = live.apply(Change::Upsert(Object::Policy(policy)));
            let _ = live.apply(Change::Upsert(Object::Policy(original)));
        }) / 2.0
            / 1e3
    });
    // Memory after many changes that return to the same state, against a fresh compile's.
    let memory = (!shared.is_empty()).then(|| {
        let mut rng = netpol_gen::Rng::new(7, 0);
        let policies = engine.cluster().policies().len() as u32;
        let started = Instant::now();
        let mut done = 0;
        while done < changes {
            if policies > 0 && rng.below(1000) == 0 {
                let policy = engine.cluster().policy(PolicyId(rng.below(policies as usize) as u32)).clone();
                let mut changed = policy.clone();
                changed.affects_egress = !changed.affects_egress;
                let _ = live.apply(Change::Upsert(Object::Policy(changed)));
                let _ = live.apply(Change::Upsert(Object::Policy(policy)));
            } else {
                let pod = shared[rng.below(shared.len())];
                let object = engine.cluster().pod(pod).clone();
                let _ = live.apply(Change::Delete(pod_ref(engine, pod)));
                let _ = live.apply(Change::Upsert(Object::Pod(object)));
            }
            done += 2;
        }
        let seconds = started.elapsed().as_secs_f64();
        let fresh = compiler.compile(live.cluster()).memory_bytes();
        (live.engine().memory_bytes() as f64 / fresh.max(1) as f64, done, seconds)
    });
    // Decide on published snapshots while a writer applies pod events and publishes every 100.
    let published = Arc::new(RwLock::new(live.snapshot()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (published, stop, shared, engine) =
            (Arc::clone(&published), Arc::clone(&stop), shared.clone(), engine.clone());
        std::thread::spawn(move || {
            let mut applied = 0usize;
            while !stop.load(Ordering::Relaxed) && !shared.is_empty() {
                let pod = shared[applied % shared.len()];
                let object = engine.cluster().pod(pod).clone();
                let _ = live.apply(Change::Delete(pod_ref(&engine, pod)));
                let _ = live.apply(Change::Upsert(Object::Pod(object)));
                applied += 2;
                if applied % 100 == 0 {
                    *published.write().unwrap_or_else(|e| e.into_inner()) = live.snapshot();
                }
            }
            applied
        })
    };
    let (mut asked, mut allowed) = (0usize, 0usize);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) && !queries.is_empty() {
        let snapshot = Arc::clone(&published.read().unwrap_or_else(|e| e.into_inner()));
        let slice = &queries[..queries.len().min(1 << 16)];
        for q in slice {
            allowed += usize::from(black_box(snapshot.decide(q.src, q.dst, q.port, q.protocol)).is_allowed());
        }
        asked += slice.len();
    }
    let elapsed = start.elapsed();
    black_box(allowed);
    stop.store(true, Ordering::Relaxed);
    let writes = writer.join().unwrap_or(0);
    let decide_ns = (asked > 0).then(|| round(elapsed.as_nanos() as f64 / asked as f64));
    json!({
        "live_pod_join_us": join_us.map(|(us, _)| round(us)),
        "live_pod_join_patched": join_us.map(|(_, n)| n),
        "live_merge_ms": merge_ms.map(round),
        "live_pod_new_identity_ms": new_identity_ms.map(|(ms, _)| round(ms)),
        "live_policy_change_ms": policy_ms.map(round),
        "live_decide_ns_with_writer": decide_ns,
        "live_changes": memory.map(|(_, n, _)| n),
        "live_changes_per_s": memory.map(|(_, n, s)| round(n as f64 / s.max(1e-9))),
        "live_memory_vs_fresh": memory.map(|(ratio, _, _)| round(ratio)),
        "live_writer_events_during_decide": writes,
    })
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
