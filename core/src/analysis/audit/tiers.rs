//! Audit checks of the admin tiers (S15): cluster policies that select nothing, equal
//! priorities that may disagree, rules shadowed by an earlier rule, Pass with nothing below,
//! admin Accept rules that override NetworkPolicies, and where CNIs implement the API
//! differently.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::{count, finding, Ctx, Finding, Location};
use super::{NP501, NP502, NP503, NP504, NP505, NP506};
use crate::spec::{
    Action, AdminPeer, AdminPort, AdminRule, ClusterPolicy, ClusterPolicyKind, Direction, PodId, PortMatch, Tier,
};

/// Every tier check.
pub(super) fn check(ctx: &Ctx<'_>, findings: &mut Vec<Finding>) {
    let cluster = ctx.cluster;
    let policies = cluster.cluster_policies();
    // Per policy: the pods it applies to.
    let subjects: Vec<Vec<PodId>> = policies
        .iter()
        .map(|p| (0..cluster.pods().len() as u32).map(PodId).filter(|&pod| cluster.subject_of(p, pod)).collect())
        .collect();
    for (k, policy) in policies.iter().enumerate() {
        let object = name(policy);
        if subjects[k].is_empty() && !cluster.pods().is_empty() {
            findings.push(finding(
                NP506,
                vec![object.clone()],
                vec![Location { object: object.clone(), path: "spec.subject".into() }],
                format!("its subject matches no pod: the {} tier policy does nothing", policy.tier.word()),
                "fix the subject's selectors, or delete the policy".into(),
            ));
        }
        for direction in [Direction::Ingress, Direction::Egress] {
            let rules = policy.rules(direction);
            for (i, rule) in rules.iter().enumerate() {
                let path = format!("spec.{}[{i}]", direction.field());
                if let Some(j) = (0..i).find(|&j| covers(&rules[j], rule)) {
                    findings.push(finding(
                        NP502,
                        vec![object.clone()],
                        vec![Location { object: object.clone(), path: path.clone() }],
                        format!(
                            "never reached: the earlier rule spec.{}[{j}] matches everything it does, and the first \
                             matching rule decides (S15.2)",
                            direction.field()
                        ),
                        "remove the rule, or move it before the rule that covers it".into(),
                    ));
                }
                if rule.effective_action() == Action::Pass {
                    pass_with_nothing_below(ctx, policy, &subjects[k], direction, (&object, path.clone()), findings);
                }
                if rule.action == Action::Accept && policy.tier == Tier::Admin {
                    accept_over_networkpolicies(ctx, &subjects[k], direction, (&object, path.clone()), findings);
                }
            }
        }
        cni_differences(policy, &object, findings);
    }
    for (a, b, direction) in cluster.ambiguous_priorities() {
        let (pa, pb) = (&policies[a], &policies[b]);
        let shared = subjects[a].iter().filter(|p| subjects[b].binary_search(p).is_ok()).count();
        findings.push(finding(
            NP501,
            vec![name(pa), name(pb)],
            vec![
                Location { object: name(pa), path: "spec.priority".into() },
                Location { object: name(pb), path: "spec.priority".into() },
            ],
            format!(
                "same tier ({}) and priority ({}), both applying to {} with different actions in {} rules: for a \
                 connection both match, the API leaves the outcome undefined (netpol decides by --tie)",
                pa.tier,
                pa.priority,
                count(shared, "pod"),
                direction.field()
            ),
            "give the two policies different priorities".into(),
        ));
    }
}

fn name(policy: &ClusterPolicy) -> String {
    policy.display_name()
}

/// S15.1: a Pass in the admin tier goes to NetworkPolicies, then the baseline tier; with neither
/// for a subject pod it ends at the default, allow. A Pass in the baseline tier always does.
fn pass_with_nothing_below(
    ctx: &Ctx<'_>,
    policy: &ClusterPolicy,
    subjects: &[PodId],
    direction: Direction,
    (object, path): (&String, String),
    findings: &mut Vec<Finding>,
) {
    let cluster = ctx.cluster;
    let bare: Vec<PodId> = subjects
        .iter()
        .copied()
        .filter(|&pod| {
            policy.tier == Tier::Baseline
                || (cluster.isolating(pod, direction).next().is_none()
                    && cluster.tier_policies(Tier::Baseline, pod, direction).next().is_none())
        })
        .collect();
    if bare.is_empty() {
        return;
    }
    let below = if policy.tier == Tier::Baseline {
        "nothing is below the baseline tier".into()
    } else {
        format!(
            "no NetworkPolicy isolates {} for {} and no baseline policy applies",
            count(bare.len(), "subject pod"),
            direction.field()
        )
    };
    let mut objects = vec![object.clone()];
    objects.extend(bare.iter().take(super::TEXT_OBJECTS).map(|&p| ctx.pod_name(p)));
    findings.push(finding(
        NP503,
        objects,
        vec![Location { object: object.clone(), path }],
        format!("Pass with nothing below: {below}, so what it passes is allowed by default"),
        "use Accept if allowing is meant, or add the NetworkPolicy or baseline rule the Pass hands over to".into(),
    ));
}

