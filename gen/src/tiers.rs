//! ClusterNetworkPolicies (policy.networking.k8s.io/v1alpha2) of the admin tiers: what a platform
//! team puts over the namespaces' own policies. The third stage of the generator when
//! [`GenConfig::cluster_policies`](crate::GenConfig) is not 0.
//!
//! Kinds, round-robin over the team namespaces (each aimed at the labels the first stage made):
//! 1. Admin: a team's production namespaces Pass ingress from the same team and Deny it from
//!    `env: dev` namespaces.
//! 2. Admin: Prometheus may scrape a team's pods on 9100-9199 (Accept).
//! 3. Admin: no egress to the cloud metadata address and to a partner's SMTP port (Deny
//!    `networks`).
//! 4. Admin: a team's APIs accept its own namespaces on the named port `http`.
//! 5. Baseline: a team's namespaces deny ingress from other teams and SSH egress anywhere, unless
//!    their NetworkPolicies say otherwise.
//!
//! Priorities are distinct within a tier up to 1,000 policies of it, so such output has no
//! ambiguous priorities.

use serde_json::{json, Value};

use crate::cluster::{Cluster, Purpose};

/// The `k`-th cluster policy of `total` (0-based) for `cluster`.
fn policy(cluster: &Cluster, k: usize) -> Value {
    let teams: Vec<&crate::cluster::Namespace> =
        cluster.namespaces.iter().filter(|n| n.purpose == Purpose::App).collect();
    let label = |ns: &crate::cluster::Namespace, key: &str| {
        ns.labels.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let (team, env) = match teams.get(k / 5 % teams.len().max(1)) {
        Some(ns) => (ns.team.to_string(), label(ns, "env")),
        None => ("platform".to_string(), "prod".to_string()),
    };
    let same_team = json!({"namespaces": {"matchLabels": {"team": team}}});
    // Distinct within a tier up to 1,000 policies of it (then they wrap around).
    let priority = if k % 5 < 4 { ((k / 5) * 4 + k % 5) % 1001 } else { (k / 5) % 1001 };
    let (name, tier, subject, ingress, egress) = match k % 5 {
        0 => (
            format!("{team}-{env}-guard-{k}"),
            "Admin",
            json!({"namespaces": {"matchLabels": {"team": team, "env": env}}}),
            json!([
                {"name": "same-team-decides", "action": "Pass", "from": [same_team]},
                {"name": "no-dev", "action": "Deny", "from": [{"namespaces": {"matchLabels": {"env": "dev"}}}]},
            ]),
            Value::Null,
        ),
        1 => (
            format!("{team}-scrape-{k}"),
            "Admin",
            json!({"namespaces": {"matchLabels": {"team": team}}}),
            json!([{
                "name": "prometheus",
                "action": "Accept",
                "from": [{"pods": {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                    "podSelector": {"matchLabels": {"app": "prometheus"}},
                }}],
                "protocols": [{"tcp": {"destinationPort": {"range": {"start": 9100, "end": 9199}}}}],
            }]),
            Value::Null,
        ),
        2 => (
            format!("{team}-no-metadata-{k}"),
            "Admin",
            json!({"namespaces": {"matchLabels": {"team": team}}}),
            Value::Null,
            json!([
                {"name": "metadata", "action": "Deny", "to": [{"networks": ["169.254.169.254/32"]}]},
                {
                    "name": "smtp",
                    "action": "Deny",
                    "to": [{"networks": [format!("198.51.100.{}/32", k % 250 + 1)]}],
                    "protocols": [{"tcp": {"destinationPort": {"number": 25}}}],
                },
            ]),
        ),
        3 => (
            format!("{team}-api-{k}"),
            "Admin",
            json!({"pods": {
                "namespaceSelector": {"matchLabels": {"team": team}},
                "podSelector": {"matchLabels": {"tier": "backend"}},
            }}),
            json!([{"name": "own-team", "action": "Accept", "from": [same_team], "protocols": [{"destinationNamedPort": "http"}]}]),
            Value::Null,
        ),
        _ => (
            format!("{team}-baseline-{k}"),
            "Baseline",
            json!({"namespaces": {"matchLabels": {"team": team}}}),
            json!([
                {"name": "own-team", "action": "Accept", "from": [same_team]},
                {"name": "others", "action": "Deny", "from": [{"namespaces": {}}]},
            ]),
            json!([{"name": "no-ssh", "action": "Deny", "to": [{"networks": ["0.0.0.0/0"]}], "protocols": [{"tcp": {"destinationPort": {"number": 22}}}]}]),
        ),
    };
    let mut spec = json!({"tier": tier, "priority": priority, "subject": subject});
    if !ingress.is_null() {
        spec["ingress"] = ingress;
    }
    if !egress.is_null() {
        spec["egress"] = egress;
    }
    json!({
        "apiVersion": "policy.networking.k8s.io/v1alpha2",
        "kind": "ClusterNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    })
}

/// `total` cluster policies for `cluster`.
pub(crate) fn generate(cluster: &Cluster, total: usize) -> Vec<Value> {
    (0..total).map(|k| policy(cluster, k)).collect()
}
