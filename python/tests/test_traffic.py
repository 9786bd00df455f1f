"""Observed traffic and reachability: Engine.flows, Engine.reach and Engine.suggest on the bundled
example (examples/cluster.yaml with examples/flows/)."""

from __future__ import annotations

import ipaddress
import json
import os
import pathlib
import threading
from typing import List

import pytest
import yaml

import netpol
from conftest import API, EXAMPLE, FRONTEND, POSTGRES, REPO, cli_json

FLOWS = REPO / "examples" / "flows"
HUBBLE = FLOWS / "hubble.jsonl"
CSV = FLOWS / "flows.csv"
BROKEN = FLOWS / "broken" / "prometheus-egress.yaml"
PROMETHEUS = "monitoring/prometheus-0"
SUMMARY_KEYS = {
    "records", "skipped", "unresolved", "flows", "allowed", "denied",
    "still_dropped", "newly_allowed", "rules", "unused_rules",
}  # fmt: skip


def pods_and_namespaces_only() -> str:
    """The example cluster without its policies."""
    objects = [o for doc in yaml.safe_load_all(EXAMPLE.read_text()) if doc for o in doc.get("items", [doc])]
    kept = [o for o in objects if o["kind"] in ("Namespace", "Pod")]
    return yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": kept})


def test_flows_on_the_example_deny_nothing(engine: netpol.Engine) -> None:
    report = engine.flows(HUBBLE)
    assert set(report) == {"summary", "denied", "newly_allowed", "rules", "unused_rules", "matched", "unresolved", "skipped"}
    s = report["summary"]
    assert set(s) == SUMMARY_KEYS
    assert s["denied"] == {"flows": 0, "records": 0} and report["denied"] == []
    assert (s["records"], s["skipped"], s["unresolved"], s["flows"]) == (21, 4, 0, 14)
    assert s["allowed"] == {"flows": 13, "records": 16}
    assert s["still_dropped"] == {"flows": 1, "records": 1}
    # A pod gone since is decided as a pod with its labels.
    assert [(m["pod"], m["by"]) for m in report["matched"]] == [(API, "labels")]
    assert {r["reason"] for r in report["skipped"]} >= {"reply", "icmp"}
    assert report == cli_json("flows", str(EXAMPLE), "--flows", str(HUBBLE))


def test_flows_with_the_broken_policy_deny_the_prometheus_scrapes() -> None:
    engine = netpol.Engine.from_files(EXAMPLE, BROKEN)
    report = engine.flows(HUBBLE)
    assert report["summary"]["denied"] == {"flows": 3, "records": 3}
    groups = [(g["from"], g["to"], g["ports"], g["flows"], g["records"]) for g in report["denied"]]
    assert groups == [
        ("monitoring/statefulset/prometheus", "shop/deployment/api", {"TCP": ["9090"]}, 2, 2),
        ("monitoring/statefulset/prometheus", "shop/statefulset/postgres", {"TCP": ["9187"]}, 1, 1),
    ]
    example = report["denied"][0]["example"]
    assert (example["from"], example["port"], example["protocol"], example["allowed"]) == (PROMETHEUS, 9090, "TCP", False)
    assert example["egress"]["reason"] == "no-rule-admits"
    assert "monitoring/prometheus-egress" in example["egress"]["isolating_policies"]
    assert example["ingress"]["allowed"]
    assert not engine.allowed(PROMETHEUS, POSTGRES, 9187)
    assert report == cli_json("flows", str(EXAMPLE), str(BROKEN), "--flows", str(HUBBLE))


def test_flows_from_text_files_and_formats_agree(engine: netpol.Engine, tmp_path: pathlib.Path) -> None:
    by_path = engine.flows(CSV)
    assert by_path["summary"]["records"] > 0 and by_path["summary"]["unresolved"] == 0
    assert engine.flows_from_text(CSV.read_text()) == by_path
    assert engine.flows_from_text(CSV.read_text(), format="csv") == by_path
    assert engine.flows(str(CSV), format="csv") == by_path
    # Several files fold into one report.
    both = engine.flows(HUBBLE, CSV)
    assert both["summary"]["records"] == by_path["summary"]["records"] + engine.flows(HUBBLE)["summary"]["records"]
    jsonl = tmp_path / "flows.jsonl"
    jsonl.write_text(
        json.dumps({"src": FRONTEND, "dst": API, "port": 8080, "count": 3})
        + "\n\n"
        + json.dumps({"src": FRONTEND, "dst": POSTGRES, "port": 5432})
        + "\n"
    )
    report = engine.flows(jsonl, format="jsonl")
    assert report["summary"]["allowed"] == {"flows": 1, "records": 3}
    assert report["summary"]["denied"] == {"flows": 1, "records": 1}
    assert [(g["from"], g["to"]) for g in report["denied"]] == [("shop/deployment/frontend", "shop/statefulset/postgres")]
    with pytest.raises(ValueError, match="format must be"):
        engine.flows(jsonl, format="pcap")


