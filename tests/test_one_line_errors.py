"""Faults in the store, the plan and appconsol.toml end in one line and exit 2, never a traceback.

Also: numeric settings are checked against their ranges (naming appconsol.toml and the line), and
machine formats are the same byte for byte for the same input (timings only with --profile).
"""

from __future__ import annotations

import datetime as dt
import errno
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from appconsol.analyses.overlap import OVERLAP_SETTINGS
from appconsol.analyses.plan import PLAN_SETTINGS
from appconsol.analyses.settings import read_settings
from appconsol.cli import cli
from appconsol.config import load_config
from appconsol.engine.steps import StepContext
from appconsol.errors import ConfigError
from appconsol.store import Store

INVENTORY = (
    "App ID,Application Name,Supplier,Annual Cost\n"
    'A1,Uniform,Idox,"£10,000,000,000,000,000"\n'
    'A2,Revenues,Civica,"£40,000"\n'
    "A3,Payroll,MHR,99999999999999999999999\n"
)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def test_a_cost_too_large_for_the_store_is_a_rejected_row_naming_the_column(tmp_path, write_csv):
    inventory = write_csv(INVENTORY, name="big.csv")
    db = tmp_path / "s.duckdb"
    result = _invoke("load", str(inventory), "--db", str(db))
    assert result.exit_code == 0, result.output
    with Store(db, read_only=True) as store:
        rejected = store.con.execute("SELECT source_row, reason FROM rejected_rows ORDER BY 1").fetchall()
        kept = store.con.execute("SELECT app_id, cost_total::DOUBLE FROM applications").fetchall()
    assert [row for row, _ in rejected] == [2, 4]
    assert all("column 'cost_total': amount too large for the store" in reason for _, reason in rejected)
    assert kept == [("A2", 40_000.0)]


def test_an_oversized_amount_reaching_the_database_names_file_row_and_column(store):
    import polars as pl

    frame = pl.DataFrame(
        {
            "organisation": ["X"],
            "app_id": ["A1"],
            "cost_total": [3e16],
            "source_file": ["inv.csv"],
            "source_row": [7],
        }
    )
    with pytest.raises(Exception) as caught:
        store.insert_frame("applications", frame)
    text = str(caught.value)
    assert "inv.csv, row 7, column 'cost_total'" in text and "amount too large" in text
    assert "\n" not in text


def test_a_full_disk_while_storing_a_load_is_one_line_and_stores_nothing(tmp_path, write_csv, monkeypatch):
    inventory = write_csv("Application Name,Supplier\nUniform,Idox\n")
    db = tmp_path / "s.duckdb"

    def full(_self: object) -> None:
        raise duckdb.IOException(f'IO Error: Could not write file "{db}.wal": No space left on device')

    monkeypatch.setattr(Store, "_before_commit", full)
    result = _invoke("load", str(inventory), "--db", str(db))
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = _errors(result)
    assert line.endswith(
        f"cannot write the store '{db}': the disk is full. free some space or use another --db path"
    )
    monkeypatch.undo()
    with Store(db, read_only=True) as opened:
        assert opened.con.execute("SELECT count(*) FROM applications").fetchall() == [(0,)]


def test_a_full_disk_inside_xlsxwriter_is_one_line(tmp_path, monkeypatch):
    import xlsxwriter.exceptions

    from plan_store import build_plan_store

    db = build_plan_store(tmp_path / "s.duckdb", apps=9, orgs=3)

    def close(_self: object) -> None:
        raise xlsxwriter.exceptions.FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr("xlsxwriter.Workbook.close", close)
    result = _invoke("report", "--db", str(db), "-o", str(tmp_path / "plan.xlsx"))
    assert result.exit_code == 2
    assert _errors(result) == [
        f"Error: {tmp_path / 'plan.xlsx'}: cannot write the plan: the disk is full. free some space and run again"
    ]
    assert not (tmp_path / "plan.xlsx").exists()


def test_toml_nested_20000_deep_is_one_line_naming_the_file(tmp_path, write_csv):
    config = tmp_path / "appconsol.toml"
    config.write_text("x = " + "[" * 20_000 + "]" * 20_000 + "\n", encoding="utf-8")
    inventory = write_csv("Application Name,Supplier\nUniform,Idox\n")
    result = _invoke("check", str(inventory), "--config", str(config))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert _errors(result) == [
        f"Error: {config}: the TOML is nested too deeply to read. "
        "appconsol.toml needs only a few levels of tables and arrays"
    ]


