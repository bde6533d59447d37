"""Tell the rows under a header apart: applications, and the rows a person added around them.

Hand-made registers carry more than applications: a units row under the header ("GBP per year"),
a TOTAL row whose cost is a `=SUM()` of the column, notes and sources at the bottom, and rows
pasted twice. Loading a total as an application inflates a body's run cost by the whole column;
loading a copied row counts its cost twice. Such rows are *skipped* (summary, units and notes
rows, with the reason) or *rejected* (an exact copy of an earlier row), never silently loaded.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from appconsol.errors import Location, MappingError
from appconsol.ingest import normalise as norm
from appconsol.ingest.header import HeaderChoice
from appconsol.ingest.headers import normalise_header
from appconsol.ingest.read import ROW_COLUMN, RawGrid
from appconsol.ingest.values import DESCRIPTION_CELL
from appconsol.schema import FIELDS_BY_NAME, Kind

SKIPPED = "skipped: "
# "TOTAL", "Grand total:", "Subtotal - Housing", "Total for Finance", "Totals (£)"; not "Total Access Emailer".
_TOTAL = (
    r"(?i)^\s*(?:grand[\s-]*|sub[\s-]*)?totals?\s*"
    r"(?:[:\-–(].*|for\b.*|(?:annual |yearly |running )?(?:costs?|spend|amount)\b.*|\d.*|£.*)?$"
    r"|^\s*(?:sum|overall total)\s*:?\s*$"
)
_NOTE = (
    r"(?i)^\s*(?:\*+|†|notes?\s*[:\-]|sources?\s*[:\-]|key\s*[:\-]|legend\b|last updated\b|updated\b"
    r"|prepared by\b|please note\b|data as at\b|as at \d|correct as\b|this (?:sheet|list|register)\b)"
)
# Words that describe a column's format or unit rather than hold a value of it.
_UNITS = (
    r"(?i)\b(?:per (?:year|annum|month)|gbp|£|identifier|free text|dd/mm|mm/dd|yyyy|yes/no|y/n|"
    r"number of|currency|format|e\.g\.|description of|name of|drop-?down|pick ?list|text)\b"
)
UNITS_SCAN = 2  # rows under the header that may be a units/description row


def blank_rows(body: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Whether each row is blank: every cell empty or whitespace.

    Column by column, only the rows not yet shown to hold something are looked at: most rows are
    settled by their first cell, so a wide sheet costs about one column's check, not one per cell.
    """
    undecided: pl.Series | None = None  # positions of the rows with no filled cell so far
    for column in columns:
        cells = body.get_column(column)
        if undecided is not None:
            cells = cells.gather(undecided)
        empty = cells.str.contains(r"^\s*$").fill_null(True)
        undecided = empty.arg_true() if undecided is None else undecided.filter(empty)
        if undecided.is_empty():
            break
    blank = pl.repeat(False, body.height, dtype=pl.Boolean, eager=True)
    if undecided is None:  # no columns: every row is blank
        return blank.not_()
    return blank.scatter(undecided, True) if len(undecided) else blank


def summary_rows(
    data: pl.DataFrame,
    grid_cols: list[str],
    name_col: str | None,
    money_cols: list[str],
    formula_rows: frozenset[int],
) -> dict[int, str]:
    """Rows that sum others: a TOTAL/Subtotal label, SUM formulas, or (with no name) a cost equal
    to the sum of the rows above since the last summary row."""
    reasons: dict[int, str] = {}
    rows = data.get_column(ROW_COLUMN)
    label_cols = [name_col] if name_col else []
    label_cols += [c for c in grid_cols[:3] if c not in label_cols]
    labelled = pl.any_horizontal([pl.col(c).str.contains(_TOTAL).fill_null(False) for c in label_cols])
    for row in data.filter(labelled).get_column(ROW_COLUMN).to_list():
        reasons[row] = "summary row (labelled as a total)"
    for row in set(rows.to_list()) & formula_rows:
        reasons.setdefault(row, "summary row (its cells are SUM formulas)")
    if name_col is None or not money_cols:
        return reasons
    nameless = data.get_column(name_col).str.strip_chars().fill_null("") == ""
    if not nameless.any():
        return reasons
    for col in money_cols:
        amounts = norm.parse_money(data.get_column(col)).values.fill_null(0.0).to_list()
        running = 0.0
        for row, amount, no_name in zip(rows.to_list(), amounts, nameless.to_list(), strict=True):
            if row in reasons:
                running = 0.0
                continue
            if no_name and amount and abs(amount - running) < 0.005 and running:
                reasons[row] = "summary row (its cost is the sum of the rows above)"
                running = 0.0
                continue
            running += amount
    return reasons


