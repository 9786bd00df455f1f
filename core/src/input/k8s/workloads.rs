//! Workloads as input: Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs
//! count as pods, so a repository of manifests can be checked before anything runs.
//!
//! Each workload given without pods of its own becomes one *representative* pod built from its
//! pod template (labels, container ports, `hostNetwork`), named `kind/name` in its namespace
//! (`shop/deployment/api`), without IPs. A real pod belongs to a workload by, in order:
//! 1. its controller `ownerReference`, followed up through the given ReplicaSets and Jobs
//!    (ReplicaSet → Deployment, Job → CronJob), or, without them, through the controllers'
//!    naming (`<deployment>-<pod-template-hash>`, `<cronjob>-<scheduled minute>`);
//! 2. without owner references, the controllers' labels and naming: `pod-template-hash`
//!    (`<deployment>-<hash>-<suffix>`), `statefulset.kubernetes.io/pod-name` (`<set>-<ordinal>`),
//!    `pod-template-generation` (DaemonSet `<set>-<suffix>`), `job-name`;
//! 3. otherwise, a given workload in its namespace whose selector (or, without one, whose
//!    template labels) matches the pod's labels.
//!
//! A workload with real pods gets no representative. Workloads with `spec.replicas: 0` (old
//! ReplicaSets of a live dump) get none either, and a ReplicaSet or Job owned by a given
//! Deployment or CronJob stands for its owner.

use std::boxed::Box;
use std::collections::{BTreeMap, BTreeSet};
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use serde::de::DeserializeSeed;
use serde_json::Value;

use super::decode::{Checked, Meta, OwnerReference, PodSpec, Selector, UnknownField};

use crate::raw::{RawCluster, RawPod};
use crate::spec::{Labels, Workload};
use crate::{Diagnostic, ObjectKind, ObjectRef};

/// The kinds read as workloads.
pub(super) const KINDS: [&str; 6] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];

