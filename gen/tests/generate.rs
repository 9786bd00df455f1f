//! The generator's promises: deterministic, loadable by netpol's strict loader, sized as asked,
//! and a realistic mix of policies.

use std::collections::BTreeSet;

use netpol::k8s::{LoadOptions, Loader};
use netpol::spec::{Operator, Peer, PortMatch};
use netpol::Cluster;
use netpol_gen::{GenConfig, COREDNS_PODS, MAX_NAMESPACES, MAX_PODS, MAX_POLICIES};

fn generate_yaml(config: &GenConfig) -> String {
    netpol_gen::generate_yaml(config).expect("within the generator's maximums")
}

fn config(namespaces: usize, pods_per_namespace: usize, policies: usize, seed: u64) -> GenConfig {
    GenConfig { namespaces, pods_per_namespace, policies, seed, realistic: false, cluster_policies: 0 }
}

fn load(config: &GenConfig) -> Cluster {
    let yaml = generate_yaml(config);
    match Cluster::from_yaml_str(&yaml) {
        Ok(cluster) => cluster,
        Err(e) => {
            let problems: Vec<String> = e.diagnostics().iter().take(20).map(|d| d.to_string()).collect();
            panic!("{config:?} does not load:\n{}", problems.join("\n"))
        }
    }
}

/// Loads a cluster too large for one input of netpol's YAML reader (it caps the YAML nodes per
/// input) by splitting the List into Lists of `per_piece` objects, validated together.
fn load_in_pieces(yaml: &str, per_piece: usize) -> Cluster {
    let (_, items) = yaml.split_once("items:\n").expect("a kind: List");
    let mut loader = Loader::new(LoadOptions::default());
    let mut piece = String::new();
    let mut objects = 0;
    for line in items.lines() {
        if line.starts_with("- ") {
            if objects == per_piece {
                loader.add_str(&piece, "piece");
                (piece, objects) = (String::new(), 0);
            }
            if objects == 0 {
                piece.push_str("apiVersion: v1\nkind: List\nitems:\n");
            }
            objects += 1;
        }
        piece.push_str(line);
        piece.push('\n');
    }
    loader.add_str(&piece, "piece");
    loader.finish().unwrap_or_else(|e| panic!("{}", e.diagnostics()[0]))
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = config(4, 12, 30, 7);
    assert_eq!(generate_yaml(&a), generate_yaml(&a));
    assert_ne!(generate_yaml(&a), generate_yaml(&GenConfig { seed: 8, ..a }));
}

#[test]
fn the_default_output_is_pinned() {
    // FNV-1a of the default cluster. A deliberate change to the generator updates this number,
    // and says so: saved outputs and bench baselines change with it.
    let yaml = generate_yaml(&GenConfig::default());
    let hash = yaml.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    assert_eq!((hash, yaml.len()), (10_442_894_004_194_929_640, 41_148));
}

#[test]
fn more_policies_leave_the_pods_alone() {
    let few = generate_yaml(&config(4, 12, 10, 3));
    let many = generate_yaml(&config(4, 12, 50, 3));
    let objects = |yaml: &str| -> String {
        let start = yaml.find("kind: NetworkPolicy").unwrap();
        yaml[yaml.find('\n').unwrap()..start].to_string()
    };
    assert_eq!(objects(&few), objects(&many));
}

#[test]
fn loads_strictly_with_the_configured_counts() {
    for c in [
        config(0, 0, 0, 1),
        config(0, 5, 4, 1),
        config(1, 1, 1, 2),
        config(1, 30, 50, 3),
        config(2, 3, 7, 4),
        config(3, 5, 10, 1),
        config(10, 20, 60, 1),
        config(7, 9, 200, 5),
    ] {
        let cluster = load(&c);
        assert_eq!(cluster.pods().len(), c.namespaces * c.pods_per_namespace + COREDNS_PODS, "{c:?}");
        assert_eq!(cluster.pods().len(), c.pod_count());
        assert_eq!(cluster.policies().len(), c.policies, "{c:?}");
        assert_eq!(cluster.namespaces().len(), c.namespaces + 1, "{c:?}");
        assert!(cluster.warnings().is_empty(), "{c:?}: {:?}", cluster.warnings());
        let ips: BTreeSet<_> = cluster.pods().iter().flat_map(|p| p.ips.iter().copied()).collect();
        assert_eq!(ips.len(), cluster.pods().len(), "one unique IP per pod");
    }
}

