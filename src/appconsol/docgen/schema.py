"""docs/schema.md and `appconsol schema -f json`: the canonical fields, vocabularies and tables."""

from __future__ import annotations

import json

from appconsol.schema import APPLICATION_FIELDS, TABLES, render_schema_markdown

__all__ = ["render_schema_json", "render_schema_markdown"]


def render_schema_json() -> str:
    """The schema as JSON: each field (kind, aliases, vocabulary) and each store table's columns."""
    return json.dumps(
        {
            "fields": [
                {
                    "name": f.name,
                    "kind": f.kind.value,
                    "description": f.description,
                    "aliases": list(f.aliases),
                    "vocabulary": {k: list(v) for k, v in f.vocabulary.items()},
                }
                for f in APPLICATION_FIELDS
            ],
            "tables": [
                {
                    "name": t.name,
                    "grain": t.grain,
                    "columns": [{"name": c.name, "type": c.sql_type} for c in t.columns],
                }
                for t in TABLES
            ],
        },
        indent=2,
    )
