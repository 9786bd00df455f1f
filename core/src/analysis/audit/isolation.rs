//! Isolation checks: coverage per namespace, namespaces without default-deny (NP101–NP103; pods
//! a cluster policy applies to in the direction are left to the tier checks) and
//! egress-isolated pods without DNS (NP301–NP303).

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{
    agree, count, finding, selector_yaml, Ctx, Finding, NamespaceCoverage, NP101, NP102, NP103, NP301, NP302, NP303,
};
use crate::spec::{Direction, PodId, PolicyId, Protocol};

/// Pods and isolated pods per namespace, for every namespace of the input.
pub(super) fn coverage(ctx: &Ctx) -> Vec<NamespaceCoverage> {
    ctx.cluster
        .namespaces()
        .iter()
        .zip(&ctx.identities_in)
        .map(|(ns, ids)| {
            let sum = |keep: &dyn Fn(usize) -> bool| -> usize {
                ids.iter().filter(|&&i| keep(i)).map(|&i| ctx.members[i].len()).sum()
            };
            NamespaceCoverage {
                namespace: ns.name.clone(),
                pods: sum(&|_| true),
                ingress_isolated: sum(&|i| ctx.is_isolated(i, Direction::Ingress)),
                egress_isolated: sum(&|i| ctx.is_isolated(i, Direction::Egress)),
            }
        })
        .collect()
}

/// NP101, NP102, NP103: pods that no policy isolates, per namespace and direction.
pub(super) fn default_deny(ctx: &Ctx, findings: &mut Vec<Finding>) {
    for (n, ns) in ctx.cluster.namespaces().iter().enumerate() {
        let ids = &ctx.identities_in[n];
        let total: usize = ids.iter().map(|&i| ctx.members[i].len()).sum();
        let system = ctx.is_system(&ns.name);
        for direction in [Direction::Ingress, Direction::Egress] {
            if system && direction == Direction::Egress {
                continue; // System namespaces are held to ingress isolation only.
            }
            // Pods a cluster policy applies to in this direction are governed by the admin tiers
            // (S15): NP501-NP506 look at those.
            let mut open: Vec<PodId> = ids
                .iter()
                .filter(|&&i| !ctx.is_isolated(i, direction) && !ctx.tiered(i, direction))
                .flat_map(|&i| ctx.pods_of(i))
                .collect();
            if open.is_empty() {
                continue;
            }
            open.sort_unstable();
            let typed = ctx.policies_in[n].iter().any(|&k| ctx.cluster.policy(k).affects(direction));
            let cause = if typed {
                format!("no policy of type {direction} selects them")
            } else {
                format!("{} has no policy of type {direction}", ns.name)
            };
            let field = direction.field();
            let exposure = match direction {
                Direction::Ingress => "accepts connections from every pod and address on every port",
                Direction::Egress => "may open connections to every pod and address on every port",
            };
            let shape = format!("`podSelector: {{}}`, `policyTypes: [{direction}]`, no rules");
            let why = format!(
                "{}{}: {} of {} not isolated for {field} ({cause}); a pod that is not isolated {exposure}",
                if system { "system namespace " } else { "" },
                ns.name,
                open.len(),
                count(total, "pod"),
            );
            let (check, fix) = if system {
                (
                    NP103,
                    format!(
                        "add a default-deny ingress policy to {} ({shape}), then allow what its components \
                         serve: DNS on 53/UDP and 53/TCP from every namespace, metrics from monitoring, \
                         webhooks from the control plane",
                        ns.name
                    ),
                )
            } else {
                (
                    if direction == Direction::Ingress { NP101 } else { NP102 },
                    format!(
                        "add a default-deny {field} policy to {} ({shape}), then allow the {field} these pods \
                         need{}",
                        ns.name,
                        if direction == Direction::Egress { ", DNS first" } else { "" }
                    ),
                )
            };
            let mut objects = alloc::vec![format!("Namespace {}", ns.name)];
            objects.extend(open.iter().map(|&p| ctx.pod_name(p)));
            findings.push(finding(check, objects, Vec::new(), why, fix));
        }
    }
}

