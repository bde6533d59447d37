"""Turn raw cell values into typed values, a whole column at a time.

Each parser takes a column as a reader gave it (text most often; fastexcel may give floats, dates,
datetimes or booleans) and returns a `Parsed`: the typed values, a problem where a non-blank cell
could not be read, and a `changed` flag where the stored value's text differs from the cell's, so
the loader can keep the original. The work is polars expressions over the column, run once per
distinct value when values repeat (as inventories' do); Python loops over vocabularies and
regex passes, never over cells. A million-row column takes a few hundred milliseconds.

Choices the brief left open:
- A non-blank cell that ends up NULL (an unknown token such as "TBC", or a problem) is `changed`,
  so the difference between "TBC" and "n/a" survives in `originals`.
- Hedged amounts and counts ("about 5k", "~300", "300+") are read as the number they name.
- A count given as a range ("100-200") is read as its midpoint (150); a notice period given as a
  range is a problem, because its midpoint would understate how early notice must be given.
- "nil" alone is an unknown token (NULL); "nil cost", "free", "no charge", "included" and "£0" are an
  explicit 0. Amounts in another currency ("$300", "USD 300") are problems, not pounds.
- Whole numbers 1900..2100 in a date column are years, not Excel serials (which fall in 1905).
- List items are de-duplicated ignoring case; the first spelling is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import polars as pl

UNKNOWN_TOKENS: frozenset[str] = frozenset(
    {
        *("", "-", "--", "---", "–", "—", "?", "??", "???", "."),
        *("tbc", "tbd", "tba", "t.b.c.", "to be confirmed", "to be determined", "to be advised"),
        *("n/a", "n.a.", "na", "n/k", "nk", "n/a.", "not applicable", "not known", "unknown"),
        *("none", "null", "nil", "not set", "unspecified", "not specified", "not recorded"),
    }
)
ERROR_CELLS: frozenset[str] = frozenset(
    {
        *("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#GETTING_DATA"),
        *("#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"),
    }
)

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_STRIP = " \t\n\r\v\f" + _SPACES + _ZERO_WIDTH
_UNKNOWN = sorted(UNKNOWN_TOKENS)
_ERRORS = sorted(ERROR_CELLS)
# Columns of every parser's frame: trimmed text, its matching key, and the parsed value.
_t, _k, _v = pl.col("t"), pl.col("k"), pl.col("v")
# Thousands must be grouped in threes, so a European "1,5" is a problem rather than 15.
_NUMBER = r"(\d{1,3}(?:[, ]\d{3})+|\d+)?(\.\d+)?"
YEAR_RANGE = (1900, 2200)


@dataclass(frozen=True)
class Parsed:
    """One column parsed: typed values, a problem per unreadable cell, and which cells changed."""

    values: pl.Series
    problems: pl.Series
    changed: pl.Series


def _to_text(s: pl.Series) -> pl.Series:
    """Render any column as the text a spreadsheet would show (12.0 as "12", dates as ISO)."""
    x, dtype = pl.col("x"), s.dtype
    if dtype == pl.String:
        return s
    if dtype.is_float():
        whole = x.is_finite() & (x == x.floor()) & (x.abs() < 1e15)
        expr = (
            pl.when(whole).then(x.cast(pl.Int64, strict=False).cast(pl.String)).otherwise(x.cast(pl.String))
        )
    elif dtype == pl.Date:
        expr = x.dt.to_string("%Y-%m-%d")
    elif isinstance(dtype, pl.Datetime):
        midnight = x.dt.time() == pl.time(0)
        expr = (
            pl.when(midnight).then(x.dt.to_string("%Y-%m-%d")).otherwise(x.dt.to_string("%Y-%m-%d %H:%M:%S"))
        )
    else:
        try:
            return s.cast(pl.String)
        except Exception:  # nested or object columns: rare and small, and parsers must never raise
            return pl.Series(s.name, [None if v is None else str(v) for v in s.to_list()], dtype=pl.String)
    return s.to_frame("x").select(expr).to_series().rename(s.name)


def _trimmed(s: pl.Series) -> pl.Series:
    return _to_text(s).str.strip_chars(_STRIP)


def _distinct(text: pl.Series) -> pl.Series:
    """The values a parser needs to see: each distinct one once when the column repeats itself.

    Inventories repeat ("Live", "TBC", the same few dates), so parsing distinct values and joining
    back is much faster there; a column of mostly different values is parsed row by row instead.
    """
    estimate = cast("int", text.approx_n_unique())  # HyperLogLog: ~10 ms for a million rows
    repetitive = estimate * 2 <= len(text)
    return text.unique(maintain_order=True) if repetitive else text


def _key(text: pl.Series) -> pl.Series:
    """What parsers match on: lower case, any run of whitespace (NBSP included) as one space."""
    key = text.str.to_lowercase()
    # Odd whitespace is rare, and looking for it costs far less than rewriting every value.
    if key.str.contains(r"[^\S ]| {2}").any():
        key = key.str.replace_all(r"\s+", " ")
    return key


def _frame(s: pl.Series) -> tuple[pl.Series, pl.LazyFrame]:
    """The column's trimmed text, and a frame of the values to parse `t` with a matching key `k`."""
    text = _trimmed(s)
    distinct = _distinct(text)
    return text, pl.LazyFrame({"t": distinct, "k": _key(distinct)})


