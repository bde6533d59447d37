"""Progress on stderr while a long command works: live on a terminal, sparse lines otherwise.

The library reports progress as short messages through a `progress(message)` callback ("reading
x.xlsx", "step overlap", "rule LEG001", "sheet Findings"...). This module turns them into:

- on a terminal: a rich display, one line per stage with a spinner while it runs and its elapsed
  time, the rules counted on one line rather than one each;
- otherwise (a log, a pipe, CI): one plain line per stage, `[  12.3s] step overlap`, the rules
  announced once, and a closing `[  38.1s] done`;
- with `--quiet`: nothing.

Only stderr is written: a command's payload on stdout is never touched. rich is imported only
when a terminal display is actually shown, so `appconsol --help` stays instant.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

RULE_PREFIX = "rule "


class PlainProgress:
    """One line per stage on a stream, with the seconds since the command started."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.perf_counter()
        self.rules = 0

    def __call__(self, message: str) -> None:
        if message.startswith(RULE_PREFIX):
            self.rules += 1
            if self.rules > 1:
                return
            message = "rules"
        self._line(message)

    def _line(self, message: str) -> None:
        self.stream.write(f"[{time.perf_counter() - self.started:6.1f}s] {message}\n")
        self.stream.flush()

    def close(self, ok: bool = True) -> None:
        if self.rules:
            self._line(f"{self.rules} rules ran")
        self._line("done" if ok else "stopped")


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
        LiveProgress(stream) if _is_terminal(stream) else PlainProgress(stream)
    )
    try:
        yield shown
    except BaseException:
        shown.close(ok=False)
        raise
    shown.close()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
