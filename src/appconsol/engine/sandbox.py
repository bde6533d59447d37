"""The rule sandbox: rule SQL reads the canonical views and analysis tables, and nothing else.

Rule files come from folders named in appconsol.toml, so a pull request can add one; a rule is
therefore untrusted code. It runs in its own in-memory DuckDB database, never on the store's
connection:

- the database holds copies of the relations rules may read - the canonical views and the tables
  analysis steps write - and only those the rules being run name, passed through Arrow and
  stored as DuckDB tables (a registered Arrow table is cheaper to set up, but the built-in pack
  ran about ten times slower over Arrow scans at 100k applications);
- `enable_external_access=false` (no file, URL, ATTACH or COPY), extension autoinstall and
  autoload off, community extensions refused, Python replacement scans off, then
  `lock_configuration=true` so SQL cannot change any of it back;
- a memory limit, spilling to a private temporary folder that is removed afterwards;
- a time limit per query: a timer calls `interrupt()` on the connection when it passes.

The store's file cannot be opened a second time read-only in the same process while the
read-write connection holds it (DuckDB refuses both a read-only `connect` and an `ATTACH`), and a
`check` store lives in memory, so copying through Arrow is the one way that serves every case.

A static check at load time (`check_sql`, in sql_check.py) refuses file, URL and system functions with the rule
file and line, so a mistake is caught before anything runs; the sandbox settings are the guard
that holds when the static check is bypassed.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from appconsol.engine.sql_check import (  # the static check, where callers have found it
    DENIED_FUNCTIONS as DENIED_FUNCTIONS,
)
from appconsol.engine.sql_check import DENIED_PREFIXES as DENIED_PREFIXES
from appconsol.engine.sql_check import DENIED_SUFFIXES as DENIED_SUFFIXES
from appconsol.engine.sql_check import SANDBOX_DOC as SANDBOX_DOC
from appconsol.engine.sql_check import check_sql as check_sql
from appconsol.engine.sql_check import columns_read as columns_read
from appconsol.errors import ConfigError, Location, RuleError

if TYPE_CHECKING:
    import pyarrow as pa

    from appconsol.engine.model import Rule
    from appconsol.engine.steps import Step

DEFAULT_TIME_LIMIT = 30.0  # seconds per rule
DEFAULT_MEMORY_LIMIT = "1GB"
TIME_LIMIT_ENV = "APPCONSOL_RULE_TIME_LIMIT"
MEMORY_LIMIT_ENV = "APPCONSOL_RULE_MEMORY_LIMIT"

# Set when the database is created; `lock_configuration` then freezes them.
SANDBOX_SETTINGS: dict[str, Any] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "python_enable_replacements": False,
}

_SIZE = re.compile(r"\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", re.IGNORECASE)

# Column types the findings path carries (evidence JSON, messages, keys); anything else, such as
# BLOB, BIT, INTERVAL or UNION, is refused with the rule's name rather than crashing the run.
SCALAR_TYPES = frozenset(
    {
        "boolean",
        "tinyint",
        "smallint",
        "integer",
        "bigint",
        "hugeint",
        "utinyint",
        "usmallint",
        "uinteger",
        "ubigint",
        "uhugeint",
        "float",
        "double",
        "decimal",
        "varchar",
        "date",
        "time",
        "timestamp",
        "timestamp_s",
        "timestamp_ms",
        "timestamp_ns",
        "timestamp with time zone",
        "uuid",
        "enum",
        "null",
    }
)
NESTED_TYPES = frozenset({"list", "array", "struct", "map"})


@dataclass(frozen=True)
class SandboxLimits:
    """How long one rule may run (seconds) and how much memory the sandbox may use (a size)."""

    time_limit: float = DEFAULT_TIME_LIMIT
    memory_limit: str = DEFAULT_MEMORY_LIMIT


def sandbox_limits(
    time_limit: Any = None,
    memory_limit: Any = None,
    *,
    where: Location | None = None,
    environ: Mapping[str, str] | None = None,
) -> SandboxLimits:
    """The limits to use: APPCONSOL_RULE_TIME_LIMIT / _MEMORY_LIMIT win over the values given
    (from appconsol.toml's [rules]), which win over the defaults (30 s, 1GB).

    The environment wins so that a CI job can hold the limits where a pull request (which can
    edit appconsol.toml) cannot reach them.
    """
    env = os.environ if environ is None else environ
    seconds, size = DEFAULT_TIME_LIMIT, DEFAULT_MEMORY_LIMIT
    if env.get(TIME_LIMIT_ENV, "").strip():
        seconds = _seconds(env[TIME_LIMIT_ENV], TIME_LIMIT_ENV, None)
    elif time_limit is not None:
        seconds = _seconds(time_limit, "rules.time_limit", where)
    if env.get(MEMORY_LIMIT_ENV, "").strip():
        size = _size(env[MEMORY_LIMIT_ENV], MEMORY_LIMIT_ENV, None)
    elif memory_limit is not None:
        size = _size(memory_limit, "rules.memory_limit", where)
    return SandboxLimits(seconds, size)


def _seconds(value: Any, origin: str, where: Location | None) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not (0 < seconds <= 86_400):
        raise ConfigError(
            f"{origin} '{value}' must be a number of seconds above 0 (at most 86400)",
            hint=f"the default is {DEFAULT_TIME_LIMIT:g}",
            location=where,
        )
    return seconds


def _size(value: Any, origin: str, where: Location | None) -> str:
    if not isinstance(value, str) or not _SIZE.fullmatch(value):
        raise ConfigError(
            f"{origin} '{value}' must be a size such as 1GB or 500MB",
            hint=f"the default is {DEFAULT_MEMORY_LIMIT}",
            location=where,
        )
    return value.strip()


def readable_relations(steps: Iterable[Step] = ()) -> set[str]:
    """What rules may read: the canonical views and the tables analysis steps write."""
    from appconsol.engine.steps import registered_steps
    from appconsol.schema import VIEWS

    written = {t.name for s in [*registered_steps(), *steps] for t in s.writes}
    return {v.name for v in VIEWS} | written


# -- column types --------------------------------------------------------------------------------


def check_types(rule: Rule, columns: Sequence[str], types: Sequence[Any]) -> None:
    """RuleError when a column's type cannot become a finding (BLOB, BIT, INTERVAL, UNION, ...)."""
    from appconsol.engine.model import template_fields

    shown = {*template_fields(rule.message), *rule.identity}
    for name, kind in zip(columns, types, strict=True):
        bad = _unsupported(kind)
        if bad is not None:
            raise RuleError(
                f"sql returns column '{name}' of type {kind}, which findings cannot carry"
                + (f" ({bad} inside it)" if bad != str(kind) else ""),
                hint=f"cast it to VARCHAR in the SQL ({name}::VARCHAR) or leave it out",
                location=rule.location("sql") if rule.path else None,
            )
        if name in shown and kind.id in NESTED_TYPES:
            raise RuleError(
                f"column '{name}' of type {kind} is used in the message or identity, which need one value",
                hint=f"return a text column instead (e.g. array_to_string({name}, ', '))",
                location=rule.location("sql") if rule.path else None,
            )


def _unsupported(kind: Any) -> str | None:
    """The name of the first unsupported type inside `kind`, or None when it is supported."""
    if kind.id in SCALAR_TYPES:
        return None
    if kind.id in NESTED_TYPES:
        for child in kind.children:
            inner = child[1]
            if not isinstance(inner, int):  # an ARRAY's size is an int
                found = _unsupported(inner)
                if found is not None:
                    return found
        return None
    return str(kind).split("(")[0]


# -- the sandbox ---------------------------------------------------------------------------------


class RuleTimeoutError(RuleError):
    """A rule ran past its time limit and was interrupted."""


class RuleSandbox:
    """An in-memory, locked-down DuckDB database holding copies of the relations rules may read."""

    def __init__(self, limits: SandboxLimits | None = None):
        import duckdb

        self.limits = limits or sandbox_limits()
        from pathlib import Path

        from appconsol.store.artefact import sweep_stale

        # The pid in the name lets the next run sweep the folder of a run that was killed.
        sweep_stale(Path(tempfile.gettempdir()), "appconsol-rules-")
        self._spill = tempfile.mkdtemp(prefix=f"appconsol-rules-{os.getpid()}-")
        self._timed_out = False
        try:
            self.con = duckdb.connect(
                ":memory:",
                config={
                    **SANDBOX_SETTINGS,
                    "memory_limit": self.limits.memory_limit,
                    "temp_directory": self._spill,
                },
            )
            self.con.execute("SET lock_configuration = true")
        except BaseException:
            shutil.rmtree(self._spill, ignore_errors=True)
            raise
        self.relations: set[str] = set()

    def __enter__(self) -> RuleSandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self._spill, ignore_errors=True)

    def copy_from(
        self,
        source: Any,
        names: Iterable[str],
        columns: Mapping[str, frozenset[str] | None] | None = None,
    ) -> None:
        """Copy the named views and tables from `source` (the store's connection) into the sandbox.

        Each becomes a table of the same name and columns; names `source` lacks are skipped (the
        rule then fails to bind with DuckDB's own "does not exist"). With `columns` (relation name,
        lower-cased -> the column names the rules may read, None for all; see `columns_read`), a
        relation holds only those of its columns, in their order, and at least one.
        """
        present: dict[str, list[str]] = {}
        for table, column in source.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main' "
            "ORDER BY table_name, ordinal_position"
        ).fetchall():
            present.setdefault(table, []).append(column)
        for name in sorted(set(names) & set(present) - self.relations):
            wanted = None if columns is None else columns.get(name.lower())
            kept = [c for c in present[name] if wanted is None or c.lower() in wanted] or present[name][:1]
            listed = ", ".join('"' + c.replace('"', '""') + '"' for c in kept)
            relation = source.sql(f'SELECT {listed} FROM "{name}"')
            # Streamed a row group at a time: never the whole relation in Arrow beside its copy here
            # (at 1M applications the application view alone is hundreds of megabytes).
            stream = getattr(relation, "to_arrow_reader", None)
            self.add(name, stream(122_880) if stream else relation.arrow())

    def copy_shapes_from(self, source: Any, names: Iterable[str]) -> None:
        """Create the named relations of `source` here empty: their columns and types, no rows.

        What binding needs, in one statement instead of a query and a copy per relation.
        """
        shapes: dict[str, list[str]] = {}
        for table, column, data_type in source.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall():
            shapes.setdefault(table, []).append('"' + column.replace('"', '""') + '" ' + data_type)
        wanted = sorted(set(names) & set(shapes) - self.relations)
        if wanted:
            self.con.execute(
                ";".join(f'CREATE TABLE "{name}" ({", ".join(shapes[name])})' for name in wanted)
            )
            self.relations.update(wanted)

    def add(self, name: str, table: pa.Table | pa.RecordBatchReader) -> None:
        self.con.register("__incoming", table)
        try:
            self.con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM __incoming')
        finally:
            self.con.unregister("__incoming")
        self.relations.add(name)

    def relation(self, sql: str, params: Mapping[str, Any] | None) -> Any:
        """The rule's query bound (columns and types known) but not run."""
        return self._timed(lambda: self.con.sql(sql, params=dict(params) if params else None))

    def execute(self, sql: str, params: Mapping[str, Any] | None) -> None:
        """Run the rule's query to the end under the time limit (for its error message)."""
        self._timed(lambda: self.con.execute(sql, dict(params) if params else None).fetchall())

    def fetch(self, relation: Any) -> pa.Table:
        """Run a bound query under the time limit and return its rows."""
        fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
        return self._timed(fetch)

    def _timed(self, work: Any) -> Any:
        import duckdb

        self._timed_out = False

        def expire() -> None:
            self._timed_out = True
            self.con.interrupt()

        timer = threading.Timer(self.limits.time_limit, expire)
        timer.daemon = True
        timer.start()
        try:
            return work()
        except duckdb.InterruptException as exc:
            if self._timed_out:
                raise RuleTimeoutError(
                    f"ran longer than the {self.limits.time_limit:g} s time limit and was stopped",
                    hint=f"simplify the query, or raise [rules] time_limit / {TIME_LIMIT_ENV}",
                ) from exc
            raise
        finally:
            timer.cancel()


def sandbox_error(exc: BaseException, limits: SandboxLimits) -> str | None:
    """A one-line reason for an error the sandbox caused (file access, extension, memory), else None."""
    import duckdb

    text = str(exc).split("\n")[0]
    if isinstance(exc, duckdb.PermissionException) or "disabled by configuration" in text:
        found = re.search(r'"([^"]+)"', text)
        what = f" ({found.group(1)})" if found else ""
        return f"reads outside the rule sandbox{what}: not allowed in rules ({SANDBOX_DOC})"
    if isinstance(exc, duckdb.OutOfMemoryException):
        return (
            f"ran out of the rule sandbox's {limits.memory_limit} memory limit "
            f"(raise [rules] memory_limit / {MEMORY_LIMIT_ENV})"
        )
    if "exists in the" in text and "extension" in text:
        return f"needs a DuckDB extension, which rules may not load: not allowed in rules ({SANDBOX_DOC})"
    return None
