"""The command line: parse options, call one library function, render, choose the exit code.

Heavy libraries (polars, duckdb, fastexcel) are imported inside the commands, so that
`appconsol --help` starts instantly.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from appconsol import __version__
from appconsol.errors import AppconsolError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default="appconsol.duckdb",
    show_default=True,
    envvar="APPCONSOL_DB",
    help="DuckDB store file [env: APPCONSOL_DB].",
)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def error_boundary(func: F) -> F:
    """Turn library errors into one line on stderr and exit 2; a traceback only with -v."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AppconsolError as exc:
            if click.get_current_context().find_root().params.get("verbose"):
                raise
            _stderr(f"Error: {exc}")
            sys.exit(EXIT_ERROR)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="appconsol")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors.")
def cli(verbose: bool) -> None:
    """Turn application inventories into a costed consolidation plan.

    Example: appconsol load sample_inventories/ --db estate.duckdb
    """


def _load_options(day_first: bool, as_of: dt.datetime | None, organisation: str | None) -> Any:
    from appconsol.ingest.prepare import LoadOptions

    return LoadOptions(
        organisation=organisation, day_first=day_first, as_of=as_of.date() if as_of else dt.date.today()
    )


def _render_load_report(report: Any, dry_run: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=sys.stdout, width=160)
    title = "Load summary (dry run: nothing stored)" if dry_run else "Load summary"
    table = Table(title=title, title_justify="left")
    for column in (
        "file",
        "sheet",
        "organisation",
        "profile",
        "read",
        "blank",
        "loaded",
        "rejected",
        "skipped",
        "warnings",
        "check",
    ):
        table.add_column(
            column,
            justify="right"
            if column in {"read", "blank", "loaded", "rejected", "skipped", "warnings"}
            else "left",
        )
    for r in report.records:
        balanced = r.rows_loaded + r.rows_rejected + r.rows_skipped == r.rows_read
        table.add_row(
            Path(r.source_file).name,
            r.sheet or "",
            r.organisation,
            r.profile or "",
            str(r.rows_read),
            str(r.rows_blank),
            str(r.rows_loaded),
            str(r.rows_rejected),
            str(r.rows_skipped),
            str(r.warnings),
            "ok" if balanced else "MISMATCH",
        )
    console.print(table)
    for note in report.notes:
        _stderr(f"Note: {note}")
    for failure in report.failures:
        _stderr(f"Error: {failure.error}")


@cli.command()
@click.argument("inventories", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@click.option(
    "--org",
    "organisation",
    help="Organisation the files belong to (else organisations.yaml, a column, or the file name).",
)
@click.option("--partnership", help="Name of a partnership that every organisation loaded here belongs to.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Column mapping file (see `appconsol map --write`).",
)
@click.option(
    "--orgs",
    "orgs_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="organisations.yaml naming each file's organisation and the partnerships.",
)
@click.option("--sheet", help="Sheet to read (default: the sheet that looks most like an inventory).")
@click.option(
    "--header-row", type=click.IntRange(min=1), help="Row number of the header (default: detected)."
)
@click.option("--include-hidden", is_flag=True, help="Consider hidden sheets when choosing one.")
@click.option("--month-first", is_flag=True, help="Read 01/03/2026 as 3 January (default: UK day first).")
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Date for LeanIX lifecycle phases (default today)."
)
@click.option("--dry-run", is_flag=True, help="Run the whole load and report it, storing nothing.")
@error_boundary
def load(
    inventories: tuple[Path, ...],
    db: Path,
    organisation: str | None,
    partnership: str | None,
    mapping: Path | None,
    orgs_file: Path | None,
    sheet: str | None,
    header_row: int | None,
    include_hidden: bool,
    month_first: bool,
    as_of: dt.datetime | None,
    dry_run: bool,
) -> None:
    """Load inventory files (xlsx, xlsm, csv, tsv) or folders of them into the store.

    Every data row is either loaded or stored as rejected with a reason; loading a file again
    replaces its earlier rows. Exit status 2 when any file could not be loaded (the others still are).

    Example: appconsol load sample_inventories/ --db estate.duckdb
    """
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.mapping import read_user_mapping
    from appconsol.ingest.organisations import OrganisationDirectory
    from appconsol.store import open_store

    user_mapping = read_user_mapping(mapping) if mapping else None
    directory = OrganisationDirectory.read(orgs_file) if orgs_file else None
    with open_store(db) as store:
        report = load_inventories(
            inventories,
            store,
            organisation=organisation,
            partnership=partnership,
            mapping=user_mapping,
            directory=directory,
            sheet=sheet,
            header_row=header_row,
            include_hidden=include_hidden,
            options=_load_options(not month_first, as_of, organisation),
            dry_run=dry_run,
            progress=_progress_printer(),
        )
    _render_load_report(report, dry_run)
    if not report.ok:
        sys.exit(EXIT_ERROR)


