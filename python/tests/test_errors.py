"""Bad input: typed exceptions naming object and field; nothing panics."""

from __future__ import annotations

import pytest

import netpol
from conftest import API, EXAMPLE

BAD_CIDR = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad, namespace: x}
spec:
  podSelector: {}
  ingress:
    - from: [{ipBlock: {cidr: 10.0.0.0/99}}]
      ports: [{port: 0}]
"""


def test_validation_error_names_object_and_field() -> None:
    with pytest.raises(netpol.ValidationError) as info:
        netpol.Engine.from_yaml(BAD_CIDR)
    err = info.value
    assert isinstance(err, netpol.PolicyError)
    assert err.object == "x/bad"
    assert err.field == "spec.ingress[0].from[0].ipBlock.cidr"
    assert "invalid CIDR" in err.message
    assert [(p.kind, p.object, p.field) for p in err.problems] == [
        ("NetworkPolicy", "x/bad", "spec.ingress[0].from[0].ipBlock.cidr"),
        ("NetworkPolicy", "x/bad", "spec.ingress[0].ports[0].port"),
    ]
    assert "2 problems" in str(err)
    assert str(err.problems[1]).startswith("<text>: NetworkPolicy x/bad: spec.ingress[0].ports[0].port: invalid port 0")
    # The line of each field in the text (BAD_CIDR starts with an empty line).
    assert [p.line for p in err.problems] == [8, 9]


def test_lenient_mode_skips_and_warns() -> None:
    e = netpol.Engine.from_yaml(BAD_CIDR, strict=False)
    assert e.policies == []
    assert any("object skipped" in w and "x/bad" in w for w in e.warnings)


@pytest.mark.parametrize(
    "text", ["kind: Pod\nmetadata: {name: [\n", "{not json", "- just\n- a list\n", "apiVersion: v1\nmetadata: {name: a}\n"]
)
def test_parse_errors(text: str) -> None:
    with pytest.raises(netpol.ParseError) as info:
        netpol.Engine.from_yaml(text)
    assert info.value.problems and info.value.problems[0].origin == "<text>"
    assert info.value.problems[0].line is None or info.value.problems[0].line >= 1


def test_unreadable_file_is_a_parse_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(netpol.ParseError, match="cannot read"):
        netpol.Engine.from_files(tmp_path / "missing.yaml")


def test_bad_arguments_are_value_errors() -> None:
    e = netpol.Engine.from_files(EXAMPLE)
    with pytest.raises(ValueError, match="no such pod"):
        e.allowed("shop/nope", API, 80)
    with pytest.raises(ValueError, match="unknown protocol"):
        e.allowed(API, API, 80, "ICMP")
    with pytest.raises(ValueError, match="between 1 and 65535"):
        e.allowed(API, API, 0)
    with pytest.raises((ValueError, OverflowError)):
        e.allowed(API, API, 70000)
    with pytest.raises(ValueError, match="self_traffic"):
        netpol.Engine.from_yaml("", self_traffic="sometimes")
    with pytest.raises(ValueError, match="ipblock_pod_ips"):
        netpol.Engine.from_yaml("", ipblock_pod_ips="maybe")
    with pytest.raises(ValueError, match="tie"):
        netpol.Engine.from_yaml("", tie="first")


def test_unknown_pods_are_unknown_endpoint_errors_saying_what_there_is() -> None:
    e = netpol.Engine.from_files(EXAMPLE)
    # A workload's name, not a pod's: the error lists its pods (a ValueError too).
    with pytest.raises(netpol.UnknownEndpointError, match="shop/api-7f6d5c8b9-4kx8m") as info:
        e.allowed("shop/api", API, 80)
    assert isinstance(info.value, ValueError)
    for call in (lambda: e.reach("shop/nope"), lambda: e.select_pod("shop/nope")):
        with pytest.raises(netpol.UnknownEndpointError, match="no such pod"):
            call()


def test_the_constructor_refuses_text_and_paths_with_a_hint() -> None:
    for wrong in ("examples/cluster.yaml", b"apiVersion: v1", 3):
        with pytest.raises(TypeError, match=r"Engine.from_files\(path\), Engine.from_yaml\(text\)"):
            netpol.Engine(wrong)  # type: ignore[arg-type]


def test_empty_input_is_an_empty_cluster() -> None:
    e = netpol.Engine.from_yaml("")
    assert e.pods == [] and e.matrix(80).allowed == []


LEFT_OUT = """
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: hn, namespace: kube-system}, spec: {hostNetwork: true}, status: {phase: Running, podIP: 192.168.1.5}}
- {apiVersion: v1, kind: Pod, metadata: {name: job-1, namespace: x}, status: {phase: Succeeded, podIP: 10.0.0.9}}
- {apiVersion: v1, kind: Pod, metadata: {name: web, namespace: x}, status: {phase: Running, podIP: 10.0.0.2}}
"""


def test_left_out_pods_are_named_as_such() -> None:
    e = netpol.Engine.from_yaml(LEFT_OUT)
    with pytest.raises(ValueError) as info:
        e.allowed("kube-system/hn", "x/web", 80)
    assert str(info.value) == (
        "kube-system/hn was left out: hostNetwork pods are not isolated by NetworkPolicy; its IP is an outside address"
    )
    with pytest.raises(ValueError) as info:
        e.reach("x/job-1")
    assert str(info.value) == (
        "x/job-1 was left out: its phase is Succeeded (finished pods hold no connections); its IP is an outside address"
    )
    # Other names keep the usual wording; the left-out pod's IP is an outside address.
    with pytest.raises(ValueError, match="no such pod"):
        e.allowed("kube-system/nope", "x/web", 80)
    assert e.allowed("192.168.1.5", "x/web", 80)
