"""The Sensitivity sheet (switching values and a tornado table for the preferred option) and the
Board sheet (one printed page: the preferred option against the others, the top opportunities,
totals by financial year and by organisation, the main risks and the assumptions that matter
most). Every figure is a live formula; the Python model's figures are the cached values.
"""

from __future__ import annotations

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from appconsol.analyses.plan_assumptions import financial_year
from appconsol.analyses.plan_sensitivity import RATE_STEP, SWING
from appconsol.report.plan.common import Book, write_heading
from appconsol.report.plan.formulas import (
    BEYOND_TEXT,
    FIRST_DATA_ROW,
    HEADER_ROW,
    plan_letter,
    savings_letter,
    year_label,
)
from appconsol.report.plan.sheets_options import (
    BASELINE_HEADER,
    OPTION_FIRST,
    Spans,
    blank,
    ocol,
    option_cell,
    preferred_flow_formula,
)

SENS_FLOW_ROW = HEADER_ROW + 7  # the preferred option's net cash flow by year
SENS_TORNADO_ROW = SENS_FLOW_ROW + 10  # the tornado table's header row


def write_sensitivity(book: Book) -> None:
    ws, f, a, figures = book.sheet("Sensitivity"), book.formats, book.data.assumptions, book.figures
    s = figures.sensitivity
    assert s is not None
    best = figures.options[figures.preferred]
    write_heading(
        book,
        ws,
        "Sensitivity: how far each input may move before the preferred option's NPV is zero (live formulas)",
        "Switching values (Green Book): savings may fall, or one-off costs rise, by the share shown; the day "
        "rate may rise to, and the discount rate to, the value shown. The tornado table gives the NPV at a "
        f"low and a high case of each input ({SWING:.0%} either way; the discount rate {RATE_STEP:.0%} "
        "either side), ranked by the swing. Change an assumption and every figure here follows.",
    )
    rows = {
        "name": ("Preferred option", option_cell("name"), best.name, None),
        "npv": ("NPV, long horizon (£)", option_cell("npv"), best.npv, f["money_bold"]),
        "pvb": ("PV benefits (£)", option_cell("pv_benefits"), best.pv_benefits, f["money"]),
        "pvc": ("PV costs (£)", option_cell("pv_costs"), best.pv_costs, f["money"]),
        "pvl": ("PV labour with optimism bias (£)", option_cell("pv_labour"), best.pv_labour, f["money"]),
    }
    at = {}
    for i, (key, (label, formula, value, fmt)) in enumerate(rows.items()):
        row = HEADER_ROW + i
        at[key] = f"$B${row + 1}"
        ws.write_string(row, 0, label, f["bold"] if key == "name" else None)
        ws.write_formula(row, 1, "=" + formula, fmt, value)
    years = a.horizon_long_years
    flow_row = SENS_FLOW_ROW
    ws.write_string(flow_row - 1, 0, "Preferred option's net cash flow by year (£)", f["subtitle"])
    for t in range(years):
        ws.write_formula(flow_row, 1 + t, "=" + preferred_flow_formula(t), f["money"], best.flows[t])
    ws.write_string(flow_row, 0, "Net cash flow (£)")
    flows = f"$B${flow_row + 1}:${xl_col_to_name(years)}${flow_row + 1}"
    later = f"$C${flow_row + 1}:${xl_col_to_name(years)}${flow_row + 1}"
    head = flow_row + 3
    ws.write_string(head - 1, 0, "Switching values", f["subtitle"])
    for col, text in enumerate(("Input", "Today", "Switching value", "What it means")):
        ws.write_string(head, col, text, f["bold"])
    npv, pvb, pvc, pvl = at["npv"], at["pvb"], at["pvc"], at["pvl"]
    switching = [
        (
            "Annual savings",
            None,
            None,
            f'IF({pvb}>0,{npv}/{pvb},"")',
            blank(s.savings_fall),
            f["percent"],
            "the share by which savings may fall",
        ),
        (
            "One-off costs",
            None,
            None,
            f'IF({pvc}>0,{npv}/{pvc},"")',
            blank(s.costs_rise),
            f["percent"],
            "the share by which one-off costs may rise",
        ),
        (
            "Day rate (£)",
            "day_rate",
            a.day_rate,
            f'IF({pvl}>0,day_rate*(1+{npv}/{pvl}),"")',
            blank(s.day_rate),
            f["money"],
            "the day rate at which the NPV is zero",
        ),
        (
            "Discount rate",
            "discount_rate",
            a.discount_rate,
            f'IFERROR(IRR({flows}),"none")',
            "none" if s.discount_rate is None else s.discount_rate,
            f["percent"],
            "the internal rate of return: the discount rate at which the NPV is zero",
        ),
    ]
    for i, (label, today, today_value, formula, value, fmt, meaning) in enumerate(switching):
        row = head + 1 + i
        ws.write_string(row, 0, label)
        if today:
            ws.write_formula(row, 1, "=" + today, fmt, today_value)
        ws.write_formula(row, 2, "=" + formula, fmt, value)
        ws.write_string(row, 3, meaning)
    tornado = SENS_TORNADO_ROW
    assert tornado == head + 7
    ws.write_string(tornado - 1, 0, "Tornado: NPV at a low and a high case of each input", f["subtitle"])
    for col, text in enumerate(
        ("Input (low case / high case)", "NPV, low case (£)", "NPV, high case (£)", "Swing (£)", "Rank")
    ):
        ws.write_string(tornado, col, text, f["bold"])
    cases = [
        (f"{npv}-{SWING}*{pvb}", f"{npv}+{SWING}*{pvb}"),
        (f"{npv}-{SWING}*{pvc}", f"{npv}+{SWING}*{pvc}"),
        (f"{npv}-{SWING}*{pvl}", f"{npv}+{SWING}*{pvl}"),
        (
            f"$B${flow_row + 1}+NPV(discount_rate+{RATE_STEP},{later})",
            f"$B${flow_row + 1}+NPV(discount_rate-{RATE_STEP},{later})",
        ),
    ]
    swings = [abs(high - low) for _, low, high in s.tornado]
    first, last = tornado + 2, tornado + 1 + len(cases)
    for i, ((label, low, high), (low_f, high_f)) in enumerate(zip(s.tornado, cases, strict=True)):
        row = tornado + 1 + i
        ws.write_string(row, 0, label)
        ws.write_formula(row, 1, "=" + low_f, f["money"], low)
        ws.write_formula(row, 2, "=" + high_f, f["money"], high)
        ws.write_formula(row, 3, f"=ABS(C{row + 1}-B{row + 1})", f["money"], swings[i])
        rank = 1 + sum(1 for other in swings if other > swings[i])
        ws.write_formula(row, 4, f"=RANK(D{row + 1},$D${first}:$D${last})", f["integer"], rank)
    ws.set_column(0, 0, 44)
    ws.set_column(1, years, 15)
    ws.set_column(3, 3, 18)


