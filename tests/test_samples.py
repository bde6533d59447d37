"""End-to-end: the bundled sample inventories load with exact row accounting and the planted values.

The ground truth is `sample_inventories/ground_truth.yaml`, written by the script that makes the
samples; these tests read it rather than repeating its numbers.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from click.testing import CliRunner

from appconsol.cli import cli
from conftest import SAMPLES

TRUTH: dict[str, Any] = yaml.safe_load((SAMPLES / "ground_truth.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("samples") / "samples.duckdb"
    result = CliRunner().invoke(cli, ["load", str(SAMPLES), "--db", str(db), "--as-of", str(TRUTH["as_of"])])
    assert result.exit_code == 0, result.output
    return db


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.mark.parametrize("file_name", sorted(TRUTH["files"]))
def test_every_sample_row_is_loaded_or_rejected(sample_store, file_name):
    expected = TRUTH["files"][file_name]
    ((read, blank, loaded, rejected, sheet, organisation),) = _query(
        sample_store,
        "SELECT rows_read, rows_blank, rows_loaded, rows_rejected, source_sheet, organisation FROM loads WHERE file_name = ?",
        [file_name],
    )
    assert (read, blank) == (expected["data_rows"], expected["blank_rows"])
    assert rejected == len(expected["expected_rejected"])
    # Konveyor dependency records are stored in app_dependencies and count as loaded.
    assert loaded == expected["expected_loaded"] + expected["non_application_rows"]
    # A TOTAL row is skipped, not rejected (issue 8): accounted for, not an application.
    assert loaded + rejected + len(expected["expected_skipped"]) == read
    assert sheet == expected["sheet"] and organisation == expected["organisation"]


@pytest.mark.parametrize("file_name", sorted(TRUTH["files"]))
def test_rejected_sample_rows_are_the_planted_ones(sample_store, file_name):
    facts = TRUTH["files"][file_name]
    expected = sorted(r["source_row"] for r in facts["expected_rejected"] + facts["expected_skipped"])
    rows = _query(
        sample_store,
        "SELECT source_row FROM rejected_rows WHERE source_file LIKE '%' || ? ORDER BY 1",
        [file_name],
    )
    assert [r[0] for r in rows] == expected


def _as_expected(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


PLANTED = sorted((key, app) for key, app in TRUTH["apps"].items() if app.get("expected"))


@pytest.mark.parametrize(("key", "app"), PLANTED, ids=[key for key, _ in PLANTED])
def test_planted_values_are_normalised_as_documented(sample_store, key, app):
    fields = sorted(app["expected"])
    rows = _query(
        sample_store,
        f"SELECT {', '.join(fields)} FROM applications WHERE organisation = ? AND source_row = ?",
        [app["organisation"], app["source_row"]],
    )
    assert len(rows) == 1, f"{key}: not loaded at row {app['source_row']}"
    stored = dict(zip(fields, (_as_expected(v) for v in rows[0]), strict=True))
    wanted = {
        f: (dt.date.fromisoformat(v) if isinstance(v, str) and f in {"contract_end", "go_live"} else v)
        for f, v in app["expected"].items()
    }
    assert stored == wanted


def test_unparseable_planted_dates_are_warnings(sample_store):
    issue = next(i for i in TRUTH["data_quality"]["issues"] if i["problem"] == "unparseable-date")
    for key in issue["apps"]:
        app = TRUTH["apps"][key]
        rows = _query(
            sample_store,
            "SELECT field FROM load_warnings w JOIN loads l USING (load_id) WHERE w.organisation = ? AND w.source_row = ?",
            [app["organisation"], app["source_row"]],
        )
        assert ("contract_end",) in rows or ("go_live",) in rows, key


def test_partnerships_from_organisations_file_are_stored(sample_store):
    members = _query(sample_store, "SELECT partnership, count(*) FROM partnerships GROUP BY 1 ORDER BY 1")
    assert ("Wessex Partnership", 5) in members
    types = dict(_query(sample_store, "SELECT organisation, org_type FROM organisations"))
    assert types["Wessex Fire and Rescue Service"] == "fire and rescue service"


def test_run_writes_a_plan_a_user_can_open(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.chdir(SAMPLES.parent)
    output = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(
        cli, ["run", "--db", str(tmp_path / "run.duckdb"), "-o", str(output), "--as-of", str(TRUTH["as_of"])]
    )
    assert result.exit_code == 0, result.output
    workbook = openpyxl.load_workbook(output, read_only=True)
    assert workbook.sheetnames[:6] == ["Cover", "Summary", "Board", "Options", "Sensitivity", "Assumptions"]
    inputs = [row for row in workbook["Cover"].iter_rows(values_only=True) if row[0] in TRUTH["files"]]
    assert len(inputs) == len(TRUTH["files"])
    applications = workbook["Applications"]
    expected_apps = sum(f["expected_loaded"] for f in TRUTH["files"].values())
    # Title, note and header above the rows.
    assert applications.max_row == 3 + expected_apps
    workbook.close()
    # The workbook's savings figures are the planner's own, action by action.
    stored = {
        row[0]: row[1:]
        for row in _query(
            tmp_path / "run.duckdb", "SELECT action_id, one_off_cost, npv_5, npv_10 FROM plan_actions"
        )
    }
    assert stored, "the plan step wrote no actions"
    savings = openpyxl.load_workbook(output, data_only=True)["Savings"]
    header = [c.value for c in savings[3]]
    columns = [
        header.index(h)
        for h in ("Action id", "One-off cost (£)", "NPV short horizon (£)", "NPV long horizon (£)")
    ]
    rows = [[row[i] for i in columns] for row in savings.iter_rows(min_row=4, values_only=True)]
    assert len(rows) == len(stored)
    for action_id, *figures in rows:
        assert figures == pytest.approx([float(v) for v in stored[action_id]], abs=0.01), action_id
