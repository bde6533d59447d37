"""The appraisal sheets: Options (Green Book options against doing nothing), Sensitivity
(switching values and a tornado table for the preferred option) and Baseline (the run cost the
plan uses, reconciled with the stated cost). Every figure is a live formula over Plan, Savings,
Cash flow and Assumptions; the Python model's figures are the cached values (`figures.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from appconsol.analyses.plan_options import OPTION_NAMES
from appconsol.report.plan.common import Book, write_heading, write_table
from appconsol.report.plan.formulas import (
    BEYOND_TEXT,
    FIRST_DATA_ROW,
    HEADER_ROW,
    discount_factor_ref,
    flow_col,
    plan_letter,
    savings_letter,
)
from appconsol.report.plan.rows import Column, PlanWorksheet

OPTION_COLUMNS = (
    ("option", "Option"),
    ("name", "Name"),
    ("actions", "Actions"),
    ("before_bias", "One-off cost before optimism bias (£)"),
    ("optimism_bias", "Optimism bias (£)"),
    ("one_off_cost", "One-off cost (£)"),
    ("capital", "of which capital (£)"),
    ("revenue", "of which revenue (£)"),
    ("annual_saving", "Annual saving at steady state (£)"),
    ("pv_costs", "PV costs (£)"),
    ("pv_benefits", "PV benefits (£)"),
    ("npv", "NPV, long horizon (£)"),
    ("npv_short", "NPV, short horizon (£)"),
    ("bcr", "Benefit-cost ratio"),
    ("cashable_npv", "Cashable NPV (£)"),
    ("payback_years", "Payback (years)"),
    ("whole_life_cost", "Whole-life cost (PV, £)"),
    ("pv_labour", "PV labour with bias (£)"),
    ("score", "NPV within the one-off budget (the rule)"),
    ("preferred", "Preferred"),
)
OPTION_FIRST = HEADER_ROW + 1  # 0-based row of option 0
PREFERRED_ROW = OPTION_FIRST + 5
DO_NOTHING_FIRST = PREFERRED_ROW + 4  # header row of the do-nothing block
YEARLY_FIRST = DO_NOTHING_FIRST + 7  # header row of the options' yearly block
BASELINE_HEADER = HEADER_ROW + 9  # the Baseline table's header row, below the reconciliation
RULE = (
    "Rule: the preferred option has the highest NPV over the long horizon among the options whose one-off "
    "cost is within one_off_budget (0: no limit), doing nothing included; on a tie to the penny, the smaller "
    "option. An action counts in its option when its NPV is not negative or it has a justification."
)


def ocol(key: str) -> str:
    return xl_col_to_name([k for k, _ in OPTION_COLUMNS].index(key))


def option_cell(key: str) -> str:
    """The preferred option's figure, as a formula over the Options table."""
    letter = ocol(key)
    return f"INDEX(Options!${letter}${OPTION_FIRST + 1}:${letter}${OPTION_FIRST + 4},preferred_option+1)"


@dataclass(frozen=True)
class Spans:
    """Absolute ranges of the action rows on Plan, Savings and Cash flow."""

    last: int  # 0-based last data row

    def plan(self, key: str) -> str:
        letter = plan_letter(key)
        return f"Plan!${letter}${FIRST_DATA_ROW + 1}:${letter}${self.last + 1}"

    def savings(self, key: str) -> str:
        letter = savings_letter(key)
        return f"Savings!${letter}${FIRST_DATA_ROW + 1}:${letter}${self.last + 1}"

    def flows(self, year: int) -> str:
        letter = flow_col(year)
        return f"'Cash flow'!${letter}${FIRST_DATA_ROW + 1}:${letter}${self.last + 1}"

    def within(self, option: str) -> str:
        """SUMIFS criteria: actions of options up to `option` (a cell) that count in it."""
        return f'{self.plan("option")},"<="&{option},{self.savings("in_option")},1'


def _cell(
    ws: PlanWorksheet, row: int, col: int, formula: str | None, value: object, fmt: object = None
) -> None:
    if formula is None:
        if isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        else:
            ws.write_number(row, col, float(value), fmt)  # type: ignore[arg-type]
        return
    cached = "" if value is None else value
    ws.write_formula(row, col, "=" + formula, fmt, cached)


