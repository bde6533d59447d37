"""The generated parts of docs/method-legacy-cloud.md: the decision table and the settings tables.

The document is written by hand except between `<!-- BEGIN GENERATED: name -->` and
`<!-- END GENERATED: name -->` markers, which this module fills from the decision files and the
steps' setting declarations; a test fails when they are stale. Refresh them with

    python -m appconsol.analyses.method_docs docs/method-legacy-cloud.md
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from appconsol.analyses.decisions import FACTS_TABLE, load_decisions
from appconsol.analyses.disposition import CLOUD_SETTINGS
from appconsol.analyses.legacy import LEGACY_SETTINGS
from appconsol.analyses.lifecycle import REFERENCE_SETTINGS
from appconsol.analyses.settings import settings_markdown

_BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (\w+) -->\n)(.*?)(<!-- END GENERATED: \2 -->)", re.S)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def decisions_markdown() -> list[str]:
    prefix = f"SELECT organisation, app_id FROM {FACTS_TABLE} WHERE ("
    lines = [
        "| order | code | disposition | when (over `disposition_facts`) | summary |",
        "|---:|---|---|---|---|",
    ]
    for d in load_decisions():
        condition = d.sql.strip()
        if condition.startswith(prefix):
            condition = condition[len(prefix) :].rstrip(")").strip()
        lines.append(
            f"| {d.order} | `{d.code}` | {d.disposition} | `{_cell(condition)}` | {_cell(d.summary)} |"
        )
    return lines


def settings_blocks() -> list[str]:
    lines: list[str] = []
    for section, specs in (
        ("reference", REFERENCE_SETTINGS),
        ("legacy", LEGACY_SETTINGS),
        ("cloud", CLOUD_SETTINGS),
    ):
        lines += [*settings_markdown(section, specs), ""]
    return lines[:-1]


GENERATORS = {"decisions": decisions_markdown, "settings": settings_blocks}


def refresh(text: str) -> str:
    """The document with every generated block rewritten."""

    def fill(match: re.Match[str]) -> str:
        body = "\n".join(GENERATORS[match.group(2)]()) + "\n"
        return match.group(1) + body + match.group(4)

    return _BLOCK.sub(fill, text)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else Path("docs/method-legacy-cloud.md")
    path.write_text(refresh(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
