"""The options appraisal (HM Treasury Green Book style): each option against doing nothing.

- **0 Do nothing**: today's run cost carried forward, with the legacy risk that can be priced
  (the extended-support premium, `extended_support_share` of the run cost a year, from the year
  each platform leaves security support). Its NPV against itself is 0; its whole-life cost is the
  present value of both over the long horizon.
- **1 Do minimum**: retire what the disposition step says to retire (unused, out of support).
- **2 Consolidate and share**: option 1 plus the optimiser's moves within bodies and onto
  partners' systems (and the survivors that take the users).
- **3 Consolidate, share and move to cloud**: option 2 plus rehost, replatform, repurchase and refactor.

Options are cumulative. An action counts in its option when its NPV is not negative, or when it
has a stated non-financial justification (red legacy risk, or a platform out of or leaving
security support within the short horizon), which is then shown in its row; a rehost keeps the
same software, so legacy risk never justifies one. For each option: PV costs (one-off costs,
discounted), PV benefits (savings and legacy risk avoided, discounted), NPV, BCR = PV benefits /
PV costs, cashable NPV (cashable savings only), payback period in years, and the whole-life cost
(do nothing's, less the PV benefits, plus the PV costs).

**The rule for the preferred option**: the highest NPV over the long horizon among the options
whose one-off cost is within `one_off_budget` (0: no limit), do nothing included (NPV 0); on a tie
(to the penny) the smaller option. The workbook's Options sheet computes the same with formulas.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from appconsol.analyses.savings import Assumptions, discount_factor, discounted_payback

OPTION_NAMES = {
    0: "Do nothing",
    1: "Do minimum: retire",
    2: "Consolidate and share",
    3: "Consolidate, share and move to cloud",
}
OPTION_OF_ACTION = {
    "retire": 1,
    "consolidate": 2,
    "share": 2,
    "invest": 2,
    "keep": 2,
    "rehost": 3,
    "replatform": 3,
    "repurchase": 3,
    "refactor": 3,
}
PENNY = 0.005


def option_expr() -> pl.Expr:
    return pl.col("action").replace_strict(OPTION_OF_ACTION, default=2, return_dtype=pl.Int32)


def justification_expr(as_of: dt.date, a: Assumptions) -> pl.Expr:
    """A migrating action's non-financial case, or NULL: red legacy risk, unsupported platform."""
    c = pl.col
    soon = as_of + dt.timedelta(days=round(a.horizon_short_years * 365.25))
    red = pl.when(c("red_rated").fill_null(False)).then(
        pl.format("red legacy risk (score {})", c("legacy_score").round(1).cast(pl.String).fill_null("?"))
    )
    support = (
        pl.when(c("latest_date").is_not_null() & (c("latest_date") <= pl.lit(as_of)))
        .then(pl.format("platform out of security support since {}", c("latest_date").cast(pl.String)))
        .when(c("latest_date").is_not_null() & (c("latest_date") < pl.lit(soon)))
        .then(pl.format("platform leaves security support on {}", c("latest_date").cast(pl.String)))
    )
    text = pl.concat_str([red, support], separator="; ", ignore_nulls=True)
    eligible = c("migrates").fill_null(False) & (c("action") != "rehost")
    return pl.when(eligible & (text != "")).then(text)


def in_option_expr() -> pl.Expr:
    """Counts in its option: moves nothing, or pays back, or has a justification."""
    c = pl.col
    return (
        ~c("migrates").fill_null(False) | (c("npv_long") >= -PENNY) | c("justification").is_not_null()
    ).cast(pl.Int32)


@dataclass(frozen=True)
class OptionFigures:
    option: int
    name: str
    actions: int
    one_off_cost: float
    optimism_bias: float
    annual_saving: float
    pv_costs: float
    pv_benefits: float
    npv: float
    bcr: float | None
    cashable_npv: float
    payback_years: int | None
    whole_life_cost: float
    eligible: bool
    flows: tuple[float, ...]
    preferred: bool = False
    pv_labour: float = 0.0
    npv_short: float = 0.0
    capital: float = 0.0
    revenue: float = 0.0


