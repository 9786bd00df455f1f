//! Observed traffic held against the policies: flow records (Hubble JSON export, plain JSONL
//! and CSV), resolved to endpoints of a cluster, replayed through the engine.
//!
//! The pipeline, one submodule per step:
//!
//! 1. **Records** (`record`): each line of a flow file becomes one record, or a reason to skip
//!    it (a reply, ICMP, node traffic), or an error naming file, line and field. Files are read
//!    line by line from any [`BufRead`], never whole.
//! 2. **Resolution** (`resolve`): each end of a record becomes an [`Endpoint`] of the cluster.
//!    A pod known by `namespace/name` wins over its IP (IPs get reused); a pod gone since is
//!    matched to a pod of the same namespace with the same labels (ignoring the labels
//!    controllers vary per pod, [`VOLATILE_LABELS`]), else to a pod of the same workload; what
//!    cannot be matched is listed with its record count, never dropped silently.
//! 3. **Folding** ([`FlowSetBuilder`]): records with the same source, destination, port and
//!    protocol become one [`ObservedFlow`] with a count, so a million records decide as a few
//!    thousand flows.
//! 4. **Replay** ([`replay`]): every flow decided; the flows the policies would deny, grouped by
//!    workload with an explanation; flows observed DROPPED that are now allowed; and the rules
//!    no observed flow uses.
//!
//! # Formats
//!
//! - **Hubble** (`hubble observe -o json`): one `{"flow": {...}, "node_name", "time"}` per line
//!   (a bare flow object is accepted too). Field names follow Cilium's `api/v1/flow/flow.proto`
//!   as protojson prints them (`source`, `destination`, `IP`, `l4`, `verdict`, `Type`,
//!   `is_reply`, `pod_name`, `workloads`). Labels lose their `k8s:` source prefix; Cilium's own
//!   labels (`io.kubernetes.pod.namespace`, `io.cilium.k8s.*`) and other sources (`reserved:`,
//!   `cidr:`, ...) are dropped. Reply packets (`is_reply`, older `reply`, or SYN+ACK) are not new
//!   connections: counted and skipped. Verdict `DROPPED` marks a record as dropped; every other
//!   verdict (FORWARDED, AUDIT, ...) as traffic that flowed.
//! - **JSONL**: `{"src": "shop/api-x" | "10.0.0.1", "dst": ..., "port": 5432, "protocol":
//!   "TCP", "count": 3, "src_labels": {...}, "dst_labels": {...}, "verdict": "DROPPED"}`; only
//!   `src`, `dst` and `port` are required; `protocol` defaults to TCP as in a NetworkPolicy.
//! - **CSV**: a header row naming the columns `src,dst,port` and optionally `protocol`
//!   (default TCP), `count` and `verdict`, in any order; then one record per row.

mod record;
mod render;
mod replay;
mod resolve;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use std::io::BufRead;

use hashbrown::HashMap;

use crate::input::{clip_quotes, excerpt, read_line, Line, EXCERPT_BYTES};
use crate::spec::query::{Endpoint, Family, Verdict};
use crate::spec::Protocol;
use crate::{Diagnostic, Engine, Error, Explanation, TextLimits};

pub use crate::spec::VOLATILE_LABELS;
pub use record::{FlowFormat, SkipReason};
pub use replay::{replay, DeniedGroup, FlowReport, NewlyAllowed, RuleUsage};

/// One observed connection, resolved against a cluster: `count` records of traffic from `src` to
/// `dst` on `port`/`protocol` (records with the same four fields are folded into one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ObservedFlow {
    /// The endpoint that opened the connection.
    pub src: Endpoint,
    /// The endpoint it was opened to.
    pub dst: Endpoint,
    /// The destination port.
    pub port: u16,
    /// The L4 protocol.
    pub protocol: Protocol,
    /// How many records were folded into this flow (at least 1).
    pub count: u64,
    /// The address family it was observed over, when its records carry addresses (S9a: a
    /// connection between dual-stack pods is decided over that family only).
    pub family: Option<Family>,
}

