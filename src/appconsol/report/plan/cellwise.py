"""The plan's row blocks written cell by cell through xlsxwriter's public methods.

The reference the fast path (rows.py, polars-rendered XML) is tested against, and the path taken
when an xlsxwriter lacks the private hooks the fast path needs.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from appconsol.report.plan.safe import safe_text

if TYPE_CHECKING:
    from appconsol.report.plan.rows import Block, Column

_EPOCH = dt.date(1899, 12, 30)
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _fill_template(template: str, row: int, record: dict[str, Any]) -> str:
    return _PLACEHOLDER.sub(
        lambda m: str(row + 1) if m.group(1) == "r" else str(record[m.group(1)]), template
    )


def _number_or_text(value: Any) -> Any:
    if value is None:
        return ""
    try:
        return float(value)
    except ValueError:
        return safe_text(str(value))


def _excel_serial(value: dt.date | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)).total_seconds() / 86_400
    return float((value - _EPOCH).days)


def write_block_cellwise(sheet: Worksheet, block: Block) -> None:
    """The same cells through xlsxwriter's public API: the reference the fast path is tested against."""
    row = block.first_row - 1
    for frame in block.batches():
        names = frame.columns
        for values in frame.iter_rows():
            record = dict(zip(names, values, strict=True))
            row += 1
            for j, column in enumerate(block.columns):
                value = record.get(column.source) if column.source else None
                _write_one(sheet, row, block.first_col + j, column, value, record)


def _write_one(
    sheet: Worksheet, row: int, col: int, column: Column, value: Any, record: dict[str, Any]
) -> None:
    if column.kind == "formula":
        assert column.formula is not None
        formula = "=" + _fill_template(column.formula, row, record)
        if column.result == "number" and (value is None or not math.isfinite(float(value))):
            cached: Any = ""
        elif column.result == "text":
            cached = safe_text(str(value)) if value is not None else ""
        elif column.result == "mixed":
            cached = _number_or_text(value)
        else:
            cached = float(value) if column.result == "number" else bool(value)
        sheet.write_formula(row, col, formula, column.fmt, cached)
        return
    if value is None:
        return
    if column.kind == "link":
        formula = f'=HYPERLINK("#{value}","{column.link_text}")'
        sheet.write_formula(row, col, formula, column.fmt, column.link_text)
    elif column.kind == "text":
        text = safe_text(str(value))
        if text:
            sheet.write_string(row, col, text, column.fmt)
    elif column.kind in ("number", "integer"):
        number = float(value)
        if math.isfinite(number):
            sheet.write_number(row, col, int(number) if column.kind == "integer" else number, column.fmt)
    elif column.kind in ("date", "datetime"):
        sheet.write_number(row, col, _excel_serial(value), column.fmt)
    elif column.kind == "bool":
        sheet.write_boolean(row, col, bool(value), column.fmt)
