//! NetworkPolicies: how many each namespace gets, and what they say.
//!
//! The second stage of the generator. Every namespace has an endless, ordered stream of
//! policies, most important first (default-deny, DNS, monitoring, then each workload's own
//! policies, then partner-egress extras); a namespace's quota takes that many from the front. The
//! rules only name labels, ports and namespaces the first stage created, so they select real
//! pods and resolve real named ports.

use crate::cluster::{Cluster, Namespace, Purpose, Role};
use crate::rng::Rng;

/// The private ranges an internet-facing rule leaves out.
const PRIVATE: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// Payment and SaaS providers the APIs call (documentation ranges).
const PARTNERS: [&str; 3] = ["203.0.113", "198.51.100", "192.0.2"];

/// One `matchExpressions` entry.
#[derive(Clone, Debug)]
pub(crate) struct Expression {
    pub(crate) key: &'static str,
    pub(crate) operator: &'static str,
    pub(crate) values: Vec<String>,
}

/// A label selector; empty is `{}`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Selector {
    pub(crate) labels: Vec<(&'static str, String)>,
    pub(crate) expressions: Vec<Expression>,
}

/// A `from`/`to` entry.
#[derive(Clone, Debug)]
pub(crate) enum Peer {
    Selectors { namespaces: Option<Selector>, pods: Option<Selector> },
    IpBlock { cidr: String, except: Vec<String> },
}

/// A `port` value, with or without `endPort`.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PortValue {
    Number(u16),
    Range(u16, u16),
    Named(&'static str),
}

/// One entry of `ports`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Port {
    pub(crate) protocol: &'static str,
    pub(crate) value: PortValue,
}

/// An ingress or egress rule.
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub(crate) peers: Vec<Peer>,
    pub(crate) ports: Vec<Port>,
}

/// A NetworkPolicy.
#[derive(Clone, Debug)]
pub(crate) struct Policy {
    /// Index into [`Cluster::namespaces`].
    pub(crate) namespace: usize,
    pub(crate) name: String,
    pub(crate) pod_selector: Selector,
    /// `None` leaves `policyTypes` out (S4 defaults it from the rules).
    pub(crate) types: Option<&'static [&'static str]>,
    pub(crate) ingress: Vec<Rule>,
    pub(crate) egress: Vec<Rule>,
}

const INGRESS: Option<&[&str]> = Some(&["Ingress"]);
const EGRESS: Option<&[&str]> = Some(&["Egress"]);
const BOTH: Option<&[&str]> = Some(&["Ingress", "Egress"]);

fn labels(pairs: &[(&'static str, &str)]) -> Selector {
    Selector { labels: pairs.iter().map(|&(k, v)| (k, v.to_string())).collect(), expressions: Vec::new() }
}

fn expression(key: &'static str, operator: &'static str, values: &[&str]) -> Expression {
    Expression { key, operator, values: values.iter().map(|v| v.to_string()).collect() }
}

fn app(name: &str) -> Selector {
    labels(&[("app", name)])
}

fn pods(selector: Selector) -> Peer {
    Peer::Selectors { namespaces: None, pods: Some(selector) }
}

fn in_namespaces(namespaces: Selector, pods: Option<Selector>) -> Peer {
    Peer::Selectors { namespaces: Some(namespaces), pods }
}

fn namespace_named(name: &str) -> Selector {
    labels(&[("kubernetes.io/metadata.name", name)])
}

fn ip_block(cidr: &str, except: &[&str]) -> Peer {
    Peer::IpBlock { cidr: cidr.to_string(), except: except.iter().map(|e| e.to_string()).collect() }
}

fn tcp(value: PortValue) -> Port {
    Port { protocol: "TCP", value }
}

fn named(name: &'static str) -> Port {
    tcp(PortValue::Named(name))
}

fn number(n: u16) -> Port {
    tcp(PortValue::Number(n))
}

fn rule(peers: Vec<Peer>, ports: Vec<Port>) -> Rule {
    Rule { peers, ports }
}

/// What a workload's policy is about.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Ingress,
    Egress,
    SameApp,
    FromNamespace,
    FromTeam,
}

/// The workload policies of each role, most important first.
fn kinds(role: Role) -> &'static [Kind] {
    match role {
        Role::Web => &[Kind::Ingress, Kind::Egress, Kind::SameApp],
        Role::Api => &[Kind::Ingress, Kind::Egress, Kind::FromNamespace],
        Role::Worker => &[Kind::Egress, Kind::Ingress, Kind::SameApp],
        Role::Database => &[Kind::Ingress, Kind::SameApp, Kind::FromTeam],
        Role::Cache => &[Kind::Ingress, Kind::SameApp],
        Role::Prometheus => &[Kind::Egress, Kind::Ingress],
        Role::Alertmanager | Role::Grafana => &[Kind::Ingress, Kind::Egress],
        Role::KubeStateMetrics | Role::NodeExporter | Role::CoreDns => &[],
    }
}

