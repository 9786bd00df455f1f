//! `netpol verify`: check an expectations file against the cluster, print every broken
//! expectation with counterexamples and their explanations.

use std::io::Read;

use clap::{Args, ValueEnum};
use netpol::verify::{verify, Expectations};

use crate::input::{usage_error, InputArgs};
use crate::Outcome;

/// Output formats of `netpol verify`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum VerifyFormat {
    /// `PASS`/`FAIL` per expectation, counterexamples with explanations, a summary line.
    Text,
    /// `{"origin", "passed", "failed", "expectations": [...]}`.
    Json,
    /// JUnit XML: one test case per expectation.
    Junit,
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
}

/// Runs `netpol verify`: exit 0 when every expectation holds, 1 when one does not, 2 on bad
/// input or a bad expectations file.
pub fn run(args: VerifyArgs) -> Outcome {
    let Some(expectations) = read_expectations(&args) else { return Outcome::BadInput };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let report = verify(&engine, &expectations);
    let text = match args.output {
        VerifyFormat::Text => report.text(),
        VerifyFormat::Json => format!("{}\n", report.json(engine.cluster())),
        VerifyFormat::Junit => report.junit(),
    };
    print!("{text}");
    if report.all_passed() {
        Outcome::Ok
    } else {
        Outcome::Denied
    }
}

fn read_expectations(args: &VerifyArgs) -> Option<Expectations> {
    let (text, origin) = if args.expect == "-" {
        if args.input.inputs.iter().any(|i| i == "-") {
            usage_error("--expect - and INPUT - cannot both read stdin");
            return None;
        }
        let mut text = String::new();
        if let Err(e) = std::io::stdin().lock().read_to_string(&mut text) {
            usage_error(&format!("<stdin>: cannot read: {e}"));
            return None;
        }
        (text, "<stdin>".to_string())
    } else {
        match std::fs::read_to_string(&args.expect) {
            Ok(text) => (text, args.expect.clone()),
            Err(e) => {
                usage_error(&format!("{}: cannot read: {e}", args.expect));
                return None;
            }
        }
    };
    match Expectations::from_yaml_str(&text, &origin) {
        Ok(expectations) => Some(expectations),
        Err(e) => {
            for d in e.diagnostics() {
                usage_error(&d.to_string());
            }
            None
        }
    }
}
