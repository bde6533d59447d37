"""The human check report: one table per file, findings ordered by severity then row."""

from __future__ import annotations

import io
from itertools import groupby
from typing import TYPE_CHECKING

from appconsol.report.findings import relative_path, sorted_findings, status

if TYPE_CHECKING:
    from appconsol.engine.check import CheckResult

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def render_human(result: CheckResult, *, width: int = 160, color: bool = False) -> str:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=color, no_color=not color, highlight=False)
    findings = sorted_findings(result)
    if not findings:
        console.print("No findings.")
    for file, group in groupby(findings, key=lambda f: f.source_file or ""):
        table = Table(title=escape(relative_path(file) or "(no file)"), title_justify="left", expand=False)
        for column in ("row", "severity", "rule", "organisation", "app", "message", "status"):
            table.add_column(column, justify="right" if column == "row" else "left", overflow="fold")
        for f in group:
            table.add_row(
                "" if f.source_row is None else str(f.source_row),
                f"[{_STYLE[f.severity]}]{f.severity}[/]",
                f.rule,
                escape(f.organisation or ""),
                escape(f.app_id or ""),
                escape(f.message),
                "" if status(f) == "open" else status(f),
            )
        console.print(table)
    if result.fixed:
        console.print(f"Fixed since the baseline ({len(result.fixed)}):")
        for entry in result.fixed:
            console.print(f"  {entry['key']}: {entry.get('message', '')}", markup=False)
    return out.getvalue()
