"""A decision's cases run through the built-in steps: the engine's case runner, given the steps.

The engine runs a decision's cases (`appconsol.engine.decision_cases.run_decision_cases`) through the
steps it is given; these are the ones the built-in table needs: products and capabilities (the
disposition reads their stored keys), lifecycle and legacy, then the disposition step over the
table being tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from appconsol.engine.decisions import Decision, load_decisions

if TYPE_CHECKING:
    from appconsol.engine.steps import Step


def decision_case_steps(table: Sequence[Decision]) -> list[Step]:
    """The steps a decision's cases run: products, capabilities, lifecycle and legacy, then the
    disposition step over `table`."""
    from appconsol.analyses.capabilities import CAPABILITIES_STEP
    from appconsol.analyses.disposition import disposition_step
    from appconsol.analyses.legacy import LEGACY_STEP
    from appconsol.analyses.lifecycle import LIFECYCLE_STEP
    from appconsol.analyses.products import PRODUCTS_STEP

    return [PRODUCTS_STEP, CAPABILITIES_STEP, LIFECYCLE_STEP, LEGACY_STEP, disposition_step(table)]


def run_decision_cases(decision: Decision, table: Sequence[Decision] | None = None) -> list[Any]:
    """Run a decision's cases through the built-in steps (the engine's case runner); CaseResults."""
    from appconsol.engine.decision_cases import run_decision_cases as run_cases

    table = list(table) if table is not None else load_decisions()
    return run_cases(decision, table, decision_case_steps(table))
