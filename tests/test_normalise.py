import datetime as dt
import random

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appconsol.ingest import dates
from appconsol.ingest import normalise as norm
from appconsol.ingest.dates import parse_date
from appconsol.ingest.normalise import (
    UNKNOWN_TOKENS,
    Parsed,
    clean_text,
    parse_bool,
    parse_duration_days,
    parse_enum,
    parse_fit,
    parse_integer,
    parse_money,
    split_list,
    vocabulary_terms,
)
from appconsol.schema import CRITICALITY, FUNCTIONAL_FIT, HOSTING, LIFECYCLE, TECHNICAL_FIT

D = dt.date


def lifecycle(s: pl.Series) -> Parsed:
    return parse_enum(s, LIFECYCLE, "lifecycle")


def technical_fit(s: pl.Series) -> Parsed:
    return parse_fit(s, TECHNICAL_FIT, "technical_fit")


def month_first(s: pl.Series) -> Parsed:
    return parse_date(s, day_first=False)


PARSERS = {
    "clean_text": clean_text,
    "parse_money": parse_money,
    "parse_date": parse_date,
    "parse_date_month_first": month_first,
    "parse_bool": parse_bool,
    "parse_integer": parse_integer,
    "parse_duration_days": parse_duration_days,
    "parse_enum": lifecycle,
    "parse_fit": technical_fit,
    "split_list": split_list,
}
VALUE_TYPES = {
    "clean_text": pl.String,
    "parse_money": pl.Float64,
    "parse_date": pl.Date,
    "parse_date_month_first": pl.Date,
    "parse_bool": pl.Boolean,
    "parse_integer": pl.Int64,
    "parse_duration_days": pl.Int64,
    "parse_enum": pl.String,
    "parse_fit": pl.Int8,
    "split_list": pl.List(pl.String),
}
ERROR_STRINGS = ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#GETTING_DATA"]


def one(parser, value, **kwargs):
    """Parse a single cell; return (value, problem, changed)."""
    result = parser(pl.Series("c", [value]), **kwargs)
    return result.values.to_list()[0], result.problems[0], result.changed[0]


# --- behaviour shared by every parser ---------------------------------------------------------


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize(
    "series",
    [
        pl.Series("c", [], dtype=pl.String),
        pl.Series("c", [None, None]),
        pl.Series("c", ["", " ", None, "\u00a0"]),
        pl.Series("c", [1.0, None, 2.5, float("nan")]),
        pl.Series("c", [1, 2, None]),
        pl.Series("c", [True, False, None]),
        pl.Series("c", [D(2026, 3, 1), None]),
        pl.Series("c", [dt.datetime(2026, 3, 1, 12, 30), None]),
        pl.Series("c", ["x", "y", "x"], dtype=pl.Categorical),
    ],
    ids=["empty", "all-null", "blanks", "float", "int", "bool", "date", "datetime", "categorical"],
)
def test_parsers_accept_any_column_type_and_keep_its_length(name, series):
    result = PARSERS[name](series)

    assert len(result.values) == len(result.problems) == len(result.changed) == len(series)
    assert result.values.dtype == VALUE_TYPES[name]
    assert result.problems.dtype == pl.String
    assert result.changed.dtype == pl.Boolean
    assert result.changed.null_count() == 0


@pytest.mark.parametrize("name", PARSERS)
def test_parsers_never_raise_on_junk_and_keep_its_length(name):
    rng = random.Random(20260301)
    alphabet = "0123456789 ,.;:-/()£$%kKmM\u00a0\u200bxyzTBC#N/A!?\n|'\"✓"
    junk = ["".join(rng.choices(alphabet, k=rng.randrange(0, 16))) for _ in range(500)]

    result = PARSERS[name](pl.Series("c", junk))

    assert len(result.values) == len(result.problems) == len(result.changed) == len(junk)
    assert result.changed.null_count() == 0


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize(
    "token", ["TBC", "tbd", "N/A", "na", "-", "--", "?", "Unknown", "not known", "None", "NULL"]
)
def test_parsers_read_unknown_tokens_as_null_without_a_problem(name, token):
    value, problem, changed = one(PARSERS[name], f" {token}\u00a0")

    assert value is None
    assert problem is None
    assert changed is True  # the original "TBC" is kept beside the NULL


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize("error", ERROR_STRINGS)
def test_parsers_report_excel_error_cells(name, error):
    assert one(PARSERS[name], error) == (None, f"error cell {error}", True)