/// A namespace-wide policy that opens its stream.
#[derive(Clone, Copy, Debug)]
enum Head {
    DefaultDeny,
    DefaultDenyIngress,
    AllowDns,
    AllowMonitoring,
    AllowScrape,
    DnsFromCluster,
    CoreDnsEgress,
}

/// One entry of a namespace's policy stream.
#[derive(Clone, Copy, Debug)]
enum Item {
    Head(Head),
    Workload(usize, Kind),
    /// The `n`-th partner-egress policy, once everything else is used up.
    Extra(usize),
}

fn heads(purpose: Purpose) -> &'static [Head] {
    match purpose {
        Purpose::KubeSystem => &[Head::DnsFromCluster, Head::DefaultDenyIngress, Head::CoreDnsEgress],
        Purpose::Monitoring => &[Head::DefaultDeny, Head::AllowDns, Head::AllowScrape],
        Purpose::App => &[Head::DefaultDeny, Head::AllowDns, Head::AllowMonitoring],
    }
}

/// How many policies each namespace gets: one each in turn, over the namespaces after
/// `kube-system` and then `kube-system`. While a team namespace exists, `kube-system` and
/// `monitoring` leave the round-robin once their own policies are used up (they get no
/// partner-egress extras); team namespaces never do.
fn quotas(cluster: &Cluster, total: usize) -> Vec<usize> {
    let any_app = cluster.namespaces.iter().any(|ns| ns.purpose == Purpose::App);
    let caps: Vec<usize> = cluster
        .namespaces
        .iter()
        .map(|ns| match ns.purpose {
            Purpose::KubeSystem | Purpose::Monitoring if any_app => {
                heads(ns.purpose).len() + ns.workloads.iter().map(|w| kinds(w.role).len()).sum::<usize>()
            }
            _ => usize::MAX,
        })
        .collect();
    let n = caps.len();
    let mut quotas = vec![0; n];
    let mut left = total;
    // Whole rounds at once while every namespace is below its cap, then one at a time.
    while left > 0 {
        let open: Vec<usize> = (1..n).chain([0]).filter(|&i| quotas[i] < caps[i]).collect();
        let room = open.iter().map(|&i| caps[i] - quotas[i]).min().unwrap_or(usize::MAX);
        let rounds = (left / open.len()).min(room);
        if rounds > 0 {
            for &i in &open {
                quotas[i] += rounds;
            }
            left -= rounds * open.len();
        } else {
            for &i in open.iter().take(left) {
                quotas[i] += 1;
            }
            left = 0;
        }
    }
    quotas
}

/// Generates `total` policies for `cluster`, grouped by namespace (see the crate docs).
pub(crate) fn generate(cluster: &Cluster, total: usize, seed: u64) -> Vec<Policy> {
    let quotas = quotas(cluster, total);
    let apps: Vec<usize> =
        (0..cluster.namespaces.len()).filter(|&i| cluster.namespaces[i].purpose == Purpose::App).collect();
    let mut out = Vec::with_capacity(total);
    for (index, (ns, &quota)) in cluster.namespaces.iter().zip(&quotas).enumerate() {
        let mut maker = Maker { cluster, apps: &apps, index, ns, rng: Rng::new(seed, 2 * index as u64 + 2) };
        let stream = heads(ns.purpose)
            .iter()
            .map(|&h| Item::Head(h))
            .chain(
                ns.workloads
                    .iter()
                    .enumerate()
                    .flat_map(|(w, wl)| kinds(wl.role).iter().map(move |&k| Item::Workload(w, k))),
            )
            .chain((0..).map(Item::Extra));
        out.extend(stream.take(quota).map(|item| maker.policy(item)));
    }
    out
}

