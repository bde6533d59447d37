"""The rule test harness: run each rule's cases file and compare the findings with the expected ones.

`appconsol rules test` and pytest (tests/test_rules_pack.py) both call `run_cases`, so a user's
own rule pack is tested exactly as the built-in one. A cases file sits beside its rule
(`DQ001.yaml` + `DQ001.cases.yaml`):

    cases:
      - name: a live application without an owner is reported
        as_of: 2026-06-30             # optional; default 2026-01-01 so cases never depend on today
        parameters: {ceiling: 1000}   # optional overrides of the rule's defaults
        tables:                       # small inline CSV per store table; empty cells are NULL
          applications: |
            organisation,app_id,name,lifecycle
            Wessex,A1,Payroll,active
        findings:                     # expected findings; `findings: []` is a pass case
          - app_id: A1
            message: Payroll has no business owner
            evidence: {missing: business owner}   # a subset of the evidence

Each expected finding must match a different actual finding on the fields it names, and the
numbers must agree. Provenance columns left out of a table are filled in: `source_file` is
`<table>.csv` and `source_row` is the line of the row in the CSV text (the header is row 1).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from appconsol.engine.model import ConfiguredRule, Finding, Rule, coerce_value
from appconsol.engine.steps import Step
from appconsol.engine.yamlfile import LineList, LineMap, read_yaml
from appconsol.errors import Location, RuleError, StoreError
from appconsol.schema import TABLES_BY_NAME, Table

if TYPE_CHECKING:
    from appconsol.engine.sandbox import SandboxLimits

CASES_AS_OF = dt.date(2026, 1, 1)
CASE_KEYS = ("name", "tables", "parameters", "as_of", "findings")
EXPECTABLE = (
    "key",
    "subject",
    "organisation",
    "app_id",
    "application",
    "message",
    "severity",
    "source_file",
    "source_sheet",
    "source_row",
    "evidence",
)


@dataclass(frozen=True)
class Case:
    name: str
    tables: dict[str, str]
    parameters: dict[str, Any]
    as_of: dt.date
    expected: list[dict[str, Any]]
    location: Location


@dataclass(frozen=True)
class CaseResult:
    rule: str
    case: str
    passed: bool
    detail: str = ""
    location: Location | None = None

    def __str__(self) -> str:
        where = f"{self.location.describe()}: " if self.location else ""
        return f"{where}{self.rule} '{self.case}': {self.detail}"


def read_cases(rule: Rule) -> list[Case]:
    """The cases of a rule; RuleError with file:line when the cases file is malformed."""
    path = rule.cases_path
    if path is None or not path.is_file():
        raise RuleError(
            f"rule {rule.code} has no cases file",
            hint=f"write {path.name if path else rule.code + '.cases.yaml'} beside it with a pass and a fail case",
            location=rule.location(),
        )
    return [_read_case(rule, path, item, line) for item, line in case_items(path)]


def case_items(path: Path) -> list[tuple[object, int]]:
    """The items of a cases file's `cases` list, each with its line; RuleError if malformed."""
    data = read_yaml(path)
    if not isinstance(data, LineMap) or not isinstance(data.get("cases"), LineList):
        raise RuleError("a cases file is a mapping with a 'cases' list", location=Location(file=path, line=1))
    return list(zip(data["cases"], data["cases"].item_lines, strict=True))


def _read_case(rule: Rule, path: Path, item: Any, line: int) -> Case:
    def fail(message: str, at: int | None = None) -> RuleError:
        return RuleError(message, location=Location(file=path, line=at or line))

    if not isinstance(item, LineMap):
        raise fail("each case must be a mapping with name, tables and findings")
    for key in item:
        if key not in CASE_KEYS:
            raise fail(f"unknown key '{key}' in a case (keys: {', '.join(CASE_KEYS)})", item.line_of(key))
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("each case needs a name")
    tables = item.get("tables", {}) or {}
    if not isinstance(tables, dict) or not all(isinstance(v, str) for v in tables.values()):
        raise fail(f"case '{name}': tables maps each table name to CSV text", item.line_of("tables"))
    parameters = dict(item.get("parameters", {}) or {})
    for key, value in parameters.items():
        parameter = rule.parameter(key)
        if parameter is None:
            raise fail(
                f"case '{name}': rule {rule.code} has no parameter '{key}'", item.line_of("parameters")
            )
        try:
            parameters[key] = coerce_value(value, parameter.type)
        except ValueError as exc:
            raise fail(f"case '{name}': parameter '{key}': {exc}", item.line_of("parameters")) from exc
    as_of = item.get("as_of", CASES_AS_OF)
    if not isinstance(as_of, dt.date):
        raise fail(f"case '{name}': as_of must be a date such as 2026-01-01", item.line_of("as_of"))
    if "findings" not in item or not isinstance(item["findings"], LineList):
        raise fail(f"case '{name}' needs 'findings': a list, [] for a pass case")
    expected = []
    for finding, at in zip(item["findings"], item["findings"].item_lines, strict=True):
        if not isinstance(finding, dict):
            raise fail(f"case '{name}': each expected finding is a mapping of fields", at)
        unknown = [k for k in finding if k not in EXPECTABLE]
        if unknown:
            raise fail(f"case '{name}': cannot expect '{unknown[0]}' (use {', '.join(EXPECTABLE)})", at)
        expected.append(dict(finding))
    return Case(name.strip(), dict(tables), parameters, as_of, expected, Location(file=path, line=line))