impl ObservedFlow {
    /// The verdict under `engine`'s policies, over the observed family when known.
    pub fn decide(&self, engine: &Engine) -> Verdict {
        match self.family {
            Some(f) => engine.decide_over(self.src, self.dst, self.port, self.protocol, f),
            None => engine.decide(self.src, self.dst, self.port, self.protocol),
        }
    }

    /// Why, as [`ObservedFlow::decide`] answers.
    pub fn explain(&self, engine: &Engine) -> Explanation {
        match self.family {
            Some(f) => engine.explain_over(self.src, self.dst, self.port, self.protocol, f),
            None => engine.explain(self.src, self.dst, self.port, self.protocol),
        }
    }
}

/// How many malformed lines of one file are reported before reading stops.
pub const MAX_ERRORS: usize = 20;

/// How a pod named by a flow but missing from the cluster was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MatchedBy {
    /// A pod of the same namespace with the same labels (ignoring [`VOLATILE_LABELS`]).
    Labels,
    /// A pod of the same namespace and workload (Hubble's `workloads`).
    Workload,
}

impl MatchedBy {
    /// `labels` or `workload`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::Labels => "labels",
            MatchedBy::Workload => "workload",
        }
    }
}

/// A pod a flow names that is not in the cluster (gone since), and the pod it was matched to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substitute {
    /// The pod as the flow names it: `namespace/name` (or `a pod of namespace`), with its labels
    /// when the flow carries them.
    pub observed: String,
    /// The pod of the cluster that stands for it.
    pub pod: crate::PodId,
    /// How it was matched.
    pub by: MatchedBy,
    /// The records decided through this match.
    pub records: u64,
}

/// An endpoint that could not be resolved: its records are not decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The endpoint as the flow describes it (`shop/api-x`, with labels when given).
    pub endpoint: String,
    /// Why it could not be matched.
    pub reason: String,
    /// Records with this endpoint on either end.
    pub records: u64,
}

/// Progress through the flow files, for a progress line on long inputs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Non-blank lines read so far, over all files.
    pub lines: u64,
    /// Bytes read so far, over all files.
    pub bytes: u64,
}

/// Flow records resolved against a cluster and folded: what [`replay`] decides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowSet {
    /// The distinct flows, in the order first seen.
    pub flows: Vec<ObservedFlow>,
    /// Parallel to `flows`: how many of each flow's records were observed `DROPPED`.
    pub dropped: Vec<u64>,
    /// Every record read, including skipped and unresolved ones (a line with `count: n` is `n`
    /// records).
    pub records: u64,
    /// Records skipped, per reason (replies, ICMP, node traffic, ...), most frequent first.
    pub skipped: Vec<(SkipReason, u64)>,
    /// Records not decided because an endpoint could not be resolved.
    pub unresolved_records: u64,
    /// The endpoints that could not be resolved, most records first.
    pub unresolved: Vec<Unresolved>,
    /// Pods gone since, matched to pods of the cluster, most records first.
    pub substitutes: Vec<Substitute>,
}

impl FlowSet {
    /// Records folded into flows (decided).
    pub fn decided_records(&self) -> u64 {
        self.flows.iter().fold(0u64, |n, f| n.saturating_add(f.count))
    }

    /// Records skipped, over all reasons.
    pub fn skipped_records(&self) -> u64 {
        self.skipped.iter().fold(0u64, |sum, (_, n)| sum.saturating_add(*n))
    }

    /// The flows to allow, and those left denied: a flow with a record observed DROPPED was
    /// refused by the cluster's policies (Hubble reports a packet where it leaves and again
    /// where it is dropped, so one dropped record is enough), and stays denied unless
    /// `include_dropped`.
    pub fn split_dropped(&self, include_dropped: bool) -> (Vec<ObservedFlow>, Vec<ObservedFlow>) {
        let (mut allow, mut refused) = (Vec::with_capacity(self.flows.len()), Vec::new());
        for (flow, &dropped) in self.flows.iter().zip(&self.dropped) {
            if dropped > 0 && !include_dropped {
                refused.push(*flow);
            } else {
                allow.push(*flow);
            }
        }
        (allow, refused)
    }
}

