//! The lab's report: a probe table per port (pods × pods, like `matrix`), the outside
//! addresses' counts, every disagreement, what was skipped, and timings; or the same as JSON
//! or JUnit XML.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use super::probe::Seen;
use super::{Cell, LabRun};

/// What a probe table cell shows, over every family the two pods share.
fn symbol(cells: &[&Cell]) -> char {
    if cells.iter().any(|c| !c.agrees()) {
        '!'
    } else if cells.iter().all(|c| c.allowed) {
        'A'
    } else if cells.iter().all(|c| !c.allowed) {
        '.'
    } else {
        '~'
    }
}

fn seen_text(seen: &Seen) -> String {
    match seen {
        Seen::Passed => "passed".into(),
        Seen::Dropped => "dropped".into(),
        Seen::Failed(why) => format!("failed: {why}"),
    }
}

fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allowed"
    } else {
        "denied"
    }
}

fn port_name(port: u16, protocol: netpol::Protocol) -> String {
    format!("{port}/{protocol}")
}

/// Counts over all cells: (probes, passed, dropped, failed, disagreeing).
fn counts(run: &LabRun) -> (usize, usize, usize, usize, usize) {
    let passed = run.cells.iter().filter(|c| c.seen == Seen::Passed).count();
    let dropped = run.cells.iter().filter(|c| c.seen == Seen::Dropped).count();
    let disagreeing = run.cells.iter().filter(|c| !c.agrees()).count();
    (run.cells.len(), passed, dropped, run.cells.len() - passed - dropped, disagreeing)
}

