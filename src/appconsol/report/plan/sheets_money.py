"""The money sheets: Plan (inputs per action), Savings and Cash flow (live formulas), Partners.

Plan, Savings and Cash flow hold one row per action in the same order, so an action sits on the
same row number on all three; Savings and Cash flow are formulas over Plan's inputs and the
Assumptions sheet's named cells (see `formulas.py`).
"""

from __future__ import annotations

import polars as pl

from appconsol.analyses.plan_assumptions import financial_year
from appconsol.report.plan.common import Book, require_one_sheet, write_heading, write_table
from appconsol.report.plan.formulas import (
    CASH_FLOW_LEAD,
    EFFORT_ACTIONS,
    FIRST_DATA_ROW,
    NONE_TEXT,
    SAVINGS_KEYS,
    SHARE_ACTIONS,
    cash_flow_formulas,
    plan_formulas,
    plan_letter,
    savings_formulas,
    savings_letter,
    year_label,
)
from appconsol.report.plan.rows import Column

PLAN_TITLE = "Plan: one row per action, with its inputs and what it costs and saves"
SAVINGS_TITLE = "Savings: one-off costs, annual savings, NPV and payback per action (live formulas)"
CASH_FLOW_TITLE = "Cash flow: each action's net cash flow by year, discounted and cumulated (live formulas)"
PARTNERS_TITLE = "Partners: each body's share of a shared service's costs and savings (live formulas)"


def plan_columns(book: Book) -> list[Column]:
    f = book.formats
    formulas = plan_formulas()
    return [
        Column("Action id", "text", "action_id", width=12),
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Application", "text", "app_name", width=30),
        Column("Action", "text", "action", width=13),
        Column("Target organisation", "text", "target_organisation", width=24),
        Column("Target app id", "text", "target_app_id", width=14),
        Column("Target application", "text", "target_name", width=28),
        Column("Overlap group", "text", "group_id", width=14),
        Column("Earliest date", "date", "earliest_date", f["date"], 12),
        Column("Latest date", "date", "latest_date", f["date"], 12),
        Column("Wave (year)", "integer", "wave_year", f["integer"], 10),
        Column("Annual run cost (£)", "number", "annual_run_cost", f["money"], 15),
        Column("Annual cashable cost (£)", "number", "annual_cashable", f["money"], 15),
        Column("Cost basis", "text", "cost_basis", width=10),
        Column("Added cost on target (£/yr)", "number", "annual_added_cost", f["money"], 15),
        Column("Months to exit", "number", "months_to_exit", f["number"], 10),
        Column("Migrates", "bool", "migrates", width=9),
        Column("Effort (share of a migration)", "formula", "effort_value", f["percent"], 11, "{effort_expr}"),
        Column("Complexity (size factor)", "number", "size_factor", f["number"], 10),
        Column("Saving share", "formula", "share_value", f["percent"], 9, "{share_expr}"),
        Column("Exit fee (£; blank = assumption)", "number", "exit_fee", f["money"], 14),
        Column("Support ends (year; blank = not known)", "integer", "support_end_year", f["integer"], 10),
        Column("Option (1-3)", "integer", "option_value", f["integer"], 8),
        Column("Justification (non-financial case)", "text", "justification", width=36),
        Column(
            "Recommended (in the preferred option)",
            "formula",
            "recommended_value",
            width=12,
            formula=formulas["recommended"],
            result="bool",
        ),
        Column("One-off cost (£)", "formula", "one_off_cost", f["money"], 15, formulas["one_off_cost"]),
        Column("Annual saving (£)", "formula", "annual_saving", f["money"], 15, formulas["annual_saving"]),
        Column("NPV short horizon (£)", "formula", "npv_short", f["money"], 15, formulas["npv_short"]),
        Column("NPV long horizon (£)", "formula", "npv_long", f["money"], 15, formulas["npv_long"]),
        Column(
            "Payback (years)", "formula", "payback_years", f["integer"], 9, formulas["payback_years"], "mixed"
        ),
        Column("Reason", "text", "reason", width=50),
        Column("Application row", "link", "link_application", f["link"], 11, link_text="application"),
        Column("Findings", "link", "link_findings", f["link"], 9, link_text="findings"),
        Column("Group", "link", "link_group", f["link"], 8, link_text="group"),
    ]


