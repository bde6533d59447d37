"""The command line: parse options, call ONE API function, render with a report/ renderer, exit.

One module per command family; the group below is the one error boundary (cli/common.py);
shared options live in cli/options.py. Heavy libraries are imported inside the commands, so
`appconsol --help` starts instantly.
"""

from __future__ import annotations

import click

from appconsol.cli.common import AppconsolGroup
from appconsol.version import __version__


@click.group(cls=AppconsolGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="appconsol")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
def cli(verbose: bool) -> None:
    """Turn application inventories into a costed consolidation plan.

    Example: appconsol load sample_inventories/ --db estate.duckdb
    """


def _register() -> None:
    from appconsol.cli import analyse, check, inventory, plan, reference, rules

    for module in (inventory, check, rules, analyse, reference, plan):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """The `appconsol` console script."""
    cli(prog_name="appconsol")


__all__ = ["cli", "main"]
