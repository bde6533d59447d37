"""appconsol: turn application inventories into a costed consolidation plan.

The public API (`appconsol.api`, documented in docs/api.md); the CLI is a thin layer over these
functions. Names are imported on first use, so `import appconsol` (and `appconsol --help`) stays
instant.

    result = appconsol.check(["inventories/"], fail_on="warning")
    result.exit_code, result.run.findings
    appconsol.load(["inventories/"], db="estate.duckdb")
    appconsol.analyse("estate.duckdb").summary
    appconsol.run_plan(["inventories/"], output="plan.xlsx").exit_code
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from appconsol.version import __version__

_API = (
    "load",
    "check",
    "analyse",
    "run_plan",
    "write_plan",
    "explain",
    "map_columns",
    "list_loads",
    "unload",
    "test_rules",
    "AnalyseResult",
    "CheckResult",
    "ExitCode",
    "LoadResult",
    "MappingResult",
    "RulesTestResult",
    "RunOutcome",
    "WriteResult",
    "exit_code_for",
)
_LAZY = {
    **{name: "appconsol.api" for name in _API},
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
    "AnalyseResult",
    "CheckResult",
    "ExitCode",
    "Finding",
    "LoadResult",
    "MappingResult",
    "Rule",
    "RulesTestResult",
    "RunOutcome",
    "RunResult",
    "Severity",
    "Step",
    "WriteResult",
    "__version__",
    "analyse",
    "check",
    "exit_code_for",
    "explain",
    "list_loads",
    "load",
    "load_config",
    "load_rules",
    "map_columns",
    "register_step",
    "run_cases",
    "run_plan",
    "run_rules",
    "test_rules",
    "unload",
    "write_plan",
]

if TYPE_CHECKING:
    from appconsol.api import (
        AnalyseResult,
        CheckResult,
        ExitCode,
        LoadResult,
        MappingResult,
        RulesTestResult,
        RunOutcome,
        WriteResult,
        analyse,
        check,
        exit_code_for,
        explain,
        list_loads,
        load,
        map_columns,
        run_plan,
        test_rules,
        unload,
        write_plan,
    )
    from appconsol.config import load_config
    from appconsol.engine.cases import run_cases
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
