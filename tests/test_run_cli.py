"""`appconsol run` and `appconsol report`: load, analyse and write the plan, with exit codes and summaries."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from click.testing import CliRunner

from appconsol.cli import cli
from plan_store import build_plan_store

INVENTORY = """Application Name,Supplier,Annual Cost,Contract End Date,Capability,Lifecycle
Uniform,Idox,"£12,500.00",31/03/2027,Planning,Live
Revenues,Civica,"£40,000",30/06/2027,Council Tax,Live
Payroll,MHR,"£9,000",TBC,Payroll,Live
"""


def test_run_loads_analyses_and_writes_the_plan_with_a_summary(tmp_path, write_csv):
    inventory = write_csv(INVENTORY, name="avonvale.csv")
    output = tmp_path / "out" / "plan.xlsx"
    result = CliRunner().invoke(
        cli,
        [
            "run",
            str(inventory),
            "--db",
            str(tmp_path / "s.duckdb"),
            "-o",
            str(output),
            "--as-of",
            "2026-11-25",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Loaded 1 file(s): 3 rows loaded, 0 rejected" in result.stderr
    assert (
        f"Wrote {output}: 18 sheets, 3 applications" in result.stderr
    )  # issue 11: Board, Options, Sensitivity, Baseline
    assert result.stdout == ""
    book = openpyxl.load_workbook(output, read_only=True)
    assert book["Applications"].max_row == 3 + 3
    assert (output.stat().st_mode & 0o777) != 0o600  # the temporary file's private mode is not kept


def test_run_refuses_a_plan_open_in_excel_before_loading_anything(tmp_path, write_csv):
    inventory = write_csv(INVENTORY, name="avonvale.csv")
    (tmp_path / "~$plan.xlsx").write_text("lock")
    result = CliRunner().invoke(
        cli, ["run", str(inventory), "--db", str(tmp_path / "s.duckdb"), "-o", str(tmp_path / "plan.xlsx")]
    )
    assert result.exit_code == 2
    assert "the plan is open in Excel" in result.stderr
    assert not (tmp_path / "s.duckdb").exists()


def test_run_without_inventories_needs_a_sample_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code == 2
    assert "no ./sample_inventories folder here" in result.stderr


def test_report_writes_the_plan_from_an_existing_store(tmp_path):
    store = build_plan_store(tmp_path / "s.duckdb", apps=30, orgs=3)
    result = CliRunner().invoke(cli, ["report", "--db", str(store), "-o", str(tmp_path / "plan.xlsx")])
    assert result.exit_code == 0, result.output
    assert "planned actions" in result.stderr and "NPV 5y" in result.stderr
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames[0] == "Cover"


def test_report_of_a_missing_store_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(
        cli, ["report", "--db", str(tmp_path / "none.duckdb"), "-o", str(tmp_path / "p.xlsx")]
    )
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_run_and_report_document_themselves_with_an_example():
    for command in ("run", "report"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: appconsol " + command in result.output


def test_plan_exports_land_in_a_folder_one_file_per_table(tmp_path):
    store = build_plan_store(tmp_path / "s.duckdb", apps=12, orgs=2)
    out = tmp_path / "tables"
    result = CliRunner().invoke(cli, ["report", "--db", str(store), "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in Path(out).iterdir())
    assert "plan_actions.csv" in names and "findings.csv" in names and "applications.csv" in names


def test_run_passes_its_duckdb_memory_to_the_analysis_and_refuses_a_bad_size_before_loading(
    tmp_path, write_csv, monkeypatch
):
    import appconsol.engine.analyse as engine_analyse

    inventory = write_csv(INVENTORY, name="avonvale.csv")
    db = tmp_path / "s.duckdb"
    args = [
        "run",
        str(inventory),
        "--db",
        str(db),
        "-o",
        str(tmp_path / "plan.xlsx"),
        "--as-of",
        "2026-11-25",
    ]
    refused = CliRunner().invoke(cli, [*args, "--duckdb-memory", "lots"])
    assert refused.exit_code == 2 and "memory limit 'lots' must be a size" in refused.stderr
    assert not db.exists()
    limits: list[str | None] = []
    analyse = engine_analyse.analyse

    def recording(*a, **k):
        limits.append(k.get("memory_limit"))
        return analyse(*a, **k)

    monkeypatch.setattr(engine_analyse, "analyse", recording)
    monkeypatch.setenv("APPCONSOL_DUCKDB_MEMORY", "768MB")
    assert CliRunner().invoke(cli, args).exit_code == 0
    assert CliRunner().invoke(cli, [*args, "--duckdb-memory", "2GB"]).exit_code == 0
    assert limits == ["768MB", "2GB"]
