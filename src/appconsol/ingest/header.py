"""Find the header row of an inventory grid: below title rows, possibly two rows with merged groups.

Hand-made registers put a title and a date above the table, and group columns under merged cells
("Annual costs (£)" over Licence / Support / Hosting). The header is the row (or pair of rows)
whose labels match the most schema fields; for a pair, a column's label is its group and its own
label together when that reads as a field ("Annual costs Hosting" -> cost_hosting), else its own.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from appconsol.errors import InventoryNotFoundError, Location, MappingError
from appconsol.ingest.layout import MergedRange, column_letter
from appconsol.ingest.mapping import (
    ALIASES,
    FUZZY_THRESHOLD,
    MAP_MIN,
    best_alias,
    candidate_fit,
    column_score,
    detect_profile,
    header_candidates,
    header_score,
    normalise_header,
)
from appconsol.ingest.read import ROW_COLUMN, RawGrid
from appconsol.ingest.values import (
    DESCRIPTION_CELL,
    EMPTY_PROFILE,
    ColumnProfile,
    grid_flags,
    profiles_by_column,
    sample_columns,
    series_flags,
)

SCAN_ROWS = 30
BELOW_ROWS = 100  # rows under a candidate header whose values must fit its labels
MIN_HEADER_SCORE = 1.5  # value-weighted: two labels whose values fit
HEADER_SHARE_OF_BEST = 0.6


@dataclass(frozen=True)
class HeaderChoice:
    index: int  # position in the grid of the (last) header row; data starts at index + 1
    row_number: int  # 1-based sheet/file row of the (last) header row
    headers: tuple[str, ...]  # one label per grid column, unique, never empty
    two_row: bool
    score: float
    guessed: bool = False  # no row clearly reads as a header; this is the best candidate


def _cells(frame: pl.DataFrame, index: int, width: int) -> list[str | None]:
    row = frame.row(index)[:width]
    return [str(v).strip() if v is not None and str(v).strip() else None for v in row]


def _group_labels(
    top: list[str | None], row_number: int, merges: tuple[MergedRange, ...], first_col: int
) -> list[str | None]:
    """Spread each merged group label over the columns its merge covers."""
    groups = list(top)
    for merge in merges:
        if merge.first_row <= row_number <= merge.last_row:
            label = top[merge.first_col - first_col] if 0 <= merge.first_col - first_col < len(top) else None
            for col in range(merge.first_col, merge.last_col + 1):
                if 0 <= col - first_col < len(groups) and label:
                    groups[col - first_col] = label
    return groups


def _combine(groups: list[str | None], labels: list[str | None]) -> list[str | None]:
    """Join group and label where the group changes the meaning: "Annual costs" + "Hosting" matches
    the alias "hosting cost", which holds words of both; "Application" + "Supplier" matches only the
    group's word, so the label stands alone."""
    combined: list[str | None] = []
    for group, label in zip(groups, labels, strict=False):
        if group and label and group != label:
            joined = f"{group} {label}"
            alias, score = best_alias(normalise_header(joined))
            alias_words = set(alias.split()) if alias else set()
            uses_both = bool(alias_words & set(normalise_header(group).split())) and bool(
                alias_words & set(normalise_header(label).split())
            )
            # A group that is itself a field's label ("Business Owner" over Name | E-mail) owns
            # its columns: they are the owner's name and address, not the application's name.
            group_is_field = normalise_header(group) in ALIASES
            if (uses_both and score >= FUZZY_THRESHOLD) or group_is_field:
                combined.append(joined)
            else:
                combined.append(_label_with_group_word(group, label) or label)
        else:
            combined.append(label or group)
    return combined


def _label_with_group_word(group: str, label: str) -> str | None:
    """The label with the one group word that makes it a whole alias: under "Running costs (£ per
    year)", "Hosting" is the hosting cost, though the group's longer words ("cost per year") would
    otherwise claim every column under it as the total."""
    label_words = normalise_header(label)
    for word in dict.fromkeys(normalise_header(group).split()):
        if word in label_words.split():
            continue
        candidate = f"{label_words} {word}"
        alias, score = best_alias(candidate)
        if alias and score >= 0.95 and word in alias.split():
            return f"{label} {word}"
    return None


def _unique_labels(labels: list[str | None], first_col: int) -> tuple[str, ...]:
    seen: dict[str, int] = {}
    result = []
    for i, label in enumerate(labels):
        text = " ".join(label.split()) if label else f"Column {column_letter(first_col + i)}"
        count = seen.get(text.lower(), 0) + 1
        seen[text.lower()] = count
        result.append(text if count == 1 else f"{text} ({count})")
    return tuple(result)


