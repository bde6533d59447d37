"""What an export profile is: the signature headers that identify a tool's export, its columns,
and the hooks `prepare_grid` calls for what only that tool's exports do."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from appconsol.ingest.headers import normalise_header

IGNORE = "ignore"

# A hook reads the data rows (columns c0, c1, ... and the source row) and the file's headers.
FieldsHook = Callable[[pl.DataFrame, tuple[str, ...]], dict[str, pl.Series]]
RecordsHook = Callable[[pl.DataFrame, tuple[str, ...]], pl.DataFrame | None]


@dataclass(frozen=True)
class Profile:
    """A known export format: header overrides and the signature headers that identify it."""

    name: str
    title: str
    signature: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)
    positional: bool = False
    # Columns that stand in for a field only when no better column holds it (scored lower).
    fallbacks: dict[str, str] = field(default_factory=dict)
    # Rows that are applications in an export that lists other things too: header -> values.
    keep_rows: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Extra field columns the export encodes its own way (Konveyor's tag category/tag pairs).
    extra_fields: FieldsHook | None = None
    # Headers (normalised) the extra fields were read from, so they are not kept as unmapped too.
    consumed_headers: str | None = None
    # Rows that are records of another kind (Konveyor dependencies), not applications.
    side_records: RecordsHook | None = None

    def add_extra_fields(
        self,
        data: pl.DataFrame,
        headers: tuple[str, ...],
        by_field: dict[str, list[tuple[str, str]]],
        unmapped: dict[str, str],
    ) -> tuple[pl.DataFrame, dict[str, str]]:
        """Add the fields this profile reads its own way (Konveyor's tag pairs) as columns of `data`.

        Each is recorded in `by_field` as a source of its field; the headers they came from are
        dropped from `unmapped`, so they are not kept as unmapped JSON as well.
        """
        extra = self.extra_fields(data, headers) if self.extra_fields else {}
        if self.consumed_headers:
            pattern = self.consumed_headers
            unmapped = {c: h for c, h in unmapped.items() if not re.fullmatch(pattern, normalise_header(h))}
        for name in extra:
            by_field.setdefault(name, []).append((f"__tag_{name}", f"Tag: {name}"))
        return data.with_columns([s.alias(f"__tag_{name}") for name, s in extra.items()]), unmapped