#[test]
fn a_large_cluster_has_the_configured_counts() {
    let c = config(50, 200, 2000, 1);
    let yaml = generate_yaml(&c);
    assert_eq!(yaml.matches("\n  kind: Pod\n").count(), 10_000 + COREDNS_PODS);
    assert_eq!(yaml.matches("\n  kind: NetworkPolicy\n").count(), 2000);
    assert_eq!(yaml.matches("\n  kind: Namespace\n").count(), 51);
}

/// The benches' largest size loads in one piece (a 7 MB `kind: List`, past the YAML reader's
/// default node and event budgets, which the loader scales with the input).
#[test]
fn a_large_cluster_loads_strictly() {
    let c = config(50, 200, 2000, 1);
    let cluster = netpol::Cluster::from_yaml_str(&generate_yaml(&c)).unwrap();
    assert_eq!(cluster.pods().len(), c.pod_count());
    assert_eq!(cluster.policies().len(), 2000);
    assert!(cluster.warnings().is_empty(), "{:?}", &cluster.warnings()[..1]);
}

#[test]
fn pieces_load_like_the_whole() {
    let yaml = generate_yaml(&config(6, 10, 40, 2));
    let whole = load(&config(6, 10, 40, 2));
    let pieces = load_in_pieces(&yaml, 7);
    assert_eq!(whole.pods(), pieces.pods());
    assert_eq!(whole.policies(), pieces.policies());
}

#[test]
fn pods_look_like_kubernetes_made_them() {
    let cluster = load(&config(5, 20, 0, 9));
    let coredns: Vec<_> = cluster.pods().iter().filter(|p| p.namespace == "kube-system").collect();
    assert_eq!(coredns.len(), 2);
    for pod in &coredns {
        assert_eq!(pod.labels["k8s-app"], "kube-dns");
        let ports: Vec<_> =
            pod.ports.iter().map(|p| (p.name.as_deref().unwrap(), p.number, p.protocol.as_str())).collect();
        assert!(ports.contains(&("dns", 53, "UDP")) && ports.contains(&("dns-tcp", 53, "TCP")), "{ports:?}");
    }
    let names: BTreeSet<&str> = cluster.namespaces().iter().map(|n| n.name.as_str()).collect();
    assert!(names.contains("monitoring") && names.contains("shop-prod") && names.contains("payments-prod"));
    let shop = &cluster.namespaces()[cluster.namespace_id("shop-prod").unwrap().index()];
    for key in ["team", "env", "tier"] {
        assert!(shop.labels.contains_key(key), "{:?}", shop.labels);
    }
    let deployed: Vec<_> = cluster.pods().iter().filter(|p| p.labels.contains_key("pod-template-hash")).collect();
    for pod in deployed.iter().filter(|p| p.namespace != "kube-system") {
        // <deployment>-<hash>-<5 characters>
        let hash = &pod.labels["pod-template-hash"];
        let expected = format!("{}-{hash}-", pod.labels["app"]);
        assert!(pod.name.starts_with(&expected) && pod.name.len() == expected.len() + 5, "{}", pod.name);
        for key in ["app", "tier", "version"] {
            assert!(pod.labels.contains_key(key), "{}: {:?}", pod.name, pod.labels);
        }
    }
    assert!(cluster.pods().iter().any(|p| p.name == "db-0") && cluster.pods().iter().any(|p| p.name == "db-1"));
    assert!(cluster.pods().iter().any(|p| p.ports.iter().any(|c| c.name.as_deref() == Some("metrics"))));
}

