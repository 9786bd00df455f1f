//! `netpol watch --metrics ADDR`: Prometheus text exposition on `/metrics` and a liveness
//! answer on `/healthz`, served from a thread while the watch runs.
//!
//! Bounded: one connection at a time, a request read to at most [`MAX_REQUEST_BYTES`] with a
//! timeout of [`IO_TIMEOUT`] each way, so a slow or malformed client costs at most a few
//! seconds and a few kilobytes, and is answered 400, 404 or 405 rather than hanging anything.
//! An address that is only a port binds to loopback.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netpol::audit::AuditReport;
use netpol::diff::delta::Delta;
use netpol::Engine;

/// The most bytes read of one request (its head; bodies are not read).
pub const MAX_REQUEST_BYTES: usize = 8 << 10;

/// How long a client may take to send its request or read the answer.
pub const IO_TIMEOUT: Duration = Duration::from_secs(2);

/// What the watch has seen, as the metrics report it.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Changes reported (a batch counts once).
    pub changes: u64,
    /// Events applied.
    pub events: u64,
    /// Documents that could not be used (malformed, refused, ERROR events, cut streams).
    pub decode_errors: u64,
    /// Pod pairs newly allowed, summed over changes.
    pub newly_allowed_pod_pairs: u64,
    /// Pod pairs newly denied, summed over changes.
    pub newly_denied_pod_pairs: u64,
    /// When the last change was applied.
    pub last_change: Option<Instant>,
    /// Seconds the last report took (diff, audit, drift).
    pub last_report_seconds: f64,
    /// Pods per namespace: (pods, not isolated for ingress, not isolated for egress).
    namespaces: BTreeMap<String, (usize, usize, usize)>,
    /// Findings by (id, severity).
    findings: BTreeMap<(&'static str, &'static str), usize>,
    /// Identities of the current engine.
    identities: usize,
}

impl Metrics {
    /// Takes the gauges from the current engine and its audit.
    pub fn record_state(&mut self, engine: &Engine, audit: &AuditReport) {
        self.namespaces = audit
            .coverage
            .iter()
            .map(|c| (c.namespace.clone(), (c.pods, c.pods - c.ingress_isolated, c.pods - c.egress_isolated)))
            .collect();
        self.findings.clear();
        for f in &audit.findings {
            *self.findings.entry((f.id, f.severity.as_str())).or_default() += 1;
        }
        self.identities = engine.identities();
    }

    /// Counts one reported change of `events` events, and takes the gauges after it.
    pub fn record_change(&mut self, delta: &Delta, engine: &Engine, audit: &AuditReport, events: usize) {
        self.changes += 1;
        self.events += events as u64;
        self.newly_allowed_pod_pairs += delta.diff.summary.allowed_pod_pairs as u64;
        self.newly_denied_pod_pairs += delta.diff.summary.denied_pod_pairs as u64;
        self.last_change = Some(Instant::now());
        self.record_state(engine, audit);
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: &[(String, String)]| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let one = |v: String| vec![(String::new(), v)];
        family(
            "netpol_changes_total",
            "counter",
            "Changes reported (a batch counts once).",
            &one(self.changes.to_string()),
        );
        family("netpol_events_total", "counter", "Watch events applied.", &one(self.events.to_string()));
        family(
            "netpol_decode_errors_total",
            "counter",
            "Watch documents that could not be used.",
            &one(self.decode_errors.to_string()),
        );
        family(
            "netpol_newly_allowed_pod_pairs_total",
            "counter",
            "Pod pairs newly allowed by changes.",
            &one(self.newly_allowed_pod_pairs.to_string()),
        );
        family(
            "netpol_newly_denied_pod_pairs_total",
            "counter",
            "Pod pairs newly denied by changes.",
            &one(self.newly_denied_pod_pairs.to_string()),
        );
        let age = self.last_change.map_or(-1.0, |t| t.elapsed().as_secs_f64());
        family(
            "netpol_last_change_age_seconds",
            "gauge",
            "Seconds since the last change was applied (-1: none yet).",
            &one(format!("{age:.3}")),
        );
        family(
            "netpol_last_report_seconds",
            "gauge",
            "Seconds the last change's report took.",
            &one(format!("{:.6}", self.last_report_seconds)),
        );
        family(
            "netpol_identities",
            "gauge",
            "Pod identities of the current engine.",
            &one(self.identities.to_string()),
        );
        let mut pods = Vec::new();
        let mut open = Vec::new();
        for (ns, (n, ingress, egress)) in &self.namespaces {
            let ns = escape(ns);
            pods.push((format!("{{namespace=\"{ns}\"}}"), n.to_string()));
            open.push((format!("{{namespace=\"{ns}\",direction=\"ingress\"}}"), ingress.to_string()));
            open.push((format!("{{namespace=\"{ns}\",direction=\"egress\"}}"), egress.to_string()));
        }
        family("netpol_pods", "gauge", "Pods in the model, per namespace.", &pods);
        family("netpol_pods_not_isolated", "gauge", "Pods no policy isolates, per namespace and direction.", &open);
        let findings: Vec<(String, String)> = self
            .findings
            .iter()
            .map(|((id, severity), n)| (format!("{{id=\"{id}\",severity=\"{severity}\"}}"), n.to_string()))
            .collect();
        family("netpol_findings", "gauge", "Audit findings, per check and severity.", &findings);
        out
    }
}

