"""Step `plan`: survivors and an action for every member of every overlap group, timed and costed.

Groups are planned in three stages, so each application ends with exactly one action:
1. within one body (`same-capability` groups): consolidate onto the survivor;
2. across partner bodies, one product (`same-product`): share one body's instance;
3. across partner bodies, one capability (`convergence`): share a partner's system.
Each stage solves its groups with the survivor optimiser (`optimise.solve_groups`, a MILP
minimising whole-life cost); an application moved in one stage takes no further part, and one
that received moves (a host) is kept in later stages, so users never move twice. In stages 2-3
an application in several groups of the stage (nested partnerships) is planned in the largest.

Prices come from the savings model, so a move is chosen exactly when its NPV over the long horizon
beats keeping both systems, adjusted for the survivor's runway: keeping a system whose platform
leaves support within the horizon costs an upgrade (`remediation_days`). Fit, risk, users and cost
per user break ties, and every survivor's `why` compares it with the members that move onto it.

Applications in no group get the action their disposition (legacy step) names: retire, rehost
(also for relocate), replatform, repurchase or refactor; `retain` and no disposition mean no row.
See docs/method-overlap-plan.md for every formula and its source.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from typing import Any

import polars as pl

from appconsol.analyses.optimise import Candidate, CostModel, Decision, Group, solve_groups
from appconsol.analyses.plan_inputs import (
    application_facts,
    capability_keys,
    constraint_flags,
    existing_tables,
)
from appconsol.analyses.plan_timing import Timing, WaveInput, assign_waves, contract_timing, dependency_edges
from appconsol.analyses.savings import (
    ActionCosts,
    Assumptions,
    appraise,
    discount_factor,
    months_between,
    one_off_cost,
    saving_start_year,
    split_by_share,
)
from appconsol.analyses.settings import Setting, fetch_frame, read_settings, replace_table
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.errors import ConfigError
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
STAGES = ("same-capability", "same-product", "convergence")
DISPOSITION_ACTIONS = {
    "retire": "retire",
    "rehost": "rehost",
    "relocate": "rehost",
    "replatform": "replatform",
    "repurchase": "repurchase",
    "refactor": "refactor",
}
MIGRATING = ("consolidate", "share", "retire", "rehost", "replatform", "repurchase", "refactor")
SEP = "\x1f"


@dataclasses.dataclass
class App:
    """One live application as the plan sees it."""

    key: str
    organisation: str
    app_id: str
    name: str
    facts: dict[str, Any]
    capabilities: frozenset[str]
    timing: Timing
    movable: bool
    shareable: bool
    constraints: list[str]
    pin: str | None
    exit_cost: float = 0.0
    after_exit: float = 0.0  # discounted years from the saving start to the horizon
    adjustment: float = 0.0


def app_key(organisation: str, app_id: str) -> str:
    return f"{organisation}{SEP}{app_id}"


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
    apps = _applications(ctx, a, pins, tables)
    for key in pins:
        if key not in apps:
            ctx.notices.append(_notice(ctx, f"pin for '{key.replace(SEP, '|')}' matches no live application"))
    groups = fetch_frame(con, "SELECT * FROM overlap_groups ORDER BY group_id")
    members = fetch_frame(con, "SELECT group_id, organisation, app_id FROM overlap_members ORDER BY ALL")
    partners = _partner_pairs(con)
    members_of: dict[str, list[str]] = {}
    for gid, organisation, app_id in members.iter_rows():
        if app_key(organisation, app_id) in apps:
            members_of.setdefault(gid, []).append(app_key(organisation, app_id))
    plan = _decide(apps, groups, members_of, a, values, partners)
    actions = _actions(apps, plan, groups, members_of, a)
    frames = _timed_and_costed(ctx, actions, apps, a, values, tables)
    replace_table(con, PLAN_ACTIONS, frames["actions"])
    replace_table(con, PLAN_CASH_FLOWS, frames["cash_flows"])
    replace_table(con, PLAN_PARTNER_SHARES, frames["shares"])
    replace_table(con, PLAN_ASSUMPTIONS, _assumption_rows(ctx, a))


def _notice(ctx: StepContext, message: str) -> Any:
    from appconsol.errors import Notice

    return Notice(message, ctx.where("plan", "pins"))


def _applications(ctx: StepContext, a: Assumptions, pins: dict[str, str], tables: set[str]) -> dict[str, App]:
    facts = application_facts(ctx.con, a, tables)
    caps = capability_keys(ctx.con)
    horizon = a.horizon_long_years
    annuity = [discount_factor(a.discount_rate, t) for t in range(horizon)]
    apps: dict[str, App] = {}
    for row in facts.iter_rows(named=True):
        key = app_key(row["organisation"], row["app_id"])
        timing = contract_timing(
            ctx.as_of,
            row["contract_end"],
            row["notice_period_days"],
            row["auto_renew"],
            row["earliest_eol"],
            a,
        )
        movable, shareable, reasons = constraint_flags(row["constraints"], row["data_classification"])
        app = App(
            key,
            row["organisation"],
            row["app_id"],
            row["name"],
            row,
            caps.get((row["organisation"], row["app_id"]), frozenset()),
            timing,
            movable,
            shareable,
            reasons,
            pins.get(key),
        )
        costs = ActionCosts(
            row["annual_run_cost"], row["annual_cashable"], 0.0, months_between(ctx.as_of, timing.exit_date)
        )
        start = saving_start_year(costs, a)
        cost_year = max(0, start - 1)
        before = sum(annuity[:start])
        app.after_exit = sum(annuity[start:])
        app.exit_cost = row["annual_run_cost"] * before + one_off_cost(costs, a) * (
            annuity[cost_year] if cost_year < horizon else 0.0
        )
        runway = row["months_to_eol"]
        if runway is not None and runway < horizon * 12:
            year = min(horizon - 1, max(0, math.floor(runway / 12)))
            app.adjustment = a.remediation_days * a.day_rate * (1 + a.optimism_bias_capital) * annuity[year]
        apps[key] = app
    return apps


def _partner_pairs(con: Any) -> frozenset[frozenset[str]]:
    rows = fetch_frame(
        con,
        "SELECT DISTINCT p.organisation AS a, q.organisation AS b FROM partnerships p "
        "JOIN partnerships q ON p.partnership = q.partnership AND p.organisation < q.organisation",
    )
    return frozenset(frozenset(r) for r in rows.iter_rows())


def survivor_rank(app: App) -> tuple[Any, ...]:
    """Best survivor first: not red-rated, better fit, longer runway, more users, cheaper per user."""
    f = app.facts
    users = f["users"] or 0
    runway = f["months_to_eol"] if f["months_to_eol"] is not None else 10_000.0
    per_user = f["annual_run_cost"] / users if users else float("inf")
    return (
        bool(f["red_rated"]),
        -(f["functional_fit"] or 0),
        -(f["technical_fit"] or 0),
        -runway,
        -users,
        per_user,
        app.organisation,
        app.app_id,
    )


@dataclasses.dataclass
class Outcome:
    """What the stages decided for one application."""

    group_id: str
    target: str | None = None  # key of the survivor it moves to
    incoming: list[str] = dataclasses.field(default_factory=list)
    whole_life: tuple[float, float] | None = None  # the group's (planned, everything kept) costs


def _decide(
    apps: dict[str, App],
    groups: pl.DataFrame,
    members_of: dict[str, list[str]],
    a: Assumptions,
    values: dict[str, Any],
    partners: frozenset[frozenset[str]],
) -> dict[str, Outcome]:
    annuity = sum(discount_factor(a.discount_rate, t) for t in range(a.horizon_long_years))

    def move_cost(mover: Candidate, target: Candidate) -> float:
        i, j = apps[mover.key], apps[target.key]
        added = _added_cost(i, j, a)
        return i.exit_cost + added * i.after_exit

    costs = CostModel(annuity_factor=annuity, migration_cost=0.0, partners=partners, move_costs=move_cost)
    kind_of = dict(zip(groups["group_id"].to_list(), groups["kind"].to_list(), strict=True))
    outcome: dict[str, Outcome] = {}
    budget = (
        values["max_migrations_per_year"] * a.horizon_long_years
        if values["max_migrations_per_year"]
        else None
    )
    used = 0
    for stage in STAGES:
        stage_groups = sorted(gid for gid, kind in kind_of.items() if kind == stage and gid in members_of)
        assigned = _assign(stage_groups, members_of, apps, outcome)
        problems: list[Group] = []
        for gid in stage_groups:
            keys = sorted(k for k in members_of[gid] if assigned.get(k) == gid)
            if len(keys) < 2 or (
                stage != "same-capability" and len({apps[k].organisation for k in keys}) < 2
            ):
                continue
            problems.append(
                _group(gid, keys, apps, outcome, values["max_targets"], stage == "same-capability")
            )
        plans = solve_groups(problems, costs)
        if budget is not None and used + _moves(plans) > budget:
            plans = solve_groups(problems, costs, max_moves=budget - used)
        used += _moves(plans)
        for plan in plans:
            for decision in plan.decisions:
                _record(outcome, decision, plan.group_id, (plan.whole_life_cost, plan.baseline_cost))
    for stage in STAGES:  # members of groups that needed no solving (nothing left to compare) stay
        for gid in sorted(g for g, kind in kind_of.items() if kind == stage and g in members_of):
            for key in members_of[gid]:
                outcome.setdefault(key, Outcome(gid))
    return outcome


def _assign(
    stage_groups: list[str],
    members_of: dict[str, list[str]],
    apps: dict[str, App],
    outcome: dict[str, Outcome],
) -> dict[str, str]:
    """Each application still in play goes to its largest group of the stage (then the smallest id)."""
    best: dict[str, tuple[int, str]] = {}
    for gid in stage_groups:
        size = len(members_of[gid])
        for key in members_of[gid]:
            done = outcome.get(key)
            if done is not None and done.target is not None:
                continue  # already moved in an earlier stage
            if key not in best or (-size, gid) < (-best[key][0], best[key][1]):
                best[key] = (size, gid)
    return {key: gid for key, (_size, gid) in best.items()}


def _group(
    gid: str,
    keys: list[str],
    apps: dict[str, App],
    outcome: dict[str, Outcome],
    max_targets: int,
    within: bool,
) -> Group:
    ranked = sorted(keys, key=lambda k: survivor_rank(apps[k]))
    candidates = []
    for position, key in enumerate(ranked):
        app = apps[key]
        host = key in outcome and bool(outcome[key].incoming)
        candidates.append(
            Candidate(
                key=key,
                organisation=app.organisation,
                annual_run_cost=app.facts["annual_run_cost"],
                users=app.facts["users"] or 0,
                capabilities=app.capabilities,
                pin="keep" if host else app.pin,
                movable=app.movable and not host,
                shareable=app.shareable,
                adjustment=app.adjustment,
                tie_break=0.01 * position,
            )
        )
    targets = None
    if len(keys) > max_targets:
        pinned = {c.key for c in candidates if c.pin == "keep"}
        targets = frozenset(ranked[:max_targets]) | pinned
    across = not within
    return Group(gid, tuple(candidates), targets, across_only=across)


def _moves(plans: list[Any]) -> int:
    return sum(1 for p in plans for d in p.decisions if not d.survives)


def _record(outcome: dict[str, Outcome], decision: Decision, gid: str, costs: tuple[float, float]) -> None:
    current = outcome.get(decision.key)
    if decision.survives:
        if current is None:
            outcome[decision.key] = Outcome(gid, whole_life=costs)
        return
    outcome[decision.key] = Outcome(gid, target=decision.target, whole_life=costs)
    assert decision.target is not None
    host = outcome.setdefault(decision.target, Outcome(gid, whole_life=costs))
    if not host.incoming:
        host.group_id, host.whole_life = gid, costs
    host.incoming.append(decision.key)


def _added_cost(mover: App, target: App, a: Assumptions) -> float:
    """Extra annual licence and support on the survivor for the mover's users."""
    users_i, users_j = mover.facts["users"] or 0, target.facts["users"] or 0
    if users_i > 0 and users_j > 0:
        ratio = users_i / users_j
    else:
        run_j = target.facts["annual_run_cost"]
        ratio = mover.facts["annual_run_cost"] / run_j if run_j > 0 else 1.0
    return round(a.marginal_cost_share * target.facts["licence_support"] * ratio, 2)


