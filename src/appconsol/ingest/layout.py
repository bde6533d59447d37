"""Where a worksheet's cells really sit: the row and column its used range starts at, and its merges.

calamine (through fastexcel) returns a sheet's *used range*, starting at the first cell that holds
a value; a title in B3 makes row 0 of the frame sheet row 3. Provenance must name the row a user
sees in Excel, so the origin is read from the sheet XML itself. Only the head of the part is read
for the origin; merged ranges sit at the end of the part and are read only for sheets small enough
to be hand-made (large machine exports do not merge header cells).
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import defusedxml.ElementTree as SafeET

from appconsol.ingest.deferred_xml import DeferredXml

_MAIN_NS = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",
)
_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
_CELL_WITH_VALUE = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?(?<!/)>\s*<(?:\w+:)?(?:v|is|f)\b'
)
# A cell whose formula aggregates a range of the column above it (SUM(C2:C41) in C42): its row is
# a total, not an application. A formula over the row's own cells (SUM(D5:G5)) is a row total.
_AGGREGATE_FORMULA = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*?>\s*<(?:\w+:)?f\b[^>]*>\s*_*(?:xlfn\.)?'
    rb"(?:SUM|SUBTOTAL|AGGREGATE)\((?:\d+,\s*)*\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)\)",
    re.IGNORECASE,
)
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')
_HEAD_BYTES = 4 * 1024 * 1024
_MERGE_SCAN_LIMIT = 32 * 1024 * 1024


def column_index(letters: str | bytes) -> int:
    """0-based index of a column letter ('A' -> 0, 'AA' -> 26)."""
    text = letters.decode() if isinstance(letters, bytes) else letters
    index = 0
    for ch in text:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """Column letter of a 0-based index (0 -> 'A')."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True)
class MergedRange:
    first_row: int  # 1-based, as Excel shows
    first_col: int  # 0-based
    last_row: int
    last_col: int


@dataclass(frozen=True)
class SheetLayout:
    first_row: int  # 1-based sheet row of the used range's first row
    first_col: int  # 0-based column of the used range's first column
    merges: tuple[MergedRange, ...]
    total_rows: frozenset[int] = frozenset()  # rows holding SUM/SUBTOTAL formulas (small sheets only)


def _sheet_part(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet") or sheet.get("name") != sheet_name:
            continue
        rel_id = next((sheet.get(f"{{{ns}}}id") for ns in _REL_NS if sheet.get(f"{{{ns}}}id")), None)
        target = targets.get(rel_id, "")
        if not target:
            return None
        return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def read_sheet_layout(
    path: Path, sheet_name: str, sheet_xml: Mapping[str, bytes | DeferredXml] | None = None
) -> SheetLayout:
    """Read where the used range of `sheet_name` starts, and its merged ranges when small enough.

    `sheet_xml` holds sheet parts' XML the sniff already inflated; the part is read from there
    when it is, and left there for the sheet reader."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet_name)
        if part is None or part not in archive.namelist():
            return SheetLayout(1, 0, ())
        info = archive.getinfo(part)
        kept = sheet_xml.get(part) if sheet_xml else None
        if kept is not None:
            head, rest = _kept_head(kept, info.file_size)
        else:
            with archive.open(part) as stream:
                head = stream.read(_HEAD_BYTES)
                rest = stream.read() if info.file_size <= _MERGE_SCAN_LIMIT else b""
    first_row: int | None = None
    window: list[int] = []
    for match in _CELL_WITH_VALUE.finditer(head):
        row = int(match.group(2))
        if first_row is None:
            first_row = row
        # The leftmost value among the first rows (titles, headers, early data) is the used
        # range's first column in any sheet a person made; scanning every row of a large export
        # is not worth it.
        if row >= first_row + 200:
            break
        window.append(column_index(match.group(1)))
    if first_row is None:
        return SheetLayout(1, 0, ())
    whole = head + rest if rest or info.file_size <= _HEAD_BYTES else b""
    merges = tuple(
        MergedRange(int(m.group(2)), column_index(m.group(1)), int(m.group(4)), column_index(m.group(3)))
        for m in _MERGE.finditer(whole)
    )
    # A substring test first: the formula pattern is slow over a large sheet, and most have none.
    has_aggregates = any(name in whole for name in (b"SUM(", b"SUBTOTAL(", b"AGGREGATE(", b"sum("))
    totals = frozenset(
        int(m.group(2))
        for m in (_AGGREGATE_FORMULA.finditer(whole) if has_aggregates else ())
        if m.group(3) == m.group(5) and int(m.group(4)) < int(m.group(6)) < int(m.group(2))
    )
    return SheetLayout(first_row, min(window), merges, totals)


def _kept_head(kept: bytes | DeferredXml, size: int) -> tuple[bytes, bytes]:
    """The head and (for a sheet small enough) the rest of a part's XML the sniff kept: sliced,
    not inflated again; a deferred inflate is waited for only as far as needed."""
    if isinstance(kept, DeferredXml):
        if size > _MERGE_SCAN_LIMIT:
            kept.wait_for(_HEAD_BYTES)
            return bytes(kept.data[:_HEAD_BYTES]), b""
        kept = kept.whole()
    return bytes(kept[:_HEAD_BYTES]), bytes(kept[_HEAD_BYTES:]) if size <= _MERGE_SCAN_LIMIT else b""
