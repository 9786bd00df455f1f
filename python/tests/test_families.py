"""Address families (DESIGN S9a): verdicts and explanations per shared family, and IP endpoints
that keep their own family, compared with the CLI's ``check``."""

from __future__ import annotations

import dataclasses
import ipaddress
import pathlib
import pickle
from typing import Any, Dict, List, Tuple

import pytest

import netpol
from conftest import cli_json, run_cli

# Issue 15: x/a (IPv4 only) admits ingress from fd00:1::/64 only; x/ds is dual-stack. ds and a
# share IPv4 only, where the IPv6 block cannot match ds: denied.
REPRODUCER = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: x}}
- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x, labels: {app: a}},
   status: {phase: Running, podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: ds, namespace: x, labels: {app: ds}},
   status: {phase: Running, podIP: 10.0.0.2, podIPs: [{ip: 10.0.0.2}, {ip: "fd00:1::2"}]}}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: v6-only, namespace: x}
  spec:
    podSelector: {matchLabels: {app: a}}
    ingress: [{from: [{ipBlock: {cidr: "fd00:1::/64"}}]}]
"""

# The egress twin: x/c (IPv4 only) and x/e (dual-stack) send only to fd00:9::/64; x/d is
# dual-stack. c -> d: IPv4 only, denied; e -> d: allowed over IPv6 only.
EGRESS_TWIN = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: x}}
- {apiVersion: v1, kind: Pod, metadata: {name: c, namespace: x, labels: {role: client}},
   status: {phase: Running, podIP: 10.0.0.1, podIPs: [{ip: 10.0.0.1}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: d, namespace: x, labels: {role: server}},
   status: {phase: Running, podIP: 10.0.0.2, podIPs: [{ip: 10.0.0.2}, {ip: "fd00:9::2"}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: e, namespace: x, labels: {role: client}},
   status: {phase: Running, podIP: 10.0.0.3, podIPs: [{ip: 10.0.0.3}, {ip: "fd00:9::3"}]}}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: v6-egress-only, namespace: x}
  spec:
    podSelector: {matchLabels: {role: client}}
    policyTypes: [Egress]
    egress: [{to: [{ipBlock: {cidr: "fd00:9::/64"}}]}]
"""

# Both pods dual-stack; the server admits client's IPv4 address but excepts its IPv6 one: allowed
# over IPv4 only.
IPV4_ONLY = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: ds}}
- {apiVersion: v1, kind: Pod, metadata: {name: server, namespace: ds, labels: {role: server}},
   status: {phase: Running, podIP: 10.60.0.1, podIPs: [{ip: 10.60.0.1}, {ip: "fd00:60::1"}]}}
- {apiVersion: v1, kind: Pod, metadata: {name: client, namespace: ds, labels: {role: client}},
   status: {phase: Running, podIP: 10.60.0.2, podIPs: [{ip: 10.60.0.2}, {ip: "fd00:60::2"}]}}
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: server-in, namespace: ds}
  spec:
    podSelector: {matchLabels: {role: server}}
    policyTypes: [Ingress]
    ingress:
    - from:
      - ipBlock: {cidr: 10.60.0.0/24}
      - ipBlock: {cidr: "fd00:60::/64", except: ["fd00:60::2/128"]}
