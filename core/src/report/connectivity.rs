//! The connectivity map ([`ConnectivityReport`]) as text, CSV and JSON, as `netpol
//! connectivity` prints it. Every format is written one source pod at a time from the
//! identity-level map: memory for the pod names, the distinct port sets and one row, whatever
//! the number of pairs (20,000 pods allowing everything are 400 million pairs).

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{cidr_strings, into_string, ports_json, range_strings};
use crate::engine::connectivity::{IpRange, PortSet};
use crate::spec::{Cluster, PodId, Protocol};
use crate::{Connectivity, Engine};

/// For every ordered pod pair the allowed ports per protocol, and each pod's reachable and
/// reaching external address ranges, with the pod names. Pairs with nothing allowed are left out.
pub struct ConnectivityReport<'e> {
    cluster: &'e Cluster,
    conn: Connectivity,
}

impl<'e> ConnectivityReport<'e> {
    /// Computes the map of `engine` (on identities: pod pairs are expanded as they are written).
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

    /// Calls `each` with every source pod and its row, (destination, port set index) by
    /// destination, reusing one buffer.
    fn for_each_row(&self, mut each: impl FnMut(usize, &[(u32, u32)]) -> io::Result<()>) -> io::Result<()> {
        let mut row = Vec::new();
        for s in 0..self.conn.pod_count() {
            self.conn.row_into(s, &mut row);
            each(s, &row)?;
        }
        Ok(())
    }

    /// A rendering of each distinct port set, by index.
    fn per_set<T>(&self, render: impl Fn(&PortSet) -> T) -> Vec<T> {
        (0..self.conn.port_set_count()).map(|i| render(self.conn.port_set(i as u32))).collect()
    }

    /// `{"pairs": [{"from", "to", "ports"}], "external": [{"pod", "egress", "ingress"}]}`; see
    /// [`ports_json`] for the shape of `ports`. Built from [`ConnectivityReport::write_json`].
    pub fn to_json(&self) -> Value {
        let text = into_string(|out| self.write_json(out));
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Writes the JSON of [`ConnectivityReport::to_json`] (no newline after it), one source
    /// pod at a time.
    pub fn write_json<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let conn = &self.conn;
        // Keys in the order serde_json's maps keep them (sorted): `external` before `pairs`.
        out.write_all(b"{\"external\":[")?;
        let ranges = |list: Vec<(IpRange, &PortSet)>| -> Vec<Value> {
            list.iter().map(|(r, set)| json!({"cidrs": cidr_strings(r), "ports": ports_json(set)})).collect()
        };
        let mut first = true;
        for p in self.pods() {
            let (egress, ingress) = (ranges(conn.egress_external(p)), ranges(conn.ingress_external(p)));
            if egress.is_empty() && ingress.is_empty() {
                continue;
            }
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            serde_json::to_writer(&mut *out, &json!({"pod": self.name(p), "egress": egress, "ingress": ingress}))?;
        }
        out.write_all(b"],\"pairs\":[")?;
        let names: Vec<String> = self.pods().map(|p| Value::String(self.name(p)).to_string()).collect();
        let sets: Vec<String> = self.per_set(|set| ports_json(set).to_string());
        let mut line = String::new();
        let mut first = true;
        self.for_each_row(|s, row| {
            line.clear();
            for &(d, set) in row {
                if !first {
                    line.push(',');
                }
                first = false;
                line.push_str("{\"from\":");
                line.push_str(&names[s]);
                line.push_str(",\"ports\":");
                line.push_str(&sets[set as usize]);
                line.push_str(",\"to\":");
                line.push_str(&names[d as usize]);
                line.push('}');
            }
            out.write_all(line.as_bytes())
        })?;
        out.write_all(b"]}")
    }

    /// `from,to,protocol,ports` rows: pod pairs, then per pod its external ranges (one row per
    /// CIDR); ports `all` or ranges joined by `;`. Built from [`ConnectivityReport::write_csv`].
    pub fn to_csv(&self) -> String {
        into_string(|out| self.write_csv(out))
    }

    /// Writes the CSV of [`ConnectivityReport::to_csv`], one source pod at a time.
    pub fn write_csv<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let conn = &self.conn;
        // Per port set, the `protocol,ports` ends of its rows.
        let ends = |set: &PortSet| -> Vec<String> {
            Protocol::ALL
                .into_iter()
                .filter(|&p| !set.ranges(p).is_empty())
                .map(|p| {
                    let ports = if set.is_all(p) { "all".to_string() } else { range_strings(set, p).join(";") };
                    format!("{p},{ports}\n")
                })
                .collect()
        };
        let write_rows = |line: &mut String, from: &str, to: &str, ends: &[String]| {
            for end in ends {
                line.push_str(from);
                line.push(',');
                line.push_str(to);
                line.push(',');
                line.push_str(end);
            }
        };
        out.write_all(b"from,to,protocol,ports\n")?;
        let names: Vec<String> = self.pods().map(|p| self.name(p)).collect();
        let sets: Vec<Vec<String>> = self.per_set(ends);
        let mut line = String::new();
        self.for_each_row(|s, row| {
            line.clear();
            for &(d, set) in row {
                write_rows(&mut line, &names[s], &names[d as usize], &sets[set as usize]);
            }
            out.write_all(line.as_bytes())
        })?;
        for pod in self.pods() {
            let name = &names[pod.index()];
            line.clear();
            for (r, set) in conn.egress_external(pod) {
                for cidr in cidr_strings(&r) {
                    write_rows(&mut line, name, &cidr, &ends(set));
                }
            }
            for (r, set) in conn.ingress_external(pod) {
                for cidr in cidr_strings(&r) {
                    write_rows(&mut line, &cidr, name, &ends(set));
                }
            }
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }

    /// One line per allowed pair (grouped by source) and per external range. Built from
    /// [`ConnectivityReport::write_text`].
    pub fn to_text(&self) -> String {
        into_string(|out| self.write_text(out))
    }

    /// Writes the lines of [`ConnectivityReport::to_text`], one source pod at a time.
    pub fn write_text<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let conn = &self.conn;
        let names: Vec<String> = self.pods().map(|p| self.name(p)).collect();
        let width = names.iter().map(String::len).max().unwrap_or(0);
        writeln!(out, "{} allowed pod pairs (self traffic included)", conn.pair_count())?;
        let sets: Vec<String> = self.per_set(ToString::to_string);
        let padded: Vec<String> = names.iter().map(|n| format!("{n:<width$}")).collect();
        let blank = format!("{:<width$}", "");
        let mut line = String::new();
        self.for_each_row(|s, row| {
            line.clear();
            for (i, &(d, set)) in row.iter().enumerate() {
                line.push_str(if i == 0 { &padded[s] } else { &blank });
                line.push_str(" -> ");
                line.push_str(&padded[d as usize]);
                line.push_str("  ");
                line.push_str(&sets[set as usize]);
                line.push('\n');
            }
            out.write_all(line.as_bytes())
        })?;
        writeln!(out, "\nexternal addresses:")?;
        for pod in self.pods() {
            let name = &names[pod.index()];
            for (r, set) in conn.egress_external(pod) {
                writeln!(out, "{name:<width$} -> {}  {set}", cidr_strings(&r).join(","))?;
            }
            for (r, set) in conn.ingress_external(pod) {
                writeln!(out, "{name:<width$} <- {}  {set}", cidr_strings(&r).join(","))?;
            }
        }
        Ok(())
    }
}
