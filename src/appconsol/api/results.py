"""What the API returns: one result type per function, and the one place exit codes are decided.

Every result has an `exit_code` computed by `exit_code_for`, so `appconsol.check(...)` and
`appconsol check` (and every other pair) give the same status: **2** when anything could not
run (a file that did not load, a rule or step that failed), else **1** when a finding that counts
is at or above `fail_on` (or a rule case failed), else **0**. Errors outrank findings.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.cases import CaseResult
    from appconsol.engine.loader import RulePack
    from appconsol.engine.model import ConfiguredRule, RuleFailure
    from appconsol.engine.runner import RunResult
    from appconsol.errors import AppconsolError, Notice, RuleError
    from appconsol.ingest.load import InventoryRead, LoadReport
    from appconsol.report.plan.workbook import PlanSummary


class ExitCode(enum.IntEnum):
    """The process exit status of every command (docs/ci.md)."""

    OK = 0
    FINDINGS = 1
    ERROR = 2

    def __str__(self) -> str:  # "2", not "ExitCode.ERROR", in messages on every Python
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)


def exit_code_for(*, errors: int, counting: int = 0) -> ExitCode:
    """The exit status from how many things failed to run and how many findings (or cases) count."""
    if errors:
        return ExitCode.ERROR
    return ExitCode.FINDINGS if counting else ExitCode.OK


@dataclass
class LoadResult:
    """`load`: the per-file accounting (rows read, loaded, rejected) and the files that failed."""

    report: LoadReport
    db: Path
    dry_run: bool = False

    @property
    def errors(self) -> list[str]:
        return [str(f.error) for f in self.report.failures]

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(errors=len(self.errors))


@dataclass
class CheckResult:
    """`check`: the rule run over freshly loaded inventories, compared with a baseline if given."""

    run: RunResult
    load_report: LoadReport | None
    fail_on: str
    config: Config
    notices: list[Notice] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)
    baseline_path: Path | None = None
    baseline_written: tuple[Path, int] | None = None
    # The lowest severity github/sarif/gitlab/concise outputs show; findings that count always show.
    annotate_from: str = "info"
    # What stopped the run before anything ran (a config or rule file error), so the requested
    # outputs can still be written (see `appconsol.api.checks.setup_failure`).
    setup_errors: list[AppconsolError] = field(default_factory=list)
    baseline_kept: tuple[int, int] = (0, 0)  # entries kept (rules or files not checked), dropped (gone)
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
        return [str(e) for e in self.setup_errors] + loads + [str(f) for f in self.run.failures]

    @property
    def counting(self) -> int:
        # Writing a baseline accepts every current finding, so none counts in that run.
        return 0 if self.baseline_written else self.run.counting(self.fail_on)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(errors=len(self.errors), counting=self.counting)


@dataclass
class AnalyseResult:
    """`analyse`: the steps' and rules' run over a store and the summary read back from it."""

    db: Path
    run: RunResult
    summary: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [str(f) for f in self.run.failures]

    @property
    def exit_code(self) -> ExitCode:
        # Findings never fail `analyse`; `check` is the command that gates on them.
        return exit_code_for(errors=len(self.errors))


@dataclass
class RunOutcome:
    """`run_plan`: load, analyse and write; the plan is written from whatever ran."""

    load_report: LoadReport | None
    plan: PlanSummary | None
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    findings: int = 0
    db: Path | None = None

    @property
    def exit_code(self) -> ExitCode:
        # Findings never make `run` fail: it is the planning command; `check` is the CI gate.
        return exit_code_for(errors=len(self.errors))


@dataclass
class WriteResult:
    """`write_plan`: the workbook written (`plan`), or the table files (`files`) for csv/parquet/json."""

    output: Path
    fmt: str
    plan: PlanSummary | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK


@dataclass
class MappingResult:
    """`map_columns`: how each column of one inventory maps, with up to three sample values each."""

    inventory: Path
    read: InventoryRead
    samples: dict[str, list[str]]

    def to_dict(self) -> dict[str, Any]:
        read = self.read
        return {
            "file": str(self.inventory),
            "sheet": read.grid.sheet,
            "header_row": read.header.row_number,
            "profile": read.profile.name if read.profile else None,
            "doubts": read.doubts,
            "columns": [
                {
                    "header": m.header,
                    "field": m.field,
                    "confidence": m.confidence,
                    "method": m.method,
                    "evidence": m.evidence,
                    "doubt": m.doubt,
                    "samples": self.samples[m.header],
                }
                for m in read.matches
            ],
        }

    def to_yaml(self) -> str:
        """The mapping as an editable file for `--mapping`, doubtful columns marked CHECK."""
        return self.read.proposal_yaml()


@dataclass
class CaseLine:
    """One rule or decision case, as `rules test` reports it."""

    code: str
    case: str
    passed: bool
    detail: str = ""


@dataclass
class RulesTestResult:
    """`test_rules`: every case of every rule (and decision) tested, and the files that are broken."""

    config: Config
    pack: RulePack
    cases: list[CaseLine] = field(default_factory=list)
    errors: list[tuple[str, RuleError]] = field(default_factory=list)
    decisions: int = 0

    @property
    def failed(self) -> int:
        return sum(1 for c in self.cases if not c.passed)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(errors=len(self.errors), counting=self.failed)

    def summary(self) -> str:
        counted = f"{len(self.pack.rules)} rules" + (
            f", {self.decisions} decisions" if self.decisions else ""
        )
        return f"{len(self.cases) - self.failed} passed, {self.failed} failed ({counted})"


def case_lines(code: str, results: Sequence[CaseResult]) -> list[CaseLine]:
    """Rule or decision case results as report lines."""
    return [CaseLine(code, r.case, r.passed, "" if r.passed else str(r)) for r in results]
