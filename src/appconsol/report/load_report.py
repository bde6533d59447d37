"""A workbook of what a load stored: summary, applications, rejected rows, warnings.

Text from inventories is always written as a string cell (never a formula or hyperlink, whatever
it starts with), cut at Excel's cell limit with a marker, and stripped of characters XML cannot
hold. The file is written beside the target and renamed into place, so it appears whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from appconsol.errors import AppconsolError, Location
from appconsol.store import Store

EXCEL_CELL_LIMIT = 32_767
EXCEL_MAX_ROWS = 1_048_576
_TRUNCATED = " …[truncated]"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

SHEETS = (
    ("Loads", "SELECT * EXCLUDE (mapping) FROM loads ORDER BY source_file"),
    ("Applications", "SELECT * FROM applications ORDER BY organisation, app_id"),
    ("Capabilities", "SELECT * FROM app_capabilities ORDER BY organisation, app_id, capability"),
    ("Components", "SELECT * FROM app_components ORDER BY organisation, app_id, kind"),
    ("Rejected rows", "SELECT * FROM rejected_rows ORDER BY source_file, source_row"),
    ("Load warnings", "SELECT * FROM load_warnings ORDER BY source_file, source_row"),
    ("Partnerships", "SELECT * FROM partnerships ORDER BY partnership, organisation"),
)


def safe_text(value: str) -> str:
    text = _XML_ILLEGAL.sub("", value)
    if len(text) > EXCEL_CELL_LIMIT:
        text = text[: EXCEL_CELL_LIMIT - len(_TRUNCATED)] + _TRUNCATED
    return text


def _write_cell(sheet: Any, row: int, col: int, value: Any, formats: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
        sheet.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, formats["datetime"])
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), formats["date"])
    elif isinstance(value, list):
        sheet.write_string(row, col, safe_text("; ".join(str(v) for v in value)))
    else:
        sheet.write_string(row, col, safe_text(str(value)))


def write_load_report(store: Store, output: Path) -> None:
    import xlsxwriter

    output = Path(output)
    lock = output.parent / f"~${output.name}"
    if lock.exists():
        raise AppconsolError(
            "the workbook is open in Excel (its ~$ lock file exists)",
            hint="close it and run again",
            location=Location(file=output),
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".appconsol-", suffix=".xlsx", dir=output.parent)
    os.close(handle)
    try:
        workbook = xlsxwriter.Workbook(
            temp_name, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        formats = {
            "header": workbook.add_format({"bold": True, "bg_color": "#DDEBF7"}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
            "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        }
        for title, sql in SHEETS:
            cursor = store.con.execute(sql)
            columns = [d[0] for d in cursor.description]
            sheet = workbook.add_worksheet(title)
            sheet.freeze_panes(1, 0)
            for col, name in enumerate(columns):
                sheet.write_string(0, col, name, formats["header"])
                sheet.set_column(col, col, min(40, max(10, len(name) + 2)))
            row = 1
            while batch := cursor.fetchmany(10_000):
                for values in batch:
                    if row >= EXCEL_MAX_ROWS:
                        raise AppconsolError(
                            f"sheet '{title}' would pass Excel's {EXCEL_MAX_ROWS:,} rows",
                            hint="use the store directly (duckdb) for estates this large",
                            location=Location(file=output),
                        )
                    for col, value in enumerate(values):
                        _write_cell(sheet, row, col, value, formats)
                    row += 1
            sheet.autofilter(0, 0, max(row - 1, 1), max(len(columns) - 1, 0))
        workbook.close()
        os.replace(temp_name, output)
    except PermissionError as exc:
        raise AppconsolError(
            f"cannot write the workbook: {exc.strerror}", location=Location(file=output)
        ) from exc
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
