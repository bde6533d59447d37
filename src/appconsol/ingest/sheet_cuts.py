"""Where to cut a sheet's XML into row ranges, and each range's XML as a sheet of its own.

A cut falls on a `<row` tag whose row, and the row before it, carry their numbers and ascend,
so every part starts where the whole read would be; a comment, CDATA section or processing
instruction anywhere in the sheet data could hide a `<row`, so none is allowed. Each part carries
sentinel rows just outside its range (see `sheet_parts`).

The first cut may be found in the head of the XML while the rest is still inflating
(`early_parts`); `cut_points` then checks it against the whole, as if it had found it itself.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass

SENTINEL = b"appconsol-part-sentinel"
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
_AFTER_TAG = (b" ", b">", b"\t", b"\n", b"\r", b"/")

Xml = bytes | bytearray | mmap.mmap


@dataclass(frozen=True)
class Cuts:
    prefix: bytes  # the main namespace's prefix with its colon ("x:"), or b""
    start: int  # just after the sheetData start tag
    end: int  # at the sheetData end tag
    offsets: list[int]  # where each part after the first starts (a `<row` tag)
    rows: list[int]  # the sheet row number of each of those tags


@dataclass(frozen=True)
class EarlyCut:
    """The first cut, found in the XML's head: part 0 is rows start..offset."""

    prefix: bytes
    start: int
    offset: int
    row: int


def data_start(xml: Xml, limit: int) -> tuple[bytes, int] | None:
    """The main namespace's prefix and where the sheet data starts, if its start tag is before `limit`."""
    at = xml.find(b"sheetData", 0, limit)
    if at <= 0:
        return None
    open_at = xml.rfind(b"<", 0, at)
    prefix = bytes(xml[open_at + 1 : at])
    if open_at < 0 or (prefix and not re.fullmatch(rb"\w+:", prefix)):
        return None
    close = xml.find(b">", at, limit)
    if close < 0 or xml[close - 1 : close] == b"/":
        return None  # <sheetData/>: no rows
    return prefix, close + 1


def cut_at(xml: Xml, prefix: bytes, start: int, target: int, limit: int) -> tuple[int, int] | None:
    """The first `<row` tag at or after `target` (and before `limit`), and its row number, when
    that row and the one before it are numbered and ascend."""
    tag = b"<" + prefix + b"row"
    at = xml.find(tag, target, limit)
    while at >= 0 and xml[at + len(tag) : at + len(tag) + 1] not in _AFTER_TAG:
        at = xml.find(tag, at + 1, limit)
    if at < 0:
        return None
    row = _row_number(xml, at, limit)
    before = xml.rfind(tag, start, at)
    previous = _row_number(xml, before, at) if before >= 0 else None
    # Rows must be numbered on both sides of the cut and ascend across it; rows after the
    # cut without a number are numbered from it the same way in the part and in the whole.
    if row is None or previous is None or previous >= row:
        return None
    return at, row


def cut_points(xml: Xml, parts: int, first: EarlyCut | None = None) -> Cuts | None:
    """Where to cut the sheet data into parts, or None when a cut is not clearly safe.

    With `first`, part 0 already ends there (found by `early_parts` in the head of these bytes):
    it is checked against the whole, and the rest is shared evenly among the other parts."""
    bounds = data_start(xml, len(xml))
    if bounds is None:
        return None
    prefix, start = bounds
    end = xml.rfind(b"</" + prefix + b"sheetData>")
    if end < start:
        return None
    offsets: list[int] = []
    rows: list[int] = []
    if first is not None:
        if (first.prefix, first.start) != (prefix, start) or first.offset >= end:
            return None
        offsets.append(first.offset)
        rows.append(first.row)
    # A `<row` inside a comment, CDATA section or processing instruction is no row
    # (an early cut checked the sheet data before it already).
    if first_markup(xml, offsets[0] if offsets else start, end) >= 0:
        return None
    origin, left = (offsets[0], parts - 1) if offsets else (start, parts)
    for k in range(1, left):
        cut = cut_at(xml, prefix, start, origin + (end - origin) * k // left, end)
        if cut is None or (rows and cut[1] <= rows[-1]):
            return None
        offsets.append(cut[0])
        rows.append(cut[1])
    return Cuts(prefix, start, end, offsets, rows)


def first_markup(xml: Xml, start: int, end: int) -> int:
    """Where the first comment, CDATA section or processing instruction between start and end
    begins ('!' or '?' just after a '<'), or -1.

    One-byte searches (memchr) for '!' and '?', which are rare in sheet XML, each checked for a '<'
    before it: a search for the two-byte "<!" steps through every '<' of the sheet, ten times slower.
    """
    found = -1
    for mark in (b"!", b"?"):
        at = xml.find(mark, start, end if found < 0 else found)
        while at >= 0 and xml[at - 1] != 0x3C:  # '<'
            at = xml.find(mark, at + 1, end if found < 0 else found)
        if at >= 0:
            found = at
    return found


def _row_number(xml: Xml, at: int, limit: int) -> int | None:
    match = _ROW_NUMBER.match(xml, at, limit)
    return int(match.group(1)) if match else None


def sentinel_row(prefix: bytes, row: int) -> bytes:
    p = prefix
    return b'<%srow r="%d"><%sc r="A%d" t="inlineStr"><%sis><%st>%s</%st></%sis></%sc></%srow>' % (
        p,
        row,
        p,
        row,
        p,
        p,
        SENTINEL,
        p,
        p,
        p,
        p,
    )


def part_xml(xml: Xml, cuts: Cuts, k: int) -> list[bytes | memoryview]:
    """Part k's sheet XML, as pieces: the head, a leading sentinel, its rows, a trailing one, the tail."""
    view = memoryview(xml)
    bounds = [cuts.start, *cuts.offsets, cuts.end]
    pieces: list[bytes | memoryview] = [view[: cuts.start]]
    if k > 0:
        pieces.append(sentinel_row(cuts.prefix, cuts.rows[k - 1] - 1))
    pieces.append(view[bounds[k] : bounds[k + 1]])
    if k < len(cuts.offsets):
        pieces.append(sentinel_row(cuts.prefix, cuts.rows[k]))
    pieces.append(view[cuts.end :])
    return pieces


def closing(prefix: bytes) -> bytes:
    """The end of a part cut before the sheet's tail is known: the sheet data and the root closed.
    calamine stops reading a worksheet at the sheet data's end tag, so the part reads as it would
    with the real tail."""
    return b"</%ssheetData></%sworksheet>" % (prefix, prefix)