def _trailing_width(frame: pl.DataFrame) -> int:
    """Grid width without trailing columns that are empty in every row."""
    width = frame.width - 1
    if width <= 0 or frame.height == 0:
        return 0
    counts = frame.select(pl.all().exclude(ROW_COLUMN).is_not_null().sum()).row(0)
    while width > 0 and counts[width - 1] == 0:
        width -= 1
    return width


def _data_likeness(flags: pl.DataFrame) -> tuple[dict[int, float], dict[int, set[str]]]:
    """Per row position, how many of its cells read as data rather than labels (amounts, dates,
    addresses, long text, or a value that appears again further down its column: labels do not
    repeat in their own column; "EMIS Health" or "Council data centre" do), and which columns
    repeat, since a repeated value is no header evidence whatever it resembles."""
    if flags.height == 0:
        return {}, {}
    last = flags.filter(pl.col("known")).group_by("col", "text").agg(pl.col("pos").max().alias("last"))
    scored = flags.join(last, on=["col", "text"], how="left").with_columns(
        (pl.col("last").fill_null(-1) > pl.col("pos")).alias("repeated")
    )
    scored = scored.with_columns(
        (
            pl.col("money_marked").cast(pl.Int32)
            + pl.col("date_shaped").cast(pl.Int32)
            + pl.col("email").cast(pl.Int32)
            + pl.col("url").cast(pl.Int32)
            + pl.col("number").cast(pl.Int32)
            + (pl.col("words") > 8).cast(pl.Int32)
            + pl.col("repeated").cast(pl.Int32)
        ).alias("data")
    )
    per_row = scored.group_by("pos").agg(pl.col("data").sum())
    counts = dict(zip(per_row.get_column("pos").to_list(), per_row.get_column("data").to_list(), strict=True))
    repeats: dict[int, set[str]] = {}
    for pos, col in scored.filter(pl.col("repeated")).select("pos", "col").iter_rows():
        repeats.setdefault(pos, set()).add(col)
    return counts, repeats


def _row_score(
    labels: list[str | None],
    profiles: dict[str, ColumnProfile],
    known_headers: frozenset[str],
    data_cells: float,
    repeated: Collection[str] = (),
) -> float:
    """How much a row reads as the header of the rows under it.

    Each label counts at its best candidate field that the values below do not contradict
    (a field once, at its best column); a known export's signature and a name column add
    structural evidence; cells that read as data (amounts, dates, addresses, long text) count
    against the row, since labels are none of those.
    """
    best: dict[str, float] = {}
    texts = []
    for i, label in enumerate(labels):
        if not label:
            continue
        texts.append(label)
        key = normalise_header(label)
        if key in known_headers:
            best[f"known:{key}"] = 1.0
            continue
        column_profile = profiles.get(f"c{i}")
        if f"c{i}" in repeated:
            continue  # a value seen again below ("Application component"): data, whatever it resembles
        for candidate in header_candidates(label)[1]:
            fit = candidate_fit(candidate, column_profile)
            if fit.contradicts:
                continue
            score = column_score(candidate, fit)
            if score >= MAP_MIN:
                best[candidate.field] = max(best.get(candidate.field, 0.0), score)
            break
    bonus = 5.0 if detect_profile(texts) is not None else 0.0
    # "Name of the application" / "GBP per year" describe columns: a units row, not the header.
    described = sum(1 for t in texts if re.search(DESCRIPTION_CELL, t))
    if "name" in best:
        bonus += 1.0
    return sum(best.values()) + bonus - 0.5 * data_cells - 1.0 * described


