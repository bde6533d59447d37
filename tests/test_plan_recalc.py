"""The workbook's formulas, recalculated by LibreOffice, give the savings model's figures.

Two copies of one plan go through LibreOffice in a single run: one with every cached value
removed (so each figure can only come from recalculating its formula), and one with assumptions
changed in the Assumptions sheet. Every formula cell of the first must equal the figure the
Python model wrote (within a penny); the totals of the second must move exactly as
`savings.appraise` with the changed assumptions says.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from appconsol.analyses.plan_sensitivity import sensitivity
from appconsol.analyses.savings import Assumptions, appraise
from appconsol.report.plan import write_plan
from appconsol.report.plan.data import read_plan_data
from appconsol.report.plan.figures import model_figures
from appconsol.report.plan.formulas import action_costs
from appconsol.store import Store
from libreoffice import convert
from plan_store import build_plan_store

CHANGES = {"discount_rate": 0.05, "day_rate": 800.0, "effort_rehost": 0.7, "optimism_bias_capital": 0.5}
PENNY = 0.005


def _strip_cached_values(source: Path, target: Path) -> None:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb"(<f[^>]*/>|</f>)<v>[^<]*</v>", rb"\1", data)
            zout.writestr(item, data)


def _change_assumptions(source: Path, target: Path) -> None:
    book = openpyxl.load_workbook(source)
    for name, value in CHANGES.items():
        sheet, cell = next(iter(book.defined_names[name].destinations))
        book[sheet][cell.replace("$", "")] = value
    book.save(target)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("recalc")
    store = build_plan_store(root / "store.duckdb", apps=90, orgs=3)
    plan = root / "plan.xlsx"
    with Store(store, read_only=True) as opened:
        write_plan(opened, plan)
        actions = opened.query("SELECT * FROM plan_actions ORDER BY organisation, app_id, action_id")
        data = read_plan_data(opened)
    stripped, changed = root / "stripped.xlsx", root / "changed.xlsx"
    _strip_cached_values(plan, stripped)
    _change_assumptions(plan, changed)
    out = convert([stripped, changed], root / "out", root / "profile")
    return {"plan": plan, "stripped": out[0], "changed": out[1], "actions": actions, "data": data}


def test_every_formula_recalculates_to_the_python_models_figure(recalculated):
    formulas = openpyxl.load_workbook(recalculated["plan"])
    model = openpyxl.load_workbook(recalculated["plan"], data_only=True)
    engine = openpyxl.load_workbook(recalculated["stripped"], data_only=True)
    compared, worst, wrong = 0, 0.0, []
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                want = model[ws.title][cell.coordinate].value
                got = engine[ws.title][cell.coordinate].value
                compared += 1
                if isinstance(want, (int, float)) and not isinstance(want, bool):
                    if not isinstance(got, (int, float)) or abs(want - got) > PENNY:
                        wrong.append((ws.title, cell.coordinate, cell.value, want, got))
                    else:
                        worst = max(worst, abs(want - got))
                elif want != got:
                    wrong.append((ws.title, cell.coordinate, cell.value, want, got))
    assert not wrong, wrong[:10]
    # Every money figure, per action and per year, was compared (the test is not vacuous).
    actions = recalculated["actions"].height
    assert compared > actions * 40, compared
    print(f"{compared} formula cells recalculated by LibreOffice; largest difference {worst:.2e}")


def _summary(path: Path) -> dict[str, Any]:
    ws = openpyxl.load_workbook(path, data_only=True)["Summary"]
    return {
        row[0]: row[1] for row in ws.iter_rows(min_row=4, max_row=30, max_col=2, values_only=True) if row[0]
    }


def _model_totals(data: Any, a: Assumptions) -> dict[str, Any]:
    """The Summary's headline figures for the preferred option, from the Python model (issue 11:
    the headline is the preferred option, no longer every action including loss-making ones)."""
    figures = model_figures(data.actions, a, data.baseline)
    best = figures.options[figures.preferred]
    cashable = sum(
        v
        for v, keep in zip(figures.savings["annual_cashable_saving"], figures.recommended, strict=True)
        if keep
    )
    return {
        "One-off cost, optimism bias included (£)": best.one_off_cost,
        "Optimism bias (£)": best.optimism_bias,
        "Annual saving at steady state (£)": best.annual_saving,
        "of which cashable (£)": cashable,
        "NPV, short horizon (£)": best.npv_short,
        "NPV, long horizon (£)": best.npv,
        "Benefit-cost ratio": best.bcr if best.bcr is not None else "",
        "Payback period of the preferred option (years)": (
            best.payback_years if best.payback_years is not None else "beyond horizon"
        ),
    }


def test_summary_totals_recalculate_to_the_model(recalculated):
    summary = _summary(recalculated["stripped"])
    for label, value in _model_totals(recalculated["data"], Assumptions()).items():
        assert summary[label] == pytest.approx(value, abs=PENNY), label


def test_changing_assumptions_moves_every_total_as_the_model_says(recalculated):
    changed = dataclasses.replace(Assumptions(), **CHANGES)
    before, after = _summary(recalculated["stripped"]), _summary(recalculated["changed"])
    expected = _model_totals(recalculated["data"], changed)
    for label, value in expected.items():
        assert (
            after[label] == pytest.approx(value, abs=PENNY)
            if not isinstance(value, str)
            else after[label] == value
        ), label
    assert after["NPV, long horizon (£)"] != pytest.approx(before["NPV, long horizon (£)"], abs=1.0)
    # Per action too: the Savings sheet follows the new rate and day rate row by row.
    savings = openpyxl.load_workbook(recalculated["changed"], data_only=True)["Savings"]
    header = [c.value for c in savings[3]]
    for i, row in enumerate(recalculated["actions"].iter_rows(named=True)):
        result = appraise(action_costs(row, changed), changed)
        line = {h: c.value for h, c in zip(header, savings[4 + i], strict=False)}
        assert line["One-off cost (£)"] == pytest.approx(result.one_off_cost, abs=PENNY)
        assert line["NPV long horizon (£)"] == pytest.approx(result.npv_long, abs=PENNY)


def _rows_by_first_cell(path: Path, sheet: str) -> dict[Any, tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True) if row[0] is not None}


def test_options_and_switching_values_move_with_a_changed_assumption_as_the_model_says(recalculated):
    changed = dataclasses.replace(Assumptions(), **CHANGES)
    figures = model_figures(recalculated["data"].actions, changed, recalculated["data"].baseline)
    options = _rows_by_first_cell(recalculated["changed"], "Options")
    header = options["Option"]
    for o in figures.options:
        row = dict(zip(header, options[o.option], strict=False))
        for label, want in (
            ("One-off cost (£)", o.one_off_cost),
            ("of which capital (£)", o.capital),
            ("PV costs (£)", o.pv_costs),
            ("PV benefits (£)", o.pv_benefits),
            ("NPV, long horizon (£)", o.npv),
            ("Cashable NPV (£)", o.cashable_npv),
        ):
            assert row[label] == pytest.approx(want, abs=PENNY), (o.option, label)
        assert row["Preferred"] == o.preferred
    before = _rows_by_first_cell(recalculated["stripped"], "Sensitivity")
    after = _rows_by_first_cell(recalculated["changed"], "Sensitivity")
    want = sensitivity(figures.options[figures.preferred], changed)
    assert after["Day rate (£)"][1] == pytest.approx(800.0)
    if want.day_rate is not None:
        assert after["Day rate (£)"][2] == pytest.approx(want.day_rate, abs=PENNY)
        assert after["Day rate (£)"][2] != pytest.approx(before["Day rate (£)"][2], abs=1.0)
    if want.savings_fall is not None:
        assert after["Annual savings"][2] == pytest.approx(want.savings_fall, abs=1e-6)
    if want.discount_rate is not None:
        assert after["Discount rate"][2] == pytest.approx(want.discount_rate, abs=1e-6)
    for label, low, high in want.tornado:
        assert after[label][1] == pytest.approx(low, abs=PENNY)
        assert after[label][2] == pytest.approx(high, abs=PENNY)


def test_partner_recharges_balance_each_shared_service(recalculated):
    ws = openpyxl.load_workbook(recalculated["stripped"], data_only=True)["Partners"]
    header = [c.value for c in ws[3]]
    by_action: dict[str, list[dict[str, Any]]] = {}
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] is None:
            break
        by_action.setdefault(row[0], []).append(dict(zip(header, row, strict=False)))
    assert by_action
    for rows in by_action.values():
        recharges = [r["Recharge received (+) or paid (-) (£/yr)"] for r in rows]
        assert sum(recharges) == pytest.approx(0.0, abs=PENNY)
        for r in rows:
            # What each body keeps after the recharge is its agreed share of the net saving.
            kept = r["Own saving: run cost it stops paying (£/yr)"] - r["Added cost on its bill (£/yr)"]
            assert kept + r["Recharge received (+) or paid (-) (£/yr)"] == pytest.approx(
                r["Annual saving share (£)"], abs=PENNY
            )
