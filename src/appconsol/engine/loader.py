"""Read rule files, validate them, and check that their SQL binds against the empty canonical views.

Every problem names the file and line. Unknown keys are warnings (returned as `Notice`s), so a
rule written for a newer appconsol still loads; everything else that is wrong is an error, and
all the errors of a pack are gathered into one `RulePackError` so a user fixes them in one go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.engine.model import (
    PARAMETER_TYPES,
    RESERVED_PARAMETERS,
    SEVERITIES,
    Parameter,
    Rule,
    Severity,
    coerce_value,
    template_fields,
)
from appconsol.engine.steps import Step, registered_steps
from appconsol.engine.yamlfile import LineMap, read_yaml
from appconsol.errors import Location, Notice, RuleError

if TYPE_CHECKING:
    from appconsol.engine.sandbox import RuleSandbox, SandboxLimits

REQUIRED_KEYS = ("code", "name", "summary", "category", "severity", "rationale", "sql", "message")
OPTIONAL_KEYS = ("references", "parameters", "groups", "identity")
PARAMETER_KEYS = ("type", "default", "description")
CODE_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")
CATEGORY_PATTERN = re.compile(r"^[a-z][a-z0-9-]*$")
LOCATING_COLUMNS = ("source_file", "source_row")
_DUCKDB_LINE = re.compile(r"\bLINE (\d+):")


class RulePackError(RuleError):
    """Several rule files are wrong; each problem keeps its own file:line."""

    def __init__(self, problems: Sequence[RuleError]):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problems in rule files")

    def __str__(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        return "\n".join([self.message, *(f"  {p}" for p in self.problems)])


@dataclass
class RulePack:
    """The rules a run may use, and the warnings reading them produced."""

    rules: list[Rule] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def by_code(self) -> dict[str, Rule]:
        return {r.code: r for r in self.rules}


def builtin_rules_dir() -> Path:
    """The built-in pack: inside the installed package, else `rules/` of a source checkout."""
    packaged = resources.files("appconsol") / "rules"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[3] / "rules"


def rule_files(paths: Iterable[Path]) -> list[Path]:
    """Rule files under each path (a folder is searched recursively; cases files are skipped).

    Decision tables live in their own folders (`decisions/`, `appconsol.engine.decisions`); a
    decision file met in a rules folder is recognised by its kind (top-level `order` and
    `disposition` keys, which no rule has) and left to the decisions loader, never by its name.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix in (".yaml", ".yml")
                    and not p.stem.endswith(".cases")
                    and p.is_file()
                    and not is_decision_file(p)
                )
            )
        elif path.is_file():
            if path.stem.endswith(".cases"):
                path = path.with_name(path.name.replace(".cases", "", 1))
            files.append(path)
        else:
            raise RuleError("no such rule file or folder", location=Location(file=path))
    return files


_DECISION_KEYS = re.compile(r"^(order|disposition)\s*:", re.M)


