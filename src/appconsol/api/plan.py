"""`run_plan` (load, analyse, write the plan) and `write_plan` (the plan from an existing store)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from appconsol.api.inventory import DEFAULT_DB
from appconsol.api.results import RunOutcome, WriteResult
from appconsol.api.settings import builtin_steps, mapping_chooser, resolve_as_of, settings_from
from appconsol.engine.analyse import DUCKDB_MEMORY_LIMIT, memory_size
from appconsol.errors import InputFileError

if TYPE_CHECKING:
    import polars as pl

    from appconsol.config import Config
    from appconsol.engine.model import ConfiguredRule

DEFAULT_INVENTORIES = Path("sample_inventories")
DEFAULT_OUTPUT = Path("appconsol-output/plan.xlsx")
PLAN_FORMATS = ("xlsx", "csv", "parquet", "json")


def rules_table(
    config: Config, rules_dirs: Sequence[Path] = (), configured: Sequence[ConfiguredRule] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The configured rules (code, name, severity, parameters, summary) and waivers, for the Rules sheet.

    `configured` are the rules a run just used; without them the pack is loaded and configured.
    """
    import polars as pl

    if configured is None:
        from appconsol.engine.loader import load_rules

        configured = config.configure(load_rules([*config.rules_dirs, *rules_dirs]))
    rules = pl.DataFrame(
        {
            "code": [c.code for c in configured],
            "name": [c.rule.name for c in configured],
            "severity": [c.severity.value for c in configured],
            "parameters": [json.dumps(dict(c.parameters), default=str, sort_keys=True) for c in configured],
            "summary": [c.rule.summary for c in configured],
        },
        schema={name: pl.String for name in ("code", "name", "severity", "parameters", "summary")},
    )
    waivers = pl.DataFrame(
        {
            "rule": [w.rule for w in config.waivers],
            "key": [w.key for w in config.waivers],
            "reason": [w.reason for w in config.waivers],
            "expires": [w.expires for w in config.waivers],
        },
        schema={"rule": pl.String, "key": pl.String, "reason": pl.String, "expires": pl.Date},
    )
    return rules, waivers


def run_plan(
    inventories: Sequence[Path] = (),
    *,
    db: Path = DEFAULT_DB,
    output: Path = DEFAULT_OUTPUT,
    config: Path | Config | None = None,
    as_of: dt.date | None = None,
    day_first: bool = True,
    mapping: Path | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    progress: Callable[[str], None] | None = None,
    memory_limit: str | None = DUCKDB_MEMORY_LIMIT,
) -> RunOutcome:
    """Load `inventories` (default ./sample_inventories) into `db`, analyse, write the plan to `output`.

    Exit code 2 when a file could not be loaded or a step or rule failed, else 0. A failed run
    never writes the plan: an existing plan stays as it was, so a stale or partial plan never
    replaces a good one. Findings never make `run` fail; `check` is the CI gate. `memory_limit`
    caps DuckDB's memory during the analysis, as for `analyse` (None: DuckDB's default).
    """
    from appconsol.engine.analyse import analyse as analyse_store
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.prepare import LoadOptions
    from appconsol.report.plan.workbook import check_writable, write_plan
    from appconsol.store import open_store, require_current_analysis

    settings = settings_from(config)
    if memory_limit:
        memory_size(memory_limit)  # a bad size fails before minutes of loading, not after
    if not inventories:
        if not DEFAULT_INVENTORIES.is_dir():
            raise InputFileError(
                "no inventories given and no ./sample_inventories folder here", hint="name the files to load"
            )
        inventories = (DEFAULT_INVENTORIES,)
    output, db = Path(output), Path(db)
    check_writable(output)  # fail before minutes of work, not after
    when = resolve_as_of(as_of, settings)
    given, chooser = mapping_chooser(mapping, settings)
    db.parent.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _message: None)
    with open_store(db) as store:
        report = load_inventories(
            [Path(p) for p in inventories],
            store,
            mapping=given,
            mapping_for=chooser,
            sheet=sheet,
            header_row=header_row,
            options=LoadOptions(day_first=day_first, as_of=when),
            progress=progress,
        )
    outcome = RunOutcome(report, None, [str(f.error) for f in report.failures], db=db)
    say("analysing")
    done = analyse_store(
        db, as_of=when, config=settings, steps=builtin_steps(), progress=progress, memory_limit=memory_limit
    )
    outcome.errors += [str(f) for f in done.run.failures]
    outcome.notices += [str(n) for n in done.notices]
    outcome.findings = done.run.finding_count
    if outcome.errors:
        outcome.notices.append(
            f"the plan was not written because the run failed; {output} was left as it was"
        )
        return outcome
    rules, waivers = rules_table(settings, configured=done.run.rules)  # the pack is loaded once per run
    say("writing the plan")
    with open_store(db, read_only=True) as store:
        require_current_analysis(store)
        outcome.plan = write_plan(store, output, rules=rules, waivers=waivers, progress=progress)
    return outcome


def write_plan(
    db: Path = DEFAULT_DB,
    output: Path = Path("plan.xlsx"),
    *,
    fmt: str = "xlsx",
    config: Path | Config | None = None,
    progress: Callable[[str], None] | None = None,
) -> WriteResult:
    """Write the plan from an existing store: the workbook, or its tables as csv/parquet/json files.

    Only from analysis tables built from the store as it is now (StoreError otherwise).
    """
    from appconsol.report.plan.export import export_plan
    from appconsol.report.plan.workbook import write_plan as write_workbook
    from appconsol.store import open_store, require_current_analysis

    settings = settings_from(config)
    output = Path(output)
    with open_store(Path(db), read_only=True) as store:
        require_current_analysis(store)
        if fmt == "xlsx":
            rules, waivers = rules_table(settings)
            plan = write_workbook(store, output, rules=rules, waivers=waivers, progress=progress)
            return WriteResult(output, fmt, plan=plan)
        return WriteResult(output, fmt, files=export_plan(store, output, fmt))
