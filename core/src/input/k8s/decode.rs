//! Typed decode: YAML or JSON straight into the fields netpol reads, nothing else built.
//!
//! A document is decoded by [`Node`]'s visitor as the parser reads it: a `List`'s items one by
//! one, each object's `metadata`, `spec` and `status` into small structs of the fields that
//! policies use. Every other subtree (`managedFields`, annotations, container images, volumes,
//! status conditions) is skipped by the parser without being built.
//!
//! Skipped fields are still checked, as `kubectl apply --validate=strict` does: each key skipped
//! inside an object netpol reads is looked up in the schema of its place, the field lists of
//! the k8s-openapi types (`known_fields`). A key the schema does not know is an *unknown field*
//! (a typo such as `form:` for `from:` would otherwise widen a policy), kept on the object with
//! a suggestion for the loader to report. Duplicate keys in the fields read are errors.
//!
//! The same decode runs on already-parsed values ([`Node::from_value`]): the loader falls back
//! to it when the streaming decode of an input fails, to name every problem with its object and
//! field path.

use std::borrow::Cow;
use std::boxed::Box;
use std::cell::Cell;
use std::fmt;
use std::format;
use std::marker::PhantomData;
use std::string::{String, ToString};
use std::vec::Vec;

use k8s_openapi::api::apps::v1 as apps_v1;
use k8s_openapi::api::batch::v1 as batch_v1;
use k8s_openapi::api::core::v1 as core_v1;
use k8s_openapi::api::networking::v1 as net_v1;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta_v1;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use smallvec::SmallVec;

use crate::spec::Labels;
use crate::ObjectRef;

/// What a document, or an item of a List, holds.
#[derive(Debug)]
pub(super) enum Node {
    /// An empty document (`null`, or nothing between `---` lines).
    Empty,
    /// A scalar or a nested array where an object belongs.
    NotAnObject,
    /// A top-level JSON array: each entry counts as a document.
    Array(Vec<Node>),
    /// A `*List` object with `items`.
    List(Vec<Node>),
    /// An object without `kind`: not a Kubernetes object. Nothing of it is kept, so that a
    /// flood of `{}` costs a few bytes each until the load refuses it.
    Kindless,
    /// An object of a kind netpol does not read (ConfigMap, Service, …): only its kind is
    /// kept, to be counted.
    Skipped(String),
    /// An object of a kind netpol reads, decoded; or, when decoded from a value, the problem
    /// that stopped it.
    Object(Result<Box<Decoded>, Box<Problem>>),
}

/// A problem with one object met while decoding it from a value: a field path in the object
/// (empty for the object itself) and what is wrong.
#[derive(Debug)]
pub(super) struct Problem {
    /// The object, as far as its value names it.
    pub object: Option<ObjectRef>,
    /// The field path, such as `spec.ingress[0].ports[0].port`.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// One object, reduced to what netpol reads of it.
#[derive(Debug, Default)]
pub(super) struct Decoded {
    /// `kind`; `None` when absent (not a Kubernetes object).
    pub kind: Option<String>,
    /// `apiVersion`.
    pub api_version: Option<String>,
    /// `metadata`.
    pub meta: Meta,
    /// `spec` and `status`, by kind.
    pub body: Body,
    /// Fields the schema does not know, with their paths, such as `spec.ingress[0].form`.
    pub unknown: Vec<UnknownField>,
}

/// A field the schema does not know at its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct UnknownField {
    /// Its path in the object, such as `spec.ingress[0].form`.
    pub path: String,
    /// The known field it most resembles, if one is close.
    pub suggestion: Option<&'static str>,
}

/// `spec` and `status` of the kinds netpol reads.
#[derive(Debug, Default)]
pub(super) enum Body {
    /// A kind not read, or a Namespace (whose spec and status say nothing to policies).
    #[default]
    Nothing,
    /// A Pod.
    Pod { spec: Option<PodSpec>, status: Option<PodStatus> },
    /// A NetworkPolicy.
    Policy { spec: Option<PolicySpec> },
    /// A ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy.
    ClusterPolicy { spec: Option<super::admin::AdminSpec> },
    /// A Node.
    Node { status: Option<super::admin::NodeStatus> },
    /// A workload (Deployment and the like), its spec kept as a value: workloads are few, and
    /// `kubectl get pods` dumps carry none.
    Workload { spec: Option<Value> },
}

