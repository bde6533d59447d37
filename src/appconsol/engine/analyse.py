"""`analyse`: run every analysis step and the whole rule pack over an existing store, and sum it up.

`appconsol.analyse(db)` and `appconsol analyse --db ...` give the same result: the steps rewrite
their tables (products, capabilities, lifecycle, legacy scores, dispositions, overlap, plan),
the rules write `findings`, and the summary reads those tables back. The exit code is 0 when
everything ran and 2 when a step or rule failed (findings never fail `analyse`; `check` is the
command for CI gates).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.errors import ConfigError, Notice, StoreError

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.runner import RunResult
    from appconsol.engine.steps import Step
    from appconsol.store import Store


# 1GB was too little for the plan step at a million applications (its transaction holds every
# step's new tables); beyond the limit DuckDB spills to `<store>.tmp`.
DUCKDB_MEMORY_LIMIT = "2GB"
# While the rules run the store only hands its relations to the rule sandbox and takes the
# findings, so its cache of what the steps read is capped lower: at 1M about 650 MB less.
RULES_STORE_MEMORY = "256MB"


@dataclass
class AnalysisRun:
    """What the engine did to the store: the run (findings, timings, failures) and the summary."""

    db: Path
    run: RunResult
    summary: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)


def analyse(
    db: Path,
    *,
    as_of: dt.date,
    config: Config,
    rules_dirs: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    steps: Sequence[Step] | None = None,
    progress: Callable[[str], None] | None = None,
    memory_limit: str | None = DUCKDB_MEMORY_LIMIT,
    summarise: Callable[[Store, RunResult], dict[str, Any]] | None = None,
) -> AnalysisRun:
    """Run all steps and rules over the store at `db` (which must exist: load inventories first).

    `config` and `as_of` come settled from the API (`appconsol.api.analyse`), which loads the
    config once and resolves the date once. `summarise(store, run)`, if given, reads the
    headline figures back in the same session (the API passes `report.summary.summarise`).

    `memory_limit` caps DuckDB's own memory for the run (its buffer cache and joins spill to a
    temporary folder beyond it), so the steps' Python and polars work has room; while the rules
    run, the store is capped at the smaller of it and RULES_STORE_MEMORY. None leaves DuckDB's
    default (80% of RAM).
    """
    import duckdb

    from appconsol.engine.loader import load_rules
    from appconsol.engine.runner import run_rules
    from appconsol.store import Store

    db = Path(db)
    if not db.is_file():
        raise StoreError(
            f"store '{db}' does not exist", hint="load inventories first with `appconsol load FILE --db PATH`"
        )
    settings = config
    limits = settings.limits()
    pack = load_rules([*settings.rules_dirs, *rules_dirs], steps=steps, limits=limits)
    configured = settings.configure(pack, select=select, ignore=ignore)
    with Store(db) as store:
        if memory_limit:
            # Beyond the limit DuckDB spills to a folder beside the store (its default for a file,
            # named here so that a store on a roomy disk never spills to a small /tmp).
            spill = str(db.resolve()) + ".tmp"
            store.con.execute("SET temp_directory = '" + spill.replace("'", "''") + "'")
            try:
                store.con.execute(f"SET memory_limit = '{memory_size(memory_limit)}'")
            except duckdb.Error as exc:
                raise ConfigError(
                    f"memory limit '{memory_limit}' is not a size DuckDB understands: {exc}"
                ) from exc
        # Text columns of the tables this run writes (findings, evidence JSON, the plan's why)
        # compressed with zstd: about half the CPU of DuckDB's default choice when storing them,
        # and smaller (findings at 100k: 8.5 MB instead of 39). Lossless, so nothing read back
        # changes; a store of an older storage version keeps DuckDB's default.
        with contextlib.suppress(duckdb.Error):  # a DuckDB without it stores as it always did
            store.con.execute("SET force_compression = 'zstd'")
        run = run_rules(
            store,
            configured,
            as_of=as_of,
            waivers=settings.waivers,
            steps=steps,
            progress=progress,
            settings=settings.analyses,
            where=settings.location,
            limits=limits,
            hold_findings=False,
            rules_memory_limit=_smaller(memory_limit, RULES_STORE_MEMORY) if memory_limit else None,
        )
        if memory_limit:  # exactly as given (run_rules restores DuckDB's rounded reading of it)
            store.con.execute(f"SET memory_limit = '{memory_size(memory_limit)}'")
        summary = summarise(store, run) if summarise else {}
    return AnalysisRun(db, run, summary, [*settings.notices, *pack.notices, *run.notices])


def _smaller(first: str, second: str) -> str:
    """The smaller of two sizes (as memory_size accepts them)."""
    return min(first, second, key=_bytes)


def _bytes(text: str) -> float:
    import re

    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)\s*", text)
    if not found:
        return float("inf")
    unit = found.group(2).upper().replace("I", "")
    return float(found.group(1)) * 1024 ** {"B": 0, "KB": 1, "MB": 2, "GB": 3, "TB": 4}.get(unit, 4)


def memory_size(text: str) -> str:
    """A size such as 1GB or 1500MB, checked so that nothing but a size reaches the SET statement."""
    import re

    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", text, re.IGNORECASE):
        raise ConfigError(f"memory limit '{text}' must be a size such as 1GB or 1500MB")
    return text.strip()
