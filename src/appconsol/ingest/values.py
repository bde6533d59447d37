"""What a column's values say about the field it can hold: a profile of its cells, and a fit.

Headers lie in exports nobody here designed: "Subscription" over a column of dates, "Application
Type" over SaaS / Custom Built, a data row taken for the header. The values do not: a column of
dates cannot hold a licence cost, and a column of three repeated words is not the application
name. Each column is profiled once (the share of its cells that read as money, dates, e-mail
addresses, a vocabulary...) and every (column, field) pair gets a fit from 0 to 1, or a
contradiction, which rules the pair out whatever its header says.

Profiles are shares over a sample chosen by the values themselves (a hash), never by position, so
the same file in another row order gives the same mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from appconsol.ingest import normalise as norm
from appconsol.ingest.dates import parse_date
from appconsol.schema import APPLICATION_FIELDS, FIELDS_BY_NAME, Kind

# Cells per column a value profile reads: shares to within a few points, at a fixed cost per column.
SAMPLE_ROWS = 1000
# A cell that describes what to type rather than naming a column: "Name of the application",
# "Unique identifier", "GBP per year", "dd/mm/yyyy", "Free text".
DESCRIPTION_CELL = (
    r"(?i)^\s*(?:free text|name of\b|unique (?:identifier|id|reference)|dd/mm|mm/dd|yyyy|yes ?/ ?no|y ?/ ?n\s*$"
    r"|e\.g\.|description of\b|drop-?down|pick ?list|select (?:from|one)|enter\b|gbp\b|£ ?per\b"
    r"|per (?:year|annum|month)\b|whole number|(?:text|date|currency|number|integer)\s*$)"
)
MIN_EVIDENCE = 3  # known values a column needs before they can overrule its header
_EMAIL = r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$"
_URL = r"^(?:https?://|www\.)\S+$"
# A machine's name: one token of letters and digits joined by - _ or ., with a digit in it
# (SRV-APP-01, LONWS0123, web01.corp.local). Asset registers list machines, not applications.
_HOSTNAME = r"^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$|^[a-z]{2,}\d{2,}$"
_PLAIN_NUMBER = r"^[-+]?\d+(?:\.\d+)?$"
_MONEY_MARK = r"[£$€]|^gbp\b|\bgbp$|\d,\d{3}|\.\d{2}$|\d\s*(?:k|m|bn)$|\bp\.?a\.?$|per (?:year|annum)"
# Vocabulary fields whose values can give a column away as a category, not a name.
_VOCABULARY_FIELDS = tuple(f.name for f in APPLICATION_FIELDS if f.kind in (Kind.ENUM, Kind.FIT))
# Text fields an e-mail address can fill (an owner is often named by address).
_EMAIL_FIELDS = {"business_owner", "technical_owner", "description"}
_FREE_TEXT_FIELDS = {"description"}


@dataclass(frozen=True)
class ColumnProfile:
    """Shares of a column's known (non-blank, not "TBC"-like) cells that read as each kind."""

    known: int  # cells with a value that is not blank or an unknown token
    filled: float  # known cells / all cells
    distinct: int
    money: float
    money_marked: float  # money with a currency sign, thousands commas or pence: not a count
    number: float  # plain numbers ("12500", "3.5")
    integer: float
    date: float
    date_shaped: float  # dates that are not plain numbers (a serial could be a cost)
    boolean: float
    email: float
    url: float
    letters: float  # has a letter: text rather than a number or a date
    mean_words: float
    vocabulary: dict[str, float]  # ENUM/FIT field -> share of cells in its vocabulary
    hostname: float = 0.0  # machine names (SRV-APP-01)

    @property
    def distinct_share(self) -> float:
        return self.distinct / self.known if self.known else 0.0

    @property
    def typed(self) -> float:
        """Share that reads as a number, an amount, a date, an address or a URL: not free text."""
        return max(self.money, self.date, self.email, self.url, self.number)

    def describe(self) -> str:
        """A few words for `appconsol map`: what the values look like."""
        if not self.known:
            return "empty"
        kinds = [
            (self.money_marked, "money"),
            (self.date_shaped, "dates"),
            (self.email, "e-mail addresses"),
            (self.url, "URLs"),
            (self.number, "numbers"),
            (self.boolean, "yes/no"),
        ]
        share, label = max(kinds)
        if share >= 0.6:
            return f"{label} {share:.0%}"
        best_vocab = max(self.vocabulary.items(), key=lambda kv: (kv[1], kv[0]), default=("", 0.0))
        if best_vocab[1] >= 0.6:
            return f"{best_vocab[0]} terms {best_vocab[1]:.0%}"
        return f"text, {self.distinct} distinct of {self.known}, ~{self.mean_words:.0f} words"


