//! `netpol check`: decide one connection and say why.

use clap::{Args, ValueEnum};
use netpol::{Cluster, DirectionExplanation, Endpoint, Engine, Explanation, Protocol, Reason};
use serde_json::{json, Value};

use crate::input::{usage_error, InputArgs};
use crate::Outcome;

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
            usage_error(&format!("{flag} {text:?}: no such pod in the input (use namespace/pod, or an IP address)"));
        }
        found
    };
    let (Some(src), Some(dst)) = (endpoint(&args.from, "--from"), endpoint(&args.to, "--to")) else {
        return Outcome::BadInput;
    };
    let verdict = engine.decide(src, dst, args.port, protocol);
    let explanation = engine.explain(src, dst, args.port, protocol);
    debug_assert_eq!(verdict, explanation.verdict());
    let text = match args.output {
        CheckFormat::Text => explanation.report(engine.cluster(), src, dst, args.port, protocol),
        CheckFormat::Json => format!("{}\n", json_output(&engine, src, dst, args.port, protocol, &explanation)),
    };
    print!("{text}");
    if verdict.is_allowed() {
        Outcome::Ok
    } else {
        Outcome::Denied
    }
}

fn reason_id(reason: Reason) -> &'static str {
    match reason {
        Reason::NotAPod => "not-a-pod",
        Reason::SelfTraffic => "self-traffic",
        Reason::NotIsolated => "not-isolated",
        Reason::Admitted => "admitted",
        Reason::NoRuleAdmits => "no-rule-admits",
        _ => "other",
    }
}

fn direction_json(cluster: &Cluster, d: &DirectionExplanation) -> Value {
    let policy = |id| cluster.policy(id).qualified_name();
    json!({
        "allowed": d.allowed(),
        "reason": reason_id(d.reason),
        "isolating_policies": d.isolating.iter().map(|&id| policy(id)).collect::<Vec<_>>(),
        "admitted_by": d.admitting.iter().map(|r| json!({
            "policy": policy(r.policy),
            "rule": r.rule,
            "peer": r.peer,
            "port": r.port,
            "path": r.yaml_path(),
        })).collect::<Vec<_>>(),
        "not_admitting": d.misses.iter().map(|m| json!({
            "policy": policy(m.policy),
            "rule": m.rule,
            "path": format!("spec.{}[{}]", d.direction.field(), m.rule),
            "peer_matched": m.peer_matched,
            "port_matched": m.port_matched,
        })).collect::<Vec<_>>(),
    })
}

fn json_output(engine: &Engine, src: Endpoint, dst: Endpoint, port: u16, protocol: Protocol, e: &Explanation) -> Value {
    let cluster = engine.cluster();
    json!({
        "allowed": e.allowed(),
        "from": netpol::endpoint_name(cluster, src),
        "to": netpol::endpoint_name(cluster, dst),
        "port": port,
        "protocol": protocol.as_str(),
        "egress": direction_json(cluster, &e.egress),
        "ingress": direction_json(cluster, &e.ingress),
    })
}
