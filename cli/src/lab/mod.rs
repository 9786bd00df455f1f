//! `netpol lab`: proof with real packets. Every pod becomes a network namespace with its IPs,
//! "the internet" one more holding an address of each outside IP class, all joined through a
//! router namespace where the exported nftables ruleset (`netpol export nftables`) is loaded.
//! Real TCP and UDP connections between every ordered pair of them, on every probed port and
//! over every address family both have, are compared with the engine's verdict cell by cell.
//!
//! The pieces: `topology` (namespaces, veths, routes, cleanup), `guard` (cleanup on signals),
//! `probe` (listeners and connections in one poll loop), `report` (table, JSON, JUnit).

mod guard;
mod nfqueue;
mod probe;
mod report;
mod topology;

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{Args, ValueEnum};
use netpol::{Endpoint, Engine, NftOptions, NftStats, Protocol};

use crate::input::{usage_error, InputArgs};
use crate::{output, Outcome};
use probe::{Probe, Seen};

/// Output formats of `netpol lab`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LabFormat {
    /// A probe table per port, like `matrix`, then the disagreements and timings.
    Text,
    /// Counts, disagreements, skips and timings as one JSON object.
    Json,
    /// JUnit XML: one test case per port, failing with its disagreements.
    Junit,
}

/// What enforces the decisions in the router.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Dataplane {
    /// The ruleset of `netpol export nftables`, loaded with `nft -f`.
    Nftables,
    /// The C program `examples/dataplane-nfqueue/netpol-nfq.c` on libnetpol, given each new
    /// connection's first packet by iptables' NFQUEUE target (see --nfqueue-program).
    Nfqueue,
    /// Nothing: every connection passes. A control run, showing what a cluster whose network
    /// does not enforce NetworkPolicies lets through (every cell the model denies disagrees).
    None,
}

/// Arguments of `netpol lab`.
#[derive(Args, Debug)]
pub struct LabArgs {
    #[command(flatten)]
    input: InputArgs,
    /// A port to probe, as PORT or PORT/PROTOCOL (TCP, UDP or SCTP; TCP when left out).
    /// Repeatable. SCTP ports are skipped, with a note, where the kernel has no SCTP sockets.
    #[arg(long = "port", value_name = "PORT[/PROTOCOL]", default_value = "80/TCP", value_parser = port_spec)]
    ports: Vec<(u16, Protocol)>,
    /// What enforces the decisions in the router namespace.
    #[arg(long, value_enum, default_value = "nftables")]
    dataplane: Dataplane,
    /// The NFQUEUE program for `--dataplane nfqueue` (built from
    /// examples/dataplane-nfqueue/netpol-nfq.c).
    #[arg(long, value_name = "PATH", default_value = "netpol-nfq")]
    nfqueue_program: PathBuf,
    /// Leave the namespaces up after the run (their names are printed); a later run removes them.
    #[arg(long)]
    keep: bool,
    /// Outside addresses to probe at most, one per IP class (spread over the classes when
    /// there are more).
    #[arg(long, value_name = "N", default_value_t = 32)]
    outside: usize,
    /// Refuse clusters with more probe-able pods than this (one namespace each).
    #[arg(long, value_name = "N", default_value_t = 250)]
    max_pods: usize,
    /// Refuse a run of more probes than this (pods² × ports × families, plus the outside
    /// addresses'), before anything is made.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    max_probes: usize,
    /// How long a probe waits for its connection or echo before calling it dropped.
    #[arg(long, value_name = "MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    timeout_ms: u64,
    /// Probes in flight at once.
    #[arg(long, value_name = "N", default_value_t = 2048, value_parser = clap::value_parser!(u64).range(1..=8192))]
    window: u64,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: LabFormat,
}

/// `PORT` or `PORT/PROTOCOL`.
fn port_spec(text: &str) -> Result<(u16, Protocol), String> {
    let (port, protocol) = text.split_once('/').unwrap_or((text, "TCP"));
    let port = port.parse::<u16>().ok().filter(|&p| p > 0).ok_or("a port is a number from 1 to 65535")?;
    let protocol = Protocol::parse_loose(protocol).ok_or("the protocol is TCP, UDP or SCTP")?;
    Ok((port, protocol))
}

/// One end of the lab: a pod, or an outside address.
#[derive(Clone, Debug)]
pub struct End {
    /// `namespace/name`, or the address for outside ends.
    pub name: String,
    /// The address probed from and to.
    pub ip: IpAddr,
    /// The host (namespace) it lives in.
    pub host: usize,
    /// Whether it is a pod (else an outside address).
    pub pod: bool,
}

