//! Changes to a cluster's objects, one at a time, as a watch delivers them (issue 20): an object
//! added or replaced, or one deleted by name.
//!
//! [`Cluster::apply`] keeps every invariant of a validated cluster: parts sorted, pods pointing
//! at their namespace, a namespace assumed (S8) exactly while a pod or policy names it and none
//! is given, pod IPs unique, a pod either in the model or left out (S13). So a cluster changed
//! this way is the cluster that validating its objects afresh gives.

use alloc::format;
use core::net::IpAddr;

use super::admin::{ClusterPolicy, Node};
use super::cluster::{Cluster, Namespace, NamespaceId, Pod, PodId};
use super::{Diagnostic, LeftOutPod, NetworkPolicy, ObjectKind, ObjectRef};

/// One validated object of a cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Object {
    /// A namespace, given.
    Namespace(Namespace),
    /// A pod in the model.
    Pod(Pod),
    /// A pod left out of the model (finished or host-network, S13).
    LeftOutPod(LeftOutPod),
    /// A NetworkPolicy.
    Policy(NetworkPolicy),
    /// A cluster-wide policy (S15).
    ClusterPolicy(ClusterPolicy),
    /// A Node.
    Node(Node),
}

impl Object {
    /// The object's kind and name.
    pub fn object_ref(&self) -> ObjectRef {
        match self {
            Object::Namespace(n) => ObjectRef::cluster_scoped(ObjectKind::Namespace, &n.name),
            Object::Pod(p) => ObjectRef::namespaced(ObjectKind::Pod, &p.namespace, &p.name),
            Object::LeftOutPod(p) => ObjectRef::namespaced(ObjectKind::Pod, &p.namespace, &p.name),
            Object::Policy(p) => ObjectRef::namespaced(ObjectKind::NetworkPolicy, &p.namespace, &p.name),
            Object::ClusterPolicy(p) => ObjectRef::cluster_scoped(p.kind.object_kind(), &p.name),
            Object::Node(n) => ObjectRef::cluster_scoped(ObjectKind::Node, &n.name),
        }
    }
}

impl Object {
    /// The object `object` names, taken out of `cluster`: a cluster validated from that one
    /// object, as a watch event gives it. `None` when the cluster does not hold it (lenient
    /// validation skipped it).
    pub fn take_from(mut cluster: Cluster, object: &ObjectRef) -> Option<Object> {
        let (namespace, name) = (object.namespace().unwrap_or_default(), object.name());
        let same = |ns: &str, n: &str| ns == namespace && n == name;
        match object.kind() {
            ObjectKind::Namespace => {
                let at = cluster.namespaces.iter().position(|n| n.name == name && !cluster.assumed.contains(name))?;
                Some(Object::Namespace(cluster.namespaces.swap_remove(at)))
            }
            ObjectKind::Pod => match cluster.pods.iter().position(|p| same(&p.namespace, &p.name)) {
                Some(at) => Some(Object::Pod(cluster.pods.swap_remove(at))),
                None => {
                    let at = cluster.left_out.iter().position(|p| same(&p.namespace, &p.name))?;
                    Some(Object::LeftOutPod(cluster.left_out.swap_remove(at)))
                }
            },
            ObjectKind::NetworkPolicy => {
                let at = cluster.policies.iter().position(|p| same(&p.namespace, &p.name))?;
                Some(Object::Policy(cluster.policies.swap_remove(at)))
            }
            ObjectKind::Node => {
                let at = cluster.nodes.iter().position(|n| n.name == name)?;
                Some(Object::Node(cluster.nodes.swap_remove(at)))
            }
            ObjectKind::Document => None,
            kind => {
                let at =
                    cluster.cluster_policies.iter().position(|p| p.kind.object_kind() == kind && p.name == name)?;
                Some(Object::ClusterPolicy(cluster.cluster_policies.swap_remove(at)))
            }
        }
    }
}

/// A change to a cluster: an object added or replaced (a watch's ADDED or MODIFIED), or the
/// object of a kind and name deleted (DELETED).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Adds the object, or replaces the one of its kind and name.
    Upsert(Object),
    /// Deletes the object of this kind and name.
    Delete(ObjectRef),
}

impl Change {
    /// The object changed.
    pub fn object_ref(&self) -> ObjectRef {
        match self {
            Change::Upsert(o) => o.object_ref(),
            Change::Delete(r) => r.clone(),
        }
    }
}

/// What a change did, for an engine that follows the cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: the object was given again as it is.
    Unchanged,
    /// Only pods of the model changed, namespaces kept their places and labels: the pod at
    /// `removed` (a position before the change) went, and the pod now at `inserted` came (both
    /// when a pod was replaced, at one position).
    Pod {
        /// The position the old pod had.
        removed: Option<PodId>,
        /// The position the new pod has.
        inserted: Option<PodId>,
    },
    /// Only left-out pods changed: no decision changes.
    LeftOut,
    /// Namespaces, policies, cluster policies or nodes changed.
    Other,
}