/// Reads flow files into a [`FlowSet`]: one [`FlowSetBuilder::read`] per file, then
/// [`FlowSetBuilder::finish`].
pub struct FlowSetBuilder<'e> {
    resolver: resolve::Resolver<'e>,
    index: HashMap<(Endpoint, Endpoint, u16, Protocol, Option<Family>), usize>,
    set: FlowSet,
    skipped: HashMap<SkipReason, u64>,
    lines: u64,
    bytes: u64,
    limits: TextLimits,
}

/// How often (in lines) the progress callback is called.
const PROGRESS_EVERY: u64 = 1 << 14;

impl<'e> FlowSetBuilder<'e> {
    /// A builder resolving endpoints against `engine`'s cluster.
    pub fn new(engine: &'e Engine) -> FlowSetBuilder<'e> {
        FlowSetBuilder {
            resolver: resolve::Resolver::new(engine),
            index: HashMap::new(),
            set: FlowSet::default(),
            skipped: HashMap::new(),
            lines: 0,
            bytes: 0,
            limits: TextLimits::FLOWS,
        }
    }

    /// Reads under `limits` instead of [`TextLimits::FLOWS`].
    pub fn with_limits(mut self, limits: TextLimits) -> FlowSetBuilder<'e> {
        self.limits = limits;
        self
    }