def _context(tmp_path: Path, text: str) -> StepContext:
    config = tmp_path / "appconsol.toml"
    config.write_text(text, encoding="utf-8")
    settings = load_config(config)
    return StepContext(None, dt.date(2026, 11, 25), settings.analyses, settings.location)


@pytest.mark.parametrize(
    ("text", "section", "specs", "message"),
    [
        (
            "[plan]\ndiscount_rate = 0.35\n",
            "plan",
            PLAN_SETTINGS,
            "appconsol.toml:2: [plan] discount_rate must be between 0 and 0.2 (0% to 20%; 0.035 is 3.5%), got 0.35",
        ),
        ("[plan]\ndiscount_rate = -0.01\n", "plan", PLAN_SETTINGS, "discount_rate must be between 0 and 0.2"),
        (
            "# costs\n[plan]\nday_rate = -650\n",
            "plan",
            PLAN_SETTINGS,
            "toml:3: [plan] day_rate must be zero or more",
        ),
        (
            "[plan]\nhorizon_long_years = 0\n",
            "plan",
            PLAN_SETTINGS,
            "horizon_long_years must be between 1 and 50",
        ),
        (
            "[overlap]\nmin_similarity = 1.5\n",
            "overlap",
            OVERLAP_SETTINGS,
            "min_similarity must be between 0 and 1",
        ),
    ],
)
def test_numeric_settings_outside_their_range_are_refused_with_file_and_line(
    tmp_path, text, section, specs, message
):
    with pytest.raises(ConfigError) as caught:
        read_settings(_context(tmp_path, text), section, specs)
    assert message in str(caught.value)


def test_settings_inside_their_ranges_are_accepted(tmp_path):
    values = read_settings(
        _context(tmp_path, "[plan]\ndiscount_rate = 0.2\nexit_fee = 0\n"), "plan", PLAN_SETTINGS
    )
    assert values["discount_rate"] == 0.2 and values["exit_fee"] == 0


def test_negative_legacy_bands_are_refused(tmp_path):
    from appconsol.analyses.legacy import LEGACY_SETTINGS

    with pytest.raises(ConfigError, match="user_bands must be zero or more"):
        read_settings(_context(tmp_path, "[legacy]\nuser_bands = [-5, 1, 2, 3]\n"), "legacy", LEGACY_SETTINGS)


def test_machine_formats_are_identical_for_identical_runs_and_timings_need_profile(tmp_path, write_csv):
    inventory = write_csv("Application Name,Supplier,Annual Cost\nUniform,Idox,100\nUniform,Idox,\n")
    for fmt in ("json", "sarif", "junit", "csv"):
        first = _invoke("check", str(inventory), "-f", fmt, "--as-of", "2026-11-25", "--fail-on", "never")
        second = _invoke("check", str(inventory), "-f", fmt, "--as-of", "2026-11-25", "--fail-on", "never")
        assert first.exit_code == 0, first.output
        assert first.stdout == second.stdout, fmt
    plain = json.loads(
        first_json := _invoke("check", str(inventory), "-f", "json", "--as-of", "2026-11-25").stdout
    )
    assert all("seconds" not in rule for rule in plain["rules"]) and first_json
    profiled = _invoke("check", str(inventory), "-f", "json", "--as-of", "2026-11-25", "--profile")
    assert all("seconds" in rule for rule in json.loads(profiled.stdout)["rules"])
    junit = _invoke("check", str(inventory), "-f", "junit", "--as-of", "2026-11-25")
    assert ' time="' not in junit.stdout


def test_a_sheet_calamine_cannot_parse_is_one_line_naming_file_and_sheet(tmp_path):
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Applications"
    sheet.append(["App ID", "Application Name", "Supplier"])
    sheet.append(["A1", "Uniform", "Idox"])
    good = tmp_path / "good.xlsx"
    book.save(good)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":  # a cell holding neither v, f nor is
                data = data.replace(b"</sheetData>", b'<row r="3"><c r="A3"><x/></c></row></sheetData>')
            out.writestr(entry, data)
    result = _invoke("load", str(broken), "--db", str(tmp_path / "s.duckdb"))
    assert result.exit_code == 2
    (error,) = _errors(result)
    assert "broken.xlsx" in error and "'Applications'" in error and "could not read the sheet" in error
    assert "Context" not in result.stderr and "Traceback" not in result.stderr
