"""Dates as UK spreadsheets write them, read a whole column at a time (see `normalise`).

Most exports write every date one way ("01/03/2026", or ISO "2026-03-01"): those values are read
by one strptime each. The shapes people type (30th Sept 2027, March 2026, Excel serials) go
through the general patterns below, which cost about thirty times as much per distinct value.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from appconsol.ingest.normalise import YEAR_RANGE, Parsed, _finish, _frame, _k, _t, _typed, _v

_MONTH_NAMES = tuple(  # one string: twelve names do not need twelve lines
    "january february march april may june july august september october november december".split()  # noqa: SIM905
)
_MONTHS = {m: n for n, name in enumerate(_MONTH_NAMES, 1) for m in (name, name[:3])} | {"sept": 9}
_MONTH_NUMBER = pl.col("mon").replace_strict(_MONTHS, default=None, return_dtype=pl.Int32)
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[ap]m)?(?:z|[+-]\d{2}:?\d{2})?)?"
# Each shape is anchored and they cannot overlap, so their parts can simply be coalesced.
_DATE_SHAPES = {
    "iso": rf"^(?<y>\d{{4}})[-/.](?<m>\d{{1,2}})[-/.](?<d>\d{{1,2}}){_TIME}$",
    "numeric": rf"^(?<a>\d{{1,2}})[-/.](?<b>\d{{1,2}})[-/.](?<y>\d{{4}}|\d{{2}}){_TIME}$",
    "day_month": r"^(?<d>\d{1,2})(?:st|nd|rd|th)?[ \-/.]*(?<mon>[a-z]+)\.?,?[ \-/.]*(?<y>\d{4}|\d{2})$",
    "month_day": r"^(?<mon>[a-z]+)\.? (?<d>\d{1,2})(?:st|nd|rd|th)?,? (?<y>\d{4})$",
    "month_name": r"^(?<mon>[a-z]+)\.?[ \-/.,']*(?<y>\d{4}|\d{2})$",
    "year_month": r"^(?<y>\d{4})[-/.](?<m>\d{1,2})$",
    "month_year": r"^(?<m>\d{1,2})[-/.](?<y>\d{4})$",
    "compact": r"^(?<y>\d{4})(?<m>\d{2})(?<d>\d{2})$",
}


def _part(name: str, shapes: Sequence[str]) -> pl.Expr:
    return pl.coalesce(pl.col(shape).struct.field(name) for shape in shapes).cast(pl.Int32, strict=False)


# Shapes whose every match means exactly what strptime reads: no two-digit years, no serials, no
# one-digit days. (pattern, format when day first, format when month first)
_FAST_SHAPES = (
    (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d", "%Y-%m-%d"),
    (r"^\d{2}/\d{2}/\d{4}$", "%d/%m/%Y", "%m/%d/%Y"),
)


def parse_date(s: pl.Series, *, day_first: bool = True) -> Parsed:
    """Read dates in the shapes UK spreadsheets use, Excel serial numbers included."""
    return _parse_date(s, day_first=day_first, fast=True)


def _parse_date(s: pl.Series, *, day_first: bool, fast: bool) -> Parsed:
    """`parse_date`; with `fast=False` every value takes the general patterns (tests compare them)."""
    if s.dtype == pl.Date:
        return _typed(s)
    if isinstance(s.dtype, pl.Datetime):
        return _typed(s.dt.date())
    from_number = s.dtype.is_numeric()
    text, lazy = _frame(s)
    keys = lazy.collect()
    if fast:
        shapes = [
            (_k.str.contains(pattern), day if day_first else month) for pattern, day, month in _FAST_SHAPES
        ]
        quick = keys.select(
            matched=pl.any_horizontal(m for m, _ in shapes).fill_null(False),
            date=_in_year_range(
                pl.coalesce(pl.when(m).then(_k.str.to_date(f, strict=False)) for m, f in shapes)
            ),
        )
        matched, dates = quick.get_column("matched"), quick.get_column("date")
        if not matched.all():
            rest = (~matched).arg_true()
            dates = dates.scatter(
                rest, _general_dates(keys[rest], day_first=day_first, from_number=from_number)
            )
    else:
        dates = _general_dates(keys, day_first=day_first, from_number=from_number)
    return _finish(
        text,
        keys.lazy().with_columns(date=dates),
        pl.col("date"),
        _t == _v.dt.to_string("%Y-%m-%d"),
        "unparseable date",
    )


def _in_year_range(value: pl.Expr) -> pl.Expr:
    # Years far outside any inventory's (0001, 9999 placeholders) are typing or export defaults.
    return pl.when(value.dt.year().is_between(YEAR_RANGE[0], YEAR_RANGE[1])).then(value)


def _general_dates(keys: pl.DataFrame, *, day_first: bool, from_number: bool) -> pl.Series:
    """The date each key `k` reads as in any of the general shapes (or an Excel serial), else NULL."""
    frame = keys.lazy()
    frame = frame.with_columns(
        *(_k.str.extract_groups(pattern).alias(shape) for shape, pattern in _DATE_SHAPES.items()),
        serial=_k.str.extract(r"^(\d+)(?:\.\d+)?$").cast(pl.Int64, strict=False),
    )
    numeric = pl.col("numeric")
    first, second = (numeric.struct.field("a"), numeric.struct.field("b"))
    if not day_first:
        first, second = second, first
    frame = frame.with_columns(
        numeric=numeric.struct.with_fields(d=first, m=second),
        mon=pl.coalesce(pl.col(c).struct.field("mon") for c in ("day_month", "month_day", "month_name")),
    )
    y = _part("y", list(_DATE_SHAPES))
    # Only a two-digit year gets a century: "01/01/0001" is year 1 (refused below), not 2001.
    two_digit = (
        pl.coalesce(
            pl.col(c).struct.field("y").str.len_chars() for c in _DATE_SHAPES if "(?<y>" in _DATE_SHAPES[c]
        )
        <= 2
    )
    y = pl.when(two_digit & (y < 100)).then(y + pl.when(y < 69).then(2000).otherwise(1900)).otherwise(y)
    month = pl.coalesce(_part("m", ["iso", "numeric", "year_month", "month_year", "compact"]), _MONTH_NUMBER)
    day = _part("d", ["iso", "numeric", "day_month", "month_day", "compact"]).fill_null(1)
    serial = pl.col("serial")
    year_only = serial.is_between(1900, 2100) & (_k.str.len_chars() == 4)
    month = pl.when(year_only).then(1).otherwise(month)
    y = pl.when(year_only).then(serial).otherwise(y)
    plausible = (serial > 0) & (serial < 2958466) if from_number else serial.is_between(20000, 80000)
    # Excel's 1900 system counts a 29 February 1900 that never was: serial 60 is no date at all.
    epoch = pl.when(serial > 60).then(pl.date(1899, 12, 30)).when(serial < 60).then(pl.date(1899, 12, 31))
    from_serial = pl.when(plausible & ~year_only).then(epoch + pl.duration(days=serial))
    ok = y.is_between(1000, 9999) & month.is_between(1, 12) & day.is_between(1, 31)
    first_of_month = pl.date(pl.when(ok).then(y).otherwise(2000), pl.when(ok).then(month).otherwise(1), 1)
    valid = ok & (day <= first_of_month.dt.month_end().dt.day())
    from_parts = pl.when(valid).then(first_of_month + pl.duration(days=day - 1))
    value = pl.coalesce(from_serial, from_parts)
    return frame.select(_in_year_range(value)).collect(engine="in-memory").to_series()
