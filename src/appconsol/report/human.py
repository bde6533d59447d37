"""The human check report: one table per file, findings ordered by severity then row.

Up to RICH_LIMIT findings are drawn as rich tables (wrapped messages, colour on a terminal).
Above that the same columns are written as plain aligned text: rich takes close to a minute to
lay out 70,000 rows, and nobody reads that many in a table anyway.
"""

from __future__ import annotations

import io
from itertools import groupby
from typing import TYPE_CHECKING

from appconsol.report.findings import relative_path, sorted_findings, status

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult
    from appconsol.engine.model import Finding

RICH_LIMIT = 2000
COLUMNS = ("row", "severity", "rule", "organisation", "app", "message", "status")
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _cells(f: Finding) -> list[str]:
    return [
        "" if f.source_row is None else str(f.source_row),
        f.severity,
        f.rule,
        f.organisation or "",
        f.app_id or "",
        f.message,
        "" if status(f) == "open" else status(f),
    ]


def render_human(result: CheckResult, *, width: int = 160, color: bool = False) -> str:
    """`check -f human`: a table of findings (coloured on a terminal), grouped by file."""
    findings = sorted_findings(result)
    out = io.StringIO()
    if not findings:
        out.write("No findings.\n")
    elif len(findings) > RICH_LIMIT:
        _plain(findings, out)
    else:
        _rich(findings, out, width, color)
    if result.fixed:
        out.write(f"Fixed since the baseline ({len(result.fixed)}):\n")
        out.writelines(f"  {entry['key']}: {entry.get('message', '')}\n" for entry in result.fixed)
    return out.getvalue()


def _rich(findings: list[Finding], out: io.StringIO, width: int, color: bool) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out, width=width, force_terminal=color, no_color=not color, highlight=False)
    for file, group in groupby(findings, key=lambda f: f.source_file or ""):
        table = Table(title=escape(relative_path(file) or "(no file)"), title_justify="left", expand=False)
        for column in COLUMNS:
            table.add_column(column, justify="right" if column == "row" else "left", overflow="fold")
        for f in group:
            cells = [escape(cell) for cell in _cells(f)]
            cells[1] = f"[{_STYLE[f.severity]}]{cells[1]}[/]"
            table.add_row(*cells)
        console.print(table)


def _plain(findings: list[Finding], out: io.StringIO) -> None:
    for file, group in groupby(findings, key=lambda f: f.source_file or ""):
        rows = [_cells(f) for f in group]
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS[:-2])]
        out.write(f"{relative_path(file) or '(no file)'} ({len(rows)} findings)\n")
        for cells in [list(COLUMNS), *rows]:
            fixed = [
                cell.rjust(widths[i]) if i == 0 else cell.ljust(widths[i])
                for i, cell in enumerate(cells[:-2])
            ]
            tail = cells[-2] + (f"  [{cells[-1]}]" if cells[-1] and cells[-1] != "status" else "")
            out.write("  ".join([*fixed, tail]).rstrip() + "\n")
        out.write("\n")
