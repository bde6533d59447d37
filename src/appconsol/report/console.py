"""Console renderers: the rich tables and lines the CLI prints for each command's human format.

Each function takes what the API returned and a rich Console (the CLI's is stdout, 160 wide), so a
test can render into a string. Money is formatted by `money` alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

    from appconsol.api.results import LoadResult, MappingResult, RulesTestResult
    from appconsol.engine.model import Rule
    from appconsol.report.plan.workbook import PlanSummary

WIDTH = 160


def console(file: Any = None) -> Console:
    """A console the renderers print on: `file` (default stdout), 160 columns wide."""
    import sys

    from rich.console import Console

    return Console(file=file if file is not None else sys.stdout, width=WIDTH)


def money(value: float | None) -> str:
    """Pounds, whole, with thousands separators and a leading minus: -£1,234. None is blank."""
    if value is None:
        return ""
    return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"


def table(title: str, columns: list[str], rows: list[list[Any]]) -> Table:
    """A titled table of escaped text cells (None shows blank)."""
    from rich.markup import escape
    from rich.table import Table

    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column, overflow="fold")
    for row in rows:
        out.add_row(*(escape("" if v is None else str(v)) for v in row))
    return out


LOAD_COLUMNS = (
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
)
_COUNTS = {"read", "blank", "loaded", "rejected", "skipped", "warnings"}


def print_load(result: LoadResult, out: Console) -> None:
    """The per-file load summary: rows read, blank, loaded, rejected, and whether they add up."""
    from rich.table import Table

    title = "Load summary (dry run: nothing stored)" if result.dry_run else "Load summary"
    summary = Table(title=title, title_justify="left")
    for column in LOAD_COLUMNS:
        summary.add_column(column, justify="right" if column in _COUNTS else "left")
    for r in result.report.records:
        balanced = r.rows_loaded + r.rows_rejected + r.rows_skipped == r.rows_read
        summary.add_row(
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
    out.print(summary)


def print_mapping(result: MappingResult, out: Console) -> None:
    """Each source column, the field it maps to, the confidence, how, and sample values."""
    from rich.table import Table

    read = result.read
    where = f"sheet '{read.grid.sheet}', " if read.grid.sheet else ""
    profile = read.profile.title if read.profile else "no known export profile"
    shown = Table(
        title=f"{result.inventory}: {where}header row {read.header.row_number}; {profile}",
        title_justify="left",
    )
    for column in ("source column", "field", "confidence", "how", "values", "sample values"):
        shown.add_column(column)
    for m in read.matches:
        shown.add_row(
            m.header,
            (m.field or "(unmapped, kept)") + (" CHECK" if m.doubt else ""),
            f"{m.confidence:.2f}",
            m.method,
            m.evidence,
            "; ".join(result.samples[m.header]),
        )
    out.print(shown)


LOADS_COLUMNS = [
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


def print_loads(frame: pl.DataFrame, db: Path, out: Console) -> None:
    """The files in the store, one row each."""
    from rich.table import Table

    shown = Table(title=f"Loads in {db}", title_justify="left")
    for column in LOADS_COLUMNS:
        shown.add_column(column)
    for row in frame.select(LOADS_COLUMNS).iter_rows():
        shown.add_row(*("" if v is None else str(v) for v in row))
    out.print(shown)


def print_rules(rows: list[dict[str, Any]], out: Console) -> None:
    """The rules table of `rules list`."""
    columns = ["code", "name", "category", "severity", "summary"]
    out.print(table("Rules", columns, [[row[c] for c in columns] for row in rows]))


def rule_text(rule: Rule) -> str:
    """One rule in full, as `rules show` prints it."""
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
    return "\n".join(lines)


def rules_test_lines(result: RulesTestResult) -> list[str]:
    """`ok`, `FAIL` (with the reason) and `ERROR` lines, one per case or broken cases file."""
    lines = []
    for case in result.cases:
        if case.passed:
            lines.append(f"ok    {case.code}  {case.case}")
        else:
            lines.append(f"FAIL  {case.code}  {case.case}\n      {case.detail}")
    lines += [f"ERROR {code}  {error}" for code, error in result.errors]
    return lines


def plan_lines(plan: PlanSummary) -> list[str]:
    """What a written plan holds: sheets, applications, actions, findings, costs and NPV."""
    lines = [
        f"Wrote {plan.path}: {len(plan.sheets)} sheets, {plan.applications:,} applications, "
        f"{plan.actions:,} planned actions, {plan.findings:,} findings ({plan.seconds:.1f} s)",
        f"  one-off cost {money(plan.one_off_cost)}; annual saving {money(plan.annual_saving)}; "
        f"NPV {plan.horizon_short}y {money(plan.npv_short)}, {plan.horizon_long}y {money(plan.npv_long)}",
    ]
    if plan.dispositions:  # needs-assessment is no decision: counted apart from retain
        decided = sorted(
            ((d, n) for d, n in plan.dispositions.items() if d != "needs-assessment"),
            key=lambda x: (-x[1], x[0]),
        )
        lines.append(
            "  dispositions: "
            + (", ".join(f"{d} {n:,}" for d, n in decided) or "none")
            + f"; needs assessment {plan.dispositions.get('needs-assessment', 0):,}"
        )
    if plan.missing:
        lines.append(f"  not in the store (sheets say so): {', '.join(plan.missing)}")
    return lines


def print_reference_status(status: dict[str, Any], config_path: Path | None, out: Console) -> None:
    """The bundled reference data and the user's own reference files."""
    out.print(
        table(
            "Bundled reference data",
            ["data", "source", "snapshot", "version", "counts", "licence"],
            [
                [b["name"], b["source"], b["snapshot"], b["version"], b["counts"], b["licence"]]
                for b in status["bundled"]
            ],
        )
    )
    if status["user"]:
        out.print(
            table(
                f"Your reference files ({config_path})",
                ["setting", "path", "status", "holds"],
                [[u["setting"], u["path"], u["status"], u.get("counts")] for u in status["user"]],
            )
        )
    else:
        out.print(
            "No reference files of your own in use ([reference] in appconsol.toml names none).", markup=False
        )


def to_json(value: Any) -> str:
    """Indented JSON, dates and paths as text."""
    return json.dumps(value, indent=2, default=str)
