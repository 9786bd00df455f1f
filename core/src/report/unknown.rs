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
            let hint = did_you_mean(cluster, text);
            format!("{flag} {text:?}: no such pod in the input (use namespace/pod, or an IP address){hint}")
        }
        (None, None) => {
            let hint = did_you_mean(cluster, text);
            format!("{text:?}: no such pod (use \"namespace/pod\") and not an IP address{hint}")
        }
    }
}

/// Pods shown at most in a hint.
const HINTED: usize = 3;

/// `; did you mean shop/api-7f6d5c8b9-4kx8m or shop/api-7f6d5c8b9-v7p2s?` for `namespace/name`
/// when pods of that namespace are named `name-...` (a workload's pods, or the name without its
/// generated suffix) or differ from it by a typo (at most 2 edits, for names of 4 or more
/// characters); empty otherwise.
fn did_you_mean(cluster: &Cluster, text: &str) -> String {
    let Some((ns, name)) = text.split_once('/') else { return String::new() };
    let in_ns = || cluster.pods().iter().filter(move |p| p.namespace == ns);
    let prefix = format!("{name}-");
    let mut near: Vec<String> = in_ns().filter(|p| p.name.starts_with(&prefix)).map(|p| p.qualified_name()).collect();
    if near.is_empty() && name.chars().count() >= 4 {
        near = in_ns().filter(|p| strsim::levenshtein(&p.name, name) <= 2).map(|p| p.qualified_name()).collect();
    }
    if near.is_empty() {
        return String::new();
    }
    near.sort();
    let more = near.len().saturating_sub(HINTED);
    near.truncate(HINTED);
    let mut list = near.join(" or ");
    if more > 0 {
        list = format!("{} or {more} more", near.join(", "));
    }
    format!("; did you mean {list}?")
}

/// For `reach` (`namespace/pod`, a workload `namespace/kind/name`, or an IP address), worded as
/// [`unknown_endpoint`] words it. On the command line, also that a namespace is not an endpoint,
/// and the workloads of the namespace with that name (`did you mean shop/deployment/api?`).
pub fn unknown_subject(cluster: &Cluster, text: &str, flag: Option<&str>) -> String {
    let Some(flag) = flag else {
        return cluster.unknown_endpoint(text).unwrap_or_else(|| {
            let hint = did_you_mean(cluster, text);
            format!(
                "{text:?}: no such pod, workload or address (use \"namespace/pod\", \"namespace/kind/name\" such as \"shop/deployment/api\", or an IP address){hint}"
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
        } else {
            message.push_str(&did_you_mean(cluster, text));
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::{RawCluster, RawNamespace, RawPod, Strictness};

    fn cluster(pods: &[&str]) -> Cluster {
        let mut raw = RawCluster::default();
        raw.namespaces.push(RawNamespace { name: "shop".into(), ..RawNamespace::default() });
        for (i, name) in pods.iter().enumerate() {
            raw.pods.push(RawPod {
                namespace: Some("shop".into()),
                name: (*name).into(),
                ips: alloc::vec![("status.podIP".into(), format!("10.0.0.{}", i + 1))],
                ..RawPod::default()
            });
        }
        raw.validate(Strictness::Strict).expect("valid")
    }

    #[test]
    fn near_names_are_suggested_and_far_ones_not() {
        let c = cluster(&["api-7f6d5c8b9-4kx8m", "api-7f6d5c8b9-v7p2s", "postgres-0", "a"]);
        assert!(
            unknown_endpoint(&c, "shop/api", None)
                .ends_with("; did you mean shop/api-7f6d5c8b9-4kx8m or shop/api-7f6d5c8b9-v7p2s?"),
            "{}",
            unknown_endpoint(&c, "shop/api", None)
        );
        assert!(unknown_endpoint(&c, "shop/postgres-1", Some("--to")).ends_with("; did you mean shop/postgres-0?"));
        // Short names and other namespaces get no guess.
        assert!(!unknown_endpoint(&c, "shop/b", None).contains("did you mean"));
        assert!(!unknown_endpoint(&c, "other/api", None).contains("did you mean"));
        assert!(unknown_subject(&c, "shop/postgres", None).ends_with("; did you mean shop/postgres-0?"));
        assert!(unknown_subject(&c, "shop/postgress-0", Some("--to")).ends_with("; did you mean shop/postgres-0?"));
    }
}
