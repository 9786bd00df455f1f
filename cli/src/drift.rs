//! `netpol drift`: the live policies against those kept in Git, once (for CI): policies only
//! live, only in Git or different, and the connections the difference opens or closes. Exit 1
//! on drift. `netpol watch --desired` reports the same continuously.

use clap::{Args, ValueEnum};
use netpol::diff::drift::drift;

use crate::input::{usage_error, InputArgs, LoadArgs};
use crate::{output, Outcome};

/// Output formats of `netpol drift`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DriftFormat {
    /// The policies that differ, then what the difference does to connections.
    Text,
    /// `{"drift", "only_live", "different", "only_desired", "connectivity"}`.
    Json,
}

/// Arguments of `netpol drift`.
#[derive(Args, Debug)]
pub struct DriftArgs {
    /// The live cluster: a dump (`kubectl get namespaces,pods,networkpolicies -A -o json`),
    /// files or directories, or `-` for stdin.
    #[command(flatten)]
    live: InputArgs,
    /// The desired policies: manifests as kept in Git (files or directories).
    #[arg(long, value_name = "INPUT", num_args = 1.., required = true)]
    desired: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: DriftFormat,
}

/// Runs `netpol drift`.
pub fn run(args: DriftArgs) -> Outcome {
    if args.desired.iter().any(|d| d == "-") && args.live.inputs.iter().any(|i| i == "-") {
        usage_error("stdin (`-`) can be read only once: give it to the live input or --desired, not both");
        return Outcome::BadInput;
    }
    let Some(engine) = args.live.engine() else { return Outcome::BadInput };
    let load = LoadArgs { allow_empty: true, ..args.live.load.clone() };
    let desired_input = InputArgs { inputs: args.desired.clone(), load };
    // Manifests name namespaces they do not hold: no warning about assuming them.
    let loaded = netpol::load(&desired_input.sources(), &desired_input.config());
    let Some(desired) = crate::input::report(loaded) else { return Outcome::BadInput };
    let result = drift(&engine, &desired);
    let text = match args.output {
        DriftFormat::Text => result.to_text(),
        DriftFormat::Json => format!("{}\n", result.to_json()),
    };
    // Exit 1 on drift.
    output::print(&text, if result.is_empty() { Outcome::Ok } else { Outcome::Denied })
}
