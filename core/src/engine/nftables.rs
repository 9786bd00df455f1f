//! The engine as an nftables ruleset (issue 21): the compiled decision structure, loaded with
//! `nft -f` into a Linux router or bridge that every pod's traffic crosses, enforces what
//! [`Engine::decide`] answers.
//!
//! The layout follows the tables, so it grows with identities, IP classes, port classes and
//! distinct rows, never with pod pairs:
//! - `col4`, `col6`: interval maps from an address to its column: a pod's address to its
//!   identity's column over that family (a split identity's IPv6 column over IPv6, S9a), any
//!   other address to its IP class's column. IPv4-mapped IPv6 addresses map as the IPv4
//!   addresses they are (S9a).
//! - `egress`, `ingress`: interval verdict maps from (protocol . port . column of the end whose
//!   rules apply) to `jump` to the chain of the row the tables name, or `drop` when the row is
//!   empty. Entries of the open row (the end is not isolated) are left out: nothing to check.
//!   Runs of ports and of columns with the same row are one element each.
//! - `e<R>`, `i<R>`: one chain per distinct row in use, per direction: `return` when the other
//!   end's column is in the row (an anonymous interval set), else `drop`.
//! - `decide`: puts the source's column in the packet mark and the destination's in the
//!   conntrack mark, then looks up egress (at the source) and ingress (at the destination).
//! - `forward` (hook forward): replies of accepted connections (`established,related`) pass;
//!   TCP, UDP and SCTP are decided; other protocols pass (NetworkPolicy decides only these).
//! - `local` (hook output, loopback only), when self traffic is evaluated: a pod's traffic to
//!   itself never leaves its network namespace, so a ruleset loaded there decides it. With
//!   self traffic allowed (S12) nothing is emitted for it.
//!
//! The packet mark and conntrack mark are scratch registers of this table: another user of
//! marks on the same hook must run before it or keep its own copy.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::engine::compile::rows::RowEntry;
use crate::engine::Engine;
use crate::spec::query::Family;
use crate::spec::Protocol;

/// The IPv4-mapped IPv6 range `::ffff:0:0/96` starts here.
const MAPPED_BASE: u128 = 0xffff_0000_0000;

/// One range of addresses of one family mapped to one column.
type Segment = (u128, u128, u32);

/// What an entry of a verdict map does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// The row admits nobody on these ports.
    Drop,
    /// Check the other end's column against row `R`.
    Row(u32),
}

/// One element of a verdict map: a protocol's port range, a range of columns, a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Element {
    protocol: Protocol,
    ports: (u16, u16),
    columns: (u32, u32),
    target: Target,
}

/// A key column's entries: (protocol, port range, target), port classes merged.
type Entries = Vec<(Protocol, (u16, u16), Target)>;

/// A run of key columns with the same entries: first column, last column, entries.
type ColumnRun = (u32, u32, Entries);

/// A row's chain, with the directions that jump to it and its columns as inclusive runs.
#[derive(Clone, Debug)]
struct RowChain {
    row: u32,
    egress: bool,
    ingress: bool,
    runs: Vec<(u32, u32)>,
}

/// Options of the export.
#[derive(Clone, Debug)]
pub struct NftOptions {
    /// The `inet` table's name; loading the ruleset replaces the table of this name.
    pub table: String,
}

impl Default for NftOptions {
    fn default() -> NftOptions {
        NftOptions { table: String::from("netpol") }
    }
}

/// How big a ruleset is: what the kernel holds once it is loaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NftStats {
    /// Elements of the address maps (`col4`, `col6`).
    pub address_elements: usize,
    /// Elements of the verdict maps (`egress`, `ingress`).
    pub verdict_elements: usize,
    /// Row chains (`e<R>`, `i<R>`).
    pub row_chains: usize,
    /// Interval elements of the row chains' sets, all together.
    pub row_elements: usize,
    /// Chains in all.
    pub chains: usize,
    /// Rules in all.
    pub rules: usize,
}

