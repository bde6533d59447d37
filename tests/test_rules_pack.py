from __future__ import annotations

import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.docgen.rules import render_rules_markdown
from appconsol.engine.cases import read_cases, run_cases
from appconsol.engine.loader import builtin_rules_dir, load_rules
from appconsol.engine.runner import ENGINE_RULES
from conftest import ROOT

PACK = load_rules()
BUILTIN = sorted(PACK.rules, key=lambda r: r.code)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_the_builtin_pack_loads_without_warnings():
    assert [str(n) for n in PACK.notices] == []
    # DQ011 (a file without rows) and DQ012 (most rows rejected) joined the pack in issue 12.
    assert [r.code for r in BUILTIN if r.category == "data-quality"] == [f"DQ{n:03}" for n in range(1, 13)]
    assert all(r.builtin for r in BUILTIN)


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_rule_cases_pass(rule):
    failures = [str(result) for result in run_cases(rule) if not result.passed]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("rule", BUILTIN, ids=lambda r: r.code)
def test_rule_has_a_pass_and_a_fail_case_and_documentation(rule):
    cases = read_cases(rule)
    assert any(not c.expected for c in cases) and any(c.expected for c in cases)
    assert rule.references and rule.rationale and rule.summary.endswith(".")
    assert rule.path is not None and rule.path.parent.name == rule.category


def test_rules_test_command_runs_the_same_harness():
    result = _invoke("rules", "test")
    assert result.exit_code == 0
    from appconsol.engine.decision_cases import read_decision_cases
    from appconsol.engine.decisions import load_decisions

    decisions = load_decisions()
    total = sum(len(read_cases(r)) for r in BUILTIN) + sum(len(read_decision_cases(d)) for d in decisions)
    assert (
        result.stderr.strip()
        == f"{total} passed, 0 failed ({len(BUILTIN)} rules, {len(decisions)} decisions)"
    )


def test_rules_validate_list_and_show():
    assert _invoke("rules", "validate").exit_code == 0
    listed = _invoke("rules", "list")
    assert all(r.code in listed.stdout for r in BUILTIN)
    shown = _invoke("rules", "show", "DQ004")
    assert "ceiling (number, default 10000000.0)" in shown.stdout and "$ceiling" in shown.stdout
    missing = _invoke("rules", "show", "NOPE1")
    assert missing.exit_code == 2 and missing.stderr.startswith("Error: no rule with code 'NOPE1'")


@pytest.mark.parametrize("command", sorted(cli.commands["rules"].commands))  # type: ignore[attr-defined]
def test_every_rules_subcommand_has_help_with_an_example(command):
    result = _invoke("rules", command, "--help")
    assert result.exit_code == 0 and "Example:" in result.stdout


def test_docs_rules_is_generated_from_the_rule_files():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_rules_markdown(PACK.rules, ENGINE_RULES, builtin_rules_dir()), (
        "docs/rules.md is stale: run `appconsol rules docs -o docs/rules.md`"
    )
    for rule in BUILTIN:
        assert f"## {rule.code}" in committed


# -- docs/ci.md and the pre-commit hooks ---------------------------------------------------------


def _code_blocks(language: str) -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def _appconsol_commands() -> list[list[str]]:
    """Every `appconsol ...` command line in docs/ci.md's sh and YAML blocks, in document order."""
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:sh|yaml)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            match = re.search(r"(?:run: |- |^)(appconsol .+)$", line.strip())
            if match:
                commands.append(shlex.split(match.group(1))[1:])
    return commands


def test_ci_examples_are_valid_yaml_for_github_and_gitlab():
    documents = [yaml.safe_load(block) for block in _code_blocks("yaml")]
    github = next(d for d in documents if isinstance(d, dict) and "jobs" in d)
    steps = github["jobs"]["appconsol"]["steps"]
    assert any(s.get("uses", "").startswith("github/codeql-action/upload-sarif") for s in steps)
    gitlab = next(
        d for d in documents if isinstance(d, dict) and "appconsol" in d and "script" in d["appconsol"]
    )
    assert gitlab["appconsol"]["artifacts"]["reports"]["junit"] == "appconsol-junit.xml"
    from appconsol.config import _toml

    (toml,) = _code_blocks("toml")
    assert _toml().loads(toml)["check"]["fail_on"] == "error"


def test_ci_example_commands_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inventories = tmp_path / "inventories"
    inventories.mkdir()
    (inventories / "wessex.csv").write_text(
        "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\nPayroll,Zellis,Payroll,active,,100\n",
        encoding="utf-8",
    )
    commands = _appconsol_commands()
    assert {c[0] for c in commands} == {"check"} and len(commands) >= 4
    for command in commands:
        result = _invoke(*command)
        assert result.exit_code == 0, (command, result.stderr)
    assert (tmp_path / "appconsol.sarif").is_file() and (tmp_path / "appconsol-junit.xml").is_file()


def test_pre_commit_hooks_call_real_commands():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {h["id"]: h["entry"] for h in hooks} == {
        "appconsol-check": "appconsol check -f concise",  # file:line: CODE message (issue 12)
        "appconsol-rules-test": "appconsol rules test",
    }
    for hook in hooks:
        command = hook["entry"].split()[1:]
        assert _invoke(*command, "--help").exit_code == 0


# -- the wheel --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_wheel_contains_the_rule_pack(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("appconsol-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for rule in BUILTIN:
        assert rule.path is not None and rule.cases_path is not None
        relative = rule.path.relative_to(builtin_rules_dir()).as_posix()
        assert f"appconsol/rules/{relative}" in names
        assert f"appconsol/rules/{Path(relative).with_suffix('').as_posix()}.cases.yaml" in names


@pytest.mark.slow
def test_the_installed_wheel_finds_its_rules_inside_the_package(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("appconsol-*.whl")
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    probe = "from appconsol.engine.loader import builtin_rules_dir, load_rules; print(builtin_rules_dir()); print(len(load_rules().rules))"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    where, count = result.stdout.split()
    assert Path(where) == target / "appconsol" / "rules" and int(count) == len(BUILTIN)
