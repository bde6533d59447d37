"""Step `overlap`: applications that do the same job, within a body and across partner bodies.

Within one organisation (pairwise work only inside blocks of (organisation, capability)):
- Live applications only (lifecycle phase-in, active, phase-out or unknown); retired and planned
  ones never overlap, so a live system beside its retired predecessor is no overlap.
- Each application's capabilities are keys: the taxonomy code, or for a capability the taxonomy
  does not know, its normalised wording. A key claimed by more than `max_block_apps` live
  applications in one body says nothing about overlap (like a word in every document) and is
  set aside, listed in `overlap_generic`.
- A pair shares at least one key. Its evidence per shared key is 1 when both applications word
  the capability the same way, else `different_wording_weight` x the weaker mapping confidence
  (two wordings in one broad taxonomy entry, such as "Garden waste" and "Waste & recycling",
  are weaker evidence than the same wording twice). `share_of_a` is the share of A's keys that B
  also has, and the other way round. similarity = 0.7 x the larger evidence-weighted share
  + 0.2 x the Jaccard overlap of name and description words + 0.1 when both have the same vendor.
  Same vendor alone never makes a pair: only a shared capability does.
- Clusters are connected components of the pairs at or above `min_similarity`; a component of
  more than `max_cluster_size` members is split by average-linkage hierarchical clustering
  (scipy) cut at the same similarity, so chains of weak links do not make one giant group.

Across organisations in a partnership: see overlap_across.py (same product, convergence).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import numpy as np
import polars as pl

from appconsol.analyses.overlap_across import across_groups, empty_frame, group_id, with_costs
from appconsol.analyses.overlap_pairs import TEMP_TABLES, within_pairs
from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.schema import Column, Table

OVERLAP_PAIRS = Table(
    "overlap_pairs",
    "one row per pair of live applications of one organisation that share a capability",
    (
        Column("organisation", "VARCHAR", "Organisation of both applications."),
        Column("app_a", "VARCHAR", "The first application's id (the smaller id)."),
        Column("app_b", "VARCHAR", "The second application's id."),
        Column("shared_capabilities", "INTEGER", "How many capability keys both serve."),
        Column("share_of_a", "DOUBLE", "Share of A's capabilities that B also serves."),
        Column("share_of_b", "DOUBLE", "Share of B's capabilities that A also serves."),
        Column("similarity", "DOUBLE", "0..1: capability evidence, name and description words, vendor."),
        Column("evidence", "JSON", "The shared keys, wording agreement, word overlap and vendor."),
    ),
)
OVERLAP_GROUPS = Table(
    "overlap_groups",
    "one row per group of overlapping applications (within a body, or across partner bodies)",
    (
        Column("group_id", "VARCHAR", "Stable id derived from the group's content (`OV-` + 10 hex)."),
        Column("scope", "VARCHAR", "`within` one organisation or `across` a partnership."),
        Column("partnership", "VARCHAR", "The partnership, for `across` groups."),
        Column("organisation", "VARCHAR", "The organisation, for `within` groups."),
        Column(
            "capability_code",
            "VARCHAR",
            "Taxonomy code the members share (NULL for a wording the taxonomy lacks).",
        ),
        Column("capability_name", "VARCHAR", "The capability's name (or the wording)."),
        Column(
            "kind",
            "VARCHAR",
            "`same-capability` (within), `same-product` (one product under several bodies) or "
            "`convergence` (one capability, different products).",
        ),
        Column("product_key", "VARCHAR", "The product, for `same-product` groups."),
        Column("product_label", "VARCHAR", "Its display name."),
        Column("members", "INTEGER", "Applications in the group."),
        Column("organisations", "INTEGER", "Organisations they belong to."),
        Column("annual_cost", "DOUBLE", "Sum of the members' stated annual costs (NULL when none is known)."),
        Column("evidence", "JSON", "How the group was found (pairs and similarity, or products per body)."),
    ),
)
OVERLAP_MEMBERS = Table(
    "overlap_members",
    "one row per application in an overlap group",
    (
        Column("group_id", "VARCHAR", "The group (see `overlap_groups`)."),
        Column("organisation", "VARCHAR", "Organisation of the application."),
        Column("app_id", "VARCHAR", "Application id."),
        Column(
            "role",
            "VARCHAR",
            "`overlapping` (within), `instance` (same product) or `alternative` (convergence).",
        ),
        Column("product_key", "VARCHAR", "The application's resolved product, to list which body runs what."),
        Column("product_label", "VARCHAR", "Its display name."),
    ),
)
OVERLAP_GENERIC = Table(
    "overlap_generic",
    "one row per capability claimed by too many live applications in one body to signal overlap",
    (
        Column("organisation", "VARCHAR", "The organisation."),
        Column("capability_key", "VARCHAR", "Taxonomy code, or `label:` + the normalised wording."),
        Column("capability_name", "VARCHAR", "Name of the capability (or one wording of it)."),
        Column("apps", "INTEGER", "Live applications claiming it."),
    ),
)

OVERLAP_SETTINGS = (
    Setting("min_similarity", "number", 0.6, "Pairs at or above this similarity join one overlap group."),
    Setting(
        "pair_min_similarity", "number", 0.3, "Pairs below this similarity are not stored in overlap_pairs."
    ),
    Setting(
        "different_wording_weight",
        "number",
        0.5,
        "Evidence of a shared taxonomy code worded differently by the two applications (1: the code alone "
        "decides).",
    ),
    Setting(
        "max_block_apps",
        "integer",
        30,
        "A capability claimed by more live applications than this in one body is too generic to compare.",
    ),
    Setting(
        "max_cluster_size", "integer", 12, "Larger connected groups are split by average-linkage clustering."
    ),
    Setting(
        "min_product_confidence",
        "number",
        0.7,
        "Product keys resolved with less confidence are not matched across bodies.",
    ),
    Setting(
        "min_capability_confidence",
        "number",
        0.8,
        "Capability mappings with less confidence are not matched across bodies (convergence).",
    ),
    Setting("convergence", "boolean", True, "Find convergence groups (one capability, different products)."),
)


def find_overlaps(ctx: StepContext) -> None:
    settings = read_settings(ctx, "overlap", OVERLAP_SETTINGS)
    con = ctx.con
    _prepare_capabilities(con, settings)
    pairs = within_pairs(con, settings)
    groups, members = _within_groups(con, pairs, settings)
    empty = (empty_frame(OVERLAP_GROUPS), empty_frame(OVERLAP_MEMBERS))
    shared_groups, shared_members = across_groups(con, settings, empty)
    generic = fetch_frame(
        con,
        "SELECT organisation, cap_key AS capability_key, capability_name, apps FROM _ov_block "
        "WHERE generic ORDER BY organisation, capability_key",
    )
    all_members = pl.concat([members, shared_members], how="diagonal_relaxed")
    costs = _fetch_for(
        con,
        all_members.select("organisation", "app_id").unique(),
        "SELECT a.organisation, a.app_id, CAST(a.annual_cost AS DOUBLE) AS cost FROM v_applications a "
        "SEMI JOIN _ov_wanted w ON w.organisation = a.organisation AND w.app_id = a.app_id "
        "WHERE a.annual_cost IS NOT NULL",
    )
    all_groups = with_costs(pl.concat([groups, shared_groups], how="diagonal_relaxed"), all_members, costs)
    ctx.store.replace_table(
        OVERLAP_PAIRS,
        "SELECT organisation, app_a, app_b, shared_capabilities, share_of_a, share_of_b, similarity, evidence "
        "FROM _ov_pairs WHERE similarity >= $min ORDER BY a, b",  # a, b: in (organisation, app_a, app_b) order
        {"min": float(settings["pair_min_similarity"])},
    )
    ctx.store.replace_table(OVERLAP_GROUPS, all_groups.sort("group_id"))
    ctx.store.replace_table(OVERLAP_MEMBERS, all_members.sort("group_id", "organisation", "app_id"))
    ctx.store.replace_table(OVERLAP_GENERIC, generic)
    for name in ("_ov_caps", "_ov_block", *TEMP_TABLES):
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _prepare_capabilities(con: Any, settings: dict[str, Any]) -> None:
    """Per live application: its capability keys (with wordings and confidence); per block, its size."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ov_caps AS
        SELECT m.organisation, m.app_id, coalesce(m.code, 'label:' || m.label_key) AS cap_key,
               min(m.label_key) AS label, max(m.label_key) AS label_max,
               max(coalesce(m.confidence, 1.0)) AS conf,
               coalesce(min(m.name), min(m.capability)) AS capability_name
        FROM app_capability_codes m
        JOIN v_applications a ON a.organisation = m.organisation AND a.app_id = m.app_id
        WHERE a.is_live AND m.label_key IS NOT NULL AND m.label_key <> ''
        GROUP BY ALL
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _ov_block AS "
        "SELECT *, row_number() OVER () AS block FROM ("
        "SELECT organisation, cap_key, min(capability_name) AS capability_name, count(*) AS apps, "
        "count(*) > $max_block AS generic FROM _ov_caps GROUP BY ALL)",
        {"max_block": settings["max_block_apps"]},
    )


