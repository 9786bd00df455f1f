"""Long calls stop at Ctrl-C, tables too large for memory raise MemoryError instead of ending the
interpreter, and calls that need flows raise ValueError without them."""

from __future__ import annotations

import json
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
from typing import Any, Callable, Dict, List

import pytest

import netpol
from conftest import API, FRONTEND

PODS = 5_000

# A press that lands while CPython runs a weakref callback or `__del__` raises there, and CPython
# reports it as "Exception ignored in ..." (an unraisable exception) instead of interrupting; the
# test presses again until one lands (see `interrupted`). pytest would turn each ignored press into
# a failure under `filterwarnings = error`, so this module lets those warnings pass.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def big_cluster(pods: int) -> str:
    """`pods` pods in 10 namespaces, 20 apps each, with a default-deny and an allow-from-the-next-app
    policy per namespace: a truth table of pods² cells that takes a while to hand to Python."""
    items: List[Dict[str, Any]] = []
    for n in range(10):
        ns = f"team-{n}"
        items.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        items.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "default-deny", "namespace": ns},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
            }
        )
        for a in range(20):
            items.append(
                {
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": f"app-{a}", "namespace": ns},
                    "spec": {
                        "podSelector": {"matchLabels": {"app": f"app-{a}"}},
                        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": f"app-{(a + 1) % 20}"}}}]}],
                    },
                }
            )
    for p in range(pods):
        items.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"pod-{p}", "namespace": f"team-{p % 10}", "labels": {"app": f"app-{p % 20}"}},
                "status": {"podIP": f"10.{64 + p // 65536}.{p // 256 % 256}.{p % 256}"},
            }
        )
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})


@pytest.fixture(scope="module")
def big_engine() -> netpol.Engine:
    return netpol.Engine.from_yaml(big_cluster(PODS))


def interrupted(call: Callable[[], Any]) -> KeyboardInterrupt:
    """Calls `call` over and over while a thread presses Ctrl-C (sends SIGINT to the main
    thread) every 50 ms; returns the KeyboardInterrupt it raised.

    Ctrl-C is pressed again until it lands, as a user would: CPython runs a signal's handler at
    the next check, and when that check falls in a weakref callback or `__del__` during garbage
    collection, the KeyboardInterrupt raised there is ignored ("Exception ignored in ..."). While
    the test runs, the handler raises only until the call is interrupted, so a press that is
    still pending afterwards does nothing."""
    main = threading.main_thread().ident
    assert main is not None and threading.current_thread() is threading.main_thread()
    armed, stop = threading.Event(), threading.Event()
    armed.set()

    def handler(signum: int, frame: Any) -> None:
        if armed.is_set():
            raise KeyboardInterrupt

    def press() -> None:
        while not stop.wait(0.05):
            signal.pthread_kill(main, signal.SIGINT)

    previous = signal.signal(signal.SIGINT, handler)
    presser = threading.Thread(target=press)
    presser.start()
    try:
        with pytest.raises(KeyboardInterrupt) as caught:
            for _ in range(1_000):
                call()
    finally:
        armed.clear()
        stop.set()
        presser.join()
        signal.signal(signal.SIGINT, previous)
    return caught.value


def test_ctrl_c_stops_a_long_matrix(big_engine: netpol.Engine) -> None:
    error = interrupted(lambda: big_engine.matrix(8080))
    assert isinstance(error, KeyboardInterrupt)
    # The engine is unharmed: the next call answers in full.
    small = big_engine.matrix(8080)
    assert len(small.allowed) == PODS and sum(map(sum, small.allowed)) > 0


def test_ctrl_c_stops_loading() -> None:
    text = big_cluster(PODS)
    interrupted(lambda: netpol.Engine.from_yaml(text))


def test_ctrl_c_stops_reading_flows(big_engine: netpol.Engine) -> None:
    line = json.dumps({"src": "team-0/pod-0", "dst": "team-0/pod-10", "port": 80}) + "\n"
    text = line * 200_000
    interrupted(lambda: big_engine.flows_from_text(text, format="jsonl"))
    assert big_engine.flows_from_text(line, format="jsonl")["summary"]["records"] == 1


def test_ctrl_c_stops_audit_and_connectivity(big_engine: netpol.Engine) -> None:
    interrupted(lambda: (big_engine.audit(), big_engine.connectivity()))


def test_a_matrix_too_large_for_memory_is_a_memory_error(tmp_path: pathlib.Path) -> None:
    # In a child interpreter whose address space leaves 16 MiB: the 5,000-pod table needs about
    # 28 MB (one byte a cell), which would abort the process if it were allocated; its rows as
    # lists of bools (about 200 MB more) are refused alike when asked for.
    cluster = tmp_path / "big.json"
    cluster.write_text(big_cluster(PODS))
    script = textwrap.dedent(
        f"""
        import resource, netpol
        engine = netpol.Engine.from_files({str(cluster)!r})
        status = open("/proc/self/status").read()
        used = int(status.split("VmSize:")[1].split()[0]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + (16 << 20), resource.RLIM_INFINITY))
        try:
            engine.matrix(8080)
            print("no error")
        except MemoryError as e:
            print("MemoryError:", e)
        """
    )
    if not pathlib.Path("/proc/self/status").exists():
        pytest.skip("needs Linux's /proc to size the address space")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("MemoryError: the matrix of 5000 pods needs about"), done.stdout + done.stderr


def test_flows_and_suggest_without_flows_are_value_errors(engine: netpol.Engine) -> None:
    with pytest.raises(ValueError, match="no flows given"):
        engine.flows()
    with pytest.raises(ValueError, match="no flows given"):
        engine.flows_from_text(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no flows given"):
        engine.suggest()
    with pytest.raises(ValueError, match="no flows given"):
        engine.suggest_from_text(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no flows to suggest from"):
        engine.suggest_from_text("\n", format="jsonl")
    # With flows, both answer.
    line = json.dumps({"src": FRONTEND, "dst": API, "port": 8080})
    assert engine.flows_from_text(line, format="jsonl")["summary"]["records"] == 1
    assert engine.suggest_from_text(line, format="jsonl").flows == 1
