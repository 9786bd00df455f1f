//! The JSON shape of an audit report (feature `k8s`), shared by every face; documented in the
//! README.

use alloc::vec::Vec;

use serde_json::{json, Value};

use super::{AuditReport, Finding, NamespaceCoverage, Severity};

fn share(n: usize, of: usize) -> Value {
    if of == 0 {
        Value::Null
    } else {
        json!(n as f64 / of as f64)
    }
}

fn coverage_json(c: &NamespaceCoverage) -> Value {
    json!({
        "namespace": c.namespace,
        "pods": c.pods,
        "ingress_isolated": c.ingress_isolated,
        "egress_isolated": c.egress_isolated,
        "ingress_share": share(c.ingress_isolated, c.pods),
        "egress_share": share(c.egress_isolated, c.pods),
    })
}

impl AuditReport {
    /// `{"findings": [{"id", "slug", "severity", "objects", "paths": [{"object", "path"}], "why",
    /// "fix"}], "coverage": [{"namespace", "pods", "ingress_isolated", "egress_isolated",
    /// "ingress_share", "egress_share"}], "summary": {"findings", "error", "warning", "info",
    /// "pods", "ingress_isolated", "egress_isolated"}}`; shares are 0–1, `null` without pods.
    pub fn to_json(&self) -> Value {
        let findings: Vec<Value> = self.findings.iter().map(Finding::to_json).collect();
        let pods: usize = self.coverage.iter().map(|c| c.pods).sum();
        json!({
            "findings": findings,
            "coverage": self.coverage.iter().map(coverage_json).collect::<Vec<_>>(),
            "summary": {
                "findings": self.findings.len(),
                "error": self.count(Severity::Error),
                "warning": self.count(Severity::Warning),
                "info": self.count(Severity::Info),
                "pods": pods,
                "ingress_isolated": self.coverage.iter().map(|c| c.ingress_isolated).sum::<usize>(),
                "egress_isolated": self.coverage.iter().map(|c| c.egress_isolated).sum::<usize>(),
            },
        })
    }
}

impl Finding {
    /// `{"id", "slug", "severity", "objects", "paths": [{"object", "path"}], "why", "fix"}`, as
    /// in [`AuditReport::to_json`].
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "slug": self.slug,
            "severity": self.severity.as_str(),
            "objects": self.objects,
            "paths": self.paths.iter().map(|l| json!({"object": l.object, "path": l.path})).collect::<Vec<_>>(),
            "why": self.why,
            "fix": self.fix,
        })
    }
}
