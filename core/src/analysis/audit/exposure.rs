//! Exposure checks on the connectivity map: pods reachable from every namespace (NP201), from
//! every address or every public address (NP202, NP203), and pods that may reach every public
//! address (NP204). Computed per identity, then grouped per namespace and answer.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use hashbrown::HashMap;

use super::sets::{ports_covering, Addrs, Family, Ports};
use super::{agree, count, finding, Check, Ctx, Finding, Location, NP201, NP202, NP203, NP204};
use crate::engine::compile::bits;
use crate::engine::connectivity::Connectivity;
use crate::spec::{Direction, PodId, PolicyId, Protocol};

/// The pods of one group and the rule paths that explain it.
type Group = (Vec<PodId>, BTreeSet<(PolicyId, String)>);

/// Findings of one check, grouped by (namespace, what is said).
#[derive(Default)]
struct Groups(BTreeMap<(usize, String), Group>);

impl Groups {
    fn add(&mut self, ctx: &Ctx, i: usize, detail: String, paths: Vec<(PolicyId, String)>) {
        self.add_pods(ctx, i, ctx.pods_of(i), detail, paths);
    }

    fn add_pods(
        &mut self,
        ctx: &Ctx,
        i: usize,
        pods: impl Iterator<Item = PodId>,
        detail: String,
        paths: Vec<(PolicyId, String)>,
    ) {
        let group = self.0.entry((ctx.namespace_of[i].index(), detail)).or_default();
        group.0.extend(pods);
        group.1.extend(paths);
    }

    fn emit(
        self,
        ctx: &Ctx,
        check: Check,
        findings: &mut Vec<Finding>,
        text: impl Fn(usize, &str, &str) -> (String, String),
    ) {
        for ((n, detail), (mut pods, paths)) in self.0 {
            pods.sort_unstable();
            let ns = &ctx.cluster.namespaces()[n].name;
            let mut objects: Vec<String> = pods.iter().map(|&p| ctx.pod_name(p)).collect();
            let policies: BTreeSet<PolicyId> = paths.iter().map(|(k, _)| *k).collect();
            objects.extend(policies.iter().map(|&k| ctx.policy_name(k)));
            let locations: Vec<Location> = paths.into_iter().map(|(k, path)| ctx.at(k, path)).collect();
            let (why, fix) = text(pods.len(), ns, &detail);
            findings.push(finding(check, objects, locations, why, fix));
        }
    }
}