# -- actions -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Action:
    app: App
    action: str
    group_id: str | None
    target: App | None
    reason: str
    why: dict[str, Any]
    added: float = 0.0
    effort: float = 1.0
    saving_share: float = 1.0


def _actions(
    apps: dict[str, App],
    outcome: dict[str, Outcome],
    groups: pl.DataFrame,
    members_of: dict[str, list[str]],
    a: Assumptions,
) -> list[Action]:
    info = {row["group_id"]: row for row in groups.iter_rows(named=True)}
    actions: list[Action] = []

    def others(key: str, gid: str, exclude: set[str]) -> list[App]:
        return [apps[k] for k in sorted(members_of.get(gid, [])) if k != key and k not in exclude]

    for key in sorted(apps):
        app = apps[key]
        done = outcome.get(key)
        disposition = DISPOSITION_ACTIONS.get(app.facts["disposition"] or "")
        if done is None:
            if disposition:
                actions.append(_disposition_action(app, disposition, a))
            continue
        group = info.get(done.group_id, {})
        capability = group.get("capability_name") or group.get("product_label") or ""
        if done.target is not None:
            target = apps[done.target]
            kind = "consolidate" if target.organisation == app.organisation else "share"
            where = "" if kind == "consolidate" else f"{target.organisation}'s "
            reason = f"{kind} into {where}{target.name} ({capability})"
            why = _why(target, [app], others(done.target, done.group_id, {key}), done, group)
            actions.append(
                Action(app, kind, done.group_id, target, reason, why, added=_added_cost(app, target, a))
            )
        elif done.incoming:
            movers = [apps[k] for k in sorted(done.incoming)]
            names = ", ".join(m.name for m in movers)
            reason = f"invest: take on the users of {names} ({capability})"
            why = _why(app, movers, others(key, done.group_id, set(done.incoming)), done, group)
            actions.append(Action(app, "invest", done.group_id, None, reason, why))
        elif disposition:
            action = _disposition_action(app, disposition, a)
            action.group_id = done.group_id
            action.why["overlap_group"] = done.group_id
            actions.append(action)
        else:
            reason = f"keep: no move in its overlap group ({capability}) pays back within the horizon"
            why = _why(app, [], others(key, done.group_id, set()), done, group)
            actions.append(Action(app, "keep", done.group_id, None, reason, why))
    return actions


