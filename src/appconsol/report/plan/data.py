"""Read what the plan shows from the store, tolerating stores the analyses have not (fully) run on.

Each sheet's table is read with the columns it shows; a table the store lacks gives an empty
frame with those columns and a note for the sheet's note line ("run `appconsol analyse`"), and a
column the table lacks (an older store) reads as NULL. Rows come back in a fixed order, so the
same store always gives the same workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

from appconsol.analyses.savings import Assumption, Assumptions
from appconsol.report.plan.columns import (
    BASELINE_COLUMNS,
    DISPOSITION_COLUMNS,
    FINDING_COLUMNS,
    FINDING_KEYS,
    FINDINGS_ORDER,
    GROUP_COLUMNS,
    LEGACY_COLUMNS,
    LEGACY_ORDER,
    LOAD_COLUMNS,
    MEMBER_COLUMNS,
    PARTNER_COLUMNS,
    PLAN_ACTION_COLUMNS,
    REJECTED_COLUMNS,
    RULE_RUN_COLUMNS,
    SNAPSHOT_COLUMNS,
    WARNING_COLUMNS,
)
from appconsol.report.plan.formulas import assumptions_from_rows
from appconsol.store import Store

T = TypeVar("T")
ANALYSE_HINT = "run `appconsol analyse` (or `appconsol run`) to compute it"

APPLICATION_COLUMNS = {
    "organisation": "VARCHAR",
    "app_id": "VARCHAR",
    "name": "VARCHAR",
    "description": "VARCHAR",
    "vendor": "VARCHAR",
    "product": "VARCHAR",
    "version": "VARCHAR",
    "lifecycle": "VARCHAR",
    "business_criticality": "VARCHAR",
    "hosting_model": "VARCHAR",
    "hosting_country": "VARCHAR",
    "user_count": "BIGINT",
    "data_classification": "VARCHAR",
    "personal_data": "BOOLEAN",
    "internet_facing": "BOOLEAN",
    "functional_fit": "BIGINT",
    "technical_fit": "BIGINT",
    "business_owner": "VARCHAR",
    "department": "VARCHAR",
    "contract_end": "DATE",
    "notice_period_days": "BIGINT",
    "go_live": "DATE",
    "cost_licence": "DOUBLE",
    "cost_support": "DOUBLE",
    "cost_hosting": "DOUBLE",
    "cost_staff": "DOUBLE",
    "cost_other": "DOUBLE",
    "cost_total": "DOUBLE",
    "source_file": "VARCHAR",
    "source_sheet": "VARCHAR",
    "source_row": "BIGINT",
}


# What the writer keeps of each application while the sheets are laid out (keys, links, names).
APPLICATION_KEPT = ("organisation", "app_id", "name", "hosting_model")


def application_store_columns(reader: _Reader) -> dict[str, str]:
    """The applications' columns the plan shows (those the store has), with the derived two."""
    present = reader.columns.get("applications", set())
    columns = {k: v for k, v in APPLICATION_COLUMNS.items() if k in present}
    return {**columns, "annual_cost": "DOUBLE", "is_live": "BOOLEAN"}


def applications_order(reader: _Reader) -> str:
    """Organisation and app_id, then the source row: a total order, so two reads agree row by row."""
    present = reader.columns.get("applications", set())
    ties = [c for c in ("source_file", "source_sheet", "source_row") if c in present]
    return ", ".join(["organisation", "app_id", *ties])


@dataclass
class PlanData:
    """Everything the workbook shows, read from one store."""

    as_of: dt.date | None
    assumptions: Assumptions
    assumption_rows: list[Assumption]
    actions: pl.DataFrame
    partners: pl.DataFrame
    applications: pl.DataFrame
    findings: pl.DataFrame
    legacy: pl.DataFrame
    dispositions: pl.DataFrame
    groups: pl.DataFrame
    members: pl.DataFrame
    rejected: pl.DataFrame
    warnings: pl.DataFrame
    loads: pl.DataFrame
    rule_runs: pl.DataFrame
    snapshots: pl.DataFrame
    baseline: pl.DataFrame = field(default_factory=pl.DataFrame)
    missing: dict[str, str] = field(default_factory=dict)  # table -> note
    # The columns of the Applications sheets when `applications` holds only APPLICATION_KEPT
    # (their rows are streamed: read_applications); empty when it holds them all.
    application_schema: dict[str, Any] = field(default_factory=dict)

    def note_for(self, *tables: str) -> str:
        gone = [t for t in tables if t in self.missing]
        if not gone:
            return ""
        names = ", ".join(f"`{t}`" for t in gone)
        return f" Not in this store: {names}; {ANALYSE_HINT}."