def savings_columns(book: Book) -> list[Column]:
    f = book.formats
    formulas = savings_formulas(book.data.assumptions.horizon_long_years)
    headers = {
        "effort_days": "Effort (person-days)",
        "optimism_bias_rate": "Optimism bias on labour (rate)",
        "archive": "Archive on retirement (£)",
        "benefits_shortfall": "Benefits shortfall (£/yr)",
        "risk_avoided": "Legacy risk cost avoided (£/yr)",
        "risk_start_year": "Risk avoided from (year)",
        "payback_years": "Payback (years)",
        "pv_costs": "PV one-off cost (£)",
        "pv_labour": "PV labour with bias (£)",
        "pv_benefits": "PV benefits (£)",
        "pv_cashable": "PV cashable savings (£)",
        "in_option": "Counts in its option (1 = yes)",
        "capital": "of which capital (£)",
        "revenue": "of which revenue (£)",
        "migration": "Migration (£)",
        "data_migration": "Data migration (£)",
        "dual_running": "Dual running (£)",
        "exit_fee": "Exit fee (£)",
        "training": "Training (£)",
        "optimism_bias": "Optimism bias (£)",
        "one_off_cost": "One-off cost (£)",
        "annual_saving": "Annual saving (£)",
        "annual_cashable_saving": "Annual cashable saving (£)",
        "biased_lead_months": "Lead time with bias (months)",
        "saving_start_year": "Savings start (year)",
        "cost_year": "One-off cost falls in (year)",
        "npv_short": "NPV short horizon (£)",
        "npv_long": "NPV long horizon (£)",
    }
    columns = [
        Column("Action id", "text", "action_id", width=12),
        Column("Organisation", "text", "organisation", width=28),
        Column("Application", "text", "app_name", width=30),
        Column("Action", "text", "action", width=13),
    ]
    for key in SAVINGS_KEYS[len(CASH_FLOW_LEAD) :]:
        if key in ("saving_start_year", "cost_year", "risk_start_year", "in_option"):
            fmt, result = f["integer"], "number"
        elif key == "payback_years":
            fmt, result = f["integer"], "mixed"
        elif key in ("biased_lead_months", "effort_days"):
            fmt, result = f["number"], "number"
        elif key == "optimism_bias_rate":
            fmt, result = f["percent"], "number"
        else:
            fmt, result = f["money"], "number"
        columns.append(Column(headers[key], "formula", key, fmt, 14, formulas[key], result))
    return columns


def cash_flow_columns(book: Book) -> list[Column]:
    f = book.formats
    years = book.data.assumptions.horizon_long_years
    first = financial_year(book.data.as_of) if book.data.as_of else None
    formulas = cash_flow_formulas(years)
    columns = [
        Column("Action id", "text", "action_id", width=12),
        Column("Organisation", "text", "organisation", width=28),
        Column("Application", "text", "app_name", width=30),
        Column("Action", "text", "action", width=13),
    ]
    columns += [
        Column(f"{year_label(t, first)} (£)", "formula", f"flow_{t}", f["money"], 12, formulas[f"flow_{t}"])
        for t in range(years)
    ]
    columns += [
        Column(
            f"Cumulative discounted {year_label(t, first)} (£)",
            "formula",
            f"cumulative_{t}",
            f["money"],
            14,
            formulas[f"cumulative_{t}"],
        )
        for t in range(years)
    ]
    columns += [
        Column(
            f"Paid back by {year_label(t, first)}",
            "formula",
            f"paid_{t}",
            f["integer"],
            10,
            formulas[f"paid_{t}"],
        )
        for t in range(years)
    ]
    return columns


def _input_expr(kind: str, actions: tuple[str, ...], stored: str, book: Book) -> pl.Expr:
    """The formula of an effort or saving-share cell: the action's assumption, else the plan's value."""
    known = [action for action in actions if hasattr(book.data.assumptions, f"{kind}_{action}")]
    literal = pl.col(stored).fill_null(1.0).cast(pl.String)
    return (
        pl.when(pl.col("action").is_in(known)).then(pl.lit(f"{kind}_") + pl.col("action")).otherwise(literal)
    )