def write_options(book: Book, spans: Spans) -> None:
    ws, f, a, figures = book.sheet("Options"), book.formats, book.data.assumptions, book.figures
    write_heading(
        book,
        ws,
        "Options: each option appraised against doing nothing (HM Treasury Green Book, live formulas)",
        "0 do nothing (run cost carried forward, with the extended-support premium of platforms out of "
        "support); 1 do minimum (retire); 2 consolidate and share; 3 also the cloud moves. Options are "
        "cumulative. PV costs are the discounted one-off costs; PV benefits the discounted savings and "
        "legacy risk avoided; BCR = PV benefits / PV costs. " + RULE,
    )
    years = a.horizon_long_years
    for col, (_, header) in enumerate(OPTION_COLUMNS):
        ws.write_string(HEADER_ROW, col, header, f["bold"])
    money = f["money"]
    for o in figures.options:
        row = OPTION_FIRST + o.option
        r = row + 1
        k = f"$A{r}"
        crit = spans.within(k)
        yearly = YEARLY_FIRST + 1 + 3 * (o.option - 1)  # 0-based row of its flows
        paid = f"$B${yearly + 3}:${xl_col_to_name(years)}${yearly + 3}"

        def sumifs(key: str, crit: str = crit) -> str:
            return f"SUMIFS({spans.savings(key)},{crit})"

        none = o.option == 0
        cells = {
            "option": (None, o.option, f["integer"]),
            "name": (None, o.name, None),
            "actions": (None if none else f"COUNTIFS({crit})", o.actions, f["count"]),
            "before_bias": (
                f"{ocol('one_off_cost')}{r}-{ocol('optimism_bias')}{r}",
                o.one_off_cost - o.optimism_bias,
                money,
            ),
            "optimism_bias": (None if none else sumifs("optimism_bias"), o.optimism_bias, money),
            "one_off_cost": (None if none else sumifs("one_off_cost"), o.one_off_cost, money),
            "capital": (None if none else sumifs("capital"), o.capital, money),
            "revenue": (None if none else sumifs("revenue"), o.revenue, money),
            "annual_saving": (None if none else sumifs("annual_saving"), o.annual_saving, money),
            "pv_costs": (None if none else sumifs("pv_costs"), o.pv_costs, money),
            "pv_benefits": (None if none else sumifs("pv_benefits"), o.pv_benefits, money),
            "npv": (f"{ocol('pv_benefits')}{r}-{ocol('pv_costs')}{r}", o.npv, f["money_bold"]),
            "npv_short": (None if none else sumifs("npv_short"), o.npv_short, money),
            "bcr": (
                f'IF({ocol("pv_costs")}{r}>0,{ocol("pv_benefits")}{r}/{ocol("pv_costs")}{r},"")',
                o.bcr,
                f["number"],
            ),
            "cashable_npv": (
                None if none else f"{sumifs('pv_cashable')}-{ocol('pv_costs')}{r}",
                o.cashable_npv,
                money,
            ),
            "payback_years": (
                None if none else f'IFERROR(MATCH(1,{paid},0),"{BEYOND_TEXT}")',
                ("" if none else BEYOND_TEXT) if o.payback_years is None else o.payback_years,
                f["integer"],
            ),
            "whole_life_cost": (f"do_nothing_cost-{ocol('npv')}{r}", o.whole_life_cost, money),
            "pv_labour": (None if none else sumifs("pv_labour"), o.pv_labour, money),
            "score": (
                f"IF(OR({k}=0,one_off_budget<=0,{ocol('one_off_cost')}{r}<=one_off_budget),"
                f"ROUND({ocol('npv')}{r},2),-1E+300)",
                round(o.npv, 2) if o.eligible else -1e300,
                money,
            ),
            "preferred": (f"{k}=preferred_option", o.preferred, None),
        }
        for col, (key, _) in enumerate(OPTION_COLUMNS):
            formula, value, fmt = cells[key]
            if none and formula is None and key == "payback_years":
                continue  # do nothing has no payback: left blank
            _cell(ws, row, col, formula, value, fmt)
    score = f"${ocol('score')}${OPTION_FIRST + 1}:${ocol('score')}${OPTION_FIRST + 4}"
    ws.write_string(PREFERRED_ROW, 0, "Preferred option", f["bold"])
    ws.write_formula(
        PREFERRED_ROW,
        1,
        f"=INDEX($A${OPTION_FIRST + 1}:$A${OPTION_FIRST + 4},MATCH(MAX({score}),{score},0))",
        f["integer"],
        figures.preferred,
    )
    book.workbook.define_name("preferred_option", f"=Options!$B${PREFERRED_ROW + 1}")
    ws.write_formula(PREFERRED_ROW, 2, "=" + option_cell("name"), None, OPTION_NAMES[figures.preferred])
    ws.write_string(PREFERRED_ROW + 1, 0, RULE, f["note"])
    _write_do_nothing(book, ws)
    _write_option_years(book, ws, spans)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 36)
    ws.set_column(2, len(OPTION_COLUMNS), 15)
    ws.freeze_panes(HEADER_ROW + 1, 2)


