//! Deterministic, realistic Kubernetes clusters for netpol's benchmarks, property tests and the
//! `netpol generate` command.
//!
//! [`generate_yaml`] turns a [`GenConfig`] into one YAML `kind: List` of Namespaces, Pods and
//! NetworkPolicies, as `kubectl get namespaces,pods,networkpolicies -A -o yaml` prints it, that
//! netpol's loader accepts in strict mode: every name, label, port name, CIDR and port range is
//! valid, and pod names and IPs are unique. [`generate`] writes it to an `io::Write` object by
//! object, as YAML or JSON ([`Format`]), and with [`GenConfig::realistic`] as a live cluster
//! prints it (`managedFields`, full pod specs and status: about 24 KB of JSON per pod), so that
//! benchmarks of loading read what users feed in. The generator has three stages: the cluster
//! (namespaces, workloads, pods, IPs; `cluster`), the policies (aimed at the labels, ports and
//! namespaces the first stage made; `policies`), and the text (`yaml` for plain YAML by hand;
//! `objects` builds JSON values, plain or realistic, that `kubectl` prints as JSON or YAML).
//!
//! netpol's loader refuses inputs over 2 GiB by default (`LoadOptions::max_input_bytes`,
//! `--max-input-bytes`): about 85,000 realistic pods in JSON or 200,000 in YAML; raise it for
//! larger realistic clusters.
//!
//! # What a cluster holds
//!
//! - **Namespaces.** `kube-system` always. Of the `namespaces` asked for, the first is
//!   `monitoring` when there are at least two; the others are team namespaces
//!   `<team>-<env>` (`shop-prod`, `payments-prod`, ..., then `shop-staging`, ...; a numeric
//!   suffix once the 16 teams × 4 environments are used up), labelled `team`, `env` and `tier`
//!   (`frontend`, `backend`, `data`; `ops` for monitoring).
//! - **Pods.** Team namespaces run deployments (`frontend`, `api`, `worker`, then `cart`,
//!   `checkout`, `mailer`, ...) whose replicas share `app`, `tier`, `version` and
//!   `pod-template-hash` and are named `<deployment>-<hash>-<5 characters>` (now and then a
//!   rollout is under way: two ReplicaSets, two versions), and the statefulsets `db` (postgres,
//!   `db-0`, `db-1`, ...) and `redis`. `monitoring` runs Prometheus, Alertmanager, Grafana,
//!   kube-state-metrics and node-exporter; `kube-system` runs two CoreDNS pods
//!   (`k8s-app: kube-dns`, ports `dns` 53/UDP and `dns-tcp` 53/TCP). Container ports are named
//!   (`http` 8080, `grpc` 9090, `metrics` 9100, `postgres` 5432, `redis` 6379, ...). Every pod is
//!   Running on a node `node-<k>` with a unique IP from the node's /24 in `10.64.0.0/10`.
//! - **Policies**, spread round-robin over the namespaces. Each namespace takes its policies
//!   from the front of its own ordered list: `default-deny` (ingress and egress), `allow-dns`
//!   (egress to CoreDNS on 53 UDP and TCP, by number or by port name), `allow-monitoring`
//!   (ingress from Prometheus on the named `metrics` port and the range 9100-9199); then, workload
//!   by workload, its ingress policy (frontends from the internet by ipBlock `0.0.0.0/0` except
//!   the private ranges, APIs and databases from `matchExpressions` selectors: `In`,
//!   `DoesNotExist`, `Exists`), its egress policy (to other tiers, to a partner /24 except a /28,
//!   to the internet except `10.0.0.0/8`), and allow-from-same-app or allow-from-namespace (by
//!   `kubernetes.io/metadata.name`, or by `team` label with `env NotIn [dev, qa]`); after that,
//!   partner-egress policies with an `endPort` range, as many as asked for. `monitoring` lets
//!   Prometheus scrape every namespace on the metrics ports; `kube-system` opens DNS to the
//!   cluster. These two leave the round-robin once their own policies are used up (3, and up to
//!   9), unless there is no team namespace. At 50 × 200 × 2,000 the mix is 32% ingress, 27%
//!   egress, 19% allow-from-same-app, 14% allow-from-namespace (9% by team, 5% by name), 2.5%
//!   each of default-deny, DNS egress and allow-monitoring, and 4 system policies.
//!
//! # Counting rules
//!
//! - Pods: exactly `namespaces × pods_per_namespace` in the namespaces asked for, plus
//!   [`COREDNS_PODS`] in `kube-system`: [`GenConfig::pod_count`]. The pod budget of a namespace
//!   is spent workload by workload; the last workload gets what is left.
//! - Namespaces: `namespaces + 1` (with `kube-system`).
//! - Policies: exactly `policies`.
//!
//! # Determinism
//!
//! The same [`GenConfig`] gives byte-identical output on every machine and with every version
//! of every dependency: the only randomness is a built-in SplitMix64 seeded by
//! [`GenConfig::seed`], nothing iterates a hash map (JSON objects are `BTreeMap`s), and the text
//! is written by hand. Pods and policies draw from separate streams, so changing `policies`
//! leaves the pods unchanged; a realistic object's uids and times come from a hash of the seed
//! and its name.

