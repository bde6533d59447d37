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
from appconsol.analyses.savings import Assumptions, appraise, discounted_payback
from appconsol.report.plan.formulas import (
    BEYOND_TEXT,
    CAPITAL_ACTIONS,
    CASH_FLOW_LEAD,
    SAVINGS_KEYS,
    action_costs,
)


@dataclass(frozen=True)
class ModelFigures:
    """What the workbook's formulas must show, by action row (as polars frames)."""

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


def model_figures(
    actions: pl.DataFrame, a: Assumptions, baseline: pl.DataFrame | None = None
) -> ModelFigures:
    """Run `savings.appraise` on every action, with the breakdown the Savings sheet shows."""
    years = a.horizon_long_years
    savings: dict[str, list[object]] = {k: [] for k in SAVINGS_KEYS[len(CASH_FLOW_LEAD) :]}
    savings["effort"], savings["saving_share"], savings["option"] = [], [], []
    flows: dict[str, list[float]] = {}
    for t in range(years):
        flows[f"flow_{t}"], flows[f"cumulative_{t}"], flows[f"paid_{t}"] = [], [], []
    factors = [1.0 / (1.0 + a.discount_rate) ** t for t in range(years)]
    lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    row_flows: list[tuple[float, ...]] = []
    for row in actions.iter_rows(named=True):
        costs = action_costs(row, a)
        result = appraise(costs, a)
        m = costs.migrates
        scale = costs.effort * costs.size_factor
        parts = {
            "migration": scale * a.migration_days * a.day_rate if m else 0.0,
            "data_migration": scale * a.data_migration_days * a.day_rate if m else 0.0,
            "training": scale * a.training_days * a.day_rate if m else 0.0,
            "archive": a.archive_days * costs.size_factor * a.day_rate
            if m and costs.action == "retire"
            else 0.0,
            "optimism_bias": result.optimism_bias,
            "dual_running": a.dual_running_months * costs.annual_run_cost / 12.0 if m else 0.0,
            "exit_fee": (a.exit_fee if costs.exit_fee is None else costs.exit_fee) if m else 0.0,
        }
        for key, value in parts.items():
            savings[key].append(value)
        option = row.get("option")
        savings["option"].append(int(option) if option is not None else OPTION_OF_ACTION.get(costs.action, 2))
        savings["effort"].append(costs.effort)
        savings["saving_share"].append(costs.saving_share)
        savings["effort_days"].append(result.effort_days)
        savings["optimism_bias_rate"].append(a.optimism_bias(costs.action))
        savings["one_off_cost"].append(result.one_off_cost)
        rate = a.optimism_bias(costs.action)
        capital = parts["migration"] * (1 + rate) if costs.action in CAPITAL_ACTIONS else 0.0
        savings["capital"].append(capital)
        savings["revenue"].append(result.one_off_cost - capital)
        savings["benefits_shortfall"].append(result.benefits_shortfall)
        savings["annual_saving"].append(result.annual_saving)
        savings["annual_cashable_saving"].append(result.annual_cashable_saving)
        savings["risk_avoided"].append(result.risk_avoided)
        savings["risk_start_year"].append(result.risk_start_year)
        savings["biased_lead_months"].append(lead)
        savings["saving_start_year"].append(result.saving_start_year)
        savings["cost_year"].append(result.cost_year)
        savings["npv_short"].append(result.npv_short)
        savings["npv_long"].append(result.npv_long)
        payback = result.discounted_payback_year
        savings["payback_years"].append(
            ("" if not m else BEYOND_TEXT) if payback is None else str(payback + 1)
        )
        savings["pv_costs"].append(result.pv_costs)
        savings["pv_labour"].append(result.pv_labour)
        savings["pv_benefits"].append(result.pv_benefits)
        savings["pv_cashable"].append(result.pv_cashable)
        counted = (not m) or result.npv_long >= -PENNY or bool(row.get("justification"))
        savings["in_option"].append(1.0 if counted else 0.0)
        cumulative, seen = 0.0, False
        for t, flow in enumerate(result.cash_flows):
            cumulative += flow * factors[t]
            seen = seen or flow > 0
            flows[f"flow_{t}"].append(flow)
            flows[f"cumulative_{t}"].append(cumulative)
            flows[f"paid_{t}"].append(1.0 if cumulative >= -1e-9 and seen else 0.0)
        row_flows.append(result.cash_flows)
    savings_frame = pl.DataFrame(
        {
            key: pl.Series(
                key,
                values,
                dtype=pl.String if key == "payback_years" else pl.Int32 if key == "option" else pl.Float64,
            )
            for key, values in savings.items()
        }
    )
    flow_frame = pl.DataFrame(
        {key: pl.Series(key, values, dtype=pl.Float64) for key, values in flows.items()}
    )
    options_input = savings_frame.select(
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
    recommended = [
        o <= preferred and n == 1.0
        for o, n in zip(savings["option"], savings["in_option"], strict=True)  # type: ignore[operator]
    ]
    best = options[preferred]
    totals = list(best.flows)
    return ModelFigures(
        savings_frame,
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