/// Builds the policies of one namespace.
struct Maker<'a> {
    cluster: &'a Cluster,
    /// The indexes of the team namespaces.
    apps: &'a [usize],
    index: usize,
    ns: &'a Namespace,
    rng: Rng,
}

impl<'a> Maker<'a> {
    fn new_policy(&self, name: String, pod_selector: Selector, types: Option<&'static [&'static str]>) -> Policy {
        Policy { namespace: self.index, name, pod_selector, types, ingress: Vec::new(), egress: Vec::new() }
    }

    fn policy(&mut self, item: Item) -> Policy {
        match item {
            Item::Head(head) => self.head(head),
            Item::Workload(w, kind) => self.workload(w, kind),
            Item::Extra(n) => self.extra(n),
        }
    }

    /// A random team namespace other than this one (this one when it is the only one).
    fn other_app(&mut self) -> &'a Namespace {
        let apps = self.apps;
        let k = match apps.iter().position(|&i| i == self.index) {
            Some(own) if apps.len() > 1 => {
                let k = self.rng.below(apps.len() - 1);
                k + usize::from(k >= own)
            }
            _ => self.rng.below(apps.len()),
        };
        &self.cluster.namespaces[apps[k]]
    }

    fn head(&mut self, head: Head) -> Policy {
        let dns = || in_namespaces(namespace_named("kube-system"), Some(labels(&[("k8s-app", "kube-dns")])));
        match head {
            Head::DefaultDeny => self.new_policy("default-deny".into(), Selector::default(), BOTH),
            Head::DefaultDenyIngress => self.new_policy("default-deny-ingress".into(), Selector::default(), INGRESS),
            Head::AllowDns => {
                let mut p = self.new_policy("allow-dns".into(), Selector::default(), EGRESS);
                // Half the teams write the numbers, half CoreDNS's port names.
                let ports = if self.rng.chance(50) {
                    vec![Port { protocol: "UDP", value: PortValue::Number(53) }, number(53)]
                } else {
                    vec![Port { protocol: "UDP", value: PortValue::Named("dns") }, named("dns-tcp")]
                };
                p.egress.push(rule(vec![dns()], ports));
                p
            }
            Head::AllowMonitoring => {
                let mut p = self.new_policy("allow-monitoring".into(), Selector::default(), INGRESS);
                let prometheus = in_namespaces(namespace_named("monitoring"), Some(app("prometheus")));
                p.ingress.push(rule(vec![prometheus], vec![named("metrics"), tcp(PortValue::Range(9100, 9199))]));
                p
            }
            Head::AllowScrape => {
                let mut p = self.new_policy("allow-scrape".into(), Selector::default(), INGRESS);
                let ports = vec![named("metrics"), named("http-metrics"), tcp(PortValue::Range(9100, 9199))];
                p.ingress.push(rule(vec![pods(app("prometheus"))], ports));
                p
            }
            Head::DnsFromCluster => {
                let mut p = self.new_policy("dns-from-cluster".into(), labels(&[("k8s-app", "kube-dns")]), None);
                let dns_ports = vec![Port { protocol: "UDP", value: PortValue::Named("dns") }, named("dns-tcp")];
                p.ingress.push(rule(vec![in_namespaces(Selector::default(), None)], dns_ports));
                p.ingress.push(rule(vec![in_namespaces(namespace_named("monitoring"), None)], vec![named("metrics")]));
                p
            }
            Head::CoreDnsEgress => {
                let mut p = self.new_policy("coredns-egress".into(), labels(&[("k8s-app", "kube-dns")]), EGRESS);
                let upstream = vec![Port { protocol: "UDP", value: PortValue::Number(53) }, number(53)];
                p.egress.push(rule(vec![ip_block("0.0.0.0/0", &["10.0.0.0/8"])], upstream));
                p
            }
        }
    }

    fn workload(&mut self, w: usize, kind: Kind) -> Policy {
        let workload = &self.ns.workloads[w];
        let (name, role) = (workload.name.as_str(), workload.role);
        let selector = app(name);
        match kind {
            Kind::SameApp => {
                // Both directions in one policy, policyTypes left to the S4 default.
                let mut p = self.new_policy(format!("{name}-same-app"), selector.clone(), None);
                let ports: Vec<Port> = match role {
                    Role::Database => vec![named("postgres")],
                    Role::Cache => vec![named("redis"), named("cluster-bus")],
                    _ => Vec::new(),
                };
                p.ingress.push(rule(vec![pods(selector.clone())], ports.clone()));
                p.egress.push(rule(vec![pods(selector)], ports));
                p
            }
            Kind::FromNamespace if w % 2 == 1 => self.allow_from_team(name, "backend", vec![named("grpc")]),
            Kind::FromNamespace => {
                let caller = self.other_app().name.clone();
                let mut p = self.new_policy(format!("{name}-from-{caller}"), selector, INGRESS);
                let peer = in_namespaces(namespace_named(&caller), Some(labels(&[("tier", "web")])));
                p.ingress.push(rule(vec![peer], vec![named("http"), named("grpc")]));
                p
            }
            Kind::FromTeam => self.allow_from_team(name, "worker", vec![named("postgres")]),
            Kind::Ingress => {
                let mut p = self.new_policy(format!("{name}-ingress"), selector, INGRESS);
                p.ingress = match role {
                    Role::Web => vec![rule(vec![ip_block("0.0.0.0/0", &PRIVATE)], vec![named("http")])],
                    Role::Api => {
                        let callers = Selector {
                            labels: Vec::new(),
                            expressions: vec![expression("tier", "In", &["backend", "web"])],
                        };
                        vec![rule(vec![pods(callers)], vec![named("http"), named("grpc")])]
                    }
                    Role::Worker => {
                        let any_app =
                            Selector { labels: Vec::new(), expressions: vec![expression("app", "Exists", &[])] };
                        vec![rule(vec![pods(any_app)], vec![named("health")])]
                    }
                    Role::Database => {
                        // Services and workers, but not one-off Job pods.
                        let clients = Selector {
                            labels: Vec::new(),
                            expressions: vec![
                                expression("tier", "In", &["backend", "worker"]),
                                expression("job-name", "DoesNotExist", &[]),
                            ],
                        };
                        vec![rule(vec![pods(clients)], vec![named("postgres")])]
                    }
                    Role::Cache => vec![rule(
                        vec![pods(labels(&[("tier", "backend")])), pods(labels(&[("tier", "worker")]))],
                        vec![named("redis")],
                    )],
                    Role::Prometheus => vec![
                        rule(vec![pods(app("grafana"))], vec![named("web")]),
                        rule(vec![pods(app("prometheus"))], vec![named("web")]),
                    ],
                    Role::Alertmanager => vec![
                        rule(vec![pods(app("prometheus"))], vec![named("web")]),
                        rule(vec![pods(app("alertmanager"))], vec![named("mesh")]),
                    ],
                    Role::Grafana => {
                        // The office VPN, minus the guest Wi-Fi.
                        let office = ip_block("192.168.0.0/16", &["192.168.255.0/24"]);
                        vec![rule(vec![office], vec![named("http")])]
                    }
                    Role::KubeStateMetrics | Role::NodeExporter | Role::CoreDns => Vec::new(),
                };
                p
            }
            Kind::Egress => {
                let mut p = self.new_policy(format!("{name}-egress"), selector, EGRESS);
                p.egress = match role {
                    Role::Web => {
                        vec![rule(vec![pods(labels(&[("tier", "backend")]))], vec![named("http"), named("grpc")])]
                    }
                    Role::Api => {
                        let partner = self.rng.pick(&PARTNERS);
                        let cidr = format!("{partner}.0/24");
                        let except = format!("{partner}.{}/28", 16 * self.rng.below(16));
                        vec![
                            rule(vec![pods(labels(&[("tier", "database")]))], vec![number(5432)]),
                            rule(vec![pods(labels(&[("tier", "cache")]))], vec![named("redis")]),
                            rule(vec![ip_block(&cidr, &[&except])], vec![number(443)]),
                        ]
                    }
                    Role::Worker => vec![
                        rule(vec![ip_block("0.0.0.0/0", &["10.0.0.0/8"])], vec![number(443)]),
                        rule(vec![pods(labels(&[("tier", "backend")]))], vec![named("grpc")]),
                        rule(vec![pods(labels(&[("tier", "database")]))], vec![named("postgres")]),
                    ],
                    Role::Prometheus => {
                        // Scrape everything, everywhere, on the metrics ports.
                        let ports = vec![
                            named("metrics"),
                            named("http-metrics"),
                            tcp(PortValue::Range(9100, 9199)),
                            number(9153),
                        ];
                        vec![
                            rule(vec![in_namespaces(Selector::default(), None)], ports),
                            rule(vec![pods(app("alertmanager"))], vec![named("web")]),
                        ]
                    }
                    Role::Alertmanager => vec![
                        rule(vec![ip_block("0.0.0.0/0", &PRIVATE)], vec![number(443)]),
                        rule(vec![pods(app("alertmanager"))], vec![named("mesh")]),
                    ],
                    Role::Grafana => vec![rule(vec![pods(app("prometheus"))], vec![named("web")])],
                    _ => Vec::new(),
                };
                p
            }
        }
    }

    /// Ingress from pods of `tier` in the non-dev namespaces of another team.
    fn allow_from_team(&mut self, name: &str, tier: &str, ports: Vec<Port>) -> Policy {
        let team = self.other_app().team;
        let mut p = self.new_policy(format!("{name}-from-team-{team}"), app(name), INGRESS);
        let namespaces = Selector {
            labels: vec![("team", team.to_string())],
            expressions: vec![expression("env", "NotIn", &["dev", "qa"])],
        };
        p.ingress.push(rule(vec![in_namespaces(namespaces, Some(labels(&[("tier", tier)])))], ports));
        p
    }

    /// Egress to the `n`-th partner range (in 198.18.0.0/15), minus a /28, on HTTPS ports.
    fn extra(&mut self, n: usize) -> Policy {
        let (name, selector) = match self.ns.workloads.len() {
            0 => (format!("allow-partner-{}", n + 1), Selector::default()),
            w => {
                let workload = &self.ns.workloads[n % w];
                let selector = match workload.role {
                    Role::CoreDns => labels(&[("k8s-app", "kube-dns")]),
                    _ => app(&workload.name),
                };
                (format!("{}-partner-{}", workload.name, n / w + 1), selector)
            }
        };
        let mut p = self.new_policy(name, selector, EGRESS);
        let range = self.rng.below(512);
        let prefix = format!("198.{}.{}", 18 + range / 256, range % 256);
        let except = format!("{prefix}.{}/28", 16 * self.rng.below(16));
        let ports = vec![number(443), tcp(PortValue::Range(8443, 8449))];
        p.egress.push(rule(vec![ip_block(&format!("{prefix}.0/24"), &[&except])], ports));
        p
    }
}

