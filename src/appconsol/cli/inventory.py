"""Commands that put inventories into the store and look at them: load, map, loads, unload, schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from appconsol.cli.common import echo, finish, say_all, stderr
from appconsol.cli.options import (
    as_of_option,
    config_option,
    db_option,
    format_option,
    month_first_option,
    quiet_option,
    reading_options,
)
from appconsol.cli.progress import progress_display


@click.command()
@click.argument("inventories", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option(
    "--org",
    "organisation",
    help="Organisation the files belong to (else organisations.yaml, a column, or the file name).",
)
@click.option("--partnership", help="Name of a partnership that every organisation loaded here belongs to.")
@reading_options
@click.option(
    "--orgs",
    "orgs_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="organisations.yaml naming each file's organisation and the partnerships.",
)
@click.option("--include-hidden", is_flag=True, help="Consider hidden sheets when choosing one.")
@month_first_option
@as_of_option
@config_option
@click.option("--dry-run", is_flag=True, help="Run the whole load and report it, storing nothing.")
@quiet_option
def load(
    inventories: tuple[Path, ...],
    db: Path,
    organisation: str | None,
    partnership: str | None,
    mapping: Path | None,
    sheet: str | None,
    header_row: int | None,
    orgs_file: Path | None,
    include_hidden: bool,
    month_first: bool,
    as_of: dt.datetime | None,
    config_path: Path | None,
    dry_run: bool,
    quiet: bool,
) -> None:
    """Load inventory files (xlsx, xlsm, csv, tsv) or folders of them into the store.

    Every data row is either loaded or stored as rejected with a reason; loading a file again
    replaces its earlier rows. Exit status 2 when any file could not be loaded (the others still are).

    Example: appconsol load sample_inventories/ --db estate.duckdb
    """
    from appconsol.api import load as load_files
    from appconsol.report.console import console, print_load

    with progress_display(quiet) as progress:
        result = load_files(
            inventories,
            db=db,
            config=config_path,
            as_of=as_of.date() if as_of else None,
            organisation=organisation,
            partnership=partnership,
            mapping=mapping,
            orgs_file=orgs_file,
            sheet=sheet,
            header_row=header_row,
            include_hidden=include_hidden,
            day_first=not month_first,
            dry_run=dry_run,
            progress=progress,
        )
    print_load(result, console())
    say_all("Note", result.report.notes)
    say_all("Error", result.errors)
    finish(result.exit_code)


@click.command("map")
@click.argument("inventory", type=click.Path(path_type=Path))
@reading_options
@click.option(
    "--write",
    "write_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping as an editable YAML file.",
)
@format_option("human", "json")
def map_command(
    inventory: Path,
    mapping: Path | None,
    sheet: str | None,
    header_row: int | None,
    write_to: Path | None,
    fmt: str,
) -> None:
    """Show how each column of an inventory maps onto the schema, with confidence and samples.

    Example: appconsol map council.xlsx --write mapping.yaml
    """
    from appconsol.api import map_columns
    from appconsol.report.console import console, print_mapping, to_json

    result = map_columns(inventory, mapping=mapping, sheet=sheet, header_row=header_row)
    if write_to:
        from appconsol.store.artefact import write_text

        write_text(write_to, result.to_yaml())
        marked = " (decide the lines marked CHECK)" if result.read.doubts else ""
        stderr(f"Wrote {write_to}; edit it{marked} and load with --mapping {write_to}")
    for doubt in result.read.doubts:
        stderr(f"Not sure: {doubt}")
    if fmt == "json":
        echo(to_json(result.to_dict()))
    else:
        print_mapping(result, console())


@click.command()
@db_option
@format_option("human", "json", "csv")
def loads(db: Path, fmt: str) -> None:
    """List the files loaded into the store, with their row accounting.

    Example: appconsol loads --db estate.duckdb
    """
    from appconsol.api import list_loads
    from appconsol.report.console import console, print_loads

    frame = list_loads(db)
    if fmt == "json":
        echo(frame.write_json())
    elif fmt == "csv":
        echo(frame.write_csv(), nl=False)
    else:
        print_loads(frame, db, console())


@click.command()
@click.argument("source")
@db_option
def unload(source: str, db: Path) -> None:
    """Take a loaded file's rows out of the store (by path, file name or load id).

    Example: appconsol unload wessex-county-council-servicenow.csv --db estate.duckdb
    """
    from appconsol.api import unload as unload_source

    count = unload_source(source, db=db)
    stderr(f"Removed {count} load(s) of {source}")


@click.command()
@format_option("markdown", "json")
def schema(fmt: str) -> None:
    """Print the canonical schema: fields, vocabularies and store tables.

    Example: appconsol schema -f markdown > docs/schema.md
    """
    from appconsol.docgen.schema import render_schema_json, render_schema_markdown

    if fmt == "json":
        echo(render_schema_json())
    else:
        echo(render_schema_markdown(), nl=False)


COMMANDS = (load, map_command, loads, unload, schema)
