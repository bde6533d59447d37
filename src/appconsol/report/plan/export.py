"""The plan's tables as files for BI tools: one CSV, Parquet or JSON file per table in a folder.

CSV cells are made inert for spreadsheets (OWASP CSV injection guidance): a text cell starting
with `=`, `+`, `-`, `@`, tab or carriage return gets a leading single quote. Parquet and JSON keep
types, so nothing is evaluated there. Each file is written as an artefact (store/artefact.py), so
a file is whole or absent.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from appconsol.errors import AppconsolError, Location
from appconsol.report.plan.safe import csv_cell_expr
from appconsol.store import Store
from appconsol.store.artefact import artefact

EXPORT_TABLES = (
    "plan_actions",
    "plan_cash_flows",
    "plan_partner_shares",
    "plan_assumptions",
    "overlap_groups",
    "overlap_members",
    "legacy_scores",
    "dispositions",
    "findings",
    "applications",
)
FORMATS = ("csv", "parquet", "json")


def csv_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined with '; ', nested values as JSON text, and every text cell escaped for spreadsheets."""
    columns = []
    for name, dtype in frame.schema.items():
        column = pl.col(name)
        if isinstance(dtype, pl.List):
            column = column.cast(pl.List(pl.String)).list.join("; ")
        elif isinstance(dtype, (pl.Struct, pl.Array)):
            column = column.struct.json_encode() if isinstance(dtype, pl.Struct) else column.cast(pl.String)
        elif dtype != pl.String:
            columns.append(column)
            continue
        columns.append(csv_cell_expr(column).alias(name))
    return frame.select(columns)


def export_plan(store: Store, output: Path, fmt: str) -> list[Path]:
    """Write each plan table the store has as `<table>.<fmt>` in the folder `output`."""
    if fmt not in FORMATS:
        raise AppconsolError(f"unknown export format '{fmt}'", hint=f"use one of {', '.join(FORMATS)}")
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise AppconsolError(
            "exports go to a folder, and this path is a file",
            hint="name a folder with -o",
            location=Location(file=output),
        )
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AppconsolError(
            f"cannot create the folder: {exc.strerror}", location=Location(file=output)
        ) from exc
    present = {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    written = []
    for table in EXPORT_TABLES:
        if table not in present:
            continue
        frame = store.query(f'SELECT * FROM "{table}"')
        target = output / f"{table}.{fmt}"
        with artefact(target, mode=0o644) as temporary:
            if fmt == "csv":
                csv_safe(frame).write_csv(temporary)
            elif fmt == "parquet":
                frame.write_parquet(temporary)
            else:
                frame.write_json(temporary)
        written.append(target)
    return written
