//! The lab's second dataplane: the C program `examples/dataplane-nfqueue/netpol-nfq.c`, linked
//! with libnetpol, started in the router's namespace, where iptables' NFQUEUE target hands it
//! the first packet of every new connection to accept or drop. The lab starts it, waits for its
//! "ready", adds the rules, and after the probes stops it and reads its counts.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

use super::topology::{run_with_input, Topology};
use crate::input::InputArgs;

/// What the program counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct FilterStats {
    /// Packets it gave a verdict.
    pub verdicts: u64,
    /// Of which accepted.
    pub accepted: u64,
    /// Of which dropped.
    pub dropped: u64,
    /// Packets it could not read (dropped).
    pub unparsed: u64,
    /// Mean nanoseconds from a packet's message to its verdict.
    pub mean_ns: u64,
}

/// The running program; stopped (and its cluster file removed) when dropped.
pub struct Filter {
    child: Option<Child>,
    lines: Receiver<String>,
    cluster: PathBuf,
}

/// The cluster the lab loaded, as one YAML stream for the program: the input files, joined.
fn cluster_text(input: &InputArgs) -> Result<String, String> {
    let mut text = String::new();
    for name in &input.inputs {
        let path = Path::new(name);
        if name == "-" || path.is_dir() {
            return Err(format!("--dataplane nfqueue hands the cluster to its program as files: {name} is not a file"));
        }
        let part = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
        text.push_str("\n---\n");
        text.push_str(&part);
    }
    Ok(text)
}

impl Filter {
    /// Starts `program` in the router's namespace on queue 0 and routes new connections to it.
    pub fn start(topology: &Topology, program: &Path, input: &InputArgs) -> Result<Filter, String> {
        let cluster = std::env::temp_dir().join(format!("netpol-lab-{}-cluster.yaml", std::process::id()));
        std::fs::write(&cluster, cluster_text(input)?)
            .map_err(|e| format!("cannot write {}: {e}", cluster.display()))?;
        let mut command = Command::new("ip");
        command.args(["netns", "exec", topology.router()]).arg(program).arg(&cluster);
        command.args(["--queue", "0", "--exit-with-parent", "--tie", input.load.tie.as_str()]);
        if !input.load.ipblock_pod_ips {
            command.args(["--ipblock-pod-ips", "ignore"]);
        }
        if input.load.lenient {
            command.arg("--lenient");
        }
        let spawned = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_file(&cluster);
                return Err(format!("cannot start {}: {e}", program.display()));
            }
        };
        let stdout = child.stdout.take().expect("stdout is piped");
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let filter = Filter { child: Some(child), lines, cluster };
        match filter.lines.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line == "ready" => {}
            other => return Err(format!("{} did not get ready: {other:?}", program.display())),
        }
        for tool in ["iptables", "ip6tables"] {
            let rule =
                ["-w", "-A", "FORWARD", "-m", "conntrack", "--ctstate", "NEW", "-j", "NFQUEUE", "--queue-num", "0"];
            let mut command = Command::new("ip");
            command.args(["netns", "exec", topology.router(), tool]).args(rule);
            run_with_input(&mut command, "").map_err(|e| format!("{tool}: cannot add the NFQUEUE rule: {e}"))?;
        }
        Ok(filter)
    }

    /// Stops the program and reads its counts.
    pub fn stop(mut self) -> Result<FilterStats, String> {
        let mut child = self.child.take().expect("running");
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGTERM);
        let line = self.lines.recv_timeout(Duration::from_secs(10));
        let _ = child.wait();
        let line = line.map_err(|_| "the nfqueue program printed no counts".to_owned())?;
        let words: Vec<&str> = line.split_whitespace().collect();
        let field = |name: &str| -> Result<u64, String> {
            let at = words.iter().position(|w| *w == name).ok_or(format!("no {name} in {line:?}"))?;
            words.get(at + 1).and_then(|v| v.parse().ok()).ok_or(format!("bad {name} in {line:?}"))
        };
        Ok(FilterStats {
            verdicts: field("verdicts")?,
            accepted: field("accepted")?,
            dropped: field("dropped")?,
            unparsed: field("unparsed")?,
            mean_ns: field("mean_ns")?,
        })
    }
}

impl Drop for Filter {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.cluster);
    }
}