def run_cases(
    rule: Rule, steps: Sequence[Step] | None = None, limits: SandboxLimits | None = None
) -> list[CaseResult]:
    """Run every case of one rule; a missing pass or fail case is itself a failed result.

    Each case runs in the rule sandbox, as a real run does, under `limits` (default: the
    environment's, else 30 s and 1GB).

    The tables of `steps` (default: the registered analysis steps) exist, empty, in each case's
    store, so a case can fill them inline; the steps themselves do not run.
    """
    from appconsol.engine.runner import run_rules
    from appconsol.engine.steps import registered_steps
    from appconsol.store import Store, table_ddl

    cases = read_cases(rule)
    results = []
    step_tables = {t.name: t for s in (registered_steps() if steps is None else steps) for t in s.writes}
    for case in cases:
        with Store(Path(":memory:")) as store:
            for table in step_tables.values():
                store.con.execute(table_ddl(table))
            for table_name, text in case.tables.items():
                insert_case_table(store, table_name, text, {**TABLES_BY_NAME, **step_tables}, case)
            configured = ConfiguredRule(rule, rule.severity, {**rule.defaults(), **case.parameters})
            run = run_rules(store, [configured], as_of=case.as_of, steps=[], limits=limits)
        if run.failures:
            results.append(
                CaseResult(
                    rule.code, case.name, False, f"the rule failed: {run.failures[0].message}", case.location
                )
            )
            continue
        problem = compare(case.expected, run.findings)
        results.append(CaseResult(rule.code, case.name, problem is None, problem or "", case.location))
    if not any(not c.expected for c in cases) or not any(c.expected for c in cases):
        results.append(
            CaseResult(
                rule.code,
                "pass and fail cases",
                False,
                "needs at least one pass case (findings: []) and one fail case",
                Location(file=rule.cases_path),
            )
        )
    return results


def insert_case_table(store: Any, name: str, text: str, tables: dict[str, Table], case: Case) -> None:
    """Create and fill one of a case's inline tables, typed as the schema or a step declares it."""
    table = tables.get(name)
    if table is None:
        raise RuleError(f"case '{case.name}': no table named '{name}'", location=case.location)
    try:
        frame = pl.read_csv(io.StringIO(text.strip() + "\n"), infer_schema=False)
    except Exception as exc:  # polars raises several kinds for bad CSV
        raise RuleError(
            f"case '{case.name}': table {name} is not valid CSV: {exc}", location=case.location
        ) from exc
    columns = {c.name for c in table.columns}
    unknown = [c for c in frame.columns if c not in columns]
    if unknown:
        raise RuleError(
            f"case '{case.name}': table {name} has no column '{unknown[0]}'", location=case.location
        )
    if "source_file" in columns and "source_file" not in frame.columns:
        frame = frame.with_columns(pl.lit(f"{name}.csv").alias("source_file"))
    if "source_row" in columns and "source_row" not in frame.columns:
        frame = frame.with_columns(pl.int_range(2, frame.height + 2).cast(pl.String).alias("source_row"))
    if "load_id" in columns and "load_id" not in frame.columns:
        frame = frame.with_columns(pl.lit("case").alias("load_id"))
    try:
        store.insert_frame(table, frame)
    except StoreError as exc:
        cause = exc.__cause__ or exc
        raise RuleError(
            f"case '{case.name}': table {name}: {str(cause).splitlines()[0]}", location=case.location
        ) from exc


def compare(expected: list[dict[str, Any]], actual: list[Finding]) -> str | None:
    """None when every expected finding matches a different actual one and the counts agree."""
    remaining = list(actual)
    unmatched = []
    for want in expected:
        match = next((f for f in remaining if _matches(want, f)), None)
        if match is None:
            unmatched.append(want)
        else:
            remaining.remove(match)
    if not unmatched and not remaining:
        return None
    lines = [f"expected {len(expected)} finding(s), got {len(actual)}"]
    lines += [f"    not found: {want}" for want in unmatched]
    lines += [f"    unexpected: {_describe(f)}" for f in remaining]
    return "\n".join(lines)


def _matches(want: dict[str, Any], finding: Finding) -> bool:
    for key, value in want.items():
        if key == "evidence":
            if not isinstance(value, dict) or any(
                _normal(finding.evidence.get(k)) != _normal(v) for k, v in value.items()
            ):
                return False
        elif _normal(getattr(finding, key)) != _normal(value):
            return False
    return True


def _normal(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _describe(finding: Finding) -> str:
    return str(
        {
            "app_id": finding.app_id,
            "organisation": finding.organisation,
            "message": finding.message,
            "source_row": finding.source_row,
            "evidence": finding.evidence,
        }
    )
