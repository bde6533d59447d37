"""What every writer shares: the per-file facts it reports and small value formatters."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any


@dataclass
class FileMeta:
    """Facts about one written file that tests check against the loader's counts."""

    file: str
    organisation: str
    style: str
    format: str
    headers: list[str]
    header_rows: list[int]
    first_data_row: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    other_sheets: list[dict[str, Any]] = field(default_factory=list)
    data_rows: int = 0
    blank_rows: list[int] = field(default_factory=list)
    non_application_rows: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # summary rows: read, not applications
    notes: list[str] = field(default_factory=list)

    @property
    def application_rows(self) -> int:
        return self.data_rows - len(self.non_application_rows)

    @property
    def expected_loaded(self) -> int:
        return self.application_rows - len(self.rejected)


def write_csv_bytes(
    path: Path, rows: list[list[str]], *, delimiter: str, encoding: str, quote_all: bool
) -> None:
    """Write rows with CRLF line ends (as Windows tools do), fully deterministic."""
    buf = io.StringIO(newline="")
    writer = csv.writer(
        buf,
        delimiter=delimiter,
        lineterminator="\r\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def plain_number(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else f"{x:.2f}"


def gbp(x: float | None) -> str:
    if x is None:
        return ""
    sign = "-" if x < 0 else ""
    return f"{sign}£{abs(x):,.0f}" if float(x).is_integer() else f"{sign}£{abs(x):,.2f}"


def dmy(d: date | None) -> str:
    return "" if d is None else f"{d:%d/%m/%Y}"


def yes_no(b: bool | None, yes: str = "Y", no: str = "N") -> str:
    return "" if b is None else yes if b else no


def slug(text: str) -> str:
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part)


def timestamp(rng: random.Random, start: date, end: date) -> str:
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    return f"{day.isoformat()} {rng.randrange(7, 19):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}"


def apply_raw(app, row: dict[str, Any]) -> dict[str, Any]:
    for header, value in app.raw.items():
        if header not in row:
            raise KeyError(f"{app.key}: raw override for unknown header {header!r}")
        row[header] = value
    return row
