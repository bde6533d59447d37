"""`reference`: the reference data in use (lifecycle dates, taxonomy, aliases, lists), and updating it."""

from __future__ import annotations

from pathlib import Path

import click

from appconsol.api.reference import REFERENCE_KINDS
from appconsol.cli.common import echo, stderr
from appconsol.cli.options import config_option, format_option


@click.group()
def reference() -> None:
    """Show the reference data in use (lifecycle dates, taxonomy, aliases, lists) and update it.

    Example: appconsol reference show
    """


@reference.command("show")
@config_option
@format_option("human", "json")
def reference_show(config_path: Path | None, fmt: str) -> None:
    """Show the bundled reference data (snapshot dates, sources, counts) and your own files in use.

    Your files are the paths under [reference] in appconsol.toml; each is read with the reader the
    analyses use, so a broken one shows here as an error.

    Example: appconsol reference show --config appconsol.toml
    """
    from appconsol.api.reference import reference_status
    from appconsol.report.console import console, print_reference_status, to_json

    config, status = reference_status(config_path)
    if fmt == "json":
        echo(to_json(status))
    else:
        print_reference_status(status, config.path, console())


@reference.command("update")
@click.option(
    "--endoflife",
    "checkout",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A local checkout of github.com/endoflife-date/endoflife.date to read lifecycle dates from.",
)
@click.option(
    "--import",
    "import_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your own reference file to check and copy in (with --kind).",
)
@click.option(
    "--kind",
    type=click.Choice(REFERENCE_KINDS),
    help="What --import holds.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default="reference",
    show_default=True,
    help="With --endoflife: the overrides CSV to write (a folder gets lifecycle-overrides.csv); with --import: the folder to copy into.",
)
def reference_update(checkout: Path | None, import_file: Path | None, kind: str | None, output: Path) -> None:
    """Bring lifecycle dates up to date from an endoflife.date checkout, or check and import your own file.

    --endoflife writes the releases whose dates differ from the bundled snapshot (or that it
    lacks) as a lifecycle overrides CSV; set [reference] lifecycle_overrides to it. --import checks
    a taxonomy, product aliases, lifecycle overrides, lists or component aliases file with the
    reader the analyses use, copies it into the output folder and prints the setting to add.
    The bundled files inside the package are never changed.

    Example: appconsol reference update --endoflife ~/src/endoflife.date -o reference/lifecycle.csv
    """
    from appconsol.api.reference import update_reference

    done = update_reference(checkout=checkout, import_file=import_file, kind=kind, output=output)
    if done["action"] == "lifecycle":
        stderr(
            f"Read {done['releases_read']:,} release cycles from {checkout}"
            + (f" ({done['commit']})" if done["commit"] else "")
            + f"; wrote {done['written']:,} that differ from the bundled snapshot to {done['output']}"
        )
    else:
        stderr(f"{import_file} is a valid {kind} file ({done['counts']}); copied to {done['file']}")
    echo(f"Add to appconsol.toml:  {done['setting']}")


COMMANDS = (reference,)
