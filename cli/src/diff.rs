//! `netpol diff`: what a change to the inputs does to traffic. Compares two clusters (two
//! commits of a manifest repository, or a live dump and the manifests) and prints every changed
//! connection, folded by workload and namespace, with the policies that caused it.

use clap::{Args, ValueEnum};
use netpol::diff::diff;
use netpol::SelfTraffic;

use crate::input::{ip_block_pod_ips_parser, self_traffic_parser, usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol diff`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DiffFormat {
    /// A summary, then newly allowed and newly denied connections with their causes.
    Text,
    /// `{"summary", "changes", "external", "added", "removed", "policies"}`.
    Json,
    /// A pull-request comment: the summary line first, then a table per side, long ones folded.
    Markdown,
}

/// Arguments of `netpol diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// The cluster before: YAML or JSON files, directories, or `-` for stdin.
    #[arg(long, value_name = "INPUT", num_args = 1.., required = true)]
    before: Vec<String>,
    /// The cluster after, alike.
    #[arg(long, value_name = "INPUT", num_args = 1.., required = true)]
    after: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: DiffFormat,
    /// Exit 1 when anything is newly allowed.
    #[arg(long)]
    fail_on_change: bool,
    /// How a pod's traffic to itself is decided.
    #[arg(long, default_value = "allow", value_parser = self_traffic_parser())]
    self_traffic: SelfTraffic,
    /// Whether ipBlocks match pod IPs.
    #[arg(long = "ipblock-pod-ips", default_value = "match", action = clap::ArgAction::Set, value_parser = ip_block_pod_ips_parser())]
    ipblock_pod_ips: bool,
    /// How cluster policies of one tier at one priority that disagree are decided.
    #[arg(long, default_value = "deny-wins", value_parser = crate::input::tie_parser())]
    tie: netpol::spec::Tie,
    /// Skip objects the API server would reject (with a warning) instead of failing.
    #[arg(long)]
    lenient: bool,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, default_value_t = netpol::k8s::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: usize,
    /// The namespace of objects that name none (default: `default`).
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
    /// Accept an input without any object (an empty file or directory, `/dev/null`, empty
    /// stdin) as part of an empty cluster; by default it is an error.
    #[arg(long)]
    allow_empty: bool,
}

impl DiffArgs {
    fn side(&self, inputs: &[String]) -> InputArgs {
        InputArgs {
            inputs: inputs.to_vec(),
            self_traffic: self.self_traffic,
            ipblock_pod_ips: self.ipblock_pod_ips,
            tie: self.tie,
            dns_map: None,
            lenient: self.lenient,
            max_input_bytes: self.max_input_bytes,
            namespace: self.namespace.clone(),
            limits: Vec::new(),
            max_memory: None,
            allow_empty: self.allow_empty,
        }
    }
}

/// Runs `netpol diff`.
pub fn run(args: DiffArgs) -> Outcome {
    if args.before.iter().chain(&args.after).filter(|i| *i == "-").count() > 1 {
        usage_error("stdin (`-`) can be read only once: give it to --before or --after, not both");
        return Outcome::BadInput;
    }
    let Some(before) = args.side(&args.before).engine() else { return Outcome::BadInput };
    let Some(after) = args.side(&args.after).engine() else { return Outcome::BadInput };
    let d = diff(&before, &after);
    let text = match args.output {
        DiffFormat::Text => d.to_text(),
        DiffFormat::Json => format!("{}\n", d.to_json()),
        DiffFormat::Markdown => d.to_markdown(),
    };
    let outcome = if args.fail_on_change && d.newly_allows() {
        Outcome::Denied // Exit 1: something is newly allowed.
    } else {
        Outcome::Ok
    };
    output::print(&text, outcome)
}
