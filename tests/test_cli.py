from __future__ import annotations

import io
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.docgen.schema import render_schema_markdown
from conftest import ROOT

GOOD = "Name,Vendor,Capability\nUniform,Idox,Planning\nEmail,Microsoft,Email\n"


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _xlsx_bytes() -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Apps")
    for r, row in enumerate([["Name", "Vendor"], ["Uniform", "Idox"]]):
        sheet.write_row(r, 0, row)
    workbook.close()
    return buffer.getvalue()


def _hostile_files(tmp: Path) -> dict[str, Path]:
    files = {}
    files["zero-byte"] = tmp / "empty.xlsx"
    files["zero-byte"].write_bytes(b"")
    files["truncated zip"] = tmp / "truncated.xlsx"
    files["truncated zip"].write_bytes(_xlsx_bytes()[:700])
    files["legacy xls"] = tmp / "old.xls"
    files["legacy xls"].write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 1024)
    files["no inventory sheet"] = tmp / "budget.csv"
    files["no inventory sheet"].write_text("Quarter,Spend\nQ1,100\n")
    xxe = tmp / "xxe.xlsx"
    with zipfile.ZipFile(io.BytesIO(_xlsx_bytes())) as source, zipfile.ZipFile(xxe, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>',
                    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
                )
            target.writestr(item, data)
    files["external entity"] = xxe
    return files


@pytest.mark.parametrize(
    "kind", ["zero-byte", "truncated zip", "legacy xls", "no inventory sheet", "external entity"]
)
def test_bad_file_exits_2_with_one_line_naming_it_while_good_files_still_load(tmp_path, kind):
    bad = _hostile_files(tmp_path)[kind]
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    db = tmp_path / "s.duckdb"
    result = _invoke("load", str(bad), str(good), "--db", str(db), "--org", "X")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and bad.name in errors[0]
    assert "Traceback" not in result.output
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT source_file FROM applications").fetchall() == [(str(good),)]


def test_csv_renamed_xlsx_is_read_as_csv_with_a_note(tmp_path):
    renamed = tmp_path / "really-a-csv.xlsx"
    renamed.write_text(GOOD)
    result = _invoke("load", str(renamed), "--db", str(tmp_path / "s.duckdb"), "--org", "X")
    assert result.exit_code == 0
    assert "read as csv" in result.stderr


def test_load_summary_prints_row_accounting(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD + ",NoName\n")
    result = _invoke("load", str(good), "--db", str(tmp_path / "s.duckdb"), "--org", "X")
    assert result.exit_code == 0
    line = next(line for line in result.stdout.splitlines() if "good.csv" in line)
    assert [cell.strip() for cell in line.split("│")[5:9]] == ["3", "0", "2", "1"]


def test_map_writes_a_mapping_file_that_load_accepts(tmp_path):
    inventory = tmp_path / "inv.csv"
    inventory.write_text("System,Supplier,Mystery\nUniform,Idox,x\n")
    mapping = tmp_path / "mapping.yaml"
    result = _invoke("map", str(inventory), "--write", str(mapping))
    assert result.exit_code == 0 and "name" in result.stdout
    text = mapping.read_text().replace('"Mystery": ignore', '"Mystery": description')
    mapping.write_text(text)
    result = _invoke(
        "load", str(inventory), "--mapping", str(mapping), "--db", str(tmp_path / "s.duckdb"), "--org", "X"
    )
    assert result.exit_code == 0
    with duckdb.connect(str(tmp_path / "s.duckdb"), read_only=True) as con:
        assert con.execute("SELECT name, vendor, description FROM applications").fetchall() == [
            ("Uniform", "Idox", "x")
        ]


def test_loads_and_unload_commands(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(GOOD)
    db = str(tmp_path / "s.duckdb")
    _invoke("load", str(good), "--db", db, "--org", "X")
    listed = _invoke("loads", "--db", db, "-f", "csv")
    assert listed.exit_code == 0 and "good.csv" in listed.stdout
    assert _invoke("unload", "good.csv", "--db", db).exit_code == 0
    assert "good.csv" not in _invoke("loads", "--db", db, "-f", "csv").stdout


def test_missing_store_for_loads_is_a_clear_error(tmp_path):
    result = _invoke("loads", "--db", str(tmp_path / "nope.duckdb"))
    assert result.exit_code == 2 and result.stderr.startswith("Error: store")


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command):
    result = _invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout


def test_docs_schema_is_generated_from_the_schema_module():
    committed = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == render_schema_markdown(), (
        "docs/schema.md is stale: run `appconsol schema > docs/schema.md`"
    )
