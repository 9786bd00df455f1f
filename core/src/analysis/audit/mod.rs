//! The audit: what a reviewer would flag in a cluster's NetworkPolicies, each finding with a
//! stable id, a severity, the objects and YAML paths involved, a one-line why and a concrete fix,
//! plus the share of pods isolated per namespace.
//!
//! An analysis on top of the compiled [`Engine`]: reachability questions (isolation, who reaches
//! a pod from which namespace or address, DNS) are answered on identities, port classes and the
//! [connectivity map](crate::Connectivity), never pod by pod against every other pod; spec-level
//! questions (selectors matching nothing, redundant rules, named ports, ipBlocks) walk the
//! policies, matching selectors once per identity. [`audit`] is `no_std` + `alloc`; the JSON shape
//! ([`AuditReport::to_json`]) needs feature `k8s`.
//!
//! ## Checks
//!
//! | id | slug | severity | finds |
//! | --- | --- | --- | --- |
//! | NP101 | `namespace-without-default-deny-ingress` | warning | a namespace (not a system one) with pods that no policy isolates for ingress; lists them |
//! | NP102 | `namespace-without-default-deny-egress` | warning | the same for egress |
//! | NP103 | `system-namespace-not-isolated` | warning | a system namespace with pods not isolated for ingress |
//! | NP201 | `reachable-from-every-namespace` | warning | an ingress-isolated pod that some pod of every namespace may reach on the same ports |
//! | NP202 | `reachable-from-any-address` | warning | an ingress-isolated pod that every address of a family (`0.0.0.0/0`, `::/0`) may reach |
//! | NP203 | `reachable-from-internet` | info | an ingress-isolated pod that every public address may reach (private ranges excepted) |
//! | NP204 | `unrestricted-internet-egress` | warning | an egress-isolated pod that may reach every public address |
//! | NP301 | `no-dns-egress` | error | an egress-isolated pod whose egress to every cluster DNS pod on 53/UDP is denied |
//! | NP302 | `no-dns-tcp-egress` | warning | the same on 53/TCP only (53/UDP allowed) |
//! | NP303 | `dns-pods-not-found` | info | egress-isolated pods exist but the input holds no DNS pod to check them against |
//! | NP401 | `policy-selects-no-pod` | warning | a policy whose `spec.podSelector` matches no pod of its (non-empty) namespace |
//! | NP402 | `rule-peers-match-nothing` | warning | a rule whose every peer matches no pod and no address: it admits nothing |
//! | NP403 | `peer-matches-nothing` | info | one peer of a rule matches no pod and no address (the rule's other peers do) |
//! | NP404 | `redundant-rule` | info | a rule that another rule admits everything of, whatever the pods |
//! | NP405 | `named-port-undefined` | error | a named port that no destination pod of its rule defines for that protocol |
//! | NP406 | `ipblock-contains-pod-ips` | warning | an ipBlock that contains pod IPs: CNIs differ on whether it matches them |
//! | NP407 | `rules-ignored-by-policy-types` | error | `spec.ingress`/`spec.egress` rules in a policy whose `policyTypes` leave that direction out |
//! | NP408 | `ipblock-family-not-used` | warning | an ipBlock of a family none of the policy's pods has (S9a): it admits nothing |
//! | NP409 | `reachability-differs-by-family` | warning | dual-stack pods reachable over one family but not the other: a rule written for one family only |
//! | NP501 | `ambiguous-priority` | warning | two cluster policies of one tier and priority, applying to common pods, with different actions (S15.3) |
//! | NP502 | `shadowed-cluster-policy-rule` | info | a cluster policy rule an earlier rule of the same policy covers: never reached |
//! | NP503 | `pass-with-nothing-below` | info | a Pass rule whose subject pods have no NetworkPolicy and no baseline policy below it: it allows |
//! | NP504 | `admin-accept-overrides-networkpolicy` | warning | an admin Accept rule for pods NetworkPolicies isolate: it is final and may open what they close |
//! | NP505 | `cni-support-differs` | info | a cluster policy feature CNIs implement differently (OVN-Kubernetes priorities 0-99, Calico named ports, Antrea nodes/domainNames) |
//! | NP506 | `cluster-policy-selects-no-pod` | warning | a cluster policy whose subject matches no pod |
//!
//! Severities: **error** — the policies certainly do not do what they were written for (rules
//! silently ignored, a named port that never resolves, pods that cannot resolve names);
//! **warning** — a gap in isolation, an exposure, or a likely mistake; **info** — worth knowing,
//! often intended.
//!
//! ## What is exactly detected
//!
//! - **Isolation** (NP101–NP103, coverage) is S2 per pod; NP101–NP103 leave out pods that a
//!   cluster policy (S15) applies to in the direction. A namespace without pods yields nothing.
//!   System namespaces ([`AuditOptions::system_namespaces`]) are held to ingress isolation only
//!   (NP103 instead of NP101): their components need the API server, cloud APIs and upstream
//!   resolvers, and a default-deny egress there breaks clusters more often than it protects them.
//! - **Exposure** (NP201–NP204) looks only at pods isolated in that direction: a pod that is not
//!   isolated is open to everything and is reported once, by NP101–NP103. NP201 needs at least
//!   two namespaces with pods; a pod counts as reached from a namespace when some pod there (not
//!   the pod itself) may connect to it, and the ports reported are those every namespace reaches;
//!   the cluster DNS pods are exempt on 53/UDP and 53/TCP, which every namespace must reach.
//!   NP202–NP204 read the addresses outside the pods: the ports reported are those on which every
//!   address of the range is admitted. Public addresses: IPv4 minus `0.0.0.0/8`, `10.0.0.0/8`,
//!   `100.64.0.0/10`, `127.0.0.0/8`, `169.254.0.0/16`, `172.16.0.0/12`, `192.168.0.0/16`,
//!   `224.0.0.0/4` and `240.0.0.0/4`; IPv6 `2000::/3`. NP203 reports only ports NP202 does not.
//! - **DNS** (NP301–NP303): the DNS pods are [`AuditOptions::dns`] (default `k8s-app=kube-dns`
//!   in `kube-system`); a pod passes when its egress policies admit at least one of them on the
//!   port (the DNS pods' own ingress is not held against it).
//! - **Policies** (NP401–NP407) are read from the spec against the pods of the input. NP402/NP403:
//!   a selector peer matches nothing when no pod of the input matches it; an ipBlock peer when
//!   its excepts cover its CIDR. NP404 is syntactic, so it holds whatever pods exist: rule R (of
//!   policy P) is covered by rule R' (of policy P', same namespace and direction, both in effect)
//!   when P' selects at least what P does (its selector's requirements are implied by P's), every
//!   peer of R is inside one peer of R' (selectors by implied requirements, a missing
//!   `namespaceSelector` read as `kubernetes.io/metadata.name: <namespace>`; ipBlocks by address
//!   sets, against the union of R''s ipBlocks) and every port entry of R is inside R''s ports
//!   (numeric ranges against their union, named ports by equal name). Of two identical rules the
//!   later is reported. Coverage by several rules together is not detected. NP405 resolves
//!   ingress named ports against the pods the policy selects and egress ones against the pods
//!   the rule's peers match. NP406 looks at every ipBlock of the rules in effect, whatever
//!   [`Options::ip_block_matches_pods`](crate::Options) says.
//! - **Address families** (NP408, NP409, S9a): a connection has one family, so an ipBlock of a
//!   family that no pod of its policy has (pods without IPs count as having both) admits nothing
//!   (NP408). NP409 compares, for every pair of pods that share both families, the verdict over
//!   IPv4 with the one over IPv6 on every port class; only dual-stack pods whose addresses
//!   ipBlocks may match can differ, and only the table rows that tell their two addresses apart
//!   are examined. Its paths are the ipBlocks of the isolating policies that contain an address
//!   of the other end.

