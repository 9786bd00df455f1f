"""Shared fixtures: the repository's example cluster and test corpus, and the CLI to compare with."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
from typing import Any, Dict, Optional, Tuple

import pytest

import netpol

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cluster.yaml"
TESTDATA = REPO / "core" / "testdata"

API = "shop/api-7f6d5c8b9-4kx8m"
FRONTEND = "shop/frontend-6c8f9b7d4-2lmnp"
POSTGRES = "shop/postgres-0"

# The CLI to compare with: $NETPOL_CLI (the test command sets it, so there the comparison always
# runs), else the default debug build.
CLI = pathlib.Path(os.environ.get("NETPOL_CLI", REPO / "target" / "debug" / "netpol"))


def run_cli(*args: str, cwd: Optional[pathlib.Path] = None) -> Tuple[int, str, str]:
    """`netpol ARGS...` as (exit code, stdout, stderr), run in `cwd` (by default the repository,
    so `examples/...` paths work), when the CLI is built; else the test skips."""
    if not CLI.exists():
        assert "NETPOL_CLI" not in os.environ, f"NETPOL_CLI={CLI} does not exist"
        pytest.skip(f"{CLI} is not built")
    done = subprocess.run([str(CLI), *args], capture_output=True, text=True, cwd=cwd or REPO)
    return done.returncode, done.stdout, done.stderr


def cli_json(*args: str) -> Dict[str, Any]:
    """`netpol ARGS... -o json`, parsed."""
    code, out, err = run_cli(*args, "-o", "json")
    assert out, f"netpol {' '.join(args)} exited {code} without output: {err}"
    result: Dict[str, Any] = json.loads(out)
    return result


@pytest.fixture(scope="session")
def engine() -> netpol.Engine:
    return netpol.Engine.from_files(EXAMPLE)