def is_decision_file(path: Path) -> bool:
    """True for a decision file (top-level `order` and `disposition` keys), which is not a rule."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return {m.group(1) for m in _DECISION_KEYS.finditer(text)} == {"order", "disposition"}


def load_rules(
    rule_dirs: Sequence[Path] = (),
    *,
    include_builtin: bool = True,
    steps: Sequence[Step] | None = None,
    bind: bool = True,
    limits: SandboxLimits | None = None,
) -> RulePack:
    """Read the built-in pack and `rule_dirs`, check codes are unique and the SQL binds.

    The SQL binds against the canonical views and the tables `steps` write (default: the
    registered analysis steps).
    """
    paths = ([builtin_rules_dir()] if include_builtin else []) + list(rule_dirs)
    builtin_files = set(rule_files([builtin_rules_dir()])) if include_builtin else set()
    pack = RulePack()
    problems: list[RuleError] = []
    seen: dict[str, Rule] = {}
    read: set[Path] = set()
    for path in rule_files(paths):
        if path.resolve() in read:
            continue  # the same file reached through two paths (config and --rules-dir, say)
        read.add(path.resolve())
        try:
            rule = read_rule_file(path, pack.notices, builtin=path in builtin_files)
        except RuleError as exc:
            problems.append(exc)
            continue
        if rule.code in seen:
            other = seen[rule.code]
            problems.append(
                RuleError(
                    f"rule code {rule.code} is already used by {other.path}",
                    hint="give each rule its own code",
                    location=rule.location("code"),
                )
            )
            continue
        seen[rule.code] = rule
        pack.rules.append(rule)
    if bind:
        problems.extend(
            bind_rules(pack.rules, pack.notices, registered_steps() if steps is None else steps, limits)
        )
    if problems:
        raise RulePackError(problems)
    return pack


def required_text_and_code(
    data: LineMap, path: Path, keys: Sequence[str], fail: Callable[..., RuleError]
) -> str:
    """Check that `keys` hold text and that `code` is well formed and matches the file name.

    Shared by rule files and disposition decision files, which validate the same way.
    """
    for key in keys:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(
                f"'{key}' is required and must be text" if key in data else f"'{key}' is missing",
                key if key in data else None,
            )
    code = str(data["code"]).strip()
    if not CODE_PATTERN.match(code):
        raise fail(f"code '{code}' must be letters, digits, '-' or '_'", "code")
    if code != path.stem:
        raise fail(f"code '{code}' does not match the file name", "code", hint=f"rename the file {code}.yaml")
    return code


def read_rule_file(path: Path, notices: list[Notice], *, builtin: bool = False) -> Rule:
    """Parse and validate one rule file (its SQL is checked separately by `bind_rules`)."""
    data = read_yaml(path)
    if not isinstance(data, LineMap):
        raise RuleError("a rule file must be a mapping of keys (code, name, sql, ...)", location=_at(path, 1))

    def fail(message: str, key: str | None = None, hint: str | None = None) -> RuleError:
        return RuleError(message, hint=hint, location=_at(path, data.line_of(key) if key else data.line))

    for key in data:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            notices.append(
                Notice(
                    f"unknown key '{key}' ignored (rule keys are {', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})",
                    _at(path, data.line_of(key)),
                )
            )
    code = required_text_and_code(data, path, REQUIRED_KEYS, fail)
    if not NAME_PATTERN.match(data["name"]):
        raise fail(
            f"name '{data['name']}' must be dotted lower-case words",
            "name",
            hint="e.g. data-quality.costs-missing",
        )
    if not CATEGORY_PATTERN.match(data["category"]):
        raise fail(
            f"category '{data['category']}' must be a lower-case word such as data-quality", "category"
        )
    if "\n" in data["summary"].strip():
        raise fail("summary must be one line", "summary")
    if data["severity"] not in SEVERITIES:
        raise fail(f"severity '{data['severity']}' is not one of {', '.join(SEVERITIES)}", "severity")
    try:
        template_fields(data["message"])
    except ValueError as exc:
        raise fail(f"message: {exc}", "message") from exc
    references = _strings(data, "references", fail)
    groups = _strings(data, "groups", fail)
    identity = _strings(data, "identity", fail) if "identity" in data else ("organisation", "app_id")
    if not identity:
        raise fail("identity must name at least one column", "identity")
    parameters = _parameters(path, data, notices, fail)
    sql_line = data.value_lines["sql"] + (1 if "sql" in data.block_scalars else 0)
    return Rule(
        code=code,
        name=data["name"],
        summary=data["summary"].strip(),
        category=data["category"],
        severity=Severity(data["severity"]),
        sql=data["sql"],
        message=data["message"].strip(),
        rationale=data["rationale"].strip(),
        references=references,
        parameters=parameters,
        groups=groups,
        identity=identity,
        path=path,
        lines=dict(data.key_lines),
        sql_line=sql_line,
        builtin=builtin,
    )


def _at(path: Path | None, line: int | None) -> Location | None:
    return Location(file=path, line=line) if path is not None else None


def _strings(data: LineMap, key: str, fail: Any) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise fail(f"'{key}' must be a list of text items", key)
    return tuple(v.strip() for v in value)


def _parameters(path: Path, data: LineMap, notices: list[Notice], fail: Any) -> tuple[Parameter, ...]:
    raw = data.get("parameters")
    if raw is None:
        return ()
    if not isinstance(raw, LineMap):
        raise fail(
            "'parameters' must map each parameter name to its type, default and description", "parameters"
        )
    parameters = []
    for name, spec in raw.items():
        line = raw.line_of(name)
        if not name.isidentifier():
            raise RuleError(f"parameter name '{name}' must be a valid identifier", location=_at(path, line))
        if name in RESERVED_PARAMETERS:
            raise RuleError(
                f"parameter '{name}' is reserved: it is {RESERVED_PARAMETERS[name]}", location=_at(path, line)
            )
        if not isinstance(spec, LineMap):
            raise RuleError(
                f"parameter '{name}' must be a mapping with type, default and description",
                location=_at(path, line),
            )
        for key in spec:
            if key not in PARAMETER_KEYS:
                notices.append(
                    Notice(f"unknown key '{key}' in parameter '{name}' ignored", _at(path, spec.line_of(key)))
                )
        type_name = spec.get("type")
        if type_name not in PARAMETER_TYPES:
            raise RuleError(
                f"parameter '{name}' has type {type_name!r}; use one of {', '.join(PARAMETER_TYPES)}",
                location=_at(path, spec.line_of("type")),
            )
        if "default" not in spec:
            raise RuleError(f"parameter '{name}' needs a default", location=_at(path, line))
        try:
            default = coerce_value(spec["default"], type_name)
        except ValueError as exc:
            raise RuleError(
                f"default of parameter '{name}' ({type_name}): {exc}",
                location=_at(path, spec.line_of("default")),
            ) from exc
        description = spec.get("description")
        if not isinstance(description, str) or not description.strip():
            raise RuleError(f"parameter '{name}' needs a description", location=_at(path, line))
        parameters.append(Parameter(name, type_name, default, description.strip()))
    return tuple(parameters)


# -- binding -------------------------------------------------------------------------------------


def binding_connection(steps: Sequence[Step] = ()) -> Any:
    """An in-memory store with every table, view and step table, all empty."""
    from appconsol.store import Store, table_ddl

    store = Store(Path(":memory:"))
    for step in steps:
        for table in step.writes:
            store.con.execute(table_ddl(table))
    return store


def sql_parameters(rule: Rule) -> set[str]:
    """The `$names` the rule's SQL uses; RuleError unless it is exactly one SELECT statement."""
    import duckdb

    try:
        statements = duckdb.extract_statements(rule.sql)
    except duckdb.Error as exc:
        raise _sql_error(rule, exc, "SQL does not parse") from exc
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        what = (
            f"sql holds {len(statements)} statements"
            if len(statements) != 1
            else f"sql is a statement of type {statements[0].type.name}"
        )
        raise RuleError(
            f"{what}: not allowed in rules, whose sql is exactly one SELECT (or WITH ... SELECT)",
            hint="rules only read the store (no COPY, ATTACH, INSTALL, LOAD, PRAGMA, SET, CALL, EXPORT or IMPORT)",
            location=_at(rule.path, rule.sql_line),
        )
    return set(statements[0].named_parameters)


