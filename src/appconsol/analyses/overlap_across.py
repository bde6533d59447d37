"""Overlap groups across partner bodies (linear: group-by on resolved keys, no pairwise work),
and the stated annual cost of every overlap group; part of the `overlap` step (see overlap.py).

- same-product: one resolved product key (`idox/uniform`) run by two or more bodies, a shared
  instance or joint contract opportunity;
- convergence: one capability code served in two or more bodies by two or more products.
Only live applications take part, on both sides: a retired system is no instance and no
alternative.
"""

from __future__ import annotations

import hashlib
from typing import Any

import polars as pl

from appconsol.analyses.settings import fetch_frame
from appconsol.schema import Table


def group_id(*parts: str) -> str:
    """A stable id from a group's identity: the same content always gives the same id."""
    return "OV-" + hashlib.sha1("|".join(parts).encode("utf-8")).hexdigest()[:10].upper()


def empty_frame(table: Table) -> pl.DataFrame:
    types = {"INTEGER": pl.Int32, "DOUBLE": pl.Float64}
    return pl.DataFrame(schema={c.name: types.get(c.sql_type, pl.String) for c in table.columns})


def across_groups(
    con: Any, settings: dict[str, Any], empty: tuple[pl.DataFrame, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Same product in two or more partner bodies; one capability on different products (convergence)."""
    params = {"min_product": float(settings["min_product_confidence"])}
    same_product = fetch_frame(
        con,
        """
        WITH live AS (SELECT organisation, app_id FROM v_applications WHERE is_live),
        keyed AS (
            SELECT k.organisation, k.app_id, k.product_key, k.product_label
            FROM product_keys k JOIN live l ON l.organisation = k.organisation AND l.app_id = k.app_id
            WHERE k.product_key LIKE '%/%' AND k.vendor_key IS NOT NULL AND k.vendor_key <> 'in-house'
              AND k.product_confidence >= $min_product
        ),
        members AS (SELECT p.partnership, k.* FROM keyed k JOIN partnerships p ON p.organisation = k.organisation),
        chosen AS (
            SELECT partnership, product_key FROM members GROUP BY ALL HAVING count(DISTINCT organisation) >= 2
        )
        SELECT m.* FROM members m SEMI JOIN chosen c ON c.partnership = m.partnership AND c.product_key = m.product_key
        ORDER BY partnership, product_key, organisation, app_id
        """,
        params,
    )
    frames = [_product_groups(con, same_product, empty)]
    if settings["convergence"]:
        convergence = fetch_frame(
            con,
            """
            WITH live AS (SELECT organisation, app_id FROM v_applications WHERE is_live),
            coded AS (
                SELECT DISTINCT m.organisation, m.app_id, m.code, m.name
                FROM app_capability_codes m
                JOIN live l ON l.organisation = m.organisation AND l.app_id = m.app_id
                JOIN _ov_block b ON b.organisation = m.organisation AND b.cap_key = m.code
                WHERE m.code IS NOT NULL AND m.confidence >= $min_capability AND NOT b.generic
            ),
            members AS (
                SELECT p.partnership, c.code, c.name, c.organisation, c.app_id, k.product_key, k.product_label
                FROM coded c
                JOIN partnerships p ON p.organisation = c.organisation
                LEFT JOIN product_keys k ON k.organisation = c.organisation AND k.app_id = c.app_id
            ),
            chosen AS (
                SELECT partnership, code FROM members GROUP BY ALL
                HAVING count(DISTINCT organisation) >= 2
                   AND count(DISTINCT coalesce(product_key, '#' || organisation || '|' || app_id)) >= 2
            )
            SELECT m.* FROM members m SEMI JOIN chosen c ON c.partnership = m.partnership AND c.code = m.code
            ORDER BY partnership, code, organisation, app_id
            """,
            {"min_capability": float(settings["min_capability_confidence"])},
        )
        frames.append(_convergence_groups(convergence, empty))
    groups = pl.concat([g for g, _m in frames], how="diagonal_relaxed")
    members = pl.concat([m for _g, m in frames], how="diagonal_relaxed")
    return groups, members


def _product_groups(
    con: Any, rows: pl.DataFrame, empty: tuple[pl.DataFrame, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    if rows.height == 0:
        return empty
    con.register("_ov_instances", rows.select("organisation", "app_id").unique().to_arrow())
    try:  # the capability codes of these applications only
        codes = fetch_frame(
            con,
            "SELECT m.organisation, m.app_id, m.code, m.name FROM app_capability_codes m "
            "SEMI JOIN _ov_instances i ON i.organisation = m.organisation AND i.app_id = m.app_id "
            "WHERE m.code IS NOT NULL",
        )
    finally:
        con.unregister("_ov_instances")
    rows = rows.with_columns(
        group_id=pl.concat_str(
            pl.lit("same-product|"), "partnership", pl.lit("|"), "product_key"
        ).map_elements(lambda text: group_id(text), return_dtype=pl.String)
    )
    capability = (
        rows.join(codes, on=["organisation", "app_id"])
        .group_by("group_id", "code", "name")
        .agg(pl.len().alias("n"))
        .sort("group_id", pl.col("n"), "code", descending=[False, True, False])
        .unique("group_id", keep="first")
    )
    groups = (
        rows.group_by("group_id", "partnership", "product_key")
        .agg(
            pl.col("product_label").mode().sort().first().alias("product_label"),
            pl.len().alias("members"),
            pl.col("organisation").n_unique().alias("organisations"),
            pl.struct("organisation", "app_id").sort_by("organisation", "app_id").alias("_runs"),
        )
        .join(capability.select("group_id", "code", "name"), on="group_id", how="left")
        .with_columns(
            scope=pl.lit("across"),
            kind=pl.lit("same-product"),
            capability_code=pl.col("code"),
            capability_name=pl.col("name"),
            evidence=pl.struct(pl.col("_runs").alias("instances")).struct.json_encode(),
        )
        .drop("code", "name", "_runs")
    )
    members = rows.select("group_id", "organisation", "app_id", "product_key", "product_label").with_columns(
        role=pl.lit("instance")
    )
    return groups, members


def _convergence_groups(
    rows: pl.DataFrame, empty: tuple[pl.DataFrame, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    if rows.height == 0:
        return empty
    rows = rows.with_columns(
        group_id=pl.concat_str(pl.lit("convergence|"), "partnership", pl.lit("|"), "code").map_elements(
            lambda text: group_id(text), return_dtype=pl.String
        )
    )
    by_product = (
        rows.group_by("group_id", pl.col("product_label").fill_null("(unnamed or in-house)"))
        .agg(pl.col("organisation").unique().sort().alias("organisations"))
        .sort("group_id", "product_label")
        .group_by("group_id", maintain_order=True)
        .agg(pl.struct(pl.col("product_label").alias("product"), "organisations").alias("products"))
    )
    groups = (
        rows.group_by("group_id", "partnership", "code")
        .agg(
            pl.col("name").first().alias("capability_name"),
            pl.len().alias("members"),
            pl.col("organisation").n_unique().alias("organisations"),
        )
        .join(by_product, on="group_id")
        .with_columns(
            scope=pl.lit("across"),
            kind=pl.lit("convergence"),
            capability_code=pl.col("code"),
            evidence=pl.struct("products").struct.json_encode(),
        )
        .drop("code", "products")
    )
    members = rows.select("group_id", "organisation", "app_id", "product_key", "product_label").with_columns(
        role=pl.lit("alternative")
    )
    return groups, members


def with_costs(groups: pl.DataFrame, members: pl.DataFrame, costs: pl.DataFrame) -> pl.DataFrame:
    if groups.height == 0:
        return groups
    totals = (
        members.join(costs, on=["organisation", "app_id"])
        .group_by("group_id")
        # Summed in value order, not join order, so the rounding never depends on the rows' order.
        .agg(pl.col("cost").sort().sum().round(2).alias("annual_cost"))
    )
    return groups.drop("annual_cost", strict=False).join(totals, on="group_id", how="left")
