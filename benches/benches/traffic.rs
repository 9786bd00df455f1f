//! Criterion benches of the traffic features at 1,000 pods / 400 policies: reading Hubble flow
//! lines (records per second), replaying a folded flow set, `reach` for one pod, and a
//! least-privilege suggestion with its self-check. Run with
//! `cargo bench -p netpol-benches --bench traffic`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netpol::flows::{read_flows, replay, FlowFormat};
use netpol::reach::{reach, Subject};
use netpol::suggest::suggest;
use netpol::{Direction, Endpoint};
use netpol_benches::{cluster, engine, hubble_lines, SIZES};

const RECORDS: usize = 100_000;

fn traffic(c: &mut Criterion) {
    let size = SIZES[1];
    let cluster = cluster(size);
    let engine = engine(&cluster);
    let lines = hubble_lines(&engine, RECORDS);
    let read = || read_flows(lines.as_bytes(), "bench", FlowFormat::Hubble, &engine, &mut |_| {}).expect("reads");
    let set = read();

    let mut group = c.benchmark_group("flows");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function(format!("read-hubble/{}", size.label), |b| b.iter(|| read().flows.len()));
    group.throughput(Throughput::Elements(set.flows.len() as u64));
    group.bench_function(format!("replay/{}", size.label), |b| b.iter(|| replay(&engine, black_box(&set)).allowed));
    group.finish();

    let mut group = c.benchmark_group("reach");
    group.sample_size(10);
    let pod = match set.flows[0].dst {
        Endpoint::Pod(p) => p,
        _ => unreachable!("the bench flows are between pods"),
    };
    let subject = Subject::Pod(pod);
    group.bench_function(format!("to-pod/{}", size.label), |b| {
        b.iter(|| reach(&engine, black_box(&subject), Direction::Ingress).parts.len())
    });
    group.bench_function(format!("from-pod/{}", size.label), |b| {
        b.iter(|| reach(&engine, black_box(&subject), Direction::Egress).parts.len())
    });
    group.finish();

    let mut group = c.benchmark_group("suggest");
    group.sample_size(10);
    let flows: Vec<_> = set.flows.iter().take(2000).copied().collect();
    group.bench_function(format!("suggest-2000-flows/{}", size.label), |b| {
        b.iter(|| suggest(&engine, black_box(&flows)).policies().len())
    });
    let suggestion = suggest(&engine, &flows);
    group.bench_function(format!("self-check-2000-flows/{}", size.label), |b| {
        b.iter(|| suggestion.check(&engine, &flows).expect("loads back").pairs_after)
    });
    group.finish();
}

criterion_group!(benches, traffic);
criterion_main!(benches);
