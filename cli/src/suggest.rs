//! `netpol suggest`: least-privilege NetworkPolicies from observed traffic. Prints the policies
//! (YAML for `kubectl apply -f`, or a JSON List) on stdout and a summary on stderr: how many
//! policies, the self-check (every observed flow replayed through the engine against the emitted
//! policies), and the reachable pod pairs before and after.

use std::io::Write;

use clap::{Args, ValueEnum};
use netpol::flows::{ObservedFlow, SkipReason};
use netpol::suggest::suggest;
use netpol::{endpoint_name, Cluster};

use crate::input::{FlowFileArgs, InputArgs};
use crate::Outcome;

/// Output formats of `netpol suggest`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SuggestOutput {
    /// A multi-document YAML stream with a comment above each policy.
    Yaml,
    /// A `v1/List` of the policies.
    Json,
}

/// Arguments of `netpol suggest`.
#[derive(Args, Debug)]
pub struct SuggestArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    flows: FlowFileArgs,
    /// Also allow flows with a record observed DROPPED (by default they stay denied: the
    /// current policies refused them).
    #[arg(long)]
    include_dropped: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "yaml")]
    output: SuggestOutput,
}

fn describe(cluster: &Cluster, f: &ObservedFlow) -> String {
    let records = if f.count == 1 { "record" } else { "records" };
    format!(
        "{} -> {} {}/{} ({} {records})",
        endpoint_name(cluster, f.src),
        endpoint_name(cluster, f.dst),
        f.port,
        f.protocol,
        f.count
    )
}

/// Runs `netpol suggest`: exit 0 with the policies printed, 2 on bad input, or when the
/// self-check fails (a bug in netpol: nothing is printed then).
pub fn run(args: SuggestArgs) -> Outcome {
    let Some(engine) = args.input.engine() else { return Outcome::BadInput };
    let cluster = engine.cluster();
    let Some(set) = args.flows.read(&engine, &args.input.inputs, &mut |_| {}) else { return Outcome::BadInput };

    let mut stderr = std::io::stderr().lock();
    let (flows, refused) = set.split_dropped(args.include_dropped);
    if set.unresolved_records > 0 {
        let _ = writeln!(
            stderr,
            "warning: {} record(s) name endpoints not in the cluster; the suggestion does not cover them:",
            set.unresolved_records
        );
        for u in &set.unresolved {
            let _ = writeln!(stderr, "  {} ({}; {} records)", u.endpoint, u.reason, u.records);
        }
    }

    let node_records: u64 = set.skipped.iter().filter(|(r, _)| *r == SkipReason::NodeTraffic).map(|(_, n)| n).sum();
    if node_records > 0 {
        let _ = writeln!(
            stderr,
            "warning: {node_records} record(s) of traffic to or from nodes (host, remote-node, health) were left out: \
             NetworkPolicies do not describe it alike on every CNI. If pods reach the API server or node-local \
             services on host addresses, make sure the suggested default-deny egress keeps that (an ipBlock for \
             those addresses) before applying it."
        );
    }

    let suggestion = suggest(&engine, &flows);
    let check = match suggestion.check(&engine, &flows) {
        Ok(check) => check,
        Err(e) => {
            let _ = writeln!(stderr, "internal error: the suggested policies do not load back (a bug in netpol):");
            for d in e.diagnostics() {
                let _ = writeln!(stderr, "  {d}");
            }
            return Outcome::BadInput;
        }
    };
    if !check.all_allowed() {
        let _ = writeln!(
            stderr,
            "internal error: the suggested policies deny {} of {} observed flows (a bug in netpol; nothing printed):",
            check.denied.len(),
            check.flows
        );
        for f in &check.denied {
            let _ = writeln!(stderr, "  {}", describe(cluster, f));
        }
        return Outcome::BadInput;
    }

    if !refused.is_empty() {
        let anyway = check.allowed_anyway(&refused);
        let _ = writeln!(
            stderr,
            "note: {} flow(s) observed DROPPED are left out (--include-dropped allows them); {} of them \
             the suggestion allows all the same (its rules are per workload):",
            refused.len(),
            anyway.len()
        );
        for f in &refused {
            let verdict = if anyway.contains(f) { "allowed all the same" } else { "denied" };
            let _ = writeln!(stderr, "  {} ({verdict})", describe(cluster, f));
        }
    }

    let text = match args.output {
        SuggestOutput::Yaml => suggestion.to_yaml(),
        SuggestOutput::Json => suggestion.to_json(),
    };
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());

    for w in suggestion.warnings() {
        let _ = writeln!(stderr, "warning: {w}");
    }
    let namespaces: std::collections::BTreeSet<&str> =
        suggestion.policies().iter().map(|p| p.policy.namespace.as_str()).collect();
    let _ = writeln!(
        stderr,
        "suggested {} policies in {} namespaces from {} observed flows ({} records)",
        suggestion.policies().len(),
        namespaces.len(),
        suggestion.flows(),
        suggestion.records()
    );
    let _ =
        writeln!(stderr, "self-check: observed flows allowed by the suggestion: {} of {}", check.flows, check.flows);
    if !check.opened.is_empty() {
        let _ = writeln!(
            stderr,
            "{} observed flow(s) the current policies deny are allowed by the suggestion:",
            check.opened.len()
        );
        for f in &check.opened {
            let _ = writeln!(stderr, "  {}", describe(cluster, f));
        }
    }
    let _ = writeln!(
        stderr,
        "reachable pod pairs: {} before -> {} after (allowed pod-pair ports: {} -> {})",
        check.pairs_before, check.pairs_after, check.ports_before, check.ports_after
    );
    Outcome::Ok
}
