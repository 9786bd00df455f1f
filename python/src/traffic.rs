//! Observed traffic for `netpol._netpol`: flow files read into a [`FlowSet`], replayed
//! ([`replay`]) or turned into suggested policies ([`suggest`]), the way `netpol flows` and
//! `netpol suggest` drive the core. Plain functions without Python types, so the whole of each
//! runs with the GIL released; `lib.rs` converts arguments and raises the errors.

use std::path::PathBuf;

use netpol::flows::{replay, FlowFormat, FlowSet, FlowSetBuilder, ObservedFlow};
use netpol::suggest::suggest;
use netpol::{endpoint_name, Cluster, Diagnostic, Engine, Error};
use serde_json::{json, Value};

/// Why a suggestion is not returned.
pub(crate) enum SuggestFailure {
    /// A flow file could not be read or parsed.
    Flows(Error),
    /// The suggested policies fail their self-check (a bug in netpol): what went wrong.
    SelfCheck(String),
}

/// Reads every flow file in `paths`, then `text` (origin `<text>`), into one flow set. Errors
/// of all files are collected, as `netpol flows` reports them; a file that cannot be opened is
/// an error naming it.
pub(crate) fn read(
    engine: &Engine,
    paths: &[PathBuf],
    text: Option<&str>,
    format: FlowFormat,
) -> Result<FlowSet, Error> {
    let mut builder = FlowSetBuilder::new(engine);
    let mut errors: Vec<Diagnostic> = Vec::new();
    for path in paths {
        if let Err(e) = builder.read_path(path, format, &mut |_| {}) {
            errors.extend(e.diagnostics().iter().cloned());
        }
    }
    if let Some(text) = text {
        if let Err(e) = builder.read(text.as_bytes(), "<text>", format, &mut |_| {}) {
            errors.extend(e.diagnostics().iter().cloned());
        }
    }
    if errors.is_empty() {
        Ok(builder.finish())
    } else {
        Err(Error::new(errors))
    }
}

/// The report of replaying `set`, as `netpol flows -o json` prints it.
pub(crate) fn report(engine: &Engine, set: &FlowSet) -> String {
    replay(engine, set).json(engine.cluster()).to_string()
}

/// `{"from", "to", "port", "protocol", "count"}`.
fn flow_json(cluster: &Cluster, f: &ObservedFlow) -> Value {
    json!({
        "from": endpoint_name(cluster, f.src),
        "to": endpoint_name(cluster, f.dst),
        "port": f.port,
        "protocol": f.protocol.as_str(),
        "count": f.count,
    })
}

/// Suggested policies for `set`, self-checked, as `netpol suggest` makes them: flows observed
/// DROPPED stay denied unless `include_dropped`. JSON text: `{"yaml", "json", "policies",
/// "warnings", "flows", "records", "check": {"flows", "denied", "opened", "pairs_before",
/// "pairs_after", "ports_before", "ports_after"}, "left_denied", "dropped_allowed", "unresolved"}`.
pub(crate) fn suggestion(engine: &Engine, set: &FlowSet, include_dropped: bool) -> Result<String, SuggestFailure> {
    let cluster = engine.cluster();
    let (flows, left_denied) = set.split_dropped(include_dropped);
    let suggestion = suggest(engine, &flows);
    let check = suggestion.check(engine, &flows).map_err(|e| {
        let problems: Vec<String> = e.diagnostics().iter().map(ToString::to_string).collect();
        SuggestFailure::SelfCheck(format!(
            "the suggested policies do not load back (a bug in netpol): {}",
            problems.join("; ")
        ))
    })?;
    if !check.all_allowed() {
        let denied: Vec<String> = check.denied.iter().map(|f| flow_json(cluster, f).to_string()).collect();
        return Err(SuggestFailure::SelfCheck(format!(
            "the suggested policies deny {} of {} observed flows (a bug in netpol): {}",
            check.denied.len(),
            check.flows,
            denied.join(", ")
        )));
    }
    let flows_json = |list: &[ObservedFlow]| list.iter().map(|f| flow_json(cluster, f)).collect::<Vec<_>>();
    let anyway = check.allowed_anyway(&left_denied);
    Ok(json!({
        "yaml": suggestion.to_yaml(),
        "json": suggestion.to_json(),
        "policies": suggestion.policies().iter().map(|p| p.policy.qualified_name()).collect::<Vec<_>>(),
        "warnings": suggestion.warnings(),
        "flows": suggestion.flows(),
        "records": suggestion.records(),
        "check": {
            "flows": check.flows,
            "denied": flows_json(&check.denied),
            "opened": flows_json(&check.opened),
            "pairs_before": check.pairs_before,
            "pairs_after": check.pairs_after,
            "ports_before": check.ports_before,
            "ports_after": check.ports_after,
        },
        "left_denied": flows_json(&left_denied.iter().filter(|f| !anyway.contains(f)).copied().collect::<Vec<_>>()),
        "dropped_allowed": flows_json(&anyway),
        "unresolved": set.unresolved.iter().map(|u| json!({
            "endpoint": u.endpoint,
            "reason": u.reason,
            "records": u.records,
        })).collect::<Vec<_>>(),
    })
    .to_string())
}

/// Reads `paths` and `text` and suggests, or why not.
pub(crate) fn suggest_from(
    engine: &Engine,
    paths: &[PathBuf],
    text: Option<&str>,
    format: FlowFormat,
    include_dropped: bool,
) -> Result<String, SuggestFailure> {
    let set = read(engine, paths, text, format).map_err(SuggestFailure::Flows)?;
    suggestion(engine, &set, include_dropped)
}
