"""Read a sheet or a delimited file into a raw grid of text, with every row's real row number.

The raw grid keeps title rows, header rows and blank rows: deciding which row is the header is
the next step's job (`header.py`), and blank rows must be counted, not lost. Cells that a reader
would silently turn into blanks (Excel error cells, fields beyond a short or long CSV row) are
recorded as problems beside the grid.
"""

from __future__ import annotations

import csv
import importlib
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.errors import InputFileError, Location
from appconsol.ingest.deferred_xml import DeferredXml
from appconsol.ingest.sheet_parts import SheetCells, read_sheet_in_parts

ROW_COLUMN = "__row"
DELIMITERS = (",", ";", "\t", "|")
# Fields can be long (a description pasted from a document); the csv module's 128 KB default
# turned one such cell into a failed file. Sniffing has already bounded the file's size.
csv.field_size_limit(1 << 30)
_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"


@dataclass(frozen=True)
class CellProblem:
    row: int  # 1-based row number in the file or sheet
    column: int  # 0-based column index in the grid
    problem: str


@dataclass
class RawGrid:
    """Every row of one sheet or file as text, columns `c0..cN` plus `__row` (1-based)."""

    frame: pl.DataFrame
    sheet: str | None
    cell_problems: list[CellProblem] = field(default_factory=list)
    field_counts: dict[int, int] = field(default_factory=dict)  # row -> fields, only for ragged CSV rows
    first_col: int = 0  # 0-based sheet column of grid column c0 (for column letters)
    merges: tuple = ()
    total_rows: frozenset[int] = frozenset()  # rows whose cells aggregate others (SUM formulas)
    bad_rows: dict[int, str] = field(default_factory=dict)  # rows that could not be read, and why
    delimiter: str | None = None
    encoding: str | None = None
    # Text files: (row, offset) from which on a record starts on line row + offset, because
    # quoted cells above it hold line breaks. Empty when every record is one line.
    line_shifts: list[tuple[int, int]] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.frame.width - 1


