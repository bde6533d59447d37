"""The decision table's cases: inline tables, the analysis steps run on them, the dispositions expected.

Each decision has `<CODE>.cases.yaml` beside it (see `read_decision_cases`); `run_decision_cases`
runs them through the steps it is given, so the engine imports no analysis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.engine.decisions import Decision
from appconsol.engine.loader import _at
from appconsol.engine.yamlfile import LineMap
from appconsol.errors import Location, RuleError

if TYPE_CHECKING:
    from appconsol.engine.steps import Step

CASE_KEYS = ("name", "tables", "as_of", "settings", "dispositions")
EXPECTABLE = (
    "organisation",
    "app_id",
    "time_category",
    "disposition",
    "decided_by",
    "reason",
    "confidence",
    "missing_facts",
)


@dataclass(frozen=True)
class DecisionCase:
    name: str
    tables: dict[str, str]
    as_of: dt.date
    settings: dict[str, Any]
    expected: list[dict[str, Any]]
    location: Location


def read_decision_cases(decision: Decision) -> list[DecisionCase]:
    """The cases of a decision, read from the cases file beside it.

    A cases file looks like this:

        cases:
          - name: a retired application is retired
            as_of: 2026-11-25          # optional (default 2026-01-01)
            settings: {cloud: {...}}   # optional analysis settings, as in appconsol.toml
            tables:
              applications: |
                organisation,app_id,name,lifecycle
                Wessex,A1,Old ledger,retired
            dispositions:
              - {app_id: A1, disposition: retire, decided_by: CD010}

    Between its cases a decision needs an expected row it decides and one decided by another code.
    """
    from appconsol.engine.cases import CASES_AS_OF, case_items

    path = decision.cases_path
    if path is None or not path.is_file():
        raise RuleError(
            f"decision {decision.code} has no cases file",
            hint=f"write {decision.code}.cases.yaml beside it",
            location=decision.location(),
        )
    cases = []
    for item, line in case_items(path):
        where = Location(file=path, line=line)
        if not isinstance(item, LineMap):
            raise RuleError("each case must be a mapping with name, tables and dispositions", location=where)
        for key in item:
            if key not in CASE_KEYS:
                raise RuleError(
                    f"unknown key '{key}' in a case (keys: {', '.join(CASE_KEYS)})",
                    location=_at(path, item.line_of(key)),
                )
        name = item.get("name")
        tables = item.get("tables") or {}
        expected = item.get("dispositions")
        as_of = item.get("as_of", CASES_AS_OF)
        settings = item.get("settings") or {}
        if not isinstance(name, str) or not name.strip():
            raise RuleError("each case needs a name", location=where)
        if not isinstance(tables, dict) or not all(isinstance(v, str) for v in tables.values()):
            raise RuleError(f"case '{name}': tables maps each table name to CSV text", location=where)
        if not isinstance(as_of, dt.date) or not isinstance(settings, dict):
            raise RuleError(f"case '{name}': as_of must be a date and settings a mapping", location=where)
        if not isinstance(expected, list) or not expected or not all(isinstance(e, dict) for e in expected):
            raise RuleError(f"case '{name}' needs 'dispositions': a list of expected rows", location=where)
        for row in expected:
            unknown = [k for k in row if k not in EXPECTABLE]
            if unknown:
                raise RuleError(
                    f"case '{name}': cannot expect '{unknown[0]}' (use {', '.join(EXPECTABLE)})",
                    location=where,
                )
        cases.append(
            DecisionCase(
                name.strip(), dict(tables), as_of, dict(settings), [dict(e) for e in expected], where
            )
        )
    return cases


def run_decision_cases(
    decision: Decision,
    table: Sequence[Decision],
    steps: Sequence[Step],
    declared: Sequence[Step] | None = None,
) -> list[Any]:
    """Run a decision's cases through `steps` (the ones that write `dispositions` using `table`).

    `declared` are the steps whose tables a case may fill (default: every registered step).
    Returns one CaseResult per case, plus a failing one when no case shows the decision deciding
    and another decision deciding.
    """
    from appconsol.engine.cases import Case, CaseResult, insert_case_table
    from appconsol.engine.runner import run_rules
    from appconsol.engine.steps import registered_steps
    from appconsol.schema import TABLES_BY_NAME
    from appconsol.store import Store, table_ddl

    step_tables = {
        t.name: t for s in (registered_steps() if declared is None else declared) for t in s.writes
    }
    results = []
    cases = read_decision_cases(decision)
    for case in cases:
        with Store(Path(":memory:")) as store:
            for t in step_tables.values():
                store.con.execute(table_ddl(t))
            shim = Case(case.name, case.tables, {}, case.as_of, [], case.location)
            for name, text in case.tables.items():
                insert_case_table(store, name, text, {**TABLES_BY_NAME, **step_tables}, shim)
            run = run_rules(store, [], as_of=case.as_of, steps=list(steps), settings=case.settings)
            rows = store.con.execute(f"SELECT {', '.join(EXPECTABLE)} FROM dispositions").fetchall()
        if run.failures:
            results.append(
                CaseResult(
                    decision.code,
                    case.name,
                    False,
                    f"a step failed: {run.failures[0].message}",
                    case.location,
                )
            )
            continue
        actual = [dict(zip(EXPECTABLE, r, strict=True)) for r in rows]
        missing = [
            e for e in case.expected if not any(all(a.get(k) == v for k, v in e.items()) for a in actual)
        ]
        detail = ""
        if missing:
            got = [a for a in actual if any(a["app_id"] == e.get("app_id") for e in missing)]
            detail = f"expected {missing}, got {got}"
        results.append(CaseResult(decision.code, case.name, not missing, detail, case.location))
    decides = any(e.get("decided_by") == decision.code for c in cases for e in c.expected)
    passes = any(e.get("decided_by") not in (None, decision.code) for c in cases for e in c.expected)
    if not (decides and passes):
        results.append(
            CaseResult(
                decision.code,
                "decided and not decided",
                False,
                "needs an expected row this decision decides and one another decision decides",
                Location(file=decision.cases_path),
            )
        )
    return results
