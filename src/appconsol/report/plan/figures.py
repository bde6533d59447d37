"""The Python model's figures for every formula cell of the workbook (its cached values).

`savings.appraise` for every action, then the options appraisal (`plan_options`) and the
sensitivity of the preferred option (`plan_sensitivity`), computed with the workbook's own
assumptions, so the values stored in the file are what a recalculating spreadsheet shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from appconsol.analyses.plan_options import (
    OPTION_OF_ACTION,
    PENNY,
    OptionFigures,
    appraise_options,
    do_nothing_cost,
)
from appconsol.analyses.plan_sensitivity import Sensitivity, sensitivity
from appconsol.analyses.savings import OB_MITIGATION, Assumptions, appraise_frame, discounted_payback
from appconsol.report.plan.formulas import (
    BEYOND_TEXT,
    CAPITAL_ACTIONS,
    CASH_FLOW_LEAD,
    EFFORT_ACTIONS,
    SAVINGS_KEYS,
    SHARE_ACTIONS,
)


@dataclass
class ModelFigures:
    """What the workbook's formulas must show, by action row (as polars frames; the writer lets
    go of the per-action frames once every sheet that shows them has been laid out).
    """

    savings: pl.DataFrame  # SAVINGS_KEYS money columns, one row per action, in Plan order
    cash_flows: pl.DataFrame  # flow_t, cumulative_t, paid_t
    totals_by_year: list[float]  # the preferred option's net cash flow by year
    portfolio_payback: int | None  # the preferred option's payback year (0-based)
    options: list[OptionFigures] = field(default_factory=list)
    preferred: int = 0
    recommended: list[bool] = field(default_factory=list)
    options_input: pl.DataFrame = field(default_factory=pl.DataFrame)
    do_nothing_yearly: list[float] = field(default_factory=list)
    sensitivity: Sensitivity | None = None


def model_inputs(actions: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    """`formulas.action_costs` over a frame: the savings model's inputs for every plan row."""
    c = pl.col
    action = c("action").fill_null("")
    efforts = {k: float(getattr(a, f"effort_{k}")) for k in EFFORT_ACTIONS if hasattr(a, f"effort_{k}")}
    shares = {
        k: float(getattr(a, f"saving_share_{k}")) for k in SHARE_ACTIONS if hasattr(a, f"saving_share_{k}")
    }
    return actions.select(
        *(c(k).cast(pl.Float64).fill_null(0.0) for k in NUMBERS),
        c("migrates").fill_null(False),
        c("exit_fee").cast(pl.Float64),
        pl.when(action.is_in(list(efforts)))
        .then(action.replace_strict(efforts, default=1.0, return_dtype=pl.Float64))
        .otherwise(c("effort").cast(pl.Float64).fill_null(1.0))
        .alias("effort"),
        pl.when(action.is_in(list(shares)))
        .then(action.replace_strict(shares, default=1.0, return_dtype=pl.Float64))
        .otherwise(c("saving_share").cast(pl.Float64).fill_null(1.0))
        .alias("saving_share"),
        action.alias("action"),
        c("size_factor").cast(pl.Float64).fill_null(1.0),
        c("support_end_year").cast(pl.Int32),
        pl.coalesce(
            c("option").cast(pl.Int32),
            action.replace_strict(OPTION_OF_ACTION, default=2, return_dtype=pl.Int32),
        ).alias("option"),
        (c("justification").fill_null("") != "").alias("justified"),
    )


NUMBERS = ("annual_run_cost", "annual_cashable", "annual_added_cost", "months_to_exit")


