//! The lab's network: one network namespace per host (a pod, or "the internet" holding the
//! outside addresses), each with one veth into a router namespace that routes every address and
//! where the ruleset is loaded (the forward hook sees every connection between hosts).
//!
//! Addressing: a host's addresses sit on its `eth0` as /32 and /128; it routes everything via
//! `169.254.1.1` and `fe80::1`, which the router holds on every host-facing link (as Calico
//! does), and the router routes each host address to its link. No link-local addresses are
//! generated and duplicate address detection is off, so the network is up at once.
//!
//! Everything is made with `ip -batch` (a few processes, however many hosts) and every
//! namespace made is deleted on every exit path: [`Topology`]'s `Drop`, and the signal guard
//! (`guard.rs`) for SIGINT, SIGTERM and SIGHUP. Names carry the process id, so runs side by
//! side do not meet, and namespaces a killed run left behind are found and removed.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::sched::{setns, CloneFlags};

/// Where named network namespaces live (`ip netns`).
const NETNS_DIR: &str = "/run/netns";
/// The prefix of every namespace a lab makes: `netpol-lab-<pid>-...`.
pub const PREFIX: &str = "netpol-lab-";
/// The router's address on every host-facing link, per family, and the hosts' gateway.
const GATEWAY4: &str = "169.254.1.1";
const GATEWAY6: &str = "fe80::1";

/// Namespaces made so far: what cleanup deletes (shared with the signal guard).
pub type Made = Arc<Mutex<Vec<String>>>;

/// One host of the lab: its namespace, and an open handle to enter it.
pub struct Host {
    /// The namespace's name.
    pub namespace: String,
    handle: File,
}

/// The lab's network, up; deleted when dropped (unless kept).
pub struct Topology {
    /// The hosts, in the order given.
    pub hosts: Vec<Host>,
    router: String,
    made: Made,
    keep: bool,
    home: File,
    /// How long bringing the network up took.
    pub set_up: Duration,
}

/// Why the lab cannot run here.
pub fn preflight() -> Result<(), String> {
    if !nix::unistd::Uid::effective().is_root() {
        return Err("netpol lab needs root: it makes network namespaces, veth pairs and nftables rulesets".into());
    }
    for (tool, package) in [("ip", "iproute2"), ("nft", "nftables")] {
        let found = Command::new(tool).arg("-V").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok();
        if !found {
            return Err(format!("netpol lab needs `{tool}` (Debian package {package}): not found on PATH"));
        }
    }
    Ok(())
}

/// Runs `ip [-n namespace] -force -batch -` on `script`; an error carries ip's own message.
fn ip_batch(namespace: Option<&str>, script: &str) -> Result<(), String> {
    let mut command = Command::new("ip");
    if let Some(ns) = namespace {
        command.args(["-n", ns]);
    }
    run_with_input(command.args(["-batch", "-"]), script).map_err(|e| format!("ip -batch: {e}"))
}

/// Runs `command` with `input` on stdin; an error carries its stderr.
pub fn run_with_input(command: &mut Command, input: &str) -> Result<(), String> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let written = stdin.write_all(input.as_bytes());
    drop(stdin);
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    written.map_err(|e| e.to_string())
}

/// Deletes `namespaces` (those that exist); best effort, returns what `ip` said on failure.
pub fn delete(namespaces: &[String]) -> Result<(), String> {
    let existing: Vec<&String> =
        namespaces.iter().filter(|n| std::path::Path::new(NETNS_DIR).join(n.as_str()).exists()).collect();
    if existing.is_empty() {
        return Ok(());
    }
    let script: String = existing.iter().map(|n| format!("netns delete {n}\n")).collect();
    let mut command = Command::new("ip");
    run_with_input(command.args(["-force", "-batch", "-"]), &script)
}

/// Namespaces of earlier labs whose process is gone (killed, or run with `--keep`).
pub fn leftovers() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(NETNS_DIR) else { return Vec::new() };
    let mut out: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| {
            let Some(pid) = name.strip_prefix(PREFIX).and_then(|rest| rest.split('-').next()) else { return false };
            pid.parse::<u32>().is_ok_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists())
        })
        .collect();
    out.sort();
    out
}

