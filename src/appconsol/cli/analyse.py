"""`analyse` (steps and rules over a store, summarised) and `explain` (one application)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from appconsol.cli.common import echo, finish, say_all, stderr
from appconsol.cli.options import (
    as_of_option,
    config_option,
    db_option,
    duckdb_memory_option,
    format_option,
    quiet_option,
    rules_dir_option,
)
from appconsol.cli.progress import progress_display


@click.command()
@db_option
@as_of_option
@config_option
@rules_dir_option
@format_option("human", "json")
@click.option("--profile", is_flag=True, help="Print each step's and rule's time on stderr, slowest first.")
@duckdb_memory_option
@quiet_option
def analyse(
    db: Path,
    as_of: dt.datetime | None,
    config_path: Path | None,
    rules_dirs: tuple[Path, ...],
    fmt: str,
    profile: bool,
    duckdb_memory: str,
    quiet: bool,
) -> None:
    """Run every analysis step and the whole rule pack over a store, and summarise the result.

    The steps rewrite their tables (products, capabilities, lifecycle, legacy scores,
    dispositions, overlap groups, the plan) and the rules rewrite the findings. The summary
    (overlap groups, red-rated applications, dispositions, planned actions, savings, NPV,
    findings by severity) goes to stdout. Exit status 0 when everything ran, 2 when a step or a
    rule failed (findings never fail `analyse`; use `check` to gate on them).

    Example: appconsol analyse --db estate.duckdb --as-of 2026-11-25
    """
    from appconsol.api import analyse as run_analysis
    from appconsol.report.console import console, to_json
    from appconsol.report.console_analysis import print_analysis
    from appconsol.report.findings import render_profile

    with progress_display(quiet) as progress:
        result = run_analysis(
            db,
            as_of=as_of.date() if as_of else None,
            config=config_path,
            rules_dirs=rules_dirs,
            progress=progress,
            memory_limit=duckdb_memory,
        )
    say_all("Warning", result.notices)
    say_all("Error", result.errors)
    if fmt == "json":
        echo(to_json({**result.summary, "errors": result.errors, "exit_code": int(result.exit_code)}))
    else:
        print_analysis(result.summary, db, console())
    if profile:
        stderr(render_profile(result.run))
    steps = sum(s["seconds"] for s in result.summary["steps"])
    stderr(
        f"appconsol analyse: {len(result.summary['steps'])} steps ({steps:.1f} s), "
        f"{len(result.run.rules)} rules, {result.run.finding_count:,} finding(s); exit {result.exit_code}"
    )
    finish(result.exit_code)


@click.command()
@click.argument("app")
@click.option("--org", "organisation", help="Organisation of the application, when the name is not unique.")
@db_option
@format_option("human", "json")
def explain(app: str, organisation: str | None, db: Path, fmt: str) -> None:
    """Show everything known about one application: row, components, scores, overlap, plan, findings.

    APP is an app_id or a name (case-insensitive). When several applications match, they are
    listed and the exit status is 2; narrow with --org or give the app_id. Run `appconsol analyse`
    first so the scores, overlap groups and plan are there.

    Example: appconsol explain "Idox Uniform" --org "Avonvale District Council" --db estate.duckdb
    """
    from appconsol.api import explain as explain_app
    from appconsol.report.console import console, to_json
    from appconsol.report.console_analysis import print_explanation

    explanation = explain_app(app, db=db, organisation=organisation)
    if fmt == "json":
        echo(to_json(explanation.to_dict()))
    else:
        print_explanation(explanation, console())


COMMANDS = (analyse, explain)
