"""The rule pack over its sandbox: the copy of what the rules read, then each rule in order.

The copy is taken inside the steps' transaction, just before it commits, so the rules read the
same rows the commit makes durable; a pack that cannot be set up (its copy runs out of memory)
never undoes the steps, because the error is raised only once they have committed. Each rule's
findings are handed back as soon as the rule finishes, so the caller stores them before the next
rule runs and at most one rule's findings are in memory (at a million applications a rule can
find half a million).

The rules once ran on a worker thread, so that the steps' commit and the storing of findings
would overlap them. On 2 cores that measured no gain (both DuckDB databases already use both
cores) and held about 60 MB more at 100k, so they run in order on the calling thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from appconsol.engine.sandbox import RuleSandbox, SandboxLimits, check_sql, columns_read, readable_relations
from appconsol.errors import AppconsolError

if TYPE_CHECKING:
    import datetime as dt

    import polars as pl

    from appconsol.engine.model import ConfiguredRule
    from appconsol.engine.runner import RunResult
    from appconsol.engine.steps import Step
    from appconsol.store import Store


class RulePack:
    """The rules of one run: `start` copies what they read, `frames` runs them, `close` frees the sandbox."""

    def __init__(
        self,
        rules: Sequence[ConfiguredRule],
        run_id: str,
        as_of: dt.date,
        result: RunResult,
        steps: Sequence[Step] | None,
        limits: SandboxLimits | None,
        progress: Callable[[str], None] | None,
        run_rule: Callable[..., pl.DataFrame | None],
        fail: Callable[..., None],
    ):
        self.rules = list(rules)
        self.run_id, self.as_of, self.result = run_id, as_of, result
        self.steps, self.limits, self.progress = steps, limits, progress
        self._run_rule, self._fail = run_rule, fail
        self._sandbox: RuleSandbox | None = None
        self._setup_error: BaseException | None = None
        self._reads: dict[str, set[str]] = {}

    def start(self, store: Store) -> None:
        """Copy what the rules read from the store (inside the steps' open transaction).

        An error here is kept and raised by `frames`, after the steps have committed.
        """
        try:
            self._sandbox = RuleSandbox(self.limits)
            self._copy(store)
        except Exception as exc:  # re-raised by frames()
            self._setup_error = exc

    def _copy(self, store: Store) -> None:
        assert self._sandbox is not None
        readable = readable_relations(self.steps or ())
        columns: dict[str, frozenset[str] | None] = {}
        for configured in self.rules:
            try:
                self._reads[configured.code] = check_sql(configured.rule)
            except AppconsolError as exc:
                self._fail(self.result, configured.rule, exc, 0.0)
                continue
            for table, named in columns_read(configured.rule).items():
                known = columns.get(table, frozenset())
                columns[table] = None if known is None or named is None else known | named
        # Only the columns the rules name: the wide tables (evidence JSON) are most of the copy.
        self._sandbox.copy_from(store.con, readable & set().union(*self._reads.values()), columns)

    def frames(self) -> Iterator[pl.DataFrame]:
        """Each rule's findings, in rule order; the next rule runs once the caller has taken them."""
        if self._setup_error is not None:
            import duckdb

            if isinstance(self._setup_error, duckdb.Error):
                from appconsol.store.writes import database_error

                raise database_error(
                    self._setup_error, "cannot copy what the rules read"
                ) from self._setup_error
            raise self._setup_error
        if self._sandbox is None:
            return
        for configured in self.rules:
            if configured.code not in self._reads:
                continue
            if self.progress:
                self.progress(f"rule {configured.code}")
            frame = self._run_rule(self._sandbox, configured, self.run_id, self.as_of, self.result)
            if frame is not None:
                yield frame
                del frame

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
