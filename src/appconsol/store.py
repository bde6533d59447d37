"""The DuckDB store: tables generated from the schema, one transaction per file, provenance kept.

A load is all or nothing: every statement for one file runs inside an explicit transaction
(DuckDB auto-commits statements otherwise, so earlier inserts would survive a later failure),
rolled back on any exception, and followed by a CHECKPOINT so the file on disk is complete.
Loading the same file again replaces what it stored before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from appconsol import __version__
from appconsol.errors import StoreError, StoreInUseError, StoreVersionError
from appconsol.schema import SCHEMA_VERSION, TABLES, TABLES_BY_NAME, VIEWS, view_ddl

if TYPE_CHECKING:
    from appconsol.ingest.prepare import PreparedLoad

DEFAULT_STORE = Path("appconsol.duckdb")
PROVENANCE_TABLES = (
    "applications",
    "app_capabilities",
    "app_components",
    "app_dependencies",
    "rejected_rows",
    "load_warnings",
)


def table_ddl(name: str) -> str:
    table = TABLES_BY_NAME[name]
    columns = ",\n  ".join(f'"{c.name}" {c.sql_type}' for c in table.columns)
    return f'CREATE TABLE IF NOT EXISTS "{name}" (\n  {columns}\n)'


@dataclass(frozen=True)
class LoadRecord:
    """What one committed (or dry-run) load stored."""

    load_id: str
    source_file: str
    sheet: str | None
    organisation: str
    profile: str | None
    rows_read: int
    rows_blank: int
    rows_loaded: int
    rows_rejected: int
    warnings: int
    replaced: int  # earlier loads of the same file that this one replaced
    dry_run: bool = False
    rows_skipped: int = 0  # summary, units and notes rows, stored in rejected_rows as "skipped: ..."


class Store:
    """An open store; use as a context manager so the connection always closes."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise StoreError(
                f"store '{self.path}' does not exist",
                hint="load inventories first with `appconsol load FILE --db PATH`",
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                raise StoreInUseError(
                    f"store '{self.path}' is in use by another process",
                    hint="wait for the other appconsol command to finish, or use another --db",
                ) from exc
            raise StoreError(f"cannot open store '{self.path}': {text.splitlines()[0]}") from exc
        except duckdb.Error as exc:
            raise StoreError(
                f"'{self.path}' is not a DuckDB store appconsol can open: {str(exc).splitlines()[0]}",
                hint="choose another --db path",
            ) from exc
        try:
            self._check_or_create_schema()
        except BaseException:
            self.con.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def _check_or_create_schema(self) -> None:
        has_meta = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'store_meta'"
        ).fetchall()
        if has_meta and has_meta[0][0]:
            # fetchall, not fetchone: DuckDB 2 refuses new work while a result is half read.
            rows = self.con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall()
            version = int(rows[0][0]) if rows else 0
            if version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"store '{self.path}' has schema version {version}, newer than this appconsol's "
                    f"{SCHEMA_VERSION}",
                    hint="upgrade appconsol (pip install -U appconsol) to open it",
                )
            if not self.read_only:
                # Tables and views added since the store was made (additive, so no version bump).
                self.con.execute("BEGIN TRANSACTION")
                self._create_tables_and_views()
                self.con.execute("COMMIT")
            return
        if self.read_only:
            raise StoreError(f"'{self.path}' is not an appconsol store", hint="choose another --db path")
        self.con.execute("BEGIN TRANSACTION")
        self._create_tables_and_views()
        self.con.execute(
            "INSERT INTO store_meta VALUES ('schema_version', ?), ('created_by', ?), ('created_at', ?)",
            [str(SCHEMA_VERSION), f"appconsol {__version__}", dt.datetime.now(dt.timezone.utc).isoformat()],
        )
        self.con.execute("COMMIT")

    def _create_tables_and_views(self) -> None:
        for table in TABLES:
            self.con.execute(table_ddl(table.name))
        for view in VIEWS:
            self.con.execute(view_ddl(view))

    # -- reading --------------------------------------------------------------------------------

    def query(self, sql: str, params: list[Any] | None = None) -> pl.DataFrame:
        relation = self.con.sql(sql, params=params or None)
        # DuckDB 2 names it to_arrow_table; 1.x calls it arrow.
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
        frame = pl.from_arrow(fetch())
        assert isinstance(frame, pl.DataFrame)
        return frame

    def loads(self) -> pl.DataFrame:
        return self.query("SELECT * FROM loads ORDER BY loaded_at, source_file")

    # -- writing --------------------------------------------------------------------------------

    def previous_loads(self, source_file: str, sheet: str | None) -> list[str]:
        rows = self.con.execute(
            "SELECT load_id FROM loads WHERE source_file = ? AND source_sheet IS NOT DISTINCT FROM ?",
            [source_file, sheet],
        ).fetchall()
        return [r[0] for r in rows]

    def ids_from_other_loads(self, organisations: list[str], exclude: list[str]) -> pl.DataFrame:
        return self.query(
            "SELECT organisation, app_id, source_file AS other_file, source_row AS other_row FROM applications "
            "WHERE organisation IN (SELECT unnest(?)) AND NOT list_contains(?, load_id)",
            [organisations, exclude],
        )

    def write_load(
        self, prepared: PreparedLoad, meta: dict[str, Any], *, dry_run: bool = False
    ) -> LoadRecord:
        """Store one prepared file in one transaction, replacing any earlier load of the same file."""
        source_file, sheet = meta["source_file"], meta["source_sheet"]
        previous = self.previous_loads(source_file, sheet)
        _reject_ids_loaded_elsewhere(self, prepared, previous)
        load_id = uuid.uuid4().hex[:12]
        provenance = [
            pl.lit(load_id).alias("load_id"),
            pl.lit(source_file).alias("source_file"),
            pl.lit(sheet, pl.String).alias("source_sheet"),
        ]
        frames = {
            "applications": prepared.applications,
            "app_capabilities": prepared.capabilities,
            "app_components": prepared.components,
            "app_dependencies": prepared.dependencies,
            "rejected_rows": prepared.rejected,
            "load_warnings": prepared.warnings,
        }
        record = LoadRecord(
            load_id,
            source_file,
            sheet,
            meta["organisation"],
            meta.get("profile"),
            prepared.rows_read,
            prepared.rows_blank,
            prepared.rows_loaded,
            prepared.rows_rejected,
            prepared.warnings.height,
            len(previous),
            dry_run,
            prepared.rows_skipped,
        )
        if dry_run:
            return record
        try:
            self.con.execute("BEGIN TRANSACTION")
            for table in PROVENANCE_TABLES:
                self.con.execute(f'DELETE FROM "{table}" WHERE list_contains(?, load_id)', [previous])
            self.con.execute("DELETE FROM loads WHERE list_contains(?, load_id)", [previous])
            for table, frame in frames.items():
                self._insert(table, frame.with_columns(provenance).rename({"__row": "source_row"}))
            self._insert_load_row(record, meta)
            for organisation in prepared.organisations:
                self.con.execute(
                    "INSERT INTO organisations SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM organisations WHERE organisation = ?)",
                    [organisation, meta.get("org_type"), organisation],
                )
            self._before_commit()
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("CHECKPOINT")
        return record

    def _before_commit(self) -> None:
        """Seam for the crash-safety test, which kills the process here; does nothing otherwise."""

    def _insert(self, table: str, frame: pl.DataFrame) -> None:
        columns = [c.name for c in TABLES_BY_NAME[table].columns]
        present = [c for c in columns if c in frame.columns]
        # Arrow string views hand polars' buffers to DuckDB without the copy (and memory) that a
        # conversion to classic Arrow strings costs.
        arrow = frame.select(present).to_arrow(compat_level=pl.CompatLevel.newest())
        self.con.register("incoming", arrow)
        try:
            names = ", ".join(f'"{c}"' for c in present)
            self.con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM incoming')
        finally:
            self.con.unregister("incoming")

    def _insert_load_row(self, record: LoadRecord, meta: dict[str, Any]) -> None:
        self.con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::JSON, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.load_id,
                record.source_file,
                meta["file_name"],
                meta["content_hash"],
                record.sheet,
                meta["header_row"],
                record.organisation,
                record.profile,
                meta["mapping_json"],
                dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
                record.rows_read,
                record.rows_blank,
                record.rows_loaded,
                record.rows_rejected,
                record.warnings,
                __version__,
            ],
        )

    def unload(self, source: str) -> int:
        """Take a file's rows out of the store (by path as loaded, file name or load id)."""
        rows = self.con.execute(
            "SELECT load_id FROM loads WHERE source_file = ? OR file_name = ? OR load_id = ?",
            [source, Path(source).name, source],
        ).fetchall()
        ids = [r[0] for r in rows]
        if not ids:
            raise StoreError(
                f"nothing loaded from '{source}'", hint="`appconsol loads` lists what is in the store"
            )
        try:
            self.con.execute("BEGIN TRANSACTION")
            for table in (*PROVENANCE_TABLES, "loads"):
                self.con.execute(f'DELETE FROM "{table}" WHERE list_contains(?, load_id)', [ids])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("CHECKPOINT")
        return len(ids)

    def set_partnerships(self, partnerships: dict[str, list[str]], org_types: dict[str, str]) -> None:
        try:
            self.con.execute("BEGIN TRANSACTION")
            # Membership only grows: loading one member's file must not drop the others.
            for name, members in partnerships.items():
                for member in members:
                    self.con.execute(
                        "INSERT INTO partnerships SELECT ?, ? WHERE NOT EXISTS "
                        "(SELECT 1 FROM partnerships WHERE partnership = ? AND organisation = ?)",
                        [name, member, name, member],
                    )
            for organisation, org_type in org_types.items():
                self.con.execute("DELETE FROM organisations WHERE organisation = ?", [organisation])
                self.con.execute("INSERT INTO organisations VALUES (?, ?)", [organisation, org_type])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise


