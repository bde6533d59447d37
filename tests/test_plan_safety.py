"""Nothing harmful from an inventory reaches the plan, and the plan file appears whole or not at all.

Hostile text goes through the whole pipeline (inline CSV -> load -> analyse -> write), then the
written file's XML is read directly: no cell that came from input may carry a formula or a
hyperlink; the file must reopen in openpyxl and convert in LibreOffice.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.report.plan import PlanWriteError, write_plan
from appconsol.report.plan.safe import EXCEL_CELL_LIMIT, TRUNCATION_MARKER, csv_cell
from appconsol.store import Store
from libreoffice import convert
from plan_store import build_plan_store

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
PAYLOADS = {
    "hyperlink": '=HYPERLINK("http://x","y")',
    "plus": "+SUM(1,1)",
    "at": "@SUM(1)",
    "minus": "-2+3",
    "tab": "\tTabbed =1+1",
    "cr": "\rReturned =1+1",
}
SIGNATURES = ("http://x", "SUM(1,1)", "SUM(1)", "-2+3", "=1+1")
LONG = "L" * 40_000


def _inventory(write_csv) -> Path:
    rows = [("Application Name", "Description", "Supplier", "Annual Cost", "Capability")]
    for key, payload in PAYLOADS.items():
        rows.append((payload, payload, "Civica", "£1,000", f"Payroll {key}"))
    rows.append(("Bad char \ufffe app", "contains U+FFFE \ufffe here", "Idox", "£2,000", "Planning"))
    rows.append(("Long description app", LONG, "Idox", "£3,000", "Planning"))
    lines = []
    for row in rows:
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in row))
    return write_csv("\n".join(lines) + "\n", name="hostile.csv")


def _cells(path: Path) -> list[tuple[str, str, ElementTree.Element]]:
    """(sheet part, cell ref, <c> element) for every cell of every sheet."""
    out = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                root = ElementTree.fromstring(archive.read(name))
                out += [(name, c.get("r", ""), c) for c in root.iter(f"{{{NS['m']}}}c")]
    return out


def _text(cell: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in cell.iter(f"{{{NS['m']}}}t"))


def _assert_inert(path: Path) -> list[str]:
    """Check the file's XML; return the texts of the cells that carry input."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        xml = {n: archive.read(n) for n in names if n.endswith((".xml", ".rels"))}
    for name, data in xml.items():
        assert "\ufffe".encode() not in data, name
        if name.startswith("xl/worksheets/sheet"):
            assert b"<hyperlinks" not in data, f"{name} has hyperlinks"
        if name.endswith(".rels"):
            assert b'TargetMode="External"' not in data, name
    texts = []
    for part, ref, cell in _cells(path):
        formula = cell.find("m:f", NS)
        text = _text(cell)
        if formula is not None:
            body = formula.text or ""
            assert not any(s in body for s in SIGNATURES), (part, ref, body)
        if any(s in text for s in SIGNATURES) or text.startswith(("Bad char", "contains U+FFFE", "LLLL")):
            assert formula is None and cell.get("t") == "inlineStr", (part, ref, ElementTree.tostring(cell))
            texts.append(text)
    return texts


def test_hostile_inventory_text_stays_text_through_the_whole_pipeline(tmp_path, write_csv):
    inventory = _inventory(write_csv)
    output = tmp_path / "plan.xlsx"
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
    assert output.exists(), result.output
    texts = _assert_inert(output)
    for payload in ('=HYPERLINK("http://x","y")', "+SUM(1,1)", "@SUM(1)", "-2+3"):
        assert payload in texts, payload
    assert any("contains U+FFFE  here" in t for t in texts)
    long = [t for t in texts if t.startswith("LLLL")]
    assert long and all(len(t) == EXCEL_CELL_LIMIT and t.endswith(TRUNCATION_MARKER) for t in long)
    book = openpyxl.load_workbook(output)
    assert "Applications" in book.sheetnames
    convert([output], tmp_path / "lo", tmp_path / "profile")


def test_hostile_text_in_analysis_tables_stays_text_on_every_sheet(tmp_path):
    texts = dict(enumerate([*PAYLOADS.values(), "U+FFFE \ufffe inside", LONG]))
    store = build_plan_store(tmp_path / "s.duckdb", apps=30, orgs=2, texts=texts)
    with Store(store, read_only=True) as opened:
        write_plan(opened, tmp_path / "plan.xlsx")
    found = _assert_inert(tmp_path / "plan.xlsx")
    # Names reach Plan, Savings, Cash flow, Findings and Applications; tab and CR payloads too.
    assert sum(1 for t in found if t == "\tTabbed =1+1") >= 3
    assert any(t.endswith("Returned =1+1") for t in found)
    openpyxl.load_workbook(tmp_path / "plan.xlsx")


def test_csv_exports_escape_formula_triggers(tmp_path):
    texts = dict(enumerate(PAYLOADS.values()))
    store = build_plan_store(tmp_path / "s.duckdb", apps=12, orgs=2, texts=texts)
    result = CliRunner().invoke(cli, ["report", "--db", str(store), "-f", "csv", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    with open(tmp_path / "out" / "applications.csv", encoding="utf-8", newline="") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    for payload in PAYLOADS.values():
        assert "'" + payload in names, payload
    assert csv_cell("Plain") == "Plain" and csv_cell("-5") == "'-5"


def test_exports_in_parquet_and_json_keep_types(tmp_path):
    import polars as pl

    store = build_plan_store(tmp_path / "s.duckdb", apps=12, orgs=2)
    for fmt in ("parquet", "json"):
        result = CliRunner().invoke(cli, ["report", "--db", str(store), "-f", fmt, "-o", str(tmp_path / fmt)])
        assert result.exit_code == 0, result.output
    actions = pl.read_parquet(tmp_path / "parquet" / "plan_actions.parquet")
    assert actions.schema["npv_10"] == pl.Float64 and actions.height > 0
    assert pl.read_json(tmp_path / "json" / "plan_actions.json").height == actions.height


@pytest.fixture
def old_plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"previous plan")
    return path


def test_a_failing_write_leaves_the_previous_plan_as_it_was(tmp_path, old_plan, monkeypatch):
    store = build_plan_store(tmp_path / "s.duckdb", apps=9, orgs=3)

    def broken(*_args: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("appconsol.report.plan.workbook.write_applications", broken)
    with Store(store, read_only=True) as opened, pytest.raises(RuntimeError):
        write_plan(opened, old_plan)
    assert old_plan.read_bytes() == b"previous plan"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_a_plan_open_in_excel_is_refused_and_survives(tmp_path, old_plan):
    store = build_plan_store(tmp_path / "s.duckdb", apps=9, orgs=3)
    (tmp_path / "~$plan.xlsx").write_bytes(b"owner")
    result = CliRunner().invoke(cli, ["report", "--db", str(store), "-o", str(old_plan)])
    assert result.exit_code == 2
    assert "open in Excel" in result.output and "close it" in result.output
    assert old_plan.read_bytes() == b"previous plan"


def test_an_unwritable_destination_is_a_clear_error(tmp_path):
    store = build_plan_store(tmp_path / "s.duckdb", apps=9, orgs=3)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with (
        Store(store, read_only=True) as opened,
        pytest.raises(PlanWriteError, match="cannot create the folder"),
    ):
        write_plan(opened, blocker / "plan.xlsx")
    result = CliRunner().invoke(cli, ["report", "--db", str(store), "-o", str(blocker / "plan.xlsx")])
    assert result.exit_code == 2 and result.output.startswith("Error: ")
