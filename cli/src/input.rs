//! Inputs and options shared by every subcommand: files, directories, stdin, and the
//! evaluation options of DESIGN §2 (S9, S12).

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use netpol::k8s::{LoadOptions, Loader, DEFAULT_MAX_INPUT_BYTES};
use netpol::raw::Strictness;
use netpol::{Cluster, Compiler, Engine, Options, SelfTraffic};

/// S12 on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SelfTrafficArg {
    /// A pod can always reach itself.
    Allow,
    /// Self traffic is decided by the policies like any other connection.
    Evaluate,
}

/// S9 on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum IpBlockPodIpsArg {
    /// ipBlocks also match pod IPs.
    Match,
    /// ipBlocks match only IPs outside the pods.
    Ignore,
}

/// Where the cluster comes from and how it is evaluated.
#[derive(Args, Debug)]
pub struct InputArgs {
    /// YAML or JSON files, directories (read recursively), or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// How a pod's traffic to itself is decided.
    #[arg(long, value_enum, default_value = "allow")]
    pub self_traffic: SelfTrafficArg,
    /// Whether ipBlocks match pod IPs.
    #[arg(long = "ipblock-pod-ips", value_enum, default_value = "match")]
    pub ipblock_pod_ips: IpBlockPodIpsArg,
    /// Skip objects the API server would reject (with a warning) instead of failing.
    #[arg(long)]
    pub lenient: bool,
    /// Refuse inputs larger than this many bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT_BYTES)]
    pub max_input_bytes: usize,
}

impl InputArgs {
    /// The evaluation options.
    pub fn options(&self) -> Options {
        Options {
            self_traffic: match self.self_traffic {
                SelfTrafficArg::Allow => SelfTraffic::Allow,
                SelfTrafficArg::Evaluate => SelfTraffic::Evaluate,
            },
            ip_block_matches_pods: matches!(self.ipblock_pod_ips, IpBlockPodIpsArg::Match),
        }
    }

    /// Loads the inputs, printing warnings; on failure prints every error and returns `None`.
    pub fn load(&self) -> Option<Cluster> {
        let strictness = if self.lenient { Strictness::Lenient } else { Strictness::Strict };
        let mut loader = Loader::new(LoadOptions { strictness, max_input_bytes: self.max_input_bytes });
        for input in &self.inputs {
            if input == "-" {
                loader.add_reader(std::io::stdin().lock(), "<stdin>");
            } else {
                loader.add_path(Path::new(input));
            }
        }
        let mut stderr = std::io::stderr().lock();
        match loader.finish() {
            Ok(cluster) => {
                for w in cluster.warnings() {
                    let _ = writeln!(stderr, "warning: {w}");
                }
                Some(cluster)
            }
            Err(e) => {
                for d in e.diagnostics() {
                    let _ = writeln!(stderr, "error: {d}");
                }
                None
            }
        }
    }

    /// Loads and compiles.
    pub fn engine(&self) -> Option<Engine> {
        self.load().map(|cluster| Compiler::new().options(self.options()).compile(&cluster))
    }
}

/// Prints a usage-level error.
pub fn usage_error(message: &str) {
    eprintln!("error: {message}");
}