def _finish(
    text: pl.Series, frame: pl.LazyFrame, value: pl.Expr, unchanged: pl.Expr, what: str | None
) -> Parsed:
    """Mask blanks and error cells, word the problems, work out `changed`, and align to the rows.

    An unknown token is NULL without a problem unless the parser recognised it (a vocabulary may
    map "TBC" to a real value). `unchanged` compares the cell text with the value's canonical text.
    """
    blank = _t.is_null() | (_t == "")
    error = _t.str.to_uppercase().is_in(_ERRORS)
    unreadable = ~blank & _v.is_null() & ~_k.is_in(_UNKNOWN) if what is not None else pl.lit(False)
    problem = (
        pl.when(error)
        .then(pl.format("error cell {}", _t))
        .when(unreadable)
        .then(pl.format(f"{what} '{{}}'", _t))
        .otherwise(pl.lit(None, pl.String))
    )
    parsed = frame.with_columns(v=pl.when(blank | error).then(None).otherwise(value)).select(
        _t,
        values=_v,
        problems=problem,
        changed=~blank & (_v.is_null() | ~unchanged.fill_null(False)),
    )
    out = parsed.collect(engine="in-memory")
    if out.height != len(text):  # else parsed row by row, or every value distinct and in row order
        out = text.to_frame("t").join(out, on="t", how="left", nulls_equal=True, maintain_order="left")
    return Parsed(*(out.get_column(c).rename(text.name) for c in ("values", "problems", "changed")))


def _typed(values: pl.Series) -> Parsed:
    """A column that already has the wanted type: nothing to report, nothing changed."""
    nothing = pl.repeat(None, len(values), dtype=pl.String, eager=True).rename(values.name)
    return Parsed(values, nothing, nothing.is_not_null())


def _number(groups: pl.Expr, whole: str, fraction: str) -> pl.Expr:
    digits = groups.struct.field(whole).fill_null("").str.replace_all(r"[, ]", "")
    return (digits + groups.struct.field(fraction).fill_null("")).cast(pl.Float64, strict=False)


# Unknown tokens and error cells are short and hold no digit but 0, and case mapping neither
# shortens text (a character maps to one or more) nor makes digits, so a longer cell, or one with
# a digit 1-9, is neither unless its key collapses runs of whitespace.
_TOKEN_CHARS = max(len(token) for token in (*UNKNOWN_TOKENS, *ERROR_CELLS))
_NO_TOKEN_DIGITS = (
    "[" + "".join(d for d in "123456789" if not any(d in t for t in (*UNKNOWN_TOKENS, *ERROR_CELLS))) + "]"
)
_ODD_TEXT = f"[{_ZERO_WIDTH}]|[^\\S ]| {{2}}"  # zero-width characters, or whitespace a key collapses