class _Reader:
    def __init__(self, store: Store):
        self.store = store
        rows = store.con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
        ).fetchall()
        self.columns: dict[str, set[str]] = {}
        for table, column in rows:
            self.columns.setdefault(table, set()).add(column)
        self.missing: dict[str, str] = {}

    def has(self, table: str) -> bool:
        return table in self.columns

    def select(self, table: str, wanted: dict[str, str], order: str = "", where: str = "") -> pl.DataFrame:
        """The wanted columns of a table (NULL where the table lacks one); empty when there is no table."""
        if not self.has(table):
            self.missing[table] = ANALYSE_HINT
            return pl.DataFrame(schema={name: _polars_type(kind) for name, kind in wanted.items()})
        frame = self.store.query(self.sql(table, wanted, order, where))
        return frame.cast({name: _polars_type(kind) for name, kind in wanted.items()})

    def sql(self, table: str, wanted: dict[str, str], order: str = "", where: str = "") -> str:
        present = self.columns[table]
        parts = [
            f'CAST("{name}" AS {kind}) AS "{name}"'
            if name in present
            else f'CAST(NULL AS {kind}) AS "{name}"'
            for name, kind in wanted.items()
        ]
        sql = f'SELECT {", ".join(parts)} FROM "{table}"'
        if where:
            sql += f" WHERE {where}"
        if order:
            sql += f" ORDER BY {order}"
        return sql


def _polars_type(kind: str) -> Any:
    return {
        "VARCHAR": pl.String,
        "DOUBLE": pl.Float64,
        "BIGINT": pl.Int64,
        "BOOLEAN": pl.Boolean,
        "DATE": pl.Date,
        "TIMESTAMP": pl.Datetime("us"),
    }[kind]


def read_plan_data(store: Store, assumptions: Assumptions | None = None, *, lean: bool = False) -> PlanData:
    """Read every table the workbook shows; `assumptions` overrides the store's plan_assumptions.

    `lean` leaves out what the writer streams to its sheets (`read_findings`, `read_legacy`,
    `read_applications`): `findings` holds only each finding's organisation and app_id, `legacy`
    has no evidence, and `applications` only APPLICATION_KEPT (the same rows in the same order);
    `application_schema` is then the whole table's columns.
    """
    reader = _Reader(store)
    if assumptions is None:
        if reader.has("plan_assumptions"):
            rows = store.con.execute("SELECT name, value FROM plan_assumptions").fetchall()
            assumptions = assumptions_from_rows(rows)
        else:
            assumptions = Assumptions()
    sources = {}
    if reader.has("plan_assumptions") and "source" in reader.columns["plan_assumptions"]:
        sources = dict(store.con.execute("SELECT name, source FROM plan_assumptions").fetchall())
    described = [
        Assumption(a.name, a.value, a.unit, sources.get(a.name) or a.source) for a in assumptions.describe()
    ]
    app_columns = application_store_columns(reader)
    app_order = applications_order(reader)
    applications = reader.select("v_applications", app_columns, order=app_order)
    app_schema: dict[str, Any] = {}
    if lean:  # the Applications sheets stream their rows (read_applications): names and keys here
        app_schema = dict(applications.schema)
        kept = {k: v for k, v in app_columns.items() if k in APPLICATION_KEPT}
        applications = reader.select("v_applications", kept, order=app_order)
    data = PlanData(
        as_of=_as_of(store, reader),
        assumptions=assumptions,
        assumption_rows=described,
        actions=reader.select("plan_actions", PLAN_ACTION_COLUMNS, order="organisation, app_id, action_id"),
        partners=reader.select("plan_partner_shares", PARTNER_COLUMNS, order="action_id, organisation"),
        applications=applications,
        application_schema=app_schema,
        findings=reader.select("findings", FINDING_KEYS if lean else FINDING_COLUMNS, order=FINDINGS_ORDER),
        legacy=reader.select(
            "legacy_scores",
            {k: v for k, v in LEGACY_COLUMNS.items() if not (lean and k == "evidence")},
            order=LEGACY_ORDER,
        ),
        dispositions=reader.select("dispositions", DISPOSITION_COLUMNS, order="organisation, app_id"),
        groups=reader.select("overlap_groups", GROUP_COLUMNS, order="group_id"),
        members=reader.select("overlap_members", MEMBER_COLUMNS, order="group_id, organisation, app_id"),
        rejected=reader.select(
            "rejected_rows", REJECTED_COLUMNS, order="source_file, source_sheet, source_row"
        ),
        warnings=reader.select(
            "load_warnings", WARNING_COLUMNS, order="source_file, source_sheet, source_row"
        ),
        loads=reader.select("loads", LOAD_COLUMNS, order="file_name, source_sheet"),
        rule_runs=reader.select("rule_runs", RULE_RUN_COLUMNS, order="kind DESC, code"),
        snapshots=reader.select("reference_snapshots", SNAPSHOT_COLUMNS, order="name"),
        baseline=reader.select("plan_baseline", BASELINE_COLUMNS, order="organisation, app_id"),
    )
    if reader.has("findings") and not reader.has("rule_runs"):
        data.missing.setdefault("rule_runs", ANALYSE_HINT)
    data.missing.update(reader.missing)
    if reader.has("findings") and data.findings.height == 0 and data.rule_runs.height == 0:
        data.missing.setdefault("findings", ANALYSE_HINT)
    return data


