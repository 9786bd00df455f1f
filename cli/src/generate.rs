//! `netpol generate`: a deterministic, realistic cluster as YAML, for benchmarks and trials.

use clap::Args;
use netpol_gen::{generate_yaml, GenConfig, MAX_NAMESPACES, MAX_PODS, MAX_POLICIES};

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
    let yaml = match generate_yaml(&config) {
        Ok(yaml) => yaml,
        Err(e) => {
            usage_error(&e.to_string());
            return Outcome::BadInput;
        }
    };
    output::print(&yaml, Outcome::Ok)
}
