"""`check`: load inventories into a store (temporary unless `db`), run the rules, compare with a baseline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from appconsol.api.results import CheckResult
from appconsol.api.settings import builtin_steps, mapping_chooser, resolve_as_of, settings_from
from appconsol.errors import AppconsolError, ConfigError, Notice

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.steps import Step

FAIL_ON_DEFAULT = "error"
REJECTED_SHARE_RULE = "DQ012"  # fails a file when more than its max_share of rows were rejected
DEFAULT_BASELINE = "appconsol-baseline.json"


def find_baseline(settings: Config) -> Path | None:
    """`[check] baseline`, else appconsol-baseline.json beside appconsol.toml or here, if it exists."""
    if settings.baseline is not None:
        return settings.baseline
    folder = settings.path.parent if settings.path is not None else Path.cwd()
    candidate = folder / DEFAULT_BASELINE
    if candidate.is_file():
        return candidate.relative_to(Path.cwd()) if candidate.is_relative_to(Path.cwd()) else candidate
    return None


def check(
    inventories: Sequence[Path],
    *,
    db: Path | None = None,
    config: Path | Config | None = None,
    rules_dirs: Sequence[Path] = (),
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    as_of: dt.date | None = None,
    fail_on: str | None = None,
    baseline: Path | None = None,
    default_baseline: bool = True,
    write_baseline: Path | None = None,
    max_rejected_share: float | None = None,
    day_first: bool = True,
    mapping: Path | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    steps: Sequence[Step] | None = None,
    progress: Callable[[str], None] | None = None,
    profile: bool = False,
    root: Path | None = None,
) -> CheckResult:
    """Load `inventories` (into a temporary in-memory store unless `db`) and run the rules on them.

    Raises an AppconsolError for problems found before anything runs (config, rule files,
    baseline); problems while running (a file, a rule) are in the result and make exit code 2.
    Findings' files are relative to `root` (default: the git top level, else the working
    directory) and their lines are physical lines; a baseline is compared and written only for
    the rules and files that ran.
    Without `baseline`, the baseline is `[check] baseline`, else `appconsol-baseline.json` beside
    appconsol.toml (or in the working directory) when it exists, unless `default_baseline` is False.
    """
    from appconsol.api.locations import file_name_notices, locate_findings, repository_root, run_scope
    from appconsol.engine.baseline import compare_with_baseline, read_baseline, upgrade_hint
    from appconsol.engine.baseline import write_baseline as write_baseline_file
    from appconsol.engine.loader import load_rules
    from appconsol.engine.model import FAIL_ON_CHOICES
    from appconsol.engine.runner import run_rules
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.prepare import LoadOptions
    from appconsol.store import Store

    settings = settings_from(config)
    fail_on = fail_on or settings.fail_on or FAIL_ON_DEFAULT
    if fail_on not in FAIL_ON_CHOICES:
        raise ConfigError(f"fail_on '{fail_on}' must be one of {', '.join(FAIL_ON_CHOICES)}")
    if not inventories:
        raise ConfigError("no inventory files given", hint="name the files or folders to check")
    steps = builtin_steps() if steps is None else steps
    limits = settings.limits()
    pack = load_rules([*settings.rules_dirs, *rules_dirs], steps=steps, limits=limits)
    configured = settings.configure(pack, select=select, ignore=ignore)
    if max_rejected_share is not None:  # the command line's word for DQ012's max_share
        if not 0 <= max_rejected_share <= 1:
            raise ConfigError(
                f"--max-rejected-share {max_rejected_share} must be a share between 0 and 1",
                hint="write 0.2 for 20%",
            )
        configured = [
            replace(c, parameters={**c.parameters, "max_share": max_rejected_share})
            if c.code == REJECTED_SHARE_RULE
            else c
            for c in configured
        ]
    if baseline is None and default_baseline:
        baseline = find_baseline(settings)
        if baseline is not None and write_baseline is not None and not baseline.is_file():
            baseline = None  # writing the configured baseline for the first time
    accepted = read_baseline(baseline) if baseline else None
    when = resolve_as_of(as_of, settings)
    root = repository_root(root)
    given, chooser = mapping_chooser(mapping, settings)
    with Store(db if db is not None else Path(":memory:")) as store:
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
        run = run_rules(
            store,
            configured,
            as_of=when,
            waivers=settings.waivers,
            steps=steps,
            progress=progress,
            settings=settings.analyses,
            where=settings.location,
            limits=limits,
            needed_steps_only=True,
        )
    result = CheckResult(run, report, fail_on, settings, [*settings.notices, *pack.notices, *run.notices])
    result.profile = profile
    run.frame = locate_findings(run.frame, report, root)
    scope = run_scope(run, report, pack, root)
    if accepted is not None or write_baseline is not None:
        result.notices += file_name_notices(report)
    if accepted is not None:
        run.frame, result.fixed = compare_with_baseline(run.frame, accepted, scope)
        result.baseline_path = accepted.path
        hint = upgrade_hint(accepted)
        result.notices += [Notice(hint)] if hint else []
    if write_baseline is not None:
        written = write_baseline_file(run.frame, write_baseline, when, scope)
        result.baseline_written = (write_baseline, written.written)
        result.baseline_kept = (written.kept, written.dropped)
    return result


def setup_failure(
    error: AppconsolError, *, fail_on: str | None = None, as_of: dt.date | None = None
) -> CheckResult:
    """A check result for a run stopped before anything ran (config, rule file, baseline).

    Nothing was loaded or checked; the result holds only the error, so each requested output
    (SARIF, JUnit, annotations...) can still be written for the next CI step and exits 2.
    """
    import polars as pl

    from appconsol.config import Config
    from appconsol.engine.runner import RunResult

    run = RunResult("", as_of or dt.date.today(), [], pl.DataFrame())
    chosen = fail_on if fail_on in ("error", "warning", "info", "never") else FAIL_ON_DEFAULT
    # A RulePackError holds one error per rule file, each with its own file:line.
    errors = list(getattr(error, "problems", None) or [error])
    return CheckResult(run, None, chosen, Config(), setup_errors=errors)