READ_MEMORY_LIMIT = "1GB"


def read_plan_data_capped(
    store: Store,
    assumptions: Assumptions | None = None,
    limit: str = READ_MEMORY_LIMIT,
    *,
    lean: bool = False,
) -> PlanData:
    """`read_plan_data` with DuckDB held to `limit` while it sorts the tables, then its cache released.

    DuckDB's default limit is most of the machine's memory, and sorting the findings of a 1M store
    took about 2.6 GB beyond the frame it gives (3.9 GB at the peak, measured); capped at 1 GB it
    spills the sort to disk (`<store>.tmp`, DuckDB's default) and peaks at 2.4 GB, for about 2.5 s
    more CPU. Below the cap (100k) nothing spills. Where spilling is not possible (a read-only
    folder) or not enough, the tables are read again as before, without the cap.
    """
    return _capped(
        store,
        lambda: read_plan_data(store, assumptions, lean=lean),
        limit,
    )


STREAM_BATCH = 100_000  # rows a streamed table hands over at a time
# The cap while a streamed table is sorted. At 1M applications sorting the findings (2.5M rows)
# took about 1.36 GB beyond what the writer held under the 1 GB cap and 0.83 GB under this one,
# for about 1.5 CPU s more (the legacy scores: 1.35 -> 0.76 GB, 0.5 s); at 100k nothing spills
# under either. Under 256 MB the legacy scores' sort failed.
STREAM_MEMORY_LIMIT = "384MB"


def read_findings(store: Store, limit: str = STREAM_MEMORY_LIMIT) -> Iterator[pl.DataFrame]:
    """Every finding's row for the Findings sheets, in `read_plan_data`'s order, a batch at a time."""
    return stream_rows(store, "findings", FINDING_COLUMNS, FINDINGS_ORDER, limit)


def read_legacy(store: Store, limit: str = STREAM_MEMORY_LIMIT) -> Iterator[pl.DataFrame]:
    """Each legacy score's keys and evidence for the Legacy risk sheet, a batch at a time."""
    columns = {k: LEGACY_COLUMNS[k] for k in ("organisation", "app_id", "evidence")}
    return stream_rows(store, "legacy_scores", columns, LEGACY_ORDER, limit)


def read_applications(store: Store, limit: str = STREAM_MEMORY_LIMIT) -> Iterator[pl.DataFrame]:
    """Every application's row for the Applications sheets, in `read_plan_data`'s order, a batch at a time."""
    reader = _Reader(store)
    columns, order = application_store_columns(reader), applications_order(reader)
    return stream_rows(store, "v_applications", columns, order, limit)