/// The parts of `metadata` netpol reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Meta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    #[serde(default, deserialize_with = "unique_map")]
    pub labels: Option<Labels>,
    pub owner_references: Option<Vec<OwnerReference>>,
}

/// The parts of an owner reference netpol reads.
#[derive(Debug, Default, Deserialize)]
pub(super) struct OwnerReference {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    pub controller: Option<bool>,
}

/// The parts of a pod's `spec` netpol reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PodSpec {
    #[serde(default)]
    pub containers: Vec<Container>,
    pub init_containers: Option<Vec<Container>>,
    pub host_network: Option<bool>,
}

/// The parts of a container netpol reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Container {
    pub ports: Option<Vec<ContainerPort>>,
    pub restart_policy: Option<String>,
}

/// The parts of a container port netpol reads.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ContainerPort {
    pub name: Option<String>,
    #[serde(default)]
    pub container_port: i32,
    pub protocol: Option<String>,
}

/// A `status.podIPs` entry.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PodIp {
    #[serde(default)]
    pub ip: String,
}

/// The parts of a pod's `status` netpol reads.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PodStatus {
    pub phase: Option<String>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
    #[serde(rename = "podIPs")]
    pub pod_ips: Option<Vec<PodIp>>,
}

/// A NetworkPolicy's `spec`: every field (all of it matters).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PolicySpec {
    pub pod_selector: Option<Selector>,
    pub policy_types: Option<Vec<String>>,
    pub ingress: Option<Vec<IngressRule>>,
    pub egress: Option<Vec<EgressRule>>,
}

/// `spec.ingress[i]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct IngressRule {
    pub from: Option<Vec<Peer>>,
    pub ports: Option<Vec<Port>>,
}

/// `spec.egress[i]`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct EgressRule {
    pub to: Option<Vec<Peer>>,
    pub ports: Option<Vec<Port>>,
}

/// A `from`/`to` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Peer {
    pub pod_selector: Option<Selector>,
    pub namespace_selector: Option<Selector>,
    pub ip_block: Option<IpBlock>,
}

/// A label selector.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Selector {
    #[serde(default, deserialize_with = "unique_map")]
    pub match_labels: Option<Labels>,
    pub match_expressions: Option<Vec<Requirement>>,
}

/// A `matchExpressions` entry.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Requirement {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub operator: String,
    pub values: Option<Vec<String>>,
}

/// An `ipBlock`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct IpBlock {
    #[serde(default)]
    pub cidr: String,
    pub except: Option<Vec<String>>,
}

/// A `ports` entry of a rule.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Port {
    pub protocol: Option<String>,
    pub port: Option<IntOrString>,
    pub end_port: Option<i32>,
}

/// Deserializes an optional string map, refusing a key given twice (JSON would keep the last
/// silently; YAML parsers refuse it).
fn unique_map<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Labels>, D::Error> {
    struct Optional;
    impl<'de> Visitor<'de> for Optional {
        type Value = Option<Labels>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map of strings")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Labels::new();
            while let Some((key, value)) = map.next_entry::<String, String>()? {
                if out.contains_key(&key) {
                    return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
                }
                out.insert(key, value);
            }
            Ok(Some(out))
        }
    }
    deserializer.deserialize_option(Optional)
}

/// Whether objects of `kind` are read (the others are counted and skipped).
pub(super) fn is_read(kind: &str) -> bool {
    matches!(kind, "Namespace" | "Pod" | "NetworkPolicy" | "Node")
        || super::workloads::KINDS.contains(&kind)
        || super::admin::is_cluster_policy(kind)
}

