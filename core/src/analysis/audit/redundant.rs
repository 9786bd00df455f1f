//! NP404: rules that another rule covers, decided on the spec alone so the answer holds whatever
//! pods exist.
//!
//! Rule R of policy P is covered by rule R' of policy P' (same namespace, same direction, both
//! policies in effect for it) when P' selects at least the pods P selects and R' admits every
//! (peer, port) R admits. Selections and peers are compared by implication between label
//! selectors (a selector with fewer or weaker requirements matches more), ipBlocks by address
//! sets, ports by number ranges and equal names. Sound, not complete: a rule covered only by
//! several rules together is not reported.

use alloc::borrow::ToOwned;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;

use super::sets::{Addrs, Ports};
use super::{finding, Ctx, Finding, NP404};
use crate::spec::{
    Direction, LabelSelector, Operator, Peer, PolicyId, PolicyPort, PortMatch, Protocol, Requirement, Rule,
};

pub(super) fn check(ctx: &Ctx, findings: &mut Vec<Finding>) {
    for (n, policies) in ctx.policies_in.iter().enumerate() {
        let namespace = &ctx.cluster.namespaces()[n].name;
        for direction in [Direction::Ingress, Direction::Egress] {
            let rules: Vec<(PolicyId, usize, &Rule)> = policies
                .iter()
                .filter(|&&k| ctx.cluster.policy(k).affects(direction))
                .flat_map(|&k| {
                    ctx.cluster.policy(k).rules(direction).iter().enumerate().map(move |(r, rule)| (k, r, rule))
                })
                .collect();
            for (a, &(pa, ra, rule_a)) in rules.iter().enumerate() {
                let selector_a = &ctx.cluster.policy(pa).pod_selector;
                let cover = rules.iter().enumerate().find_map(|(b, &(pb, rb, rule_b))| {
                    let selector_b = &ctx.cluster.policy(pb).pod_selector;
                    if a == b || !implies(selector_a, selector_b) || !rule_covers(namespace, rule_b, rule_a) {
                        return None;
                    }
                    let same = implies(selector_b, selector_a) && rule_covers(namespace, rule_a, rule_b);
                    // Of two identical rules, the later one is the redundant one.
                    (!same || b < a).then_some((pb, rb, same))
                });
                let Some((pb, rb, same)) = cover else { continue };
                let field = direction.field();
                let (path_a, path_b) = (format!("spec.{field}[{ra}]"), format!("spec.{field}[{rb}]"));
                let (name_a, name_b) =
                    (ctx.cluster.policy(pa).qualified_name(), ctx.cluster.policy(pb).qualified_name());
                let other = if pa == pb { path_b.clone() } else { format!("{path_b} of {name_b}") };
                let why = if same {
                    format!("{path_a} of {name_a} repeats {other}")
                } else if pa == pb {
                    format!("{path_a} of {name_a} admits nothing that {other} does not already admit")
                } else {
                    format!(
                        "{path_a} of {name_a} admits nothing that {other} does not already admit, and {name_b} \
                         selects every pod {name_a} selects"
                    )
                };
                let mut objects = vec![ctx.policy_name(pa)];
                if pb != pa {
                    objects.push(ctx.policy_name(pb));
                }
                findings.push(finding(
                    NP404,
                    objects,
                    vec![ctx.at(pa, path_a.clone()), ctx.at(pb, path_b)],
                    why,
                    format!("delete {path_a} from {name_a} (nothing changes), or narrow {other} if it admits too much"),
                ));
            }
        }
    }
}

/// Whether `wide` admits every (peer, port) `narrow` admits, for rules of policies in `namespace`.
fn rule_covers(namespace: &str, wide: &Rule, narrow: &Rule) -> bool {
    peers_cover(namespace, &wide.peers, &narrow.peers) && ports_cover(&wide.ports, &narrow.ports)
}

fn peers_cover(namespace: &str, wide: &[Peer], narrow: &[Peer]) -> bool {
    if wide.is_empty() {
        return true; // S5: every peer.
    }
    if narrow.is_empty() {
        return false;
    }
    let blocks = wide.iter().fold(Addrs::default(), |acc, p| match p {
        Peer::IpBlock(b) => acc.union(&Addrs::of_block(b)),
        Peer::Selector { .. } => acc,
    });
    narrow.iter().all(|p| match p {
        Peer::IpBlock(b) => blocks.covers(&Addrs::of_block(b)),
        Peer::Selector { .. } => wide.iter().any(|w| selector_peer_covers(namespace, w, p)),
    })
}

/// A selector peer's namespaces and pods as selectors: a missing `namespaceSelector` is the
/// policy's namespace (S6, S8), a missing `podSelector` every pod.
fn normalized(namespace: &str, peer: &Peer) -> Option<(LabelSelector, LabelSelector)> {
    let Peer::Selector { pod_selector, namespace_selector } = peer else { return None };
    let namespaces = namespace_selector.clone().unwrap_or_else(|| {
        let labels = [("kubernetes.io/metadata.name".to_owned(), namespace.to_owned())].into_iter().collect();
        LabelSelector::new(labels, Vec::new())
    });
    Some((namespaces, pod_selector.clone().unwrap_or_default()))
}

