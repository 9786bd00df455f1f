"""Policy review: Engine.audit, Engine.verify and netpol.diff on the bundled examples
(examples/gaps/, examples/expectations.yaml, examples/pr/), each equal to the CLI's `-o json`."""

from __future__ import annotations

import pathlib
import threading
from typing import Any, Dict, List, Union

import pytest

import netpol
from conftest import EXAMPLE, FRONTEND, POSTGRES, REPO, cli_json, run_cli

GAPS = REPO / "examples" / "gaps" / "cluster.yaml"
EXPECTATIONS = REPO / "examples" / "expectations.yaml"
BEFORE = REPO / "examples" / "pr" / "before"
AFTER = REPO / "examples" / "pr" / "after"
BROKEN = REPO / "examples" / "flows" / "broken" / "prometheus-egress.yaml"

FRONTEND_TO_POSTGRES = """\
expectations:
  - name: frontend reaches postgres
    from: shop/frontend-*
    to: shop/postgres-0
    port: 5432
    expect: allowed
"""

BAD_EXPECTATIONS = """\
expectations:
  - name: a typo
    from: shop/frontend-*
    to: shop/api-*
    port: 99999
    expect: maybe
  - from: shop/frontend-*
    to: 1
    port: 8080
    expect: allowed
    colour: red
"""


@pytest.fixture(scope="module")
def gaps() -> netpol.Engine:
    return netpol.Engine.from_files(GAPS)


def by_id(report: Dict[str, Any]) -> Dict[str, List[Dict[str, Any]]]:
    found: Dict[str, List[Dict[str, Any]]] = {}
    for f in report["findings"]:
        found.setdefault(f["id"], []).append(f)
    return found


def test_audit_finds_the_seeded_gaps(gaps: netpol.Engine) -> None:
    report = gaps.audit()
    assert set(report) == {"findings", "coverage", "summary"}
    found = by_id(report)
    # Every gap the file's header seeds, and nothing else.
    seeded = {"NP101", "NP102", "NP103", "NP201", "NP202", "NP204", "NP301", "NP401", "NP402", "NP404", "NP405",
              "NP406", "NP407"}  # fmt: skip
    assert set(found) == seeded
    assert len(found["NP406"]) == 2
    assert report["summary"] == {
        "findings": 14, "error": 3, "warning": 10, "info": 1, "pods": 12, "ingress_isolated": 7, "egress_isolated": 7,
    }  # fmt: skip
    assert {f["severity"] for f in found["NP301"] + found["NP405"] + found["NP407"]} == {"error"}
    assert found["NP101"][0]["objects"][0] == "Namespace batch"
    assert found["NP103"][0]["objects"][0] == "Namespace kube-system"
    assert found["NP301"][0]["objects"][0] == "Namespace payments"
    [typo] = found["NP401"]
    assert typo["paths"] == [{"object": "NetworkPolicy web/image-resizer-ingress", "path": "spec.podSelector"}]
    assert typo["why"] and typo["fix"]
    assert [p["path"] for p in found["NP407"][0]["paths"]] == ["spec.policyTypes", "spec.egress"]
    # monitoring is isolated both ways with DNS and scraping allowed: no finding names it.
    objects = {o for f in report["findings"] for o in f["objects"]}
    assert not any(o.startswith(("Namespace monitoring", "NetworkPolicy monitoring/")) for o in objects)
    coverage = {c["namespace"]: c for c in report["coverage"]}
    assert (coverage["batch"]["pods"], coverage["batch"]["ingress_share"]) == (2, 0.0)
    assert (coverage["web"]["ingress_isolated"], coverage["web"]["egress_share"]) == (3, 1.0)
    assert report == cli_json("audit", str(GAPS))


def test_audit_of_the_example_cluster(engine: netpol.Engine) -> None:
    report = engine.audit()
    assert report["summary"]["error"] == 0
    assert report == cli_json("audit", str(EXAMPLE))


