"""Small editable lists: scarce-skill languages, commodity capabilities, vendors with SaaS editions.

Each function reads the bundled `lists.yaml`, or a user's copy (`path=`); a list the user's file
does not contain falls back to the bundled one, so a file may change just one list.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.reference.capabilities import load_taxonomy
from appconsol.reference.names import fold, product_tokens
from appconsol.reference.resources import ReferenceDataError, as_list, bundled_yaml, read_user_yaml

LISTS_FILE = "lists.yaml"


def _list(name: str, path: str | Path | None) -> Any:
    if path is not None:
        user = read_user_yaml(path)
        if not isinstance(user, Mapping):
            raise ReferenceDataError(f"{path}: expected a mapping of lists", hint="Start from lists.yaml")
        if name in user:
            return user[name]
    return bundled_yaml(LISTS_FILE).get(name)


def scarce_languages(path: str | Path | None = None) -> pl.DataFrame:
    """name, aliases: languages whose developers are scarce (COBOL, VB6, PowerBuilder, ...)."""
    rows = [
        {"name": str(e["name"]), "aliases": as_list(e.get("aliases"))}
        for e in _list("scarce_languages", path) or []
    ]
    return pl.DataFrame(rows, schema={"name": pl.String, "aliases": pl.List(pl.String)})


@functools.lru_cache(maxsize=8)
def _language_index(path: str | None) -> tuple[dict[str, str], int]:
    index: dict[str, str] = {}
    for name, aliases in scarce_languages(path).rows():
        for alias in [name, *aliases]:
            index.setdefault(fold(alias), name)
    return index, max((len(a.split()) for a in index), default=1)


def scarce_language(text: str | None, path: str | Path | None = None) -> str | None:
    """The scarce language a language or runtime text names ("PowerBuilder 12.5" -> PowerBuilder)."""
    if not text:
        return None
    index, longest = _language_index(str(path) if path is not None else None)
    folded = fold(text)
    if folded in index:
        return index[folded]
    tokens = product_tokens(text)
    for n in range(min(longest, len(tokens)), 0, -1):
        name = index.get(" ".join(tokens[:n]))
        if name:
            return name
    return None


def commodity_capabilities(
    path: str | Path | None = None, *, taxonomy: pl.DataFrame | None = None
) -> pl.DataFrame:
    """code, name, commodity_root: the commodity capabilities and every capability below them."""
    roots = [str(c) for c in _list("commodity_capabilities", path) or []]
    excluded = set(as_list(_list("not_commodity", path)))
    tax = taxonomy if taxonomy is not None else load_taxonomy()
    children: dict[str, list[str]] = {}
    for code, parent in tax.select("code", "parent").rows():
        if parent:
            children.setdefault(parent, []).append(code)
    names = dict(tax.select("code", "name").rows())
    unknown = [code for code in roots if code not in names]
    if unknown:
        raise ReferenceDataError(
            f"commodity capabilities not in the taxonomy: {', '.join(unknown)}",
            hint="Use codes from load_taxonomy()",
        )
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for root in roots:
        stack = [root]
        while stack:
            code = stack.pop()
            if code in seen or code in excluded:
                continue
            seen.add(code)
            rows.append((code, names[code], root))
            stack.extend(sorted(children.get(code, []), reverse=True))
    return pl.DataFrame(
        rows, schema={"code": pl.String, "name": pl.String, "commodity_root": pl.String}, orient="row"
    )


def saas_vendors(path: str | Path | None = None) -> pl.DataFrame:
    """vendor_key, product_key, edition, model: one row per product with a SaaS/hosted edition.

    product_key is NULL when the entry covers the vendor's products in general.
    """
    rows = []
    for entry in _list("saas_vendors", path) or []:
        products: list[str | None] = [*as_list(entry.get("products"))] or [None]
        for product in products:
            rows.append((str(entry["vendor"]), product, entry.get("edition"), entry.get("model")))
    return pl.DataFrame(
        rows,
        schema={"vendor_key": pl.String, "product_key": pl.String, "edition": pl.String, "model": pl.String},
        orient="row",
    )
