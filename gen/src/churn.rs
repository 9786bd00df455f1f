//! Watch streams of churn over a generated cluster (issue 20): rollouts, as
//! `kubectl get pods -A -o json --watch --output-watch-events` prints them, one compact JSON
//! event per line.
//!
//! Deployments' pods are replaced one after another, round-robin over the cluster: the new pod
//! (the next `pod-template-hash`, a fresh name) is `ADDED` Pending without an IP, the old pod
//! is `DELETED`, and the new pod is `MODIFIED` to Running with the address the old one freed.
//! Every pod event of a real rollout, in the order kubelet and the scheduler produce them.

use std::io::{self, Write};

use serde_json::json;

use crate::cluster::{self, Pod};
use crate::objects::plain_pod;
use crate::{GenConfig, GenerateError};

/// The label a Deployment's pods carry and a rollout changes.
const HASH: &str = "pod-template-hash";

/// Writes `events` watch events of rollouts over the cluster of `config` (the cluster itself is
/// what [`crate::generate`] prints for the same config: give it as the initial state).
pub fn churn(config: &GenConfig, events: usize, mut out: impl Write) -> Result<(), GenerateError> {
    config.check().map_err(GenerateError::Size)?;
    let mut cluster = cluster::generate(config);
    let rolled: Vec<usize> = (0..cluster.pods.len()).filter(|&i| hash_of(&cluster.pods[i]).is_some()).collect();
    let write = |out: &mut dyn Write, kind: &str, pod: &Pod, namespace: &str, running: bool| -> io::Result<()> {
        let mut object = plain_pod(pod, namespace);
        if !running {
            object["status"] = json!({"phase": "Pending"});
        }
        serde_json::to_writer(&mut *out, &json!({"type": kind, "object": object}))?;
        out.write_all(b"\n")
    };
    let mut written = 0;
    let mut serial = 0usize;
    let result = (|| -> io::Result<()> {
        while written < events && !rolled.is_empty() {
            let slot = rolled[serial % rolled.len()];
            let generation = serial / rolled.len() + 1;
            serial += 1;
            let old = &cluster.pods[slot];
            let namespace = cluster.namespaces[old.namespace].name.clone();
            let old_hash = hash_of(old).unwrap_or_default().to_string();
            let new_hash = format!("g{generation}{}", &old_hash[..old_hash.len().min(8)]);
            let mut new = Pod {
                namespace: old.namespace,
                name: replica_name(&old.name, &old_hash, &new_hash, serial),
                labels: old.labels.clone(),
                container: old.container.clone(),
                image: old.image.clone(),
                role: old.role,
                node: old.node,
                ip: old.ip,
            };
            for (k, v) in &mut new.labels {
                if *k == HASH {
                    *v = new_hash.clone();
                }
            }
            for (kind, pod, running) in [("ADDED", &new, false), ("DELETED", old, true), ("MODIFIED", &new, true)] {
                if written == events {
                    break;
                }
                write(&mut out, kind, pod, &namespace, running)?;
                written += 1;
            }
            cluster.pods[slot] = new;
        }
        out.flush()
    })();
    result.map_err(GenerateError::Io)
}

fn hash_of(pod: &Pod) -> Option<&str> {
    pod.labels.iter().find(|(k, _)| *k == HASH).map(|(_, v)| v.as_str())
}

/// A new replica's name as the ReplicaSet controller makes it: `<deployment>-<hash>-<5 chars>`
/// (the old name up to its hash, the new hash, then five characters from `serial`).
fn replica_name(old: &str, old_hash: &str, new_hash: &str, serial: usize) -> String {
    const CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let prefix = old.split(old_hash).next().unwrap_or(old);
    let mut n = serial;
    let suffix: String = (0..5)
        .map(|_| {
            let c = CHARS[n % CHARS.len()] as char;
            n /= CHARS.len();
            c
        })
        .collect();
    format!("{prefix}{new_hash}-{suffix}")
}