mod churn;
mod cluster;
mod kubectl;
mod objects;
mod policies;
mod rng;
mod tiers;
mod yaml;

use std::io::{self, Write};

pub use churn::churn;
pub use kubectl::Format;
pub use rng::Rng;

/// CoreDNS pods in `kube-system`, on top of the pods asked for.
pub const COREDNS_PODS: usize = cluster::COREDNS_REPLICAS;

/// The most pods a cluster can hold, CoreDNS included: 16,384 nodes of 253 pod IPs each (the
/// pod network is `10.64.0.0/10`, one /24 per node).
pub const MAX_PODS: usize = cluster::MAX_NODES * cluster::IPS_PER_NODE;

/// The most namespaces (besides `kube-system`) a cluster can have.
pub const MAX_NAMESPACES: usize = 100_000;

/// The most NetworkPolicies a cluster can have (about 800 MB of YAML).
pub const MAX_POLICIES: usize = 1_000_000;

/// The size and seed of a generated cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct GenConfig {
    /// Namespaces besides `kube-system`; the first is `monitoring` when there are two or more.
    pub namespaces: usize,
    /// Pods in each of those namespaces.
    pub pods_per_namespace: usize,
    /// NetworkPolicies in total, over all namespaces.
    pub policies: usize,
    /// The seed: same seed and sizes, same output.
    pub seed: u64,
    /// ClusterNetworkPolicies (admin and baseline tiers) after the NetworkPolicies; see the
    /// `tiers` module. 0 leaves the output as it always was.
    pub cluster_policies: usize,
    /// Objects shaped as a live cluster has them (`managedFields`, full pod specs and status,
    /// last-applied annotations; see [`generate`]) instead of just the fields netpol reads. The
    /// cluster means the same either way.
    pub realistic: bool,
}

impl Default for GenConfig {
    /// A small cluster: 5 namespaces of 10 pods, 20 policies, seed 1.
    fn default() -> GenConfig {
        GenConfig {
            namespaces: 5,
            pods_per_namespace: 10,
            policies: 20,
            seed: 1,
            realistic: false,
            cluster_policies: 0,
        }
    }
}

impl GenConfig {
    /// The number of pods the cluster will have: `namespaces × pods_per_namespace +`
    /// [`COREDNS_PODS`] (saturating at `usize::MAX`).
    pub fn pod_count(&self) -> usize {
        self.namespaces.saturating_mul(self.pods_per_namespace).saturating_add(COREDNS_PODS)
    }
}

impl GenConfig {
    /// Whether the generator can make this cluster: at most [`MAX_NAMESPACES`] namespaces,
    /// [`MAX_POLICIES`] policies and [`MAX_PODS`] pods ([`GenConfig::pod_count`]).
    pub fn check(&self) -> Result<(), GenError> {
        let over = |what, asked, max| if asked > max { Err(GenError { what, asked, max }) } else { Ok(()) };
        over("namespaces", self.namespaces, MAX_NAMESPACES)?;
        over("policies", self.policies, MAX_POLICIES)?;
        over("cluster policies", self.cluster_policies, MAX_POLICIES)?;
        over("pods", self.pod_count(), MAX_PODS)
    }
}

/// A size the generator cannot make: more than its maximum of one thing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenError {
    what: &'static str,
    asked: usize,
    max: usize,
}

impl GenError {
    /// What is too many: `namespaces`, `policies` or `pods` (CoreDNS included).
    pub fn what(&self) -> &'static str {
        self.what
    }

    /// How many were asked for.
    pub fn asked(&self) -> usize {
        self.asked
    }

    /// The most there can be.
    pub fn max(&self) -> usize {
        self.max
    }
}

impl core::fmt::Display for GenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let why = if self.what == "pods" { " (that fit the 10.64.0.0/10 pod network)" } else { "" };
        write!(f, "{} {} asked for: the generator makes at most {}{why}", self.asked, self.what, self.max)
    }
}

impl std::error::Error for GenError {}

/// Generates the cluster of `config` as YAML: see [`generate`]. A size over a maximum is an
/// error ([`GenConfig::check`]).
pub fn generate_yaml(config: &GenConfig) -> Result<String, GenError> {
    generate_string(config, Format::Yaml)
}

