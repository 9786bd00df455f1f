//! The JSON shape of an audit report (feature `k8s`), shared by every face; documented in the
//! README.

use alloc::format;
use alloc::vec::Vec;

use serde_json::{json, Value};

use super::{AuditReport, Finding, NamespaceCoverage, Severity, CHECKS};
use crate::k8s::SourceMap;
use crate::report::sarif::{ensure_a_line, sarif_log, SarifLevel, SarifLocation, SarifResult, SarifRule};

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

impl Severity {
    /// The SARIF level: `error`, `warning`, or `note` for info.
    pub fn sarif_level(self) -> SarifLevel {
        match self {
            Severity::Error => SarifLevel::Error,
            Severity::Warning => SarifLevel::Warning,
            Severity::Info => SarifLevel::Note,
        }
    }
}

impl AuditReport {
    /// The findings as a SARIF 2.1.0 log: one rule per check ([`CHECKS`]), one result per
    /// finding, located first at each of its field paths, then at each object no path names;
    /// `sources` (from [`load_with_sources`](crate::load_with_sources)) puts each on its file
    /// and line. A finding none of whose objects is in a file (`Namespace kube-system` when the
    /// input holds no such namespace) points at line 1 of the first input file, as code
    /// scanning shows only results with a line.
    pub fn to_sarif(&self, sources: &SourceMap) -> Value {
        let rules: Vec<SarifRule> = CHECKS
            .iter()
            .map(|c| SarifRule {
                id: c.id.into(),
                name: c.slug.into(),
                description: c.title.into(),
                level: c.severity.sarif_level(),
            })
            .collect();
        let mut places: Vec<Vec<(&str, &str)>> = Vec::with_capacity(self.findings.len());
        for f in &self.findings {
            let mut here: Vec<(&str, &str)> = f.paths.iter().map(|l| (l.object.as_str(), l.path.as_str())).collect();
            for object in &f.objects {
                if !f.paths.iter().any(|l| &l.object == object) {
                    here.push((object.as_str(), ""));
                }
            }
            places.push(here);
        }
        let flat: Vec<(&str, &str)> = places.iter().flatten().copied().collect();
        let mut lines = sources.lines(&flat).into_iter();
        let results: Vec<SarifResult> = self
            .findings
            .iter()
            .zip(&places)
            .map(|(f, here)| {
                let mut locations: Vec<SarifLocation> = here
                    .iter()
                    .map(|(object, path)| SarifLocation {
                        line: lines.next().flatten(),
                        object: (*object).into(),
                        path: (*path).into(),
                    })
                    .collect();
                ensure_a_line(&mut locations, sources);
                SarifResult {
                    rule: f.id.into(),
                    level: f.severity.sarif_level(),
                    message: format!("{}: {} Fix: {}", f.objects.join(", "), f.why, f.fix),
                    locations,
                }
            })
            .collect();
        sarif_log(&rules, &results)
    }
}