def _write_do_nothing(book: Book, ws: PlanWorksheet) -> None:
    f, a, figures = book.formats, book.data.assumptions, book.figures
    years, head = a.horizon_long_years, DO_NOTHING_FIRST
    base = book.data.baseline
    first = BASELINE_HEADER + 1
    last = first + max(base.height, 1)
    used = f"Baseline!$G${first + 1}:$G${last}"
    ends = f"Baseline!$J${first + 1}:$J${last}"
    ws.write_string(
        head - 1, 0, "Do nothing: today's run cost carried forward, with priced legacy risk", f["subtitle"]
    )
    ws.write_string(head, 0, "Year", f["bold"])
    labels = ("Run cost (£)", "Extended-support premium (£)", "Discounted (£)")
    for i, label in enumerate(labels, start=1):
        ws.write_string(head + i, 0, label, f["bold"])
    run = float(base.get_column("annual_run_cost").sum()) if base.height else 0.0
    for t in range(years):
        col = 1 + t
        letter = xl_col_to_name(col)
        total = figures.do_nothing_yearly[t] if t < len(figures.do_nothing_yearly) else 0.0
        factor = 1.0 / (1.0 + a.discount_rate) ** t
        ws.write_number(head, col, t, f["integer"])
        ws.write_formula(head + 1, col, f"=SUM({used})", f["money"], run)
        ws.write_formula(
            head + 2,
            col,
            f'=extended_support_share*SUMIFS({used},{ends},"<="&{letter}${head + 1})',
            f["money"],
            total - run,
        )
        ws.write_formula(
            head + 3,
            col,
            f"=({letter}{head + 2}+{letter}{head + 3})*{discount_factor_ref(t)}*({t}<horizon_long_years)",
            f["money"],
            total * factor,
        )
    ws.write_string(head + 4, 0, "Whole-life cost of doing nothing (PV, £)", f["bold"])
    whole = sum(v * (1.0 / (1.0 + a.discount_rate) ** t) for t, v in enumerate(figures.do_nothing_yearly))
    ws.write_formula(
        head + 4, 1, f"=SUM($B${head + 4}:${xl_col_to_name(years)}${head + 4})", f["money_bold"], whole
    )
    book.workbook.define_name("do_nothing_cost", f"=Options!$B${head + 5}")


def _write_option_years(book: Book, ws: PlanWorksheet, spans: Spans) -> None:
    f, a, figures = book.formats, book.data.assumptions, book.figures
    years, head = a.horizon_long_years, YEARLY_FIRST
    ws.write_string(
        head - 1, 0, "Each option's net cash flow by year, discounted and cumulated", f["subtitle"]
    )
    ws.write_string(head, 0, "Year", f["bold"])
    for t in range(years):
        ws.write_number(head, 1 + t, t, f["integer"])
    for o in figures.options[1:]:
        first = head + 1 + 3 * (o.option - 1)
        for i, label in enumerate(("net cash flow (£)", "cumulative discounted (£)", "paid back (1 = yes)")):
            ws.write_string(first + i, 0, f"{o.option}: {label}", f["bold"])
        cumulative, seen = 0.0, False
        option_cell_ref = f"$A${OPTION_FIRST + o.option + 1}"
        for t in range(years):
            col = 1 + t
            letter = xl_col_to_name(col)
            flow = o.flows[t]
            cumulative += flow / (1.0 + a.discount_rate) ** t
            seen = seen or flow > 0
            ws.write_formula(
                first, col, f"=SUMIFS({spans.flows(t)},{spans.within(option_cell_ref)})", f["money"], flow
            )
            previous = f"{xl_col_to_name(col - 1)}{first + 2}+" if t else ""
            ws.write_formula(
                first + 1,
                col,
                f"={previous}{letter}{first + 1}*{discount_factor_ref(t)}",
                f["money"],
                cumulative,
            )
            ws.write_formula(
                first + 2,
                col,
                f'=IF(AND({letter}{first + 2}>=-0.000000001,COUNTIF($B{first + 1}:{letter}{first + 1},">0")>0,'
                f"{t}<horizon_long_years),1,0)",
                f["integer"],
                1.0 if cumulative >= -1e-9 and seen else 0.0,
            )