def sample_columns(frame: pl.DataFrame, columns: list[str], limit: int = SAMPLE_ROWS) -> dict[str, pl.Series]:
    """At most `limit` cells of each column, chosen by a hash of the value so row order does not
    matter; sorted, so a parser that looks at the first values sees the same ones. The hashes of
    all columns are computed in one pass (in parallel)."""
    if frame.height <= limit:
        return {c: frame.get_column(c).cast(pl.String).sort(nulls_last=True) for c in columns}
    buckets = max(1, frame.height // limit)
    keep = frame.select(
        [(pl.col(c).cast(pl.String).hash(seed=20261206) % buckets == 0).alias(c) for c in columns]
    )
    sampled = {}
    for c in columns:
        text = frame.get_column(c).cast(pl.String).filter(keep.get_column(c))
        sampled[c] = text.sort(nulls_last=True).head(limit)
    return sampled


def cell_flags(series: pl.Series, *, day_first: bool = True) -> pl.DataFrame:
    """One row per cell: its text and what it reads as. Profiles of any row range aggregate these,
    so header detection can try thirty header rows without parsing a cell twice."""
    text = series.cast(pl.String).str.strip_chars()
    lower = text.str.to_lowercase()
    known = (
        text.is_not_null()
        & (text != "")
        & ~lower.is_in(sorted(norm.UNKNOWN_TOKENS))
        & ~text.str.to_uppercase().is_in(sorted(norm.ERROR_CELLS))
    ).fill_null(False)
    plain = lower.str.contains(_PLAIN_NUMBER).fill_null(False) & known
    money = norm.parse_money(text).values.is_not_null() & known
    dates = parse_date(text, day_first=day_first).values.is_not_null() & known
    columns = {
        "text": text,
        "present": text.is_not_null() & (text != ""),
        "known": known,
        "money": money,
        "money_marked": money & lower.str.contains(_MONEY_MARK).fill_null(False),
        "number": plain,
        "integer": norm.parse_integer(text).values.is_not_null() & known,
        "date": dates,
        "date_shaped": dates & ~plain,
        "boolean": norm.parse_bool(text).values.is_not_null() & known,
        "email": lower.str.contains(_EMAIL).fill_null(False) & known,
        "url": lower.str.contains(_URL).fill_null(False) & known,
        "hostname": (lower.str.contains(_HOSTNAME) & lower.str.contains(r"\d")).fill_null(False) & known,
        "letters": text.str.contains(r"[A-Za-z]").fill_null(False) & known,
        "words": text.str.count_matches(r"\S+").fill_null(0),
    }
    vocabularies = {name: FIELDS_BY_NAME[name].vocabulary for name in _VOCABULARY_FIELDS}
    for name, is_term in norm.vocabulary_terms(text, vocabularies).items():
        columns[f"vocab:{name}"] = is_term & known & ~plain
    return pl.DataFrame(
        [s.fill_null(False).rename(k) if k != "text" else s.rename(k) for k, s in columns.items()]
    )


_SHARES = (
    "money",
    "money_marked",
    "number",
    "integer",
    "date",
    "date_shaped",
    "boolean",
    "email",
    "url",
    "letters",
    "hostname",
)


def grid_flags(frame: pl.DataFrame, columns: list[str], *, day_first: bool = True) -> pl.DataFrame:
    """`cell_flags` of many columns at once, with `col` (its name) and `pos` (row position).

    Parsing one long column is far cheaper than a dozen parser calls per column.
    """
    return series_flags({c: frame.get_column(c) for c in columns}, day_first=day_first)


def series_flags(columns: dict[str, pl.Series], *, day_first: bool = True) -> pl.DataFrame:
    """`cell_flags` of several series (of any lengths) at once, with `col` and `pos`."""
    if not columns:
        return pl.DataFrame(schema={"col": pl.String, "pos": pl.Int64})
    long = pl.concat(
        [
            pl.DataFrame(
                {
                    "value": series.cast(pl.String),
                    "col": pl.Series([name] * len(series), dtype=pl.String),
                    "pos": pl.int_range(len(series), dtype=pl.Int64, eager=True),
                }
            )
            for name, series in columns.items()
        ]
    )
    # Columns repeat their values heavily (hosting terms, suppliers, blanks), so each distinct
    # text is parsed once and its flags joined back to every cell holding it.
    distinct = long.get_column("value").unique()
    flags = cell_flags(distinct, day_first=day_first).with_columns(distinct.alias("value"))
    return (
        long.join(flags, on="value", how="left", nulls_equal=True, maintain_order="left")
        .drop("value")
        .select([*flags.columns[:-1], "col", "pos"])
    )


def profiles_by_column(
    flags: pl.DataFrame, start: int = 0, stop: int | None = None
) -> dict[str, ColumnProfile]:
    """Profiles of rows `start <= pos < stop` of each column in `grid_flags` output."""
    if flags.height == 0:
        return {}
    rows = flags.filter(pl.col("pos") >= start)
    if stop is not None:
        rows = rows.filter(pl.col("pos") < stop)
    vocab = [c for c in flags.columns if c.startswith("vocab:")]
    known = pl.col("known")
    agg = rows.group_by("col").agg(
        pl.col("present").sum().alias("present"),
        known.sum().alias("n"),
        *[(pl.col(c) & known).sum().alias(c) for c in (*_SHARES, *vocab)],
        pl.col("words").filter(known).mean().alias("mean_words"),
        pl.col("text").filter(known).n_unique().alias("distinct"),
    )
    profiles = {}
    for row in agg.iter_rows(named=True):
        n = row["n"]
        if not n:
            profiles[row["col"]] = EMPTY_PROFILE
            continue
        profiles[row["col"]] = ColumnProfile(
            known=n,
            filled=n / row["present"] if row["present"] else 0.0,
            distinct=int(row["distinct"]),
            mean_words=float(row["mean_words"] or 0.0),
            vocabulary={c.split(":", 1)[1]: round(row[c] / n, 4) for c in vocab if row[c]},
            **{c: row[c] / n for c in _SHARES},
        )
    return profiles


EMPTY_PROFILE = ColumnProfile(0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0, {})


@dataclass(frozen=True)
class Fit:
    """How well a column's values suit a field: 0..1, or a contradiction with its reason."""

    score: float
    contradiction: str | None = None

    @property
    def contradicts(self) -> bool:
        return self.contradiction is not None


_NEUTRAL = Fit(0.5)


def _typed_fit(share: float, what: str, floor: float = 0.5) -> Fit:
    if share < floor:
        return Fit(share, f"only {share:.0%} of its values read as {what}")
    return Fit(share)


def _category_like(p: ColumnProfile) -> bool:
    """A handful of values repeated down the column: a category (type, status), not an identity."""
    return p.known >= 12 and p.distinct <= max(4, p.known // 10)


def value_fit(field_name: str, p: ColumnProfile) -> Fit:
    """The fit of a profiled column for a field; a contradiction rules the pair out."""
    if p.known == 0:
        return _NEUTRAL
    fit = _fit(field_name, p)
    if fit.contradicts and p.known < MIN_EVIDENCE:
        # One or two odd values are typing mistakes to warn about, not evidence against a header.
        return _NEUTRAL
    return fit


def _fit(field_name: str, p: ColumnProfile) -> Fit:
    fld = FIELDS_BY_NAME[field_name]
    kind = fld.kind
    if kind is Kind.MONEY:
        if p.date_shaped >= 0.3:
            return Fit(0.0, f"{p.date_shaped:.0%} of its values are dates")
        return _typed_fit(p.money, "amounts")
    if kind is Kind.DATE:
        if p.money_marked >= 0.3:
            return Fit(0.0, f"{p.money_marked:.0%} of its values are amounts")
        return _typed_fit(p.date_shaped + 0.5 * (p.date - p.date_shaped), "dates", 0.4)
    if kind is Kind.INTEGER:
        if field_name == "notice_period_days":
            return _NEUTRAL if p.letters < 0.9 or p.mean_words <= 4 else Fit(0.1, "free text, not a period")
        if p.money_marked >= 0.3 or p.date_shaped >= 0.3:
            return Fit(0.0, "its values are amounts or dates, not counts")
        return _typed_fit(p.integer, "whole numbers")
    if kind is Kind.BOOLEAN:
        return _typed_fit(p.boolean, "yes/no values")
    if kind in (Kind.ENUM, Kind.FIT):
        if max(p.money_marked, p.date_shaped, p.email, p.url) >= 0.5:
            return Fit(0.0, "its values are amounts, dates or addresses, not terms")
        if kind is Kind.ENUM and p.number >= 0.6 and p.vocabulary.get(field_name, 0.0) < 0.2:
            return Fit(0.0, "its values are numbers, not terms")
        hits = p.vocabulary.get(field_name, 0.0)
        if kind is Kind.FIT and hits < 0.3 and p.number < 0.5:
            return Fit(hits, f"only {hits:.0%} of its values read as a fit score")
        if hits < 0.2 and p.known >= 10 and (p.mean_words > 5 or p.distinct_share > 0.8):
            return Fit(hits, "free text, not a controlled term")
        return Fit(0.4 + 0.6 * hits)
    # Text, lists and components.
    if max(p.money_marked, p.date_shaped) >= 0.6:
        return Fit(0.0, "its values are amounts or dates, not text")
    if p.email >= 0.5 and field_name not in _EMAIL_FIELDS:
        return Fit(0.0, "its values are e-mail addresses")
    if p.url >= 0.5 and field_name != "description":
        return Fit(0.0, "its values are web addresses")
    if field_name == "name":
        return _name_fit(p)
    if field_name in ("organisation", "vendor", "product", "department", "business_owner", "technical_owner"):
        if p.mean_words > 8:
            return Fit(0.1, "long free text, not a name")
        if p.letters < 0.5:
            return Fit(0.1, "mostly numbers, not names")
        return Fit(0.8)
    if field_name == "app_id":
        if p.mean_words > 4:
            return Fit(0.0, "free text, not identifiers")
        return Fit(0.4 + 0.6 * p.distinct_share)
    if field_name in _FREE_TEXT_FIELDS:
        return Fit(min(1.0, 0.5 + p.mean_words / 20))
    return Fit(0.7)


def _name_fit(p: ColumnProfile) -> Fit:
    if p.letters < 0.5:
        return Fit(0.0, "mostly numbers, not names")
    if _category_like(p) and p.distinct <= 3:
        return Fit(0.05, f"only {p.distinct} different values in {p.known} rows: a category, not names")
    vocab = max(p.vocabulary.values(), default=0.0)
    if vocab >= 0.6:
        return Fit(0.05, "its values are controlled terms (hosting, lifecycle...), not names")
    if p.mean_words > 12:
        return Fit(0.1, "long free text, not names")
    if p.hostname >= 0.6:
        return Fit(0.1, "machine names (like SRV-APP-01), not applications")
    return Fit(min(1.0, 0.45 + 0.55 * min(1.0, p.distinct_share / 0.7)))


def infer_day_first(s: pl.Series, default: bool = True) -> bool:
    """Month first only when the column proves it: a value like 01/13/2029 can only be month first,
    and no value like 13/01/2029 says otherwise. Anything less keeps the default (UK day first)."""
    if s.dtype != pl.String:
        return default
    # Only which values occur matters: each distinct one is matched once (12 -> 3 ms at 100k).
    parts = s.unique().str.extract_groups(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](?:\d{4}|\d{2})\b")
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    if bool((second > 12).any()) and not bool((first > 12).any()):
        return False
    if bool((first > 12).any()) and not bool((second > 12).any()):
        return True
    return default
