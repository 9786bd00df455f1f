//! `netpol reach`: who may reach a pod, a workload or an address (`--to`), or what it may reach
//! (`--from`), with ports and the rules that grant them.

use clap::{ArgGroup, Args, ValueEnum};
use netpol::exposure::{exposure, Exposure};
use netpol::reach::{reach, Subject};
use netpol::report::unknown_subject;
use netpol::Direction;

use crate::input::{protocol_arg, usage_error, InputArgs};
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
    /// Also list the selectors through which future pods, namespaces and addresses could reach
    /// it (--to) or it could reach (--from): every peer of every rule that applies, with its
    /// ports, scope (the entire cluster, every address, ...) and rule path, also those that
    /// match nothing today. A pod or workload only.
    #[arg(long)]
    exposure: bool,
    /// Only what is allowed on this port (1-65535), with the grants that cover it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// Protocol of --port: TCP, UDP or SCTP.
    #[arg(long, default_value = "TCP", requires = "port")]
    protocol: String,
}

/// Runs `netpol reach`.
pub fn run(args: ReachArgs) -> Outcome {
    let Some(protocol) = protocol_arg(&args.protocol) else { return Outcome::BadInput };
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
    let exposures = if args.exposure {
        let pods = match &subject {
            Subject::Pod(pod) => vec![*pod],
            Subject::Workload { pods, .. } => pods.clone(),
            _ => {
                usage_error(&format!("{flag} {text}: --exposure is about a pod or a workload, not an address"));
                return Outcome::BadInput;
            }
        };
        // Pods of one workload usually share their labels: one exposure per distinct answer.
        let mut distinct: Vec<Exposure> = Vec::new();
        for pod in pods {
            let e = exposure(engine.cluster(), pod, direction, engine.options());
            if !distinct.iter().any(|d| d.isolating == e.isolating && d.entries == e.entries) {
                distinct.push(e);
            }
        }
        distinct
    } else {
        Vec::new()
    };
    let mut result = reach(&engine, &subject, direction);
    let only = args.port.map(|port| format!("{port}/{protocol}"));
    if let Some(port) = args.port {
        result = result.on_port(port, protocol);
    }
    let heading = only.as_ref().map_or(String::new(), |only| format!("On {only} only.\n"));
    let text = match args.output {
        ReachFormat::Text => {
            let mut text = heading + &result.to_text();
            for e in &exposures {
                text.push('\n');
                text.push_str(&e.to_text());
            }
            text
        }
        ReachFormat::Json => {
            let mut json = result.to_json();
            if let Some(only) = &only {
                json["only_port"] = only.as_str().into();
            }
            if args.exposure {
                json["exposure"] = exposures.iter().map(Exposure::to_json).collect();
            }
            format!("{json}\n")
        }
        ReachFormat::Markdown => {
            let mut text = heading + &result.to_markdown();
            for e in &exposures {
                text.push_str(&e.to_markdown());
                text.push('\n');
            }
            text
        }
    };
    output::print(&text, Outcome::Ok)
}
