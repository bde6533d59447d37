"""The DuckDB store: opened only when it is appconsol's, tables from the schema, one way to write.

Every write goes through four methods: `transaction()` (a context manager: BEGIN, COMMIT, or
ROLLBACK on any exception; a transaction opened inside another joins it), `insert_frame`,
`replace_table` (a table rewritten wholesale from a frame or a SELECT) and, for reading, `query`.
DuckDB auto-commits statements outside a transaction, so writes that belong together are made
inside one.

A file is opened writable only when it is new, empty or holds appconsol's `store_meta`: a SQLite
file, another application's DuckDB file or anything else is refused before DuckDB reads it (so
no extension is installed or loaded on its behalf).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from appconsol.errors import StoreError, StoreInUseError, StoreVersionError
from appconsol.schema import SCHEMA_VERSION, TABLES, TABLES_BY_NAME, VIEWS, Table, view_ddl
from appconsol.store.ddl import table_ddl
from appconsol.store.identity import check_store_file, refuse_foreign_tables
from appconsol.store.writes import database_error
from appconsol.version import __version__

if TYPE_CHECKING:
    from appconsol.ingest.prepare import PreparedLoad
    from appconsol.store.loads import LoadRecord

DEFAULT_STORE = Path("appconsol.duckdb")
# No download on the store's behalf: everything appconsol needs is built into DuckDB's wheel.
CONNECT_CONFIG = {"autoinstall_known_extensions": False}
# DuckDB runs one scan task per row group, and its default row group holds 122,880 rows, so every
# table of a 100k-application estate was one row group and each query over it ran on one core.
# 16,384 rows let the scans, joins and aggregates use every core from about 20k rows up; at 100k
# `analyse` went from 8.6 s to 7.0 s on 2 cores (8,192 and 32,768 measured slower). DuckDB does
# not keep the size in the file, so every open passes it again.
ROW_GROUP_SIZE = 16_384
STORE_ALIAS = "store"


def connect_store(path: Path, *, read_only: bool = False) -> Any:
    """A DuckDB connection whose default database is the store at `path` (or a new in-memory one)."""
    con = duckdb.connect(":memory:", config=dict(CONNECT_CONFIG))
    target = str(path).replace("'", "''")
    options = ["READ_ONLY"] if read_only else []

    def attach(options: list[str]) -> None:
        listed = f" ({', '.join(options)})" if options else ""
        con.execute(f"ATTACH '{target}' AS {STORE_ALIAS}{listed}")

    try:
        try:
            attach([f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}", *options])
        except duckdb.Error as exc:
            # A DuckDB before 1.4 may not know the option: its default row groups only cost speed.
            text = str(exc).lower()
            if "row_group_size" not in text and "row group size" not in text:
                raise
            attach(options)
        con.execute(f"USE {STORE_ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


class Store:
    """An open store; use as a context manager so the connection always closes."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self._depth = 0  # how many transaction() blocks are open (inner ones join the outer)
        in_memory = str(self.path) == ":memory:"
        if read_only and not self.path.exists():
            raise StoreError(
                f"store '{self.path}' does not exist",
                hint="load inventories first with `appconsol load FILE --db PATH`",
            )
        if not in_memory:
            check_store_file(self.path)
            if not read_only and self.path.exists() and self.path.stat().st_size == 0:
                self.path.unlink()  # an empty file holds nothing, and DuckDB will not open one
        try:
            self.con = connect_store(self.path, read_only=read_only)
        except duckdb.ResourceInUseException as exc:
            # DuckDB attaches a file once per process: another Store here has it open.
            raise StoreInUseError(
                f"store '{self.path}' is already open in this process",
                hint="close the other Store on it first, or use another --db",
            ) from exc
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

    @classmethod
    def around(cls, con: Any) -> Store:
        """A Store over an open DuckDB connection (a step run outside the engine, a test)."""
        store = cls.__new__(cls)
        store.path, store.read_only, store._depth, store.con = Path(":memory:"), False, 0, con
        return store

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    @property
    def folder(self) -> Path:
        """The folder file identities are relative to (the working folder for an in-memory store)."""
        if str(self.path) == ":memory:":
            return Path.cwd().resolve()
        return self.path.resolve().parent

    # -- schema ---------------------------------------------------------------------------------

    def _check_or_create_schema(self) -> None:
        tables = {
            r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        if "store_meta" in tables:
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
                # Tables, columns and views added since the store was made (additive: no version bump).
                with self.transaction():
                    self._create_tables_and_views(tables)
            return
        if self.read_only:
            raise StoreError(f"'{self.path}' is not an appconsol store", hint="choose another --db path")
        refuse_foreign_tables(self.path, tables)
        with self.transaction():
            self._create_tables_and_views(tables)
            self.con.execute(
                "INSERT INTO store_meta VALUES ('schema_version', ?), ('created_by', ?), ('created_at', ?)",
                [
                    str(SCHEMA_VERSION),
                    f"appconsol {__version__}",
                    dt.datetime.now(dt.timezone.utc).isoformat(),
                ],
            )

    def _create_tables_and_views(self, existing: set[str]) -> None:
        for table in TABLES:
            self.con.execute(table_ddl(table))
            if table.name in existing:
                for column in table.columns:
                    self.con.execute(
                        f'ALTER TABLE "{table.name}" ADD COLUMN IF NOT EXISTS "{column.name}" {column.sql_type}'
                    )
        for view in VIEWS:
            self.con.execute(view_ddl(view))

    # -- the one way to read and write ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """BEGIN ... COMMIT, or ROLLBACK on any exception; inside another transaction, join it."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            self._depth = 0
            with contextlib.suppress(duckdb.Error):  # the connection is gone or the transaction ended
                self.con.execute("ROLLBACK")
            if isinstance(exc, duckdb.Error):
                raise database_error(exc, f"cannot write the store '{self.path}'") from exc
            raise
        self._depth = 0
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            raise database_error(exc, f"cannot write the store '{self.path}'") from exc

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def query(self, sql: str, params: list[Any] | Mapping[str, Any] | None = None) -> pl.DataFrame:
        """A query's rows as a polars frame."""
        relation = self.con.sql(sql, params=params or None)
        # DuckDB 2 names it to_arrow_table; 1.x calls it arrow.
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
        frame = pl.from_arrow(fetch())
        assert isinstance(frame, pl.DataFrame)
        return frame

    def insert_frame(self, table: str | Table, frame: pl.DataFrame) -> None:
        """Append a frame's rows to a table (columns by name; the table's others are NULL)."""
        declared = TABLES_BY_NAME[table] if isinstance(table, str) else table
        present = [c.name for c in declared.columns if c.name in frame.columns]
        # Arrow string views hand polars' buffers to DuckDB without the copy (and memory) that a
        # conversion to classic Arrow strings costs.
        arrow = frame.select(present).to_arrow(compat_level=pl.CompatLevel.newest())
        if arrow.num_rows > ROW_GROUP_SIZE:
            import pyarrow as pa

            # DuckDB scans one Arrow batch per task: cut into row groups' worth, the rows are
            # inserted (and compressed) on every core, in order. 100k applications: 0.38 -> 0.2 s.
            batches = arrow.to_batches(max_chunksize=ROW_GROUP_SIZE)
            arrow = pa.Table.from_batches(batches, schema=arrow.schema)
        self.con.register("incoming_rows", arrow)
        try:
            names = ", ".join(f'"{c}"' for c in present)
            with self.transaction():
                try:
                    self.con.execute(
                        f'INSERT INTO "{declared.name}" ({names}) SELECT {names} FROM incoming_rows'
                    )
                except duckdb.Error as exc:
                    raise database_error(exc, f"cannot store rows in '{declared.name}'", frame=frame) from exc
        finally:
            self.con.unregister("incoming_rows")

    def replace_table(
        self,
        table: str | Table,
        rows: pl.DataFrame | str,
        params: Mapping[str, Any] | list[Any] | None = None,
    ) -> None:
        """Rewrite a table wholesale from a frame, or from a SELECT returning its columns in order."""
        declared = TABLES_BY_NAME[table] if isinstance(table, str) else table
        with self.transaction():
            self.con.execute(f'DELETE FROM "{declared.name}"')
            if isinstance(rows, pl.DataFrame):
                self.insert_frame(declared, rows)
                return
            names = ", ".join(f'"{c.name}"' for c in declared.columns)
            try:
                self.con.execute(f'INSERT INTO "{declared.name}" ({names})\n{rows}', params or None)
            except duckdb.Error as exc:
                raise database_error(exc, f"cannot write '{declared.name}'") from exc

    def checkpoint(self) -> None:
        """Make the file on disk complete (DuckDB otherwise keeps recent commits in its WAL)."""
        try:
            self.con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise database_error(exc, f"cannot write the store '{self.path}'") from exc

    # -- loads (store/loads.py) -----------------------------------------------------------------

    def loads(self) -> pl.DataFrame:
        return self.query("SELECT * FROM loads ORDER BY loaded_at, source_file")

    def previous_loads(self, source_file: str, sheet: str | None) -> list[str]:
        from appconsol.store.loads import previous_loads

        return previous_loads(self, source_file, sheet)

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
        from appconsol.store.loads import write_load

        return write_load(self, prepared, meta, dry_run=dry_run)

    def _before_commit(self) -> None:
        """Seam for the crash-safety test, which kills the process here; does nothing otherwise."""

    def unload(self, source: str) -> int:
        """Take a file's rows out of the store (by path as loaded, file name or load id)."""
        from appconsol.store.loads import unload

        return unload(self, source)

    def set_partnerships(self, partnerships: dict[str, list[str]], org_types: dict[str, str]) -> None:
        from appconsol.store.loads import set_partnerships

        set_partnerships(self, partnerships, org_types)


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> Store:
    return Store(Path(path) if path is not None else DEFAULT_STORE, read_only=read_only)