def clean_text(s: pl.Series) -> Parsed:
    """Trim text; unknown tokens become NULL and error cells NULL with a problem.

    Free text (names, owners, vendors) is the widest part of an inventory, so only the cells
    that could be a token are keyed: each distinct short (or oddly spaced) one, once.
    """
    text = _trimmed(s)
    odd = text.str.contains(_ODD_TEXT).fill_null(False)
    if odd.any():
        # Zero-width characters are invisible but would make "Sage" and "Sage\u200b" two vendors.
        rows = odd.arg_true()
        text = text.scatter(rows, text.gather(rows).str.replace_all(f"[{_ZERO_WIDTH}]", ""))
    short = text.filter((text.str.len_chars() <= _TOKEN_CHARS).fill_null(False) & ~odd)
    candidates = pl.concat([short.filter(~short.str.contains(_NO_TOKEN_DIGITS)), text.filter(odd)]).unique()
    unknown = candidates.filter(_key(candidates).is_in(_UNKNOWN))
    errors = candidates.filter(candidates.str.to_uppercase().is_in(_ERRORS))
    blank = (text.is_null() | (text == "")).fill_null(True)
    error = text.is_in(errors).fill_null(False) if len(errors) else pl.repeat(False, len(text), eager=True)
    gone = blank | error | (text.is_in(unknown).fill_null(False) if len(unknown) else False)
    problems = pl.select(
        pl.when(pl.lit(error))
        .then(pl.format("error cell {}", pl.lit(text)))
        .otherwise(pl.lit(None, pl.String))
    ).to_series()
    values = text.set(gone, None) if gone.any() else text
    return Parsed(values.rename(s.name), problems.rename(s.name), (~blank & gone).rename(s.name))


