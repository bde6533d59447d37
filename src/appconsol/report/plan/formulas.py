"""The savings model (`appconsol.analyses.savings`) written as Excel formulas, with cached values.

Every figure on the Savings, Cash flow and Summary sheets is a formula over the named cells of the
Assumptions sheet and the inputs on the Plan sheet, mirroring `savings.py` term by term:

- one-off = (effort x migration_days x day_rate + effort x data_migration_days x day_rate +
  dual_running_months x run cost / 12 + exit fee + effort x training_days x day_rate) x (1 +
  optimism_bias_capital), when the action migrates, else 0; the exit fee is the Plan's when
  given, else the assumption; effort is the `effort_<action>` assumption for retire and the cloud
  moves, 1 for a move onto another system
- annual saving = saving share x run cost - added cost (cashable: over the cashable lines); the
  saving share is the `saving_share_<action>` assumption for the cloud moves, else 1
- savings start year = MAX(0, ROUNDUP(ROUND(MAX(months to exit, lead_time_months x (1 +
  optimism_bias_duration)), 9) / 12, 0)); one-off costs fall in MAX(0, start - 1)
- cash flow(t) = saving x [t >= start] - one-off x [t = cost year], for t < horizon_long_years
- NPV over H years = SUMPRODUCT(cash flows, discount factors, [t < H]), discount factor
  1 / (1 + discount_rate)^t
- discounted payback = the first year whose cumulative discounted cash flow is >= 0 once some
  cash flow has been positive

Each formula cell also carries the Python model's figure as its cached value (from
`savings.appraise`), so a viewer that does not recalculate shows the right numbers, and a test
proves the two agree after LibreOffice recalculates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from appconsol.analyses.savings import ActionCosts, Assumptions, appraise, discounted_payback

# Row layout shared by every table sheet (0-based): title, note, a spare line, header, data.
TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2, 3
NONE_TEXT = "none"  # payback not reached within the horizon

# Assumptions the workbook's formulas use (the others inform the optimiser only).
FORMULA_ASSUMPTIONS = (
    "discount_rate",
    "horizon_short_years",
    "horizon_long_years",
    "optimism_bias_capital",
    "optimism_bias_duration",
    "day_rate",
    "migration_days",
    "data_migration_days",
    "dual_running_months",
    "training_days",
    "exit_fee",
    "lead_time_months",
)
# Actions whose effort and saving share are assumptions (`effort_<action>`, `saving_share_<action>`);
# moves onto another system take a whole migration's effort and save the whole run cost.
EFFORT_ACTIONS = ("retire", "rehost", "replatform", "repurchase", "refactor")
SHARE_ACTIONS = ("rehost", "replatform", "repurchase", "refactor")


def discount_factor_ref(year: int) -> str:
    return f"INDEX(discount_factors,{year + 1})"


def assumption_for(kind: str, action: object, a: Assumptions) -> str | None:
    """The assumption that sets an action's effort or saving share, if one does."""
    actions = EFFORT_ACTIONS if kind == "effort" else SHARE_ACTIONS
    name = f"{kind}_{action}"
    return name if action in actions and hasattr(a, name) else None


# -- Plan, Savings and Cash flow sheets: their formula-bearing columns ---------------------------
PLAN_KEYS = (
    "action_id",
    "organisation",
    "app_id",
    "app_name",
    "action",
    "target_organisation",
    "target_app_id",
    "target_name",
    "group_id",
    "earliest_date",
    "latest_date",
    "wave_year",
    "annual_run_cost",
    "annual_cashable",
    "annual_added_cost",
    "months_to_exit",
    "migrates",
    "effort",
    "saving_share",
    "exit_fee",
    "one_off_cost",
    "annual_saving",
    "npv_short",
    "npv_long",
    "payback_year",
    "reason",
    "link_application",
    "link_findings",
    "link_group",
)
SAVINGS_KEYS = (
    "action_id",
    "organisation",
    "app_name",
    "action",
    "migration",
    "data_migration",
    "dual_running",
    "exit_fee",
    "training",
    "optimism_bias",
    "one_off_cost",
    "annual_saving",
    "annual_cashable_saving",
    "biased_lead_months",
    "saving_start_year",
    "cost_year",
    "npv_short",
    "npv_long",
    "payback_year",
)
CASH_FLOW_LEAD = ("action_id", "organisation", "app_name", "action")


def _letter(keys: Sequence[str], key: str) -> str:
    return xl_col_to_name(keys.index(key))


def savings_letter(key: str) -> str:
    return _letter(SAVINGS_KEYS, key)


def plan_ref(key: str) -> str:
    return f"Plan!${_letter(PLAN_KEYS, key)}{{r}}"


def savings_ref(key: str, sheet: bool = True) -> str:
    prefix = "Savings!" if sheet else ""
    return f"{prefix}${_letter(SAVINGS_KEYS, key)}{{r}}"


