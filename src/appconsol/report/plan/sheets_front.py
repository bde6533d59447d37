"""The front sheets: Cover (what this is and what went in), Summary (headlines and charts), Assumptions.

Summary's figures are formulas over the Savings, Cash flow, Applications, Legacy risk and
Cloud & TIME sheets, so they move when an assumption changes; its charts read those cells.
Assumptions holds every input of the savings model as a named, validated cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from appconsol.report.plan.common import Book, data_capacity, sheet_parts, write_heading, write_table
from appconsol.report.plan.formulas import (
    FIRST_DATA_ROW,
    FORMULA_ASSUMPTIONS,
    HEADER_ROW,
    NONE_TEXT,
    discount_factor_ref,
    flow_col,
    savings_letter,
)
from appconsol.report.plan.rows import Column, PlanWorksheet
from appconsol.report.plan.safe import safe_text
from appconsol.version import __version__

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


@dataclass(frozen=True)
class Ranges:
    """Where the Summary's formulas read from: sheet parts and their data row spans (0-based)."""

    actions_last: int
    groups_last: int

    @property
    def plan_rows(self) -> tuple[int, int]:
        return FIRST_DATA_ROW, self.actions_last


def _span(sheet: str, col: int, rows: int) -> list[str]:
    """Absolute ranges of one column over a table's parts ("'Findings'!$A$4:$A$1000", ...)."""
    letter = xl_col_to_name(col)
    spans = []
    for i, name in enumerate(sheet_parts(sheet, rows)):
        count = min(data_capacity(), max(rows - i * data_capacity(), 1))
        spans.append(f"'{name}'!${letter}${FIRST_DATA_ROW + 1}:${letter}${FIRST_DATA_ROW + count}")
    return spans


def _sum_over(function: str, spans: Sequence[str], *criteria: str) -> str:
    return "+".join(f"{function}({span}{''.join(',' + c for c in criteria)})" for span in spans)


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
        live = item.name in FORMULA_ASSUMPTIONS or item.name.startswith(("effort_", "saving_share_"))
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
        "years": "Year (0 = as-of year)",
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


def organisation_order(book: Book) -> pl.DataFrame:
    """Organisations with their legacy RAG counts, most red first: the Summary block and the org numbers."""
    data = book.data
    orgs = pl.concat([data.applications.select("organisation"), data.legacy.select("organisation")]).unique()
    counts = (
        data.legacy.with_columns(pl.col("rag").str.to_lowercase().alias("rag"))
        .group_by("organisation")
        .agg((pl.col("rag") == rag).sum().cast(pl.Int64).alias(rag) for rag in ("red", "amber", "green"))
    )
    frame = (
        orgs.filter(pl.col("organisation").is_not_null())
        .join(counts, on="organisation", how="left")
        .fill_null(0)
    )
    frame = frame.sort(["red", "amber", "organisation"], descending=[True, True, False])
    return frame.with_row_index("org_no", offset=1).with_columns(pl.col("org_no").cast(pl.Int64))


