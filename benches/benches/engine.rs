//! Criterion benches: decide (pod → pod, IP → pod, batch), compile, matrix and connectivity at
//! 100, 1,000 and 10,000 pods; decide and compile also at 50,000, 100,000 and 150,000 pods.
//! Run with `cargo bench -p netpol-benches` (`-- 150000p` for one size).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use netpol::{Compiler, Protocol, Verdict};
use netpol_benches::{cluster, engine, ip_queries, pod_queries, Size, LARGE_SIZES, SIZES, TIERED};

/// Random queries per measurement: enough that their ends spread over a large cluster's tables
/// (a few thousand would keep the tables they touch in cache).
const QUERIES: usize = 1 << 16;

/// Every size, small to large, and 10,000 pods with admin tiers after the 10,000-pod size.
fn all_sizes() -> impl Iterator<Item = Size> {
    SIZES.into_iter().chain([TIERED]).chain(LARGE_SIZES)
}

fn decide(c: &mut Criterion) {
    let mut group = c.benchmark_group("decide");
    group.throughput(Throughput::Elements(QUERIES as u64));
    for size in all_sizes() {
        let cluster = cluster(size);
        let engine = engine(&cluster);
        let pods = pod_queries(&engine, QUERIES);
        let ips = ip_queries(&engine, QUERIES);
        group.bench_function(format!("pod-pod/{}", size.label), |b| {
            b.iter(|| pods.iter().filter(|q| engine.decide(q.src, q.dst, q.port, q.protocol).is_allowed()).count())
        });
        group.bench_function(format!("ip-pod/{}", size.label), |b| {
            b.iter(|| ips.iter().filter(|q| engine.decide(q.src, q.dst, q.port, q.protocol).is_allowed()).count())
        });
        let mut out = vec![Verdict::default(); QUERIES];
        group.bench_function(format!("batch/{}", size.label), |b| {
            b.iter(|| {
                engine.decide_batch(black_box(&pods), &mut out);
                out[0]
            })
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.sample_size(10);
    for size in all_sizes() {
        let cluster = cluster(size);
        // The copy of the cluster the engine keeps is made outside the measurement.
        group.bench_function(size.label, |b| {
            b.iter_batched(|| cluster.clone(), |c| Compiler::new().compile_owned(black_box(c)), BatchSize::LargeInput)
        });
    }
    group.finish();
}

fn tables(c: &mut Criterion) {
    let mut group = c.benchmark_group("tables");
    group.sample_size(10);
    for size in SIZES {
        let cluster = cluster(size);
        let engine = engine(&cluster);
        group.bench_function(format!("matrix/{}", size.label), |b| b.iter(|| engine.matrix(8080, Protocol::Tcp)));
        group.bench_function(format!("connectivity/{}", size.label), |b| {
            b.iter_batched(|| (), |()| engine.connectivity(), BatchSize::SmallInput)
        });
    }
    group.finish();
}

criterion_group!(benches, decide, compile, tables);
criterion_main!(benches);
