//! From decoded objects to the raw model, with the checks the API server makes on the way in
//! (`apiVersion`, `podIP` against `podIPs`).

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::decode::{Body, Meta, Peer, PodSpec, PodStatus, Port, Selector};
use crate::raw::{
    RawContainerPort, RawIpBlock, RawNamespace, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue, RawRequirement,
    RawRule, RawSelector,
};
use crate::{Diagnostic, ObjectKind, ObjectRef};

/// The `apiVersion` each kind read is served as (the only versions a current API server has).
pub(super) fn api_version_of(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Namespace" | "Pod" => "v1",
        "NetworkPolicy" => "networking.k8s.io/v1",
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => "apps/v1",
        "Job" | "CronJob" => "batch/v1",
        "Node" => "v1",
        k => return super::admin::KINDS.iter().find(|(kind, _)| *kind == k).map(|(_, v)| *v),
    })
}

/// The object `meta` names, as a `kind` (namespaced objects without a namespace are in
/// `default`).
pub(super) fn object_ref(kind: ObjectKind, meta: &Meta) -> ObjectRef {
    let name = meta.name.as_deref().unwrap_or("<unnamed>");
    match (kind, meta.namespace.as_deref()) {
        (
            ObjectKind::Namespace
            | ObjectKind::Node
            | ObjectKind::ClusterNetworkPolicy
            | ObjectKind::AdminNetworkPolicy
            | ObjectKind::BaselineAdminNetworkPolicy,
            _,
        ) => ObjectRef::cluster_scoped(kind, name),
        (_, Some(ns)) => ObjectRef::namespaced(kind, ns, name),
        (_, None) => ObjectRef::namespaced(kind, crate::raw::DEFAULT_NAMESPACE, name),
    }
}

/// The object an object of `kind` (one of the kinds read) is named as in diagnostics: a
/// workload as the pod it stands for (`deployment/api`).
pub(super) fn reference(kind: &str, meta: &Meta) -> ObjectRef {
    match kind {
        "Namespace" => object_ref(ObjectKind::Namespace, meta),
        "NetworkPolicy" => object_ref(ObjectKind::NetworkPolicy, meta),
        "Node" => object_ref(ObjectKind::Node, meta),
        "ClusterNetworkPolicy" => object_ref(ObjectKind::ClusterNetworkPolicy, meta),
        "AdminNetworkPolicy" => object_ref(ObjectKind::AdminNetworkPolicy, meta),
        "BaselineAdminNetworkPolicy" => object_ref(ObjectKind::BaselineAdminNetworkPolicy, meta),
        k if super::workloads::KINDS.contains(&k) => super::workloads::object_ref(k, meta),
        _ => object_ref(ObjectKind::Pod, meta),
    }
}

/// A problem with the `apiVersion` of an object of a kind read: a wrong one is refused (a
/// `bogus.example.com/v9` Pod is not a Pod); a missing one is assumed (hand-written fragments
/// often leave it out) with a warning. `Ok(None)` when it is right.
pub(super) fn check_api_version(kind: &str, given: Option<&str>) -> Result<Option<String>, String> {
    let Some(expected) = api_version_of(kind) else { return Ok(None) };
    match given {
        Some(v) if v == expected => Ok(None),
        Some(v) => Err(format!("apiVersion {v:?} does not serve {kind}: expected {expected:?}")),
        None => Ok(Some(format!("apiVersion missing: read as {expected}"))),
    }
}

pub(super) fn namespace(meta: &Meta, origin: &str) -> RawNamespace {
    RawNamespace {
        origin: Some(origin.into()),
        name: meta.name.clone().unwrap_or_default(),
        labels: meta.labels.clone().unwrap_or_default(),
    }
}

