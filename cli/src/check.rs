//! `netpol check`: decide one connection and say why.

use std::fmt::Write as _;

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
        CheckFormat::Text => text_output(&engine, src, dst, args.port, protocol, &explanation),
        CheckFormat::Json => format!("{}\n", json_output(&engine, src, dst, args.port, protocol, &explanation)),
    };
    print!("{text}");
    if verdict.is_allowed() {
        Outcome::Ok
    } else {
        Outcome::Denied
    }
}

/// How an endpoint is shown: `namespace/pod`, or the IP.
fn endpoint_name(cluster: &Cluster, endpoint: Endpoint) -> String {
    match endpoint {
        Endpoint::Pod(p) => cluster.pod(p).qualified_name(),
        Endpoint::Ip(ip) => ip.to_string(),
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
        "from": endpoint_name(cluster, src),
        "to": endpoint_name(cluster, dst),
        "port": port,
        "protocol": protocol.as_str(),
        "egress": direction_json(cluster, &e.egress),
        "ingress": direction_json(cluster, &e.ingress),
    })
}

fn direction_text(out: &mut String, cluster: &Cluster, who: &str, d: &DirectionExplanation) {
    let verdict = if d.allowed() { "allowed" } else { "DENIED" };
    let _ = writeln!(out, "{} at {who}: {verdict}", d.direction.field());
    match d.reason {
        Reason::NotAPod => {
            let _ =
                writeln!(out, "  {who} is an IP outside the cluster's pods: {} is not checked", d.direction.field());
        }
        Reason::SelfTraffic => {
            let _ = writeln!(out, "  a pod may always reach itself (--self-traffic allow)");
        }
        Reason::NotIsolated => {
            let _ = writeln!(out, "  not isolated: no policy selects {who} with policy type {}", d.direction);
        }
        Reason::Admitted | Reason::NoRuleAdmits => {
            let names: Vec<String> = d.isolating.iter().map(|&id| cluster.policy(id).qualified_name()).collect();
            let _ = writeln!(out, "  isolated by: {}", names.join(", "));
            for r in &d.admitting {
                let _ = writeln!(out, "  admitted by {} {}", cluster.policy(r.policy).qualified_name(), r.yaml_path());
            }
            if d.reason == Reason::NoRuleAdmits {
                let _ = writeln!(out, "  no rule admits");
                for m in &d.misses {
                    let why = match (m.peer_matched, m.port_matched) {
                        (false, false) => "neither peer nor port matches",
                        (false, true) => "peer does not match",
                        (true, false) => "port does not match",
                        (true, true) => "matches",
                    };
                    let name = cluster.policy(m.policy).qualified_name();
                    let _ = writeln!(out, "    {name} spec.{}[{}]: {why}", d.direction.field(), m.rule);
                }
                for &id in &d.isolating {
                    if cluster.policy(id).rules(d.direction).is_empty() {
                        let name = cluster.policy(id).qualified_name();
                        let _ = writeln!(
                            out,
                            "    {name}: no {} rules (denies all {})",
                            d.direction.field(),
                            d.direction.field()
                        );
                    }
                }
            }
        }
        _ => {}
    }
}

fn text_output(
    engine: &Engine,
    src: Endpoint,
    dst: Endpoint,
    port: u16,
    protocol: Protocol,
    e: &Explanation,
) -> String {
    let cluster = engine.cluster();
    let (from, to) = (endpoint_name(cluster, src), endpoint_name(cluster, dst));
    let mut out = String::new();
    let verdict = if e.allowed() { "ALLOWED" } else { "DENIED" };
    let _ = writeln!(out, "{verdict}: {from} -> {to} on {port}/{protocol}");
    direction_text(&mut out, cluster, &from, &e.egress);
    direction_text(&mut out, cluster, &to, &e.ingress);
    out
}