def _within_groups(
    con: Any, pairs: pl.DataFrame, settings: dict[str, Any]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clusters of strongly similar pairs: connected components, large ones split by linkage."""
    strong = pairs
    group_rows: list[dict[str, Any]] = []
    member_rows: list[tuple[str, str, str]] = []
    if strong.height == 0:
        return empty_frame(OVERLAP_GROUPS), empty_frame(OVERLAP_MEMBERS)
    clusters = []
    for organisation, apps, links in _clusters(strong, settings):
        keys = Counter(key for _a, _b, _s, pair_keys in links for key in pair_keys)
        clusters.append((organisation, apps, links, keys, min(keys, key=lambda k: (-keys[k], k))))
    names = _block_names(con, {(organisation, key) for organisation, _a, _l, _k, key in clusters})
    for organisation, apps, links, keys, key in clusters:
        gid = group_id("within", organisation, key, *apps)
        similarities = [s for _a, _b, s, _k in links]
        group_rows.append(
            {
                "group_id": gid,
                "scope": "within",
                "partnership": None,
                "organisation": organisation,
                "capability_code": None if key.startswith("label:") else key,
                "capability_name": names.get((organisation, key), key),
                "kind": "same-capability",
                "members": len(apps),
                "organisations": 1,
                "evidence": json.dumps(
                    {
                        "pairs": len(links),
                        "mean_similarity": round(sum(similarities) / len(similarities), 4),
                        "min_similarity": min(similarities),
                        "shared_capabilities": sorted(keys),
                    }
                ),
            }
        )
        member_rows.extend((gid, organisation, app) for app in apps)
    groups = pl.DataFrame(group_rows)
    members = pl.DataFrame(member_rows, schema=["group_id", "organisation", "app_id"], orient="row")
    products = _fetch_for(
        con,
        members.select("organisation", "app_id").unique(),
        "SELECT k.organisation, k.app_id, k.product_key, k.product_label FROM product_keys k "
        "SEMI JOIN _ov_wanted w ON w.organisation = k.organisation AND w.app_id = k.app_id",
    )
    members = members.join(products, on=["organisation", "app_id"], how="left").with_columns(
        role=pl.lit("overlapping")
    )
    return groups, members


def _block_names(con: Any, blocks: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    wanted = pl.DataFrame(list(blocks), schema=["organisation", "cap_key"], orient="row")
    frame = _fetch_for(
        con,
        wanted,
        "SELECT b.organisation, b.cap_key, b.capability_name FROM _ov_block b "
        "SEMI JOIN _ov_wanted w ON w.organisation = b.organisation AND w.cap_key = b.cap_key",
    )
    return {(o, k): n for o, k, n in frame.iter_rows()}


def _fetch_for(con: Any, wanted: pl.DataFrame, sql: str) -> pl.DataFrame:
    """The rows of `sql`, which reads `wanted` as `_ov_wanted`: only what a few groups need, not
    the whole portfolio's."""
    con.register("_ov_wanted", wanted.to_arrow())
    try:
        return fetch_frame(con, sql)
    finally:
        con.unregister("_ov_wanted")


def _clusters(
    strong: pl.DataFrame, settings: dict[str, Any]
) -> list[tuple[str, list[str], list[tuple[str, str, float, list[str]]]]]:
    """(organisation, sorted member ids, links) per cluster, in a canonical order."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    nodes = (
        pl.concat(
            [
                strong.select("organisation", pl.col("app_a").alias("app_id")),
                strong.select("organisation", pl.col("app_b").alias("app_id")),
            ]
        )
        .unique()
        .sort("organisation", "app_id")
        .with_row_index("node")
    )
    indexed = strong.join(
        nodes.rename({"app_id": "app_a", "node": "node_a"}), on=["organisation", "app_a"]
    ).join(nodes.rename({"app_id": "app_b", "node": "node_b"}), on=["organisation", "app_b"])
    n = nodes.height
    a = indexed["node_a"].to_numpy()
    b = indexed["node_b"].to_numpy()
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _count, labels = connected_components(graph, directed=False)
    node_org = nodes["organisation"].to_list()
    node_app = nodes["app_id"].to_list()
    links_by_component: dict[int, list[tuple[int, int, float, list[str]]]] = defaultdict(list)
    for i, j, s, keys in zip(
        a.tolist(), b.tolist(), indexed["similarity"].to_list(), indexed["keys"].to_list(), strict=True
    ):
        links_by_component[int(labels[i])].append((i, j, s, keys))
    clusters = []
    for links in links_by_component.values():
        component = sorted({i for i, _j, _s, _k in links} | {j for _i, j, _s, _k in links})
        for part in _split(component, links, settings):
            members = set(part)
            inside = [
                (node_app[i], node_app[j], s, k) for i, j, s, k in links if i in members and j in members
            ]
            clusters.append((node_org[part[0]], sorted(node_app[i] for i in part), inside))
    clusters.sort(key=lambda c: (c[0], c[1]))
    return clusters


def _split(
    component: list[int], links: list[tuple[int, int, float, list[str]]], settings: dict[str, Any]
) -> list[list[int]]:
    """A component as is, or, when larger than max_cluster_size, its average-linkage clusters."""
    if len(component) <= settings["max_cluster_size"]:
        return [component]
    from scipy.cluster.hierarchy import fcluster, linkage

    position = {node: k for k, node in enumerate(component)}
    n = len(component)
    distances = np.ones(n * (n - 1) // 2)
    for i, j, s, _keys in links:
        p, q = sorted((position[i], position[j]))
        distances[n * p - p * (p + 1) // 2 + (q - p - 1)] = 1.0 - s
    tree = linkage(distances, method="average")
    labels = fcluster(tree, t=1.0 - settings["min_similarity"] + 1e-9, criterion="distance")
    parts: dict[int, list[int]] = defaultdict(list)
    for node, label in zip(component, labels.tolist(), strict=True):
        parts[label].append(node)
    return [sorted(p) for p in parts.values() if len(p) > 1]


OVERLAP_STEP = register_step(
    Step(
        name="overlap",
        description="Finds overlapping applications within each body and shared products and convergence "
        "across partner bodies",
        reads=("v_applications", "partnerships", "product_keys", "app_capability_codes"),
        writes=(OVERLAP_PAIRS, OVERLAP_GROUPS, OVERLAP_MEMBERS, OVERLAP_GENERIC),
        run=find_overlaps,
    )
)