/// NP201: ingress-isolated pods that some pod of every namespace (with pods) may reach, on the
/// ports all of them reach.
pub(super) fn every_namespace(ctx: &Ctx, conn: &Connectivity, findings: &mut Vec<Finding>) {
    let populated: Vec<usize> = (0..ctx.identities_in.len()).filter(|&n| !ctx.identities_in[n].is_empty()).collect();
    if populated.len() < 2 {
        return;
    }
    let mut slot = vec![usize::MAX; ctx.identities_in.len()];
    for (k, &n) in populated.iter().enumerate() {
        slot[n] = k;
    }
    let n_ids = ctx.members.len();
    let words = bits::words_for(populated.len());
    // A pair of a single-pod identity with itself is the pod reaching itself: not a namespace reaching it.
    let pairs = |s: usize| conn.identity_pairs(s).filter(move |&(d, _)| d != s || ctx.members[s].len() > 1);
    let mut reached = vec![0u64; n_ids * words];
    for s in 0..n_ids {
        let k = slot[ctx.namespace_of[s].index()];
        for (d, _) in pairs(s) {
            bits::set(&mut reached[d * words..(d + 1) * words], k);
        }
    }
    let candidates: Vec<usize> = (0..n_ids)
        .filter(|&d| {
            ctx.is_isolated(d, Direction::Ingress)
                && (0..populated.len()).all(|k| bits::test(&reached[d * words..(d + 1) * words], k))
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let position: HashMap<usize, usize> = candidates.iter().enumerate().map(|(c, &d)| (d, c)).collect();
    let mut ports = vec![vec![Ports::default(); populated.len()]; candidates.len()];
    for s in 0..n_ids {
        let k = slot[ctx.namespace_of[s].index()];
        for (d, set) in pairs(s) {
            if let Some(&c) = position.get(&d) {
                ports[c][k] = ports[c][k].union(&Ports::from_port_set(set));
            }
        }
    }
    let dns_ports = Ports::range(Protocol::Udp, 53, 53).union(&Ports::range(Protocol::Tcp, 53, 53));
    let mut groups = Groups::default();
    for (c, &d) in candidates.iter().enumerate() {
        let common = ports[c].iter().fold(Ports::all(), |acc, p| acc.intersection(p));
        // Every namespace must reach DNS: the DNS pods are exempt on its ports.
        for dns in [false, true] {
            let common = if dns { common.difference(&dns_ports) } else { common.clone() };
            let pods = ctx.pods_of(d).filter(|&p| ctx.is_dns_pod(p) == dns);
            if !common.is_empty() && ctx.pods_of(d).any(|p| ctx.is_dns_pod(p) == dns) {
                groups.add_pods(ctx, d, pods, format!("{common}"), cross_namespace_rules(ctx, d, &common));
            }
        }
    }
    let namespaces = populated.len();
    groups.emit(ctx, NP201, findings, |n, ns, ports| {
        (
            format!(
                "{} in {ns} may be reached from every namespace ({namespaces} with pods) on {ports}",
                count(n, "pod")
            ),
            String::from(
                "narrow the rules at these paths to the namespaces (namespaceSelector) and pods (podSelector) \
                 that need these pods",
            ),
        )
    });
}

/// The ingress rules (or their peers) of identity `d`'s policies that admit pods of other
/// namespaces on some of `ports`.
fn cross_namespace_rules(ctx: &Ctx, d: usize, ports: &Ports) -> Vec<(PolicyId, String)> {
    let rep = ctx.rep(d);
    let mut out = Vec::new();
    for k in ctx.isolating(d, Direction::Ingress) {
        let policy = ctx.cluster.policy(k);
        let home = ctx.cluster.namespace_id(&policy.namespace);
        for (r, rule) in policy.ingress.iter().enumerate() {
            if !Ports::of_rule(rule, Some(&rep.ports)).overlaps(ports) {
                continue;
            }
            if rule.peers.is_empty() {
                out.push((k, format!("spec.ingress[{r}]")));
                continue;
            }
            for (j, peer) in rule.peers.iter().enumerate() {
                if ctx.peer_identities(peer, home).iter().any(|&i| Some(ctx.namespace_of[i]) != home) {
                    out.push((k, format!("spec.ingress[{r}].from[{j}]")));
                }
            }
        }
    }
    out
}

/// NP202, NP203, NP204: addresses outside the pods that may reach, or be reached from, an
/// isolated pod on every address of a range.
pub(super) fn external(ctx: &Ctx, conn: &Connectivity, findings: &mut Vec<Finding>) {
    let whole = Family::ALL.map(Addrs::whole);
    let public = Family::ALL.map(Addrs::public);
    let mut any = Groups::default();
    let mut internet = Groups::default();
    let mut egress = Groups::default();
    for i in 0..ctx.members.len() {
        let pod = PodId(ctx.members[i][0]);
        if ctx.is_isolated(i, Direction::Ingress) {
            let ranges = conn.ingress_external(pod);
            let mut any_parts = Vec::new();
            let mut internet_parts = Vec::new();
            let mut any_paths = Vec::new();
            let mut internet_paths = Vec::new();
            for f in Family::ALL {
                let all = ports_covering(&ranges, &whole[f as usize]);
                let public_only = ports_covering(&ranges, &public[f as usize]).difference(&all);
                if !all.is_empty() {
                    any_parts.push(format!("every {} address ({}) on {all}", f.name(), f.everything()));
                    any_paths.extend(covering_rules(ctx, i, Direction::Ingress, &whole[f as usize], &all));
                }
                if !public_only.is_empty() {
                    internet_parts.push(format!("every public {} address on {public_only}", f.name()));
                    internet_paths.extend(covering_rules(
                        ctx,
                        i,
                        Direction::Ingress,
                        &public[f as usize],
                        &public_only,
                    ));
                }
            }
            if !any_parts.is_empty() {
                any.add(ctx, i, any_parts.join(" and "), any_paths);
            }
            if !internet_parts.is_empty() {
                internet.add(ctx, i, internet_parts.join(" and "), internet_paths);
            }
        }
        if ctx.is_isolated(i, Direction::Egress) {
            let ranges = conn.egress_external(pod);
            let mut parts = Vec::new();
            let mut paths = Vec::new();
            for f in Family::ALL {
                let ports = ports_covering(&ranges, &public[f as usize]);
                if !ports.is_empty() {
                    parts.push(format!("every public {} address on {ports}", f.name()));
                    paths.extend(covering_rules(ctx, i, Direction::Egress, &public[f as usize], &ports));
                }
            }
            if !parts.is_empty() {
                egress.add(ctx, i, parts.join(" and "), paths);
            }
        }
    }
    any.emit(ctx, NP202, findings, |n, ns, what| {
        (
            format!(
                "{} in {ns} {} connections from {what}: any host that can route to them, and every pod \
                 wherever ipBlocks match pod IPs",
                count(n, "pod"),
                agree(n, "accepts", "accept")
            ),
            String::from(
                "narrow the ipBlock at these paths to the ranges that need these pods (the load balancer's, a \
                 partner's) and except the private ranges",
            ),
        )
    });
    internet.emit(ctx, NP203, findings, |n, ns, what| {
        (
            format!(
                "{} in {ns} {} connections from {what}: {} internet-facing",
                count(n, "pod"),
                agree(n, "accepts", "accept"),
                agree(n, "it is", "they are")
            ),
            String::from(
                "nothing if they are meant to face the internet; otherwise narrow the ipBlock at these paths to \
                 the load balancer's or CDN's ranges",
            ),
        )
    });
    egress.emit(ctx, NP204, findings, |n, ns, what| {
        (
            format!(
                "{} in {ns} may open connections to {what}: nothing limits where {} data",
                count(n, "pod"),
                agree(n, "it sends", "they send")
            ),
            String::from(
                "narrow the egress at these paths to the ranges and ports these pods call (a partner's CIDR), \
                 or send them through an egress proxy",
            ),
        )
    });
}

/// The rules (or ipBlock peers) of identity `i`'s isolating policies that together admit every
/// address of `target` on some of `ports`: the fewest, largest first.
fn covering_rules(ctx: &Ctx, i: usize, direction: Direction, target: &Addrs, ports: &Ports) -> Vec<(PolicyId, String)> {
    let rep = ctx.rep(i);
    let destination = (direction == Direction::Ingress).then_some(rep.ports.as_slice());
    let field = direction.field();
    let peers = direction.peers_field();
    let mut candidates: Vec<(u128, PolicyId, String, Addrs)> = Vec::new();
    for k in ctx.isolating(i, direction) {
        for (r, rule) in ctx.cluster.policy(k).rules(direction).iter().enumerate() {
            if !Ports::of_rule(rule, destination).overlaps(ports) {
                continue;
            }
            if rule.peers.is_empty() {
                candidates.push((target.size(), k, format!("spec.{field}[{r}]"), target.clone()));
                continue;
            }
            for (j, peer) in rule.peers.iter().enumerate() {
                if let crate::spec::Peer::IpBlock(block) = peer {
                    let addrs = Addrs::of_block(block).intersection(target);
                    if !addrs.is_empty() {
                        candidates.push((addrs.size(), k, format!("spec.{field}[{r}].{peers}[{j}]"), addrs));
                    }
                }
            }
        }
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| (a.1, &a.2).cmp(&(b.1, &b.2))));
    let mut covered = Addrs::default();
    let mut out = Vec::new();
    for (_, k, path, addrs) in candidates {
        if covered.covers(target) {
            break;
        }
        if !covered.covers(&addrs) {
            covered = covered.union(&addrs);
            out.push((k, path));
        }
    }
    out
}
