"""Run analysis steps, then rules, over a store: findings with stable keys, timings, failures.

Each rule's SQL runs in the rule sandbox (`appconsol.engine.sandbox`: its own locked-down
in-memory DuckDB holding copies of the views and analysis tables rules may read, under a time
and memory limit), never on the store's connection, with its parameters bound as DuckDB `$name`
parameters; the rows it returns become findings column-wise in polars (key, message and evidence
JSON are built as expressions, not per row in Python), so a rule finding 100k rows costs little more than its query. A rule
that crashes, runs past its time limit or reaches outside the sandbox is recorded as a failure
and the others still run.

The steps' tables are all replaced in one transaction, which also empties `findings` and
`rule_runs` and marks the analysis `running` with the store generation it reads; the rules then
run over a copy of those tables taken just before they commit (rule_pack.py), each rule's findings
stored (for `analyse`, committed) before the next rule runs, and a last transaction writes
`rule_runs` and marks the analysis `complete` (or `failed`, when a step failed). A kill at any moment leaves either
the previous analysis or empty tables marked as unfinished, never old tables beside new ones
(store/generation.py). A step whose database error aborts the transaction is left out and the
others are run again in a fresh one.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import polars as pl
from polars.exceptions import PanicException

from appconsol.engine.findings import (
    empty_findings,
    findings_from_frame,
    shape_findings,
)
from appconsol.engine.loader import bound_values, sql_parameters
from appconsol.engine.model import (
    ConfiguredRule,
    Finding,
    Rule,
    RuleFailure,
    RuleTiming,
    Severity,
    reaches,
)
from appconsol.engine.rule_pack import RulePack
from appconsol.engine.sandbox import (
    RuleSandbox,
    SandboxLimits,
    check_sql,
    check_types,
    readable_relations,
    sandbox_error,
)
from appconsol.engine.steps import Step, StepContext, order_steps, registered_steps
from appconsol.engine.waivers import ENGINE_RULES as ENGINE_RULES  # where callers have found them
from appconsol.engine.waivers import Waiving
from appconsol.engine.waivers import apply_waivers as apply_waivers
from appconsol.errors import AppconsolError, Location, Notice
from appconsol.store.ddl import table_ddl
from appconsol.store.generation import finish_analysis, record_tables, start_analysis

if TYPE_CHECKING:
    from appconsol.config import Waiver
    from appconsol.schema import Table
    from appconsol.store import Store


@dataclass
class RunResult:
    """What a run produced. `frame` has the `findings` table's columns, one row per finding."""

    run_id: str
    as_of: dt.date
    rules: list[ConfiguredRule]
    frame: pl.DataFrame
    failures: list[RuleFailure] = field(default_factory=list)
    timings: list[RuleTiming] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    tally: list[pl.DataFrame] = field(default_factory=list)  # findings per (rule_code, severity)

    @property
    def ok(self) -> bool:
        return not self.failures

    def counts(self) -> pl.DataFrame:
        """Findings per rule_code and severity (also when they went to the store rule by rule)."""
        if not self.tally:
            return pl.DataFrame(schema={"rule_code": pl.String, "severity": pl.String, "findings": pl.UInt32})
        return pl.concat(self.tally).group_by("rule_code", "severity").agg(pl.col("findings").sum())

    @property
    def finding_count(self) -> int:
        return int(self.counts()["findings"].sum())

    @cached_property
    def findings(self) -> list[Finding]:
        return findings_from_frame(self.frame)

    def counting(self, fail_on: str) -> int:
        """How many findings count towards the exit code at this threshold."""
        if fail_on == "never" or self.frame.height == 0:
            return 0
        levels = [s.value for s in Severity if reaches(s.value, fail_on)]
        counted = self.frame.filter(~pl.col("waived") & pl.col("severity").is_in(levels))
        if "baseline" in counted.columns:
            counted = counted.filter(pl.col("baseline") != "unchanged")
        return counted.height