@pytest.mark.parametrize("name", PARSERS)
@pytest.mark.parametrize("blank", [None, "", "   ", "\u00a0", "\u200b", "\t\n"])
def test_parsers_read_blanks_as_null_unchanged_and_without_a_problem(name, blank):
    assert one(PARSERS[name], blank) == (None, None, False)


def test_unknown_tokens_include_the_common_spreadsheet_placeholders():
    expected = {"", "tbc", "tbd", "n/a", "na", "-", "--", "?", "unknown", "not known", "none", "null", "nil"}
    assert expected | {"not applicable"} <= UNKNOWN_TOKENS
    assert all(token == token.lower() for token in UNKNOWN_TOKENS)


@pytest.mark.parametrize("name", PARSERS)
def test_parsers_align_results_with_rows_when_values_repeat(name):
    # Repetitive columns are parsed once per distinct value; the results must land on their rows.
    cells = ["Live", None, "#N/A", "TBC", "", "2026-03-01", "5", "Y"] * 400
    parser = PARSERS[name]

    whole = parser(pl.Series("c", cells))
    single = [one(parser, cell) for cell in cells[:8]] * 400

    rows = zip(whole.values.to_list(), whole.problems.to_list(), whole.changed.to_list(), strict=True)
    assert list(rows) == single


def test_parsers_name_their_results_after_the_input_column():
    result = parse_money(pl.Series("Annual cost", ["£5"]))
    assert (result.values.name, result.problems.name, result.changed.name) == ("Annual cost",) * 3


# --- clean_text ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Sage 200  ", "Sage 200"),
        ("\u00a0Sage 200\u00a0", "Sage 200"),
        ("\u2007Civica\u202f", "Civica"),
        ("\u200bOracle\ufeff", "Oracle"),
        ("Sage\u200b 200", "Sage 200"),
        ("\tHR/Payroll\r\n", "HR/Payroll"),
        ("Two  spaces inside", "Two  spaces inside"),
        ("Line one\nline two", "Line one\nline two"),
    ],
)
def test_clean_text_strips_outer_whitespace_and_invisible_characters_only(raw, expected):
    assert one(clean_text, raw) == (expected, None, False)


def test_clean_text_renders_whole_floats_as_integers():
    result = clean_text(pl.Series("c", [12345.0, 1.5, None]))
    assert result.values.to_list() == ["12345", "1.5", None]


def test_clean_text_renders_dates_as_iso():
    result = clean_text(pl.Series("c", [dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30)]))
    assert result.values.to_list() == ["2026-03-01", "2026-03-01 09:30:00"]


def _clean_text_keying_every_cell(s: pl.Series) -> Parsed:
    """clean_text as it was before it keyed only the cells that could be tokens: the reference."""
    text = norm._trimmed(s).str.replace_all(f"[{norm._ZERO_WIDTH}]", "")
    frame = pl.LazyFrame({"t": text, "k": norm._key(text)})
    value = pl.when(norm._k.is_in(norm._UNKNOWN)).then(None).otherwise(norm._t)
    return norm._finish(text, frame, value, pl.lit(True), None)


_TOKENISH = st.sampled_from(sorted(UNKNOWN_TOKENS | norm.ERROR_CELLS)).flatmap(
    lambda token: st.sampled_from(
        [
            token,
            token.upper(),
            token.title(),
            token.replace(" ", "  "),
            token.replace(" ", "\t"),
            token.replace(" ", "\u00a0"),
            f"\u200b{token}",
            token.replace(" ", "\u200b "),
            token.replace("o", "\u200bo"),
            f"{token}{' ' * 60}x",
            token.replace(" ", " " * 70),
        ]
    )
)
_TEXT_CELL = st.one_of(
    _TOKENISH,
    st.text(alphabet="aİıſßK\u212a \t\u00a0\u200b/#!-.?NATBC", max_size=80),
    st.text(max_size=30),
    st.sampled_from(["", " ", "Sage 200", "A" * 64, "A" * 65, "\u00e9" * 33, "İ" * 20]),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TEXT_CELL, min_size=1, max_size=30))