mod exposure;
mod families;
mod hygiene;
mod isolation;
#[cfg(feature = "k8s")]
mod json;
#[cfg(feature = "k8s")]
mod markdown;
mod redundant;
mod sets;
mod tiers;

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::engine::Engine;
use crate::spec::{
    Cluster, Direction, LabelSelector, NamespaceId, NetworkPolicy, Peer, Pod, PodId, PolicyId, DNS_LABEL, DNS_NAMESPACE,
};

/// How severe a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing; often intended.
    Info,
    /// A gap in isolation, an exposure, or a likely mistake.
    Warning,
    /// The policies certainly do not do what they were written for.
    Error,
}

impl Severity {
    /// `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `info`, `warning` or `error` (any case).
    pub fn parse(text: &str) -> Option<Severity> {
        [Severity::Info, Severity::Warning, Severity::Error].into_iter().find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// One kind of finding: its stable id, slug and severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Check {
    /// Stable id, `NP101`.
    pub id: &'static str,
    /// Stable slug, `namespace-without-default-deny-ingress`.
    pub slug: &'static str,
    /// Severity of every finding of this kind.
    pub severity: Severity,
    /// What it finds, in a few words.
    pub title: &'static str,
}

macro_rules! checks {
    ($($name:ident = $id:literal, $slug:literal, $severity:ident, $title:literal;)*) => {
        $(pub(crate) const $name: Check =
            Check { id: $id, slug: $slug, severity: Severity::$severity, title: $title };)*
        /// Every check, in id order.
        pub const CHECKS: &[Check] = &[$($name),*];
    };
}

checks! {
    NP101 = "NP101", "namespace-without-default-deny-ingress", Warning, "pods not isolated for ingress";
    NP102 = "NP102", "namespace-without-default-deny-egress", Warning, "pods not isolated for egress";
    NP103 = "NP103", "system-namespace-not-isolated", Warning, "system namespace pods not isolated for ingress";
    NP201 = "NP201", "reachable-from-every-namespace", Warning, "pods reachable from every namespace";
    NP202 = "NP202", "reachable-from-any-address", Warning, "pods reachable from every address (0.0.0.0/0, ::/0)";
    NP203 = "NP203", "reachable-from-internet", Info, "pods reachable from every public address";
    NP204 = "NP204", "unrestricted-internet-egress", Warning, "pods that may reach every public address";
    NP301 = "NP301", "no-dns-egress", Error, "egress-isolated pods that cannot reach DNS on 53/UDP";
    NP302 = "NP302", "no-dns-tcp-egress", Warning, "egress-isolated pods that cannot reach DNS on 53/TCP";
    NP303 = "NP303", "dns-pods-not-found", Info, "no cluster DNS pods in the input";
    NP401 = "NP401", "policy-selects-no-pod", Warning, "policies that select no pod";
    NP402 = "NP402", "rule-peers-match-nothing", Warning, "rules whose peers match nothing";
    NP403 = "NP403", "peer-matches-nothing", Info, "peers that match nothing";
    NP404 = "NP404", "redundant-rule", Info, "rules covered by another rule";
    NP405 = "NP405", "named-port-undefined", Error, "named ports no destination pod defines";
    NP406 = "NP406", "ipblock-contains-pod-ips", Warning, "ipBlocks that contain pod IPs";
    NP407 = "NP407", "rules-ignored-by-policy-types", Error, "rules ignored because of policyTypes";
    NP408 = "NP408", "ipblock-family-not-used", Warning, "ipBlocks of a family the selected pods lack";
    NP409 = "NP409", "reachability-differs-by-family", Warning, "pods reachable over one address family only";
    NP501 = "NP501", "ambiguous-priority", Warning, "cluster policies of one tier and priority that may disagree";
    NP502 = "NP502", "shadowed-cluster-policy-rule", Info, "cluster policy rules an earlier rule covers";
    NP503 = "NP503", "pass-with-nothing-below", Info, "Pass rules with nothing below them";
    NP504 = "NP504", "admin-accept-overrides-networkpolicy", Warning, "admin Accept rules over NetworkPolicy-isolated pods";
    NP505 = "NP505", "cni-support-differs", Info, "cluster policy features CNIs implement differently";
    NP506 = "NP506", "cluster-policy-selects-no-pod", Warning, "cluster policies that apply to no pod";
}

/// Which pods are the cluster DNS: pods matching `pod_selector` in `namespace`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DnsSelector {
    /// The DNS pods' namespace.
    pub namespace: String,
    /// The DNS pods' labels.
    pub pod_selector: LabelSelector,
}