# Findings `analyse` lets wait uncommitted (see run_rules): 100k applications' 250k findings commit
# once, with the run; a million applications' 2.5M commit about ten times.
FINDINGS_PER_COMMIT = 250_000


def run_rules(
    store: Store,
    rules: Sequence[ConfiguredRule],
    *,
    as_of: dt.date | None = None,
    waivers: Sequence[Waiver] = (),
    steps: Sequence[Step] | None = None,
    progress: Callable[[str], None] | None = None,
    settings: Mapping[str, Mapping[str, Any]] | None = None,
    where: Callable[..., Location | None] | None = None,
    limits: SandboxLimits | None = None,
    needed_steps_only: bool = False,
    hold_findings: bool = True,
    rules_memory_limit: str | None = None,
) -> RunResult:
    """Run the analysis steps and then each rule; record findings and timings in the store.

    The rules run in a `RuleSandbox` with `limits` (default: `sandbox_limits()`, the environment
    or 30 s and 1GB per rule). With `needed_steps_only` (what `check` asks for) only the steps
    whose tables the rules read, and the steps those read, run; the other steps' tables are
    emptied and the analysis is marked partial, so no report is made from it. Without
    `hold_findings` (what `analyse` asks for) each rule's findings go to the store as the rule
    finishes and `result.frame` stays empty; `result.tally` counts them either way. With
    `rules_memory_limit` the store's DuckDB memory limit is that while the rules run (its cache of
    what the steps read is then let go) and back to what it was afterwards.
    """
    as_of = as_of or dt.date.today()
    run_id = uuid.uuid4().hex[:12]
    started = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    result = RunResult(run_id, as_of, list(rules), empty_findings())
    ordered = order_steps(registered_steps() if steps is None else list(steps))
    needed = steps_needed(ordered, rules) if needed_steps_only else ordered
    skipped = [step for step in ordered if step not in needed]
    context = {"settings": settings or {}, "where": where or (lambda *_: None)}
    rules_run = RulePack(rules, run_id, as_of, result, steps, limits, progress, _run_rule, _fail)
    waiving = Waiving(waivers, {c.code for c in rules}, run_id, as_of)
    frames: list[pl.DataFrame] = []

    def keep(frame: pl.DataFrame) -> None:
        frame = waiving.mark(frame)
        result.tally.append(_tally(frame))
        if hold_findings:
            frames.append(frame)
        else:  # stored rule by rule: a million applications' findings never sit in memory at once
            store.insert_frame("findings", frame)

    restore = None

    def cap_store() -> None:
        nonlocal restore
        if rules_memory_limit and restore is None:
            restore = store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            store.con.execute("SET memory_limit = '" + rules_memory_limit.replace("'", "") + "'")

    def start_rules(store: Store) -> None:
        # Capped before the copy, so the sandbox's copy and the rules never sit beside the store's
        # whole cache (at 1M applications that is about a gigabyte more at the peak).
        cap_store()
        rules_run.start(store)

    try:
        # The rules' copy is taken just before the steps commit (see rule_pack.py).
        built_from = _run_steps(
            store, ordered, run_id, as_of, context, result, progress, skipped, start_rules if rules else None
        )
        cap_store()
        # DuckDB holds a transaction's new rows in memory whatever its memory limit: at 1M
        # applications 2.5M findings in one transaction were 2 GB at the run's peak. So `analyse`
        # commits the findings whenever FINDINGS_PER_COMMIT wait; the analysis stays marked
        # running until the last transaction, so no reader (`report`, `explain`) takes part of
        # them. `check` (hold_findings) stores them all in that last transaction.
        # (The steps' transaction emptied `findings`: start_analysis.)
        findings_left = rules_run.frames()
        limit = None if hold_findings else FINDINGS_PER_COMMIT
        more = True
        while more:  # each pass is one transaction; the last also records the run
            with store.transaction():
                more = _store_findings(findings_left, keep, limit)
                if not more:
                    extra = waiving.engine_findings(result.frame.schema)
                    if extra is not None:
                        keep(extra)
                    if frames:
                        result.frame = pl.concat([result.frame, *frames], how="vertical_relaxed")
                        store.insert_frame("findings", result.frame)
                    _store_run(store, result, started, built_from, bool(skipped))
    finally:
        rules_run.close()
        if restore is not None:
            store.con.execute("SET memory_limit = '" + str(restore).replace("'", "") + "'")
    return result


