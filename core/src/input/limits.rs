//! Limits on what one input may hold, so that memory and time stay bounded for any input.
//!
//! The loader ([`crate::k8s`]) enforces the input-wide ones while it reads (objects, YAML/JSON
//! nesting depth, YAML alias expansion); [`RawCluster::validate_with`] enforces the per-object
//! ones before anything is compiled (labels, selector expressions and their values, rules, peers,
//! ports, ipBlocks, excepts), for every face alike. An object over a limit is a problem like any
//! other the API server would reject: strict mode fails with a message naming the object, the
//! field, the count and the limit; lenient mode skips the object with that message as a warning.
//!
//! The defaults are far above what real clusters hold (the API server itself caps an object at
//! about 1.5 MiB) and low enough that the compiled tables of a cluster at the limits fit in
//! memory. Every limit can be raised or lowered by name ([`Limits::set`]; `--limit NAME=N` on
//! the command line).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::input::raw::skipped_leniently;
use crate::raw::{
    RawAdminRule, RawCluster, RawClusterPolicy, RawNamespace, RawNamespacedPods, RawNode, RawPeer, RawPod, RawPolicy,
    RawRule, RawSelector, Strictness, DEFAULT_NAMESPACE,
};
use crate::{Cluster, Diagnostic, Error, ObjectKind, ObjectRef};

/// Caps on the size of the input; see the [module docs](self). `Limits::default()` holds the
/// documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `objects`: objects in one load (every kind, including the ones netpol skips). Default
    /// 1,000,000.
    pub max_objects: usize,
    /// `depth`: nesting depth of YAML and JSON documents. Default 64, at most
    /// [`Limits::MAX_DEPTH`] (a larger value here counts as that). (JSON is also capped at 128
    /// by the JSON reader.)
    pub max_depth: usize,
    /// `alias-events`: YAML events replayed from aliases (`*anchor`) in one input: what keeps a
    /// "billion laughs" document from expanding. Default 1,000,000.
    pub max_alias_events: usize,
    /// `labels`: labels of one namespace or pod, and `matchLabels` entries of one selector.
    /// Default 256.
    pub max_labels: usize,
    /// `expressions`: `matchExpressions` of one selector. Default 64.
    pub max_expressions: usize,
    /// `values`: `values` of one selector expression. Default 1,024.
    pub max_values: usize,
    /// `rules`: ingress rules, and egress rules, of one policy. Default 1,024.
    pub max_rules: usize,
    /// `peers`: `from`/`to` entries of one rule. Default 1,024.
    pub max_peers: usize,
    /// `ports`: `ports` entries of one rule, and container ports of one pod. Default 1,024.
    pub max_ports: usize,
    /// `ip-blocks`: ipBlock peers of one policy, both directions together. Default 1,024.
    pub max_ip_blocks: usize,
    /// `excepts`: `except` entries of one ipBlock. Default 1,024.
    pub max_excepts: usize,
    /// `tier-rules`: rules of all cluster policies of the admin tiers together (S15; each is
    /// applied per identity and port class at compile time). Default 10,000.
    pub max_tier_rules: usize,
    /// `compile-bytes`: the most the compiled tables of one load may take, in bytes, as the
    /// compiler estimates them before building them ([`Compiler::max_bytes`](crate::Compiler::max_bytes)).
    /// Default 2 GiB ([`Limits::DEFAULT_COMPILE_BYTES`]).
    pub max_compile_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_objects: 1_000_000,
            max_depth: 64,
            max_alias_events: 1_000_000,
            max_labels: 256,
            max_expressions: 64,
            max_values: 1_024,
            max_rules: 1_024,
            max_peers: 1_024,
            max_ports: 1_024,
            max_ip_blocks: 1_024,
            max_excepts: 1_024,
            max_tier_rules: 10_000,
            max_compile_bytes: Limits::DEFAULT_COMPILE_BYTES,
        }
    }
}

