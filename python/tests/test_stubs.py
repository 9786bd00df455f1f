"""The type stubs match the built extension (mypy.stubtest), and the package type-checks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO


def test_stubtest() -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "netpol._netpol"], capture_output=True, text=True, cwd="/"
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_and_tests_type_check() -> None:
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-p", "netpol"], capture_output=True, text=True, cwd="/"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (REPO / "python" / "netpol" / "py.typed").exists()
