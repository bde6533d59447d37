"""Step `products`: each application's vendor and product as keys shared across organisations.

The resolution itself is `appconsol.reference.resolve_products`: normalised vendor and product
names, curated aliases as an override, then matching and clustering inside vendor blocks with a
must-not-link guard (docs/method-overlap-plan.md, section 1). This step feeds it each distinct
(vendor, product, name) once (it sorts them, so the result never depends on the order rows were
loaded in) and joins the keys back to every application in SQL. A user's own alias file is `[reference] product_aliases = "aliases.yaml"`.
"""

from __future__ import annotations

import polars as pl

from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.schema import Column, Table

PRODUCT_KEYS = Table(
    "product_keys",
    "one row per application: its vendor and product resolved to keys shared across organisations",
    (
        Column("organisation", "VARCHAR", "Organisation of the application."),
        Column("app_id", "VARCHAR", "Application id within the organisation."),
        Column(
            "vendor_key",
            "VARCHAR",
            "Normalised vendor (`civica`, `idox`); `in-house` for systems built in house; NULL when unknown.",
        ),
        Column(
            "product_key",
            "VARCHAR",
            "`<vendor key>/<product>` (`idox/uniform`), a bare product name when no vendor is known, "
            "NULL for in-house systems and rows naming no product.",
        ),
        Column(
            "product_label",
            "VARCHAR",
            "The product's name: the alias file's name, else the most common spelling among the "
            "applications resolved to it, with the range of versions they state (`SQL Server (2016-2019)`).",
        ),
        Column("product_confidence", "DOUBLE", "1.0 alias with its vendor ... 0.6 a name without a vendor."),
        Column(
            "product_method",
            "VARCHAR",
            "alias, normalised, fuzzy (clustered with other spellings), inferred-vendor, name-only, in-house, "
            "no-product or unresolved.",
        ),
    ),
)

REFERENCE_SETTINGS = (
    Setting(
        "product_aliases",
        "path",
        None,
        "Your own vendor and product aliases (YAML with `vendors:` and `products:`), added to the bundled ones.",
    ),
)


def resolve_application_products(ctx: StepContext) -> None:
    from appconsol.reference import resolve_products

    settings = read_settings(ctx, "reference", REFERENCE_SETTINGS, shared=True)
    # resolve_products sorts what it resolves, so DuckDB need not.
    distinct = fetch_frame(ctx.con, "SELECT DISTINCT vendor, product, name FROM v_applications")
    resolved = resolve_products(distinct, aliases=settings["product_aliases"]).with_columns(
        pl.col("product_confidence").round(4)
    )
    ctx.con.register("resolved_products", resolved.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        ctx.store.replace_table(
            PRODUCT_KEYS,
            "SELECT a.organisation, a.app_id, r.vendor_key, r.product_key, r.product_label, "
            "r.product_confidence, r.product_method "
            "FROM v_applications a LEFT JOIN resolved_products r "
            "ON a.vendor IS NOT DISTINCT FROM r.vendor AND a.product IS NOT DISTINCT FROM r.product "
            "AND a.name IS NOT DISTINCT FROM r.name",
        )
    finally:
        ctx.con.unregister("resolved_products")


PRODUCTS_STEP = register_step(
    Step(
        name="products",
        description="Resolves each application's vendor and product to keys shared across organisations",
        reads=("v_applications",),
        writes=(PRODUCT_KEYS,),
        run=resolve_application_products,
    )
)