/// A pod from its metadata, spec and status. `podIP` must equal `podIPs[0]` when both are
/// given (the API server's rule); the IPs are `podIPs`, or `podIP` alone.
pub(super) fn pod(
    meta: Meta,
    spec: Option<&PodSpec>,
    status: Option<PodStatus>,
    origin: &str,
) -> Result<RawPod, Diagnostic> {
    let mut ips: Vec<(String, String)> = Vec::new();
    let mut phase = None;
    if let Some(status) = status {
        phase = status.phase;
        let listed = status.pod_ips.unwrap_or_default();
        let single = status.pod_ip.filter(|ip| !ip.is_empty());
        match (single, listed.first()) {
            (Some(single), Some(first)) if single != first.ip => {
                let message = format!(
                    "status.podIP {single:?} differs from status.podIPs[0].ip {:?}: the API server requires podIP to equal podIPs[0]",
                    first.ip
                );
                return Err(Diagnostic::new(Some(object_ref(ObjectKind::Pod, &meta)), "status.podIP", message)
                    .with_origin(Some(origin)));
            }
            (Some(single), None) => ips.push(("status.podIP".to_string(), single)),
            _ => {}
        }
        ips.extend(listed.into_iter().enumerate().map(|(i, ip)| (format!("status.podIPs[{i}].ip"), ip.ip)));
    }
    let mut ports = Vec::new();
    let mut host_network = false;
    if let Some(spec) = spec {
        host_network = spec.host_network.unwrap_or(false);
        let mut add_ports = |field: &str, containers: &[super::decode::Container], only_sidecars: bool| {
            for (i, c) in containers.iter().enumerate() {
                // Sidecars (init containers that keep running) serve ports too; other init
                // containers have finished.
                if only_sidecars && c.restart_policy.as_deref() != Some("Always") {
                    continue;
                }
                for (j, p) in c.ports.iter().flatten().enumerate() {
                    ports.push(RawContainerPort {
                        field: format!("spec.{field}[{i}].ports[{j}]"),
                        name: p.name.clone(),
                        container_port: p.container_port,
                        protocol: p.protocol.clone(),
                    });
                }
            }
        };
        add_ports("containers", &spec.containers, false);
        add_ports("initContainers", spec.init_containers.as_deref().unwrap_or_default(), true);
    }
    Ok(RawPod {
        origin: Some(origin.into()),
        workload: super::workloads::controller(meta.owner_references.as_ref()),
        namespace: meta.namespace,
        name: meta.name.unwrap_or_default(),
        labels: meta.labels.unwrap_or_default(),
        phase,
        host_network,
        ips,
        ports,
        representative: false,
    })
}

/// A decoded label selector into the raw model.
pub(super) fn raw_selector(s: Selector) -> RawSelector {
    RawSelector {
        match_labels: s.match_labels,
        match_expressions: s.match_expressions.map(|exprs| {
            exprs.into_iter().map(|e| RawRequirement { key: e.key, operator: e.operator, values: e.values }).collect()
        }),
    }
}

fn peer(p: Peer) -> RawPeer {
    RawPeer {
        pod_selector: p.pod_selector.map(raw_selector),
        namespace_selector: p.namespace_selector.map(raw_selector),
        ip_block: p.ip_block.map(|b| RawIpBlock { cidr: b.cidr, except: b.except }),
    }
}

fn port(p: Port) -> RawPort {
    RawPort {
        protocol: p.protocol,
        port: p.port.map(|v| match v {
            IntOrString::Int(n) => RawPortValue::Number(n),
            IntOrString::String(s) => RawPortValue::Name(s),
        }),
        end_port: p.end_port,
    }
}

fn rule(peers: Option<Vec<Peer>>, ports: Option<Vec<Port>>) -> RawRule {
    RawRule {
        peers: peers.map(|ps| ps.into_iter().map(peer).collect()),
        ports: ports.map(|ps| ps.into_iter().map(port).collect()),
    }
}

pub(super) fn policy(meta: Meta, body: Body, origin: &str) -> Result<RawPolicy, Diagnostic> {
    let Body::Policy { spec: Some(spec) } = body else {
        return Err(Diagnostic::new(
            Some(object_ref(ObjectKind::NetworkPolicy, &meta)),
            "spec",
            "required value: a NetworkPolicy needs a spec",
        )
        .with_origin(Some(origin)));
    };
    Ok(RawPolicy {
        origin: Some(origin.into()),
        namespace: meta.namespace,
        name: meta.name.unwrap_or_default(),
        pod_selector: spec.pod_selector.map(raw_selector),
        policy_types: spec.policy_types,
        ingress: spec.ingress.map(|rs| rs.into_iter().map(|r| rule(r.from, r.ports)).collect()),
        egress: spec.egress.map(|rs| rs.into_iter().map(|r| rule(r.to, r.ports)).collect()),
    })
}
