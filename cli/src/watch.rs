//! `netpol watch`: a live audit. Reads a Kubernetes watch stream (what `kubectl get
//! namespaces,pods,networkpolicies -A -o json --watch --output-watch-events` prints) after an
//! optional initial listing, keeps an incremental engine ([`netpol::Live`]) in step, and prints
//! for each change what it newly allowed or denied and which audit findings it opened or closed
//! (with `--desired`, also the drift against the manifests kept in Git). Bad events are reported
//! with what to do, and the watch goes on.

use std::io::{BufRead, BufReader, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use clap::{Args, ValueEnum};
use netpol::audit::{audit_with, AuditOptions, AuditReport};
use netpol::diff::delta::{delta, Delta, Side};
use netpol::diff::drift::{drift, Drift};
use netpol::k8s::{EventType, WatchItem, WatchStream};
use netpol::spec::change::Change;
use netpol::{Cluster, Compiler, Config, Connectivity, Live, SelfTraffic};
use serde_json::json;

use crate::input::{ip_block_pod_ips_parser, report, self_traffic_parser, usage_error, InputArgs, LoadArgs};
use crate::metrics::{Metrics, MetricsServer};
use crate::{output, Outcome};

/// Output formats of `netpol watch`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum WatchFormat {
    /// A header line per change, then what it did, indented.
    Text,
    /// One JSON object per line per change (for alerting).
    Json,
}

/// Arguments of `netpol watch`.
#[derive(Args, Debug)]
pub struct WatchArgs {
    /// The watch stream: a file, or `-` for stdin.
    #[arg(value_name = "STREAM", default_value = "-")]
    stream: String,
    /// The state before the stream: a full listing (`kubectl get ... -A -o json`), files or
    /// directories. Without it the watch starts from an empty cluster.
    #[arg(long, value_name = "INPUT", num_args = 1..)]
    initial: Vec<String>,
    /// Manifests as kept in Git (files or directories): report the drift of the live policies
    /// from them whenever it changes.
    #[arg(long, value_name = "INPUT", num_args = 1..)]
    desired: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: WatchFormat,
    /// Apply up to this many consecutive change events before reporting, as one change (for
    /// fast bulk streams; 1 reports every event alone).
    #[arg(long, default_value_t = 1, value_parser = crate::input::at_most(100_000))]
    batch: usize,
    /// Serve Prometheus metrics (`/metrics`) and `/healthz` on this address while watching
    /// (loopback unless you say otherwise, such as `127.0.0.1:9464`).
    #[arg(long, value_name = "ADDR")]
    metrics: Option<String>,
    /// How a pod's traffic to itself is decided.
    #[arg(long, default_value = "allow", value_parser = self_traffic_parser())]
    self_traffic: SelfTraffic,
    /// Whether ipBlocks match pod IPs.
    #[arg(long = "ipblock-pod-ips", default_value = "match", action = clap::ArgAction::Set, value_parser = ip_block_pod_ips_parser())]
    ipblock_pod_ips: bool,
    /// How cluster policies of one tier at one priority that disagree are decided.
    #[arg(long, default_value = "deny-wins", value_parser = crate::input::tie_parser())]
    tie: netpol::spec::Tie,
    /// Skip objects the API server would reject (with a warning) instead of refusing the event.
    #[arg(long)]
    lenient: bool,
    /// Refuse an input (the initial listing, the manifests) or one event document larger than
    /// this many bytes.
    #[arg(long, default_value_t = 64 << 20)]
    max_input_bytes: usize,
    /// The namespace of objects that name none (default: `default`).
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
}

impl WatchArgs {
    fn input(&self, inputs: &[String]) -> InputArgs {
        let load = LoadArgs {
            self_traffic: self.self_traffic,
            ipblock_pod_ips: self.ipblock_pod_ips,
            tie: self.tie,
            dns_map: None,
            lenient: self.lenient,
            max_input_bytes: self.max_input_bytes,
            namespace: self.namespace.clone(),
            limits: Vec::new(),
            max_memory: None,
            allow_empty: true,
        };
        InputArgs { inputs: inputs.to_vec(), load }
    }
}

/// The watcher's state between changes.
struct Watcher {
    live: Live,
    /// How every full listing is compiled (options and budget of the start).
    compiler: Compiler,
    /// The audit and the connectivity map of the state reported last.
    audit: AuditReport,
    connectivity: Connectivity,
    desired: Option<Cluster>,
    drift: Option<Drift>,
    /// Events may have been missed since this line (an ERROR event, a cut document).
    stale_since: Option<u32>,
    changes: u64,
    metrics: Arc<Mutex<Metrics>>,
}

