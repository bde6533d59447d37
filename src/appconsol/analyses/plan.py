"""Step `plan`: survivors and an action for every member of every overlap group, timed and costed.

The decisions are `plan_decide` (three stages of the survivor optimiser: within a body, the same
product across partners, convergence across partners). Applications in no group get the action
their disposition (legacy step) names: retire, rehost (also for relocate), replatform,
repurchase or refactor; `retain` and no disposition mean no row, unless `[plan] pins` pins one to
retire. Every action then gets its timing (`plan_timing`: contract exit, earliest and latest
dates, waves by year with dependencies and the yearly limit) and its money from the savings
model (`savings.appraise_frame`, the scalar model over a frame). The model's inputs are stored
beside its outputs in `plan_actions`, so the plan workbook can write the formulas.
See docs/method-overlap-plan.md for every formula and its source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from typing import Any

import polars as pl

from appconsol.analyses.plan_actions import DISPOSITION_ACTIONS, group_actions, other_actions
from appconsol.analyses.plan_assumptions import financial_year
from appconsol.analyses.plan_decide import SEP, App, app_key, decide
from appconsol.analyses.plan_effort import complexity, integration_counts, read_overrides
from appconsol.analyses.plan_inputs import (
    application_facts,
    capability_keys,
    constraint_flags,
    existing_tables,
)
from appconsol.analyses.plan_options import (
    appraise_options,
    do_nothing_cost,
    in_option_expr,
    justification_expr,
    option_expr,
    options_frame,
)
from appconsol.analyses.plan_tables import (
    PLAN_ACTIONS,
    PLAN_ASSUMPTIONS,
    PLAN_BASELINE,
    PLAN_CASH_FLOWS,
    PLAN_OPTIONS,
    PLAN_PARTNER_SHARES,
    frame_schema,
    partner_shares,
    write_cash_flows,
)
from appconsol.analyses.plan_timing import dependency_edges, timing_frame, wave_frame
from appconsol.analyses.savings import MIGRATING, Assumptions, appraise_frame
from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.errors import ConfigError, Notice

_TYPES = {float: "number", int: "integer", bool: "boolean"}
ASSUMPTION_SETTINGS = tuple(
    Setting(f.name, _TYPES[type(f.default)], f.default, "Savings model assumption (see plan_assumptions).")
    for f in dataclasses.fields(Assumptions)
    if f.name != "fy_offset_months"  # derived from as_of
)
PLAN_SETTINGS = (
    *ASSUMPTION_SETTINGS,
    Setting(
        "max_migrations_per_year", "integer", 0, "At most this many migrating actions per year (0: no limit)."
    ),
    Setting(
        "max_targets", "integer", 8, "In a group larger than this, only the best this many may receive moves."
    ),
    Setting(
        "overrides",
        "path",
        None,
        "Plan-overrides CSV: organisation, app_id and any of effort_days, exit_fee, complexity, per application.",
    ),
)
__all__ = [
    "DISPOSITION_ACTIONS",
    "MIGRATING",
    "PLAN_ACTIONS",
    "PLAN_ASSUMPTIONS",
    "PLAN_BASELINE",
    "PLAN_CASH_FLOWS",
    "PLAN_OPTIONS",
    "PLAN_PARTNER_SHARES",
]


def fy_offset_months(as_of: dt.date) -> float:
    """Months (of 30.4375 days) from 1 April of the as-of date's financial year to the as-of date."""
    return round((as_of - dt.date(financial_year(as_of), 4, 1)).days / 30.4375, 4)


def action_id(organisation: str, app_id: str) -> str:
    return "PA-" + hashlib.sha1(f"{organisation}|{app_id}".encode()).hexdigest()[:10].upper()


