//! The `netpol` command: NetworkPolicy truth tables and single checks with reasons.
//!
//! A thin face over the `netpol` crate: argument parsing, input loading and output formats.
//! A library with one entry point, [`run`], behind two binaries: `netpol` and the kubectl
//! plugin `kubectl-netpol`.
//! Exit codes: 0 allowed / success, 1 denied, 2 bad input or usage, or output that could not be
//! written (see `output`).

mod audit;
mod bench;
mod bench_live;
mod check;
mod completions;
mod connectivity;
mod diff;
mod drift;
mod export;
mod flows;
mod generate;
mod graph;
mod input;
mod lab;
mod matrix;
mod metrics;
mod output;
mod reach;
mod select;
mod suggest;
mod verify;
mod watch;

use std::ffi::OsString;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// Exact answers about Kubernetes NetworkPolicies: who may reach whom, on which port, and why.
#[derive(Parser, Debug)]
#[command(
    name = "netpol",
    version,
    about,
    max_term_width = 100,
    after_help = "Developer commands (for the project's own benchmarks and tests):\n  \
                  bench     Measure compile, decide and matrix times on the given cluster\n  \
                  generate  Print a deterministic, realistic cluster to try netpol on"
)]
struct Cli {
    /// Print no warnings (errors are still printed).
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Colour verdicts, errors and warnings: on a terminal unless NO_COLOR is set (auto),
    /// always, or never.
    #[arg(long, global = true, value_enum, default_value = "auto", value_name = "WHEN")]
    color: output::ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Decide one connection and explain it. Exit 0 when allowed, 1 when denied, 2 on bad input.
    Check(check::CheckArgs),
    /// Print the truth table of every pod to every pod for one port and protocol.
    Matrix(matrix::MatrixArgs),
    /// For every pod pair, the allowed ports per protocol; and each pod's external IP ranges
    /// (or, with --group-by, all/some of the pod pairs between workloads or namespaces).
    Connectivity(connectivity::ConnectivityArgs),
    /// Measure compile, decide and matrix times on the given cluster (use a release build).
    #[command(hide = true)]
    Bench(bench::BenchArgs),
    /// Print a deterministic, realistic cluster (namespaces, pods, NetworkPolicies) as YAML.
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
    /// Audit the policies: findings with ids, paths and fixes, and isolation coverage per
    /// namespace. Exit 1 when a finding at or above --fail-on exists, 2 on bad input.
    Audit(audit::AuditArgs),
    /// Check an expectations file (allowed/denied connections). Exit 0 when all hold, 1 when one
    /// does not, 2 on bad input.
    Verify(verify::VerifyArgs),
    /// Show what a change does to traffic: connections newly allowed and newly denied between
    /// two inputs, by workload, with the policies that caused them. Exit 1 when traffic changes
    /// the way --fail-on says (allowed, denied or any), 2 on bad input.
    Diff(diff::DiffArgs),
    /// Draw the allowed connections: namespaces, workloads and external addresses as a
    /// Graphviz, Mermaid or JSON graph.
    Graph(graph::GraphArgs),
    /// Export the decisions for a dataplane: `netpol export nftables c.yaml | nft -f -`.
    Export(export::ExportArgs),
    /// Prove the decisions with real packets: every pod a network namespace, the exported
    /// nftables ruleset in a router between them, TCP/UDP probes compared with the model. Root.
    Lab(lab::LabArgs),
    /// Least-privilege NetworkPolicies from observed flows: default-deny per namespace, DNS kept,
    /// per-workload rules keyed on stable labels. YAML on stdout, summary on stderr; exit 2 on
    /// bad input (or if the self-check finds an observed flow denied).
    Suggest(suggest::SuggestArgs),
    /// Decide observed traffic (Hubble JSON, JSONL or CSV flow files) under the policies: the
    /// flows they would deny, with explanations, and the rules no flow uses. Exit 1 when
    /// observed traffic would be denied or more records than --max-unresolved (default 0) could
    /// not be decided, 2 on bad input.
    Flows(flows::FlowsArgs),
    /// Who may reach a pod, a workload or an address (--to), or what it may reach (--from):
    /// peers by workload and namespace, external ranges, ports, and the rules that grant them.
    Reach(reach::ReachArgs),
    /// Which policies select a pod and which rules name it as a peer (--pod), or which pods a
    /// policy selects and which pods, namespaces and addresses its rules admit (--policy).
    Select(select::SelectArgs),
    /// Watch a cluster live: read a watch stream (`kubectl get ... -o json --watch
    /// --output-watch-events`) after an optional initial listing and print, per change, the
    /// connections newly allowed or denied and the audit findings opened or closed; optionally
    /// the drift from Git (--desired) and Prometheus metrics (--metrics).
    Watch(watch::WatchArgs),
    /// Compare the live policies with those kept in Git: policies only live, only in Git or
    /// different, and the connections the difference opens or closes. Exit 1 on drift, 2 on bad
    /// input.
    Drift(drift::DriftArgs),
    /// Print a shell completion script: `source <(netpol completions bash)`.
    Completions(completions::CompletionsArgs),
    /// Write man pages (netpol.1 and one per subcommand) into a directory.
    Man(completions::ManArgs),
}

/// The process outcome of a subcommand.
pub enum Outcome {
    /// Success, or "allowed".
    Ok,
    /// "Denied".
    Denied,
    /// Bad input or usage; the message has been printed.
    BadInput,
}

/// Runs the command line `args` (the program name first, as `std::env::args_os` gives it) and
/// returns the exit code: what `netpol`, `kubectl-netpol` and `python -m netpol` do.
/// `bin_name` is how usage lines name the command (`netpol`, or `kubectl netpol` when kubectl
/// runs the plugin).
pub fn run<I, T>(args: I, bin_name: &'static str) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let matches = match Cli::command().bin_name(bin_name).try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(e) => return clap_exit(&e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    output::set_quiet(cli.quiet);
    output::set_color(cli.color);
    let outcome = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Matrix(args) => matrix::run(args),
        Command::Connectivity(args) => connectivity::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Graph(args) => graph::run(args),
        Command::Export(args) => export::run(args),
        Command::Lab(args) => lab::run(args),
        Command::Suggest(args) => suggest::run(args),
        Command::Flows(args) => flows::run(args),
        Command::Reach(args) => reach::run(args),
        Command::Select(args) => select::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Completions(args) => completions::completions(args, bin_name),
        Command::Man(args) => completions::man(args),
    };
    match outcome {
        Outcome::Ok => 0,
        Outcome::Denied => 1,
        Outcome::BadInput => 2,
    }
}

/// Prints clap's help, version or usage error as `Error::exit` would, except that help or
/// version that cannot be written (`netpol --help > /dev/full`) exits 2 with a message.
fn clap_exit(e: &clap::Error) -> u8 {
    let code = u8::try_from(e.exit_code()).unwrap_or(2);
    if e.use_stderr() {
        let _ = e.print();
        return code;
    }
    let written = e.print().and_then(|()| std::io::Write::flush(&mut std::io::stdout()));
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            output::error(format_args!("cannot write the output: {e}"));
            2
        }
        _ => code,
    }
}
