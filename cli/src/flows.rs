//! `netpol flows`: observed traffic (Hubble's JSON export, plain JSONL or CSV) decided under the
//! given policies. Prints the traffic they would deny, grouped by workload with explanations,
//! and the rules no observed flow uses; exits 1 when observed traffic would be denied, so a CI
//! job can gate a rollout on it.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use netpol::flows::{replay, Progress};

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
/// and still is denied), 1 when observed traffic would be denied, 2 on bad input.
pub fn run(args: FlowsArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let mut progress = ProgressLine::new();
    let flows = args.flows.read(&engine, &args.input.inputs, &mut |p| progress.update(p));
    progress.finish();
    let Some(flows) = flows else { return Outcome::BadInput };
    let report = replay(&engine, &flows);
    let text = match args.output {
        FlowsOutput::Text => report.to_text(engine.cluster(), args.max_groups),
        FlowsOutput::Json => format!("{}\n", report.to_json(engine.cluster())),
    };
    output::print(&text, if report.breaks_traffic() { Outcome::Denied } else { Outcome::Ok })
}