impl Limits {
    /// The names [`Limits::set`] accepts, in the order of the fields.
    pub const NAMES: &'static [&'static str] = &[
        "objects",
        "depth",
        "alias-events",
        "labels",
        "expressions",
        "values",
        "rules",
        "peers",
        "ports",
        "ip-blocks",
        "excepts",
        "tier-rules",
        "compile-bytes",
    ];

    /// The default `compile-bytes` limit: 2 GiB.
    pub const DEFAULT_COMPILE_BYTES: usize = 2 << 30;

    /// The most the `depth` limit may be, as the JSON reader's own cap: the decoders recurse
    /// once or twice per level, and at this depth they stay well within a 2 MiB stack (a
    /// spawned thread's; a main thread has 8 MiB), in debug builds too (block YAML overflowed
    /// 2 MiB at about 240 levels in a debug build). [`Limits::set`] refuses more; a larger
    /// `max_depth` counts as this.
    pub const MAX_DEPTH: usize = 128;

    /// No limit at all (every cap `usize::MAX`, nesting [`Limits::MAX_DEPTH`]): for trusted
    /// input only.
    pub fn unlimited() -> Limits {
        Limits {
            max_objects: usize::MAX,
            max_depth: Limits::MAX_DEPTH,
            max_alias_events: usize::MAX,
            max_labels: usize::MAX,
            max_expressions: usize::MAX,
            max_values: usize::MAX,
            max_rules: usize::MAX,
            max_peers: usize::MAX,
            max_ports: usize::MAX,
            max_ip_blocks: usize::MAX,
            max_excepts: usize::MAX,
            max_tier_rules: usize::MAX,
            max_compile_bytes: usize::MAX,
        }
    }

    /// Sets the limit called `name` (one of [`Limits::NAMES`]) to `value`; `depth` is at most
    /// [`Limits::MAX_DEPTH`].
    pub fn set(&mut self, name: &str, value: usize) -> Result<(), String> {
        if name == "depth" && value > Limits::MAX_DEPTH {
            return Err(format!(
                "depth={value}: the `depth` limit is at most {} (deeper nesting could overflow the stack)",
                Limits::MAX_DEPTH
            ));
        }
        let field =
            self.field(name).ok_or_else(|| format!("unknown limit {name:?}: one of {}", Limits::NAMES.join(", ")))?;
        *field = value;
        Ok(())
    }

    /// The value of the limit called `name` (one of [`Limits::NAMES`]).
    pub fn get(&self, name: &str) -> Option<usize> {
        let mut copy = *self;
        let field = copy.field(name)?;
        Some(*field)
    }

    fn field(&mut self, name: &str) -> Option<&mut usize> {
        Some(match name {
            "objects" => &mut self.max_objects,
            "depth" => &mut self.max_depth,
            "alias-events" => &mut self.max_alias_events,
            "labels" => &mut self.max_labels,
            "expressions" => &mut self.max_expressions,
            "values" => &mut self.max_values,
            "rules" => &mut self.max_rules,
            "peers" => &mut self.max_peers,
            "ports" => &mut self.max_ports,
            "ip-blocks" => &mut self.max_ip_blocks,
            "excepts" => &mut self.max_excepts,
            "tier-rules" => &mut self.max_tier_rules,
            "compile-bytes" => &mut self.max_compile_bytes,
            _ => return None,
        })
    }

    /// Applies one setting (parsed, so within range).
    pub fn apply(&mut self, setting: &LimitSetting) {
        if let Some(field) = self.field(setting.name) {
            *field = setting.value;
        }
    }

    /// The nesting depth the decoders enforce: `max_depth`, at most [`Limits::MAX_DEPTH`].
    #[cfg_attr(not(feature = "k8s"), allow(dead_code))] // the decoders are k8s-only
    pub(crate) fn depth(&self) -> usize {
        self.max_depth.min(Limits::MAX_DEPTH)
    }

    /// The message for `count` things over the limit `max` called `name`.
    pub(crate) fn over(count: usize, what: &str, max: usize, name: &str) -> String {
        format!("{count} {what}: over the limit of {max} (raise it with the `{name}` limit)")
    }
}

