//! `netpol matrix`: the pod-to-pod truth table for one port and protocol.

use clap::{Args, ValueEnum};
use netpol::report::MatrixReport;

use crate::input::{known_namespaces, protocol_arg, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol matrix`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MatrixFormat {
    /// Aligned table with numbered columns and a legend (`text` is the same, as in every other
    /// command).
    #[value(alias = "text")]
    Table,
    /// `{"port", "protocol", "pods", "allowed"}`; rows are sources, columns destinations.
    Json,
    /// Header row of destinations, one row per source, cells 1 (allowed) or 0 (denied).
    Csv,
}

/// Arguments of `netpol matrix`.
#[derive(Args, Debug)]
pub struct MatrixArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Destination port (1-65535).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: u16,
    /// Protocol: TCP, UDP or SCTP.
    #[arg(long, default_value = "TCP")]
    protocol: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    output: MatrixFormat,
    /// Show only the pods of this namespace (repeatable), as rows and as columns.
    #[arg(long = "in-namespace", value_name = "NS")]
    in_namespace: Vec<String>,
}

/// Runs `netpol matrix`.
pub fn run(args: MatrixArgs) -> Outcome {
    let Some(protocol) = protocol_arg(&args.protocol) else { return Outcome::BadInput };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    if !known_namespaces(&engine, &args.in_namespace) {
        return Outcome::BadInput;
    }
    let report = MatrixReport::new(&engine, args.port, protocol).in_namespaces(&args.in_namespace);
    output::write_with(
        |out| match args.output {
            MatrixFormat::Json => report.write_json(out).and_then(|()| out.write_all(b"\n")),
            MatrixFormat::Csv => report.write_csv(out),
            MatrixFormat::Table => report.write_text(out),
        },
        Outcome::Ok,
    )
}