def _reject_ids_loaded_elsewhere(store: Store, prepared: PreparedLoad, previous: list[str]) -> None:
    """An explicit id already stored for the organisation by another file makes this row a reject."""
    apps = prepared.applications
    if apps.height == 0:
        return
    existing = store.ids_from_other_loads(prepared.organisations, previous)
    if existing.height == 0:
        return
    clash = apps.join(existing, on=["organisation", "app_id"], how="inner")
    if clash.height == 0:
        return
    rows = clash.select(
        "__row",
        "organisation",
        pl.format(
            "app_id '{}' is already loaded for '{}' from {} row {}",
            "app_id",
            "organisation",
            "other_file",
            "other_row",
        ).alias("reason"),
    )
    raw = apps.filter(pl.col("__row").is_in(rows["__row"].implode())).select(
        "__row",
        pl.struct(pl.all().exclude("__row", "unmapped", "originals")).struct.json_encode().alias("raw"),
    )
    prepared.rejected = pl.concat(
        [prepared.rejected, rows.join(raw, on="__row").select(prepared.rejected.columns)]
    )
    keep = ~pl.col("__row").is_in(rows["__row"].implode())
    prepared.applications = apps.filter(keep)
    prepared.capabilities = prepared.capabilities.filter(keep)
    prepared.components = prepared.components.filter(keep)


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> Store:
    return Store(Path(path) if path is not None else DEFAULT_STORE, read_only=read_only)
