"""The savings model against figures worked by hand (see the comments for the arithmetic)."""

from __future__ import annotations

import datetime as dt

import pytest

from appconsol.analyses.savings import (
    ActionCosts,
    Assumptions,
    appraise,
    discounted_payback,
    months_between,
    npv,
    split_by_share,
)

# An application costing £24,000 a year whose contract can end in 14 months.
ACTION = ActionCosts(annual_run_cost=24_000, annual_cashable=20_000, months_to_exit=14)


def test_one_off_cost_carries_green_book_optimism_bias_on_labour_only():
    # (40 + 15 + 5) days x £650 = £39,000, x (1 + 200%) = £117,000 (no action type: the upper
    # bound); 3 months dual running of £24,000/yr = £6,000, a known run cost, is not uplifted
    # (issue 11: it used to be, with exit fees, tripling contractual costs): £123,000.
    assert appraise(ACTION, Assumptions()).one_off_cost == pytest.approx(123_000)


def test_savings_start_after_the_later_of_contract_exit_and_biased_lead_time():
    # Lead time 6 months x 1.54 = 9.24 months < 14 months to exit -> ceil(14 / 12) = year 2.
    result = appraise(ACTION, Assumptions())
    assert (result.saving_start_year, result.cost_year) == (2, 1)
    # A contract that can end now still waits for the biased lead time: ceil(9.24 / 12) = 1.
    assert appraise(ActionCosts(24_000, 20_000, months_to_exit=0), Assumptions()).saving_start_year == 1


def test_npv_and_payback_match_hand_computed_values():
    result = appraise(ACTION, Assumptions())
    assert result.cash_flows[:3] == (0.0, -123_000.0, 24_000.0)
    # -123000/1.035 + 24000/1.035^2 + 24000/1.035^3 + 24000/1.035^4
    # = -118840.58 + 22404.26 + 21646.62 + 20914.61 = -53875.08
    assert result.npv_short == pytest.approx(-53_875.08, abs=0.01)
    # ... + 24000 x (1/1.035^5 + ... + 1/1.035^9) = 40555.49
    assert result.npv_long == pytest.approx(40_555.49, abs=0.01)
    # Cumulative discounted: year 6 -14143.71, year 7 +4720.07.
    assert result.discounted_payback_year == 7


def test_lower_optimism_bias_moves_npv_by_the_discounted_cost_difference():
    low = appraise(ACTION, Assumptions(optimism_bias_capital=0.10))
    # One-off falls from £123,000 to £39,000 x 1.1 + £6,000 = £48,900: NPV rises by
    # 74,100 / 1.035 = 71,594.20.
    assert low.npv_long - appraise(ACTION, Assumptions()).npv_long == pytest.approx(71_594.20, abs=0.01)


def test_cashable_excludes_staff_time():
    result = appraise(ACTION, Assumptions())
    assert (result.annual_saving, result.annual_cashable_saving) == (24_000, 20_000)


def test_keep_actions_cost_and_save_nothing():
    result = appraise(ActionCosts(24_000, 20_000, migrates=False), Assumptions())
    assert result.one_off_cost == 0 and result.npv_long == 0 and result.discounted_payback_year is None


def test_payback_is_none_when_never_reached():
    assert discounted_payback([-100.0, 10.0, 10.0], 0.035) is None


def test_npv_discounts_from_year_zero():
    assert npv([100.0, 103.5], 0.035, 2) == pytest.approx(200.0)


def test_months_between_and_partner_split():
    assert months_between(dt.date(2026, 1, 1), dt.date(2027, 1, 1)) == pytest.approx(12.0, abs=0.01)
    assert months_between(dt.date(2026, 1, 1), None) == 0
    assert split_by_share(900.0, {"A": 100, "B": 200}) == {"A": 300.0, "B": 600.0}
    assert split_by_share(900.0, {"A": 0, "B": 0}) == {"A": 450.0, "B": 450.0}


def test_the_frame_model_equals_the_scalar_model_row_by_row():
    import random

    import polars as pl

    from appconsol.analyses.savings import appraise_frame

    rng = random.Random(7)
    actions = [
        ActionCosts(
            annual_run_cost=rng.choice([0.0, 4_000.0, 24_000.0, 385_000.0]),
            annual_cashable=rng.choice([0.0, 3_000.0, 20_000.0]),
            annual_added_cost=rng.choice([0.0, 1_500.0, 30_000.0]),
            months_to_exit=rng.choice([0.0, 3.2, 9.24, 12.0, 14.0, 37.5, 130.0]),
            migrates=rng.random() < 0.8,
            exit_fee=rng.choice([None, 0.0, 5_000.0]),
            effort=rng.choice([0.25, 0.5, 1.0, 2.0]),
            saving_share=rng.choice([0.1, 0.15, 1.0]),
            action=rng.choice(["", "retire", "rehost", "consolidate", "refactor"]),
            size_factor=rng.choice([0.25, 1.0, 3.7]),
            support_end_year=rng.choice([None, 0, 2, 12]),
        )
        for _ in range(300)
    ]
    a = Assumptions(
        discount_rate=0.05, optimism_bias_capital=0.4, fy_offset_months=7.8, benefits_shortfall=0.1
    )
    frame = pl.DataFrame([vars(x) for x in actions])
    framed, flows = appraise_frame(frame, a)
    for i, (action, row) in enumerate(zip(actions, framed.iter_rows(named=True), strict=True)):
        result = appraise(action, a)
        assert row["one_off_cost"] == pytest.approx(result.one_off_cost, abs=1e-6)
        assert row["annual_saving"] == pytest.approx(result.annual_saving, abs=1e-6)
        assert row["annual_cashable_saving"] == pytest.approx(result.annual_cashable_saving, abs=1e-6)
        assert (row["saving_start_year"], row["cost_year"]) == (result.saving_start_year, result.cost_year)
        assert row["npv_short"] == pytest.approx(result.npv_short, abs=1e-6)
        assert row["npv_long"] == pytest.approx(result.npv_long, abs=1e-6)
        assert row["discounted_payback_year"] == result.discounted_payback_year
        assert row["optimism_bias"] == pytest.approx(result.optimism_bias, abs=1e-6)
        assert row["effort_days"] == pytest.approx(result.effort_days, abs=1e-9)
        assert row["pv_costs"] == pytest.approx(result.pv_costs, abs=1e-6)
        assert row["pv_benefits"] == pytest.approx(result.pv_benefits, abs=1e-6)
        assert row["pv_cashable"] == pytest.approx(result.pv_cashable, abs=1e-6)
        mine = flows.filter(pl.col("_row") == i)["cash_flow"].to_list()
        assert mine == pytest.approx(list(result.cash_flows), abs=1e-6)