/// An nftables ruleset enforcing an engine's decisions; render it with
/// [`NftRuleset::write_text`] (the `nft -f` language).
#[derive(Clone, Debug)]
pub struct NftRuleset {
    table: String,
    v4: Vec<Segment>,
    v6: Vec<Segment>,
    egress: Vec<Element>,
    ingress: Vec<Element>,
    rows: Vec<RowChain>,
    local_hook: bool,
}

impl Engine {
    /// The nftables ruleset that enforces this engine's decisions (see the module docs of
    /// `nftables` for the layout).
    pub fn nftables(&self, options: &NftOptions) -> NftRuleset {
        let t = &self.tables;
        let (v4, v6) = self.address_segments();
        let mut used: Vec<(bool, bool)> = alloc::vec![(false, false); t.rows.len()];
        let egress = self.verdict_elements(&t.egress_index, |r| used[r as usize].0 = true);
        let ingress = self.verdict_elements(&t.ingress_index, |r| used[r as usize].1 = true);
        let rows = used
            .iter()
            .enumerate()
            .filter(|(_, (e, i))| *e || *i)
            .map(|(r, &(egress, ingress))| RowChain { row: r as u32, egress, ingress, runs: self.row_runs(r as u32) })
            .collect();
        NftRuleset {
            table: options.table.clone(),
            v4,
            v6,
            egress,
            ingress,
            rows,
            local_hook: !self.options.exempts_self_traffic(),
        }
    }

    /// The address maps' segments, IPv4 and IPv6: the IP classes, cut at every pod address.
    fn address_segments(&self) -> (Vec<Segment>, Vec<Segment>) {
        let t = &self.tables;
        let mut pods: [Vec<(u128, u32)>; 2] = [Vec::new(), Vec::new()];
        for (i, pod) in self.cluster.pods().iter().enumerate() {
            let identity = t.pod_identity[i] as usize;
            for ip in &pod.ips {
                match ip.to_canonical() {
                    IpAddr::V4(a) => pods[0].push((u32::from(a).into(), identity as u32)),
                    IpAddr::V6(a) => pods[1].push((u128::from(a), self.column(identity, Family::Ipv6) as u32)),
                }
            }
        }
        let classes = t.ip_classes.len();
        let mut out = [Vec::new(), Vec::new()];
        for (f, family) in Family::ALL.into_iter().enumerate() {
            pods[f].sort_unstable();
            let mut pods = pods[f].iter().peekable();
            let segments = &mut out[f];
            for class in (0..classes).filter(|&c| t.ip_classes.family(c) == family) {
                let column = self.ip_column(class) as u32;
                let (start, end) = (address(t.ip_classes.start(class)), address(t.ip_classes.end(class)));
                let mut next = Some(start);
                while let Some(&&(ip, pod_column)) = pods.peek().filter(|(ip, _)| *ip <= end) {
                    pods.next();
                    if let Some(from) = next.filter(|&from| ip > from) {
                        push_segment(segments, (from, ip - 1, column));
                    }
                    push_segment(segments, (ip, ip, pod_column));
                    next = ip.checked_add(1);
                }
                if let Some(from) = next.filter(|&from| from <= end) {
                    push_segment(segments, (from, end, column));
                }
            }
        }
        let [v4, mut v6] = out;
        // S9a: an IPv4-mapped IPv6 address is the IPv4 address; the mapped range takes the
        // IPv4 columns, replacing what the IPv6 classes said of it.
        let mapped_end = MAPPED_BASE + u128::from(u32::MAX);
        let mut merged = Vec::with_capacity(v6.len() + v4.len() + 2);
        for &(first, last, column) in v6.iter().filter(|s| s.0 < MAPPED_BASE) {
            push_segment(&mut merged, (first, last.min(MAPPED_BASE - 1), column));
        }
        for &(first, last, column) in &v4 {
            push_segment(&mut merged, (MAPPED_BASE + first, MAPPED_BASE + last, column));
        }
        for &(first, last, column) in v6.iter().filter(|s| s.1 > mapped_end) {
            push_segment(&mut merged, (first.max(mapped_end + 1), last, column));
        }
        v6 = merged;
        (v4, v6)
    }

