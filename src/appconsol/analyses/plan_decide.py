"""The plan's decisions: which members of each overlap group survive and where the others move.

Groups are planned in three stages, so each application ends with exactly one decision:
1. within one body (`same-capability` groups): consolidate onto the survivor;
2. across partner bodies, one product (`same-product`): share one body's instance;
3. across partner bodies, one capability (`convergence`): share a partner's system.
Each stage solves its groups with the survivor optimiser (`optimise.solve_groups`, a MILP
minimising whole-life cost); an application moved in one stage takes no further part, one that
received moves (a host) is kept in later stages so users never move twice, and in stages 2-3 only
moves between bodies are allowed (overlap within a body is stage 1's judgement). An application
in several groups of one stage (nested partnerships) is planned in the largest.

Prices come from the savings model, so a move is chosen exactly when its NPV over the long
horizon beats keeping both systems, adjusted for the survivor's runway: keeping a system whose
platform leaves support within the horizon costs an upgrade (`remediation_days`). Fit, risk,
users and cost per user break ties (a few pence per rank), and a group larger than `max_targets`
lets only its best-ranked members receive moves.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from typing import Any

from appconsol.analyses.optimise import Candidate, CostModel, Decision, Group, solve_groups
from appconsol.analyses.savings import (
    Assumptions,
    discount_factor,
    months_between,
)

STAGES = ("same-capability", "same-product", "convergence")
SEP = "\x1f"


@dataclasses.dataclass(slots=True)
class App:
    """One overlap group member as the plan sees it (slots: a million-application plan holds many)."""

    key: str
    organisation: str
    app_id: str
    name: str
    facts: dict[str, Any]  # users, fits, costs, runway, risk, disposition (see plan._applications)
    capabilities: frozenset[str]
    exit_date: dt.date
    movable: bool
    shareable: bool
    constraints: list[str]
    pin: str | None
    exit_cost: float = 0.0
    after_exit: float = 0.0  # discounted years from the saving start to the horizon
    adjustment: float = 0.0
    priced: bool = False
    summary: str | None = None  # its facts as JSON text, for the `why` of every action naming it
    described: dict[str, Any] | None = None  # its facts as a `why` shows them (plan_actions._facts)


def price(app: App, a: Assumptions, as_of: dt.date) -> App:
    """The optimiser's prices for one application (computed once, only for overlap group members).

    exit_cost: what moving off it costs in present value (its run cost until the saving starts,
    and the one-off cost in its year); after_exit: the discount factors from the saving start to
    the horizon, which price the extra run cost on the survivor; adjustment: the upgrade keeping it
    needs when its platform leaves support within the horizon.
    """
    if app.priced:
        return app
    horizon = a.horizon_long_years
    annuity = _factors(a.discount_rate, horizon)
    run = app.facts["annual_run_cost"]
    # Priced as the appraisal will cost the move: its complexity, a move's optimism bias, any exit fee.
    start = _saving_start(months_between(as_of, app.exit_date), a)
    cost_year = max(0, start - 1)
    app.after_exit = sum(annuity[start:])
    app.exit_cost = run * sum(annuity[:start]) + _move_one_off(
        run, app.facts.get("exit_fee"), app.facts.get("size_factor") or 1.0, a
    ) * (annuity[cost_year] if cost_year < horizon else 0.0)
    runway = app.facts["months_to_eol"]
    if runway is not None and runway < horizon * 12:
        year = min(horizon - 1, max(0, math.floor(runway / 12)))
        app.adjustment = a.remediation_days * a.day_rate * (1 + a.optimism_bias_capital) * annuity[year]
    app.priced = True
    return app


def _saving_start(months_to_exit: float, a: Assumptions) -> int:
    """`savings.saving_start_year` of a move (only its months to exit matter), without an ActionCosts."""
    biased_lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    return math.floor(round(a.fy_offset_months + max(months_to_exit, biased_lead), 9) / 12.0) + 1


def _move_one_off(run: float, exit_fee: float | None, size_factor: float, a: Assumptions) -> float:
    """`savings.one_off_cost` of a `consolidate` move, its terms added in the same order."""
    labour, bias = _move_labour(size_factor, a)
    return (
        labour
        + 0.0
        + bias
        + a.dual_running_months * run / 12.0
        + (a.exit_fee if exit_fee is None else exit_fee)
    )


def _move_labour(size_factor: float, a: Assumptions) -> tuple[float, float]:
    """A move's labour before archive (migration + data migration + training, at the day rate) and
    its optimism bias: `savings.one_off_parts` for a `consolidate` of effort 1, term for term."""
    scale = 1.0 * size_factor
    migration = scale * a.migration_days * a.day_rate
    data = scale * a.data_migration_days * a.day_rate
    training = scale * a.training_days * a.day_rate
    archive = 0.0 * a.day_rate  # only a retirement archives
    return migration + data + training, (migration + data + training + archive) * a.optimism_bias("consolidate")


@functools.lru_cache(maxsize=8)
def _factors(rate: float, years: int) -> tuple[float, ...]:
    return tuple(discount_factor(rate, t) for t in range(years))


def app_key(organisation: str, app_id: str) -> str:
    return f"{organisation}{SEP}{app_id}"


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


def decide(
    apps: dict[str, App],
    kind_of: dict[str, str],
    members_of: dict[str, list[str]],
    a: Assumptions,
    values: dict[str, Any],
    partners: frozenset[frozenset[str]],
    as_of: dt.date,
) -> dict[str, Outcome]:
    """Every group member's outcome: moved (with its target), a host (with what it takes on) or kept."""
    annuity = sum(discount_factor(a.discount_rate, t) for t in range(a.horizon_long_years))

    def move_cost(mover: Candidate, target: Candidate) -> float:
        i, j = apps[mover.key], apps[target.key]
        added = added_cost(i, j, a)
        return i.exit_cost + added * i.after_exit

    costs = CostModel(annuity_factor=annuity, migration_cost=0.0, partners=partners, move_costs=move_cost)
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
            for key in keys:
                price(apps[key], a, as_of)
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


def added_cost(mover: App, target: App, a: Assumptions) -> float:
    """Extra annual licence and support on the survivor for the mover's users."""
    users_i, users_j = mover.facts["users"] or 0, target.facts["users"] or 0
    if users_i > 0 and users_j > 0:
        ratio = users_i / users_j
    else:
        run_j = target.facts["annual_run_cost"]
        ratio = mover.facts["annual_run_cost"] / run_j if run_j > 0 else 1.0
    return round(a.marginal_cost_share * target.facts["licence_support"] * ratio, 2)