def note_rows(data: pl.DataFrame, grid_cols: list[str]) -> dict[int, str]:
    """Rows holding one cell of commentary (a note, a source, an 'as at' line), not an application."""
    # A quoted empty field ("") reads as an empty string, not a missing cell: neither is filled.
    filled = pl.sum_horizontal(
        [(pl.col(c).str.len_bytes().fill_null(0) > 0).cast(pl.Int8) for c in grid_cols]
    )
    single = data.filter(filled == 1)
    if single.height == 0:
        return {}
    non_empty = [pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)) for c in grid_cols]
    text = single.select(pl.coalesce(non_empty).alias("t"), ROW_COLUMN)
    notes = text.filter(pl.col("t").str.contains(_NOTE) | (pl.col("t").str.count_matches(r"\S+") > 12))
    return dict.fromkeys(notes.get_column(ROW_COLUMN).to_list(), "notes row (one cell of commentary)")


_KIND_FLAG = {"money": "money", "date": "date", "integer": "integer", "boolean": "boolean"}


def units_rows(data: pl.DataFrame, typed_cols: dict[str, str], text_cols: list[str]) -> dict[int, str]:
    """A row just under the header that describes the columns ("Unique identifier", "GBP per
    year", "dd/mm/yyyy") instead of holding an application: its typed cells do not read as their
    column's kind while the column's other cells do, or most of its cells are format words.

    `typed_cols` maps grid column -> kind (money, date, integer, boolean).
    """
    from appconsol.ingest.values import profiles_by_column, series_flags

    head = data.head(UNITS_SCAN)
    if head.height == 0 or data.height <= UNITS_SCAN:
        return {}
    # Every verdict below needs a format word in the row: look for one before profiling columns.
    head_text = pl.concat([head.get_column(c) for c in [*text_cols, *typed_cols]]).drop_nulls()
    if not (head_text.str.contains(_UNITS) | head_text.str.contains(DESCRIPTION_CELL)).any():
        return {}
    rest = data.slice(UNITS_SCAN, 500)
    series = {f"rest:{c}": rest.get_column(c) for c in typed_cols}
    series |= {f"head:{c}": head.get_column(c) for c in typed_cols}
    flags = series_flags(series)
    profiles = profiles_by_column(flags.filter(pl.col("col").str.starts_with("rest:")))
    strong = [
        c
        for c, kind in typed_cols.items()
        if getattr(profiles.get(f"rest:{c}"), _KIND_FLAG[kind], 0.0) >= 0.8
    ]
    reasons: dict[int, str] = {}
    for i, row in enumerate(head.get_column(ROW_COLUMN).to_list()):
        cells = [head.get_column(c)[i] for c in [*text_cols, *typed_cols]]
        present = [str(v) for v in cells if v is not None and str(v).strip()]
        if not present:
            continue
        checked = [c for c in strong if (head.get_column(c)[i] or "").strip()]
        failing = [
            c
            for c in checked
            if not flags.filter((pl.col("col") == f"head:{c}") & (pl.col("pos") == i))
            .get_column(_KIND_FLAG[typed_cols[c]])
            .any()
        ]
        cells_text = pl.Series(present, dtype=pl.String)
        wordy = int((cells_text.str.contains(_UNITS) | cells_text.str.contains(DESCRIPTION_CELL)).sum())
        # Every filled cell a format word or a description of what to type ("Name of the
        # application" alone under its header) describes the columns too.
        described = wordy >= max(2, 0.6 * len(present)) or wordy == len(present)
        if (checked and len(failing) == len(checked) and wordy >= 1) or described:
            reasons[row] = "units or description row under the header"
        else:
            break  # only the rows directly under the header can describe it
    return reasons


