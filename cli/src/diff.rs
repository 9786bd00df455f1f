//! `netpol diff`: what a change to the inputs does to traffic. Compares two clusters (two
//! commits of a manifest repository, or a live dump and the manifests) and prints every changed
//! connection, folded by workload and namespace, with the policies that caused it.

use clap::{Args, ValueEnum};
use netpol::diff::diff;

use crate::input::{usage_error, InputArgs, LoadArgs};
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

/// The changes `netpol diff --fail-on` fails on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFailOn {
    /// Anything newly allowed (pod pairs or outside addresses).
    Allowed,
    /// Anything newly denied.
    Denied,
    /// Any change of traffic, either way.
    Any,
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
    /// Exit 1 when traffic changes this way: newly allowed (a hole opened), newly denied
    /// (something may break), or either.
    #[arg(long, value_enum, value_name = "CHANGE")]
    fail_on: Option<DiffFailOn>,
    /// Exit 1 when anything is newly allowed: `--fail-on allowed`.
    #[arg(long, conflicts_with = "fail_on")]
    fail_on_change: bool,
    /// How both sides are read and evaluated.
    #[command(flatten)]
    load: LoadArgs,
}

impl DiffArgs {
    fn side(&self, inputs: &[String]) -> InputArgs {
        InputArgs { inputs: inputs.to_vec(), load: self.load.clone() }
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
    let fail_on = args.fail_on.or(args.fail_on_change.then_some(DiffFailOn::Allowed));
    let failed = match fail_on {
        None => false,
        Some(DiffFailOn::Allowed) => d.newly_allows(),
        Some(DiffFailOn::Denied) => d.newly_denies(),
        Some(DiffFailOn::Any) => d.newly_allows() || d.newly_denies(),
    };
    let outcome = if failed {
        Outcome::Denied // Exit 1: traffic changed the way --fail-on names.
    } else {
        Outcome::Ok
    };
    output::print(&text, outcome)
}