def test_bad_flow_lines_name_file_line_and_field(engine: netpol.Engine, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"src": FRONTEND, "dst": API, "port": 8080})
    path.write_text(good + "\n" + json.dumps({"src": FRONTEND, "dst": API, "port": 70000}) + "\n")
    with pytest.raises(netpol.FlowError) as info:
        engine.flows(path)
    err = info.value
    assert isinstance(err, netpol.ParseError) and isinstance(err, netpol.PolicyError)
    assert (err.file, err.line, err.field) == (str(path), 2, "port")
    assert err.problems[0].origin == f"{path}:2"
    assert f"{path}:2" in str(err)

    with pytest.raises(netpol.FlowError) as info:
        engine.flows_from_text(good + "\n" + '{"src": 1}\n' + "not json\n", format="jsonl")
    assert [(p.origin, p.field) for p in info.value.problems][0] == ("<text>:2", "src")
    assert [p.origin for p in info.value.problems] == ["<text>:2", "<text>:3"]

    with pytest.raises(netpol.FlowError, match="cannot read") as info:
        engine.flows(tmp_path / "missing.jsonl")
    assert (info.value.file, info.value.line) == (str(tmp_path / "missing.jsonl"), None)

    with pytest.raises(netpol.FlowError):
        engine.suggest(path)
    with pytest.raises(netpol.FlowError, match="header"):
        engine.flows_from_text("a,b,c\n", format="csv")


def test_reach_of_postgres(engine: netpol.Engine) -> None:
    r = engine.reach(POSTGRES)
    assert r["direction"] == "to"
    assert r["subject"] == {"name": POSTGRES, "kind": "pod", "workload": "statefulset/postgres", "pods": [POSTGRES]}
    [part] = r["parts"]
    peers = {p["group"]: p for p in part["peers"]}
    assert set(peers) == {"shop/deployment/api", "monitoring/statefulset/prometheus"}
    api = peers["shop/deployment/api"]
    assert (api["ports"], api["label"], api["group_pods"]) == ({"TCP": ["5432"]}, "5432/TCP", 2)
    [grant] = api["grants"]
    assert grant["ingress"] == {"access": "rules", "rules": [{"policy": "shop/postgres-from-api", "rule": "spec.ingress[0]"}]}
    assert peers["monitoring/statefulset/prometheus"]["label"] == "9090,9100-9199/TCP"
    assert part["external"] == []
    assert "shop/postgres-from-api" in part["isolated_by"]
    assert r["statement"].startswith(f"{POSTGRES} (statefulset/postgres) is reachable only from")
    assert "not reachable from outside the cluster" in r["statement"]
    # Every pod the answer lists may really connect on the ports it names.
    for pod in api["pods"]:
        assert engine.allowed(pod, POSTGRES, 5432) and not engine.allowed(pod, POSTGRES, 5433)


def test_reach_of_workloads_and_addresses(engine: netpol.Engine) -> None:
    out = engine.reach("shop/Deployment/api", direction="from")
    assert out["direction"] == "from"
    assert out["subject"]["kind"] == "workload" and out["subject"]["name"] == "shop/deployment/api"
    assert len(out["subject"]["pods"]) == 2
    external = [e for part in out["parts"] for e in part["external"]]
    assert any("203.0.113.0/25" in e["cidrs"] and e["ports"] == {"TCP": ["443"]} for e in external)
    # An outside address: which pods' egress allows it; a pod's IP is that pod.
    address = engine.reach(ipaddress.ip_address("203.0.113.7"))
    assert address["subject"]["kind"] == "address" and address["parts"][0]["isolated_by"] is None
    assert engine.reach("10.244.1.21")["subject"]["name"] == FRONTEND


def test_reach_errors(engine: netpol.Engine) -> None:
    with pytest.raises(ValueError, match='"shop/nope": no such pod, workload or address'):
        engine.reach("shop/nope")
    with pytest.raises(ValueError, match="shop/deployment/nope"):
        engine.reach("shop/deployment/nope")
    with pytest.raises(ValueError, match="no such pod"):
        engine.reach("shop")
    with pytest.raises(ValueError, match="direction"):
        engine.reach(POSTGRES, direction="ingress")


