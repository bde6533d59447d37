"""`check`: load inventories into a store (temporary unless `db`), run the rules, compare with a baseline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from appconsol.api.results import CheckResult
from appconsol.api.settings import builtin_steps, mapping_chooser, resolve_as_of, settings_from
from appconsol.errors import ConfigError

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.steps import Step

FAIL_ON_DEFAULT = "error"


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
    write_baseline: Path | None = None,
    day_first: bool = True,
    mapping: Path | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    steps: Sequence[Step] | None = None,
    progress: Callable[[str], None] | None = None,
    profile: bool = False,
) -> CheckResult:
    """Load `inventories` (into a temporary in-memory store unless `db`) and run the rules on them.

    Raises an AppconsolError for problems found before anything runs (config, rule files,
    baseline); problems while running (a file, a rule) are in the result and make exit code 2.
    """
    from appconsol.engine.baseline import compare_with_baseline, read_baseline
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
    accepted = read_baseline(baseline) if baseline else None
    when = resolve_as_of(as_of, settings)
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
    if accepted is not None:
        run.frame, result.fixed = compare_with_baseline(run.frame, accepted)
        result.baseline_path = accepted.path
    if write_baseline is not None:
        result.baseline_written = (write_baseline, write_baseline_file(run.frame, write_baseline, when))
    return result
