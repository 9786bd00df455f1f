//! `netpol check`: decide one connection and say why; or every pod pair of two workloads, and
//! a port by its container port name.

use clap::{Args, ValueEnum};
use netpol::reach::Subject;
use netpol::report::{unknown_endpoint, CheckReport};
use netpol::{Endpoint, Engine, Protocol};
use serde_json::json;

use crate::input::{optional_protocol_arg, usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol check`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CheckFormat {
    /// The verdict, then per direction the isolating policies and the deciding rule.
    Text,
    /// `{"allowed": bool, "egress": {...}, "ingress": {...}}`; for workloads,
    /// `{"allowed": bool, "pairs": [...]}` with one such object per pod pair.
    Json,
}

/// The most pod pairs one `check` decides and explains (two workloads of 100 pods each).
const MAX_PAIRS: usize = 10_000;

/// Arguments of `netpol check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Source: `namespace/pod`, a workload `namespace/kind/name` (every pod of it), or an IP
    /// address.
    #[arg(long = "from", value_name = "SRC")]
    from: String,
    /// Destination: `namespace/pod`, a workload `namespace/kind/name`, or an IP address.
    #[arg(long = "to", value_name = "DST")]
    to: String,
    /// Destination port: a number (1-65535), or the name of a container port of the
    /// destination pods (such as `postgres`), whose number and protocol it then stands for.
    #[arg(long)]
    port: String,
    /// Protocol: TCP, UDP or SCTP (default TCP; for a named port, the container port's).
    #[arg(long)]
    protocol: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: CheckFormat,
}

/// The port asked for: a number, or a container port's name.
enum PortArg {
    Number(u16),
    Name(String),
}

/// Reads `--port`: a number in 1-65535, or a name as named ports have (an IANA service name).
fn port_arg(text: &str) -> Option<PortArg> {
    if let Ok(n) = text.parse::<u32>() {
        return (1..=65535).contains(&n).then_some(PortArg::Number(n as u16));
    }
    netpol::spec::names::is_iana_svc_name(text).then(|| PortArg::Name(text.to_string()))
}

/// The endpoints `text` names: one, or every pod of a workload; prints why not when none.
fn endpoints(engine: &Engine, text: &str, flag: &str) -> Option<Vec<Endpoint>> {
    if text.split('/').count() == 3 {
        if let Some(Subject::Workload { pods, .. }) = Subject::parse(engine, text) {
            return Some(pods.into_iter().map(Endpoint::Pod).collect());
        }
    }
    let found = engine.parse_endpoint(text).map(|e| vec![e]);
    if found.is_none() {
        usage_error(&unknown_endpoint(engine.cluster(), text, Some(flag)));
    }
    found
}

/// The number and protocol a named port stands for on `dst`; prints why not when it has none.
fn named_port(engine: &Engine, dst: Endpoint, name: &str, protocol: Option<Protocol>) -> Option<(u16, Protocol)> {
    let Endpoint::Pod(pod) = dst else {
        usage_error(&format!("--port {name}: a named port needs a destination pod or workload, not an address"));
        return None;
    };
    let pod = engine.cluster().pod(pod);
    let found = pod.ports.iter().find(|p| p.name.as_deref() == Some(name) && protocol.is_none_or(|x| x == p.protocol));
    if found.is_none() {
        let names: Vec<String> = pod
            .ports
            .iter()
            .filter_map(|p| p.name.as_ref().map(|n| format!("{n} ({}/{})", p.number, p.protocol)))
            .collect();
        let has =
            if names.is_empty() { "no named ports".to_string() } else { format!("named ports {}", names.join(", ")) };
        let of = protocol.map_or(String::new(), |p| format!(" of {p}"));
        usage_error(&format!(
            "--port {name}: {} has no container port named {name:?}{of}; it has {has}",
            pod.qualified_name()
        ));
    }
    found.map(|p| (p.number, p.protocol))
}

/// Runs `netpol check`.
pub fn run(args: CheckArgs) -> Outcome {
    let Ok(protocol) = optional_protocol_arg(args.protocol.as_deref()) else { return Outcome::BadInput };
    let Some(port) = port_arg(&args.port) else {
        usage_error(&format!("--port {:?}: a port number (1-65535) or a container port name", args.port));
        return Outcome::BadInput;
    };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let (Some(sources), Some(destinations)) =
        (endpoints(&engine, &args.from, "--from"), endpoints(&engine, &args.to, "--to"))
    else {
        return Outcome::BadInput;
    };
    if sources.len() * destinations.len() > MAX_PAIRS {
        usage_error(&format!(
            "{} x {} pod pairs: over the limit of {MAX_PAIRS} pod pairs one check explains; ask about fewer pods, or see `netpol reach`",
            sources.len(),
            destinations.len()
        ));
        return Outcome::BadInput;
    }
    // Each destination's port: a named port can stand for different numbers on different pods.
    let mut ports = Vec::with_capacity(destinations.len());
    for &dst in &destinations {
        ports.push(match &port {
            PortArg::Number(n) => (*n, protocol.unwrap_or(Protocol::Tcp)),
            PortArg::Name(name) => match named_port(&engine, dst, name, protocol) {
                Some(found) => found,
                None => return Outcome::BadInput,
            },
        });
    }
    let mut reports = Vec::new();
    for &src in &sources {
        for (&dst, &(port, protocol)) in destinations.iter().zip(&ports) {
            let report = CheckReport::new(&engine, src, dst, port, protocol);
            debug_assert_eq!(engine.decide(src, dst, port, protocol), report.verdict());
            reports.push(report);
        }
    }
    let allowed = reports.iter().filter(|r| r.verdict().is_allowed()).count();
    let outcome = if allowed == reports.len() { Outcome::Ok } else { Outcome::Denied };
    let text = match (&reports[..], args.output) {
        ([one], CheckFormat::Text) => one.to_text(),
        ([one], CheckFormat::Json) => format!("{}\n", one.to_json()),
        (many, CheckFormat::Json) => {
            let pairs: Vec<_> = many.iter().map(CheckReport::to_json).collect();
            format!("{}\n", json!({"allowed": allowed == many.len(), "pairs": pairs}))
        }
        (many, CheckFormat::Text) => {
            // The count, then one explanation per kind of answer: the first pair allowed and the
            // first denied; the other pairs by name.
            let mut text = format!("{allowed} of {} pod pairs allowed\n", many.len());
            for answer in [false, true] {
                let mut these = many.iter().filter(|r| r.verdict().is_allowed() == answer);
                let Some(first) = these.next() else { continue };
                text.push('\n');
                text.push_str(&first.to_text());
                for other in these {
                    text.push_str(&format!("  also {}\n", other.to_text().lines().next().unwrap_or_default()));
                }
            }
            text
        }
    };
    let text = if matches!(args.output, CheckFormat::Text) { output::paint(&text) } else { text.into() };
    output::print(&text, outcome)
}
