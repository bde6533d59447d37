"""The one `CREATE TABLE` statement generator, for schema tables and analysis steps' own tables."""

from __future__ import annotations

from appconsol.schema import TABLES_BY_NAME, Table


def table_ddl(table: str | Table) -> str:
    """CREATE TABLE IF NOT EXISTS for a schema table (by name) or a step's declared table."""
    declared = TABLES_BY_NAME[table] if isinstance(table, str) else table
    columns = ",\n  ".join(f'"{c.name}" {c.sql_type}' for c in declared.columns)
    return f'CREATE TABLE IF NOT EXISTS "{declared.name}" (\n  {columns}\n)'