// ---------------------------------------------------------------------------------------------
// The schema: what k8s-openapi knows at each place netpol reads.

/// The field names a k8s-openapi type's deserializer knows (what it passes to
/// `deserialize_struct`).
pub(super) fn fields_of<T: for<'de> Deserialize<'de>>() -> &'static [&'static str] {
    struct Capture<'a>(&'a Cell<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for Capture<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            self.0.set(fields);
            Err(de::Error::custom("captured"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
            unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }
    let fields = Cell::new(&[][..]);
    let _ = T::deserialize(Capture(&fields));
    fields.get()
}

/// The fields known at `parent` (keys from the object's root, indices left out) in an object
/// of `kind`; `None` where netpol reads every field itself, so any skipped key is unknown.
fn known_fields(kind: &str, parent: &[&str]) -> Option<&'static [&'static str]> {
    Some(match parent {
        [] => match kind {
            "Namespace" => fields_of::<core_v1::Namespace>(),
            "Pod" => fields_of::<core_v1::Pod>(),
            "NetworkPolicy" => fields_of::<net_v1::NetworkPolicy>(),
            "Node" => fields_of::<core_v1::Node>(),
            k if super::admin::is_cluster_policy(k) => super::admin::TOP_FIELDS,
            _ => &[],
        },
        ["metadata"] => fields_of::<meta_v1::ObjectMeta>(),
        ["metadata", "ownerReferences"] => fields_of::<meta_v1::OwnerReference>(),
        ["spec"] if kind == "Pod" => fields_of::<core_v1::PodSpec>(),
        ["spec", "containers" | "initContainers"] if kind == "Pod" => fields_of::<core_v1::Container>(),
        ["spec", "containers" | "initContainers", "ports"] if kind == "Pod" => fields_of::<core_v1::ContainerPort>(),
        ["status", "podIPs"] if kind == "Pod" => fields_of::<core_v1::PodIP>(),
        ["status"] if kind == "Pod" => fields_of::<core_v1::PodStatus>(),
        ["status"] if kind == "Node" => fields_of::<core_v1::NodeStatus>(),
        ["status", "addresses"] if kind == "Node" => fields_of::<core_v1::NodeAddress>(),
        _ => return None,
    })
}

/// The fields of the types netpol reads whole, at `parent` in an object of `kind`: every key
/// skipped there is unknown, and these are the candidates for a suggestion.
fn fields_read_whole(kind: &str, parent: &[&str]) -> &'static [&'static str] {
    match (kind, parent) {
        (_, [.., "podSelector" | "namespaceSelector" | "selector"]) => fields_of::<meta_v1::LabelSelector>(),
        (_, [.., "matchExpressions"]) => fields_of::<meta_v1::LabelSelectorRequirement>(),
        ("NetworkPolicy", ["spec"]) => fields_of::<net_v1::NetworkPolicySpec>(),
        ("NetworkPolicy", ["spec", "ingress"]) => fields_of::<net_v1::NetworkPolicyIngressRule>(),
        ("NetworkPolicy", ["spec", "egress"]) => fields_of::<net_v1::NetworkPolicyEgressRule>(),
        ("NetworkPolicy", ["spec", _, "from" | "to"]) => fields_of::<net_v1::NetworkPolicyPeer>(),
        ("NetworkPolicy", ["spec", _, "ports"]) => fields_of::<net_v1::NetworkPolicyPort>(),
        ("NetworkPolicy", [.., "ipBlock"]) => fields_of::<net_v1::IPBlock>(),
        (k, parent) if super::admin::is_cluster_policy(k) => super::admin::fields_at(parent),
        _ => &[],
    }
}

