//! `netpol audit`: what a reviewer would flag in the policies, with ids, paths and fixes, and the
//! share of pods isolated per namespace. The checks live in `netpol::audit`.

use clap::{Args, ValueEnum};
use netpol::audit::{AuditOptions, DnsSelector, Severity, TEXT_OBJECTS};
use netpol::k8s::SourceMap;
use netpol::spec::LabelSelector;

use crate::input::{usage_error, InputArgs};
use crate::{output, Outcome};

/// Output formats of `netpol audit`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AuditFormat {
    /// Findings (errors first), the coverage table and a summary line.
    Text,
    /// `{"findings": [...], "coverage": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0 for code scanning: each finding at the file and line of its object and field.
    Sarif,
    /// A pull-request comment: the summary line first, the findings table, coverage folded.
    Markdown,
}

/// The least severe finding that makes `netpol audit` exit 1.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FailOn {
    /// Fail on warnings and errors.
    Warning,
    /// Fail on errors only.
    Error,
}

/// Arguments of `netpol audit`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: AuditFormat,
    /// Exit 1 when a finding at least this severe exists (default: always exit 0); the last
    /// one given wins.
    #[arg(long, value_enum, overrides_with = "fail_on")]
    fail_on: Option<FailOn>,
    /// A system namespace, held to ingress isolation only; repeat for each (replaces the default list).
    #[arg(long = "system-namespace", value_name = "NS", default_values = ["kube-system", "kube-public", "kube-node-lease"])]
    system_namespaces: Vec<String>,
    /// The namespace of the cluster DNS pods.
    #[arg(long, value_name = "NS", default_value = netpol::spec::DNS_NAMESPACE)]
    dns_namespace: String,
    /// The labels of the cluster DNS pods: `key=value[,key=value...]`.
    #[arg(long, value_name = "LABELS", default_value = netpol::spec::DNS_SELECTOR)]
    dns_selector: String,
}

/// Runs `netpol audit`.
pub fn run(args: AuditArgs) -> Outcome {
    let Some(pod_selector) = LabelSelector::parse_match_labels(&args.dns_selector) else {
        usage_error(&format!("--dns-selector {:?}: expected key=value[,key=value...]", args.dns_selector));
        return Outcome::BadInput;
    };
    let loaded = if matches!(args.output, AuditFormat::Sarif) {
        args.input.engine_with_sources()
    } else {
        args.input.engine().map(|engine| (engine, SourceMap::default()))
    };
    let Some((engine, sources)) = loaded else { return Outcome::BadInput };
    let mut options = AuditOptions::default();
    options.system_namespaces = args.system_namespaces;
    options.dns = DnsSelector { namespace: args.dns_namespace, pod_selector };
    let report = netpol::audit::audit(&engine, &options);
    let text = match args.output {
        AuditFormat::Text => report.to_text(TEXT_OBJECTS),
        AuditFormat::Json => format!("{}\n", report.to_json()),
        AuditFormat::Sarif => format!("{:#}\n", report.to_sarif(&sources)),
        AuditFormat::Markdown => report.to_markdown(TEXT_OBJECTS),
    };
    let threshold = args.fail_on.map(|f| match f {
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    });
    let outcome = if threshold.is_some_and(|t| report.has_at_least(t)) {
        Outcome::Denied // Exit 1: a finding at or above --fail-on.
    } else {
        Outcome::Ok
    };
    output::print(&text, outcome)
}
