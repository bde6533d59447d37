"""The Assumptions sheet: every input of the savings model as a named, validated cell, with the
discount factors by year below (named ranges the formulas use).
"""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from appconsol.report.plan.common import Book, write_heading
from appconsol.report.plan.formulas import FIRST_DATA_ROW, FORMULA_ASSUMPTIONS, HEADER_ROW, LIVE_PREFIXES
from appconsol.report.plan.safe import safe_text

ASSUMPTION_VALUE_COL = 1  # column B holds the named value cells
FIRST_YEAR_COL = 1
ASSUMPTION_LABELS = {
    "discount_rate": ("Discount rate (real, per year)", "percent"),
    "horizon_short_years": ("Short appraisal horizon (years)", "integer"),
    "horizon_long_years": ("Long appraisal horizon (years)", "integer"),
    "optimism_bias_capital": ("Optimism bias on one-off costs", "percent"),
    "optimism_bias_duration": ("Optimism bias on lead time", "percent"),
    "day_rate": ("Day rate (£ per person-day)", "money"),
    "migration_days": ("Migration effort (person-days per move)", "number"),
    "data_migration_days": ("Data migration effort (person-days per move)", "number"),
    "dual_running_months": ("Dual running (months)", "number"),
    "training_days": ("Training (person-days per move)", "number"),
    "exit_fee": ("Exit fee (£ per contract, unless the plan gives one)", "money"),
    "lead_time_months": ("Lead time before switch-off (months)", "number"),
    "effort_retire": ("Effort to retire (share of a migration)", "percent"),
    "effort_rehost": ("Effort to rehost (share of a migration)", "percent"),
    "effort_replatform": ("Effort to replatform (share of a migration)", "percent"),
    "effort_repurchase": ("Effort to repurchase (share of a migration)", "percent"),
    "effort_refactor": ("Effort to refactor (share of a migration)", "percent"),
    "saving_share_rehost": ("Run cost saved by rehosting", "percent"),
    "saving_share_replatform": ("Run cost saved by replatforming", "percent"),
    "saving_share_repurchase": ("Run cost saved by repurchasing (SaaS)", "percent"),
    "saving_share_refactor": ("Run cost saved by refactoring", "percent"),
    "marginal_cost_share": ("Added licence per moved user (share of survivor's)", "percent"),
    "remediation_days": ("Remediation of an unsupported survivor (person-days)", "number"),
    "default_notice_days": ("Notice period when none is given (days)", "number"),
    "default_annual_cost": ("Run cost when none is known (£ a year)", "money"),
}


def assumption_rows(book: Book) -> dict[str, int]:
    """0-based row of each assumption on the Assumptions sheet, in the model's describe() order."""
    return {item.name: FIRST_DATA_ROW + i for i, item in enumerate(book.data.assumption_rows)}


def discount_rows(book: Book) -> dict[str, int]:
    """Rows of the discounting block below the assumptions table."""
    first = FIRST_DATA_ROW + len(book.data.assumption_rows) + 2
    return {
        "years": first,
        "discount_factors": first + 1,
        "in_short_horizon": first + 2,
        "in_long_horizon": first + 3,
    }


