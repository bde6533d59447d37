"""The savings model (`appconsol.analyses.savings`) written as Excel formulas.

Every figure on the Savings, Cash flow, Options, Sensitivity and Summary sheets is a formula over
the named cells of the Assumptions sheet and the inputs on the Plan sheet, mirroring `savings.py`
term by term (docs/plan.md gives each formula for a finance reader):

- labour = effort x complexity x (migration + data migration + training days) x day_rate, and
  archive_days x complexity x day_rate for a retirement, when the action migrates
- optimism bias = labour x (optimism_bias_capital - the action's ob_mitigation x
  (optimism_bias_capital - optimism_bias_capital_lower)); none on dual running or exit fees
- one-off = labour + optimism bias + dual_running_months x run cost / 12 + exit fee
- annual saving = saving share x run cost - benefits shortfall - added cost (cashable: over the
  cashable lines); legacy risk avoided = extended_support_share x run cost from the later of the
  saving start and the support-end year, for moves off the platform
- savings start year = INT(ROUND(fy_offset_months + MAX(months to exit, lead_time_months x (1 +
  optimism_bias_duration)), 9) / 12) + 1: the first full financial year after the switch-off;
  one-off costs fall in MAX(0, start - 1)
- cash flow(t) = saving x [t >= start] + risk x [t >= risk start] - one-off x [t = cost year]
- NPV over H years = SUMPRODUCT(cash flows, discount factors, [t < H])
- payback period = years until the cumulative discounted cash flow is >= 0 once some cash flow
  has been positive

Each formula cell also carries the Python model's figure as its cached value (`figures.py`), so a
viewer that does not recalculate shows the right numbers, and a test proves the two agree after
LibreOffice recalculates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from xlsxwriter.utility import xl_col_to_name

from appconsol.analyses.savings import ActionCosts, Assumptions

# Row layout shared by every table sheet (0-based): title, note, a spare line, header, data.
TITLE_ROW, NOTE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2, 3
BEYOND_TEXT = "beyond horizon"  # payback not reached within the horizon
NONE_TEXT = BEYOND_TEXT

# Assumptions the workbook's formulas use (the others inform the optimiser only).
FORMULA_ASSUMPTIONS = (
    "discount_rate",
    "horizon_short_years",
    "horizon_long_years",
    "optimism_bias_capital",
    "optimism_bias_capital_lower",
    "optimism_bias_duration",
    "day_rate",
    "migration_days",
    "data_migration_days",
    "dual_running_months",
    "training_days",
    "exit_fee",
    "lead_time_months",
    "archive_days",
    "benefits_shortfall",
    "extended_support_share",
    "one_off_budget",
    "fy_offset_months",
)
LIVE_PREFIXES = ("effort_", "saving_share_", "ob_mitigation_")
# Actions whose effort and saving share are assumptions (`effort_<action>`, `saving_share_<action>`);
# moves onto another system take a whole migration's effort and save the whole run cost.
EFFORT_ACTIONS = ("retire", "rehost", "replatform", "repurchase", "refactor")
SHARE_ACTIONS = ("rehost", "replatform", "repurchase", "refactor")
# Migration labour that builds or configures an asset the body owns is capital; data migration,
# training, archive, dual running, exit fees, and configuring a service it does not own (a
# partner's system, the SaaS edition) are revenue (IAS 38; IFRIC's 2021 decision on SaaS).
CAPITAL_ACTIONS = ("consolidate", "rehost", "replatform", "refactor")
ASSUMPTION_NAMES = "Assumptions!$E$4:$E$200"  # the "Name in formulas" column
ASSUMPTION_VALUES = "Assumptions!$B$4:$B$200"


def year_label(year: int, first_year: int | None) -> str:
    """A column's year: the UK financial year ("FY 2026-27") when the as-of date is known."""
    if first_year is None:
        return f"Year {year}"
    start = first_year + year
    return f"FY {start}-{(start + 1) % 100:02d}"


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
    "cost_basis",
    "annual_added_cost",
    "months_to_exit",
    "migrates",
    "effort",
    "size_factor",
    "saving_share",
    "exit_fee",
    "support_end_year",
    "option",
    "justification",
    "recommended",
    "one_off_cost",
    "annual_saving",
    "npv_short",
    "npv_long",
    "payback_years",
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
    "effort_days",
    "optimism_bias_rate",
    "migration",
    "data_migration",
    "training",
    "archive",
    "optimism_bias",
    "dual_running",
    "exit_fee",
    "one_off_cost",
    "capital",
    "revenue",
    "benefits_shortfall",
    "annual_saving",
    "annual_cashable_saving",
    "risk_avoided",
    "risk_start_year",
    "biased_lead_months",
    "saving_start_year",
    "cost_year",
    "npv_short",
    "npv_long",
    "payback_years",
    "pv_costs",
    "pv_labour",
    "pv_benefits",
    "pv_cashable",
    "in_option",
)
CASH_FLOW_LEAD = ("action_id", "organisation", "app_name", "action")


