"""Database errors met while writing, turned into one line that says what to do.

A full disk, a value too large for `DECIMAL(18,2)` and a read-only file surface from DuckDB as
exceptions with long texts (and, for a failed COMMIT, only "transaction aborted"); the store maps
them to a `StoreError` naming the table, and when it can, the file, row and column.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from appconsol.errors import Location, StoreError

if TYPE_CHECKING:
    import polars as pl

# The largest amount DECIMAL(18,2) holds is 9,999,999,999,999,999.99 (16 digits before the point).
MONEY_LIMIT = 10**16


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    return "no space left on device" in text or "disk quota exceeded" in text


def database_error(exc: BaseException, what: str, *, frame: pl.DataFrame | None = None) -> StoreError:
    """A one-line StoreError for a database exception met while writing."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if is_disk_full(exc):
        return StoreError(f"{what}: the disk is full", hint="free some space or use another --db path")
    if "read-only" in first.lower() or "read only" in first.lower():
        return StoreError(
            f"{what}: the store is read-only", hint="check the file's permissions or use another --db"
        )
    if "decimal" in first.lower() and frame is not None:
        place = first_oversized_amount(frame)
        if place is not None:
            return StoreError(
                f"{what}: amount too large for the store (at most 9,999,999,999,999,999.99)",
                hint="check the value; costs are stored in pounds with two decimals",
                location=place,
            )
    return StoreError(f"{what}: {type(exc).__name__}: {first}")


def first_oversized_amount(frame: pl.DataFrame) -> Location | None:
    """Where the first amount too large for DECIMAL(18,2) sits (file, sheet, row, column)."""
    import polars as pl

    for name, dtype in frame.schema.items():
        if not (dtype.is_numeric()):
            continue
        if isinstance(dtype, pl.Decimal) and (dtype.precision or 38) - (dtype.scale or 0) <= 16:
            continue
        hits = frame.with_row_index("__index").filter(pl.col(name).cast(pl.Float64).abs() >= MONEY_LIMIT)
        if name in ("source_row", "__row", "user_count") or hits.height == 0:
            continue
        row = hits.row(0, named=True)
        return Location(
            file=row.get("source_file"),
            sheet=row.get("source_sheet"),
            row=row.get("source_row", row.get("__row")),
            column=name,
        )
    return None