def write_summary(book: Book, orgs: pl.DataFrame, ranges: Ranges, app_cols: dict[str, int]) -> None:
    ws, f, data, figures = book.sheet("Summary"), book.formats, book.data, book.figures
    a = data.assumptions
    write_heading(
        book,
        ws,
        "Summary: what the consolidation plan costs and saves, and where the risk is",
        "Every figure is a formula over the other sheets (change an assumption and they move); the charts "
        "follow the figures. Money in £ at today's prices; NPV discounted at the Assumptions' rate.",
    )
    savings = figures.savings
    apps, legacy = data.applications, data.legacy
    plan_span = [f"Savings!${{c}}${FIRST_DATA_ROW + 1}:${{c}}${ranges.actions_last + 1}"]

    def over(key: str) -> str:
        return plan_span[0].format(c=savings_letter(key))

    app_span = lambda key: _span("Applications", app_cols[key], apps.height)  # noqa: E731
    red_col = 7  # Legacy risk: "Red-rated"
    org_block_first = 0  # filled below
    year_first = FIRST_DATA_ROW + 15
    disp_first = year_first + a.horizon_long_years + 3
    dispositions = _disposition_counts(data.dispositions)
    org_first = disp_first + len(dispositions) + 3
    org_block_first = org_first
    live_cost = (
        apps.filter(pl.col("is_live")).get_column("annual_cost").sum()
        if "annual_cost" in apps.columns
        else 0.0
    )
    payback = figures.portfolio_payback
    headlines: list[tuple[str, str, object, object]] = [
        ("Applications", _sum_over("COUNTA", app_span("app_id")), apps.height, f["count"]),
        (
            "Organisations",
            f"COUNTA($B${org_first + 1}:$B${org_first + max(orgs.height, 1)})",
            orgs.height,
            f["count"],
        ),
        (
            "Overlap groups",
            f"COUNTA(Overlaps!$A${FIRST_DATA_ROW + 1}:$A${ranges.groups_last + 1})",
            data.groups.height,
            f["count"],
        ),
        (
            "Red-rated legacy applications",
            _sum_over("COUNTIF", _span("Legacy risk", red_col, legacy.height), "TRUE"),
            int(legacy.get_column("red_rated").fill_null(False).sum()),
            f["count"],
        ),
        (
            "Annual run cost today, live applications (£)",
            _sumifs(app_span("annual_cost"), app_span("is_live")),
            float(live_cost or 0.0),
            f["money_bold"],
        ),
        (
            "Planned actions",
            f"COUNTA(Plan!$A${FIRST_DATA_ROW + 1}:$A${ranges.actions_last + 1})",
            data.actions.height,
            f["count"],
        ),
        (
            "One-off cost, optimism bias included (£)",
            f"SUM({over('one_off_cost')})",
            _total(savings, "one_off_cost"),
            f["money_bold"],
        ),
        (
            "Annual saving at steady state (£)",
            f"SUM({over('annual_saving')})",
            _total(savings, "annual_saving"),
            f["money_bold"],
        ),
        (
            "of which cashable (£)",
            f"SUM({over('annual_cashable_saving')})",
            _total(savings, "annual_cashable_saving"),
            f["money"],
        ),
        (
            "NPV, short horizon (£)",
            f"SUM({over('npv_short')})",
            _total(savings, "npv_short"),
            f["money_bold"],
        ),
        ("NPV, long horizon (£)", f"SUM({over('npv_long')})", _total(savings, "npv_long"), f["money_bold"]),
        (
            "Discounted payback of the whole plan (year)",
            f'IFERROR(MATCH(1,$F${year_first + 1}:$F${year_first + a.horizon_long_years},0)-1,"{NONE_TEXT}")',
            payback if payback is not None else NONE_TEXT,
            f["integer"],
        ),
    ]
    ws.write_string(HEADER_ROW, 0, "Headline figures", f["subtitle"])
    for i, (label, formula, value, fmt) in enumerate(headlines):
        row = FIRST_DATA_ROW + i
        ws.write_string(row, 0, label)
        ws.write_formula(row, 1, "=" + formula, fmt, value)
    horizons = FIRST_DATA_ROW + len(headlines)
    ws.write_string(horizons, 0, "Horizons (years): short, long")
    ws.write_formula(horizons, 1, "=horizon_short_years", f["integer"], a.horizon_short_years)
    ws.write_formula(horizons, 2, "=horizon_long_years", f["integer"], a.horizon_long_years)
    _write_year_block(book, ws, year_first, ranges)
    _write_disposition_block(book, ws, disp_first, dispositions)
    _write_org_block(book, ws, org_block_first, orgs)
    ws.set_column(0, 0, 46)
    ws.set_column(1, 6, 16)
    _charts(book, ws, year_first, disp_first, dispositions.height, org_block_first, orgs.height)


