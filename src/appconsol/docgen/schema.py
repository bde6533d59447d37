"""docs/schema.md and `appconsol schema -f json`: the canonical fields, vocabularies and tables."""

from __future__ import annotations

import json

from appconsol.schema import APPLICATION_FIELDS, DEFAULT_CURRENCY, SCHEMA_VERSION, TABLES, VIEWS, Kind


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


def render_schema_markdown() -> str:
    """Render docs/schema.md; a test compares the committed file to this output."""
    lines = [
        "# The canonical schema",
        "",
        "Generated from `src/appconsol/schema/` by `appconsol schema -f markdown`; do not edit by "
        "hand (a test fails when this file is stale).",
        "",
        f"Schema version: **{SCHEMA_VERSION}**. Money is stored as `DECIMAL(18,2)` in one currency per "
        f"store (default {DEFAULT_CURRENCY}); an unknown amount is NULL, never 0.",
        "",
        "## Inventory fields",
        "",
        "Each field, its stored type, what it means and the headers it is recognised by (case, "
        "punctuation and spacing are ignored; fuzzy matching covers near misses).",
        "",
        "| field | kind | stored as | meaning | recognised headers |",
        "|---|---|---|---|---|",
    ]
    for f in APPLICATION_FIELDS:
        where = (
            f"`{f.sql_type}`"
            if f.stored
            else ("`app_capabilities`" if f.kind is Kind.LIST else "`app_components`")
        )
        aliases = ", ".join(f.aliases)
        lines.append(f"| `{f.name}` | {f.kind.value} | {where} | {f.description} | {aliases} |")
    lines += [
        "",
        "## Vocabularies",
        "",
        "Controlled fields map the values below onto the canonical term; the original text is kept in `originals`.",
        "",
    ]
    for f in APPLICATION_FIELDS:
        if not f.vocabulary:
            continue
        lines += [f"### `{f.name}`", "", "| stored value | accepted values |", "|---|---|"]
        for canonical, words in f.vocabulary.items():
            lines.append(f"| `{canonical}` | {', '.join(words)} |")
        lines.append("")
    lines += ["## Tables", ""]
    for t in TABLES:
        lines += [
            f"### `{t.name}`",
            "",
            f"Grain: {t.grain}.",
            "",
            "| column | type | meaning |",
            "|---|---|---|",
        ]
        for c in t.columns:
            lines.append(f"| `{c.name}` | `{c.sql_type}` | {c.description} |")
        lines.append("")
    lines += [
        "## Canonical views",
        "",
        "Rules read these views (and the tables analysis steps write), never the tables above "
        "directly, so the tables can change without breaking rules. Every store has them.",
        "",
    ]
    for v in VIEWS:
        lines += [f"### `{v.name}`", "", v.description, "", "```sql", v.sql, "```", ""]
        if v.derived:
            lines += ["| added column | type | meaning |", "|---|---|---|"]
            lines += [f"| `{c.name}` | `{c.sql_type}` | {c.description} |" for c in v.derived]
            lines.append("")
    lines += _analysis_tables_markdown()
    return "\n".join(lines).rstrip() + "\n"


def _analysis_tables_markdown() -> list[str]:
    """The tables the registered analysis steps write (each step declares them as `Table`s)."""
    from appconsol.analyses import builtin_steps
    from appconsol.engine.steps import order_steps

    steps = order_steps(builtin_steps())
    if not steps:
        return []
    lines = [
        "## Analysis tables",
        "",
        "Written by the analysis steps, which run before the rules and rewrite their tables wholesale "
        "each run; rules may read them like the views above.",
        "",
    ]
    for step in steps:
        for t in step.writes:
            lines += [
                f"### `{t.name}`",
                "",
                f"Grain: {t.grain}. Written by the `{step.name}` step ({step.description.rstrip('.')}).",
                "",
                "| column | type | meaning |",
                "|---|---|---|",
            ]
            lines += [f"| `{c.name}` | `{c.sql_type}` | {c.description} |" for c in t.columns]
            lines.append("")
    return lines
