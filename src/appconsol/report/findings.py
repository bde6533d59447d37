"""Check results as text: JSON, CSV, GitHub workflow annotations, the stderr summary and profile.

SARIF and JUnit have their own modules; the human table is in `report/human.py`. Every renderer
takes a `CheckResult` and returns the payload as a string; the CLI prints it to stdout.
JSON output is documented in docs/ci.md and carries `schema_version`.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from appconsol.errors import AppconsolError, Location
from appconsol.version import __version__

if TYPE_CHECKING:
    import polars as pl

    from appconsol.api.results import CheckResult
    from appconsol.engine.model import Finding
    from appconsol.engine.runner import RunResult

JSON_SCHEMA_VERSION = 1
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def status(finding: Finding) -> str:
    """waived, unchanged (in the baseline), new (not in it) or open (no baseline given)."""
    if finding.waived:
        return "waived"
    return finding.baseline or "open"


def relative_path(path: str | None) -> str | None:
    """A path as given if relative, else relative to the working directory when it is inside it."""
    if not path:
        return path
    # Every finding of a file carries the same path: resolve it once per working directory, not
    # once per finding (a syscall per path part, seconds at 100k findings).
    return _relative_to(path, os.getcwd())


@functools.lru_cache(maxsize=1024)
def _relative_to(path: str, cwd: str) -> str:
    candidate = Path(path)
    if not candidate.is_absolute():
        return candidate.as_posix()
    try:
        return candidate.resolve().relative_to(Path(cwd).resolve()).as_posix()
    except ValueError:
        return candidate.as_posix()


def artifact_uri(path: str | None) -> str:
    """A relative path as a URI for SARIF and JUnit (percent-encoded, forward slashes)."""
    relative = relative_path(path) or "unknown"
    if Path(relative).is_absolute():
        return Path(relative).as_uri()
    return quote(relative, safe="/")


def sorted_findings(result: CheckResult) -> list[Finding]:
    """The findings in report order: severity, then file, row and rule."""
    return sorted(
        result.run.findings,
        key=lambda f: (f.source_file or "", SEVERITY_ORDER[f.severity], f.source_row or 0, f.rule, f.key),
    )


def shown(result: CheckResult, finding: Finding) -> bool:
    """Whether an annotation-like output (github, sarif, gitlab, concise) shows this finding.

    `--annotate-from warning` leaves info findings out so they do not crowd the platform's
    limits; a finding that counts towards the exit code is always shown, whatever its severity.
    """
    from appconsol.engine.model import reaches

    if reaches(finding.severity, result.annotate_from):
        return True
    return finding.counts and reaches(finding.severity, result.fail_on)


@dataclass(frozen=True)
class Problem:
    """Something that could not run, with the file and line to annotate (when known)."""

    message: str
    file: str | None = None
    line: int | None = None


def problems(result: CheckResult) -> list[Problem]:
    """Setup errors, files that did not load and rules that failed, each with its place."""

    def text(error: AppconsolError) -> str:
        return f"{error.message}. {error.hint}" if error.hint else error.message

    located: list[tuple[str, Location | None]] = [(text(e), e.location) for e in result.setup_errors]
    if result.load_report:
        located += [
            (text(f.error), f.error.location or Location(file=f.path)) for f in result.load_report.failures
        ]
    located += [(f"{f.kind} {f.code} failed: {f.message}", f.location) for f in result.run.failures]
    found = []
    for message, where in located:
        file = relative_path(str(where.file)) if where and where.file is not None else None
        line = (where.line or where.row) if where else None
        found.append(Problem(message, file, line))
    return found


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as the JSON output's object."""
    return {
        "key": finding.key,
        "rule": finding.rule,
        "rule_name": finding.rule_name,
        "category": finding.category,
        "severity": finding.severity,
        "message": finding.message,
        "organisation": finding.organisation,
        "app_id": finding.app_id,
        "application": finding.application,
        "location": {
            "file": relative_path(finding.source_file),
            "sheet": finding.source_sheet,
            "row": finding.source_row,
            "line": finding.line,
        },
        "evidence": finding.evidence,
        "status": status(finding),
        "waiver_reason": finding.waiver_reason,
    }


def status_expr(frame: pl.DataFrame) -> pl.Expr:
    """`status` as a polars expression over a findings frame (with or without a baseline column)."""
    import polars as pl

    baseline = pl.col("baseline") if "baseline" in frame.columns else pl.lit(None, pl.String)
    return (
        pl.when(pl.col("waived").fill_null(False))
        .then(pl.lit("waived"))
        .when(baseline.fill_null("") == "")
        .then(pl.lit("open"))
        .otherwise(baseline)
    )


def summary_counts(result: CheckResult) -> dict[str, Any]:
    """Counts for the summary: findings by severity, counting, waived, baseline and errors."""
    import polars as pl

    # Counted on the findings frame, not on a `Finding` each (tens of thousands at 100k apps).
    frame = result.run.frame
    by_severity: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    if frame.height:
        tallied = frame.select(pl.col("severity"), status_expr(frame).alias("status"))
        by_severity.update(
            dict(tallied.filter(pl.col("status") != "waived")["severity"].value_counts().rows())
        )
        statuses.update(dict(tallied["status"].value_counts().rows()))
    compared = result.baseline_path is not None
    return {
        "findings": frame.height,
        "counting": result.counting,
        "by_severity": {s: by_severity.get(s, 0) for s in SEVERITY_ORDER},
        "waived": statuses.get("waived", 0),
        "new": statuses.get("new", 0) if compared else None,
        "unchanged": statuses.get("unchanged", 0) if compared else None,
        "fixed": len(result.fixed) if compared else None,
        "errors": len(result.errors),
    }