def _progress_printer() -> Callable[[str], None] | None:
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(f"  {message}", err=True)


@cli.command("map")
@click.argument("inventory", type=click.Path(path_type=Path))
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An existing mapping file to apply first.",
)
@click.option("--sheet", help="Sheet to read.")
@click.option("--header-row", type=click.IntRange(min=1), help="Row number of the header.")
@click.option(
    "--write",
    "write_to",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping as an editable YAML file.",
)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True
)
@error_boundary
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
    import json

    from appconsol.ingest.load import read_inventory
    from appconsol.ingest.mapping import read_user_mapping

    user_mapping = read_user_mapping(mapping) if mapping else None
    inventory_read = read_inventory(
        inventory, sheet=sheet, header_row=header_row, mapping=user_mapping, lenient=True
    )
    samples = inventory_read.samples()
    if write_to:
        write_to.write_text(inventory_read.proposal_yaml(), encoding="utf-8")
        marked = " (decide the lines marked CHECK)" if inventory_read.doubts else ""
        _stderr(f"Wrote {write_to}; edit it{marked} and load with --mapping {write_to}")
    for doubt in inventory_read.doubts:
        _stderr(f"Not sure: {doubt}")
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "file": str(inventory),
                    "sheet": inventory_read.grid.sheet,
                    "header_row": inventory_read.header.row_number,
                    "profile": inventory_read.profile.name if inventory_read.profile else None,
                    "doubts": inventory_read.doubts,
                    "columns": [
                        {
                            "header": m.header,
                            "field": m.field,
                            "confidence": m.confidence,
                            "method": m.method,
                            "evidence": m.evidence,
                            "doubt": m.doubt,
                            "samples": samples[m.header],
                        }
                        for m in inventory_read.matches
                    ],
                },
                indent=2,
            )
        )
        return
    from rich.console import Console
    from rich.table import Table

    where = f"sheet '{inventory_read.grid.sheet}', " if inventory_read.grid.sheet else ""
    profile = inventory_read.profile.title if inventory_read.profile else "no known export profile"
    table = Table(
        title=f"{inventory}: {where}header row {inventory_read.header.row_number}; {profile}",
        title_justify="left",
    )
    for column in ("source column", "field", "confidence", "how", "values", "sample values"):
        table.add_column(column)
    for m in inventory_read.matches:
        table.add_row(
            m.header,
            (m.field or "(unmapped, kept)") + (" CHECK" if m.doubt else ""),
            f"{m.confidence:.2f}",
            m.method,
            m.evidence,
            "; ".join(samples[m.header]),
        )
    Console(file=sys.stdout, width=160).print(table)


