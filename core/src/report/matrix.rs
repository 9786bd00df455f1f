//! The pod-to-pod truth table for one port ([`MatrixReport`]) as text, CSV and JSON, as
//! `netpol matrix` prints it. Every format is written row by row from [`MatrixRows`]: memory
//! for the pod names and one row, whatever the size of the table.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use std::io::{self, Write};

use serde_json::Value;

use super::{csv_field, into_string, json_array};
use crate::spec::{Cluster, PodId, Protocol};
use crate::{Engine, Matrix, MatrixRows};

/// Bit `d` of a row of [`MatrixRows::row_into`].
fn bit(row: &[u64], d: usize) -> bool {
    (row[d / 64] >> (d % 64)) & 1 == 1
}

/// The truth table of every pod to every pod for one port and protocol, with the pod names.
pub struct MatrixReport<'e> {
    cluster: &'e Cluster,
    port: u16,
    protocol: Protocol,
    rows: MatrixRows<'e>,
    /// The pods shown, as rows and as columns, in cluster order.
    pods: Vec<usize>,
}

impl<'e> MatrixReport<'e> {
    /// Computes the table of `engine` for `port`/`protocol` on identities; pod rows are
    /// expanded as they are written.
    pub fn new(engine: &'e Engine, port: u16, protocol: Protocol) -> MatrixReport<'e> {
        MatrixReport {
            cluster: engine.cluster(),
            port,
            protocol,
            rows: engine.matrix_rows(port, protocol),
            pods: (0..engine.cluster().pods().len()).collect(),
        }
    }

    /// Only the pods of these namespaces, as rows and as columns (every pod when empty).
    pub fn in_namespaces(mut self, namespaces: &[String]) -> MatrixReport<'e> {
        if !namespaces.is_empty() {
            let pods = self.cluster.pods();
            self.pods.retain(|&p| namespaces.iter().any(|ns| *ns == pods[p].namespace));
        }
        self
    }

    /// The names of the pods shown.
    fn names(&self) -> Vec<String> {
        let pods = self.cluster.pods();
        self.pods.iter().map(|&p| pods[p].qualified_name()).collect()
    }

    /// The table itself, over every pod (whatever [`MatrixReport::in_namespaces`] shows).
    pub fn matrix(&self) -> &Matrix {
        self.rows.matrix()
    }

    /// Calls `each` with every row shown (its position and its bits over every pod), in pod
    /// order, reusing one buffer.
    fn for_each_row(&self, mut each: impl FnMut(usize, &[u64]) -> io::Result<()>) -> io::Result<()> {
        let mut row = Vec::new();
        for (i, &s) in self.pods.iter().enumerate() {
            self.rows.row_into(PodId(s as u32), &mut row);
            each(i, &row)?;
        }
        Ok(())
    }

    /// The cells of a row for the columns shown.
    fn cells<'r>(&'r self, row: &'r [u64]) -> impl Iterator<Item = bool> + 'r {
        self.pods.iter().map(move |&d| bit(row, d))
    }

    /// Rows of booleans, sources by destinations, in the cluster's pod order (namespace, name).
    pub fn rows(&self) -> Vec<Vec<bool>> {
        let mut out = Vec::with_capacity(self.pods.len());
        let _ = self.for_each_row(|_, row| {
            out.push(self.cells(row).collect());
            Ok(())
        });
        out
    }

    /// The cells row-major (sources by destinations), `1` allowed and `0` denied: what an
    /// array library takes as is.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.pods.len();
        let mut bytes = alloc::vec![0u8; n * n];
        let _ = self.for_each_row(|s, row| {
            for (cell, allowed) in bytes[s * n..(s + 1) * n].iter_mut().zip(self.cells(row)) {
                *cell = u8::from(allowed);
            }
            Ok(())
        });
        bytes
    }

    /// `{"port", "protocol", "pods", "allowed"}`, rows sources, columns destinations, pods in
    /// cluster order (namespace, then name). Built from [`MatrixReport::write_json`].
    pub fn to_json(&self) -> Value {
        let bytes = into_string(|out| self.write_json(out));
        serde_json::from_str(&bytes).unwrap_or(Value::Null)
    }

    /// Writes the JSON of [`MatrixReport::to_json`] (no newline after it), row by row.
    pub fn write_json<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let mut line: Vec<u8> = Vec::new();
        out.write_all(b"{\"allowed\":[")?;
        self.for_each_row(|s, row| {
            line.clear();
            if s > 0 {
                line.push(b',');
            }
            line.push(b'[');
            for (d, cell) in self.cells(row).enumerate() {
                if d > 0 {
                    line.push(b',');
                }
                line.extend_from_slice(if cell { b"true" } else { b"false" });
            }
            line.push(b']');
            out.write_all(&line)
        })?;
        out.write_all(b"],\"pods\":")?;
        json_array(out, self.names().into_iter())?;
        write!(out, ",\"port\":{},\"protocol\":", self.port)?;
        serde_json::to_writer(&mut *out, self.protocol.as_str())?;
        out.write_all(b"}")
    }

    /// A header row of destinations (`from\to,...`), then one row per source, cells `1`
    /// (allowed) or `0`. Built from [`MatrixReport::write_csv`].
    pub fn to_csv(&self) -> String {
        into_string(|out| self.write_csv(out))
    }

    /// Writes the CSV of [`MatrixReport::to_csv`], row by row.
    pub fn write_csv<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let names = self.names();
        let mut line = String::from("from\\to");
        for name in &names {
            line.push(',');
            line.push_str(&csv_field(name));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        self.for_each_row(|s, row| {
            line.clear();
            line.push_str(&csv_field(&names[s]));
            for cell in self.cells(row) {
                line.push_str(if cell { ",1" } else { ",0" });
            }
            line.push('\n');
            out.write_all(line.as_bytes())
        })
    }

    /// An aligned table with numbered columns, a legend and the count of allowed pairs. Built
    /// from [`MatrixReport::write_text`].
    pub fn to_text(&self) -> String {
        into_string(|out| self.write_text(out))
    }

    /// Writes the table of [`MatrixReport::to_text`], row by row.
    pub fn write_text<W: Write + ?Sized>(&self, out: &mut W) -> io::Result<()> {
        let names = self.names();
        writeln!(out, "{}/{}: may the row pod reach the column pod?", self.port, self.protocol)?;
        if names.is_empty() {
            return out.write_all(b"(no pods)\n");
        }
        let n = names.len();
        let num_width = n.to_string().len();
        let name_width = names.iter().map(String::len).max().unwrap_or(0);
        let cell_width = num_width + 1;
        write!(out, "{:>w$}  {:<nw$} ", "", "from \\ to", w = num_width, nw = name_width)?;
        let mut line = String::new();
        for i in 1..=n {
            line.push_str(&alloc::format!("{i:>cell_width$}"));
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
        let (yes, no) = (alloc::format!("{:>cell_width$}", "✓"), alloc::format!("{:>cell_width$}", "."));
        let mut allowed = 0;
        self.for_each_row(|s, row| {
            line.clear();
            line.push_str(&alloc::format!("{:>w$}  {:<nw$} ", s + 1, names[s], w = num_width, nw = name_width));
            for cell in self.cells(row) {
                allowed += usize::from(cell);
                line.push_str(if cell { &yes } else { &no });
            }
            line.push('\n');
            out.write_all(line.as_bytes())
        })?;
        writeln!(out, "\nlegend: ✓ allowed, . denied; columns are numbered as the rows")?;
        writeln!(out, "{allowed} of {} pod pairs allowed", n * n)
    }
}
