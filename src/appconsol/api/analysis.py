"""`analyse` and `explain`: run the steps and rules over a store; everything known about one application."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from appconsol.api.inventory import DEFAULT_DB
from appconsol.api.results import AnalyseResult
from appconsol.api.settings import builtin_steps, resolve_as_of, settings_from
from appconsol.engine.analyse import DUCKDB_MEMORY_LIMIT

if TYPE_CHECKING:
    from appconsol.analyses.explain import Explanation
    from appconsol.config import Config
    from appconsol.engine.steps import Step


def analyse(
    db: Path = DEFAULT_DB,
    *,
    as_of: dt.date | None = None,
    config: Path | Config | None = None,
    rules_dirs: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    steps: Sequence[Step] | None = None,
    progress: Callable[[str], None] | None = None,
    memory_limit: str | None = DUCKDB_MEMORY_LIMIT,
) -> AnalyseResult:
    """Run every analysis step and the whole rule pack over the store at `db`, and summarise it.

    The steps rewrite their tables and the rules rewrite `findings`. Exit code 0 when everything
    ran, 2 when a step or rule failed; findings never fail `analyse` (`check` gates on them).
    `memory_limit` caps DuckDB's memory for the run (None: DuckDB's default, 80% of RAM).
    """
    from appconsol.engine.analyse import analyse as analyse_store
    from appconsol.report.summary import summarise

    settings = settings_from(config)
    done = analyse_store(
        Path(db),
        as_of=resolve_as_of(as_of, settings),
        config=settings,
        rules_dirs=rules_dirs,
        select=select,
        ignore=ignore,
        steps=builtin_steps() if steps is None else steps,
        progress=progress,
        memory_limit=memory_limit,
        summarise=summarise,
    )
    return AnalyseResult(done.db, done.run, done.summary, done.notices)


def explain(app: str, *, db: Path = DEFAULT_DB, organisation: str | None = None) -> Explanation:
    """Everything known about one application (an app_id or a name, case-insensitive) in the store.

    Raises AmbiguousApplicationError when several match (narrow with `organisation`) and
    ApplicationNotFoundError when none does.
    """
    from appconsol.analyses.explain import explain as explain_app

    return explain_app(Path(db), app, organisation=organisation)
