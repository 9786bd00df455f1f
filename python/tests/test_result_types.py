"""The TypedDicts of netpol._results describe the dicts the engine really returns: every key
declared is present and nothing undeclared appears, at every level the types spell out."""

from __future__ import annotations

from typing import Any, List, get_args, get_origin, get_type_hints

import netpol
from conftest import REPO


def check(value: Any, typ: Any, where: str) -> None:
    """Asserts that `value` has exactly the keys of the TypedDict `typ`, recursively into lists
    and nested TypedDicts."""
    if isinstance(typ, type) and hasattr(typ, "__required_keys__"):
        assert isinstance(value, dict), where
        hints = get_type_hints(typ)
        assert set(value) == set(hints), f"{where}: keys {sorted(value)} != declared {sorted(hints)}"
        for key, hint in hints.items():
            check(value[key], hint, f"{where}.{key}")
    elif get_origin(typ) in (list, List) and value:
        check(value[0], get_args(typ)[0], f"{where}[0]")


def test_every_declared_shape_matches_the_engine() -> None:
    e = netpol.Engine.from_files(REPO / "examples" / "cluster.yaml")
    audit = e.audit()
    assert audit["findings"] and audit["coverage"]
    check(audit, netpol.AuditReport, "audit")
    verify = e.verify(REPO / "cli" / "tests" / "data" / "verify-broken.yaml")
    assert verify["expectations"]
    check(verify, netpol.VerifyReport, "verify")
    connectivity = e.connectivity()
    assert connectivity["pairs"] and connectivity["external"]
    check(connectivity, netpol.Connectivity, "connectivity")
    pod = e.select_pod("shop/postgres-0")
    assert pod["peer_of"]
    check(pod, netpol.PodSelection, "select_pod")
    policy = e.select_policy("shop/api-to-postgres")
    assert policy["rules"] and policy["rules"][0]["peers"]
    check(policy, netpol.PolicySelection, "select_policy")


def test_the_check_fails_on_a_missing_or_extra_key() -> None:
    e = netpol.Engine.from_files(REPO / "examples" / "cluster.yaml")
    pod = dict(e.select_pod("shop/postgres-0"))
    pod["extra"] = 1
    try:
        check(pod, netpol.PodSelection, "select_pod")
    except AssertionError as err:
        assert "extra" in str(err)
    else:
        raise AssertionError("an extra key passed")