def _plan_frame(book: Book, links: pl.DataFrame) -> pl.DataFrame:
    figures = book.figures.savings.select(
        pl.col("effort").alias("effort_value"),
        pl.col("saving_share").alias("share_value"),
        pl.col("option").alias("option_value"),
    ).with_columns(pl.Series("recommended_value", book.figures.recommended, dtype=pl.Boolean))
    actions = book.data.actions.with_columns(pl.col("size_factor").fill_null(1.0))
    actions = pl.concat([actions, figures], how="horizontal").with_columns(
        _input_expr("effort", EFFORT_ACTIONS, "effort", book).alias("effort_expr"),
        _input_expr("saving_share", SHARE_ACTIONS, "saving_share", book).alias("share_expr"),
    )
    return pl.concat(
        [
            actions,
            book.figures.savings.select(
                "one_off_cost", "annual_saving", "npv_short", "npv_long", "payback_years"
            ),
            links,
        ],
        how="horizontal",
    )


def write_money_sheets(book: Book, links: pl.DataFrame) -> None:
    """Plan, Savings and Cash flow; `links` holds the Plan rows' link targets, in action order."""
    data = book.data
    rows = data.actions.height
    for title in ("Plan", "Savings", "Cash flow"):
        require_one_sheet(title, rows)
    missing = data.note_for("plan_actions")
    a = data.assumptions

    ws = book.sheet("Plan")
    write_heading(
        book,
        ws,
        PLAN_TITLE,
        "Inputs come from the optimiser's plan (change run cost, months to exit, migrates or exit fee "
        "to test a case); one-off cost, saving, NPV and payback are formulas from the Savings sheet. Links go to the "
        "application's inventory row, its findings and its overlap group." + missing,
    )
    write_table(book, ws, "tblPlan", plan_columns(book), _plan_frame(book, links))

    ws = book.sheet("Savings")
    write_heading(
        book,
        ws,
        SAVINGS_TITLE,
        f"Each figure is a formula over the Plan row of the same number and the Assumptions sheet: "
        f"one-off = labour + its optimism bias + dual running + exit fee; NPV at the discount "
        f"rate over {a.horizon_short_years} and {a.horizon_long_years} years; payback is the number of years "
        f"until the cumulative discounted cash flow turns non-negative ('{NONE_TEXT}': not within it; "
        "blank: the action moves nothing). Optimism bias falls on labour only, by action type." + missing,
    )
    savings = pl.concat(
        [
            data.actions.select("action_id", "organisation", "app_name", "action"),
            book.figures.savings.drop("effort", "saving_share", "option"),
        ],
        how="horizontal",
    )
    write_table(book, ws, "tblSavings", savings_columns(book), savings)

    ws = book.sheet("Cash flow")
    write_heading(
        book,
        ws,
        CASH_FLOW_TITLE,
        "Years are UK financial years (April to March); the first holds the as-of date, and money is at "
        "its prices (real terms). Net cash flow = annual saving from the first full year after the "
        "switch-off, plus legacy risk avoided, less the one-off cost in the switch-off's year; cumulative figures are discounted; 'paid back' is 1 from the "
        "year the cumulative discounted flow reaches zero after a saving has begun." + missing,
    )
    flows = pl.concat(
        [data.actions.select("action_id", "organisation", "app_name", "action"), book.figures.cash_flows],
        how="horizontal",
    )
    write_table(book, ws, "tblCashFlow", cash_flow_columns(book), flows)