impl Default for DnsSelector {
    /// `k8s-app=kube-dns` in `kube-system` (CoreDNS and kube-dns as kubeadm, EKS, GKE and AKS
    /// deploy them).
    fn default() -> DnsSelector {
        let labels = [(DNS_LABEL.0.to_owned(), DNS_LABEL.1.to_owned())].into_iter().collect();
        DnsSelector { namespace: DNS_NAMESPACE.into(), pod_selector: LabelSelector::new(labels, Vec::new()) }
    }
}

/// What the audit assumes about the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditOptions {
    /// Namespaces held to ingress isolation only (NP103 instead of NP101, no NP102). Default
    /// `kube-system`, `kube-public`, `kube-node-lease`.
    pub system_namespaces: Vec<String>,
    /// The cluster DNS pods (NP301–NP303, and NP201's exemption).
    pub dns: DnsSelector,
}

impl Default for AuditOptions {
    fn default() -> AuditOptions {
        AuditOptions {
            system_namespaces: ["kube-system", "kube-public", "kube-node-lease"].map(String::from).to_vec(),
            dns: DnsSelector::default(),
        }
    }
}

/// A place in an object: `NetworkPolicy shop/x` and `spec.ingress[0].from[1]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The object, as in [`Finding::objects`].
    pub object: String,
    /// The YAML path inside it.
    pub path: String,
}

