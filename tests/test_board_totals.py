"""The Board's per-organisation totals are the same floats whatever order the rows come in."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from appconsol.report.plan.sheets_sensitivity import organisation_totals

# Amounts of very different sizes make a float sum depend on the order it adds them in.
_AMOUNT = st.sampled_from([0.1, 0.2, 0.3, 1e15, -1e15, 123456.78, 1e-3, 7.77])
_ROW = st.tuples(st.sampled_from(["Barnet", "Camden", "Brent"]), _AMOUNT, _AMOUNT, _AMOUNT)


def _frame(rows):
    return pl.DataFrame(
        rows, schema=["organisation", "one_off_cost", "annual_saving", "npv_long"], orient="row"
    )


@settings(max_examples=200, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_row_order(rows, random):
    shuffled = list(rows)
    random.shuffle(shuffled)
    first, second = organisation_totals(_frame(rows)), organisation_totals(_frame(shuffled))
    assert first.to_dicts() == second.to_dicts()


def test_totals_count_and_sum_each_organisation_most_npv_first():
    frame = _frame([("Camden", 1.0, 2.0, 5.0), ("Barnet", 10.0, 20.0, 50.0), ("Camden", 1.5, 2.5, 5.5)])
    assert organisation_totals(frame).to_dicts() == [
        {
            "organisation": "Barnet",
            "actions": 1,
            "one_off_cost": 10.0,
            "annual_saving": 20.0,
            "npv_long": 50.0,
        },
        {"organisation": "Camden", "actions": 2, "one_off_cost": 2.5, "annual_saving": 4.5, "npv_long": 10.5},
    ]
