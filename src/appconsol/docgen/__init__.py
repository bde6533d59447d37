"""Generated documentation, all in one place: `refresh()` rewrites every generated doc from the code.

    python -m appconsol.docgen          # from a source checkout: rewrites the stale files in docs/

- docs/schema.md from the schema and the analysis steps' tables (`docgen.schema`);
- docs/rules.md from the built-in rule files and their first fail case (`docgen.rules`);
- the generated blocks of docs/method-legacy-cloud.md (`docgen.method_legacy_cloud`) and
  docs/method-overlap-plan.md (`docgen.method_overlap_plan`), between
  `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->` markers.

Tests compare each committed file with what these functions give, so a stale doc fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def _documents() -> dict[str, Callable[[str], str]]:
    """Each generated doc (relative to the repository) and how to rewrite it from its current text."""
    from appconsol.docgen import method_legacy_cloud, method_overlap_plan
    from appconsol.docgen.rules import render_rules_docs
    from appconsol.docgen.schema import render_schema_markdown

    return {
        "docs/schema.md": lambda _text: render_schema_markdown(),
        "docs/rules.md": lambda _text: render_rules_docs(),
        "docs/method-legacy-cloud.md": method_legacy_cloud.refresh,
        "docs/method-overlap-plan.md": method_overlap_plan.refresh,
    }


def refresh(root: Path | None = None, *, write: bool = True) -> list[Path]:
    """Regenerate every generated doc under `root` (default: the working directory); the stale ones.

    With `write=False` nothing is written: the list says which files are stale.
    """
    root = Path(root) if root is not None else Path.cwd()
    stale = []
    for name, render in _documents().items():
        path = root / name
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        fresh = render(current)
        if fresh != current:
            stale.append(path)
            if write:
                path.write_text(fresh, encoding="utf-8")
    return stale
