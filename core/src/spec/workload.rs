//! Workloads: the controller a pod belongs to (Deployment, StatefulSet, ...), used to name
//! representative pods and to group pods in diffs and graphs.

use alloc::format;
use alloc::string::String;

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