#[cfg(test)]
mod tests {
    use super::quotas;
    use crate::{cluster, GenConfig};

    #[test]
    fn quotas_add_up_and_cap_the_system_namespaces() {
        for namespaces in 0..6 {
            for pods_per_namespace in [0, 3, 10] {
                for policies in 0..80 {
                    let config = GenConfig {
                        namespaces,
                        pods_per_namespace,
                        policies,
                        seed: 1,
                        realistic: false,
                        cluster_policies: 0,
                    };
                    let c = cluster::generate(&config);
                    let q = quotas(&c, policies);
                    assert_eq!(q.iter().sum::<usize>(), policies, "{config:?}: {q:?}");
                    if namespaces > 0 {
                        assert!(q[0] <= 3, "{config:?}: {q:?}");
                        let apps = &q[1 + usize::from(namespaces > 1)..];
                        assert!(apps.iter().max().unwrap() - apps.iter().min().unwrap() <= 1, "{config:?}: {q:?}");
                    }
                }
            }
        }
        let c = cluster::generate(&GenConfig {
            namespaces: 3,
            pods_per_namespace: 10,
            policies: 0,
            seed: 1,
            realistic: false,
            cluster_policies: 0,
        });
        assert_eq!(quotas(&c, 3), vec![0, 1, 1, 1]);
        assert_eq!(quotas(&c, 13), vec![3, 4, 3, 3]);
        // monitoring's own 9 policies, then only the team namespaces grow.
        assert_eq!(quotas(&c, 100), vec![3, 9, 44, 44]);
    }
}
