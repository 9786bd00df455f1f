//! `netpol._netpol`: the extension module behind the `netpol` Python package.
//!
//! Thin: converts arguments, calls the core (releasing the GIL for loading, whole-table work,
//! reach questions, flow files and reviews) and returns plain values or the core's JSON as
//! text; `netpol/__init__.py` wraps them in typed Python classes. Errors are raised as the
//! exception classes of `netpol/_errors.py`. No panic reaches Python: pyo3 turns one into
//! `pyo3_runtime.PanicException`, and the engine does not panic on input. The long calls
//! (loading, matrix, connectivity, reach, flows, suggest, audit, verify, diff) stop at Ctrl-C, and
//! outputs too large for memory raise `MemoryError` before they are made (`interrupt`).

mod interrupt;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use netpol::audit::AuditOptions;
use netpol::flows::{read_sources, replay, FlowFormat};
use netpol::raw::Strictness;
use netpol::reach::{reach, Subject};
use netpol::report::{unknown_endpoint, unknown_subject, CheckReport, ConnectivityReport};
use netpol::select::{select_pod, select_policy};
use netpol::spec::LabelSelector;
use netpol::suggest::suggest_checked;
use netpol::verify::Expectations;
use netpol::{
    report, Config, Direction, Endpoint, Engine, FamilyVerdicts, Options, PodId, Protocol, Query, SelfTraffic, Source,
    Verdict,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use crate::interrupt::{connectivity_bytes, ensure_fits, interruptible, matrix_bytes, rows_bytes};

/// How to load and evaluate, from the keyword arguments.
fn config(self_traffic: &str, ipblock_pod_ips: &str, tie: &str, strict: bool) -> PyResult<Config> {
    let self_traffic: SelfTraffic =
        self_traffic.parse().map_err(|e| PyValueError::new_err(format!("self_traffic: {e}, not {self_traffic:?}")))?;
    let ip_block_matches_pods = Options::parse_ip_block_pod_ips(ipblock_pod_ips)
        .map_err(|e| PyValueError::new_err(format!("ipblock_pod_ips: {e}, not {ipblock_pod_ips:?}")))?;
    let tie: netpol::spec::Tie = tie.parse().map_err(|e| PyValueError::new_err(format!("tie: {e}, not {tie:?}")))?;
    // An empty text is an empty cluster here, as it always was for Python.
    let mut config = Config {
        options: Options { self_traffic, ip_block_matches_pods, tie },
        allow_empty: true,
        ..Config::default()
    };
    config.load.strictness = Strictness::strict_if(strict);
    Ok(config)
}

/// One problem as Python sees it: (origin, kind, object, field, message, line).
type Problem = (Option<String>, Option<String>, Option<String>, String, String, Option<u32>);

/// Raises `netpol.ParseError` (input that is not readable Kubernetes objects) or
/// `netpol.ValidationError` (objects the API server would reject), with every problem.
fn policy_error(py: Python<'_>, error: &netpol::Error) -> PyErr {
    let parse = error.diagnostics().iter().all(|d| d.object().is_none());
    raise(py, if parse { "ParseError" } else { "ValidationError" }, error)
}

/// The exception `class` of `netpol._errors` (a `PolicyError`) with every problem of `error`.
fn raise(py: Python<'_>, class: &str, error: &netpol::Error) -> PyErr {
    let problems: Vec<Problem> = error
        .diagnostics()
        .iter()
        .map(|d| {
            (
                d.origin().map(String::from),
                d.object().map(|o| o.kind().as_str().to_string()),
                d.object().map(|o| o.qualified_name()),
                d.field().to_string(),
                d.message().to_string(),
                d.line(),
            )
        })
        .collect();
    error_class(py, class, (error.to_string(), problems))
}

/// `netpol.UnknownEndpointError` (a `ValueError`) with `message`.
fn unknown(py: Python<'_>, message: String) -> PyErr {
    error_class(py, "UnknownEndpointError", (message,))
}

/// An instance of the exception `class` of `netpol._errors`, made with `args`.
fn error_class<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    let raised = py.import("netpol._errors").and_then(|m| m.getattr(class)).and_then(|c| c.call1(args));
    match raised {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// Flow file problems: `netpol.FlowError` (a `ParseError`) naming file, line and field.
fn flow_error(py: Python<'_>, error: &netpol::Error) -> PyErr {
    raise(py, "FlowError", error)
}

/// Expectations file problems: `netpol.ExpectationsError` naming file, `expectations[i].field`
/// and line.
fn expectations_error(py: Python<'_>, error: &netpol::Error) -> PyErr {
    raise(py, "ExpectationsError", error)
}

/// A verdict as Python sees it: (allowed, egress allowed, ingress allowed, {family: allowed} over
/// the shared families only).
type PyVerdict = (bool, bool, bool, BTreeMap<&'static str, bool>);

/// Per shared family its verdict, keyed `ipv4`/`ipv6` (sorted, so IPv4 first).
fn families(f: FamilyVerdicts) -> BTreeMap<&'static str, bool> {
    f.iter().map(|(family, allowed)| (family.key(), allowed)).collect()
}

fn py_verdict(v: Verdict) -> PyVerdict {
    (v.is_allowed(), v.egress, v.ingress, families(v.families))
}

/// A compiled cluster (the `netpol.Engine` wrapper holds one).
#[pyclass(frozen, module = "netpol._netpol")]
struct RawEngine {
    /// Shared with the worker threads of interruptible calls.
    engine: Arc<Engine>,
}

fn protocol(text: &str) -> PyResult<Protocol> {
    Protocol::parse_loose(text)
        .ok_or_else(|| PyValueError::new_err(format!("unknown protocol {text:?}: use TCP, UDP or SCTP")))
}

fn flow_format(text: &str) -> PyResult<FlowFormat> {
    FlowFormat::parse(text).ok_or_else(|| {
        PyValueError::new_err(format!("format must be \"auto\", \"hubble\", \"jsonl\" or \"csv\", not {text:?}"))
    })
}

fn direction(text: &str) -> PyResult<Direction> {
    match text {
        "to" => Ok(Direction::Ingress),
        "from" => Ok(Direction::Egress),
        other => Err(PyValueError::new_err(format!("direction must be \"to\" or \"from\", not {other:?}"))),
    }
}

fn port(port: u32) -> PyResult<u16> {
    match u16::try_from(port) {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(PyValueError::new_err(format!("port {port} is not between 1 and 65535"))),
    }
}

/// The audit's assumptions; `None` keeps the core's default (which `netpol audit` shares).
fn audit_options(
    system_namespaces: Option<Vec<String>>,
    dns_namespace: Option<String>,
    dns_selector: Option<&str>,
) -> PyResult<AuditOptions> {
    let mut options = AuditOptions::default();
    if let Some(namespaces) = system_namespaces {
        options.system_namespaces = namespaces;
    }
    if let Some(text) = dns_selector {
        options.dns.pod_selector = LabelSelector::parse_match_labels(text).ok_or_else(|| {
            PyValueError::new_err(format!(
                "dns_selector {text:?}: expected \"key=value[,key=value...]\" or a dict of labels"
            ))
        })?;
    }
    if let Some(namespace) = dns_namespace {
        options.dns.namespace = namespace;
    }
    Ok(options)
}

/// Flow files, then flow text (named `<text>`); `ValueError` when there are neither.
fn flow_sources(paths: Vec<PathBuf>, text: Option<String>, call: &str) -> PyResult<Vec<Source>> {
    if paths.is_empty() && text.is_none() {
        return Err(PyValueError::new_err(format!(
            "{call}: no flows given: pass flow files ({call}(\"hubble.jsonl\")) or flow text ({call}_from_text(text))"
        )));
    }
    Ok(paths.into_iter().map(Source::Path).chain(text.map(|t| Source::text(t, "<text>"))).collect())
}

/// The matrix's rows that a chunk of row-major bytes holds, filled from the bit matrix.
fn fill_rows(matrix: &netpol::Matrix, first_row: usize, chunk: &mut [u8]) {
    let n = matrix.len();
    let mut bits = Vec::new();
    for (i, row) in chunk.chunks_mut(n).enumerate() {
        matrix.row_into(PodId((first_row + i) as u32), &mut bits);
        for (d, cell) in row.iter_mut().enumerate() {
            *cell = ((bits[d / 64] >> (d % 64)) & 1) as u8;
        }
    }
}

/// Rows of the matrix filled between two checks for Ctrl-C.
const ROWS_PER_CHUNK: usize = 64;

impl RawEngine {
    fn build(py: Python<'_>, sources: Vec<Source>, config: Config) -> PyResult<RawEngine> {
        match interruptible(py, move || netpol::load_and_compile(&sources, &config))? {
            Ok(engine) => Ok(RawEngine { engine: Arc::new(engine) }),
            Err(e) => Err(policy_error(py, &e)),
        }
    }

    fn endpoint(&self, value: &Bound<'_, PyAny>) -> PyResult<Endpoint> {
        let text = value.str()?;
        let text = text.to_cow()?;
        self.engine
            .parse_endpoint(&text)
            .ok_or_else(|| unknown(value.py(), unknown_endpoint(self.engine.cluster(), &text, None)))
    }

    /// Parses `(src, dst, port, protocol)` queries, then decides them without the GIL.
    fn decide_batch(&self, py: Python<'_>, queries: &Bound<'_, PyAny>) -> PyResult<Vec<Verdict>> {
        let mut parsed = Vec::new();
        for item in queries.try_iter()? {
            let item = item?;
            let (src, dst, p, proto): (Bound<'_, PyAny>, Bound<'_, PyAny>, u32, String) = item.extract()?;
            parsed.push(Query {
                src: self.endpoint(&src)?,
                dst: self.endpoint(&dst)?,
                port: port(p)?,
                protocol: protocol(&proto)?,
            });
        }
        let engine = &self.engine;
        Ok(py.detach(move || {
            let mut out = vec![Verdict::default(); parsed.len()];
            engine.decide_batch(&parsed, &mut out);
            out
        }))
    }
}

#[pymethods]
impl RawEngine {
    /// Loads YAML or JSON text.
    #[staticmethod]
    #[pyo3(signature = (text, self_traffic, ipblock_pod_ips, strict, tie = "deny-wins"))]
    fn from_text(
        py: Python<'_>,
        text: String,
        self_traffic: &str,
        ipblock_pod_ips: &str,
        strict: bool,
        tie: &str,
    ) -> PyResult<RawEngine> {
        let config = config(self_traffic, ipblock_pod_ips, tie, strict)?;
        RawEngine::build(py, vec![Source::text(text, "<text>")], config)
    }

    /// Loads files and directories.
    #[staticmethod]
    #[pyo3(signature = (paths, self_traffic, ipblock_pod_ips, strict, tie = "deny-wins"))]
    fn from_paths(
        py: Python<'_>,
        paths: Vec<PathBuf>,
        self_traffic: &str,
        ipblock_pod_ips: &str,
        strict: bool,
        tie: &str,
    ) -> PyResult<RawEngine> {
        let config = config(self_traffic, ipblock_pod_ips, tie, strict)?;
        RawEngine::build(py, paths.into_iter().map(Source::Path).collect(), config)
    }

    /// (allowed, egress allowed, ingress allowed, {family: allowed} per shared family).
    fn decide(&self, src: &Bound<'_, PyAny>, dst: &Bound<'_, PyAny>, port: u32, protocol: &str) -> PyResult<PyVerdict> {
        let v =
            self.engine.decide(self.endpoint(src)?, self.endpoint(dst)?, self::port(port)?, self::protocol(protocol)?);
        Ok(py_verdict(v))
    }

    /// Whether the connection is allowed.
    fn allowed(&self, src: &Bound<'_, PyAny>, dst: &Bound<'_, PyAny>, port: u32, protocol: &str) -> PyResult<bool> {
        let v =
            self.engine.decide(self.endpoint(src)?, self.endpoint(dst)?, self::port(port)?, self::protocol(protocol)?);
        Ok(v.is_allowed())
    }

    /// Many queries at once, without the GIL while deciding.
    fn allowed_many(&self, py: Python<'_>, queries: &Bound<'_, PyAny>) -> PyResult<Vec<bool>> {
        let verdicts = self.decide_batch(py, queries)?;
        Ok(verdicts.iter().map(|v| v.is_allowed()).collect())
    }

    /// Many queries at once as `decide` answers them, without the GIL while deciding.
    fn decide_many(&self, py: Python<'_>, queries: &Bound<'_, PyAny>) -> PyResult<Vec<PyVerdict>> {
        let verdicts = self.decide_batch(py, queries)?;
        Ok(verdicts.into_iter().map(py_verdict).collect())
    }

    /// The explanation as (JSON text, readable text).
    fn explain(
        &self,
        src: &Bound<'_, PyAny>,
        dst: &Bound<'_, PyAny>,
        port: u32,
        protocol: &str,
    ) -> PyResult<(String, String)> {
        let (src, dst, port, protocol) =
            (self.endpoint(src)?, self.endpoint(dst)?, self::port(port)?, self::protocol(protocol)?);
        let report = CheckReport::new(&self.engine, src, dst, port, protocol);
        Ok((report.to_json().to_string(), report.to_text()))
    }

    /// The truth table as row-major bytes of 0/1 (one byte a cell, no Python object per cell);
    /// `MemoryError` when it does not fit in memory, `KeyboardInterrupt` at Ctrl-C.
    fn matrix<'py>(&self, py: Python<'py>, port: u32, protocol: &str) -> PyResult<Bound<'py, PyBytes>> {
        let (port, protocol) = (self::port(port)?, self::protocol(protocol)?);
        let n = self.engine.cluster().pods().len();
        ensure_fits(&format!("the matrix of {n} pods"), matrix_bytes(n))?;
        let engine = Arc::clone(&self.engine);
        let matrix = interruptible(py, move || engine.matrix(port, protocol))?;
        let bytes = PyBytes::new_with(py, n * n, |buffer| {
            for (c, chunk) in buffer.chunks_mut((n * ROWS_PER_CHUNK).max(1)).enumerate() {
                py.detach(|| fill_rows(&matrix, c * ROWS_PER_CHUNK, chunk));
                py.check_signals()?;
            }
            Ok(())
        })?;
        Ok(bytes)
    }

    /// The connectivity map as JSON text; `MemoryError` when it does not fit in memory.
    fn connectivity(&self, py: Python<'_>) -> PyResult<String> {
        let engine = Arc::clone(&self.engine);
        interruptible(py, move || {
            let report = ConnectivityReport::new(&engine);
            let name = engine.cluster().pods().iter().map(|p| p.namespace.len() + p.name.len() + 1).max();
            let pairs = report.connectivity().pairs().len();
            ensure_fits(
                &format!("the connectivity map of {pairs} pod pairs"),
                connectivity_bytes(pairs, name.unwrap_or(0)),
            )?;
            Ok(report.to_json().to_string())
        })?
    }

    /// Who may reach the endpoint (`to`) or what it may reach (`from`), as JSON text.
    fn reach(&self, py: Python<'_>, endpoint: &Bound<'_, PyAny>, direction: &str) -> PyResult<String> {
        let direction = self::direction(direction)?;
        let text = endpoint.str()?;
        let text = text.to_cow()?;
        let subject = Subject::parse(&self.engine, &text)
            .ok_or_else(|| unknown(py, unknown_subject(self.engine.cluster(), &text, None)))?;
        let engine = Arc::clone(&self.engine);
        interruptible(py, move || reach(&engine, &subject, direction).to_json().to_string())
    }

    /// The lookup of a pod (`namespace/name`): selecting policies and rules naming it, as JSON
    /// text.
    fn select_pod(&self, py: Python<'_>, pod: &str) -> PyResult<String> {
        let id =
            self.engine.pod_id(pod).ok_or_else(|| unknown(py, unknown_endpoint(self.engine.cluster(), pod, None)))?;
        Ok(select_pod(self.engine.cluster(), id, self.engine.options()).to_json().to_string())
    }

    /// The lookup of a policy: the pods it selects and what its rules admit, as JSON text.
    fn select_policy(&self, policy: &str) -> PyResult<String> {
        let found = select_policy(self.engine.cluster(), policy, self.engine.options()).ok_or_else(|| {
            PyValueError::new_err(format!(
                "no policy {policy:?} (a NetworkPolicy is namespace/name; a cluster policy its name)"
            ))
        })?;
        Ok(found.to_json().to_string())
    }

    /// The replay report of flow files and/or flow text, as JSON text.
    #[pyo3(signature = (paths, text, format))]
    fn flows(&self, py: Python<'_>, paths: Vec<PathBuf>, text: Option<String>, format: &str) -> PyResult<String> {
        let format = flow_format(format)?;
        let sources = flow_sources(paths, text, "flows")?;
        let engine = Arc::clone(&self.engine);
        let result = interruptible(py, move || {
            let set = read_sources(&engine, &sources, format, &mut |_| {})?;
            Ok(replay(&engine, &set).to_json(engine.cluster()).to_string())
        })?;
        result.map_err(|e| flow_error(py, &e))
    }

    /// Self-checked suggested policies for flow files and/or flow text, as JSON text.
    #[pyo3(signature = (paths, text, format, include_dropped))]
    fn suggest(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        text: Option<String>,
        format: &str,
        include_dropped: bool,
    ) -> PyResult<String> {
        let format = flow_format(format)?;
        let sources = flow_sources(paths, text, "suggest")?;
        let engine = Arc::clone(&self.engine);
        let set = interruptible(py, move || read_sources(&engine, &sources, format, &mut |_| {}))?
            .map_err(|e| flow_error(py, &e))?;
        if set.flows.is_empty() {
            return Err(PyValueError::new_err(format!(
                "suggest: no flows to suggest from ({} flow records read, none of them a flow)",
                set.records
            )));
        }
        let engine = Arc::clone(&self.engine);
        let suggestion = interruptible(py, move || {
            let cluster = engine.cluster();
            suggest_checked(&engine, &set, include_dropped)
                .map(|r| r.to_json(cluster).to_string())
                .map_err(|failure| failure.message(cluster))
        })?;
        suggestion.map_err(|message| error_class(py, "SelfCheckError", (message,)))
    }

    /// The audit report as JSON text; `None` keeps the default.
    #[pyo3(signature = (system_namespaces, dns_namespace, dns_selector))]
    fn audit(
        &self,
        py: Python<'_>,
        system_namespaces: Option<Vec<String>>,
        dns_namespace: Option<String>,
        dns_selector: Option<&str>,
    ) -> PyResult<String> {
        let options = audit_options(system_namespaces, dns_namespace, dns_selector)?;
        let engine = Arc::clone(&self.engine);
        interruptible(py, move || netpol::audit::audit(&engine, &options).to_json().to_string())
    }

    /// The verification report of an expectations file or text (exactly one), as JSON text.
    #[pyo3(signature = (path, text))]
    fn verify(&self, py: Python<'_>, path: Option<PathBuf>, text: Option<String>) -> PyResult<String> {
        let source = match (path, text) {
            (Some(path), None) => Source::Path(path),
            (None, Some(text)) => Source::text(text, "<text>"),
            _ => return Err(PyValueError::new_err("give exactly one of path and text")),
        };
        let engine = Arc::clone(&self.engine);
        interruptible(py, move || {
            let expectations = Expectations::from_source(&source)?;
            Ok(netpol::verify::verify(&engine, &expectations).to_json(engine.cluster()).to_string())
        })?
        .map_err(|e| expectations_error(py, &e))
    }

    /// Pod names, `namespace/name`, in order.
    #[getter]
    fn pods(&self) -> Vec<String> {
        report::pod_names(self.engine.cluster())
    }

    /// Policy names, `namespace/name`, in order.
    #[getter]
    fn policies(&self) -> Vec<String> {
        self.engine.cluster().policies().iter().map(|p| p.qualified_name()).collect()
    }

    /// Warnings from loading.
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.engine.cluster().warnings().iter().map(ToString::to_string).collect()
    }

    /// Pod identities: classes of pods no policy can tell apart.
    #[getter]
    fn identities(&self) -> usize {
        self.engine.identities()
    }
}

