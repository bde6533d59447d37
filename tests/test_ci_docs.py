"""docs/ci.md's set-ups, run as written: the GitHub Actions step, the GitLab CI job, the pre-commit
config and the shell examples parse, and each `appconsol check` command writes the files the
next step (an upload, an artefact report) expects."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ROOT
from sarif_schema import official_sarif_schema

DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, flags=re.S)
SARIF_SCHEMA = official_sarif_schema()
HEADER = "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\n"
INVENTORY = (
    HEADER
    + "Payroll,Zellis,Payroll,active,Jo Bloggs,12000\n"
    + "Planning,Idox,Planning,active,Sam Smith,30000\n"
    + "Intranet,Acme,Web Publishing,active,,5000\n"  # DQ001, a warning
    + "Records,Civica,Records,active,Jo Bloggs,4000\n"
    + ",Acme,Web Publishing,active,Jo Bloggs,5000\n"  # DQ010, an error
)


def _yaml_block(marker: str) -> dict:
    (text,) = [body for lang, body in BLOCKS if lang == "yaml" and marker in body]
    return yaml.safe_load(text)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """An inventory repository with one inventory holding an error and a warning."""
    (tmp_path / "inventories").mkdir()
    (tmp_path / "inventories" / "wessex.csv").write_text(INVENTORY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(command: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A documented shell command, with its variables expanded, run with this appconsol."""
    environment = {**os.environ, **(env or {})}
    words = shlex.split(command)
    words = [re.sub(r"\$(\w+)", lambda m: environment[m.group(1)], w) for w in words]
    assert words[0] == "appconsol", command
    return subprocess.run(
        [sys.executable, "-m", "appconsol", *words[1:]],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
def test_the_github_actions_workflow_writes_annotations_sarif_and_the_step_summary(repo):
    workflow = _yaml_block("upload-sarif")
    steps = workflow["jobs"]["appconsol"]["steps"]
    checks = [s["run"] for s in steps if "appconsol check" in s.get("run", "")]
    assert len(checks) == 1  # one check run gives every output
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["if"] == "always()"
    summary = repo / "step-summary.md"
    result = _run(checks[0], repo, {"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1, result.stderr
    assert [line.split(" ")[0] for line in result.stdout.splitlines()] == ["::error", "::warning"]
    sarif = json.loads((repo / upload["with"]["sarif_file"]).read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    # --annotate-from warning: the info findings (capabilities not in the taxonomy) are left out.
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"DQ001", "DQ010"}
    assert summary.read_text().startswith("## appconsol check failed (exit 1)")


@pytest.mark.slow
def test_the_gitlab_job_writes_the_code_quality_and_junit_reports_it_declares(repo):
    job = _yaml_block("codequality")["appconsol"]
    (command,) = [line for line in job["script"] if line.startswith("appconsol check")]
    result = _run(command, repo)
    assert result.returncode == 1, result.stderr
    assert job["artifacts"]["when"] == "always"
    reports = job["artifacts"]["reports"]
    issues = json.loads((repo / reports["codequality"]).read_text())
    assert {
        (i["check_name"].split()[0], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    } >= {
        ("DQ001", "inventories/wessex.csv", 4),
        ("DQ010", "inventories/wessex.csv", 6),
    }
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert ET.parse(repo / reports["junit"]).getroot().tag == "testsuites"
    assert "inventories/wessex.csv:6: DQ010 row 6 was not loaded: no application name" in result.stdout


def test_the_pre_commit_config_names_shipped_hooks_with_arguments_check_accepts(repo):
    config = _yaml_block("repos:")
    shipped = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    (hooks,) = [r["hooks"] for r in config["repos"]]
    assert {h["id"] for h in hooks} <= set(shipped)
    check = next(h for h in hooks if h["id"] == "appconsol-check")
    command = f"{shipped['appconsol-check']['entry']} {shlex.join(check['args'])} inventories/wessex.csv"
    result = _run(command, repo)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith("inventories/wessex.csv:")


@pytest.mark.slow
def test_the_shell_examples_run(repo):
    commands = [line for lang, body in BLOCKS if lang == "sh" for line in body.splitlines()]
    assert commands, "docs/ci.md has shell examples"
    for command in commands:
        result = _run(command, repo)
        assert result.returncode in (0, 1), f"{command}: {result.stderr}"
    assert (repo / "appconsol-baseline.json").is_file() and (repo / "summary.md").is_file()
