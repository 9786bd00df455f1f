//! `netpol graph`: the allowed connections as a graph (Graphviz dot, Mermaid or JSON):
//! namespaces as clusters, workloads as nodes, external address sets as nodes, edges labelled
//! with ports.

use clap::{Args, ValueEnum};
use netpol::graph::{try_graph, GraphOptions};

use crate::input::{known_namespaces, optional_protocol_arg, InputArgs};
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
    /// Only connections allowed on this port (of any protocol, unless --protocol says which).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,
    /// Protocol of --port: TCP, UDP or SCTP.
    #[arg(long, requires = "port")]
    protocol: Option<String>,
    /// Draw only the workloads of this namespace (repeatable), with their connections among
    /// themselves and with outside addresses.
    #[arg(long = "in-namespace", value_name = "NS")]
    in_namespace: Vec<String>,
    /// Refuse (exit 2) a graph of more nodes than this (workloads and address sets): past a few
    /// hundred nodes a drawing is unreadable, and large ones take long to compute. Filter with
    /// --in-namespace, or raise the limit.
    #[arg(long, value_name = "N", default_value_t = 500)]
    max_nodes: usize,
}

/// Runs `netpol graph`.
pub fn run(args: GraphArgs) -> Outcome {
    let Ok(protocol) = optional_protocol_arg(args.protocol.as_deref()) else { return Outcome::BadInput };
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    if !known_namespaces(&engine, &args.in_namespace) {
        return Outcome::BadInput;
    }
    let options = GraphOptions::new()
        .port(args.port)
        .protocol(protocol)
        .namespaces(args.in_namespace)
        .max_nodes(Some(args.max_nodes));
    let graph = match try_graph(&engine, &options) {
        Ok(graph) => graph,
        Err(too_many) => {
            output::error(format_args!(
                "{too_many}: draw part of it with --in-namespace NS (repeatable), or raise --max-nodes"
            ));
            return Outcome::BadInput;
        }
    };
    let text = match args.output {
        GraphFormat::Dot => graph.to_dot(),
        GraphFormat::Mermaid => graph.to_mermaid(),
        GraphFormat::Json => format!("{}\n", graph.to_json()),
    };
    output::print(&text, Outcome::Ok)
}