def _letter(keys: Sequence[str], key: str) -> str:
    return xl_col_to_name(keys.index(key))


def savings_letter(key: str) -> str:
    return _letter(SAVINGS_KEYS, key)


def plan_letter(key: str) -> str:
    return _letter(PLAN_KEYS, key)


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
    fee, action = plan_ref("exit_fee"), plan_ref("action")
    scale = f"{plan_ref('effort')}*{plan_ref('size_factor')}"
    run, added = plan_ref("annual_run_cost"), plan_ref("annual_added_cost")
    share, support = plan_ref("saving_share"), plan_ref("support_end_year")
    labour = f"SUM({local['migration']}:{local['archive']})"
    factor = f"IF({local['cost_year']}<horizon_long_years,INDEX(discount_factors,{local['cost_year']}+1),0)"
    mitigation = (
        f'IFERROR(INDEX({ASSUMPTION_VALUES},MATCH("ob_mitigation_"&{action},{ASSUMPTION_NAMES},0)),0)'
    )
    return {
        "effort_days": (
            f"IF({m},{scale}*migration_days+{scale}*data_migration_days+{scale}*training_days"
            f'+IF({action}="retire",archive_days*{plan_ref("size_factor")},0),0)'
        ),
        "optimism_bias_rate": (
            f"optimism_bias_capital-{mitigation}*(optimism_bias_capital-optimism_bias_capital_lower)"
        ),
        "migration": f"IF({m},{scale}*migration_days*day_rate,0)",
        "data_migration": f"IF({m},{scale}*data_migration_days*day_rate,0)",
        "training": f"IF({m},{scale}*training_days*day_rate,0)",
        "archive": f'IF(AND({m},{action}="retire"),archive_days*{plan_ref("size_factor")}*day_rate,0)',
        "optimism_bias": f"{labour}*{local['optimism_bias_rate']}",
        "dual_running": f"IF({m},dual_running_months*{run}/12,0)",
        "exit_fee": f"IF({m},IF(ISBLANK({fee}),exit_fee,{fee}),0)",
        "one_off_cost": f"SUM({local['migration']}:{local['exit_fee']})",
        "capital": (
            f'IF(OR({action}="{CAPITAL_ACTIONS[0]}",'
            + ",".join(f'{action}="{x}"' for x in CAPITAL_ACTIONS[1:])
            + f"),{local['migration']}*(1+{local['optimism_bias_rate']}),0)"
        ),
        "revenue": f"{local['one_off_cost']}-{local['capital']}",
        "benefits_shortfall": f"IF({m},{share}*{run}*benefits_shortfall,0)",
        "annual_saving": f"IF({m},{share}*{run}-{local['benefits_shortfall']}-{added},0)",
        "annual_cashable_saving": (
            f"IF({m},{share}*{plan_ref('annual_cashable')}*(1-benefits_shortfall)-{added},0)"
        ),
        "risk_avoided": (
            f'IF(AND({m},NOT(ISBLANK({support})),{action}<>"rehost"),extended_support_share*{run},0)'
        ),
        "risk_start_year": f"MAX({local['saving_start_year']},N({support}))",
        "biased_lead_months": "lead_time_months*(1+optimism_bias_duration)",
        "saving_start_year": (
            f"INT(ROUND(fy_offset_months+MAX({plan_ref('months_to_exit')},{local['biased_lead_months']}),9)/12)+1"
        ),
        "cost_year": f"MAX(0,{local['saving_start_year']}-1)",
        "npv_short": f"SUMPRODUCT({flows},discount_factors,in_short_horizon)",
        "npv_long": f"SUMPRODUCT({flows},discount_factors)",
        "payback_years": f'IF({m},IFERROR(MATCH(1,{paid},0),"{BEYOND_TEXT}"),"")',
        "pv_costs": f"{local['one_off_cost']}*{factor}",
        "pv_labour": f"({labour}+{local['optimism_bias']})*{factor}",
        "pv_benefits": f"{local['npv_long']}+{local['pv_costs']}",
        "pv_cashable": (
            f"{local['annual_cashable_saving']}*SUMPRODUCT(discount_factors*(years>={local['saving_start_year']})"
            "*in_long_horizon)"
        ),
        "in_option": f'IF(OR(NOT({m}),{local["npv_long"]}>=-0.005,{plan_ref("justification")}<>""),1,0)',
    }