impl Topology {
    /// Brings up `hosts` (each host's addresses) around one router; the namespaces made are
    /// recorded in `made` as they are made.
    pub fn up(hosts: &[Vec<IpAddr>], made: Made, keep: bool) -> Result<Topology, String> {
        let start = Instant::now();
        let home =
            File::open("/proc/thread-self/ns/net").map_err(|e| format!("cannot open this network namespace: {e}"))?;
        let base = format!("{PREFIX}{}", std::process::id());
        let router = format!("{base}-r");
        let names: Vec<String> = (0..hosts.len()).map(|i| format!("{base}-h{i}")).collect();
        let all: Vec<String> = std::iter::once(router.clone()).chain(names.iter().cloned()).collect();
        made.lock().unwrap_or_else(|e| e.into_inner()).extend(all.iter().cloned());
        let mut topology =
            Topology { hosts: Vec::new(), router: router.clone(), made, keep, home, set_up: Duration::ZERO };

        // Namespaces, then one veth per host: `h<i>` in the router, `eth0` in the host.
        let mut script: String = all.iter().map(|n| format!("netns add {n}\n")).collect();
        for (i, name) in names.iter().enumerate() {
            let _ = writeln!(script, "link add h{i} netns {router} type veth peer name eth0 netns {name}");
        }
        ip_batch(None, &script)?;

        // The router: forwarding on, a gateway address and a route per host address.
        let sysctl = "echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding";
        let status = Command::new("ip").args(["netns", "exec", &router, "sh", "-c", sysctl]).status();
        if !status.is_ok_and(|s| s.success()) {
            return Err("cannot turn on forwarding in the router's namespace".into());
        }
        let mut script = String::from("link set lo up\n");
        for (i, addresses) in hosts.iter().enumerate() {
            let _ = writeln!(script, "link set h{i} addrgenmode none\nlink set h{i} up");
            let _ = writeln!(script, "address add {GATEWAY4}/32 dev h{i}\naddress add {GATEWAY6}/64 dev h{i} nodad");
            for ip in addresses {
                let _ = writeln!(script, "route add {ip}/{} dev h{i}", prefix_len(ip));
            }
        }
        ip_batch(Some(&router), &script)?;

        // Each host: its addresses and the default routes via the router.
        for (name, addresses) in names.iter().zip(hosts) {
            let mut script = String::from("link set lo up\nlink set eth0 addrgenmode none\nlink set eth0 up\n");
            for ip in addresses {
                let _ = writeln!(script, "address add {ip}/{} dev eth0 nodad", prefix_len(ip));
            }
            if addresses.iter().any(|ip| ip.is_ipv4()) {
                let _ = writeln!(script, "route add {GATEWAY4} dev eth0 scope link");
                let _ = writeln!(script, "route add 0.0.0.0/0 via {GATEWAY4} dev eth0");
            }
            if addresses.iter().any(|ip| ip.is_ipv6()) {
                let _ = writeln!(script, "route add ::/0 via {GATEWAY6} dev eth0");
            }
            ip_batch(Some(name), &script)?;
            let handle = File::open(format!("{NETNS_DIR}/{name}")).map_err(|e| format!("cannot open {name}: {e}"))?;
            topology.hosts.push(Host { namespace: name.clone(), handle });
        }
        topology.set_up = start.elapsed();
        Ok(topology)
    }

    /// Loads an `nft -f` ruleset into the router's namespace.
    pub fn load_router(&self, ruleset: &str) -> Result<(), String> {
        load_ruleset(&self.router, ruleset)
    }

    /// Loads an `nft -f` ruleset into host `host`'s own namespace (for its traffic to itself).
    pub fn load_host(&self, host: usize, ruleset: &str) -> Result<(), String> {
        load_ruleset(&self.hosts[host].namespace, ruleset)
    }

    /// The router's namespace name.
    pub fn router(&self) -> &str {
        &self.router
    }

    /// Runs `f` inside host `host`'s network namespace (sockets made there stay there).
    pub fn within<T>(&self, host: usize, f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        setns(&self.hosts[host].handle, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
        let result = f();
        setns(&self.home, CloneFlags::CLONE_NEWNET).map_err(io::Error::from)?;
        result
    }

    /// Deletes the network now; how long it took, and an error if `ip` reported one.
    pub fn tear_down(mut self) -> (Duration, Result<(), String>) {
        let start = Instant::now();
        let result = self.delete_all();
        (start.elapsed(), result)
    }

    fn delete_all(&mut self) -> Result<(), String> {
        self.hosts.clear(); // Close the handles first.
        let names = std::mem::take(&mut *self.made.lock().unwrap_or_else(|e| e.into_inner()));
        delete(&names)
    }

    /// Whether the network stays after the run (`--keep`).
    pub fn kept(&self) -> bool {
        self.keep
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        if !self.keep {
            let _ = self.delete_all();
        }
    }
}

/// `nft -f -` inside `namespace`.
fn load_ruleset(namespace: &str, ruleset: &str) -> Result<(), String> {
    let mut command = Command::new("ip");
    run_with_input(command.args(["netns", "exec", namespace, "nft", "-f", "-"]), ruleset)
        .map_err(|e| format!("nft -f in {namespace}: {e}"))
}

/// A host route's prefix length.
fn prefix_len(ip: &IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}
