//! Policy review for `netpol._netpol`: the audit ([`audit`]), expectations checked against the
//! cluster ([`verify`]) and the traffic a change makes or breaks ([`diff`]), the way `netpol
//! audit`, `netpol verify` and `netpol diff` drive the core, each rendered as their `-o json`.
//! Plain functions without Python types, so the whole of each runs with the GIL released;
//! `lib.rs` converts arguments and raises the errors.

use std::path::Path;

use netpol::audit::AuditOptions;
use netpol::spec::LabelSelector;
use netpol::verify::Expectations;
use netpol::{Diagnostic, Engine, Error};

/// The audit's assumptions; `None` keeps the core's default (which `netpol audit` shares). The
/// error is the message of a malformed `dns_selector`.
pub(crate) fn audit_options(
    system_namespaces: Option<Vec<String>>,
    dns_namespace: Option<String>,
    dns_selector: Option<&str>,
) -> Result<AuditOptions, String> {
    let mut options = AuditOptions::default();
    if let Some(namespaces) = system_namespaces {
        options.system_namespaces = namespaces;
    }
    if let Some(text) = dns_selector {
        let pod_selector = LabelSelector::parse_match_labels(text).ok_or_else(|| {
            format!("dns_selector {text:?}: expected \"key=value[,key=value...]\" or a dict of labels")
        })?;
        options.dns.pod_selector = pod_selector;
    }
    if let Some(namespace) = dns_namespace {
        options.dns.namespace = namespace;
    }
    Ok(options)
}

/// The audit report, as `netpol audit -o json` prints it.
pub(crate) fn audit(engine: &Engine, options: &AuditOptions) -> String {
    netpol::audit::audit(engine, options).to_json().to_string()
}

/// Where the expectations come from.
pub(crate) enum ExpectationsSource {
    /// A file, named in diagnostics and in the report's `origin` as given.
    Path(std::path::PathBuf),
    /// Text, named `<text>`.
    Text(String),
}

/// Reads the expectations; a file that cannot be read is an error naming it, as in `netpol
/// verify`.
fn expectations(source: &ExpectationsSource) -> Result<Expectations, Error> {
    match source {
        ExpectationsSource::Path(path) => {
            let origin = path.display().to_string();
            let text = std::fs::read_to_string(Path::new(path)).map_err(|e| {
                Error::single(Diagnostic::new(None, "", format!("cannot read: {e}")).with_origin(Some(&origin)))
            })?;
            Expectations::from_yaml_str(&text, &origin)
        }
        ExpectationsSource::Text(text) => Expectations::from_yaml_str(text, "<text>"),
    }
}

/// The verification report, as `netpol verify -o json` prints it, or every problem of the
/// expectations file.
pub(crate) fn verify(engine: &Engine, source: &ExpectationsSource) -> Result<String, Error> {
    let expectations = expectations(source)?;
    Ok(netpol::verify::verify(engine, &expectations).json(engine.cluster()).to_string())
}

/// The connection changes from `before` to `after`, as `netpol diff -o json` prints them.
pub(crate) fn diff(before: &Engine, after: &Engine) -> String {
    netpol::diff::diff_json(&netpol::diff::diff(before, after)).to_string()
}