def action_ids(con: Any, frame: pl.DataFrame) -> pl.Series:
    """`action_id` of every (organisation, app_id) row of `frame`, in order, hashed by DuckDB at once.

    Each is `action_id(organisation, app_id)` unless another application's first 10 hex digits
    are the same: 40 bits collide about one time in seven among the 550k actions of a million
    applications, so those applications take 16 digits of the same hash instead.
    """
    keys = frame.select("organisation", "app_id").with_row_index("_row").to_arrow()
    con.register("_action_keys", keys)
    try:
        ids = fetch_frame(
            con,
            "SELECT 'PA-' || upper(left(digest, CASE WHEN count(DISTINCT key) OVER (PARTITION BY "
            "left(digest, 10)) > 1 THEN 16 ELSE 10 END)) AS action_id FROM ("
            "SELECT _row, organisation || '|' || app_id AS key, sha1(key) AS digest FROM _action_keys"
            ") ORDER BY _row",
        )
    finally:
        con.unregister("_action_keys")
    return ids["action_id"].cast(pl.String)


def read_plan_settings(ctx: StepContext) -> tuple[dict[str, Any], Assumptions, dict[str, str]]:
    """[plan] values, the Assumptions they make, and the pins by application key."""
    section = dict(ctx.settings.get("plan", {}) or {})
    raw_pins = section.pop("pins", [])
    values = read_settings(
        dataclasses.replace(ctx, settings={**ctx.settings, "plan": section}), "plan", PLAN_SETTINGS
    )
    fields = {f.name for f in dataclasses.fields(Assumptions)}
    assumptions = Assumptions(**{k: v for k, v in values.items() if k in fields})
    if not isinstance(raw_pins, list):
        raise ConfigError(
            "plan.pins must be a list of {organisation, app_id, pin}", location=ctx.where("plan", "pins")
        )
    pins: dict[str, str] = {}
    for i, pin in enumerate(raw_pins):
        where = ctx.where("plan", "pins", i) or ctx.where("plan", "pins")
        if not isinstance(pin, dict) or not all(
            isinstance(pin.get(k), str) for k in ("organisation", "app_id", "pin")
        ):
            raise ConfigError("each pin needs organisation, app_id and pin (text)", location=where)
        if pin["pin"] not in ("keep", "retire"):
            raise ConfigError(f"pin '{pin['pin']}' must be keep or retire", location=where)
        pins[app_key(pin["organisation"], pin["app_id"])] = pin["pin"]
    return values, assumptions, pins


