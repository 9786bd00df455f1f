//! Workloads: the controller a pod belongs to (Deployment, StatefulSet, ...), used to name
//! representative pods and to group pods in diffs and graphs.

use alloc::format;
use alloc::string::String;

use super::Labels;

/// Label keys that controllers set differently on each pod of a workload, on each rollout, or on
/// each run of a CronJob (and that Cilium leaves out of its identities): a pod gone since is
/// matched to a pod of the cluster ignoring them, and a suggested policy never selects by them.
/// `job-name` and `batch.kubernetes.io/job-name` name one run of a CronJob; a plain Job's pods
/// usually carry a stable `app`-like label as well.
pub const VOLATILE_LABELS: &[&str] = &[
    "pod-template-hash",
    "pod-template-generation",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-uid",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/job-completion-index",
];

/// `labels` without the [`VOLATILE_LABELS`]: what a workload's pods share and a policy can select
/// them by.
pub fn stable_labels(labels: &Labels) -> impl Iterator<Item = (&String, &String)> {
    labels.iter().filter(|(k, _)| !VOLATILE_LABELS.contains(&k.as_str()))
}

/// The workload a pod belongs to: its top controller, such as `Deployment api`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Workload {
    /// The kind as the API spells it: `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
    /// `Job`, `CronJob` (or another controller's kind, from `ownerReferences`).
    pub kind: String,
    /// The workload's name.
    pub name: String,
}

impl Workload {
    /// `kind/name` with the kind in lowercase, as `kubectl` accepts it: `deployment/api`.
    pub fn short_name(&self) -> String {
        format!("{}/{}", self.kind.to_ascii_lowercase(), self.name)
    }
}

/// The group a pod is shown in: `namespace/kind/name` for a pod of a known workload (or a
/// representative), else `namespace/pod`.
pub fn group_name(pod: &super::Pod) -> String {
    match &pod.workload {
        Some(w) => format!("{}/{}", pod.namespace, w.short_name()),
        None => pod.qualified_name(),
    }
}