    /// A verdict map's elements for one direction's index; `used` hears of each row jumped to.
    fn verdict_elements(&self, index: &[RowEntry], mut used: impl FnMut(u32)) -> Vec<Element> {
        let t = &self.tables;
        let n = t.identities;
        // Per key column: its entries as (protocol, ports, target), port classes merged.
        let entries_of = |identity: usize| -> Entries {
            let mut entries: Entries = Vec::new();
            for pc in 0..t.ports.len() {
                let row = index[pc * n + identity].row;
                if row == t.open_row {
                    continue;
                }
                let target =
                    if t.rows.row(row).nonzero_words().next().is_none() { Target::Drop } else { Target::Row(row) };
                let (protocol, first, last) = t.ports.range(pc);
                match entries.last_mut() {
                    Some((p, ports, tg))
                        if *p == protocol && *tg == target && u32::from(ports.1) + 1 == u32::from(first) =>
                    {
                        ports.1 = last
                    }
                    _ => entries.push((protocol, (first, last), target)),
                }
            }
            entries
        };
        // Key columns: every identity's, then split identities' IPv6 columns (the same rows).
        let keys = (0..n).map(|c| (c, c)).chain(t.split.iter().enumerate().map(|(k, &i)| (n + k, i as usize)));
        let mut elements = Vec::new();
        let mut run: Option<ColumnRun> = None;
        let mut flush = |run: Option<ColumnRun>, elements: &mut Vec<Element>| {
            if let Some((first, last, entries)) = run {
                for (protocol, ports, target) in entries {
                    if let Target::Row(r) = target {
                        used(r);
                    }
                    elements.push(Element { protocol, ports, columns: (first, last), target });
                }
            }
        };
        for (column, identity) in keys {
            let entries = entries_of(identity);
            let column = column as u32;
            match &mut run {
                Some((_, last, same)) if *last + 1 == column && *same == entries => *last = column,
                _ => {
                    flush(run.take(), &mut elements);
                    run = Some((column, column, entries));
                }
            }
        }
        flush(run, &mut elements);
        elements
    }

    /// Row `row`'s set columns as inclusive runs.
    fn row_runs(&self, row: u32) -> Vec<(u32, u32)> {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for column in self.tables.rows.row(row).ones() {
            let column = column as u32;
            match runs.last_mut() {
                Some((_, last)) if *last + 1 == column => *last = column,
                _ => runs.push((column, column)),
            }
        }
        runs
    }
}

/// An address as a number (IPv4 in the low 32 bits).
fn address(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(a).into(),
        IpAddr::V6(a) => a.into(),
    }
}

/// Appends a segment, joining it to the last one when they touch and share the column.
fn push_segment(segments: &mut Vec<Segment>, segment: Segment) {
    match segments.last_mut() {
        Some(last) if last.2 == segment.2 && last.1.checked_add(1) == Some(segment.0) => last.1 = segment.1,
        _ => segments.push(segment),
    }
}

impl NftRuleset {
    /// The row chains to write: each row once per direction that jumps to it, with the chain's
    /// name prefix and the register holding the other end's column (egress checks the
    /// destination, in the conntrack mark; ingress the source, in the packet mark).
    fn row_chains(&self) -> impl Iterator<Item = (&RowChain, char, &'static str)> {
        self.rows.iter().flat_map(|row| {
            [(row.egress, 'e', "ct"), (row.ingress, 'i', "meta")]
                .into_iter()
                .filter(|(used, _, _)| *used)
                .map(move |(_, prefix, register)| (row, prefix, register))
        })
    }

