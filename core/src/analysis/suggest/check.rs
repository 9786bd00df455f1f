//! The self-check of a suggestion: its YAML loaded back through the normal loader in place of
//! the cluster's policies, every observed flow replayed through the engine, and the reachable
//! pod pairs counted before and after.

use alloc::vec::Vec;

use super::Suggestion;
use crate::flows::ObservedFlow;
use crate::k8s::{LoadOptions, Loader};
use crate::limits::Limits;
use crate::spec::Namespace;
use crate::{Cluster, Compiler, Engine, Error};

/// What replaying the observed flows against a suggestion found.
#[derive(Debug)]
pub struct SelfCheck {
    /// The observed flows replayed.
    pub flows: usize,
    /// Observed flows the suggested policies deny. Always empty unless netpol has a bug: never
    /// apply a suggestion for which it is not.
    pub denied: Vec<ObservedFlow>,
    /// Observed flows the current policies deny, which the suggestion allows.
    pub opened: Vec<ObservedFlow>,
    /// Reachable pod pairs under the current policies (see [`reachable_pairs`]).
    pub pairs_before: usize,
    /// Reachable pod pairs under the suggested policies.
    pub pairs_after: usize,
    /// Allowed pod-pair ports under the current policies (see [`reachable_ports`]).
    pub ports_before: u64,
    /// Allowed pod-pair ports under the suggested policies.
    pub ports_after: u64,
    /// The engine compiled from the cluster with the suggested policies.
    pub engine: Engine,
}

impl SelfCheck {
    /// Whether every observed flow is allowed by the suggestion.
    pub fn all_allowed(&self) -> bool {
        self.denied.is_empty()
    }

    /// Of `flows` left out of the suggestion (observed DROPPED), those it allows all the same:
    /// its rules are per workload, so another pod's observed flow on the same port admits them.
    pub fn allowed_anyway(&self, flows: &[ObservedFlow]) -> Vec<ObservedFlow> {
        flows.iter().filter(|f| f.decide(&self.engine).is_allowed()).copied().collect()
    }
}

/// The number of ordered pairs of distinct pods with at least one allowed port of some
/// protocol: the measure of how much of the cluster can reach how much.
pub fn reachable_pairs(engine: &Engine) -> usize {
    reach_measures(engine).0
}

/// The number of allowed (source pod, destination pod, port, protocol) combinations over
/// ordered pairs of distinct pods: a finer measure than [`reachable_pairs`], which shrinks when a
/// pair keeps some port but loses others.
pub fn reachable_ports(engine: &Engine) -> u64 {
    reach_measures(engine).1
}

/// [`reachable_pairs`] and [`reachable_ports`] from one connectivity map, counted on
/// identities (a pair of identities stands for the product of their pods), so the cost follows
/// the identities, not the pod pairs.
fn reach_measures(engine: &Engine) -> (usize, u64) {
    let size = |ports: &crate::PortSet| -> u64 {
        crate::Protocol::ALL
            .iter()
            .flat_map(|&p| ports.ranges(p))
            .map(|&(first, last)| u64::from(last - first) + 1)
            .sum()
    };
    let connectivity = engine.connectivity();
    let (mut pairs, mut ports) = (0usize, 0u64);
    for s in 0..engine.identities() {
        let ns = engine.members(s).len();
        for (d, set) in connectivity.identity_pairs(s) {
            // Pairs of distinct pods: a pod paired with itself is left out.
            let n = ns * engine.members(d).len() - if s == d { ns } else { 0 };
            if !set.is_empty() {
                pairs += n;
            }
            ports += n as u64 * size(set);
        }
    }
    (pairs, ports)
}

/// `cluster` with its policies replaced by the NetworkPolicies in `policies` (YAML or JSON, read
/// by the normal loader in strict mode; `origin` names it in errors). The namespaces, pods,
/// cluster policies of the admin tiers and Nodes stay those of `cluster`, so pod ids keep their meaning; anything but policies in `policies`
/// is ignored, and a namespace it names that `cluster` lacks is assumed (S8).
///
/// The text is netpol's own output, so no limit applies: a workload that reached thousands of
/// addresses gets a policy with thousands of ipBlocks, which must load back all the same.
pub fn replace_policies(cluster: &Cluster, policies: &str, origin: &str) -> Result<Cluster, Error> {
    let options = LoadOptions { max_input_bytes: usize::MAX, limits: Limits::unlimited(), ..LoadOptions::default() };
    let mut loader = Loader::new(options);
    loader.add_str(policies, origin);
    let loaded = loader.finish()?;
    let mut namespaces = cluster.namespaces().to_vec();
    for policy in loaded.policies() {
        if cluster.namespace_id(&policy.namespace).is_none() && !namespaces.iter().any(|n| n.name == policy.namespace) {
            namespaces.push(Namespace::assumed(&policy.namespace)); // S8
        }
    }
    let (pods, policies, left_out) =
        (cluster.pods().to_vec(), loaded.policies().to_vec(), cluster.left_out_pods().to_vec());
    // The admin tiers (S15) stay as given: suggestions replace NetworkPolicies only.
    Ok(Cluster::from_parts(namespaces, pods, policies, left_out, Vec::new())
        .with_admin(cluster.cluster_policies().to_vec(), cluster.nodes().to_vec()))
}

impl Suggestion {
    /// Checks the suggestion the way it will be used: renders it as YAML ([`Suggestion::to_yaml`]),
    /// loads that through the normal loader in place of the policies of `engine`'s cluster,
    /// compiles it with the same options and replays `flows` (those it was made from) through
    /// both engines. An error means the emitted YAML does not load: a bug in netpol.
    pub fn check(&self, engine: &Engine, flows: &[ObservedFlow]) -> Result<SelfCheck, Error> {
        let cluster = replace_policies(engine.cluster(), &self.to_yaml(), "<suggestion>")?;
        let after = Compiler::new().options(engine.options()).compile(&cluster);
        let allowed = |e: &Engine, f: &ObservedFlow| f.decide(e).is_allowed();
        let (pairs_before, ports_before) = reach_measures(engine);
        let (pairs_after, ports_after) = reach_measures(&after);
        Ok(SelfCheck {
            flows: flows.len(),
            denied: flows.iter().filter(|f| !allowed(&after, f)).copied().collect(),
            opened: flows.iter().filter(|f| !allowed(engine, f)).copied().collect(),
            pairs_before,
            pairs_after,
            ports_before,
            ports_after,
            engine: after,
        })
    }
}
