//! The whole-cluster tables: the pod-to-pod truth table for one port ([`MatrixReport`]) and the
//! connectivity map ([`ConnectivityReport`]), each as text, CSV and JSON, as `netpol matrix`
//! and `netpol connectivity` print them.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use serde_json::{json, Value};

use super::{cidr_strings, pod_names, ports_json, range_strings};
use crate::engine::connectivity::{IpRange, PortSet};
use crate::spec::{Cluster, PodId, Protocol};
use crate::{Connectivity, Engine, Matrix};

/// Quotes a CSV field when it needs it (pod names cannot hold commas or quotes, but be safe).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The truth table of every pod to every pod for one port and protocol, with the pod names.
pub struct MatrixReport<'e> {
    cluster: &'e Cluster,
    port: u16,
    protocol: Protocol,
    matrix: Matrix,
}

impl<'e> MatrixReport<'e> {
    /// Computes the table of `engine` for `port`/`protocol`.
    pub fn new(engine: &'e Engine, port: u16, protocol: Protocol) -> MatrixReport<'e> {
        MatrixReport { cluster: engine.cluster(), port, protocol, matrix: engine.matrix(port, protocol) }
    }

    /// The table itself.
    pub fn matrix(&self) -> &Matrix {
        &self.matrix
    }

    /// Rows of booleans, sources by destinations, in the cluster's pod order (namespace, name).
    pub fn rows(&self) -> Vec<Vec<bool>> {
        let n = self.matrix.len();
        (0..n).map(|s| (0..n).map(|d| self.matrix.allowed(PodId(s as u32), PodId(d as u32))).collect()).collect()
    }

    /// The cells row-major (sources by destinations), `1` allowed and `0` denied: what an
    /// array library takes as is.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.matrix.len();
        let mut bytes = alloc::vec![0u8; n * n];
        for s in 0..n {
            let row = self.matrix.row_bits(PodId(s as u32));
            for d in 0..n {
                bytes[s * n + d] = ((row[d / 64] >> (d % 64)) & 1) as u8;
            }
        }
        bytes
    }

    /// `{"port", "protocol", "pods", "allowed"}`, rows sources, columns destinations, pods in
    /// cluster order (namespace, then name).
    pub fn to_json(&self) -> Value {
        json!({
            "port": self.port,
            "protocol": self.protocol.as_str(),
            "pods": pod_names(self.cluster),
            "allowed": self.rows(),
        })
    }

    /// A header row of destinations (`from\to,...`), then one row per source, cells `1`
    /// (allowed) or `0`.
    pub fn to_csv(&self) -> String {
        let names = pod_names(self.cluster);
        let mut out = String::from("from\\to");
        for n in &names {
            out.push(',');
            out.push_str(&csv_field(n));
        }
        out.push('\n');
        for (name, row) in names.iter().zip(self.rows()) {
            out.push_str(&csv_field(name));
            for cell in row {
                out.push_str(if cell { ",1" } else { ",0" });
            }
            out.push('\n');
        }
        out
    }

    /// An aligned table with numbered columns, a legend and the count of allowed pairs.
    pub fn to_text(&self) -> String {
        let names = pod_names(self.cluster);
        let rows = self.rows();
        let mut out = String::new();
        let _ = writeln!(out, "{}/{}: may the row pod reach the column pod?", self.port, self.protocol);
        if names.is_empty() {
            out.push_str("(no pods)\n");
            return out;
        }
        let num_width = names.len().to_string().len();
        let name_width = names.iter().map(String::len).max().unwrap_or(0);
        let cell_width = num_width + 1;
        let _ = write!(out, "{:>w$}  {:<nw$} ", "", "from \\ to", w = num_width, nw = name_width);
        for i in 1..=names.len() {
            let _ = write!(out, "{i:>cell_width$}");
        }
        out.push('\n');
        let (mut allowed, mut total) = (0, 0);
        for (i, (name, row)) in names.iter().zip(&rows).enumerate() {
            let _ = write!(out, "{:>w$}  {:<nw$} ", i + 1, name, w = num_width, nw = name_width);
            for &cell in row {
                let _ = write!(out, "{:>cell_width$}", if cell { "✓" } else { "." });
                total += 1;
                allowed += usize::from(cell);
            }
            out.push('\n');
        }
        let _ = writeln!(out, "\nlegend: ✓ allowed, . denied; columns are numbered as the rows");
        let _ = writeln!(out, "{allowed} of {total} pod pairs allowed");
        out
    }
}

