//! Policy checks read from the spec against the pods of the input: policies that select no pod
//! (NP401), peers that match nothing (NP402, NP403), named ports no destination defines (NP405),
//! ipBlocks that contain pod IPs (NP406) and rules that `policyTypes` leave out (NP407).

use alloc::collections::BTreeSet;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::net::IpAddr;

use super::sets::Addrs;
use super::{agree, count, finding, Ctx, Finding, NP401, NP402, NP403, NP405, NP406, NP407};
use crate::spec::{Direction, LabelSelector, Labels, NamespaceId, Peer, PodId, PolicyId, PortMatch, Rule};

/// Pods listed by name in one NP406 finding; the why gives the total.
const MAX_PODS_LISTED: usize = 10;

pub(super) fn check(ctx: &Ctx, findings: &mut Vec<Finding>) {
    for (k, policy) in ctx.cluster.policies().iter().enumerate() {
        let id = PolicyId(k as u32);
        let home = ctx.cluster.namespace_id(&policy.namespace);
        let selected = ctx.selected(policy);
        let populated = home.is_some_and(|n| !ctx.identities_in[n.index()].is_empty());
        if selected.is_empty() && populated {
            selects_no_pod(ctx, id, home, findings);
        }
        for direction in [Direction::Ingress, Direction::Egress] {
            let rules = policy.rules(direction);
            if !policy.affects(direction) {
                if !rules.is_empty() {
                    ignored(ctx, id, direction, findings);
                }
                continue;
            }
            for (r, rule) in rules.iter().enumerate() {
                let rule_path = format!("spec.{}[{r}]", direction.field());
                let matched: Vec<Vec<usize>> = rule.peers.iter().map(|p| ctx.peer_identities(p, home)).collect();
                peers_matching_nothing(ctx, id, home, &rule_path, direction, rule, &matched, findings);
                let destinations: Option<Vec<usize>> = match direction {
                    Direction::Ingress => Some(selected.clone()),
                    Direction::Egress if rule.peers.is_empty() => Some((0..ctx.members.len()).collect()),
                    Direction::Egress => {
                        let mut all: Vec<usize> = matched.iter().flatten().copied().collect();
                        all.sort_unstable();
                        all.dedup();
                        let only_blocks = rule.peers.iter().all(|p| matches!(p, Peer::IpBlock(_)));
                        // Selector peers matching nothing are NP402's; ipBlocks matching no pod make
                        // every named port dead (S11).
                        (!all.is_empty() || only_blocks).then_some(all)
                    }
                };
                if let Some(destinations) = destinations {
                    if !(direction == Direction::Ingress && destinations.is_empty()) {
                        named_ports(ctx, id, &rule_path, direction, rule, &destinations, findings);
                    }
                }
                for (j, peer) in rule.peers.iter().enumerate() {
                    if let Peer::IpBlock(block) = peer {
                        let pods = ctx.pods_with_ips_in(&Addrs::of_block(block));
                        if !pods.is_empty() {
                            let path = format!("{rule_path}.{}[{j}].ipBlock", direction.peers_field());
                            block_contains_pods(ctx, id, path, block, &pods, findings);
                        }
                    }
                }
            }
        }
    }
}

/// What labels the given objects carry for the keys `selector` asks about: `app in {api, web}`,
/// `no pod has label tier`.
fn label_hint<'l>(selector: &LabelSelector, labels: impl Iterator<Item = &'l Labels> + Clone, noun: &str) -> String {
    let mut keys: Vec<&str> = selector.match_labels().keys().map(String::as_str).collect();
    keys.extend(selector.match_expressions().iter().map(|r| r.key()));
    keys.dedup();
    let mut parts = Vec::new();
    for key in keys {
        let values: BTreeSet<&str> = labels.clone().filter_map(|l| l.get(key)).map(String::as_str).collect();
        if values.is_empty() {
            parts.push(format!("no {noun} has label {key}"));
        } else {
            let shown: Vec<&str> = values.iter().copied().take(6).collect();
            let more = if values.len() > shown.len() { ", …" } else { "" };
            parts.push(format!("{noun}s have {key} in {{{}{more}}}", shown.join(", ")));
        }
    }
    parts.join("; ")
}