    /// Reads one flow file, line by line; `origin` names it in errors (`flows.csv:12: port:
    /// ...`). With [`FlowFormat::Auto`] the format is told from the first non-blank line.
    /// `progress` is called every few thousand lines. Malformed lines are errors: up to
    /// [`MAX_ERRORS`] are collected, then reading stops; records read from a file with errors
    /// are kept, but the caller should not trust a partial set. A line over the builder's
    /// [`TextLimits::max_line_bytes`] is an error (and is not held whole); past
    /// [`TextLimits::max_bytes`] reading stops with an error. Errors quote at most
    /// 200 bytes of a line.
    pub fn read<R: BufRead>(
        &mut self,
        mut reader: R,
        origin: &str,
        format: FlowFormat,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), Error> {
        let mut format = format;
        let mut csv: Option<record::CsvHeader> = None;
        let mut errors: Vec<Diagnostic> = Vec::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut line_no: u64 = 0;
        let mut read: u64 = 0;
        let limits = self.limits;
        loop {
            let (n, too_long) = match read_line(&mut reader, &mut buf, limits.max_line_bytes) {
                Ok(Line::End) => break,
                Ok(Line::Read { read }) => (read, false),
                Ok(Line::TooLong { read }) => (read, true),
                Err(e) => {
                    errors.push(Diagnostic::new(None, "", format!("cannot read: {e}")).with_origin(Some(origin)));
                    break;
                }
            };
            line_no += 1;
            self.bytes += n as u64;
            read += n as u64;
            if read > limits.max_bytes {
                let message = format!(
                    "more than {} bytes: over the limit (raise it with max_flow_bytes, `--max-flow-bytes`)",
                    limits.max_bytes
                );
                errors.push(Diagnostic::new(None, "", message).with_origin(Some(origin)));
                break;
            }
            if too_long {
                let message = format!(
                    "line over the limit of {} bytes (raise it with max_line_bytes, `--max-line-bytes`): {}",
                    limits.max_line_bytes,
                    excerpt(&String::from_utf8_lossy(&buf[..buf.len().min(EXCERPT_BYTES + 4)]))
                );
                errors.push(Diagnostic::new(None, "", message).with_origin(Some(&format!("{origin}:{line_no}"))));
                if errors.len() >= MAX_ERRORS {
                    break;
                }
                continue;
            }
            let line = buf.trim_ascii();
            if line.is_empty() {
                continue;
            }
            let at = |field: &str, message: String| {
                Diagnostic::new(None, excerpt(field), clip_quotes(&message))
                    .with_origin(Some(&format!("{origin}:{line_no}")))
            };
            if format == FlowFormat::Auto {
                format = record::detect(line);
            }
            if format == FlowFormat::Csv && csv.is_none() {
                match record::CsvHeader::parse(line) {
                    Ok(h) => csv = Some(h),
                    Err(e) => {
                        errors.push(at(&e.field, e.message));
                        break;
                    }
                }
                continue;
            }
            self.lines += 1;
            if self.lines % PROGRESS_EVERY == 0 {
                progress(Progress { lines: self.lines, bytes: self.bytes });
            }
            let parsed = match format {
                FlowFormat::Csv => record::parse_csv(line, csv.as_ref().expect("header read first")),
                FlowFormat::Jsonl => record::parse_jsonl(line),
                _ => record::parse_hubble(line),
            };
            match parsed {
                Ok(record::Parsed::Skip(reason)) => {
                    self.set.records += 1;
                    *self.skipped.entry(reason).or_default() += 1;
                }
                Ok(record::Parsed::Flow(r)) => {
                    self.set.records = self.set.records.saturating_add(r.count);
                    self.add(&r);
                }
                Err(e) => {
                    errors.push(at(&e.field, e.message));
                    if errors.len() >= MAX_ERRORS {
                        errors.push(
                            Diagnostic::new(None, "", format!("stopped after {MAX_ERRORS} malformed lines"))
                                .with_origin(Some(origin)),
                        );
                        break;
                    }
                }
            }
        }
        if format == FlowFormat::Csv && csv.is_none() && errors.is_empty() {
            errors.push(
                Diagnostic::new(None, "", "no header row (src,dst,port[,protocol,count,verdict])")
                    .with_origin(Some(origin)),
            );
        }
        progress(Progress { lines: self.lines, bytes: self.bytes });
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::new(errors))
        }
    }

    fn add(&mut self, r: &record::Record<'_>) {
        let src = self.resolver.resolve(&r.src);
        let dst = self.resolver.resolve(&r.dst);
        let (src, dst) = match (src, dst) {
            (resolve::Resolved::Node, _) | (_, resolve::Resolved::Node) => {
                let n = self.skipped.entry(SkipReason::NodeTraffic).or_default();
                *n = n.saturating_add(r.count);
                return;
            }
            (resolve::Resolved::Found(s, ss), resolve::Resolved::Found(d, ds)) => {
                for sub in [ss, ds].into_iter().flatten() {
                    let n = &mut self.resolver.substitutes[sub].records;
                    *n = n.saturating_add(r.count);
                }
                (s, d)
            }
            (s, d) => {
                for u in [s, d] {
                    if let resolve::Resolved::Unresolved(i) = u {
                        let n = &mut self.resolver.unresolved[i].records;
                        *n = n.saturating_add(r.count);
                    }
                }
                self.set.unresolved_records = self.set.unresolved_records.saturating_add(r.count);
                return;
            }
        };
        // S9a: the family of the record's addresses, when it has any and it matters (the ends
        // share another family too), so records with and without addresses fold alike.
        let family = r
            .src
            .ip
            .or(r.dst.ip)
            .map(Family::of)
            .filter(|f| self.resolver.engine().shared_families_of(src, dst) != f.bit());
        let next = self.set.flows.len();
        let i = *self.index.entry((src, dst, r.port, r.protocol, family)).or_insert(next);
        if i == next {
            self.set.flows.push(ObservedFlow { src, dst, port: r.port, protocol: r.protocol, count: 0, family });
            self.set.dropped.push(0);
        }
        // Counts saturate (a `count` is any u64 in JSONL and CSV), so `dropped <= count` holds.
        self.set.flows[i].count = self.set.flows[i].count.saturating_add(r.count);
        if r.dropped {
            self.set.dropped[i] = self.set.dropped[i].saturating_add(r.count);
        }
    }

    /// Reads the flow file at `path` as [`read`](Self::read) does, buffered; a file that cannot
    /// be opened is an error naming it.
    pub fn read_path(
        &mut self,
        path: &std::path::Path,
        format: FlowFormat,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<(), Error> {
        let origin = format!("{}", path.display());
        let max = self.limits.max_bytes;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.is_file() && meta.len() > max {
                let message = format!(
                    "input is {} bytes, over the limit of {max} bytes (raise it with max_flow_bytes, `--max-flow-bytes`)",
                    meta.len()
                );
                return Err(Error::single(Diagnostic::new(None, "", message).with_origin(Some(&origin))));
            }
        }
        match std::fs::File::open(path) {
            Ok(file) => self.read(std::io::BufReader::with_capacity(1 << 16, file), &origin, format, progress),
            Err(e) => {
                Err(Error::single(Diagnostic::new(None, "", format!("cannot read: {e}")).with_origin(Some(&origin))))
            }
        }
    }

    /// The flow set of everything read.
    pub fn finish(self) -> FlowSet {
        let mut set = self.set;
        set.skipped = self.skipped.into_iter().collect();
        set.skipped.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        set.unresolved = self.resolver.unresolved.into_iter().filter(|u| u.records > 0).collect();
        set.unresolved.sort_by(|a, b| b.records.cmp(&a.records).then(a.endpoint.cmp(&b.endpoint)));
        set.substitutes = self.resolver.substitutes.into_iter().filter(|s| s.records > 0).collect();
        set.substitutes.sort_by(|a, b| b.records.cmp(&a.records).then(a.observed.cmp(&b.observed)));
        set
    }
}

