//! Namespaces, workloads and pods: who runs where, with which labels, ports and IP.
//!
//! The first stage of the generator. Its output is a plain model that [`crate::policies`] reads
//! (to aim rules at labels and ports that exist) and [`crate::yaml`] prints.

use std::collections::BTreeSet;

use crate::rng::Rng;
use crate::GenConfig;

/// CoreDNS replicas in `kube-system`, always present.
pub(crate) const COREDNS_REPLICAS: usize = 2;

/// Nodes are numbered `0..MAX_NODES`; node `k` owns the pod range `10.(64 + k/256).(k%256).0/24`,
/// so the whole pod network is `10.64.0.0/10`.
pub(crate) const MAX_NODES: usize = 16_384;

/// Pod addresses per node: `.2` to `.254` of its /24 (`.1` is the node's bridge).
pub(crate) const IPS_PER_NODE: usize = 253;

/// Teams and the tier their namespaces carry: the `<team>-<env>` namespaces cycle through them.
const TEAMS: [(&str, &str); 16] = [
    ("shop", "frontend"),
    ("payments", "backend"),
    ("search", "backend"),
    ("identity", "backend"),
    ("orders", "backend"),
    ("inventory", "backend"),
    ("shipping", "backend"),
    ("billing", "backend"),
    ("catalog", "frontend"),
    ("reviews", "frontend"),
    ("notifications", "backend"),
    ("analytics", "data"),
    ("media", "frontend"),
    ("ads", "frontend"),
    ("support", "frontend"),
    ("loyalty", "backend"),
];

/// Environments, the second part of app namespace names.
const ENVS: [&str; 4] = ["prod", "staging", "dev", "qa"];

/// Every app namespace runs these first, in an order rotated per namespace.
const CORE: [(&str, Role); 5] = [
    ("frontend", Role::Web),
    ("api", Role::Api),
    ("db", Role::Database),
    ("worker", Role::Worker),
    ("redis", Role::Cache),
];

/// Further deployments, once the core ones are placed; `-2`, `-3`, ... when they run out.
const EXTRA: [(&str, Role); 20] = [
    ("cart", Role::Api),
    ("checkout", Role::Api),
    ("mailer", Role::Worker),
    ("pricing", Role::Api),
    ("indexer", Role::Worker),
    ("auth", Role::Api),
    ("admin", Role::Web),
    ("scheduler", Role::Worker),
    ("ledger", Role::Api),
    ("gateway", Role::Api),
    ("reporter", Role::Worker),
    ("profile", Role::Api),
    ("importer", Role::Worker),
    ("quotes", Role::Api),
    ("notifier", Role::Worker),
    ("accounts", Role::Api),
    ("portal", Role::Web),
    ("reconciler", Role::Worker),
    ("rates", Role::Api),
    ("exporter", Role::Worker),
];

/// The monitoring stack, in the order the pod budget is spent on it.
const MONITORING: [(&str, Role); 5] = [
    ("prometheus", Role::Prometheus),
    ("alertmanager", Role::Alertmanager),
    ("grafana", Role::Grafana),
    ("kube-state-metrics", Role::KubeStateMetrics),
    ("node-exporter", Role::NodeExporter),
];

/// Kubernetes' alphabet for generated name parts (no vowels, no look-alikes).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// A named container port.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ContainerPort {
    pub(crate) name: &'static str,
    pub(crate) number: u16,
    pub(crate) protocol: &'static str,
}

const fn tcp(name: &'static str, number: u16) -> ContainerPort {
    ContainerPort { name, number, protocol: "TCP" }
}

/// What a workload does; decides its tier label, ports, image and policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Web,
    Api,
    Worker,
    Database,
    Cache,
    Prometheus,
    Alertmanager,
    Grafana,
    KubeStateMetrics,
    NodeExporter,
    CoreDns,
}

/// How a workload's pods are named and labelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Controller {
    Deployment,
    StatefulSet,
    DaemonSet,
}