def exact_duplicates(data: pl.DataFrame, grid_cols: list[str]) -> dict[int, str]:
    """Rows whose every cell equals an earlier row's: rejected as copies, so a cost counts once."""
    if not grid_cols or data.height < 2:
        return {}
    keyed = data.select(ROW_COLUMN, pl.struct(grid_cols).hash(seed=7).alias("k"))
    repeated = keyed.filter(pl.col("k").is_duplicated())
    if repeated.height == 0:
        return {}
    repeated = repeated.with_columns(pl.col(ROW_COLUMN).min().over("k").alias("first"))
    copies = repeated.filter(pl.col(ROW_COLUMN) != pl.col("first"))
    # A hash can collide: confirm each copy against its first row, cell by cell.
    by_row = {
        r[ROW_COLUMN]: r
        for r in data.filter(pl.col(ROW_COLUMN).is_in(repeated[ROW_COLUMN])).iter_rows(named=True)
    }
    reasons = {}
    for row, first in copies.select(ROW_COLUMN, "first").iter_rows():
        if all(by_row[row][c] == by_row[first][c] for c in grid_cols):
            reasons[row] = f"duplicate of row {first} (every cell the same)"
    return reasons


_ROW_KINDS = {Kind.MONEY: "money", Kind.DATE: "date", Kind.INTEGER: "integer", Kind.BOOLEAN: "boolean"}


def skipped_rows(
    data: pl.DataFrame,
    grid: RawGrid,
    header: HeaderChoice,
    by_field: dict[str, list[tuple[str, str]]],
    skip_rows: frozenset[int],
    where: dict[str, tuple[str, ...]],
    source: Path,
    keep_rows: dict[str, tuple[str, ...]] | None = None,
) -> dict[int, str]:
    """Rows that are not applications, with why: filtered by the mapping, units, notes, totals."""
    grid_cols = [f"c{i}" for i in range(len(header.headers))]
    skipped: dict[int, str] = {}
    rows = data.get_column(ROW_COLUMN)
    for row in set(rows.to_list()) & skip_rows:
        skipped[row] = "listed in the mapping's skip_rows"
    filters = [(h, v, True) for h, v in where.items()]
    filters += [(h, v, False) for h, v in (keep_rows or {}).items()]
    for wanted_header, allowed, strict in filters:
        key = normalise_header(wanted_header)
        index = next((i for i, h in enumerate(header.headers) if normalise_header(h) == key), None)
        if index is None and not strict:
            continue
        if index is None:
            raise MappingError(
                f"the mapping's `where` names column '{wanted_header}', which the file does not have",
                hint=f"columns are: {', '.join(header.headers)}",
                location=Location(file=source, sheet=grid.sheet, row=header.row_number),
            )
        wanted = [a.lower() for a in allowed]
        keep = (
            data.get_column(f"c{index}").str.strip_chars().str.to_lowercase().is_in(wanted).fill_null(False)
        )
        if not strict and not keep.any():
            continue
        for row in rows.filter(~keep).to_list():
            skipped.setdefault(row, f"not an application row: {wanted_header} is not {' or '.join(allowed)}")
    typed = {
        col: _ROW_KINDS[FIELDS_BY_NAME[fld].kind]
        for fld, sources in by_field.items()
        if FIELDS_BY_NAME[fld].kind in _ROW_KINDS and fld != "notice_period_days"
        for col, _ in sources
        if col.startswith("c")
    }
    text_cols = [c for c in grid_cols if c not in typed]
    for reasons in (
        units_rows(data, typed, text_cols),
        note_rows(data, grid_cols),
        summary_rows(
            data,
            grid_cols,
            next((c for c, _ in by_field.get("name", []) if c.startswith("c")), None),
            [c for c, kind in typed.items() if kind == "money"],
            grid.total_rows,
        ),
    ):
        for row, why in reasons.items():
            skipped.setdefault(row, why)
    return skipped


def translate_values(
    data: pl.DataFrame, by_field: dict[str, list[tuple[str, str]]], values: dict[str, dict[str, str | None]]
) -> pl.DataFrame:
    """Apply the mapping's `values:` tables: a source value (any case) becomes the value given."""
    for fld, table in values.items():
        for col, _ in by_field.get(fld, []):
            key = pl.col(col).str.strip_chars().str.to_lowercase()
            data = data.with_columns(
                pl.when(key.is_in(list(table)))
                .then(key.replace_strict(table, default=None, return_dtype=pl.String))
                .otherwise(pl.col(col))
                .alias(col)
            )
    return data


