"""The rule sandbox's static check: what a rule's SQL calls and reads, from DuckDB's own parse.

`check_sql` refuses functions and table names that reach outside the sandbox, with the rule
file and line, so a mistake is caught before anything runs (the sandbox's settings are the guard
that holds when this check is bypassed); `columns_read` lists the columns a rule may read, so the
sandbox copies only those. Each text is parsed once: a rule's SQL is checked when the pack is
bound and again when it runs.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from appconsol.errors import Location, RuleError

if TYPE_CHECKING:
    from appconsol.engine.model import Rule

SANDBOX_DOC = "docs/rules.md, 'The rule sandbox'"

# Functions that reach outside the sandbox (files, URLs, other databases, settings, dynamic SQL).
DENIED_FUNCTIONS = frozenset(
    {
        "glob",
        "sniff_csv",
        "getenv",
        "current_setting",
        "getvariable",
        "which_secret",
        "query",
        "query_table",
        "json_execute_serialized_sql",
        "parquet_metadata",
        "parquet_schema",
        "parquet_file_metadata",
        "parquet_kv_metadata",
        "parquet_bloom_probe",
        "checkpoint",
        "force_checkpoint",
        "load_aws_credentials",
        "st_read",
        "st_read_meta",
        "st_drivers",
    }
)
DENIED_PREFIXES = ("read_", "duckdb_", "pragma_", "iceberg_", "delta_", "ducklake_", "postgres_", "mysql_")
DENIED_SUFFIXES = ("_scan", "_attach")
_PATH_LIKE = re.compile(r"[/\\:]|\.[A-Za-z0-9]{1,8}$")


def check_sql(rule: Rule) -> set[str]:
    """Refuse functions and table names that reach outside the sandbox; the relations the SQL names.

    Raises RuleError at the rule's file and line. The runtime sandbox is the real guard: this check gives a clear message early.
    """
    tree, nodes = _parsed(rule.sql)
    if tree.get("error"):
        return set()  # the parser's own message comes from binding
    tables: set[str] = set()
    ctes: set[str] = set()
    for node, offset in nodes:
        name = node.get("function_name")
        if isinstance(name, str) and _denied(name):
            raise _not_allowed(rule, offset, f"sql calls {name}(), which reads outside the rule sandbox")
        if node.get("type") == "BASE_TABLE":
            table = node.get("table_name", "")
            if _PATH_LIKE.search(table):
                raise _not_allowed(rule, offset, f"sql reads '{table}' as a table, a file or URL")
            if node.get("catalog_name"):
                qualified = ".".join(n for n in (node["catalog_name"], node.get("schema_name"), table) if n)
                raise _not_allowed(rule, offset, f"sql reads '{qualified}', a table of another database")
            tables.add(table)
        for entry in node.get("cte_map", {}).get("map", []) if isinstance(node.get("cte_map"), dict) else []:
            ctes.add(entry.get("key", ""))
    return tables - ctes


def columns_read(rule: Rule) -> dict[str, frozenset[str] | None]:
    """For each relation the rule's SQL names (lower-cased), the column names it may read; None: all.

    Every name any column reference mentions counts (qualified or not, lambda parameters too), so
    the sets are generous. A relation needs every column when a `*` or `COLUMNS(...)` selects from
    it (a star over a CTE or a subquery widens only what that one selects from), when it is renamed
    column by column (`t AS x(a, b)`) or used as a value (`to_json(a)`); a positional reference, a
    NATURAL or POSITIONAL join or PIVOT/UNPIVOT needs every column of every relation. The rule
    sandbox copies only these columns in, a fraction of the wide tables (evidence JSON).
    """
    tree, nodes = _parsed(rule.sql)
    if tree.get("error"):
        return {}  # the rule fails to bind and never runs
    names: set[str] = set()
    single: set[str] = set()
    aliases: dict[str, set[str]] = {}
    wide: set[str] = set()
    everything = False
    for node, _offset in nodes:
        kind, cls = node.get("type"), node.get("class")
        if cls == "POSITIONAL_REFERENCE" or kind == "PIVOT":
            everything = True
        elif cls == "COLUMN_REF":
            parts = [str(p).lower() for p in node.get("column_names", [])]
            names.update(parts)
            if len(parts) == 1:
                single.update(parts)
        elif kind == "JOIN":
            everything |= node.get("ref_type") in ("NATURAL", "POSITIONAL")
            names.update(str(c).lower() for c in node.get("using_columns") or [])
        elif kind == "BASE_TABLE":
            table = str(node.get("table_name", "")).lower()
            aliases.setdefault(table, set()).update({table, str(node.get("alias") or "").lower()} - {""})
            if node.get("column_name_alias"):
                wide.add(table)
        elif kind == "SELECT_NODE" and any(
            inner.get("class") == "STAR" for inner in _own_nodes(node) if isinstance(inner, dict)
        ):
            wide.update(_direct_tables(node.get("from_table")))
    frozen = frozenset(names)
    return {
        table: None if everything or table in wide or known & single else frozen
        for table, known in aliases.items()
    }


# Each rule's SQL is parsed when the pack is bound and again when it runs (check_sql, columns_read);
# the tree depends on the text alone, so it is parsed once per text, on a connection of its own.
_PARSER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _parser() -> Any:
    import duckdb

    return duckdb.connect(":memory:")


@functools.lru_cache(maxsize=1024)
def _parsed(sql: str) -> tuple[dict[str, Any], list[tuple[dict[str, Any], int | None]]]:
    """DuckDB's parse tree of `sql` and every mapping in it with its offset (see `_nodes`); read only."""
    with _PARSER_LOCK:
        # fetchall, not fetchone: DuckDB 2 refuses new work while a result is half read.
        rows = _parser().execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchall()
    tree = json.loads(rows[0][0]) if rows else {}
    return tree, list(_nodes(tree, None))


def _own_nodes(node: Any, top: bool = True) -> Iterable[Any]:
    """A query node's own parse nodes: not those of the subqueries and CTEs inside it."""
    if isinstance(node, dict):
        if not top and node.get("type") == "SELECT_NODE":
            return
        yield node
        for value in node.values():
            yield from _own_nodes(value, False)
    elif isinstance(node, list):
        for value in node:
            yield from _own_nodes(value, False)


def _direct_tables(node: Any) -> set[str]:
    """The base tables a FROM clause reads itself (not through a subquery)."""
    return {
        str(inner.get("table_name", "")).lower()
        for inner in _own_nodes(node, False)
        if isinstance(inner, dict) and inner.get("type") == "BASE_TABLE"
    }


def _denied(name: str) -> bool:
    name = name.lower()
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES) or name.endswith(DENIED_SUFFIXES)


def _nodes(node: Any, offset: int | None) -> Iterable[tuple[dict[str, Any], int | None]]:
    """Every mapping in the parse tree, with the nearest known character offset into the SQL."""
    if isinstance(node, dict):
        location = node.get("query_location")
        if isinstance(location, int) and location < 2**63:
            offset = location
        yield node, offset
        for value in node.values():
            yield from _nodes(value, offset)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value, offset)


def _not_allowed(rule: Rule, offset: int | None, what: str) -> RuleError:
    line = rule.sql_line + (rule.sql[:offset].count("\n") if offset is not None else 0)
    return RuleError(
        f"{what}: not allowed in rules",
        hint=f"a rule reads only the canonical views and analysis tables ({SANDBOX_DOC})",
        location=Location(file=rule.path, line=line) if rule.path else None,
    )