/// A probe with the model's verdict and what the packets did.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Index of the source end.
    pub from: usize,
    /// Index of the destination end.
    pub to: usize,
    /// Port and protocol.
    pub port: u16,
    /// The protocol.
    pub protocol: Protocol,
    /// What the engine decides.
    pub allowed: bool,
    /// What the packets did.
    pub seen: Seen,
}

impl Cell {
    /// Whether the packets did what the model says.
    pub fn agrees(&self) -> bool {
        match self.seen {
            Seen::Passed => self.allowed,
            Seen::Dropped => !self.allowed,
            Seen::Failed(_) => false,
        }
    }
}

/// Everything a run found, for the report.
pub struct LabRun {
    /// Pod names, in host order (a dual-stack pod's two ends share its host).
    pub pods: Vec<String>,
    /// The ends probed.
    pub ends: Vec<End>,
    /// Ports probed.
    pub ports: Vec<(u16, Protocol)>,
    /// Every probe.
    pub cells: Vec<Cell>,
    /// Probes re-run because they were dropped where the model allows (a lost datagram, a slow
    /// machine); the second answer counts.
    pub retried: usize,
    /// What was left out, and why.
    pub skipped: Vec<String>,
    /// What enforced the decisions.
    pub dataplane: Dataplane,
    /// The ruleset's size.
    pub ruleset: NftStats,
    /// The NFQUEUE program's counts, with that dataplane.
    pub nfqueue: Option<nfqueue::FilterStats>,
    /// How long the TCP handshakes that passed took, sorted.
    pub handshakes: Vec<Duration>,
    /// Timings: set-up, ruleset load, probes, tear-down.
    pub set_up: Duration,
    /// Loading the ruleset (router, and pods' own when self traffic is evaluated).
    pub load: Duration,
    /// All probes.
    pub probing: Duration,
    /// Removing everything.
    pub tear_down: Duration,
    /// The namespaces left up (`--keep`).
    pub kept: Vec<String>,
}

/// Runs `netpol lab`.
pub fn run(args: LabArgs) -> Outcome {
    if let Err(e) = topology::preflight() {
        output::error(format_args!("{e}"));
        return Outcome::BadInput;
    }
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let made = Arc::new(Mutex::new(Vec::new()));
    if let Err(e) = guard::install(Arc::clone(&made)) {
        output::error(format_args!("{e}"));
        return Outcome::BadInput;
    }
    let stale = topology::leftovers();
    if !stale.is_empty() {
        match topology::delete(&stale) {
            Ok(()) => output::warning(format_args!("removed {} namespaces left by earlier labs", stale.len())),
            Err(e) => output::warning(format_args!("cannot remove namespaces left by earlier labs: {e}")),
        }
    }
    if args.dataplane == Dataplane::Nfqueue && !engine.options().exempts_self_traffic() {
        usage_error(
            "--dataplane nfqueue filters in the router only; a pod's traffic to itself never gets there: use \
             --self-traffic allow, or --dataplane nftables",
        );
        return Outcome::BadInput;
    }
    match lab(&engine, &args, made) {
        Ok(run) => {
            let outcome = if run.cells.iter().all(Cell::agrees) { Outcome::Ok } else { Outcome::Denied };
            let text = match args.output {
                LabFormat::Text => report::text(&run),
                LabFormat::Json => format!("{}\n", report::json(&run)),
                LabFormat::Junit => report::junit(&run),
            };
            output::print(&text, outcome)
        }
        Err(e) => {
            usage_error(&format!("netpol lab: {e}"));
            Outcome::BadInput
        }
    }
}

