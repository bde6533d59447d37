"""The `lifecycle` step: reference lifecycle dates into the store, and every component matched to them.

1. The bundled endoflife.date snapshot, with the user's overrides merged over it
   (`[reference] lifecycle_overrides`), is written to `lifecycle_releases`; where it came from
   goes to `reference_snapshots`, so reports can show the snapshot date.
2. Each DISTINCT (kind, product, version, raw) of `app_components` is matched once
   (`reference.match_components`), joined to its release's dates, and given a support status as
   of the run's `as_of`; the result is joined back to every component row in DuckDB. The Python
   work grows with the number of distinct component spellings, not with the portfolio.

Support status, worst first: `unsupported` (end of security support, `eol`, on or before as_of,
or flagged as ended, and no extended support left), `extended-support` (past `eol` but paid
extended support, `eoes`, runs beyond as_of), `ending-12m` / `ending-36m` (`eol` within 12 / 36
months after as_of), `supported`, and `unknown` (no product matched, no version to pick a
release by, or a release with no end-of-support information). An unmatched component is kept
with status `unknown` so a rule reports it rather than it disappearing.

3. A product with a version named in the application's own name, product (+ version) or
   description ("Oracle 10g", "SharePoint Server 2016") is a component too, with source_column
   `name`, `product` or `description`, when it picks a release and no components column names
   that product already. Each distinct text is scanned once, for known names only.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.errors import ConfigError
from appconsol.reference import ReferenceDataError, load_lifecycle, match_components, snapshot_info
from appconsol.schema import Column, Table

REFERENCE_SETTINGS = (
    Setting(
        "lifecycle_overrides",
        "path",
        None,
        "A YAML or CSV file of lifecycle dates that add to or override the bundled endoflife.date "
        "snapshot (your own products, an extended-support contract). Columns: product, release_cycle, "
        "eol, eoas, eoes, note.",
    ),
    Setting(
        "component_aliases",
        "path",
        None,
        "A YAML file of extra component spellings, in the format of the bundled component_aliases.yaml.",
    ),
    Setting(
        "lists",
        "path",
        None,
        "Your copy of lists.yaml (scarce-skill languages, commodity capabilities, SaaS editions); "
        "a list it leaves out keeps the bundled one.",
    ),
)

SUPPORT_STATUSES = ("unsupported", "extended-support", "ending-12m", "ending-36m", "supported", "unknown")
# Worst first; the legacy roll-up and the rules use this order.
STATUS_RANK = {status: len(SUPPORT_STATUSES) - i for i, status in enumerate(SUPPORT_STATUSES)}

LIFECYCLE_RELEASES = Table(
    "lifecycle_releases",
    "one row per product release cycle of the lifecycle reference data (bundled snapshot plus overrides)",
    (
        Column(
            "product", "VARCHAR", 'endoflife.date product slug ("windows-server") or your own product id.'
        ),
        Column("title", "VARCHAR", "Product name for people."),
        Column("category", "VARCHAR", "os, database, lang, framework, server-app, app or custom."),
        Column("release_cycle", "VARCHAR", 'Release cycle id ("2012-r2", "11.2"); always text.'),
        Column("release_label", "VARCHAR", 'How the vendor names the release ("2012 R2").'),
        Column("codename", "VARCHAR", "Release codename, when there is one."),
        Column("release_date", "DATE", "Release date."),
        Column("eoas", "DATE", "End of active (mainstream) support."),
        Column(
            "eoas_ended", "BOOLEAN", "True/false when only a flag is published (NULL when the date decides)."
        ),
        Column("eol", "DATE", "End of security support: the date legacy rules test."),
        Column("eol_ended", "BOOLEAN", "True when security support has ended on an unpublished date."),
        Column("eoes", "DATE", "End of extended (usually paid) support."),
        Column("eoes_ended", "BOOLEAN", "True/false when only a flag is published for extended support."),
        Column("lts", "BOOLEAN", "Long-term-support release."),
        Column("latest", "VARCHAR", "Latest version of the release cycle."),
        Column("latest_release_date", "DATE", "Date of the latest version."),
        Column("source", "VARCHAR", '"endoflife.date" or "override: <file>".'),
        Column("note", "VARCHAR", "Note from an override."),
    ),
)

COMPONENT_LIFECYCLE = Table(
    "component_lifecycle",
    "one row per `app_components` row, with the lifecycle release it matched and its support status",
    (
        Column("organisation", "VARCHAR", "Organisation of the application."),
        Column("app_id", "VARCHAR", "Application id within the organisation."),
        Column("kind", "VARCHAR", "os, database, runtime or product."),
        Column("product", "VARCHAR", "Product name as parsed from the inventory."),
        Column("version", "VARCHAR", "Version as parsed; NULL when none was given."),
        Column("raw", "VARCHAR", "The component exactly as written in the inventory."),
        Column("lifecycle_product", "VARCHAR", "Matched lifecycle product (NULL when unmatched)."),
        Column("release_cycle", "VARCHAR", "Matched release cycle (NULL when the version did not pick one)."),
        Column("match_confidence", "DOUBLE", "0-1: how sure the match is (1 = exact alias and version)."),
        Column("match_method", "VARCHAR", 'How it matched ("alias+exact", "fuzzy+label", ...).'),
        Column("release_date", "DATE", "Release date of the matched release."),
        Column("eoas", "DATE", "End of active support of the matched release."),
        Column("eol", "DATE", "End of security support of the matched release."),
        Column("eoes", "DATE", "End of extended support of the matched release."),
        Column("eol_ended", "BOOLEAN", "True when security support ended on an unpublished date."),
        Column(
            "support_status",
            "VARCHAR",
            "As of the run's as_of: unsupported, extended-support, ending-12m, ending-36m, supported or "
            "unknown (see docs/method-legacy-cloud.md).",
        ),
        Column("months_to_eol", "DOUBLE", "Months from as_of to eol (negative when past); NULL without eol."),
        Column("source_column", "VARCHAR", "Source header the component came from."),
        Column("release_label", "VARCHAR", 'The vendor\'s name for the release ("2012 R2").'),
        Column("lifecycle_title", "VARCHAR", 'The lifecycle product\'s name ("Microsoft Windows Server").'),
        Column("lifecycle_source", "VARCHAR", '"endoflife.date" or "override: <file>".'),
        Column("source_file", "VARCHAR", "Input file of the application's row."),
        Column("source_sheet", "VARCHAR", "Sheet of that file (NULL for CSV)."),
        Column("source_row", "BIGINT", "1-based row of the application in that file or sheet."),
    ),
)

REFERENCE_SNAPSHOTS = Table(
    "reference_snapshots",
    "one row per reference data set the analyses used",
    (
        Column("name", "VARCHAR", 'What it is ("lifecycle", "lifecycle overrides", ...).'),
        Column("snapshot_date", "DATE", "Date the data was taken (NULL for a user's file)."),
        Column("source", "VARCHAR", "Where it comes from (project, URL or file)."),
        Column("licence", "VARCHAR", "Its licence."),
        Column("detail", "VARCHAR", "Commit, counts or path."),
    ),
)

_KEYS = ["kind", "product", "version", "raw"]
_DAYS_PER_MONTH = 365.25 / 12


def support_status_sql(eol: str = "eol", eol_ended: str = "eol_ended", eoes: str = "eoes") -> str:
    """The support-status CASE over a release's dates, as of the bound `$as_of`.

    Extended support counts when `eoes` is after as_of, or when only the flag `eoes_ended = false`
    is published (extended support offered with no end announced).
    """
    return f"""CASE
      WHEN lifecycle_product IS NULL OR release_cycle IS NULL THEN 'unknown'
      WHEN {eol} <= $as_of OR ({eol} IS NULL AND {eol_ended}) THEN
        CASE WHEN {eoes} > $as_of OR ({eoes} IS NULL AND eoes_ended = false)
             THEN 'extended-support' ELSE 'unsupported' END
      WHEN {eol} <= $as_of + INTERVAL 12 MONTH THEN 'ending-12m'
      WHEN {eol} <= $as_of + INTERVAL 36 MONTH THEN 'ending-36m'
      WHEN {eol} IS NOT NULL OR {eol_ended} = false THEN 'supported'
      ELSE 'unknown'
    END"""


def run_lifecycle(ctx: StepContext) -> None:
    settings = read_settings(ctx, "reference", REFERENCE_SETTINGS, shared=True)
    overrides = settings["lifecycle_overrides"]
    try:
        releases = load_lifecycle(overrides)
    except ReferenceDataError as exc:
        raise _config_error(ctx, "lifecycle_overrides", exc) from exc
    ctx.store.replace_table(LIFECYCLE_RELEASES, releases)
    ctx.store.replace_table(REFERENCE_SNAPSHOTS, _snapshots(overrides, settings["component_aliases"]))

    distinct = fetch_frame(ctx.con, "SELECT DISTINCT kind, product, version, raw FROM v_app_components")
    if distinct.is_empty():
        matched = distinct.with_columns(
            pl.lit(None, pl.String).alias("lifecycle_product"),
            pl.lit(None, pl.String).alias("release_cycle"),
            pl.lit(None, pl.Float64).alias("match_confidence"),
            pl.lit(None, pl.String).alias("match_method"),
        )
    else:
        try:
            matched = match_components(
                distinct.sort(
                    _KEYS, nulls_last=True
                ),  # the order work is done in never shows, but keep it fixed
                lifecycle=releases if overrides is not None else None,
                aliases=settings["component_aliases"],
            )
        except ReferenceDataError as exc:
            raise _config_error(ctx, "component_aliases", exc) from exc
    named = _named_components(ctx, releases if overrides is not None else None, settings["component_aliases"])
    ctx.con.register("component_matches", matched.to_arrow())
    ctx.con.register("named_components", named.to_arrow())
    try:
        ctx.store.replace_table(COMPONENT_LIFECYCLE, _COMPONENT_SQL, {"as_of": ctx.as_of})
    finally:
        ctx.con.unregister("component_matches")
        ctx.con.unregister("named_components")


def _named_components(ctx: StepContext, releases: pl.DataFrame | None, aliases: Any) -> pl.DataFrame:
    """Products with a version named in an application's name, product (+ version) or description
    ("Oracle 10g", "SharePoint Server 2016"): each distinct text is scanned once."""
    from appconsol.reference.components import find_components

    texts = fetch_frame(
        ctx.con,
        "SELECT DISTINCT text FROM (SELECT name AS text FROM v_applications UNION ALL "
        "SELECT concat_ws(' ', product, version) FROM v_applications WHERE product IS NOT NULL UNION ALL "
        "SELECT description FROM v_applications) WHERE regexp_matches(text, '[0-9]') ORDER BY text",
    )["text"].to_list()
    try:
        return find_components(texts, lifecycle=releases, aliases=aliases)
    except ReferenceDataError as exc:
        raise _config_error(ctx, "component_aliases", exc) from exc


_COMPONENT_SQL = f"""
WITH named AS (
  -- A product named in the application's own columns counts as one of its components, unless a
  -- components column already names that product.
  SELECT DISTINCT a.organisation, a.app_id, 'product' AS kind, n.raw AS product, NULL::VARCHAR AS version,
         n.raw, n.lifecycle_product, n.release_cycle, n.match_confidence, n.match_method, x.source_column,
         a.source_file, a.source_sheet, a.source_row
  FROM v_applications a
  CROSS JOIN (VALUES ('name'), ('product'), ('description')) AS x(source_column)
  JOIN named_components n ON n.text = CASE x.source_column WHEN 'name' THEN a.name
       WHEN 'product' THEN concat_ws(' ', a.product, a.version) ELSE a.description END
), explicit AS (
  SELECT c.organisation, c.app_id, m.lifecycle_product FROM v_app_components c
  JOIN component_matches m ON c.kind IS NOT DISTINCT FROM m.kind AND c.product IS NOT DISTINCT FROM m.product
   AND c.version IS NOT DISTINCT FROM m.version AND c.raw IS NOT DISTINCT FROM m.raw
  WHERE m.lifecycle_product IS NOT NULL
), implied AS (
  SELECT * FROM named n
  WHERE NOT EXISTS (SELECT 1 FROM explicit e WHERE e.organisation = n.organisation AND e.app_id = n.app_id
                    AND e.lifecycle_product = n.lifecycle_product)
  QUALIFY row_number() OVER (PARTITION BY organisation, app_id, raw ORDER BY source_column) = 1
), matched AS (
  SELECT m.*, r.release_date, r.eoas, r.eol, r.eoes, r.eol_ended, r.eoes_ended,
         r.release_label, r.title AS lifecycle_title, r.source AS lifecycle_source
  FROM component_matches m
  LEFT JOIN lifecycle_releases r
    ON r.product = m.lifecycle_product AND r.release_cycle = m.release_cycle
), implied_joined AS (
  SELECT i.*, r.release_date, r.eoas, r.eol, r.eoes, r.eol_ended, r.eoes_ended,
         r.release_label, r.title AS lifecycle_title, r.source AS lifecycle_source
  FROM implied i
  JOIN lifecycle_releases r ON r.product = i.lifecycle_product AND r.release_cycle = i.release_cycle
), implied_dated AS (
  SELECT *, {support_status_sql()} AS support_status FROM implied_joined
), statused AS (
  SELECT *, {support_status_sql()} AS support_status,
         CASE WHEN eol IS NOT NULL THEN round(date_diff('day', $as_of, eol) / {_DAYS_PER_MONTH}, 1) END
           AS months_to_eol
  FROM matched
)
SELECT c.organisation, c.app_id, c.kind, c.product, c.version, c.raw,
       s.lifecycle_product, s.release_cycle, s.match_confidence, s.match_method,
       s.release_date, s.eoas, s.eol, s.eoes, s.eol_ended, coalesce(s.support_status, 'unknown'),
       s.months_to_eol, c.source_column, s.release_label, s.lifecycle_title, s.lifecycle_source,
       c.source_file, c.source_sheet, c.source_row
