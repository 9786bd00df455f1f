//! `-o markdown` of `diff`, `audit` and `verify`: pull-request comments with a one-line summary
//! first, tables whose cells cannot break the table, and long parts folded in `<details>`.

mod common;

use common::{example, netpol, path, scratch, text};

/// The rows of the first table of `md` under its header `header`, split into cells (an escaped
/// `\|` stays inside its cell).
fn rows(md: &str, header: &str) -> Vec<Vec<String>> {
    let mut lines = md.lines().skip_while(|l| *l != header);
    assert_eq!(lines.next(), Some(header), "no table {header:?} in\n{md}");
    let separator = lines.next().expect("a separator row");
    assert!(separator.starts_with("| --- |"), "{separator}");
    lines
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let inner = l.trim_start_matches("| ").trim_end_matches(" |").replace("\\|", "\u{0}");
            inner.split(" | ").map(|c| c.replace('\u{0}', "|")).collect()
        })
        .collect()
}

#[test]
fn diff_markdown_has_the_summary_first_and_a_table_per_side() {
    let out = netpol(&[
        "diff",
        "--before",
        &path("examples/pr/before"),
        "--after",
        &path("examples/pr/after"),
        "-o",
        "markdown",
        "--fail-on-change",
    ]);
    assert_eq!(out.status.code(), Some(1), "the gate holds in every format: {}", text(&out.stderr));
    let md = text(&out.stdout);
    let first = md.lines().next().unwrap();
    assert!(first.starts_with("⚠️ **netpol diff**: newly allowed: 1 pod pair (1 workload pair)"), "{first}");
    assert!(md.contains("Policies: changed shop/api, shop/payment-provider"), "{md}");
    let allowed = rows(&md, "| From | To | Ports | Pairs | Because |");
    assert_eq!(
        allowed,
        [[
            "`checkout/deployment/orders`",
            "`shop/deployment/api`",
            "8080/TCP",
            "1 workload pair, 1 pod pair",
            "shop/api (changed)"
        ]]
    );
    let denied = &md[md.find("#### Newly denied (1)").expect("a denied section")..];
    assert_eq!(rows(denied, "| From | To | Ports | Pairs | Because |")[0][1], "`203.0.113.64/26`");
}

#[test]
fn audit_markdown_lists_findings_and_folds_coverage_and_long_tables() {
    let out = netpol(&["audit", &example(), "-o", "markdown"]);
    assert_eq!(out.status.code(), Some(0));
    let md = text(&out.stdout);
    assert!(md.starts_with("⚠️ **netpol audit**: 2 findings: 0 errors, 1 warning, 1 info\n"), "{md}");
    let findings = rows(&md, "| Check | Severity | Objects | Why | Fix | Paths |");
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[1][0], "NP203 `reachable-from-internet`");
    assert_eq!(findings[1][5], "`NetworkPolicy shop/frontend-from-internet spec.ingress[0].from[0]`");
    assert!(md.contains("<details><summary>Isolation: 8 of 8 pods for ingress, 5 for egress</summary>"), "{md}");
    assert!(rows(&md, "| Namespace | Pods | Ingress isolated | Egress isolated |").contains(&vec![
        "(all)".to_string(),
        "8".into(),
        "8 (100%)".into(),
        "5 (62%)".into()
    ]));

    // 25 namespaces without policies: 51 findings, folded under their count.
    let dir = scratch("audit-markdown");
    let generated =
        netpol(&["generate", "--namespaces", "25", "--pods-per-namespace", "2", "--policies", "0", "--seed", "1"]);
    let file = dir.join("g.yaml");
    std::fs::write(&file, &generated.stdout).unwrap();
    let md = text(&netpol(&["audit", file.to_str().unwrap(), "-o", "markdown"]).stdout);
    assert!(md.starts_with("⚠️ **netpol audit**: 51 findings"), "{md}");
    assert!(md.contains("<details><summary>Findings (51)</summary>\n\n| Check |"), "{md}");
    assert_eq!(rows(&md, "| Check | Severity | Objects | Why | Fix | Paths |").len(), 51);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_markdown_shows_failures_with_lines_and_folded_counterexamples() {
    let dir = scratch("verify-markdown");
    let expect = dir.join("e.yaml");
    std::fs::write(
        &expect,
        "expectations:\n  - name: holds\n    from: shop/frontend-*\n    to: shop/api-*\n    port: 8080\n    expect: allowed\n  - name: a|b <i>\n    from: shop/frontend-*\n    to: shop/postgres-*\n    port: 5432\n    expect: allowed\n",
    )
    .unwrap();
    let out = netpol(&["verify", &example(), "--expect", expect.to_str().unwrap(), "-o", "markdown"]);
    assert_eq!(out.status.code(), Some(1));
    let md = text(&out.stdout);
    assert!(md.starts_with("❌ **netpol verify**: 1 of 2 expectations hold, 1 fails ("), "{md}");
    // The name keeps its `|` inside the cell and cannot open an HTML tag.
    assert_eq!(
        rows(&md, "| Expectation | Line | Why |"),
        [["a|b &lt;i&gt;", "7", "2 of 2 pairs break it (expected allowed on 5432/TCP)"]]
    );
    assert!(
        md.contains("<details><summary>a|b &lt;i&gt;: counterexamples</summary>\n\n```text\nDENIED: shop/frontend-"),
        "{md}"
    );
    assert!(md.contains("<details><summary>Holding (1)</summary>\n\n- holds (4 pairs checked)"), "{md}");
    std::fs::remove_dir_all(&dir).unwrap();
}