impl Role {
    /// The pods' `tier` label (CoreDNS has none: it is selected by `k8s-app`).
    pub(crate) fn tier(self) -> Option<&'static str> {
        Some(match self {
            Role::Web => "web",
            Role::Api => "backend",
            Role::Worker => "worker",
            Role::Database => "database",
            Role::Cache => "cache",
            Role::CoreDns => return None,
            _ => "monitoring",
        })
    }

    /// The container's ports.
    pub(crate) fn ports(self) -> &'static [ContainerPort] {
        match self {
            Role::Web => const { &[tcp("http", 8080), tcp("metrics", 9100)] },
            Role::Api => const { &[tcp("http", 8080), tcp("grpc", 9090), tcp("metrics", 9100)] },
            Role::Worker => const { &[tcp("health", 8081), tcp("metrics", 9100)] },
            Role::Database => const { &[tcp("postgres", 5432), tcp("metrics", 9187)] },
            Role::Cache => const { &[tcp("redis", 6379), tcp("cluster-bus", 16379), tcp("metrics", 9121)] },
            Role::Prometheus => const { &[tcp("web", 9090)] },
            Role::Alertmanager => const { &[tcp("web", 9093), tcp("mesh", 9094)] },
            Role::Grafana => const { &[tcp("http", 3000)] },
            Role::KubeStateMetrics => const { &[tcp("http-metrics", 8080), tcp("telemetry", 8081)] },
            Role::NodeExporter => const { &[tcp("metrics", 9100)] },
            Role::CoreDns => {
                const {
                    &[
                        ContainerPort { name: "dns", number: 53, protocol: "UDP" },
                        tcp("dns-tcp", 53),
                        tcp("metrics", 9153),
                    ]
                }
            }
        }
    }

    /// The kind of workload that runs this role's pods.
    pub(crate) fn controller(self) -> Controller {
        match self {
            Role::Database | Role::Cache | Role::Prometheus | Role::Alertmanager => Controller::StatefulSet,
            Role::NodeExporter => Controller::DaemonSet,
            _ => Controller::Deployment,
        }
    }

    /// Third-party images and their versions; `None` for the teams' own services.
    fn upstream_image(self) -> Option<(&'static str, &'static str)> {
        Some(match self {
            Role::Database => ("postgres", "16.4"),
            Role::Cache => ("redis", "7.4.1"),
            Role::Prometheus => ("quay.io/prometheus/prometheus", "v2.54.1"),
            Role::Alertmanager => ("quay.io/prometheus/alertmanager", "v0.27.0"),
            Role::Grafana => ("grafana/grafana", "11.2.0"),
            Role::KubeStateMetrics => ("registry.k8s.io/kube-state-metrics/kube-state-metrics", "v2.13.0"),
            Role::NodeExporter => ("quay.io/prometheus/node-exporter", "v1.8.2"),
            Role::CoreDns => ("registry.k8s.io/coredns/coredns", "v1.11.3"),
            Role::Web | Role::Api | Role::Worker => return None,
        })
    }
}

/// What a namespace is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    KubeSystem,
    Monitoring,
    /// A team's namespace: `<team>-<env>`.
    App,
}

/// A namespace and the workloads running in it.
#[derive(Debug)]
pub(crate) struct Namespace {
    pub(crate) name: String,
    pub(crate) purpose: Purpose,
    /// The team (`platform` for monitoring, empty for kube-system).
    pub(crate) team: &'static str,
    /// Labels besides `kubernetes.io/metadata.name`, sorted by key.
    pub(crate) labels: Vec<(&'static str, String)>,
    pub(crate) workloads: Vec<Workload>,
}

/// A deployment, statefulset or daemonset; its pods carry `app: <name>`.
#[derive(Debug)]
pub(crate) struct Workload {
    pub(crate) name: String,
    pub(crate) role: Role,
}

/// One running pod.
#[derive(Debug)]
pub(crate) struct Pod {
    /// Index into [`Cluster::namespaces`].
    pub(crate) namespace: usize,
    pub(crate) name: String,
    /// Sorted by key.
    pub(crate) labels: Vec<(&'static str, String)>,
    pub(crate) container: String,
    pub(crate) image: String,
    pub(crate) role: Role,
    pub(crate) node: usize,
    pub(crate) ip: [u8; 4],
}

/// The generated namespaces (`kube-system` first) and pods (grouped by namespace).
#[derive(Debug)]
pub(crate) struct Cluster {
    pub(crate) namespaces: Vec<Namespace>,
    pub(crate) pods: Vec<Pod>,
}

/// Hands out unique pod IPs: a random node, or the next one with room.
struct Nodes {
    used: Vec<usize>,
    rng: Rng,
}

impl Nodes {
    fn place(&mut self) -> (usize, [u8; 4]) {
        let n = self.used.len();
        let mut node = self.rng.below(n);
        while self.used[node] == IPS_PER_NODE {
            node = (node + 1) % n;
        }
        let host = 2 + self.used[node];
        self.used[node] += 1;
        (node, [10, 64 + (node / 256) as u8, (node % 256) as u8, host as u8])
    }
}

/// Node names and addresses, for the pods' `nodeName` and `hostIP`.
pub(crate) fn node_name(node: usize) -> String {
    format!("node-{}", node + 1)
}

/// The node's own address, in `10.0.0.0/16` (outside the pod network).
pub(crate) fn host_ip(node: usize) -> [u8; 4] {
    [10, 0, (node / 250) as u8, (node % 250 + 1) as u8]
}

fn random_name_part(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| char::from(rng.pick(NAME_ALPHABET))).collect()
}

fn random_version(rng: &mut Rng) -> String {
    format!("v{}.{}.{}", rng.range(1, 3), rng.range(0, 24), rng.range(0, 9))
}

/// Builds pods for one namespace; keeps names unique.
struct PodMaker<'a> {
    namespace: usize,
    team: &'a str,
    names: BTreeSet<String>,
    pods: &'a mut Vec<Pod>,
    nodes: &'a mut Nodes,
    rng: Rng,
}