/// One thing the audit found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Finding {
    /// Stable id (`NP101`); see [`CHECKS`].
    pub id: &'static str,
    /// Stable slug (`namespace-without-default-deny-ingress`).
    pub slug: &'static str,
    /// How severe.
    pub severity: Severity,
    /// The objects involved: `Namespace shop`, `Pod shop/web-1`, `NetworkPolicy shop/allow-x`.
    pub objects: Vec<String>,
    /// The YAML paths involved, each in its object.
    pub paths: Vec<Location>,
    /// Why it matters, in one line.
    pub why: String,
    /// What to change, in one line.
    pub fix: String,
}

/// How many pods of a namespace are isolated per direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceCoverage {
    /// The namespace.
    pub namespace: String,
    /// Its pods (those in the engine: not Succeeded/Failed or host-network ones).
    pub pods: usize,
    /// Pods isolated for ingress (S2).
    pub ingress_isolated: usize,
    /// Pods isolated for egress (S2).
    pub egress_isolated: usize,
}

/// The findings, sorted by severity (errors first), id, then objects; and the coverage per
/// namespace, sorted by name.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AuditReport {
    /// What was found.
    pub findings: Vec<Finding>,
    /// Isolation per namespace (every namespace of the input).
    pub coverage: Vec<NamespaceCoverage>,
}

/// Objects listed per finding in the text form of `netpol audit` (the JSON form lists them all).
pub const TEXT_OBJECTS: usize = 6;

impl AuditReport {
    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    /// Whether some finding is at least as severe as `threshold`.
    pub fn has_at_least(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }

