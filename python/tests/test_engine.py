"""The Engine API on the bundled example cluster."""

from __future__ import annotations

import ipaddress
import pathlib

import pytest
import yaml

import netpol
from conftest import API, EXAMPLE, FRONTEND, POSTGRES, REPO


def test_lookups_and_properties(engine: netpol.Engine) -> None:
    assert len(engine.pods) == 8
    assert engine.pods == sorted(engine.pods, key=lambda p: p.split("/", 1))
    assert "shop/default-deny" in engine.policies and len(engine.policies) == 12
    assert any("db-migrate" in w and "Succeeded" in w for w in engine.warnings)
    assert 1 <= engine.identities <= 8
    assert repr(engine) == "<netpol.Engine: 8 pods, 12 policies>"


def test_allowed_between_pods_and_ips(engine: netpol.Engine) -> None:
    assert engine.allowed(API, POSTGRES, 5432) is True
    assert engine.allowed(FRONTEND, POSTGRES, 5432) is False
    assert engine.allowed(API, POSTGRES, 5432, "UDP") is False
    assert engine.allowed(API, "203.0.113.10", 443)
    assert not engine.allowed(API, "203.0.113.200", 443)
    assert engine.allowed(ipaddress.ip_address("198.51.100.7"), FRONTEND, 8080)
    assert not engine.allowed(ipaddress.IPv4Address("10.9.9.9"), FRONTEND, 8080)
    # A pod's IP is that pod.
    assert engine.allowed("10.244.1.21", API, 8080) == engine.allowed(FRONTEND, API, 8080) is True
    assert engine.verdict(FRONTEND, POSTGRES, 5432) == (False, False, False)
    assert engine.verdict("198.51.100.7", POSTGRES, 5432) == (False, True, False)


def test_allowed_many_matches_allowed(engine: netpol.Engine) -> None:
    queries = [(s, d, p, proto) for s in engine.pods for d in engine.pods for p in (53, 5432, 8080, 9090) for proto in ("TCP", "UDP")]
    assert engine.allowed_many(queries) == [engine.allowed(*q) for q in queries]


def test_explain_is_typed_and_readable(engine: netpol.Engine) -> None:
    e = engine.explain(API, POSTGRES, 5432)
    assert e.allowed and bool(e)
    assert (e.source, e.destination, e.port, e.protocol) == (API, POSTGRES, 5432, "TCP")
    assert e.egress.reason == "admitted" and e.ingress.reason == "admitted"
    rule = e.ingress.admitted_by[0]
    assert rule == netpol.RuleRef(
        policy="shop/postgres-from-api", rule=0, peer=0, port=0, path="spec.ingress[0].from[0] + spec.ingress[0].ports[0]"
    )
    assert "shop/default-deny" in e.ingress.isolating_policies
    assert str(e).startswith(f"ALLOWED: {API} -> {POSTGRES} on 5432/TCP")

    denied = engine.explain("10.9.9.9", FRONTEND, 8080)
    assert not denied.allowed
    assert denied.egress.reason == "not-a-pod"
    assert denied.ingress.reason == "no-rule-admits"
    misses = {m.policy: m for m in denied.ingress.not_admitting}
    assert misses["shop/frontend-from-internet"].port_matched and not misses["shop/frontend-from-internet"].peer_matched
    assert "no rule admits" in str(denied)


def test_matrix_lists_and_numpy(engine: netpol.Engine) -> None:
    m = engine.matrix(8080)
    assert (m.port, m.protocol, len(m)) == (8080, "TCP", 8)
    assert m.pods == engine.pods
    assert all(len(row) == 8 for row in m.allowed)
    for i, s in enumerate(m.pods):
        for j, d in enumerate(m.pods):
            assert m.allowed[i][j] == engine.allowed(s, d, 8080)
    assert m.cell(FRONTEND, API) and not m.cell(API, FRONTEND)
    np = pytest.importorskip("numpy")
    assert isinstance(m.array, np.ndarray) and m.array.dtype == bool
    assert m.array.tolist() == m.allowed
    # One byte a cell, shared with NumPy without a copy; read-only.
    assert len(m.raw) == 64 and set(m.raw) <= {0, 1}
    assert not m.array.flags.writeable and m.array.base is not None
    with pytest.raises(KeyError, match="no pod 'shop/nope' in the matrix"):
        m.cell("shop/nope", API)
    assert repr(m) == "Matrix(port=8080, protocol='TCP', pods=8)"


def test_connectivity_agrees_with_allowed(engine: netpol.Engine) -> None:
    c = engine.connectivity()
    pairs = {(p["from"], p["to"]): p["ports"] for p in c["pairs"]}
    assert pairs[(FRONTEND, API)] == {"TCP": ["8080"]}
    assert (FRONTEND, POSTGRES) not in pairs
    for (s, d), ports in pairs.items():
        for proto, value in ports.items():
            port = 80 if value == "all" else int(value[0].split("-")[0])
            assert engine.allowed(s, d, port, proto), (s, d, port, proto)
    api = next(e for e in c["external"] if e["pod"] == API)
    assert api["egress"] == [{"cidrs": ["203.0.113.0/25"], "ports": {"TCP": ["443"]}}]


