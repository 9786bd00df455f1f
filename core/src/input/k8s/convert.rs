//! From k8s-openapi objects to the raw model.

use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use k8s_openapi::api::core::v1 as core_v1;
use k8s_openapi::api::networking::v1 as net_v1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::object_ref;
use crate::raw::{
    RawContainerPort, RawIpBlock, RawNamespace, RawPeer, RawPod, RawPolicy, RawPort, RawPortValue, RawRequirement,
    RawRule, RawSelector,
};
use crate::{Diagnostic, ObjectKind};

/// Deserializes `value` as `T`, reporting a type error with its field path.
fn typed<T: DeserializeOwned>(value: Value, kind: ObjectKind, origin: &str) -> Result<T, Diagnostic> {
    let object = object_ref(kind, &value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." { String::new() } else { path };
        Diagnostic::new(Some(object), field, format!("wrong type or value: {}", e.inner())).with_origin(Some(origin))
    })
}

pub(super) fn namespace(value: Value, origin: &str) -> Result<RawNamespace, Diagnostic> {
    let ns: core_v1::Namespace = typed(value, ObjectKind::Namespace, origin)?;
    Ok(RawNamespace {
        origin: Some(origin.into()),
        name: ns.metadata.name.unwrap_or_default(),
        labels: ns.metadata.labels.unwrap_or_default(),
    })
}

/// The parts of a `v1/Pod` NetworkPolicies use, read with k8s-openapi's types for each part.
///
/// Reading the whole `Pod` type would check (and, in the browser build, carry the code for)
/// dozens of fields no policy looks at: volumes, probes, affinity. Unknown fields are ignored,
/// as the full type ignores them too.
#[derive(serde::Deserialize)]
struct PodParts {
    #[serde(default)]
    metadata: ObjectMeta,
    spec: Option<PodSpecParts>,
    status: Option<PodStatusParts>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodSpecParts {
    #[serde(default)]
    containers: Vec<ContainerParts>,
    init_containers: Option<Vec<ContainerParts>>,
    host_network: Option<bool>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ContainerParts {
    ports: Option<Vec<core_v1::ContainerPort>>,
    restart_policy: Option<String>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct PodStatusParts {
    phase: Option<String>,
    #[serde(rename = "podIP")]
    pod_ip: Option<String>,
    #[serde(rename = "podIPs")]
    pod_ips: Option<Vec<core_v1::PodIP>>,
}

pub(super) fn pod(value: Value, origin: &str) -> Result<RawPod, Diagnostic> {
    let pod: PodParts = typed(value, ObjectKind::Pod, origin)?;
    let mut ips: Vec<(String, String)> = Vec::new();
    let mut phase = None;
    if let Some(status) = pod.status {
        phase = status.phase;
        ips.extend(
            status
                .pod_ips
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, ip)| (format!("status.podIPs[{i}].ip"), ip.ip)),
        );
        if ips.is_empty() {
            ips.extend(status.pod_ip.filter(|ip| !ip.is_empty()).map(|ip| ("status.podIP".to_string(), ip)));
        }
    }
    let mut ports = Vec::new();
    let mut host_network = false;
    if let Some(spec) = pod.spec {
        host_network = spec.host_network.unwrap_or(false);
        let mut add_ports = |field: &str, containers: &[ContainerParts], only_sidecars: bool| {
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
        namespace: pod.metadata.namespace,
        name: pod.metadata.name.unwrap_or_default(),
        labels: pod.metadata.labels.unwrap_or_default(),
        phase,
        host_network,
        ips,
        ports,
        workload: None,
        representative: false,
    })
}

fn selector(s: LabelSelector) -> RawSelector {
    RawSelector {
        match_labels: s.match_labels,
        match_expressions: s.match_expressions.map(|exprs| {
            exprs.into_iter().map(|e| RawRequirement { key: e.key, operator: e.operator, values: e.values }).collect()
        }),
    }
}

fn peer(p: net_v1::NetworkPolicyPeer) -> RawPeer {
    RawPeer {
        pod_selector: p.pod_selector.map(selector),
        namespace_selector: p.namespace_selector.map(selector),
        ip_block: p.ip_block.map(|b| RawIpBlock { cidr: b.cidr, except: b.except }),
    }
}

fn port(p: net_v1::NetworkPolicyPort) -> RawPort {
    RawPort {
        protocol: p.protocol,
        port: p.port.map(|v| match v {
            IntOrString::Int(n) => RawPortValue::Number(n),
            IntOrString::String(s) => RawPortValue::Name(s),
        }),
        end_port: p.end_port,
    }
}

fn rule(peers: Option<Vec<net_v1::NetworkPolicyPeer>>, ports: Option<Vec<net_v1::NetworkPolicyPort>>) -> RawRule {
    RawRule {
        peers: peers.map(|ps| ps.into_iter().map(peer).collect()),
        ports: ports.map(|ps| ps.into_iter().map(port).collect()),
    }
}

pub(super) fn policy(value: Value, origin: &str) -> Result<RawPolicy, Diagnostic> {
    let object = object_ref(ObjectKind::NetworkPolicy, &value);
    let np: net_v1::NetworkPolicy = typed(value, ObjectKind::NetworkPolicy, origin)?;
    let Some(spec) = np.spec else {
        return Err(Diagnostic::new(Some(object), "spec", "required value: a NetworkPolicy needs a spec")
            .with_origin(Some(origin)));
    };
    Ok(RawPolicy {
        origin: Some(origin.into()),
        namespace: np.metadata.namespace,
        name: np.metadata.name.unwrap_or_default(),
        pod_selector: spec.pod_selector.map(selector),
        policy_types: spec.policy_types,
        ingress: spec.ingress.map(|rs| rs.into_iter().map(|r| rule(r.from, r.ports)).collect()),
        egress: spec.egress.map(|rs| rs.into_iter().map(|r| rule(r.to, r.ports)).collect()),
    })
}
