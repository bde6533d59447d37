"""The generated parts of docs/method-legacy-cloud.md: the decision table and the settings tables.

The document is written by hand except between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED: name -->` markers, which this module fills from the decision files and the
steps' setting declarations; a test fails when they are stale. Refresh every generated doc with

    python -m appconsol.docgen
"""

from __future__ import annotations

from appconsol.analyses.disposition import CLOUD_SETTINGS, UNKNOWN_WHEN
from appconsol.analyses.legacy import LEGACY_SETTINGS
from appconsol.analyses.lifecycle import REFERENCE_SETTINGS
from appconsol.analyses.settings import settings_markdown
from appconsol.docgen.blocks import cell as _cell
from appconsol.docgen.blocks import refresh_blocks
from appconsol.engine.decisions import FACTS_TABLE, load_decisions


def decisions_markdown() -> list[str]:
    """The decision table as Markdown: order, code, disposition, confidence, facts, condition, summary."""
    prefix = f"SELECT organisation, app_id FROM {FACTS_TABLE} WHERE ("
    lines = [
        "| order | code | disposition | confidence | lowered by unknown | when (over `disposition_facts`) | summary |",
        "|---:|---|---|---|---|---|---|",
    ]
    for d in load_decisions():
        condition = d.sql.strip()
        if condition.startswith(prefix):
            condition = condition[len(prefix) :].rstrip(")").strip()
        facts = ", ".join(d.depends_on) or "-"
        lines.append(
            f"| {d.order} | `{d.code}` | {d.disposition} | {d.confidence} | {facts} | `{_cell(condition)}` "
            f"| {_cell(d.summary)} |"
        )
    return lines


def facts_markdown() -> list[str]:
    """The facts a decision can depend on, and when each counts as unknown."""
    lines = ["| fact | unknown when (over `disposition_facts`) |", "|---|---|"]
    lines += [f"| `{fact}` | `{_cell(when)}` |" for fact, when in UNKNOWN_WHEN.items()]
    return lines


def settings_blocks() -> list[str]:
    """The [reference], [legacy] and [cloud] settings tables."""
    lines: list[str] = []
    for section, specs in (
        ("reference", REFERENCE_SETTINGS),
        ("legacy", LEGACY_SETTINGS),
        ("cloud", CLOUD_SETTINGS),
    ):
        lines += [*settings_markdown(section, specs), ""]
    return lines[:-1]


GENERATORS = {"decisions": decisions_markdown, "facts": facts_markdown, "settings": settings_blocks}


def refresh(text: str) -> str:
    """The document with every generated block rewritten."""
    return refresh_blocks(text, GENERATORS)