    /// How big the ruleset is.
    pub fn stats(&self) -> NftStats {
        let row_chains = self.row_chains().count();
        let row_elements = self.row_chains().map(|(row, _, _)| row.runs.len()).sum::<usize>();
        let base_chains = 2 + usize::from(self.local_hook); // decide, forward, local
        NftStats {
            address_elements: self.v4.len() + self.v6.len(),
            verdict_elements: self.egress.len() + self.ingress.len(),
            row_chains,
            row_elements,
            chains: row_chains + base_chains,
            // Two per row chain; decide's six; forward's two; local's two.
            rules: row_chains * 2 + 6 + 2 + if self.local_hook { 2 } else { 0 },
        }
    }

    /// What the loaded ruleset does to the first packet of a new `protocol` connection from
    /// `src` to `dst` on `port`, worked out here from the same maps and chains: `true` when it
    /// passes. The kernel is not asked; `netpol lab` asks it with real packets.
    pub fn admits(&self, src: IpAddr, dst: IpAddr, port: u16, protocol: Protocol) -> bool {
        let column = |ip: IpAddr| -> Option<u32> {
            let (segments, key) = match ip {
                IpAddr::V4(a) => (&self.v4, u128::from(u32::from(a))),
                IpAddr::V6(a) => (&self.v6, u128::from(a)),
            };
            let i = segments.partition_point(|s| s.1 < key);
            segments.get(i).filter(|s| s.0 <= key).map(|s| s.2)
        };
        if src.is_ipv4() != dst.is_ipv4() {
            return false; // No such packet.
        }
        let (Some(from), Some(to)) = (column(src), column(dst)) else { return true };
        // Egress looks up the source's column and checks the destination's; ingress the other way.
        [(&self.egress, from, to), (&self.ingress, to, from)].into_iter().all(|(map, key, other)| {
            let found = map.iter().find(|e| {
                e.protocol == protocol
                    && (e.ports.0..=e.ports.1).contains(&port)
                    && (e.columns.0..=e.columns.1).contains(&key)
            });
            match found.map(|e| e.target) {
                None => true,
                Some(Target::Drop) => false,
                Some(Target::Row(r)) => self
                    .rows
                    .iter()
                    .find(|chain| chain.row == r)
                    .is_some_and(|chain| chain.runs.iter().any(|&(first, last)| (first..=last).contains(&other))),
            }
        })
    }