def test_from_yaml_objects_and_files_agree(engine: netpol.Engine, tmp_path: pathlib.Path) -> None:
    text = EXAMPLE.read_text()
    by_text = netpol.Engine.from_yaml(text)
    by_objects = netpol.Engine.from_objects(yaml.safe_load_all(text))
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "cluster.yaml").write_text(text)
    by_dir = netpol.Engine.from_files(tmp_path)
    for other in (by_text, by_objects, by_dir):
        assert other.pods == engine.pods and other.policies == engine.policies
        assert other.matrix(5432).allowed == engine.matrix(5432).allowed


def test_from_objects_accepts_the_kubernetes_clients_to_dict_shape() -> None:
    # What kubernetes.client.V1NetworkPolicy(...).to_dict() returns: snake_case, None for unset.
    policy = {
        "api_version": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-web", "namespace": "shop", "labels": {"app_name": "web"}, "annotations": None},
        "spec": {
            "pod_selector": {"match_labels": {"app_role": "db"}, "match_expressions": None},
            "policy_types": ["Ingress"],
            "ingress": [
                {
                    "_from": [
                        {
                            "pod_selector": {"match_labels": {"app_role": "web"}, "match_expressions": None},
                            "namespace_selector": None,
                            "ip_block": None,
                        }
                    ],
                    "ports": [{"port": 5432, "protocol": "TCP", "end_port": None}],
                }
            ],
            "egress": None,
        },
    }
    pods = [
        {
            "api_version": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "shop", "labels": labels},
            "status": {"pod_ip": ip, "pod_i_ps": [{"ip": ip}], "host_ip": "192.168.0.1", "phase": "Running"},
        }
        for name, labels, ip in [
            ("db", {"app_role": "db"}, "10.0.0.1"),
            ("web", {"app_role": "web"}, "10.0.0.2"),
            ("other", {"app_role": "other"}, "10.0.0.3"),
        ]
    ]
    e = netpol.Engine.from_objects([policy, *pods])
    assert e.pods == ["shop/db", "shop/other", "shop/web"]
    assert e.allowed("shop/web", "shop/db", 5432)
    assert not e.allowed("shop/other", "shop/db", 5432)  # `_from` is read as `from`
    assert e.allowed("10.0.0.2", "shop/db", 5432)  # `pod_ip`/`pod_i_ps` are read: that IP is web
    assert not e.allowed("shop/web", "shop/db", 5433)
    assert e.allowed("shop/db", "shop/web", 5433)  # web is not selected


def test_options() -> None:
    text = EXAMPLE.read_text()
    evaluate = netpol.Engine.from_yaml(text, self_traffic="evaluate")
    assert not evaluate.allowed(POSTGRES, POSTGRES, 8080)
    assert netpol.Engine.from_yaml(text).allowed(POSTGRES, POSTGRES, 8080)
    ignore = netpol.Engine.from_yaml(text, ipblock_pod_ips="ignore")
    assert ignore.pods == evaluate.pods


def test_version() -> None:
    assert netpol.__version__.count(".") == 2


def test_readme_audit_script() -> None:
    import subprocess
    import sys

    script = REPO / "python" / "examples" / "audit_any_namespace.py"
    out = subprocess.run([sys.executable, str(script), str(EXAMPLE)], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "kube-system/coredns-5d78c9869d-7xk2p accepts ingress from every namespace on 53/TCP, 53/UDP, 9153/TCP",
        "kube-system/coredns-5d78c9869d-q9w4z accepts ingress from every namespace on 53/TCP, 53/UDP, 9153/TCP",
    ]


def test_admin_tiers_decide_and_explain() -> None:
    e = netpol.Engine.from_files(REPO / "examples" / "admin-tiers.yaml")
    assert not e.allowed("ops/tool", "shop/db", 5432)
    assert e.allowed("shop/api", "shop/db", 5432)
    x = e.explain("ops/tool", "shop/db", 5432)
    assert "denied by admin policy ClusterNetworkPolicy protect-db priority 10" in str(x)
    assert x.ingress.reason == "admin-denied" and x.egress.admin is None
    step = x.ingress.admin
    assert step is not None and step.action == "Deny" and not step.ambiguous
    assert step.matches == [
        netpol.TierMatch(
            kind="ClusterNetworkPolicy", policy="protect-db", priority=10, rule=1, rule_name="nobody-else",
            action="Deny", peer=0, port=None,
        )
    ]


def test_tie_decides_equal_priorities() -> None:
    text = """
apiVersion: v1
kind: Pod
metadata: {name: x, namespace: a}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: y, namespace: a}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: open}
spec: {tier: Admin, priority: 7, subject: {namespaces: {}}, ingress: [{action: Accept, from: [{namespaces: {}}]}]}
---
apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: shut}
spec: {tier: Admin, priority: 7, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}
"""
    assert not netpol.Engine.from_yaml(text).allowed("a/x", "a/y", 80)
    assert netpol.Engine.from_yaml(text, tie="accept-wins").allowed("a/x", "a/y", 80)
    with pytest.raises(netpol.ValidationError, match="tie error"):
        netpol.Engine.from_yaml(text, tie="error")
