"""The plan workbook read back with openpyxl: sheets, tables, names, validations, charts, links, values."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from appconsol.analyses.savings import Assumptions, appraise
from appconsol.report.plan import rows as plan_rows
from appconsol.report.plan import safe, write_plan
from appconsol.report.plan.common import PlanTooLargeError
from appconsol.report.plan.formulas import FORMULA_ASSUMPTIONS, action_costs
from appconsol.store import Store
from plan_store import build_plan_store

SHEETS = [
    "Cover",
    "Summary",
    "Board",
    "Options",
    "Sensitivity",
    "Assumptions",
    "Plan",
    "Savings",
    "Cash flow",
    "Partners",
    "Baseline",
    "Overlaps",
    "Legacy risk",
    "Cloud & TIME",
    "Findings",
    "Data quality",
    "Applications",
    "Rules",
]


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_plan_store(tmp_path_factory.mktemp("plan") / "store.duckdb", apps=60, orgs=3)


@pytest.fixture(scope="module")
def plan(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("out") / "plan.xlsx"
    with Store(store_path, read_only=True) as store:
        write_plan(store, output)
    return output


@pytest.fixture(scope="module")
def book(plan: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(plan)


@pytest.fixture(scope="module")
def cached(plan: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(plan, data_only=True)


def _header(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [c.value for c in ws[3] if c.value is not None]


def _rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    header = [c.value for c in ws[3]]
    out = []
    for row in ws.iter_rows(min_row=4, values_only=True):
        if all(v is None for v in row):
            break
        out.append(dict(zip(header, row, strict=False)))
    return out


def test_plan_has_every_sheet_in_order_each_with_a_title_and_a_note(book):
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert isinstance(ws["A1"].value, str) and ws["A1"].value, ws.title
        assert isinstance(ws["A2"].value, str) and len(ws["A2"].value) > 40, ws.title


def test_table_sheets_have_excel_tables_with_filters_and_frozen_headers(book):
    for name in ("Plan", "Savings", "Cash flow", "Findings", "Applications", "Legacy risk", "Cloud & TIME"):
        ws = book[name]
        assert ws.tables, name
        table = next(iter(ws.tables.values()))
        assert table.ref.startswith("A3:"), (name, table.ref)
        assert table.autoFilter is not None
        assert ws.freeze_panes == "A4", name
    # The table covers every data row.
    plan = book["Plan"]
    ref = next(iter(plan.tables.values())).ref
    assert int(re.search(r"(\d+)$", ref).group(1)) == plan.max_row


def test_every_assumption_is_a_named_validated_cell_with_its_source(book, store_path):
    ws = book["Assumptions"]
    names = book.defined_names
    validated = {str(ref) for dv in ws.data_validations.dataValidation for ref in dv.sqref.ranges}
    described = Assumptions().describe()
    for item in described:
        assert item.name in names, item.name
        destination = next(iter(names[item.name].destinations))
        assert destination[0] == "Assumptions"
        cell = destination[1].replace("$", "")
        assert ws[cell].value == pytest.approx(float(item.value))
        assert cell in validated, item.name
        row = ws[cell].row
        assert ws.cell(row, 4).value, f"{item.name} has no source note"
    for name in ("discount_factors", "in_short_horizon", "in_long_horizon", "years"):
        assert name in names
    assert set(FORMULA_ASSUMPTIONS) <= {a.name for a in described}


def test_summary_has_three_native_charts_over_its_formula_cells(plan):
    with zipfile.ZipFile(plan) as archive:
        charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 3
        text = " ".join(archive.read(n).decode() for n in charts)
    assert text.count("<c:f>Summary!") >= 5
    for title in ("Savings by year", "Applications by disposition", "Legacy RAG by organisation"):
        assert title in text


def test_savings_and_cash_flow_are_formulas_over_plan_and_assumptions(book):
    savings, flows = book["Savings"], book["Cash flow"]
    header = _header(savings)
    one_off = savings.cell(4, header.index("One-off cost (£)") + 1).value
    assert one_off.startswith("=SUM(")
    # Optimism bias is its own line (issue 11), at a rate set by the bounds and the action's mitigation.
    rate = savings.cell(4, header.index("Optimism bias on labour (rate)") + 1).value
    assert (
        "optimism_bias_capital" in rate and "optimism_bias_capital_lower" in rate and "ob_mitigation_" in rate
    )
    migration = savings.cell(4, header.index("Migration (£)") + 1).value
    assert "Plan!" in migration and "day_rate" in migration
    npv = savings.cell(5, header.index("NPV long horizon (£)") + 1).value
    assert npv.startswith("=SUMPRODUCT('Cash flow'!") and "discount_factors" in npv
    # Years are UK financial years (issue 11); the store's as-of date is 2026-11-25.
    year0 = flows.cell(6, _header(flows).index("FY 2026-27 (£)") + 1).value
    assert "Savings!" in year0 and "horizon_long_years" in year0 and year0.startswith("=")


def test_cached_values_are_the_savings_model_figures(cached, store_path):
    a = Assumptions()
    with Store(store_path, read_only=True) as store:
        actions = store.query("SELECT * FROM plan_actions ORDER BY organisation, app_id, action_id")
    savings = _rows(cached["Savings"])
    assert len(savings) == actions.height
    for row, sheet_row in zip(actions.iter_rows(named=True), savings, strict=True):
        result = appraise(action_costs(row, a), a)
        assert sheet_row["Action id"] == row["action_id"]
        assert sheet_row["One-off cost (£)"] == pytest.approx(result.one_off_cost, abs=0.005)
        assert sheet_row["Annual saving (£)"] == pytest.approx(result.annual_saving, abs=0.005)
        assert sheet_row["NPV short horizon (£)"] == pytest.approx(result.npv_short, abs=0.005)
        assert sheet_row["NPV long horizon (£)"] == pytest.approx(result.npv_long, abs=0.005)
        payback = result.discounted_payback_year
        # Payback is a period in years (issue 11: it was a year index); blank when nothing moves.
        want = "" if not row["migrates"] else "beyond horizon" if payback is None else payback + 1
        assert (sheet_row["Payback (years)"] or "") == want
        # The store's own figures (written by the planner) agree with the workbook's.
        assert row["npv_10"] == pytest.approx(result.npv_long, abs=0.01)


def test_plan_rows_link_to_their_application_findings_and_group(book):
    plan = book["Plan"]
    header = _header(plan)
    link = plan.cell(4, header.index("Application row") + 1).value
    match = re.fullmatch(r"""=HYPERLINK\("#'Applications'!A(\d+)","application"\)""", link)
    assert match, link
    target = int(match.group(1))
    apps = book["Applications"]
    app_header = _header(apps)
    assert (
        apps.cell(target, app_header.index("App id") + 1).value
        == plan.cell(4, header.index("App id") + 1).value
    )
    findings_link = plan.cell(4, header.index("Findings") + 1).value
    row = int(re.search(r"!A(\d+)", findings_link).group(1))
    findings = book["Findings"]
    f_header = _header(findings)
    assert (
        findings.cell(row, f_header.index("App id") + 1).value
        == plan.cell(4, header.index("App id") + 1).value
    )


def test_money_and_dates_have_finance_formats_and_rag_is_coloured(book):
    plan = book["Plan"]
    header = _header(plan)
    assert "£" in plan.cell(4, header.index("Annual run cost (£)") + 1).number_format
    assert plan.cell(4, header.index("Earliest date") + 1).number_format == "yyyy-mm-dd"
    legacy = book["Legacy risk"]
    rules = [r for cf in legacy.conditional_formatting for r in cf.rules]
    assert any('"red"' in (r.formula or [""])[0] for r in rules)


def test_a_store_without_analyses_still_gives_a_plan_that_says_what_is_missing(tmp_path):
    path = build_plan_store(tmp_path / "loaded.duckdb", apps=9, orgs=3, analyses=False)
    with Store(path) as store:
        summary = write_plan(store, tmp_path / "plan.xlsx")
    assert "plan_actions" in summary.missing
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    assert "Not in this store: `plan_actions`" in book["Plan"]["A2"].value
    assert "`legacy_scores`" in book["Legacy risk"]["A2"].value
    assert book.sheetnames == SHEETS


def _cells(path: Path) -> dict[str, dict[str, object]]:
    book = openpyxl.load_workbook(path)
    return {
        ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}
        for ws in book.worksheets
    }


def test_fast_rows_write_the_same_cells_as_xlsxwriters_own_methods(store_path, tmp_path, monkeypatch):
    with Store(store_path, read_only=True) as store:
        write_plan(store, tmp_path / "fast.xlsx")
        monkeypatch.setattr(plan_rows, "FAST_ROWS", False)
        write_plan(store, tmp_path / "slow.xlsx")
    fast, slow = _cells(tmp_path / "fast.xlsx"), _cells(tmp_path / "slow.xlsx")
    assert fast.keys() == slow.keys()

    def same(a: object, b: object) -> bool:
        # xlsxwriter prints 16 significant digits, the fast path the shortest exact repr.
        if isinstance(a, float) and isinstance(b, float):
            return a == pytest.approx(b, rel=1e-14)
        return a == b

    for sheet in fast:
        differ = {
            k
            for k in fast[sheet].keys() | slow[sheet].keys()
            if not same(fast[sheet].get(k), slow[sheet].get(k))
        }
        # The Cover's "Written" time is the only cell allowed to differ (the two writes may fall
        # in different minutes); find it by its label rather than by a fixed address.
        written = {f"B{k[1:]}" for k, v in fast["Cover"].items() if k.startswith("A") and v == "Written"}
        assert differ <= written if sheet == "Cover" else not differ, (sheet, sorted(differ)[:5])


def test_long_tables_continue_on_numbered_sheets_and_links_follow(store_path, tmp_path, monkeypatch):
    monkeypatch.setattr(safe, "EXCEL_MAX_ROWS", 33)  # 30 data rows a sheet
    with Store(store_path, read_only=True) as store:
        write_plan(store, tmp_path / "split.xlsx")
    book = openpyxl.load_workbook(tmp_path / "split.xlsx")
    assert [n for n in book.sheetnames if n.startswith("Applications")] == [
        "Applications",
        "Applications (2)",
    ]
    assert book["Applications (2)"].max_row == 3 + 30
    plan = book["Plan"]
    header = _header(plan)
    targets = [plan.cell(r, header.index("Application row") + 1).value for r in range(4, plan.max_row + 1)]
    assert any("'Applications (2)'!" in t for t in targets)
    for target in targets:
        sheet, row = re.search(r"#'([^']+)'!A(\d+)", target).groups()
        app_row = plan.cell(targets.index(target) + 4, header.index("App id") + 1).value
        assert book[sheet].cell(int(row), 2).value == app_row


def test_a_plan_too_long_for_one_sheet_is_refused_clearly(store_path, tmp_path, monkeypatch):
    monkeypatch.setattr(safe, "EXCEL_MAX_ROWS", 12)
    with (
        Store(store_path, read_only=True) as store,
        pytest.raises(PlanTooLargeError, match=r"sheet 'Plan' would need [\d,]+ rows, past Excel's 12"),
    ):
        write_plan(store, tmp_path / "refused.xlsx")
    assert not (tmp_path / "refused.xlsx").exists()


def test_partner_shares_split_costs_and_savings_as_the_model_does(cached):
    from appconsol.analyses.savings import split_by_share

    savings = {row["Action id"]: row for row in _rows(cached["Savings"])}
    partners = _rows(cached["Partners"])
    assert partners
    by_action: dict[str, list[dict[str, object]]] = {}
    for row in partners:
        by_action.setdefault(str(row["Action id"]), []).append(row)
    for action, rows in by_action.items():
        shares = {str(i): float(r["Share (users or agreed)"]) for i, r in enumerate(rows)}
        split = split_by_share(float(savings[action]["One-off cost (£)"]), shares)
        for i, row in enumerate(rows):
            assert row["One-off cost share (£)"] == pytest.approx(split[str(i)], abs=0.005)


def test_sheets_print_landscape_fit_to_width_with_repeated_headers_and_a_one_page_board_view(book):
    for name in ("Plan", "Savings", "Cash flow", "Partners", "Options", "Sensitivity", "Baseline"):
        ws = book[name]
        assert ws.page_setup.orientation == "landscape", name
        # 1 is the file format's default, which writers leave out.
        assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
    for name in ("Plan", "Savings", "Cash flow", "Partners"):
        assert book[name].print_title_rows == "$3:$3", name
    assert book["Baseline"].print_title_rows == "$12:$12"
    summary = book["Summary"]
    assert (summary.page_setup.fitToWidth or 1) == 1 and (summary.page_setup.fitToHeight or 1) == 1
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.print_area and "$A$1:" in summary.print_area


def test_the_board_view_fits_one_page_and_lists_the_preferred_options_top_opportunities(book, cached):
    board = book["Board"]
    assert board.page_setup.orientation == "landscape" and board.sheet_properties.pageSetUpPr.fitToPage
    assert (board.page_setup.fitToHeight or 1) == 1
    text = [c for row in cached["Board"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    for heading in ("Options against doing nothing", "Main risks", "The assumptions that matter most"):
        assert any(t.startswith(heading) for t in text), heading
    assert any(t.startswith("Top 10 opportunities") for t in text)
    # Each opportunity reads its Plan and Savings row: a formula, not a copied figure.
    formulas = [
        c.value
        for row in board.iter_rows()
        for c in row
        if isinstance(c.value, str) and "Savings!$" in c.value
    ]
    assert len(formulas) >= 3