def _store_findings(
    frames: Iterator[pl.DataFrame], keep: Callable[[pl.DataFrame], None], limit: int | None
) -> bool:
    """Store rules' findings until `limit` are stored (True: more rules left) or none are left."""
    stored = 0
    for frame in frames:
        stored += frame.height
        keep(frame)
        del frame  # not held while the next rule runs
        if limit is not None and stored >= limit:
            return True
    return False


def _tally(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.group_by("rule_code", "severity").len("findings")


def steps_needed(ordered: Sequence[Step], rules: Sequence[ConfiguredRule]) -> list[Step]:
    """The steps (of `ordered`, in dependency order) whose tables the rules read, directly or through
    another needed step. A rule whose SQL does not parse needs nothing: it fails on its own later.
    """
    from appconsol.schema import VIEWS_BY_NAME

    wanted: set[str] = set()
    for configured in rules:
        try:
            wanted |= check_sql(configured.rule)
        except AppconsolError:
            continue
    for name in list(wanted):  # a canonical view over an analysis table needs that table's step
        view = VIEWS_BY_NAME.get(name)
        if view is not None:
            wanted |= {t for t in readable_relations(ordered) if t in view.sql}
    needed: list[Step] = []
    for step in reversed(ordered):
        if wanted.intersection(step.written):
            needed.append(step)
            wanted |= set(step.reads)
    return needed[::-1]


class _StepAborted(Exception):
    """A step's database error aborted the transaction: run the others again without it."""

    def __init__(self, step: str):
        super().__init__(step)
        self.step = step


def _run_steps(
    store: Store,
    ordered: list[Step],
    run_id: str,
    as_of: dt.date,
    context: dict[str, Any],
    result: RunResult,
    progress: Callable[[str], None] | None,
    skipped: Sequence[Step] = (),
    before_commit: Callable[[Store], None] | None = None,
) -> int:
    """Run every step (but the skipped ones, whose tables are left empty) in one transaction; the
    store generation the results were built from. `before_commit(store)` runs last inside it.
    """
    derived = [t.name for step in ordered for t in step.writes]
    aborted: dict[str, RuleFailure] = {}
    notices = len(result.notices)
    while True:
        del result.notices[notices:]
        result.failures = list(aborted.values())
        result.timings = [RuleTiming(name, "step", 0.0, None, "failed") for name in aborted]
        try:
            with store.transaction():
                _create_step_tables(store, [t for step in ordered for t in step.writes])
                built_from = start_analysis(store, run_id, [*derived, "findings", "rule_runs"])
                written = []
                for step in ordered:
                    if step.name in aborted or step in skipped:
                        continue
                    ctx = StepContext(
                        store.con, as_of, context["settings"], context["where"], result.notices, store
                    )
                    if _run_step(store, step, ctx, result, progress):
                        written += step.written
                    elif not _transaction_alive(store):
                        aborted[step.name] = result.failures[-1]
                        raise _StepAborted(step.name)
                    else:  # a failed step leaves its tables empty, not half written
                        for table in step.written:
                            store.con.execute(f'DELETE FROM "{table}"')
                record_tables(store, run_id, built_from, written)
                if before_commit is not None:
                    before_commit(store)
            return built_from
        except _StepAborted:
            continue


def _transaction_alive(store: Store) -> bool:
    try:
        store.con.execute("SELECT 1").fetchall()
    except Exception:
        return False
    return True


def _create_step_tables(store: Store, tables: list[Table]) -> None:
    """Create the steps' tables; a store written by an earlier version gains the columns added since
    (their rows are rewritten wholesale by the step anyway).
    """
    rows = store.con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    existing: dict[str, set[str]] = {}
    for table_name, column_name in rows:
        existing.setdefault(table_name, set()).add(column_name)
    for table in tables:
        if table.name not in existing:
            store.con.execute(table_ddl(table))
            continue
        for column in table.columns:
            if column.name not in existing[table.name]:
                store.con.execute(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {column.sql_type}')


def _run_step(
    store: Store, step: Step, context: StepContext, result: RunResult, progress: Callable[[str], None] | None
) -> bool:
    if progress:
        progress(f"step {step.name}")
    start = time.perf_counter()
    try:
        step.run(context)
        status = "ok"
    except Exception as exc:  # a failing step is reported; the rules still run
        status = "failed"
        result.failures.append(RuleFailure(step.name, "step", _one_line(exc)))
    result.timings.append(RuleTiming(step.name, "step", time.perf_counter() - start, None, status))
    return status == "ok"


def _run_rule(
    sandbox: RuleSandbox, configured: ConfiguredRule, run_id: str, as_of: dt.date, result: RunResult
) -> pl.DataFrame | None:
    rule = configured.rule
    start = time.perf_counter()
    try:
        names = sql_parameters(rule)
        params = bound_values(rule, dict(configured.parameters), as_of, names)
        relation = sandbox.relation(rule.sql, params)
        check_types(rule, relation.columns, relation.types)
        rows = pl.from_arrow(sandbox.fetch(relation))
        assert isinstance(rows, pl.DataFrame)
        frame = shape_findings(rows, configured, run_id, as_of)
    except (Exception, PanicException) as exc:  # a crashing rule never takes the others down
        _fail(result, rule, exc, time.perf_counter() - start, sandbox.limits)
        return None
    source = str(rule.path) if rule.path else None
    result.timings.append(
        RuleTiming(rule.code, "rule", time.perf_counter() - start, frame.height, "ok", source)
    )
    return frame


def _fail(
    result: RunResult, rule: Rule, exc: BaseException, seconds: float, limits: SandboxLimits | None = None
) -> None:
    where = rule.location("sql") if rule.path else None
    if isinstance(exc, AppconsolError):
        message = exc.message + (f". {exc.hint}" if exc.hint else "")
        where = exc.location or where
    else:
        message = (sandbox_error(exc, limits) if limits else None) or _one_line(exc)
    source = str(rule.path) if rule.path else None
    result.failures.append(RuleFailure(rule.code, "rule", message, where))
    result.timings.append(RuleTiming(rule.code, "rule", seconds, None, "failed", source))


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, AppconsolError):
        return str(exc)
    text = str(exc).split("\nLINE ")[0].strip().replace("\n", " ")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _store_run(
    store: Store, result: RunResult, started: dt.datetime, built_from: int, partial: bool = False
) -> None:
    runs = pl.DataFrame(
        {
            "run_id": [result.run_id] * len(result.timings),
            "kind": [t.kind for t in result.timings],
            "code": [t.code for t in result.timings],
            "source": [t.source for t in result.timings],
            "status": [t.status for t in result.timings],
            "findings": [t.findings for t in result.timings],
            "seconds": [t.seconds for t in result.timings],
            "error": [_error_of(result, t) for t in result.timings],
            "as_of": [result.as_of] * len(result.timings),
            "started_at": [started] * len(result.timings),
        },
        schema_overrides={"findings": pl.Int64, "source": pl.String, "error": pl.String},
    )
    first_error = next((str(f) for f in result.failures if f.kind == "step"), None)
    with store.transaction():
        store.con.execute("DELETE FROM rule_runs")
        store.insert_frame("rule_runs", runs)
        record_tables(store, result.run_id, built_from, ("findings", "rule_runs"))
        finish_analysis(store, result.run_id, first_error, partial=partial)


def _error_of(result: RunResult, timing: RuleTiming) -> str | None:
    return next((f.message for f in result.failures if f.code == timing.code and f.kind == timing.kind), None)