/// A workload object as given, reduced to what representatives and matching need.
#[derive(Debug)]
pub(super) struct WorkloadObject {
    kind: String,
    namespace: Option<String>,
    name: String,
    owner: Option<Workload>,
    replicas: Option<i32>,
    selector: Option<Selector>,
    /// The pod its template describes, named after the workload.
    template: RawPod,
    template_labels: Labels,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpecParts {
    replicas: Option<i32>,
    selector: Option<Selector>,
    template: Option<TemplateParts>,
    job_template: Option<JobTemplateParts>,
}

#[derive(serde::Deserialize)]
struct JobTemplateParts {
    spec: Option<Box<SpecParts>>,
}

#[derive(serde::Deserialize)]
struct TemplateParts {
    #[serde(default)]
    metadata: Meta,
    spec: Option<PodSpec>,
}

/// A workload object as named in diagnostics: a pod `kind/name` (`deployment/api`), which is
/// what it stands for.
pub(super) fn object_ref(kind: &str, meta: &Meta) -> ObjectRef {
    let shown = format!("{}/{}", kind.to_ascii_lowercase(), meta.name.as_deref().unwrap_or("<unnamed>"));
    ObjectRef::namespaced(ObjectKind::Pod, meta.namespace.as_deref().unwrap_or(crate::raw::DEFAULT_NAMESPACE), &shown)
}

/// The controller among `refs` (or the first one), as a workload.
pub(super) fn controller(refs: Option<&Vec<OwnerReference>>) -> Option<Workload> {
    let refs = refs?;
    let r = refs.iter().find(|r| r.controller == Some(true)).or_else(|| refs.first())?;
    Some(Workload { kind: r.kind.clone(), name: r.name.clone() })
}

/// Reads a workload object of one of [`KINDS`]; `None` when it has no pod template. Fields of
/// its spec and template that the schema does not know are added to `unknown`.
pub(super) fn workload(
    kind: &str,
    meta: Meta,
    spec: Option<Value>,
    origin: &str,
    unknown: &mut Vec<UnknownField>,
) -> Result<Option<WorkloadObject>, Diagnostic> {
    let shown = format!("{}/{}", kind.to_ascii_lowercase(), meta.name.as_deref().unwrap_or("<unnamed>"));
    let namespace = meta.namespace.clone();
    let object = object_ref(kind, &meta);
    let mut spec: Option<SpecParts> = match spec {
        None => None,
        Some(value) => {
            let mut track = serde_path_to_error::Track::new();
            let seed = Checked::<Option<SpecParts>>::workload_spec(kind, unknown);
            seed.deserialize(serde_path_to_error::Deserializer::new(value, &mut track)).map_err(|e| {
                let path = track.path().to_string();
                let field = if path == "." { "spec".to_string() } else { format!("spec.{path}") };
                Diagnostic::new(Some(object.clone()), field, format!("wrong type or value in {kind}: {e}"))
                    .with_origin(Some(origin))
            })?
        }
    };
    let replicas = spec.as_ref().and_then(|s| s.replicas);
    if kind == "CronJob" {
        spec = spec.and_then(|s| s.job_template).and_then(|j| j.spec).map(|b| *b);
    }
    let (selector, template) = match spec {
        Some(s) => (s.selector, s.template),
        None => (None, None),
    };
    let Some(template) = template else {
        return Ok(None); // Counted with the kinds not read.
    };
    let template_labels = template.metadata.labels.clone().unwrap_or_default();
    let template_meta = Meta {
        name: Some(shown),
        namespace: namespace.clone(),
        labels: Some(template_labels.clone()),
        owner_references: None,
    };
    // Read now, so that the template's problems are reported once, naming the workload.
    let template = super::convert::pod(template_meta, template.spec.as_ref(), None, origin)?;
    Ok(Some(WorkloadObject {
        kind: kind.to_string(),
        namespace,
        name: meta.name.unwrap_or_default(),
        owner: controller(meta.owner_references.as_ref()),
        replicas,
        selector,
        template,
        template_labels,
    }))
}

/// Whether `name` is `prefix-<suffix>` with a suffix that `ok` accepts; returns the prefix.
fn strip_suffix(name: &str, ok: impl Fn(&str) -> bool) -> Option<&str> {
    let (prefix, suffix) = name.rsplit_once('-')?;
    (!prefix.is_empty() && ok(suffix)).then_some(prefix)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A CronJob's Job is `<cronjob>-<scheduled time in minutes>` (8 digits or more).
fn cronjob_of_job(job: &str) -> Option<&str> {
    strip_suffix(job, |s| s.len() >= 8 && digits(s))
}

fn w(kind: &str, name: &str) -> Workload {
    Workload { kind: kind.to_string(), name: name.to_string() }
}

/// Whether `selector` (as given, unvalidated) matches `labels`.
fn selector_matches(selector: &Selector, labels: &Labels) -> bool {
    let labels_ok = selector.match_labels.iter().flatten().all(|(k, v)| labels.get(k).is_some_and(|have| have == v));
    let exprs_ok = selector.match_expressions.iter().flatten().all(|e| {
        let values = e.values.as_deref().unwrap_or_default();
        match (e.operator.as_str(), labels.get(&e.key)) {
            ("In", Some(v)) => values.contains(v),
            ("In", None) => false,
            ("NotIn", Some(v)) => !values.contains(v),
            ("NotIn", None) => true,
            ("Exists", v) => v.is_some(),
            ("DoesNotExist", v) => v.is_none(),
            _ => false,
        }
    });
    let empty = selector.match_labels.as_ref().is_none_or(|m| m.is_empty())
        && selector.match_expressions.as_ref().is_none_or(|m| m.is_empty());
    !empty && labels_ok && exprs_ok
}

/// Resolves every pod's workload, then adds a representative pod for each workload without
/// pods. `default_namespace` applies to pods, policies and workloads that name none.
pub(super) fn resolve(raw: &mut RawCluster, objects: Vec<WorkloadObject>, default_namespace: Option<&str>) {
    if let Some(ns) = default_namespace {
        for p in raw.pods.iter_mut().filter(|p| p.namespace.as_deref().is_none_or(str::is_empty)) {
            p.namespace = Some(ns.to_string());
        }
        for p in raw.policies.iter_mut().filter(|p| p.namespace.as_deref().is_none_or(str::is_empty)) {
            p.namespace = Some(ns.to_string());
        }
    }
    let ns_of = |o: &WorkloadObject| {
        o.namespace
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| default_namespace.map(String::from))
            .unwrap_or_else(|| crate::raw::DEFAULT_NAMESPACE.to_string())
    };
    // Owners of the given ReplicaSets and Jobs, by (namespace, kind, name).
    let owners: BTreeMap<(String, String, String), Workload> =
        objects.iter().filter_map(|o| Some(((ns_of(o), o.kind.clone(), o.name.clone()), o.owner.clone()?))).collect();
    let top = |ns: &str, wl: Workload, hash: Option<&str>| -> Workload {
        if let Some(owner) = owners.get(&(ns.to_string(), wl.kind.clone(), wl.name.clone())) {
            return owner.clone();
        }
        match wl.kind.as_str() {
            "ReplicaSet" => match hash.and_then(|h| wl.name.strip_suffix(h)?.strip_suffix('-')) {
                Some(deployment) if !deployment.is_empty() => w("Deployment", deployment),
                _ => wl,
            },
            "Job" => cronjob_of_job(&wl.name).map_or(wl.clone(), |c| w("CronJob", c)),
            _ => wl,
        }
    };

    for pod in raw.pods.iter_mut() {
        let ns = pod.namespace.clone().unwrap_or_else(|| crate::raw::DEFAULT_NAMESPACE.to_string());
        let hash = pod.labels.get("pod-template-hash").map(String::as_str);
        let found = match pod.workload.take() {
            Some(owner) => Some(top(&ns, owner, hash)),
            None => guess(&pod.name, &pod.labels).map(|wl| top(&ns, wl, hash)),
        };
        pod.workload = found.or_else(|| {
            objects
                .iter()
                .filter(|o| o.owner.is_none() && ns_of(o) == ns)
                .find(|o| match &o.selector {
                    Some(s) => selector_matches(s, &pod.labels),
                    None => {
                        !o.template_labels.is_empty()
                            && o.template_labels.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
                    }
                })
                .map(|o| w(&o.kind, &o.name))
        });
    }

    let covered: BTreeSet<(String, Workload)> = raw
        .pods
        .iter()
        .filter_map(|p| {
            Some((p.namespace.clone().unwrap_or_else(|| crate::raw::DEFAULT_NAMESPACE.into()), p.workload.clone()?))
        })
        .collect();
    // One representative per workload; an owned object stands for its owner only when the
    // owner itself is not given.
    let given: BTreeSet<(String, String, String)> =
        objects.iter().map(|o| (ns_of(o), o.kind.clone(), o.name.clone())).collect();
    let mut made: BTreeSet<(String, Workload)> = BTreeSet::new();
    for o in &objects {
        let ns = ns_of(o);
        let wl = match &o.owner {
            Some(owner) if given.contains(&(ns.clone(), owner.kind.clone(), owner.name.clone())) => continue,
            Some(owner) if KINDS.contains(&owner.kind.as_str()) => owner.clone(),
            _ => w(&o.kind, &o.name),
        };
        if o.replicas == Some(0) || covered.contains(&(ns.clone(), wl.clone())) || !made.insert((ns, wl.clone())) {
            continue;
        }
        let mut pod = o.template.clone();
        for port in &mut pod.ports {
            let prefix = if o.kind == "CronJob" { "spec.jobTemplate.spec.template." } else { "spec.template." };
            port.field = format!("{prefix}{}", port.field);
        }
        pod.name = wl.short_name();
        pod.namespace = o.namespace.clone().filter(|n| !n.is_empty()).or_else(|| default_namespace.map(String::from));
        pod.workload = Some(wl);
        pod.representative = true;
        raw.pods.push(pod);
    }
}

/// A pod's workload from the controllers' labels and naming, without owner references.
fn guess(name: &str, labels: &Labels) -> Option<Workload> {
    if let Some(hash) = labels.get("pod-template-hash") {
        let rs = strip_suffix(name, |_| true)?;
        return Some(w("ReplicaSet", rs)).filter(|_| rs.ends_with(&format!("-{hash}")));
    }
    if labels.get("statefulset.kubernetes.io/pod-name").map(String::as_str) == Some(name) {
        return strip_suffix(name, digits).map(|set| w("StatefulSet", set));
    }
    if labels.contains_key("pod-template-generation") && labels.contains_key("controller-revision-hash") {
        return strip_suffix(name, |_| true).map(|set| w("DaemonSet", set));
    }
    let job = labels.get("batch.kubernetes.io/job-name").or_else(|| labels.get("job-name"))?;
    Some(w("Job", job))
}