def test_clean_text_keys_only_possible_tokens_and_reads_every_cell_as_before(cells):
    # Only short or oddly spaced cells are keyed now; every cell must still read exactly as when
    # every cell was keyed (case mappings that lengthen text, whitespace runs, zero-width marks).
    s = pl.Series("c", cells, dtype=pl.String)
    got, expected = clean_text(s), _clean_text_keying_every_cell(s)
    for part in ("values", "problems", "changed"):
        assert getattr(got, part).to_list() == getattr(expected, part).to_list(), part
        assert getattr(got, part).dtype == getattr(expected, part).dtype, part
        assert getattr(got, part).name == "c", part


# --- parse_money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("£12,500.00", 12500.0),
        ("12.5k", 12500.0),
        ("12.5K", 12500.0),
        ("£1.2m", 1200000.0),
        ("£1.2 million", 1200000.0),
        ("(500)", -500.0),
        ("£(500)", -500.0),
        ("-£500", -500.0),
        ("£-500", -500.0),
        ("1,234", 1234.0),
        ("GBP 300", 300.0),
        ("300 GBP", 300.0),
        ("£ 1 234", 1234.0),
        ("£\u00a01\u00a0234", 1234.0),
        ("12500 pa", 12500.0),
        ("£12,500 p.a.", 12500.0),
        ("£12,500 per annum", 12500.0),
        ("£3,000 + VAT", 3000.0),
        ("about 5k", 5000.0),
        ("approx. £5,000", 5000.0),
        ("c. £2k", 2000.0),
        ("£10.999", 11.0),
        (".5m", 500000.0),
        ("free", 0.0),
        ("Nil cost", 0.0),
        ("no charge", 0.0),
        ("£0", 0.0),
        ("0", 0.0),
    ],
)
def test_money_reads_pounds_in_the_forms_spreadsheets_use(raw, expected):
    value, problem, _ = one(parse_money, raw)
    assert (value, problem) == (expected, None)


@pytest.mark.parametrize("raw", ["TBC", "", "nil", "n/a", "unknown"])
def test_money_reads_unknown_as_null_never_zero(raw):
    assert one(parse_money, raw)[:2] == (None, None)


@pytest.mark.parametrize("raw", ["lots", "$300", "USD 300", "€300", "1,5", "5k-10k", "12.5.5", "£"])
def test_money_reports_amounts_it_cannot_read(raw):
    assert one(parse_money, raw) == (None, f"unparseable amount '{raw}'", True)


@pytest.mark.parametrize(
    ("raw", "changed"),
    [
        ("12500", False),
        ("12500.00", False),
        ("-500", False),
        ("£12,500", True),
        ("12.5k", True),
        ("12.345", True),
    ],
)
def test_money_flags_text_that_is_not_the_plain_amount(raw, changed):
    assert one(parse_money, raw)[2] is changed


def test_money_keeps_numeric_columns_rounded_to_pence():
    result = parse_money(pl.Series("c", [12500.0, 1.234, None, float("nan")]))
    assert result.values.to_list() == [12500.0, 1.23, None, None]
    assert result.problems.to_list() == [None] * 4
    assert result.changed.to_list() == [False] * 4


def test_money_accepts_integer_columns():
    result = parse_money(pl.Series("c", [300, None]))
    assert result.values.dtype == pl.Float64
    assert result.values.to_list() == [300.0, None]


# --- parse_date ---------------------------------------------------------------------------------


_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=5)
_DATE_CELL = st.one_of(
    # The shapes read by strptime, with impossible days, months and years among them.
    st.builds("{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)),
    st.builds("{:02d}/{:02d}/{:04d}".format, st.integers(0, 32), st.integers(0, 32), st.integers(0, 9999)),
    # Near misses, and the shapes the general patterns read.
    st.builds(
        lambda a, b, c, sep: f"{a}{sep}{b}{sep}{c}", _DIGITS, _DIGITS, _DIGITS, st.sampled_from("-/. ")
    ),
    st.sampled_from(["March 2026", "1st March 2026", "45000", "2026", "20260301", " 01/03/2026 ", "TBC", ""]),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_DATE_CELL, min_size=1, max_size=30), st.booleans())