    /// Writes the ruleset in the `nft -f` language. Loading it replaces the table of its name
    /// in one transaction.
    pub fn write_text(&self, out: &mut impl Write) -> fmt::Result {
        let table = &self.table;
        writeln!(out, "# netpol: NetworkPolicy decisions as an nftables ruleset (load with `nft -f`).")?;
        writeln!(out, "# Columns: a pod's address -> its identity's column, any other address -> its IP class's.")?;
        writeln!(out, "# Uses the packet mark and the conntrack mark as scratch.")?;
        writeln!(out, "table inet {table}")?;
        writeln!(out, "delete table inet {table}")?;
        writeln!(out, "table inet {table} {{")?;
        write_address_map(out, "col4", "ipv4_addr", &self.v4, |a| IpAddr::V4(Ipv4Addr::from(a as u32)))?;
        write_address_map(out, "col6", "ipv6_addr", &self.v6, |a| IpAddr::V6(Ipv6Addr::from(a)))?;
        write_verdict_map(out, "egress", &self.egress)?;
        write_verdict_map(out, "ingress", &self.ingress)?;
        for (row, prefix, register) in self.row_chains() {
            writeln!(out, "\tchain {prefix}{} {{", row.row)?;
            write!(out, "\t\t{register} mark {{ ")?;
            for (k, &(first, last)) in row.runs.iter().enumerate() {
                out.write_str(if k == 0 { "" } else { ", " })?;
                write_range(out, first, last)?;
            }
            writeln!(out, " }} return")?;
            writeln!(out, "\t\tdrop")?;
            writeln!(out, "\t}}")?;
        }
        writeln!(out, "\tchain decide {{")?;
        writeln!(out, "\t\tmeta mark set ip saddr map @col4")?;
        writeln!(out, "\t\tct mark set ip daddr map @col4")?;
        writeln!(out, "\t\tmeta mark set ip6 saddr map @col6")?;
        writeln!(out, "\t\tct mark set ip6 daddr map @col6")?;
        writeln!(out, "\t\tmeta l4proto . th dport . meta mark vmap @egress")?;
        writeln!(out, "\t\tmeta l4proto . th dport . ct mark vmap @ingress")?;
        writeln!(out, "\t}}")?;
        writeln!(out, "\tchain forward {{")?;
        writeln!(out, "\t\ttype filter hook forward priority filter; policy accept;")?;
        writeln!(out, "\t\tct state established,related accept")?;
        writeln!(out, "\t\tmeta l4proto {{ tcp, udp, sctp }} jump decide")?;
        writeln!(out, "\t}}")?;
        if self.local_hook {
            writeln!(out, "\t# Self traffic is evaluated: load this ruleset in a pod's own namespace too.")?;
            writeln!(out, "\tchain local {{")?;
            writeln!(out, "\t\ttype filter hook output priority filter; policy accept;")?;
            writeln!(out, "\t\toifname \"lo\" ct state established,related accept")?;
            writeln!(out, "\t\toifname \"lo\" meta l4proto {{ tcp, udp, sctp }} jump decide")?;
            writeln!(out, "\t}}")?;
        }
        writeln!(out, "}}")
    }
}