def make_plan(ctx: StepContext) -> None:
    con = ctx.con
    values, a, pins = read_plan_settings(ctx)
    a = dataclasses.replace(a, fy_offset_months=fy_offset_months(ctx.as_of))
    tables = existing_tables(con)
    facts = timing_frame(application_facts(con, a, tables), ctx.as_of, a).with_columns(
        pl.concat_str("organisation", pl.lit(SEP), "app_id").alias("key")
    )
    # Complexity (and any override) before the optimiser, so it prices moves as they will be appraised.
    overrides = read_overrides(values.get("overrides"), ctx.where("plan", "overrides"))
    facts = _joined(facts, integration_counts(con, tables))
    facts = facts.with_columns(complexity(facts).alias("size_factor"), _support_end_year())
    per_move = a.migration_days + a.data_migration_days + a.training_days
    facts = (
        _joined(facts, overrides)
        .with_columns(
            pl.coalesce(
                pl.when(per_move > 0).then(pl.col("effort_days") / per_move), "complexity", "size_factor"
            ).alias("size_factor")
        )
        .drop("effort_days", "complexity")
    )
    live = set(facts["key"].to_list())
    for key in pins:
        if key not in live:
            ctx.notices.append(
                Notice(
                    f"pin for '{key.replace(SEP, '|')}' matches no live application",
                    ctx.where("plan", "pins"),
                )
            )
    groups = fetch_frame(con, "SELECT * FROM overlap_groups ORDER BY group_id")
    members = fetch_frame(con, "SELECT group_id, organisation, app_id FROM overlap_members ORDER BY ALL")
    members_of: dict[str, list[str]] = {}
    for gid, organisation, app_id in members.iter_rows():
        key = app_key(organisation, app_id)
        if key in live:
            members_of.setdefault(gid, []).append(key)
    in_groups = {k for keys in members_of.values() for k in keys}
    apps = _applications(con, facts.filter(pl.col("key").is_in(list(in_groups))), pins)
    kind_of = dict(zip(groups["group_id"].to_list(), groups["kind"].to_list(), strict=True))
    outcome = decide(apps, kind_of, members_of, a, values, _partner_pairs(con), ctx.as_of)
    info = {row["group_id"]: row for row in groups.iter_rows(named=True)}
    actions = pl.concat(  # not rechunked: the join below makes the new frame anyway
        [group_actions(apps, outcome, info, members_of, a), other_actions(facts, set(outcome), pins, a)],
        how="vertical_relaxed",
        rechunk=False,
    )
    baseline = facts.select(
        "organisation",
        "app_id",
        pl.col("name").alias("app_name"),
        pl.col("stated_figure").alias("stated_cost"),
        pl.col("cost_problem").is_not_null().alias("excluded"),
        pl.col("cost_problem").alias("exclusion"),
        "annual_run_cost",
        "cost_basis",
        "cost_method",
        "annual_cashable",
        "support_end_year",
        pl.col("red_rated").fill_null(False),
    )
    actions = actions.join(
        facts.select(
            "organisation",
            "app_id",
            pl.col("name").alias("app_name"),
            "annual_run_cost",
            "annual_cashable",
            "exit_date",
            "earliest_date",
            "latest_date",
            "notice_days",
            "timing_notes",
            "users",
            "size_factor",
            "support_end_year",
            "cost_basis",
            "red_rated",
            "legacy_score",
        ),
        on=["organisation", "app_id"],
        how="left",
    )
    actions = _joined(actions, overrides)
    del facts, apps, outcome, info, members, groups  # a million-application plan needs the room
    frames = _timed_and_costed(ctx, actions, a, values, tables)
    options = appraise_options(
        frames["options_input"], frames["flow_rows"], do_nothing_cost(baseline, a)[0], a
    )
    preferred = next(o.option for o in options if o.preferred)
    plan_actions = frames["actions"].with_columns(
        ((pl.col("option") <= preferred) & (pl.col("_in_option") == 1)).alias("recommended")
    )
    ctx.store.replace_table(PLAN_ACTIONS, plan_actions.select([col.name for col in PLAN_ACTIONS.columns]))
    write_cash_flows(ctx, frames.pop("cash_flows"), a.horizon_long_years)
    ctx.store.replace_table(PLAN_PARTNER_SHARES, frames["shares"])
    ctx.store.replace_table(PLAN_ASSUMPTIONS, _assumption_rows(ctx, a))
    ctx.store.replace_table(PLAN_BASELINE, baseline)
    ctx.store.replace_table(PLAN_OPTIONS, options_frame(options))


def _joined(frame: pl.DataFrame, extra: pl.DataFrame) -> pl.DataFrame:
    """`frame` left-joined to `extra` (one row per organisation and app_id); with no rows in
    `extra`, its columns as NULLs (the same frame, without the join's copy of a million rows)."""
    keys = ["organisation", "app_id"]
    if extra.height:
        return frame.join(extra, on=keys, how="left")
    return frame.with_columns(
        pl.lit(None, dtype).alias(name) for name, dtype in extra.schema.items() if name not in keys
    )


def _support_end_year() -> pl.Expr:
    """Year (0 = the year from as_of) the platform leaves security support; NULL when not known."""
    months = pl.col("months_to_eol")
    return (
        pl.when(months.is_null())
        .then(None)
        .otherwise(pl.max_horizontal((months / 12.0).floor(), pl.lit(0.0)))
        .cast(pl.Int32)
        .alias("support_end_year")
    )


FACT_FIELDS = (
    *("users", "functional_fit", "technical_fit", "annual_run_cost", "annual_cashable", "licence_support"),
    *("cost_method", "months_to_eol", "legacy_score", "red_rated", "disposition", "disposition_rule"),
    "disposition_reason",
    "size_factor",
    "exit_fee",
)