def number_repeated_ids(apps: pl.DataFrame, live: pl.Expr, reason_column: str) -> pl.DataFrame:
    """Number repeated generated ids and reject repeated explicit ids, among live rows.

    Same name twice in one body is a data-quality finding, not a reason to lose a row: the copies
    get `-2`, `-3` in the order of their other values (then file order), so moving rows keeps
    each its id and its finding keys. A repeated explicit id is a reject (the first in the file is
    kept). Window functions over a million rows are slow, so they run only on the repeated keys.
    """
    # One chunk: polars 1.3x panics ("assertion failed: i < self.len()") in is_duplicated over a
    # struct of multi-chunk columns when the repeats sit in the last chunk.
    apps = apps.rechunk()
    keyed = apps.with_columns(live.alias("__live"))
    repeated = keyed.select(pl.struct("organisation", "app_id", "__live").is_duplicated()).to_series()
    if not repeated.any():
        return apps
    subset = keyed.filter(repeated & keyed["__live"])
    occurrence = pl.int_range(pl.len()).over("organisation", "app_id")
    first_row = pl.col(ROW_COLUMN).first().over("organisation", "app_id")
    skip = {ROW_COLUMN, "organisation", "app_id", "app_id_generated", "__live", reason_column}
    content = [c for c in subset.columns if c not in skip]
    subset = (
        subset.with_columns(
            (pl.struct(content).struct.json_encode() if content else pl.lit("")).alias("__content")
        )
        .sort("__content", ROW_COLUMN)
        .with_columns(occurrence.alias("__by_content"))
        .sort(ROW_COLUMN)
    )
    subset = subset.select(
        ROW_COLUMN,
        pl.when(pl.col("app_id_generated") & (pl.col("__by_content") > 0))
        .then(pl.concat_str(pl.col("app_id"), pl.lit("-"), (pl.col("__by_content") + 1).cast(pl.String)))
        .otherwise(pl.col("app_id"))
        .alias("__new_id"),
        pl.when(~pl.col("app_id_generated") & (occurrence > 0))
        .then(
            pl.format(
                "duplicate app_id '{}' in organisation '{}' (first at row {})",
                pl.col("app_id"),
                pl.col("organisation"),
                first_row,
            )
        )
        .otherwise(pl.col(reason_column))
        .alias("__new_reason"),
    )
    return (
        apps.join(subset, on=ROW_COLUMN, how="left", maintain_order="left")
        .with_columns(
            pl.coalesce("__new_id", "app_id").alias("app_id"),
            pl.when(pl.col("__new_id").is_not_null())
            .then(pl.col("__new_reason"))
            .otherwise(pl.col(reason_column))
            .alias(reason_column),
        )
        .drop("__new_id", "__new_reason")
    )


def formula_only_rows(grid: RawGrid, header: HeaderChoice, body: pl.DataFrame, blank: pl.Series) -> list[int]:
    """Rows under the header whose only content is SUM formulas with no saved value. Excel always
    saves a formula's value, but files written by scripts (openpyxl) do not, so every reader
    sees an empty row, past the end of the used range when it is the last. It is a total row."""
    if not grid.total_rows:
        return []
    rows = body.get_column(ROW_COLUMN)
    present = set(rows.to_list())
    blank_rows = set(rows.filter(blank).to_list())
    return sorted(
        row
        for row in grid.total_rows
        if row > header.row_number and (row in blank_rows or row not in present)
    )


def long_number_ids(ids: pl.Series, data: pl.DataFrame, header: str) -> list[pl.DataFrame]:
    """Ids that are numbers longer than a spreadsheet keeps (15 significant digits): the file may
    already hold a rounded id, so two applications can share one. Warn; the text is kept as is."""
    suspect = ids.str.contains(r"^\d{16,}$|^\d(?:\.\d+)?[eE]\+?\d+$").fill_null(False)
    if not suspect.any():
        return []
    return [
        pl.DataFrame(
            {
                ROW_COLUMN: data.get_column(ROW_COLUMN).filter(suspect),
                "problem": "id is a number longer than Excel keeps (15 digits): check it against the source",
                "value": ids.filter(suspect),
                "source_column": header,
                "field": "app_id",
            }
        )
    ]