@cli.command()
@db_option
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["human", "json", "csv"]), default="human", show_default=True
)
@error_boundary
def loads(db: Path, fmt: str) -> None:
    """List the files loaded into the store, with their row accounting.

    Example: appconsol loads --db estate.duckdb
    """
    from appconsol.store import open_store

    with open_store(db, read_only=True) as store:
        frame = store.loads().drop("mapping")
    if fmt == "json":
        click.echo(frame.write_json())
    elif fmt == "csv":
        click.echo(frame.write_csv(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Loads in {db}", title_justify="left")
        columns = [
            "file_name",
            "source_sheet",
            "organisation",
            "profile",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "warnings",
            "loaded_at",
        ]
        for column in columns:
            table.add_column(column)
        for row in frame.select(columns).iter_rows():
            table.add_row(*("" if v is None else str(v) for v in row))
        Console(file=sys.stdout, width=160).print(table)


@cli.command()
@click.argument("source")
@db_option
@error_boundary
def unload(source: str, db: Path) -> None:
    """Take a loaded file's rows out of the store (by path, file name or load id).

    Example: appconsol unload wessex-county-council-servicenow.csv --db estate.duckdb
    """
    from appconsol.store import open_store

    with open_store(db) as store:
        count = store.unload(source)
    _stderr(f"Removed {count} load(s) of {source}")


@cli.command()
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True
)
def schema(fmt: str) -> None:
    """Print the canonical schema: fields, vocabularies and store tables.

    Example: appconsol schema -f markdown > docs/schema.md
    """
    from appconsol.schema import APPLICATION_FIELDS, TABLES, render_schema_markdown

    if fmt == "json":
        import json

        click.echo(
            json.dumps(
                {
                    "fields": [
                        {
                            "name": f.name,
                            "kind": f.kind.value,
                            "description": f.description,
                            "aliases": list(f.aliases),
                            "vocabulary": {k: list(v) for k, v in f.vocabulary.items()},
                        }
                        for f in APPLICATION_FIELDS
                    ],
                    "tables": [
                        {
                            "name": t.name,
                            "grain": t.grain,
                            "columns": [{"name": c.name, "type": c.sql_type} for c in t.columns],
                        }
                        for t in TABLES
                    ],
                },
                indent=2,
            )
        )
    else:
        click.echo(render_schema_markdown(), nl=False)


# -- the rules engine: check and rules ---------------------------------------------------------

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


def _selectors(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _print_notices(notices: Any) -> None:
    for notice in notices:
        _stderr(f"Warning: {notice}")


def _rule_pack(config_path: Path | None, rules_dirs: tuple[Path, ...], paths: tuple[Path, ...] = ()) -> Any:
    """The config and the rules a `rules` command works on: PATHs alone, else built-ins + rule dirs."""
    from appconsol.config import load_config
    from appconsol.engine.loader import load_rules

    config = load_config(config_path)
    if paths:
        pack = load_rules(list(paths), include_builtin=False)
    else:
        pack = load_rules([*config.rules_dirs, *rules_dirs])
    _print_notices([*config.notices, *pack.notices])
    return config, pack


@cli.command()
@click.argument("inventories", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["human", "json", "csv", "github", "sarif", "junit"]),
    default="human",
    show_default=True,
    envvar="APPCONSOL_FORMAT",
    help="Output format on stdout [env: APPCONSOL_FORMAT].",
)
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
@rules_dir_option
@click.option(
    "--select", multiple=True, help="Run only these rule codes, categories or groups (comma-separated)."
)
@click.option(
    "--ignore", multiple=True, help="Skip these rule codes, categories or groups (comma-separated)."
)
@config_option
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    envvar="APPCONSOL_AS_OF",
    help="Judge the data as of this date (default: config, else today) [env: APPCONSOL_AS_OF].",
)
@click.option("--profile", is_flag=True, help="Print each rule's time on stderr, slowest first.")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Load into this store and keep the findings there (default: a temporary in-memory store).",
)
@click.option("--month-first", is_flag=True, help="Read 01/03/2026 as 3 January (default: UK day first).")
@error_boundary
def check(
    inventories: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str | None,
    baseline: Path | None,
    write_baseline: Path | None,
    rules_dirs: tuple[Path, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config_path: Path | None,
    as_of: dt.datetime | None,
    profile: bool,
    db: Path | None,
    month_first: bool,
) -> None:
    """Check inventory files against the rules, for CI: findings on stdout, exit code by severity.

    Exit status: 0 nothing at or above --fail-on; 1 findings at or above it; 2 could not run
    (usage, config, a rule file, an unreadable inventory, a rule that fails). With --baseline only
    findings not in the baseline count. The summary goes to stderr.

    Example: appconsol check inventories/*.xlsx -f sarif -o appconsol.sarif --baseline baseline.json
    """
    from appconsol.engine.check import check as run_check
    from appconsol.report.findings import render_csv, render_github, render_json, render_profile, summary_line

    result = run_check(
        inventories,
        db=db,
        config=config_path,
        rules_dirs=rules_dirs,
        select=_selectors(select),
        ignore=_selectors(ignore),
        as_of=as_of.date() if as_of else None,
        fail_on=fail_on,
        baseline=baseline,
        write_baseline=write_baseline,
        day_first=not month_first,
        progress=_progress_printer() if fmt == "human" else None,
    )
    _print_notices(result.notices)
    if result.load_report:
        for note in result.load_report.notes:
            _stderr(f"Note: {note}")
    for error in result.errors:
        _stderr(f"Error: {error}")
    if fmt == "sarif":
        from appconsol.report.sarif import render_sarif

        payload = render_sarif(result)
    elif fmt == "junit":
        from appconsol.report.junit import render_junit

        payload = render_junit(result)
    elif fmt == "human":
        from appconsol.report.human import render_human

        payload = render_human(result, color=output is None and sys.stdout.isatty())
    else:
        payload = {"json": render_json, "csv": render_csv, "github": render_github}[fmt](result)
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(payload, encoding="utf-8")
    else:
        click.echo(payload, nl=False)
    if profile:
        _stderr(render_profile(result))
    _stderr(summary_line(result))
    sys.exit(result.exit_code)


@cli.group()
def rules() -> None:
    """List, show, test and validate rules: the built-in pack and your own rule folders.

    Example: appconsol rules test my-rules/
    """


@rules.command("list")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True
)
@rules_dir_option
@config_option
@error_boundary
def rules_list(fmt: str, rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """List the rules: code, name, category, severity (as configured) and summary.

    Example: appconsol rules list -f json --rules-dir my-rules/
    """
    import json

    config, pack = _rule_pack(config_path, rules_dirs)
    rows = []
    for rule in sorted(pack.rules, key=lambda r: r.code):
        override = config.overrides.get(rule.code)
        rows.append(
            {
                "code": rule.code,
                "name": rule.name,
                "category": rule.category,
                "severity": (override.severity if override and override.severity else rule.severity.value),
                "default_severity": rule.severity.value,
                "groups": list(rule.groups),
                "summary": rule.summary,
                "parameters": {p.name: {"type": p.type, "default": p.default} for p in rule.parameters},
                "source": str(rule.path),
                "builtin": rule.builtin,
            }
        )
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Rules", title_justify="left")
    for column in ("code", "name", "category", "severity", "summary"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(row[c])) for c in ("code", "name", "category", "severity", "summary")))
    Console(file=sys.stdout, width=160).print(table)