def flow_col(year: int) -> str:
    return xl_col_to_name(len(CASH_FLOW_LEAD) + year)


def cumulative_col(year: int, years: int) -> str:
    return xl_col_to_name(len(CASH_FLOW_LEAD) + years + year)


def paid_col(year: int, years: int) -> str:
    return xl_col_to_name(len(CASH_FLOW_LEAD) + 2 * years + year)


def savings_formulas(years: int) -> dict[str, str]:
    """Savings sheet formula templates by column key (`{r}` is the row; the same row as on Plan)."""
    m = plan_ref("migrates")
    local = {k: savings_ref(k, sheet=False) for k in SAVINGS_KEYS}
    flows = f"'Cash flow'!${flow_col(0)}{{r}}:${flow_col(years - 1)}{{r}}"
    paid = f"'Cash flow'!${paid_col(0, years)}{{r}}:${paid_col(years - 1, years)}{{r}}"
    fee = plan_ref("exit_fee")
    effort, share = plan_ref("effort"), plan_ref("saving_share")
    return {
        "migration": f"IF({m},{effort}*migration_days*day_rate,0)",
        "data_migration": f"IF({m},{effort}*data_migration_days*day_rate,0)",
        "dual_running": f"IF({m},dual_running_months*{plan_ref('annual_run_cost')}/12,0)",
        "exit_fee": f"IF({m},IF(ISBLANK({fee}),exit_fee,{fee}),0)",
        "training": f"IF({m},{effort}*training_days*day_rate,0)",
        "optimism_bias": f"{local['one_off_cost']}-SUM({local['migration']}:{local['training']})",
        "one_off_cost": f"SUM({local['migration']}:{local['training']})*(1+optimism_bias_capital)",
        "annual_saving": f"IF({m},{share}*{plan_ref('annual_run_cost')}-{plan_ref('annual_added_cost')},0)",
        "annual_cashable_saving": f"IF({m},{share}*{plan_ref('annual_cashable')}-{plan_ref('annual_added_cost')},0)",
        "biased_lead_months": "lead_time_months*(1+optimism_bias_duration)",
        "saving_start_year": (
            f"MAX(0,ROUNDUP(ROUND(MAX({plan_ref('months_to_exit')},{local['biased_lead_months']}),9)/12,0))"
        ),
        "cost_year": f"MAX(0,{local['saving_start_year']}-1)",
        "npv_short": f"SUMPRODUCT({flows},discount_factors,in_short_horizon)",
        "npv_long": f"SUMPRODUCT({flows},discount_factors)",
        "payback_year": f'IFERROR(MATCH(1,{paid},0)-1,"{NONE_TEXT}")',
    }


def plan_formulas() -> dict[str, str]:
    """Plan's money columns read the Savings sheet's row for the same action."""
    return {
        key: savings_ref(key)
        for key in ("one_off_cost", "annual_saving", "npv_short", "npv_long", "payback_year")
    }


def cash_flow_formulas(years: int) -> dict[str, str]:
    """Cash flow sheet formula templates: flows, cumulative discounted flows, paid-back flags."""
    start, saving = savings_ref("saving_start_year"), savings_ref("annual_saving")
    cost_year, one_off = savings_ref("cost_year"), savings_ref("one_off_cost")
    out: dict[str, str] = {}
    for t in range(years):
        flow = f"${flow_col(t)}{{r}}"
        out[f"flow_{t}"] = (
            f"(IF({t}>={start},{saving},0)-IF({t}={cost_year},{one_off},0))*({t}<horizon_long_years)"
        )
        factor = discount_factor_ref(t)
        previous = f"${cumulative_col(t - 1, years)}{{r}}+" if t else ""
        out[f"cumulative_{t}"] = f"{previous}{flow}*{factor}"
        cumulative = f"${cumulative_col(t, years)}{{r}}"
        seen = f'COUNTIF(${flow_col(0)}{{r}}:{flow},">0")>0'
        out[f"paid_{t}"] = f"IF(AND({cumulative}>=-0.000000001,{seen},{t}<horizon_long_years),1,0)"
    return out


# -- the Python model's figures, one row per action --------------------------------------------


@dataclass(frozen=True)
class ModelFigures:
    """What the workbook's formulas must show, by action row (as polars frames)."""

    savings: pl.DataFrame  # SAVINGS_KEYS money columns, one row per action, in Plan order
    cash_flows: pl.DataFrame  # flow_t, cumulative_t, paid_t
    totals_by_year: list[float]
    portfolio_payback: int | None