impl Cluster {
    /// Applies `change` (objects validated alone, as [`Cluster::from_yaml_str`] gives them).
    /// `ip_owner` names the pod (of this cluster, before the change) that has an address, as an
    /// index of pods by IP answers it; a pod whose IP another pod has is refused, as validation
    /// refuses it.
    ///
    /// Errors name the object: a deletion of an object the cluster does not hold, a pod whose
    /// IP another pod has. The cluster is then unchanged.
    pub fn apply(&mut self, change: Change, ip_owner: &dyn Fn(IpAddr) -> Option<PodId>) -> Result<Effect, Diagnostic> {
        let object = change.object_ref();
        match change {
            Change::Upsert(Object::Namespace(ns)) => Ok(self.upsert_namespace(ns)),
            Change::Upsert(Object::Pod(pod)) => self.upsert_pod(pod, ip_owner, &object),
            Change::Upsert(Object::LeftOutPod(pod)) => Ok(self.upsert_left_out(pod)),
            Change::Upsert(Object::Policy(policy)) => Ok(self.upsert_policy(policy)),
            Change::Upsert(Object::ClusterPolicy(policy)) => Ok(self.upsert_cluster_policy(policy)),
            Change::Upsert(Object::Node(node)) => Ok(self.upsert_node(node)),
            Change::Delete(_) => self.delete(&object).ok_or_else(|| {
                Diagnostic::new(
                    Some(object),
                    "",
                    "deleted, but not held: nothing to delete (an earlier event was missed)",
                )
            }),
        }
    }

    fn pod_position(&self, namespace: &str, name: &str) -> Result<usize, usize> {
        self.pods.binary_search_by(|p| (p.namespace.as_str(), p.name.as_str()).cmp(&(namespace, name)))
    }

    fn left_out_position(&self, namespace: &str, name: &str) -> Result<usize, usize> {
        self.left_out.binary_search_by(|p| (p.namespace.as_str(), p.name.as_str()).cmp(&(namespace, name)))
    }

    fn policy_position(&self, namespace: &str, name: &str) -> Result<usize, usize> {
        self.policies.binary_search_by(|p| (p.namespace.as_str(), p.name.as_str()).cmp(&(namespace, name)))
    }

    /// Points every pod at its namespace again, after namespaces came or went.
    fn renumber_namespaces(&mut self) {
        let namespaces = &self.namespaces;
        for pod in &mut self.pods {
            let i = namespaces.binary_search_by(|n| n.name.as_str().cmp(&pod.namespace));
            pod.namespace_id = NamespaceId(i.expect("a pod's namespace is held") as u32);
        }
    }

    /// S8: assumes namespace `name` when none is held; whether it did.
    fn ensure_namespace(&mut self, name: &str) -> bool {
        match self.namespaces.binary_search_by(|n| n.name.as_str().cmp(name)) {
            Ok(_) => false,
            Err(at) => {
                self.namespaces.insert(at, Namespace::assumed(name));
                self.assumed.insert(name.into());
                self.renumber_namespaces();
                true
            }
        }
    }

    /// Whether a pod or policy names namespace `name`.
    fn namespace_named(&self, name: &str) -> bool {
        let first_pod = self.pods.partition_point(|p| p.namespace.as_str() < name);
        let first_policy = self.policies.partition_point(|p| p.namespace.as_str() < name);
        self.pods.get(first_pod).is_some_and(|p| p.namespace == name)
            || self.policies.get(first_policy).is_some_and(|p| p.namespace == name)
    }

    /// S8: drops namespace `name` when it was assumed and nothing names it any more; whether it
    /// did.
    fn forget_namespace(&mut self, name: &str) -> bool {
        if !self.assumed.contains(name) || self.namespace_named(name) {
            return false;
        }
        self.assumed.remove(name);
        if let Ok(at) = self.namespaces.binary_search_by(|n| n.name.as_str().cmp(name)) {
            self.namespaces.remove(at);
            self.renumber_namespaces();
        }
        true
    }

    fn upsert_namespace(&mut self, ns: Namespace) -> Effect {
        match self.namespaces.binary_search_by(|n| n.name.cmp(&ns.name)) {
            Ok(at) => {
                let was_assumed = self.assumed.remove(&ns.name);
                if !was_assumed && self.namespaces[at] == ns {
                    return Effect::Unchanged;
                }
                self.namespaces[at] = ns;
            }
            Err(at) => {
                self.namespaces.insert(at, ns);
                self.renumber_namespaces();
            }
        }
        Effect::Other
    }