"""


def _direction_json(d: netpol.DirectionExplanation) -> Dict[str, Any]:
    return {
        "admin": None if d.admin is None else dataclasses.asdict(d.admin),
        "baseline": None if d.baseline is None else dataclasses.asdict(d.baseline),
        "allowed": d.allowed,
        "reason": d.reason,
        "isolating_policies": d.isolating_policies,
        "admitted_by": [vars(r) for r in d.admitted_by],
        "not_admitting": [vars(m) for m in d.not_admitting],
    }


def _as_json(e: netpol.Explanation) -> Dict[str, Any]:
    """The explanation in the shape ``netpol check -o json`` prints."""
    other = e.other_family
    return {
        "allowed": e.allowed,
        "from": e.source,
        "to": e.destination,
        "port": e.port,
        "protocol": e.protocol,
        "families": e.families,
        "family": e.family,
        "egress": _direction_json(e.egress),
        "ingress": _direction_json(e.ingress),
        "other_family": None
        if other is None
        else {"family": other.family, "egress": _direction_json(other.egress), "ingress": _direction_json(other.ingress)},
    }


def _load(tmp_path: pathlib.Path, text: str) -> Tuple[netpol.Engine, pathlib.Path]:
    path = tmp_path / "cluster.yaml"
    path.write_text(text)
    return netpol.Engine.from_yaml(text), path


def _same_as_cli(engine: netpol.Engine, path: pathlib.Path, src: Any, dst: Any, port: int) -> netpol.Explanation:
    """Python's explanation and verdict agree with each other and with ``netpol check``."""
    e = engine.explain(src, dst, port)
    assert _as_json(e) == cli_json("check", "--from", str(src), "--to", str(dst), "--port", str(port), str(path))
    code, out, _ = run_cli("check", "--from", str(src), "--to", str(dst), "--port", str(port), str(path))
    assert (code, out) == (0 if e.allowed else 1, str(e))
    v = engine.verdict(src, dst, port)
    assert (v.allowed, v.families) == (e.allowed, e.families)
    assert (v.egress, v.ingress) == (e.egress.allowed, e.ingress.allowed)
    return e


def test_reproducer(tmp_path: pathlib.Path) -> None:
    engine, path = _load(tmp_path, REPRODUCER)
    # By name: IPv4 only, and the IPv6 block cannot match ds's IPv4 address.
    assert engine.allowed("x/ds", "x/a", 80) is False
    v = engine.verdict("x/ds", "x/a", 80)
    assert v == (False, True, False) and v.families == {"ipv4": False}
    e = _same_as_cli(engine, path, "x/ds", "x/a", 80)
    assert (e.family, e.families, e.other_family) == ("ipv4", {"ipv4": False}, None)
    assert e.ingress.reason == "no-rule-admits" and e.ingress.isolating_policies == ["x/v6-only"]

    # By ds's IPv4 address: the same question.
    assert engine.allowed("10.0.0.2", "x/a", 80) is False
    assert engine.verdict("10.0.0.2", "x/a", 80) == netpol.Verdict(False, True, False, {"ipv4": False})
    by_v4 = _same_as_cli(engine, path, "10.0.0.2", "x/a", 80)
    assert _as_json(by_v4) == _as_json(e)

    # By ds's IPv6 address: ds over IPv6, which a does not have. No connection can exist.
    assert engine.allowed("fd00:1::2", "x/a", 80) is False
    v6 = engine.verdict("fd00:1::2", "x/a", 80)
    assert v6 == (False, False, False) and v6.families == {}
    none = _same_as_cli(engine, path, "fd00:1::2", "x/a", 80)
    assert (none.family, none.families, none.other_family) == (None, {}, None)
    assert none.egress.reason == none.ingress.reason == "no-common-family"
    assert "no address family in common" in str(none)
    assert engine.verdict(ipaddress.ip_address("fd00:1::2"), "x/a", 80).families == {}

    # ::ffff:10.0.0.2 is 10.0.0.2, as an ipaddress object and as text.
    for mapped in (ipaddress.ip_address("::ffff:10.0.0.2"), "::ffff:10.0.0.2"):
        assert engine.verdict(mapped, "x/a", 80) == engine.verdict("10.0.0.2", "x/a", 80)
        assert _as_json(engine.explain(mapped, "x/a", 80)) == _as_json(by_v4)
        assert str(engine.explain(mapped, "x/a", 80)) == str(by_v4)

    # The other way round: a reaches ds over IPv4, not ds's IPv6 address.
    assert engine.verdict("x/a", "x/ds", 80) == netpol.Verdict(True, True, True, {"ipv4": True})
    assert engine.verdict("x/a", "fd00:1::2", 80).families == {}
    _same_as_cli(engine, path, "x/a", "fd00:1::2", 80)
    # ds to itself: every family it has.
    assert engine.verdict("x/ds", "x/ds", 80).families == {"ipv4": True, "ipv6": True}


