//! `netpol generate`: a deterministic, realistic cluster as YAML, for benchmarks and trials.

use clap::Args;
use netpol_gen::{generate_yaml, GenConfig, MAX_PODS};

use crate::input::usage_error;
use crate::{output, Outcome};

/// Arguments of `netpol generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Namespaces besides kube-system (the first is `monitoring` when there are two or more).
    #[arg(long, default_value_t = 5)]
    namespaces: usize,
    /// Pods in each of those namespaces (kube-system adds 2 CoreDNS pods).
    #[arg(long, default_value_t = 10)]
    pods_per_namespace: usize,
    /// NetworkPolicies in total.
    #[arg(long, default_value_t = 20)]
    policies: usize,
    /// Seed: the same seed and sizes give byte-identical output.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Runs `netpol generate`: prints the cluster as a multi-document YAML stream.
pub fn run(args: GenerateArgs) -> Outcome {
    let config = GenConfig {
        namespaces: args.namespaces,
        pods_per_namespace: args.pods_per_namespace,
        policies: args.policies,
        seed: args.seed,
    };
    if config.pod_count() > MAX_PODS {
        usage_error(&format!("{} pods asked for: at most {MAX_PODS} fit the pod network", config.pod_count()));
        return Outcome::BadInput;
    }
    output::print(&generate_yaml(&config), Outcome::Ok)
}
