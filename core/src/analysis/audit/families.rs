//! Address-family checks (S9a): ipBlocks of a family no pod their policy selects has, so they
//! admit nothing (NP408), and pod pairs that may connect over one family but not the other
//! (NP409): a rule written for one family only.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{agree, count, finding, Ctx, Finding, Location, NP408, NP409};
use crate::engine::connectivity::port_set;
use crate::spec::query::Family;
use crate::spec::{Direction, Peer, PodId, PolicyId};

/// Sources listed by name in one NP409 finding; the why gives the total.
const MAX_PEERS_LISTED: usize = 5;

pub(super) fn check(ctx: &Ctx, findings: &mut Vec<Finding>) {
    blocks_of_a_missing_family(ctx, findings);
    asymmetric_pairs(ctx, findings);
}

/// The other family.
fn other(family: Family) -> Family {
    match family {
        Family::Ipv4 => Family::Ipv6,
        Family::Ipv6 => Family::Ipv4,
    }
}

/// NP408: an ipBlock peer of a family that no pod the policy selects has. Every connection of
/// those pods is of their own family, so the peer never matches (S9a). Pods without IPs count as
/// having every family.
fn blocks_of_a_missing_family(ctx: &Ctx, findings: &mut Vec<Finding>) {
    for (k, policy) in ctx.cluster.policies().iter().enumerate() {
        let id = PolicyId(k as u32);
        let selected = ctx.selected(policy);
        let mask = selected.iter().fold(0u8, |m, &i| m | ctx.engine.identity_families(i));
        if selected.is_empty() || mask == 3 {
            continue;
        }
        let pods: Vec<PodId> = selected.iter().flat_map(|&i| ctx.pods_of(i)).collect();
        for direction in [Direction::Ingress, Direction::Egress] {
            if !policy.affects(direction) {
                continue;
            }
            for (r, rule) in policy.rules(direction).iter().enumerate() {
                for (j, peer) in rule.peers.iter().enumerate() {
                    let Peer::IpBlock(block) = peer else { continue };
                    let family = Family::of(block.cidr().network());
                    if mask & family.bit() != 0 {
                        continue;
                    }
                    let path = format!("spec.{}[{r}].{}[{j}]", direction.field(), direction.peers_field());
                    let mut objects = alloc::vec![ctx.policy_name(id)];
                    objects.extend(pods.iter().map(|&p| ctx.pod_name(p)));
                    let why = format!(
                        "ipBlock {} is {family}, but the {} {} selects {} {} addresses only: every connection \
                         of {} is {}, so this peer admits nothing",
                        block.cidr(),
                        count(pods.len(), "pod"),
                        policy.qualified_name(),
                        agree(pods.len(), "has", "have"),
                        other(family),
                        agree(pods.len(), "it", "them"),
                        other(family),
                    );
                    let fix = format!(
                        "admit the same peers by their {} range too (each family needs its own ipBlock), or \
                         remove the peer if the pods will not get {family} addresses",
                        other(family)
                    );
                    findings.push(finding(NP408, objects, alloc::vec![ctx.at(id, path)], why, fix));
                }
            }
        }
    }
}

/// NP409: pods that share both families with a peer and may connect over one but not the
/// other. Only split identities (dual-stack pods whose addresses ipBlocks may match) have
/// answers that differ by family; a row differs where one of their two columns is set and the
/// other is not, so only the (identity, port class) entries naming such rows are examined.
fn asymmetric_pairs(ctx: &Ctx, findings: &mut Vec<Finding>) {
    let engine = ctx.engine;
    let candidates = engine.family_asymmetry_candidates();
    // Per destination identity: (source identity, the family that allows, port classes).
    let mut by_destination: BTreeMap<usize, Vec<(usize, Family, Vec<usize>)>> = BTreeMap::new();
    for ((s, d), pcs) in candidates {
        // A lone pod and itself: self traffic (S12), not a pair.
        if engine.shared_families(s, d) != 3 || (s == d && ctx.members[s].len() == 1) {
            continue;
        }
        let mut only: [Vec<usize>; 2] = [Vec::new(), Vec::new()];
        for pc in pcs {
            let v4 = engine.pair_allowed_over(s, d, pc, Family::Ipv4);
            let v6 = engine.pair_allowed_over(s, d, pc, Family::Ipv6);
            if v4 != v6 {
                only[usize::from(v6)].push(pc);
            }
        }
        for (family, pcs) in Family::ALL.into_iter().zip(only) {
            if !pcs.is_empty() {
                by_destination.entry(d).or_default().push((s, family, pcs));
            }
        }
    }
    for (d, mut sources) in by_destination {
        // Sources by name: the text does not depend on how identities happen to be numbered.
        sources.sort_by_cached_key(|(s, family, _)| (ctx.rep(*s).qualified_name(), *family as u8));
        let pods: Vec<PodId> = ctx.pods_of(d).collect();
        let mut objects: Vec<String> = pods.iter().map(|&p| ctx.pod_name(p)).collect();
        let mut peers: BTreeSet<String> = BTreeSet::new();
        let mut parts = Vec::new();
        let mut paths: BTreeSet<(PolicyId, String)> = BTreeSet::new();
        for (s, family, pcs) in &sources {
            let peer = ctx.rep(*s).qualified_name();
            if parts.len() < MAX_PEERS_LISTED {
                parts.push(format!("from {peer} over {family} only on {}", port_set(engine, pcs)));
            }
            peers.extend(ctx.pods_of(*s).map(|p| ctx.pod_name(p)));
            paths.extend(one_family_blocks(ctx, *s, d));
        }
        if sources.len() > MAX_PEERS_LISTED {
            parts.push(format!("and {} more", sources.len() - MAX_PEERS_LISTED));
        }
        objects.extend(peers.into_iter().filter(|p| !objects.contains(p)).collect::<Vec<_>>());
        objects.extend(paths.iter().map(|(k, _)| ctx.policy_name(*k)).collect::<BTreeSet<_>>());
        let who = ctx.rep(d).qualified_name();
        let why = format!(
            "reachability differs by address family: {who}{} is reachable {}; dual-stack pods connect over \
             either family, so a rule written for one family only leaves the other open or closed",
            if pods.len() > 1 { format!(" (and {} like it)", count(pods.len() - 1, "pod")) } else { String::new() },
            parts.join(", ")
        );
        let fix = String::from(
            "give every ipBlock a counterpart of the other family (e.g. 10.0.0.0/8 and fd00::/8), or admit \
             the peers by labels, which hold for both families",
        );
        let locations: Vec<Location> = paths.into_iter().map(|(k, path)| ctx.at(k, path)).collect();
        findings.push(finding(NP409, objects, locations, why, fix));
    }
}

/// The ipBlock peers, in the rules of the policies isolating the two ends, that contain an
/// address of the other end: where a one-family rule sits.
fn one_family_blocks(ctx: &Ctx, s: usize, d: usize) -> Vec<(PolicyId, String)> {
    let mut out = Vec::new();
    for (local, peer, direction) in [(s, d, Direction::Egress), (d, s, Direction::Ingress)] {
        let ips = &ctx.rep(peer).ips;
        for k in ctx.isolating(local, direction) {
            for (r, rule) in ctx.cluster.policy(k).rules(direction).iter().enumerate() {
                for (j, p) in rule.peers.iter().enumerate() {
                    if let Peer::IpBlock(block) = p {
                        if ips.iter().any(|ip| block.contains(*ip)) {
                            let path = format!("spec.{}[{r}].{}[{j}]", direction.field(), direction.peers_field());
                            out.push((k, path));
                        }
                    }
                }
            }
        }
    }
    out
}
