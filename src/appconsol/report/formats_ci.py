"""Check outputs for CI platforms: concise lines, GitLab Code Quality JSON and a Markdown summary.

- `concise`: one `file:line: CODE message` line per finding that counts or is shown, for
  pre-commit and editors (the same shape as ruff's concise output).
- `gitlab`: GitLab Code Quality issues (description, check_name, fingerprint, severity,
  location.path, location.lines.begin), for `artifacts:reports:codequality`.
- `markdown`: a short summary for `$GITHUB_STEP_SUMMARY` or a merge-request comment.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from appconsol.report.findings import (
    SEVERITY_ORDER,
    problems,
    relative_path,
    shown,
    sorted_findings,
    status_expr,
    summary_counts,
)

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult
    from appconsol.engine.model import Finding

GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}
MARKDOWN_FINDINGS = 50  # the rows of the "findings that count" table; the rest are counted


def _place(file: str | None, line: int | None) -> str:
    return f"{file or 'appconsol'}:{line or 1}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def render_concise(result: CheckResult) -> str:
    """`check -f concise`: `file:line: CODE message`, one line per finding, then what could not run."""
    lines = []
    for file, row, rule, message, sheet in _concise_rows(result):
        where = f" (sheet '{sheet}')" if sheet else ""
        lines.append(f"{_place(relative_path(file), row)}: {rule} {_one_line(message)}{where}")
    for problem in problems(result):
        lines.append(f"{_place(problem.file, problem.line)}: error {_one_line(problem.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def _concise_rows(result: CheckResult) -> list[tuple[Any, ...]]:
    """(file, row, rule, message, sheet) of the findings that count and are `shown`, by place.

    Counting means not waived and not already in the baseline. Chosen and sorted column-wise on
    the findings frame: at 100k applications a check can find 50k things, and building a
    `Finding` (with its evidence parsed) for each cost more than the rest of the output. Sorted
    by file, row, rule, severity and key; polars orders text by its UTF-8 bytes, which is the
    order of its code points, as Python's.
    """
    import polars as pl

    from appconsol.engine.model import Severity, reaches

    frame = result.run.frame
    if frame.height == 0:
        return []
    counts = ~status_expr(frame).is_in(["waived", "unchanged"])
    annotated = [s.value for s in Severity if reaches(s.value, result.annotate_from)]
    failing = [s.value for s in Severity if reaches(s.value, result.fail_on)]
    order = pl.col("severity").replace_strict(SEVERITY_ORDER, return_dtype=pl.Int64)
    chosen = frame.filter(counts & pl.col("severity").is_in([*annotated, *failing])).sort(
        pl.col("source_file").fill_null(""),
        pl.col("source_row").fill_null(0),
        pl.col("rule_code"),
        order,
        pl.col("finding_key"),
        maintain_order=True,
    )
    return chosen.select("source_file", "source_row", "rule_code", "message", "source_sheet").rows()


def _fingerprint(text: str, seen: Counter[str]) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    seen[digest] += 1
    if seen[digest] > 1:  # GitLab needs each issue's fingerprint to be unique in a report
        digest = hashlib.sha256(f"{text}\x00{seen[digest]}".encode()).hexdigest()
    return digest


def render_gitlab(result: CheckResult) -> str:
    """`check -f gitlab`: a GitLab Code Quality report (a JSON array of issues).

    Waived findings are left out; baselined ones stay in, because GitLab itself compares the
    report with the target branch's and shows only what a merge request adds or resolves.
    """
    seen: Counter[str] = Counter()
    issues: list[dict[str, Any]] = []
    for f in sorted_findings(result):
        if f.waived or not shown(result, f):
            continue
        issues.append(
            {
                "type": "issue",
                "description": f"{f.rule} {f.message}",
                "check_name": f"{f.rule} {f.rule_name}",
                "fingerprint": _fingerprint(f.key, seen),
                "severity": GITLAB_SEVERITY[f.severity],
                "categories": ["Style" if f.category == "data-quality" else "Bug Risk"],
                "location": {
                    "path": relative_path(f.source_file) or "appconsol.toml",
                    "lines": {"begin": max(f.source_row or 1, 1)},
                },
            }
        )
    for problem in problems(result):
        issues.append(
            {
                "type": "issue",
                "description": f"appconsol could not run: {problem.message}",
                "check_name": "appconsol could not run",
                "fingerprint": _fingerprint(f"error|{problem.message}", seen),
                "severity": "blocker",
                "categories": ["Bug Risk"],
                "location": {"path": problem.file or "appconsol.toml", "lines": {"begin": problem.line or 1}},
            }
        )
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _cell(text: object) -> str:
    return _one_line(str(text)).replace("|", "\\|")


def render_markdown(result: CheckResult) -> str:
    """`check -f markdown`: the outcome, counts by rule and the first findings that count."""
    counts = summary_counts(result)
    code = int(result.exit_code)
    verdict = {0: "passed", 1: "failed", 2: "could not run"}[code]
    lines = [f"## appconsol check {verdict} (exit {code})", ""]
    by_severity = ", ".join(f"{n} {s}" for s, n in counts["by_severity"].items())
    lines.append(
        f"{counts['findings']} finding(s) ({by_severity}); {counts['counting']} at or above "
        f"`{result.fail_on}`; {counts['waived']} waived."
    )
    if counts["new"] is not None:
        lines.append(
            f"Baseline: {counts['new']} new, {counts['unchanged']} unchanged, {counts['fixed']} fixed."
        )
    files = len(result.load_report.records) if result.load_report else 0
    lines.append(f"{len(result.rules)} rules over {files} file(s), as of {result.run.as_of.isoformat()}.")
    found = problems(result)
    if found:
        lines += ["", "### Could not run", ""]
        lines += [f"- `{_place(p.file, p.line)}` {_cell(p.message)}" for p in found]
    by_rule: dict[str, list[Finding]] = {}
    for f in result.run.findings:
        by_rule.setdefault(f.rule, []).append(f)
    if by_rule:
        lines += ["", "| rule | name | severity | findings | counting |", "|---|---|---|---:|---:|"]
        order = sorted(by_rule.items(), key=lambda item: (SEVERITY_ORDER[item[1][0].severity], item[0]))
        for rule, items in order:
            counting = sum(1 for f in items if f.counts and _counts_at(f, result.fail_on))
            lines.append(
                f"| {rule} | {_cell(items[0].rule_name)} | {items[0].severity} | {len(items)} | {counting} |"
            )
    failing = [f for f in sorted_findings(result) if f.counts and _counts_at(f, result.fail_on)]
    if failing:
        lines += ["", f"### Findings at or above `{result.fail_on}`", ""]
        lines += ["| where | rule | message |", "|---|---|---|"]
        for f in failing[:MARKDOWN_FINDINGS]:
            where = _place(relative_path(f.source_file), f.source_row)
            lines.append(f"| `{_cell(where)}` | {f.rule} | {_cell(f.message)} |")
        if len(failing) > MARKDOWN_FINDINGS:
            lines += ["", f"... and {len(failing) - MARKDOWN_FINDINGS} more (`-f json` lists them all)."]
    return "\n".join(lines) + "\n"


def _counts_at(finding: Finding, fail_on: str) -> bool:
    from appconsol.engine.model import reaches

    return reaches(finding.severity, fail_on)
