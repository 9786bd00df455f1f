//! `netpol matrix`: the pod-to-pod truth table for one port and protocol.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use netpol::{Engine, PodId, Protocol};

use crate::input::{usage_error, InputArgs};
use crate::Outcome;

/// Output formats of `netpol matrix`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum MatrixFormat {
    /// Aligned table with numbered columns and a legend.
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
}

/// Runs `netpol matrix`.
pub fn run(args: MatrixArgs) -> Outcome {
    let Some(protocol) = Protocol::parse_loose(&args.protocol) else {
        usage_error(&format!("unknown protocol {:?}: use TCP, UDP or SCTP", args.protocol));
        return Outcome::BadInput;
    };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let text = match args.output {
        MatrixFormat::Json => format!("{}\n", netpol::report::matrix_json(&engine, args.port, protocol)),
        MatrixFormat::Csv => csv_output(&engine, args.port, protocol),
        MatrixFormat::Table => table_output(&engine, args.port, protocol),
    };
    print!("{text}");
    Outcome::Ok
}

fn names(engine: &Engine) -> Vec<String> {
    engine.cluster().pods().iter().map(|p| p.qualified_name()).collect()
}

/// Rows of booleans, sources by destinations, in the cluster's pod order (namespace, name).
fn rows(engine: &Engine, port: u16, protocol: Protocol) -> Vec<Vec<bool>> {
    let matrix = engine.matrix(port, protocol);
    let n = matrix.len();
    (0..n).map(|s| (0..n).map(|d| matrix.allowed(PodId(s as u32), PodId(d as u32))).collect()).collect()
}

/// Quotes a CSV field when it needs it (pod names cannot hold commas or quotes, but be safe).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv_output(engine: &Engine, port: u16, protocol: Protocol) -> String {
    let names = names(engine);
    let mut out = String::from("from\\to");
    for n in &names {
        out.push(',');
        out.push_str(&csv_field(n));
    }
    out.push('\n');
    for (name, row) in names.iter().zip(rows(engine, port, protocol)) {
        out.push_str(&csv_field(name));
        for cell in row {
            out.push_str(if cell { ",1" } else { ",0" });
        }
        out.push('\n');
    }
    out
}

fn table_output(engine: &Engine, port: u16, protocol: Protocol) -> String {
    let names = names(engine);
    let rows = rows(engine, port, protocol);
    let mut out = String::new();
    let _ = writeln!(out, "{port}/{protocol}: may the row pod reach the column pod?");
    if names.is_empty() {
        out.push_str("(no pods)\n");
        return out;
    }
    let num_width = names.len().to_string().len();
    let name_width = names.iter().map(String::len).max().unwrap_or(0);
    let cell_width = num_width + 1;
    let _ = write!(out, "{:>w$}  {:<nw$} ", "", "from \\ to", w = num_width, nw = name_width);
    for i in 1..=names.len() {
        let _ = write!(out, "{i:>cell_width$}");
    }
    out.push('\n');
    let (mut allowed, mut total) = (0, 0);
    for (i, (name, row)) in names.iter().zip(&rows).enumerate() {
        let _ = write!(out, "{:>w$}  {:<nw$} ", i + 1, name, w = num_width, nw = name_width);
        for &cell in row {
            let _ = write!(out, "{:>cell_width$}", if cell { "✓" } else { "." });
            total += 1;
            allowed += usize::from(cell);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "\nlegend: ✓ allowed, . denied; columns are numbered as the rows");
    let _ = writeln!(out, "{allowed} of {total} pod pairs allowed");
    out
}
