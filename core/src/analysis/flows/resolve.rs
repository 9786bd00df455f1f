//! Resolution: the ends of a record, as the file describes them, become endpoints of the
//! cluster. Known pods and IPs are a lookup without allocation; pods gone since are matched once
//! per name and the answer cached.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use hashbrown::HashMap;

use super::record::EndpointRecord;
use super::{MatchedBy, Substitute, Unresolved};
use crate::spec::{stable_labels, Labels, PodId, Workload};
use crate::{Endpoint, Engine};

fn same_labels(a: &Labels, b: &Labels) -> bool {
    stable_labels(a).eq(stable_labels(b))
}

/// `{a=1,b=2}`.
fn label_text(labels: &Labels) -> String {
    let parts: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", parts.join(","))
}

/// An endpoint of a record, resolved.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Resolved {
    /// The endpoint, and the substitute used to find it (an index into `substitutes`).
    Found(Endpoint, Option<usize>),
    /// Not found: an index into `unresolved`.
    Unresolved(usize),
    /// A node.
    Node,
}

/// Resolves endpoints against one engine's cluster, caching the slow answers.
pub(crate) struct Resolver<'e> {
    engine: &'e Engine,
    /// Answers for pods not in the cluster, and for label-only endpoints, by description.
    cache: HashMap<String, Resolved>,
    pub substitutes: Vec<Substitute>,
    pub unresolved: Vec<Unresolved>,
}

impl<'e> Resolver<'e> {
    pub(crate) fn new(engine: &'e Engine) -> Resolver<'e> {
        Resolver { engine, cache: HashMap::new(), substitutes: Vec::new(), unresolved: Vec::new() }
    }

    /// The engine endpoints are resolved against.
    pub(crate) fn engine(&self) -> &'e Engine {
        self.engine
    }

    pub(crate) fn resolve(&mut self, e: &EndpointRecord<'_>) -> Resolved {
        if e.node {
            return Resolved::Node;
        }
        let cluster = self.engine.cluster();
        match (&e.namespace, &e.pod) {
            (Some(ns), Some(pod)) => {
                // A pod known by name wins over its IP: IPs get reused.
                if let Some(id) = cluster.pod_id(ns, pod) {
                    return Resolved::Found(Endpoint::Pod(id), None);
                }
                self.slow(e, format!("{ns}/{pod}"))
            }
            (Some(ns), None) if e.ip.is_none() && e.has_own_labels() => {
                let key = format!("{ns} {}", label_text(&e.own_labels().unwrap_or_default()));
                self.slow(e, key)
            }
            _ => match e.ip {
                Some(ip) => Resolved::Found(self.engine.endpoint_for_ip(ip), None),
                None => self.slow(e, "?".to_string()),
            },
        }
    }

    /// A pod not in the cluster: by labels, then by workload; cached per description.
    fn slow(&mut self, e: &EndpointRecord<'_>, key: String) -> Resolved {
        if let Some(r) = self.cache.get(&key) {
            return *r;
        }
        let r = self.find(e, &key);
        self.cache.insert(key, r);
        r
    }

    fn find(&mut self, e: &EndpointRecord<'_>, key: &str) -> Resolved {
        let cluster = self.engine.cluster();
        let own = e.own_labels();
        let ns = e.namespace.as_deref().unwrap_or("");
        let mut described = if e.pod.is_some() { key.to_string() } else { format!("a pod of {ns}") };
        if let Some(labels) = &own {
            described = format!("{described} {}", label_text(labels));
        }
        let in_ns = || cluster.pods().iter().enumerate().filter(move |(_, p)| p.namespace == ns);
        // A stand-in must decide like the pod gone: every candidate the same to the policies
        // (one identity), else the flow is ambiguous and reported, not guessed.
        let mut ambiguous = false;
        if let Some(labels) = &own {
            let exact: Vec<usize> = in_ns().filter(|(_, p)| &p.labels == labels).map(|(i, _)| i).collect();
            let alike: Vec<usize> = in_ns().filter(|(_, p)| same_labels(&p.labels, labels)).map(|(i, _)| i).collect();
            match self.one_identity(if exact.is_empty() { &alike } else { &exact }) {
                Some(Some(i)) => return self.substitute(described, PodId(i as u32), MatchedBy::Labels),
                Some(None) => ambiguous = true,
                None => {}
            }
        }
        if let (false, Some((kind, name))) = (ambiguous, &e.workload) {
            let w = Workload { kind: kind.to_string(), name: name.to_string() };
            let of_workload: Vec<usize> =
                in_ns().filter(|(_, p)| p.workload.as_ref() == Some(&w)).map(|(i, _)| i).collect();
            match self.one_identity(&of_workload) {
                Some(Some(i)) => return self.substitute(described, PodId(i as u32), MatchedBy::Workload),
                Some(None) => ambiguous = true,
                None => {}
            }
        }
        if ambiguous {
            let reason =
                format!("the pods of {ns} it could stand for differ to the policies (labels, named ports or IPs)");
            self.unresolved.push(Unresolved { endpoint: described, reason, records: 0 });
            return Resolved::Unresolved(self.unresolved.len() - 1);
        }
        let reason = match (&own, &e.workload) {
            _ if cluster.namespace_id(ns).is_none() => format!("namespace {ns:?} is not in the cluster"),
            (None, None) => "pod not in the cluster, and the flow carries no labels to match it by".to_string(),
            (Some(_), None) => format!("no pod of {ns} has these labels"),
            (None, Some((k, n))) => format!("no pod of {ns} belongs to {k} {n}"),
            (Some(_), Some((k, n))) => format!("no pod of {ns} has these labels or belongs to {k} {n}"),
        };
        self.unresolved.push(Unresolved { endpoint: described, reason, records: 0 });
        Resolved::Unresolved(self.unresolved.len() - 1)
    }

    /// `None` without candidates; `Some(Some(first))` when all are one identity;
    /// `Some(None)` when they differ.
    fn one_identity(&self, candidates: &[usize]) -> Option<Option<usize>> {
        let (&first, rest) = candidates.split_first()?;
        let id = self.engine.identity_of(PodId(first as u32));
        Some(rest.iter().all(|&i| self.engine.identity_of(PodId(i as u32)) == id).then_some(first))
    }

    fn substitute(&mut self, observed: String, pod: PodId, by: MatchedBy) -> Resolved {
        self.substitutes.push(Substitute { observed, pod, by, records: 0 });
        Resolved::Found(Endpoint::Pod(pod), Some(self.substitutes.len() - 1))
    }
}
