//! `netpol bench`: measures load, compile, decide and matrix on the given cluster.
//!
//! Numbers depend on the build: use a release build (`cargo build --release -p netpol-cli`).

use std::collections::BTreeSet;
use std::fs;
use std::hint::black_box;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use netpol::{Cluster, Compiler, Endpoint, PodId, Protocol, Query, Source, Verdict};
use netpol_gen::Rng;
use serde_json::json;

use crate::input::{at_most, usage_error, InputArgs};
use crate::{output, Outcome};

/// The most queries per measurement: the queries are held in memory (about 100 MB per
/// million, both sets and their verdicts).
const MAX_QUERIES: usize = 10_000_000;

/// Output formats of `netpol bench`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum BenchFormat {
    /// One figure per line.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `netpol bench`.
#[derive(Args, Debug)]
pub struct BenchArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Random queries per decide measurement; at most 10,000,000.
    #[arg(long, default_value_t = 1_000_000, value_parser = at_most(MAX_QUERIES))]
    queries: usize,
    /// Port for the decide and matrix measurements.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Times each decide measurement runs over its queries, interleaved; the figures are the
    /// median pass, and `*_best_ns` the fastest (a virtual machine's neighbours slow some passes
    /// down); at most 100.
    #[arg(long, default_value_t = 1, value_parser = at_most(100))]
    passes: usize,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: BenchFormat,
    /// Also measure the live engine: pod events that join an existing identity, pod events
    /// that make a new one, policy changes, and decide while a writer applies pod events.
    #[arg(long)]
    live: bool,
    /// With --live: random pod changes (each pod taken out and put back, now and then a policy
    /// changed and changed back) after which the live engine's memory is compared with a fresh
    /// compile's of the same state; at most 10,000,000.
    #[arg(long, default_value_t = 100_000, value_parser = at_most(10_000_000))]
    live_changes: usize,
}

/// Nanoseconds per query of `f` over `queries`.
fn per_query(queries: &[Query], mut f: impl FnMut(&Query) -> Verdict) -> f64 {
    let start = Instant::now();
    let mut allowed = 0usize;
    for q in queries {
        allowed += usize::from(black_box(f(black_box(q))).is_allowed());
    }
    black_box(allowed);
    start.elapsed().as_nanos() as f64 / queries.len().max(1) as f64
}

/// The bytes of the files the loader reads at `path`: a file's size, or the sizes of the
/// `*.yaml`, `*.yml` and `*.json` files under a directory (each directory once).
fn input_bytes(path: &Path, directories: &mut BTreeSet<PathBuf>) -> u64 {
    let Ok(meta) = fs::metadata(path) else { return 0 };
    if !meta.is_dir() {
        return meta.len();
    }
    let canonical = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if !directories.insert(canonical) {
        return 0;
    }
    let Ok(entries) = fs::read_dir(path) else { return 0 };
    entries
        .flatten()
        .map(|entry| {
            let p = entry.path();
            let is_input = p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json");
            match fs::metadata(&p) {
                Ok(m) if m.is_dir() => input_bytes(&p, directories),
                Ok(m) if is_input && m.is_file() => m.len(),
                _ => 0,
            }
        })
        .sum()
}

/// Loads the inputs as every command does, timing it; returns the cluster, the bytes read and
/// the seconds taken. Standard input and pipes given by name are read here, inside the timing,
/// so that their size is known.
fn load_timed(input: &InputArgs) -> Option<(Cluster, u64, f64)> {
    let start = Instant::now();
    let mut bytes = 0;
    let mut directories = BTreeSet::new();
    let mut sources = Vec::new();
    // Standard input given twice is the loader's error to report.
    let stdin_once = input.sources().iter().filter(|s| s.is_stdin()).count() == 1;
    for source in input.sources() {
        let streamed = match &source {
            Source::Stdin if stdin_once => {
                Some((Box::new(std::io::stdin().lock()) as Box<dyn Read>, "<stdin>".to_string()))
            }
            Source::Path(path) if fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) => {
                fs::File::open(path).ok().map(|f| (Box::new(f) as Box<dyn Read>, path.display().to_string()))
            }
            _ => None,
        };
        match (streamed, &source) {
            (Some((reader, origin)), _) => {
                let mut data = Vec::new();
                let limit = input.load.max_input_bytes as u64 + 1;
                if let Err(e) = reader.take(limit).read_to_end(&mut data) {
                    usage_error(&format!("{origin}: cannot read: {e}"));
                    return None;
                }
                bytes += data.len() as u64;
                sources.push(Source::Bytes { bytes: data, origin });
            }
            (None, Source::Path(path)) => {
                bytes += input_bytes(path, &mut directories);
                sources.push(source);
            }
            (None, _) => sources.push(source),
        }
    }
    let cluster = input.load_sources(&sources)?;
    Some((cluster, bytes, start.elapsed().as_secs_f64()))
}