    fn upsert_pod(
        &mut self,
        mut pod: Pod,
        ip_owner: &dyn Fn(IpAddr) -> Option<PodId>,
        object: &ObjectRef,
    ) -> Result<Effect, Diagnostic> {
        for &ip in &pod.ips {
            if let Some(other) = ip_owner(ip) {
                let other = &self.pods[other.index()];
                if (&other.namespace, &other.name) != (&pod.namespace, &pod.name) {
                    let message =
                        format!("IP {ip} is also the IP of pod {}; pod IPs must be unique", other.qualified_name());
                    return Err(Diagnostic::new(Some(object.clone()), "status.podIPs", message));
                }
            }
        }
        let new_namespace = self.ensure_namespace(&pod.namespace);
        pod.namespace_id = self.namespace_id(&pod.namespace).expect("just ensured");
        if let Ok(at) = self.left_out_position(&pod.namespace, &pod.name) {
            self.left_out.remove(at);
        }
        let effect = match self.pod_position(&pod.namespace, &pod.name) {
            Ok(at) if self.pods[at] == pod => return Ok(Effect::Unchanged),
            Ok(at) => {
                self.pods[at] = pod;
                Effect::Pod { removed: Some(PodId(at as u32)), inserted: Some(PodId(at as u32)) }
            }
            Err(at) => {
                self.pods.insert(at, pod);
                Effect::Pod { removed: None, inserted: Some(PodId(at as u32)) }
            }
        };
        Ok(if new_namespace { Effect::Other } else { effect })
    }

    fn upsert_left_out(&mut self, pod: LeftOutPod) -> Effect {
        let removed = self.pod_position(&pod.namespace, &pod.name).ok().map(|at| {
            self.pods.remove(at);
            PodId(at as u32)
        });
        let namespace = pod.namespace.clone();
        match self.left_out_position(&pod.namespace, &pod.name) {
            Ok(at) if removed.is_none() && self.left_out[at] == pod => return Effect::Unchanged,
            Ok(at) => self.left_out[at] = pod,
            Err(at) => self.left_out.insert(at, pod),
        }
        match removed {
            _ if self.forget_namespace(&namespace) => Effect::Other,
            Some(_) => Effect::Pod { removed, inserted: None },
            None => Effect::LeftOut,
        }
    }

    fn upsert_policy(&mut self, mut policy: NetworkPolicy) -> Effect {
        self.ensure_namespace(&policy.namespace);
        match self.policy_position(&policy.namespace, &policy.name) {
            Ok(at) if self.policies[at] == policy => return Effect::Unchanged,
            Ok(at) => core::mem::swap(&mut self.policies[at], &mut policy),
            Err(at) => self.policies.insert(at, policy),
        }
        Effect::Other
    }

    fn upsert_cluster_policy(&mut self, policy: ClusterPolicy) -> Effect {
        let at = self.cluster_policies.iter().position(|p| p.kind == policy.kind && p.name == policy.name);
        if let Some(at) = at {
            if self.cluster_policies[at] == policy {
                return Effect::Unchanged;
            }
            self.cluster_policies.remove(at);
        }
        let key = |p: &ClusterPolicy| (p.tier, p.priority, p.name.clone());
        let at = self.cluster_policies.partition_point(|p| key(p) <= key(&policy));
        self.cluster_policies.insert(at, policy);
        Effect::Other
    }

    fn upsert_node(&mut self, node: Node) -> Effect {
        match self.nodes.binary_search_by(|n| n.name.cmp(&node.name)) {
            Ok(at) if self.nodes[at] == node => return Effect::Unchanged,
            Ok(at) => self.nodes[at] = node,
            Err(at) => self.nodes.insert(at, node),
        }
        Effect::Other
    }

    /// Deletes the object `object` names; `None` when the cluster does not hold it.
    fn delete(&mut self, object: &ObjectRef) -> Option<Effect> {
        let name = object.name();
        let namespace = object.namespace().unwrap_or_default();
        let effect = match object.kind() {
            ObjectKind::Namespace => {
                let at = self.namespaces.binary_search_by(|n| n.name.as_str().cmp(name)).ok()?;
                if self.assumed.contains(name) {
                    return None; // Never given.
                }
                if self.namespace_named(name) {
                    // S8: still named by pods or policies: assumed from now on.
                    self.namespaces[at] = Namespace::assumed(name);
                    self.assumed.insert(name.into());
                } else {
                    self.namespaces.remove(at);
                    self.renumber_namespaces();
                }
                Effect::Other
            }
            ObjectKind::Pod => match self.pod_position(namespace, name) {
                Ok(at) => {
                    self.pods.remove(at);
                    Effect::Pod { removed: Some(PodId(at as u32)), inserted: None }
                }
                Err(_) => {
                    let at = self.left_out_position(namespace, name).ok()?;
                    self.left_out.remove(at);
                    Effect::LeftOut
                }
            },
            ObjectKind::NetworkPolicy => {
                let at = self.policy_position(namespace, name).ok()?;
                self.policies.remove(at);
                Effect::Other
            }
            ObjectKind::Node => {
                let at = self.nodes.binary_search_by(|n| n.name.as_str().cmp(name)).ok()?;
                self.nodes.remove(at);
                Effect::Other
            }
            kind => {
                let at = self.cluster_policies.iter().position(|p| p.kind.object_kind() == kind && p.name == name)?;
                self.cluster_policies.remove(at);
                Effect::Other
            }
        };
        let namespaced = matches!(object.kind(), ObjectKind::Pod | ObjectKind::NetworkPolicy);
        Some(if namespaced && self.forget_namespace(namespace) { Effect::Other } else { effect })
    }
}
