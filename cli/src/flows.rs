//! `netpol flows`: observed traffic (Hubble's JSON export, plain JSONL or CSV) decided under the
//! given policies. Prints the traffic they would deny, grouped by workload with explanations,
//! and the rules no observed flow uses; exits 1 when observed traffic would be denied, so a CI
//! job can gate a rollout on it.

use std::fs::File;
use std::io::{BufReader, IsTerminal, Write};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use netpol::flows::{replay, FlowFormat, FlowSetBuilder, Progress};

use crate::input::{usage_error, InputArgs};
use crate::Outcome;

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

/// Flow file formats on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// Told per file from its first line.
    Auto,
    /// `hubble observe -o json`.
    Hubble,
    /// `{"src", "dst", "port", "protocol", "count", ...}` per line.
    Jsonl,
    /// A header row `src,dst,port[,protocol,count,verdict]`, then rows.
    Csv,
}

/// Arguments of `netpol flows`.
#[derive(Args, Debug)]
pub struct FlowsArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A flow file (repeatable), or `-` for stdin.
    #[arg(long = "flows", value_name = "FILE", required = true)]
    flows: Vec<String>,
    /// The format of the flow files.
    #[arg(long, value_enum, default_value = "auto")]
    format: FormatArg,
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
        eprint!("\rreading flows: {} lines, {mb:.1} MB, {:.0} lines/s   ", p.lines, p.lines as f64 / secs);
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

/// Runs `netpol flows`: exit 0 when every observed flow is allowed (or was observed dropped
/// and still is denied), 1 when observed traffic would be denied, 2 on bad input.
pub fn run(args: FlowsArgs) -> Outcome {
    let stdin_flows = args.flows.iter().filter(|f| *f == "-").count();
    if stdin_flows > 1 || (stdin_flows == 1 && args.input.inputs.iter().any(|i| i == "-")) {
        usage_error("stdin (`-`) can be read only once");
        return Outcome::BadInput;
    }
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let format = match args.format {
        FormatArg::Auto => FlowFormat::Auto,
        FormatArg::Hubble => FlowFormat::Hubble,
        FormatArg::Jsonl => FlowFormat::Jsonl,
        FormatArg::Csv => FlowFormat::Csv,
    };
    let mut builder = FlowSetBuilder::new(&engine);
    let mut progress = ProgressLine::new();
    let mut failed = false;
    for path in &args.flows {
        let mut update = |p: Progress| progress.update(p);
        let result = if path == "-" {
            builder.read(std::io::stdin().lock(), "<stdin>", format, &mut update)
        } else {
            match File::open(path) {
                Ok(file) => builder.read(BufReader::with_capacity(1 << 16, file), path, format, &mut update),
                Err(e) => {
                    usage_error(&format!("{path}: cannot read: {e}"));
                    failed = true;
                    continue;
                }
            }
        };
        if let Err(e) = result {
            progress.finish();
            for d in e.diagnostics() {
                usage_error(&d.to_string());
            }
            failed = true;
        }
    }
    progress.finish();
    if failed {
        return Outcome::BadInput;
    }
    let flows = builder.finish();
    let report = replay(&engine, &flows);
    let text = match args.output {
        FlowsOutput::Text => report.text(engine.cluster(), args.max_groups),
        FlowsOutput::Json => format!("{}\n", report.json(engine.cluster())),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
    if report.breaks_traffic() {
        Outcome::Denied
    } else {
        Outcome::Ok
    }
}