/// The fields known in a workload's `spec` and its pod template, for [`super::workloads`].
pub(super) fn known_workload_fields(kind: &str, parent: &[&str]) -> Option<&'static [&'static str]> {
    let spec = match kind {
        "Deployment" => fields_of::<apps_v1::DeploymentSpec>(),
        "StatefulSet" => fields_of::<apps_v1::StatefulSetSpec>(),
        "DaemonSet" => fields_of::<apps_v1::DaemonSetSpec>(),
        "ReplicaSet" => fields_of::<apps_v1::ReplicaSetSpec>(),
        "Job" => fields_of::<batch_v1::JobSpec>(),
        "CronJob" => fields_of::<batch_v1::CronJobSpec>(),
        _ => return None,
    };
    Some(match parent {
        ["spec"] => spec,
        ["spec", "jobTemplate"] => fields_of::<batch_v1::JobTemplateSpec>(),
        ["spec", "jobTemplate", "spec"] => fields_of::<batch_v1::JobSpec>(),
        [.., "template"] => fields_of::<core_v1::PodTemplateSpec>(),
        [.., "template", "metadata"] => fields_of::<meta_v1::ObjectMeta>(),
        [.., "template", "spec"] => fields_of::<core_v1::PodSpec>(),
        [.., "template", "spec", "containers" | "initContainers"] => fields_of::<core_v1::Container>(),
        [.., "template", "spec", "containers" | "initContainers", "ports"] => fields_of::<core_v1::ContainerPort>(),
        [.., "template", "metadata", "ownerReferences"] => fields_of::<meta_v1::OwnerReference>(),
        _ => return None,
    })
}

/// The known field closest to `key`, when it is close enough to be a typo of it.
fn closest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    known
        .iter()
        .map(|k| (strsim::jaro_winkler(&key.to_ascii_lowercase(), &k.to_ascii_lowercase()), *k))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// The keys from `path`'s root to it, indices left out (`["containers", "image"]`).
fn keys<'p>(path: &'p serde_ignored::Path<'p>) -> SmallVec<[&'p str; 8]> {
    let mut keys = SmallVec::new();
    let mut at = path;
    loop {
        match at {
            serde_ignored::Path::Root => break,
            serde_ignored::Path::Map { parent, key } => {
                keys.push(key.as_str());
                at = parent;
            }
            serde_ignored::Path::Seq { parent, .. }
            | serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => at = parent,
        }
    }
    keys.reverse();
    keys
}

/// `path` as written in diagnostics, after `prefix`: `spec.containers[0].image`.
fn path_text(path: &serde_ignored::Path<'_>, prefix: &str) -> String {
    fn write(path: &serde_ignored::Path<'_>, out: &mut String) {
        match path {
            serde_ignored::Path::Root => {}
            serde_ignored::Path::Map { parent, key } => {
                write(parent, out);
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            serde_ignored::Path::Seq { parent, index } => {
                write(parent, out);
                out.push_str(&format!("[{index}]"));
            }
            serde_ignored::Path::Some { parent }
            | serde_ignored::Path::NewtypeStruct { parent }
            | serde_ignored::Path::NewtypeVariant { parent } => write(parent, out),
        }
    }
    let mut out = String::from(prefix);
    write(path, &mut out);
    out
}

/// Decodes `T` from a deserializer, checking every key its decode skips against a schema.
pub(super) struct Checked<'u, T> {
    /// The object's kind, for the schema.
    kind: &'u str,
    /// Keys from the object's root to this value (`["spec"]`), for the schema and the paths.
    at: &'static [&'static str],
    /// The schema: known fields at a parent path (keys from the object's root).
    schema: fn(&str, &[&str]) -> Option<&'static [&'static str]>,
    unknown: &'u mut Vec<UnknownField>,
    value: PhantomData<T>,
}