def write_assumptions(book: Book) -> None:
    ws, f, a = book.sheet("Assumptions"), book.formats, book.data.assumptions
    years = a.horizon_long_years
    items = book.data.assumption_rows
    write_heading(
        book,
        ws,
        "Assumptions: every input of the savings model, as named cells you can change",
        "Change a yellow cell and every figure on Savings, Cash flow, Partners and Summary recalculates. "
        "Each default's source is given; the discounting rows below follow from the rate and horizons. "
        "Grey rows steered the optimiser's choices; changing them here does not re-plan.",
    )
    ws.add_table(
        HEADER_ROW,
        0,
        HEADER_ROW + len(items),
        4,
        {
            "name": book.table_name("tblAssumptions"),
            "style": "Table Style Light 9",
            "columns": [
                {"header": h}
                for h in ("Assumption", "Value", "Unit", "Source of the default", "Name in formulas")
            ],
        },
    )
    rows = assumption_rows(book)
    for item in items:
        row = rows[item.name]
        label, kind = ASSUMPTION_LABELS.get(item.name, (item.name.replace("_", " ").capitalize(), "number"))
        live = item.name in FORMULA_ASSUMPTIONS or item.name.startswith(LIVE_PREFIXES)
        if live:
            fmt = {"percent": f["input_percent"], "money": f["input_money"]}.get(kind, f["input"])
        else:
            fmt = f["optimiser_input"]
        ws.write_string(row, 0, safe_text(label))
        ws.write_number(row, ASSUMPTION_VALUE_COL, float(item.value), fmt)
        ws.write_string(row, 2, safe_text(item.unit))
        ws.write_string(row, 3, safe_text(item.source))
        ws.write_string(row, 4, item.name)
        cell = xl_rowcol_to_cell(row, ASSUMPTION_VALUE_COL, row_abs=True, col_abs=True)
        book.workbook.define_name(item.name, f"=Assumptions!{cell}")
        ws.data_validation(
            row, ASSUMPTION_VALUE_COL, row, ASSUMPTION_VALUE_COL, _validation(item.name, years)
        )
    for col, width in enumerate((46, 12, 30, 80, 24)):
        ws.set_column(col, col, width)
    block = discount_rows(book)
    ws.write_string(block["years"] - 1, 0, "Discounting by year (formulas)", f["subtitle"])
    labels = {
        "years": "Year (0 = the financial year of the as-of date)",
        "discount_factors": "Discount factor 1/(1+r)^t",
        "in_short_horizon": "In short horizon (1 = yes)",
        "in_long_horizon": "In long horizon (1 = yes)",
    }
    for name, row in block.items():
        ws.write_string(row, 0, labels[name], f["bold"])
    year_row = block["years"] + 1
    for t in range(years):
        col = FIRST_YEAR_COL + t
        year = f"{xl_col_to_name(col)}${year_row}"
        ws.write_number(block["years"], col, t, f["integer"])
        cells = {
            "discount_factors": (
                f"1/(1+discount_rate)^{year}",
                1.0 / (1.0 + a.discount_rate) ** t,
                f["factor"],
            ),
            "in_short_horizon": (
                f"IF({year}<horizon_short_years,1,0)",
                float(t < a.horizon_short_years),
                f["integer"],
            ),
            "in_long_horizon": (
                f"IF({year}<horizon_long_years,1,0)",
                float(t < a.horizon_long_years),
                f["integer"],
            ),
        }
        for name, (formula, value, fmt) in cells.items():
            ws.write_formula(block[name], col, "=" + formula, fmt, value)
    first, last = xl_col_to_name(FIRST_YEAR_COL), xl_col_to_name(FIRST_YEAR_COL + years - 1)
    for name, row in block.items():
        book.workbook.define_name(name, f"=Assumptions!${first}${row + 1}:${last}${row + 1}")
    ws.freeze_panes(HEADER_ROW + 1, 1)


def _validation(name: str, years: int) -> dict[str, object]:
    if name in ("horizon_short_years", "horizon_long_years"):
        rule = {"validate": "integer", "criteria": "between", "minimum": 1, "maximum": years}
        message = f"Whole years from 1 to {years} (the Cash flow sheet has {years} year columns)."
    elif name == "discount_rate":
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1}
        message = "A rate between 0% and 100%; the Green Book's is 3.5%."
    elif name.startswith("optimism_bias"):
        rule = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 10}
        message = "An uplift between 0% and 1000%."
    else:
        rule = {"validate": "decimal", "criteria": ">=", "value": 0}
        message = "A number of zero or more."
    return {
        **rule,
        "input_title": name[:32],
        "input_message": message,
        "error_title": "Not a valid value",
        "error_message": message,
    }
