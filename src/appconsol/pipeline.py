"""`run` and `report` as library functions: load -> analyse -> write the plan, or write from a store.

`appconsol.run_plan(...)` and `appconsol run` do the same thing and give the same exit status
(`RunOutcome.exit_code`): 2 when a file could not be loaded or a step or rule failed, else 0. A
failed run never writes the plan: an existing plan stays as it was, so a stale or partial plan
never replaces a good one. Findings never make `run` fail: it is the planning command; `check`
is the CI gate. `report` writes only from analysis tables built from the store as it is now.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from appconsol.errors import InputFileError

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.ingest.load import LoadReport
    from appconsol.report.plan.workbook import PlanSummary

DEFAULT_INVENTORIES = Path("sample_inventories")


@dataclass
class RunOutcome:
    load_report: LoadReport | None
    plan: PlanSummary | None
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    findings: int = 0

    @property
    def exit_code(self) -> int:
        from appconsol.engine.check import exit_code_for

        return exit_code_for(errors=len(self.errors), counting=0)


def rules_table(config: Config, rules_dirs: Sequence[Path] = ()) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The configured rules (code, name, severity, parameters, summary) and waivers, for the Rules sheet."""
    from appconsol.engine.loader import load_rules

    pack = load_rules([*config.rules_dirs, *rules_dirs])
    configured = config.configure(pack)
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


def analyse_db(
    db: Path,
    config: Config,
    *,
    as_of: dt.date,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[str], list[str], int]:
    """Run the analysis steps and the rules over the store at `db`; (errors, notices, findings).

    This is `appconsol.engine.analyse.analyse`, the library function behind `appconsol analyse`;
    where it is missing (an older checkout), the engine directly: the registered analysis steps,
    then the configured rule pack.
    """
    try:
        from appconsol.engine.analyse import analyse
    except ImportError:
        return _run_engine(db, config, as_of=as_of, progress=progress)
    result = analyse(db, as_of=as_of, config=config.path, progress=progress)
    return list(result.errors), [str(n) for n in result.notices], result.run.frame.height


def _run_engine(
    db: Path, config: Config, *, as_of: dt.date, progress: Callable[[str], None] | None
) -> tuple[list[str], list[str], int]:
    from appconsol.engine.loader import load_rules
    from appconsol.engine.runner import run_rules
    from appconsol.store import open_store

    pack = load_rules(list(config.rules_dirs))
    with open_store(db) as store:
        run = run_rules(
            store,
            config.configure(pack),
            as_of=as_of,
            waivers=config.waivers,
            progress=progress,
            settings=config.analyses,
            where=config.location,
        )
    notices = [str(n) for n in [*pack.notices, *run.notices]]
    return [str(f) for f in run.failures], notices, run.frame.height


def run_plan(
    inventories: Sequence[Path],
    *,
    db: Path,
    output: Path,
    config: Path | Config | None = None,
    as_of: dt.date | None = None,
    day_first: bool = True,
    progress: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Load `inventories` (default ./sample_inventories) into `db`, analyse, write the plan to `output`."""
    from appconsol.config import Config, load_config
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.prepare import LoadOptions
    from appconsol.report.plan.workbook import check_writable, write_plan
    from appconsol.store import open_store, require_current_analysis

    settings = config if isinstance(config, Config) else load_config(config)
    if not inventories:
        if not DEFAULT_INVENTORIES.is_dir():
            raise InputFileError(
                "no inventories given and no ./sample_inventories folder here", hint="name the files to load"
            )
        inventories = (DEFAULT_INVENTORIES,)
    check_writable(Path(output))  # fail before minutes of work, not after
    as_of = as_of or settings.as_of or dt.date.today()
    db.parent.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _message: None)
    with open_store(db) as store:
        report = load_inventories(
            inventories, store, options=LoadOptions(day_first=day_first, as_of=as_of), progress=progress
        )
    outcome = RunOutcome(report, None, [str(f.error) for f in report.failures])
    say("analysing")
    errors, notices, findings = analyse_db(db, settings, as_of=as_of, progress=progress)
    outcome.errors += errors
    outcome.notices += notices
    outcome.findings = findings
    if outcome.errors:
        outcome.notices.append(
            f"the plan was not written because the run failed; {output} was left as it was"
        )
        return outcome
    rules, waivers = rules_table(settings)
    say("writing the plan")
    with open_store(db, read_only=True) as store:
        require_current_analysis(store)
        outcome.plan = write_plan(store, output, rules=rules, waivers=waivers, progress=progress)
    return outcome


def report_plan(
    db: Path,
    output: Path,
    *,
    fmt: str = "xlsx",
    config: Path | Config | None = None,
    progress: Callable[[str], None] | None = None,
) -> Any:
    """Write the plan from an existing store: the workbook, or its tables as csv/parquet/json files."""
    from appconsol.config import Config, load_config
    from appconsol.report.plan.export import export_plan
    from appconsol.report.plan.workbook import write_plan
    from appconsol.store import open_store, require_current_analysis

    settings = config if isinstance(config, Config) else load_config(config)
    with open_store(db, read_only=True) as store:
        require_current_analysis(store)
        if fmt == "xlsx":
            rules, waivers = rules_table(settings)
            return write_plan(store, output, rules=rules, waivers=waivers, progress=progress)
        return export_plan(store, output, fmt)
