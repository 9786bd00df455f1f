//! `netpol generate`: a deterministic, realistic cluster as YAML or JSON, for benchmarks and
//! trials.

use std::io::BufWriter;

use clap::{Args, ValueEnum};
use netpol_gen::{generate, Format, GenConfig, GenerateError, MAX_NAMESPACES, MAX_PODS, MAX_POLICIES};

use crate::input::{at_most, usage_error};
use crate::{output, Outcome};

/// Arguments of `netpol generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Namespaces besides kube-system (the first is `monitoring` when there are two or more);
    /// at most 100,000.
    #[arg(long, default_value_t = 5, value_parser = at_most(MAX_NAMESPACES))]
    namespaces: usize,
    /// Pods in each of those namespaces (kube-system adds 2 CoreDNS pods); at most 4,145,152
    /// pods in all.
    #[arg(long, default_value_t = 10, value_parser = at_most(MAX_PODS))]
    pods_per_namespace: usize,
    /// NetworkPolicies in total; at most 1,000,000.
    #[arg(long, default_value_t = 20, value_parser = at_most(MAX_POLICIES))]
    policies: usize,
    /// ClusterNetworkPolicies (admin and baseline tiers) after the NetworkPolicies; at most
    /// 1,000,000.
    #[arg(long, default_value_t = 0, value_parser = at_most(MAX_POLICIES))]
    cluster_policies: usize,
    /// Seed: the same seed and sizes give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Objects as `kubectl get -o json|yaml` prints a live cluster's: managedFields, full pod
    /// specs and status, uids, timestamps (about 24 KB of JSON per pod); same cluster otherwise.
    #[arg(long)]
    realistic: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "yaml")]
    format: GenerateFormat,
    /// Instead of the cluster, print this many watch events of rollouts over it (one JSON
    /// event per line, as `kubectl get pods -A -o json --watch --output-watch-events` prints
    /// them), to feed `netpol watch --initial <the cluster>`; at most 100,000,000.
    #[arg(long, value_name = "N", value_parser = at_most(100_000_000))]
    churn: Option<usize>,
}

/// Output formats of `netpol generate`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum GenerateFormat {
    /// A YAML `kind: List`, as `kubectl get -o yaml` prints it.
    Yaml,
    /// A JSON `kind: List`, as `kubectl get -o json` prints it.
    Json,
}

/// Runs `netpol generate`: writes the cluster as one `kind: List`, object by object.
pub fn run(args: GenerateArgs) -> Outcome {
    let config = GenConfig {
        namespaces: args.namespaces,
        pods_per_namespace: args.pods_per_namespace,
        policies: args.policies,
        seed: args.seed,
        realistic: args.realistic,
        cluster_policies: args.cluster_policies,
    };
    if let Err(e) = config.check() {
        usage_error(&e.to_string());
        return Outcome::BadInput;
    }
    if let Some(events) = args.churn {
        return output::write_with(
            |out| {
                netpol_gen::churn(&config, events, BufWriter::with_capacity(1 << 16, out)).map_err(|e| match e {
                    GenerateError::Io(e) => e,
                    other => std::io::Error::other(other.to_string()),
                })
            },
            Outcome::Ok,
        );
    }
    let format = match args.format {
        GenerateFormat::Yaml => Format::Yaml,
        GenerateFormat::Json => Format::Json,
    };
    output::write_with(
        |out| {
            generate(&config, format, BufWriter::with_capacity(1 << 16, out)).map_err(|e| match e {
                GenerateError::Io(e) => e,
                other => std::io::Error::other(other.to_string()),
            })
        },
        Outcome::Ok,
    )
}
