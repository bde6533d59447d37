"""Options shared by the commands: one --db default, --mapping/--sheet/--header-row on run and check,
per-file mappings from appconsol.toml, and the one error boundary."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from appconsol.api.inventory import DEFAULT_DB
from appconsol.cli import cli
from conftest import AS_OF

ODD = "Thing,Maker,Capability\nUniform,Idox,Planning\nEmail,Microsoft,Email\n"
MAPPING = 'columns:\n  "Thing": name\n  "Maker": vendor\n  "Capability": capabilities\n'


def _invoke(*args: str, **kwargs):
    return CliRunner().invoke(cli, [*args], **kwargs)


def _names(db) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(r[0] for r in con.execute("SELECT name FROM applications").fetchall())


def _vendors(db) -> list[str]:
    with duckdb.connect(str(db), read_only=True) as con:
        return sorted(r[0] for r in con.execute("SELECT vendor FROM applications").fetchall())


@pytest.fixture
def estate(tmp_path, monkeypatch):
    """An inventory repo: odd headers in inventories/, their mapping, and appconsol.toml naming it by glob."""
    (tmp_path / "inventories").mkdir()
    (tmp_path / "mappings").mkdir()
    (tmp_path / "inventories" / "servicenow-wessex.csv").write_text(ODD)
    (tmp_path / "mappings" / "servicenow.yaml").write_text(MAPPING)
    (tmp_path / "appconsol.toml").write_text(
        '[[load.mappings]]\nglob = "inventories/servicenow-*.csv"\nmapping = "mappings/servicenow.yaml"\n'
    )
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_every_command_that_keeps_a_store_has_the_same_db_default():
    defaults = {}
    for name in ("load", "loads", "unload", "analyse", "explain", "run", "report"):
        command = cli.commands[name]
        (option,) = [p for p in command.params if p.name == "db"]
        defaults[name] = (option.default, option.envvar)
    assert set(defaults.values()) == {(str(DEFAULT_DB), "APPCONSOL_DB")}
    (check_db,) = [p for p in cli.commands["check"].params if p.name == "db"]
    assert str(check_db.default) != str(DEFAULT_DB) and check_db.envvar == "APPCONSOL_DB"


def test_as_of_has_its_env_var_on_every_command_that_takes_it():
    for name, command in cli.commands.items():
        for option in command.params:
            if option.name == "as_of":
                assert option.envvar == "APPCONSOL_AS_OF", name
    assert "config_path" in {p.name for p in cli.commands["load"].params}


def test_check_uses_the_mapping_appconsol_toml_names_for_the_file(estate):
    result = _invoke(
        "check", "inventories/servicenow-wessex.csv", "--db", "kept.duckdb", "--fail-on", "never"
    )
    assert result.exit_code == 0, result.output
    assert _vendors(estate / "kept.duckdb") == ["Idox", "Microsoft"]


def test_load_and_run_use_the_mapping_appconsol_toml_names_for_the_file(estate):
    loaded = _invoke("load", "inventories/", "--db", "loaded.duckdb")
    assert loaded.exit_code == 0, loaded.output
    assert _vendors(estate / "loaded.duckdb") == ["Idox", "Microsoft"]
    ran = _invoke("run", "inventories/", "--db", "run.duckdb", "-o", "plan.xlsx", "--as-of", str(AS_OF))
    assert ran.exit_code == 0, ran.output
    assert _vendors(estate / "run.duckdb") == ["Idox", "Microsoft"]


def test_a_mapping_on_the_command_line_wins_over_the_configured_one(estate):
    (estate / "other.yaml").write_text('columns:\n  "Maker": name\n  "Thing": ignore\n')
    result = _invoke(
        "check", "inventories/servicenow-wessex.csv", "--mapping", "other.yaml", "--db", "k.duckdb",
        "--fail-on", "never",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _names(estate / "k.duckdb") == ["Idox", "Microsoft"]


def test_a_configured_mapping_that_does_not_exist_names_the_config_line(estate):
    (estate / "appconsol.toml").write_text(
        '[[load.mappings]]\nglob = "inventories/*.csv"\nmapping = "mappings/missing.yaml"\n'
    )
    result = _invoke("check", "inventories/servicenow-wessex.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"Error: {estate / 'appconsol.toml'}:3: mapping file 'mappings/missing.yaml'"
    )


def test_check_and_run_read_the_sheet_and_header_row_asked_for(tmp_path, write_xlsx):
    workbook = write_xlsx(
        {
            "Cover": [["Wessex applications"]],
            "Old": [["Name", "Vendor"], ["Stale", "Nobody"]],
            "Apps": [
                ["Register, March"],
                [],
                ["Name", "Vendor", "Capability"],
                ["Uniform", "Idox", "Planning"],
            ],
        },
        name="wessex-county-council.xlsx",
    )
    checked = _invoke(
        "check", str(workbook), "--sheet", "Apps", "--header-row", "3", "--db", str(tmp_path / "c.duckdb"),
        "--fail-on", "never",
    )  # fmt: skip
    assert checked.exit_code == 0, checked.output
    assert _names(tmp_path / "c.duckdb") == ["Uniform"]
    ran = _invoke(
        "run", str(workbook), "--sheet", "Old", "--header-row", "1", "--db", str(tmp_path / "r.duckdb"),
        "-o", str(tmp_path / "plan.xlsx"), "--as-of", str(AS_OF),
    )  # fmt: skip
    assert ran.exit_code == 0, ran.output
    assert _names(tmp_path / "r.duckdb") == ["Stale"]


class FakePanic(BaseException):
    """What pyo3 raises when native code panics: a BaseException, not an Exception."""


def test_a_panic_in_native_code_is_one_error_line_and_exit_2(tmp_path, monkeypatch):
    import appconsol.api

    def panic(*_args, **_kwargs):
        raise FakePanic("called `Option::unwrap()` on a `None` value")

    monkeypatch.setattr(appconsol.api, "list_loads", panic)
    result = _invoke("loads", "--db", str(tmp_path / "x.duckdb"))
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: internal error in `appconsol loads`: FakePanic: called `Option::unwrap()`")
    assert "Traceback" not in result.output
    with pytest.raises(FakePanic):
        _invoke("-v", "loads", "--db", str(tmp_path / "x.duckdb"), catch_exceptions=False)


def test_load_reads_the_config_named_with_config(tmp_path):
    bad = tmp_path / "appconsol.toml"
    bad.write_text("as_of = 'soon'\n")
    inventory = tmp_path / "wessex.csv"
    inventory.write_text(ODD)
    result = _invoke("load", str(inventory), "--db", str(tmp_path / "s.duckdb"), "--config", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {bad}:1: as_of must be a date")
