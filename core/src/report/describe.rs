//! Rules, peers and ports as people read them (`pods app=web in namespaces team=shop`,
//! `ipBlock 10.0.0.0/8 except 10.1.0.0/16`), shared by the lookups and the exposure analysis;
//! and the families a pod can be seen over.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write as _;

use crate::spec::query::Family;
use crate::spec::{AdminPeer, AdminRule, Cluster, LabelSelector, Peer, PodId, Rule};

/// The families a pod's address may be seen over: those of its IPs, or IPv4 alone for a pod
/// without IPs (selectors do not look at families; ipBlocks never match it).
pub(crate) fn families_of(cluster: &Cluster, pod: PodId) -> Vec<Family> {
    let mut out: Vec<Family> = cluster.pod(pod).ips.iter().map(|&ip| Family::of(ip)).collect();
    out.sort_by_key(|f| f.bit());
    out.dedup();
    if out.is_empty() {
        out.push(Family::Ipv4);
    }
    out
}

/// `what` and the selector, or `every` `what` for an empty selector (which selects all).
fn selected(what: &str, selector: &LabelSelector) -> String {
    let text = selector.to_string();
    if text == "{}" {
        format!("every {what}")
    } else {
        format!("{what}s {text}")
    }
}

/// A NetworkPolicy peer as written.
pub(crate) fn peer_text(peer: &Peer) -> String {
    match peer {
        Peer::Selector { pod_selector, namespace_selector } => {
            let pods = pod_selector.as_ref().map_or("every pod".to_string(), |s| selected("pod", s));
            match namespace_selector {
                None => format!("{pods} in the policy's namespace"),
                Some(s) => format!("{pods} in {}", selected("namespace", s)),
            }
        }
        Peer::IpBlock(block) => ip_block_text(block),
    }
}

pub(crate) fn ip_block_text(block: &crate::spec::IpBlock) -> String {
    let mut text = format!("ipBlock {}", block.cidr());
    if !block.except().is_empty() {
        let except: Vec<String> = block.except().iter().map(ToString::to_string).collect();
        let _ = write!(text, " except {}", except.join(", "));
    }
    text
}

/// A cluster policy peer as written.
pub(crate) fn admin_peer_text(peer: &AdminPeer) -> String {
    match peer {
        AdminPeer::Namespaces(s) => format!("every pod in {}", selected("namespace", s)),
        AdminPeer::Pods(p) => {
            format!("{} in {}", selected("pod", &p.pod_selector), selected("namespace", &p.namespace_selector))
        }
        AdminPeer::Networks(nets) => {
            let nets: Vec<String> = nets.iter().map(ToString::to_string).collect();
            format!("networks {}", nets.join(", "))
        }
        AdminPeer::Nodes(s) => selected("node", s),
        AdminPeer::DomainNames(names) => format!("domain names {}", names.join(", ")),
        _ => "an entry netpol cannot read".to_string(),
    }
}

pub(crate) fn ports_text(rule: &Rule) -> String {
    if rule.ports.is_empty() {
        return "every port".to_string();
    }
    let ports: Vec<String> = rule.ports.iter().map(ToString::to_string).collect();
    ports.join(", ")
}

/// A cluster policy rule's `ports`/`protocols` as written, or `every port` when it has none.
pub(crate) fn admin_ports_text(rule: &AdminRule) -> String {
    if rule.ports.is_empty() {
        return "every port".to_string();
    }
    rule.ports.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}