/// A label value escaped for the text format.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// The server thread; it lives as long as the process.
pub struct MetricsServer {
    /// Where it listens.
    pub addr: SocketAddr,
    _thread: JoinHandle<()>,
}

impl MetricsServer {
    /// Binds `addr` (`host:port`, or a port alone for loopback) and serves `metrics`.
    pub fn start(addr: &str, metrics: Arc<Mutex<Metrics>>) -> std::io::Result<MetricsServer> {
        let addr = if addr.parse::<u16>().is_ok() { format!("127.0.0.1:{addr}") } else { addr.to_string() };
        let first = addr.to_socket_addrs()?.next().ok_or_else(|| std::io::Error::other("no address"))?;
        let listener = TcpListener::bind(first)?;
        let addr = listener.local_addr()?;
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &metrics);
            }
        });
        Ok(MetricsServer { addr, _thread: thread })
    }
}

/// Answers one connection.
fn serve(mut stream: TcpStream, metrics: &Mutex<Metrics>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    let deadline = Instant::now() + IO_TIMEOUT;
    let complete = loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            break true;
        }
        if head.len() >= MAX_REQUEST_BYTES || Instant::now() > deadline {
            break false; // A slow client gets the time of one timeout in all, not per byte.
        }
        match stream.read(&mut buf) {
            Ok(0) => break false,
            Ok(n) => head.extend_from_slice(&buf[..n.min(MAX_REQUEST_BYTES - head.len())]),
            Err(_) => break false, // Timed out or reset: answer what we can.
        }
    };
    let text = String::from_utf8_lossy(&head);
    let mut words = text.lines().next().unwrap_or_default().split_whitespace();
    let (method, path, version) = (words.next(), words.next(), words.next());
    let (status, body, content_type) = match (complete, method, path, version) {
        (true, Some("GET"), Some(path), Some(v)) if v.starts_with("HTTP/1.") => {
            match path.split('?').next().unwrap_or_default() {
                "/metrics" => {
                    let body = metrics.lock().unwrap_or_else(|e| e.into_inner()).render();
                    ("200 OK", body, "text/plain; version=0.0.4; charset=utf-8")
                }
                "/healthz" => ("200 OK", "ok\n".to_string(), "text/plain; charset=utf-8"),
                _ => ("404 Not Found", "not found: try /metrics or /healthz\n".into(), "text/plain; charset=utf-8"),
            }
        }
        (true, Some(_), Some(_), Some(v)) if v.starts_with("HTTP/1.") => {
            ("405 Method Not Allowed", "only GET\n".into(), "text/plain; charset=utf-8")
        }
        (false, _, _, _) if head.len() >= MAX_REQUEST_BYTES => {
            ("431 Request Header Fields Too Large", "request too large\n".into(), "text/plain; charset=utf-8")
        }
        _ => ("400 Bad Request", "bad request\n".into(), "text/plain; charset=utf-8"),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(response.as_bytes())?;
    stream.flush()
}