/// An admin Accept is final: NetworkPolicies isolating its subject pods are not consulted for
/// what it matches.
fn accept_over_networkpolicies(
    ctx: &Ctx<'_>,
    subjects: &[PodId],
    direction: Direction,
    (object, path): (&String, String),
    findings: &mut Vec<Finding>,
) {
    let cluster = ctx.cluster;
    let mut isolating: Vec<_> = subjects.iter().flat_map(|&p| cluster.isolating(p, direction)).collect();
    isolating.sort_unstable();
    isolating.dedup();
    if isolating.is_empty() {
        return;
    }
    let mut objects = vec![object.clone()];
    objects.extend(isolating.iter().map(|&k| ctx.policy_name(k)));
    let mut paths = vec![Location { object: object.clone(), path }];
    paths.extend(isolating.iter().map(|&k| ctx.at(k, "spec.podSelector".into())));
    findings.push(finding(
        NP504,
        objects,
        paths,
        format!(
            "an admin Accept is final (S15.2): for what it matches, the {} isolating its subject pods for {} {} not \
             consulted, so it may open what they close",
            count(isolating.len(), "NetworkPolicy"),
            direction.field(),
            super::agree(isolating.len(), "is", "are")
        ),
        "use Pass to let NetworkPolicies decide, or narrow the rule's peers and protocols".into(),
    ));
}

/// Where CNIs implement the API differently: OVN-Kubernetes takes priorities 0–99, Calico
/// fails closed on named ports, Antrea rejects nodes and domainNames peers; netpol cannot
/// resolve domain names.
fn cni_differences(policy: &ClusterPolicy, object: &str, findings: &mut Vec<Finding>) {
    let mut note = |path: String, why: String| {
        findings.push(finding(
            NP505,
            vec![object.into()],
            vec![Location { object: object.into(), path }],
            why,
            "check what the cluster's CNI supports before relying on it".into(),
        ))
    };
    if policy.kind != ClusterPolicyKind::BaselineAdminNetworkPolicy && policy.priority > 99 {
        note(
            "spec.priority".into(),
            format!("priority {}: OVN-Kubernetes supports priorities 0-99 only", policy.priority),
        );
    }
    for direction in [Direction::Ingress, Direction::Egress] {
        for (i, rule) in policy.rules(direction).iter().enumerate() {
            let at = format!("spec.{}[{i}]", direction.field());
            if rule.ports.iter().any(|p| matches!(p, AdminPort::Named(_))) {
                note(at.clone(), "named port: Calico fails closed on named ports in cluster policies".into());
            }
            for (j, peer) in rule.peers.iter().enumerate() {
                let field = format!("{at}.{}[{j}]", direction.peers_field());
                match peer {
                    AdminPeer::Nodes(_) => note(field, "nodes peer (experimental): Antrea rejects it".into()),
                    AdminPeer::DomainNames(_) => note(
                        field,
                        "domainNames peer (experimental): Antrea rejects it, and netpol cannot resolve names, so it \
                         matches nothing here"
                            .into(),
                    ),
                    _ => {}
                }
            }
        }
    }
}

/// Whether `earlier` matches every connection `later` matches (syntactically): at least its
/// peers and its ports. Rules that fail closed are left alone.
fn covers(earlier: &AdminRule, later: &AdminRule) -> bool {
    if earlier.fails_closed() || later.fails_closed() {
        return false;
    }
    let ports = earlier.ports.is_empty()
        || (!later.ports.is_empty() && later.ports.iter().all(|p| earlier.ports.iter().any(|e| port_covers(e, p))));
    let peers = later.peers.iter().all(|p| earlier.peers.iter().any(|e| peer_covers(e, p)));
    ports && peers
}

fn peer_covers(earlier: &AdminPeer, later: &AdminPeer) -> bool {
    match (earlier, later) {
        (AdminPeer::Namespaces(e), AdminPeer::Namespaces(l)) => e == l || e.is_empty(),
        (AdminPeer::Namespaces(e), AdminPeer::Pods(l)) => e.is_empty() || *e == l.namespace_selector,
        (AdminPeer::Pods(e), AdminPeer::Namespaces(l)) => {
            e.pod_selector.is_empty() && (e.namespace_selector.is_empty() || e.namespace_selector == *l)
        }
        (AdminPeer::Pods(e), AdminPeer::Pods(l)) => {
            (e.namespace_selector.is_empty() || e.namespace_selector == l.namespace_selector)
                && (e.pod_selector.is_empty() || e.pod_selector == l.pod_selector)
        }
        (AdminPeer::Networks(e), AdminPeer::Networks(l)) => l.iter().all(|n| e.iter().any(|m| m.contains(n))),
        (e, l) => e == l,
    }
}

/// Whether port entry `earlier` matches every port `later` does.
fn port_covers(earlier: &AdminPort, later: &AdminPort) -> bool {
    match (earlier, later) {
        (AdminPort::Port(e), AdminPort::Port(l)) if e.protocol == l.protocol => match (&e.port, &l.port) {
            (PortMatch::Any, _) => true,
            (PortMatch::Range { first: a, last: b }, PortMatch::Range { first: c, last: d }) => a <= c && d <= b,
            _ => false,
        },
        (e, l) => e == l,
    }
}
