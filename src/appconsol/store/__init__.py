"""The DuckDB store: one file, tables from the schema, one way to write, generations for freshness.

`Store` (store/core.py) opens the file and is the only writer: `transaction()`, `insert_frame`,
`replace_table`, `query`. Loads (store/loads.py) are one transaction per file, keyed by the file's
identity. The store generation (store/generation.py) tells whether the analysis tables still
describe what is loaded.
"""

from __future__ import annotations

from appconsol.store.core import DEFAULT_STORE, Store, open_store
from appconsol.store.ddl import table_ddl
from appconsol.store.generation import analysis_problem, generation, require_current_analysis
from appconsol.store.loads import PROVENANCE_TABLES, LoadRecord, file_key

__all__ = [
    "DEFAULT_STORE",
    "PROVENANCE_TABLES",
    "LoadRecord",
    "Store",
    "analysis_problem",
    "file_key",
    "generation",
    "open_store",
    "require_current_analysis",
    "table_ddl",
]