def stream_rows(
    store: Store,
    table: str,
    columns: dict[str, str],
    order: str,
    limit: str = STREAM_MEMORY_LIMIT,
    batch_rows: int = STREAM_BATCH,
) -> Iterator[pl.DataFrame]:
    """A table's rows in `order`, `batch_rows` at a time, as `_Reader.select` reads them.

    DuckDB sorts them under `limit` (spilling beyond it, as `read_plan_data_capped`) and hands the
    sorted rows over batch by batch, so a table is never one frame (the findings are about 1.3 GB
    at 1M, plus as much again while the frame is made). Where the sort does not fit (no room to
    spill, or a cap too tight for it) it starts again under READ_MEMORY_LIMIT, then under the
    store's own limit. The store's limit is set back and the cache released when the last batch
    has been read or the reading stops; the connection is busy meanwhile. Nothing comes from a
    table the store lacks.
    """
    import duckdb

    reader = _Reader(store)
    if not reader.has(table):
        return
    sql = reader.sql(table, columns, order=order)
    original = _memory_limit(store)
    caps = list(dict.fromkeys((limit, READ_MEMORY_LIMIT, original)))
    batches: Any = None
    try:
        for i, cap in enumerate(caps):
            store.con.execute("SET memory_limit = " + _quoted(cap))
            try:
                batches = _arrow_batches(store, sql, batch_rows)
                first = next(batches, None)
                break
            # DuckDB's errors reach here as they are, or as OSError through Arrow's batch reader.
            except (duckdb.OutOfMemoryException, duckdb.IOException, OSError):
                if i == len(caps) - 1:
                    raise
        while first is not None:
            frame = pl.from_arrow(first)
            assert isinstance(frame, pl.DataFrame)
            yield frame.cast({name: _polars_type(kind) for name, kind in columns.items()})
            first = next(batches, None)
    finally:
        if batches is not None:
            batches.close()
        release_cache(store, original)


def _arrow_batches(store: Store, sql: str, rows: int) -> Iterator[Any]:
    relation = store.con.sql(sql)
    # DuckDB 2 names it to_arrow_reader; 1.x calls it fetch_record_batch.
    make = getattr(relation, "to_arrow_reader", None) or relation.fetch_record_batch
    reader = make(rows)
    try:
        yield from reader
    finally:
        reader.close()


def _capped(store: Store, read: Callable[[], T], limit: str) -> T:
    import duckdb

    original = _memory_limit(store)
    try:
        store.con.execute("SET memory_limit = " + _quoted(limit))
        result = read()
    except (duckdb.OutOfMemoryException, duckdb.IOException):
        store.con.execute("SET memory_limit = " + _quoted(original))
        result = read()
    finally:
        release_cache(store, original)
    return result


def release_cache(store: Store, limit: str | None = None) -> None:
    """Hand back the memory DuckDB keeps from reading the plan's tables (about 200 MB at 100k).

    DuckDB keeps the blocks it read cached until its memory limit needs the room; the plan holds
    what it read in its own frames and reads nothing more, so the cache is only memory held while
    the sheets are rendered. Lowering the limit for a moment makes DuckDB evict it; then the limit
    is `limit`, or the one the store had (as DuckDB shows it: to one decimal of its unit).
    """
    import duckdb

    restore = limit if limit is not None else _memory_limit(store)
    try:
        store.con.execute("SET memory_limit = '1MB'")
    except duckdb.Error:  # pragma: no cover - nothing evicted; the plan is written all the same
        pass
    finally:
        store.con.execute("SET memory_limit = " + _quoted(restore))


def _memory_limit(store: Store) -> str:
    (row,) = store.con.execute("SELECT current_setting('memory_limit')").fetchall()
    return str(row[0])


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_of(store: Store, reader: _Reader) -> dt.date | None:
    for table in ("rule_runs", "findings"):
        if reader.has(table) and "as_of" in reader.columns[table]:
            rows = store.con.execute(f'SELECT max(as_of) FROM "{table}"').fetchall()
            if rows and rows[0][0] is not None:
                value = rows[0][0]
                return value if isinstance(value, dt.date) else None
    return None
