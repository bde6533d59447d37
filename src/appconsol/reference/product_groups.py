"""Product clusters of one vendor, their keys and labels, and names seen without a vendor.

Part of `appconsol.reference.products` (resolve_rows): the rows come normalised, the matching and
its thresholds are `appconsol.reference.matching`'s.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from appconsol.reference.matching import MAX_COMPARED_WORDS, Name, attach, cluster, initials
from appconsol.reference.names import slug

if TYPE_CHECKING:
    from appconsol.reference.products import ProductResolver, _Row

IN_HOUSE = "in-house"


def _label(resolver: ProductResolver, rows: list[_Row], curated_name: str | None) -> str:
    """The most common spelling (or the curated name) with the range of versions seen."""
    if curated_name:
        label = curated_name
    else:
        spellings: Counter[str] = Counter()
        for row in rows:
            shown = resolver.display(row)
            if shown:
                spellings[shown] += row.weight
        label = min(spellings, key=lambda s: (-spellings[s], len(s), s)) if spellings else ""
    versions = sorted({v for row in rows for v in row.versions}, key=_version_order)
    if not versions:
        return label
    shown = versions[0] if len(versions) == 1 else f"{versions[0]}-{versions[-1]}"
    return f"{label} ({shown})"


def _one_label(resolver: ProductResolver, row: _Row) -> str:
    """`_label` of a group of one row with no curated name."""
    return resolver.display(row) + version_suffix(row.versions)


def version_suffix(versions: tuple[str, ...]) -> str:
    """ " (2016-2019)": the range of the versions a label shows ("" for none)."""
    if not versions:
        return ""
    ordered = sorted(set(versions), key=_version_order)
    shown = ordered[0] if len(ordered) == 1 else f"{ordered[0]}-{ordered[-1]}"
    return f" ({shown})"


def _version_order(version: str) -> tuple[Any, ...]:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.]", version.lstrip("v")))


def cluster_block(resolver: ProductResolver, vendor: str | None, rows: list[_Row]) -> None:
    """Cluster one vendor's distinct cores; give every row its cluster's key and label."""
    by_core: dict[tuple[tuple[str, ...], str | None], list[_Row]] = defaultdict(list)
    for row in rows:
        by_core[(row.core, row.curated)].append(row)
    # Long names (whole application names, when an export names no product) are compared only
    # with the same name: comparing them pairwise would be quadratic in a vendor's portfolio.
    # Only the compared ones need an order (it numbers the clusters); each other name is its own.
    short = sorted(
        (k for k in by_core if len(k[0]) <= MAX_COMPARED_WORDS and any(r.comparable for r in by_core[k])),
        key=lambda k: (k[0], k[1] or ""),
    )
    compared = set(short)
    vendor_tokens = tuple(vendor.split("-")) if vendor else ()
    names = [
        Name(" ".join(core), vendor_tokens, sum(r.weight for r in by_core[(core, cur)]), cur)
        for core, cur in short
    ]
    clusters: dict[int, list[tuple[tuple[str, ...], str | None]]] = defaultdict(list)
    for i, c in enumerate(cluster(names) if len(names) > 1 else [0] * len(names)):
        clusters[c].append(short[i])
    groups = list(clusters.values())
    for k in by_core:
        if k in compared:
            continue
        only = by_core[k]
        if len(only) == 1 and not k[1]:
            # A name of its own and one spelling (an application's name, often): its key and label
            # come straight from that row, without the tallies below.
            row = only[0]
            row.product_key = f"{vendor}/{slug(k[0])}" if vendor else slug(k[0])
            row.label = _one_label(resolver, row)
            continue
        groups.append([k])
    for members in groups:
        member_rows = [r for k in members for r in by_core[k]]
        curated = next((cur for _core, cur in members if cur), None)
        if curated:
            key, curated_name = curated, str(resolver.products[curated].get("name") or curated)
        else:
            weights = {k: sum(r.weight for r in by_core[k]) for k in members}
            top = min(members, key=lambda k: (-weights[k], len(k[0]), k[0]))
            key, curated_name = (f"{vendor}/{slug(top[0])}" if vendor else slug(top[0])), None
        label = _label(resolver, member_rows, curated_name)
        linked = len({core for core, _cur in members}) > 1
        for row in member_rows:
            row.product_key, row.label = key, label
            if row.method == "normalised" and (linked or curated):
                row.method, row.confidence = "fuzzy", 0.85 if curated else 0.8


def is_orphan(row: _Row) -> bool:
    """A product named with no vendor, which `vendorless_pass` tries to link to a vendor's."""
    return row.vendor_key is None and row.method == "name-only" and bool(row.core)


def vendorless_pass(rows: list[_Row]) -> None:
    """A product named with no vendor joins the one vendor's product its name links to."""
    orphans = [r for r in rows if is_orphan(r)]
    if not orphans:
        return
    # Only names that could link to an orphan are compared: sharing a word, or spelling an
    # orphan's acronym ("MECM" = Microsoft Endpoint Configuration Manager).
    words = {t for r in orphans for t in r.core}
    compacts = {"".join(r.core) for r in orphans}
    acronyms = {r.core[0] for r in orphans if len(r.core) == 1 and len(r.core[0]) <= 6}
    named: dict[tuple[str, tuple[str, ...]], tuple[str, str]] = {}
    for row in rows:
        if not (row.vendor_key and row.vendor_key != IN_HOUSE and row.product_key):
            continue
        if not 0 < len(row.core) <= MAX_COMPARED_WORDS or (row.vendor_key, row.core) in named:
            continue
        own = tuple(row.vendor_key.split("-"))
        if (
            words.intersection(row.core)
            or "".join(row.core) in compacts
            or (acronyms and (initials(row.core) in acronyms or initials(own + row.core) in acronyms))
        ):
            named[(row.vendor_key, row.core)] = (row.product_key, row.label or "")
    if not named:
        return
    keys = sorted(named)
    labels = {key: label for key, label in named.values()}
    found = attach(
        [Name(" ".join(r.core)) for r in orphans],
        [(Name(" ".join(core), tuple(vendor.split("-"))), named[(vendor, core)][0]) for vendor, core in keys],
    )
    for row, key in zip(orphans, found, strict=True):
        if key:
            row.vendor_key, row.product_key, row.label = key.split("/", 1)[0], key, labels[key]
            row.method, row.confidence = "inferred-vendor", 0.7