@rules.command("show")
@click.argument("code")
@rules_dir_option
@config_option
@error_boundary
def rules_show(code: str, rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """Show one rule in full: metadata, parameters, rationale, references and SQL.

    Example: appconsol rules show DQ004
    """
    from appconsol.errors import RuleError

    _config, pack = _rule_pack(config_path, rules_dirs)
    rule = pack.by_code().get(code) or pack.by_code().get(code.upper())
    if rule is None:
        raise RuleError(f"no rule with code '{code}'", hint="`appconsol rules list` shows the codes")
    lines = [
        f"{rule.code}  {rule.name}",
        rule.summary,
        "",
        f"category: {rule.category}    severity: {rule.severity.value}    groups: {', '.join(rule.groups) or '-'}",
        f"identity: {', '.join(rule.identity)}",
        f"source:   {rule.path}",
        "",
        rule.rationale,
    ]
    if rule.parameters:
        lines += ["", "parameters:"]
        lines += [f"  {p.name} ({p.type}, default {p.default!r}): {p.description}" for p in rule.parameters]
    if rule.references:
        lines += ["", "references:", *(f"  - {r}" for r in rule.references)]
    lines += ["", f"message: {rule.message}", "", "sql:", rule.sql.rstrip()]
    click.echo("\n".join(lines))


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_dir_option
@config_option
@error_boundary
def rules_test(paths: tuple[Path, ...], rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """Run the rules' cases files and report each case; exit 1 when a case fails.

    With PATHs, tests only the rule files or folders named; otherwise the built-in pack and the
    configured rule folders. A cases file that is missing or malformed is an error (exit 2),
    reported with its file and line after the other rules have been tested.

    Example: appconsol rules test my-rules/
    """
    from appconsol.engine.cases import run_cases
    from appconsol.errors import RuleError

    _config, pack = _rule_pack(config_path, rules_dirs, paths)
    failed = total = 0
    errors: list[RuleError] = []
    for rule in sorted(pack.rules, key=lambda r: r.code):
        try:
            results = run_cases(rule)
        except RuleError as exc:
            errors.append(exc)
            click.echo(f"ERROR {rule.code}  {exc}")
            continue
        for case in results:
            total += 1
            if case.passed:
                click.echo(f"ok    {rule.code}  {case.case}")
            else:
                failed += 1
                click.echo(f"FAIL  {rule.code}  {case.case}\n      {case}")
    decisions = []
    if not paths:
        # The built-in disposition decision table (rules/cloud/decisions) has cases of its own.
        from appconsol.analyses.decisions import load_decisions, run_decision_cases

        decisions = load_decisions()
        for decision in decisions:
            for case in run_decision_cases(decision, decisions):
                total += 1
                if case.passed:
                    click.echo(f"ok    {decision.code}  {case.case}")
                else:
                    failed += 1
                    click.echo(f"FAIL  {decision.code}  {case.case}\n      {case}")
    for error in errors:
        _stderr(f"Error: {error}")
    counted = f"{len(pack.rules)} rules" + (f", {len(decisions)} decisions" if decisions else "")
    _stderr(f"{total - failed} passed, {failed} failed ({counted})")
    sys.exit(EXIT_ERROR if errors else EXIT_FINDINGS if failed else EXIT_OK)


@rules.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_dir_option
@config_option
@error_boundary
def rules_validate(paths: tuple[Path, ...], rules_dirs: tuple[Path, ...], config_path: Path | None) -> None:
    """Check rule files (and appconsol.toml against them): keys, types, codes, and that the SQL binds.

    Exit 0 when valid (warnings go to stderr), 2 with file:line for each problem.

    Example: appconsol rules validate my-rules/
    """
    config, pack = _rule_pack(config_path, rules_dirs, paths)
    if not paths:
        config.configure(pack)
    _stderr(
        f"{len(pack.rules)} rules valid"
        + (f"; config {config.path} valid" if config.path and not paths else "")
    )


@rules.command("docs")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file.")
@error_boundary
def rules_docs(output: Path | None) -> None:
    """Print the built-in rules' documentation as Markdown (docs/rules.md is this output).

    Example: appconsol rules docs -o docs/rules.md
    """
    from appconsol.engine.docs import render_rules_markdown
    from appconsol.engine.loader import builtin_rules_dir, load_rules
    from appconsol.engine.runner import ENGINE_RULES

    pack = load_rules()
    text = render_rules_markdown(pack.rules, ENGINE_RULES, builtin_rules_dir())
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


# -- analyse, explain and reference data ----------------------------------------------------------

as_of_option = click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    envvar="APPCONSOL_AS_OF",
    help="Judge the data as of this date (default: config, else today) [env: APPCONSOL_AS_OF].",
)


def _gbp(value: Any) -> str:
    if value is None:
        return ""
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape("" if v is None else str(v)) for v in row))
    return table