fn pod_labels<'c>(ctx: &'c Ctx, namespaces: &[usize]) -> impl Iterator<Item = &'c Labels> + Clone + 'c {
    let namespaces = namespaces.to_vec();
    // Every pod, not one per identity: pods of an identity may differ in labels no policy asks about.
    namespaces.into_iter().flat_map(move |n| {
        ctx.identities_in[n].iter().flat_map(move |&i| ctx.pods_of(i).map(move |p| &ctx.cluster.pod(p).labels))
    })
}

/// NP401.
fn selects_no_pod(ctx: &Ctx, id: PolicyId, home: Option<NamespaceId>, findings: &mut Vec<Finding>) {
    let policy = ctx.cluster.policy(id);
    let n = home.map_or(0, NamespaceId::index);
    let pods: usize = ctx.identities_in[n].iter().map(|&i| ctx.members[i].len()).sum();
    let hint = label_hint(&policy.pod_selector, pod_labels(ctx, &[n]), "pod");
    findings.push(finding(
        NP401,
        vec![ctx.policy_name(id), format!("Namespace {}", policy.namespace)],
        vec![ctx.at(id, "spec.podSelector".into())],
        format!(
            "spec.podSelector {} matches none of the {} in {}: the policy has no effect",
            policy.pod_selector,
            count(pods, "pod"),
            policy.namespace
        ),
        format!("correct spec.podSelector ({hint}), or delete the policy if its pods are gone"),
    ));
}

/// Why a peer matches nothing, and a hint for the fix.
fn peer_miss(ctx: &Ctx, peer: &Peer, home: Option<NamespaceId>) -> (String, String) {
    let namespaces = ctx.cluster.namespaces();
    match peer {
        Peer::IpBlock(block) => (format!("the excepts of ipBlock {} cover it", block.cidr()), String::new()),
        Peer::Selector { pod_selector, namespace_selector } => {
            let matched: Vec<usize> = match namespace_selector {
                None => home.map(NamespaceId::index).into_iter().collect(),
                Some(sel) => (0..namespaces.len()).filter(|&n| sel.matches(&namespaces[n].labels)).collect(),
            };
            if let (Some(sel), true) = (namespace_selector, matched.is_empty()) {
                let hint = label_hint(sel, namespaces.iter().map(|n| &n.labels), "namespace");
                return (format!("namespaceSelector {sel} matches no namespace"), hint);
            }
            let names: Vec<&str> = matched.iter().map(|&n| namespaces[n].name.as_str()).collect();
            let pods: usize = matched.iter().flat_map(|&n| &ctx.identities_in[n]).map(|&i| ctx.members[i].len()).sum();
            if pods == 0 {
                return (format!("namespace {} has no pods", names.join(", ")), String::new());
            }
            let sel = pod_selector.clone().unwrap_or_default();
            let hint = label_hint(&sel, pod_labels(ctx, &matched), "pod");
            (format!("podSelector {sel} matches no pod in {}", names.join(", ")), hint)
        }
    }
}

