"""The canonical views: the contract rules are written against (docs/schema.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass

from appconsol.schema.fields import COST_LINE_FIELDS
from appconsol.schema.tables import Column


@dataclass(frozen=True)
class View:
    """A canonical view: the contract rules are written against (`docs/schema.md` lists them)."""

    name: str
    description: str
    sql: str
    derived: tuple[Column, ...] = ()  # columns the view adds to the table it reads


LIVE_LIFECYCLES: tuple[str, ...] = ("phase-in", "active", "phase-out")
_COST_LINES_TOTAL = (
    "CAST(CASE WHEN "
    + " AND ".join(f"{c} IS NULL" for c in COST_LINE_FIELDS)
    + " THEN NULL ELSE "
    + " + ".join(f"coalesce({c}, 0)" for c in COST_LINE_FIELDS)
    + " END AS DECIMAL(18,2))"
)

# The one meaning of an application's yearly cost, read by every step, rule and report: the
# stated total (lines are often partial), else the lines; a negative figure is no cost.
CASHABLE_COST_FIELDS: tuple[str, ...] = ("cost_licence", "cost_support", "cost_hosting", "cost_other")
_ANNUAL_COST = (
    "CAST(CASE WHEN a.cost_total >= 0 THEN a.cost_total "
    f"WHEN {_COST_LINES_TOTAL} >= 0 THEN {_COST_LINES_TOTAL} END AS DECIMAL(18,2))"
)
_ANNUAL_CASHABLE_COST = (
    f"CAST(CASE WHEN {_COST_LINES_TOTAL} >= 0 THEN "
    + " + ".join(f"coalesce({c}, 0)" for c in CASHABLE_COST_FIELDS)
    + " END AS DECIMAL(18,2))"
)

VIEWS: tuple[View, ...] = (
    View(
        "v_applications",
        "Every column of `applications`, plus the flags and sums rules keep needing.",
        "SELECT a.*,\n"
        "  (a.lifecycle IS NULL OR a.lifecycle IN ("
        + ", ".join(f"'{v}'" for v in LIVE_LIFECYCLES)
        + ")) AS is_live,\n"
        f"  {_COST_LINES_TOTAL} AS cost_lines_total,\n"
        "  ("
        + " + ".join(f"({c} IS NOT NULL)::INTEGER" for c in COST_LINE_FIELDS)
        + ") AS cost_lines_count,\n"
        f"  {_ANNUAL_COST} AS annual_cost,\n"
        f"  {_ANNUAL_CASHABLE_COST} AS annual_cashable_cost,\n"
        "  CASE WHEN a.cost_total >= 0 THEN 'cost_total' "
        f"WHEN {_COST_LINES_TOTAL} >= 0 THEN 'cost lines' END AS annual_cost_source\n"
        "FROM applications a",
        (
            Column(
                "is_live",
                "BOOLEAN",
                "True when the lifecycle is phase-in, active or phase-out, **or unknown (NULL)**: an "
                "application listed in an inventory without a lifecycle is taken to be in use, so the "
                "rules about live applications (including the one that asks for a lifecycle) see it.",
            ),
            Column(
                "cost_lines_total",
                "DECIMAL(18,2)",
                "Sum of the cost lines given (licence, support, hosting, staff, other); NULL when none is.",
            ),
            Column("cost_lines_count", "INTEGER", "How many of the five cost lines are given."),
            Column(
                "annual_cost",
                "DECIMAL(18,2)",
                "**The** yearly cost every step, rule and report uses: `cost_total` when stated (lines are "
                "often partial), else `cost_lines_total`; NULL when neither is known or the figure is "
                "negative.",
            ),
            Column(
                "annual_cashable_cost",
                "DECIMAL(18,2)",
                "The part of the cost lines that stops being paid when the system goes: licence + support "
                "+ hosting + other (staff time is redeployed, not paid out); NULL when no line is given.",
            ),
            Column(
                "annual_cost_source",
                "VARCHAR",
                "Where `annual_cost` came from: `cost_total` or `cost lines`.",
            ),
        ),
    ),
    View(
        "v_app_capabilities",
        "Every column of `app_capabilities`, plus a matching key.",
        "SELECT c.*, lower(trim(c.capability)) AS capability_key FROM app_capabilities c",
        (Column("capability_key", "VARCHAR", "The capability lower-cased and trimmed, for matching."),),
    ),
    View("v_app_components", "`app_components` as stored.", "SELECT * FROM app_components"),
    View("v_app_dependencies", "`app_dependencies` as stored.", "SELECT * FROM app_dependencies"),
    View("v_load_warnings", "`load_warnings` as stored.", "SELECT * FROM load_warnings"),
    View("v_rejected_rows", "`rejected_rows` as stored.", "SELECT * FROM rejected_rows"),
    View("v_loads", "`loads` without the mapping JSON.", "SELECT * EXCLUDE (mapping) FROM loads"),
    View("v_organisations", "`organisations` as stored.", "SELECT * FROM organisations"),
    View("v_partnerships", "`partnerships` as stored.", "SELECT * FROM partnerships"),
    View(
        "v_capability_taxonomy",
        "One row per taxonomy capability and name it can be matched by (its code, name and each alias).",
        "SELECT t.taxonomy, t.code, t.name, lower(trim(k)) AS match_key\n"
        "FROM capability_taxonomy t, unnest(list_concat([t.code, t.name], coalesce(t.aliases, []))) AS u(k)\n"
        "WHERE k IS NOT NULL",
        (Column("match_key", "VARCHAR", "A code, name or alias lower-cased and trimmed."),),
    ),
)

VIEWS_BY_NAME: dict[str, View] = {v.name: v for v in VIEWS}


def view_ddl(view: View) -> str:
    """The CREATE VIEW statement of a canonical view."""
    return f'CREATE OR REPLACE VIEW "{view.name}" AS\n{view.sql}'
