"""The tables the plan step writes (declared here, documented in docs/schema.md), and the layout
of its cash flows and partner shares for them."""

from __future__ import annotations

from typing import Any

import polars as pl

from appconsol.analyses.savings import split_by_share
from appconsol.schema import Column, Table

PLAN_ACTIONS = Table(
    "plan_actions",
    "one row per application with a planned action: every overlap group member, and applications "
    "whose disposition changes them",
    (
        Column(
            "action_id",
            "VARCHAR",
            "Stable id from the application's identity (`PA-` + 10 hex; 16 where two applications' first 10 agree).",
        ),
        Column("organisation", "VARCHAR", "Organisation of the application."),
        Column("app_id", "VARCHAR", "Application id."),
        Column("app_name", "VARCHAR", "Application name."),
        Column(
            "action",
            "VARCHAR",
            "keep, invest (a survivor taking on others' users), consolidate (into another system of the "
            "same body), share (move onto a partner body's system), retire, rehost, replatform, "
            "repurchase or refactor.",
        ),
        Column(
            "target_organisation", "VARCHAR", "For consolidate and share: the body whose system survives."
        ),
        Column("target_app_id", "VARCHAR", "The surviving application's id."),
        Column("target_name", "VARCHAR", "The surviving application's name."),
        Column("group_id", "VARCHAR", "Overlap group the action was decided in (NULL for dispositions)."),
        Column(
            "earliest_date",
            "DATE",
            "Day work must start to exit at the contract's exit date (not before as_of).",
        ),
        Column(
            "latest_date", "DATE", "Earliest end of security support of its components (NULL when unknown)."
        ),
        Column("exit_date", "DATE", "Date the contract can end (after any later wave)."),
        Column(
            "wave_year",
            "INTEGER",
            "UK financial year of the action's wave, by the year it starts (2027: April 2027 to March "
            "2028); never the rest of the current one unless the contract can end in it.",
        ),
        Column("reason", "VARCHAR", "One sentence a board can read."),
        Column(
            "timing_notes",
            "VARCHAR[]",
            "Assumptions behind the dates (notice period assumed, contract rolled on, support already "
            "ended, a later wave for a dependency or the yearly limit).",
        ),
        Column(
            "why",
            "JSON",
            "Why: the survivor's fit, runway, users, cost per user and risk beside the others'.",
        ),
        Column(
            "annual_run_cost",
            "DOUBLE",
            "Model input: the application's annual run cost (stated or estimated).",
        ),
        Column(
            "annual_cashable", "DOUBLE", "Model input: the cashable part (licence, support, hosting, other)."
        ),
        Column(
            "annual_added_cost",
            "DOUBLE",
            "Model input: extra annual cost on the survivor for the moved users.",
        ),
        Column("months_to_exit", "DOUBLE", "Model input: months from as_of to the exit date."),
        Column("migrates", "BOOLEAN", "Model input: false for keep and invest (no cost, no saving)."),
        Column("exit_fee", "DOUBLE", "Model input: the contract's exit fee (NULL: the exit_fee assumption)."),
        Column("effort", "DOUBLE", "Model input: share of a migration's person-days (1 for a move)."),
        Column(
            "saving_share", "DOUBLE", "Model input: share of the run cost that stops (1 when switched off)."
        ),
        Column(
            "size_factor",
            "DOUBLE",
            "Model input: the application's complexity (users, cost band, integrations, data "
            "classification, criticality; or the plan-overrides file), scaling its person-days.",
        ),
        Column(
            "support_end_year",
            "INTEGER",
            "Model input: year (0 = from as_of) its platform leaves security support (NULL: not known).",
        ),
        Column(
            "cost_basis",
            "VARCHAR",
            "How its run cost is known: stated, reference (comparables' median) or default.",
        ),
        Column("effort_days", "DOUBLE", "Output: person-days of migration, data, training and archive work."),
        Column(
            "optimism_bias", "DOUBLE", "Output: the optimism-bias uplift on its labour (in one_off_cost)."
        ),
        Column("one_off_cost", "DOUBLE", "Output: one-off cost with optimism bias."),
        Column(
            "annual_saving", "DOUBLE", "Output: saving_share x run cost - added cost, a year at steady state."
        ),
        Column("annual_cashable_saving", "DOUBLE", "Output: the cashable part of that saving."),
        Column(
            "saving_start_year", "INTEGER", "Output: first year (0 = the year from as_of) with the saving."
        ),
        Column("cost_year", "INTEGER", "Output: year the one-off cost falls in."),
        Column("npv_5", "DOUBLE", "Output: NPV over the short horizon (default 5 years)."),
        Column("npv_10", "DOUBLE", "Output: NPV over the long horizon (default 10 years)."),
        Column(
            "payback_year", "INTEGER", "Output: first year whose cumulative discounted cash flow is >= 0."
        ),
        Column("pv_costs", "DOUBLE", "Output: present value of the one-off cost."),
        Column(
            "pv_benefits",
            "DOUBLE",
            "Output: present value of savings and legacy risk avoided (long horizon).",
        ),
        Column(
            "option",
            "INTEGER",
            "Options appraisal: the first option that includes it (1 do minimum: retire; 2 consolidate and "
            "share; 3 also cloud moves). Options are cumulative.",
        ),
        Column(
            "justification",
            "VARCHAR",
            "Its non-financial case (red legacy risk, unsupported platform, security), which lets it into "
            "the preferred option even at a negative NPV (NULL: none).",
        ),
        Column(
            "recommended",
            "BOOLEAN",
            "In the preferred option: its option is within the preferred one, and its NPV is not negative "
            "or it has a justification.",
        ),
    ),
)
PLAN_CASH_FLOWS = Table(
    "plan_cash_flows",
    "one row per migrating action and year of the long horizon",
    (
        Column("action_id", "VARCHAR", "The action."),
        Column("year", "INTEGER", "0 = the year from as_of."),
        Column(
            "cash_flow",
            "DOUBLE",
            "Saving from the start year, less the one-off cost in its year (undiscounted).",
        ),
    ),
)
PLAN_PARTNER_SHARES = Table(
    "plan_partner_shares",
    "one row per shared-service action and partner body",
    (
        Column("action_id", "VARCHAR", "A `share` action."),
        Column("organisation", "VARCHAR", "The moving body or the host body."),
        Column(
            "share",
            "DOUBLE",
            "Its share: its users over both bodies' users on the shared system (equal when unknown).",
        ),
        Column("one_off_cost", "DOUBLE", "Its part of the action's one-off cost."),
        Column("annual_saving", "DOUBLE", "Its part of the action's annual saving."),
    ),
)
PLAN_ASSUMPTIONS = Table(
    "plan_assumptions",
    "one row per input of the savings model, as used by this plan",
    (
        Column("name", "VARCHAR", "The assumption (also the workbook's named cell)."),
        Column("value", "DOUBLE", "Its value."),
        Column("unit", "VARCHAR", "Its unit."),
        Column("source", "VARCHAR", "Where the default comes from, or the appconsol.toml line that set it."),
    ),
)
PLAN_BASELINE = Table(
    "plan_baseline",
    "one row per live application: the run cost the plan uses, and how it reconciles with the stated cost",
    (
        Column("organisation", "VARCHAR", "Organisation."),
        Column("app_id", "VARCHAR", "Application id."),
        Column("app_name", "VARCHAR", "Application name."),
        Column(
            "stated_cost",
            "DOUBLE",
            "Annual cost as stated (the cost lines' total, else the total; NULL: none).",
        ),
        Column(
            "excluded", "BOOLEAN", "The stated cost is implausible (an error under rule DQ004) and not used."
        ),
        Column("exclusion", "VARCHAR", "Why it was excluded."),
        Column("annual_run_cost", "DOUBLE", "Annual run cost the plan uses (stated, else estimated)."),
        Column("cost_basis", "VARCHAR", "stated, reference (median of comparable applications) or default."),
        Column("cost_method", "VARCHAR", "How an estimate was made."),
        Column("annual_cashable", "DOUBLE", "Cashable part (0 when estimated)."),
        Column("support_end_year", "INTEGER", "Year (0 = from as_of) its platform leaves security support."),
        Column("red_rated", "BOOLEAN", "Red-rated on the legacy risk framework."),
    ),
)
PLAN_OPTIONS = Table(
    "plan_options",
    "the options appraisal: each option against doing nothing, and which is preferred",
    (
        Column(
            "option", "INTEGER", "0 do nothing, 1 do minimum, 2 consolidate and share, 3 with cloud moves."
        ),
        Column("name", "VARCHAR", "The option's name."),
        Column("actions", "BIGINT", "Actions it includes (negative-NPV actions only with a justification)."),
        Column("one_off_cost", "DOUBLE", "One-off cost, optimism bias included."),
        Column("optimism_bias", "DOUBLE", "The optimism-bias uplift within it."),
        Column("annual_saving", "DOUBLE", "Annual saving at steady state."),
        Column("pv_costs", "DOUBLE", "Present value of the one-off costs."),
        Column("pv_benefits", "DOUBLE", "Present value of savings and legacy risk avoided."),
        Column("npv", "DOUBLE", "pv_benefits - pv_costs, against doing nothing (long horizon)."),
        Column("bcr", "DOUBLE", "Benefit-cost ratio, pv_benefits / pv_costs (NULL when nothing is spent)."),
        Column("cashable_npv", "DOUBLE", "NPV counting only cashable savings."),
        Column(
            "payback_years", "INTEGER", "Years until its cumulative discounted cash flow turns non-negative."
        ),
        Column(
            "whole_life_cost",
            "DOUBLE",
            "PV of run cost and priced legacy risk over the horizon, after the option.",
        ),
        Column("preferred", "BOOLEAN", "The preferred option: highest NPV within the one-off budget."),
    ),
)


