"""Read a large worksheet in row ranges on several cores, giving exactly the grid of a whole read.

calamine (through fastexcel) parses a sheet on one thread, and a 100k-row sheet's XML takes most
of a second. Here the sheet's XML is cut at `<row` boundaries into parts; each part becomes an
in-memory workbook (every other entry copied as it is, the sheet part stored uncompressed) and
the parts are read on their own threads, since calamine releases the GIL while it parses.

calamine's grid of a sheet starts at its first used row and column, so a part read alone would
start elsewhere than the whole read does. Each part therefore carries sentinel cells in column A,
in a row just outside its range (the row after a part's last row, the row before its first), so
every part's grid starts in column A and at a known row; the sentinel rows are dropped, widths
padded, and the columns left of the sheet's first used column (empty in every part, with no error
cell) dropped. Whenever the cut is not clearly safe (rows without numbers, comments or CDATA in
the sheet data, a sheet too small to be worth it or too large to hold twice in memory) the caller
reads the sheet whole. When the sniff's thread is still inflating the XML, the parts are written
and started as their rows come in (`early_parts`).
"""

from __future__ import annotations

import importlib
import os
import struct
import tempfile
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.ingest.deferred_xml import DeferredXml
from appconsol.ingest.early_parts import start_early
from appconsol.ingest.layout import _sheet_part
from appconsol.ingest.part_workbooks import PartWriter, raw_entry, scratch_files, write_workbook
from appconsol.ingest.sheet_cuts import SENTINEL, Xml, cut_points, part_xml
from appconsol.ingest.zip_entries import INFLATING

if TYPE_CHECKING:
    import polars as pl

# Below this the parse is short and the copying costs more than the second core brings.
SPLIT_MIN_BYTES = 24 * 1024 * 1024
# Above this the sheet's XML and its parts would be held in memory at once (2x the XML).
SPLIT_MAX_BYTES = 512 * 1024 * 1024
# Part 0 of a sheet whose XML is still inflating starts parsing first, so it takes a larger share.
_EARLY_EXTRA_SHARE = 0.02


@dataclass(frozen=True)
class SheetCells:
    """A sheet's cells as calamine reads them: text columns c0..cN and error cells (row, col, detail)."""

    frame: pl.DataFrame
    errors: list[tuple[int, int, str]]