impl<'u, T> Checked<'u, T> {
    /// Decodes the value at `at` of an object of `kind`, checked against [`known_fields`].
    pub(super) fn new(kind: &'u str, at: &'static [&'static str], unknown: &'u mut Vec<UnknownField>) -> Self {
        Checked { kind, at, schema: known_fields, unknown, value: PhantomData }
    }

    /// Decodes a workload's spec (at `spec`), checked against [`known_workload_fields`].
    pub(super) fn workload_spec(kind: &'u str, unknown: &'u mut Vec<UnknownField>) -> Self {
        Checked { kind, at: &["spec"], schema: known_workload_fields, unknown, value: PhantomData }
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for Checked<'_, T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        let Checked { kind, at, schema, unknown, .. } = self;
        let mut skipped = |path: serde_ignored::Path<'_>| {
            let keys = keys(&path);
            let Some((key, parent)) = keys.split_last() else { return };
            let mut full: SmallVec<[&str; 12]> = at.iter().copied().collect();
            full.extend(parent.iter().copied());
            let known = schema(kind, &full);
            if known.is_some_and(|known| known.contains(key)) {
                return;
            }
            let suggestion = closest(key, known.unwrap_or_else(|| fields_read_whole(kind, &full)));
            unknown.push(UnknownField { path: path_text(&path, &at.join(".")), suggestion });
        };
        T::deserialize(serde_ignored::Deserializer::new(deserializer, &mut skipped))
    }
}

// ---------------------------------------------------------------------------------------------
// Documents and objects.

std::thread_local! {
    /// How many more documents, List items and array entries the decode on this thread may
    /// make: see [`with_node_budget`].
    static NODES_LEFT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The message of the decode error that ends a decode over its node budget.
pub(super) const OVER_NODE_BUDGET: &str = "netpol: over the node budget";

/// Runs `decode` allowing it at most `budget` [`Node`]s (documents, List items and array
/// entries, empty or not): a flood of tiny values (`{}{}{}…`, `---` after `---`) ends with an
/// error whose message is [`OVER_NODE_BUDGET`] instead of filling memory.
pub(super) fn with_node_budget<R>(budget: usize, decode: impl FnOnce() -> R) -> R {
    NODES_LEFT.with(|left| left.set(budget));
    let result = decode();
    NODES_LEFT.with(|left| left.set(usize::MAX));
    result
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        let spent = NODES_LEFT.with(|left| {
            let n = left.get();
            left.set(n.saturating_sub(1));
            n == 0
        });
        if spent {
            return Err(de::Error::custom(OVER_NODE_BUDGET));
        }
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes object")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Empty)
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Empty)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::NotAnObject)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::NotAnObject)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::NotAnObject)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::NotAnObject)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
        Ok(Node::NotAnObject)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut object = Decoded::default();
        let mut items: Option<Vec<Node>> = None;
        // `spec` or `status` met before `kind` (hand-written input): kept, decoded at the end.
        let mut pending: Vec<(Part, Value)> = Vec::new();
        let mut meta_seen = false;
        let mut top_skipped: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "kind" => set_once(&mut object.kind, map.next_value()?, "kind")?,
                "apiVersion" => set_once(&mut object.api_version, map.next_value()?, "apiVersion")?,
                "metadata" => {
                    if std::mem::replace(&mut meta_seen, true) {
                        return Err(de::Error::duplicate_field("metadata"));
                    }
                    let kind = object.kind.clone().unwrap_or_default();
                    if !kind.is_empty() && !is_read(&kind) {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    let meta: Option<Meta> =
                        map.next_value_seed(Checked::new(&kind, &["metadata"], &mut object.unknown))?;
                    object.meta = meta.unwrap_or_default();
                }
                "items" if object.kind.as_deref().is_none_or(|k| k.ends_with("List")) => {
                    if items.is_some() {
                        return Err(de::Error::duplicate_field("items"));
                    }
                    items = Some(map.next_value::<Option<Vec<Node>>>()?.unwrap_or_default());
                }
                "spec" | "status" => {
                    let part = if &*key == "spec" { Part::Spec } else { Part::Status };
                    match object.kind.clone() {
                        Some(kind) => {
                            map.next_value_seed(PartSeed { kind: &kind, part, object: &mut object })?;
                        }
                        None => pending.push((part, map.next_value::<UniqueKeys>()?.0)),
                    }
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    top_skipped.push(key.into_owned());
                }
            }
        }
        if let (Some(items), true) = (items, object.kind.as_deref().is_none_or(|k| k.ends_with("List"))) {
            if object.kind.is_some() {
                return Ok(Node::List(items));
            }
        }
        let kind = match kept_kind(object.kind.clone()) {
            Ok(kind) => kind,
            Err(node) => return Ok(node),
        };
        for (part, value) in pending {
            PartSeed { kind: &kind, part, object: &mut object }.deserialize(value).map_err(de::Error::custom)?;
        }
        object.check_top(&kind, top_skipped);
        Ok(Node::Object(Ok(Box::new(object))))
    }
}