/// Plans, builds, probes and tears down.
fn lab(engine: &Engine, args: &LabArgs, made: topology::Made) -> Result<LabRun, String> {
    let mut skipped = Vec::new();
    let (pods, ends, hosts) = plan_ends(engine, args, &mut skipped)?;
    let mut ports = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let sctp = probe::sctp_available();
    for &(port, protocol) in &args.ports {
        if protocol == Protocol::Sctp && !sctp {
            skipped.push(format!("{port}/SCTP: this kernel has no SCTP sockets"));
        } else if seen.insert((port, protocol.as_str())) {
            ports.push((port, protocol));
        }
    }
    // Counted before anything is planned: the cells themselves take memory.
    let planned = probed_pairs(&ends).saturating_mul(ports.len());
    if planned > args.max_probes {
        return Err(format!(
            "{planned} probes planned ({} pods, {} ports): over --max-probes {}; probe fewer ports or raise it",
            pods.len(),
            ports.len(),
            args.max_probes
        ));
    }
    let mut cells = plan_cells(engine, &ends, &ports);
    let ruleset = engine.nftables(&NftOptions::default());
    let mut text = String::new();
    ruleset.write_text(&mut text).map_err(|_| "cannot write the ruleset")?;

    let network = topology::Topology::up(&hosts, made, args.keep)?;
    let load_start = Instant::now();
    let enforce = args.dataplane == Dataplane::Nftables;
    if enforce {
        network.load_router(&text)?;
    }
    if enforce && !engine.options().exempts_self_traffic() {
        // A pod's traffic to itself stays in its namespace: enforce it there too.
        let mut pod_hosts: Vec<usize> = ends.iter().filter(|e| e.pod).map(|e| e.host).collect();
        pod_hosts.dedup();
        for host in pod_hosts {
            network.load_host(host, &text)?;
        }
    }
    let filter = match args.dataplane {
        Dataplane::Nfqueue => Some(nfqueue::Filter::start(&network, &args.nfqueue_program, &args.input)?),
        _ => None,
    };
    let load = load_start.elapsed();

    let timeout = Duration::from_millis(args.timeout_ms);
    let window = args.window as usize;
    let probes: Vec<Probe> = cells.iter().map(|c| to_probe(&ends, c)).collect();
    let probe_start = Instant::now();
    let (seen, took) = probe::run(&network, &probes, window, timeout).map_err(|e| format!("probing failed: {e}"))?;
    let mut handshakes: Vec<Duration> = (0..cells.len())
        .filter(|&i| cells[i].protocol == Protocol::Tcp && seen[i] == Seen::Passed)
        .map(|i| took[i])
        .collect();
    handshakes.sort();
    cells.iter_mut().zip(seen).for_each(|(cell, seen)| cell.seen = seen);
    // Dropped where the model allows: try once more, so that a lost datagram or a slow moment
    // is not reported as a hole. A connection that got through is never retried.
    let again: Vec<usize> = (0..cells.len()).filter(|&i| cells[i].allowed && cells[i].seen == Seen::Dropped).collect();
    if !again.is_empty() {
        let probes: Vec<Probe> = again.iter().map(|&i| to_probe(&ends, &cells[i])).collect();
        let (seen, _) =
            probe::run(&network, &probes, window, timeout * 2).map_err(|e| format!("probing failed: {e}"))?;
        again.iter().zip(seen).for_each(|(&i, seen)| cells[i].seen = seen);
    }
    let probing = probe_start.elapsed();
    let nfqueue = filter.map(nfqueue::Filter::stop).transpose()?;

    let set_up = network.set_up;
    let (tear_down, kept) = if network.kept() {
        let mut names: Vec<String> = network.hosts.iter().map(|h| h.namespace.clone()).collect();
        names.insert(0, network.router().to_owned());
        (Duration::ZERO, names)
    } else {
        let (took, removed) = network.tear_down();
        removed.map_err(|e| format!("removing the lab's namespaces failed: {e}"))?;
        (took, Vec::new())
    };
    Ok(LabRun {
        pods,
        ends,
        ports,
        cells,
        retried: again.len(),
        skipped,
        dataplane: args.dataplane,
        ruleset: ruleset.stats(),
        nfqueue,
        handshakes,
        set_up,
        load,
        probing,
        tear_down,
        kept,
    })
}

fn to_probe(ends: &[End], cell: &Cell) -> Probe {
    let (from, to) = (&ends[cell.from], &ends[cell.to]);
    Probe { src: (from.host, from.ip), dst: (to.host, to.ip), port: cell.port, protocol: cell.protocol }
}

/// Addresses a lab cannot give a host: unspecified, loopback, link-local (the gateways live
/// there), multicast, broadcast, and IPv4-mapped ones (they are IPv4 addresses, S9a).
fn unusable(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            a.is_unspecified()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_multicast()
                || a.is_broadcast()
                || a.octets()[0] == 0
                || a.octets()[0] >= 240
        }
        IpAddr::V6(a) => {
            a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some()
        }
    }
}

