"""The disposition decision table: ordered decision files, validated like rules, run first-match-wins.

Decisions are an engine kind of their own, beside rules: one YAML file per decision,
`<CODE>.yaml`, in a decisions folder (the built-in table is `decisions/` at the repository root,
shipped inside the package like `rules/`). `load_decisions` is the validator and
`run_decision_cases` the case runner; the steps a case runs are passed in (the API passes the
analyses' lifecycle, legacy and disposition steps), so the engine imports no analysis. Keys:

    code: CD010                 # the file name without .yaml
    order: 10                   # position in the table; unique; lower is tried first
    disposition: retire         # retire, retain, rehost, relocate, replatform, repurchase, refactor
    summary: One line.
    rationale: Why, for people.
    references: [...]           # optional
    parameters: {...}           # optional, as in rule files; bound as $name
    where: lifecycle = 'retired'              # a condition over `disposition_facts`, or
    sql: SELECT organisation, app_id FROM ... # a full SELECT returning organisation, app_id
    reason: "{name} is recorded as retired"   # optional; {column} of disposition_facts

Every problem names the file and line (the YAML reader, parameter checks and SQL binding are the
rule loader's own). Each decision has a cases file beside it: inline tables, the analysis steps
run on them, and the dispositions expected (see `read_decision_cases`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.engine.loader import (
    RulePackError,
    _at,
    _parameters,
    _sql_error,
    _strings,
    required_text_and_code,
    sql_parameters,
)
from appconsol.engine.model import Parameter, Rule, Severity, coerce_value, template_fields
from appconsol.engine.yamlfile import LineList, LineMap, read_yaml
from appconsol.errors import Location, Notice, RuleError

if TYPE_CHECKING:
    from appconsol.engine.steps import Step

DISPOSITIONS = ("retire", "retain", "rehost", "relocate", "replatform", "repurchase", "refactor")
CLOUD_DISPOSITIONS = ("rehost", "relocate", "replatform", "repurchase", "refactor")
REQUIRED_KEYS = ("code", "order", "disposition", "summary", "rationale")
OPTIONAL_KEYS = ("references", "parameters", "where", "sql", "reason")
FACTS_TABLE = "disposition_facts"


@dataclass(frozen=True)
class Decision:
    """One row of the decision table."""

    code: str
    order: int
    disposition: str
    summary: str
    rationale: str
    sql: str
    references: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    reason: str | None = None
    path: Path | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    sql_line: int = 1

    def as_rule(self) -> Rule:
        """The decision seen as a rule, so the rule loader's SQL checks apply to it unchanged."""
        return Rule(
            code=self.code,
            name=f"cloud.decision-{self.code.lower()}",
            summary=self.summary,
            category="cloud",
            severity=Severity.INFO,
            sql=self.sql,
            message="",
            rationale=self.rationale,
            parameters=self.parameters,
            path=self.path,
            lines=self.lines,
            sql_line=self.sql_line,
        )

    @property
    def cases_path(self) -> Path | None:
        return self.path.with_name(f"{self.path.stem}.cases.yaml") if self.path else None

    def location(self, key: str | None = None) -> Location | None:
        return _at(self.path, self.lines.get(key or "code", 1))


def builtin_decisions_dir() -> Path:
    """The built-in decision table: inside the installed package, else `decisions/` of a source checkout."""
    from importlib import resources

    packaged = resources.files("appconsol") / "decisions"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "decisions"


def decision_files(folder: Path) -> list[Path]:
    """The decision files in `folder` (cases files left out); RuleError when it is not a folder."""
    if not folder.is_dir():
        raise RuleError("no such decisions folder", location=Location(file=folder))
    return sorted(p for p in folder.glob("*.y*ml") if not p.stem.endswith(".cases") and p.is_file())