def test_suggest_loads_back_and_allows_every_observed_flow(engine: netpol.Engine) -> None:
    s = engine.suggest(HUBBLE)
    assert str(s) == s.yaml and "kind: NetworkPolicy" in s.yaml
    assert (s.flows, s.records) == (13, 16)
    c = s.check
    assert (c.flows, c.denied, c.opened) == (13, [], [])
    assert (c.pairs_before, c.pairs_after, c.ports_before, c.ports_after) == (25, 23, 541, 37)
    assert s.left_denied == [netpol.ObservedFlow(FRONTEND, POSTGRES, 5432, "TCP", 1)]
    assert s.dropped_allowed == []
    assert s.unresolved == [] and s.warnings == []
    assert "shop/default-deny" in s.policies and "shop/postgres-ingress" in s.policies
    assert [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in json.loads(s.json)["items"]] == s.policies

    suggested = netpol.Engine.from_yaml(pods_and_namespaces_only() + "---\n" + s.yaml)
    assert suggested.pods == engine.pods
    assert sorted(suggested.policies) == sorted(s.policies)
    assert suggested.allowed("198.51.100.23", FRONTEND, 8080)
    assert suggested.allowed(FRONTEND, API, 8080)
    assert suggested.allowed(API, POSTGRES, 5432)
    assert suggested.allowed(PROMETHEUS, POSTGRES, 9187)
    assert suggested.allowed(FRONTEND, "kube-system/coredns-5d78c9869d-7xk2p", 53, "UDP")
    assert not suggested.allowed(FRONTEND, POSTGRES, 5432)  # Observed DROPPED: left denied.
    assert not suggested.allowed(API, POSTGRES, 5433)  # Never observed.
    assert suggested.flows(HUBBLE)["summary"]["denied"] == {"flows": 0, "records": 0}


def test_suggest_include_dropped_and_text(engine: netpol.Engine) -> None:
    s = engine.suggest(HUBBLE, include_dropped=True)
    assert s.left_denied == [] and s.flows == 14
    assert s.check.opened == [netpol.ObservedFlow(FRONTEND, POSTGRES, 5432, "TCP", 1)]
    suggested = netpol.Engine.from_yaml(pods_and_namespaces_only() + "---\n" + s.yaml)
    assert suggested.allowed(FRONTEND, POSTGRES, 5432)

    flows = [(FRONTEND, API, 8080, 1), (API, POSTGRES, 5432, 7), (API, "203.0.113.10", 443, 1)]
    gone = {"src": "shop/api-gone-since", "dst": POSTGRES, "port": 5432}
    lines = [json.dumps({"src": s, "dst": d, "port": p, "count": n}) for s, d, p, n in flows] + [json.dumps(gone)]
    t = engine.suggest_from_text("\n".join(lines), format="jsonl")
    assert (t.flows, t.records, t.check.flows) == (3, 9, 3)
    assert [u["records"] for u in t.unresolved] == [1]
    suggested = netpol.Engine.from_yaml(pods_and_namespaces_only() + "---\n" + t.yaml)
    for src, dst, port, _ in flows:
        assert suggested.allowed(src, dst, port), (src, dst, port)
    assert not suggested.allowed(FRONTEND, POSTGRES, 5432)
    assert not suggested.allowed(API, "203.0.113.11", 443)


def test_traffic_calls_share_one_engine_across_threads(engine: netpol.Engine) -> None:
    expected = (engine.flows(HUBBLE), engine.reach(POSTGRES), engine.suggest(HUBBLE).yaml)
    errors: List[int] = []

    def work(k: int) -> None:
        for _ in range(3):
            if (engine.flows(HUBBLE), engine.reach(POSTGRES), engine.suggest(HUBBLE).yaml) != expected:
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_paths_may_be_path_like(engine: netpol.Engine) -> None:
    class Path(os.PathLike):  # type: ignore[type-arg]
        def __fspath__(self) -> str:
            return str(HUBBLE)

    assert engine.flows(Path()) == engine.flows(str(HUBBLE))


def test_select_pod_and_policy(engine: netpol.Engine) -> None:
    found = engine.select_pod(POSTGRES)
    assert found["pod"] == POSTGRES
    assert "shop/postgres-from-api" in found["ingress"] and "shop/default-deny" in found["egress"]
    assert any(
        p["policy"] == "NetworkPolicy shop/api-to-postgres" and p["path"] == "spec.egress[0].to[0]"
        for p in found["peer_of"]
    )
    policy = engine.select_policy("shop/api-to-postgres")
    assert policy["directions"] == ["Egress"]
    assert len(policy["selects"]) == 2
    assert policy["rules"][0]["peers"][0]["pods"] == [POSTGRES]
    with pytest.raises(ValueError, match="no policy"):
        engine.select_policy("shop/nope")
    with pytest.raises(ValueError):
        engine.select_pod("shop/nope")


def test_python_m_netpol_runs_the_command_line() -> None:
    import subprocess
    import sys

    check = subprocess.run(
        [sys.executable, "-m", "netpol", "check", str(EXAMPLE), "--from", API, "--to", POSTGRES, "--port", "5432"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith("ALLOWED"), check.stdout
    denied = subprocess.run(
        [sys.executable, "-m", "netpol", "check", str(EXAMPLE), "--from", POSTGRES, "--to", API, "--port", "8080"],
        capture_output=True,
        text=True,
    )
    assert denied.returncode == 1 and denied.stdout.startswith("DENIED"), denied.stdout
    usage = subprocess.run([sys.executable, "-m", "netpol", "nonsense"], capture_output=True, text=True)
    assert usage.returncode == 2 and "python -m netpol" in usage.stderr, usage.stderr
