//! Inputs and options shared by every subcommand: files, directories, stdin, and the
//! evaluation options of DESIGN §2 (S9, S12). Values are parsed by the core's own parsers
//! (`SelfTraffic`, `Options::parse_ip_block_pod_ips`, `LimitSetting`, `FlowFormat`).

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::Args;
use netpol::flows::{FlowFormat, FlowSet, Progress};
use netpol::k8s::{LoadOptions, SourceMap, DEFAULT_MAX_INPUT_BYTES};
use netpol::raw::Strictness;
use netpol::spec::{DnsMap, Tie};
use netpol::{
    Cluster, Config, Diagnostic, Engine, Error, LimitSetting, Limits, Options, SelfTraffic, Source, TextLimits,
};

use crate::output;

/// `--self-traffic` (S12), parsed by [`SelfTraffic`]'s `FromStr`.
pub fn self_traffic_parser() -> impl TypedValueParser<Value = SelfTraffic> {
    PossibleValuesParser::new([
        PossibleValue::new("allow").help("A pod can always reach itself"),
        PossibleValue::new("evaluate").help("Self traffic is decided by the policies like any other connection"),
    ])
    .try_map(|s| s.parse::<SelfTraffic>())
}

/// `--ipblock-pod-ips` (S9), parsed by [`Options::parse_ip_block_pod_ips`].
pub fn ip_block_pod_ips_parser() -> impl TypedValueParser<Value = bool> {
    PossibleValuesParser::new([
        PossibleValue::new("match").help("ipBlocks also match pod IPs"),
        PossibleValue::new("ignore").help("ipBlocks match only IPs outside the pods"),
    ])
    .try_map(|s| Options::parse_ip_block_pod_ips(&s))
}

/// `--tie` (S15.3), parsed by [`Tie`]'s `FromStr`.
pub fn tie_parser() -> impl TypedValueParser<Value = Tie> {
    PossibleValuesParser::new([
        PossibleValue::new("deny-wins").help("Deny, then Pass, then Accept (as Cilium decides)"),
        PossibleValue::new("accept-wins").help("Accept, then Pass, then Deny"),
        PossibleValue::new("error").help("Refuse a cluster where such a disagreement exists"),
    ])
    .try_map(|s| s.parse::<Tie>())
}

/// A count of at most `max`: a larger one is a usage error naming the option and `max` (exit 2),
/// before anything is allocated for it.
pub fn at_most(max: usize) -> impl TypedValueParser<Value = usize> {
    clap::builder::RangedU64ValueParser::<usize>::new().range(0..=max as u64)
}

/// Where the cluster comes from and how it is evaluated.
#[derive(Args, Clone, Debug)]
pub struct InputArgs {
    /// YAML or JSON files, directories (read recursively), or `-` for stdin.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<String>,
    /// How the inputs are read and evaluated.
    #[command(flatten)]
    pub load: LoadArgs,
}

/// The `--help` heading of the loader's flags, listed after the command's own.
const LOAD_HEADING: &str = "Reading and evaluating the input";

/// How inputs are read and evaluated: the flags every command that reads a cluster takes (a
/// command that reads two, such as `diff`, applies them to both).
#[derive(Args, Clone, Debug)]
pub struct LoadArgs {
    /// How a pod's traffic to itself is decided.
    #[arg(help_heading = LOAD_HEADING, long, default_value = "allow", value_parser = self_traffic_parser())]
    pub self_traffic: SelfTraffic,
    /// Whether ipBlocks match pod IPs.
    #[arg(help_heading = LOAD_HEADING, long = "ipblock-pod-ips", default_value = "match", action = clap::ArgAction::Set, value_parser = ip_block_pod_ips_parser())]
    pub ipblock_pod_ips: bool,
    /// How cluster policies of one tier at one priority that disagree on a connection are
    /// decided (the API leaves it undefined; every face reports it).
    #[arg(help_heading = LOAD_HEADING, long, default_value = "deny-wins", value_parser = tie_parser())]
    pub tie: Tie,
    /// A YAML or JSON map of domain names to addresses (`api.example.com: [192.0.2.10]`):
    /// what `domainNames` peers of cluster policies resolve to; without it they match nothing.
    #[arg(help_heading = LOAD_HEADING, long, value_name = "FILE")]
    pub dns_map: Option<std::path::PathBuf>,
    /// Skip objects the API server would reject (with a warning) instead of failing.
    #[arg(help_heading = LOAD_HEADING, long)]
    pub lenient: bool,
    /// Refuse inputs larger than this many bytes.
    #[arg(help_heading = LOAD_HEADING, long, default_value_t = DEFAULT_MAX_INPUT_BYTES)]
    pub max_input_bytes: usize,
    /// Set a limit on the input (repeatable): objects, depth, alias-events, labels,
    /// expressions, values, rules, peers, ports, ip-blocks, excepts, tier-rules or compile-bytes
    /// (defaults in the README).
    #[arg(help_heading = LOAD_HEADING, long = "limit", value_name = "NAME=N", value_parser = |s: &str| s.parse::<LimitSetting>())]
    pub limits: Vec<LimitSetting>,
    /// Refuse a cluster whose compiled tables would take more than this many bytes, as
    /// estimated before they are built: the `compile-bytes` limit (default 2 GiB); it wins over
    /// `--limit compile-bytes=N`.
    #[arg(help_heading = LOAD_HEADING, long, value_name = "BYTES")]
    pub max_memory: Option<usize>,
    /// The namespace of objects that name none (default: `default`).
    #[arg(help_heading = LOAD_HEADING, long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Accept an input without any object (an empty file or directory, `/dev/null`, empty
    /// stdin) as part of an empty cluster; by default it is an error.
    #[arg(help_heading = LOAD_HEADING, long)]
    pub allow_empty: bool,
}