def find_header(
    grid: RawGrid,
    path: object,
    header_row: int | None = None,
    known_headers: frozenset[str] = frozenset(),
    *,
    lenient: bool = False,
) -> HeaderChoice:
    """Choose the header row (or row pair); `header_row` (1-based) overrides the search.

    `known_headers` (normalised) are the headers a user's mapping names: each counts as a match.
    """
    frame = grid.frame
    width = _trailing_width(frame)
    rows = frame.get_column(ROW_COLUMN).to_list()
    location = Location(file=str(path), sheet=grid.sheet)
    if width == 0 or frame.height == 0:
        raise InventoryNotFoundError("the sheet is empty", location=location)
    if header_row is not None:
        if header_row not in rows:
            raise InventoryNotFoundError(
                f"--header-row {header_row} is outside the table (rows {rows[0]}-{rows[-1]})",
                location=location,
            )
        index = rows.index(header_row)
        labels = _cells(frame, index, width)
        return HeaderChoice(
            index, header_row, _unique_labels(labels, grid.first_col), False, header_score(labels)
        )
    candidates: list[HeaderChoice] = []
    limit = min(frame.height, SCAN_ROWS)
    flags = grid_flags(frame.head(limit + BELOW_ROWS), [f"c{i}" for i in range(width)])

    def below(index: int) -> dict[str, ColumnProfile]:
        return profiles_by_column(flags, index + 1, index + 1 + BELOW_ROWS)

    data_like, repeats = _data_likeness(flags)

    for index in range(limit):
        labels = _cells(frame, index, width)
        filled = sum(1 for v in labels if v)
        # A merged group label above is structural proof of a two-row header (its single-level
        # columns are often merged down both rows, or written only in the lower row, so either
        # row may hold few cells).
        grouped = any(m.first_row == rows[index] and m.last_col > m.first_col for m in grid.merges)
        # A list of names alone is a one-column table; elsewhere one cell is a title.
        if (filled < 2 and not grouped and width > 1) or data_like.get(index, 0) >= max(2, filled / 2):
            continue  # a title, or a row that is mostly data: not worth scoring as a header
        under = below(index)
        single = _row_score(labels, under, known_headers, data_like.get(index, 0), repeats.get(index, set()))
        candidate = HeaderChoice(index, rows[index], _unique_labels(labels, grid.first_col), False, single)
        if index + 1 < frame.height:
            lower = _cells(frame, index + 1, width)
            # Without a merged group label, the pair must beat both rows read alone, or a title
            # above would win.
            if grouped or sum(1 for v in lower if v) > filled:
                groups = _group_labels(labels, rows[index], grid.merges, grid.first_col)
                combined = _combine(groups, lower)
                under_pair = below(index + 1)
                lower_data, lower_repeats = data_like.get(index + 1, 0), repeats.get(index + 1, set())
                pair_score = _row_score(combined, under_pair, known_headers, lower_data, lower_repeats)
                below_score = _row_score(lower, under_pair, known_headers, lower_data, lower_repeats)
                # A merged label over the header's own cells (an owner over name and e-mail) is no
                # proof that the row under it is a header too: the pair must explain the columns
                # about as well as the row alone.
                grouped_pair = grouped and pair_score >= below_score * 0.7 and pair_score >= single * 0.9
                if grouped_pair or pair_score > max(single, below_score):
                    # The pair stands for both rows, so it ranks at least as high as either alone.
                    candidate = HeaderChoice(
                        index + 1,
                        rows[index + 1],
                        _unique_labels(combined, grid.first_col),
                        True,
                        max(pair_score, single, below_score) + 0.01 if grouped else pair_score,
                    )
        candidates.append(candidate)
    # Data rows can look like headers too (tag columns full of field names), but they come after
    # the header: take the first row that scores close to the best, not the best alone.
    top = max((c.score for c in candidates), default=0.0)
    best = next((c for c in candidates if c.score >= HEADER_SHARE_OF_BEST * top), None)
    if (best is None or best.score < MIN_HEADER_SCORE) and lenient and candidates:
        # The caller will ask the user to confirm (a proposed mapping names this row).
        guess = max(candidates, key=lambda c: c.score)
        return HeaderChoice(guess.index, guess.row_number, guess.headers, guess.two_row, guess.score, True)
    if best is None or best.score < MIN_HEADER_SCORE:
        raise InventoryNotFoundError(
            "no row in the first 30 looks like an inventory header (name, owner, supplier, ...)",
            hint="pass --header-row N, or a mapping file with --mapping",
            location=location,
        )
    return best


def refuse_case_collisions(header: HeaderChoice, path: str | Path, sheet: str | None) -> None:
    """Two headers that differ only by case ('Cost', 'cost') are one name to a mapping file and to a
    reader: refuse rather than let one column silently stand for both."""
    seen: dict[str, str] = {}
    for label in header.headers:
        match = re.fullmatch(r"(.*) \((\d+)\)", label)
        base = match.group(1) if match else label
        earlier = seen.get(base.lower())
        if match and earlier is not None and earlier != base:
            raise MappingError(
                f"columns '{earlier}' and '{base}' have the same name apart from case",
                hint="rename one of them in the file so each column has its own name",
                location=Location(file=path, sheet=sheet, row=header.row_number),
            )
        seen.setdefault(label.lower(), label)


def body_profiles(grid: RawGrid, header: HeaderChoice) -> list[ColumnProfile]:
    """A value profile of every column under the header, from a sample chosen by value (not row)."""
    body = grid.frame.slice(header.index + 1)
    columns = [f"c{i}" for i in range(len(header.headers))]
    present = [c for c in columns if c in body.columns]
    profiles = profiles_by_column(series_flags(sample_columns(body, present)))
    return [profiles.get(c, EMPTY_PROFILE) for c in columns]