def _applications(con: Any, facts: pl.DataFrame, pins: dict[str, str]) -> dict[str, App]:
    """App objects for the overlap group members (the optimiser's candidates)."""
    caps = capability_keys(con)
    apps: dict[str, App] = {}
    columns = ["key", "organisation", "app_id", "name", "exit_date", "constraints", "data_classification"]
    for row in facts.select(*columns, *FACT_FIELDS).iter_rows():
        key, organisation, app_id, name, exit_date, constraints, classification = row[:7]
        movable, shareable, reasons = constraint_flags(constraints, classification)
        apps[key] = App(
            key,
            organisation,
            app_id,
            name,
            dict(zip(FACT_FIELDS, row[7:], strict=True)),
            caps.get((organisation, app_id), frozenset()),
            exit_date,
            movable,
            shareable,
            reasons,
            pins.get(key),
        )
    return apps


def _partner_pairs(con: Any) -> frozenset[frozenset[str]]:
    rows = fetch_frame(
        con,
        "SELECT DISTINCT p.organisation AS a, q.organisation AS b FROM partnerships p "
        "JOIN partnerships q ON p.partnership = q.partnership AND p.organisation < q.organisation",
    )
    return frozenset(frozenset(r) for r in rows.iter_rows())


# -- timing and money --------------------------------------------------------------------------


def _timed_and_costed(
    ctx: StepContext,
    actions: pl.DataFrame,
    a: Assumptions,
    values: dict[str, Any],
    tables: set[str],
) -> dict[str, pl.DataFrame]:
    c = pl.col
    actions = actions.with_columns(
        c("action").is_in(list(MIGRATING)).alias("migrates"),
    ).with_columns(action_ids(ctx.con, actions))
    # Waves are keyed by action id and row: ten hex digits of a hash are not unique among a
    # million actions (two applications shared one at 1M), and a join on the id alone doubled
    # both rows. The row after the id keeps the order by id everywhere else.
    actions = actions.with_columns(
        pl.format("{}#{}", "action_id", pl.int_range(pl.len()).cast(pl.String).str.zfill(10)).alias(
            "_wave_key"
        )
    )
    migrating = (
        actions.select(
            c("_wave_key").alias("action_id"),
            "organisation",
            "app_id",
            "earliest_date",
            "latest_date",
            "exit_date",
            "migrates",
        )
        .filter(c("migrates"))
        .sort("action_id")
    )
    waves = wave_frame(
        migrating,
        financial_year(ctx.as_of),
        dependency_edges(ctx.con, tables),
        values["max_migrations_per_year"] or None,
    ).rename({"action_id": "_wave_key"})
    lead = dt.timedelta(days=round(a.lead_time_months * 30.4375))
    earliest_fy = (
        pl.when(c("earliest_date").dt.month() >= 4)
        .then(c("earliest_date").dt.year())
        .otherwise(c("earliest_date").dt.year() - 1)
    )
    pushed = c("wave_year") > earliest_fy
    wave_start = pl.date(c("wave_year"), 4, 1)
    actions = (
        actions.join(waves, on="_wave_key", how="left")
        .drop("_wave_key")
        .with_columns(
            pl.when(c("migrates"))
            .then(pl.when(pushed).then(wave_start).otherwise(c("earliest_date")))
            .alias("earliest_date"),
            pl.when(c("migrates"))
            .then(
                pl.when(pushed)
                .then(
                    pl.max_horizontal(
                        c("exit_date"), wave_start + pl.lit(lead) + pl.duration(days=c("notice_days"))
                    )
                )
                .otherwise(c("exit_date"))
            )
            .alias("exit_date"),
            pl.concat_list(c("timing_notes"), c("wave_notes").fill_null([])).alias("timing_notes"),
        )
        .with_columns(
            pl.when(c("exit_date") > pl.lit(ctx.as_of))
            .then(((c("exit_date") - pl.lit(ctx.as_of)).dt.total_days() / 30.4375).round(4))
            .otherwise(0.0)
            .alias("months_to_exit"),
            c("exit_fee").alias("exit_fee"),
        )
    )
    actions = _with_overridden_effort(actions, a)
    money, _ = appraise_frame(actions, a, wide=True, long_flows=False)
    del actions
    years = a.horizon_long_years
    flow_columns = [f"_flow{t}" for t in range(years)]
    flow_rows = money.select(flow_columns).to_numpy()  # one row of yearly flows per action
    # Migrating actions' flows, one column a year: the store lays them out a row per year.
    cash_flows = money.filter(c("migrates")).select(
        "action_id", *(c(name).round(2).alias(f"y{t}") for t, name in enumerate(flow_columns))
    )
    scratch = [f"_{kind}{t}" for kind in ("flow", "cum", "gain") for t in range(years)]
    money = (
        money.drop(*scratch, "_labour", "_risk", "_risk_start")
        .with_columns(
            option_expr().alias("option"),
            justification_expr(ctx.as_of, a).alias("justification"),
            c("effort_days").round(2),
            c("optimism_bias").round(2),
            c("pv_costs").round(2),
            c("pv_benefits").round(2),
            c("pv_cashable").round(2),
            c("one_off_cost").round(2),
            c("annual_saving").round(2),
            c("annual_cashable_saving").round(2),
            c("npv_short").round(2).alias("npv_5"),
            c("npv_long").round(2).alias("npv_10"),
            c("discounted_payback_year").alias("payback_year"),
        )
        .with_columns(in_option_expr().alias("_in_option"))
    )
    options_input = money.select(
        "option",
        pl.col("_in_option").alias("in_option"),
        "one_off_cost",
        "optimism_bias",
        "annual_saving",
        "pv_costs",
        "pv_benefits",
        "pv_cashable",
    )
    stored = [col.name for col in PLAN_ACTIONS.columns if col.name != "recommended"]
    return {
        "actions": money.select(*stored, "_in_option"),
        "cash_flows": cash_flows,
        "shares": partner_shares(money),
        "options_input": options_input,
        "flow_rows": flow_rows,
    }


