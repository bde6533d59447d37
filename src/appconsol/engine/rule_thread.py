"""The rules run on a second thread, so the store's writes overlap them.

Two things cost the store time around the rules: committing the steps' tables (DuckDB compresses
and writes every new table then, about 1 s at 100k applications) and storing each rule's findings
(about 0.6 s at 100k). Neither touches the rule sandbox, which is a separate in-memory DuckDB
holding copies of what the rules read. So the copy is taken inside the steps' transaction (the
same rows the commit is about to make durable), the rules start in the sandbox on a worker
thread, and the calling thread commits and then stores each rule's findings as the worker hands
them over. Only the calling thread ever uses the store's connection and only the worker uses the
sandbox's once the copy is made. The worker hands over one rule's findings at a time and waits
until the calling thread has stored them before it hands over the next, so at most two rules'
findings are in memory at once (one being stored, the next one found).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from appconsol.engine.sandbox import RuleSandbox, SandboxLimits, check_sql, columns_read, readable_relations
from appconsol.errors import AppconsolError

if TYPE_CHECKING:
    import datetime as dt

    import polars as pl

    from appconsol.engine.model import ConfiguredRule
    from appconsol.engine.runner import RunResult
    from appconsol.engine.steps import Step
    from appconsol.store import Store

# Rules whose findings may wait while another's are stored: one keeps both threads busy, and at a
# million applications each is up to half a million findings, so never more than that.
WAITING = 1

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


class RulesOnThread:
    """The rule pack run on a worker thread, its findings handed back to the calling thread.

    `start` binds the rules and copies what they read on the calling thread, then starts the worker;
    `frames` yields each rule's findings on the calling thread; `close` stops the worker and frees
    the sandbox whatever happened.
    """

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
        self._worker: threading.Thread | None = None
        self._handover: queue.Queue[Any] = queue.Queue()
        self._slots = threading.Semaphore(WAITING)  # a rule's findings wait for one to be taken
        self._stop = threading.Event()
        self._setup_error: BaseException | None = None
        self._reads: dict[str, set[str]] = {}

    def start(self, store: Store) -> None:
        """Copy what the rules read from the store (inside the steps' open transaction) and start them.

        An error here is kept and raised by `frames`, after the steps have committed: a rule pack
        that cannot be set up never undoes the analysis steps.
        """
        try:
            self._sandbox = RuleSandbox(self.limits)
            self._copy(store)
        except Exception as exc:  # re-raised by frames(), on this same thread
            self._setup_error = exc
            return
        self._worker = threading.Thread(target=self._work, name="appconsol-rules", daemon=True)
        self._worker.start()

    def _copy(self, store: Store) -> None:
        assert self._sandbox is not None
        sandbox = self._sandbox
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
        sandbox.copy_from(store.con, readable & set().union(*self._reads.values()), columns)

    def _work(self) -> None:
        assert self._sandbox is not None
        try:
            for configured in self.rules:
                if self._stop.is_set():
                    return
                if configured.code not in self._reads:
                    continue
                if self.progress:
                    self.progress(f"rule {configured.code}")
                frame = self._run_rule(self._sandbox, configured, self.run_id, self.as_of, self.result)
                if frame is not None:
                    self._hand_over(frame)
            self._hand_over(_DONE)
        except BaseException as exc:  # handed to the calling thread, which raises it
            self._hand_over(_Failed(exc))

    def _hand_over(self, item: Any) -> None:
        while not self._stop.is_set():
            if self._slots.acquire(timeout=0.1):
                self._handover.put(item)
                return

    def frames(self) -> Iterator[pl.DataFrame]:
        """Each rule's findings, in rule order, as the worker finishes them."""
        if self._setup_error is not None:
            raise self._setup_error
        if self._worker is None:
            return
        while True:
            item = self._handover.get()
            if item is _DONE:
                self._worker.join()
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
            # The caller has stored these findings: let them go, and let the worker hand over more.
            del item
            self._slots.release()

    def close(self) -> None:
        """Stop the worker (interrupting the rule it runs) and close the sandbox."""
        self._stop.set()
        if self._worker is not None and self._worker.is_alive() and self._sandbox is not None:
            self._sandbox.con.interrupt()
            self._worker.join()
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
