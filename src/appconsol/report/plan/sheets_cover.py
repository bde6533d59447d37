"""The Cover sheet: what the workbook is, what went in (files, hashes, reference data), and a map."""

from __future__ import annotations

import datetime as dt

import polars as pl

from appconsol.analyses.plan_assumptions import financial_year
from appconsol.report.plan.common import Book, write_heading, write_table
from appconsol.report.plan.formulas import HEADER_ROW
from appconsol.report.plan.rows import Column
from appconsol.version import __version__

SHEET_PURPOSES = (
    (
        "Summary",
        "The preferred option's headline figures beside the others, and charts; every figure is a formula.",
    ),
    ("Board", "One printed page: the preferred option, top opportunities, years, bodies, risks, key inputs."),
    (
        "Options",
        "Do nothing, do minimum, consolidate and share, and with cloud moves: PV costs, benefits, NPV, BCR.",
    ),
    ("Sensitivity", "Switching values and a tornado table for the preferred option (formulas)."),
    ("Assumptions", "Inputs of the savings model, as named cells; change one to see the plan move."),
    ("Plan", "One row per action: what happens to which application, when, and what it costs and saves."),
    ("Savings", "One-off costs, annual savings, NPV and payback per action (formulas)."),
    ("Cash flow", "Net, discounted and cumulative cash flow per action and year (formulas)."),
    ("Partners", "For shared services, each partner body's share of costs and savings, and the recharge."),
    ("Baseline", "The run cost the plan uses, reconciled with the stated cost (exclusions, estimates)."),
    ("Overlaps", "Groups of applications serving the same capability, and their members."),
    ("Legacy risk", "Legacy risk scores, RAG and the evidence behind them."),
    ("Cloud & TIME", "TIME categories and 7R cloud dispositions, with the deciding rule."),
    ("Findings", "Every rule finding with its evidence and source row."),
    ("Data quality", "Rows not loaded and values not understood."),
    ("Applications", "The canonical inventory, with the file, sheet and row each came from."),
    ("Rules", "The steps and rules that ran, their parameters, and waivers."),
)


def _money_basis(as_of: dt.date | None) -> str:
    if as_of is None:
        return "GBP a year at today's prices unless a column says otherwise"
    first = financial_year(as_of)
    return (
        f"GBP a year in real terms at {first}-{(first + 1) % 100:02d} prices (the price base: the financial "
        f"year of the as-of date) unless a column says otherwise; years are UK financial years, April to "
        f"March, year 0 being {first}-{(first + 1) % 100:02d}"
    )


def write_cover(book: Book, written_at: dt.datetime) -> None:
    ws, f, data = book.sheet("Cover"), book.formats, book.data
    write_heading(
        book,
        ws,
        "Application consolidation plan",
        "Which applications to keep, merge, share, move or switch off, when, and what that costs and saves; "
        "written by appconsol from the inventories listed below. Start with Summary; change Assumptions to test.",
    )
    facts = [
        ("As of", data.as_of.isoformat() if data.as_of else "not recorded (no analysis run)"),
        ("Written", written_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Tool", f"appconsol {__version__}"),
        ("Money", _money_basis(data.as_of)),
    ]
    for i, (label, value) in enumerate(facts):
        ws.write_string(HEADER_ROW + i, 0, label, f["bold"])
        ws.write_string(HEADER_ROW + i, 1, value)
    row = HEADER_ROW + len(facts) + 2
    ws.write_string(row - 1, 0, "How to read this workbook", f["subtitle"])
    sheets = pl.DataFrame(
        {"sheet": [s for s, _ in SHEET_PURPOSES], "purpose": [p for _, p in SHEET_PURPOSES]}
    )
    sheets = sheets.with_columns(pl.format("'{}'!A1", pl.col("sheet")).alias("target"))
    columns = [
        Column("Sheet", "text", "sheet", width=28),
        Column("What it shows", "text", "purpose", width=90),
        Column("Go", "link", "target", f["link"], 8, link_text="open"),
    ]
    _, last = write_table(book, ws, "tblSheets", columns, sheets, header_row=row, freeze=False, widths=False)
    row = last + 3
    ws.write_string(row - 1, 0, "Inputs: the inventory files loaded", f["subtitle"])
    input_columns = [
        Column("File", "text", "file_name", width=28),
        Column("Sheet", "text", "source_sheet", width=90),
        Column("Organisation", "text", "organisation", width=28),
        Column("Profile", "text", "profile", width=12),
        Column("SHA-256", "text", "content_hash", width=20),
        Column("Rows read", "integer", "rows_read", f["count"], 10),
        Column("Loaded", "integer", "rows_loaded", f["count"], 10),
        Column("Rejected", "integer", "rows_rejected", f["count"], 10),
        Column("Warnings", "integer", "warnings", f["count"], 10),
        Column("Loaded at (UTC)", "datetime", "loaded_at", f["datetime"], 16),
    ]
    _, last = write_table(
        book, ws, "tblInputs", input_columns, data.loads, header_row=row, freeze=False, widths=False
    )
    row = last + 3
    ws.write_string(row - 1, 0, "Reference data", f["subtitle"])
    snapshot_columns = [
        Column("Reference", "text", "name", width=28),
        Column("Snapshot date", "date", "snapshot_date", f["date"], 12),
        Column("Source", "text", "source", width=28),
        Column("Licence", "text", "licence", width=12),
    ]
    note = data.note_for("reference_snapshots")
    if note:
        ws.write_string(row - 1, 3, note.strip(), f["note"])
    write_table(
        book, ws, "tblReference", snapshot_columns, data.snapshots, header_row=row, freeze=False, widths=False
    )
    for col, width in enumerate((28, 40, 28, 14, 20, 10, 10, 10, 10, 16)):
        ws.set_column(col, col, width)
    ws.hide_gridlines(2)
