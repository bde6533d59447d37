"""The savings model: one-off costs, annual savings, cash flows, NPV and payback per action.

Plain Python over plain numbers, so that the plan workbook can write the very same model as
formulas and a test can prove the two agree after a spreadsheet engine recalculates. Every
formula here is one a finance reader can follow in a cell:

- one-off cost = (effort x migration days x day rate + effort x data migration days x day rate
  + dual running months x monthly run cost + exit fee + effort x training days x day rate)
  x (1 + optimism bias on capital); effort is 1 for moving onto another system and the
  `effort_<action>` assumption for retiring or moving to cloud
- annual saving = saving share x annual run cost - annual added cost (saving share is 1 when the
  application is switched off, the `saving_share_<action>` assumption when it is rehosted,
  replatformed, repurchased or refactored); cashable saving the same over the cashable lines
- lead time with bias = lead time months x (1 + optimism bias on duration)
- savings start year s = whole years from the as-of date to the later of the contract's earliest
  exit and the biased lead time, rounded up; one-off costs fall in year max(0, s - 1)
- cash flow in year t = saving x [t >= s] - one-off x [t = cost year]
- NPV over H years = sum over t = 0..H-1 of cash flow(t) / (1 + r)^t (year 0 undiscounted, as in the
  Green Book's discounting convention)
- discounted payback = the first year whose cumulative discounted cash flow is >= 0

Defaults follow HM Treasury's Green Book (2022): a 3.5% real discount rate for the first 30
years; optimism bias upper bounds for equipment and development projects of 200% on capital
expenditure and 54% on works duration, the values to use before a project has evidence of its own.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Assumption:
    """One input to the savings model, as the Assumptions sheet shows it."""

    name: str
    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class Assumptions:
    discount_rate: float = 0.035
    horizon_short_years: int = 5
    horizon_long_years: int = 10
    optimism_bias_capital: float = 2.00
    optimism_bias_duration: float = 0.54
    day_rate: float = 650.0
    migration_days: float = 40.0
    data_migration_days: float = 15.0
    dual_running_months: float = 3.0
    training_days: float = 5.0
    exit_fee: float = 0.0
    lead_time_months: float = 6.0
    staff_cost_cashable: bool = False
    effort_retire: float = 0.25
    effort_rehost: float = 0.5
    effort_replatform: float = 1.0
    effort_repurchase: float = 1.0
    effort_refactor: float = 2.0
    saving_share_rehost: float = 0.10
    saving_share_replatform: float = 0.20
    saving_share_repurchase: float = 0.15
    saving_share_refactor: float = 0.25
    marginal_cost_share: float = 0.5
    remediation_days: float = 20.0
    default_notice_days: float = 90.0
    default_annual_cost: float = 10_000.0

    def describe(self) -> list[Assumption]:
        """Every assumption with its unit and the source of its default, for the workbook."""
        return [
            Assumption(
                "discount_rate",
                self.discount_rate,
                "real, per year",
                "HM Treasury Green Book (2022), 3.5% for years 0-30",
            ),
            Assumption(
                "horizon_short_years",
                self.horizon_short_years,
                "years",
                "Short appraisal period for IT (typical 5-year contract cycle)",
            ),
            Assumption(
                "horizon_long_years",
                self.horizon_long_years,
                "years",
                "Green Book: appraise over the asset's useful life; 10 years for business software",
            ),
            Assumption(
                "optimism_bias_capital",
                self.optimism_bias_capital,
                "uplift on one-off costs",
                "Green Book supplementary guidance: equipment/development upper bound 200%",
            ),
            Assumption(
                "optimism_bias_duration",
                self.optimism_bias_duration,
                "uplift on lead time",
                "Green Book supplementary guidance: equipment/development works duration upper bound 54%",
            ),
            Assumption(
                "day_rate",
                self.day_rate,
                "GBP per person-day",
                "Typical G-Cloud / DOS developer and migration day rate; replace with your framework's rate",
            ),
            Assumption(
                "migration_days",
                self.migration_days,
                "person-days per migration",
                "Planning estimate for re-platforming one business application; refine per application",
            ),
            Assumption(
                "data_migration_days",
                self.data_migration_days,
                "person-days per migration",
                "Planning estimate for extract, cleanse and load of one application's data",
            ),
            Assumption(
                "dual_running_months",
                self.dual_running_months,
                "months",
                "Parallel running of old and new during cut-over",
            ),
            Assumption(
                "training_days",
                self.training_days,
                "person-days per migration",
                "Trainer time for users of the retired application",
            ),
            Assumption(
                "exit_fee",
                self.exit_fee,
                "GBP per contract",
                "Contract-specific; none assumed unless the contract says so",
            ),
            Assumption(
                "lead_time_months",
                self.lead_time_months,
                "months",
                "Procurement and mobilisation before a switch-off can happen",
            ),
            *(
                Assumption(
                    f"effort_{action}",
                    getattr(self, f"effort_{action}"),
                    "share of a migration's person-days",
                    why,
                )
                for action, why in (
                    ("retire", "Planning assumption: archive the data and switch off; no users move"),
                    ("rehost", "Planning assumption: lift and shift onto cloud hosting, no code change"),
                    ("replatform", "Planning assumption: as much work as moving onto another system"),
                    ("repurchase", "Planning assumption: moving onto the SaaS edition is a migration"),
                    ("refactor", "Planning assumption: rewriting parts of the application costs double"),
                )
            ),
            *(
                Assumption(
                    f"saving_share_{action}",
                    getattr(self, f"saving_share_{action}"),
                    "share of the annual run cost saved",
                    f"Planning assumption for {action} (no reliable public benchmark); replace with a costed quote",
                )
                for action in ("rehost", "replatform", "repurchase", "refactor")
            ),
            Assumption(
                "marginal_cost_share",
                self.marginal_cost_share,
                "share of the survivor's licence and support per user",
                "Planning assumption: what each user moved onto a surviving system adds to its licence bill",
            ),
            Assumption(
                "remediation_days",
                self.remediation_days,
                "person-days",
                "Planning assumption: upgrading a survivor's unsupported platform so it can stay in service "
                "(weighs in the choice of survivor only)",
            ),
            Assumption(
                "default_notice_days",
                self.default_notice_days,
                "days",
                "Notice period assumed when the inventory gives none (three months is common in "
                "public-sector software contracts)",
            ),
            Assumption(
                "default_annual_cost",
                self.default_annual_cost,
                "GBP per year",
                "Run cost assumed for an application whose cost is unknown and has no comparable "
                "application with a known cost",
            ),
        ]


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


def one_off_cost(action: ActionCosts, a: Assumptions) -> float:
    if not action.migrates:
        return 0.0
    exit_fee = a.exit_fee if action.exit_fee is None else action.exit_fee
    base = (
        action.effort * a.migration_days * a.day_rate
        + action.effort * a.data_migration_days * a.day_rate
        + a.dual_running_months * action.annual_run_cost / 12.0
        + exit_fee
        + action.effort * a.training_days * a.day_rate
    )
    return base * (1.0 + a.optimism_bias_capital)


def saving_start_year(action: ActionCosts, a: Assumptions) -> int:
    biased_lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    months = max(action.months_to_exit, biased_lead)
    return max(0, math.ceil(round(months, 9) / 12.0))


def appraise(action: ActionCosts, a: Assumptions) -> ActionResult:
    """Cash flows, NPVs and payback of one action, exactly as the workbook's formulas compute them."""
    cost = one_off_cost(action, a)
    share = action.saving_share
    saving = share * action.annual_run_cost - action.annual_added_cost if action.migrates else 0.0
    cashable = share * action.annual_cashable - action.annual_added_cost if action.migrates else 0.0
    start = saving_start_year(action, a)
    cost_year = max(0, start - 1)
    flows = tuple(
        (saving if t >= start else 0.0) - (cost if t == cost_year else 0.0)
        for t in range(a.horizon_long_years)
    )
    return ActionResult(
        one_off_cost=cost,
        annual_saving=saving,
        annual_cashable_saving=cashable,
        saving_start_year=start,
        cost_year=cost_year,
        cash_flows=flows,
        npv_short=npv(flows, a.discount_rate, a.horizon_short_years),
        npv_long=npv(flows, a.discount_rate, a.horizon_long_years),
        discounted_payback_year=discounted_payback(flows, a.discount_rate),
        inputs={"annual_run_cost": action.annual_run_cost, "months_to_exit": action.months_to_exit},
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


def appraise_frame(actions: Any, a: Assumptions) -> tuple[Any, Any]:
    """`appraise` over a polars frame of actions at once, for plans of a million applications.

    `actions` has the ActionCosts columns (annual_run_cost, annual_cashable, annual_added_cost,
    months_to_exit, migrates, exit_fee (NULL: the assumption), effort, saving_share) and any
    others, which are kept. Returns (the frame with one_off_cost, annual_saving,
    annual_cashable_saving, saving_start_year, cost_year, npv_short, npv_long,
    discounted_payback_year and _row added; the cash flows, one row per action row (`_row`) and
    year). Every formula is the scalar model's, term for term, and the discounted sums run year by
    year in the same order, one column per year (the horizon is short), so the figures are the
    scalar model's to the last bit; a test compares the two row by row.
    """
    import polars as pl

    c = pl.col
    years = range(a.horizon_long_years)
    migrates = c("migrates").fill_null(False)
    exit_fee = c("exit_fee").fill_null(a.exit_fee)
    base = (
        c("effort") * a.migration_days * a.day_rate
        + c("effort") * a.data_migration_days * a.day_rate
        + a.dual_running_months * c("annual_run_cost") / 12.0
        + exit_fee
        + c("effort") * a.training_days * a.day_rate
    )
    biased_lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    months = pl.max_horizontal(c("months_to_exit"), pl.lit(biased_lead)).round(9)
    framed = (
        actions.with_row_index("_row")
        .with_columns(
            pl.when(migrates)
            .then(base * (1.0 + a.optimism_bias_capital))
            .otherwise(0.0)
            .alias("one_off_cost"),
            pl.when(migrates)
            .then(c("saving_share") * c("annual_run_cost") - c("annual_added_cost"))
            .otherwise(0.0)
            .alias("annual_saving"),
            pl.when(migrates)
            .then(c("saving_share") * c("annual_cashable") - c("annual_added_cost"))
            .otherwise(0.0)
            .alias("annual_cashable_saving"),
            pl.max_horizontal((months / 12.0).ceil().cast(pl.Int32), pl.lit(0)).alias("saving_start_year"),
        )
        .with_columns(pl.max_horizontal(c("saving_start_year") - 1, pl.lit(0)).alias("cost_year"))
    )
    flows = [
        (
            pl.when(pl.lit(t) >= c("saving_start_year")).then(c("annual_saving")).otherwise(0.0)
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
    framed = framed.with_columns(
        (c(f"_cum{short - 1}") if short > 0 else pl.lit(0.0)).alias("npv_short"),
        (c(f"_cum{a.horizon_long_years - 1}") if a.horizon_long_years > 0 else pl.lit(0.0)).alias("npv_long"),
        payback.alias("discounted_payback_year"),
    )
    cash_flows = (
        framed.select("_row", *(c(f"_flow{t}").alias(str(t)) for t in years))
        .unpivot(index="_row", variable_name="year", value_name="cash_flow")
        .with_columns(c("year").cast(pl.Int32))
        .sort("_row", "year")
    )
    scratch = [f"_{kind}{t}" for kind in ("flow", "cum", "gain") for t in years]
    return framed.drop(scratch), cash_flows