_MONEY_NOISE = (
    r"(?-u)gbp|£|~|≈|\(\s*\)|/\s*(?:yr|year|annum|pa)\b|(?:\+|\bplus|\bex(?:cl?)?\.?|\binc(?:l)?\.?)\s*vat\b"
    r"|\b(?:about|approx(?:imately)?\.?|around|circa|roughly|est(?:imated)?\.?|c\.)"
    r"|\bp\.a\.|\b(?:per annum|per year|per yr|a year|annually|annual|yearly|p\.a\.?|pa)\b"
)
_MULTIPLIERS = {"": 1.0, "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9}
_ZERO_MONEY = r"^(?:free|free of charge|nil cost|no cost|no charge|zero|included)$"


def parse_money(s: pl.Series) -> Parsed:
    """Read amounts such as "£12,500.00", "12.5k", "(500)" or "GBP 300 pa" as pounds to 2 dp."""
    if s.dtype.is_numeric():
        return _typed(s.cast(pl.Float64).fill_nan(None).round(2))
    text, frame = _frame(s)
    frame = frame.with_columns(c=_k.str.replace_all(_MONEY_NOISE, " ").str.strip_chars(" "))
    c = pl.col("c")
    # Ledger styles: a trailing minus ("12,500.00-") and CR (a credit) are negative; DR is a debit.
    frame = frame.with_columns(cr=c.str.contains(r"\d\s*cr$")).with_columns(
        c=c.str.replace(r"(\d)\s*(?:cr|dr)$", "${1}")
    )
    negative = (
        c.str.contains(r"^[-−–]")
        | c.str.contains(r"^\(.*\)$")
        | c.str.contains(r"\d\s*[-−–]$")
        | pl.col("cr")
    )
    frame = frame.with_columns(
        neg=negative, g=c.str.strip_chars(" ()-−–").str.extract_groups(rf"^{_NUMBER}\s*([a-z]*)$")
    )
    g = pl.col("g")
    multiplier = g.struct.field("3").replace_strict(_MULTIPLIERS, default=None, return_dtype=pl.Float64)
    amount = _number(g, "1", "2") * multiplier * pl.when(pl.col("neg")).then(-1.0).otherwise(1.0)
    value = pl.when(_k.str.contains(_ZERO_MONEY)).then(0.0).otherwise(amount).round(2)
    unchanged = _t.str.contains(r"^-?\d+(?:\.\d+)?$") & (_t.cast(pl.Float64, strict=False) == _v)
    return _finish(text, frame, value, unchanged, "unparseable amount")


_TRUE = ("y", "yes", "true", "t", "1", "1.0", "✓", "✔", "☑", "☒", "x", "enabled", "on", "ticked", "checked")
_FALSE = ("n", "no", "false", "f", "0", "0.0", "✗", "✘", "☐", "disabled", "off", "unticked", "unchecked")
_BOOLS = {**dict.fromkeys(_TRUE, True), **dict.fromkeys(_FALSE, False)}


def parse_bool(s: pl.Series) -> Parsed:
    """Read yes/no columns: Y/N, TRUE/FALSE, 1/0, ticks and crosses, on/off, enabled/disabled."""
    if s.dtype == pl.Boolean:
        return _typed(s)
    value = _k.replace_strict(_BOOLS, default=None, return_dtype=pl.Boolean)
    unchanged = _t == pl.when(_v).then(pl.lit("true")).otherwise(pl.lit("false"))
    return _finish(*_frame(s), value, unchanged, "unparseable yes/no")


# Hedges and lower bounds are read as the number they qualify.
_COUNT_HEDGE = (
    r"^(?:~|≈|c\.|ca\.?|approx\.?|approximately|about|around|circa|roughly|over|more than|at least|up to)\s*"
)


def _whole(x: pl.Expr) -> pl.Expr:
    x = x.round(6)  # 1.1 * 1000 is 1100.0000000000002 in binary floating point
    return pl.when(x == x.round(0)).then(x.cast(pl.Int64, strict=False))


def parse_integer(s: pl.Series) -> Parsed:
    """Read counts such as "1,200", "~300", "300+" or "1.2k"; a range "100-200" reads as 150."""
    if s.dtype.is_integer():
        return _typed(s.cast(pl.Int64, strict=False))
    c = _k.str.replace(_COUNT_HEDGE, "").str.replace(r"\s*\+$", "")
    text, frame = _frame(s)
    frame = frame.with_columns(
        one=c.str.extract_groups(rf"^(-)?{_NUMBER}\s*(k|m)?$"),
        range=c.str.extract_groups(rf"^{_NUMBER}\s*(?:-|–|—|to)\s*{_NUMBER}$"),
    )
    one, span = pl.col("one"), pl.col("range")
    sign = pl.when(one.struct.field("1").is_null()).then(1.0).otherwise(-1.0)
    multiplier = (
        one.struct.field("4")
        .replace_strict({"k": 1e3, "m": 1e6}, default=1.0, return_dtype=pl.Float64)
        .fill_null(1.0)
    )
    low, high = _number(span, "1", "2"), _number(span, "3", "4")
    midpoint = pl.when(low <= high).then(((low + high) / 2).round(0, mode="half_away_from_zero"))
    value = _whole(pl.coalesce(_number(one, "2", "3") * multiplier * sign, midpoint))
    return _finish(text, frame, value, _t == _v.cast(pl.String), "unparseable number")


_DAYS_PER_UNIT = {
    **dict.fromkeys(("d", "day", "days", "calendar day", "calendar days"), 1.0),
    # Notice in working days runs over weekends: five working days are a calendar week.
    **dict.fromkeys(("working day", "working days", "business day", "business days"), 1.4),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7.0),
    **dict.fromkeys(("m", "mo", "mos", "mth", "mths", "mnth", "mnths", "month", "months"), 30.0),
    **dict.fromkeys(("calendar month", "calendar months"), 30.0),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), 365.0),
}
_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven")
_WORD_NUMBERS = {"a": 1.0, "an": 1.0, "twelve": 12.0} | {w: float(n) for n, w in enumerate(_NUMBER_WORDS, 1)}
_DURATION_NOISE = r"'s?|\bnotice(?: period)?\b|\b(?:written|prior|in advance|approx(?:imately)?|about)\b|~"


