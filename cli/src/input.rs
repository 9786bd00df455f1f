//! Inputs and options shared by every subcommand: files, directories, stdin, and the
//! evaluation options of DESIGN §2 (S9, S12).

use std::io::Write;
use std::path::Path;

use clap::{Args, ValueEnum};
use netpol::k8s::{LoadOptions, Loader, DEFAULT_MAX_INPUT_BYTES};
use netpol::raw::Strictness;
use netpol::{Cluster, Compiler, Engine, Limits, Options, SelfTraffic};

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
    /// Set a limit on the input (repeatable): objects, depth, alias-events, labels,
    /// expressions, values, rules, peers, ports, ip-blocks or excepts (defaults in the README).
    #[arg(long = "limit", value_name = "NAME=N", value_parser = parse_limit)]
    pub limits: Vec<(String, usize)>,
    /// The namespace of objects that name none (default: `default`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
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
        let mut limits = Limits::default();
        for (name, value) in &self.limits {
            limits.set(name, *value).expect("checked by parse_limit");
        }
        let mut loader = Loader::new(LoadOptions { strictness, max_input_bytes: self.max_input_bytes, limits })
            .with_default_namespace(self.namespace.clone());
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

/// Flow file formats on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FlowFormatArg {
    /// Told per file from its first line.
    Auto,
    /// `hubble observe -o json`.
    Hubble,
    /// `{"src", "dst", "port", "protocol", "count", ...}` per line.
    Jsonl,
    /// A header row `src,dst,port[,protocol,count,verdict]`, then rows.
    Csv,
}

/// Where observed traffic comes from (`netpol flows`, `netpol suggest`).
#[derive(Args, Debug)]
pub struct FlowFileArgs {
    /// A flow file (repeatable): Hubble JSON export, JSONL or CSV, or `-` for stdin.
    #[arg(long = "flows", value_name = "FILE", required = true)]
    pub flows: Vec<String>,
    /// The format of the flow files.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FlowFormatArg,
}

impl FlowFileArgs {
    /// Reads every flow file against `engine`, calling `progress` as lines go by; on failure
    /// prints every problem of every file and returns `None`. `cluster_inputs` are the cluster's
    /// inputs: stdin can be read once only.
    pub fn read(
        &self,
        engine: &netpol::Engine,
        cluster_inputs: &[String],
        progress: &mut dyn FnMut(netpol::flows::Progress),
    ) -> Option<netpol::flows::FlowSet> {
        use netpol::flows::{FlowFormat, FlowSetBuilder};
        let stdin_flows = self.flows.iter().filter(|f| *f == "-").count();
        if stdin_flows > 1 || (stdin_flows == 1 && cluster_inputs.iter().any(|i| i == "-")) {
            usage_error("stdin (`-`) can be read only once");
            return None;
        }
        let format = match self.format {
            FlowFormatArg::Auto => FlowFormat::Auto,
            FlowFormatArg::Hubble => FlowFormat::Hubble,
            FlowFormatArg::Jsonl => FlowFormat::Jsonl,
            FlowFormatArg::Csv => FlowFormat::Csv,
        };
        let mut builder = FlowSetBuilder::new(engine);
        let mut failed = false;
        for path in &self.flows {
            let result = if path == "-" {
                builder.read(std::io::stdin().lock(), "<stdin>", format, progress)
            } else {
                builder.read_path(Path::new(path), format, progress)
            };
            if let Err(e) = result {
                for d in e.diagnostics() {
                    usage_error(&d.to_string());
                }
                failed = true;
            }
        }
        (!failed).then(|| builder.finish())
    }
}

/// `NAME=N` for `--limit`, with NAME one of [`Limits::NAMES`].
fn parse_limit(text: &str) -> Result<(String, usize), String> {
    let (name, value) = text.split_once('=').ok_or_else(|| format!("expected NAME=N, got {text:?}"))?;
    let value: usize = value.parse().map_err(|_| format!("{value:?} is not a count"))?;
    Limits::default().set(name, value)?;
    Ok((name.to_string(), value))
}

/// Prints a usage-level error.
pub fn usage_error(message: &str) {
    eprintln!("error: {message}");
}