#[test]
fn the_policy_mix_has_every_kind() {
    let cluster = load(&config(10, 20, 60, 1));
    let policies = cluster.policies();
    let mut kinds = BTreeSet::new();
    for p in policies {
        let all_rules = p.ingress.iter().chain(&p.egress);
        if p.pod_selector.is_empty() && p.affects_ingress && p.affects_egress && p.ingress.is_empty() {
            kinds.insert("default-deny");
        }
        for expr in p.pod_selector.match_expressions() {
            kinds.insert(match expr.operator() {
                Operator::In => "In",
                Operator::NotIn => "NotIn",
                Operator::Exists => "Exists",
                Operator::DoesNotExist => "DoesNotExist",
            });
        }
        for rule in all_rules {
            for port in &rule.ports {
                match &port.port {
                    PortMatch::Named(_) => kinds.insert("named port"),
                    PortMatch::Range { first, last } if first < last => kinds.insert("endPort"),
                    _ => false,
                };
            }
            for peer in &rule.peers {
                match peer {
                    Peer::IpBlock(block) if !block.except().is_empty() => {
                        kinds.insert(if p.egress.contains(rule) { "ipBlock egress except" } else { "ipBlock except" });
                    }
                    Peer::IpBlock(_) => {}
                    Peer::Selector { pod_selector, namespace_selector } => {
                        for s in pod_selector.iter().chain(namespace_selector) {
                            for expr in s.match_expressions() {
                                kinds.insert(match expr.operator() {
                                    Operator::In => "In",
                                    Operator::NotIn => "NotIn",
                                    Operator::Exists => "Exists",
                                    Operator::DoesNotExist => "DoesNotExist",
                                });
                            }
                        }
                        let same_app = p.pod_selector.match_labels().get("app").is_some()
                            && namespace_selector.is_none()
                            && pod_selector.as_ref() == Some(&p.pod_selector);
                        if same_app {
                            kinds.insert("same-app");
                        }
                        if let Some(ns) = namespace_selector {
                            let labels = ns.match_labels();
                            if labels.get("kubernetes.io/metadata.name").is_some_and(|n| n == "kube-system")
                                && pod_selector.as_ref().is_some_and(|s| s.match_labels().get("k8s-app").is_some())
                            {
                                kinds.insert("dns egress");
                            } else if labels.get("kubernetes.io/metadata.name").is_some_and(|n| n == "monitoring") {
                                kinds.insert("from monitoring");
                            } else if labels.contains_key("kubernetes.io/metadata.name") {
                                kinds.insert("from namespace by name");
                            } else if labels.contains_key("team") {
                                kinds.insert("from namespace by team");
                            }
                        }
                    }
                    _ => panic!("a peer kind the generator does not make: {peer:?}"),
                }
            }
        }
    }
    let expected = [
        "default-deny",
        "same-app",
        "from namespace by name",
        "from namespace by team",
        "dns egress",
        "from monitoring",
        "ipBlock egress except",
        "ipBlock except",
        "named port",
        "endPort",
        "In",
        "NotIn",
        "Exists",
        "DoesNotExist",
    ];
    let missing: Vec<_> = expected.iter().filter(|k| !kinds.contains(*k)).collect();
    assert!(missing.is_empty(), "missing {missing:?}; found {kinds:?}");
    assert!(
        policies.iter().any(|p| p.namespace == "monitoring"
            && p.egress.iter().any(|r| r
                .peers
                .iter()
                .any(|peer| matches!(peer, Peer::Selector { namespace_selector: Some(ns), .. } if ns.is_empty())))),
        "Prometheus scrapes every namespace"
    );
}

#[test]
fn sizes_over_the_maximums_are_refused_not_a_panic() {
    let over = [
        (config(MAX_NAMESPACES + 1, 0, 0, 1), "namespaces"),
        (config(3, 10, MAX_POLICIES + 1, 1), "policies"),
        (config(3, 10, usize::MAX, 1), "policies"),
        (config(usize::MAX, usize::MAX, 0, 1), "namespaces"),
        (config(1, MAX_PODS, 0, 1), "pods"),
        (config(1, usize::MAX, 0, 1), "pods"),
    ];
    for (c, what) in over {
        let e = netpol_gen::generate_yaml(&c).unwrap_err();
        assert_eq!(e.what(), what, "{c:?}");
        assert!(e.to_string().contains(&format!("at most {}", e.max())), "{e}");
    }
    // At the namespace maximum with no pods or policies, it still generates (quickly).
    let yaml = generate_yaml(&config(MAX_NAMESPACES, 0, 0, 1));
    assert!(yaml.contains("shop-prod"));
}