/// The ends: every pod with a usable address (each address an end), then outside addresses,
/// one per IP class; and the hosts' addresses.
#[allow(clippy::type_complexity)]
fn plan_ends(
    engine: &Engine,
    args: &LabArgs,
    skipped: &mut Vec<String>,
) -> Result<(Vec<String>, Vec<End>, Vec<Vec<IpAddr>>), String> {
    let mut pods = Vec::new();
    let mut ends = Vec::new();
    let mut hosts: Vec<Vec<IpAddr>> = Vec::new();
    for pod in engine.cluster().pods() {
        let name = pod.qualified_name();
        let (usable, bad): (Vec<IpAddr>, Vec<IpAddr>) = pod.ips.iter().partition(|&&ip| !unusable(ip));
        for ip in bad {
            skipped.push(format!("{name}: {ip} cannot be given to a lab host"));
        }
        if usable.is_empty() {
            if pod.ips.is_empty() {
                skipped.push(format!("{name}: no IP"));
            }
            continue;
        }
        let host = hosts.len();
        ends.extend(usable.iter().map(|&ip| End { name: name.clone(), ip, host, pod: true }));
        hosts.push(usable);
        pods.push(name);
    }
    if pods.len() > args.max_pods {
        return Err(format!(
            "{} pods with addresses: over --max-pods {} (the lab makes a network namespace per pod)",
            pods.len(),
            args.max_pods
        ));
    }
    // One outside address per IP class, not a pod's and usable.
    let mut outside: Vec<IpAddr> = Vec::new();
    for (first, last) in engine.ip_classes() {
        if let Some(ip) = outside_address(engine, first, last) {
            outside.push(ip);
        }
    }
    let classes = outside.len();
    if classes > args.outside {
        let step = classes as f64 / args.outside.max(1) as f64;
        outside = (0..args.outside).map(|k| outside[(k as f64 * step) as usize]).collect();
        skipped.push(format!("outside addresses: {} of {classes} IP classes probed (--outside)", outside.len()));
    }
    if !outside.is_empty() {
        let host = hosts.len();
        ends.extend(outside.iter().map(|&ip| End { name: ip.to_string(), ip, host, pod: false }));
        hosts.push(outside);
    }
    Ok((pods, ends, hosts))
}

/// The first address of `first..=last` that no pod has and a lab host can hold, looking at a
/// bounded number of candidates (pods' addresses and the unusable ranges' starts).
fn outside_address(engine: &Engine, first: IpAddr, last: IpAddr) -> Option<IpAddr> {
    let mut ip = first;
    for _ in 0..4096 {
        if !unusable(ip) && matches!(engine.endpoint_for_ip(ip), Endpoint::Ip(_)) {
            return Some(ip);
        }
        let next = match ip {
            IpAddr::V4(a) => {
                let n = u32::from(a);
                // Skip a whole unusable /8 (0/8, 127/8, 224/4 and up) or 169.254/16 at once.
                let skip = if unusable(ip) && a.is_link_local() {
                    (n | 0xffff) + 1
                } else if unusable(ip) {
                    (n | 0x00ff_ffff).checked_add(1)?
                } else {
                    n + 1
                };
                IpAddr::V4(skip.into())
            }
            IpAddr::V6(a) => {
                let n = u128::from(a);
                let skip = if unusable(ip) { (n | 0xffff_ffff).checked_add(1)? } else { n.checked_add(1)? };
                IpAddr::V6(skip.into())
            }
        };
        let beyond = match (next, last) {
            (IpAddr::V4(n), IpAddr::V4(l)) => n > l || u32::from(n) == 0,
            (IpAddr::V6(n), IpAddr::V6(l)) => n > l,
            _ => true,
        };
        if beyond {
            return None;
        }
        ip = next;
    }
    None
}

/// The ordered pairs of ends probed on each port (see [`plan_cells`]).
fn probed_pairs(ends: &[End]) -> usize {
    ends.iter().map(|a| ends.iter().filter(|b| probed(a, b)).count()).sum()
}

/// Whether `a` → `b` is probed: the same family, and a pod at one end at least.
fn probed(a: &End, b: &End) -> bool {
    a.ip.is_ipv4() == b.ip.is_ipv4() && (a.pod || b.pod)
}

/// Every probe: pod end → pod end of the same family (a pod to itself included), pod ends →
/// outside addresses and back, on every port; with the engine's verdict.
fn plan_cells(engine: &Engine, ends: &[End], ports: &[(u16, Protocol)]) -> Vec<Cell> {
    let mut cells = Vec::new();
    for &(port, protocol) in ports {
        for (from, a) in ends.iter().enumerate() {
            for (to, b) in ends.iter().enumerate() {
                if !probed(a, b) {
                    continue;
                }
                let allowed = engine.decide(Endpoint::Ip(a.ip), Endpoint::Ip(b.ip), port, protocol).is_allowed();
                cells.push(Cell { from, to, port, protocol, allowed, seen: Seen::Dropped });
            }
        }
    }
    cells
}
