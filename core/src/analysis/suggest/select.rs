//! Which pods a suggested policy selects: pods grouped by workload, each group selected by its
//! stable labels, and a policy name stem per group.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::spec::{LabelSelector, Labels, PodId};
use crate::Engine;

/// Label keys that usually name a workload on their own, tried in this order for a one-label
/// selector.
pub(super) const IDENTITY_LABELS: &[&str] = &[
    "app.kubernetes.io/name",
    "app",
    "k8s-app",
    "name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "component",
];

/// A workload's pods and how policies select them.
pub(super) struct Group {
    /// `namespace/kind/name` or `namespace/pod`.
    pub(super) key: String,
    pub(super) namespace: String,
    pub(super) pods: Vec<PodId>,
    /// `matchLabels`; empty when the group has no stable labels.
    pub(super) selector: Labels,
    /// The policy name stem.
    pub(super) stem: String,
}

/// The cluster's pods grouped by workload, with their selectors and policy name stems, and the
/// group of every pod.
pub(super) fn groups(engine: &Engine, warnings: &mut Vec<String>) -> (Vec<Group>, Vec<usize>) {
    let cluster = engine.cluster();
    let mut by_key: BTreeMap<String, Vec<PodId>> = BTreeMap::new();
    for (i, pod) in cluster.pods().iter().enumerate() {
        by_key.entry(crate::spec::group_name(pod)).or_default().push(PodId(i as u32));
    }
    let mut groups = Vec::with_capacity(by_key.len());
    let mut group_of = alloc::vec![0usize; cluster.pods().len()];
    for (key, pods) in by_key {
        for p in &pods {
            group_of[p.index()] = groups.len();
        }
        let namespace = cluster.pod(pods[0]).namespace.clone();
        groups.push(Group { key, namespace, pods, selector: Labels::new(), stem: String::new() });
    }

    for g in 0..groups.len() {
        let group = &groups[g];
        let mut common = stable_labels(&cluster.pod(group.pods[0]).labels);
        for &p in &group.pods[1..] {
            let labels = &cluster.pod(p).labels;
            common.retain(|k, v| labels.get(k) == Some(v));
        }
        // Pods of other groups in the same namespace that `selector` would also pick.
        let others = |selector: &Labels| -> Vec<usize> {
            let mut hit: Vec<usize> = cluster
                .pods()
                .iter()
                .enumerate()
                .filter(|(i, pod)| {
                    group_of[*i] != g
                        && pod.namespace == group.namespace
                        && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
                })
                .map(|(i, _)| group_of[i])
                .collect();
            hit.sort_unstable();
            hit.dedup();
            hit
        };
        let single = IDENTITY_LABELS.iter().find_map(|&key| {
            let value = common.get(key)?;
            let selector = Labels::from([(key.to_string(), value.clone())]);
            others(&selector).is_empty().then_some(selector)
        });
        let selector = single.unwrap_or(common);
        let wider = others(&selector);
        if selector.is_empty() {
            warnings.push(format!(
                "{}: its pods share no stable labels, so its policies select every pod in namespace {} \
                 (label the pods and suggest again)",
                group.key, group.namespace
            ));
        } else if !wider.is_empty() {
            let names: Vec<&str> = wider.iter().map(|&o| groups[o].key.as_str()).collect();
            warnings.push(format!(
                "{}: its selector {} also selects {}, so its policies cover those pods too",
                group.key,
                LabelSelector::new(selector.clone(), Vec::new()),
                names.join(", ")
            ));
        }
        let pod = cluster.pod(group.pods[0]);
        let stem = match &pod.workload {
            Some(w) => w.name.clone(),
            None => IDENTITY_LABELS.iter().find_map(|&k| selector.get(k)).unwrap_or(&pod.name).clone(),
        };
        groups[g].selector = selector;
        groups[g].stem = stem;
    }

    // Policy names: the stem, made a DNS-1123 subdomain and unique within the namespace.
    let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
    for group in &mut groups {
        let base = dns_name(&group.stem);
        let mut stem = base.clone();
        if taken.contains(&(group.namespace.clone(), stem.clone())) {
            // `namespace/kind/name` or `namespace/pod`. The base is cut so that the suffix always
            // fits (dns_name keeps 240 characters): each `n` gives a new name.
            let kind: String = match group.key.split('/').collect::<Vec<_>>()[..] {
                [_, kind, _] => dns_name(kind).chars().take(40).collect(),
                _ => "pod".into(),
            };
            let short: String = base.chars().take(240 - kind.len() - 24).collect();
            stem = dns_name(&format!("{short}-{kind}"));
            let mut n = 2u64;
            while taken.contains(&(group.namespace.clone(), stem.clone())) {
                stem = dns_name(&format!("{short}-{kind}-{n}"));
                n += 1;
            }
        }
        taken.insert((group.namespace.clone(), stem.clone()));
        group.stem = stem;
    }
    (groups, group_of)
}

/// `labels` without the [`crate::spec::VOLATILE_LABELS`]: what a policy can select a workload's pods by.
pub fn stable_labels(labels: &Labels) -> Labels {
    crate::spec::stable_labels(labels).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// `text` as a DNS-1123 subdomain that still has room for `-ingress`: lowercase, other
/// characters replaced by `-`, at most 240 characters.
pub(super) fn dns_name(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' { c } else { '-' })
        .take(240)
        .collect();
    while out.contains("..") {
        out = out.replace("..", ".");
    }
    let out = out.trim_matches(|c| c == '-' || c == '.').replace(".-", ".").replace("-.", ".");
    if out.is_empty() {
        "workload".to_string()
    } else {
        out
    }
}
