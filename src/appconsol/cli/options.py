"""Options shared by several commands, each defined once here with its APPCONSOL_<NAME> env var.

`--db` has one default for every command that keeps a store, `appconsol-output/appconsol.duckdb`:
the store `appconsol run` writes, so `run` followed by `explain`, `analyse` or `report` finds it
without naming it. `check` is the one exception on purpose: its store is temporary (in memory)
unless `--db` is given, so a CI job leaves no file behind.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from appconsol.api.inventory import DEFAULT_DB
from appconsol.engine.analyse import DUCKDB_MEMORY_LIMIT

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=str(DEFAULT_DB),
    show_default=True,
    envvar="APPCONSOL_DB",
    help="DuckDB store file [env: APPCONSOL_DB].",
)
check_db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="APPCONSOL_DB",
    help="Load into this store and keep the findings there (default: a temporary in-memory store) "
    "[env: APPCONSOL_DB].",
)
as_of_option = click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    envvar="APPCONSOL_AS_OF",
    help="Judge the data as of this date (default: config, else today) [env: APPCONSOL_AS_OF].",
)
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="APPCONSOL_CONFIG",
    help="appconsol.toml to use (default: the nearest one from here upwards) [env: APPCONSOL_CONFIG].",
)
rules_dir_option = click.option(
    "--rules-dir",
    "rules_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar="APPCONSOL_RULES_DIR",
    help="A folder of your own rule files, besides the built-in pack; repeatable [env: APPCONSOL_RULES_DIR].",
)
duckdb_memory_option = click.option(
    "--duckdb-memory",
    default=DUCKDB_MEMORY_LIMIT,
    show_default=True,
    envvar="APPCONSOL_DUCKDB_MEMORY",
    help="Memory DuckDB may use during the analysis (it spills to disk beyond it); raise it for very "
    "large stores [env: APPCONSOL_DUCKDB_MEMORY].",
)
month_first_option = click.option(
    "--month-first",
    is_flag=True,
    envvar="APPCONSOL_MONTH_FIRST",
    help="Read 01/03/2026 as 3 January (default: UK day first) [env: APPCONSOL_MONTH_FIRST].",
)
mapping_option = click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="APPCONSOL_MAPPING",
    help="Column mapping file for every file (see `appconsol map --write`; per-file globs go in "
    "appconsol.toml [[load.mappings]]) [env: APPCONSOL_MAPPING].",
)
sheet_option = click.option(
    "--sheet",
    envvar="APPCONSOL_SHEET",
    help="Sheet to read (default: the sheet that looks most like an inventory) [env: APPCONSOL_SHEET].",
)
header_row_option = click.option(
    "--header-row",
    type=click.IntRange(min=1),
    envvar="APPCONSOL_HEADER_ROW",
    help="Row number of the header (default: detected) [env: APPCONSOL_HEADER_ROW].",
)
quiet_option = click.option(
    "-q",
    "--quiet",
    is_flag=True,
    envvar="APPCONSOL_QUIET",
    help="No progress display on stderr (summaries, warnings and errors still print) [env: APPCONSOL_QUIET].",
)


def reading_options(func: F) -> F:
    """--mapping, --sheet and --header-row: how to read each inventory file."""
    for option in (header_row_option, sheet_option, mapping_option):
        func = option(func)
    return func


def format_option(*choices: str, default: str | None = None, envvar: str | None = None) -> Callable[[F], F]:
    """-f/--format with these choices (the first is the default)."""
    extra = f" [env: {envvar}]" if envvar else ""
    return click.option(
        "-f",
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default or choices[0],
        show_default=True,
        envvar=envvar,
        help=f"Output format on stdout{extra}.",
    )