def model_figures(
    actions: pl.DataFrame, a: Assumptions, baseline: pl.DataFrame | None = None
) -> ModelFigures:
    """The savings model (`savings.appraise_frame`, the scalar model over a frame, equal to it to
    the last bit) on every action, with the breakdown the Savings sheet shows, then the options
    and the sensitivity of the preferred one.
    """
    c = pl.col
    years = a.horizon_long_years
    rates = {k: a.optimism_bias(k) for k in OB_MITIGATION}
    inputs = model_inputs(actions, a)
    framed, _ = appraise_frame(inputs, a, wide=True)
    m = c("migrates")
    scale = c("effort") * c("size_factor")
    factor = pl.lit(0.0)
    for t in reversed(range(years)):
        factor = (
            pl.when(c("cost_year") == t).then(pl.lit(1.0 / (1.0 + a.discount_rate) ** t)).otherwise(factor)
        )
    rate = c("action").replace_strict(rates, default=a.optimism_bias(""), return_dtype=pl.Float64)
    migration = pl.when(m).then(scale * a.migration_days * a.day_rate).otherwise(0.0)
    payback = c("discounted_payback_year")
    savings = framed.select(
        pl.when(m).then(c("effort_days")).otherwise(0.0).alias("effort_days"),
        rate.alias("optimism_bias_rate"),
        migration.alias("migration"),
        pl.when(m).then(scale * a.data_migration_days * a.day_rate).otherwise(0.0).alias("data_migration"),
        pl.when(m).then(scale * a.training_days * a.day_rate).otherwise(0.0).alias("training"),
        pl.when(m & (c("action") == "retire"))
        .then(a.archive_days * c("size_factor") * a.day_rate)
        .otherwise(0.0)
        .alias("archive"),
        pl.when(m).then(c("optimism_bias")).otherwise(0.0).alias("optimism_bias"),
        pl.when(m)
        .then(a.dual_running_months * c("annual_run_cost") / 12.0)
        .otherwise(0.0)
        .alias("dual_running"),
        pl.when(m).then(c("exit_fee").fill_null(a.exit_fee)).otherwise(0.0).alias("exit_fee"),
        "one_off_cost",
        pl.when(c("action").is_in(list(CAPITAL_ACTIONS)))
        .then(migration * (1 + rate))
        .otherwise(0.0)
        .alias("capital"),
        pl.when(m)
        .then(c("saving_share") * c("annual_run_cost") * a.benefits_shortfall)
        .otherwise(0.0)
        .alias("benefits_shortfall"),
        "annual_saving",
        "annual_cashable_saving",
        c("_risk").alias("risk_avoided"),
        c("_risk_start").cast(pl.Float64).alias("risk_start_year"),
        pl.lit(a.lead_time_months * (1.0 + a.optimism_bias_duration)).alias("biased_lead_months"),
        c("saving_start_year").cast(pl.Float64),
        c("cost_year").cast(pl.Float64),
        "npv_short",
        "npv_long",
        pl.when(payback.is_not_null())
        .then((payback + 1).cast(pl.String))
        .when(m)
        .then(pl.lit(BEYOND_TEXT))
        .otherwise(pl.lit(""))
        .alias("payback_years"),
        "pv_costs",
        ((c("_labour") + c("optimism_bias")) * factor).alias("pv_labour"),
        "pv_benefits",
        "pv_cashable",
        (~m | (c("npv_long") >= -PENNY) | c("justified")).cast(pl.Float64).alias("in_option"),
        "effort",
        "saving_share",
        "option",
    ).with_columns((c("one_off_cost") - c("capital")).alias("revenue"))
    savings = savings.select(*SAVINGS_KEYS[len(CASH_FLOW_LEAD) :], "effort", "saving_share", "option")
    flow_frame = framed.select(
        *(
            expr
            for t in range(years)
            for expr in (
                c(f"_flow{t}").alias(f"flow_{t}"),
                c(f"_cum{t}").alias(f"cumulative_{t}"),
                ((c(f"_cum{t}") >= -1e-9) & c(f"_gain{t}")).cast(pl.Float64).alias(f"paid_{t}"),
            )
        )
    )
    row_flows = list(zip(*(framed.get_column(f"_flow{t}").to_list() for t in range(years)), strict=True))
    if not framed.height:
        row_flows = []
    options_input = savings.select(
        "option",
        "in_option",
        "one_off_cost",
        "optimism_bias",
        "annual_saving",
        "pv_costs",
        "pv_benefits",
        "pv_cashable",
        "pv_labour",
        "npv_short",
        "capital",
        "revenue",
    )
    base = baseline if baseline is not None else pl.DataFrame()
    if base.height and "support_end_year" in base.columns:
        do_nothing, yearly = do_nothing_cost(base, a)
    else:
        do_nothing, yearly = 0.0, [0.0] * years
    options = appraise_options(options_input, row_flows, do_nothing, a)
    preferred = next(o.option for o in options if o.preferred)
    recommended = (
        savings.select((c("option") <= preferred) & (c("in_option") == 1.0)).to_series().to_list()
        if savings.height
        else []
    )
    best = options[preferred]
    totals = list(best.flows)
    return ModelFigures(
        savings,
        flow_frame,
        totals,
        discounted_payback(totals, a.discount_rate),
        options=options,
        preferred=preferred,
        recommended=recommended,
        options_input=options_input,
        do_nothing_yearly=yearly,
        sensitivity=sensitivity(best, a),
    )