def parse_duration_days(s: pl.Series) -> Parsed:
    """Read a notice period as days: "90", "6 weeks" (42), "3 months" (90), "1 year" (365)."""
    if s.dtype.is_integer():
        return _typed(s.cast(pl.Int64, strict=False))
    c = _k.str.replace_all(_DURATION_NOISE, " ").str.replace_all(" {2,}", " ").str.strip_chars(" .")
    # Longest word first, so "an" is not read as "a" followed by a unit "n".
    words = "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True))
    text, frame = _frame(s)
    frame = frame.with_columns(g=c.str.extract_groups(rf"^(?:({words})|{_NUMBER})\s*([a-z]+(?: [a-z]+)?)?$"))
    g = pl.col("g")
    unit = g.struct.field("4")
    per_unit = unit.replace_strict(_DAYS_PER_UNIT, default=None, return_dtype=pl.Float64)
    word = g.struct.field("1").replace_strict(_WORD_NUMBERS, default=None, return_dtype=pl.Float64)
    # A word alone ("a", "one") is not a period; with a unit it is ("a year", "three months").
    amount = pl.coalesce(_number(g, "2", "3"), pl.when(unit.is_not_null()).then(word))
    days = amount * pl.when(unit.is_null()).then(1.0).otherwise(per_unit)
    value = _whole(days.round(0, mode="half_away_from_zero"))
    return _finish(text, frame, value, _t == _v.cast(pl.String), "unparseable notice period")


def _vocabulary_key(text: pl.Expr, *, split_camel: bool) -> pl.Expr:
    if split_camel:
        text = text.str.replace_all(r"([a-z])([A-Z])", "${1} ${2}")
    return text.str.to_lowercase().str.replace_all(r"[\s_\-–—:]+", " ").str.strip_chars(" .,;:!?*'\"()[]{}")