def test_dates_read_by_strptime_read_as_the_general_patterns_read_them(cells, day_first):
    s = pl.Series("c", cells, dtype=pl.String)
    fast = dates._parse_date(s, day_first=day_first, fast=True)
    general = dates._parse_date(s, day_first=day_first, fast=False)
    for part in ("values", "problems", "changed"):
        assert getattr(fast, part).to_list() == getattr(general, part).to_list(), part


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-03-01", D(2026, 3, 1)),
        ("2026-03-01 00:00:00", D(2026, 3, 1)),
        ("2026-03-01T00:00:00", D(2026, 3, 1)),
        ("2026-03-01T14:30:00Z", D(2026, 3, 1)),
        ("2026/03/01", D(2026, 3, 1)),
        ("01/03/2026", D(2026, 3, 1)),
        ("01/03/2026 09:15", D(2026, 3, 1)),
        ("1/3/26", D(2026, 3, 1)),
        ("1/3/95", D(1995, 3, 1)),
        ("01-03-2026", D(2026, 3, 1)),
        ("01.03.2026", D(2026, 3, 1)),
        ("1 March 2026", D(2026, 3, 1)),
        ("1st March 2026", D(2026, 3, 1)),
        ("22nd Sept 2026", D(2026, 9, 22)),
        ("01-Mar-2026", D(2026, 3, 1)),
        ("1-Mar-26", D(2026, 3, 1)),
        ("March 1, 2026", D(2026, 3, 1)),
        ("March 2026", D(2026, 3, 1)),
        ("MARCH 2026", D(2026, 3, 1)),
        ("Mar-26", D(2026, 3, 1)),
        ("Mar 2026", D(2026, 3, 1)),
        ("2026-03", D(2026, 3, 1)),
        ("03/2026", D(2026, 3, 1)),
        ("2026", D(2026, 1, 1)),
        ("45000", D(2023, 3, 15)),
        ("20260301", D(2026, 3, 1)),
        ("29/02/2024", D(2024, 2, 29)),
    ],
)
def test_date_reads_the_shapes_uk_spreadsheets_use(raw, expected):
    value, problem, _ = one(parse_date, raw)
    assert (value, problem) == (expected, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("01/03/2026", D(2026, 1, 3)), ("12/31/2026", D(2026, 12, 31)), ("1/3/26", D(2026, 1, 3))],
)
def test_date_reads_month_first_when_asked(raw, expected):
    assert one(parse_date, raw, day_first=False)[:2] == (expected, None)


def test_date_does_not_guess_month_first_in_a_day_first_column():
    assert one(parse_date, "12/31/2026") == (None, "unparseable date '12/31/2026'", True)


@pytest.mark.parametrize(
    "raw", ["31/02/2026", "29/02/2025", "2026-13-01", "next spring", "spring 2026", "Q3", "60", "1/2/3/4"]
)
def test_date_reports_invalid_or_unreadable_dates(raw):
    assert one(parse_date, raw) == (None, f"unparseable date '{raw}'", True)


@pytest.mark.parametrize(
    ("raw", "changed"),
    [("2026-03-01", False), ("2026-03-01 00:00:00", True), ("01/03/2026", True), ("2026", True)],
)
def test_date_flags_text_that_is_not_the_iso_date(raw, changed):
    assert one(parse_date, raw)[2] is changed


def test_date_keeps_date_columns_and_drops_the_time_of_datetime_columns():
    dates = parse_date(pl.Series("c", [D(2026, 3, 1), None]))
    datetimes = parse_date(pl.Series("c", [dt.datetime(2026, 3, 1, 23, 59), None]))
    for result in (dates, datetimes):
        assert result.values.to_list() == [D(2026, 3, 1), None]
        assert result.problems.to_list() == [None, None]
        assert result.changed.to_list() == [False, False]


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (45000.0, D(2023, 3, 15)),
        (45000.75, D(2023, 3, 15)),
        (61.0, D(1900, 3, 1)),
        (59.0, D(1900, 2, 28)),
        (1.0, D(1900, 1, 1)),
        (2026.0, D(2026, 1, 1)),  # a year typed into a number cell, not 18 July 1905
        (20260301.0, D(2026, 3, 1)),  # yyyymmdd typed into a number cell
    ],
)
def test_date_reads_numeric_cells_as_excel_serials(serial, expected):
    assert one(parse_date, serial) == (expected, None, True)


