//! Pods the validator left out of the model (S13), kept by name so that a question about one
//! is answered with why it is missing rather than "no such pod".
//!
//! [`crate::raw`] records them while validating; [`Cluster::unknown_endpoint`] turns a record
//! into the one message every face (CLI, Python, wasm, C) shows.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::IpAddr;

use super::Cluster;

/// Why a pod was left out of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LeftOutReason {
    /// `spec.hostNetwork: true`: it shares its node's network, which NetworkPolicy does not
    /// isolate (node traffic is out of scope, S13).
    HostNetwork,
    /// `status.phase: Succeeded`: it has finished, and its IPs may belong to another pod now.
    Succeeded,
    /// `status.phase: Failed`: it has finished, and its IPs may belong to another pod now.
    Failed,
}

impl fmt::Display for LeftOutReason {
    /// Why, as the second half of "`ns/name` was left out: …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeftOutReason::HostNetwork => f.write_str("hostNetwork pods are not isolated by NetworkPolicy"),
            LeftOutReason::Succeeded => f.write_str("its phase is Succeeded (finished pods hold no connections)"),
            LeftOutReason::Failed => f.write_str("its phase is Failed (finished pods hold no connections)"),
        }
    }
}

/// A pod given in the input but left out of the model, with what is needed to say why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOutPod {
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub name: String,
    /// Why it was left out.
    pub reason: LeftOutReason,
    /// Its IPs as given (`status.podIPs`, or `status.podIP`); those that do not parse are
    /// dropped. To the engine these are outside addresses, unless a pod in the model has one.
    pub ips: Vec<IpAddr>,
}

impl LeftOutPod {
    /// `namespace/name`.
    pub fn qualified_name(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl Cluster {
    /// The message for an endpoint `text` that names no pod in the model, when the cluster
    /// knows why: `text` (`namespace/name`) names a pod the validator left out. Such as
    ///
    /// `kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address`
    ///
    /// `None` for any other text; each face then says "no such pod" in its own words. Every face
    /// calls this, so a left-out pod is explained in the same words everywhere.
    pub fn unknown_endpoint(&self, text: &str) -> Option<String> {
        let (namespace, name) = text.split_once('/')?;
        let pod = self.left_out_pod(namespace, name)?;
        let mut message = format!("{} was left out: {}", pod.qualified_name(), pod.reason);
        // Each IP is an outside address to the engine, unless a pod in the model holds it now
        // (a finished pod's IP is given to new pods).
        let owners: Vec<(IpAddr, Option<String>)> =
            pod.ips.iter().map(|&ip| (ip, self.pod_with_ip(ip).map(|p| self.pod(p).qualified_name()))).collect();
        match owners[..] {
            [] => {}
            [(_, None)] => message.push_str("; its IP is an outside address"),
            _ if owners.iter().all(|(_, owner)| owner.is_none()) => message.push_str("; its IPs are outside addresses"),
            _ => {
                let parts: Vec<String> = owners
                    .iter()
                    .map(|(ip, owner)| match owner {
                        Some(o) => format!("{ip} is the IP of pod {o} now"),
                        None => format!("{ip} is an outside address"),
                    })
                    .collect();
                message.push_str(&format!("; {}", parts.join(", ")));
            }
        }
        Some(message)
    }
}
