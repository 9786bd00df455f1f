//! The pod-to-pod truth table for one port ([`MatrixReport`]) as text, CSV and JSON, as
//! `netpol matrix` prints it. Every format is written row by row from [`MatrixRows`]: memory
//! for the pod names and one row, whatever the size of the table.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::OnceCell;
use std::io::{self, Write};

use serde_json::Value;

use super::{csv_field, into_string, json_array, pod_names};
use crate::spec::{Cluster, PodId, Protocol};
use crate::{Engine, Matrix, MatrixRows};

/// Bit `d` of a row of [`MatrixRows::row_into`].
fn bit(row: &[u64], d: usize) -> bool {
    (row[d / 64] >> (d % 64)) & 1 == 1
}

/// The truth table of every pod to every pod for one port and protocol, with the pod names.
pub struct MatrixReport<'e> {
    cluster: &'e Cluster,
    engine: &'e Engine,
    port: u16,
    protocol: Protocol,
    rows: MatrixRows<'e>,
    matrix: OnceCell<Matrix>,
}

impl<'e> MatrixReport<'e> {
    /// Computes the table of `engine` for `port`/`protocol` on identities; pod rows are
    /// expanded as they are written.
    pub fn new(engine: &'e Engine, port: u16, protocol: Protocol) -> MatrixReport<'e> {
        MatrixReport {
            cluster: engine.cluster(),
            engine,
            port,
            protocol,
            rows: engine.matrix_rows(port, protocol),
            matrix: OnceCell::new(),
        }
    }

    /// The table itself, materialised (pods × pods bits) on first use.
    pub fn matrix(&self) -> &Matrix {
        self.matrix.get_or_init(|| self.engine.matrix(self.port, self.protocol))
    }

    /// Calls `each` with every source row as bits, in pod order, reusing one buffer.
    fn for_each_row(&self, mut each: impl FnMut(usize, &[u64]) -> io::Result<()>) -> io::Result<()> {
        let mut row = Vec::new();
        for s in 0..self.rows.len() {
            self.rows.row_into(PodId(s as u32), &mut row);
            each(s, &row)?;
        }
        Ok(())
    }

    /// Rows of booleans, sources by destinations, in the cluster's pod order (namespace, name).
    pub fn rows(&self) -> Vec<Vec<bool>> {
        let n = self.rows.len();
        let mut out = Vec::with_capacity(n);
        let _ = self.for_each_row(|_, row| {
            out.push((0..n).map(|d| bit(row, d)).collect());
            Ok(())
        });
        out
    }

    /// The cells row-major (sources by destinations), `1` allowed and `0` denied: what an
    /// array library takes as is.
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.rows.len();
        let mut bytes = alloc::vec![0u8; n * n];
        let _ = self.for_each_row(|s, row| {
            for d in 0..n {
                bytes[s * n + d] = u8::from(bit(row, d));
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
        let n = self.rows.len();
        let mut line: Vec<u8> = Vec::new();
        out.write_all(b"{\"allowed\":[")?;
        self.for_each_row(|s, row| {
            line.clear();
            if s > 0 {
                line.push(b',');
            }
            line.push(b'[');
            for d in 0..n {
                if d > 0 {
                    line.push(b',');
                }
                line.extend_from_slice(if bit(row, d) { b"true" } else { b"false" });
            }
            line.push(b']');
            out.write_all(&line)
        })?;
        out.write_all(b"],\"pods\":")?;
        json_array(out, self.cluster.pods().iter().map(|p| p.qualified_name()))?;
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
        let names = pod_names(self.cluster);
        let n = names.len();
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
            for d in 0..n {
                line.push_str(if bit(row, d) { ",1" } else { ",0" });
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
        let names = pod_names(self.cluster);
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
            for d in 0..n {
                let cell = bit(row, d);
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