/// Runs `netpol bench`.
pub fn run(args: BenchArgs) -> Outcome {
    let Some((cluster, input_bytes, load_s)) = load_timed(&args.input) else { return Outcome::BadInput };
    let compiler = Compiler::new().options(args.input.config().options);
    let start = Instant::now();
    let engine = compiler.compile_owned(cluster);
    let cluster = engine.cluster();
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let pods = cluster.pods().len();
    let n = args.queries.max(1);
    // The same queries on every run.
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15, 0);
    let (pod_pairs, ip_to_pod) = if pods == 0 {
        (Vec::new(), Vec::new())
    } else {
        let pod_pairs: Vec<Query> = (0..n)
            .map(|_| Query {
                src: Endpoint::Pod(PodId(rng.below(pods) as u32)),
                dst: Endpoint::Pod(PodId(rng.below(pods) as u32)),
                port: args.port,
                protocol: Protocol::Tcp,
            })
            .collect();
        // External sources: public addresses (198.18.0.0/15 and beyond), never pod IPs.
        let ip_to_pod: Vec<Query> = (0..n)
            .map(|_| {
                let ip = IpAddr::V4(Ipv4Addr::from(0xc612_0000u32.wrapping_add(rng.next_u64() as u32 & 0x00ff_ffff)));
                Query {
                    src: engine.endpoint_for_ip(ip),
                    dst: Endpoint::Pod(PodId(rng.below(pods) as u32)),
                    port: args.port,
                    protocol: Protocol::Tcp,
                }
            })
            .collect();
        (pod_pairs, ip_to_pod)
    };
    // Warm up, then measure.
    per_query(&pod_pairs[..pod_pairs.len().min(10_000)], |q| engine.decide(q.src, q.dst, q.port, q.protocol));
    let mut out = vec![Verdict::default(); pod_pairs.len()];
    let mut passes = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..args.passes.max(1) {
        passes[0].push(per_query(&pod_pairs, |q| engine.decide(q.src, q.dst, q.port, q.protocol)));
        passes[1].push(per_query(&ip_to_pod, |q| engine.decide(q.src, q.dst, q.port, q.protocol)));
        let start = Instant::now();
        engine.decide_batch(&pod_pairs, &mut out);
        passes[2].push(start.elapsed().as_nanos() as f64 / n as f64);
        black_box(&out);
    }
    let [decide, decide_ip, batch] = passes.map(|mut times| {
        times.sort_by(f64::total_cmp);
        (times[times.len() / 2], times[0])
    });
    let start = Instant::now();
    let matrix = engine.matrix(args.port, Protocol::Tcp);
    let matrix_ms = start.elapsed().as_secs_f64() * 1e3;
    let allowed_pairs = matrix.count_allowed();
    let live = if args.live {
        crate::bench_live::measure(&compiler, &engine, &pod_pairs, args.live_changes)
    } else {
        json!(null)
    };
    let mut report = json!({
        "pods": pods,
        "policies": cluster.policies().len(),
        "cluster_policies": cluster.cluster_policies().len(),
        "namespaces": cluster.namespaces().len(),
        "identities": engine.identities(),
        "input_bytes": input_bytes,
        "load_ms": round(load_s * 1e3),
        "load_mb_per_s": round(input_bytes as f64 / 1e6 / load_s.max(1e-9)),
        "compile_ms": round(compile_ms),
        "decide_ns": round(decide.0),
        "decide_ip_ns": round(decide_ip.0),
        "decide_batch_ns": round(batch.0),
        "decide_best_ns": round(decide.1),
        "decide_ip_best_ns": round(decide_ip.1),
        "decide_batch_best_ns": round(batch.1),
        "passes": args.passes.max(1),
        "matrix_ms": round(matrix_ms),
        "matrix_allowed_pairs": allowed_pairs,
        "memory_bytes": engine.memory_bytes(),
        "queries": n,
        "port": args.port,
    });
    if let (Some(report), Some(live)) = (report.as_object_mut(), live.as_object()) {
        report.extend(live.clone());
    }
    let text = match args.output {
        BenchFormat::Json => format!("{report}\n"),
        BenchFormat::Text => report.as_object().into_iter().flatten().map(|(k, v)| format!("{k:<22} {v}\n")).collect(),
    };
    output::print(&text, Outcome::Ok)
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}
