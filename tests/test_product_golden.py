"""Product resolution gives exactly the keys, labels, confidences and methods it gave before.

`fixtures/products/resolution_golden.csv.gz` holds a fixed portfolio (the labelled families of
product_portfolio.py, the sample inventories' vendor, product and name cells, the GSA standard
names, 600 names from benchmarks/generate_inventory.py and a few awkward spellings: dashes, brackets,
ligatures, the word the resolver uses for a dash) with what `resolve_products` made of it, resolved
as one portfolio. Speed work on the resolver must keep every row; a deliberate change of behaviour
rewrites the file (`python tests/test_product_golden.py --write`) and says why in its commit.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from appconsol.reference import resolve_products

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "products" / "resolution_golden.csv.gz"
INPUT = {"vendor": pl.String, "product": pl.String, "name": pl.String}
OUTPUT = {
    "vendor_key": pl.String,
    "product_key": pl.String,
    "product_label": pl.String,
    "product_confidence": pl.Float64,
    "product_method": pl.String,
}
NULL = "<null>"  # empty text and no text are different inputs


def _golden() -> pl.DataFrame:
    import gzip

    with gzip.open(GOLDEN, "rb") as handle:
        return pl.read_csv(handle.read(), schema={**INPUT, **OUTPUT}, null_values=NULL)


def test_product_resolution_matches_the_golden_portfolio_row_for_row():
    golden = _golden()
    assert golden.height > 3000
    resolved = resolve_products(golden.select(list(INPUT)))
    assert_frame_equal(resolved, golden, check_exact=True)


def test_the_golden_portfolio_is_resolved_in_any_row_order():
    golden = _golden()
    shuffled = golden.sample(fraction=1.0, shuffle=True, seed=7)
    resolved = resolve_products(shuffled.select(list(INPUT)))
    assert_frame_equal(resolved, shuffled, check_exact=True)


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import gzip

    frame = resolve_products(_golden().select(list(INPUT)))
    with gzip.GzipFile(GOLDEN, "wb", mtime=0) as handle:
        handle.write(frame.write_csv(null_value=NULL).encode("utf-8"))
