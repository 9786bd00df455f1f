//! `netpol connectivity`: for every ordered pod pair the allowed ports per protocol, and each
//! pod's reachable and reaching external IP ranges. Pairs with nothing allowed are omitted.

use clap::{Args, ValueEnum};
use netpol::report::ConnectivityReport;

use crate::input::InputArgs;
use crate::{output, Outcome};

/// Output formats of `netpol connectivity`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ConnectivityFormat {
    /// One line per allowed pair and per external range, grouped by source.
    Table,
    /// `{"pairs": [...], "external": [...]}`.
    Json,
    /// `from,to,protocol,ports` rows.
    Csv,
}

/// Arguments of `netpol connectivity`.
#[derive(Args, Debug)]
pub struct ConnectivityArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    output: ConnectivityFormat,
}

/// Runs `netpol connectivity`.
pub fn run(args: ConnectivityArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let report = ConnectivityReport::new(&engine);
    let text = match args.output {
        ConnectivityFormat::Json => format!("{}\n", report.to_json()),
        ConnectivityFormat::Csv => report.to_csv(),
        ConnectivityFormat::Table => report.to_text(),
    };
    output::print(&text, Outcome::Ok)
}
