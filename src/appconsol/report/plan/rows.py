"""Blocks of table rows written column-wise: the plan's bulk cells, fast and typed.

xlsxwriter writes the whole package (workbook, styles, tables, charts, validations, names). Its
per-cell API costs about 5 µs a cell, and a plan for 100k applications holds several million
cells, so the bulk rows of each table are rendered here instead, a column at a time with polars
expressions, into the same `<row>`/`<c>` XML xlsxwriter itself writes in constant-memory mode
(inline strings, numbers, booleans, formulas with cached values). `PlanWorksheet` hands xlsxwriter
the rows above and below each block and streams the block's XML in between, so the sheet stays
one ordered `<sheetData>`.

The cell types are fixed by the column, never by the value: inventory text is always an inline
string (`t="inlineStr"`), so a name starting with `=` can never become a formula or a link.
Formulas and links come only from templates in this package.

When xlsxwriter lacks the hooks the fast path needs (a future version renaming a private method),
`FAST_ROWS` is False and the same cells go through xlsxwriter's public write methods: slower,
identical in content (a test compares the two paths cell by cell).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import polars as pl
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import Worksheet

from appconsol.report.plan.safe import xml_escape, xml_text_expr
from appconsol.report.plan.textneeds import TextNeeds, text_body, text_needs

KINDS = ("text", "number", "integer", "date", "datetime", "bool", "formula", "link")
CHUNK_ROWS = 20_000  # at most, per chunk of rendered rows
CHUNK_BYTES = 8 << 20  # about this much XML per chunk: the rows' XML is held a few chunks at a time
FIRST_CHUNK_ROWS = 1_000  # rendered first, to size the other chunks
RENDER_THREADS = 2
_EPOCH = dt.date(1899, 12, 30)

FAST_ROWS = all(hasattr(Worksheet, name) for name in ("_write_rows", "_check_dimensions", "_calculate_spans"))


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, how its cells are typed, and where the values come from.

    - text/number/integer/date/datetime/bool: `source` names a frame column.
    - formula: `formula` is a template with `{r}` for the 1-based row number (no leading `=`), and
      `source` names the frame column holding the cached value (the Python model's figure);
      `result` says whether that value is a number, text or a boolean.
    - link: an internal HYPERLINK formula; `source` names a frame column holding the target
      (`'Applications'!A12`), `link_text` is the text shown. A null target writes no cell.
    """

    header: str
    kind: str
    source: str | None = None
    fmt: Any = None
    width: float = 14
    formula: str | None = None
    result: str = "number"
    link_text: str = "open"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")
        if self.kind == "formula" and not self.formula:
            raise ValueError(f"formula column {self.header!r} needs a template")


@dataclass
class Block:
    """Rows `first_row`.. (0-based) of a sheet, one per frame row, columns from `first_col`.

    With `load`, the rows are read only when the block is rendered, as consecutive frames (batches)
    let go one after the other, and `frame` stands in for them until then: the same height, any
    columns (a large table need not be in memory while every other sheet is written, nor whole
    while its own sheet is).
    """

    frame: pl.DataFrame
    columns: Sequence[Column]
    first_row: int
    first_col: int = 0
    load: Callable[[], Iterator[pl.DataFrame]] | None = None

    @property
    def last_row(self) -> int:
        return self.first_row + self.frame.height - 1

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.columns) - 1

    def release(self) -> None:
        """Let go of the rows once rendered: the frame becomes a stand-in of the same height."""
        self.frame = stand_in(self.frame.height)
        self.load = None

    def batches(self) -> Iterator[pl.DataFrame]:
        """The block's rows, in order: `frame` itself, or what `load` reads (checked to add up)."""
        if self.load is None:
            yield self.frame
            return
        seen = 0
        for frame in self.load():
            seen += frame.height
            if seen > self.frame.height:
                break
            yield frame
        if seen != self.frame.height:
            raise ValueError(f"row block expected {self.frame.height} rows, read {seen}")


def stand_in(height: int) -> pl.DataFrame:
    """A frame of `height` rows that holds no data (one column of nulls, which take no memory)."""
    return pl.repeat(None, height, dtype=pl.Null, eager=True).alias("__rows").to_frame()


def _style(fmt: Any) -> str:
    return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _template_expr(template: str, row_number: pl.Expr) -> pl.Expr:
    """`{r}` becomes the row number, `{name}` the frame column `name` (numbers this package computed)."""
    parts: list[pl.Expr] = []
    pieces = _PLACEHOLDER.split(xml_escape(template))
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            if piece:
                parts.append(pl.lit(piece))
        else:
            parts.append(row_number if piece == "r" else pl.col(piece).cast(pl.String))
    return pl.concat_str(parts)


