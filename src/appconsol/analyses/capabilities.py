"""Step `capabilities`: each free-text capability mapped onto the capability taxonomy.

The mapping is `appconsol.reference`'s capability mapper (aliases, normalised words, near
spellings, the most distinctive alias inside a longer phrase). Each distinct text is mapped once.
Besides the code, every row keeps `label_key`, the text's normalised words ("Revs & Bens" ->
"benefit revenue"): two applications whose capabilities read the same after normalisation agree
more strongly than two whose different wordings fall in one broad taxonomy entry, and the overlap
step weighs them so. Unmatched capabilities keep a NULL code; rule DQ006 reports them.

    [reference]
    taxonomy = "our-capabilities.yaml"   # your own entries, ahead of the bundled taxonomy
    taxonomy_replace = false             # true: your file is the whole taxonomy
"""

from __future__ import annotations

import polars as pl

from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.schema import Column, Table

APP_CAPABILITY_CODES = Table(
    "app_capability_codes",
    "one row per application and capability it serves, with the taxonomy entry it maps to",
    (
        Column("organisation", "VARCHAR", "Organisation of the application."),
        Column("app_id", "VARCHAR", "Application id within the organisation."),
        Column("capability", "VARCHAR", "Capability as written in the export (as in `app_capabilities`)."),
        Column("code", "VARCHAR", "Taxonomy code it maps to (`lg.revenues-benefits`); NULL when none."),
        Column("name", "VARCHAR", "Name of that taxonomy entry."),
        Column(
            "confidence",
            "DOUBLE",
            "1.0 exact alias, 0.95 same words, below for near spellings and partial matches.",
        ),
        Column(
            "method", "VARCHAR", "alias, normalised, fuzzy, partial or partial-parent; NULL when unmatched."
        ),
        Column(
            "label_key",
            "VARCHAR",
            "The capability's normalised words (synonyms applied, filler words and plurals dropped), "
            "so that the same wording in two exports compares equal.",
        ),
    ),
)

REFERENCE_SETTINGS = (
    Setting(
        "taxonomy",
        "path",
        None,
        "Your own capability taxonomy (YAML list of {code, name, parent, aliases} or CSV), ahead of the "
        "bundled one.",
    ),
    Setting(
        "taxonomy_replace", "boolean", False, "Use your taxonomy alone instead of extending the bundled one."
    ),
)


def map_application_capabilities(ctx: StepContext) -> None:
    from appconsol.reference.capabilities import capability_mapper

    settings = read_settings(ctx, "reference", REFERENCE_SETTINGS, shared=True)
    mapper = capability_mapper(settings["taxonomy"], replace=settings["taxonomy_replace"])
    texts = fetch_frame(
        ctx.con, "SELECT DISTINCT capability FROM app_capabilities WHERE capability IS NOT NULL ORDER BY 1"
    )["capability"].to_list()
    rows: list[tuple[str, str | None, str | None, float | None, str | None, str]] = []
    mapper.prime(texts)
    for text in texts:
        match = mapper.map(text)
        label = mapper.normalise(text) or " ".join(str(text).lower().split())
        if match is None:
            rows.append((text, None, None, None, None, label))
        else:
            rows.append((text, match.code, match.name, round(match.confidence, 4), match.method, label))
    lookup = pl.DataFrame(
        rows,
        schema={
            "capability": pl.String,
            "code": pl.String,
            "name": pl.String,
            "confidence": pl.Float64,
            "method": pl.String,
            "label_key": pl.String,
        },
        orient="row",
    )
    ctx.con.register("capability_lookup", lookup.to_arrow(compat_level=pl.CompatLevel.newest()))
    try:
        ctx.store.replace_table(
            APP_CAPABILITY_CODES,
            # The lookup has one row per text, so the rows are made distinct before the join, on
            # three columns instead of eight.
            "SELECT c.organisation, c.app_id, c.capability, l.code, l.name, l.confidence, l.method, "
            "l.label_key FROM (SELECT DISTINCT organisation, app_id, capability FROM app_capabilities) c "
            "JOIN capability_lookup l ON l.capability = c.capability",
        )
    finally:
        ctx.con.unregister("capability_lookup")


CAPABILITIES_STEP = register_step(
    Step(
        name="capabilities",
        description="Maps each free-text capability onto the capability taxonomy",
        reads=("app_capabilities",),
        writes=(APP_CAPABILITY_CODES,),
        run=map_application_capabilities,
    )
)
