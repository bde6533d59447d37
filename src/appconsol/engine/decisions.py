"""The disposition decision table: ordered decision files, validated like rules, run first-match-wins.

Decisions are an engine kind of their own, beside rules: one YAML file per decision,
`<CODE>.yaml`, in a decisions folder (the built-in table is `decisions/` at the repository root,
shipped inside the package like `rules/`). `load_decisions` is the validator and
`run_decision_cases` the case runner; the steps a case runs are passed in (the API passes the
analyses' lifecycle, legacy and disposition steps), so the engine imports no analysis. Keys:

    code: CD010                 # the file name without .yaml
    order: 10                   # position in the table; unique; lower is tried first
    disposition: retire         # retire, retain, rehost, relocate, replatform, repurchase, refactor,
                                # or needs-assessment (the evidence does not decide)
    summary: One line.
    rationale: Why, for people.
    references: [...]           # optional
    parameters: {...}           # optional, as in rule files; bound as $name
    where: lifecycle = 'retired'              # a condition over `disposition_facts`, or
    sql: SELECT organisation, app_id FROM ... # a full SELECT returning organisation, app_id
    reason: "{name} is recorded as retired"   # optional; {column} of disposition_facts
    confidence: high            # optional (default high): high, medium or low when every fact it
                                # depends on is known
    depends_on: [users]         # optional: facts (EVIDENCE_FACTS) that, unknown, could change it;
                                # each one unknown lowers the confidence a step and is reported

Every problem names the file and line (the YAML reader, parameter checks and SQL binding are the
rule loader's own). Each decision has a cases file beside it: inline tables, the analysis steps
run on them, and the dispositions expected (see `read_decision_cases`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from appconsol.engine.yamlfile import LineMap, read_yaml
from appconsol.errors import Location, Notice, RuleError

NEEDS_ASSESSMENT = "needs-assessment"
DISPOSITIONS = (
    "retire",
    "retain",
    "rehost",
    "relocate",
    "replatform",
    "repurchase",
    "refactor",
    NEEDS_ASSESSMENT,
)
CLOUD_DISPOSITIONS = ("rehost", "relocate", "replatform", "repurchase", "refactor")
CATCH_ALLS = ("retain", NEEDS_ASSESSMENT)
CONFIDENCES = (
    "low",
    "medium",
    "high",
)  # worst first: each missing fact a decision depends on lowers it a step
# The facts a decision can depend on (`depends_on`): each is either given by the inventory or not,
# per application (`disposition_facts.unknown_facts`; the SQL is the disposition step's).
EVIDENCE_FACTS = (
    "lifecycle",
    "hosting",
    "users",
    "cost",
    "fit",
    "components",
    "vendor",
    "capability",
    "criticality",
    "classification",
)
REQUIRED_KEYS = ("code", "order", "disposition", "summary", "rationale")
OPTIONAL_KEYS = ("references", "parameters", "where", "sql", "reason", "confidence", "depends_on")
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
    confidence: str = "high"
    depends_on: tuple[str, ...] = ()
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
    if table and table[-1].disposition not in CATCH_ALLS and not problems:
        problems.append(
            RuleError(
                f"the last decision ({table[-1].code}) must be a catch-all 'retain' or '{NEEDS_ASSESSMENT}'",
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
    confidence, depends_on = _confidence(data, fail)
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
        confidence=confidence,
        depends_on=depends_on,
        path=path,
        lines=dict(data.key_lines),
        sql_line=sql_line,
    )


def _confidence(data: LineMap, fail: Any) -> tuple[str, tuple[str, ...]]:
    """The decision's confidence when every fact it depends on is known, and those facts."""
    confidence = data.get("confidence", "high")
    if confidence not in CONFIDENCES:
        raise fail(f"confidence '{confidence}' is not one of {', '.join(CONFIDENCES)}", "confidence")
    depends_on = _strings(data, "depends_on", fail)
    unknown = [f for f in depends_on if f not in EVIDENCE_FACTS]
    if unknown:
        raise fail(
            f"depends_on names '{unknown[0]}', which is not a fact (facts: {', '.join(EVIDENCE_FACTS)})",
            "depends_on",
        )
    return confidence, depends_on


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
