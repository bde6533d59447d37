"""The savings model: one-off costs, annual savings, cash flows, NPV and payback per action.

Plain Python over plain numbers, so that the plan workbook can write the very same model as
formulas and a test can prove the two agree after a spreadsheet engine recalculates. Every
formula here is one a finance reader can follow in a cell (docs/plan.md gives them with sources):

- labour = effort x complexity x (migration + data migration + training days) x day rate, plus
  archive days x complexity x day rate when the action retires the system; effort is 1 for a move
  onto another system and `effort_<action>` for retiring or a cloud move; complexity is the
  application's size factor (`plan_effort`)
- optimism bias = labour x the action's uplift (the upper bound less the mitigated share of the gap
  to the lower bound); none on dual running (a known run cost) or exit fees (contractual)
- one-off cost = labour + optimism bias + dual running months x monthly run cost + exit fee
- annual saving = saving share x run cost x (1 - benefits shortfall) - added cost on the target;
  cashable the same over the cashable lines (0 when the cost was estimated)
- legacy risk avoided = extended-support premium (share of run cost) a year, from the later of the
  saving start and the year the platform leaves security support, for actions that leave it
- lead time with bias = lead time months x (1 + optimism bias on duration)
- years are UK financial years (April to March), year 0 the one holding the as-of date; the
  switch-off falls in the year holding the later of the contract's earliest exit and the biased
  lead time, and savings start in the first full year after it: s = floor((months from 1 April of
  year 0 to the as-of date + months to switch-off) / 12) + 1; one-off costs fall in year s - 1
- cash flow in year t = saving x [t >= s] + risk avoided x [t >= risk start] - one-off x [t = cost year]
- NPV over H years = sum over t = 0..H-1 of cash flow(t) / (1 + r)^t (year 0 undiscounted, as in the
  Green Book's discounting convention)
- discounted payback = the first year whose cumulative discounted cash flow is >= 0; the payback
  period in years is that year + 1
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from appconsol.analyses.plan_assumptions import MIGRATING, OB_MITIGATION, Assumption, Assumptions

__all__ = ["MIGRATING", "OB_MITIGATION", "ActionCosts", "ActionResult", "Assumption", "Assumptions"]


@dataclass(frozen=True)
class ActionCosts:
    """What the model needs about one planned action (from the plan and the inventory)."""

    annual_run_cost: float  # cost lines of the application switched off (or replaced)
    annual_cashable: float  # licence + support + hosting + other: money that stops being paid
    annual_added_cost: float = 0.0  # extra run cost on the survivor (licences for moved users)
    months_to_exit: float = 0.0  # from as-of to the earliest date the contract can end
    migrates: bool = True  # False for actions that move nothing (keep, invest)
    exit_fee: float | None = None  # overrides the assumption when the contract states one
    effort: float = 1.0  # share of the migration person-days this action takes
    saving_share: float = 1.0  # share of the run cost that stops (1: switched off)
    action: str = ""  # the action type: sets optimism bias, archive work and legacy risk avoided
    size_factor: float = 1.0  # complexity of the application (plan_effort): scales its labour
    support_end_year: int | None = None  # year its platform leaves security support (None: not known)


@dataclass(frozen=True)
class ActionResult:
    one_off_cost: float
    annual_saving: float
    annual_cashable_saving: float
    saving_start_year: int
    cost_year: int
    cash_flows: tuple[float, ...]  # years 0..horizon_long-1
    npv_short: float
    npv_long: float
    discounted_payback_year: int | None
    inputs: dict[str, float] = field(default_factory=dict)
    labour: float = 0.0
    optimism_bias: float = 0.0
    effort_days: float = 0.0
    benefits_shortfall: float = 0.0
    risk_avoided: float = 0.0
    risk_start_year: int = 0
    pv_costs: float = 0.0
    pv_labour: float = 0.0
    pv_benefits: float = 0.0
    pv_cashable: float = 0.0


def discount_factor(rate: float, year: int) -> float:
    return 1.0 / (1.0 + rate) ** year


def npv(cash_flows: Sequence[float], rate: float, years: int) -> float:
    return sum(flow * discount_factor(rate, t) for t, flow in enumerate(cash_flows[:years]))


def discounted_payback(cash_flows: Sequence[float], rate: float) -> int | None:
    """First year (0-based) whose cumulative discounted cash flow reaches zero; None within the horizon."""
    total = 0.0
    for t, flow in enumerate(cash_flows):
        total += flow * discount_factor(rate, t)
        if total >= -1e-9 and any(f > 0 for f in cash_flows[: t + 1]):
            return t
    return None


def labour_days(action: ActionCosts, a: Assumptions) -> dict[str, float]:
    """Person-days by kind of work: migration, data migration, training and (retirements) archive."""
    scale = action.effort * action.size_factor
    return {
        "migration": scale * a.migration_days,
        "data_migration": scale * a.data_migration_days,
        "training": scale * a.training_days,
        "archive": a.archive_days * action.size_factor if action.action == "retire" else 0.0,
    }


def one_off_parts(action: ActionCosts, a: Assumptions) -> dict[str, float]:
    """The one-off cost line by line (all 0 when the action moves nothing)."""
    if not action.migrates:
        return dict.fromkeys(("migration", "data_migration", "training", "archive", "optimism_bias"), 0.0) | {
            "dual_running": 0.0,
            "exit_fee": 0.0,
        }
    parts = {k: days * a.day_rate for k, days in labour_days(action, a).items()}
    parts["optimism_bias"] = sum(parts.values()) * a.optimism_bias(action.action)
    parts["dual_running"] = a.dual_running_months * action.annual_run_cost / 12.0
    parts["exit_fee"] = a.exit_fee if action.exit_fee is None else action.exit_fee
    return parts


def one_off_cost(action: ActionCosts, a: Assumptions) -> float:
    return sum(one_off_parts(action, a).values())


def saving_start_year(action: ActionCosts, a: Assumptions) -> int:
    """The first full financial year after the switch-off (year 0 holds the as-of date)."""
    biased_lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    months = max(action.months_to_exit, biased_lead)
    return math.floor(round(a.fy_offset_months + months, 9) / 12.0) + 1


def leaves_legacy_risk(action: ActionCosts) -> bool:
    """A move off the platform ends its extended-support premium; a rehost keeps the same software."""
    return action.migrates and action.support_end_year is not None and action.action != "rehost"


def appraise(action: ActionCosts, a: Assumptions) -> ActionResult:
    """Cash flows, NPVs and payback of one action, exactly as the workbook's formulas compute them."""
    parts = one_off_parts(action, a)
    cost = sum(parts.values())
    share = action.saving_share
    gross = share * action.annual_run_cost if action.migrates else 0.0
    shortfall = gross * a.benefits_shortfall
    saving = gross - shortfall - action.annual_added_cost if action.migrates else 0.0
    cashable = (
        share * action.annual_cashable * (1.0 - a.benefits_shortfall) - action.annual_added_cost
        if action.migrates
        else 0.0
    )
    start = saving_start_year(action, a)
    cost_year = max(0, start - 1)
    risk = a.extended_support_share * action.annual_run_cost if leaves_legacy_risk(action) else 0.0
    risk_start = max(start, action.support_end_year or 0)
    years = a.horizon_long_years
    flows = tuple(
        (saving if t >= start else 0.0)
        + (risk if t >= risk_start else 0.0)
        - (cost if t == cost_year else 0.0)
        for t in range(years)
    )
    factor = discount_factor(a.discount_rate, cost_year) if cost_year < years else 0.0
    labour = sum(parts[k] for k in ("migration", "data_migration", "training", "archive"))
    npv_long = npv(flows, a.discount_rate, years)
    days = labour_days(action, a)
    return ActionResult(
        one_off_cost=cost,
        annual_saving=saving,
        annual_cashable_saving=cashable,
        saving_start_year=start,
        cost_year=cost_year,
        cash_flows=flows,
        npv_short=npv(flows, a.discount_rate, a.horizon_short_years),
        npv_long=npv_long,
        discounted_payback_year=discounted_payback(flows, a.discount_rate),
        inputs={"annual_run_cost": action.annual_run_cost, "months_to_exit": action.months_to_exit},
        labour=labour,
        optimism_bias=parts["optimism_bias"],
        effort_days=sum(days.values()) if action.migrates else 0.0,
        benefits_shortfall=shortfall,
        risk_avoided=risk,
        risk_start_year=risk_start,
        pv_costs=cost * factor,
        pv_labour=(labour + parts["optimism_bias"]) * factor,
        pv_benefits=npv_long + cost * factor,
        pv_cashable=cashable * sum(discount_factor(a.discount_rate, t) for t in range(start, years)),
    )


