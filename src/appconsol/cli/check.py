"""`check`: the CI gate. Findings on stdout in the chosen format, exit code by severity."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from appconsol.cli.common import echo, finish, progress_printer, say_all, stderr
from appconsol.cli.options import (
    as_of_option,
    check_db_option,
    config_option,
    month_first_option,
    reading_options,
    rules_dir_option,
)
from appconsol.report.formats import CHECK_FORMATS

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult
    from appconsol.report.formats import OutputSpec


def selectors(values: tuple[str, ...]) -> list[str]:
    """Repeated, comma-separated rule selectors as one list."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.command()
@click.argument("inventories", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "formats",
    multiple=True,
    metavar="FMT[=PATH]",
    shell_complete=lambda _ctx, _param, incomplete: [f for f in CHECK_FORMATS if f.startswith(incomplete)],
    envvar="APPCONSOL_FORMAT",
    help=f"Output format: {', '.join(CHECK_FORMATS)} (default: human). Repeat it for several outputs "
    "in one run, each but one written to a file: -f sarif=appconsol.sarif -f github [env: APPCONSOL_FORMAT].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the (single) output to this file instead of stdout.",
)
@click.option(
    "--annotate-from",
    type=click.Choice(["error", "warning", "info"]),
    default="info",
    show_default=True,
    envvar="APPCONSOL_ANNOTATE_FROM",
    help="Lowest severity written to github, sarif, gitlab and concise outputs; findings that count "
    "at --fail-on are always written [env: APPCONSOL_ANNOTATE_FROM].",
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
    help="Count only findings whose keys are not in this baseline file; report the ones fixed "
    "(default: [check] baseline, else appconsol-baseline.json beside appconsol.toml or here, if it exists).",
)
@click.option(
    "--no-baseline", is_flag=True, help="Compare with no baseline, not even appconsol-baseline.json."
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the keys of the current findings to this file (and accept them: exit 0 unless errors).",
)
@click.option(
    "--max-rejected-share",
    type=click.FloatRange(0, 1),
    envvar="APPCONSOL_MAX_REJECTED_SHARE",
    help="Fail a file (rule DQ012, an error) when more than this share of its rows cannot be loaded "
    "(default: [rules.DQ012] max_share, else 0.2) [env: APPCONSOL_MAX_REJECTED_SHARE].",
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
    formats: tuple[str, ...],
    output: Path | None,
    annotate_from: str,
    fail_on: str | None,
    baseline: Path | None,
    no_baseline: bool,
    write_baseline: Path | None,
    max_rejected_share: float | None,
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

    Example: appconsol check inventories/ -f github -f sarif=appconsol.sarif --baseline appconsol-baseline.json
    """
    from appconsol.api import check as run_check
    from appconsol.api.checks import setup_failure
    from appconsol.errors import AppconsolError
    from appconsol.report.findings import render_profile, summary_line
    from appconsol.report.formats import parse_outputs

    try:
        outputs = parse_outputs(formats, output)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    on_stdout = next((o.fmt for o in outputs if o.path is None), None)
    try:
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
            default_baseline=not no_baseline,
            write_baseline=write_baseline,
            max_rejected_share=max_rejected_share,
            day_first=not month_first,
            mapping=mapping,
            sheet=sheet,
            header_row=header_row,
            progress=progress_printer() if on_stdout == "human" else None,
            profile=profile,
            root=root,
        )
    except AppconsolError as exc:
        # Still write every requested output, so the next CI step (an upload) finds its file.
        failed = setup_failure(exc, fail_on=fail_on, as_of=as_of.date() if as_of else None)
        failed.annotate_from = annotate_from
        _write_outputs(failed, outputs, skip_human=True)
        stderr(f"Error: {exc}")
        finish(failed.exit_code)
    result.annotate_from = annotate_from
    if baseline is None and result.baseline_path is not None:
        stderr(f"Note: compared with the baseline {result.baseline_path} (--no-baseline to ignore it)")
    say_all("Warning", result.notices)
    if result.load_report:
        say_all("Note", result.load_report.notes)
    say_all("Error", result.errors)
    _write_outputs(result, outputs)
    if profile:
        stderr(render_profile(result.run))
    stderr(summary_line(result))
    finish(result.exit_code)


def _write_outputs(result: CheckResult, outputs: list[OutputSpec], *, skip_human: bool = False) -> None:
    """Render the result in each requested format, to its file or stdout."""
    from appconsol.report.formats import render_check
    from appconsol.store.artefact import write_text

    for spec in outputs:
        if skip_human and spec.fmt == "human":
            continue  # the error line on stderr says it all
        payload = render_check(result, spec.fmt, color=spec.path is None and sys.stdout.isatty())
        if spec.path is not None:
            write_text(spec.path, payload)
        else:
            echo(payload, nl=False)


COMMANDS = (check,)