def _total(frame: pl.DataFrame, key: str) -> float:
    return float(frame.get_column(key).sum()) if frame.height else 0.0


def _sumifs(values: Sequence[str], flags: Sequence[str]) -> str:
    return "+".join(f"SUMIFS({v},{c},TRUE)" for v, c in zip(values, flags, strict=True))


def _write_year_block(book: Book, ws: PlanWorksheet, first: int, ranges: Ranges) -> None:
    f, a, figures = book.formats, book.data.assumptions, book.figures
    header = first - 1
    for col, text in enumerate(
        (
            "Year",
            "Net cash flow (£)",
            "Discount factor",
            "Discounted (£)",
            "Cumulative discounted (£)",
            "Paid back (1 = yes)",
        )
    ):
        ws.write_string(header, col, text, f["bold"])
    ws.write_string(header - 1, 0, "Savings by year (all actions)", f["subtitle"])
    cumulative, seen = 0.0, False
    for t in range(a.horizon_long_years):
        row, excel = first + t, first + t + 1
        total = figures.totals_by_year[t]
        factor = 1.0 / (1.0 + a.discount_rate) ** t
        cumulative += total * factor
        seen = seen or total > 0
        letter = flow_col(t)
        span = f"'Cash flow'!${letter}${FIRST_DATA_ROW + 1}:${letter}${ranges.actions_last + 1}"
        previous = f"E{excel - 1}+" if t else ""
        cells = [
            (None, t, f["integer"]),
            (f"SUM({span})", total, f["money"]),
            (discount_factor_ref(t), factor, f["factor"]),
            (f"B{excel}*C{excel}", total * factor, f["money"]),
            (f"{previous}D{excel}", cumulative, f["money"]),
            (
                f'IF(AND(E{excel}>=-0.000000001,COUNTIF($B${first + 1}:B{excel},">0")>0,{t}<horizon_long_years),1,0)',
                1.0 if cumulative >= -1e-9 and seen else 0.0,
                f["integer"],
            ),
        ]
        for col_index, (formula, value, fmt) in enumerate(cells):
            if formula is None:
                ws.write_number(row, col_index, value, fmt)
            else:
                ws.write_formula(row, col_index, "=" + formula, fmt, value)


def _disposition_counts(dispositions: pl.DataFrame) -> pl.DataFrame:
    """Distinct dispositions (tool vocabulary) with their counts, as COUNTIF will count them."""
    words = dispositions.filter(pl.col("disposition").str.contains(r"^[A-Za-z][A-Za-z0-9 _-]*$"))
    return (
        words.group_by(pl.col("disposition").str.to_lowercase())
        .agg(pl.len().cast(pl.Int64).alias("applications"))
        .sort("disposition")
    )


def _write_disposition_block(book: Book, ws: PlanWorksheet, first: int, counts: pl.DataFrame) -> None:
    f, data = book.formats, book.data
    ws.write_string(first - 2, 0, "Applications by disposition (7R)", f["subtitle"])
    ws.write_string(first - 1, 0, "Disposition", f["bold"])
    ws.write_string(first - 1, 1, "Applications", f["bold"])
    spans = _span("Cloud & TIME", 5, data.dispositions.height)
    for i, (word, count) in enumerate(counts.iter_rows()):
        ws.write_string(first + i, 0, word)
        ws.write_formula(
            first + i, 1, "=" + _sum_over("COUNTIF", spans, f"$A{first + i + 1}"), f["count"], count
        )