FROM v_app_components c
LEFT JOIN statused s
  ON c.kind IS NOT DISTINCT FROM s.kind AND c.product IS NOT DISTINCT FROM s.product
 AND c.version IS NOT DISTINCT FROM s.version AND c.raw IS NOT DISTINCT FROM s.raw
UNION ALL
SELECT organisation, app_id, kind, product, version, raw, lifecycle_product, release_cycle, match_confidence,
       match_method, release_date, eoas, eol, eoes, eol_ended, support_status,
       CASE WHEN eol IS NOT NULL THEN round(date_diff('day', $as_of, eol) / {_DAYS_PER_MONTH}, 1) END,
       source_column, release_label, lifecycle_title, lifecycle_source, source_file, source_sheet, source_row
FROM implied_dated
"""


def _config_error(ctx: StepContext, key: str, exc: ReferenceDataError) -> ConfigError:
    """A broken reference file: its own file:row when known, else the setting's line."""
    where = exc.location or ctx.where("reference", key)
    return ConfigError(f"[reference] {key}: {exc.message}", hint=exc.hint, location=where)


def _snapshots(overrides: Any, aliases: Any) -> pl.DataFrame:
    info = snapshot_info()
    rows: list[dict[str, Any]] = [
        {
            "name": "lifecycle",
            "snapshot_date": info.get("snapshot_date"),
            "source": info.get("source_url") or info.get("source"),
            "licence": info.get("licence"),
            "detail": f"commit {str(info.get('commit', ''))[:7]}; {info.get('product_count')} products, "
            f"{info.get('release_count')} releases",
        }
    ]
    for name, path in (("lifecycle overrides", overrides), ("component aliases", aliases)):
        if path is not None:
            rows.append(
                {"name": name, "snapshot_date": None, "source": str(path), "licence": None, "detail": None}
            )
    return pl.DataFrame(
        rows,
        schema={
            "name": pl.String,
            "snapshot_date": pl.String,
            "source": pl.String,
            "licence": pl.String,
            "detail": pl.String,
        },
    ).with_columns(pl.col("snapshot_date").str.to_date())


LIFECYCLE_STEP = register_step(
    Step(
        name="lifecycle",
        description="Lifecycle reference dates and every component matched to them, with a support status",
        reads=("v_app_components", "v_applications"),
        writes=(LIFECYCLE_RELEASES, COMPONENT_LIFECYCLE, REFERENCE_SNAPSHOTS),
        run=run_lifecycle,
    )
)
