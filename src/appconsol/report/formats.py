"""The check renderers, chosen from one table keyed by `-f/--format`.

Each renderer takes a CheckResult and returns the text for stdout (or `-o`); `human` also takes
whether to colour it.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult

# format -> (module, function); imported on use so the CLI stays quick to start.
CHECK_RENDERERS: dict[str, tuple[str, str]] = {
    "human": ("appconsol.report.human", "render_human"),
    "json": ("appconsol.report.findings", "render_json"),
    "csv": ("appconsol.report.findings", "render_csv"),
    "github": ("appconsol.report.findings", "render_github"),
    "sarif": ("appconsol.report.sarif", "render_sarif"),
    "junit": ("appconsol.report.junit", "render_junit"),
}
CHECK_FORMATS = tuple(CHECK_RENDERERS)


def check_renderer(fmt: str) -> Callable[..., str]:
    """The function that renders a check result in `fmt`."""
    module, name = CHECK_RENDERERS[fmt]
    renderer: Callable[..., str] = getattr(import_module(module), name)
    return renderer


def render_check(result: CheckResult, fmt: str, *, color: bool = False) -> str:
    """The check result as `fmt` text (colour only for human output on a terminal)."""
    renderer = check_renderer(fmt)
    return renderer(result, color=color) if fmt == "human" else renderer(result)
