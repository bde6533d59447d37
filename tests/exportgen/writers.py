"""Write a generated table as the tools do: CSV in a drawn encoding, or a workbook by either writer.

A table is rows of cells; a cell is None (empty), text, or one of the typed cells below, which a
workbook stores natively and a CSV writes as text.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path


@dataclass(frozen=True)
class Num:
    value: float | int | Decimal
    gbp: bool = False  # a £ number format in the workbook


@dataclass(frozen=True)
class DateCell:
    value: dt.date


@dataclass(frozen=True)
class Formula:
    text: str  # e.g. =SUM(D5:D20)
    value: float | int | Decimal


Cell = object  # None | str | Num | DateCell | Formula


def cell_text(cell: Cell) -> str:
    """What a CSV holds for the cell (and what a person reads in the sheet)."""
    if cell is None:
        return ""
    if isinstance(cell, Num):
        return str(cell.value)
    if isinstance(cell, DateCell):
        return cell.value.isoformat()
    if isinstance(cell, Formula):
        return str(cell.value)
    return str(cell)


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]
    merges: list[tuple[int, int, int, int, str]] = field(default_factory=list)  # r1, c1, r2, c2 (0-based)


def write_csv(
    path: Path,
    rows: list[list[Cell]],
    *,
    encoding: str,
    delimiter: str = ",",
    quote_all: bool = False,
    line_end: str = "\r\n",
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=delimiter,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        lineterminator=line_end,
    )
    for row in rows:
        writer.writerow([cell_text(c) for c in row])
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_xlsx_xlsxwriter(path: Path, sheets: list[Sheet]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    date_fmt = workbook.add_format({"num_format": "dd/mm/yyyy"})
    gbp_fmt = workbook.add_format({"num_format": "£#,##0.00"})
    bold = workbook.add_format({"bold": True, "align": "center"})
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name)
        for r, row in enumerate(sheet.rows):
            for c, cell in enumerate(row):
                if cell is None or cell == "":
                    continue
                if isinstance(cell, Num):
                    ws.write_number(r, c, float(cell.value), gbp_fmt if cell.gbp else None)
                elif isinstance(cell, DateCell):
                    ws.write_datetime(r, c, dt.datetime.combine(cell.value, dt.time()), date_fmt)
                elif isinstance(cell, Formula):
                    ws.write_formula(r, c, cell.text, gbp_fmt, float(cell.value))
                else:
                    ws.write_string(r, c, str(cell))
        for r1, c1, r2, c2, text in sheet.merges:
            ws.merge_range(r1, c1, r2, c2, text, bold)
    workbook.close()


def write_xlsx_openpyxl(path: Path, sheets: list[Sheet]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.name)
        for r, row in enumerate(sheet.rows, start=1):
            for c, cell in enumerate(row, start=1):
                if cell is None or cell == "":
                    continue
                target = ws.cell(row=r, column=c)
                if isinstance(cell, Num):
                    target.value = float(cell.value)
                    if cell.gbp:
                        target.number_format = "£#,##0.00"
                elif isinstance(cell, DateCell):
                    target.value = cell.value
                    target.number_format = "dd/mm/yyyy"
                elif isinstance(cell, Formula):
                    target.value = cell.text  # openpyxl stores no cached value
                else:
                    target.value = str(cell)
                    target.data_type = "s"
        for r1, c1, r2, c2, text in sheet.merges:
            ws.cell(row=r1 + 1, column=c1 + 1).value = text
            ws.merge_cells(start_row=r1 + 1, start_column=c1 + 1, end_row=r2 + 1, end_column=c2 + 1)
    workbook.save(path)