def _grid_columns(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def read_workbook_sheet(
    path: Path, sheet: str, sheet_xml: dict[str, bytes | DeferredXml] | None = None
) -> RawGrid:
    """Read one worksheet as text with fastexcel (calamine), keeping its true row numbers.

    A large sheet is read in row ranges on several cores (`sheet_parts`), from the XML the sniff
    kept (`sheet_xml`) when it did."""
    from appconsol.ingest.layout import read_sheet_layout

    layout = read_sheet_layout(path, sheet, sheet_xml)
    cells = read_sheet_in_parts(path, sheet, sheet_xml=sheet_xml)
    if cells is None:
        # calamine reads the file itself: every entry must have passed the sniff's checks first.
        for xml in (sheet_xml or {}).values():
            if isinstance(xml, DeferredXml):
                xml.whole()
        cells = read_sheet_whole(path, sheet)
    frame = cells.frame.with_row_index(ROW_COLUMN, offset=layout.first_row).with_columns(
        pl.col(ROW_COLUMN).cast(pl.Int64)
    )
    frame = frame.select([*_grid_columns(frame.width - 1), ROW_COLUMN])
    problems = []
    for row, col, detail in cells.errors:
        kind = detail.split("'Error(")[-1].rstrip(")'") if "Error(" in detail else detail
        problems.append(CellProblem(layout.first_row + row, col, f"error cell {_excel_error_text(kind)}"))
    return RawGrid(
        frame, sheet, problems, first_col=layout.first_col, merges=layout.merges, total_rows=layout.total_rows
    )


def read_sheet_whole(path: Path, sheet: str) -> SheetCells:
    """The sheet's cells read by calamine on one thread; raises InputFileError when unreadable."""
    import fastexcel

    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            # pyarrow's first import (0.2 s) overlaps calamine's parse, which releases the GIL;
            # the arrow conversion needs it straight after.
            pool.submit(importlib.import_module, "pyarrow")
            reader = fastexcel.read_excel(path)
            table = reader.load_sheet(sheet, header_row=None, dtypes="string")
        batch, errors = table.to_arrow_with_errors()
    except Exception as exc:  # calamine's errors are not a stable hierarchy; all mean "unreadable"
        # Its first line says what is wrong; the rest is a "Context:" trail naming the sheet again.
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputFileError(
            f"could not read the sheet: {detail}",
            hint="check the file opens in Excel or LibreOffice",
            location=Location(file=path, sheet=sheet),
        ) from exc
    frame = pl.from_arrow(batch)
    assert isinstance(frame, pl.DataFrame)
    frame = frame.rename(dict(zip(frame.columns, _grid_columns(frame.width), strict=False)))
    found = [(*error.position, error.detail) for error in (errors.errors if errors is not None else [])]
    return SheetCells(frame, found)


_EXCEL_ERRORS = {
    "NA": "#N/A",
    "Ref": "#REF!",
    "Value": "#VALUE!",
    "Div0": "#DIV/0!",
    "Name": "#NAME?",
    "Null": "#NULL!",
    "Num": "#NUM!",
    "GettingData": "#GETTING_DATA",
}


def _excel_error_text(kind: str) -> str:
    return _EXCEL_ERRORS.get(kind, f"#{kind}")


def _decoded_utf8(path: Path, encoding: str) -> bytes | Path:
    """Polars reads UTF-8 only; other encodings are transcoded in memory first."""
    if encoding in ("utf-8", "utf8"):
        return path
    if encoding == "utf-8-sig":
        data = path.read_bytes()
        return data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    # utf-8-lenient: stray bytes become U+FFFD, flagged per cell by the reader.
    codec = "utf-8" if encoding == "utf-8-lenient" else encoding
    return path.read_bytes().decode(codec, errors="replace").encode("utf-8")


def sniff_delimiter(sample: str) -> str:
    """Pick the delimiter whose field count is most consistent (and > 1) over the sample's lines."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = counts.count(mode) / len(counts) + mode / 1000
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _count_fields(source: bytes | Path, delimiter: str) -> tuple[list[int], list[int]]:
    """Fields per record, by the csv module (polars pads or refuses ragged rows without saying
    which), and the line each record ends on (quoted cells may hold line breaks)."""
    if isinstance(source, Path):
        with source.open(newline="", encoding="utf-8", errors="replace") as handle:
            return _fields_and_ends(csv.reader(handle, delimiter=delimiter))
    text = io.StringIO(source.decode("utf-8", errors="replace"), newline="")
    return _fields_and_ends(csv.reader(text, delimiter=delimiter))


def _fields_and_ends(reader: Any) -> tuple[list[int], list[int]]:
    counts: list[int] = []
    count = counts.append  # returns None: the comprehension keeps every record's end line
    ends = [reader.line_num for row in reader if not count(len(row))]
    return counts, ends


def line_shifts(ends: list[int]) -> list[tuple[int, int]]:
    """(row, offset) wherever the line a record starts on stops being its row number + offset."""
    if not ends or ends[-1] == len(ends):
        return []  # as many lines as records: each record is its own line
    starts = pl.Series([0, *ends[:-1]], dtype=pl.Int64) + 1
    offsets = starts - pl.int_range(1, len(ends) + 1, eager=True)
    changed = offsets.diff().fill_null(offsets[0]) != 0
    rows = pl.int_range(1, len(ends) + 1, eager=True).filter(changed)
    return list(zip(rows.to_list(), offsets.filter(changed).to_list(), strict=True))


def _sample_text(source: bytes | Path) -> str:
    if isinstance(source, bytes):
        head = source[: 256 * 1024]
    else:
        with source.open("rb") as handle:
            head = handle.read(256 * 1024)
    return head.decode("utf-8", errors="ignore")


def read_delimited(path: Path, encoding: str, delimiter: str | None = None) -> RawGrid:
    """Read a CSV/TSV as text; ragged rows are recorded, never silently padded or cut.

    One bad record costs that record, not the file: an unterminated quote at the end is cut off
    and reported as an unreadable row, and control characters and undecodable bytes are removed
    from (or marked in) their cells with a warning each.
    """
    source = _decoded_utf8(path, encoding)
    delimiter = delimiter or sniff_delimiter(_sample_text(source))
    data = source.read_bytes() if isinstance(source, Path) else source
    suspect = _may_need_cleaning(data)
    source, unterminated = _cut_unterminated_quote(source, data, delimiter)
    del data  # a million-row file's bytes need not live through the parse
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The field count runs in Python while polars parses natively; on two cores they overlap.
        counting = pool.submit(_count_fields, source, delimiter)
        try:
            frame = pl.read_csv(
                io.BytesIO(source) if isinstance(source, bytes) else source,
                has_header=False,
                infer_schema=False,
                separator=delimiter,
                truncate_ragged_lines=True,
                raise_if_empty=False,
            )
        except pl.exceptions.PolarsError as exc:
            raise InputFileError(
                f"could not parse as delimited text: {exc}".splitlines()[0],
                hint="check the delimiter and quoting, or pass --delimiter",
                location=Location(file=path),
            ) from exc
        counts, ends = counting.result()
    if max(counts, default=0) > frame.width or len(counts) != frame.height:
        # polars sizes the grid from the first record; a title line above the header makes it too
        # narrow. Such hand-made files are small, so the csv module builds the grid instead.
        frame = _grid_from_csv(source, delimiter, max(counts, default=0))
        suspect = True
    frame = frame.rename(dict(zip(frame.columns, _grid_columns(frame.width), strict=False)))
    bad_rows: dict[int, str] = {}
    if unterminated is not None:
        line, text = unterminated
        row = frame.height + 1
        tail = pl.DataFrame({"c0": [text[:500]]}).with_columns(
            [pl.lit(None, pl.String).alias(c) for c in frame.columns[1:]]
        )
        frame = pl.concat([frame, tail.select(frame.columns)]) if frame.width else tail
        bad_rows[row] = (
            f"unterminated quote: the record from line {line} to the end of the file could not be read"
        )
        counts.append(frame.width)
        ends.append(line + text.count("\n"))
    frame = frame.with_row_index(ROW_COLUMN, offset=1).with_columns(pl.col(ROW_COLUMN).cast(pl.Int64))
    frame = frame.select([*_grid_columns(frame.width - 1), ROW_COLUMN])
    frame, problems = _clean_cells(frame) if suspect else (frame, [])
    width = frame.width - 1
    # A blank line has no fields at all; it is a blank row, not a ragged one.
    ragged = {row: n for row, n in enumerate(counts, start=1) if n not in (0, width)}
    return RawGrid(
        frame,
        None,
        problems,
        field_counts=ragged,
        delimiter=delimiter,
        encoding=encoding,
        bad_rows=bad_rows,
        line_shifts=line_shifts(ends),
    )


_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROL_BYTES = bytes(b for b in range(256) if b not in _CONTROL_BYTES)


def _may_need_cleaning(data: bytes) -> bool:
    """Whether any cell can hold a control character or a U+FFFD replacement.

    Two passes over the raw bytes at memory speed, where the cell-by-cell check costs two regex
    scans of every column; almost every file is clean, and then the cells are never scanned.
    """
    return bool(data.translate(None, _NOT_CONTROL_BYTES)) or b"\xef\xbf\xbd" in data


def _cut_unterminated_quote(
    source: bytes | Path, data: bytes, delimiter: str
) -> tuple[bytes | Path, tuple[int, str] | None]:
    """Split off a last record whose quote never closes (it would swallow the file's end).

    `data` is the bytes of `source`, read once by the caller."""
    if data.count(b'"') % 2 == 0:
        return source, None
    text = data.decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start_line, line_before = 1, 0
    try:
        for _ in reader:
            start_line, line_before = line_before + 1, reader.line_num
    except csv.Error:
        pass
    lines = text.splitlines(keepends=True)
    head, tail = "".join(lines[: start_line - 1]), "".join(lines[start_line - 1 :])
    if tail.count('"') % 2 == 0:
        return source, None  # an odd count elsewhere (a stray quote mid-field): leave it to the parser
    return head.encode("utf-8"), (start_line, tail.strip())


def _clean_cells(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[CellProblem]]:
    """Remove control characters and flag undecodable bytes, cell by cell, with a warning each."""
    problems: list[CellProblem] = []
    cleaned = []
    for index, column in enumerate(frame.columns):
        if column == ROW_COLUMN:
            continue
        series = frame.get_column(column)
        control = series.str.contains(_CONTROL).fill_null(False)
        replaced = series.str.contains("\ufffd", literal=True).fill_null(False)
        if not control.any() and not replaced.any():
            continue
        rows = frame.get_column(ROW_COLUMN)
        for row in rows.filter(control).to_list():
            problems.append(CellProblem(row, index, "control character removed"))
        for row in rows.filter(replaced).to_list():
            problems.append(
                CellProblem(row, index, "bytes that are not UTF-8 replaced with '\ufffd' (check this cell)")
            )
        cleaned.append(series.str.replace_all(_CONTROL, "").alias(column))
    return (frame.with_columns(cleaned) if cleaned else frame), problems


def _grid_from_csv(source: bytes | Path, delimiter: str, width: int) -> pl.DataFrame:
    if isinstance(source, Path):
        with source.open(newline="", encoding="utf-8", errors="replace") as handle:
            records = list(csv.reader(handle, delimiter=delimiter))
    else:
        records = list(
            csv.reader(io.StringIO(source.decode("utf-8", errors="replace"), newline=""), delimiter=delimiter)
        )
    columns = _grid_columns(width)
    padded = [
        [(v if v != "" else None) for v in r[:width]] + [None] * (width - min(len(r), width)) for r in records
    ]
    return pl.DataFrame(padded, schema=dict.fromkeys(columns, pl.String), orient="row")