/// Sets a top-level field, refusing it twice.
fn set_once<E: de::Error>(slot: &mut Option<String>, value: Option<String>, name: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = value;
    Ok(())
}

/// `spec` or `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Part {
    Spec,
    Status,
}

/// Decodes `spec` or `status` of an object of a known kind into its [`Body`].
struct PartSeed<'o> {
    kind: &'o str,
    part: Part,
    object: &'o mut Decoded,
}

impl<'de> DeserializeSeed<'de> for PartSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let PartSeed { kind, part, object } = self;
        let unknown = &mut object.unknown;
        let twice = || de::Error::duplicate_field(if part == Part::Spec { "spec" } else { "status" });
        match (kind, part) {
            ("Pod", _) => {
                if !matches!(object.body, Body::Pod { .. }) {
                    object.body = Body::Pod { spec: None, status: None };
                }
                let Body::Pod { spec, status } = &mut object.body else {
                    return Err(de::Error::custom("internal error: a Pod without a pod body"));
                };
                match part {
                    Part::Spec if spec.is_some() => return Err(twice()),
                    Part::Status if status.is_some() => return Err(twice()),
                    Part::Spec => {
                        *spec = Some(
                            Checked::<Option<PodSpec>>::new(kind, &["spec"], unknown)
                                .deserialize(d)?
                                .unwrap_or_default(),
                        )
                    }
                    Part::Status => {
                        *status = Some(
                            Checked::<Option<PodStatus>>::new(kind, &["status"], unknown)
                                .deserialize(d)?
                                .unwrap_or_default(),
                        )
                    }
                }
            }
            ("NetworkPolicy", Part::Spec) => {
                if matches!(object.body, Body::Policy { .. }) {
                    return Err(twice());
                }
                let spec = Checked::<Option<PolicySpec>>::new(kind, &["spec"], unknown).deserialize(d)?;
                object.body = Body::Policy { spec };
            }
            (k, Part::Spec) if super::admin::is_cluster_policy(k) => {
                if matches!(object.body, Body::ClusterPolicy { .. }) {
                    return Err(twice());
                }
                let spec = Checked::<Option<super::admin::AdminSpec>>::new(kind, &["spec"], unknown).deserialize(d)?;
                object.body = Body::ClusterPolicy { spec };
            }
            ("Node", Part::Status) => {
                if matches!(object.body, Body::Node { .. }) {
                    return Err(twice());
                }
                let status =
                    Checked::<Option<super::admin::NodeStatus>>::new(kind, &["status"], unknown).deserialize(d)?;
                object.body = Body::Node { status };
            }
            (k, Part::Spec) if super::workloads::KINDS.contains(&k) => {
                if matches!(object.body, Body::Workload { .. }) {
                    return Err(twice());
                }
                // Buffered with duplicate keys refused, whatever the parser does with them.
                let spec = Option::<UniqueKeys>::deserialize(d)?.map(|UniqueKeys(v)| v);
                object.body = Body::Workload { spec };
            }
            _ => {
                IgnoredAny::deserialize(d)?;
            }
        }
        Ok(())
    }
}

impl Decoded {
    /// Records the top-level keys skipped that the kind's schema does not know.
    fn check_top(&mut self, kind: &str, skipped: Vec<String>) {
        let Some(known) = known_fields(kind, &[]).filter(|k| !k.is_empty()) else { return };
        for key in skipped {
            if !known.contains(&key.as_str()) {
                let suggestion = closest(&key, known);
                self.unknown.push(UnknownField { path: key, suggestion });
            }
        }
    }
}

