//! The row-at-a-time forms of the whole-cluster tables agree with the materialised ones:
//! `Connectivity::pairs_iter` and `pair_count` with `pairs`, `MatrixRows` with `Matrix`, the
//! streaming writers with the string forms, a write error stops a writer, and
//! `GroupedConnectivity` with the pod pairs it folds; `graph`'s node limit.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

use netpol::graph::{graph, try_graph, GraphOptions, TooManyNodes};
use netpol::k8s::{LoadOptions, Loader};
use netpol::report::{ConnectivityReport, GroupBy, GroupedConnectivity, MatrixReport};
use netpol::{Compiler, Engine, Options, PodId, PortSet, Protocol, SelfTraffic};

fn engine(file: &str, options: Options) -> Engine {
    let mut loader = Loader::new(LoadOptions::default());
    loader.add_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file));
    Compiler::new().options(options).compile(&loader.finish().unwrap())
}

/// The set bits of a row, ascending.
fn row_ones(row: &[u64]) -> impl Iterator<Item = usize> + '_ {
    (0..row.len() * 64).filter(|&d| (row[d / 64] >> (d % 64)) & 1 == 1)
}

fn engines() -> Vec<Engine> {
    let evaluate = Options { self_traffic: SelfTraffic::Evaluate, ..Options::default() };
    ["examples/cluster.yaml", "examples/dual-stack/cluster.yaml", "examples/gaps/cluster.yaml"]
        .into_iter()
        .flat_map(|f| [engine(f, Options::default()), engine(f, evaluate)])
        .collect()
}

#[test]
fn pairs_row_by_row_are_the_pairs() {
    for e in engines() {
        let conn = e.connectivity();
        let pairs = conn.pairs();
        assert!(!pairs.is_empty());
        assert_eq!(conn.pairs_iter().collect::<Vec<_>>(), pairs);
        assert_eq!(conn.pair_count(), pairs.len());
        for (s, d, set) in &pairs {
            assert_eq!(&conn.between(*s, *d), *set);
        }
    }
}

#[test]
fn matrix_rows_are_the_matrix() {
    for e in engines() {
        for (port, protocol) in [(80, Protocol::Tcp), (53, Protocol::Udp), (5432, Protocol::Tcp)] {
            let matrix = e.matrix(port, protocol);
            let rows = e.matrix_rows(port, protocol);
            assert_eq!(rows.len(), matrix.len());
            let (mut row, mut expected) = (Vec::new(), Vec::new());
            for s in 0..matrix.len() {
                rows.row_into(PodId(s as u32), &mut row);
                matrix.row_into(PodId(s as u32), &mut expected);
                assert_eq!(row, expected, "row {s} of {port}/{protocol}");
                let cells = (0..matrix.len()).filter(|&d| matrix.allowed(PodId(s as u32), PodId(d as u32)));
                assert!(cells.eq(row_ones(&row)), "row {s}: allowed() and row_into() agree");
            }
            let report = MatrixReport::new(&e, port, protocol);
            assert_eq!(report.matrix(), &matrix);
            let n = matrix.len();
            let bytes = report.to_bytes();
            assert_eq!(bytes.iter().filter(|&&b| b == 1).count(), matrix.count_allowed());
            for (i, &b) in bytes.iter().enumerate() {
                assert_eq!(b == 1, matrix.allowed(PodId((i / n) as u32), PodId((i % n) as u32)));
            }
        }
    }
}

