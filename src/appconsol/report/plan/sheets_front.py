"""The Summary sheet: the preferred option's headline figures beside the others, and charts.

It also shows the baseline and the preferred option's savings by year. Every figure is a formula
over the other sheets, so it moves when an assumption changes; the charts read those cells. Cover
and Assumptions have their own modules; they are re-exported here for the workbook writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from appconsol.analyses.plan_assumptions import financial_year
from appconsol.analyses.plan_options import OPTION_NAMES
from appconsol.report.plan.common import Book, data_capacity, sheet_parts, write_heading
from appconsol.report.plan.formulas import (
    BEYOND_TEXT,
    FIRST_DATA_ROW,
    HEADER_ROW,
    discount_factor_ref,
    year_label,
)
from appconsol.report.plan.rows import PlanWorksheet
from appconsol.report.plan.safe import safe_text
from appconsol.report.plan.sheets_assumptions import write_assumptions
from appconsol.report.plan.sheets_cover import write_cover
from appconsol.report.plan.sheets_options import Spans, option_cell, preferred_flow_formula

__all__ = ["Ranges", "board_rows", "organisation_order", "write_assumptions", "write_cover", "write_summary"]


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
        "Summary: the preferred option, what it costs and saves, beside doing nothing and the others",
        "Every figure is a formula over the other sheets (change an assumption and they move); the charts "
        "follow the figures. Money in £ at today's prices; NPV discounted at the Assumptions' rate. The "
        "preferred option is chosen by the rule on the Options sheet.",
    )
    apps, legacy = data.applications, data.legacy
    spans = Spans(ranges.actions_last)
    app_span = lambda key: _span("Applications", app_cols[key], apps.height)  # noqa: E731
    red_col = 7  # Legacy risk: "Red-rated"
    best = figures.options[figures.preferred]
    chosen = pl.Series(figures.recommended, dtype=pl.Boolean)
    savings = figures.savings.filter(chosen) if figures.savings.height else figures.savings
    estimated = (
        figures.savings.with_columns(data.actions.get_column("cost_basis").fill_null(""))
        .filter(chosen & (pl.col("cost_basis") != "stated"))
        .get_column("annual_saving")
        .sum()
        if figures.savings.height
        else 0.0
    )
    base = data.baseline
    excluded = base.filter(pl.col("excluded")) if base.height else base
    headlines: list[tuple[str, str, object, object]] = [
        ("Applications", _sum_over("COUNTA", app_span("app_id")), apps.height, f["count"]),
        ("Organisations", "", orgs.height, f["count"]),
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
            "Annual run cost stated, live applications (£)",
            "baseline_stated",
            _sum(base, "stated_cost"),
            f["money"],
        ),
        (
            "less: excluded as implausible, DQ004 errors (£)",
            "baseline_excluded",
            _sum(excluded, "stated_cost"),
            f["money"],
        ),
        (
            "plus: estimated where no usable cost was stated (£)",
            "baseline_estimated",
            _sum(base.filter(pl.col("cost_basis") != "stated") if base.height else base, "annual_run_cost"),
            f["money"],
        ),
        (
            "Annual run cost today, used in the plan (£)",
            "baseline_used",
            _sum(base, "annual_run_cost"),
            f["money_bold"],
        ),
        (
            "Planned actions (all options)",
            f"COUNTA(Plan!$A${FIRST_DATA_ROW + 1}:$A${ranges.actions_last + 1})",
            data.actions.height,
            f["count"],
        ),
        ("Preferred option", option_cell("name"), OPTION_NAMES[figures.preferred], f["bold"]),
        ("Actions in the preferred option", option_cell("actions"), best.actions, f["count"]),
        (
            "One-off cost before optimism bias (£)",
            option_cell("before_bias"),
            best.one_off_cost - best.optimism_bias,
            f["money"],
        ),
        ("Optimism bias (£)", option_cell("optimism_bias"), best.optimism_bias, f["money"]),
        (
            "One-off cost, optimism bias included (£)",
            option_cell("one_off_cost"),
            best.one_off_cost,
            f["money_bold"],
        ),
        ("of which capital (£)", option_cell("capital"), best.capital, f["money"]),
        ("of which revenue (£)", option_cell("revenue"), best.revenue, f["money"]),
        (
            "Annual saving at steady state (£)",
            option_cell("annual_saving"),
            best.annual_saving,
            f["money_bold"],
        ),
        (
            "of which cashable (£)",
            f"SUMIFS({spans.savings('annual_cashable_saving')},{spans.within('preferred_option')})",
            _sum(savings, "annual_cashable_saving"),
            f["money"],
        ),
        (
            "of which resting on estimated costs (£)",
            f'SUMIFS({spans.savings("annual_saving")},{spans.within("preferred_option")},{spans.plan("cost_basis")},"<>stated")',
            float(estimated or 0.0),
            f["money"],
        ),
        ("NPV, short horizon (£)", option_cell("npv_short"), best.npv_short, f["money_bold"]),
        ("NPV, long horizon (£)", option_cell("npv"), best.npv, f["money_bold"]),
        ("Benefit-cost ratio", option_cell("bcr"), "" if best.bcr is None else best.bcr, f["number"]),
        ("Cashable NPV (£)", option_cell("cashable_npv"), best.cashable_npv, f["money"]),
        (
            "Payback period of the preferred option (years)",
            option_cell("payback_years"),
            best.payback_years
            if best.payback_years is not None
            else ("" if figures.preferred == 0 else BEYOND_TEXT),
            f["integer"],
        ),
    ]
    assert len(headlines) == HEADLINES
    options_first = FIRST_DATA_ROW + len(headlines) + 4
    year_first = options_first + 4 + 3
    disp_first = year_first + a.horizon_long_years + 3
    dispositions = _disposition_counts(data.dispositions)
    org_first = disp_first + len(dispositions) + 3
    headlines[1] = (
        "Organisations",
        f"COUNTA($B${org_first + 1}:$B${org_first + max(orgs.height, 1)})",
        orgs.height,
        f["count"],
    )
    ws.write_string(HEADER_ROW, 0, "Headline figures", f["subtitle"])
    for i, (label, formula, value, fmt) in enumerate(headlines):
        row = FIRST_DATA_ROW + i
        ws.write_string(row, 0, label)
        ws.write_formula(row, 1, "=" + formula, fmt, value)
    horizons = FIRST_DATA_ROW + len(headlines)
    ws.write_string(horizons, 0, "Horizons (years): short, long")
    ws.write_formula(horizons, 1, "=horizon_short_years", f["integer"], a.horizon_short_years)
    ws.write_formula(horizons, 2, "=horizon_long_years", f["integer"], a.horizon_long_years)
    _write_options_block(book, ws, options_first)
    _write_year_block(book, ws, year_first)
    _write_disposition_block(book, ws, disp_first, dispositions)
    _write_org_block(book, ws, org_first, orgs)
    ws.set_column(0, 0, 46)
    ws.set_column(1, 6, 16)
    _charts(book, ws, year_first, disp_first, dispositions.height, org_first, orgs.height)


HEADLINES = 24  # rows of headline figures (the board view's first block)


def board_rows(book: Book) -> int:
    """Last row (0-based) of the board view: headlines, the options and the preferred option's years."""
    return FIRST_DATA_ROW + HEADLINES + 4 + 4 + 3 + book.data.assumptions.horizon_long_years