/// Generates the cluster of `config` in `format` as one string: see [`generate`].
pub fn generate_string(config: &GenConfig, format: Format) -> Result<String, GenError> {
    config.check()?;
    if config.realistic || format == Format::Json || config.cluster_policies > 0 {
        let mut out = Vec::with_capacity(config.pod_count().saturating_mul(if config.realistic { 8_000 } else { 700 }));
        generate(config, format, &mut out).map_err(|e| match e {
            GenerateError::Size(e) => e,
            GenerateError::Io(e) => unreachable!("writing to memory: {e}"),
        })?;
        return Ok(String::from_utf8(out).expect("the generator writes UTF-8"));
    }
    Ok(plain_yaml(config))
}

/// Why [`generate`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum GenerateError {
    /// The config asks for more than the generator makes.
    Size(GenError),
    /// Writing the output failed.
    Io(io::Error),
}

impl core::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            GenerateError::Size(e) => e.fmt(f),
            GenerateError::Io(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl std::error::Error for GenerateError {}

/// Writes the cluster of `config` to `out` in `format`, object by object (a realistic cluster
/// of 10,000 pods is about 240 MB of JSON; only one object is held as text at a time).
///
/// The output is one `kind: List` whose items are the namespaces, then the pods, then the
/// policies, each grouped by namespace, as `kubectl get namespaces,pods,networkpolicies -A`
/// prints it with `-o yaml` or `-o json`.
///
/// - Plain YAML (`realistic: false`, [`Format::Yaml`]) starts with a comment line naming the
///   config and holds only the fields netpol reads (about 640 bytes per pod); its bytes are
///   pinned by a test.
/// - Plain JSON holds the same fields, printed as `kubectl -o json` does (keys sorted, four
///   spaces).
/// - Realistic output (`realistic: true`) is what a live cluster prints: every object with
///   `managedFields`, a uid, a resource version and a creation time; pods with owner references
///   (ReplicaSet `<deployment>-<pod-template-hash>`, StatefulSet, DaemonSet), a full container
///   spec (image, args, env, resources, probes, security context, volume mounts), volumes,
///   tolerations, node and scheduler names and a status (conditions, container statuses with
///   image and container ids, host and pod IPs, QoS class, start time): about 24 KB of JSON or
///   10 KB of YAML per pod. Policies carry the `kubectl.kubernetes.io/last-applied-configuration`
///   annotation and the `policyTypes` the API server fills in. Keys are sorted at every level,
///   as kubectl prints them. The namespaces, labels, IPs, ports and rules are those of the plain
///   output for the same config.
pub fn generate(config: &GenConfig, format: Format, out: impl Write) -> Result<(), GenerateError> {
    config.check().map_err(GenerateError::Size)?;
    if !config.realistic && format == Format::Yaml && config.cluster_policies == 0 {
        let mut out = out;
        return out.write_all(plain_yaml(config).as_bytes()).and_then(|()| out.flush()).map_err(GenerateError::Io);
    }
    let cluster = cluster::generate(config);
    let policies = policies::generate(&cluster, config.policies, config.seed);
    let mut list = kubectl::ListWriter::new(out, format);
    let seed = config.seed;
    let names = |i: usize| cluster.namespaces[i].name.as_str();
    let write = |list: &mut kubectl::ListWriter<_>| -> io::Result<()> {
        for ns in &cluster.namespaces {
            list.item(&if config.realistic { objects::namespace(ns, seed) } else { objects::plain_namespace(ns) })?;
        }
        for pod in &cluster.pods {
            let ns = names(pod.namespace);
            list.item(&if config.realistic { objects::pod(pod, ns, seed) } else { objects::plain_pod(pod, ns) })?;
        }
        for policy in &policies {
            let ns = names(policy.namespace);
            let object =
                if config.realistic { objects::policy(policy, ns, seed) } else { objects::plain_policy(policy, ns) };
            list.item(&object)?;
        }
        for object in tiers::generate(&cluster, config.cluster_policies) {
            list.item(&object)?;
        }
        Ok(())
    };
    write(&mut list).and_then(|()| list.finish()).map_err(GenerateError::Io)
}

/// The plain YAML of `config` (which has passed [`GenConfig::check`]), written by hand.
fn plain_yaml(config: &GenConfig) -> String {
    let cluster = cluster::generate(config);
    let policies = policies::generate(&cluster, config.policies, config.seed);
    let mut out = String::with_capacity(cluster.pods.len() * 640 + policies.len() * 800 + 1024);
    out.push_str(&format!(
        "# netpol-gen: {} namespaces x {} pods (+{COREDNS_PODS} CoreDNS), {} policies, seed {}\n",
        config.namespaces, config.pods_per_namespace, config.policies, config.seed
    ));
    yaml::list_start(&mut out);
    for ns in &cluster.namespaces {
        yaml::namespace(&mut out, ns);
    }
    for pod in &cluster.pods {
        yaml::pod(&mut out, pod, &cluster.namespaces[pod.namespace].name);
    }
    for policy in &policies {
        yaml::policy(&mut out, policy, &cluster.namespaces[policy.namespace].name);
    }
    out
}