/// Reads one flow file into a [`FlowSet`] (see [`FlowSetBuilder::read`]).
pub fn read_flows<R: BufRead>(
    reader: R,
    origin: &str,
    format: FlowFormat,
    engine: &Engine,
    progress: &mut dyn FnMut(Progress),
) -> Result<FlowSet, Error> {
    let mut builder = FlowSetBuilder::new(engine);
    builder.read(reader, origin, format, progress)?;
    Ok(builder.finish())
}

/// Reads every source (flow files, text, stdin) into one [`FlowSet`] against `engine`, calling
/// `progress` as lines go by. Every source is read; the error lists the problems of them all,
/// in source order. Each source is under [`TextLimits::FLOWS`].
pub fn read_sources<'a>(
    engine: &Engine,
    sources: impl IntoIterator<Item = &'a crate::Source>,
    format: FlowFormat,
    progress: &mut dyn FnMut(Progress),
) -> Result<FlowSet, Error> {
    read_sources_with(engine, sources, format, TextLimits::FLOWS, progress)
}

/// [`read_sources`] with each source under `limits`.
pub fn read_sources_with<'a>(
    engine: &Engine,
    sources: impl IntoIterator<Item = &'a crate::Source>,
    format: FlowFormat,
    limits: TextLimits,
    progress: &mut dyn FnMut(Progress),
) -> Result<FlowSet, Error> {
    use crate::Source;
    let mut builder = FlowSetBuilder::new(engine).with_limits(limits);
    let mut errors: Vec<Diagnostic> = Vec::new();
    for source in sources {
        let result = match source {
            Source::Path(path) => builder.read_path(path, format, progress),
            Source::Text { text, origin } => builder.read(text.as_bytes(), origin, format, progress),
            Source::Bytes { bytes, origin } => builder.read(bytes.as_slice(), origin, format, progress),
            Source::Stdin => builder.read(std::io::stdin().lock(), "<stdin>", format, progress),
        };
        if let Err(e) = result {
            errors.extend(e.diagnostics().iter().cloned());
        }
    }
    if errors.is_empty() {
        Ok(builder.finish())
    } else {
        Err(Error::new(errors))
    }
}