def write_partners(book: Book) -> None:
    data, f = book.data, book.formats
    ws = book.sheet("Partners")
    partners = data.partners
    actions = data.actions.select(
        "action_id", "organisation", "app_name", pl.col("annual_added_cost").fill_null(0.0)
    ).with_row_index("__index")
    actions = actions.rename({"organisation": "action_organisation"})
    figures = book.figures.savings.select("one_off_cost", "annual_saving", "npv_long").with_row_index(
        "__index"
    )
    frame = (
        partners.join(actions, on="action_id", how="inner")
        .join(figures, on="__index")
        .sort("action_id", "organisation")
    )
    require_one_sheet("Partners", frame.height)
    frame = frame.with_row_index("__pos").with_columns(
        (pl.col("__index") + FIRST_DATA_ROW + 1).alias("savings_row"),
        (pl.col("__pos").min().over("action_id") + FIRST_DATA_ROW + 1).alias("first"),
        (pl.col("__pos").max().over("action_id") + FIRST_DATA_ROW + 1).alias("last"),
    )
    # savings.split_by_share, column-wise: amount x share / total, or equal parts when the total is 0.
    total = pl.col("share").fill_null(0.0).sum().over("action_id")
    part = (
        pl.when(total > 0)
        .then(pl.col("share").fill_null(0.0) / total)
        .otherwise(1.0 / pl.len().over("action_id"))
    )
    frame = frame.with_columns(
        (pl.col("one_off_cost") * part).alias("one_off_share"),
        (pl.col("annual_saving") * part).alias("saving_share"),
        (pl.col("npv_long") * part).alias("npv_share"),
    )
    # The recharge that leaves each body with its agreed share of the net saving: the moving body
    # stops paying its run cost (its own saving), the host's bill rises by the added cost.
    mover = pl.col("organisation") == pl.col("action_organisation")
    frame = frame.with_columns(
        pl.when(mover)
        .then(pl.col("annual_saving") + pl.col("annual_added_cost"))
        .otherwise(0.0)
        .alias("own_saving"),
        pl.when(mover).then(0.0).otherwise(pl.col("annual_added_cost")).alias("added_cost"),
    ).with_columns((pl.col("saving_share") - (pl.col("own_saving") - pl.col("added_cost"))).alias("recharge"))
    added = f"Plan!${plan_letter('annual_added_cost')}${{savings_row}}"
    own = f"IF($B{{r}}=$E{{r}},Savings!${savings_letter('annual_saving')}${{savings_row}}+{added},0)"
    host_cost = f"IF($B{{r}}<>$E{{r}},{added},0)"
    share = "IF(SUM($C${first}:$C${last})>0,$C{r}/SUM($C${first}:$C${last}),1/ROWS($C${first}:$C${last}))"
    one_off, saving, npv = (
        f"{share}*Savings!${savings_letter(k)}${{savings_row}}"
        for k in ("one_off_cost", "annual_saving", "npv_long")
    )
    columns = [
        Column("Action id", "text", "action_id", width=12),
        Column("Partner body", "text", "organisation", width=30),
        Column("Share (users or agreed)", "number", "share", f["number"], 12),
        Column("Application", "text", "app_name", width=30),
        Column("Runs it today", "text", "action_organisation", width=28),
        Column("One-off cost share (£)", "formula", "one_off_share", f["money"], 15, one_off),
        Column("Annual saving share (£)", "formula", "saving_share", f["money"], 15, saving),
        Column("NPV long horizon share (£)", "formula", "npv_share", f["money"], 15, npv),
        Column("Own saving: run cost it stops paying (£/yr)", "formula", "own_saving", f["money"], 15, own),
        Column("Added cost on its bill (£/yr)", "formula", "added_cost", f["money"], 15, host_cost),
        Column(
            "Recharge received (+) or paid (-) (£/yr)",
            "formula",
            "recharge",
            f["money"],
            15,
            "$G{r}-($I{r}-$J{r})",
        ),
    ]
    write_heading(
        book,
        ws,
        PARTNERS_TITLE,
        "For shared services: each partner body's share of the action's one-off cost, annual saving and "
        "NPV, in proportion to its share (equal shares when either body's users are unknown); change a "
        "share to re-split. The moving body stops paying its run cost, the host's bill rises by the added "
        "cost; the recharge (host receives +, mover pays -) leaves each with its agreed share of the net saving."
        + data.note_for("plan_partner_shares"),
    )
    write_table(book, ws, "tblPartners", columns, frame)