impl NftRuleset {
    /// Writes the ruleset as libnftables JSON (`nft -j -f FILE`): the same table, maps, chains
    /// and rules as [`NftRuleset::write_text`], as commands in one transaction (chains are
    /// added before the maps that jump to them).
    pub fn write_json(&self, out: &mut impl Write) -> fmt::Result {
        let table = json_string(&self.table);
        let t = format!("\"family\": \"inet\", \"table\": {table}");
        let mut first = true;
        let mut command = |out: &mut dyn Write, body: fmt::Arguments<'_>| -> fmt::Result {
            out.write_str(if first { "\n  " } else { ",\n  " })?;
            first = false;
            out.write_fmt(body)
        };
        out.write_str("{\"nftables\": [")?;
        command(out, format_args!("{{\"metainfo\": {{\"json_schema_version\": 1}}}}"))?;
        let add_table = format!("{{\"table\": {{\"family\": \"inet\", \"name\": {table}}}}}");
        command(out, format_args!("{{\"add\": {add_table}}}"))?;
        command(out, format_args!("{{\"delete\": {add_table}}}"))?;
        command(out, format_args!("{{\"add\": {add_table}}}"))?;
        // Chains first: the verdict maps jump to the row chains.
        for (row, prefix, _) in self.row_chains() {
            command(out, format_args!("{{\"add\": {{\"chain\": {{{t}, \"name\": \"{prefix}{}\"}}}}}}", row.row))?;
        }
        command(out, format_args!("{{\"add\": {{\"chain\": {{{t}, \"name\": \"decide\"}}}}}}"))?;
        let hooks: &[(&str, &str)] =
            if self.local_hook { &[("forward", "forward"), ("local", "output")] } else { &[("forward", "forward")] };
        for (name, hook) in hooks {
            command(
                out,
                format_args!(
                    "{{\"add\": {{\"chain\": {{{t}, \"name\": \"{name}\", \"type\": \"filter\", \"hook\": \"{hook}\", \"prio\": 0, \"policy\": \"accept\"}}}}}}"
                ),
            )?;
        }
        // Maps.
        for (name, kind, segments, v4) in
            [("col4", "ipv4_addr", &self.v4, true), ("col6", "ipv6_addr", &self.v6, false)]
        {
            let mut elements = String::new();
            for (k, &(first, last, column)) in segments.iter().enumerate() {
                let ip =
                    |a: u128| if v4 { IpAddr::V4(Ipv4Addr::from(a as u32)) } else { IpAddr::V6(Ipv6Addr::from(a)) };
                let sep = if k == 0 { "" } else { ", " };
                if first == last {
                    write!(elements, "{sep}[\"{}\", {column}]", ip(first))?;
                } else {
                    write!(elements, "{sep}[{{\"range\": [\"{}\", \"{}\"]}}, {column}]", ip(first), ip(last))?;
                }
            }
            command(
                out,
                format_args!(
                    "{{\"add\": {{\"map\": {{{t}, \"name\": \"{name}\", \"type\": \"{kind}\", \"map\": \"mark\", \"flags\": [\"interval\"], \"elem\": [{elements}]}}}}}}"
                ),
            )?;
        }
        for (name, elements) in [("egress", &self.egress), ("ingress", &self.ingress)] {
            let prefix = if name == "egress" { 'e' } else { 'i' };
            let mut list = String::new();
            for (k, e) in elements.iter().enumerate() {
                let sep = if k == 0 { "" } else { ", " };
                let target = match e.target {
                    Target::Drop => String::from("{\"drop\": null}"),
                    Target::Row(r) => format!("{{\"jump\": {{\"target\": \"{prefix}{r}\"}}}}"),
                };
                write!(
                    list,
                    "{sep}[{{\"concat\": [\"{}\", {}, {}]}}, {target}]",
                    protocol_name(e.protocol),
                    json_range(e.ports.0.into(), e.ports.1.into()),
                    json_range(e.columns.0, e.columns.1)
                )?;
            }
            let elem = if elements.is_empty() { String::new() } else { format!(", \"elem\": [{list}]") };
            command(
                out,
                format_args!(
                    "{{\"add\": {{\"map\": {{{t}, \"name\": \"{name}\", \"type\": [\"inet_proto\", \"inet_service\", \"mark\"], \"map\": \"verdict\", \"flags\": [\"interval\"]{elem}}}}}}}"
                ),
            )?;
        }
        // Rules.
        let mut rule = |out: &mut dyn Write, chain: &str, expr: &str| {
            command(out, format_args!("{{\"add\": {{\"rule\": {{{t}, \"chain\": \"{chain}\", \"expr\": [{expr}]}}}}}}"))
        };
        for (row, prefix, register) in self.row_chains() {
            let chain = format!("{prefix}{}", row.row);
            let set: Vec<String> = row.runs.iter().map(|&(first, last)| json_range(first, last)).collect();
            let test = format!(
                "{{\"match\": {{\"op\": \"==\", \"left\": {{\"{register}\": {{\"key\": \"mark\"}}}}, \"right\": {{\"set\": [{}]}}}}}}, {{\"return\": null}}",
                set.join(", ")
            );
            rule(out, &chain, &test)?;
            rule(out, &chain, "{\"drop\": null}")?;
        }
        for (register, direction, family, map) in [
            ("meta", "saddr", "ip", "col4"),
            ("ct", "daddr", "ip", "col4"),
            ("meta", "saddr", "ip6", "col6"),
            ("ct", "daddr", "ip6", "col6"),
        ] {
            let expr = format!(
                "{{\"mangle\": {{\"key\": {{\"{register}\": {{\"key\": \"mark\"}}}}, \"value\": {{\"map\": {{\"key\": {{\"payload\": {{\"protocol\": \"{family}\", \"field\": \"{direction}\"}}}}, \"data\": \"@{map}\"}}}}}}}}"
            );
            rule(out, "decide", &expr)?;
        }
        for (register, map) in [("meta", "egress"), ("ct", "ingress")] {
            let expr = format!(
                "{{\"vmap\": {{\"key\": {{\"concat\": [{{\"meta\": {{\"key\": \"l4proto\"}}}}, {{\"payload\": {{\"protocol\": \"th\", \"field\": \"dport\"}}}}, {{\"{register}\": {{\"key\": \"mark\"}}}}]}}, \"data\": \"@{map}\"}}}}"
            );
            rule(out, "decide", &expr)?;
        }
        let established = "{\"match\": {\"op\": \"in\", \"left\": {\"ct\": {\"key\": \"state\"}}, \"right\": [\"established\", \"related\"]}}, {\"accept\": null}";
        let decided = "{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"l4proto\"}}, \"right\": {\"set\": [\"tcp\", \"udp\", \"sctp\"]}}}, {\"jump\": {\"target\": \"decide\"}}";
        rule(out, "forward", established)?;
        rule(out, "forward", decided)?;
        if self.local_hook {
            let loopback =
                "{\"match\": {\"op\": \"==\", \"left\": {\"meta\": {\"key\": \"oifname\"}}, \"right\": \"lo\"}}";
            rule(out, "local", &format!("{loopback}, {established}"))?;
            rule(out, "local", &format!("{loopback}, {decided}"))?;
        }
        out.write_str("\n]}\n")
    }
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number, or `{"range": [first, last]}`.
fn json_range(first: u32, last: u32) -> String {
    if first == last {
        alloc::format!("{first}")
    } else {
        alloc::format!("{{\"range\": [{first}, {last}]}}")
    }
}

