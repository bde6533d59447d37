"""The shipped `.pre-commit-hooks.yaml`, run as a user's repository runs it: `pre-commit try-repo`.

pre-commit builds the hook's environment by installing this checkout with pip (from the package
registry in CI), so the test is slow; it runs in a sample inventory repository made in tmp.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

HEADER = "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\n"
CLEAN = (
    HEADER + "Payroll,Zellis,Payroll,active,Jo Bloggs,12000\nPlanning,Idox,Planning,active,Sam Smith,30000\n"
)
NO_NAME = CLEAN + ",Acme,Web Publishing,active,Jo Bloggs,5000\n"  # DQ010, an error at line 4


def test_hook_files_pattern_takes_inventories_and_leaves_out_baseline_reports_and_lock_files():
    (hook,) = [
        h
        for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
        if h["id"] == "appconsol-check"
    ]
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def runs_on(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    for inventory in ("inv/wessex.csv", "a.tsv", "b/c.xlsx", "d.xlsm", "records/apps.json"):
        assert runs_on(inventory), inventory
    for other in (
        "appconsol-baseline.json",
        "ci/appconsol-baseline.json",
        "appconsol-codequality.json",
        "inv/~$wessex.xlsx",
        "inv/.~lock.wessex.xlsx#",
        "README.md",
        "appconsol.toml",
    ):
        assert not runs_on(other), other
    assert "-f concise" in hook["entry"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook_on_a_sample_inventory_repo(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("pre-commit try-repo needs git and this checkout as a git repository")
    repo = tmp_path / "inventories-repo"
    (repo / "inventories").mkdir(parents=True)
    _git(repo, "init", "-q")
    (repo / "inventories" / "wessex.csv").write_text(CLEAN, encoding="utf-8")
    (repo / "inventories" / "kennet.csv").write_text(NO_NAME, encoding="utf-8")
    (repo / "inventories" / "~$budget.xlsx").write_bytes(b"\x00lock")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "NO_COLOR": "1"}

    def try_repo(*files: str) -> subprocess.CompletedProcess[str]:
        _git(repo, "add", "-A")
        command = [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "appconsol-check",
            "--files",
            *files,
        ]
        return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=900)

    failing = try_repo("inventories/wessex.csv", "inventories/kennet.csv", "inventories/~$budget.xlsx")
    if "Installing environment" in failing.stdout and "An unexpected error has occurred" in failing.stdout:
        pytest.skip(f"pre-commit could not build the hook's environment: {failing.stdout[-500:]}")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "inventories/kennet.csv:4: DQ010 row 4 was not loaded: no application name" in failing.stdout
    assert "budget" not in failing.stdout  # the lock file was never passed to the hook

    # Accept today's findings in the committed baseline: the hook now passes, baseline and all.
    accepted = subprocess.run(
        [
            sys.executable,
            "-m",
            "appconsol",
            "check",
            "inventories",
            "--write-baseline",
            "appconsol-baseline.json",
        ],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert accepted.returncode == 0, accepted.stderr
    passing = try_repo("inventories/wessex.csv", "inventories/kennet.csv", "appconsol-baseline.json")
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert re.search(r"appconsol check\.+Passed", passing.stdout)
