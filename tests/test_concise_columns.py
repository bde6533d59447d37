"""`check -f concise` picks and orders its lines column-wise (issue 14); the lines must be those the
finding-by-finding way gives: every count/show rule, the order by place, odd text and nulls.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from appconsol.api.results import CheckResult
from appconsol.config import Config
from appconsol.engine.findings import empty_findings
from appconsol.engine.runner import RunResult
from appconsol.report.findings import SEVERITY_ORDER, relative_path, shown, status, summary_counts
from appconsol.report.formats_ci import _one_line, _place, render_concise

SEVERITIES = ["error", "warning", "info"]
THRESHOLDS = ["error", "warning", "info", "never"]
# Text that sorts differently by bytes, code points or case, and whitespace that split() folds.
TEXT = st.text(alphabet="aAbZ é€𝄞_-.\t\u00a0\u2003\x1c0", max_size=6)


def _by_finding(result: CheckResult) -> str:
    """The concise output built from one `Finding` each, as it was before it went column-wise."""
    worth = (f for f in result.run.findings if status(f) not in ("waived", "unchanged") and shown(result, f))
    key = lambda f: (f.source_file or "", f.source_row or 0, f.rule, SEVERITY_ORDER[f.severity], f.key)  # noqa: E731
    lines = []
    for f in sorted(worth, key=key):
        sheet = f" (sheet '{f.source_sheet}')" if f.source_sheet else ""
        lines.append(
            f"{_place(relative_path(f.source_file), f.source_row)}: {f.rule} {_one_line(f.message)}{sheet}"
        )
    return "\n".join(lines) + ("\n" if lines else "")


findings_rows = st.lists(
    st.fixed_dictionaries(
        {
            "finding_key": st.text(alphabet="kK|é1", min_size=1, max_size=5),
            "rule_code": st.sampled_from(["DQ001", "DQ010", "LG002", "dq001"]),
            "severity": st.sampled_from(SEVERITIES),
            "message": TEXT,
            "source_file": st.one_of(
                st.none(), st.sampled_from(["a.csv", "B.csv", "é.csv", "dir/a.csv", "/abs/x.csv"])
            ),
            "source_sheet": st.one_of(st.none(), st.just(""), TEXT),
            "source_row": st.one_of(st.none(), st.integers(0, 30)),
            "waived": st.booleans(),
            "baseline": st.one_of(st.none(), st.sampled_from(["new", "unchanged", ""])),
        }
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    rows=findings_rows,
    annotate=st.sampled_from(SEVERITIES),
    fail_on=st.sampled_from(THRESHOLDS),
    with_baseline=st.booleans(),
)
def test_concise_lines_are_those_built_finding_by_finding(rows, annotate, fail_on, with_baseline):
    base = empty_findings()
    frame = pl.DataFrame(rows, schema={**base.schema, "baseline": pl.String}) if rows else base
    if not rows and with_baseline:
        frame = frame.with_columns(pl.lit(None, pl.String).alias("baseline"))
    if rows and not with_baseline:
        frame = frame.drop("baseline")
    frame = frame.select([c for c in [*base.columns, "baseline"] if c in frame.columns])
    run = RunResult("run", dt.date(2026, 12, 7), [], frame)
    result = CheckResult(run, None, fail_on, Config(), annotate_from=annotate)
    assert render_concise(result) == _by_finding(result)


@settings(max_examples=200, deadline=None)
@given(rows=findings_rows, compared=st.booleans())
def test_summary_counts_are_those_counted_finding_by_finding(rows, compared):
    base = empty_findings()
    frame = pl.DataFrame(rows, schema={**base.schema, "baseline": pl.String}) if rows else base
    run = RunResult("run", dt.date(2026, 12, 7), [], frame)
    result = CheckResult(run, None, "warning", Config(), baseline_path=Path("b.json") if compared else None)
    findings = run.findings
    by_severity = Counter(f.severity for f in findings if not f.waived)
    statuses = Counter(status(f) for f in findings)
    counts = summary_counts(result)
    assert counts["findings"] == len(findings)
    assert counts["by_severity"] == {s: by_severity.get(s, 0) for s in SEVERITY_ORDER}
    assert counts["waived"] == statuses.get("waived", 0)
    if compared:
        assert (counts["new"], counts["unchanged"]) == (statuses.get("new", 0), statuses.get("unchanged", 0))
    else:
        assert counts["new"] is None and counts["unchanged"] is None
