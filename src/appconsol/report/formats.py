"""The check renderers, chosen from one table keyed by `-f/--format`.

Each renderer takes a CheckResult and returns the text for stdout (or `-o`); `human` also takes
whether to colour it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
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
    "concise": ("appconsol.report.formats_ci", "render_concise"),
    "gitlab": ("appconsol.report.formats_ci", "render_gitlab"),
    "markdown": ("appconsol.report.formats_ci", "render_markdown"),
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


@dataclass(frozen=True)
class OutputSpec:
    """One requested output: a format and where it goes (None: stdout)."""

    fmt: str
    path: Path | None = None


def parse_outputs(formats: Sequence[str], output: Path | None) -> list[OutputSpec]:
    """`-f FMT[=PATH]` (repeatable) and `-o PATH` as the outputs of one run.

    `-o PATH` names the file of a single `-f`; with several formats each file is written
    `-f FMT=PATH`, and at most one format may go to stdout (`PATH` `-` means stdout too).
    Raises ValueError with the message for the user.
    """
    specs: list[OutputSpec] = []
    for item in formats or ("human",):
        fmt, _, path = item.partition("=")
        fmt = fmt.strip().lower()
        if fmt not in CHECK_RENDERERS:
            raise ValueError(f"unknown format '{fmt}' (choose from {', '.join(CHECK_FORMATS)})")
        if _ and not path.strip():
            raise ValueError(f"'-f {item}' names no file after '='")
        target = None if not path.strip() or path.strip() == "-" else Path(path.strip())
        specs.append(OutputSpec(fmt, target))
    if output is not None:
        if len(specs) > 1:
            raise ValueError(
                "-o names the file of a single format; with several formats give each its file as "
                "-f FMT=PATH (for example -f sarif=appconsol.sarif -f github)"
            )
        if specs[0].path is not None:
            raise ValueError(
                f"the output file is given twice (-f {specs[0].fmt}={specs[0].path} and -o {output})"
            )
        specs = [OutputSpec(specs[0].fmt, output)]
    to_stdout = [s.fmt for s in specs if s.path is None]
    if len(to_stdout) > 1:
        raise ValueError(
            f"{' and '.join(to_stdout)} would both write to stdout; give all but one a file as -f FMT=PATH"
        )
    paths = [s.path.resolve() for s in specs if s.path is not None]
    if len(set(paths)) < len(paths):
        raise ValueError("two formats name the same output file")
    return specs