def _number_text(expr: pl.Expr) -> pl.Expr:
    value = expr.cast(pl.Float64)
    return pl.when(value.is_finite()).then(value.cast(pl.String))


def _is_shareable(template: str) -> bool:
    return set(_PLACEHOLDER.findall(template)) <= {"r"}


def _cell_expr(
    column: Column,
    letter: str,
    row_number: pl.Expr,
    needs: TextNeeds | None,
    shared: tuple[int, str] | None,
    is_master: pl.Expr,
) -> pl.Expr:
    ref = [pl.lit(f'<c r="{letter}'), row_number]
    style = _style(column.fmt)
    source = pl.col(column.source) if column.source else pl.lit(None)
    if column.kind == "text":
        assert needs is not None
        text = source.cast(pl.String)
        open_tag = '<t xml:space="preserve">' if needs.preserve else "<t>"
        return pl.when(text != "").then(
            pl.concat_str(
                [
                    *ref,
                    pl.lit(f'"{style} t="inlineStr"><is>{open_tag}'),
                    text_body(text, needs),
                    pl.lit("</t></is></c>"),
                ]
            )
        )
    if column.kind in ("number", "integer", "date", "datetime"):
        if column.kind == "integer":
            value = source.cast(pl.Int64).cast(pl.String)
        elif column.kind == "date":
            value = (source.cast(pl.Date) - pl.lit(_EPOCH)).dt.total_days().cast(pl.String)
        elif column.kind == "datetime":
            value = _number_text(
                (source.cast(pl.Datetime("us")) - pl.lit(dt.datetime(1899, 12, 30))).dt.total_microseconds()
                / 86_400_000_000
            )
        else:
            value = _number_text(source)
        return pl.concat_str([*ref, pl.lit(f'"{style}><v>'), value, pl.lit("</v></c>")])
    if column.kind == "bool":
        flag = source.cast(pl.Boolean)
        value = pl.when(flag.is_not_null()).then(pl.when(flag).then(pl.lit("1")).otherwise(pl.lit("0")))
        return pl.concat_str([*ref, pl.lit(f'"{style} t="b"><v>'), value, pl.lit("</v></c>")])
    if column.kind == "link":
        target = source.cast(pl.String).str.replace_all("&", "&amp;", literal=True)
        shown = xml_escape(column.link_text)
        return pl.concat_str(
            [
                *ref,
                pl.lit(f'"{style} t="str"><f>HYPERLINK("#'),
                target,
                pl.lit(f'","{shown}")</f><v>{shown}</v></c>'),
            ]
        )
    # formula
    assert column.formula is not None
    if shared is not None:
        # One master formula for the whole column, shared by the cells below it (OOXML shared
        # formulas: relative references shift by row, as when Excel fills a column down).
        si, master = shared
        formula = pl.when(is_master).then(pl.lit(master)).otherwise(pl.lit(f'<f t="shared" si="{si}"/>'))
    else:
        formula = pl.concat_str([pl.lit("<f>"), _template_expr(column.formula, row_number), pl.lit("</f>")])
    if column.result == "text":
        cached = xml_text_expr(source.cast(pl.String))
        kind: str | pl.Expr = ' t="str"'
    elif column.result == "mixed":
        # A number where the model gives one, else text (payback "none").
        cached = source.cast(pl.String)
        numeric = cached.cast(pl.Float64, strict=False).is_not_null()
        kind = pl.when(numeric).then(pl.lit("")).otherwise(pl.lit(' t="str"'))
        cached = pl.when(numeric).then(cached).otherwise(xml_text_expr(cached))
    elif column.result == "bool":
        flag = source.cast(pl.Boolean)
        cached = pl.when(flag.is_not_null()).then(pl.when(flag).then(pl.lit("1")).otherwise(pl.lit("0")))
        kind = ' t="b"'
    else:
        cached = _number_text(source)
        kind = ""
    value = pl.when(cached.is_not_null()).then(pl.concat_str([pl.lit("<v>"), cached, pl.lit("</v>")]))
    kind_expr = pl.lit(kind) if isinstance(kind, str) else kind
    return pl.concat_str(
        [*ref, pl.lit(f'"{style}'), kind_expr, pl.lit(">"), formula, value.fill_null(""), pl.lit("</c>")]
    )