BOARD_TOP = 10  # opportunities and organisations listed on the board view


def write_board(book: Book, spans: Spans) -> None:
    """One landscape page for a board: every figure a formula over Options, Plan, Savings,
    Sensitivity, Baseline and the Summary (the choice of the top ten is the model's, at writing).
    """
    ws, f, data, figures = book.sheet("Board"), book.formats, book.data, book.figures
    a = data.assumptions
    write_heading(
        book,
        ws,
        "Board view: the preferred option on one page",
        "The preferred option against doing nothing and the alternatives; its ten largest opportunities; "
        "its cash flow by financial year and its totals by organisation; the main risks; and the "
        "assumptions that move its NPV most. Every figure is a formula; details are on the other sheets.",
    )
    row = HEADER_ROW
    ws.write_string(row, 0, "Options against doing nothing", f["subtitle"])
    headers = (
        "Option",
        "NPV, long horizon (£)",
        "BCR",
        "One-off cost (£)",
        "Annual saving (£)",
        "Payback (years)",
    )
    keys = ("name", "npv", "bcr", "one_off_cost", "annual_saving", "payback_years")
    for col, text in enumerate((*headers, "Preferred")):
        ws.write_string(row + 1, col, text, f["bold"])
    for o in figures.options:
        r = row + 2 + o.option
        source = OPTION_FIRST + o.option + 1
        for col, key in enumerate(keys):
            value = getattr(o, key)
            if key == "payback_years" and value is None:
                value = "" if o.option == 0 else BEYOND_TEXT
            fmt = None if key in ("name", "payback_years") else f["number"] if key == "bcr" else f["money"]
            cell = f"Options!${ocol(key)}${source}"
            ws.write_formula(r, col, f'=IF(ISBLANK({cell}),"",{cell})', fmt, blank(value))
        ws.write_formula(r, len(keys), f"=Options!${ocol('preferred')}${source}", None, o.preferred)
    row += 8
    row = _top_opportunities(book, ws, row)
    row = _by_year(book, ws, row + 1)
    row = _by_organisation(book, ws, row + 1, spans)
    row = _risks(book, ws, row + 1)
    _assumptions_that_matter(book, ws, row + 1)
    ws.set_column(0, 0, 40)
    ws.set_column(1, max(len(keys), a.horizon_long_years), 14)