/// The header of one reported change: which events it holds.
struct Header {
    first_line: u32,
    events: Vec<(EventType, String)>,
    applied: String,
}

impl Watcher {
    fn report(
        &mut self,
        header: Header,
        before: &netpol::Engine,
        format: WatchFormat,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let after = self.live.snapshot();
        let connectivity = after.connectivity();
        let after_audit = audit_with(&after, &AuditOptions::default(), &connectivity);
        let d: Delta = delta(
            Side { engine: before, connectivity: &self.connectivity, audit: &self.audit },
            Side { engine: &after, connectivity: &connectivity, audit: &after_audit },
        );
        let drift_now = self.desired.as_ref().map(|desired| drift(&after, desired));
        let drift_changed = drift_now.is_some() && drift_now != self.drift;
        self.changes += 1;
        {
            let mut m = self.metrics.lock().unwrap_or_else(|e| e.into_inner());
            m.record_change(&d, &after, &after_audit, header.events.len());
        }
        match format {
            WatchFormat::Text => {
                let what = match header.events.as_slice() {
                    [] => "full listing".to_string(),
                    [(event, object)] => format!("{} {object}", event.as_str()),
                    [(_, first), ..] => format!("{} events ({first} first)", header.events.len()),
                };
                writeln!(out, "#{} line {}: {what} ({})", self.changes, header.first_line, header.applied)?;
                out.write_all(d.to_text().as_bytes())?;
                if let (true, Some(drift)) = (drift_changed, &drift_now) {
                    for line in drift.summary().lines() {
                        writeln!(out, "  drift: {line}")?;
                    }
                }
                if let Some(line) = self.stale_since {
                    writeln!(
                        out,
                        "  (state may be stale since line {line}: events were missed; resync with a full listing)"
                    )?;
                }
            }
            WatchFormat::Json => {
                let events: Vec<_> =
                    header.events.iter().map(|(e, o)| json!({"type": e.as_str(), "object": o})).collect();
                let mut line = json!({
                    "change": self.changes,
                    "line": header.first_line,
                    "events": events,
                    "applied": header.applied,
                    "stale": self.stale_since.is_some(),
                });
                let delta = d.to_json();
                if let (Some(obj), Some(delta)) = (line.as_object_mut(), delta.as_object()) {
                    obj.extend(delta.clone());
                    if let (true, Some(drift)) = (drift_changed, &drift_now) {
                        obj.insert("drift".into(), drift.to_json());
                    }
                }
                writeln!(out, "{line}")?;
            }
        }
        out.flush()?;
        self.audit = after_audit;
        self.connectivity = connectivity;
        self.drift = drift_now;
        Ok(())
    }

    fn problem(
        &mut self,
        d: &netpol::Diagnostic,
        stale: bool,
        format: WatchFormat,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        self.metrics.lock().unwrap_or_else(|e| e.into_inner()).decode_errors += 1;
        match format {
            WatchFormat::Text => writeln!(out, "! {d}")?,
            WatchFormat::Json => writeln!(out, "{}", json!({"problem": d.to_string(), "stale": stale}))?,
        }
        out.flush()
    }
}

/// Runs `netpol watch`.
pub fn run(args: WatchArgs) -> Outcome {
    let config: Config = args.input(&args.initial).config();
    let initial = if args.initial.is_empty() {
        Cluster::default()
    } else {
        let Some(cluster) = args.input(&args.initial).load_sources(&args.input(&args.initial).sources()) else {
            return Outcome::BadInput;
        };
        cluster
    };
    let desired = if args.desired.is_empty() {
        None
    } else {
        // Manifests name namespaces they do not hold: no warning about assuming them.
        let desired = args.input(&args.desired);
        let Some(cluster) = report(netpol::load(&desired.sources(), &desired.config())) else {
            return Outcome::BadInput;
        };
        Some(cluster)
    };
    let Some(mut live) = report(Live::new(config.compiler(), initial)) else { return Outcome::BadInput };
    let metrics = Arc::new(Mutex::new(Metrics::default()));
    let engine = live.snapshot();
    let connectivity = engine.connectivity();
    let first_audit = audit_with(&engine, &AuditOptions::default(), &connectivity);
    metrics.lock().unwrap_or_else(|e| e.into_inner()).record_state(&engine, &first_audit);
    // The state is recorded before the first request can come.
    let _server = match &args.metrics {
        Some(addr) => match MetricsServer::start(addr, Arc::clone(&metrics)) {
            Ok(server) => {
                output::eprint(&format!("serving metrics on http://{}/metrics\n", server.addr));
                Some(server)
            }
            Err(e) => {
                usage_error(&format!("--metrics {addr}: {e}"));
                return Outcome::BadInput;
            }
        },
        None => None,
    };
    let first_drift = desired.as_ref().map(|d| drift(&engine, d));
    let mut watcher = Watcher {
        live,
        compiler: config.compiler(),
        audit: first_audit,
        connectivity,
        desired,
        drift: None,
        stale_since: None,
        changes: 0,
        metrics,
    };
    let reader: Box<dyn BufRead> = if args.stream == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        match std::fs::File::open(&args.stream) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) => {
                usage_error(&format!("{}: {e}", args.stream));
                return Outcome::BadInput;
            }
        }
    };
    let origin = if args.stream == "-" { "stdin".to_string() } else { args.stream.clone() };
    let stream = WatchStream::new(reader, &origin, config.load).with_default_namespace(args.namespace.clone());
    let format = args.output;
    output::write_with(
        |out| {
            if let Some(drift) = &first_drift {
                match format {
                    WatchFormat::Text => out.write_all(drift.to_text().as_bytes())?,
                    WatchFormat::Json => writeln!(out, "{}", json!({"change": 0, "drift": drift.to_json()}))?,
                }
                out.flush()?;
            }
            watcher.drift = first_drift.clone();
            watch(&mut watcher, stream, &args, out)
        },
        Outcome::Ok,
    )
}