def test_audit_options_are_the_clis(gaps: netpol.Engine) -> None:
    # batch as a system namespace: held to ingress isolation only (NP103, not NP101/NP102).
    system = gaps.audit(system_namespaces=["kube-system", "batch"])
    found = by_id(system)
    assert "NP101" not in found and "NP102" not in found
    assert sorted(f["objects"][0] for f in found["NP103"]) == ["Namespace batch", "Namespace kube-system"]
    assert system == cli_json("audit", str(GAPS), "--system-namespace", "kube-system", "--system-namespace", "batch")
    # No system namespaces: kube-system is held to default-deny both ways like any other.
    none = by_id(gaps.audit(system_namespaces=()))
    assert "NP103" not in none and "Namespace kube-system" in {f["objects"][0] for f in none["NP101"]}

    # DNS elsewhere: payments' lack of DNS egress is then judged against pods that do not exist.
    dns = gaps.audit(dns_namespace="dns", dns_selector="app=resolver,tier=infra")
    assert dns == cli_json("audit", str(GAPS), "--dns-namespace", "dns", "--dns-selector", "app=resolver,tier=infra")
    assert dns != gaps.audit()
    assert gaps.audit(dns_selector={"k8s-app": "kube-dns"}) == gaps.audit(dns_selector="k8s-app=kube-dns") == gaps.audit()
    assert gaps.audit(dns_namespace="dns", dns_selector={"app": "resolver", "tier": "infra"}) == dns


def test_audit_bad_options(gaps: netpol.Engine) -> None:
    selectors: List[Union[str, Dict[str, str]]] = ["k8s-app", "=kube-dns", "k8s-app=kube dns", "", {}]
    for selector in selectors:
        with pytest.raises(ValueError, match="dns_selector"):
            gaps.audit(dns_selector=selector)
    with pytest.raises(TypeError, match="system_namespaces"):
        gaps.audit(system_namespaces="kube-system")
    with pytest.raises(TypeError):
        gaps.audit("kube-system")  # type: ignore[call-arg]


def test_verify_the_example_expectations(engine: netpol.Engine) -> None:
    report = engine.verify(EXPECTATIONS)
    assert (report["passed"], report["failed"]) == (18, 0)
    assert report["origin"] == str(EXPECTATIONS)
    first = report["expectations"][0]
    assert first["name"] == "the internet reaches the frontend on http"
    assert (first["from"], first["to"], first["ports"], first["expect"]) == (
        "198.51.100.0/24", "shop/{app=frontend}", "8080", "allowed",
    )  # fmt: skip
    assert (first["passed"], first["pairs"], first["failed_pairs"], first["counterexamples"]) == (True, 2, 0, [])
    assert all(e["passed"] and e["problem"] is None for e in report["expectations"])
    assert report == cli_json("verify", str(EXAMPLE), "--expect", str(EXPECTATIONS))
    # Path-like objects and text give the same report; text is named <text>.
    assert engine.verify(str(EXPECTATIONS)) == report
    text = engine.verify_from_text(EXPECTATIONS.read_text())
    assert text["origin"] == "<text>" and {**text, "origin": report["origin"]} == report


def test_a_broken_expectation_fails_with_a_counterexample(engine: netpol.Engine, tmp_path: pathlib.Path) -> None:
    report = engine.verify_from_text(FRONTEND_TO_POSTGRES)
    assert (report["passed"], report["failed"]) == (0, 1)
    [result] = report["expectations"]
    assert (result["passed"], result["pairs"], result["failed_pairs"]) == (False, 2, 2)
    [c] = result["counterexamples"]
    assert (c["from"], c["to"], c["port"], c["protocol"], c["allowed"]) == (FRONTEND, POSTGRES, 5432, "TCP", False)
    assert c["alike"] == 1 and c["alike_examples"][0]["to"] == POSTGRES
    # The explanation is engine.explain's, and the engine agrees.
    assert c["ingress"]["reason"] == "no-rule-admits"
    assert "shop/postgres-from-api" in c["ingress"]["isolating_policies"]
    explanation = engine.explain(FRONTEND, POSTGRES, 5432)
    assert not explanation and c["egress"]["isolating_policies"] == explanation.egress.isolating_policies
    path = tmp_path / "expect.yaml"
    path.write_text(FRONTEND_TO_POSTGRES)
    assert engine.verify(path) == cli_json("verify", str(EXAMPLE), "--expect", str(path))