def render_json(result: CheckResult) -> str:
    """`check -f json`: the findings, the summary and what could not run."""
    timings = {t.code: t for t in result.run.timings if t.kind == "rule"}
    document = {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": {"name": "appconsol", "version": __version__},
        "as_of": result.run.as_of.isoformat(),
        "fail_on": result.fail_on,
        "exit_code": result.exit_code,
        "summary": summary_counts(result),
        "findings": [finding_dict(f) for f in sorted_findings(result)],
        "fixed": result.fixed,
        "errors": result.errors,
        "rules": [
            {
                "code": c.code,
                "name": c.rule.name,
                "category": c.rule.category,
                "severity": c.severity.value,
                "status": timings[c.code].status if c.code in timings else "not run",
                "findings": timings[c.code].findings if c.code in timings else None,
                **(
                    {"seconds": round(timings[c.code].seconds, 4) if c.code in timings else None}
                    if result.profile
                    else {}
                ),
            }
            for c in result.rules
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


CSV_COLUMNS = (
    "key",
    "rule",
    "severity",
    "category",
    "organisation",
    "app_id",
    "application",
    "file",
    "sheet",
    "row",
    "message",
    "status",
    "evidence",
)


def render_csv(result: CheckResult) -> str:
    """`check -f csv`: one row per finding, cells escaped against formula injection."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in sorted_findings(result):
        writer.writerow(
            [
                f.key,
                f.rule,
                f.severity,
                f.category,
                f.organisation or "",
                f.app_id or "",
                f.application or "",
                relative_path(f.source_file) or "",
                f.source_sheet or "",
                "" if f.source_row is None else f.source_row,
                f.message,
                status(f),
                json.dumps(f.evidence, ensure_ascii=False, default=str),
            ]
        )
    return out.getvalue()


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one annotation per finding that is not waived or baselined."""
    lines = []
    for f in sorted_findings(result):
        if status(f) in ("waived", "unchanged") or not shown(result, f):
            continue
        properties = []
        if f.source_file:
            properties.append(f"file={_escape_property(relative_path(f.source_file) or '')}")
            if f.line is not None:
                properties.append(f"line={f.line}")
        properties.append(f"title={_escape_property(f'{f.rule} {f.rule_name}')}")
        about = f"{f.organisation} / {f.app_id}" if f.app_id else ""
        if f.line != f.source_row and f"row {f.source_row}" not in f.message:
            about = ", ".join(filter(None, [about, f"row {f.source_row}"]))  # the record, off its line
        where = f" ({about})" if about else ""
        lines.append(
            f"::{_GITHUB_LEVEL[f.severity]} {','.join(properties)}::{_escape_data(f.message + where)}"
        )
    for problem in problems(result):
        properties = []
        if problem.file:
            properties.append(f"file={_escape_property(problem.file)}")
            properties.append(f"line={problem.line or 1}")
        properties.append("title=appconsol could not run")
        lines.append(f"::error {','.join(properties)}::{_escape_data(problem.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(result: CheckResult) -> str:
    """The one-line summary `check` prints on stderr."""
    counts = summary_counts(result)
    severities = ", ".join(
        f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts["by_severity"].items() if n
    )
    parts = [f"{counts['findings']} finding(s)" + (f" ({severities})" if severities else "")]
    if result.fail_on != "never":
        parts.append(f"{counts['counting']} at or above {result.fail_on}")
    if counts["waived"]:
        parts.append(f"{counts['waived']} waived")
    if counts["new"] is not None:
        parts.append(
            f"baseline: {counts['new']} new, {counts['unchanged']} unchanged, {counts['fixed']} fixed"
        )
    if result.baseline_written:
        path, written = result.baseline_written
        kept, dropped = result.baseline_kept
        merged = [f"kept {kept} of rules or files not checked"] if kept else []
        merged += [f"dropped {dropped} of rules or files that are gone"] if dropped else []
        parts.append(f"wrote {written} key(s) to {path}" + (f" ({', '.join(merged)})" if merged else ""))
    if counts["errors"]:
        parts.append(f"{counts['errors']} could not run")
    rules = len(result.rules)
    files = len(result.load_report.records) if result.load_report else 0
    return f"appconsol check: {'; '.join(parts)} ({rules} rules, {files} file(s)); exit {result.exit_code}"


def render_profile(run: RunResult) -> str:
    """Each step's and rule's time, slowest first, with its findings and status."""
    timings = sorted(run.timings, key=lambda t: -t.seconds)
    total = sum(t.seconds for t in timings)
    width = max((len(t.code) for t in timings), default=4)
    lines = [f"{'rule':<{width}}  {'seconds':>8}  {'findings':>8}  status"]
    for t in timings:
        found = "" if t.findings is None else str(t.findings)
        lines.append(f"{t.code:<{width}}  {t.seconds:8.3f}  {found:>8}  {t.kind} {t.status}")
    lines.append(f"{'total':<{width}}  {total:8.3f}")
    return os.linesep.join(lines)