/// The kind of an object netpol reads, or the small node standing for one it does not:
/// [`Node::Kindless`] without a kind, [`Node::Skipped`] for another kind. Both decode paths
/// go through here, so that [`Node::Object`] only ever holds an object of a kind read.
fn kept_kind(kind: Option<String>) -> Result<String, Node> {
    match kind {
        None => Err(Node::Kindless),
        Some(kind) if !is_read(&kind) => Err(Node::Skipped(kind)),
        Some(kind) => Ok(kind),
    }
}

impl Node {
    /// Decodes an already-parsed value (a document of the fallback parse, or an object a
    /// caller passed): each object on its own, a problem naming its field path.
    pub(super) fn from_value(value: Value) -> Node {
        match value {
            Value::Null => Node::Empty,
            Value::Array(items) => Node::Array(items.into_iter().map(Node::from_value).collect()),
            Value::Object(mut map) => {
                let kind = map.get("kind").and_then(Value::as_str).map(String::from);
                if kind.as_deref().is_some_and(|k| k.ends_with("List")) {
                    match map.remove("items") {
                        Some(Value::Array(items)) => {
                            return Node::List(items.into_iter().map(Node::from_value).collect())
                        }
                        Some(other) => {
                            map.insert("items".to_string(), other);
                        }
                        None => {}
                    }
                }
                match kept_kind(kind) {
                    Ok(kind) => Node::Object(decode_object(map, kind).map_err(Box::new)),
                    Err(node) => node,
                }
            }
            _ => Node::NotAnObject,
        }
    }
}

/// One object of a kind netpol reads from its parsed value, with the path of the first problem.
fn decode_object(map: serde_json::Map<String, Value>, kind: String) -> Result<Box<Decoded>, Problem> {
    let mut object = Decoded { kind: Some(kind.clone()), ..Decoded::default() };
    let reference = claimed_ref(&kind, &map);
    let wrong = |key: &str, e: serde_path_to_error::Error<serde_json::Error>| {
        let inner = e.path().to_string();
        let field = if inner == "." { key.to_string() } else { format!("{key}.{inner}") };
        let what = if super::workloads::KINDS.contains(&kind.as_str()) { format!(" in {kind}") } else { String::new() };
        Problem {
            object: Some(reference.clone()),
            field,
            message: format!("wrong type or value{what}: {}", e.into_inner()),
        }
    };
    let mut top_skipped = Vec::new();
    for (key, value) in map {
        match key.as_str() {
            "kind" => {}
            "apiVersion" => {
                object.api_version = Some(String::deserialize(value).map_err(|e| Problem {
                    object: Some(reference.clone()),
                    field: key.clone(),
                    message: format!("wrong type or value: {e}"),
                })?)
            }
            "metadata" => {
                let mut track = serde_path_to_error::Track::new();
                let seed = Checked::<Option<Meta>>::new(&kind, &["metadata"], &mut object.unknown);
                let meta = seed
                    .deserialize(serde_path_to_error::Deserializer::new(value, &mut track))
                    .map_err(|e| wrong(&key, serde_path_to_error::Error::new(track.path(), e)))?;
                object.meta = meta.unwrap_or_default();
            }
            "spec" | "status" => {
                let part = if key == "spec" { Part::Spec } else { Part::Status };
                let mut track = serde_path_to_error::Track::new();
                PartSeed { kind: &kind, part, object: &mut object }
                    .deserialize(serde_path_to_error::Deserializer::new(value, &mut track))
                    .map_err(|e| wrong(&key, serde_path_to_error::Error::new(track.path(), e)))?;
            }
            _ => top_skipped.push(key),
        }
    }
    object.check_top(&kind, top_skipped);
    Ok(Box::new(object))
}

