"""What every command shares: the one error boundary, stderr lines, progress, and the exit."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

import click

from appconsol.api.results import ExitCode
from appconsol.errors import AppconsolError


class AppconsolGroup(click.Group):
    """The command group whose `invoke` is the one error boundary of the CLI.

    An AppconsolError, and anything else raised below, including a BaseException from native
    code (pyo3's PanicException), becomes one line `Error: ...` on stderr and exit 2; the
    traceback only with -v. Ctrl-C, exits and click's own usage errors pass through.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, SystemExit, click.exceptions.ClickException, click.exceptions.Exit):
            raise
        except click.exceptions.Abort:
            raise
        except BaseException as exc:
            if ctx.find_root().params.get("verbose"):
                raise
            stderr(f"Error: {describe(exc, ctx)}")
            sys.exit(ExitCode.ERROR)


def describe(exc: BaseException, ctx: click.Context) -> str:
    """One line for an error: the library's own words, else what broke and where to look."""
    if isinstance(exc, AppconsolError):
        return str(exc)
    text = " ".join(str(exc).split()) or "no message"
    command = " ".join(
        ctx.command_path.split()[1:] + ([ctx.invoked_subcommand] if ctx.invoked_subcommand else [])
    )
    return (
        f"internal error in `appconsol {command}`: {type(exc).__name__}: {text[:300]}. "
        "Run again with -v for the traceback and report it"
    )


def stderr(message: str) -> None:
    """A line on stderr (summaries, notes, warnings, errors: never the payload)."""
    click.echo(message, err=True)


def say_all(prefix: str, messages: Iterable[Any]) -> None:
    """Each message on stderr as `prefix: message` (no prefix: the message alone)."""
    for message in messages:
        stderr(f"{prefix}: {message}" if prefix else str(message))


def progress_printer() -> Callable[[str], None] | None:
    """Progress lines on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"  {message}", err=True)


def finish(code: int) -> NoReturn:
    """Exit with a status the API decided."""
    sys.exit(int(code))


def echo(text: str, *, nl: bool = True) -> None:
    """The payload on stdout."""
    click.echo(text, nl=nl)
