//! The Markdown form of an [`AuditReport`] (feature `k8s`): a pull-request comment.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Write as _;

use super::{AuditReport, Severity};
use crate::report::markdown::{close_details, code, open_details, table, FOLD_ROWS};

impl AuditReport {
    /// The audit as a pull-request comment (GitHub Markdown): the summary line in bold, a
    /// table of the findings (errors first; id, severity, objects, why, fix, paths), folded in
    /// `<details>` past 20, and the coverage table folded. At most `max_objects` objects per
    /// finding are named.
    pub fn to_markdown(&self, max_objects: usize) -> String {
        let mut out = String::new();
        let mark = if self.count(Severity::Error) > 0 {
            "❌"
        } else if self.count(Severity::Warning) > 0 {
            "⚠️"
        } else {
            "✅"
        };
        let _ = writeln!(out, "{mark} **netpol audit**: {}\n", self.summary_line());
        if !self.findings.is_empty() {
            let rows = self.findings.iter().map(|f| {
                let shown = f.objects.len().min(max_objects.max(1));
                let mut objects: Vec<String> = f.objects[..shown].iter().map(|o| code(o)).collect();
                if f.objects.len() > shown {
                    objects.push(format!("+{} more", f.objects.len() - shown));
                }
                let paths: Vec<String> = f.paths.iter().map(|l| code(&format!("{} {}", l.object, l.path))).collect();
                vec![
                    format!("{} `{}`", f.id, f.slug),
                    f.severity.as_str().into(),
                    objects.join(", "),
                    f.why.clone(),
                    f.fix.clone(),
                    paths.join(", "),
                ]
            });
            let fold = self.findings.len() > FOLD_ROWS;
            if fold {
                open_details(&mut out, &format!("Findings ({})", self.findings.len()), false);
            }
            table(&mut out, &["Check", "Severity", "Objects", "Why", "Fix", "Paths"], rows);
            if fold {
                close_details(&mut out);
            } else {
                out.push('\n');
            }
        }
        let total = self.total();
        open_details(
            &mut out,
            &format!(
                "Isolation: {} of {} pods for ingress, {} for egress",
                total.ingress_isolated, total.pods, total.egress_isolated
            ),
            false,
        );
        let share = |n: usize, of: usize| match (n * 100).checked_div(of) {
            Some(p) => format!("{n} ({p}%)"),
            None => "-".into(),
        };
        let rows = self.coverage.iter().chain([&total]).map(|c| {
            vec![
                c.namespace.clone(),
                c.pods.to_string(),
                share(c.ingress_isolated, c.pods),
                share(c.egress_isolated, c.pods),
            ]
        });
        table(&mut out, &["Namespace", "Pods", "Ingress isolated", "Egress isolated"], rows);
        close_details(&mut out);
        out
    }
}