impl PodMaker<'_> {
    /// A name `<prefix><5 random characters>` no other pod of the namespace has.
    fn fresh_name(&mut self, prefix: &str) -> String {
        loop {
            let name = format!("{prefix}{}", random_name_part(&mut self.rng, 5));
            if !self.names.contains(&name) {
                return name;
            }
        }
    }

    fn pod(&mut self, workload: &Workload, name: String, version: &str, mut labels: Vec<(&'static str, String)>) {
        assert!(self.names.insert(name.clone()), "pod names are unique by construction: {name}");
        if workload.role != Role::CoreDns {
            labels.push(("app", workload.name.clone()));
            labels.extend(workload.role.tier().map(|tier| ("tier", tier.to_string())));
            labels.push(("version", version.to_string()));
        }
        labels.sort();
        let image = match workload.role.upstream_image() {
            Some((image, _)) => format!("{image}:{version}"),
            None => format!("registry.example.com/{}/{}:{version}", self.team, workload.name),
        };
        let (node, ip) = self.nodes.place();
        self.pods.push(Pod {
            namespace: self.namespace,
            name,
            labels,
            container: workload.name.clone(),
            image,
            role: workload.role,
            node,
            ip,
        });
    }

    /// `replicas` pods of `workload`, named and labelled as its controller would.
    fn workload(&mut self, workload: &Workload, replicas: usize) {
        let version = match workload.role.upstream_image() {
            Some((_, version)) => version.to_string(),
            None => random_version(&mut self.rng),
        };
        match workload.role.controller() {
            Controller::Deployment => {
                // Now and then a rollout is under way: two ReplicaSets, two versions.
                let old = if replicas >= 2 && self.rng.chance(10) { replicas / 2 } else { 0 };
                let old_version = random_version(&mut self.rng);
                for (count, version) in [(old, old_version.as_str()), (replicas - old, version.as_str())] {
                    let hash = random_name_part(&mut self.rng, 10);
                    for _ in 0..count {
                        let name = self.fresh_name(&format!("{}-{hash}-", workload.name));
                        let labels = if workload.role == Role::CoreDns {
                            vec![("k8s-app", "kube-dns".to_string()), ("pod-template-hash", hash.clone())]
                        } else {
                            vec![("pod-template-hash", hash.clone())]
                        };
                        self.pod(workload, name, version, labels);
                    }
                }
            }
            Controller::StatefulSet => {
                let revision = format!("{}-{}", workload.name, random_name_part(&mut self.rng, 10));
                for i in 0..replicas {
                    let name = format!("{}-{i}", workload.name);
                    let labels = vec![
                        ("controller-revision-hash", revision.clone()),
                        ("statefulset.kubernetes.io/pod-name", name.clone()),
                    ];
                    self.pod(workload, name, &version, labels);
                }
            }
            Controller::DaemonSet => {
                let revision = random_name_part(&mut self.rng, 10);
                for _ in 0..replicas {
                    let name = self.fresh_name(&format!("{}-", workload.name));
                    let labels =
                        vec![("controller-revision-hash", revision.clone()), ("pod-template-generation", "1".into())];
                    self.pod(workload, name, &version, labels);
                }
            }
        }
    }
}