def plan_formulas() -> dict[str, str]:
    """Plan's money columns read the Savings sheet's row for the same action."""
    out = {
        key: savings_ref(key)
        for key in ("one_off_cost", "annual_saving", "npv_short", "npv_long", "payback_years")
    }
    out["recommended"] = f"AND({plan_ref('option')}<=preferred_option,{savings_ref('in_option')}=1)"
    return out


def cash_flow_formulas(years: int) -> dict[str, str]:
    """Cash flow sheet formula templates: flows, cumulative discounted flows, paid-back flags."""
    start, saving = savings_ref("saving_start_year"), savings_ref("annual_saving")
    risk_start, risk = savings_ref("risk_start_year"), savings_ref("risk_avoided")
    cost_year, one_off = savings_ref("cost_year"), savings_ref("one_off_cost")
    out: dict[str, str] = {}
    for t in range(years):
        flow = f"${flow_col(t)}{{r}}"
        out[f"flow_{t}"] = (
            f"(IF({t}>={start},{saving},0)+IF({t}>={risk_start},{risk},0)-IF({t}={cost_year},{one_off},0))"
            f"*({t}<horizon_long_years)"
        )
        factor = discount_factor_ref(t)
        previous = f"${cumulative_col(t - 1, years)}{{r}}+" if t else ""
        out[f"cumulative_{t}"] = f"{previous}{flow}*{factor}"
        cumulative = f"${cumulative_col(t, years)}{{r}}"
        seen = f'COUNTIF(${flow_col(0)}{{r}}:{flow},">0")>0'
        out[f"paid_{t}"] = f"IF(AND({cumulative}>=-0.000000001,{seen},{t}<horizon_long_years),1,0)"
    return out


def action_costs(row: dict[str, object], a: Assumptions) -> ActionCosts:
    """The savings model's inputs for one plan row; unknown amounts count as zero."""

    def number(key: str) -> float:
        value = row.get(key)
        return float(value) if value is not None else 0.0  # type: ignore[arg-type]

    fee = row.get("exit_fee")
    migrates = row.get("migrates")
    effort = assumption_for("effort", row.get("action"), a)
    share = assumption_for("saving_share", row.get("action"), a)
    support = row.get("support_end_year")
    return ActionCosts(
        annual_run_cost=number("annual_run_cost"),
        annual_cashable=number("annual_cashable"),
        annual_added_cost=number("annual_added_cost"),
        months_to_exit=number("months_to_exit"),
        migrates=bool(migrates) if migrates is not None else False,
        exit_fee=float(fee) if fee is not None else None,  # type: ignore[arg-type]
        effort=float(getattr(a, effort)) if effort else _or_one(row.get("effort")),
        saving_share=float(getattr(a, share)) if share else _or_one(row.get("saving_share")),
        action=str(row.get("action") or ""),
        size_factor=_or_one(row.get("size_factor")),
        support_end_year=int(support) if support is not None else None,  # type: ignore[call-overload]
    )


def _or_one(value: object) -> float:
    return float(value) if value is not None else 1.0  # type: ignore[arg-type]


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