impl InputArgs {
    /// How to load and evaluate.
    pub fn config(&self) -> Config {
        self.load.config()
    }
}

impl LoadArgs {
    /// How to load and evaluate.
    pub fn config(&self) -> Config {
        let mut limits = Limits::default();
        self.limits.iter().for_each(|l| limits.apply(l));
        if let Some(bytes) = self.max_memory {
            limits.max_compile_bytes = bytes;
        }
        Config {
            load: LoadOptions {
                strictness: Strictness::strict_if(!self.lenient),
                max_input_bytes: self.max_input_bytes,
                limits,
            },
            options: Options {
                self_traffic: self.self_traffic,
                ip_block_matches_pods: self.ipblock_pod_ips,
                tie: self.tie,
            },
            default_namespace: self.namespace.clone(),
            allow_empty: self.allow_empty,
            dns: DnsMap::default(),
        }
    }

    /// [`LoadArgs::config`] with the `--dns-map` file read (at most 32 MiB); on failure prints
    /// the problems and returns `None`.
    fn full_config(&self) -> Option<Config> {
        let mut config = self.config();
        if let Some(path) = &self.dns_map {
            const MAX_DNS_MAP_BYTES: u64 = 32 << 20;
            let shown = path.display();
            let text = match std::fs::metadata(path) {
                Ok(m) if m.len() > MAX_DNS_MAP_BYTES => {
                    Err(format!("--dns-map {shown}: {} bytes: over the limit of {MAX_DNS_MAP_BYTES}", m.len()))
                }
                _ => std::fs::read_to_string(path).map_err(|e| format!("--dns-map {shown}: {e}")),
            };
            match text.and_then(|t| netpol::k8s::parse_dns_map(&t, &shown.to_string())) {
                Ok(dns) => config.dns = dns,
                Err(message) => {
                    message.lines().for_each(usage_error);
                    return None;
                }
            }
        }
        Some(config)
    }
}

impl InputArgs {
    /// The inputs.
    pub fn sources(&self) -> Vec<Source> {
        sources(&self.inputs)
    }

    /// Loads `sources` (in place of the inputs) with these options, printing warnings; on
    /// failure prints every error and returns `None`.
    pub fn load_sources(&self, sources: &[Source]) -> Option<Cluster> {
        let config = self.load.full_config()?;
        report(output::with_progress("reading the input", || netpol::load(sources, &config))).inspect(warn)
    }

    /// Loads and compiles, printing warnings; on failure prints every error and returns `None`.
    pub fn engine(&self) -> Option<Engine> {
        let config = self.load.full_config()?;
        let loaded = output::with_progress("reading the input", || netpol::load_and_compile(&self.sources(), &config));
        report(loaded).inspect(|e| warn(e.cluster()))
    }

    /// [`InputArgs::engine`], keeping where each object is in the input files (for SARIF).
    pub fn engine_with_sources(&self) -> Option<(Engine, SourceMap)> {
        let config = self.load.full_config()?;
        let loaded = output::with_progress("reading the input", || netpol::load_with_sources(&self.sources(), &config));
        let (cluster, sources) = report(loaded)?;
        let engine = report(config.compiler().try_compile_owned(cluster))?;
        warn(engine.cluster());
        Some((engine, sources))
    }
}

/// Command-line inputs: `-` is stdin, anything else a path.
pub fn sources(inputs: &[String]) -> Vec<Source> {
    inputs.iter().map(|i| Source::arg(i)).collect()
}