def preferred_flow_formula(t: int) -> str:
    """The preferred option's net cash flow in year t (0 when doing nothing is preferred)."""
    letter = xl_col_to_name(1 + t)
    rows = [YEARLY_FIRST + 1 + 3 * (k - 1) + 1 for k in (1, 2, 3)]
    return f"CHOOSE(preferred_option+1,0,{','.join(f'Options!${letter}${r}' for r in rows)})"


def blank(value: float | None) -> object:
    return "" if value is None else value


def write_baseline(book: Book) -> None:
    ws, f, data = book.sheet("Baseline"), book.formats, book.data
    base = data.baseline
    write_heading(
        book,
        ws,
        "Baseline: the annual run cost the plan uses, reconciled with the cost stated (live formulas)",
        "A stated cost that rule DQ004 flags as an error (a negative line, or above cost_ceiling) is excluded "
        "and estimated like a missing one; every cost carries its basis: stated, reference (the median of "
        "comparable applications) or default. Estimated costs are never cashable."
        + data.note_for("plan_baseline"),
    )
    table_header = BASELINE_HEADER
    first = table_header + 1
    last = first + max(base.height, 1)
    span = {c: f"${c}${first + 1}:${c}${last}" for c in "DEG H".replace(" ", "")}
    stated = float(base.get_column("stated_cost").fill_null(0).sum()) if base.height else 0.0
    excluded = (
        float(base.filter(pl.col("excluded")).get_column("stated_cost").fill_null(0).sum())
        if base.height
        else 0.0
    )
    used = float(base.get_column("annual_run_cost").sum()) if base.height else 0.0
    estimated = (
        float(base.filter(pl.col("cost_basis") != "stated").get_column("annual_run_cost").sum())
        if base.height
        else 0.0
    )
    lines = [
        ("Stated annual cost, live applications (£)", f"SUM({span['D']})", stated, "baseline_stated"),
        (
            "less: excluded as implausible, an error under DQ004 (£)",
            f"SUMIFS({span['D']},{span['E']},TRUE)",
            excluded,
            "baseline_excluded",
        ),
        (
            "plus: estimated where no usable cost was stated (£)",
            f'SUMIFS({span["G"]},{span["H"]},"<>stated")',
            estimated,
            "baseline_estimated",
        ),
        ("= annual run cost the plan uses (£)", f"SUM({span['G']})", used, "baseline_used"),
        (
            "check: stated - excluded + estimated - used (£)",
            "B4-B5+B6-B7",
            stated - excluded + estimated - used,
            None,
        ),
    ]
    ws.write_string(HEADER_ROW, 0, "Reconciliation", f["subtitle"])
    for i, (label, formula, value, name) in enumerate(lines):
        row = HEADER_ROW + 1 + i
        ws.write_string(row, 0, label, f["bold"] if name == "baseline_used" else None)
        ws.write_formula(
            row, 1, "=" + formula, f["money_bold"] if name == "baseline_used" else f["money"], value
        )
        if name:
            book.workbook.define_name(name, f"=Baseline!$B${row + 1}")
    columns = [
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Application", "text", "app_name", width=30),
        Column("Stated annual cost (£)", "number", "stated_cost", f["money"], 15),
        Column("Excluded (DQ004 error)", "bool", "excluded", width=10),
        Column("Why excluded", "text", "exclusion", width=30),
        Column("Annual run cost used (£)", "number", "annual_run_cost", f["money"], 15),
        Column("Basis", "text", "cost_basis", width=10),
        Column("How estimated", "text", "cost_method", width=50),
        Column("Support ends (year)", "integer", "support_end_year", f["integer"], 10),
    ]
    write_table(book, ws, "tblBaseline", columns, base, header_row=table_header, widths=True)
    ws.set_column(0, 0, 52)
