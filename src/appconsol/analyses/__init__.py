"""Analysis steps: Python work over the store that SQL alone does badly, writing tables rules read.

`builtin_steps()` lists the built-in steps; the API passes them to the engine (and the
`appconsol.steps` entry point in pyproject.toml names this function, for callers that pass none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appconsol.engine.steps import Step


def builtin_steps() -> list[Step]:
    """The built-in analysis steps; the engine orders them by the tables they read and write."""
    from appconsol.analyses.capabilities import CAPABILITIES_STEP
    from appconsol.analyses.disposition import DISPOSITION_STEP
    from appconsol.analyses.legacy import LEGACY_STEP
    from appconsol.analyses.lifecycle import LIFECYCLE_STEP
    from appconsol.analyses.overlap import OVERLAP_STEP
    from appconsol.analyses.plan import PLAN_STEP
    from appconsol.analyses.products import PRODUCTS_STEP

    return [
        LIFECYCLE_STEP,
        LEGACY_STEP,
        DISPOSITION_STEP,
        PRODUCTS_STEP,
        CAPABILITIES_STEP,
        OVERLAP_STEP,
        PLAN_STEP,
    ]
