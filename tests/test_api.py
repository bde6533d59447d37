"""Each public API function gives what its CLI command gives: same result, same exit code."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

import appconsol
from appconsol.cli import cli
from conftest import AS_OF

INVENTORY = (
    "Name,Vendor,Product,Capability,Lifecycle,Owner,Annual cost\n"
    "Uniform,Idox,Uniform,Planning,active,Jo,12000\n"
    "Acolaid,Idox,Acolaid,Planning,active,Sam,9000\n"
    "Intranet,,,Web Publishing,active,Jo,5000\n"
    "Payroll,Zellis,ResourceLink,Payroll,phase-out,Al,30000\n"
)


def _cli(*args: str):
    return CliRunner().invoke(cli, [*args])


def _inventory(tmp_path: Path, name: str = "wessex-county-council.csv") -> Path:
    path = tmp_path / "in" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(INVENTORY, encoding="utf-8")
    return path


def _loaded(db: Path) -> list[tuple]:
    frame = appconsol.list_loads(db)
    return sorted(frame.select("file_name", "rows_read", "rows_loaded", "rows_rejected").iter_rows())


def test_load_matches_the_load_command(tmp_path):
    inventory = _inventory(tmp_path)
    result = appconsol.load([inventory], db=tmp_path / "api.duckdb", as_of=AS_OF)
    command = _cli("load", str(inventory), "--db", str(tmp_path / "cli.duckdb"), "--as-of", str(AS_OF))
    assert result.exit_code == command.exit_code == 0
    assert _loaded(tmp_path / "api.duckdb") == _loaded(tmp_path / "cli.duckdb")
    assert _loaded(tmp_path / "api.duckdb") == [("wessex-county-council.csv", 4, 4, 0)]


def test_check_matches_the_check_command(tmp_path):
    inventory = _inventory(tmp_path)
    result = appconsol.check([inventory], as_of=AS_OF, fail_on="warning")
    command = _cli("check", str(inventory), "-f", "json", "--fail-on", "warning", "--as-of", str(AS_OF))
    assert result.exit_code == command.exit_code == 1
    assert sorted(f.key for f in result.run.findings) == sorted(
        f["key"] for f in json.loads(command.stdout)["findings"]
    )


def test_analyse_and_explain_match_their_commands(tmp_path):
    inventory = _inventory(tmp_path)
    dbs = {}
    for name in ("api", "cli"):
        dbs[name] = tmp_path / f"{name}.duckdb"
        assert appconsol.load([inventory], db=dbs[name], as_of=AS_OF).exit_code == 0
    result = appconsol.analyse(dbs["api"], as_of=AS_OF)
    command = _cli("analyse", "--db", str(dbs["cli"]), "--as-of", str(AS_OF), "-f", "json")
    assert result.exit_code == command.exit_code == 0
    shown = json.loads(command.stdout)
    for key in (
        "applications",
        "live",
        "organisations",
        "findings",
        "findings_by_rule",
        "plan",
        "dispositions",
    ):
        assert json.loads(json.dumps(result.summary[key], default=str)) == shown[key], key
    explained = appconsol.explain("Uniform", db=dbs["api"]).to_dict()
    command = _cli("explain", "Uniform", "--db", str(dbs["cli"]), "-f", "json")
    assert command.exit_code == 0
    shown = json.loads(command.stdout)
    assert explained["app_id"] == shown["app_id"] and explained["name"] == shown["name"] == "Uniform"
    assert sorted(f["rule_code"] for f in explained["findings"]) == sorted(
        f["rule_code"] for f in shown["findings"]
    )


def test_run_plan_and_write_plan_match_run_and_report(tmp_path):
    inventory = _inventory(tmp_path)
    outcome = appconsol.run_plan(
        [inventory], db=tmp_path / "api.duckdb", output=tmp_path / "api.xlsx", as_of=AS_OF
    )
    command = _cli(
        "run", str(inventory), "--db", str(tmp_path / "cli.duckdb"), "-o", str(tmp_path / "cli.xlsx"),
        "--as-of", str(AS_OF),
    )  # fmt: skip
    assert outcome.exit_code == command.exit_code == 0, command.output
    assert outcome.plan is not None
    assert f"{outcome.plan.applications:,} applications" in command.stderr
    assert f"{outcome.plan.actions:,} planned actions" in command.stderr
    written = appconsol.write_plan(tmp_path / "api.duckdb", tmp_path / "api-tables", fmt="csv")
    command = _cli(
        "report", "--db", str(tmp_path / "cli.duckdb"), "-f", "csv", "-o", str(tmp_path / "cli-tables")
    )
    assert written.exit_code == command.exit_code == 0
    names = sorted(p.name for p in written.files)
    assert names == sorted(p.name for p in (tmp_path / "cli-tables").iterdir())
    actions = [
        pl.read_csv(folder / "plan_actions.csv")
        for folder in (tmp_path / "api-tables", tmp_path / "cli-tables")
    ]
    key = ["organisation", "app_id", "action"]
    assert actions[0].select(key).sort(key).equals(actions[1].select(key).sort(key))


def test_rules_test_matches_the_rules_test_command():
    result = appconsol.test_rules()
    command = _cli("rules", "test")
    assert result.exit_code == command.exit_code == 0
    assert command.stderr.strip() == result.summary()