def _with_overridden_effort(actions: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    """Complexity from the overrides file: given outright, or so that person-days equal effort_days."""
    c = pl.col
    base = (a.migration_days + a.data_migration_days + a.training_days) * c("effort") + pl.when(
        c("action") == "retire"
    ).then(a.archive_days).otherwise(0.0)
    from_days = pl.when(base > 0).then(c("effort_days") / base)
    return actions.with_columns(
        pl.coalesce(from_days, c("complexity"), c("size_factor"), pl.lit(1.0)).round(6).alias("size_factor")
    )


def _assumption_rows(ctx: StepContext, a: Assumptions) -> pl.DataFrame:
    given = ctx.settings.get("plan", {}) or {}
    rows = []
    for item in a.describe():
        source = item.source
        if item.name in given:
            where = ctx.where("plan", item.name)
            source = f"appconsol.toml [plan] {item.name}" + (
                f" (line {where.line})" if where and where.line else ""
            )
        rows.append((item.name, float(item.value), item.unit, source))
    return pl.DataFrame(rows, schema=frame_schema(PLAN_ASSUMPTIONS), orient="row")


PLAN_STEP = register_step(
    Step(
        name="plan",
        description="Chooses survivors and an action for every overlap group member, timed and costed",
        reads=(
            "v_applications",
            "partnerships",
            "app_capability_codes",
            "overlap_groups",
            "overlap_members",
            "overlap_generic",
            "legacy_scores",
            "dispositions",
            "v_app_dependencies",
        ),
        writes=(
            PLAN_ACTIONS,
            PLAN_CASH_FLOWS,
            PLAN_PARTNER_SHARES,
            PLAN_ASSUMPTIONS,
            PLAN_BASELINE,
            PLAN_OPTIONS,
        ),
        run=make_plan,
    )
)
