//! Criterion bench of the front door: loading (parsing, decoding and validating) a 1,000-pod /
//! 400-policy cluster as `kubectl get ns,pods,networkpolicies -A` prints a live one, in JSON
//! (about 24 MB) and YAML (about 10 MB), and the plain YAML the other benches load, in bytes per
//! second. Run with `cargo bench -p netpol-benches --bench load`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use netpol::{Config, Source};
use netpol_benches::{cluster_text, Format, COREDNS_PODS, SIZES};

fn load(c: &mut Criterion) {
    let size = SIZES[1];
    let mut config = Config::default();
    config.load.max_input_bytes = 1 << 30;
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    for (label, format, realistic) in [
        ("realistic-json", Format::Json, true),
        ("realistic-yaml", Format::Yaml, true),
        ("plain-yaml", Format::Yaml, false),
    ] {
        let text = cluster_text(size, format, realistic);
        group.throughput(Throughput::Bytes(text.len() as u64));
        let source = Source::Text { text, origin: label.to_string() };
        let pods = netpol::load([&source], &config).expect("generated clusters load").pods().len();
        assert_eq!(pods, size.namespaces * size.pods_per_namespace + COREDNS_PODS);
        group.bench_function(format!("{label}/{}", size.label), |b| {
            b.iter(|| netpol::load([&source], &config).expect("generated clusters load"))
        });
    }
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