fn selector_peer_covers(namespace: &str, wide: &Peer, narrow: &Peer) -> bool {
    match (normalized(namespace, wide), normalized(namespace, narrow)) {
        (Some((wide_ns, wide_pods)), Some((narrow_ns, narrow_pods))) => {
            implies(&narrow_ns, &wide_ns) && implies(&narrow_pods, &wide_pods)
        }
        _ => false,
    }
}

/// Whether every port entry of `narrow` is inside `wide`'s ports.
fn ports_cover(wide: &[PolicyPort], narrow: &[PolicyPort]) -> bool {
    if wide.is_empty() {
        return true; // S5: every port.
    }
    let numeric = wide.iter().filter_map(numeric_ports).fold(Ports::default(), |acc, p| acc.union(&p));
    let every: Vec<PolicyPort>;
    let narrow = if narrow.is_empty() {
        every = Protocol::ALL.iter().map(|&protocol| PolicyPort { protocol, port: PortMatch::Any }).collect();
        &every
    } else {
        narrow
    };
    narrow.iter().all(|p| match (&p.port, numeric_ports(p)) {
        (_, Some(ports)) => numeric.covers(&ports),
        (PortMatch::Named(name), None) => {
            numeric.covers(&Ports::range(p.protocol, 1, u16::MAX))
                || wide.iter().any(|w| w.protocol == p.protocol && w.port == PortMatch::Named(name.clone()))
        }
        _ => false,
    })
}

fn numeric_ports(port: &PolicyPort) -> Option<Ports> {
    match port.port {
        PortMatch::Any => Some(Ports::range(port.protocol, 1, u16::MAX)),
        PortMatch::Range { first, last } => Some(Ports::range(port.protocol, first, last)),
        PortMatch::Named(_) => None,
    }
}

/// Whether every label set `strong` matches is matched by `weak` too, judged requirement by
/// requirement (S7).
pub(super) fn implies(strong: &LabelSelector, weak: &LabelSelector) -> bool {
    weak.match_labels().iter().all(|(k, v)| allowed_values(strong, k).is_some_and(|vals| vals == [v.as_str()]))
        && weak.match_expressions().iter().all(|r| requirement_implied(strong, r))
}

/// The values `strong` restricts label `key` to, when it does: the smallest such list.
fn allowed_values<'s>(strong: &'s LabelSelector, key: &str) -> Option<Vec<&'s str>> {
    let from_labels = strong.match_labels().get(key).map(|v| vec![v.as_str()]);
    let from_in = strong
        .match_expressions()
        .iter()
        .filter(|r| r.key() == key && r.operator() == Operator::In)
        .map(|r| r.values().iter().map(|v| v.as_str()).collect::<Vec<_>>());
    from_labels.into_iter().chain(from_in).min_by_key(Vec::len)
}

fn requirement_implied(strong: &LabelSelector, r: &Requirement) -> bool {
    if strong.match_expressions().contains(r) {
        return true;
    }
    let key = r.key();
    let allowed = allowed_values(strong, key);
    let has = |op: Operator| strong.match_expressions().iter().any(|s| s.key() == key && s.operator() == op);
    match r.operator() {
        Operator::Exists => allowed.is_some() || has(Operator::Exists),
        Operator::In => allowed.is_some_and(|vals| vals.iter().all(|v| r.values().iter().any(|w| w == v))),
        Operator::NotIn => {
            allowed.is_some_and(|vals| vals.iter().all(|v| !r.values().iter().any(|w| w == v)))
                || has(Operator::DoesNotExist)
                || strong.match_expressions().iter().any(|s| {
                    s.key() == key
                        && s.operator() == Operator::NotIn
                        && r.values().iter().all(|v| s.values().contains(v))
                })
        }
        Operator::DoesNotExist => has(Operator::DoesNotExist),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn sel(labels: &[(&str, &str)], exprs: &[(&str, Operator, &[&str])]) -> LabelSelector {
        LabelSelector::new(
            labels.iter().map(|(k, v)| (String::from(*k), String::from(*v))).collect(),
            exprs
                .iter()
                .map(|(k, op, vals)| {
                    Requirement::new((*k).into(), *op, vals.iter().map(|v| String::from(*v)).collect())
                })
                .collect(),
        )
    }

    #[test]
    fn implication_between_selectors() {
        let web = sel(&[("app", "web")], &[]);
        let web_prod = sel(&[("app", "web"), ("env", "prod")], &[]);
        assert!(implies(&web_prod, &web));
        assert!(!implies(&web, &web_prod));
        assert!(implies(&web, &LabelSelector::everything()));
        assert!(implies(&web, &sel(&[], &[("app", Operator::In, &["web", "api"])])));
        assert!(implies(&web, &sel(&[], &[("app", Operator::Exists, &[])])));
        assert!(implies(&web, &sel(&[], &[("app", Operator::NotIn, &["api"])])));
        assert!(!implies(&web, &sel(&[], &[("app", Operator::NotIn, &["web"])])));
        assert!(implies(&sel(&[], &[("app", Operator::In, &["web"])]), &web));
        assert!(!implies(&sel(&[], &[("app", Operator::In, &["web", "api"])]), &web));
        assert!(implies(
            &sel(&[], &[("tier", Operator::DoesNotExist, &[])]),
            &sel(&[], &[("tier", Operator::NotIn, &["x"])])
        ));
    }
}