/// One `NAME=N` setting of a limit, as `--limit` takes it: NAME one of [`Limits::NAMES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LimitSetting {
    /// The limit's name.
    pub name: &'static str,
    /// Its value.
    pub value: usize,
}

impl core::str::FromStr for LimitSetting {
    type Err = String;

    /// `NAME=N`; the error says what is wrong in words a face can print as is.
    fn from_str(text: &str) -> Result<LimitSetting, String> {
        let (name, value) = text.split_once('=').ok_or_else(|| format!("expected NAME=N, got {text:?}"))?;
        let value: usize = value.parse().map_err(|_| format!("{value:?} is not a count"))?;
        Limits::default().set(name, value)?;
        let name = Limits::NAMES.iter().find(|n| **n == name).copied().unwrap_or_default();
        Ok(LimitSetting { name, value })
    }
}

impl core::fmt::Display for LimitSetting {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}={}", self.name, self.value)
    }
}

impl core::str::FromStr for Limits {
    type Err = String;

    /// Comma-separated `NAME=N` settings over the defaults (`""` is the defaults).
    fn from_str(text: &str) -> Result<Limits, String> {
        let mut limits = Limits::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            limits.apply(&part.parse()?);
        }
        Ok(limits)
    }
}

impl core::fmt::Display for Limits {
    /// Every limit as `NAME=N`, comma-separated, in the order of [`Limits::NAMES`]; parses back.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, name) in Limits::NAMES.iter().enumerate() {
            let value = self.get(name).unwrap_or_default();
            write!(f, "{}{}", if i == 0 { "" } else { "," }, LimitSetting { name, value })?;
        }
        Ok(())
    }
}

/// Collects the limit problems of one object.
struct Counter<'a> {
    limits: &'a Limits,
    object: ObjectRef,
    origin: Option<&'a str>,
    problems: Vec<Diagnostic>,
}

impl Counter<'_> {
    fn check(&mut self, field: &str, count: usize, max: usize, what: &str, name: &str) {
        if count > max {
            self.problems.push(
                Diagnostic::new(Some(self.object.clone()), field, Limits::over(count, what, max, name))
                    .with_origin(self.origin),
            );
        }
    }

    fn labels(&mut self, field: &str, count: usize) {
        self.check(field, count, self.limits.max_labels, "labels", "labels");
    }

    fn selector(&mut self, field: &str, s: &RawSelector) {
        self.labels(&format!("{field}.matchLabels"), s.match_labels.as_ref().map_or(0, |m| m.len()));
        let expressions = s.match_expressions.as_deref().unwrap_or_default();
        let at = format!("{field}.matchExpressions");
        self.check(&at, expressions.len(), self.limits.max_expressions, "expressions in one selector", "expressions");
        for (i, e) in expressions.iter().enumerate() {
            let n = e.values.as_ref().map_or(0, Vec::len);
            self.check(&format!("{at}[{i}].values"), n, self.limits.max_values, "values in one expression", "values");
        }
    }

    fn peer(&mut self, field: &str, p: &RawPeer, ip_blocks: &mut usize) {
        if let Some(s) = &p.pod_selector {
            self.selector(&format!("{field}.podSelector"), s);
        }
        if let Some(s) = &p.namespace_selector {
            self.selector(&format!("{field}.namespaceSelector"), s);
        }
        if let Some(b) = &p.ip_block {
            *ip_blocks += 1;
            let n = b.except.as_ref().map_or(0, Vec::len);
            let (max, at) = (self.limits.max_excepts, format!("{field}.ipBlock.except"));
            self.check(&at, n, max, "excepts in one ipBlock", "excepts");
        }
    }

    fn rules(&mut self, direction: &str, peers_field: &str, rules: Option<&Vec<RawRule>>, ip_blocks: &mut usize) {
        let rules = rules.map_or(&[][..], Vec::as_slice);
        let max = self.limits.max_rules;
        self.check(&format!("spec.{direction}"), rules.len(), max, &format!("{direction} rules"), "rules");
        for (i, r) in rules.iter().enumerate() {
            let at = format!("spec.{direction}[{i}]");
            let peers = r.peers.as_ref().map_or(&[][..], Vec::as_slice);
            let field = format!("{at}.{peers_field}");
            self.check(&field, peers.len(), self.limits.max_peers, "peers in one rule", "peers");
            for (j, p) in peers.iter().enumerate() {
                self.peer(&format!("{field}[{j}]"), p, ip_blocks);
            }
            let ports = r.ports.as_ref().map_or(0, Vec::len);
            self.check(&format!("{at}.ports"), ports, self.limits.max_ports, "ports in one rule", "ports");
        }
    }
}

