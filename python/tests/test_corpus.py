"""The shared test corpus (core/testdata/cases) through the Python face: every expected
verdict (and per-family verdict, where a check gives ``families``), loaded with
Engine.from_objects from the case's objects and model."""

from __future__ import annotations

import pathlib
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

import netpol
from conftest import TESTDATA


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only, as netpol reads YAML (``on``/``no``/``y`` stay strings)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"] for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
for _first in "tTfF":
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list(_first)
    )


def _cases() -> Iterator[Tuple[str, Dict[str, Any]]]:
    for path in sorted((TESTDATA / "cases").glob("*.yaml")):
        for case in yaml.load(path.read_text(), Loader=_Loader)["cases"]:
            yield f"{path.stem}:{case['name']}", case


CASES = list(_cases())


def _covers(pattern: str, pod: str) -> bool:
    if pattern == "*":
        return True
    pns, pname = pattern.split("/", 1)
    ns, name = pod.split("/", 1)
    return pns in ("*", ns) and pname in ("*", name)


def _engine(case: Dict[str, Any]) -> netpol.Engine:
    objects: List[Any] = []
    if "model" in case:
        model = yaml.load((TESTDATA / "models" / f"{case['model']}.yaml").read_text(), Loader=_Loader)
        objects.extend(model["items"])
    objects.extend(case.get("objects") or [])
    options = case.get("options") or {}
    return netpol.Engine.from_objects(
        objects,
        self_traffic=options.get("self_traffic", "allow"),
        ipblock_pod_ips="match" if options.get("ip_block_matches_pods", True) else "ignore",
        strict=options.get("strictness", "strict") == "strict",
        tie=options.get("tie", "deny-wins"),
    )


def test_corpus_is_large() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("name,case", CASES, ids=[n for n, _ in CASES])
def test_case(name: str, case: Dict[str, Any]) -> None:
    engine = _engine(case)
    self_allowed = (case.get("options") or {}).get("self_traffic", "allow") == "allow"
    failures = []
    for expect in case["expect"]:
        if "matrix" in expect:
            port, protocol = expect["matrix"]["port"], expect["matrix"].get("protocol", "TCP")
            m = engine.matrix(port, protocol)
            for i, src in enumerate(m.pods):
                for j, dst in enumerate(m.pods):
                    want = expect["default"]
                    for cell in expect.get("cells") or []:
                        if _covers(cell["from"], src) and _covers(cell["to"], dst):
                            want = cell["allowed"]
                    if i == j and self_allowed:
                        want = True
                    if m.allowed[i][j] != want:
                        failures.append(f"matrix {src} -> {dst} {port}/{protocol}: want {want}")
        else:
            query = (expect["from"], expect["to"], expect["port"], expect.get("protocol", "TCP"))
            got = engine.allowed(*query)
            if got != expect["allowed"]:
                failures.append(f"{expect['from']} -> {expect['to']} {expect['port']}: want {expect['allowed']}")
            if "families" in expect and engine.verdict(*query).families != expect["families"]:
                failures.append(f"{expect['from']} -> {expect['to']} {expect['port']}: want families {expect['families']}")
    assert not failures, "\n".join(failures)
