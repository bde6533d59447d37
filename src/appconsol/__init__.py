"""appconsol: turn application inventories into a costed consolidation plan.

The public API; the CLI is a thin layer over these functions. Names are imported on first use,
so `import appconsol` (and `appconsol --help`) stays instant.

    result = appconsol.check(["inventories/"], fail_on="warning")
    result.exit_code, result.run.findings
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "check": "appconsol.engine.check",
    "CheckResult": "appconsol.engine.check",
    "exit_code_for": "appconsol.engine.check",
    "run_rules": "appconsol.engine.runner",
    "RunResult": "appconsol.engine.runner",
    "load_rules": "appconsol.engine.loader",
    "run_cases": "appconsol.engine.cases",
    "Finding": "appconsol.engine.model",
    "Rule": "appconsol.engine.model",
    "Severity": "appconsol.engine.model",
    "Step": "appconsol.engine.steps",
    "register_step": "appconsol.engine.steps",
    "load_config": "appconsol.config",
}

__all__ = [
    "CheckResult",
    "Finding",
    "Rule",
    "RunResult",
    "Severity",
    "Step",
    "__version__",
    "check",
    "exit_code_for",
    "load_config",
    "load_rules",
    "register_step",
    "run_cases",
    "run_rules",
]

if TYPE_CHECKING:
    from appconsol.config import load_config
    from appconsol.engine.cases import run_cases
    from appconsol.engine.check import CheckResult, check, exit_code_for
    from appconsol.engine.loader import load_rules
    from appconsol.engine.model import Finding, Rule, Severity
    from appconsol.engine.runner import RunResult, run_rules
    from appconsol.engine.steps import Step, register_step


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'appconsol' has no attribute {name!r}")