def _write_org_block(book: Book, ws: PlanWorksheet, first: int, orgs: pl.DataFrame) -> None:
    f, data = book.formats, book.data
    ws.write_string(first - 2, 0, "Legacy RAG by organisation (most red first)", f["subtitle"])
    for col, text in enumerate(("Org no.", "Organisation", "Red", "Amber", "Green")):
        ws.write_string(first - 1, col, text, f["bold"])
    keys = _span("Legacy risk", 0, data.legacy.height)
    rags = _span("Legacy risk", 8, data.legacy.height)
    for i, row in enumerate(orgs.iter_rows(named=True)):
        r = first + i
        ws.write_number(r, 0, row["org_no"], f["integer"])
        ws.write_string(r, 1, safe_text(str(row["organisation"])))
        for col, rag in enumerate(("red", "amber", "green"), start=2):
            formula = "+".join(
                f'COUNTIFS({k},$A{r + 1},{g},"{rag}")' for k, g in zip(keys, rags, strict=True)
            )
            ws.write_formula(r, col, "=" + formula, f["count"], row[rag])


CHART_ORGS = 20


def _charts(
    book: Book,
    ws: PlanWorksheet,
    year_first: int,
    disp_first: int,
    disp_rows: int,
    org_first: int,
    org_rows: int,
) -> None:
    wb, years = book.workbook, book.data.assumptions.horizon_long_years
    last = year_first + years - 1
    column = wb.add_chart({"type": "column"})
    column.add_series(
        {
            "name": "Net cash flow (£)",
            "categories": ["Summary", year_first, 0, last, 0],
            "values": ["Summary", year_first, 1, last, 1],
            "fill": {"color": "#4472C4"},
        }
    )
    line = wb.add_chart({"type": "line"})
    line.add_series(
        {
            "name": "Cumulative discounted (£)",
            "categories": ["Summary", year_first, 0, last, 0],
            "values": ["Summary", year_first, 4, last, 4],
            "line": {"color": "#ED7D31", "width": 2.25},
        }
    )
    column.combine(line)
    column.set_title({"name": "Savings by year"})
    column.set_x_axis({"name": "Year"})
    column.set_y_axis({"name": "£", "num_format": '"£"#,##0'})
    column.set_legend({"position": "bottom"})
    ws.insert_chart(HEADER_ROW, 8, column, {"x_scale": 1.4, "y_scale": 1.1})
    bar = wb.add_chart({"type": "bar"})
    bar.add_series(
        {
            "name": "Applications",
            "categories": ["Summary", disp_first, 0, disp_first + max(disp_rows, 1) - 1, 0],
            "values": ["Summary", disp_first, 1, disp_first + max(disp_rows, 1) - 1, 1],
            "fill": {"color": "#5B9BD5"},
        }
    )
    bar.set_title({"name": "Applications by disposition"})
    bar.set_legend({"none": True})
    ws.insert_chart(HEADER_ROW + 18, 8, bar, {"x_scale": 1.4})
    stacked = wb.add_chart({"type": "bar", "subtype": "stacked"})
    shown = max(min(org_rows, CHART_ORGS), 1)
    for col, (rag, colour) in enumerate(
        (("Red", "#C00000"), ("Amber", "#FFC000"), ("Green", "#70AD47")), start=2
    ):
        stacked.add_series(
            {
                "name": rag,
                "categories": ["Summary", org_first, 1, org_first + shown - 1, 1],
                "values": ["Summary", org_first, col, org_first + shown - 1, col],
                "fill": {"color": colour},
            }
        )
    stacked.set_title({"name": f"Legacy RAG by organisation (top {shown})"})
    stacked.set_y_axis({"reverse": True})
    stacked.set_legend({"position": "bottom"})
    ws.insert_chart(HEADER_ROW + 34, 8, stacked, {"x_scale": 1.4, "y_scale": 1.4})


