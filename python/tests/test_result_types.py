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


FLOW_LINES = "\n".join(
    [
        # Observed dropped, allowed by these policies: newly allowed.
        '{"src": "shop/frontend-6c8f9b7d4-2lmnp", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080, "verdict": "DROPPED"}',
        # A pod the cluster does not have and no labels to match it by: unresolved.
        '{"src": "shop/ghost", "dst": "shop/api-7f6d5c8b9-4kx8m", "port": 8080}',
    ]
)


def test_reach_flows_and_diff_shapes_match_the_engine() -> None:
    e = netpol.Engine.from_files(REPO / "examples" / "cluster.yaml")
    for direction in ("to", "from"):
        reach = e.reach("shop/api-7f6d5c8b9-4kx8m", direction=direction)
        part = reach["parts"][0]
        assert part["peers"] and part["peers"][0]["grants"]
        check(reach, netpol.Reach, f"reach {direction}")
        if part["external"]:
            check(part["external"][0], netpol._results.ReachExternal, f"reach {direction} external")
    assert e.reach("shop/api-7f6d5c8b9-4kx8m", direction="from")["parts"][0]["external"]
    broken = netpol.Engine.from_files(
        REPO / "examples" / "cluster.yaml", REPO / "examples" / "flows" / "broken" / "prometheus-egress.yaml"
    )
    flows = broken.flows(REPO / "examples" / "flows" / "hubble.jsonl")
    assert flows["denied"] and flows["matched"] and flows["rules"] and flows["unused_rules"] and flows["skipped"]
    check(flows, netpol.FlowReport, "flows")
    more = e.flows_from_text(FLOW_LINES)
    assert more["newly_allowed"] and more["unresolved"]
    check(more, netpol.FlowReport, "flows from text")
    before = netpol.Engine.from_files(REPO / "examples" / "pr" / "before")
    after = netpol.Engine.from_files(REPO / "examples" / "pr" / "after")
    for d in (netpol.diff(before, after), netpol.diff(e, broken)):
        assert d["changes"] and d["pairs"]
        check(d, netpol.Diff, "diff")
    grown = netpol.diff(e, broken)
    assert grown["external"] or grown["policies"]["added"]
    check(grown["policies"], netpol._results.DiffPolicies, "diff policies")


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
