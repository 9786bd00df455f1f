//! `netpol verify`: check an expectations file against the cluster, print every broken
//! expectation with counterexamples and their explanations.

use clap::{Args, ValueEnum};
use netpol::verify::{verify, Expectations};
use netpol::{Source, TextLimits};

use crate::input::{report, usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol verify`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum VerifyFormat {
    /// `PASS`/`FAIL` per expectation, counterexamples with explanations, a summary line.
    Text,
    /// `{"origin", "passed", "failed", "expectations": [...]}`.
    Json,
    /// JUnit XML: one test case per expectation.
    Junit,
    /// SARIF 2.1.0 for code scanning: each broken expectation at its line of the expectations file.
    Sarif,
    /// A pull-request comment: the summary line first, failures with counterexamples folded.
    Markdown,
}

/// Arguments of `netpol verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The expectations file (YAML), or `-` for stdin.
    #[arg(long = "expect", value_name = "FILE")]
    expect: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: VerifyFormat,
    /// Refuse an expectations file with a line longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = TextLimits::EXPECTATIONS.max_line_bytes)]
    max_line_bytes: usize,
    /// Refuse an expectations file larger than this many bytes, before reading it (the cluster
    /// inputs have their own cap, --max-input-bytes).
    #[arg(long, value_name = "BYTES", default_value_t = TextLimits::EXPECTATIONS.max_bytes)]
    max_expect_bytes: u64,
}

/// Runs `netpol verify`: exit 0 when every expectation holds, 1 when one does not, 2 on bad
/// input or a bad expectations file.
pub fn run(args: VerifyArgs) -> Outcome {
    let Some(expectations) = read_expectations(&args) else { return Outcome::BadInput };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let result = verify(&engine, &expectations);
    let text = match args.output {
        VerifyFormat::Text => result.to_text(),
        VerifyFormat::Json => format!("{}\n", result.to_json(engine.cluster())),
        VerifyFormat::Junit => result.to_junit(),
        VerifyFormat::Sarif => format!("{:#}\n", result.to_sarif()),
        VerifyFormat::Markdown => result.to_markdown(),
    };
    let text = if matches!(args.output, VerifyFormat::Text) { output::paint(&text) } else { text.into() };
    output::print(&text, if result.all_passed() { Outcome::Ok } else { Outcome::Denied })
}

fn read_expectations(args: &VerifyArgs) -> Option<Expectations> {
    if args.expect == "-" && args.input.inputs.iter().any(|i| i == "-") {
        usage_error("--expect - and INPUT - cannot both read stdin");
        return None;
    }
    let limits = TextLimits { max_bytes: args.max_expect_bytes, max_line_bytes: args.max_line_bytes };
    report(Expectations::from_source_with(&Source::arg(&args.expect), limits))
}
