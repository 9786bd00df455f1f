//! The error for an endpoint that names nothing, in the words of each face: why, for a pod the
//! loader left out; else what the face takes, and for `reach` on the command line hints (a
//! namespace is no endpoint; workloads of that name).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::spec::{group_name, Cluster};

/// For `check`-like questions (`namespace/pod` or an IP address). `flag` is the command-line
/// option that named `text` (`--from`); `None` words it for the library faces (Python, wasm).
pub fn unknown_endpoint(cluster: &Cluster, text: &str, flag: Option<&str>) -> String {
    match (cluster.unknown_endpoint(text), flag) {
        (Some(why), Some(flag)) => format!("{flag}: {why}"),
        (Some(why), None) => why,
        (None, Some(flag)) => {
            format!("{flag} {text:?}: no such pod in the input (use namespace/pod, or an IP address)")
        }
        (None, None) => format!("{text:?}: no such pod (use \"namespace/pod\") and not an IP address"),
    }
}

/// For `reach` (`namespace/pod`, a workload `namespace/kind/name`, or an IP address), worded as
/// [`unknown_endpoint`] words it. On the command line, also that a namespace is not an endpoint,
/// and the workloads of the namespace with that name (`did you mean shop/deployment/api?`).
pub fn unknown_subject(cluster: &Cluster, text: &str, flag: Option<&str>) -> String {
    let Some(flag) = flag else {
        return cluster.unknown_endpoint(text).unwrap_or_else(|| {
            format!(
                "{text:?}: no such pod, workload or address (use \"namespace/pod\", \"namespace/kind/name\" such as \"shop/deployment/api\", or an IP address)"
            )
        });
    };
    if let Some(why) = cluster.unknown_endpoint(text) {
        return format!("{flag}: {why}");
    }
    let mut message = format!(
        "{flag} {text:?}: no such pod, workload or address (use namespace/pod, namespace/kind/name such as shop/deployment/api, or an IP address)"
    );
    if !text.contains('/') && cluster.namespace_id(text).is_some() {
        message.push_str("; a namespace is not an endpoint: ask about one of its pods or workloads");
    }
    if let Some((ns, name)) = text.split_once('/') {
        let mut similar: Vec<String> = cluster
            .pods()
            .iter()
            .filter(|p| p.namespace == ns)
            .map(group_name)
            .filter(|g| g.rsplit('/').next() == Some(name) && g != text)
            .collect();
        similar.sort();
        similar.dedup();
        if !similar.is_empty() {
            message.push_str(&format!("; did you mean {}?", similar.join(" or ")));
        }
    }
    message
}