def do_nothing_cost(baseline: pl.DataFrame, a: Assumptions) -> tuple[float, list[float]]:
    """PV of today's run cost carried forward plus the priced legacy risk; and the yearly amounts."""
    years = a.horizon_long_years
    run = float(baseline.get_column("annual_run_cost").sum()) if baseline.height else 0.0
    yearly = []
    for t in range(years):
        at_risk = baseline.filter(pl.col("support_end_year") <= t).get_column("annual_run_cost").sum()
        yearly.append(run + a.extended_support_share * float(at_risk or 0.0))
    return sum(amount * discount_factor(a.discount_rate, t) for t, amount in enumerate(yearly)), yearly


def appraise_options(
    rows: pl.DataFrame, flows: Sequence[Sequence[float]], do_nothing: float, a: Assumptions
) -> list[OptionFigures]:
    """The four options from per-action figures (option, in_option, one_off_cost, optimism_bias,
    annual_saving, pv_costs, pv_benefits, pv_cashable) and each action's yearly cash flows."""
    import numpy as np

    years = a.horizon_long_years
    # One row of yearly flows per action (a list of lists, or a rows x years array).
    matrix = np.asarray(flows, dtype=np.float64).reshape(len(flows), years)
    results = []
    for k in range(4):
        mask = (
            rows.select(
                (pl.col("option").is_not_null() & (pl.col("option") <= k) & (pl.col("in_option") != 0))
                .fill_null(False)
                .alias("chosen")
            ).to_series()
            if rows.height
            else pl.Series("chosen", [], dtype=pl.Boolean)
        )
        part = rows.filter(mask) if rows.height else rows

        def total(column: str, part: pl.DataFrame = part) -> float:
            return float(part.get_column(column).sum()) if part.height else 0.0

        # cumsum adds row after row, as the yearly totals always have been (a pairwise sum would
        # change the last bits); + 0.0 turns an empty or all -0.0 column into 0.0.
        chosen_rows = matrix[mask.to_numpy()]
        totals = chosen_rows.cumsum(axis=0)[-1] + 0.0 if len(chosen_rows) else np.zeros(years)
        yearly = [float(v) for v in totals]
        pv_costs, pv_benefits = total("pv_costs"), total("pv_benefits")
        one_off = total("one_off_cost")
        payback = discounted_payback(yearly, a.discount_rate) if k else None
        results.append(
            OptionFigures(
                option=k,
                name=OPTION_NAMES[k],
                actions=int(mask.sum()) if k else 0,
                one_off_cost=one_off if k else 0.0,
                optimism_bias=total("optimism_bias") if k else 0.0,
                annual_saving=total("annual_saving") if k else 0.0,
                pv_costs=pv_costs if k else 0.0,
                pv_benefits=pv_benefits if k else 0.0,
                npv=(pv_benefits - pv_costs) if k else 0.0,
                bcr=(pv_benefits / pv_costs) if k and pv_costs > 0 else None,
                cashable_npv=(total("pv_cashable") - pv_costs) if k else 0.0,
                payback_years=None if payback is None else payback + 1,
                whole_life_cost=do_nothing - (pv_benefits - pv_costs if k else 0.0),
                eligible=k == 0 or a.one_off_budget <= 0 or one_off <= a.one_off_budget,
                flows=tuple(yearly) if k else (0.0,) * years,
                pv_labour=total("pv_labour") if k and "pv_labour" in rows.columns else 0.0,
                npv_short=total("npv_short") if k and "npv_short" in rows.columns else 0.0,
                capital=total("capital") if k and "capital" in rows.columns else 0.0,
                revenue=total("revenue") if k and "revenue" in rows.columns else 0.0,
            )
        )
    best = preferred_option(results)
    return [
        OptionFigures(**{**o.__dict__, "preferred": o.option == best})  # type: ignore[arg-type]
        for o in results
    ]


def preferred_option(results: Sequence[OptionFigures]) -> int:
    """The highest NPV (to the penny) among eligible options; the smaller option on a tie."""
    scores = [round(o.npv, 2) if o.eligible else -math.inf for o in results]
    return scores.index(max(scores))


def options_frame(results: Sequence[OptionFigures]) -> pl.DataFrame:
    from appconsol.analyses.plan_tables import PLAN_OPTIONS, frame_schema

    keys = [c.name for c in PLAN_OPTIONS.columns]
    return pl.DataFrame(
        [tuple(getattr(o, k) for k in keys) for o in results], schema=frame_schema(PLAN_OPTIONS), orient="row"
    )