def _top_opportunities(book: Book, ws, row: int) -> int:  # type: ignore[no-untyped-def]
    f, data, figures = book.formats, book.data, book.figures
    ws.write_string(row, 0, f"Top {BOARD_TOP} opportunities in the preferred option (by NPV)", f["subtitle"])
    headers = (
        "Application",
        "Organisation",
        "Action",
        "NPV, long horizon (£)",
        "Annual saving (£)",
        "One-off cost (£)",
    )
    for col, text in enumerate(headers):
        ws.write_string(row + 1, col, text, f["bold"])
    frame = (
        pl.concat(
            [
                data.actions.select("app_name", "organisation", "action"),
                figures.savings.select("npv_long", "annual_saving", "one_off_cost"),
            ],
            how="horizontal",
        )
        .with_row_index("__index")
        .filter(pl.Series(figures.recommended, dtype=pl.Boolean) if figures.savings.height else pl.lit(False))
        .filter(pl.col("npv_long") > 0)
        .sort(["npv_long", "__index"], descending=[True, False])
        .head(BOARD_TOP)
    )
    sources = (
        ("app_name", "Plan", plan_letter("app_name")),
        ("organisation", "Plan", plan_letter("organisation")),
        ("action", "Plan", plan_letter("action")),
        ("npv_long", "Savings", savings_letter("npv_long")),
        ("annual_saving", "Savings", savings_letter("annual_saving")),
        ("one_off_cost", "Savings", savings_letter("one_off_cost")),
    )
    for i, record in enumerate(frame.iter_rows(named=True)):
        excel = record["__index"] + FIRST_DATA_ROW + 1
        for col, (key, sheet, letter) in enumerate(sources):
            fmt = f["money"] if sheet == "Savings" else None
            ws.write_formula(row + 2 + i, col, f"={sheet}!${letter}${excel}", fmt, record[key])
    return row + 2 + max(frame.height, 1)


def _by_year(book: Book, ws, row: int) -> int:  # type: ignore[no-untyped-def]
    f, data, figures = book.formats, book.data, book.figures
    best = figures.options[figures.preferred]
    first = financial_year(data.as_of) if data.as_of else None
    ws.write_string(row, 0, "Net cash flow of the preferred option by financial year (£)", f["subtitle"])
    ws.write_string(row + 1, 0, "Year", f["bold"])
    ws.write_string(row + 2, 0, "Net cash flow (£)")
    for t in range(data.assumptions.horizon_long_years):
        ws.write_string(row + 1, 1 + t, year_label(t, first), f["bold"])
        ws.write_formula(row + 2, 1 + t, "=" + preferred_flow_formula(t), f["money"], best.flows[t])
    return row + 3


def _by_organisation(book: Book, ws, row: int, spans: Spans) -> int:  # type: ignore[no-untyped-def]
    f, data, figures = book.formats, book.data, book.figures
    ws.write_string(
        row, 0, f"The preferred option by organisation (the {BOARD_TOP} with most NPV)", f["subtitle"]
    )
    headers = ("Organisation", "Actions", "One-off cost (£)", "Annual saving (£)", "NPV, long horizon (£)")
    for col, text in enumerate(headers):
        ws.write_string(row + 1, col, text, f["bold"])
    if not figures.savings.height:
        return row + 3
    chosen = pl.concat(
        [
            data.actions.select("organisation"),
            figures.savings.select("one_off_cost", "annual_saving", "npv_long"),
        ],
        how="horizontal",
    ).filter(pl.Series(figures.recommended, dtype=pl.Boolean))
    totals = organisation_totals(chosen).head(BOARD_TOP)
    within = spans.within("preferred_option")
    org = spans.plan("organisation")
    for i, record in enumerate(totals.iter_rows(named=True)):
        r = row + 2 + i
        name = f"$A{r + 1}"
        ws.write_string(r, 0, str(record["organisation"]))
        ws.write_formula(r, 1, f"=COUNTIFS({within},{org},{name})", f["count"], record["actions"])
        for col, key in enumerate(("one_off_cost", "annual_saving", "npv_long"), start=2):
            formula = f"=SUMIFS({spans.savings(key)},{within},{org},{name})"
            ws.write_formula(r, col, formula, f["money"], record[key])
    return row + 2 + max(totals.height, 1)


