//! `netpol suggest`: least-privilege NetworkPolicies from observed traffic. Prints the policies
//! (YAML for `kubectl apply -f`, or a JSON List) on stdout and a summary on stderr: how many
//! policies, the self-check (every observed flow replayed through the engine against the emitted
//! policies), and the reachable pod pairs before and after.

use clap::{Args, ValueEnum};
use netpol::suggest::{input_warnings, suggest_checked};

use crate::input::{FlowFileArgs, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol suggest`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SuggestOutput {
    /// A multi-document YAML stream with a comment above each policy.
    Yaml,
    /// A `v1/List` of the policies.
    Json,
}

/// Arguments of `netpol suggest`.
#[derive(Args, Debug)]
pub struct SuggestArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    flows: FlowFileArgs,
    /// Also allow flows with a record observed DROPPED (by default they stay denied: the
    /// current policies refused them).
    #[arg(long)]
    include_dropped: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: SuggestOutput,
}

/// Runs `netpol suggest`: exit 0 with the policies printed, 2 on bad input, or when the
/// self-check fails (a bug in netpol: nothing is printed then).
pub fn run(args: SuggestArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let cluster = engine.cluster();
    let Some(set) = args.flows.read(&engine, &args.input.inputs, &mut |_| {}) else { return Outcome::BadInput };
    output::eprint(&input_warnings(&set));
    let report = match suggest_checked(&engine, &set, args.include_dropped) {
        Ok(report) => report,
        Err(failure) => {
            output::eprint(&failure.to_text(cluster));
            return Outcome::BadInput;
        }
    };
    output::eprint(&report.notes(cluster));
    let outcome = match args.output {
        SuggestOutput::Yaml => output::write_with(|out| report.suggestion.write_yaml(out), Outcome::Ok),
        SuggestOutput::Json => output::print(&report.suggestion.to_json(), Outcome::Ok),
    };
    output::eprint(&report.summary(cluster));
    outcome
}