/// nftables' name of a protocol.
fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "tcp",
        Protocol::Udp => "udp",
        Protocol::Sctp => "sctp",
    }
}

/// Writes an interval map from addresses to columns.
fn write_address_map(
    out: &mut impl Write,
    name: &str,
    kind: &str,
    segments: &[Segment],
    ip: impl Fn(u128) -> IpAddr,
) -> fmt::Result {
    writeln!(out, "\tmap {name} {{")?;
    writeln!(out, "\t\ttype {kind} : mark")?;
    writeln!(out, "\t\tflags interval")?;
    write!(out, "\t\telements = {{")?;
    for (k, &(first, last, column)) in segments.iter().enumerate() {
        let sep = if k == 0 { "\n" } else { ",\n" };
        if first == last {
            write!(out, "{sep}\t\t\t{} : {column}", ip(first))?;
        } else {
            write!(out, "{sep}\t\t\t{}-{} : {column}", ip(first), ip(last))?;
        }
    }
    writeln!(out, "\n\t\t}}")?;
    writeln!(out, "\t}}")
}

/// Writes a verdict map keyed by protocol, port and column. An empty map has no elements line.
fn write_verdict_map(out: &mut impl Write, name: &str, elements: &[Element]) -> fmt::Result {
    let prefix = if name == "egress" { 'e' } else { 'i' };
    writeln!(out, "\tmap {name} {{")?;
    writeln!(out, "\t\ttype inet_proto . inet_service . mark : verdict")?;
    writeln!(out, "\t\tflags interval")?;
    if !elements.is_empty() {
        write!(out, "\t\telements = {{")?;
        for (k, e) in elements.iter().enumerate() {
            let sep = if k == 0 { "\n" } else { ",\n" };
            write!(out, "{sep}\t\t\t{} . ", protocol_name(e.protocol))?;
            write_range(out, e.ports.0.into(), e.ports.1.into())?;
            write!(out, " . ")?;
            write_range(out, e.columns.0, e.columns.1)?;
            match e.target {
                Target::Drop => write!(out, " : drop")?,
                Target::Row(r) => write!(out, " : jump {prefix}{r}")?,
            }
        }
        writeln!(out, "\n\t\t}}")?;
    }
    writeln!(out, "\t}}")
}

/// `first` or `first-last`.
fn write_range(out: &mut impl Write, first: u32, last: u32) -> fmt::Result {
    if first == last {
        write!(out, "{first}")
    } else {
        write!(out, "{first}-{last}")
    }
}
