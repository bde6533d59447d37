"""The public API: each function loads the config once, resolves `as_of` once and passes both down.

    import appconsol
    result = appconsol.check(["inventories/"], fail_on="warning")
    result.exit_code, result.run.findings

The CLI calls exactly these functions and renders what they return (docs/api.md).
"""

from __future__ import annotations

from appconsol.api.analysis import analyse, explain
from appconsol.api.checks import check
from appconsol.api.inventory import DEFAULT_DB, list_loads, load, map_columns, unload
from appconsol.api.plan import run_plan, write_plan
from appconsol.api.results import (
    AnalyseResult,
    CheckResult,
    ExitCode,
    LoadResult,
    MappingResult,
    RulesTestResult,
    RunOutcome,
    WriteResult,
    exit_code_for,
)
from appconsol.api.rules import test_rules

__all__ = [
    "DEFAULT_DB",
    "AnalyseResult",
    "CheckResult",
    "ExitCode",
    "LoadResult",
    "MappingResult",
    "RulesTestResult",
    "RunOutcome",
    "WriteResult",
    "analyse",
    "check",
    "exit_code_for",
    "explain",
    "list_loads",
    "load",
    "map_columns",
    "run_plan",
    "test_rules",
    "unload",
    "write_plan",
]
