"""`rules`: list, show, test (one library harness) and validate rules; print their docs."""

from __future__ import annotations

from pathlib import Path

import click

from appconsol.cli.common import echo, finish, say_all, stderr
from appconsol.cli.options import config_option, format_option, rules_dir_option


@click.group()
def rules() -> None:
    """List, show, test and validate rules: the built-in pack and your own rule folders.

    Example: appconsol rules test my-rules/
    """


@rules.command("list")
@format_option("human", "json")
@rules_dir_option
@config_option
def rules_list(fmt: str, rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """List the rules: code, name, category, severity (as configured) and summary.

    Example: appconsol rules list -f json --rules-dir my-rules/
    """
    from appconsol.api.rules import list_rules, rule_pack
    from appconsol.report.console import console, print_rules, to_json

    config, pack = rule_pack(config_path, rules_dirs)
    say_all("Warning", [*config.notices, *pack.notices])
    rows = list_rules(config, pack)
    if fmt == "json":
        echo(to_json(rows))
    else:
        print_rules(rows, console())


@rules.command("show")
@click.argument("code")
@rules_dir_option
@config_option
def rules_show(code: str, rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """Show one rule in full: metadata, parameters, rationale, references and SQL.

    Example: appconsol rules show DQ004
    """
    from appconsol.api.rules import find_rule, rule_pack
    from appconsol.report.console import rule_text

    config, pack = rule_pack(config_path, rules_dirs)
    say_all("Warning", [*config.notices, *pack.notices])
    echo(rule_text(find_rule(pack, code)))


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_dir_option
@config_option
def rules_test(paths: tuple[Path, ...], rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """Run the rules' cases files and report each case; exit 1 when a case fails.

    With PATHs, tests only the rule files or folders named; otherwise the built-in pack (and its
    decision tables) and the configured rule folders. A cases file that is missing or malformed is
    an error (exit 2), reported with its file and line after the other rules have been tested.

    Example: appconsol rules test my-rules/
    """
    from appconsol.api.rules import test_rules
    from appconsol.report.console import rules_test_lines

    result = test_rules(paths, rules_dirs=rules_dirs, config=config_path)
    say_all("Warning", [*result.config.notices, *result.pack.notices])
    for line in rules_test_lines(result):
        echo(line)
    say_all("Error", [error for _code, error in result.errors])
    stderr(result.summary())
    finish(result.exit_code)


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_dir_option
@config_option
def rules_validate(paths: tuple[Path, ...], rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """Check rule files (and appconsol.toml against them): keys, types, codes, and that the SQL binds.

    Exit 0 when valid (warnings go to stderr), 2 with file:line for each problem.

    Example: appconsol rules validate my-rules/
    """
    from appconsol.api.rules import validate_rules

    config, pack = validate_rules(paths, rules_dirs=rules_dirs, config=config_path)
    say_all("Warning", [*config.notices, *pack.notices])
    stderr(
        f"{len(pack.rules)} rules valid"
        + (f"; config {config.path} valid" if config.path and not paths else "")
    )


@rules.command("docs")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
def rules_docs(output: Path | None) -> None:
    """Print the built-in rules' documentation as Markdown (docs/rules.md is this output).

    Example: appconsol rules docs -o docs/rules.md
    """
    from appconsol.docgen.rules import render_rules_docs

    text = render_rules_docs()
    if output:
        from appconsol.store.artefact import write_text

        write_text(output, text)
    else:
        echo(text, nl=False)


COMMANDS = (rules,)