def render_block(
    block: Block, chunk_rows: int = CHUNK_ROWS, first_shared_id: int = 0, threads: int = RENDER_THREADS
) -> Iterator[bytes]:
    """The block's `<row>` elements as UTF-8 XML, a chunk of rows at a time, in row order.

    Each chunk is joined inside polars and handed over as bytes: no Python string per row, and
    no decoding and re-encoding on the way to the file. Chunks hold about CHUNK_BYTES of XML
    (sized from the first chunk, at most `chunk_rows` rows), so memory does not grow with the
    width of the sheet; with `threads` > 1 the columns' text checks and the chunks are rendered
    on that many threads (polars releases the GIL) and handed over in order.

    Formula columns whose template depends only on the row are written as shared formulas with
    ids from `first_shared_id` on (`shared_formula_count` says how many a block uses).
    """
    if block.frame.height == 0:
        return
    shared = _shared_masters(block, first_shared_id)
    with ThreadPoolExecutor(max(1, threads)) as pool:
        base = 0
        for frame in block.batches():
            yield from _render_frame(block, frame, base, shared, chunk_rows, pool, threads)
            base += frame.height


def _render_frame(
    block: Block,
    frame: pl.DataFrame,
    base: int,
    shared: list[tuple[int, str] | None],
    chunk_rows: int,
    pool: ThreadPoolExecutor,
    threads: int,
) -> Iterator[bytes]:
    """Rows base.. of the block, held in `frame`: its columns' text checks, then its chunks."""
    height = frame.height
    if height == 0:
        return
    texts = [c.source if c.kind == "text" and c.source else None for c in block.columns]
    found = pool.map(text_needs, [frame.get_column(s) for s in texts if s])
    known = {s: next(found) for s in texts if s}
    needs = [known[s] if s else None for s in texts]
    first = _render_chunk(block, frame, needs, shared, base, 0, min(FIRST_CHUNK_ROWS, height))
    yield first
    if height <= FIRST_CHUNK_ROWS:
        return
    per_row = max(1, len(first) // min(FIRST_CHUNK_ROWS, height))
    step = max(FIRST_CHUNK_ROWS, min(chunk_rows, CHUNK_BYTES // per_row))
    pending: deque[Future[bytes]] = deque()
    for offset in range(FIRST_CHUNK_ROWS, height, step):
        pending.append(pool.submit(_render_chunk, block, frame, needs, shared, base, offset, step))
        if len(pending) > max(1, threads):
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _shared_masters(block: Block, first_shared_id: int) -> list[tuple[int, str] | None]:
    shared: list[tuple[int, str] | None] = []
    next_id = first_shared_id
    for i, column in enumerate(block.columns):
        if (
            column.kind == "formula"
            and column.formula
            and _is_shareable(column.formula)
            and block.frame.height > 1
        ):
            letter = xl_col_to_name(block.first_col + i)
            ref = f"{letter}{block.first_row + 1}:{letter}{block.last_row + 1}"
            text = xml_escape(column.formula.replace("{r}", str(block.first_row + 1)))
            shared.append((next_id, f'<f t="shared" ref="{ref}" si="{next_id}">{text}</f>'))
            next_id += 1
        else:
            shared.append(None)
    return shared


def _render_chunk(
    block: Block,
    frame: pl.DataFrame,
    needs: list[TextNeeds | None],
    shared: list[tuple[int, str] | None],
    base: int,
    offset: int,
    length: int,
) -> bytes:
    chunk = frame.slice(offset, length)
    index = pl.int_range(pl.len(), dtype=pl.Int64) + (base + offset)  # the row's index in the block
    row_number = (index + block.first_row + 1).cast(pl.String)
    cells = [
        _cell_expr(column, xl_col_to_name(block.first_col + i), row_number, needs[i], shared[i], index == 0)
        for i, column in enumerate(block.columns)
    ]
    rows = chunk.select(
        pl.concat_str(
            [pl.lit('<row r="'), row_number, pl.lit('">'), *cells, pl.lit("</row>")], ignore_nulls=True
        )
        .str.join("")
        .cast(pl.Binary)
        .alias("xml")
    )
    xml = rows.item()
    assert isinstance(xml, bytes)
    return xml


def shared_formula_count(block: Block) -> int:
    if block.frame.height <= 1:
        return 0
    return sum(1 for c in block.columns if c.kind == "formula" and c.formula and _is_shareable(c.formula))


class PlanWorksheet(Worksheet):
    """An xlsxwriter worksheet that also holds column-wise row blocks (see the module docstring)."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[Block] = []
        self.announce: Callable[[str], None] | None = None  # progress, as the sheet is rendered
        self.package: Any = None  # a package.Deflater: the sheet's XML is deflated as it is written

    def _set_xml_writer(self, filename: Any) -> None:
        if self.package is None or not isinstance(filename, str):
            super()._set_xml_writer(filename)
            return
        self.internal_fh = True  # xlsxwriter closes it when the sheet is written
        self.fh = self.package.part(filename)

    def add_table_fast(
        self, first_row: int, first_col: int, last_row: int, last_col: int, options: dict[str, Any]
    ) -> None:
        """`add_table` without its per-cell overlap bookkeeping (a dict entry per cell: 10M for a
        100k-row table, most of a 100k plan's time and memory): the table is added over its header
        and first row, then its ranges are widened. The plan's tables never overlap by construction.
        """
        small_last = min(last_row, first_row + 1)
        if self.add_table(first_row, first_col, small_last, last_col, options) != 0:
            raise ValueError(f"xlsxwriter refused table {options.get('name')!r}")
        if last_row == small_last:
            return
        table = self.tables[-1]
        small, full = (
            xl_range(first_row, first_col, small_last, last_col),
            xl_range(first_row, first_col, last_row, last_col),
        )
        if FAST_ROWS and table.get("range") == small and table.get("a_range") == small:
            table["range"] = table["a_range"] = full
            if table.get("autofilter"):
                table["autofilter"] = full
            return
        # An xlsxwriter that stores tables differently: undo and add it the slow way.
        self.tables.pop()
        for row in range(first_row, small_last + 1):
            for col in range(first_col, last_col + 1):
                self.table_cells.pop((row, col), None)
        self.add_table(first_row, first_col, last_row, last_col, options)

    def add_block(self, block: Block) -> None:
        if block.frame.height == 0:
            return
        if not FAST_ROWS:
            from appconsol.report.plan.cellwise import write_block_cellwise

            write_block_cellwise(self, block)
            return
        for other in self.blocks:
            if not (block.last_row < other.first_row or block.first_row > other.last_row):
                raise ValueError("row blocks overlap")
        self._check_dimensions(block.first_row, block.first_col)
        self._check_dimensions(block.last_row, block.last_col)
        self.blocks.append(block)

    def _write_xml(self, chunks: Iterator[bytes]) -> None:
        _write_raw(self.fh, chunks)

    def _write_rows(self) -> None:
        if self.announce:
            self.announce(f"sheet {self.name}")
        if not self.blocks:
            super()._write_rows()
            return
        low: int = self.dim_rowmin  # type: ignore[has-type]
        high: int = self.dim_rowmax  # type: ignore[has-type]
        start, shared_id = low, 0
        try:
            for block in sorted(self.blocks, key=lambda b: b.first_row):
                clash = [r for r in range(block.first_row, block.last_row + 1) if self.table.get(r)]
                if clash or any(block.first_row <= r <= block.last_row for r in self.row_info):
                    raise ValueError(
                        f"cells written into row block at rows {block.first_row}..{block.last_row}"
                    )
                if start < block.first_row:
                    self.dim_rowmin, self.dim_rowmax = start, block.first_row - 1
                    super()._write_rows()
                self._write_xml(render_block(block, first_shared_id=shared_id))
                shared_id += shared_formula_count(block)
                block.release()  # the sheets after this one are rendered without its rows
                start = block.last_row + 1
            if start <= high:
                self.dim_rowmin, self.dim_rowmax = start, high
                super()._write_rows()
        finally:
            self.dim_rowmin, self.dim_rowmax = low, high


def _write_raw(fh: Any, chunks: Iterator[bytes]) -> None:
    """UTF-8 chunks to the sheet's file: a deflated part (package.py) takes bytes; xlsxwriter's
    own text file is written through its byte buffer.
    """
    write_bytes = getattr(fh, "write_bytes", None)
    if write_bytes is not None:
        for chunk in chunks:
            write_bytes(chunk)
        return
    buffer = getattr(fh, "buffer", None)
    if buffer is not None and getattr(fh, "encoding", "").lower().replace("-", "") == "utf8":
        fh.flush()
        for chunk in chunks:
            buffer.write(chunk)
        return
    for chunk in chunks:  # an in-memory sheet (xlsxwriter's in_memory option): text
        fh.write(chunk.decode("utf-8"))
