"""The generated parts of docs/method-overlap-plan.md: settings and the savings model's assumptions.

The document is written by hand except between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED: name -->` markers, filled here from the steps' setting declarations and
`Assumptions.describe()`; a test fails when they are stale. Refresh every generated doc with

    python -m appconsol.docgen
"""

from __future__ import annotations

from appconsol.analyses import capabilities, overlap, plan, products
from appconsol.analyses.savings import Assumptions
from appconsol.analyses.settings import settings_markdown
from appconsol.docgen.blocks import cell as _cell
from appconsol.docgen.blocks import refresh_blocks

_ASSUMPTION_NAMES = {s.key for s in plan.ASSUMPTION_SETTINGS}


def reference_settings() -> list[str]:
    """The [reference] settings the product and capability steps read."""
    return settings_markdown("reference", (*products.REFERENCE_SETTINGS, *capabilities.REFERENCE_SETTINGS))


def overlap_settings() -> list[str]:
    """The [overlap] settings table."""
    return settings_markdown("overlap", overlap.OVERLAP_SETTINGS)


def plan_settings() -> list[str]:
    """The [plan] settings that are not savings assumptions, and the pins."""
    own = [s for s in plan.PLAN_SETTINGS if s.key not in _ASSUMPTION_NAMES]
    lines = settings_markdown("plan", own)
    lines.append(
        '| `pins` | list of tables | `[]` | `{organisation = ..., app_id = ..., pin = "keep"}` keeps an application '
        '(it survives its group and no disposition action is planned for it); `pin = "retire"` moves it onto '
        "another member of its group (when one can take it), or retires it when it is in none. |"
    )
    return lines


def assumptions() -> list[str]:
    """The savings model's assumptions: default, unit and source of each."""
    lines = [
        "| assumption (`[plan]` key) | default | unit | source of the default |",
        "|---|---:|---|---|",
    ]
    for item in Assumptions().describe():
        if item.name not in _ASSUMPTION_NAMES:
            continue  # derived from as_of, not a setting
        lines.append(f"| `{item.name}` | {item.value:g} | {_cell(item.unit)} | {_cell(item.source)} |")
    lines.append(
        "| `staff_cost_cashable` | false | true/false | Internal staff time is redeployed, not paid out, so "
        "it is non-cashable unless you say otherwise |"
    )
    return lines


GENERATORS = {
    "reference_settings": reference_settings,
    "overlap_settings": overlap_settings,
    "plan_settings": plan_settings,
    "assumptions": assumptions,
}


def refresh(text: str) -> str:
    """The document with every generated block rewritten."""
    return refresh_blocks(text, GENERATORS)