@pytest.mark.parametrize("serial", [60.0, 0.0, -5.0])
def test_date_reports_serials_that_are_no_date(serial):
    value, problem, _ = one(parse_date, serial)
    assert value is None
    assert problem == f"unparseable date '{int(serial)}'"


def test_date_reads_only_plausible_serials_from_text():
    assert one(parse_date, "45000")[0] == D(2023, 3, 15)
    assert one(parse_date, "123")[1] == "unparseable date '123'"
    assert one(parse_date, "99999")[1] == "unparseable date '99999'"


def test_date_accepts_integer_serial_columns():
    assert parse_date(pl.Series("c", [45000, None])).values.to_list() == [D(2023, 3, 15), None]


# --- parse_bool ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *[
            (t, True)
            for t in ["Y", "y", "Yes", "YES", "TRUE", "True", "1", "T", "t", "✓", "✔", "☑", "x", "X"]
        ],
        *[(t, True) for t in ["enabled", "On", "ON"]],
        *[(f, False) for f in ["N", "n", "No", "NO", "FALSE", "false", "0", "F", "f", "✗", "✘"]],
        *[(f, False) for f in ["Disabled", "off", "OFF"]],
    ],
)
def test_bool_reads_yes_no_columns(raw, expected):
    assert one(parse_bool, f" {raw} ")[:2] == (expected, None)


@pytest.mark.parametrize("raw", ["maybe", "2", "yes please", "Y/N"])
def test_bool_reports_values_it_cannot_read(raw):
    assert one(parse_bool, raw) == (None, f"unparseable yes/no '{raw}'", True)


@pytest.mark.parametrize(("raw", "changed"), [("true", False), ("false", False), ("TRUE", True), ("Y", True)])
def test_bool_flags_text_that_is_not_true_or_false(raw, changed):
    assert one(parse_bool, raw)[2] is changed


def test_bool_keeps_boolean_columns_and_reads_numeric_ones():
    assert parse_bool(pl.Series("c", [True, None, False])).values.to_list() == [True, None, False]
    assert parse_bool(pl.Series("c", [True])).changed.to_list() == [False]
    assert parse_bool(pl.Series("c", [1.0, 0.0])).values.to_list() == [True, False]


# --- parse_integer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("300", 300),
        ("1,200", 1200),
        ("1 200", 1200),
        ("~300", 300),
        ("approx 300", 300),
        ("about 300", 300),
        ("300+", 300),
        ("1.2k", 1200),
        ("1.1k", 1100),
        ("12.0", 12),
        ("100-200", 150),
        ("100 - 200", 150),
        ("100 to 200", 150),
        ("1-2", 2),
        ("-5", -5),
    ],
)
def test_integer_reads_counts_in_the_forms_spreadsheets_use(raw, expected):
    value, problem, _ = one(parse_integer, raw)
    assert (value, problem) == (expected, None)


@pytest.mark.parametrize("raw", ["lots", "12.5", "200-100", "1,2", "3 apps"])
def test_integer_reports_values_it_cannot_read(raw):
    assert one(parse_integer, raw) == (None, f"unparseable number '{raw}'", True)


@pytest.mark.parametrize(
    ("raw", "changed"), [("300", False), ("1,200", True), ("100-200", True), ("12.0", True)]
)
def test_integer_flags_text_that_is_not_the_plain_number(raw, changed):
    assert one(parse_integer, raw)[2] is changed


def test_integer_reads_whole_floats_and_reports_fractions():
    result = parse_integer(pl.Series("c", [12.0, 12.5, None]))
    assert result.values.to_list() == [12, None, None]
    assert result.problems.to_list() == [None, "unparseable number '12.5'", None]
    assert result.changed.to_list() == [False, True, False]


def test_integer_keeps_integer_columns():
    result = parse_integer(pl.Series("c", [1, None], dtype=pl.Int32))
    assert result.values.dtype == pl.Int64
    assert result.values.to_list() == [1, None]
    assert result.changed.to_list() == [False, False]


