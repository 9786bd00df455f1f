//! `netpol reach`: who may reach a pod, a workload or an address (`--to`), or what it may reach
//! (`--from`), with ports and the rules that grant them.

use clap::{ArgGroup, Args, ValueEnum};
use netpol::reach::{reach, Subject};
use netpol::report::unknown_subject;
use netpol::Direction;

use crate::input::{usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol reach`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReachFormat {
    /// A statement, then a table: peer, namespace, pods, ports, granted by.
    Text,
    /// `{"direction", "subject", "statement", "parts": [...]}` (see the README).
    Json,
    /// A heading, the statement and a Markdown table.
    Markdown,
}

/// Arguments of `netpol reach`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("endpoint").required(true).args(["to", "from"])))]
pub struct ReachArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Who may open connections to ENDPOINT: `namespace/pod`, a workload
    /// `namespace/kind/name` (all its pods), or an IP address.
    #[arg(long, value_name = "ENDPOINT")]
    to: Option<String>,
    /// What ENDPOINT may open connections to (same forms as --to).
    #[arg(long, value_name = "ENDPOINT")]
    from: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: ReachFormat,
}

/// Runs `netpol reach`.
pub fn run(args: ReachArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let (flag, text, direction) = match (&args.to, &args.from) {
        (Some(to), _) => ("--to", to, Direction::Ingress),
        (None, Some(from)) => ("--from", from, Direction::Egress),
        (None, None) => unreachable!("clap requires one"),
    };
    let Some(subject) = Subject::parse(&engine, text) else {
        usage_error(&unknown_subject(engine.cluster(), text, Some(flag)));
        return Outcome::BadInput;
    };
    let result = reach(&engine, &subject, direction);
    let text = match args.output {
        ReachFormat::Text => result.to_text(),
        ReachFormat::Json => format!("{}\n", result.to_json()),
        ReachFormat::Markdown => result.to_markdown(),
    };
    output::print(&text, Outcome::Ok)
}