/// NP402 (every peer of the rule matches nothing) and NP403 (some peers do, this one does not).
#[allow(clippy::too_many_arguments)]
fn peers_matching_nothing(
    ctx: &Ctx,
    id: PolicyId,
    home: Option<NamespaceId>,
    rule_path: &str,
    direction: Direction,
    rule: &Rule,
    matched: &[Vec<usize>],
    findings: &mut Vec<Finding>,
) {
    let dead: Vec<usize> = (0..rule.peers.len())
        .filter(|&j| {
            matched[j].is_empty()
                && match &rule.peers[j] {
                    Peer::IpBlock(block) => Addrs::of_block(block).is_empty(),
                    Peer::Selector { .. } => true,
                }
        })
        .collect();
    if dead.is_empty() {
        return;
    }
    let name = ctx.cluster.policy(id).qualified_name();
    let peer_path = |j: usize| format!("{rule_path}.{}[{j}]", direction.peers_field());
    let misses: Vec<(String, String)> = dead.iter().map(|&j| peer_miss(ctx, &rule.peers[j], home)).collect();
    let hints: Vec<&str> = misses.iter().map(|(_, h)| h.as_str()).filter(|h| !h.is_empty()).collect();
    let fix_hint = if hints.is_empty() { String::new() } else { format!(" ({})", hints.join("; ")) };
    if dead.len() == rule.peers.len() {
        let reasons: Vec<&str> = misses.iter().map(|(w, _)| w.as_str()).collect();
        findings.push(finding(
            NP402,
            vec![ctx.policy_name(id)],
            dead.iter().map(|&j| ctx.at(id, peer_path(j))).collect(),
            format!(
                "{rule_path} of {name} admits nothing: no peer matches a pod or an address of the input ({})",
                reasons.join("; ")
            ),
            format!("correct the selectors at these paths{fix_hint}, or delete the rule"),
        ));
        return;
    }
    for (&j, (reason, hint)) in dead.iter().zip(&misses) {
        let hint = if hint.is_empty() { String::new() } else { format!(" ({hint})") };
        findings.push(finding(
            NP403,
            vec![ctx.policy_name(id)],
            vec![ctx.at(id, peer_path(j))],
            format!("{} of {name} matches no pod and no address of the input: {reason}", peer_path(j)),
            format!("correct the selector{hint}, or delete the peer"),
        ));
    }
}

/// NP405: named ports of a rule that none of its destination identities defines.
fn named_ports(
    ctx: &Ctx,
    id: PolicyId,
    rule_path: &str,
    direction: Direction,
    rule: &Rule,
    destinations: &[usize],
    findings: &mut Vec<Finding>,
) {
    let name = ctx.cluster.policy(id).qualified_name();
    for (j, port) in rule.ports.iter().enumerate() {
        let PortMatch::Named(port_name) = &port.port else { continue };
        let defines = |i: usize, same_protocol: bool| {
            ctx.rep(i).ports.iter().any(|c| {
                c.name.as_deref() == Some(port_name.as_str()) && (c.protocol == port.protocol) == same_protocol
            })
        };
        if destinations.iter().any(|&i| defines(i, true)) {
            continue;
        }
        let pods: usize = destinations.iter().map(|&i| ctx.members[i].len()).sum();
        let whose = match direction {
            Direction::Ingress => format!("which no pod the policy selects ({}) defines", count(pods, "pod")),
            Direction::Egress if pods == 0 => String::from(
                "but the rule's peers are ipBlocks that match no pod, and a named port never matches an address \
                 outside the pods",
            ),
            Direction::Egress => format!("which no pod the rule's peers match ({}) defines", count(pods, "pod")),
        };
        let other: BTreeSet<&str> = destinations
            .iter()
            .filter(|&&i| defines(i, false))
            .flat_map(|&i| ctx.rep(i).ports.iter())
            .filter(|c| c.name.as_deref() == Some(port_name.as_str()))
            .map(|c| c.protocol.as_str())
            .collect();
        let names: BTreeSet<String> = destinations
            .iter()
            .flat_map(|&i| ctx.rep(i).ports.iter())
            .filter(|c| c.protocol == port.protocol)
            .filter_map(|c| c.name.as_ref().map(|n| format!("{n} ({})", c.number)))
            .collect();
        let (why_more, fix) = if let Some(p) = other.iter().next() {
            (
                format!(" (they define it for {})", other.iter().copied().collect::<Vec<_>>().join(", ")),
                format!("set `protocol: {p}` on this entry"),
            )
        } else if pods == 0 {
            (String::new(), String::from("use the port number instead of the name"))
        } else if names.is_empty() {
            (String::new(), format!("use the port number: these pods name no {} port", port.protocol))
        } else {
            let shown: Vec<String> = names.into_iter().take(6).collect();
            (String::new(), format!("use the port number, or a name these pods define: {}", shown.join(", ")))
        };
        let path = format!("{rule_path}.ports[{j}]");
        findings.push(finding(
            NP405,
            vec![ctx.policy_name(id)],
            vec![ctx.at(id, path.clone())],
            format!(
                "{path} of {name} names port {port_name}/{}, {whose}{why_more}: the entry never matches",
                port.protocol
            ),
            fix,
        ));
    }
}