def test_a_change_that_breaks_expectations() -> None:
    # Locking down Prometheus's egress forgets the scrape targets in shop.
    report = netpol.Engine.from_files(EXAMPLE, BROKEN).verify(EXPECTATIONS)
    assert (report["passed"], report["failed"]) == (16, 2)
    failed = [e for e in report["expectations"] if not e["passed"]]
    assert [e["name"] for e in failed] == ["prometheus scrapes shop metrics", "prometheus scrapes shop exporters"]
    for e in failed:
        assert e["failed_pairs"] == 5 and len(e["counterexamples"]) == 3
        assert all(c["egress"]["reason"] == "no-rule-admits" and c["ingress"]["allowed"] for c in e["counterexamples"])
    assert report == cli_json("verify", str(EXAMPLE), str(BROKEN), "--expect", str(EXPECTATIONS))


def test_bad_expectations_name_index_field_and_line(engine: netpol.Engine, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_EXPECTATIONS)
    with pytest.raises(netpol.ExpectationsError) as info:
        engine.verify(path)
    err = info.value
    assert isinstance(err, netpol.PolicyError) and not isinstance(err, netpol.ParseError)
    assert (err.file, err.index, err.field, err.line) == (str(path), 0, "expectations[0].port", 2)
    assert [(p.origin, p.field) for p in err.problems] == [
        (str(path), "expectations[0].port"),
        (str(path), "expectations[0].expect"),
        (str(path), "expectations[1].colour"),
        (str(path), "expectations[1].to"),
    ]
    assert err.problems[0].message.endswith('(expectation "a typo" at line 2)')
    assert err.problems[2].message.endswith("(expectation at line 7)")
    assert "unknown field" in err.problems[2].message
    # Every problem, as the CLI prints it.
    code, out, stderr = run_cli("verify", str(EXAMPLE), "--expect", str(path))
    assert (code, out) == (2, "")
    assert [f"error: {p}" for p in err.problems] == stderr.splitlines()

    with pytest.raises(netpol.ExpectationsError) as info:
        engine.verify_from_text(BAD_EXPECTATIONS)
    assert (info.value.file, info.value.line) == ("<text>", 2)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("nope: 1\n", "", "not an expectations file"),
        ("expectations: []\n", "expectations", "no expectations"),
        ("expectations:\n  - just a string\n", "expectations[0]", "expected a map"),
        ("expectations: [\n", "", "not an expectations file"),
    ],
)
def test_malformed_expectations_files(engine: netpol.Engine, text: str, field: str, message: str) -> None:
    with pytest.raises(netpol.ExpectationsError, match=message) as info:
        engine.verify_from_text(text)
    assert (info.value.file, info.value.field) == ("<text>", field)
    assert info.value.index == (0 if field == "expectations[0]" else None)


