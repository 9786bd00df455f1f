//! `netpol flows`: observed traffic (Hubble's JSON export, plain JSONL or CSV) decided under the
//! given policies. Prints the traffic they would deny, grouped by workload with explanations,
//! and the rules no observed flow uses; exits 1 when observed traffic would be denied, or when
//! records could not be decided (endpoints not in the cluster; `--max-unresolved`), so a CI job
//! can gate a rollout on it.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use netpol::flows::{replay, FlowSet, Progress};
use netpol::k8s::SourceMap;

use crate::input::{FlowFileArgs, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol flows`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FlowsOutput {
    /// Counts, then denied traffic with explanations, unused rules, matched, unresolved and
    /// skipped records.
    Text,
    /// `{"summary", "denied", "newly_allowed", "rules", "unused_rules", "matched",
    /// "unresolved", "skipped"}`.
    Json,
    /// SARIF 2.1.0 for code scanning: denied traffic at the policies that deny it, unused rules
    /// and entries at their lines.
    Sarif,
}

/// Arguments of `netpol flows`.
#[derive(Args, Debug)]
pub struct FlowsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    flows: FlowFileArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: FlowsOutput,
    /// In text output, explain at most this many groups of denied (and of newly allowed)
    /// traffic, most records first; the rest are counted. JSON lists every group.
    #[arg(long, value_name = "N", default_value_t = 20)]
    max_groups: usize,
    /// Fail (exit 1) when more than N records could not be decided because an endpoint is not
    /// in the cluster.
    #[arg(long, value_name = "N", default_value_t = 0)]
    max_unresolved: u64,
}

/// A progress line on stderr, only on a terminal and only once reading takes a while.
struct ProgressLine {
    enabled: bool,
    start: Instant,
    last: Instant,
    shown: bool,
}

impl ProgressLine {
    const EVERY: Duration = Duration::from_millis(500);

    fn new() -> ProgressLine {
        let now = Instant::now();
        ProgressLine { enabled: std::io::stderr().is_terminal(), start: now, last: now, shown: false }
    }

    fn update(&mut self, p: Progress) {
        if !self.enabled || self.last.elapsed() < ProgressLine::EVERY {
            return;
        }
        self.last = Instant::now();
        self.shown = true;
        let secs = self.start.elapsed().as_secs_f64();
        let mb = p.bytes as f64 / 1e6;
        output::eprint(&format!(
            "\rreading flows: {} lines, {mb:.1} MB, {:.0} lines/s   ",
            p.lines,
            p.lines as f64 / secs
        ));
    }

    fn finish(&self) {
        if self.shown {
            output::eprint("\n");
        }
    }
}

/// Runs `netpol flows`: exit 0 when every observed flow is allowed (or was observed dropped
/// and still is denied), 1 when observed traffic would be denied or more records than
/// `--max-unresolved` could not be decided, 2 on bad input.
pub fn run(args: FlowsArgs) -> Outcome {
    let loaded = if matches!(args.output, FlowsOutput::Sarif) {
        args.input.engine_with_sources()
    } else {
        args.input.engine().map(|engine| (engine, SourceMap::default()))
    };
    let Some((engine, sources)) = loaded else { return Outcome::BadInput };
    let mut progress = ProgressLine::new();
    let flows = args.flows.read(&engine, &args.input.inputs, &mut |p| progress.update(p));
    progress.finish();
    let Some(flows) = flows else { return Outcome::BadInput };
    let report = replay(&engine, &flows);
    let unresolved = unresolved_over(&report.input, args.max_unresolved);
    let cluster = engine.cluster();
    let outcome = output::write_with(
        |out| match args.output {
            FlowsOutput::Text => report.write_text(cluster, args.max_groups, out),
            FlowsOutput::Json => report.write_json(cluster, out).and_then(|()| out.write_all(b"\n")),
            FlowsOutput::Sarif => writeln!(out, "{:#}", report.to_sarif(cluster, &sources)),
        },
        if report.breaks_traffic() { Outcome::Denied } else { Outcome::Ok },
    );
    match (outcome, unresolved) {
        (Outcome::Ok, Some(message)) => {
            output::error(format_args!("{message}"));
            Outcome::Denied
        }
        (outcome, _) => outcome,
    }
}

/// How many unresolved endpoints the gate's message names.
const UNRESOLVED_EXAMPLES: usize = 3;

/// The gate's message when more than `max` records are unresolved: the count and the endpoints
/// with the most records.
fn unresolved_over(flows: &FlowSet, max: u64) -> Option<String> {
    if flows.unresolved_records <= max {
        return None;
    }
    let examples: Vec<String> = flows
        .unresolved
        .iter()
        .take(UNRESOLVED_EXAMPLES)
        .map(|u| {
            format!("{}: {} ({} record{})", u.endpoint, u.reason, u.records, if u.records == 1 { "" } else { "s" })
        })
        .collect();
    let more = flows.unresolved.len().saturating_sub(UNRESOLVED_EXAMPLES);
    let more = match more {
        0 => String::new(),
        1 => "; and 1 more endpoint".to_owned(),
        n => format!("; and {n} more endpoints"),
    };
    Some(format!(
        "{} of {} flow records not decided (endpoints not in the cluster), over --max-unresolved {max}: {}{more}",
        flows.unresolved_records,
        flows.records,
        examples.join("; "),
    ))
}