/// NP406.
fn block_contains_pods(
    ctx: &Ctx,
    id: PolicyId,
    path: String,
    block: &crate::spec::IpBlock,
    pods: &[PodId],
    findings: &mut Vec<Finding>,
) {
    let inside: Vec<IpAddr> =
        pods.iter().flat_map(|&p| ctx.cluster.pod(p).ips.iter().copied()).filter(|&ip| block.contains(ip)).collect();
    let (lo, hi) = (inside.iter().min().copied(), inside.iter().max().copied());
    let span = match (lo, hi) {
        (Some(lo), Some(hi)) if lo != hi => format!("{lo} to {hi}"),
        (Some(lo), _) => format!("{lo}"),
        _ => String::new(),
    };
    let except: Vec<String> = block.except().iter().map(|e| format!("{e}")).collect();
    let text = if except.is_empty() {
        format!("{}", block.cidr())
    } else {
        format!("{} except {}", block.cidr(), except.join(", "))
    };
    let mut objects = vec![ctx.policy_name(id)];
    objects.extend(pods.iter().take(MAX_PODS_LISTED).map(|&p| ctx.pod_name(p)));
    let listed =
        if pods.len() > MAX_PODS_LISTED { format!(", the first {MAX_PODS_LISTED} listed") } else { String::new() };
    findings.push(finding(
        NP406,
        objects,
        vec![ctx.at(id, path)],
        format!(
            "ipBlock {text} contains the IPs of {} ({span}{listed}): CNIs differ on whether ipBlocks match pod \
             IPs, so this peer admits those pods on some and not on others",
            count(pods.len(), "pod")
        ),
        format!(
            "except the pod network from the ipBlock (these pod IPs span {span}) and admit pods with podSelector \
             or namespaceSelector peers"
        ),
    ));
}

/// NP407.
fn ignored(ctx: &Ctx, id: PolicyId, direction: Direction, findings: &mut Vec<Finding>) {
    let policy = ctx.cluster.policy(id);
    let field = direction.field();
    let n = policy.rules(direction).len();
    let types: Vec<&str> = [Direction::Ingress, Direction::Egress]
        .into_iter()
        .filter(|&d| policy.affects(d))
        .map(Direction::as_str)
        .collect();
    let effect = match direction {
        Direction::Ingress => "this policy isolates no pod for ingress",
        Direction::Egress => "this policy isolates no pod for egress",
    };
    findings.push(finding(
        NP407,
        vec![ctx.policy_name(id)],
        vec![ctx.at(id, "spec.policyTypes".into()), ctx.at(id, format!("spec.{field}"))],
        format!(
            "spec.{field} has {} but spec.policyTypes is [{}]: {} ignored and {effect}",
            count(n, "rule"),
            types.join(", "),
            agree(n, "it is", "they are")
        ),
        format!(
            "add {direction} to spec.policyTypes (this isolates the selected pods for {field}{}), or delete \
             spec.{field}",
            if direction == Direction::Egress { ": allow DNS too" } else { "" }
        ),
    ));
}