/// The text report.
pub fn text(run: &LabRun) -> String {
    let mut out = String::new();
    let outside = run.ends.iter().filter(|e| !e.pod).count();
    let ports: Vec<String> = run.ports.iter().map(|&(p, proto)| port_name(p, proto)).collect();
    let _ = writeln!(
        out,
        "netpol lab: {} pods, {} outside addresses, ports {}; one network namespace each, routed through one \
         router namespace",
        run.pods.len(),
        outside,
        ports.join(" ")
    );
    let r = &run.ruleset;
    match run.dataplane {
        super::Dataplane::None => {
            let _ = writeln!(out, "dataplane: none (a control run: nothing enforces the policies)");
        }
        super::Dataplane::Nfqueue => {
            let _ = writeln!(out, "dataplane: nfqueue (netpol-nfq on libnetpol decides each new connection)");
        }
        super::Dataplane::Nftables => {}
    }
    let _ = writeln!(
        out,
        "nftables ruleset{}: {} address elements, {} verdict elements, {} row chains ({} set elements), {} rules",
        if run.dataplane == super::Dataplane::Nftables { " (in the router)" } else { " (exported, not loaded)" },
        r.address_elements,
        r.verdict_elements,
        r.row_chains,
        r.row_elements,
        r.rules
    );
    let (probes, passed, dropped, failed, disagreeing) = counts(run);
    let _ = writeln!(out, "probes: {probes} ({passed} passed, {dropped} dropped, {failed} failed); {} agree with the model, {disagreeing} disagree", probes - disagreeing);
    let _ = writeln!(out);
    let width = run.pods.iter().map(|p| p.len()).max().unwrap_or(0);
    for &(port, protocol) in &run.ports {
        let _ = writeln!(out, "{} (rows: from, columns: to)", port_name(port, protocol));
        // Pod → pod cells by (from host, to host).
        let mut grid: BTreeMap<(usize, usize), Vec<&Cell>> = BTreeMap::new();
        let mut outward = (0, 0);
        let mut inward = (0, 0);
        for c in run.cells.iter().filter(|c| c.port == port && c.protocol == protocol) {
            let (from, to) = (&run.ends[c.from], &run.ends[c.to]);
            match (from.pod, to.pod) {
                (true, true) => grid.entry((from.host, to.host)).or_default().push(c),
                (true, false) => outward = (outward.0 + 1, outward.1 + usize::from(c.agrees())),
                _ => inward = (inward.0 + 1, inward.1 + usize::from(c.agrees())),
            }
        }
        let numbers: String = (1..=run.pods.len()).map(|i| format!("{:>3}", i % 1000)).collect();
        let _ = writeln!(out, "{:width$}      {numbers}", "", width = width);
        for (i, pod) in run.pods.iter().enumerate() {
            let row: String = (0..run.pods.len())
                .map(|j| format!("{:>3}", grid.get(&(i, j)).map_or(' ', |cells| symbol(cells))))
                .collect();
            let _ = writeln!(out, "{:>4} {pod:width$} {row}", i + 1, width = width);
        }
        if outward.0 + inward.0 > 0 {
            let _ = writeln!(
                out,
                "     pods -> outside addresses: {} probes, {} agree; outside addresses -> pods: {} probes, {} agree",
                outward.0, outward.1, inward.0, inward.1
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "A: allowed, and the connection passed; .: denied, and it was dropped; ~: allowed over some of the \
         pods' address families only, each as the model says; !: the packets and the model disagree"
    );
    let _ = writeln!(out);
    let wrong: Vec<&Cell> = run.cells.iter().filter(|c| !c.agrees()).collect();
    if wrong.is_empty() {
        let _ = writeln!(out, "Disagreements: none.");
    } else {
        let _ = writeln!(out, "Disagreements: {}", wrong.len());
        for c in wrong {
            let (from, to) = (&run.ends[c.from], &run.ends[c.to]);
            let _ = writeln!(
                out,
                "  {} ({}) -> {} ({}) on {}: the model says {}, the packets {}",
                from.name,
                from.ip,
                to.name,
                to.ip,
                port_name(c.port, c.protocol),
                verdict(c.allowed),
                seen_text(&c.seen)
            );
        }
    }
    for s in &run.skipped {
        let _ = writeln!(out, "skipped: {s}");
    }
    if let Some(f) = &run.nfqueue {
        let _ = writeln!(
            out,
            "nfqueue program: {} verdicts ({} accepted, {} dropped, {} unreadable), {} ns each on average from \
             packet to verdict",
            f.verdicts, f.accepted, f.dropped, f.unparsed, f.mean_ns
        );
    }
    if let Some((median, p99)) = handshake_times(run) {
        let _ = writeln!(
            out,
            "TCP handshakes that passed: {} in all, median {median} µs, 99th percentile {p99} µs (as the prober saw them)",
            run.handshakes.len()
        );
    }
    if run.retried > 0 {
        let _ = writeln!(out, "re-probed once (dropped where the model allows): {}", run.retried);
    }
    let _ = writeln!(
        out,
        "timings: set-up {:.2} s, ruleset load {:.2} s, probes {:.2} s, tear-down {:.2} s",
        run.set_up.as_secs_f64(),
        run.load.as_secs_f64(),
        run.probing.as_secs_f64(),
        run.tear_down.as_secs_f64()
    );
    if !run.kept.is_empty() {
        let _ = writeln!(
            out,
            "kept: {} network namespaces ({} is the router); enter one with `ip netns exec NAME bash`; the next \
             `netpol lab` removes them",
            run.kept.len(),
            run.kept[0]
        );
    }
    out
}

/// The median and 99th percentile of the passed TCP handshakes, in microseconds.
fn handshake_times(run: &LabRun) -> Option<(u128, u128)> {
    let h = &run.handshakes;
    let at = |q: f64| h[((h.len() - 1) as f64 * q).round() as usize].as_micros();
    (!h.is_empty()).then(|| (at(0.5), at(0.99)))
}

/// The JSON report.
pub fn json(run: &LabRun) -> Value {
    let (probes, passed, dropped, failed, disagreeing) = counts(run);
    let disagreements: Vec<Value> = run
        .cells
        .iter()
        .filter(|c| !c.agrees())
        .map(|c| {
            let (from, to) = (&run.ends[c.from], &run.ends[c.to]);
            json!({
                "from": from.name, "from_ip": from.ip.to_string(), "to": to.name, "to_ip": to.ip.to_string(),
                "port": c.port, "protocol": c.protocol.as_str(), "model": verdict(c.allowed), "seen": seen_text(&c.seen),
            })
        })
        .collect();
    let r = &run.ruleset;
    json!({
        "dataplane": match run.dataplane {
            super::Dataplane::Nftables => "nftables",
            super::Dataplane::Nfqueue => "nfqueue",
            super::Dataplane::None => "none",
        },
        "pods": run.pods,
        "outside": run.ends.iter().filter(|e| !e.pod).map(|e| e.ip.to_string()).collect::<Vec<_>>(),
        "ports": run.ports.iter().map(|&(p, proto)| port_name(p, proto)).collect::<Vec<_>>(),
        "probes": probes, "passed": passed, "dropped": dropped, "failed": failed,
        "allowed_by_model": run.cells.iter().filter(|c| c.allowed).count(),
        "agree": probes - disagreeing, "disagree": disagreeing,
        "disagreements": disagreements,
        "retried": run.retried,
        "skipped": run.skipped,
        "ruleset": {
            "address_elements": r.address_elements, "verdict_elements": r.verdict_elements,
            "row_chains": r.row_chains, "row_elements": r.row_elements, "chains": r.chains, "rules": r.rules,
        },
        "seconds": {
            "set_up": run.set_up.as_secs_f64(), "load": run.load.as_secs_f64(),
            "probes": run.probing.as_secs_f64(), "tear_down": run.tear_down.as_secs_f64(),
        },
        "kept": run.kept,
        "nfqueue": run.nfqueue.map(|f| json!({
            "verdicts": f.verdicts, "accepted": f.accepted, "dropped": f.dropped, "unparsed": f.unparsed, "mean_ns": f.mean_ns,
        })),
        "tcp_handshake_us": handshake_times(run).map(|(median, p99)| json!({
            "count": run.handshakes.len(), "median": median as u64, "p99": p99 as u64,
        })),
    })
}

/// XML-escapes text.
fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The JUnit report: one test case per port.
pub fn junit(run: &LabRun) -> String {
    let mut cases = String::new();
    let mut failures = 0;
    for &(port, protocol) in &run.ports {
        let cells: Vec<&Cell> = run.cells.iter().filter(|c| c.port == port && c.protocol == protocol).collect();
        let wrong: Vec<&&Cell> = cells.iter().filter(|c| !c.agrees()).collect();
        let name = port_name(port, protocol);
        let _ = write!(cases, "  <testcase classname=\"netpol.lab\" name=\"{name}: {} probes\"", cells.len());
        if wrong.is_empty() {
            cases.push_str("/>\n");
            continue;
        }
        failures += 1;
        let lines: Vec<String> = wrong
            .iter()
            .map(|c| {
                let (from, to) = (&run.ends[c.from], &run.ends[c.to]);
                format!(
                    "{} ({}) -> {} ({}): model {}, packets {}",
                    from.name,
                    from.ip,
                    to.name,
                    to.ip,
                    verdict(c.allowed),
                    seen_text(&c.seen)
                )
            })
            .collect();
        let _ = write!(
            cases,
            ">\n    <failure message=\"{} of {} probes disagree\">{}</failure>\n  </testcase>\n",
            wrong.len(),
            cells.len(),
            xml(&lines.join("\n"))
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"netpol lab\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">\n{cases}</testsuite>\n",
        run.ports.len(),
        (run.set_up + run.load + run.probing + run.tear_down).as_secs_f64()
    )
}