# --- parse_duration_days ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("90", 90),
        ("90 days", 90),
        ("90 Days", 90),
        ("90d", 90),
        ("3 months", 90),
        ("3 Months' notice", 90),
        ("3 month's written notice", 90),
        ("three months", 90),
        ("1 month", 30),
        ("1.5 months", 45),
        ("12 months", 360),
        ("1 year", 365),
        ("a year", 365),
        ("2 yrs", 730),
        ("6 weeks", 42),
        ("6 wks", 42),
        ("20 working days", 28),
    ],
)
def test_duration_reads_notice_periods_as_days(raw, expected):
    value, problem, _ = one(parse_duration_days, raw)
    assert (value, problem) == (expected, None)


@pytest.mark.parametrize("raw", ["soon", "1-3 months", "3 fortnights", "a", "months"])
def test_duration_reports_periods_it_cannot_read(raw):
    assert one(parse_duration_days, raw) == (None, f"unparseable notice period '{raw}'", True)


def test_duration_flags_text_that_is_not_a_plain_day_count():
    assert one(parse_duration_days, "90")[2] is False
    assert one(parse_duration_days, "3 months")[2] is True


def test_duration_keeps_numeric_columns_as_days():
    assert parse_duration_days(pl.Series("c", [90, None])).values.to_list() == [90, None]
    assert parse_duration_days(pl.Series("c", [90.0])).values.to_list() == [90]


# --- parse_enum and parse_fit -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("active", "active"),
        ("Live", "active"),
        ("  LIVE ", "active"),
        ("In Production", "active"),
        ("in   production", "active"),
        ("BAU", "active"),
        ("phase-out", "phase-out"),
        ("Phase Out", "phase-out"),
        ("phase_out", "phase-out"),
        ("phaseOut", "phase-out"),
        ("PHASE_OUT", "phase-out"),
        ("phaseIn", "phase-in"),
        ("End-of-life", "retired"),
        ("end_of_life", "retired"),
        ("Retired.", "retired"),
        ("(Planned)", "plan"),
    ],
)
def test_enum_maps_synonyms_onto_the_canonical_key(raw, expected):
    assert one(parse_enum, raw, vocabulary=LIFECYCLE, field_name="lifecycle")[:2] == (expected, None)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("missionCritical", "mission-critical"),
        ("1 - Most Critical", "mission-critical"),
        ("Tier 1", "mission-critical"),
        ("businessCritical", "business-critical"),
        ("businessOperational", "business-operational"),
        ("administrativeService", "administrative"),
        ("4", "administrative"),
    ],
)
def test_enum_reads_leanix_and_servicenow_criticality(raw, expected):
    assert one(parse_enum, raw, vocabulary=CRITICALITY, field_name="business_criticality")[0] == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("SaaS", "saas"), ("IaaS", "iaas"), ("On-Prem", "on-premises")]
)
def test_enum_matches_mixed_case_words_before_splitting_camel_case(raw, expected):
    assert one(parse_enum, raw, vocabulary=HOSTING, field_name="hosting_model")[0] == expected


def test_enum_lets_the_vocabulary_claim_unknown_tokens():
    # Hosting has a real "unknown" value, and TBC is one of its words.
    assert one(parse_enum, "TBC", vocabulary=HOSTING, field_name="hosting_model") == ("unknown", None, True)


@pytest.mark.parametrize("raw", ["frozen", "missionCritical", "live-ish"])
def test_enum_reports_values_outside_the_vocabulary(raw):
    result = one(parse_enum, raw, vocabulary=LIFECYCLE, field_name="lifecycle")
    assert result == (None, f"unknown lifecycle value '{raw}'", True)


@pytest.mark.parametrize(("raw", "changed"), [("active", False), ("Active", True), ("Live", True)])
def test_enum_flags_text_that_is_not_the_canonical_key(raw, changed):
    assert one(parse_enum, raw, vocabulary=LIFECYCLE, field_name="lifecycle")[2] is changed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fullyAppropriate", 4),
        ("Fully appropriate", 4),
        ("adequate", 3),
        ("3", 3),
        ("poor", 1),
        ("Inappropriate", 1),
    ],
)
def test_fit_maps_the_scale_onto_1_to_4(raw, expected):
    value, problem, _ = one(parse_fit, raw, vocabulary=TECHNICAL_FIT, field_name="technical_fit")
    assert (value, problem) == (expected, None)


