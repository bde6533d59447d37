"""Store identity: only a new or empty file, or a DuckDB file with appconsol's tables, is a store.

The first bytes are read before DuckDB opens anything, so a SQLite file given as `--db` is refused
instead of making DuckDB fetch its SQLite extension, and another application's DuckDB file is
refused before appconsol adds its tables to it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from appconsol.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB database file
_HINT = "choose another --db path (appconsol keeps its own store file)"


def check_store_file(path: Path) -> None:
    """Refuse a file that is not a DuckDB database, by its magic bytes (missing or empty is fine)."""
    try:
        if path.is_dir():
            raise StoreError(f"'{path}' is a folder, not a store file", hint=_HINT)
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as exc:
        raise StoreError(f"cannot read store '{path}': {exc.strerror or exc}", hint=_HINT) from exc
    if head.startswith(SQLITE_MAGIC):
        raise StoreError(f"'{path}' is a SQLite database, not an appconsol store", hint=_HINT)
    if head[8:12] != DUCKDB_MAGIC:
        raise StoreError(f"'{path}' is not a DuckDB file, so not an appconsol store", hint=_HINT)


def refuse_foreign_tables(path: Path, tables: Iterable[str]) -> None:
    """A DuckDB file without `store_meta` that already holds tables belongs to someone else."""
    found = sorted(tables)
    if found:
        shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        raise StoreError(
            f"'{path}' is a DuckDB database of another application (tables {shown}), not an appconsol store",
            hint=_HINT,
        )