def _render_analysis(summary: dict[str, Any], db: Path) -> None:
    from rich.console import Console

    console = Console(file=sys.stdout, width=160)
    console.print(
        f"Analysed {db} as of {summary['as_of']}: {summary['applications']:,} applications "
        f"({summary['live']:,} live) in {summary['organisations']:,} organisations; stated annual run cost "
        f"{_gbp(summary.get('stated_annual_cost') or 0)}"
    )
    if "overlap_groups" in summary:
        console.print(
            _table(
                "Overlap groups",
                ["scope", "kind", "groups", "members", "annual cost"],
                [
                    [g["scope"], g["kind"], g["groups"], g["members"], _gbp(g["annual_cost"])]
                    for g in summary["overlap_groups"]
                ],
            )
        )
        console.print(
            _table(
                "Largest overlaps",
                [
                    "group",
                    "kind",
                    "body or partnership",
                    "capability or product",
                    "members",
                    "bodies",
                    "annual cost",
                ],
                [
                    [
                        g["group_id"],
                        g["kind"],
                        g["body"],
                        g["what"],
                        g["members"],
                        g["organisations"],
                        _gbp(g["annual_cost"]),
                    ]
                    for g in summary["largest_overlaps"]
                ],
            )
        )
    if "legacy" in summary:
        console.print(
            f"Legacy risk: {summary['red_rated_count']:,} red-rated; "
            + ", ".join(f"{r['rag']} {r['applications']:,}" for r in summary["legacy"])
        )
        if summary["red_rated"]:
            console.print(
                _table(
                    "Red-rated applications (highest scores)",
                    ["organisation", "application", "score", "worst support status"],
                    [
                        [r["organisation"], r["name"], r["score"], r["worst_support_status"]]
                        for r in summary["red_rated"]
                    ],
                )
            )
    if "dispositions" in summary:
        console.print(
            "Dispositions: "
            + ", ".join(f"{r['disposition']} {r['applications']:,}" for r in summary["dispositions"])
        )
    if "plan" in summary:
        console.print(
            _table(
                "Planned actions",
                ["action", "applications", "one-off cost", "annual saving", "cashable", "NPV 5y", "NPV 10y"],
                [
                    [
                        a["action"],
                        a["applications"],
                        _gbp(a["one_off_cost"]),
                        _gbp(a["annual_saving"]),
                        _gbp(a["annual_cashable_saving"]),
                        _gbp(a["npv_5"]),
                        _gbp(a["npv_10"]),
                    ]
                    for a in summary["actions"]
                ],
            )
        )
        plan = summary["plan"]
        payback = "not within the horizon" if plan["payback_year"] is None else f"year {plan['payback_year']}"
        console.print(
            f"Plan: {plan['migrations']:,} migrations; one-off {_gbp(plan['one_off_cost'])}; annual saving "
            f"{_gbp(plan['annual_saving'])} ({_gbp(plan['annual_cashable_saving'])} cashable); NPV 5y "
            f"{_gbp(plan['npv_5'])}, 10y {_gbp(plan['npv_10'])}; discounted payback {payback}"
        )
        for part in summary["plan_by_purpose"]:
            console.print(
                f"  {part['purpose']}: {part['actions']:,} actions; one-off {_gbp(part['one_off_cost'])}; annual saving "
                f"{_gbp(part['annual_saving'])}; NPV 5y {_gbp(part['npv_5'])}, 10y {_gbp(part['npv_10'])}"
            )
        if summary["waves"]:
            console.print(
                "Waves: " + ", ".join(f"{w['wave_year']}: {w['migrations']:,}" for w in summary["waves"])
            )
    findings = summary["findings"]
    top = ", ".join(f"{r['rule']} {r['findings']:,}" for r in summary["findings_by_rule"][:8])
    console.print(
        f"Findings: {findings['error']:,} error, {findings['warning']:,} warning, {findings['info']:,} info"
        + (f" (most: {top})" if top else "")
    )


