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
import json
import math
from collections.abc import Callable
from typing import Any

import polars as pl

from appconsol.analyses.plan_decide import (
    SEP,
    App,
    Outcome,
    added_cost,
    app_key,
    decide,
)
from appconsol.analyses.plan_inputs import (
    application_facts,
    capability_keys,
    constraint_flags,
    existing_tables,
)
from appconsol.analyses.plan_timing import WaveInput, assign_waves, dependency_edges, timing_frame
from appconsol.analyses.savings import Assumptions, appraise_frame, split_by_share
from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.errors import ConfigError, Notice
from appconsol.schema import Column, Table

PLAN_ACTIONS = Table(
    "plan_actions",
    "one row per application with a planned action: every overlap group member, and applications "
    "whose disposition changes them",
    (
        Column("action_id", "VARCHAR", "Stable id from the application's identity (`PA-` + 10 hex)."),
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
        Column("wave_year", "INTEGER", "Calendar year of the action's wave (migrating actions)."),
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

_TYPES = {float: "number", int: "integer", bool: "boolean"}
ASSUMPTION_SETTINGS = tuple(
    Setting(f.name, _TYPES[type(f.default)], f.default, "Savings model assumption (see plan_assumptions).")
    for f in dataclasses.fields(Assumptions)
)
PLAN_SETTINGS = (
    *ASSUMPTION_SETTINGS,
    Setting(
        "max_migrations_per_year", "integer", 0, "At most this many migrating actions per year (0: no limit)."
    ),
    Setting(
        "max_targets", "integer", 8, "In a group larger than this, only the best this many may receive moves."
    ),
)
DISPOSITION_ACTIONS = {
    "retire": "retire",
    "rehost": "rehost",
    "relocate": "rehost",
    "replatform": "replatform",
    "repurchase": "repurchase",
    "refactor": "refactor",
}
MIGRATING = ("consolidate", "share", "retire", "rehost", "replatform", "repurchase", "refactor")


def action_id(organisation: str, app_id: str) -> str:
    return "PA-" + hashlib.sha1(f"{organisation}|{app_id}".encode()).hexdigest()[:10].upper()


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
    tables = existing_tables(con)
    facts = timing_frame(application_facts(con, a, tables), ctx.as_of, a).with_columns(
        pl.concat_str("organisation", pl.lit(SEP), "app_id").alias("key")
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
    actions = pl.concat(
        [_group_actions(apps, outcome, info, members_of, a), _other_actions(facts, set(outcome), pins, a)],
        how="vertical_relaxed",
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
        ),
        on=["organisation", "app_id"],
        how="left",
    )
    del facts, apps, outcome, info, members, groups  # a million-application plan needs the room
    frames = _timed_and_costed(ctx, actions, a, values, tables)
    ctx.store.replace_table(PLAN_ACTIONS, frames["actions"])
    ctx.store.replace_table(PLAN_CASH_FLOWS, frames["cash_flows"])
    ctx.store.replace_table(PLAN_PARTNER_SHARES, frames["shares"])
    ctx.store.replace_table(PLAN_ASSUMPTIONS, _assumption_rows(ctx, a))


FACT_FIELDS = (
    *("users", "functional_fit", "technical_fit", "annual_run_cost", "annual_cashable", "licence_support"),
    *("cost_method", "months_to_eol", "legacy_score", "red_rated", "disposition", "disposition_rule"),
    "disposition_reason",
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


# -- actions -----------------------------------------------------------------------------------

ACTION_SCHEMA = {
    "organisation": pl.String,
    "app_id": pl.String,
    "action": pl.String,
    "target_organisation": pl.String,
    "target_app_id": pl.String,
    "target_name": pl.String,
    "group_id": pl.String,
    "reason": pl.String,
    "why": pl.String,
    "annual_added_cost": pl.Float64,
    "effort": pl.Float64,
    "saving_share": pl.Float64,
    "target_users": pl.Int64,
}


def _group_actions(
    apps: dict[str, App],
    outcome: dict[str, Outcome],
    info: dict[str, dict[str, Any]],
    members_of: dict[str, list[str]],
    a: Assumptions,
) -> pl.DataFrame:
    """One row per overlap group member: keep, invest, consolidate, share, or its disposition.

    Built in chunks, each turned into a frame at once, so a million-application plan never holds
    every row twice as Python objects.
    """
    ordered = {gid: sorted(keys) for gid, keys in members_of.items()}

    def others(key: str, gid: str, exclude: set[str]) -> tuple[list[App], int]:
        keys = ordered.get(gid, [])
        listed = []
        for k in keys:
            if k != key and k not in exclude:
                listed.append(apps[k])
                if len(listed) == MAX_LISTED:
                    break
        skipped = 1 + len(exclude) if key in keys else len(exclude)
        return listed, len(keys) - skipped

    frames: list[pl.DataFrame] = []
    columns: dict[str, list[Any]] = {name: [] for name in ACTION_SCHEMA}
    for position, key in enumerate(sorted(outcome), start=1):
        row = _group_action(apps[key], outcome[key], info, others, apps, a)
        for name in ACTION_SCHEMA:
            columns[name].append(row.get(name))
        if position % 20_000 == 0:
            frames.append(pl.DataFrame(columns, schema=ACTION_SCHEMA))
            columns = {name: [] for name in ACTION_SCHEMA}
    frames.append(pl.DataFrame(columns, schema=ACTION_SCHEMA))
    return pl.concat(frames)


def _group_action(
    app: App,
    done: Outcome,
    info: dict[str, dict[str, Any]],
    others: Callable[[str, str, set[str]], tuple[list[App], int]],
    apps: dict[str, App],
    a: Assumptions,
) -> dict[str, Any]:
    group = info.get(done.group_id, {})
    capability = group.get("capability_name") or group.get("product_label") or ""
    row: dict[str, Any] = {
        "organisation": app.organisation,
        "app_id": app.app_id,
        "group_id": done.group_id,
        "annual_added_cost": 0.0,
        "effort": 1.0,
        "saving_share": 1.0,
    }
    disposition = None if app.pin == "keep" else DISPOSITION_ACTIONS.get(app.facts["disposition"] or "")
    if done.target is not None:
        target = apps[done.target]
        kind = "consolidate" if target.organisation == app.organisation else "share"
        where = "" if kind == "consolidate" else f"{target.organisation}'s "
        row.update(
            action=kind,
            target_organisation=target.organisation,
            target_app_id=target.app_id,
            target_name=target.name,
            target_users=target.facts["users"],
            reason=f"{kind} into {where}{target.name} ({capability})",
            why=_why(target, [app], others(done.target, done.group_id, {app.key}), done, group),
            annual_added_cost=added_cost(app, target, a),
        )
    elif done.incoming:
        movers = [apps[k] for k in sorted(done.incoming)]
        names = ", ".join(m.name for m in movers[:MAX_LISTED]) + (
            f" and {len(movers) - MAX_LISTED} more" if len(movers) > MAX_LISTED else ""
        )
        row.update(
            action="invest",
            reason=f"invest: take on the users of {names} ({capability})",
            why=_why(app, movers, others(app.key, done.group_id, set(done.incoming)), done, group),
        )
    elif disposition:
        why = {**_disposition_why(app.facts), "overlap_group": done.group_id}
        row.update(
            action=disposition,
            reason=_disposition_reason(app.facts, disposition),
            why=json.dumps(why, default=str, sort_keys=True),
            effort=getattr(a, f"effort_{disposition}"),
            saving_share=1.0 if disposition == "retire" else getattr(a, f"saving_share_{disposition}"),
        )
    else:
        row.update(
            action="keep",
            reason=f"keep: no move in its overlap group ({capability}) pays back within the horizon",
            why=_why(app, [], others(app.key, done.group_id, set()), done, group),
        )
    return row


def _disposition_reason(f: dict[str, Any], action: str) -> str:
    return f"{action}: disposition {f['disposition']} ({f['disposition_rule'] or 'decision table'})"


def _disposition_why(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "disposition": f["disposition"],
        "decided_by": f["disposition_rule"],
        "disposition_reason": f["disposition_reason"],
    }


def _other_actions(
    facts: pl.DataFrame, decided: set[str], pins: dict[str, str], a: Assumptions
) -> pl.DataFrame:
    """Applications in no group: the action their disposition names (retire when pinned to retire)."""
    c = pl.col
    pinned = pl.DataFrame(
        {"key": list(pins), "pin": list(pins.values())}, schema={"key": pl.String, "pin": pl.String}
    )
    mapping = pl.DataFrame(
        {"disposition": list(DISPOSITION_ACTIONS), "action": list(DISPOSITION_ACTIONS.values())},
        schema={"disposition": pl.String, "action": pl.String},
    )
    rest = (
        facts.filter(~c("key").is_in(list(decided)))
        .join(pinned, on="key", how="left")
        .join(mapping, on="disposition", how="left")
        .with_columns(
            pl.when(c("pin") == "retire")
            .then(pl.lit("retire"))
            .when(c("pin") == "keep")
            .then(None)
            .otherwise(c("action"))
            .alias("action")
        )
        .filter(c("action").is_not_null())
    )
    effort = {
        k: getattr(a, f"effort_{k}") for k in ("retire", "rehost", "replatform", "repurchase", "refactor")
    }
    share = {
        "retire": 1.0,
        **{k: getattr(a, f"saving_share_{k}") for k in ("rehost", "replatform", "repurchase", "refactor")},
    }
    why = pl.struct(
        c("disposition"),
        c("disposition_rule").alias("decided_by"),
        c("disposition_reason"),
        pl.when(c("pin") == "retire").then(pl.lit("retire")).alias("pinned"),
    ).struct.json_encode()
    return rest.select(
        "organisation",
        "app_id",
        "action",
        pl.lit(None, pl.String).alias("target_organisation"),
        pl.lit(None, pl.String).alias("target_app_id"),
        pl.lit(None, pl.String).alias("target_name"),
        pl.lit(None, pl.String).alias("group_id"),
        pl.when(c("pin") == "retire")
        .then(pl.lit("retire: pinned in appconsol.toml [plan] pins"))
        .otherwise(
            pl.format(
                "{}: disposition {} ({})",
                "action",
                "disposition",
                c("disposition_rule").fill_null("decision table"),
            )
        )
        .alias("reason"),
        why.alias("why"),
        pl.lit(0.0).alias("annual_added_cost"),
        c("action").replace_strict(effort, return_dtype=pl.Float64).alias("effort"),
        c("action").replace_strict(share, return_dtype=pl.Float64).alias("saving_share"),
        pl.lit(None, pl.Int64).alias("target_users"),
    )


MAX_LISTED = 10  # members listed in a `why`; the counts say how many there are in all


def _facts(app: App) -> dict[str, Any]:
    f = app.facts
    users = f["users"]
    return {
        "organisation": app.organisation,
        "app_id": app.app_id,
        "name": app.name,
        "functional_fit": f["functional_fit"],
        "technical_fit": f["technical_fit"],
        "months_to_end_of_support": None if f["months_to_eol"] is None else round(f["months_to_eol"], 1),
        "users": users,
        "annual_run_cost": f["annual_run_cost"],
        "cost_method": f["cost_method"],
        "cost_per_user": round(f["annual_run_cost"] / users, 2) if users else None,
        "legacy_score": f["legacy_score"],
        "red_rated": f["red_rated"],
        "constraints": app.constraints or None,
        "pinned": app.pin,
        # Present value of the platform upgrade keeping it would need before support ends:
        # the optimiser counts it against keeping this application.
        "upgrade_cost_if_kept": round(app.adjustment, 2) if app.adjustment else None,
    }


def _summary(app: App) -> str:
    """An application's facts as JSON text, made once however many `why`s name it."""
    if app.summary is None:
        app.summary = json.dumps(_facts(app), default=str, sort_keys=True)
    return app.summary


def _why(
    survivor: App,
    movers: list[App],
    others_and_count: tuple[list[App], int],
    done: Outcome,
    group: dict[str, Any],
) -> str:
    """The survivor beside the movers: which of fit, runway, users, cost per user and risk favour it.

    Written as JSON text from each application's cached summary, so a member named in many `why`s
    is serialised once.
    """
    s = _facts(survivor)
    others, other_count = others_and_count
    planned, kept = done.whole_life or (None, None)
    head = {
        "decided_by": "optimiser" if planned is not None else "nothing to compare in this stage",
        "group": {
            "id": done.group_id,
            "kind": group.get("kind"),
            "capability": group.get("capability_name"),
            "product": group.get("product_label"),
        },
        "group_whole_life_cost": None if planned is None else round(planned, 2),
        "group_whole_life_cost_keeping_all": None if kept is None else round(kept, 2),
        "moving_count": len(movers),
        "other_members": [f"{o.name} ({o.organisation})" for o in others[:MAX_LISTED]],
        "other_members_count": other_count,
        "survivor_better_than": {
            f"{m.organisation}|{m.app_id}": _better(s, _facts(m)) for m in movers[:MAX_LISTED]
        },
    }
    moving = ", ".join(_summary(m) for m in movers[:MAX_LISTED])
    return json.dumps(head, default=str)[:-1] + f', "moving": [{moving}], "survivor": {_summary(survivor)}}}'


def _better(s: dict[str, Any], m: dict[str, Any]) -> list[str]:
    reasons = []
    if (s["functional_fit"] or 0) > (m["functional_fit"] or 0):
        reasons.append("functional fit")
    if (s["technical_fit"] or 0) > (m["technical_fit"] or 0):
        reasons.append("technical fit")
    s_run = s["months_to_end_of_support"] if s["months_to_end_of_support"] is not None else math.inf
    m_run = m["months_to_end_of_support"] if m["months_to_end_of_support"] is not None else math.inf
    if s_run > m_run:
        reasons.append("runway to end of support")
    if (s["users"] or 0) > (m["users"] or 0):
        reasons.append("users")
    if (
        s["cost_per_user"] is not None
        and m["cost_per_user"] is not None
        and s["cost_per_user"] < m["cost_per_user"]
    ):
        reasons.append("cost per user")
    if s["annual_run_cost"] < m["annual_run_cost"]:
        reasons.append("run cost")
    if not s["red_rated"] and m["red_rated"]:
        reasons.append("legacy risk")
    return reasons


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
        pl.concat_str(pl.lit("PA-"), (c("organisation") + pl.lit("|") + c("app_id")))
        .map_elements(lambda text: action_id(*text[3:].split("|", 1)), return_dtype=pl.String)
        .alias("action_id"),
    )
    migrating = actions.filter(c("migrates")).sort("action_id")
    waves, notes = assign_waves(
        [
            WaveInput(aid, (o, i), earliest.year, latest)
            for aid, o, i, earliest, latest in migrating.select(
                "action_id", "organisation", "app_id", "earliest_date", "latest_date"
            ).iter_rows()
        ],
        dependency_edges(ctx.con, tables),
        values["max_migrations_per_year"] or None,
    )
    lead = dt.timedelta(days=round(a.lead_time_months * 30.4375))
    wave_frame = pl.DataFrame(
        {
            "action_id": list(waves),
            "wave_year": list(waves.values()),
            "wave_notes": [notes.get(k, []) for k in waves],
        },
        schema={"action_id": pl.String, "wave_year": pl.Int32, "wave_notes": pl.List(pl.String)},
    )
    pushed = c("wave_year") > c("earliest_date").dt.year()
    wave_start = pl.date(c("wave_year"), 1, 1)
    actions = (
        actions.join(wave_frame, on="action_id", how="left")
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
            pl.lit(None, pl.Float64).alias("exit_fee"),
        )
    )
    money, flows = appraise_frame(actions, a)
    money = money.with_columns(
        c("one_off_cost").round(2),
        c("annual_saving").round(2),
        c("annual_cashable_saving").round(2),
        c("npv_short").round(2).alias("npv_5"),
        c("npv_long").round(2).alias("npv_10"),
        c("discounted_payback_year").alias("payback_year"),
    )
    cash_flows = (
        flows.join(money.select("_row", "action_id", "migrates"), on="_row")
        .filter(c("migrates"))
        .select("action_id", "year", c("cash_flow").round(2))
    )
    return {
        "actions": money.select([col.name for col in PLAN_ACTIONS.columns]),
        "cash_flows": cash_flows,
        "shares": _partner_shares(money),
    }


def _partner_shares(money: pl.DataFrame) -> pl.DataFrame:
    """For each share action: the moving and the host body's parts, by users (equal when unknown)."""
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
        split = split_by_share(1.0, {org: float(users or 0), host: float(host_users or 0)})
        for body, part in sorted(split.items()):
            rows.append((aid, body, round(part, 6), round(one_off * part, 2), round(saving * part, 2)))
    return pl.DataFrame(rows, schema=_schema(PLAN_PARTNER_SHARES), orient="row")


def _schema(table: Table) -> dict[str, Any]:
    types = {"INTEGER": pl.Int32, "DOUBLE": pl.Float64, "DATE": pl.Date, "BOOLEAN": pl.Boolean}
    return {c.name: types.get(c.sql_type, pl.String) for c in table.columns}


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
    return pl.DataFrame(rows, schema=_schema(PLAN_ASSUMPTIONS), orient="row")


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
        writes=(PLAN_ACTIONS, PLAN_CASH_FLOWS, PLAN_PARTNER_SHARES, PLAN_ASSUMPTIONS),
        run=make_plan,
    )
)