/// For every ordered pod pair the allowed ports per protocol, and each pod's reachable and
/// reaching external address ranges, with the pod names. Pairs with nothing allowed are left out.
pub struct ConnectivityReport<'e> {
    cluster: &'e Cluster,
    conn: Connectivity,
}

impl<'e> ConnectivityReport<'e> {
    /// Computes the map of `engine`.
    pub fn new(engine: &'e Engine) -> ConnectivityReport<'e> {
        ConnectivityReport { cluster: engine.cluster(), conn: engine.connectivity() }
    }

    /// The map itself.
    pub fn connectivity(&self) -> &Connectivity {
        &self.conn
    }

    fn name(&self, p: PodId) -> String {
        self.cluster.pod(p).qualified_name()
    }

    fn pods(&self) -> impl Iterator<Item = PodId> {
        (0..self.cluster.pods().len()).map(|i| PodId(i as u32))
    }

    /// `{"pairs": [{"from", "to", "ports"}], "external": [{"pod", "egress", "ingress"}]}`; see
    /// [`ports_json`] for the shape of `ports`.
    pub fn to_json(&self) -> Value {
        let conn = &self.conn;
        let pairs: Vec<Value> = conn
            .pairs()
            .into_iter()
            .map(|(s, d, set)| json!({"from": self.name(s), "to": self.name(d), "ports": ports_json(set)}))
            .collect();
        let ranges = |list: Vec<(IpRange, &PortSet)>| -> Vec<Value> {
            list.iter().map(|(r, set)| json!({"cidrs": cidr_strings(r), "ports": ports_json(set)})).collect()
        };
        let external: Vec<Value> = self
            .pods()
            .filter_map(|p| {
                let (egress, ingress) = (ranges(conn.egress_external(p)), ranges(conn.ingress_external(p)));
                (!egress.is_empty() || !ingress.is_empty())
                    .then(|| json!({"pod": self.name(p), "egress": egress, "ingress": ingress}))
            })
            .collect();
        json!({"pairs": pairs, "external": external})
    }

    /// `from,to,protocol,ports` rows: pod pairs, then per pod its external ranges (one row per
    /// CIDR); ports `all` or ranges joined by `;`.
    pub fn to_csv(&self) -> String {
        let conn = &self.conn;
        let mut out = String::from("from,to,protocol,ports\n");
        let mut row = |from: &str, to: &str, set: &PortSet| {
            for p in Protocol::ALL {
                if set.ranges(p).is_empty() {
                    continue;
                }
                let ports = if set.is_all(p) { "all".to_string() } else { range_strings(set, p).join(";") };
                let _ = writeln!(out, "{from},{to},{p},{ports}");
            }
        };
        for (s, d, set) in conn.pairs() {
            row(&self.name(s), &self.name(d), set);
        }
        for pod in self.pods() {
            let name = self.name(pod);
            for (r, set) in conn.egress_external(pod) {
                for cidr in cidr_strings(&r) {
                    row(&name, &cidr, set);
                }
            }
            for (r, set) in conn.ingress_external(pod) {
                for cidr in cidr_strings(&r) {
                    row(&cidr, &name, set);
                }
            }
        }
        out
    }

    /// One line per allowed pair (grouped by source) and per external range.
    pub fn to_text(&self) -> String {
        let conn = &self.conn;
        let pairs = conn.pairs();
        let mut out = String::new();
        let width = self.cluster.pods().iter().map(|p| p.qualified_name().len()).max().unwrap_or(0);
        let _ = writeln!(out, "{} allowed pod pairs (self traffic included)", pairs.len());
        let mut last = None;
        for (s, d, set) in &pairs {
            let from = if last == Some(*s) { String::new() } else { self.name(*s) };
            last = Some(*s);
            let _ = writeln!(out, "{from:<width$} -> {:<width$}  {set}", self.name(*d));
        }
        let _ = writeln!(out, "\nexternal addresses:");
        for pod in self.pods() {
            let name = self.name(pod);
            for (r, set) in conn.egress_external(pod) {
                let _ = writeln!(out, "{name:<width$} -> {}  {set}", cidr_strings(&r).join(","));
            }
            for (r, set) in conn.ingress_external(pod) {
                let _ = writeln!(out, "{name:<width$} <- {}  {set}", cidr_strings(&r).join(","));
            }
        }
        out
    }
}
