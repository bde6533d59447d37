"""Hand-written documents with generated blocks between BEGIN/END GENERATED markers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (\w+) -->\n)(.*?)(<!-- END GENERATED: \2 -->)", re.S)


def cell(text: object) -> str:
    """Text for one Markdown table cell: one line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def refresh_blocks(text: str, generators: Mapping[str, Callable[[], list[str]]]) -> str:
    """`text` with every generated block rewritten by the generator of its name."""

    def fill(match: re.Match[str]) -> str:
        body = "\n".join(generators[match.group(2)]()) + "\n"
        return match.group(1) + body + match.group(4)

    return _BLOCK.sub(fill, text)
