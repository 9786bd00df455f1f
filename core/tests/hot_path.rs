//! The hot path's promises: `decide`, `decide_batch` and the lookups allocate nothing, and the
//! engine can be shared across threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::IpAddr;

use netpol::{Cluster, Compiler, Endpoint, Engine, Protocol, Query, Verdict};

/// Counts the allocations of each thread (tests run in parallel threads of one process).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|a| a.set(a.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn example() -> Engine {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/cluster.yaml")).unwrap();
    Compiler::new().compile(&Cluster::from_yaml_str(&text).unwrap())
}

#[test]
fn decide_batch_and_lookups_do_not_allocate() {
    let engine = example();
    let api = engine.pod_id("shop/api-7f6d5c8b9-4kx8m").unwrap();
    let db = engine.pod_id("shop/postgres-0").unwrap();
    let outside: IpAddr = "203.0.113.10".parse().unwrap();
    let queries = vec![
        Query { src: Endpoint::Pod(api), dst: Endpoint::Pod(db), port: 5432, protocol: Protocol::Tcp },
        Query { src: Endpoint::Pod(api), dst: Endpoint::Ip(outside), port: 443, protocol: Protocol::Tcp },
        Query { src: Endpoint::Ip(outside), dst: Endpoint::Pod(db), port: 5432, protocol: Protocol::Udp },
    ];
    let mut out = vec![Verdict::default(); queries.len()];

    let before = ALLOCATIONS.with(Cell::get);
    let mut allowed = 0;
    for _ in 0..1000 {
        for q in &queries {
            allowed += usize::from(engine.decide(q.src, q.dst, q.port, q.protocol).is_allowed());
        }
        engine.decide_batch(&queries, &mut out);
        allowed += usize::from(engine.pod_id("shop/postgres-0").is_some());
        allowed += usize::from(engine.endpoint_for_ip(outside) == Endpoint::Ip(outside));
    }
    let after = ALLOCATIONS.with(Cell::get);
    assert_eq!(after - before, 0, "the hot path allocated");
    // The counter does see this thread's allocations.
    let probe = std::hint::black_box(vec![1u8; 3]);
    assert_eq!(ALLOCATIONS.with(Cell::get), after + 1);
    drop(probe);
    // api -> db and api -> payments are allowed, an external source to postgres is not.
    assert_eq!(allowed, 1000 * 4);
    assert_eq!(out.iter().map(|v| v.is_allowed()).collect::<Vec<_>>(), [true, true, false]);
}

#[test]
fn engine_is_send_and_sync_and_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Engine>();
    let engine = example();
    let api = Endpoint::Pod(engine.pod_id("shop/api-7f6d5c8b9-4kx8m").unwrap());
    let db = Endpoint::Pod(engine.pod_id("shop/postgres-0").unwrap());
    let results: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let engine = &engine;
                s.spawn(move || (0..1000).all(|_| engine.decide(api, db, 5432, Protocol::Tcp).is_allowed() == (i >= 0)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results, [true; 4]);
}