@cli.command()
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default="appconsol.duckdb",
    show_default=True,
    envvar="APPCONSOL_DB",
    help="DuckDB store holding loaded inventories [env: APPCONSOL_DB].",
)
@as_of_option
@config_option
@rules_dir_option
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True
)
@click.option("--profile", is_flag=True, help="Print each step's and rule's time on stderr, slowest first.")
@click.option(
    "--duckdb-memory",
    default="1GB",
    show_default=True,
    envvar="APPCONSOL_DUCKDB_MEMORY",
    help="Memory DuckDB may use during the run (it spills to disk beyond it); raise it for very large "
    "stores [env: APPCONSOL_DUCKDB_MEMORY].",
)
@error_boundary
def analyse(
    db: Path,
    as_of: dt.datetime | None,
    config_path: Path | None,
    rules_dirs: tuple[Path, ...],
    fmt: str,
    profile: bool,
    duckdb_memory: str,
) -> None:
    """Run every analysis step and the whole rule pack over a store, and summarise the result.

    The steps rewrite their tables (products, capabilities, lifecycle, legacy scores,
    dispositions, overlap groups, the plan) and the rules rewrite the findings. The summary
    (overlap groups, red-rated applications, dispositions, planned actions, savings, NPV,
    findings by severity) goes to stdout. Exit status 0 when everything ran, 2 when a step or a
    rule failed (findings never fail `analyse`; use `check` to gate on them).

    Example: appconsol analyse --db estate.duckdb --as-of 2026-11-25
    """
    import json

    from appconsol.engine.analyse import analyse as run_analysis

    result = run_analysis(
        db,
        as_of=as_of.date() if as_of else None,
        config=config_path,
        rules_dirs=rules_dirs,
        progress=_progress_printer() if fmt == "human" else None,
        memory_limit=duckdb_memory,
    )
    _print_notices(result.notices)
    for error in result.errors:
        _stderr(f"Error: {error}")
    if fmt == "json":
        payload = {**result.summary, "errors": result.errors, "exit_code": result.exit_code}
        click.echo(json.dumps(payload, indent=2, default=str))
    else:
        _render_analysis(result.summary, db)
    if profile:
        from typing import cast

        from appconsol.report.findings import render_profile

        _stderr(render_profile(cast(Any, result)))  # it reads only result.run.timings
    steps = sum(s["seconds"] for s in result.summary["steps"])
    _stderr(
        f"appconsol analyse: {len(result.summary['steps'])} steps ({steps:.1f} s), "
        f"{len(result.run.rules)} rules, {result.run.frame.height:,} finding(s); exit {result.exit_code}"
    )
    sys.exit(result.exit_code)


def _render_explanation(explanation: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(file=sys.stdout, width=160)
    s = explanation.sections
    app = s["application"]
    console.print(
        f"[bold]{escape(explanation.name)}[/bold]  {escape(explanation.organisation)} | {escape(explanation.app_id)}"
    )
    where = f"{app.get('source_file')}" + (
        f", sheet '{app['source_sheet']}'" if app.get("source_sheet") else ""
    )
    console.print(f"From {escape(where)}, row {app.get('source_row')} (load {app.get('load_id')})")
    shown = {k: v for k, v in app.items() if v is not None and k not in ("organisation", "app_id", "name")}
    console.print(_table("Inventory row", ["field", "value"], [[k, v] for k, v in shown.items()]))
    if s.get("capabilities"):
        rows = [
            [c.get("capability"), c.get("code"), c.get("name"), c.get("confidence"), c.get("method")]
            for c in s["capabilities"]
        ]
        console.print(
            _table("Capabilities", ["as written", "code", "taxonomy name", "confidence", "how"], rows)
        )
    if s.get("product"):
        p = s["product"]
        console.print(
            f"Product: {p['product_label']} ({p['product_key']}, vendor {p['vendor_key']}; {p['product_method']} {p['product_confidence']})"
        )
    if s.get("components"):
        columns = list(s["components"][0])
        console.print(_table("Components", columns, [[c[k] for k in columns] for c in s["components"]]))
    if s.get("legacy"):
        legacy = s["legacy"]
        console.print(
            f"Legacy risk: score {legacy.get('score')} ({legacy.get('rag')}; likelihood {legacy.get('likelihood')}, "
            f"impact {legacy.get('impact')}{', red-rated' if legacy.get('red_rated') else ''}); "
            f"earliest end of support {legacy.get('earliest_eol')}"
        )
        console.print(f"  evidence: {escape(str(legacy.get('evidence')))}")
    if s.get("disposition"):
        d = s["disposition"]
        console.print(
            f"Disposition: {d['disposition']} (TIME {d['time_category']}) by {d['decided_by']}: {escape(str(d['reason']))}"
        )
        if d.get("constraints"):
            console.print(f"  constraints: {escape(str(d['constraints']))}")
    for group in (s.get("overlap") or {}).get("groups", []):
        what = group.get("product_label") or group.get("capability_name")
        body = group.get("organisation") or group.get("partnership")
        rows = [
            [m["organisation"], m["name"], m["role"], m["product_label"], m["action"], m["target_name"]]
            for m in group["members_list"]
        ]
        console.print(
            _table(
                f"Overlap group {group['group_id']}: {group['kind']} '{what}' in {body}",
                ["organisation", "application", "role", "product", "planned action", "onto"],
                rows,
            )
        )
    plan = s.get("plan")
    if plan and plan.get("action"):
        a = plan["action"]
        console.print(f"[bold]Plan: {escape(a['reason'])}[/bold]")
        console.print(
            f"  wave {a['wave_year']}; earliest {a['earliest_date']}, latest {a['latest_date']}, exit {a['exit_date']}; "
            f"one-off {_gbp(a['one_off_cost'])}; annual saving {_gbp(a['annual_saving'])} "
            f"({_gbp(a['annual_cashable_saving'])} cashable) from year {a['saving_start_year']}; "
            f"NPV 5y {_gbp(a['npv_5'])}, 10y {_gbp(a['npv_10'])}; payback year {a['payback_year']}"
        )
        if a.get("timing_notes"):
            console.print(f"  timing: {escape('; '.join(a['timing_notes']))}")
        console.print(f"  why: {escape(json.dumps(a['why'], default=str))}")
        for share in plan.get("partner_shares", []):
            console.print(f"  {share['organisation']}: {share['share']:.0%} of costs and savings")
    if plan and plan.get("moving_onto_it"):
        names = ", ".join(f"{m['app_name']} ({m['organisation']})" for m in plan["moving_onto_it"])
        console.print(f"Moving onto it: {escape(names)}")
    findings = s.get("findings") or []
    if findings:
        console.print(
            _table(
                "Findings",
                ["rule", "severity", "message", "evidence"],
                [
                    [f["rule_code"], f["severity"], f["message"], json.dumps(f["evidence"], default=str)]
                    for f in findings
                ],
            )
        )


@cli.command()
@click.argument("app")
@click.option("--org", "organisation", help="Organisation of the application, when the name is not unique.")
@db_option
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True
)
@error_boundary
def explain(app: str, organisation: str | None, db: Path, fmt: str) -> None:
    """Show everything known about one application: row, components, scores, overlap, plan, findings.

    APP is an app_id or a name (case-insensitive). When several applications match, they are
    listed and the exit status is 2; narrow with --org or give the app_id. Run `appconsol analyse`
    first so the scores, overlap groups and plan are there.

    Example: appconsol explain "Idox Uniform" --org "Avonvale District Council" --db estate.duckdb
    """
    from appconsol.analyses.explain import explain as explain_app

    explanation = explain_app(db, app, organisation=organisation)
    if fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), indent=2, default=str))
    else:
        _render_explanation(explanation)