def _sum(frame: pl.DataFrame, key: str) -> float:
    return float(frame.get_column(key).fill_null(0).sum()) if frame.height else 0.0


OPTION_BLOCK = (
    ("name", "Option"),
    ("npv", "NPV, long horizon (£)"),
    ("bcr", "BCR"),
    ("pv_costs", "PV costs (£)"),
    ("pv_benefits", "PV benefits (£)"),
    ("cashable_npv", "Cashable NPV (£)"),
    ("payback_years", "Payback (years)"),
)


def _write_options_block(book: Book, ws: PlanWorksheet, first: int) -> None:
    """The options side by side: each row reads the Options sheet."""
    from appconsol.report.plan.sheets_options import OPTION_FIRST, ocol

    f = book.formats
    ws.write_string(first - 2, 0, "Options against doing nothing (preferred marked)", f["subtitle"])
    for col, (_, header) in enumerate(OPTION_BLOCK):
        ws.write_string(first - 1, col, header, f["bold"])
    ws.write_string(first - 1, len(OPTION_BLOCK), "Preferred", f["bold"])
    for o in book.figures.options:
        row = first + o.option
        source = OPTION_FIRST + o.option + 1
        for col, (key, _) in enumerate(OPTION_BLOCK):
            value = getattr(o, key)
            if key == "payback_years" and value is None:
                value = "" if o.option == 0 else BEYOND_TEXT
            fmt = (
                f["money"]
                if key not in ("name", "bcr", "payback_years")
                else f["number"]
                if key == "bcr"
                else None
            )
            cell = f"Options!${ocol(key)}${source}"
            ws.write_formula(row, col, f'=IF(ISBLANK({cell}),"",{cell})', fmt, "" if value is None else value)
        ws.write_formula(row, len(OPTION_BLOCK), f"=Options!${ocol('preferred')}${source}", None, o.preferred)


def _write_year_block(book: Book, ws: PlanWorksheet, first: int) -> None:
    f, a, figures = book.formats, book.data.assumptions, book.figures
    first_year = financial_year(book.data.as_of) if book.data.as_of else None
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
    ws.write_string(header - 1, 0, "Savings by year (the preferred option)", f["subtitle"])
    cumulative, seen = 0.0, False
    for t in range(a.horizon_long_years):
        row, excel = first + t, first + t + 1
        total = figures.totals_by_year[t]
        factor = 1.0 / (1.0 + a.discount_rate) ** t
        cumulative += total * factor
        seen = seen or total > 0
        previous = f"E{excel - 1}+" if t else ""
        cells = [
            (None, year_label(t, first_year), None),
            (preferred_flow_formula(t), total, f["money"]),
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
                ws.write_string(row, col_index, str(value), fmt)
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