def default_parts() -> int:
    """One part per core this process may use, at most 4; below 2 a sheet is read whole."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        cores = os.cpu_count() or 1
    return min(cores, 4)


def read_sheet_in_parts(
    path: Path,
    sheet: str,
    parts: int | None = None,
    min_bytes: int | None = None,
    sheet_xml: dict[str, bytes | DeferredXml] | None = None,
) -> SheetCells | None:
    """The sheet read in `parts` row ranges at once, or None when it should be read whole.

    `parts` defaults to the cores this process may use (at most 4); sheets whose XML is under
    `min_bytes` (default SPLIT_MIN_BYTES) are left to the whole read. `sheet_xml` holds sheet
    parts' XML already inflated and checked (by the sniff); the one read is taken from it. When
    it is still inflating (a DeferredXml), part 0 starts parsing as soon as its rows are in; the
    entry's failure raises the sniff's error."""
    parts = parts or default_parts()
    if parts < 2:
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            infos = archive.infolist()
            entry = next((i for i in infos if i.filename == part), None)
            least = SPLIT_MIN_BYTES if min_bytes is None else min_bytes
            if entry is None or not least <= entry.file_size <= SPLIT_MAX_BYTES:
                return None
            if any(i.file_size >= 0xFFFFFFFF or i.compress_size >= 0xFFFFFFFF for i in infos):
                return None  # zip64: not worth writing here
            kept = sheet_xml.get(part) if sheet_xml else None
            with path.open("rb") as f:  # the sheet's own compressed bytes only when not kept
                raw = {i.filename: raw_entry(f, i) for i in infos if kept is None or i.filename != part}
    except (OSError, zipfile.BadZipFile, KeyError, ValueError, struct.error):
        return None
    xml = (sheet_xml.pop(part, None) if sheet_xml else None) or _inflate(raw.pop(part), entry)
    if xml is None:
        return None
    # Handed over in a list, so the XML is freed as soon as the parts' workbooks are written.
    held = [xml]
    del xml
    return _read_parts(held, parts, sheet, part, infos, raw)


def _inflate(raw: bytes, entry: zipfile.ZipInfo) -> bytes | None:
    if entry.compress_type == zipfile.ZIP_STORED:
        data = raw
    elif entry.compress_type == zipfile.ZIP_DEFLATED:
        try:
            inflater = INFLATING.decompressobj(-15)
            data = inflater.decompress(raw, entry.file_size + 1)
        except INFLATING.error:
            return None
    else:
        return None
    if len(data) != entry.file_size or INFLATING.crc32(data) != entry.CRC:
        return None
    return data


def _read_part(workbook: str, sheet: str) -> tuple[Any, Any]:
    import fastexcel

    table = fastexcel.read_excel(workbook).load_sheet(sheet, header_row=None, dtypes="string")
    return table.to_arrow_with_errors()


def _read_parts(
    held: list[Xml | DeferredXml],
    parts: int,
    sheet: str,
    part: str,
    infos: list[zipfile.ZipInfo],
    raw: dict[str, bytes],
) -> SheetCells | None:
    import polars as pl

    with (
        tempfile.TemporaryDirectory(prefix="appconsol-") as folder,
        scratch_files(parts, folder) as files,
        ThreadPoolExecutor(max_workers=parts) as pool,
    ):

        def writer(k: int) -> PartWriter:
            return PartWriter(files[k][0], infos, raw, part)

        def submit(k: int) -> None:
            # Each part starts parsing as soon as its workbook is written, while the next is.
            futures.append(pool.submit(_read_part, files[k][1], sheet))

        futures: list[Future[tuple[Any, Any]]] = []
        if isinstance(held[0], DeferredXml):
            started = start_early(held[0], parts, 1 / parts + _EARLY_EXTRA_SHARE, writer, submit)
            if started.declined:
                return None  # the pool waits for part 0: its parse is not cut short
            xml = held[0].whole()
            cuts = started.cuts or cut_points(xml, parts, started.first)
        else:
            xml = held[0]
            cuts = cut_points(xml, parts)
        if cuts is None:
            return None
        for k in range(len(futures), parts):
            write_workbook(files[k][0], infos, raw, part, part_xml(xml, cuts, k))
            submit(k)
        del xml
        if isinstance(held[0], DeferredXml):
            held[0].release()
        held.clear()
        # pyarrow's first import (0.2 s) overlaps calamine's parse, which releases the GIL.
        importlib.import_module("pyarrow")
        try:
            results = [future.result() for future in futures]
        except Exception:  # a part calamine cannot read: the whole read says why
            return None
    frames: list[pl.DataFrame] = []
    errors: list[tuple[int, int, str]] = []
    row_base = 0
    for k, (batch, part_errors) in enumerate(results):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        first = 1 if k > 0 else 0
        last = frame.height - (1 if k < parts - 1 else 0)
        # A part with no rows of its own: the whole sheet's first or last used row lies elsewhere.
        if last - first < 1 or frame.width == 0:
            return None
        sentinel_rows = ([0] if k > 0 else []) + ([frame.height - 1] if k < parts - 1 else [])
        if any(frame.get_column(frame.columns[0])[r] != SENTINEL.decode() for r in sentinel_rows):
            return None
        frame = frame.slice(first, last - first)
        frames.append(frame.rename({c: f"c{j}" for j, c in enumerate(frame.columns)}))
        for error in part_errors.errors if part_errors is not None else []:
            row, col = error.position
            errors.append((row_base + row - first, col, error.detail))
        row_base += last - first
    width = max(f.width for f in frames)
    columns = [f"c{j}" for j in range(width)]
    frames = [
        f.with_columns(pl.lit(None, pl.String).alias(c) for c in columns[f.width :]) if f.width < width else f
        for f in frames
    ]
    frame = pl.concat(frames, how="vertical", rechunk=False)
    # The whole read starts at the sheet's first used column; the sentinels put every part at A.
    used = {col for _, col, _ in errors}
    counts = frame.select(pl.all().is_not_null().any()).row(0)
    lead = next((j for j in range(width) if counts[j] or j in used), width)
    if lead == width:
        return None
    if lead:
        frame = frame.select(columns[lead:]).rename({c: f"c{j}" for j, c in enumerate(columns[lead:])})
    # In the order a whole read lists them: column by column, top to bottom.
    errors = sorted(((row, col - lead, detail) for row, col, detail in errors), key=lambda e: (e[1], e[0]))
    return SheetCells(frame, errors)