SHEET_PURPOSES = (
    ("Summary", "Headline figures and charts; every figure is a formula."),
    ("Assumptions", "Inputs of the savings model, as named cells; change one to see the plan move."),
    ("Plan", "One row per action: what happens to which application, when, and what it costs and saves."),
    ("Savings", "One-off costs, annual savings, NPV and payback per action (formulas)."),
    ("Cash flow", "Net, discounted and cumulative cash flow per action and year (formulas)."),
    ("Partners", "For shared services, each partner body's share of costs and savings."),
    ("Overlaps", "Groups of applications serving the same capability, and their members."),
    ("Legacy risk", "Legacy risk scores, RAG and the evidence behind them."),
    ("Cloud & TIME", "TIME categories and 7R cloud dispositions, with the deciding rule."),
    ("Findings", "Every rule finding with its evidence and source row."),
    ("Data quality", "Rows not loaded and values not understood."),
    ("Applications", "The canonical inventory, with the file, sheet and row each came from."),
    ("Rules", "The steps and rules that ran, their parameters, and waivers."),
)


def write_cover(book: Book, written_at: dt.datetime) -> None:
    ws, f, data = book.sheet("Cover"), book.formats, book.data
    write_heading(
        book,
        ws,
        "Application consolidation plan",
        "Which applications to keep, merge, share, move or switch off, when, and what that costs and saves; "
        "written by appconsol from the inventories listed below. Start with Summary; change Assumptions to test.",
    )
    facts = [
        ("As of", data.as_of.isoformat() if data.as_of else "not recorded (no analysis run)"),
        ("Written", written_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("Tool", f"appconsol {__version__}"),
        ("Money", "GBP a year at today's prices unless a column says otherwise"),
    ]
    for i, (label, value) in enumerate(facts):
        ws.write_string(HEADER_ROW + i, 0, label, f["bold"])
        ws.write_string(HEADER_ROW + i, 1, value)
    row = HEADER_ROW + len(facts) + 2
    ws.write_string(row - 1, 0, "How to read this workbook", f["subtitle"])
    sheets = pl.DataFrame(
        {"sheet": [s for s, _ in SHEET_PURPOSES], "purpose": [p for _, p in SHEET_PURPOSES]}
    )
    sheets = sheets.with_columns(pl.format("'{}'!A1", pl.col("sheet")).alias("target"))
    columns = [
        Column("Sheet", "text", "sheet", width=28),
        Column("What it shows", "text", "purpose", width=90),
        Column("Go", "link", "target", f["link"], 8, link_text="open"),
    ]
    _, last = write_table(book, ws, "tblSheets", columns, sheets, header_row=row, freeze=False, widths=False)
    row = last + 3
    ws.write_string(row - 1, 0, "Inputs: the inventory files loaded", f["subtitle"])
    input_columns = [
        Column("File", "text", "file_name", width=28),
        Column("Sheet", "text", "source_sheet", width=90),
        Column("Organisation", "text", "organisation", width=28),
        Column("Profile", "text", "profile", width=12),
        Column("SHA-256", "text", "content_hash", width=20),
        Column("Rows read", "integer", "rows_read", f["count"], 10),
        Column("Loaded", "integer", "rows_loaded", f["count"], 10),
        Column("Rejected", "integer", "rows_rejected", f["count"], 10),
        Column("Warnings", "integer", "warnings", f["count"], 10),
        Column("Loaded at (UTC)", "datetime", "loaded_at", f["datetime"], 16),
    ]
    _, last = write_table(
        book, ws, "tblInputs", input_columns, data.loads, header_row=row, freeze=False, widths=False
    )
    row = last + 3
    ws.write_string(row - 1, 0, "Reference data", f["subtitle"])
    snapshot_columns = [
        Column("Reference", "text", "name", width=28),
        Column("Snapshot date", "date", "snapshot_date", f["date"], 12),
        Column("Source", "text", "source", width=28),
        Column("Licence", "text", "licence", width=12),
    ]
    note = data.note_for("reference_snapshots")
    if note:
        ws.write_string(row - 1, 3, note.strip(), f["note"])
    write_table(
        book, ws, "tblReference", snapshot_columns, data.snapshots, header_row=row, freeze=False, widths=False
    )
    for col, width in enumerate((28, 40, 28, 14, 20, 10, 10, 10, 10, 16)):
        ws.set_column(col, col, width)
    ws.hide_gridlines(2)