def test_egress_twin(tmp_path: pathlib.Path) -> None:
    engine, path = _load(tmp_path, EGRESS_TWIN)
    assert engine.verdict("x/c", "x/d", 80) == netpol.Verdict(False, False, True, {"ipv4": False})
    _same_as_cli(engine, path, "x/c", "x/d", 80)
    assert engine.verdict("x/c", "fd00:9::2", 80).families == {}

    v = engine.verdict("x/e", "x/d", 80)
    assert v == (True, True, True) and v.families == {"ipv4": False, "ipv6": True}
    e = _same_as_cli(engine, path, "x/e", "x/d", 80)
    assert e.family == "ipv6" and e.egress.reason == "admitted"
    assert e.other_family is not None and e.other_family.family == "ipv4"
    assert not e.other_family.egress.allowed and e.other_family.egress.reason == "no-rule-admits"
    assert str(e).startswith("ALLOWED: x/e -> x/d on 80/TCP (allowed over IPv6 only)")
    assert "over IPv4:" in str(e)

    # Each of d's addresses keeps its family.
    assert engine.verdict("x/e", "10.0.0.2", 80) == netpol.Verdict(False, False, True, {"ipv4": False})
    assert engine.verdict("x/e", "fd00:9::2", 80) == netpol.Verdict(True, True, True, {"ipv6": True})
    _same_as_cli(engine, path, "x/e", "10.0.0.2", 80)
    _same_as_cli(engine, path, "fd00:9::3", "x/d", 80)


def test_dual_stack_allowed_over_ipv4_only(tmp_path: pathlib.Path) -> None:
    engine, path = _load(tmp_path, IPV4_ONLY)
    v = engine.verdict("ds/client", "ds/server", 80)
    assert v.allowed and v.families == {"ipv4": True, "ipv6": False}
    e = _same_as_cli(engine, path, "ds/client", "ds/server", 80)
    assert e.family == "ipv4" and e.other_family is not None and e.other_family.family == "ipv6"
    assert e.other_family.ingress.reason == "no-rule-admits"
    assert "(allowed over IPv4 only)" in str(e)
    # The matrix is the pod-level answer: allowed when some shared family allows.
    assert engine.matrix(80).cell("ds/client", "ds/server")
    assert engine.verdict("fd00:60::2", "ds/server", 80) == netpol.Verdict(False, True, False, {"ipv6": False})
    assert engine.verdict("10.60.0.2", "ds/server", 80) == netpol.Verdict(True, True, True, {"ipv4": True})


def test_verdict_many_agrees_with_verdict(tmp_path: pathlib.Path) -> None:
    for text in (REPRODUCER, EGRESS_TWIN, IPV4_ONLY):
        engine, _ = _load(tmp_path, text)
        ends: List[Any] = [*engine.pods, "10.0.0.2", "fd00:1::2", "fd00:9::2", ipaddress.ip_address("::ffff:10.0.0.2")]
        queries = [(s, d, p, "TCP") for s in ends for d in ends for p in (80, 443)]
        many = engine.verdict_many(queries)
        assert many == [engine.verdict(*q) for q in queries]
        assert [v.families for v in many] == [engine.verdict(*q).families for q in queries]
        assert engine.allowed_many(queries) == [v.allowed for v in many]
        assert any(v.families == {} for v in many)


def test_verdict_is_a_tuple_with_families() -> None:
    v = netpol.Verdict(True, True, True, {"ipv4": False, "ipv6": True})
    allowed, egress, ingress = v
    assert (allowed, egress, ingress) == v == (True, True, True)
    assert v != netpol.Verdict(True, True, True, {"ipv6": True})
    assert v == netpol.Verdict(True, True, True, {"ipv4": False, "ipv6": True})
    assert hash(v) == hash((True, True, True))
    assert pickle.loads(pickle.dumps(v)).families == v.families
    assert repr(v) == "Verdict(allowed=True, egress=True, ingress=True, families={'ipv4': False, 'ipv6': True})"
    assert netpol.Verdict(False, False, False).families == {}


@pytest.mark.parametrize("src", ["2001:db8::1", ipaddress.ip_address("2001:db8::1")])
def test_ipv6_to_an_ipv4_only_example_pod(engine: netpol.Engine, src: Any) -> None:
    # The example cluster's pods are IPv4-only: no connection with an IPv6 address can exist.
    v = engine.verdict(src, "shop/frontend-6c8f9b7d4-2lmnp", 8080)
    assert v == (False, False, False) and v.families == {}
    e = engine.explain(src, "shop/frontend-6c8f9b7d4-2lmnp", 8080)
    assert e.family is None and e.egress.reason == "no-common-family"
