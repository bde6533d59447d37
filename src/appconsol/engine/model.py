"""The engine's nouns: severities, rule parameters, rules and findings.

A rule is data read from one YAML file (see `docs/rules.md` for the format); nothing here runs
SQL. Parameter values are coerced to their declared type here, once, so the runner can bind them
to DuckDB as `$name` parameters and never splice text into SQL.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from appconsol.errors import Location


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


SEVERITIES = tuple(s.value for s in Severity)
FAIL_ON_CHOICES = ("error", "warning", "info", "never")


def reaches(severity: str, fail_on: str) -> bool:
    """True when a finding of `severity` is at or above the `--fail-on` threshold."""
    if fail_on == "never":
        return False
    return _RANK[severity] >= _RANK[fail_on]


_RANK = {s.value: s.rank for s in Severity}


PARAMETER_TYPES = (
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "list[string]",
    "list[integer]",
    "list[number]",
)
RESERVED_PARAMETERS = {"as_of": "the run's as-of date (config `as_of` or `--as-of`, default today)"}


def coerce_value(value: Any, type_name: str) -> Any:
    """Return `value` as the Python value DuckDB binds for `type_name`; ValueError says why not."""
    if type_name.startswith("list["):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list, got {_describe(value)}")
        item_type = type_name[5:-1]
        return [coerce_value(item, item_type) for item in value]
    if type_name == "string":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_describe(value)}")
        return value
    if type_name == "boolean":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_describe(value)}")
        return value
    if type_name == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {_describe(value)}")
        return value
    if type_name == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"expected a number, got {_describe(value)}")
        return float(value)
    if type_name == "date":
        return _coerce_date(value)
    raise ValueError(f"unknown parameter type '{type_name}'")


def _coerce_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date (YYYY-MM-DD), got {_describe(value)}")


def _describe(value: Any) -> str:
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list", dict: "mapping"}
    name = kind.get(type(value), type(value).__name__)
    return f"{name} {value!r}" if not isinstance(value, (list, dict)) else name


@dataclass(frozen=True)
class Parameter:
    """A rule parameter: bound to the SQL as `$name`."""

    name: str
    type: str
    default: Any
    description: str


def template_fields(template: str) -> list[str]:
    """Column names a message template refers to (`{name}`); ValueError for anything fancier."""
    names = []
    for _literal, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"'{{{name}}}' is not a plain column placeholder; write {{column_name}}")
        names.append(name)
    return names


@dataclass(frozen=True)
class Rule:
    """One rule as read from its YAML file."""

    code: str
    name: str
    summary: str
    category: str
    severity: Severity
    sql: str
    message: str
    rationale: str
    references: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    groups: tuple[str, ...] = ()
    identity: tuple[str, ...] = ("organisation", "app_id")
    path: Path | None = None
    lines: Mapping[str, int] = field(default_factory=dict)
    sql_line: int = 1
    builtin: bool = False

    @property
    def cases_path(self) -> Path | None:
        return self.path.with_name(f"{self.path.stem}.cases.yaml") if self.path else None

    def location(self, key: str | None = None) -> Location:
        return Location(file=self.path, line=self.lines.get(key or "code", 1) if self.path else None)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.parameters}

    def matches(self, selector: str) -> bool:
        """Selection by code (or code glob such as `DQ*`), category or group."""
        from fnmatch import fnmatchcase

        return fnmatchcase(self.code, selector) or selector in (self.category, *self.groups)


@dataclass(frozen=True)
class ConfiguredRule:
    """A rule with the severity and parameter values this run uses."""

    rule: Rule
    severity: Severity
    parameters: Mapping[str, Any]

    @property
    def code(self) -> str:
        return self.rule.code


@dataclass
class Finding:
    """One finding, as stored in the `findings` table and shown by the renderers."""

    key: str
    subject: str
    rule: str
    rule_name: str
    category: str
    severity: str
    message: str
    organisation: str | None = None
    app_id: str | None = None
    application: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    source_file: str | None = None
    source_sheet: str | None = None
    source_row: int | None = None
    waived: bool = False
    waiver_reason: str | None = None
    baseline: str | None = None  # "new" or "unchanged" when compared with a baseline
    source_line: int | None = None  # physical line of a text file's record, when not its row

    @property
    def line(self) -> int | None:
        """The line an editor or CI shows: the physical line in a text file, the row in a sheet."""
        return self.source_line if self.source_line is not None else self.source_row

    @property
    def counts(self) -> bool:
        """Counts towards the exit code: not waived and not already in the baseline."""
        return not self.waived and self.baseline != "unchanged"

    def where(self) -> str:
        parts = [self.source_file or ""]
        if self.source_sheet:
            parts.append(f"sheet '{self.source_sheet}'")
        if self.source_row is not None:
            parts.append(f"row {self.source_row}")
        return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class RuleFailure:
    """A rule or analysis step that could not run; the run goes on and exits 2."""

    code: str
    kind: str  # "rule" or "step"
    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = self.location.describe() if self.location else ""
        what = f"{self.kind} {self.code} failed: {self.message}"
        return f"{where}: {what}" if where else what


@dataclass(frozen=True)
class RuleTiming:
    code: str
    kind: str
    seconds: float
    findings: int | None
    status: str
    source: str | None = None