def organisation_totals(chosen: pl.DataFrame) -> pl.DataFrame:
    """Actions and money per organisation, most NPV first: the Board's cached figures.

    Each group's amounts are summed in value order, so the floating-point total, and the order
    it ranks in, do not depend on which thread summed which rows (they did, in the last digit).
    """
    return (
        chosen.group_by("organisation")
        .agg(
            pl.len().alias("actions"),
            *(pl.col(c).sort().sum() for c in ("one_off_cost", "annual_saving", "npv_long")),
        )
        .sort(["npv_long", "organisation"], descending=[True, False])
    )


def _risks(book: Book, ws, row: int) -> int:  # type: ignore[no-untyped-def]
    f, data, figures = book.formats, book.data, book.figures
    best = figures.options[figures.preferred]
    base = data.baseline
    ws.write_string(row, 0, "Main risks", f["subtitle"])
    out_of_support = int(base.filter(pl.col("support_end_year") == 0).height) if base.height else 0
    first, last = BASELINE_HEADER + 2, BASELINE_HEADER + 1 + max(base.height, 1)
    legacy = data.legacy
    estimated = (
        figures.savings.with_columns(data.actions.get_column("cost_basis").fill_null("")).filter(
            pl.Series(figures.recommended, dtype=pl.Boolean) & (pl.col("cost_basis") != "stated")
        )
        if figures.savings.height
        else figures.savings
    )
    lines = [
        (
            "Red-rated legacy applications",
            'INDEX(Summary!$B$4:$B$40,MATCH("Red-rated legacy applications",Summary!$A$4:$A$40,0))',
            int(legacy.get_column("red_rated").fill_null(False).sum()),
            f["count"],
        ),
        (
            "Live applications already out of security support",
            f"COUNTIFS(Baseline!$J${first}:$J${last},0)",
            out_of_support,
            f["count"],
        ),
        (
            "Annual saving resting on estimated costs (£)",
            f"SUMIFS({_savings_span(book, 'annual_saving')},{_within(book)},"
            f'{_plan_span(book, "cost_basis")},"<>stated")',
            float(estimated.get_column("annual_saving").sum()) if estimated.height else 0.0,
            f["money"],
        ),
        ("Stated costs excluded as implausible (£)", "baseline_excluded", _excluded(base), f["money"]),
        (
            "Optimism bias in the one-off cost (£)",
            option_cell("optimism_bias"),
            best.optimism_bias,
            f["money"],
        ),
    ]
    for i, (label, formula, value, fmt) in enumerate(lines):
        ws.write_string(row + 1 + i, 0, label)
        ws.write_formula(row + 1 + i, 1, "=" + formula, fmt, value)
    return row + 1 + len(lines)


def _excluded(base: pl.DataFrame) -> float:
    if not base.height:
        return 0.0
    return float(base.filter(pl.col("excluded")).get_column("stated_cost").fill_null(0).sum())


def _spans(book: Book) -> Spans:
    return Spans(FIRST_DATA_ROW + max(book.data.actions.height, 1) - 1)


def _savings_span(book: Book, key: str) -> str:
    return _spans(book).savings(key)


def _plan_span(book: Book, key: str) -> str:
    return _spans(book).plan(key)


def _within(book: Book) -> str:
    return _spans(book).within("preferred_option")


def _assumptions_that_matter(book: Book, ws, row: int) -> None:  # type: ignore[no-untyped-def]
    f, s = book.formats, book.figures.sensitivity
    assert s is not None
    ws.write_string(row, 0, "The assumptions that matter most (NPV at a low and a high case)", f["subtitle"])
    for col, text in enumerate(("Input (low case / high case)", "NPV, low (£)", "NPV, high (£)", "Rank")):
        ws.write_string(row + 1, col, text, f["bold"])
    swings = [abs(high - low) for _, low, high in s.tornado]
    order = sorted(range(len(s.tornado)), key=lambda i: (-swings[i], i))
    for k, i in enumerate(order):
        label, low, high = s.tornado[i]
        source = SENS_TORNADO_ROW + 2 + i
        r = row + 2 + k
        ws.write_string(r, 0, label)
        ws.write_formula(r, 1, f"=Sensitivity!$B${source}", f["money"], low)
        ws.write_formula(r, 2, f"=Sensitivity!$C${source}", f["money"], high)
        rank = 1 + sum(1 for other in swings if other > swings[i])
        ws.write_formula(r, 3, f"=Sensitivity!$E${source}", f["integer"], rank)
