"""Where `check` findings point: physical lines, paths from the repository root, the run's scope.

A CI system shows an annotation at a file path relative to the repository root and a physical
line; the store knows the path as given and the record's row number. This module translates,
once, after the rules ran, so every output format says the same thing.
"""

from __future__ import annotations

import subprocess
from bisect import bisect_right
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from appconsol.engine.baseline import Scope
from appconsol.errors import Location, Notice

if TYPE_CHECKING:
    from appconsol.engine.loader import RulePack
    from appconsol.engine.runner import RunResult
    from appconsol.ingest.load import LoadReport


def repository_root(root: Path | None = None) -> Path:
    """`root` if given, else the git top level of the working directory, else the working directory."""
    if root is not None:
        return root.resolve()
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        found = None
    if found is not None and found.returncode == 0 and found.stdout.strip():
        return Path(found.stdout.strip()).resolve()
    return Path.cwd().resolve()


def root_relative(path: str, root: Path) -> str:
    """`path` (as given, relative to the working directory) relative to `root`, with `/`.

    A path outside `root` stays as given.
    """
    given = Path(path)
    absolute = (given if given.is_absolute() else Path.cwd() / given).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return given.as_posix()


def physical_lines(frame: pl.DataFrame, shifts: dict[str, list[tuple[int, int]]]) -> pl.DataFrame:
    """Add `source_line`: the line a text file's record starts on (NULL: the row is the line)."""
    lines: list[int | None] = [None] * frame.height
    if shifts and frame.height:
        starts = {f: ([r for r, _ in s], [o for _, o in s]) for f, s in shifts.items()}
        columns = zip(frame["source_file"], frame["source_sheet"], frame["source_row"], strict=True)
        for i, (file, sheet, row) in enumerate(columns):
            if sheet is None and row is not None and file in starts:
                rows, offsets = starts[file]
                at = bisect_right(rows, row) - 1
                lines[i] = row + (offsets[at] if at >= 0 else 0)
    return frame.with_columns(pl.Series("source_line", lines, dtype=pl.Int64))


def rebase_paths(frame: pl.DataFrame, root: Path) -> pl.DataFrame:
    """Findings' `source_file` relative to the repository root."""
    given = [f for f in frame["source_file"].unique().to_list() if f]
    if not given:
        return frame
    table = {f: root_relative(f, root) for f in given}
    return frame.with_columns(pl.col("source_file").replace(table))


def locate_findings(frame: pl.DataFrame, report: LoadReport, root: Path) -> pl.DataFrame:
    """Physical lines first (keyed by the path as loaded), then paths from the root."""
    return rebase_paths(physical_lines(frame, report.line_shifts), root)


def run_scope(run: RunResult, report: LoadReport, pack: RulePack, root: Path) -> Scope:
    """The rules that ran to the end and the files that loaded, for the baseline."""
    from appconsol.engine.runner import ENGINE_RULES

    engine = {r.code for r in ENGINE_RULES}
    ran = {t.code for t in run.timings if t.kind == "rule" and t.status == "ok"}
    files = {root_relative(r.source_file, root) for r in report.records}
    known = {r.code for r in pack.rules} | engine
    return Scope(rules=ran | engine, files=files, known_rules=known, root=root)


def file_name_notices(report: LoadReport) -> list[Notice]:
    """One warning per file whose organisation is its file name: renaming it changes every key."""
    return [
        Notice(
            f"the organisation '{path.stem}' comes from the file name, so renaming the file changes "
            f"every finding key in the baseline; name the organisation in organisations.yaml beside "
            f"it (files: [{path.name}]) or in an organisation column",
            Location(file=path),
        )
        for path in report.named_by_file
    ]