def months_between(start: dt.date, end: dt.date | None) -> float:
    """Months from start to end (0 when end is unknown or past), on a 30.4375-day month."""
    if end is None or end <= start:
        return 0.0
    return (end - start).days / 30.4375


def split_by_share(amount: float, shares: dict[str, float]) -> dict[str, float]:
    """Split an amount between partner bodies in proportion to their shares (users, say)."""
    total = sum(shares.values())
    if total <= 0:
        equal = amount / len(shares) if shares else 0.0
        return dict.fromkeys(shares, equal)
    return {body: amount * share / total for body, share in shares.items()}


def appraise_frame(actions: Any, a: Assumptions, wide: bool = False) -> tuple[Any, Any]:
    """`appraise` over a polars frame of actions at once, for plans of a million applications.

    `actions` has the ActionCosts columns (annual_run_cost, annual_cashable, annual_added_cost,
    months_to_exit, migrates, exit_fee (NULL: the assumption), effort, saving_share, action,
    size_factor, support_end_year) and any others, which are kept. Returns (the frame with
    one_off_cost, optimism_bias, effort_days, annual_saving, annual_cashable_saving,
    saving_start_year, cost_year, npv_short, npv_long, pv_costs, pv_benefits,
    discounted_payback_year and _row added; the cash flows, one row per action row (`_row`) and
    year). Every formula is the scalar model's, term for term, and the discounted sums run year by
    year in the same order, one column per year (the horizon is short), so the figures are the
    scalar model's to the last bit; a test compares the two row by row. With `wide`, the frame
    also keeps the labour (`_labour`), the risk avoided and its year (`_risk`, `_risk_start`) and,
    for each year t, the flow, the cumulative discounted flow and whether a flow has been positive
    (`_flow{t}`, `_cum{t}`, `_gain{t}`), for the workbook's breakdown.
    """
    import polars as pl

    c = pl.col
    years = range(a.horizon_long_years)
    migrates = c("migrates").fill_null(False)
    exit_fee = c("exit_fee").fill_null(a.exit_fee)
    size = c("size_factor").fill_null(1.0)
    scale = c("effort") * size
    rates = {action: a.optimism_bias(action) for action in OB_MITIGATION}
    bias = c("action").replace_strict(rates, default=a.optimism_bias(""), return_dtype=pl.Float64)
    is_retire = c("action") == "retire"
    labour = (
        scale * a.migration_days * a.day_rate
        + scale * a.data_migration_days * a.day_rate
        + scale * a.training_days * a.day_rate
        + pl.when(is_retire).then(a.archive_days * size * a.day_rate).otherwise(0.0)
    )
    days = (
        scale * a.migration_days
        + scale * a.data_migration_days
        + scale * a.training_days
        + pl.when(is_retire).then(a.archive_days * size).otherwise(0.0)
    )
    biased_lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    months = (pl.lit(a.fy_offset_months) + pl.max_horizontal(c("months_to_exit"), pl.lit(biased_lead))).round(
        9
    )
    gross = c("saving_share") * c("annual_run_cost")
    leaves = migrates & c("support_end_year").is_not_null() & (c("action") != "rehost")
    framed = (
        actions.with_row_index("_row")
        .with_columns(
            pl.when(migrates).then(labour).otherwise(0.0).alias("_labour"),
            pl.when(migrates).then(days).otherwise(0.0).alias("effort_days"),
            pl.when(migrates)
            .then(gross - gross * a.benefits_shortfall - c("annual_added_cost"))
            .otherwise(0.0)
            .alias("annual_saving"),
            pl.when(migrates)
            .then(
                c("saving_share") * c("annual_cashable") * (1.0 - a.benefits_shortfall)
                - c("annual_added_cost")
            )
            .otherwise(0.0)
            .alias("annual_cashable_saving"),
            pl.when(leaves)
            .then(a.extended_support_share * c("annual_run_cost"))
            .otherwise(0.0)
            .alias("_risk"),
            ((months / 12.0).floor().cast(pl.Int32) + 1).alias("saving_start_year"),
        )
        .with_columns(
            (c("_labour") * bias).alias("optimism_bias"),
            pl.max_horizontal(c("saving_start_year") - 1, pl.lit(0)).alias("cost_year"),
            pl.max_horizontal(c("saving_start_year"), c("support_end_year").fill_null(0)).alias(
                "_risk_start"
            ),
        )
        .with_columns(
            pl.when(migrates)
            .then(
                c("_labour")
                + c("optimism_bias")
                + a.dual_running_months * c("annual_run_cost") / 12.0
                + exit_fee
            )
            .otherwise(0.0)
            .alias("one_off_cost")
        )
    )
    flows = [
        (
            pl.when(pl.lit(t) >= c("saving_start_year")).then(c("annual_saving")).otherwise(0.0)
            + pl.when(pl.lit(t) >= c("_risk_start")).then(c("_risk")).otherwise(0.0)
            - pl.when(pl.lit(t) == c("cost_year")).then(c("one_off_cost")).otherwise(0.0)
        ).alias(f"_flow{t}")
        for t in years
    ]
    framed = framed.with_columns(flows)
    running: list[Any] = []
    total: Any = None
    for t in years:  # cumulative discounted flow, added year by year like the scalar loop
        term = c(f"_flow{t}") * discount_factor(a.discount_rate, t)
        total = term if total is None else total + term
        running.append(total.alias(f"_cum{t}"))
    framed = framed.with_columns(running)
    gained = [pl.any_horizontal([c(f"_flow{k}") > 0 for k in range(t + 1)]).alias(f"_gain{t}") for t in years]
    framed = framed.with_columns(gained)
    payback = pl.lit(None, pl.Int32)
    for t in reversed(years):
        payback = (
            pl.when((c(f"_cum{t}") >= -1e-9) & c(f"_gain{t}")).then(pl.lit(t, pl.Int32)).otherwise(payback)
        )
    short = min(a.horizon_short_years, a.horizon_long_years)
    factor = pl.lit(0.0)
    for t in reversed(years):
        factor = (
            pl.when(c("cost_year") == t).then(pl.lit(discount_factor(a.discount_rate, t))).otherwise(factor)
        )
    annuity = pl.lit(0.0)  # sum of the discount factors from the saving start year to the horizon
    for t in reversed(years):
        tail = sum(discount_factor(a.discount_rate, k) for k in range(t, a.horizon_long_years))
        annuity = pl.when(c("saving_start_year") == t).then(pl.lit(tail)).otherwise(annuity)
    framed = framed.with_columns(
        (c("annual_cashable_saving") * annuity).alias("pv_cashable"),
        (c(f"_cum{short - 1}") if short > 0 else pl.lit(0.0)).alias("npv_short"),
        (c(f"_cum{a.horizon_long_years - 1}") if a.horizon_long_years > 0 else pl.lit(0.0)).alias("npv_long"),
        payback.alias("discounted_payback_year"),
        (c("one_off_cost") * factor).alias("pv_costs"),
    ).with_columns((c("npv_long") + c("pv_costs")).alias("pv_benefits"))
    cash_flows = _long_flows(framed, len(years))
    if wide:
        return framed, cash_flows
    scratch = [f"_{kind}{t}" for kind in ("flow", "cum", "gain") for t in years]
    return framed.drop(*scratch, "_labour", "_risk", "_risk_start"), cash_flows


def _long_flows(framed: Any, years: int) -> Any:
    """The `_flow{t}` columns as one row per action row (`_row`) and year, in that order.

    Laid out from the rows x years matrix (a row-major reshape is exactly that order), not by
    unpivoting and sorting: at a million actions the sort alone took half a second.
    """
    import numpy as np
    import polars as pl

    matrix = framed.select(*(pl.col(f"_flow{t}") for t in range(years))).to_numpy()
    return pl.DataFrame(
        {
            "_row": np.repeat(framed.get_column("_row").to_numpy(), years),
            "year": np.tile(np.arange(years, dtype=np.int32), framed.height),
            "cash_flow": matrix.reshape(-1).astype(np.float64, copy=False),
        },
        schema={"_row": pl.UInt32, "year": pl.Int32, "cash_flow": pl.Float64},
    )
