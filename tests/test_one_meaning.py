"""One fact, one meaning: an application's yearly cost and its cashable part are defined once, in
`v_applications` (schema.py), and every step, rule and report reads them from there.

The check is structural: outside the schema module, no analysis step, engine module, report or
rule (SQL or Python) picks between the stated total and the cost lines, or adds cost lines up.
The few places that show or check the raw input columns as such are listed with their reason.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from appconsol.api import analyse
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
from conftest import ROOT

SRC = ROOT / "src" / "appconsol"
# The stated total, or the sum of the lines: what an "annual cost" is made of.
TOTALS = re.compile(r"\bcost_(?:total|lines_total)\b")
LINES = ("cost_licence", "cost_support", "cost_hosting", "cost_staff", "cost_other")
# (file relative to the repository, what it may do with the raw cost columns, and why)
ALLOWED = {
    "src/appconsol/report/plan/data.py": "reads the input columns as given, for the evidence sheet",
    "src/appconsol/report/plan/sheets_evidence.py": "shows the input columns as given",
    "src/appconsol/analyses/plan_inputs.py": (
        "the portfolio's cashable share is the cashable lines over all lines (cost_lines_total), and "
        "licence + support is the plan's own measure of what a contract costs, not the annual cost"
    ),
}
# Data-quality rules whose job is to check the raw figures themselves (missing, implausible, a
# total that disagrees with its lines).
INPUT_CHECKS = {"DQ003", "DQ004", "DQ007"}


def _sources() -> list[tuple[str, str]]:
    files = [
        p for folder in ("analyses", "engine", "report", "api", "cli") for p in (SRC / folder).rglob("*.py")
    ]
    files += [p for p in SRC.glob("*.py") if p.name != "schema.py" and not p.name.startswith("schema")]
    out = [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in files]
    for rule in sorted((ROOT / "rules").rglob("*.yaml")):
        if rule.name.endswith(".cases.yaml") or rule.stem in INPUT_CHECKS:
            continue
        document = yaml.safe_load(rule.read_text(encoding="utf-8")) or {}
        out.append((str(rule.relative_to(ROOT)), str(document.get("sql") or "")))
    return out


def _sums_lines(text: str) -> bool:
    """Two or more cost line columns in one expression (a line of code)."""
    return any(sum(line.count(c) > 0 for c in LINES) >= 2 for line in text.splitlines())


def test_no_step_rule_or_report_computes_its_own_annual_cost():
    offenders = []
    for name, text in _sources():
        if name in ALLOWED:
            continue
        if TOTALS.search(text) or _sums_lines(text):
            offenders.append(name)
    assert not offenders, f"compute annual cost from the raw columns instead of v_applications: {offenders}"


def test_the_check_finds_a_step_that_coalesces_the_cost_columns():
    step = 'sql = "SELECT coalesce(cost_lines_total, cost_total) AS cost FROM v_applications"'
    lines = 'x = "coalesce(a.cost_licence, 0) + coalesce(a.cost_support, 0)"'
    assert TOTALS.search(step)
    assert _sums_lines(lines)
    assert not _sums_lines('"SELECT annual_cost, annual_cashable_cost FROM v_applications"')


def test_every_step_reports_the_same_annual_cost_for_an_application(tmp_path: Path, write_csv):
    # A total with partial lines (the total wins), lines alone, and a negative total (no cost).
    path = write_csv(
        "organisation,app_id,name,lifecycle,cost_total,cost_licence,cost_support,cost_staff,capability\n"
        "Org A,A1,Grants Portal,active,15000,10000,2500,,Grants\n"
        "Org A,A2,Grants Admin,active,,4000,1000,3000,Grants\n"
        "Org A,A3,Old Thing,active,-5,,,,Grants\n"
    )
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        assert load_inventories([path], store, options=LoadOptions(as_of=dt.date(2026, 11, 25))).ok
    analyse(db, as_of=dt.date(2026, 11, 25), config=None)
    with Store(db, read_only=True) as store:

        def costs(sql: str) -> dict[str, float | None]:
            return {r[0]: (None if r[1] is None else float(r[1])) for r in store.con.execute(sql).fetchall()}

        view = costs("SELECT app_id, annual_cost FROM v_applications")
        assert view == {"A1": 15000.0, "A2": 8000.0, "A3": None}
        cashable = costs("SELECT app_id, annual_cashable_cost FROM v_applications")
        assert cashable == {"A1": 12500.0, "A2": 5000.0, "A3": None}
        assert costs("SELECT app_id, annual_cost FROM disposition_facts") == view
        groups = store.con.execute(
            "SELECT g.annual_cost, list(m.app_id ORDER BY m.app_id) FROM overlap_groups g "
            "JOIN overlap_members m USING (group_id) GROUP BY ALL"
        ).fetchall()
        assert groups
        for total, members in groups:
            assert total == sum(view[m] or 0 for m in members)
        planned = costs("SELECT app_id, annual_run_cost FROM plan_actions WHERE app_id IN ('A1', 'A2')")
        assert planned == {"A1": 15000.0, "A2": 8000.0}
        cashable_planned = costs(
            "SELECT app_id, annual_cashable FROM plan_actions WHERE app_id IN ('A1', 'A2')"
        )
        assert cashable_planned == {"A1": 12500.0, "A2": 5000.0}
