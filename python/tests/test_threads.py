"""One engine shared by many Python threads gives the same answers as one thread."""

from __future__ import annotations

import threading
from typing import List

import netpol
from conftest import EXAMPLE


def test_threads_share_one_engine() -> None:
    engine = netpol.Engine.from_files(EXAMPLE)
    queries = [(s, d, p, "TCP") for s in engine.pods for d in engine.pods for p in (53, 5432, 8080, 9090, 9150)]
    expected = [engine.allowed(*q) for q in queries]
    expected_matrix = engine.matrix(8080).allowed
    errors: List[str] = []

    def work(k: int) -> None:
        for _ in range(20):
            if k % 3 == 0 and engine.allowed_many(queries) != expected:
                errors.append("allowed_many")
            if k % 3 == 1 and [engine.allowed(*q) for q in queries] != expected:
                errors.append("allowed")
            if k % 3 == 2 and engine.matrix(8080).allowed != expected_matrix:
                errors.append("matrix")
            engine.connectivity()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
