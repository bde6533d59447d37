"""The foreign-export generator itself: reproducible, and its truth matches the file it wrote."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from exportgen import make_draw
from exportgen.catalogues import LAYOUTS
from exportgen.judge import contradiction


def _cells(path: Path, stray_byte: bool = False) -> list[str]:
    if path.suffix == ".csv":
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig", errors="replace")
        if not stray_byte:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")
        delimiter = max((",", ";", "\t"), key=text.count)
        return [c for row in csv.reader(io.StringIO(text), delimiter=delimiter) for c in row]
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return [
        str(c)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    ]


def test_a_draw_is_the_same_file_and_truth_every_time(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = make_draw(5, 17, tmp_path / "a")
    second = make_draw(5, 17, tmp_path / "b")
    assert first.path.name == second.path.name
    if first.kind == "csv":
        assert first.path.read_bytes() == second.path.read_bytes()
    assert [(a.row, a.name, a.values) for a in first.expected] == [
        (a.row, a.name, a.values) for a in second.expected
    ]
    assert first.not_loaded == second.not_loaded


def test_every_expected_application_is_in_the_file_it_wrote(tmp_path: Path) -> None:
    tools = set()
    for index in range(80):
        draw = make_draw(11, index, tmp_path)
        tools.add(draw.tool)
        cells = set(_cells(draw.path, "stray-cp1252-byte" in draw.features))
        missing = [a.name for a in draw.expected if a.name not in cells and not a.optional]
        assert not missing, f"draw {index} ({draw.describe()}): {missing}"
        assert draw.data_rows == len(draw.expected) + len(draw.not_loaded)
        assert all(a.row > draw.header_row for a in draw.expected)
        names = [c for c in draw.columns if c.field == "name"]
        assert len(names) <= 1, draw.describe()
    assert len(tools) >= 12, tools


def test_the_catalogues_cover_the_tools_the_issue_names() -> None:
    tools = {layout.tool for layout in LAYOUTS}
    assert {"servicenow", "leanix", "ardoq", "archi", "azure-migrate", "register", "lansweeper"} <= tools
    assert all(layout.source for layout in LAYOUTS)


def test_the_judge_sees_values_that_contradict_a_field() -> None:
    assert contradiction("cost_licence", ["Perpetual", "Subscription", "Named user"])
    assert contradiction("cost_licence", ["2026-03-01", "2027-01-31"])
    assert contradiction("name", ["SaaS", "Custom Built", "SaaS", "COTS"])
    assert contradiction("name", ["jane.smith@avonvale.gov.uk", "li.wei@avonvale.gov.uk"])
    assert contradiction("cost_total", ["CC1234", "R100-2000", "CC9999"])
    assert contradiction("cost_licence", ["£12,500", "12500.00", "TBC", ""]) is None
    assert contradiction("contract_end", ["31/03/2027", "2026-01-01", "45291"]) is None
    assert contradiction("name", ["Housing Management", "Payroll", "Café Booking System"]) is None
