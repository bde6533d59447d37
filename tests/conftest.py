from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLES = ROOT / "sample_inventories"
AS_OF = dt.date(2026, 11, 25)


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


@pytest.fixture
def options() -> LoadOptions:
    return LoadOptions(as_of=AS_OF)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(text: str, name: str = "inventory.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write a workbook from {sheet: rows}; a row item may be a callable(sheet, row, col) for special cells."""

    def write(
        sheets: dict[str, Sequence[Sequence[Any]]],
        name: str = "inventory.xlsx",
        hidden: Sequence[str] = (),
        merges: Sequence[tuple[str, int, int, int, int, str]] = (),
    ) -> Path:
        import xlsxwriter

        path = tmp_path / name
        workbook = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
        date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
        for sheet_name, rows in sheets.items():
            sheet = workbook.add_worksheet(sheet_name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if callable(value):
                        value(sheet, r, c)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(
                            r, c, dt.datetime(value.year, value.month, value.day), date_format
                        )
                    elif isinstance(value, (int, float)):
                        sheet.write_number(r, c, value)
                    else:
                        sheet.write_string(r, c, str(value))
            if sheet_name in hidden:
                sheet.hide()
        for sheet_name, r1, c1, r2, c2, text in merges:
            workbook.get_worksheet_by_name(sheet_name).merge_range(r1, c1, r2, c2, text)
        workbook.close()
        return path

    return write
