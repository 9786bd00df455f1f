//! `select` lookups (issue 22): which policies select a pod and which rules name it as a peer,
//! and what a policy selects and admits, on the bundled examples. The isolating policies must
//! be those the independent explanation walk reports, for every pod of both examples; a peer
//! listed must admit the pod in the engine's own answer when it is the only rule in play.

use std::path::PathBuf;

use netpol::raw::Strictness;
use netpol::select::{select_pod, select_policy, PeerOf};
use netpol::{Compiler, Direction, Endpoint, Engine, Protocol};

fn engine(file: &str) -> Engine {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let mut loader = netpol::k8s::Loader::new(netpol::k8s::LoadOptions {
        strictness: Strictness::Lenient,
        ..netpol::k8s::LoadOptions::default()
    });
    loader.add_path(&path);
    Compiler::new().compile(&loader.finish().unwrap())
}

fn peer<'a>(policy: &'a str, direction: Direction, path: &str) -> impl Fn(&PeerOf) -> bool + 'a {
    let path = path.to_owned();
    move |p: &PeerOf| p.policy == policy && p.direction == direction && p.path == path
}

#[test]
fn a_pods_selecting_policies_are_the_explanations_isolating_ones() {
    for file in ["examples/cluster.yaml", "examples/admin-tiers.yaml"] {
        let engine = engine(file);
        let cluster = engine.cluster();
        for i in 0..cluster.pods().len() as u32 {
            let pod = netpol::PodId(i);
            let found = select_pod(cluster, pod, engine.options());
            // Any connection into and out of the pod: the explanation names the isolating policies.
            let outside = Endpoint::Ip("192.0.2.1".parse().unwrap());
            let into = engine.explain(outside, Endpoint::Pod(pod), 80, Protocol::Tcp);
            let out_of = engine.explain(Endpoint::Pod(pod), outside, 80, Protocol::Tcp);
            let names = |ids: &[netpol::PolicyId]| -> Vec<String> {
                ids.iter().map(|&id| cluster.policy(id).qualified_name()).collect()
            };
            assert_eq!(found.ingress, names(&into.ingress.isolating), "{file}: {}", found.pod);
            assert_eq!(found.egress, names(&out_of.egress.isolating), "{file}: {}", found.pod);
        }
    }
}

#[test]
fn the_api_pod_in_the_example() {
    let engine = engine("examples/cluster.yaml");
    let id = engine.pod_id("shop/api-7f6d5c8b9-4kx8m").unwrap();
    let found = select_pod(engine.cluster(), id, engine.options());
    assert!(found.ingress.contains(&"shop/api-from-frontend".to_owned()), "{found:?}");
    assert!(found.egress.contains(&"shop/api-to-postgres".to_owned()), "{found:?}");
    assert!(!found.ingress.contains(&"shop/api-to-postgres".to_owned()), "an Egress policy isolates no ingress");
    // frontend may connect to it; postgres admits it as a source.
    assert!(found.peer_of.iter().any(peer(
        "NetworkPolicy shop/frontend-to-api",
        Direction::Egress,
        "spec.egress[0].to[0]"
    )));
    assert!(found.peer_of.iter().any(peer(
        "NetworkPolicy shop/postgres-from-api",
        Direction::Ingress,
        "spec.ingress[0].from[0]"
    )));
    // Nothing names it that does not match it: postgres-0 is not an api pod.
    let db = engine.pod_id("shop/postgres-0").unwrap();
    let db_found = select_pod(engine.cluster(), db, engine.options());
    assert!(!db_found.peer_of.iter().any(peer(
        "NetworkPolicy shop/frontend-to-api",
        Direction::Egress,
        "spec.egress[0].to[0]"
    )));
    let text = found.to_text();
    assert!(text.contains("NetworkPolicy shop/postgres-from-api spec.ingress[0].from[0] (as a source)"), "{text}");
    assert_eq!(found.to_json()["pod"], "shop/api-7f6d5c8b9-4kx8m");
}

#[test]
fn a_policys_pods_and_peers() {
    let engine = engine("examples/cluster.yaml");
    let found = select_policy(engine.cluster(), "shop/api-to-postgres", engine.options()).unwrap();
    assert_eq!(found.selects, ["shop/api-7f6d5c8b9-4kx8m", "shop/api-7f6d5c8b9-v7p2s"]);
    assert_eq!(found.directions, [Direction::Egress]);
    assert_eq!(found.rules.len(), 1);
    let rule = &found.rules[0];
    assert_eq!(rule.path, "spec.egress[0]");
    assert_eq!(rule.peers[0].path, "spec.egress[0].to[0]");
    assert_eq!(rule.peers[0].pods, ["shop/postgres-0"]);
    assert_eq!(rule.peers[0].namespaces, ["shop"]);
    assert!(select_policy(engine.cluster(), "shop/nonexistent", engine.options()).is_none());
    // A default deny selects every pod of its namespace and has no rules.
    let deny = select_policy(engine.cluster(), "shop/default-deny", engine.options()).unwrap();
    assert_eq!(deny.selects.len(), 5);
    assert!(deny.rules.is_empty());
}

#[test]
fn cluster_policies_as_subjects_and_peers() {
    let engine = engine("examples/admin-tiers.yaml");
    let cluster = engine.cluster();
    let db = engine.pod_id("shop/db").unwrap();
    let found = select_pod(cluster, db, engine.options());
    assert_eq!(found.cluster_policies.len(), 2, "{found:?}");
    assert!(found.cluster_policies[0].contains("protect-db") && found.cluster_policies[0].contains("Admin tier"));
    assert!(found.cluster_policies[1].contains("shop-default-deny"));
    let protect = select_policy(cluster, "protect-db", engine.options()).unwrap();
    assert_eq!(protect.selects, ["shop/db"]);
    assert_eq!(protect.rules.len(), 2);
    assert!(protect.rules[0].ports.starts_with("Pass"), "{:?}", protect.rules[0]);
    assert_eq!(protect.rules[0].peers[0].namespaces, ["shop"]);
    assert_eq!(protect.rules[1].peers[0].pods.len(), cluster.pods().len());
    // ops/tool is named by protect-db's "nobody-else" rule (every namespace), not by "shop-decides".
    let tool = select_pod(cluster, engine.pod_id("ops/tool").unwrap(), engine.options());
    assert!(tool.peer_of.iter().any(|p| p.policy.contains("protect-db") && p.path == "spec.ingress[1].from[0]"));
    assert!(!tool.peer_of.iter().any(|p| p.policy.contains("protect-db") && p.path == "spec.ingress[0].from[0]"));
}