fn watch(
    watcher: &mut Watcher,
    stream: WatchStream<Box<dyn BufRead>>,
    args: &WatchArgs,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let format = args.output;
    let mut stream = stream.peekable();
    while let Some(item) = stream.next() {
        match item {
            WatchItem::Change { event, change, line } => {
                // Up to --batch consecutive changes (bookmarks and other kinds in between do
                // not end a batch), applied together: at most one compile.
                let mut batch = vec![(event, change)];
                while batch.len() < args.batch {
                    while let Some(WatchItem::Ignored { .. }) = stream.peek() {
                        stream.next();
                    }
                    match stream.next_if(|item| matches!(item, WatchItem::Change { .. })) {
                        Some(WatchItem::Change { event, change, .. }) => batch.push((event, change)),
                        _ => break,
                    }
                }
                let before = watcher.live.snapshot();
                let described: Vec<(EventType, String)> = batch.iter().map(|(e, c)| (*e, describe(c))).collect();
                let results = watcher.live.apply_all(batch.into_iter().map(|(_, c)| c));
                let mut header = Header { first_line: line, events: Vec::new(), applied: String::new() };
                let mut kinds = Vec::new();
                for ((event, object), result) in described.into_iter().zip(results) {
                    match result {
                        Ok(applied) => {
                            kinds.push(format!("{applied:?}").to_lowercase());
                            header.events.push((event, object));
                        }
                        Err(e) => {
                            for d in e.diagnostics() {
                                let message =
                                    format!("{} {object} refused: {d}; the state is kept as it was", event.as_str());
                                watcher.problem(&netpol::Diagnostic::new(None, "", message), false, format, out)?;
                            }
                        }
                    }
                }
                if header.events.is_empty() {
                    continue;
                }
                kinds.sort();
                kinds.dedup();
                header.applied = kinds.join(", ");
                let started = Instant::now();
                watcher.report(header, &before, format, out)?;
                watcher.metrics.lock().unwrap_or_else(|e| e.into_inner()).last_report_seconds =
                    started.elapsed().as_secs_f64();
            }
            WatchItem::Listing { cluster, line } => {
                let before = watcher.live.snapshot();
                // A resync compiles as the start did: same options, same budget.
                match Live::new(watcher.compiler.clone(), cluster) {
                    Ok(live) => {
                        watcher.live = live;
                        watcher.stale_since = None;
                        let header = Header {
                            first_line: line,
                            events: Vec::new(),
                            applied: "resynced from a full listing".into(),
                        };
                        watcher.report(header, &before, format, out)?;
                    }
                    Err(e) => {
                        for d in e.diagnostics() {
                            watcher.problem(d, true, format, out)?;
                        }
                    }
                }
            }
            WatchItem::Ignored { .. } => {}
            WatchItem::Problem { diagnostic, stale, line } => {
                if stale {
                    watcher.stale_since.get_or_insert(line);
                }
                watcher.problem(&diagnostic, stale, format, out)?;
            }
        }
    }
    Ok(())
}

/// `Kind namespace/name` of a change's object.
fn describe(change: &Change) -> String {
    let r = change.object_ref();
    match r.namespace() {
        Some(ns) => format!("{} {ns}/{}", r.kind().as_str(), r.name()),
        None => format!("{} {}", r.kind().as_str(), r.name()),
    }
}