    /// The ids of the findings, in report order (with repeats).
    pub fn ids(&self) -> Vec<&'static str> {
        self.findings.iter().map(|f| f.id).collect()
    }

    /// The report for people, as `netpol audit` prints it: each finding as
    /// `ID severity objects: why` with `paths:` and `fix:` lines (at most
    /// `max_objects` objects per finding, then `(+N more)`), then the coverage table and a summary.
    pub fn to_text(&self, max_objects: usize) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let shown = f.objects.len().min(max_objects.max(1));
            let mut objects = f.objects[..shown].join(", ");
            if f.objects.len() > shown {
                let _ = write!(objects, " (+{} more)", f.objects.len() - shown);
            }
            let _ = writeln!(out, "{} {} {objects}: {}", f.id, f.severity.as_str(), f.why);
            if !f.paths.is_empty() {
                let paths: Vec<String> = f.paths.iter().map(|l| format!("{} {}", l.object, l.path)).collect();
                let _ = writeln!(out, "  paths: {}", paths.join("; "));
            }
            let _ = writeln!(out, "  fix: {}", f.fix);
        }
        if !self.findings.is_empty() {
            out.push('\n');
        }
        let total = self.total();
        let width = self.coverage.iter().map(|c| c.namespace.len()).max().unwrap_or(0).max(9);
        let _ = writeln!(out, "{:<width$}  {:>5}  ingress isolated  egress isolated", "namespace", "pods");
        for c in self.coverage.iter().chain([&total]) {
            let share = |n: usize| match (n * 100).checked_div(c.pods) {
                Some(p) => format!("{n} ({p}%)"),
                None => "-".into(),
            };
            let _ = writeln!(
                out,
                "{:<width$}  {:>5}  {:<16}  {}",
                c.namespace,
                c.pods,
                share(c.ingress_isolated),
                share(c.egress_isolated)
            );
        }
        let _ = writeln!(out, "\n{}", self.summary_line());
        out
    }

    /// `2 findings: 0 errors, 1 warning, 1 info`.
    pub fn summary_line(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}: {}, {}, {}",
            plural(self.findings.len(), "finding", "findings"),
            plural(self.count(Severity::Error), "error", "errors"),
            plural(self.count(Severity::Warning), "warning", "warnings"),
            plural(self.count(Severity::Info), "info", "info"),
        )
    }

    /// The coverage of every namespace together, named `(all)`.
    pub(super) fn total(&self) -> NamespaceCoverage {
        NamespaceCoverage {
            namespace: "(all)".into(),
            pods: self.coverage.iter().map(|c| c.pods).sum(),
            ingress_isolated: self.coverage.iter().map(|c| c.ingress_isolated).sum(),
            egress_isolated: self.coverage.iter().map(|c| c.egress_isolated).sum(),
        }
    }
}

/// Audits the cluster `engine` was compiled from.
pub fn audit(engine: &Engine, options: &AuditOptions) -> AuditReport {
    audit_with(engine, options, &engine.connectivity())
}

/// [`audit`] with the engine's connectivity map already made (`engine.connectivity()`), for a
/// caller that keeps it.
pub fn audit_with(engine: &Engine, options: &AuditOptions, connectivity: &crate::Connectivity) -> AuditReport {
    let ctx = Ctx::new(engine, options);
    let mut findings = Vec::new();
    let coverage = isolation::coverage(&ctx);
    isolation::default_deny(&ctx, &mut findings);
    exposure::every_namespace(&ctx, connectivity, &mut findings);
    exposure::external(&ctx, connectivity, &mut findings);
    isolation::dns(&ctx, &mut findings);
    hygiene::check(&ctx, &mut findings);
    redundant::check(&ctx, &mut findings);
    families::check(&ctx, &mut findings);
    tiers::check(&ctx, &mut findings);
    findings.sort_by(|a, b| (b.severity, a.id, &a.objects, &a.paths).cmp(&(a.severity, b.id, &b.objects, &b.paths)));
    AuditReport { findings, coverage }
}

/// Builds a finding of `check`.
fn finding(check: Check, objects: Vec<String>, paths: Vec<Location>, why: String, fix: String) -> Finding {
    Finding { id: check.id, slug: check.slug, severity: check.severity, objects, paths, why, fix }
}

