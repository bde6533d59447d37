"""`check`: load inventories, run the rules, compare with a baseline, and decide the exit code.

`appconsol.check(...)` and `appconsol check` both end in `exit_code_for`, the one place the exit
status is decided (house style): 2 when anything could not run (a file that did not load, a rule
or step that failed), else 1 when a finding that counts is at or above `fail_on`, else 0. A
finding counts unless it is waived or already in the baseline. Errors outrank findings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.engine.model import FAIL_ON_CHOICES, ConfiguredRule, RuleFailure
from appconsol.errors import ConfigError, Notice

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.runner import RunResult
    from appconsol.engine.steps import Step
    from appconsol.ingest.load import LoadReport

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def exit_code_for(*, errors: int, counting: int) -> int:
    """The exit status from how many things failed to run and how many findings count."""
    if errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if counting else EXIT_OK


@dataclass
class CheckResult:
    run: RunResult
    load_report: LoadReport | None
    fail_on: str
    config: Config
    notices: list[Notice] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    baseline_path: Path | None = None
    baseline_written: tuple[Path, int] | None = None
    # Timings make identical runs differ byte for byte: machine formats show them only on request.
    profile: bool = False

    @property
    def rules(self) -> list[ConfiguredRule]:
        return self.run.rules

    @property
    def failures(self) -> list[RuleFailure]:
        return self.run.failures

    @property
    def errors(self) -> list[str]:
        """Everything that could not run, one line each."""
        loads = [str(f.error) for f in self.load_report.failures] if self.load_report else []
        return loads + [str(f) for f in self.run.failures]

    @property
    def counting(self) -> int:
        # Writing a baseline accepts every current finding, so none counts in that run.
        return 0 if self.baseline_written else self.run.counting(self.fail_on)

    @property
    def exit_code(self) -> int:
        return exit_code_for(errors=len(self.errors), counting=self.counting)


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
    steps: Sequence[Step] | None = None,
    progress: Callable[[str], None] | None = None,
    profile: bool = False,
) -> CheckResult:
    """Load `inventories` (into a temporary in-memory store unless `db`) and run the rules on them.

    Raises an AppconsolError for problems found before anything runs (config, rule files,
    baseline); problems while running (a file, a rule) are in the result and make exit code 2.
    """
    from appconsol.config import Config, load_config
    from appconsol.engine.baseline import compare_with_baseline, read_baseline
    from appconsol.engine.baseline import write_baseline as write_baseline_file
    from appconsol.engine.loader import load_rules
    from appconsol.engine.runner import run_rules
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.prepare import LoadOptions
    from appconsol.store import Store

    settings = config if isinstance(config, Config) else load_config(config)
    fail_on = fail_on or settings.fail_on or "error"
    if fail_on not in FAIL_ON_CHOICES:
        raise ConfigError(f"fail_on '{fail_on}' must be one of {', '.join(FAIL_ON_CHOICES)}")
    if not inventories:
        raise ConfigError("no inventory files given", hint="name the files or folders to check")
    pack = load_rules([*settings.rules_dirs, *rules_dirs], steps=steps)
    configured = settings.configure(pack, select=select, ignore=ignore)
    accepted = read_baseline(baseline) if baseline else None
    as_of = as_of or settings.as_of or dt.date.today()
    with Store(db if db is not None else Path(":memory:")) as store:
        report = load_inventories(
            inventories, store, options=LoadOptions(day_first=day_first, as_of=as_of), progress=progress
        )
        run = run_rules(
            store,
            configured,
            as_of=as_of,
            waivers=settings.waivers,
            steps=steps,
            progress=progress,
            settings=settings.analyses,
            where=settings.location,
        )
    result = CheckResult(run, report, fail_on, settings, [*settings.notices, *pack.notices, *run.notices])
    result.profile = profile
    if accepted is not None:
        run.frame, result.fixed = compare_with_baseline(run.frame, accepted)
        result.baseline_path = accepted.path
    if write_baseline is not None:
        result.baseline_written = (write_baseline, write_baseline_file(run.frame, write_baseline, as_of))
    return result