def _disposition_action(app: App, action: str, a: Assumptions) -> Action:
    f = app.facts
    reason = f"{action}: disposition {f['disposition']} ({f['disposition_rule'] or 'decision table'})"
    why = {
        "disposition": f["disposition"],
        "decided_by": f["disposition_rule"],
        "disposition_reason": f["disposition_reason"],
        "facts": _facts(app),
    }
    share = 1.0 if action == "retire" else getattr(a, f"saving_share_{action}")
    return Action(
        app, action, None, None, reason, why, effort=getattr(a, f"effort_{action}"), saving_share=share
    )


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
    }


def _why(
    survivor: App, movers: list[App], others: list[App], done: Outcome, group: dict[str, Any]
) -> dict[str, Any]:
    """The survivor beside the movers: which of fit, runway, users, cost per user and risk favour it."""
    s = _facts(survivor)
    planned, kept = done.whole_life or (None, None)
    return {
        "group": {
            "id": done.group_id,
            "kind": group.get("kind"),
            "capability": group.get("capability_name"),
            "product": group.get("product_label"),
        },
        "survivor": s,
        "moving": [_facts(m) for m in movers],
        "survivor_better_than": {f"{m.organisation}|{m.app_id}": _better(s, _facts(m)) for m in movers},
        "other_members": [_facts(o) for o in others],
        "group_whole_life_cost": None if planned is None else round(planned, 2),
        "group_whole_life_cost_keeping_all": None if kept is None else round(kept, 2),
        "decided_by": "optimiser" if planned is not None else "nothing to compare in this stage",
    }


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
    actions: list[Action],
    apps: dict[str, App],
    a: Assumptions,
    values: dict[str, Any],
    tables: set[str],
) -> dict[str, pl.DataFrame]:
    waves_in = [
        WaveInput(
            action_id(x.app.organisation, x.app.app_id),
            (x.app.organisation, x.app.app_id),
            x.app.timing.earliest_date.year,
            x.app.timing.latest_date,
        )
        for x in actions
        if x.action in MIGRATING
    ]
    waves, wave_notes = assign_waves(
        waves_in, dependency_edges(ctx.con, tables), values["max_migrations_per_year"] or None
    )
    lead = dt.timedelta(days=round(a.lead_time_months * 30.4375))
    rows: list[dict[str, Any]] = []
    flows: list[tuple[str, int, float]] = []
    shares: list[tuple[str, str, float, float, float]] = []
    for x in actions:
        aid = action_id(x.app.organisation, x.app.app_id)
        f = x.app.facts
        timing = x.app.timing
        migrates = x.action in MIGRATING
        earliest: dt.date | None = timing.earliest_date if migrates else None
        exit_date: dt.date | None = timing.exit_date if migrates else None
        wave = waves.get(aid) if migrates else None
        notes = list(timing.notes) + wave_notes.get(aid, [])
        if wave is not None and earliest is not None and exit_date is not None and wave > earliest.year:
            earliest = dt.date(wave, 1, 1)
            exit_date = max(exit_date, earliest + lead + dt.timedelta(days=timing.notice_days))
        if notes:
            x.why["timing"] = notes
        costs = ActionCosts(
            annual_run_cost=f["annual_run_cost"],
            annual_cashable=f["annual_cashable"],
            annual_added_cost=x.added,
            months_to_exit=round(months_between(ctx.as_of, exit_date), 4) if exit_date else 0.0,
            migrates=migrates,
            exit_fee=None,
            effort=x.effort,
            saving_share=x.saving_share,
        )
        result = appraise(costs, a)
        rows.append(
            {
                "action_id": aid,
                "organisation": x.app.organisation,
                "app_id": x.app.app_id,
                "app_name": x.app.name,
                "action": x.action,
                "target_organisation": x.target.organisation if x.target else None,
                "target_app_id": x.target.app_id if x.target else None,
                "target_name": x.target.name if x.target else None,
                "group_id": x.group_id,
                "earliest_date": earliest,
                "latest_date": timing.latest_date,
                "exit_date": exit_date,
                "wave_year": wave,
                "reason": x.reason,
                "why": json.dumps(x.why, default=str, sort_keys=True),
                "annual_run_cost": costs.annual_run_cost,
                "annual_cashable": costs.annual_cashable,
                "annual_added_cost": costs.annual_added_cost,
                "months_to_exit": costs.months_to_exit,
                "migrates": migrates,
                "exit_fee": None,
                "effort": costs.effort,
                "saving_share": costs.saving_share,
                "one_off_cost": round(result.one_off_cost, 2),
                "annual_saving": round(result.annual_saving, 2),
                "annual_cashable_saving": round(result.annual_cashable_saving, 2),
                "saving_start_year": result.saving_start_year,
                "cost_year": result.cost_year,
                "npv_5": round(result.npv_short, 2),
                "npv_10": round(result.npv_long, 2),
                "payback_year": result.discounted_payback_year,
            }
        )
        if migrates:
            flows.extend((aid, year, round(flow, 2)) for year, flow in enumerate(result.cash_flows))
        if x.action == "share" and x.target is not None:
            users = {
                x.app.organisation: float(f["users"] or 0),
                x.target.organisation: float(x.target.facts["users"] or 0),
            }
            for organisation, share in sorted(split_by_share(1.0, users).items()):
                shares.append(
                    (
                        aid,
                        organisation,
                        round(share, 6),
                        round(result.one_off_cost * share, 2),
                        round(result.annual_saving * share, 2),
                    )
                )
    return {
        "actions": pl.DataFrame(rows, schema=_schema(PLAN_ACTIONS))
        if rows
        else pl.DataFrame(schema=_schema(PLAN_ACTIONS)),
        "cash_flows": pl.DataFrame(flows, schema=_schema(PLAN_CASH_FLOWS), orient="row"),
        "shares": pl.DataFrame(shares, schema=_schema(PLAN_PARTNER_SHARES), orient="row"),
    }


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