fn namespaced(kind: ObjectKind, namespace: &Option<String>, name: &str) -> ObjectRef {
    let namespace = namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or(DEFAULT_NAMESPACE);
    ObjectRef::namespaced(kind, namespace, name)
}

fn check_namespace(limits: &Limits, raw: &RawNamespace) -> Vec<Diagnostic> {
    let object = ObjectRef::cluster_scoped(ObjectKind::Namespace, &raw.name);
    let mut c = Counter { limits, object, origin: raw.origin.as_deref(), problems: Vec::new() };
    c.labels("metadata.labels", raw.labels.len());
    c.problems
}

fn check_pod(limits: &Limits, raw: &RawPod) -> Vec<Diagnostic> {
    let object = namespaced(ObjectKind::Pod, &raw.namespace, &raw.name);
    let mut c = Counter { limits, object, origin: raw.origin.as_deref(), problems: Vec::new() };
    c.labels("metadata.labels", raw.labels.len());
    c.check("spec.containers[*].ports", raw.ports.len(), limits.max_ports, "container ports", "ports");
    c.problems
}

fn check_policy(limits: &Limits, raw: &RawPolicy) -> Vec<Diagnostic> {
    let object = namespaced(ObjectKind::NetworkPolicy, &raw.namespace, &raw.name);
    let mut c = Counter { limits, object, origin: raw.origin.as_deref(), problems: Vec::new() };
    if let Some(s) = &raw.pod_selector {
        c.selector("spec.podSelector", s);
    }
    let mut ip_blocks = 0;
    c.rules("ingress", "from", raw.ingress.as_ref(), &mut ip_blocks);
    c.rules("egress", "to", raw.egress.as_ref(), &mut ip_blocks);
    c.check("spec", ip_blocks, limits.max_ip_blocks, "ipBlocks in one policy", "ip-blocks");
    c.problems
}

/// The selectors of a cluster policy (its lists are capped by validation, as the CRDs cap them).
fn check_cluster_policy(limits: &Limits, raw: &RawClusterPolicy) -> Vec<Diagnostic> {
    let object = ObjectRef::cluster_scoped(raw.kind.object_kind(), &raw.name);
    let mut c = Counter { limits, object, origin: raw.origin.as_deref(), problems: Vec::new() };
    let pods = |c: &mut Counter<'_>, at: &str, p: &RawNamespacedPods| {
        if let Some(s) = &p.namespace_selector {
            c.selector(&format!("{at}.namespaceSelector"), s);
        }
        if let Some(s) = &p.pod_selector {
            c.selector(&format!("{at}.podSelector"), s);
        }
    };
    if let Some(subject) = &raw.subject {
        if let Some(s) = &subject.namespaces {
            c.selector("spec.subject.namespaces", s);
        }
        if let Some(p) = &subject.pods {
            pods(&mut c, "spec.subject.pods", p);
        }
    }
    for (direction, peers_field, rules) in [("ingress", "from", &raw.ingress), ("egress", "to", &raw.egress)] {
        for (i, rule) in rules.iter().flatten().enumerate() {
            for (j, peer) in rule.peers.iter().flatten().enumerate() {
                let at = format!("spec.{direction}[{i}].{peers_field}[{j}]");
                if let Some(s) = &peer.namespaces {
                    c.selector(&format!("{at}.namespaces"), s);
                }
                if let Some(s) = &peer.nodes {
                    c.selector(&format!("{at}.nodes"), s);
                }
                if let Some(p) = &peer.pods {
                    pods(&mut c, &format!("{at}.pods"), p);
                }
            }
        }
    }
    c.problems
}