/// What every check needs: pods grouped by identity (pods no policy can tell apart, so one
/// representative answers for all), identities by namespace, policies by namespace, isolation.
struct Ctx<'a> {
    engine: &'a Engine,
    cluster: &'a Cluster,
    options: &'a AuditOptions,
    /// Per identity: its pods, ascending.
    members: Vec<&'a [u32]>,
    /// Per identity: its namespace.
    namespace_of: Vec<NamespaceId>,
    /// Per namespace: its identities.
    identities_in: Vec<Vec<usize>>,
    /// Per namespace: its policies.
    policies_in: Vec<Vec<PolicyId>>,
    /// Per identity: isolated for ingress, for egress.
    isolated: Vec<[bool; 2]>,
    /// Pod IPs with their pods, sorted, per family: for ipBlock lookups.
    ips: [Vec<(u128, PodId)>; 2],
}

fn side(direction: Direction) -> usize {
    match direction {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

impl<'a> Ctx<'a> {
    fn new(engine: &'a Engine, options: &'a AuditOptions) -> Ctx<'a> {
        let cluster = engine.cluster();
        let members: Vec<&[u32]> = (0..engine.identities()).map(|i| engine.members(i)).collect();
        let namespace_of: Vec<NamespaceId> = members.iter().map(|m| cluster.pod(PodId(m[0])).namespace_id).collect();
        let mut identities_in = vec![Vec::new(); cluster.namespaces().len()];
        for (i, ns) in namespace_of.iter().enumerate() {
            identities_in[ns.index()].push(i);
        }
        let mut policies_in = vec![Vec::new(); cluster.namespaces().len()];
        for (k, p) in cluster.policies().iter().enumerate() {
            if let Some(ns) = cluster.namespace_id(&p.namespace) {
                policies_in[ns.index()].push(PolicyId(k as u32));
            }
        }
        let mut ips: [Vec<(u128, PodId)>; 2] = [Vec::new(), Vec::new()];
        for (i, pod) in cluster.pods().iter().enumerate() {
            for &ip in &pod.ips {
                ips[sets::Family::of(ip) as usize].push((sets::addr_value(ip), PodId(i as u32)));
            }
        }
        ips.iter_mut().for_each(|v| v.sort_unstable());
        let mut ctx = Ctx {
            engine,
            cluster,
            options,
            members,
            namespace_of,
            identities_in,
            policies_in,
            isolated: Vec::new(),
            ips,
        };
        ctx.isolated = (0..ctx.members.len())
            .map(|i| [Direction::Ingress, Direction::Egress].map(|d| !ctx.isolating(i, d).is_empty()))
            .collect();
        ctx
    }

    /// A pod of identity `i`: every pod of it answers every selector alike.
    fn rep(&self, i: usize) -> &'a Pod {
        self.cluster.pod(PodId(self.members[i][0]))
    }

    fn pods_of(&self, i: usize) -> impl Iterator<Item = PodId> + Clone + 'a {
        self.members[i].iter().map(|&p| PodId(p))
    }

    fn is_isolated(&self, i: usize, direction: Direction) -> bool {
        self.isolated[i][side(direction)]
    }

    /// Whether some cluster policy (S15) with rules in `direction` applies to identity `i`.
    fn tiered(&self, i: usize, direction: Direction) -> bool {
        let pod = PodId(self.members[i][0]);
        [crate::spec::Tier::Admin, crate::spec::Tier::Baseline]
            .into_iter()
            .any(|tier| self.cluster.tier_policies(tier, pod, direction).next().is_some())
    }

    /// The policies isolating identity `i` in `direction` (S2).
    fn isolating(&self, i: usize, direction: Direction) -> Vec<PolicyId> {
        let labels = &self.rep(i).labels;
        self.policies_in[self.namespace_of[i].index()]
            .iter()
            .copied()
            .filter(|&k| {
                let p = self.cluster.policy(k);
                p.affects(direction) && p.pod_selector.matches(labels)
            })
            .collect()
    }

    /// The identities a policy selects.
    fn selected(&self, policy: &NetworkPolicy) -> Vec<usize> {
        let Some(ns) = self.cluster.namespace_id(&policy.namespace) else { return Vec::new() };
        self.identities_in[ns.index()]
            .iter()
            .copied()
            .filter(|&i| policy.pod_selector.matches(&self.rep(i).labels))
            .collect()
    }

    /// Whether `pod` is a cluster DNS pod. Asked per pod: the DNS selector is not a policy's, so
    /// an identity may hold DNS pods and others.
    fn is_dns_pod(&self, pod: PodId) -> bool {
        let pod = self.cluster.pod(pod);
        pod.namespace == self.options.dns.namespace && self.options.dns.pod_selector.matches(&pod.labels)
    }

    fn is_system(&self, namespace: &str) -> bool {
        self.options.system_namespaces.iter().any(|s| s == namespace)
    }

    /// The pods whose IPs are in `addrs`, ascending, without repeats.
    fn pods_with_ips_in(&self, addrs: &sets::Addrs) -> Vec<PodId> {
        let mut out = Vec::new();
        for family in sets::Family::ALL {
            let ips = &self.ips[family as usize];
            for &(lo, hi) in addrs.spans(family) {
                let start = ips.partition_point(|&(ip, _)| ip < lo);
                out.extend(ips[start..].iter().take_while(|&&(ip, _)| ip <= hi).map(|&(_, p)| p));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The identities a peer of a policy in namespace `policy_ns` matches (S6; ipBlocks match
    /// pods only when the engine's options say so, S9).
    fn peer_identities(&self, peer: &Peer, policy_ns: Option<NamespaceId>) -> Vec<usize> {
        match peer {
            Peer::Selector { pod_selector, namespace_selector } => {
                let namespaces: Vec<usize> = match namespace_selector {
                    None => policy_ns.map(NamespaceId::index).into_iter().collect(),
                    Some(sel) => (0..self.identities_in.len())
                        .filter(|&n| sel.matches(&self.cluster.namespaces()[n].labels))
                        .collect(),
                };
                namespaces
                    .iter()
                    .flat_map(|&n| self.identities_in[n].iter().copied())
                    .filter(|&i| pod_selector.as_ref().is_none_or(|s| s.matches(&self.rep(i).labels)))
                    .collect()
            }
            Peer::IpBlock(block) => {
                if !self.engine.options().ip_block_matches_pods {
                    return Vec::new();
                }
                let mut ids: Vec<usize> = self
                    .pods_with_ips_in(&sets::Addrs::of_block(block))
                    .iter()
                    .map(|&p| self.engine.identity_of(p))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            }
        }
    }

    fn pod_name(&self, pod: PodId) -> String {
        format!("Pod {}", self.cluster.pod(pod).qualified_name())
    }

    fn policy_name(&self, policy: PolicyId) -> String {
        format!("NetworkPolicy {}", self.cluster.policy(policy).qualified_name())
    }

    fn at(&self, policy: PolicyId, path: String) -> Location {
        Location { object: self.policy_name(policy), path }
    }
}

/// `singular` for one, `plural` otherwise: verb agreement in messages.
fn agree(n: usize, singular: &'static str, plural: &'static str) -> &'static str {
    if n == 1 {
        singular
    } else {
        plural
    }
}

/// `1 pod` / `3 pods`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// A selector as YAML flow text: `{matchLabels: {k8s-app: kube-dns}}`, `{}` when empty.
fn selector_yaml(selector: &LabelSelector) -> String {
    let mut parts = Vec::new();
    if !selector.match_labels().is_empty() {
        let labels: Vec<String> = selector.match_labels().iter().map(|(k, v)| format!("{k}: {v}")).collect();
        parts.push(format!("matchLabels: {{{}}}", labels.join(", ")));
    }
    if !selector.match_expressions().is_empty() {
        let exprs: Vec<String> = selector
            .match_expressions()
            .iter()
            .map(|r| {
                let values = if r.values().is_empty() {
                    String::new()
                } else {
                    format!(", values: [{}]", r.values().join(", "))
                };
                format!("{{key: {}, operator: {}{values}}}", r.key(), r.operator().as_str())
            })
            .collect();
        parts.push(format!("matchExpressions: [{}]", exprs.join(", ")));
    }
    format!("{{{}}}", parts.join(", "))
}
