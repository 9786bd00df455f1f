"""netpol.Live (issue 20): watch events applied incrementally; snapshots keep their state;
bad events raise and leave the state as it was; one writer thread and reader threads."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

import netpol
from conftest import EXAMPLE, REPO

ALLOW_ALL: Dict[str, Any] = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "allow-all", "namespace": "shop"},
    "spec": {"podSelector": {}, "ingress": [{}], "egress": [{}]},
}


def event(kind: str, obj: Dict[str, Any]) -> Dict[str, Any]:
    return {"type": kind, "object": obj}


def test_events_change_new_snapshots_and_never_old_ones() -> None:
    live = netpol.Live.from_yaml(Path(EXAMPLE).read_text())
    before = live.snapshot()
    assert not before.allowed("shop/postgres-0", "shop/api-7f6d5c8b9-4kx8m", 8080)
    assert live.apply(event("ADDED", ALLOW_ALL)) == "recompiled"
    after = live.snapshot()
    assert after.allowed("shop/postgres-0", "shop/api-7f6d5c8b9-4kx8m", 8080)
    assert not before.allowed("shop/postgres-0", "shop/api-7f6d5c8b9-4kx8m", 8080)
    assert live.apply(json.dumps(event("ADDED", ALLOW_ALL))) == "unchanged"
    assert live.apply(event("DELETED", ALLOW_ALL)) == "recompiled"
    assert not live.snapshot().allowed("shop/postgres-0", "shop/api-7f6d5c8b9-4kx8m", 8080)
    assert live.apply({"type": "BOOKMARK", "object": {"kind": "Pod"}}) == "ignored"


def test_a_rollout_pod_joins_its_identity_without_a_compile() -> None:
    live = netpol.Live.from_yaml(Path(EXAMPLE).read_text())
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "api-5b9c7d6f4-x2k9q",
            "namespace": "shop",
            "labels": {"app": "api", "tier": "backend", "pod-template-hash": "5b9c7d6f4"},
        },
        "spec": {"containers": [{"name": "api", "ports": [{"name": "http", "containerPort": 8080}, {"name": "metrics", "containerPort": 9090}]}]},
        "status": {"phase": "Running", "podIP": "10.244.1.33", "podIPs": [{"ip": "10.244.1.33"}]},
    }
    assert live.apply(event("ADDED", pod)) == "patched"
    engine = live.snapshot()
    assert engine.allowed("shop/api-5b9c7d6f4-x2k9q", "shop/postgres-0", 5432)
    assert engine.allowed("10.244.1.33", "shop/postgres-0", 5432)
    assert live.apply(event("DELETED", pod)) == "patched"
    assert "shop/api-5b9c7d6f4-x2k9q" not in live.snapshot().pods
    assert live.stats()["patched"] == 2


def test_bad_events_raise_and_keep_the_state() -> None:
    live = netpol.Live.from_yaml(Path(EXAMPLE).read_text())
    pods = live.snapshot().pods
    with pytest.raises(netpol.ParseError, match="malformed JSON"):
        live.apply('{"type": "ADDED" "object": {}}')
    with pytest.raises(netpol.ValidationError, match="not held"):
        live.apply(event("DELETED", {"kind": "Pod", "metadata": {"name": "nobody", "namespace": "shop"}}))
    with pytest.raises(netpol.ParseError, match="410"):
        live.apply({"type": "ERROR", "object": {"kind": "Status", "code": 410, "message": "too old"}})
    bad = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "typo", "namespace": "shop", "lables": {}}}
    with pytest.raises(netpol.ValidationError, match="lables"):
        live.apply(event("ADDED", bad))
    assert live.snapshot().pods == pods
    assert live.stats()["refused"] == 1  # the deletion; the others never became changes


def test_a_full_listing_resyncs() -> None:
    live = netpol.Live.from_yaml("")
    assert live.snapshot().pods == []
    listing = {"apiVersion": "v1", "kind": "List", "items": [ALLOW_ALL]}
    assert live.apply(json.dumps(listing)) == "resynced"
    assert live.snapshot().policies == ["shop/allow-all"]


def test_one_writer_and_reader_threads() -> None:
    live = netpol.Live.from_yaml(Path(EXAMPLE).read_text())
    query = ("shop/postgres-0", "shop/api-7f6d5c8b9-4kx8m", 8080, "TCP")
    errors: List[str] = []
    seen = {True: 0, False: 0}
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            engine = live.snapshot()
            answers = {engine.allowed(*query) for _ in range(3)}
            if len(answers) != 1:
                errors.append("a snapshot changed its answer")
            seen[answers.pop()] += 1

    readers = [threading.Thread(target=read) for _ in range(3)]
    for t in readers:
        t.start()
    for _ in range(30):
        live.apply(event("ADDED", ALLOW_ALL))
        live.apply(event("DELETED", ALLOW_ALL))
    done.set()
    for t in readers:
        t.join()
    assert errors == []
    assert seen[False] > 0


def test_the_example_stream_applies_event_by_event() -> None:
    live = netpol.Live.from_yaml(Path(EXAMPLE).read_text())
    text = (REPO / "examples" / "watch" / "stream.json").read_text()
    decoder = json.JSONDecoder()
    at, outcomes = 0, []
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        try:
            doc, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            break  # the malformed document, then the cut one: netpol's own reader reports them
        try:
            outcomes.append(live.apply(doc))
        except netpol.PolicyError:
            outcomes.append("refused")
    assert outcomes[:6] == ["recompiled", "recompiled", "patched", "recompiled", "recompiled", "patched"]
    assert outcomes.count("refused") == 0