/// The name and role of the `k`-th workload of an app namespace.
fn app_workload(k: usize, rotation: usize, extra_offset: usize) -> Workload {
    if k < CORE.len() {
        let (name, role) = CORE[(k + rotation) % CORE.len()];
        return Workload { name: name.to_string(), role };
    }
    let e = k - CORE.len();
    let (name, role) = EXTRA[(e + extra_offset) % EXTRA.len()];
    let cycle = e / EXTRA.len();
    let name = if cycle == 0 { name.to_string() } else { format!("{name}-{}", cycle + 1) };
    Workload { name, role }
}

/// The replicas of a new workload: statefulsets keep small fixed sizes, deployments scale with
/// the namespace.
fn replicas(role: Role, pods_per_namespace: usize, rng: &mut Rng) -> usize {
    match role {
        Role::Database => 2 + usize::from(rng.chance(25)),
        Role::Cache => 1 + 2 * usize::from(rng.chance(50)),
        Role::Prometheus => 2,
        Role::NodeExporter => usize::MAX, // one per node: whatever budget is left
        Role::Alertmanager | Role::Grafana | Role::KubeStateMetrics => 1,
        Role::CoreDns => COREDNS_REPLICAS,
        Role::Web | Role::Api | Role::Worker => rng.range(1, (pods_per_namespace / 10).clamp(2, 10)),
    }
}

/// Generates the namespaces and pods of `config` (see the crate docs for the rules); `config`
/// has passed [`GenConfig::check`].
pub(crate) fn generate(config: &GenConfig) -> Cluster {
    let total = config.pod_count();
    assert!(
        total <= MAX_NODES * IPS_PER_NODE,
        "netpol-gen: {total} pods do not fit the 10.64.0.0/10 pod network (at most {})",
        crate::MAX_PODS
    );
    let node_count = total.div_ceil(100).clamp(3, MAX_NODES);
    let mut nodes = Nodes { used: vec![0; node_count], rng: Rng::new(config.seed, 0) };

    let mut namespaces = vec![Namespace {
        name: "kube-system".into(),
        purpose: Purpose::KubeSystem,
        team: "",
        labels: Vec::new(),
        workloads: Vec::new(),
    }];
    let with_monitoring = config.namespaces >= 2;
    if with_monitoring {
        let labels = vec![("env", "prod".into()), ("team", "platform".into()), ("tier", "ops".into())];
        namespaces.push(Namespace {
            name: "monitoring".into(),
            purpose: Purpose::Monitoring,
            team: "platform",
            labels,
            workloads: Vec::new(),
        });
    }
    for a in 0..config.namespaces - usize::from(with_monitoring) {
        let (team, tier) = TEAMS[a % TEAMS.len()];
        let env = ENVS[(a / TEAMS.len()) % ENVS.len()];
        let cycle = a / (TEAMS.len() * ENVS.len());
        let name = if cycle == 0 { format!("{team}-{env}") } else { format!("{team}-{env}-{}", cycle + 1) };
        let labels = vec![("env", env.into()), ("team", team.into()), ("tier", tier.into())];
        namespaces.push(Namespace { name, purpose: Purpose::App, team, labels, workloads: Vec::new() });
    }

    let mut pods = Vec::with_capacity(total);
    let mut app_ordinal = 0;
    for (index, ns) in namespaces.iter_mut().enumerate() {
        let mut rng = Rng::new(config.seed, 2 * index as u64 + 1);
        let budget = if ns.purpose == Purpose::KubeSystem { COREDNS_REPLICAS } else { config.pods_per_namespace };
        let extra_offset = rng.below(EXTRA.len());
        // Teams differ in what they run most: the core workloads come in a rotated order.
        let rotation = app_ordinal % CORE.len();
        app_ordinal += usize::from(ns.purpose == Purpose::App);
        let mut maker = PodMaker {
            namespace: index,
            team: ns.team,
            names: BTreeSet::new(),
            pods: &mut pods,
            nodes: &mut nodes,
            rng,
        };
        let mut left = budget;
        let mut k = 0;
        while left > 0 {
            let workload = match ns.purpose {
                Purpose::KubeSystem => Workload { name: "coredns".into(), role: Role::CoreDns },
                Purpose::Monitoring => {
                    let (name, role) = MONITORING[k.min(MONITORING.len() - 1)];
                    Workload { name: name.into(), role }
                }
                Purpose::App => app_workload(k, rotation, extra_offset),
            };
            let n = replicas(workload.role, config.pods_per_namespace, &mut maker.rng).min(left);
            maker.workload(&workload, n);
            left -= n;
            k += 1;
            ns.workloads.push(workload);
        }
    }
    Cluster { namespaces, pods }
}