@cli.group()
def reference() -> None:
    """Show the reference data in use (lifecycle dates, taxonomy, aliases, lists) and update it.

    Example: appconsol reference show
    """


@reference.command("show")
@config_option
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["human", "json"]), default="human", show_default=True
)
@error_boundary
def reference_show(config_path: Path | None, fmt: str) -> None:
    """Show the bundled reference data (snapshot dates, sources, counts) and your own files in use.

    Your files are the paths under [reference] in appconsol.toml; each is read with the reader the
    analyses use, so a broken one shows here as an error.

    Example: appconsol reference show --config appconsol.toml
    """
    from appconsol.config import load_config
    from appconsol.reference.status import reference_status

    config = load_config(config_path)
    base = config.path.parent if config.path else None
    status = reference_status(config.analyses.get("reference", {}), base)
    if fmt == "json":
        click.echo(json.dumps(status, indent=2, default=str))
        return
    from rich.console import Console

    console = Console(file=sys.stdout, width=160)
    console.print(
        _table(
            "Bundled reference data",
            ["data", "source", "snapshot", "version", "counts", "licence"],
            [
                [b["name"], b["source"], b["snapshot"], b["version"], b["counts"], b["licence"]]
                for b in status["bundled"]
            ],
        )
    )
    if status["user"]:
        console.print(
            _table(
                f"Your reference files ({config.path})",
                ["setting", "path", "status", "holds"],
                [[u["setting"], u["path"], u["status"], u.get("counts")] for u in status["user"]],
            )
        )
    else:
        console.print(
            "No reference files of your own in use ([reference] in appconsol.toml names none).", markup=False
        )


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
    type=click.Choice(["taxonomy", "products", "lifecycle", "lists", "components"]),
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
@error_boundary
def reference_update(checkout: Path | None, import_file: Path | None, kind: str | None, output: Path) -> None:
    """Bring lifecycle dates up to date from an endoflife.date checkout, or check and import your own file.

    --endoflife writes the releases whose dates differ from the bundled snapshot (or that it
    lacks) as a lifecycle overrides CSV; set [reference] lifecycle_overrides to it. --import checks
    a taxonomy, product aliases, lifecycle overrides, lists or component aliases file with the
    reader the analyses use, copies it into the output folder and prints the setting to add.
    The bundled files inside the package are never changed.

    Example: appconsol reference update --endoflife ~/src/endoflife.date -o reference/lifecycle.csv
    """
    from appconsol.errors import ConfigError
    from appconsol.reference.status import import_reference, lifecycle_update

    if (checkout is None) == (import_file is None):
        raise ConfigError("give either --endoflife CHECKOUT or --import FILE --kind KIND")
    if checkout is not None:
        target = output / "lifecycle-overrides.csv" if output.suffix.lower() != ".csv" else output
        done = lifecycle_update(checkout, target)
        _stderr(
            f"Read {done['releases_read']:,} release cycles from {checkout}"
            + (f" ({done['commit']})" if done["commit"] else "")
            + f"; wrote {done['written']:,} that differ from the bundled snapshot to {done['output']}"
        )
    else:
        if kind is None:
            raise ConfigError("--import needs --kind (taxonomy, products, lifecycle, lists or components)")
        assert import_file is not None
        done = import_reference(import_file, kind, output)
        _stderr(f"{import_file} is a valid {kind} file ({done['counts']}); copied to {done['file']}")
    click.echo(f"Add to appconsol.toml:  {done['setting']}")