def _vocabulary_lookup(vocabulary: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Normalised term -> canonical key; canonical keys win over synonyms, then first one wins."""
    terms = [(k, k) for k in vocabulary] + [(w, k) for k, words in vocabulary.items() for w in words]
    words = pl.Series([w for w, _ in terms], dtype=pl.String).to_frame("w")
    normalised = words.select(_vocabulary_key(pl.col("w"), split_camel=False)).to_series()
    lookup: dict[str, str] = {}
    for word, (_, key) in zip(normalised, terms, strict=True):
        lookup.setdefault(word, key)
    return lookup


def _parse_vocabulary(
    s: pl.Series, vocabulary: Mapping[str, Sequence[str]], field_name: str, dtype: pl.DataType
) -> Parsed:
    lookup = _vocabulary_lookup(vocabulary)

    def match(split_camel: bool) -> pl.Expr:
        key = _vocabulary_key(_t, split_camel=split_camel)
        return key.replace_strict(lookup, default=None, return_dtype=pl.String)

    # Try the text as written first, so "SaaS" is not split into "saa s" as camel case would.
    value = pl.coalesce(match(False), match(True)).cast(dtype, strict=False)
    return _finish(*_frame(s), value, _t == _v.cast(pl.String), f"unknown {field_name} value")


def vocabulary_terms(
    s: pl.Series, vocabularies: Mapping[str, Mapping[str, Sequence[str]]]
) -> dict[str, pl.Series]:
    """For each named vocabulary, whether each cell is one of its terms: exactly the cells
    `parse_enum`/`parse_fit` give a value. Value profiles ask this of every vocabulary at once,
    so the cells are keyed once for all of them instead of once per vocabulary."""
    t = _trimmed(s)
    readable = t.is_not_null() & (t != "") & ~t.str.to_uppercase().is_in(_ERRORS)
    keys = t.to_frame("t").select(
        plain=_vocabulary_key(_t, split_camel=False), camel=_vocabulary_key(_t, split_camel=True)
    )
    plain, camel = keys.get_column("plain"), keys.get_column("camel")
    out = {}
    for name, vocabulary in vocabularies.items():
        terms = sorted(_vocabulary_lookup(vocabulary))
        out[name] = ((plain.is_in(terms) | camel.is_in(terms)) & readable).fill_null(False).rename(s.name)
    return out


def parse_enum(s: pl.Series, vocabulary: Mapping[str, Sequence[str]], field_name: str) -> Parsed:
    """Map a controlled field's values onto the canonical keys of its vocabulary."""
    return _parse_vocabulary(s, vocabulary, field_name, pl.String())


def parse_fit(s: pl.Series, vocabulary: Mapping[str, Sequence[str]], field_name: str) -> Parsed:
    """Map a LeanIX-style fit scale onto 1 (worst) .. 4 (best)."""
    return _parse_vocabulary(s, vocabulary, field_name, pl.Int8())


# Separators become \x1f (\r\n as one), and hidden bracketed commas come back, all in one pass.
_SPLIT_FROM = [";", ",", "|", "\r\n", "\n", "\r", "\x1e", "\x02", "\x03"]
_SPLIT_TO = ["\x1f"] * 6 + [",", "(", ")"]
_PAREN_COMMA = r"(\([^(),]*),([^()]*\))"
_NESTED_PARENS = r"\([^()]*\("
_INNER_PARENS = r"\(([^()]*)\)"
_BULLET = r"^[•·▪◦*\-–]\s+"
_BULLETED = r"(?:^|[;,|\r\n])\s*[•·▪◦*\-–]\s+"
_DROPPED_ITEMS = sorted(UNKNOWN_TOKENS | {e.lower() for e in ERROR_CELLS})


def _replace_where(text: pl.Series, pattern: str, replacement: str, where: str) -> pl.Series | None:
    """`text` with `pattern` replaced in the rows matching `where`; None when no row matches."""
    rows = text.str.contains(where).fill_null(False)
    if not rows.any():
        return None
    return text.clone().scatter(rows.arg_true(), text.filter(rows).str.replace_all(pattern, replacement))


def _hide_bracketed_commas(text: pl.Series) -> pl.Series:
    """Swap commas inside parentheses for a control character, innermost pair first.

    Once a pair has no commas left its own parentheses are swapped out too, so the pair around it
    becomes innermost; unbalanced parentheses are left alone.
    """
    for _ in range(100):
        hidden = _replace_where(text, _PAREN_COMMA, "${1}\x1e${2}", _PAREN_COMMA)
        if hidden is None:
            hidden = _replace_where(text, _INNER_PARENS, "\x02${1}\x03", _NESTED_PARENS)
        if hidden is None:
            return text
        text = hidden
    return text


def _items(pieces: pl.Series, *, bulleted: bool) -> pl.Series:
    """Trimmed items without bullets, blanks, unknown tokens or repeats (ignoring case)."""
    e = pl.element()
    item = e.str.strip_chars(_STRIP)
    if bulleted:
        item = item.str.replace(_BULLET, "")
    items = pieces.list.eval(item.filter(~item.str.to_lowercase().is_in(_DROPPED_ITEMS)))
    # Repeats are rare and slow to drop in order: find the lists that have any first.
    rows = items.list.eval(e.str.to_lowercase()).list.n_unique() < items.list.len()
    if not rows.any():
        return items
    index = rows.arg_true()
    fixed = items.gather(index).list.eval(e.filter(e.str.to_lowercase().is_first_distinct()))
    whole = pl.DataFrame({"items": items}).with_row_index("i")
    return whole.update(pl.DataFrame({"i": index, "items": fixed}), on="i").get_column("items")


def split_list(s: pl.Series) -> Parsed:
    """Split a multi-value cell on ; , | and newlines (not on '/', nor on commas in parentheses)."""
    if isinstance(s.dtype, pl.List):
        text = _trimmed(s.list.eval(pl.element().cast(pl.String, strict=False)).list.join("\x1f"))
        distinct = _distinct(text)
        pieces = distinct.str.split("\x1f")
    else:
        text = _trimmed(s)
        distinct = _distinct(text)
        hidden = _hide_bracketed_commas(distinct)
        pieces = hidden.str.replace_many(_SPLIT_FROM, _SPLIT_TO, leftmost=True).str.split("\x1f")
    bullets = distinct.str.contains(_BULLETED).fill_null(False)
    items = _items(pieces, bulleted=bool(bullets.any()))
    frame = pl.LazyFrame({"t": distinct, "p": pieces, "items": items, "bullets": bullets})
    found = pl.col("items")
    value = pl.when(found.list.len() > 0).then(found)
    unchanged = (found.list.len() == pl.col("p").list.len()) & ~pl.col("bullets")
    return _finish(text, frame, value, unchanged, None)
