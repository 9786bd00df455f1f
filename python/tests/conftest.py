"""Shared fixtures: the repository's example cluster and test corpus."""

from __future__ import annotations

import pathlib

import pytest

import netpol

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "cluster.yaml"
TESTDATA = REPO / "core" / "testdata"

API = "shop/api-7f6d5c8b9-4kx8m"
FRONTEND = "shop/frontend-6c8f9b7d4-2lmnp"
POSTGRES = "shop/postgres-0"


@pytest.fixture(scope="session")
def engine() -> netpol.Engine:
    return netpol.Engine.from_files(EXAMPLE)