def frame_schema(table: Table) -> dict[str, Any]:
    """The polars schema of a table's columns."""
    import polars as pl

    types = {
        "INTEGER": pl.Int32,
        "BIGINT": pl.Int64,
        "DOUBLE": pl.Float64,
        "DATE": pl.Date,
        "BOOLEAN": pl.Boolean,
    }
    return {c.name: types.get(c.sql_type, pl.String) for c in table.columns}


def write_cash_flows(ctx: Any, wide: pl.DataFrame, years: int) -> None:
    """plan_cash_flows from one row per action and a column per year (`y0`...): DuckDB unnests
    them into a row per action and year as it stores them, so no frame of every action-year
    (5M rows at a million applications) is built."""
    con = ctx.con
    con.register("_plan_flows", wide.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        columns = ", ".join(f'"y{t}"' for t in range(years))
        ctx.store.replace_table(
            PLAN_CASH_FLOWS,
            f"SELECT action_id, CAST(unnest(range({years})) AS INTEGER) AS year, "
            f"unnest([{columns}]) AS cash_flow FROM _plan_flows",
        )
    finally:
        con.unregister("_plan_flows")


def partner_shares(money: pl.DataFrame) -> pl.DataFrame:
    """For each share action: the moving and the host body's parts, by users (equal when either
    body's users are unknown, as docs/plan.md says)."""
    rows: list[tuple[str, str, float, float, float]] = []
    shared = money.filter(pl.col("action") == "share").select(
        "action_id",
        "organisation",
        "users",
        "target_organisation",
        "target_users",
        "one_off_cost",
        "annual_saving",
    )
    for aid, org, users, host, host_users, one_off, saving in shared.iter_rows():
        known = bool(users) and bool(host_users)
        weights = {org: float(users), host: float(host_users)} if known else {org: 0.0, host: 0.0}
        split = split_by_share(1.0, weights)
        for body, part in sorted(split.items()):
            rows.append((aid, body, round(part, 6), round(one_off * part, 2), round(saving * part, 2)))
    return pl.DataFrame(rows, schema=frame_schema(PLAN_PARTNER_SHARES), orient="row")