fn warn(cluster: &Cluster) {
    for w in cluster.warnings() {
        output::warning(format_args!("{}", with_line(w)));
    }
}

/// A diagnostic about an object as printed: with the line of its field, when known, at the
/// end (problems with a whole input, such as parse errors, say their line themselves).
fn with_line(d: &Diagnostic) -> String {
    match (d.object(), d.line()) {
        (Some(_), Some(line)) => format!("{d} (line {line})"),
        _ => d.to_string(),
    }
}

/// The value, or `None` with every problem printed.
pub fn report<T>(result: Result<T, Error>) -> Option<T> {
    result
        .map_err(|e| {
            for d in e.diagnostics() {
                usage_error(&with_line(d));
            }
        })
        .ok()
}

/// Where observed traffic comes from (`netpol flows`, `netpol suggest`).
#[derive(Args, Debug)]
pub struct FlowFileArgs {
    /// A flow file (repeatable): Hubble JSON export, JSONL or CSV, or `-` for stdin.
    #[arg(long = "flows", value_name = "FILE", required = true)]
    pub flows: Vec<String>,
    /// The format of the flow files.
    #[arg(long, default_value = "auto", value_parser = flow_format_parser())]
    pub format: FlowFormat,
    /// Refuse a flow file (or stdin) larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = TextLimits::FLOWS.max_bytes)]
    pub max_flow_bytes: u64,
    /// Refuse a flow line longer than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = TextLimits::FLOWS.max_line_bytes)]
    pub max_line_bytes: usize,
}

fn flow_format_parser() -> impl TypedValueParser<Value = FlowFormat> {
    PossibleValuesParser::new([
        PossibleValue::new("auto").help("Told per file from its first line"),
        PossibleValue::new("hubble").help("`hubble observe -o json`"),
        PossibleValue::new("jsonl").help("`{\"src\", \"dst\", \"port\", \"protocol\", \"count\", ...}` per line"),
        PossibleValue::new("csv").help("A header row `src,dst,port[,protocol,count,verdict]`, then rows"),
    ])
    .map(|s| FlowFormat::parse(&s).expect("one of the possible values"))
}

impl FlowFileArgs {
    /// Reads every flow file against `engine`, calling `progress` as lines go by; on failure
    /// prints every problem of every file and returns `None`. `cluster_inputs` are the cluster's
    /// inputs: stdin can be read once only.
    pub fn read(
        &self,
        engine: &Engine,
        cluster_inputs: &[String],
        progress: &mut dyn FnMut(Progress),
    ) -> Option<FlowSet> {
        let stdin_flows = self.flows.iter().filter(|f| *f == "-").count();
        if stdin_flows > 1 || (stdin_flows == 1 && cluster_inputs.iter().any(|i| i == "-")) {
            usage_error("stdin (`-`) can be read only once");
            return None;
        }
        let limits = TextLimits { max_bytes: self.max_flow_bytes, max_line_bytes: self.max_line_bytes };
        report(netpol::flows::read_sources_with(engine, &sources(&self.flows), self.format, limits, progress))
    }
}

/// Prints a usage-level error.
pub fn usage_error(message: &str) {
    output::error(format_args!("{message}"));
}

/// Reads a `--protocol` value (TCP, UDP or SCTP, in any case); prints why not when it is none.
pub fn protocol_arg(text: &str) -> Option<netpol::Protocol> {
    let protocol = netpol::Protocol::parse_loose(text);
    if protocol.is_none() {
        usage_error(&format!("unknown protocol {text:?}: use TCP, UDP or SCTP"));
    }
    protocol
}

/// [`protocol_arg`] for an optional `--protocol`: `Err` when given and not a protocol.
pub fn optional_protocol_arg(text: Option<&str>) -> Result<Option<netpol::Protocol>, ()> {
    text.map_or(Ok(None), |text| protocol_arg(text).map(Some).ok_or(()))
}

/// Whether every namespace named by `--in-namespace` is in the cluster; else prints which is
/// not (a typo would otherwise show an empty table or graph).
pub fn known_namespaces(engine: &netpol::Engine, names: &[String]) -> bool {
    let namespaces = engine.cluster().namespaces();
    for name in names {
        if !namespaces.iter().any(|ns| ns.name == *name) {
            let mut known: Vec<&str> = namespaces.iter().map(|ns| ns.name.as_str()).collect();
            known.truncate(20);
            usage_error(&format!(
                "--in-namespace {name:?}: no such namespace in the input (namespaces: {})",
                known.join(", ")
            ));
            return false;
        }
    }
    true
}
