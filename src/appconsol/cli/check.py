"""`check`: the CI gate. Findings on stdout in the chosen format, exit code by severity."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from appconsol.cli.common import echo, finish, progress_printer, say_all, stderr
from appconsol.cli.options import (
    as_of_option,
    check_db_option,
    config_option,
    format_option,
    month_first_option,
    reading_options,
    rules_dir_option,
)
from appconsol.report.formats import CHECK_FORMATS


def selectors(values: tuple[str, ...]) -> list[str]:
    """Repeated, comma-separated rule selectors as one list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command()
@click.argument("inventories", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option(*CHECK_FORMATS, envvar="APPCONSOL_FORMAT")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the output to this file instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    envvar="APPCONSOL_FAIL_ON",
    help="Exit 1 when a finding is at or above this severity (default: config, else error) [env: APPCONSOL_FAIL_ON].",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Count only findings whose keys are not in this baseline file; report the ones fixed.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the keys of the current findings to this file (and accept them: exit 0 unless errors).",
)
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="APPCONSOL_ROOT",
    help="Show files relative to this folder (default: the git repository's top level, else the "
    "working directory) [env: APPCONSOL_ROOT].",
)
@rules_dir_option
@click.option(
    "--select", multiple=True, help="Run only these rule codes, categories or groups (comma-separated)."
)
@click.option(
    "--ignore", multiple=True, help="Skip these rule codes, categories or groups (comma-separated)."
)
@config_option
@as_of_option
@click.option(
    "--profile",
    is_flag=True,
    help="Print each rule's time on stderr, slowest first, and put timings in json/junit output.",
)
@check_db_option
@month_first_option
@reading_options
def check(
    inventories: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    baseline: Path | None,
    write_baseline: Path | None,
    root: Path | None,
    rules_dirs: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    as_of: dt.datetime | None,
    profile: bool,
    db: Path | None,
    month_first: bool,
    mapping: Path | None,
    sheet: str | None,
    header_row: int | None,
) -> None:
    """Check inventory files against the rules, for CI: findings on stdout, exit code by severity.

    Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 could not run
    (usage, config, a rule file, an unreadable inventory, a rule that fails). With --baseline only
    findings not in the baseline count. The summary goes to stderr.

    Example: appconsol check inventories/*.xlsx -f sarif -o appconsol.sarif --baseline baseline.json
    """
    from appconsol.api import check as run_check
    from appconsol.report.findings import render_profile, summary_line
    from appconsol.report.formats import render_check

    result = run_check(
        inventories,
        db=db,
        config=config_path,
        rules_dirs=rules_dirs,
        select=selectors(select),
        ignore=selectors(ignore),
        as_of=as_of.date() if as_of else None,
        fail_on=fail_on,
        baseline=baseline,
        write_baseline=write_baseline,
        day_first=not month_first,
        mapping=mapping,
        sheet=sheet,
        header_row=header_row,
        progress=progress_printer() if fmt == "human" else None,
        profile=profile,
        root=root,
    )
    say_all("Warning", result.notices)
    if result.load_report:
        say_all("Note", result.load_report.notes)
    say_all("Error", result.errors)
    payload = render_check(result, fmt, color=output is None and sys.stdout.isatty())
    if output is not None:
        from appconsol.store.artefact import write_text

        write_text(output, payload)
    else:
        echo(payload, nl=False)
    if profile:
        stderr(render_profile(result.run))
    stderr(summary_line(result))
    finish(result.exit_code)


COMMANDS = (check,)
