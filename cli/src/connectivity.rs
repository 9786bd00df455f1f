//! `netpol connectivity`: for every ordered pod pair the allowed ports per protocol, and each
//! pod's reachable and reaching external IP ranges. Pairs with nothing allowed are omitted.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use netpol::report::{cidr_strings, range_strings};
use netpol::{Engine, PortSet, Protocol};

use crate::input::InputArgs;
use crate::Outcome;

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
    let text = match args.output {
        ConnectivityFormat::Json => format!("{}\n", netpol::report::connectivity_json(&engine)),
        ConnectivityFormat::Csv => csv_output(&engine),
        ConnectivityFormat::Table => table_output(&engine),
    };
    print!("{text}");
    Outcome::Ok
}

fn csv_output(engine: &Engine) -> String {
    let conn = engine.connectivity();
    let cluster = engine.cluster();
    let mut out = String::from("from,to,protocol,ports\n");
    let mut row = |from: &str, to: &str, set: &PortSet| {
        for p in Protocol::ALL {
            if set.ranges(p).is_empty() {
                continue;
            }
            let ports = if set.is_all(p) { "all".to_string() } else { range_strings(set, p).join(";") };
            let _ = writeln!(out, "{from},{to},{p},{ports}");
        }
    };
    for (s, d, set) in conn.pairs() {
        row(&cluster.pod(s).qualified_name(), &cluster.pod(d).qualified_name(), set);
    }
    for i in 0..cluster.pods().len() {
        let pod = netpol::PodId(i as u32);
        let name = cluster.pod(pod).qualified_name();
        for (r, set) in conn.egress_external(pod) {
            for cidr in cidr_strings(&r) {
                row(&name, &cidr, set);
            }
        }
        for (r, set) in conn.ingress_external(pod) {
            for cidr in cidr_strings(&r) {
                row(&cidr, &name, set);
            }
        }
    }
    out
}

fn table_output(engine: &Engine) -> String {
    let conn = engine.connectivity();
    let cluster = engine.cluster();
    let pairs = conn.pairs();
    let mut out = String::new();
    let width = cluster.pods().iter().map(|p| p.qualified_name().len()).max().unwrap_or(0);
    let _ = writeln!(out, "{} allowed pod pairs (self traffic included)", pairs.len());
    let mut last = None;
    for (s, d, set) in &pairs {
        let from = if last == Some(*s) { String::new() } else { cluster.pod(*s).qualified_name() };
        last = Some(*s);
        let _ = writeln!(out, "{from:<width$} -> {:<width$}  {set}", cluster.pod(*d).qualified_name());
    }
    let _ = writeln!(out, "\nexternal addresses:");
    for i in 0..cluster.pods().len() {
        let pod = netpol::PodId(i as u32);
        let name = cluster.pod(pod).qualified_name();
        for (r, set) in conn.egress_external(pod) {
            let _ = writeln!(out, "{name:<width$} -> {}  {set}", cidr_strings(&r).join(","));
        }
        for (r, set) in conn.ingress_external(pod) {
            let _ = writeln!(out, "{name:<width$} <- {}  {set}", cidr_strings(&r).join(","));
        }
    }
    out
}