def bound_values(rule: Rule, values: dict[str, Any], as_of: Any, names: set[str]) -> dict[str, Any]:
    """The values to bind: exactly the parameters the SQL names (DuckDB refuses extras)."""
    bound = {name: values[name] for name in names if name in values}
    if "as_of" in names:
        bound["as_of"] = as_of
    return bound


def bind_rules(
    rules: Sequence[Rule],
    notices: list[Notice],
    steps: Sequence[Step] = (),
    limits: SandboxLimits | None = None,
) -> list[RuleError]:
    """Bind each rule, with its defaults, in a rule sandbox over the empty store; report what fails.

    Binding resolves names and types without running the query, so a rule that would run for
    ever (a cross join, a recursive CTE) does not hang `rules list`; the static sandbox check
    (`check_sql`) and the column-type check run here too.
    """
    import datetime as dt

    from appconsol.engine.sandbox import RuleSandbox, check_sql, check_types, readable_relations

    problems: list[RuleError] = []
    if not rules:
        return problems
    with binding_connection(steps) as store, RuleSandbox(limits) as sandbox:
        reads: dict[int, set[str]] = {}
        for index, rule in enumerate(rules):
            try:
                names = sql_parameters(rule)
                reads[index] = check_sql(rule)
            except RuleError as exc:
                problems.append(exc)
        # Every readable relation (all empty), so DuckDB's "did you mean" suggests the right one.
        sandbox.copy_shapes_from(store.con, readable_relations(steps))
        for index, rule in enumerate(rules):
            if index not in reads:
                continue
            try:
                names = sql_parameters(rule)
                declared = {p.name for p in rule.parameters}
                undeclared = sorted(names - declared - set(RESERVED_PARAMETERS))
                if undeclared:
                    found = re.search(rf"\${undeclared[0]}\b", rule.sql)
                    line = rule.sql_line + (rule.sql[: found.start()].count("\n") if found else 0)
                    raise RuleError(
                        f"sql uses ${undeclared[0]}, which is not a declared parameter",
                        hint="declare it under 'parameters' with a type, default and description",
                        location=_at(rule.path, line),
                    )
                for unused in sorted(declared - names):
                    notices.append(
                        Notice(
                            f"parameter '{unused}' is declared but the sql never uses ${unused}",
                            rule.location("parameters"),
                        )
                    )
                relation = bound_relation(
                    sandbox, rule, bound_values(rule, rule.defaults(), dt.date.today(), names)
                )
                check_types(rule, relation.columns, relation.types)
                _check_columns(rule, list(relation.columns), notices)
            except RuleError as exc:
                problems.append(exc)
    return problems