#[test]
fn writers_write_what_the_strings_hold() {
    for e in engines() {
        let m = MatrixReport::new(&e, 80, Protocol::Tcp);
        let c = ConnectivityReport::new(&e);
        let written = |write: &dyn Fn(&mut Vec<u8>) -> io::Result<()>| {
            let mut out = Vec::new();
            write(&mut out).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(written(&|o| m.write_text(o)), m.to_text());
        assert_eq!(written(&|o| m.write_csv(o)), m.to_csv());
        assert_eq!(written(&|o| m.write_json(o)), m.to_json().to_string());
        assert_eq!(written(&|o| c.write_text(o)), c.to_text());
        assert_eq!(written(&|o| c.write_csv(o)), c.to_csv());
        assert_eq!(written(&|o| c.write_json(o)), c.to_json().to_string());
        assert_eq!(c.to_json()["pairs"].as_array().unwrap().len(), c.connectivity().pair_count());
    }
}

/// A writer that takes `left` bytes, then fails.
struct Full {
    left: usize,
    calls_after: usize,
}

impl Write for Full {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            self.calls_after += 1;
            return Err(io::Error::new(io::ErrorKind::StorageFull, "full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_write_error_stops_the_writer() {
    let e = engine("examples/cluster.yaml", Options::default());
    let c = ConnectivityReport::new(&e);
    let m = MatrixReport::new(&e, 80, Protocol::Tcp);
    let grouped = GroupedConnectivity::new(e.cluster(), c.connectivity(), GroupBy::Workload);
    type Writer<'a> = Box<dyn Fn(&mut Full) -> io::Result<()> + 'a>;
    let writers: Vec<Writer<'_>> = vec![
        Box::new(|o| c.write_json(o)),
        Box::new(|o| c.write_csv(o)),
        Box::new(|o| c.write_text(o)),
        Box::new(|o| m.write_json(o)),
        Box::new(|o| m.write_csv(o)),
        Box::new(|o| m.write_text(o)),
        Box::new(|o| grouped.write_json(o)),
        Box::new(|o| grouped.write_csv(o)),
        Box::new(|o| grouped.write_text(o)),
    ];
    for (i, write) in writers.iter().enumerate() {
        let mut full = Full { left: 100, calls_after: 0 };
        let err = write(&mut full).expect_err("the error comes back");
        assert_eq!(err.kind(), io::ErrorKind::StorageFull, "writer {i}");
        assert_eq!(full.calls_after, 1, "writer {i} stops at the first error");
    }
}

#[test]
fn groups_fold_the_pod_pairs() {
    for e in engines() {
        let conn = e.connectivity();
        let cluster = e.cluster();
        for by in [GroupBy::Workload, GroupBy::Namespace] {
            let grouped = GroupedConnectivity::new(cluster, &conn, by);
            let name = |p: PodId| {
                let pod = cluster.pod(p);
                match by {
                    GroupBy::Namespace => pod.namespace.clone(),
                    _ => netpol::spec::group_name(pod),
                }
            };
            // Recounted pod pair by pod pair: allowed pairs and the sets of each group pair.
            let mut expected: BTreeMap<(String, String), Vec<PortSet>> = BTreeMap::new();
            for (s, d, set) in conn.pairs().into_iter().filter(|(s, d, _)| s != d) {
                expected.entry((name(s), name(d))).or_default().push(set.clone());
            }
            let mut seen = 0;
            grouped
                .for_each_pair(|g| -> Result<(), ()> {
                    let sets = &expected[&(g.from.clone(), g.to.clone())];
                    let at = format!("{} -> {}", g.from, g.to);
                    assert_eq!(g.allowed_pairs, sets.len() as u64, "{at}");
                    let union = sets.iter().fold(PortSet::default(), |u, s| u.union(s));
                    assert_eq!(g.ports, union, "{at}");
                    assert_eq!(g.reach(), if g.allowed_pairs == g.pairs { "all" } else { "some" });
                    if g.allowed_pairs < g.pairs {
                        assert!(g.ports_every_pair.is_empty(), "{at}");
                    }
                    // The intersection, probed at every range end of every set and next to it.
                    for p in Protocol::ALL {
                        let probes = sets.iter().flat_map(|s| s.ranges(p).iter().copied());
                        for (first, last) in probes.collect::<Vec<_>>() {
                            for port in [first, last, first.saturating_sub(1).max(1), last.saturating_add(1)] {
                                let every = g.allowed_pairs == g.pairs && sets.iter().all(|s| s.allows(port, p));
                                assert_eq!(g.ports_every_pair.allows(port, p), every, "{at} {port}/{p}");
                            }
                        }
                    }
                    seen += 1;
                    Ok(())
                })
                .unwrap();
            assert_eq!(seen, expected.len());
        }
    }
}

#[test]
fn graph_refuses_past_its_node_limit() {
    let e = engine("examples/cluster.yaml", Options::default());
    let whole = graph(&e, None);
    assert_eq!(whole.nodes.len(), 8);
    assert_eq!(try_graph(&e, &GraphOptions::new().max_nodes(Some(8))).as_ref(), Ok(&whole));
    assert_eq!(try_graph(&e, &GraphOptions::new().max_nodes(Some(7))), Err(TooManyNodes { nodes: 8, max: 7 }));
    let shop = try_graph(&e, &GraphOptions::new().namespaces(vec!["shop".into()])).unwrap();
    assert!(shop.nodes.iter().all(|n| n.namespace.as_deref().is_none_or(|ns| ns == "shop")));
    assert_eq!(shop.nodes.iter().filter(|n| n.namespace.is_some()).count(), 3);
    assert_eq!(shop.edges.iter().filter(|e| e.from < 3 && e.to < 3).count(), 2, "frontend -> api -> postgres");
}
