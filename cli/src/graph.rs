//! `netpol graph`: the allowed connections as a graph (Graphviz dot, Mermaid or JSON):
//! namespaces as clusters, workloads as nodes, external address sets as nodes, edges labelled
//! with ports.

use clap::{Args, ValueEnum};

use crate::input::InputArgs;
use crate::{output, Outcome};

/// Output formats of `netpol graph`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz: `netpol graph c.yaml | dot -Tpng -o graph.png`.
    Dot,
    /// A Mermaid flowchart (renders in GitHub Markdown).
    Mermaid,
    /// `{"nodes": [...], "edges": [...]}`.
    Json,
}

/// Arguments of `netpol graph`.
#[derive(Args, Debug)]
pub struct GraphArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "dot")]
    output: GraphFormat,
    /// Only connections allowed on this port (any protocol).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
}

/// Runs `netpol graph`.
pub fn run(args: GraphArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let graph = netpol::graph::graph(&engine, args.port);
    let text = match args.output {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Mermaid => graph.to_mermaid(),
        GraphFormat::Json => format!("{}\n", graph.to_json()),
    };
    output::print(&text, Outcome::Ok)
}
