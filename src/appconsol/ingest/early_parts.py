"""Start a sheet's parts while its XML is still being inflated (on the sniff's thread).

Part 0's workbook is written as its rows come in; once the XML reaches the first cut's target, the
cut is found, part 0 is closed after its sentinel row and starts parsing. With two parts, part 1
is everything from the cut on, so it is written as it comes too and starts parsing as soon as the
whole XML has passed the sniff's checks. What a cut needs (no comment, CDATA section or processing
instruction in the sheet data, the cut before the sheet data's end) is checked on each piece as it
is written, and against the end of the sheet data once the whole is in. Writing while the inflate
runs uses the core that would otherwise wait for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from appconsol.ingest.deferred_xml import DeferredXml
from appconsol.ingest.part_workbooks import PartWriter
from appconsol.ingest.sheet_cuts import (
    Cuts,
    EarlyCut,
    closing,
    cut_at,
    data_start,
    first_markup,
    sentinel_row,
)

# The sheetData start tag sits after the sheet's properties, column widths and views.
HEAD = 1024 * 1024
# How far past a cut's target the XML must reach to hold the `<row` tag the cut falls on: a row
# of a wide sheet is a few KB; a longer one just means no early start.
LOOKAHEAD = 256 * 1024


@dataclass(frozen=True)
class Started:
    first: EarlyCut | None  # part 0 ends here, when it was started
    cuts: Cuts | None = None  # every cut, when every part was started
    declined: bool = False  # the whole XML shows the cut unsafe: the sheet is to be read whole


def start_early(
    xml: DeferredXml,
    parts: int,
    share: float,
    writer: Callable[[int], PartWriter],
    submit: Callable[[int], None],
) -> Started:
    """Write part 0 (`share` of the sheet data) as its rows are inflated and `submit(0)` it; with
    two parts, write part 1 as its rows are too and `submit(1)` it once the whole XML is checked.
    Raises the sniff's error if the XML fails a check."""
    data = xml.data
    bounds = data_start(data, xml.wait_for(HEAD))
    if bounds is None:
        return Started(None)
    prefix, start = bounds
    # The end of the sheet data is not known yet: the XML's end is close enough for a target.
    target = start + int((xml.size - start) * share)
    first, pos = writer(0), 0
    while pos < target:
        ready = min(xml.wait_for(pos + 1), target)
        if first_markup(data, max(pos, start), ready) >= 0:
            return Started(None)
        first.add(memoryview(data)[pos:ready])
        pos = ready
    cut = cut_at(data, prefix, start, target, xml.wait_for(target + LOOKAHEAD))
    if cut is None or first_markup(data, pos, cut[0]) >= 0:
        return Started(None)
    early = EarlyCut(prefix, start, *cut)
    first.add(memoryview(data)[pos : early.offset])
    first.add(sentinel_row(prefix, early.row))
    first.add(closing(prefix))
    first.finish()
    submit(0)
    if parts != 2:
        return Started(early)
    return _start_second(xml, early, writer(1), submit)


def _start_second(
    xml: DeferredXml, early: EarlyCut, second: PartWriter, submit: Callable[[int], None]
) -> Started:
    """Part 1 of two: the head, a leading sentinel row, and everything from the cut on."""
    data = xml.data
    second.add(memoryview(data)[: early.start])
    second.add(sentinel_row(early.prefix, early.row - 1))
    pos, markup = early.offset, -1
    while pos < xml.size:
        ready = xml.wait_for(pos + 1)
        if markup < 0:
            markup = first_markup(data, pos, ready)
        second.add(memoryview(data)[pos:ready])
        pos = ready
    whole = xml.whole()
    # The sheet data's start is where it was in the head (the same bytes); its end is known now.
    end = whole.rfind(b"</" + early.prefix + b"sheetData>")
    if end <= early.offset or 0 <= markup < end:
        return Started(early, declined=True)
    second.finish()
    submit(1)
    return Started(early, Cuts(early.prefix, early.start, end, [early.offset], [early.row]))