# -- the plan: run (load, analyse, write) and report (write from a store) --------------------------


def _money(value: float) -> str:
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def _plan_lines(plan: Any) -> list[str]:
    lines = [
        f"Wrote {plan.path}: {len(plan.sheets)} sheets, {plan.applications:,} applications, "
        f"{plan.actions:,} planned actions, {plan.findings:,} findings ({plan.seconds:.1f} s)",
        f"  one-off cost {_money(plan.one_off_cost)}; annual saving {_money(plan.annual_saving)}; "
        f"NPV {plan.horizon_short}y {_money(plan.npv_short)}, {plan.horizon_long}y {_money(plan.npv_long)}",
    ]
    if plan.missing:
        lines.append(f"  not in the store (sheets say so): {', '.join(plan.missing)}")
    return lines


@cli.command()
@click.argument("inventories", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="appconsol-output/plan.xlsx",
    show_default=True,
    help="Plan workbook to write (replaced whole, or left as it was if writing fails).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default="appconsol-output/appconsol.duckdb",
    show_default=True,
    envvar="APPCONSOL_DB",
    help="DuckDB store to load into and keep [env: APPCONSOL_DB].",
)
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    envvar="APPCONSOL_AS_OF",
    help="Judge the data as of this date (default: config, else today) [env: APPCONSOL_AS_OF].",
)
@config_option
@click.option("--month-first", is_flag=True, help="Read 01/03/2026 as 3 January (default: UK day first).")
@error_boundary
def run(
    inventories: tuple[Path, ...],
    output: Path,
    db: Path,
    as_of: dt.datetime | None,
    config_path: Path | None,
    month_first: bool,
) -> None:
    """Load inventories (default: ./sample_inventories), analyse them and write the consolidation plan.

    Progress and a short summary go to stderr. Exit status 2 when a file could not be loaded or a
    step or rule failed (the plan is still written from what ran); findings do not fail `run`.

    Example: appconsol run inventories/ -o plan.xlsx --as-of 2026-11-25
    """
    from appconsol.pipeline import run_plan

    progress = _progress_printer()
    outcome = run_plan(
        inventories,
        db=db,
        output=output,
        config=config_path,
        as_of=as_of.date() if as_of else None,
        day_first=not month_first,
        progress=progress,
    )
    report = outcome.load_report
    if report is not None:
        loaded = sum(r.rows_loaded for r in report.records)
        rejected = sum(r.rows_rejected for r in report.records)
        _stderr(
            f"Loaded {len(report.records)} file(s): {loaded:,} rows loaded, {rejected:,} rejected (store {db})"
        )
        for note in report.notes:
            _stderr(f"Note: {note}")
    for notice in outcome.notices:
        _stderr(f"Warning: {notice}")
    for error in outcome.errors:
        _stderr(f"Error: {error}")
    if outcome.plan is not None:
        for line in _plan_lines(outcome.plan):
            _stderr(line)
    sys.exit(outcome.exit_code)


@cli.command()
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
    type=click.Choice(["xlsx", "csv", "parquet", "json"]),
    default="xlsx",
    show_default=True,
    help="xlsx: the plan workbook; csv/parquet/json: the plan tables for BI tools (CSV cells escaped "
    "against formula injection).",
)
@config_option
@error_boundary
def report(db: Path, output: Path, fmt: str, config_path: Path | None) -> None:
    """Write the consolidation plan from an existing store, as a workbook or as table files.

    Example: appconsol report --db estate.duckdb -o plan.xlsx
    """
    from appconsol.pipeline import report_plan

    result = report_plan(db, output, fmt=fmt, config=config_path, progress=_progress_printer())
    if fmt == "xlsx":
        for line in _plan_lines(result):
            _stderr(line)
    else:
        _stderr(f"Wrote {len(result)} {fmt} file(s) to {output}: {', '.join(p.name for p in result)}")


def main() -> None:
    cli(prog_name="appconsol")
