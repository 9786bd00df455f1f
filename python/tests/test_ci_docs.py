"""docs/ci/netpol.yml, the documented GitHub Actions workflow: valid YAML with the permissions
its steps need, and every `netpol` command in it runs on a copy of the example laid out as the
workflow expects (deploy/, netpol/expectations.yaml, the base branch in base/)."""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest
import yaml

from conftest import CLI, REPO

WORKFLOW = REPO / "docs" / "ci" / "netpol.yml"


def test_the_workflow_is_valid_and_asks_for_what_its_steps_use() -> None:
    flow = yaml.safe_load(WORKFLOW.read_text())
    assert flow["permissions"]["security-events"] == "write"
    assert flow["permissions"]["pull-requests"] == "write"
    steps = flow["jobs"]["netpol"]["steps"]
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload and upload[0]["with"]["sarif_file"] == "netpol-audit.sarif"


def test_every_netpol_command_of_the_workflow_runs(tmp_path: pathlib.Path) -> None:
    if not CLI.exists():
        pytest.skip(f"{CLI} is not built")
    (tmp_path / "deploy").mkdir()
    shutil.copy(REPO / "examples" / "cluster.yaml", tmp_path / "deploy" / "cluster.yaml")
    (tmp_path / "netpol").mkdir()
    shutil.copy(REPO / "examples" / "expectations.yaml", tmp_path / "netpol" / "expectations.yaml")
    shutil.copytree(tmp_path / "deploy", tmp_path / "base" / "deploy")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "netpol").symlink_to(CLI)
    summary = tmp_path / "summary.md"
    flow = yaml.safe_load(WORKFLOW.read_text())
    commands = [
        line.strip()
        for step in flow["jobs"]["netpol"]["steps"]
        for line in str(step.get("run", "")).splitlines()
        if line.strip().startswith("netpol ")
    ]
    assert len(commands) == 3, commands
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "MANIFESTS": flow["env"]["MANIFESTS"],
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    for command in commands:
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (command, done.stderr)
    assert (tmp_path / "netpol-audit.sarif").read_text().startswith("{")
    assert "**netpol diff**" in (tmp_path / "netpol-diff.md").read_text()
    assert summary.read_text().startswith("✅ **netpol verify**: 18 of 18 expectations hold")
