"""The plan: `run` (load, analyse, write) and `report` (write from an existing store)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from appconsol.api.plan import DEFAULT_OUTPUT, PLAN_FORMATS
from appconsol.cli.common import finish, say_all, stderr
from appconsol.cli.options import (
    as_of_option,
    config_option,
    db_option,
    duckdb_memory_option,
    month_first_option,
    quiet_option,
    reading_options,
)
from appconsol.cli.progress import progress_display


@click.command()
@click.argument("inventories", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=str(DEFAULT_OUTPUT),
    show_default=True,
    help="Plan workbook to write (replaced whole, or left as it was if writing fails).",
)
@db_option
@as_of_option
@config_option
@month_first_option
@reading_options
@duckdb_memory_option
@quiet_option
def run(
    inventories: tuple[Path, ...],
    output: Path,
    db: Path,
    as_of: dt.datetime | None,
    config_path: Path | None,
    month_first: bool,
    mapping: Path | None,
    sheet: str | None,
    header_row: int | None,
    duckdb_memory: str,
    quiet: bool,
) -> None:
    """Load inventories (default: ./sample_inventories), analyse them and write the consolidation plan.

    Progress (live on a terminal, plain lines otherwise; none with --quiet) and a short summary
    go to stderr. Exit status 2 when a file could not be loaded or a
    step or rule failed (then no plan is written: an existing one is left as it was); findings do
    not fail `run`.

    Example: appconsol run inventories/ -o plan.xlsx --as-of 2026-11-25
    """
    from appconsol.api import run_plan
    from appconsol.report.console import plan_lines

    with progress_display(quiet) as progress:
        outcome = run_plan(
            inventories,
            db=db,
            output=output,
            config=config_path,
            as_of=as_of.date() if as_of else None,
            day_first=not month_first,
            mapping=mapping,
            sheet=sheet,
            header_row=header_row,
            progress=progress,
            memory_limit=duckdb_memory,
        )
    report = outcome.load_report
    if report is not None:
        loaded = sum(r.rows_loaded for r in report.records)
        rejected = sum(r.rows_rejected for r in report.records)
        stderr(
            f"Loaded {len(report.records)} file(s): {loaded:,} rows loaded, {rejected:,} rejected (store {db})"
        )
        say_all("Note", report.notes)
    say_all("Warning", outcome.notices)
    say_all("Error", outcome.errors)
    if outcome.plan is not None:
        say_all("", plan_lines(outcome.plan))
    finish(outcome.exit_code)


@click.command()
@db_option
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default="plan.xlsx",
    show_default=True,
    help="The workbook to write; for csv/parquet/json, a folder of one file per table.",
)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(PLAN_FORMATS),
    default="xlsx",
    show_default=True,
    help="xlsx: the plan workbook; csv/parquet/json: the plan tables for BI tools (CSV cells escaped "
    "against formula injection).",
)
@config_option
@quiet_option
def report(db: Path, output: Path, fmt: str, config_path: Path | None, quiet: bool) -> None:
    """Write the consolidation plan from an existing store, as a workbook or as table files.

    Example: appconsol report --db estate.duckdb -o plan.xlsx
    """
    from appconsol.api import write_plan
    from appconsol.report.console import plan_lines

    with progress_display(quiet) as progress:
        result = write_plan(db, output, fmt=fmt, config=config_path, progress=progress)
    if result.plan is not None:
        say_all("", plan_lines(result.plan))
    else:
        stderr(
            f"Wrote {len(result.files)} {fmt} file(s) to {output}: {', '.join(p.name for p in result.files)}"
        )


COMMANDS = (run, report)
