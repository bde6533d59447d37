"""The store generation, and which generation the analysis tables were built from.

Every committed load or unload bumps `store_meta.generation` (and records what changed, and
when). An analysis run records, in the same transaction as its tables, the generation it read
(`analysis_tables`, one row per table it wrote, and `store_meta.analysis_*`). `report` and
`explain` call `require_current_analysis` and refuse, with exit 2, results built from an older
generation, an analysis that failed or one that did not finish: a plan is never made from tables
that no longer describe the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from appconsol.errors import StaleAnalysisError

if TYPE_CHECKING:
    from appconsol.store.core import Store

ANALYSE_HINT = "run `appconsol analyse` (or `appconsol run`) first"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def read_meta(store: Store, *keys: str) -> dict[str, str | None]:
    rows = dict(
        store.con.execute(
            "SELECT key, value FROM store_meta WHERE list_contains(?, key)", [list(keys)]
        ).fetchall()
    )
    return {k: rows.get(k) for k in keys}


def set_meta(store: Store, values: dict[str, str | None]) -> None:
    """Write store_meta keys (inside the caller's transaction, or one of its own)."""
    with store.transaction():
        store.con.execute("DELETE FROM store_meta WHERE list_contains(?, key)", [list(values)])
        for key, value in values.items():
            if value is not None:
                store.con.execute("INSERT INTO store_meta VALUES (?, ?)", [key, value])


def generation(store: Store) -> int:
    value = read_meta(store, "generation")["generation"]
    return int(value) if value else 0


def bump_generation(store: Store, change: str) -> int:
    """The input data changed: a new generation (call inside the transaction that changed it)."""
    new = generation(store) + 1
    set_meta(store, {"generation": str(new), "generation_change": change, "generation_at": _now()})
    return new


def start_analysis(store: Store, run_id: str, tables: Iterable[str]) -> int:
    """Empty every derived table and mark the analysis running (call inside its transaction).

    A run killed after this commits leaves empty tables marked `running`, never old tables beside
    new ones. Returns the generation the run reads.
    """
    current = generation(store)
    for table in tables:
        store.con.execute(f'DELETE FROM "{table}"')
    store.con.execute("DELETE FROM analysis_tables")
    set_meta(
        store,
        {
            "analysis_run_id": run_id,
            "analysis_generation": str(current),
            "analysis_status": "running",
            "analysis_error": None,
            "analysis_at": _now(),
        },
    )
    return current


def record_tables(store: Store, run_id: str, built_from: int, tables: Iterable[str]) -> None:
    """Note, in the transaction that wrote them, which run and generation the tables come from."""
    written = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    for table in tables:
        store.con.execute("DELETE FROM analysis_tables WHERE table_name = ?", [table])
        store.con.execute(
            "INSERT INTO analysis_tables VALUES (?, ?, ?, ?)", [table, run_id, built_from, written]
        )


def finish_analysis(store: Store, run_id: str, error: str | None, *, partial: bool = False) -> None:
    """Mark the run complete, or failed with the first error, or partial when it ran only some steps
    (`check` runs those its rules read), inside the transaction of its last tables.
    """
    set_meta(
        store,
        {
            "analysis_run_id": run_id,
            "analysis_status": "failed" if error else "partial" if partial else "complete",
            "analysis_error": error,
            "analysis_at": _now(),
        },
    )


def analysis_problem(store: Store) -> str | None:
    """Why the analysis tables cannot be used as they are, or None when they describe the store."""
    meta = read_meta(
        store,
        "generation",
        "generation_change",
        "generation_at",
        "analysis_run_id",
        "analysis_generation",
        "analysis_status",
        "analysis_error",
        "analysis_at",
    )
    current = int(meta["generation"] or 0)
    status = meta["analysis_status"]
    if status is None:
        # A store made before generations, or filled by hand, has nothing to compare: trust it.
        return None if current == 0 else "the store has not been analysed since its last load"
    if status == "running":
        return f"the last analysis (started {meta['analysis_at']}) did not finish"
    if status == "partial":
        return "the last run (`check`) ran only the analysis steps its rules read"
    if status == "failed":
        return f"the last analysis failed ({meta['analysis_error']})"
    built_from = int(meta["analysis_generation"] or 0)
    if built_from < current:
        return (
            f"the store changed since the last analysis ({meta['generation_change']} at "
            f"{meta['generation_at']})"
        )
    mixed = store.con.execute(
        "SELECT table_name FROM analysis_tables WHERE run_id IS DISTINCT FROM ? OR generation IS DISTINCT FROM ? "
        "ORDER BY 1",
        [meta["analysis_run_id"], built_from],
    ).fetchall()
    if mixed:
        return f"the analysis tables come from different runs ({', '.join(r[0] for r in mixed[:3])})"
    return None


def require_current_analysis(store: Store) -> None:
    """Raise StaleAnalysisError unless the analysis tables were built from the store as it is."""
    problem = analysis_problem(store)
    if problem:
        raise StaleAnalysisError(problem, hint=ANALYSE_HINT)
