"""Sensitivity of the preferred option: switching values and a tornado-style table.

A switching value is how far one input may move before the option's NPV falls to zero (HM
Treasury Green Book, sensitivity analysis):

- annual savings may fall by NPV / PV benefits (a share);
- one-off costs may rise by NPV / PV costs (a share);
- the day rate may rise to day_rate x (1 + NPV / PV labour), labour (with its optimism bias)
  being the part of the one-off cost that scales with it;
- the discount rate may rise to the internal rate of return of the option's yearly cash flows.

The tornado table gives the NPV at a low and a high value of each main input (savings, one-off
costs and day rate at -20% and +20%; the discount rate 2 points either side) and ranks the inputs
by the swing between the two. Each is linear in the option's present values, so the workbook's
Sensitivity sheet writes the same arithmetic as live formulas.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from appconsol.analyses.plan_options import OptionFigures
from appconsol.analyses.savings import Assumptions

SWING = 0.2  # +-20% on savings, one-off costs and the day rate
RATE_STEP = 0.02  # +-2 points on the discount rate


@dataclass(frozen=True)
class Sensitivity:
    npv: float
    savings_fall: float | None
    costs_rise: float | None
    day_rate: float | None
    discount_rate: float | None
    tornado: tuple[tuple[str, float, float], ...]  # (input, NPV at the low case, NPV at the high case)


def present_value(flows: Sequence[float], rate: float) -> float:
    return sum(flow / (1.0 + rate) ** t for t, flow in enumerate(flows))


def irr(flows: Sequence[float]) -> float | None:
    """The rate at which the flows' present value is zero (None without a sign change)."""
    if not (any(f < 0 for f in flows) and any(f > 0 for f in flows)):
        return None
    grid = [-0.95, -0.5, -0.2, 0.0, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0]
    for lo, hi in itertools.pairwise(grid):
        f_lo, f_hi = present_value(flows, lo), present_value(flows, hi)
        if f_lo == 0:
            return lo
        if (f_lo < 0) != (f_hi < 0):
            for _ in range(200):
                mid = (lo + hi) / 2
                f_mid = present_value(flows, mid)
                if (f_mid < 0) == (f_lo < 0):
                    lo, f_lo = mid, f_mid
                else:
                    hi = mid
            return (lo + hi) / 2
    return None


def sensitivity(option: OptionFigures, a: Assumptions) -> Sensitivity:
    npv = option.npv
    flows = option.flows
    tornado = (
        ("Annual savings -20% / +20%", npv - SWING * option.pv_benefits, npv + SWING * option.pv_benefits),
        ("One-off costs +20% / -20%", npv - SWING * option.pv_costs, npv + SWING * option.pv_costs),
        ("Day rate +20% / -20%", npv - SWING * option.pv_labour, npv + SWING * option.pv_labour),
        (
            "Discount rate +2 / -2 points",
            present_value(flows, a.discount_rate + RATE_STEP),
            present_value(flows, a.discount_rate - RATE_STEP),
        ),
    )
    return Sensitivity(
        npv=npv,
        savings_fall=npv / option.pv_benefits if option.pv_benefits > 0 else None,
        costs_rise=npv / option.pv_costs if option.pv_costs > 0 else None,
        day_rate=a.day_rate * (1 + npv / option.pv_labour) if option.pv_labour > 0 else None,
        discount_rate=irr(flows),
        tornado=tornado,
    )