def load_decisions(
    dirs: Sequence[Path] = (),
    *,
    include_builtin: bool = True,
    disabled: Sequence[str] = (),
    notices: list[Notice] | None = None,
    bind: bool = True,
) -> list[Decision]:
    """The decision table, in order: the built-in decisions, then `dirs`, less the `disabled` codes.

    A code given again replaces the earlier decision. RulePackError lists every problem with
    file:line.
    """
    notices = notices if notices is not None else []
    folders = ([builtin_decisions_dir()] if include_builtin else []) + list(dirs)
    problems: list[RuleError] = []
    by_code: dict[str, Decision] = {}
    for folder in folders:
        try:
            files = decision_files(folder)
        except RuleError as exc:
            problems.append(exc)
            continue
        for path in files:
            try:
                decision = read_decision_file(path, notices)
            except RuleError as exc:
                problems.append(exc)
                continue
            by_code[decision.code] = decision
    table = sorted((d for c, d in by_code.items() if c not in set(disabled)), key=lambda d: d.order)
    seen: dict[int, Decision] = {}
    for decision in table:
        if decision.order in seen:
            problems.append(
                RuleError(
                    f"order {decision.order} is already used by {seen[decision.order].code}",
                    hint="give each decision its own order",
                    location=decision.location("order"),
                )
            )
        seen[decision.order] = decision
    if table and table[-1].disposition != "retain" and not problems:
        problems.append(
            RuleError(
                f"the last decision ({table[-1].code}) must be a catch-all 'retain'",
                hint="end the table with a decision that matches every application",
                location=table[-1].location("disposition"),
            )
        )
    if bind and table and not problems:
        problems.extend(bind_decisions(table))
    if problems:
        raise RulePackError(problems)
    return table


def read_decision_file(path: Path, notices: list[Notice]) -> Decision:
    """Parse and validate one decision file (its SQL is bound separately by `bind_decisions`)."""
    data = read_yaml(path)
    if not isinstance(data, LineMap):
        raise RuleError(
            "a decision file must be a mapping (code, order, disposition, ...)", location=_at(path, 1)
        )

    def fail(message: str, key: str | None = None, hint: str | None = None) -> RuleError:
        return RuleError(message, hint=hint, location=_at(path, data.line_of(key) if key else data.line))

    for key in data:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            notices.append(
                Notice(
                    f"unknown key '{key}' ignored (decision keys are {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})",
                    _at(path, data.line_of(key)),
                )
            )
    code = required_text_and_code(data, path, ("code", "disposition", "summary", "rationale"), fail)
    order = data.get("order")
    if isinstance(order, bool) or not isinstance(order, int) or order < 0:
        raise fail(
            "'order' must be a whole number (lower is tried first)", "order" if "order" in data else None
        )
    disposition = data["disposition"].strip()
    if disposition not in DISPOSITIONS:
        raise fail(f"disposition '{disposition}' is not one of {', '.join(DISPOSITIONS)}", "disposition")
    if "\n" in data["summary"].strip():
        raise fail("summary must be one line", "summary")
    has_where, has_sql = "where" in data, "sql" in data
    if has_where == has_sql:
        raise fail("give exactly one of 'where' (a condition over disposition_facts) or 'sql' (a SELECT)")
    key = "where" if has_where else "sql"
    text = data[key]
    if not isinstance(text, str) or not text.strip():
        raise fail(f"'{key}' must be SQL text", key)
    sql_line = data.value_lines[key] + (1 if key in data.block_scalars else 0)
    sql = f"SELECT organisation, app_id FROM {FACTS_TABLE} WHERE (\n{text.rstrip()}\n)" if has_where else text
    if has_where:
        sql_line -= 1  # the wrapper's first line sits before the condition's first line
    reason = data.get("reason")
    if reason is not None:
        if not isinstance(reason, str) or not reason.strip():
            raise fail("'reason' must be text with {column} placeholders", "reason")
        try:
            template_fields(reason)
        except ValueError as exc:
            raise fail(f"reason: {exc}", "reason") from exc
    return Decision(
        code=code,
        order=order,
        disposition=disposition,
        summary=data["summary"].strip(),
        rationale=" ".join(data["rationale"].split()),
        sql=sql,
        references=_strings(data, "references", fail),
        parameters=_parameters(path, data, notices, fail),
        reason=reason.strip() if isinstance(reason, str) else None,
        path=path,
        lines=dict(data.key_lines),
        sql_line=sql_line,
    )


