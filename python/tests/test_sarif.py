"""`netpol audit -o sarif` and `netpol verify -o sarif`: valid SARIF 2.1.0 (checked against the
OASIS schema with jsonschema), each result at the file and line of what it is about."""

from __future__ import annotations

import json
import pathlib
import textwrap
from typing import Any, Dict, List

import jsonschema
import pytest

from conftest import REPO, run_cli

SCHEMA = json.loads((pathlib.Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text())


def sarif(*args: str) -> Dict[str, Any]:
    code, out, err = run_cli(*args, "-o", "sarif")
    assert code in (0, 1), err
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return log


def located(result: Dict[str, Any]) -> List[tuple[str, int, str]]:
    """(uri, line, logical name) of each location of a result that has a line and a name."""
    out = []
    for location in result["locations"]:
        if "physicalLocation" not in location or "logicalLocations" not in location:
            continue
        physical = location["physicalLocation"]
        out.append(
            (
                physical["artifactLocation"]["uri"],
                physical["region"]["startLine"],
                location["logicalLocations"][0]["fullyQualifiedName"],
            )
        )
    return out


def test_the_schema_rejects_what_is_not_sarif() -> None:
    # The validator really checks: a log without `runs`, or with a bad level, fails.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate({"version": "2.1.0"})
    log = sarif("audit", "examples/cluster.yaml")
    log["runs"][0]["results"][0]["level"] = "severe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_audit_findings_sit_on_the_lines_of_their_objects_and_fields(tmp_path: pathlib.Path) -> None:
    policies = tmp_path / "deploy" / "net pol.yaml"
    policies.parent.mkdir()
    policies.write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Namespace
            metadata:
              name: shop
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: shop
              labels: {app: web}
            status:
              podIP: 10.0.0.1
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: open
              namespace: shop
            spec:
              podSelector: {}
              policyTypes: [Ingress, Egress]
              ingress:
              - from:
                - namespaceSelector: {}
              egress:
              - to:
                - ipBlock:
                    cidr: 0.0.0.0/0
            """
        )
    )
    code, out, err = run_cli("audit", str(policies.relative_to(tmp_path)), "-o", "sarif", cwd=tmp_path)
    assert code == 0, err
    log = json.loads(out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    # Every result names a listed rule, and its level is the rule's.
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    # Egress to every public address: at the egress rule's peer, `to[0]` (line 28).
    assert located(by_rule["NP204"])[0] == (
        "deploy/net%20pol.yaml",
        28,
        "NetworkPolicy shop/open spec.egress[0].to[0]",
    )
    # An ipBlock holding pod IPs: at the ipBlock key (line 28 too); the pod involved sits on its
    # own document's first line (6).
    assert located(by_rule["NP406"])[0][1:] == (28, "NetworkPolicy shop/open spec.egress[0].to[0].ipBlock")
    assert ("deploy/net%20pol.yaml", 6, "Pod shop/web") in located(by_rule["NP406"])
    # No DNS pods: about `Namespace kube-system`, which the input does not hold, so the result
    # points at the first line of the input, and still names the namespace.
    dns = by_rule["NP303"]["locations"]
    assert dns[0]["physicalLocation"]["region"]["startLine"] == 1
    assert "physicalLocation" not in dns[1] and dns[1]["logicalLocations"][0]["fullyQualifiedName"] == "Namespace kube-system"


def test_audit_of_the_example_points_into_it() -> None:
    log = sarif("audit", "examples/cluster.yaml")
    lines = (REPO / "examples" / "cluster.yaml").read_text().splitlines()
    results = log["runs"][0]["results"]
    assert results
    for result in results:
        for uri, line, name in located(result):
            assert uri == "examples/cluster.yaml"
            # The line holds the object's first key or the field the path ends at.
            text = lines[line - 1].strip()
            last = name.split(" ")[-1].split(".")[-1].split("[")[0]
            assert text.startswith("- apiVersion") or last in text or text.startswith("- "), (name, line, text)


def test_verify_failures_sit_on_the_lines_of_their_expectations(tmp_path: pathlib.Path) -> None:
    expect = tmp_path / "expect.yaml"
    expect.write_text(
        textwrap.dedent(
            """\
            expectations:
              - name: holds
                from: shop/frontend-*
                to: shop/api-*
                port: 8080
                expect: allowed

              - name: broken on purpose
                from: shop/frontend-*
                to: shop/postgres-*
                port: 5432
                expect: allowed

              - name: selects nothing
                from: shop/nobody-*
                to: shop/api-*
                port: 8080
                expect: allowed
            """
        )
    )
    log = sarif("verify", "examples/cluster.yaml", "--expect", str(expect))
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NPV01", "NPV02"]
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert results[1]["locations"][0]["physicalLocation"]["region"]["startLine"] == 14
    assert results[0]["message"]["text"].startswith("broken on purpose: ")
    assert all(r["level"] == "error" for r in results)


def test_flows_denied_traffic_sits_at_the_denying_policy_and_unused_rules_at_their_lines() -> None:
    broken = "examples/flows/broken/prometheus-egress.yaml"
    log = sarif("flows", "examples/cluster.yaml", broken, "--flows", "examples/flows/hubble.jsonl")
    results = log["runs"][0]["results"]
    text = (REPO / broken).read_text().splitlines()
    denied = [r for r in results if r["ruleId"] == "NPF01"]
    assert len(denied) == 2 and all(r["level"] == "error" for r in denied)
    for r in denied:
        uri, line, name = located(r)[0]
        assert (uri, name) == (broken, "NetworkPolicy monitoring/prometheus-egress spec.egress")
        assert text[line - 1].strip() == "egress:"
    unused = {located(r)[0][2]: located(r)[0][:2] for r in results if r["ruleId"] == "NPF03"}
    assert unused["NetworkPolicy monitoring/prometheus-egress spec.egress[0]"][0] == broken
    entries = [r for r in results if r["ruleId"] == "NPF04"]
    assert entries and all(r["level"] == "note" for r in entries)
    cluster = (REPO / "examples" / "cluster.yaml").read_text().splitlines()
    for r in entries:
        uri, line, name = located(r)[0]
        assert uri == "examples/cluster.yaml" and name.split(".")[-1].startswith("ports[")
        assert cluster[line - 1].lstrip().startswith("- "), (name, cluster[line - 1])
