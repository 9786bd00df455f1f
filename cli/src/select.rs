//! `netpol select`: which policies select a pod and which rules name it as a peer (`--pod`),
//! or which pods a policy selects and what each of its rules admits (`--policy`).

use clap::{Args, ValueEnum};
use netpol::report::unknown_endpoint;
use netpol::select::{select_pod, select_policy};

use crate::input::{usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol select`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SelectFormat {
    /// Lines per direction and rule, with paths.
    Text,
    /// One JSON object.
    Json,
}

/// Arguments of `netpol select`.
#[derive(Args, Debug)]
pub struct SelectArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The pod (`namespace/name`): the policies that select it, per direction, and the rules
    /// that name it as a peer.
    #[arg(long, value_name = "NS/NAME", required_unless_present = "policy", conflicts_with = "policy")]
    pod: Option<String>,
    /// The policy (`namespace/name` for a NetworkPolicy; a cluster policy's name, or
    /// `Kind/name`): the pods it selects and what each rule admits.
    #[arg(long, value_name = "NAME")]
    policy: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: SelectFormat,
}

/// Runs `netpol select`.
pub fn run(args: SelectArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let (cluster, options) = (engine.cluster(), engine.options());
    let (text, json) = if let Some(pod) = &args.pod {
        let Some(id) = engine.pod_id(pod) else {
            usage_error(&unknown_endpoint(cluster, pod, Some("--pod")));
            return Outcome::BadInput;
        };
        let found = select_pod(cluster, id, options);
        (found.to_text(), found.to_json())
    } else {
        let name = args.policy.as_deref().unwrap_or_default();
        let Some(found) = select_policy(cluster, name, options) else {
            usage_error(&format!(
                "--policy: no policy {name:?} (a NetworkPolicy is namespace/name; a cluster policy its name)"
            ));
            return Outcome::BadInput;
        };
        (found.to_text(), found.to_json())
    };
    match args.output {
        SelectFormat::Text => output::print(&text, Outcome::Ok),
        SelectFormat::Json => output::print(&format!("{json}\n"), Outcome::Ok),
    }
}
