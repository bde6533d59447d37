"""Rows settled column-wise (reference/product_bulk.py) resolve exactly as the resolver resolves them."""

from __future__ import annotations

from unittest import mock

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from appconsol.reference import product_bulk, products
from appconsol.reference.product_text import AMPERSAND_INITIALS
from appconsol.reference.products import learn_vendors, product_resolver, resolve_products

# Vendors known, unknown, spelled two ways, placeholders and none; words that are vendors' names,
# curated aliases and their first words, versions, packaging and suffix words, half the word the
# resolver uses for a dash, a bare dash; dashes and brackets of every kind between pieces.
VENDORS = [
    None,
    "",
    "Civica",
    "Civica UK Ltd",
    "Idox",
    "IDOX Group",
    "Capita Business Services Ltd",
    "Jadu",
    "TOPdesk UK Ltd",
    "Microsoft Corporation",
    "SAP",
    "Granicus (Firmstep)",
    "Medusa",
    "Medusa Medical Technologies Inc",
    "System C Healthcare Ltd",
    "In-house",
    "Bespoke",
    "n/a",
]
WORDS = [
    *("Civica", "Idox", "Capita", "Jadu", "TOPdesk", "Microsoft", "SAP", "Medusa", "System", "C"),
    *("Uniform", "Planning", "One", "Connect", "Portal", "Live", "App", "Icon", "Payments", "Open"),
    *("Revenues", "Crystal", "Reports", "SQL", "Server", "SCCM", "Endpoint", "Configuration", "Manager"),
    *("SaaS", "Hosted", "v2", "2019", "10.6", "8.x", "360", "x", "R2"),
    *("Ltd", "Services", "Software", "Health", "UK", "The"),
    *("zz", "dashzz", "zzdash", "Sign-On", "-", "--", "Housing", "Repairs", "Children's", "Café", "in house"),
    *("A&E", "H & S", "&", "Health&Safety", "B&", "&R"),
]
SEPARATORS = [" - ", "  -   ", " \u2013 ", "-", " -", "- ", " & ", " ", " + "]


PLAIN = [
    "Housing",
    "Repairs",
    "Waste",
    "Parks",
    "Fleet",
    "Records",
    "Finance",
    "Hub",
    "Flow",
    "Adult",
    "Care",
]
PIECE = st.lists(st.sampled_from(PLAIN) | st.sampled_from(WORDS), max_size=3).map(" ".join)


@st.composite
def texts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 2)):  # the shape settled in bulk, mostly: two pieces and a dash
        return draw(PIECE) + draw(st.sampled_from([" - ", " - ", "  -   ", " \u2013 ", "-"])) + draw(PIECE)
    pieces = [draw(PIECE)]
    for _ in range(draw(st.integers(0, 2))):
        pieces += [draw(st.sampled_from(SEPARATORS)), draw(PIECE)]
    text = "".join(pieces)
    if draw(st.booleans()):
        text += f" ({draw(st.sampled_from(WORDS))})"
    return text


rows = st.tuples(st.sampled_from(VENDORS), st.none() | st.none() | texts(), st.none() | texts())


def _resolved(frame: pl.DataFrame, *, bulk: bool) -> pl.DataFrame:
    if bulk:
        return resolve_products(frame)
    nothing = pl.DataFrame(schema=product_bulk.SETTLED)
    with mock.patch.object(products, "settle", lambda _resolver, _distinct: nothing):
        return resolve_products(frame)


def _frame(portfolio: list[tuple[str | None, str | None, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        portfolio, schema={"vendor": pl.String, "product": pl.String, "name": pl.String}, orient="row"
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=40))
def test_settling_in_bulk_gives_what_the_resolver_gives_cell_for_cell(portfolio):
    frame = _frame(portfolio)
    assert_frame_equal(_resolved(frame, bulk=True), _resolved(frame, bulk=False), check_exact=True)


def test_names_of_packaging_words_alone_resolve_as_the_resolver_resolves_them():
    # Every word of every piece is a packaging word: the columns of what each word keeps hold only
    # nulls (this used to fail the step).
    frame = _frame([("Civica", "SaaS - SaaS", None), ("Idox", None, "Hosted - 2019")])
    assert_frame_equal(_resolved(frame, bulk=True), _resolved(frame, bulk=False), check_exact=True)


def test_names_with_a_purpose_are_settled_in_bulk_and_agree_with_the_resolver():
    portfolio = [
        ("Idox", None, "Idox Plus - ICT Single Sign-On"),
        ("Idox Group", None, "Idox Plus 2019 - Planning Enforcement v2"),
        ("Civica UK Ltd", None, "Civica Hub - Housing Repairs"),
        ("In-house", None, "Staff   Directory"),
        ("Civica", None, None),
        # shares its vendor and core with the row above it spelled with an en dash: not settled
        ("Civica", None, "Civica Hub \u2013 Housing Repairs"),
        # a curated product (Idox Uniform) within reach: not settled
        ("Idox", None, "Uniform - Planning"),
        # a name with no vendor that links to a settled one
        (None, None, "Hub Housing Repairs"),
    ]
    frame = _frame(portfolio)
    resolver = product_resolver()
    learn_vendors(resolver, frame["vendor"].to_list())
    distinct = frame.select(pl.col("vendor").alias("_vendor"), pl.col("name").alias("_text")).with_row_index(
        "_idx"
    )
    settled = product_bulk.settle(resolver, distinct)
    assert settled["_idx"].to_list() == [0, 1, 2, 3, 4]
    assert settled.row(0, named=True)["product_key"] == "idox/plus-ict-single-sign-on"
    assert settled.row(1, named=True)["product_label"] == "Idox Plus - Planning Enforcement (2019)"
    assert settled.row(3, named=True)["product_label"] == "Staff Directory"
    assert_frame_equal(_resolved(frame, bulk=True), _resolved(frame, bulk=False), check_exact=True)


@given(st.text(alphabet=st.sampled_from(list("aBz &-_.9") + ["\u00e9"]), max_size=20))
def test_polars_reads_the_ampersand_initials_pattern_as_python_does_on_ascii(text):
    frame = pl.DataFrame({"text": [text]}).filter(pl.col("text").str.contains(product_bulk._ASCII))
    got = frame.select(product_bulk._initials(pl.col("text")))["text"].to_list()
    assert got == [AMPERSAND_INITIALS.sub(r"\1\2", t) for t in frame["text"]]
