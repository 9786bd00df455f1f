//! `netpol connectivity`: for every ordered pod pair the allowed ports per protocol, and each
//! pod's reachable and reaching external IP ranges. Pairs with nothing allowed are omitted.
//! With `--group-by`, pods are folded into their workloads or namespaces. Output is written as
//! it is computed, so its size does not bound what the command can answer.

use clap::{Args, ValueEnum};
use netpol::report::{ConnectivityReport, GroupBy, GroupedConnectivity};

use crate::input::InputArgs;
use crate::{output, Outcome};

/// Output formats of `netpol connectivity`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ConnectivityFormat {
    /// One line per allowed pair and per external range, grouped by source (`text` is the same,
    /// as in every other command).
    #[value(alias = "text")]
    Table,
    /// `{"pairs": [...], "external": [...]}` (with --group-by: `{"group_by", "groups",
    /// "pairs"}`).
    Json,
    /// `from,to,protocol,ports` rows (with --group-by:
    /// `from,to,reach,allowed_pairs,pairs,protocol,ports,ports_every_pair`).
    Csv,
}

/// What `--group-by` folds pods into.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GroupByArg {
    /// The pod's workload (`namespace/deployment/api`; a pod without one is its own group).
    Workload,
    /// The pod's namespace.
    Namespace,
}

/// Arguments of `netpol connectivity`.
#[derive(Args, Debug)]
pub struct ConnectivityArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "table")]
    output: ConnectivityFormat,
    /// Fold pods into groups and print, for every ordered pair of groups with something
    /// allowed, whether all or only some of their pod pairs may connect (counted, a pod to
    /// itself left out), the ports some pair may use and the ports every pair may use. External
    /// address ranges are not listed in this form.
    #[arg(long, value_enum, value_name = "GROUP")]
    group_by: Option<GroupByArg>,
}

/// Runs `netpol connectivity`.
pub fn run(args: ConnectivityArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let report = ConnectivityReport::new(&engine);
    if let Some(by) = args.group_by {
        let by = match by {
            GroupByArg::Workload => GroupBy::Workload,
            GroupByArg::Namespace => GroupBy::Namespace,
        };
        let grouped = GroupedConnectivity::new(engine.cluster(), report.connectivity(), by);
        return output::write_with(
            |out| match args.output {
                ConnectivityFormat::Json => grouped.write_json(out).and_then(|()| out.write_all(b"\n")),
                ConnectivityFormat::Csv => grouped.write_csv(out),
                ConnectivityFormat::Table => grouped.write_text(out),
            },
            Outcome::Ok,
        );
    }
    output::write_with(
        |out| match args.output {
            ConnectivityFormat::Json => report.write_json(out).and_then(|()| out.write_all(b"\n")),
            ConnectivityFormat::Csv => report.write_csv(out),
            ConnectivityFormat::Table => report.write_text(out),
        },
        Outcome::Ok,
    )
}
