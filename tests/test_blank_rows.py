"""Blank rows are found column by column; they must be exactly the rows whose every cell is empty."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from appconsol.ingest.rows import blank_rows

_CELL = st.sampled_from([None, "", " ", "\t", "\u00a0", "\r\n", "x", " y ", "0", "\u200b"])


def _every_cell_empty(frame: pl.DataFrame) -> list[bool]:
    return [all(v is None or v.strip() == "" for v in row) for row in frame.iter_rows()]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 5).flatmap(
        lambda width: st.lists(st.lists(_CELL, min_size=width, max_size=width), max_size=40)
    )
)
def test_blank_rows_are_the_rows_with_every_cell_empty_or_whitespace(rows):
    width = len(rows[0]) if rows else 0
    columns = [f"c{i}" for i in range(width)]
    frame = pl.DataFrame(rows, schema={c: pl.String for c in columns}, orient="row")
    blank = blank_rows(frame, columns)
    assert blank.dtype == pl.Boolean and len(blank) == frame.height
    if width == 0:
        assert blank.to_list() == [True] * frame.height
    else:
        assert blank.to_list() == _every_cell_empty(frame)


def test_a_sheet_of_filled_rows_has_no_blank_row_and_a_gap_is_found():
    frame = pl.DataFrame({"c0": ["a", None, "c", " "], "c1": ["b", " ", None, None]})
    assert blank_rows(frame, ["c0", "c1"]).to_list() == [False, True, False, True]