def test_fit_stores_small_integers_and_reports_unknown_words():
    result = parse_fit(
        pl.Series("c", ["perfect", "unreasonable", "meh", None]), FUNCTIONAL_FIT, "functional_fit"
    )
    assert result.values.dtype == pl.Int8
    assert result.values.to_list() == [4, 1, None, None]
    assert result.problems.to_list()[2] == "unknown functional_fit value 'meh'"


def test_fit_reads_numeric_cells():
    result = parse_fit(pl.Series("c", [3.0, 4.0]), FUNCTIONAL_FIT, "functional_fit")
    assert result.values.to_list() == [3, 4]
    assert result.changed.to_list() == [False, False]


# --- split_list ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Java; Python", ["Java", "Python"]),
        ("Java, Python", ["Java", "Python"]),
        ("Java | Python", ["Java", "Python"]),
        ("Java\nPython\r\nC#", ["Java", "Python", "C#"]),
        ("HR/Payroll; Finance", ["HR/Payroll", "Finance"]),
        ("Payments (cards, BACS), Refunds", ["Payments (cards, BACS)", "Refunds"]),
        ("x (a, b, c), y", ["x (a, b, c)", "y"]),
        ("f(x, g(y, z)), k", ["f(x, g(y, z))", "k"]),
        ("open (a, b", ["open (a", "b"]),
        ("Solo item", ["Solo item"]),
        ("\u00a0Java ;\u00a0Python\u00a0", ["Java", "Python"]),
    ],
)
def test_split_list_splits_on_separators_but_not_slashes_or_bracketed_commas(raw, expected):
    assert one(split_list, raw) == (expected, None, False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Java; ; Python;", ["Java", "Python"]),
        ("Java, TBC, n/a", ["Java"]),
        ("Java, java, Python, JAVA", ["Java", "Python"]),
        ("Java; #N/A", ["Java"]),
        ("- Finance\n- Payroll", ["Finance", "Payroll"]),
        ("• Finance\n• Payroll", ["Finance", "Payroll"]),
    ],
)
def test_split_list_drops_blank_unknown_and_repeated_items_and_says_so(raw, expected):
    assert one(split_list, raw) == (expected, None, True)


def test_split_list_reads_a_cell_of_only_separators_as_null():
    assert one(split_list, " ; , ") == (None, None, True)


def test_split_list_accepts_list_columns():
    result = split_list(pl.Series("c", [["Java", " Python ", "java"], ["Go"], [], None]))
    assert result.values.to_list() == [["Java", "Python"], ["Go"], None, None]
    assert result.changed.to_list() == [True, False, False, False]


def test_split_list_reads_numeric_cells_as_one_item():
    assert split_list(pl.Series("c", [12.0])).values.to_list() == [["12"]]


_VOCABULARIES = {
    "lifecycle": (LIFECYCLE, parse_enum),
    "hosting_model": (HOSTING, parse_enum),
    "business_criticality": (CRITICALITY, parse_enum),
    "functional_fit": (FUNCTIONAL_FIT, parse_fit),
    "technical_fit": (TECHNICAL_FIT, parse_fit),
}
_TERMS = sorted(
    {w for vocabulary, _ in _VOCABULARIES.values() for k, ws in vocabulary.items() for w in (k, *ws)}
)
_CELL = st.one_of(
    st.sampled_from(_TERMS),
    st.sampled_from(_TERMS).map(str.upper),
    st.sampled_from(_TERMS).map(lambda w: f"  {w.title().replace(' ', '')}\u00a0"),
    st.sampled_from(["", " ", "TBC", "n/a", "#N/A", "#REF!", "SaaS", "OnPremises", "Phase-Out.", "3", "x"]),
    st.text(max_size=12),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CELL, min_size=1, max_size=40))
def test_vocabulary_terms_are_exactly_the_cells_the_parsers_read(cells):
    # Value profiles ask vocabulary_terms for speed; it must agree with the parsers cell for cell.
    s = pl.Series("c", cells, dtype=pl.String)
    terms = vocabulary_terms(s, {name: vocabulary for name, (vocabulary, _) in _VOCABULARIES.items()})
    for name, (vocabulary, parse) in _VOCABULARIES.items():
        expected = parse(s, vocabulary, name).values.is_not_null()
        assert terms[name].to_list() == expected.to_list(), name
