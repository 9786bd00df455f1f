//! `netpol check`: decide one connection and say why.

use clap::{Args, ValueEnum};
use netpol::report::{unknown_endpoint, CheckReport};
use netpol::Protocol;

use crate::input::{usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol check`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    /// The verdict, then per direction the isolating policies and the deciding rule.
    Text,
    /// `{"allowed": bool, "egress": {...}, "ingress": {...}}`.
    Json,
}

/// Arguments of `netpol check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Source: `namespace/pod` or an IP address.
    #[arg(long = "from", value_name = "SRC")]
    from: String,
    /// Destination: `namespace/pod` or an IP address.
    #[arg(long = "to", value_name = "DST")]
    to: String,
    /// Destination port (1-65535).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: u16,
    /// Protocol: TCP, UDP or SCTP.
    #[arg(long, default_value = "TCP")]
    protocol: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: CheckFormat,
}

/// Runs `netpol check`.
pub fn run(args: CheckArgs) -> Outcome {
    let Some(protocol) = Protocol::parse_loose(&args.protocol) else {
        usage_error(&format!("unknown protocol {:?}: use TCP, UDP or SCTP", args.protocol));
        return Outcome::BadInput;
    };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let endpoint = |text: &str, flag: &str| {
        let found = engine.parse_endpoint(text);
        if found.is_none() {
            usage_error(&unknown_endpoint(engine.cluster(), text, Some(flag)));
        }
        found
    };
    let (Some(src), Some(dst)) = (endpoint(&args.from, "--from"), endpoint(&args.to, "--to")) else {
        return Outcome::BadInput;
    };
    let verdict = engine.decide(src, dst, args.port, protocol);
    let report = CheckReport::new(&engine, src, dst, args.port, protocol);
    debug_assert_eq!(verdict, report.verdict());
    let text = match args.output {
        CheckFormat::Text => report.to_text(),
        CheckFormat::Json => format!("{}\n", report.to_json()),
    };
    output::print(&text, if verdict.is_allowed() { Outcome::Ok } else { Outcome::Denied })
}