/// The object a value claims to be, for a problem met before its metadata is read.
fn claimed_ref(kind: &str, map: &serde_json::Map<String, Value>) -> ObjectRef {
    let meta = map.get("metadata");
    let field = |name: &str| meta.and_then(|m| m.get(name)).and_then(Value::as_str).map(String::from);
    let meta = Meta { name: field("name"), namespace: field("namespace"), ..Meta::default() };
    super::convert::reference(kind, &meta)
}

// ---------------------------------------------------------------------------------------------
// JSON without duplicate keys, for the fallback parse.

/// A JSON value parsed with every object's keys checked for duplicates (serde_json keeps the
/// last silently; the API server's strict decoding refuses them, and so do YAML parsers).
pub(super) struct UniqueKeys(pub Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<UniqueKeys, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let UniqueKeys(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k8s_openapi_gives_its_field_lists() {
        assert!(fields_of::<net_v1::NetworkPolicyIngressRule>().contains(&"from"));
        assert!(fields_of::<core_v1::PodSpec>().contains(&"volumes"));
        assert!(fields_of::<meta_v1::ObjectMeta>().contains(&"managedFields"));
    }

    #[test]
    fn typos_get_the_closest_known_field() {
        assert_eq!(closest("form", &["from", "ports"]), Some("from"));
        assert_eq!(closest("exept", &["cidr", "except"]), Some("except"));
        assert_eq!(closest("zzz", &["cidr", "except"]), None);
    }

    fn decode(json: &str) -> Decoded {
        match serde_json::from_str::<Node>(json).unwrap() {
            Node::Object(Ok(object)) => *object,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn skipped_fields_are_checked_against_the_schema() {
        let pod = decode(
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "managedFields": [{"x": 1}], "labelz": {}},
                "spec": {"volumes": [], "containers": [{"image": "i", "imagee": "j", "ports": [{"containerPort": 80, "nmae": "http"}]}]},
                "status": {"conditions": [], "podIP": "10.0.0.1"}, "sepc": {}}"#,
        );
        let unknown: Vec<_> = pod.unknown.iter().map(|u| (u.path.as_str(), u.suggestion)).collect();
        assert_eq!(
            unknown,
            [
                ("metadata.labelz", Some("labels")),
                ("spec.containers[0].imagee", Some("image")),
                ("spec.containers[0].ports[0].nmae", Some("name")),
                ("sepc", Some("spec")),
            ]
        );
    }

    #[test]
    fn every_policy_field_is_read_so_any_other_is_unknown() {
        let policy = decode(
            r#"{"kind": "NetworkPolicy", "spec": {"podSelector": {}, "ingress": [{"form": [{"ipBlock": {"cidr": "0.0.0.0/0", "exept": ["10.0.0.0/8"]}}]}]}}"#,
        );
        let unknown: Vec<_> = policy.unknown.iter().map(|u| (u.path.as_str(), u.suggestion)).collect();
        assert_eq!(unknown, [("spec.ingress[0].form", Some("from"))]);
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let labels = r#"{"kind": "Pod", "metadata": {"labels": {"a": "1", "a": "2"}}}"#;
        assert!(serde_json::from_str::<Node>(labels).unwrap_err().to_string().contains("duplicate key `a`"));
        let field = r#"{"kind": "NetworkPolicy", "spec": {"ingress": [], "ingress": []}}"#;
        assert!(serde_json::from_str::<Node>(field).unwrap_err().to_string().contains("duplicate field"));
        let port =
            r#"{"kind": "Pod", "spec": {"containers": [{"ports": [{"containerPort": 80, "containerPort": 81}]}]}}"#;
        assert!(serde_json::from_str::<Node>(port).unwrap_err().to_string().contains("duplicate field"));
        let any = r#"{"a": {"b": 1, "b": 2}}"#;
        assert!(serde_json::from_str::<UniqueKeys>(any).is_err());
    }

    #[test]
    fn kind_after_spec_is_still_decoded() {
        let pod = decode(r#"{"spec": {"hostNetwork": true}, "kind": "Pod"}"#);
        assert!(matches!(pod.body, Body::Pod { spec: Some(PodSpec { host_network: Some(true), .. }), .. }));
    }
}
