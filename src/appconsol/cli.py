"""The command line: parse options, call one library function, render, choose the exit code.

Heavy libraries (polars, duckdb, fastexcel) are imported inside the commands, so that
`appconsol --help` starts instantly.
"""

from __future__ import annotations

import datetime as dt
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
        "warnings",
        "check",
    ):
        table.add_column(
            column,
            justify="right" if column in {"read", "blank", "loaded", "rejected", "warnings"} else "left",
        )
    for r in report.records:
        balanced = r.rows_loaded + r.rows_rejected == r.rows_read
        table.add_row(
            Path(r.source_file).name,
            r.sheet or "",
            r.organisation,
            r.profile or "",
            str(r.rows_read),
            str(r.rows_blank),
            str(r.rows_loaded),
            str(r.rows_rejected),
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
    from appconsol.ingest.mapping import read_user_mapping, render_mapping_yaml

    user_mapping = read_user_mapping(mapping) if mapping else None
    inventory_read = read_inventory(inventory, sheet=sheet, header_row=header_row, mapping=user_mapping)
    body = inventory_read.grid.frame.slice(inventory_read.header.index + 1, 200)
    samples: dict[str, list[str]] = {}
    for i, match in enumerate(inventory_read.matches):
        values = [
            v for v in body.get_column(f"c{i}").drop_nulls().unique(maintain_order=True).head(3).to_list()
        ]
        samples[match.header] = [str(v).replace("\n", " ")[:30] for v in values]
    if write_to:
        write_to.write_text(
            render_mapping_yaml(inventory_read.matches, samples, inventory_read.profile), encoding="utf-8"
        )
        _stderr(f"Wrote {write_to}; edit it and load with --mapping {write_to}")
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "file": str(inventory),
                    "sheet": inventory_read.grid.sheet,
                    "header_row": inventory_read.header.row_number,
                    "profile": inventory_read.profile.name if inventory_read.profile else None,
                    "columns": [
                        {
                            "header": m.header,
                            "field": m.field,
                            "confidence": m.confidence,
                            "method": m.method,
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
    for column in ("source column", "field", "confidence", "how", "sample values"):
        table.add_column(column)
    for m in inventory_read.matches:
        table.add_row(
            m.header,
            m.field or "(unmapped, kept)",
            f"{m.confidence:.2f}",
            m.method,
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


@cli.command()
@click.argument("inventories", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default="appconsol-output/appconsol.duckdb",
    show_default=True,
    envvar="APPCONSOL_DB",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default="appconsol-output/load-report.xlsx",
    show_default=True,
    help="Workbook to write.",
)
@error_boundary
def run(inventories: tuple[Path, ...], db: Path, output: Path) -> None:
    """Load inventories (default: ./sample_inventories) and write a workbook of what was stored.

    Until the consolidation plan lands (issue 5) the workbook holds the load summary, the
    applications, the rejected rows and the load warnings.

    Example: appconsol run sample_inventories/ -o appconsol-output/load-report.xlsx
    """
    from appconsol.errors import InputFileError
    from appconsol.ingest.load import load_inventories
    from appconsol.report.load_report import write_load_report
    from appconsol.store import open_store

    if not inventories:
        default = Path("sample_inventories")
        if not default.is_dir():
            raise InputFileError(
                "no inventories given and no ./sample_inventories folder here", hint="name the files to load"
            )
        inventories = (default,)
    db.parent.mkdir(parents=True, exist_ok=True)
    with open_store(db) as store:
        report = load_inventories(
            inventories, store, options=_load_options(True, None, None), progress=_progress_printer()
        )
        _render_load_report(report, dry_run=False)
        write_load_report(store, output)
    _stderr(f"Wrote {output} and the store {db}")
    if not report.ok:
        sys.exit(EXIT_ERROR)


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
    for error in errors:
        _stderr(f"Error: {error}")
    _stderr(f"{total - failed} passed, {failed} failed ({len(pack.rules)} rules)")
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


def main() -> None:
    cli(prog_name="appconsol")