fn check_node(limits: &Limits, raw: &RawNode) -> Vec<Diagnostic> {
    let object = ObjectRef::cluster_scoped(ObjectKind::Node, &raw.name);
    let mut c = Counter { limits, object, origin: raw.origin.as_deref(), problems: Vec::new() };
    c.labels("metadata.labels", raw.labels.len());
    c.problems
}

/// Keeps the items without problems; gathers the problems of the others.
fn sift<T>(items: Vec<T>, check: impl Fn(&T) -> Vec<Diagnostic>, problems: &mut Vec<Diagnostic>) -> Vec<T> {
    items
        .into_iter()
        .filter(|item| {
            let p = check(item);
            let ok = p.is_empty();
            problems.extend(p);
            ok
        })
        .collect()
}

impl RawCluster {
    /// [`RawCluster::validate`] under `limits`: objects over a per-object limit are problems like
    /// any other (strict: the load fails; lenient: they are skipped with a warning), and a
    /// cluster with more than `limits.max_objects` objects fails whatever the strictness.
    pub fn validate_with(mut self, strictness: Strictness, limits: &Limits) -> Result<Cluster, Error> {
        let objects = self.namespaces.len()
            + self.pods.len()
            + self.policies.len()
            + self.cluster_policies.len()
            + self.nodes.len();
        if objects > limits.max_objects {
            let message = Limits::over(objects, "objects", limits.max_objects, "objects");
            return Err(Error::single(Diagnostic::new(None, "", message)));
        }
        let rule_count = |r: &Option<Vec<RawAdminRule>>| r.as_ref().map_or(0, Vec::len);
        let tier_rules: usize =
            self.cluster_policies.iter().map(|p| rule_count(&p.ingress) + rule_count(&p.egress)).sum();
        if tier_rules > limits.max_tier_rules {
            let message = Limits::over(tier_rules, "rules of cluster policies", limits.max_tier_rules, "tier-rules");
            return Err(Error::single(Diagnostic::new(None, "", message)));
        }

        let mut problems = Vec::new();
        self.namespaces = sift(core::mem::take(&mut self.namespaces), |n| check_namespace(limits, n), &mut problems);
        self.pods = sift(core::mem::take(&mut self.pods), |p| check_pod(limits, p), &mut problems);
        self.policies = sift(core::mem::take(&mut self.policies), |p| check_policy(limits, p), &mut problems);
        self.cluster_policies =
            sift(core::mem::take(&mut self.cluster_policies), |p| check_cluster_policy(limits, p), &mut problems);
        self.nodes = sift(core::mem::take(&mut self.nodes), |n| check_node(limits, n), &mut problems);
        if problems.is_empty() {
            return self.validate(strictness);
        }
        match strictness {
            Strictness::Strict => {
                // The other problems too, so that one run lists everything to fix.
                if let Err(e) = self.validate(strictness) {
                    problems.extend(e.diagnostics().iter().cloned());
                }
                Err(Error::new(problems))
            }
            Strictness::Lenient => {
                self.warnings.extend(problems.into_iter().map(skipped_leniently));
                self.validate(strictness)
            }
        }
    }
}