def bind_decisions(table: Sequence[Decision]) -> list[RuleError]:
    """Run each decision on the empty store (every step table present); check what it returns."""
    import duckdb

    from appconsol.engine.loader import binding_connection
    from appconsol.engine.steps import registered_steps

    problems: list[RuleError] = []
    with binding_connection(registered_steps()) as store:
        facts = {
            r[0]
            for r in store.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [FACTS_TABLE]
            ).fetchall()
        }
        for decision in table:
            rule = decision.as_rule()
            try:
                names = sql_parameters(rule)
                undeclared = sorted(names - {p.name for p in decision.parameters} - {"as_of"})
                if undeclared:
                    raise RuleError(
                        f"sql uses ${undeclared[0]}, which is not a declared parameter",
                        location=decision.location("parameters" if decision.parameters else "code"),
                    )
                params = {p.name: p.default for p in decision.parameters if p.name in names}
                if "as_of" in names:
                    params["as_of"] = dt.date(2026, 1, 1)
                try:
                    cursor = store.con.execute(decision.sql, params)
                    cursor.fetchall()
                except duckdb.Error as exc:
                    raise _sql_error(rule, exc, "SQL does not bind against the canonical views") from exc
                columns = [d[0] for d in cursor.description]
                if not {"organisation", "app_id"} <= set(columns):
                    raise RuleError(
                        f"sql must return organisation and app_id (it returns {', '.join(columns)})",
                        location=_at(decision.path, decision.sql_line),
                    )
                for name in template_fields(decision.reason or ""):
                    if name not in facts:
                        raise RuleError(
                            f"reason uses {{{name}}}, which is not a column of {FACTS_TABLE}",
                            location=decision.location("reason"),
                        )
            except RuleError as exc:
                problems.append(exc)
    return problems


def decision_values(
    decision: Decision, overrides: Mapping[str, Any], where: Location | None = None
) -> dict[str, Any]:
    """The decision's parameter values: defaults, with overrides checked against the declared types."""
    from appconsol.errors import ConfigError

    values = {p.name: p.default for p in decision.parameters}
    for name, value in overrides.items():
        parameter = next((p for p in decision.parameters if p.name == name), None)
        if parameter is None:
            known = ", ".join(p.name for p in decision.parameters) or "none"
            raise ConfigError(
                f"decision {decision.code} has no parameter '{name}' (its parameters: {known})",
                location=where,
            )
        try:
            values[name] = coerce_value(value, parameter.type)
        except ValueError as exc:
            raise ConfigError(
                f"parameter '{name}' of {decision.code} must be {parameter.type}: {exc}", location=where
            ) from exc
    return values


MATCHES_TABLE = "decision_matches"


def insert_decision_matches(
    con: Any, table: Sequence[Decision], as_of: dt.date, values: Mapping[str, Mapping[str, Any]]
) -> None:
    """Fill a temporary `decision_matches` table with every decision's matches, inside DuckDB.

    Its columns are decision_order, decided_by, disposition, organisation and app_id; no rows
    travel through Python.
    """
    import duckdb

    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {MATCHES_TABLE} (decision_order BIGINT, decided_by VARCHAR, "
        "disposition VARCHAR, organisation VARCHAR, app_id VARCHAR)"
    )
    for decision in table:
        names = sql_parameters(decision.as_rule())
        params = {k: v for k, v in values.get(decision.code, {}).items() if k in names}
        if "as_of" in names:
            params["as_of"] = as_of
        # The order, code and disposition were validated (a number, CODE_PATTERN, DISPOSITIONS),
        # so they can sit in the SQL text; the decision's own parameters stay bound.
        sql = decision.sql.strip().rstrip(";")
        try:
            con.execute(
                f"INSERT INTO {MATCHES_TABLE} SELECT DISTINCT {int(decision.order)}, '{decision.code}', "
                f"'{decision.disposition}', organisation, app_id FROM (\n{sql}\n)",
                params,
            )
        except duckdb.Error as exc:
            raise _sql_error(decision.as_rule(), exc, f"decision {decision.code} failed") from exc


# -- the decisions' cases -------------------------------------------------------------------------------

CASE_KEYS = ("name", "tables", "as_of", "settings", "dispositions")
EXPECTABLE = ("organisation", "app_id", "time_category", "disposition", "decided_by", "reason")


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
    from appconsol.engine.cases import CASES_AS_OF

    path = decision.cases_path
    if path is None or not path.is_file():
        raise RuleError(
            f"decision {decision.code} has no cases file",
            hint=f"write {decision.code}.cases.yaml beside it",
            location=decision.location(),
        )
    data = read_yaml(path)
    if not isinstance(data, LineMap) or not isinstance(data.get("cases"), LineList):
        raise RuleError("a cases file is a mapping with a 'cases' list", location=Location(file=path, line=1))
    cases = []
    for item, line in zip(data["cases"], data["cases"].item_lines, strict=True):
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
            rows = store.con.execute(
                "SELECT organisation, app_id, time_category, disposition, decided_by, reason FROM dispositions"
            ).fetchall()
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