def test_unreadable_expectations_file(engine: netpol.Engine, tmp_path: pathlib.Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(netpol.ExpectationsError, match="cannot read") as info:
        engine.verify(missing)
    assert (info.value.file, info.value.field, info.value.index, info.value.line) == (str(missing), "", None, None)
    assert str(info.value).startswith(f"{missing}: cannot read: ")
    with pytest.raises(netpol.ExpectationsError, match="cannot read"):
        engine.verify(tmp_path)  # A directory.


def test_diff_of_the_pull_request_example() -> None:
    before, after = netpol.Engine.from_files(BEFORE), netpol.Engine.from_files(AFTER)
    d = netpol.diff(before, after)
    assert set(d) == {"summary", "changes", "pairs", "external", "added", "removed", "policies"}
    assert d["pairs"] == [
        {
            "change": "allowed",
            "from": "checkout/deployment/orders",
            "to": "shop/deployment/api",
            "ports": {"TCP": ["8080"]},
            "pod_pairs": 1,
            "causes": ["shop/api (changed)"],
        }
    ]
    assert d["summary"] == {
        "newly_allowed": {"pod_pairs": 1, "workload_pairs": 1, "external": 0},
        "newly_denied": {"pod_pairs": 0, "workload_pairs": 0, "external": 1},
    }
    [change] = d["changes"]
    assert (change["change"], change["from"], change["to"], change["ports"]) == (
        "allowed", ["checkout/deployment/orders"], ["shop/deployment/api"], {"TCP": ["8080"]},
    )  # fmt: skip
    assert change["causes"] == ["shop/api (changed)"]
    [external] = d["external"]
    assert (external["change"], external["direction"], external["cidrs"], external["ports"]) == (
        "denied", "egress", ["203.0.113.64/26"], {"TCP": ["443"]},
    )  # fmt: skip
    assert external["workloads"] == ["shop/cronjob/settlement-report", "shop/deployment/api"]
    assert d["policies"] == {"added": [], "changed": ["shop/api", "shop/payment-provider"], "removed": []}
    assert (d["added"], d["removed"]) == ([], [])
    # What the engines decide, one connection of each change.
    orders, api = "checkout/deployment/orders", "shop/deployment/api"
    assert not before.allowed(orders, api, 8080) and after.allowed(orders, api, 8080)
    assert before.allowed(api, "203.0.113.70", 443) and not after.allowed(api, "203.0.113.70", 443)
    assert d == cli_json("diff", "--before", str(BEFORE), "--after", str(AFTER))


def test_diff_reversed_and_unchanged() -> None:
    before, after = netpol.Engine.from_files(BEFORE), netpol.Engine.from_files(AFTER)
    forward, backward = netpol.diff(before, after), netpol.diff(after, before)
    assert backward["summary"]["newly_allowed"] == forward["summary"]["newly_denied"]
    assert backward["summary"]["newly_denied"] == forward["summary"]["newly_allowed"]
    assert [c["change"] for c in backward["changes"]] == ["denied"]
    assert backward == cli_json("diff", "--before", str(AFTER), "--after", str(BEFORE))
    same = netpol.diff(before, netpol.Engine.from_files(BEFORE))
    assert not any(same["summary"]["newly_allowed"].values()) and not any(same["summary"]["newly_denied"].values())
    assert (same["changes"], same["external"], same["policies"]["changed"]) == ([], [], [])
    # Pods only on one side are listed, not compared.
    grown = netpol.diff(netpol.Engine.from_files(EXAMPLE), netpol.Engine.from_yaml(EXAMPLE.read_text() + EXTRA_POD))
    assert grown["added"] == ["shop/extra"] and grown["removed"] == []


EXTRA_POD = """
---
apiVersion: v1
kind: Pod
metadata: {name: extra, namespace: shop, labels: {app: extra}}
status: {podIP: 10.244.9.9, phase: Running}
"""


def test_diff_errors() -> None:
    before = netpol.Engine.from_files(BEFORE)
    with pytest.raises(TypeError, match="netpol.Engine"):
        netpol.diff(before, str(AFTER))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="same options"):
        netpol.diff(before, netpol.Engine.from_files(AFTER, self_traffic="evaluate"))
    with pytest.raises(ValueError, match="same options"):
        netpol.diff(before, netpol.Engine.from_files(AFTER, ipblock_pod_ips="ignore"))


def test_reviews_share_engines_across_threads(gaps: netpol.Engine, engine: netpol.Engine) -> None:
    before, after = netpol.Engine.from_files(BEFORE), netpol.Engine.from_files(AFTER)

    def run() -> Any:
        return (gaps.audit(), engine.verify(EXPECTATIONS), netpol.diff(before, after))

    expected = run()
    errors: List[int] = []

    def work(k: int) -> None:
        for _ in range(3):
            if run() != expected:
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
