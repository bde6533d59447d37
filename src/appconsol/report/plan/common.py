"""What every sheet shares: formats, the title and note lines, Excel tables over row blocks, splits."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from appconsol.errors import AppconsolError
from appconsol.report.plan import safe
from appconsol.report.plan.data import PlanData
from appconsol.report.plan.figures import ModelFigures
from appconsol.report.plan.formulas import FIRST_DATA_ROW, HEADER_ROW, NOTE_ROW, TITLE_ROW
from appconsol.report.plan.rows import Block, Column, PlanWorksheet

TABLE_STYLE = "Table Style Light 9"
MONEY = '"£"#,##0;[Red]-"£"#,##0'
MONEY_PENCE = '"£"#,##0.00;[Red]-"£"#,##0.00'
DATE = "yyyy-mm-dd"
RAG_COLOURS = {
    "red": ("#FFC7CE", "#9C0006"),
    "amber": ("#FFEB9C", "#9C5700"),
    "green": ("#C6EFCE", "#006100"),
}


class PlanTooLargeError(AppconsolError):
    """A table that must stay on one sheet would pass Excel's row limit."""


def data_capacity() -> int:
    """Data rows one sheet can hold below its title, note and header (read at call time for tests)."""
    return safe.EXCEL_MAX_ROWS - FIRST_DATA_ROW