/// NP301, NP302, NP303: egress-isolated pods whose egress policies admit no DNS pod on 53/UDP or
/// on 53/TCP; or, when the input holds no DNS pod, one note.
pub(super) fn dns(ctx: &Ctx, findings: &mut Vec<Finding>) {
    let selector = &ctx.options.dns;
    let isolated: Vec<usize> = (0..ctx.members.len()).filter(|&i| ctx.is_isolated(i, Direction::Egress)).collect();
    if isolated.is_empty() {
        return;
    }
    // Identities holding a DNS pod: reaching one pod of an identity is reaching them all.
    let dns_ids: Vec<usize> = (0..ctx.members.len()).filter(|&i| ctx.pods_of(i).any(|p| ctx.is_dns_pod(p))).collect();
    let who = format!("pods {} in {}", selector.pod_selector, selector.namespace);
    if dns_ids.is_empty() {
        let pods: usize = isolated.iter().map(|&i| ctx.members[i].len()).sum();
        findings.push(finding(
            NP303,
            alloc::vec![format!("Namespace {}", selector.namespace)],
            Vec::new(),
            format!(
                "the input holds no cluster DNS pod ({who}): DNS egress was not checked for the {} isolated \
                 for egress",
                count(pods, "pod")
            ),
            format!(
                "include the DNS pods in the input (kubectl get pods -n {} -o yaml), or name them in the \
                 audit options (netpol audit --dns-namespace, --dns-selector)",
                selector.namespace
            ),
        ));
        return;
    }
    let reaches = |i: usize, protocol: Protocol| {
        let pc = ctx.engine.port_class_of(53, protocol);
        dns_ids.iter().any(|&d| ctx.engine.admits(Direction::Egress, i, d, pc))
    };
    // (namespace, UDP admitted, TCP admitted) -> pods, isolating policies.
    type Group = (Vec<PodId>, Vec<PolicyId>);
    let mut groups: BTreeMap<(usize, bool, bool), Group> = BTreeMap::new();
    for &i in &isolated {
        // The DNS pods themselves resolve through their upstreams.
        let pods: Vec<PodId> = ctx.pods_of(i).filter(|&p| !ctx.is_dns_pod(p)).collect();
        let (udp, tcp) = (reaches(i, Protocol::Udp), reaches(i, Protocol::Tcp));
        if pods.is_empty() || (udp && tcp) {
            continue;
        }
        let group = groups.entry((ctx.namespace_of[i].index(), udp, tcp)).or_default();
        group.0.extend(pods);
        group.1.extend(ctx.isolating(i, Direction::Egress));
    }
    let dns_ns = format!("{{matchLabels: {{kubernetes.io/metadata.name: {}}}}}", selector.namespace);
    let peer =
        format!("`to: [{{namespaceSelector: {dns_ns}, podSelector: {}}}]`", selector_yaml(&selector.pod_selector));
    for ((n, udp, tcp), (mut pods, mut policies)) in groups {
        pods.sort_unstable();
        policies.sort_unstable();
        policies.dedup();
        let ns = &ctx.cluster.namespaces()[n].name;
        let mut objects = alloc::vec![format!("Namespace {ns}")];
        objects.extend(pods.iter().map(|&p| ctx.pod_name(p)));
        objects.extend(policies.iter().map(|&k| ctx.policy_name(k)));
        let (check, why, ports) = if !udp {
            let both = if tcp { "" } else { " and 53/TCP" };
            (
                NP301,
                format!(
                    "{} in {ns} {} egress-isolated and no egress rule admits the cluster DNS ({who}) on \
                     53/UDP{both}: name lookups fail",
                    count(pods.len(), "pod"),
                    agree(pods.len(), "is", "are")
                ),
                if tcp { "{protocol: UDP, port: 53}" } else { "{protocol: UDP, port: 53}, {protocol: TCP, port: 53}" },
            )
        } else {
            (
                NP302,
                format!(
                    "{} in {ns} {} egress-isolated and may reach the cluster DNS ({who}) on 53/UDP but not \
                     on 53/TCP: lookups whose answers do not fit a UDP reply fail",
                    count(pods.len(), "pod"),
                    agree(pods.len(), "is", "are")
                ),
                "{protocol: TCP, port: 53}",
            )
        };
        let fix: String = format!(
            "add an egress rule {peer} with `ports: [{ports}]` to a policy selecting these pods (or a \
             `podSelector: {{}}` one in {ns})"
        );
        findings.push(finding(check, objects, Vec::new(), why, fix));
    }
}