def action_costs(row: dict[str, object], a: Assumptions) -> ActionCosts:
    """The savings model's inputs for one plan row; unknown amounts count as zero."""

    def number(key: str) -> float:
        value = row.get(key)
        return float(value) if value is not None else 0.0  # type: ignore[arg-type]

    fee = row.get("exit_fee")
    migrates = row.get("migrates")
    effort = assumption_for("effort", row.get("action"), a)
    share = assumption_for("saving_share", row.get("action"), a)
    return ActionCosts(
        annual_run_cost=number("annual_run_cost"),
        annual_cashable=number("annual_cashable"),
        annual_added_cost=number("annual_added_cost"),
        months_to_exit=number("months_to_exit"),
        migrates=bool(migrates) if migrates is not None else False,
        exit_fee=float(fee) if fee is not None else None,  # type: ignore[arg-type]
        effort=float(getattr(a, effort)) if effort else _or_one(row.get("effort")),
        saving_share=float(getattr(a, share)) if share else _or_one(row.get("saving_share")),
    )


def _or_one(value: object) -> float:
    return float(value) if value is not None else 1.0  # type: ignore[arg-type]


def model_figures(actions: pl.DataFrame, a: Assumptions) -> ModelFigures:
    """Run `savings.appraise` on every action, with the breakdown the Savings sheet shows."""
    years = a.horizon_long_years
    savings: dict[str, list[object]] = {k: [] for k in SAVINGS_KEYS[len(CASH_FLOW_LEAD) :]}
    savings["effort"], savings["saving_share"] = [], []
    flows: dict[str, list[float]] = {}
    for t in range(years):
        flows[f"flow_{t}"], flows[f"cumulative_{t}"], flows[f"paid_{t}"] = [], [], []
    totals = [0.0] * years
    factors = [1.0 / (1.0 + a.discount_rate) ** t for t in range(years)]
    lead = a.lead_time_months * (1.0 + a.optimism_bias_duration)
    for row in actions.iter_rows(named=True):
        costs = action_costs(row, a)
        result = appraise(costs, a)
        m = costs.migrates
        parts = {
            "migration": costs.effort * a.migration_days * a.day_rate if m else 0.0,
            "data_migration": costs.effort * a.data_migration_days * a.day_rate if m else 0.0,
            "dual_running": a.dual_running_months * costs.annual_run_cost / 12.0 if m else 0.0,
            "exit_fee": (a.exit_fee if costs.exit_fee is None else costs.exit_fee) if m else 0.0,
            "training": costs.effort * a.training_days * a.day_rate if m else 0.0,
        }
        for key, value in parts.items():
            savings[key].append(value)
        savings["effort"].append(costs.effort)
        savings["saving_share"].append(costs.saving_share)
        savings["optimism_bias"].append(result.one_off_cost - sum(parts.values()))
        savings["one_off_cost"].append(result.one_off_cost)
        savings["annual_saving"].append(result.annual_saving)
        savings["annual_cashable_saving"].append(result.annual_cashable_saving)
        savings["biased_lead_months"].append(lead)
        savings["saving_start_year"].append(result.saving_start_year)
        savings["cost_year"].append(result.cost_year)
        savings["npv_short"].append(result.npv_short)
        savings["npv_long"].append(result.npv_long)
        payback = result.discounted_payback_year
        savings["payback_year"].append(str(payback) if payback is not None else NONE_TEXT)
        cumulative, seen = 0.0, False
        for t, flow in enumerate(result.cash_flows):
            cumulative += flow * factors[t]
            seen = seen or flow > 0
            flows[f"flow_{t}"].append(flow)
            flows[f"cumulative_{t}"].append(cumulative)
            flows[f"paid_{t}"].append(1.0 if cumulative >= -1e-9 and seen else 0.0)
            totals[t] += flow
    savings_frame = pl.DataFrame(
        {
            key: pl.Series(key, values, dtype=pl.String if key == "payback_year" else pl.Float64)
            for key, values in savings.items()
        }
    )
    flow_frame = pl.DataFrame(
        {key: pl.Series(key, values, dtype=pl.Float64) for key, values in flows.items()}
    )
    return ModelFigures(savings_frame, flow_frame, totals, discounted_payback(totals, a.discount_rate))


def assumptions_from_rows(rows: Sequence[tuple[str, object]]) -> Assumptions:
    """Assumptions from the store's plan_assumptions (name, value) rows; unknown names are ignored."""
    fields = {f.name: f for f in dataclasses.fields(Assumptions)}
    values: dict[str, object] = {}
    for name, value in rows:
        if name not in fields or value is None:
            continue
        kind = fields[name].type
        if kind in (int, "int"):
            values[name] = int(float(value))  # type: ignore[arg-type]
        elif kind in (bool, "bool"):
            values[name] = (
                bool(value) if not isinstance(value, str) else value.lower() in ("1", "true", "yes")
            )
        else:
            values[name] = float(value)  # type: ignore[arg-type]
    return Assumptions(**values)  # type: ignore[arg-type]
