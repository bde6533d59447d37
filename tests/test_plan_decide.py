from __future__ import annotations

import random

from appconsol.analyses.plan_decide import _move_one_off, _saving_start
from appconsol.analyses.savings import ActionCosts, Assumptions, one_off_cost, saving_start_year


def test_the_optimisers_move_prices_are_the_savings_models_to_the_last_bit():
    rng = random.Random(14)
    for assumptions in (
        Assumptions(),
        Assumptions(day_rate=612.5, exit_fee=1_234.5, fy_offset_months=8.1645),
    ):
        for _ in range(500):
            run = rng.choice((0.0, 1.0, 9_999.99, 48_250.0, 1_180_000.0)) * rng.random()
            fee = rng.choice((None, 0.0, 25_000.0))
            size = rng.choice((0.25, 1.0, 2.3517, 10.0)) * rng.uniform(0.5, 1.0)
            months = rng.choice((0.0, 3.2, 17.9, 61.0)) * rng.random()
            move = ActionCosts(run, 0.0, 0.0, months, exit_fee=fee, action="consolidate", size_factor=size)
            assert _move_one_off(run, fee, size, assumptions) == one_off_cost(move, assumptions)
            assert _saving_start(months, assumptions) == saving_start_year(move, assumptions)
