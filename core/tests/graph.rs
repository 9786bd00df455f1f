//! `netpol::graph`: workloads as nodes, merged edges labelled with ports, address sets as nodes.

use std::path::Path;

use netpol::graph::{graph, Graph};
use netpol::k8s::{LoadOptions, Loader};
use netpol::{Compiler, Engine};

fn example() -> Engine {
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/cluster.yaml"));
    Compiler::new().compile(&loader.finish().unwrap())
}

fn edges(g: &Graph) -> Vec<String> {
    g.edges.iter().map(|e| format!("{} -> {} {}", g.nodes[e.from].name, g.nodes[e.to].name, e.ports)).collect()
}

#[test]
fn the_bundled_example_by_workload() {
    let g = graph(&example(), None);
    let names: Vec<_> = g.nodes.iter().map(|n| (n.name.as_str(), n.pods)).collect();
    assert_eq!(
        names,
        [
            ("kube-system/deployment/coredns", 2),
            ("monitoring/statefulset/prometheus", 1),
            ("shop/deployment/api", 2),
            ("shop/deployment/frontend", 2),
            ("shop/statefulset/postgres", 1),
            ("0.0.0.0/0", 0),
            ("203.0.113.0/25", 0),
            ("0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16", 0),
        ]
    );
    let e = edges(&g);
    for expected in [
        "shop/deployment/frontend -> shop/deployment/api 8080/TCP",
        "shop/deployment/api -> shop/statefulset/postgres 5432/TCP",
        "shop/deployment/api -> 203.0.113.0/25 443/TCP",
        "shop/deployment/api -> kube-system/deployment/coredns 53/TCP+UDP",
        "0.0.0.0/0 except 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 -> shop/deployment/frontend 8080/TCP",
        "monitoring/statefulset/prometheus -> 0.0.0.0/0 any port",
    ] {
        assert!(e.contains(&expected.to_string()), "{expected} not in {e:#?}");
    }
    // One edge per ordered pair of nodes.
    let mut pairs: Vec<_> = g.edges.iter().map(|e| (e.from, e.to)).collect();
    pairs.dedup();
    assert_eq!(pairs.len(), g.edges.len());
    assert!(!e.iter().any(|l| l.starts_with("shop/deployment/frontend -> shop/statefulset/postgres")));
}

#[test]
fn a_port_keeps_only_its_edges() {
    let g = graph(&example(), Some(5432));
    let e = edges(&g);
    assert_eq!(
        e.iter().filter(|l| l.contains("postgres")).collect::<Vec<_>>(),
        ["shop/deployment/api -> shop/statefulset/postgres 5432/TCP"]
    );
    assert!(
        edges(&g).iter().all(|l| l.ends_with(" 5432/TCP") || l.ends_with(" 5432/TCP+UDP+SCTP")),
        "{:#?}",
        edges(&g)
    );
}

#[test]
fn renderers() {
    let g = graph(&example(), None);
    let dot = g.to_dot();
    assert!(dot.starts_with("digraph netpol {\n"), "{dot}");
    assert!(dot.contains("subgraph cluster_2 {\n    label=\"namespace shop\";"), "{dot}");
    assert!(dot.contains("[label=\"deployment/api\\n2 pods\"]"), "{dot}");
    assert!(dot.contains("shape=ellipse"), "{dot}");
    let mermaid = g.to_mermaid();
    assert!(mermaid.starts_with("flowchart LR\n  subgraph ns0[\"namespace kube-system\"]\n"), "{mermaid}");
    assert!(mermaid.contains("-->|\"5432/TCP\"|"), "{mermaid}");
    let json = g.to_json();
    assert_eq!(json["nodes"][0]["kind"], "workload");
    assert_eq!(json["nodes"][5]["kind"], "addresses");
    assert_eq!(json["edges"].as_array().unwrap().len(), g.edges.len());
}