/// A live cluster: watch events applied incrementally, snapshots to query (`netpol.Live`).
#[pyclass(frozen, module = "netpol._netpol")]
struct RawLive {
    live: std::sync::Mutex<netpol::Live>,
    config: Config,
}

#[pymethods]
impl RawLive {
    /// Starts from YAML or JSON text (the initial listing; empty for an empty cluster).
    #[staticmethod]
    #[pyo3(signature = (text, self_traffic, ipblock_pod_ips, strict, tie = "deny-wins"))]
    fn from_text(
        py: Python<'_>,
        text: String,
        self_traffic: &str,
        ipblock_pod_ips: &str,
        strict: bool,
        tie: &str,
    ) -> PyResult<RawLive> {
        let config = config(self_traffic, ipblock_pod_ips, tie, strict)?;
        let load = config.clone();
        let started = interruptible(py, move || netpol::load_live(&[Source::text(text, "<initial>")], &load))?;
        match started {
            Ok(live) => Ok(RawLive { live: std::sync::Mutex::new(live), config }),
            Err(e) => Err(policy_error(py, &e)),
        }
    }

    /// Applies one watch event (JSON text); what it took: "unchanged", "left-out", "patched",
    /// "recompiled", "ignored" or "resynced".
    fn apply(&self, py: Python<'_>, event: String) -> PyResult<&'static str> {
        let load = self.config.load;
        let live = &self.live;
        let outcome =
            py.detach(move || live.lock().unwrap_or_else(|e| e.into_inner()).apply_event(event.as_bytes(), load));
        match outcome {
            Ok(netpol::EventOutcome::Applied(netpol::Applied::Unchanged)) => Ok("unchanged"),
            Ok(netpol::EventOutcome::Applied(netpol::Applied::LeftOut)) => Ok("left-out"),
            Ok(netpol::EventOutcome::Applied(netpol::Applied::Patched)) => Ok("patched"),
            Ok(netpol::EventOutcome::Applied(_)) => Ok("recompiled"),
            Ok(netpol::EventOutcome::Ignored) => Ok("ignored"),
            Ok(_) => Ok("resynced"),
            Err(e) => Err(policy_error(py, &e)),
        }
    }

    /// The engine for the current state; later events do not change it.
    fn snapshot(&self) -> RawEngine {
        RawEngine { engine: self.live.lock().unwrap_or_else(|e| e.into_inner()).snapshot() }
    }

    /// (unchanged, left_out, patched, recompiled, refused) counts of the events so far.
    fn stats(&self) -> (u64, u64, u64, u64, u64) {
        let s = self.live.lock().unwrap_or_else(|e| e.into_inner()).stats();
        (s.unchanged, s.left_out, s.patched, s.recompiled, s.refused)
    }
}

/// The connection changes from `before` to `after` as JSON text.
#[pyfunction]
fn diff(py: Python<'_>, before: &Bound<'_, RawEngine>, after: &Bound<'_, RawEngine>) -> PyResult<String> {
    let (before, after) = (Arc::clone(&before.get().engine), Arc::clone(&after.get().engine));
    if before.options() != after.options() {
        return Err(PyValueError::new_err(
            "before and after were loaded with different self_traffic, ipblock_pod_ips or tie: \
             diff compares clusters under the same options",
        ));
    }
    interruptible(py, move || netpol::diff::diff(&before, &after).to_json().to_string())
}

/// The extension module.
/// Runs the `netpol` command line (`args` without the program name) in this process, printing
/// to its stdout and stderr as `netpol` does, and returns the exit code; `python -m netpol`.
/// Ctrl-C raises `KeyboardInterrupt` at once.
#[pyfunction]
fn run_cli(py: Python<'_>, args: Vec<String>) -> PyResult<u8> {
    let argv: Vec<String> = std::iter::once("netpol".to_owned()).chain(args).collect();
    interruptible(py, move || netpol_cli::run(argv, "python -m netpol"))
}

/// The rows of an `n` × `n` table of row-major bytes of 0/1 as lists of bools (what
/// `Matrix.allowed` gives when asked); `KeyboardInterrupt` at Ctrl-C.
#[pyfunction]
fn bool_rows<'py>(py: Python<'py>, cells: &[u8], n: usize) -> PyResult<Bound<'py, PyList>> {
    if Some(cells.len()) != n.checked_mul(n) {
        return Err(PyValueError::new_err(format!("{} bytes are not a {n} x {n} table", cells.len())));
    }
    ensure_fits(&format!("the rows of the matrix of {n} pods as lists"), rows_bytes(n))?;
    let rows = PyList::empty(py);
    for s in 0..n {
        rows.append(PyList::new(py, cells[s * n..(s + 1) * n].iter().map(|&b| b == 1))?)?;
        py.check_signals()?;
    }
    Ok(rows)
}

#[pymodule]
fn _netpol(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RawEngine>()?;
    m.add_class::<RawLive>()?;
    m.add_function(wrap_pyfunction!(diff, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(bool_rows, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