def bound_relation(sandbox: RuleSandbox, rule: Rule, params: dict[str, Any]) -> Any:
    """The rule's query bound in the sandbox (names and types resolved, nothing run)."""
    import duckdb

    from appconsol.engine.sandbox import sandbox_error

    try:
        return sandbox.relation(rule.sql, params)
    except duckdb.Error as exc:
        reason = sandbox_error(exc, sandbox.limits)
        if reason is not None:
            raise RuleError(reason, location=_at(rule.path, rule.sql_line)) from exc
        if "\nLINE " not in str(exc):
            # A lazy relation's bind error has no "LINE n:"; the same statement through execute()
            # fails at the same bind step (so nothing runs) and says where.
            try:
                sandbox.execute(rule.sql, params)
            except duckdb.Error as again:
                exc = again
        raise _sql_error(rule, exc, "SQL does not bind against the canonical views") from exc


def _check_columns(rule: Rule, columns: list[str], notices: list[Notice]) -> None:
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise RuleError(
            f"sql returns the column '{duplicated[0]}' twice", location=_at(rule.path, rule.sql_line)
        )
    for name in rule.identity:
        if name not in columns:
            raise RuleError(
                f"identity column '{name}' is not returned by the sql (it returns {', '.join(columns)})",
                location=rule.location("identity" if "identity" in rule.lines else "sql"),
            )
    for name in template_fields(rule.message):
        if name not in columns:
            raise RuleError(
                f"message uses {{{name}}}, which the sql does not return (it returns {', '.join(columns)})",
                location=rule.location("message"),
            )
    missing = [c for c in LOCATING_COLUMNS if c not in columns]
    if missing:
        notices.append(
            Notice(
                f"sql returns no {' or '.join(missing)}, so its findings cannot point at a row",
                rule.location("sql"),
            )
        )


def _sql_error(rule: Rule, exc: Exception, what: str) -> RuleError:
    text = str(exc)
    match = _DUCKDB_LINE.search(text)
    line = rule.sql_line + int(match.group(1)) - 1 if match else rule.sql_line
    first = text.split("\nLINE ")[0].strip().replace("\n", " ")
    return RuleError(f"{what}: {first}", location=_at(rule.path, line))
