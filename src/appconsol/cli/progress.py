"""Progress on stderr while a long command works: live on a terminal, sparse lines otherwise.

The library reports progress as short messages through a `progress(message)` callback ("reading
x.xlsx", "step overlap", "rule LEG001", "sheet Findings"...). This module turns them into:

- on a terminal: a rich display, one line per stage with a spinner while it runs and its elapsed
  time, the rules counted on one line rather than one each;
- otherwise (a log, a pipe, CI): sparse plain lines, `[  12.3s] step overlap`, for the stages
  that run 10 seconds or more (every stage with APPCONSOL_PROGRESS_INTERVAL=0), the rules
  announced once, and a closing `[  38.1s] done` when anything was written;
- with `--quiet`: nothing.

Only stderr is written: a command's payload on stdout is never touched. rich is imported only
when a terminal display is actually shown, so `appconsol --help` stays instant.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

RULE_PREFIX = "rule "
# Plain lines: a stage is written once it has run this long; APPCONSOL_PROGRESS_INTERVAL=0 writes
# every stage (the end-to-end benchmark reads them to split the time into phases).
PLAIN_INTERVAL = 10.0


class PlainProgress:
    """Sparse lines for logs: a stage is written once it has run `interval` seconds (0: every stage).

    Each line carries the seconds from the command's start to the stage's start, so a log shows
    where a long run spent its time without a line for every quick step. A watcher thread writes
    the line while the slow stage is still running; nothing at all is written for a command
    whose stages are all quick, so short commands' stderr is only their summary.
    """

    def __init__(self, stream: TextIO, interval: float = PLAIN_INTERVAL) -> None:
        self.stream = stream
        self.interval = interval
        self.started = time.perf_counter()
        self.rules = 0
        self.written = False
        self.lock = threading.Lock()
        self.pending: tuple[float, str] | None = None  # the current stage, not yet written
        self.stopped = threading.Event()
        self.watcher: threading.Thread | None = None
        if interval > 0:
            self.watcher = threading.Thread(target=self._watch, name="appconsol-progress", daemon=True)
            self.watcher.start()

    def __call__(self, message: str) -> None:
        if message.startswith(RULE_PREFIX):
            self.rules += 1
            if self.rules > 1:
                return
            message = "rules"
        with self.lock:
            self.pending = (time.perf_counter() - self.started, message)
            if self.interval <= 0:
                self._write_pending()

    def _watch(self) -> None:
        while not self.stopped.wait(min(self.interval / 4, 0.5)):
            with self.lock:
                now = time.perf_counter() - self.started
                if self.pending is not None and now - self.pending[0] >= self.interval:
                    self._write_pending()

    def _write_pending(self) -> None:
        if self.pending is not None:
            at, message = self.pending
            self._line(at, message)
            self.pending = None

    def _line(self, at: float, message: str) -> None:
        self.stream.write(f"[{at:6.1f}s] {message}\n")
        self.stream.flush()
        self.written = True

    def close(self, ok: bool = True) -> None:
        self.stopped.set()
        if self.watcher is not None:
            self.watcher.join()
        with self.lock:
            if not self.written:
                return
            now = time.perf_counter() - self.started
            if self.rules:
                self._line(now, f"{self.rules} rules ran")
            self._line(now, "done" if ok else "stopped")


class LiveProgress:
    """A rich display on the terminal: each stage on its own line, the current one spinning."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.display = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self.current: Any = None
        self.rules: Any = None
        self.rule_count = 0
        self.started = time.perf_counter()
        self.display.start()
        self.total = self.display.add_task("[bold]elapsed", total=None)

    def __call__(self, message: str) -> None:
        if message.startswith(RULE_PREFIX):
            self.rule_count += 1
            if self.rules is None:
                self._finish_current()
                self.rules = self.display.add_task("rules", total=None)
            self.display.update(
                self.rules, description=f"rules: {self.rule_count} ({message[len(RULE_PREFIX) :]})"
            )
            return
        self._finish_current()
        self.current = self.display.add_task(message, total=None)

    def _finish_current(self) -> None:
        for task in (self.current, self.rules):
            if task is not None:
                self.display.update(task, total=1, completed=1)
                self.display.stop_task(task)
        if self.rules is not None:
            self.display.update(self.rules, description=f"rules: {self.rule_count} ran")
        self.current = self.rules = None

    def close(self, ok: bool = True) -> None:
        self._finish_current()
        self.display.update(self.total, total=1, completed=1, description="[bold]done" if ok else "stopped")
        self.display.stop_task(self.total)
        self.display.stop()


@contextmanager
def progress_display(
    quiet: bool = False, stream: TextIO | None = None
) -> Iterator[Callable[[str], None] | None]:
    """The progress callback for one command: live on a terminal, plain lines otherwise, none if quiet."""
    if quiet:
        yield None
        return
    stream = stream or sys.stderr
    shown: LiveProgress | PlainProgress = (
        LiveProgress(stream) if _is_terminal(stream) else PlainProgress(stream, _plain_interval())
    )
    try:
        yield shown
    except BaseException:
        shown.close(ok=False)
        raise
    shown.close()


def _plain_interval() -> float:
    raw = os.environ.get("APPCONSOL_PROGRESS_INTERVAL", "").strip()
    try:
        return max(0.0, float(raw)) if raw else PLAIN_INTERVAL
    except ValueError:
        return PLAIN_INTERVAL


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