def sheet_parts(title: str, rows: int) -> list[str]:
    """Sheet names for a table split across sheets at Excel's row limit: "Findings", "Findings (2)"..."""
    count = max(1, -(-rows // data_capacity()))
    return [title if i == 0 else f"{title} ({i + 1})" for i in range(count)]


def require_one_sheet(title: str, rows: int) -> None:
    if rows > data_capacity():
        raise PlanTooLargeError(
            f"sheet '{title}' would need {rows + FIRST_DATA_ROW:,} rows, past Excel's {safe.EXCEL_MAX_ROWS:,}",
            hint="write the plan tables with `appconsol report --format parquet` (or csv) instead",
        )


@dataclass
class Book:
    """The workbook being written, with its formats and where each application's rows landed."""

    workbook: Any
    data: PlanData
    figures: ModelFigures
    formats: dict[str, Any] = field(default_factory=dict)
    sheets: dict[str, PlanWorksheet] = field(default_factory=dict)
    table_names: set[str] = field(default_factory=set)
    # organisation, app_id, __sheet, __row of every application on the Applications sheet(s)
    app_locations: pl.DataFrame = field(default_factory=pl.DataFrame)
    # organisation -> its number on the Summary's legacy RAG block (COUNTIFS keys on it)
    org_numbers: pl.DataFrame = field(default_factory=pl.DataFrame)
    # organisation, app_id -> link target / name and hosting (sheets_evidence.app_links, app_facts)
    app_links: pl.DataFrame | None = None
    app_facts: pl.DataFrame | None = None

    def add_formats(self) -> None:
        add = self.workbook.add_format
        self.formats.update(
            title=add({"bold": True, "font_size": 14}),
            note=add({"italic": True, "font_color": "#595959"}),
            subtitle=add({"bold": True, "font_size": 12}),
            bold=add({"bold": True}),
            money=add({"num_format": MONEY}),
            money_pence=add({"num_format": MONEY_PENCE}),
            money_bold=add({"num_format": MONEY, "bold": True}),
            number=add({"num_format": "#,##0.##"}),
            integer=add({"num_format": "0"}),
            count=add({"num_format": "#,##0"}),
            percent=add({"num_format": "0.0%"}),
            factor=add({"num_format": "0.0000"}),
            date=add({"num_format": DATE}),
            datetime=add({"num_format": "yyyy-mm-dd hh:mm"}),
            link=add({"font_color": "#0563C1", "underline": 1}),
            input=add({"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF"}),
            input_percent=add(
                {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF", "num_format": "0.0%"}
            ),
            input_money=add(
                {"bg_color": "#FFF2CC", "border": 1, "border_color": "#BFBFBF", "num_format": MONEY}
            ),
            optimiser_input=add({"bg_color": "#EDEDED", "border": 1, "border_color": "#BFBFBF"}),
            wrap=add({"text_wrap": True, "valign": "top"}),
        )
        for rag, (fill, font) in RAG_COLOURS.items():
            self.formats[f"rag_{rag}"] = add({"bg_color": fill, "font_color": font})

    def sheet(self, name: str) -> PlanWorksheet:
        if name not in self.sheets:
            self.sheets[name] = self.workbook.add_worksheet(name, worksheet_class=PlanWorksheet)
        return self.sheets[name]

    def table_name(self, base: str) -> str:
        name, i = base, 2
        while name in self.table_names:
            name, i = f"{base}{i}", i + 1
        self.table_names.add(name)
        return name


def write_heading(book: Book, ws: PlanWorksheet, title: str, note: str) -> None:
    """The one-line title and the how-to-read note every sheet starts with (tool text only)."""
    ws.write_string(TITLE_ROW, 0, title, book.formats["title"])
    ws.write_string(NOTE_ROW, 0, safe.safe_text(note), book.formats["note"])


def write_table(
    book: Book,
    ws: PlanWorksheet,
    name: str,
    columns: Sequence[Column],
    frame: pl.DataFrame,
    *,
    header_row: int = HEADER_ROW,
    freeze: bool = True,
    widths: bool = True,
    load: Callable[[], Iterator[pl.DataFrame]] | None = None,
) -> tuple[int, int]:
    """An Excel table (filters, banding) whose header is written here and whose rows are a block.

    With `load`, the rows are read when the sheet is rendered and `frame` only stands in for them
    (its height; see `Block`). Returns the 0-based first and last data rows (a table keeps one
    blank row when empty).
    """
    first = header_row + 1
    last = first + max(frame.height, 1) - 1
    ws.add_table_fast(
        header_row,
        0,
        last,
        len(columns) - 1,
        {
            "name": book.table_name(name),
            "style": TABLE_STYLE,
            "columns": [{"header": c.header} for c in columns],
        },
    )
    ws.add_block(Block(frame, columns, first, load=load))
    if widths:
        for i, column in enumerate(columns):
            ws.set_column(i, i, column.width)
    if freeze:
        ws.freeze_panes(header_row + 1, 0)
    return first, last


def column_range(ws_name: str, col: int, first: int, last: int) -> str:
    """An absolute A1 range on a sheet (0-based rows in, 1-based out)."""
    letter = xl_col_to_name(col)
    return f"'{ws_name}'!${letter}${first + 1}:${letter}${last + 1}"


def rag_formatting(book: Book, ws: PlanWorksheet, col: int, first: int, last: int) -> None:
    """Colour red/amber/green text cells the way a finance pack's RAG column looks."""
    for rag in RAG_COLOURS:
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {"type": "cell", "criteria": "==", "value": f'"{rag}"', "format": book.formats[f"rag_{rag}"]},
        )


def with_locations(frame: pl.DataFrame, parts: Sequence[str]) -> pl.DataFrame:
    """Add each row's sheet and 1-based Excel row (`__sheet`, `__row`) for a table split over `parts`."""
    capacity = data_capacity()
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    return frame.with_columns(
        _part_name(index // capacity, parts).alias("__sheet"),
        (index % capacity + FIRST_DATA_ROW + 1).alias("__row"),
    )


def _part_name(part: pl.Expr, parts: Sequence[str]) -> pl.Expr:
    expr = pl.lit(parts[-1])
    for i in reversed(range(len(parts) - 1)):
        expr = pl.when(part == i).then(pl.lit(parts[i])).otherwise(expr)
    return expr


def link_target(sheet_col: str = "__sheet", row_col: str = "__row", column: str = "A") -> pl.Expr:
    """`'Sheet'!A12` for an internal HYPERLINK (sheet names are ours, never from input)."""
    return pl.format("'{}'!{}{}", pl.col(sheet_col), pl.lit(column), pl.col(row_col))


WIDE_SHEETS = ("Plan", "Savings", "Cash flow", "Partners", "Options", "Sensitivity", "Baseline", "Overlaps")


def print_setup(book: Book, header_rows: dict[str, int], board_last_row: int) -> None:
    """Print areas, fit-to-width, repeated header rows and landscape where wide; the Summary's
    headline, options and year blocks fit one landscape page: the board view.
    """
    for name, ws in book.sheets.items():
        ws.set_paper(9)  # A4
        if name == "Board":
            ws.set_landscape()
            ws.fit_to_pages(1, 1)
            continue
        if name == "Summary":
            ws.set_landscape()
            ws.print_area(0, 0, board_last_row, 15)
            ws.fit_to_pages(1, 1)
            continue
        if name in WIDE_SHEETS or name.startswith(("Findings", "Applications", "Legacy risk", "Cloud")):
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        header = header_rows.get(name, HEADER_ROW)
        if name not in ("Cover", "Assumptions", "Options", "Sensitivity"):
            ws.repeat_rows(header)


def add_joined(frame: pl.DataFrame, right: pl.DataFrame, on: str | list[str], **options: Any) -> pl.DataFrame:
    """`frame.join(right, on=on, how="left", maintain_order="left")` where `right` is unique on `on`:
    the same rows, in the same order, with the same columns, but only the key columns go through
    the join, so the frame's own columns are shared, not copied (at 1M applications a copy of the
    findings' columns alone is about 600 MB).
    """
    keys = [on] if isinstance(on, str) else list(on)
    joined = frame.select(keys).join(right, on=on, how="left", maintain_order="left", **options)
    added = joined.drop(keys)
    clash = set(added.columns) & set(frame.columns)
    if joined.height != frame.height or clash:
        raise ValueError(f"add_joined needs a right side unique on {keys} with new columns only")
    return frame.with_columns(added.get_columns())


class SharedRows:
    """A table's rows streamed to its sheets: read when the first sheet is rendered, in batches,
    each part taking the next rows, so the whole table is never in memory at once.

    The Findings sheets of a 1M plan hold 2.5M rows (about 1.3 GB as one frame, read on top of
    everything else the writer holds); streamed, a batch at a time is.
    """

    def __init__(self, read: Callable[[], Iterator[pl.DataFrame]]):
        self._read = read
        self._batches: Iterator[pl.DataFrame] | None = None
        self._left: pl.DataFrame | None = None
        self._next = 0
        self._parts = 0

    def loader(self, offset: int, length: int) -> Callable[[], Iterator[pl.DataFrame]]:
        self._parts += 1
        return lambda: self._take(offset, length)

    def _take(self, offset: int, length: int) -> Iterator[pl.DataFrame]:
        if offset != self._next:
            raise ValueError(f"table parts rendered out of order: rows {offset}.. after {self._next}")
        if self._batches is None:
            self._batches = iter(self._read())
        wanted = length
        while wanted > 0:
            frame = self._left if self._left is not None else next(self._batches, None)
            self._left = None
            if frame is None:
                break  # fewer rows than announced: Block.batches says so
            if frame.height > wanted:
                frame, self._left = frame.slice(0, wanted), frame.slice(wanted)
            wanted -= frame.height
            if frame.height:
                yield frame
        self._next = offset + length
        self._parts -= 1
        if self._parts == 0:
            self.close()

    def close(self) -> None:
        """End the read (and whatever it holds open, such as DuckDB's result and memory limit)."""
        close = getattr(self._batches, "close", None)
        if close is not None:
            close()
        self._batches, self._left = None, None
