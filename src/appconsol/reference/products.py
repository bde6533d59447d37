"""Resolve vendor and product names to keys shared across organisations.

Each distinct (vendor, product, name) is resolved once, in three passes that never compare all
pairs of a portfolio:
1. normalise and look up aliases (`product_aliases.yaml` plus the user's file): the vendor's
   name with legal suffixes cut ("Civica UK Limited" -> civica), the product's name without
   versions, packaging words or the vendor's own name ("IDOX Uniform 10", "Uniform (Idox)");
2. fuzzy matching (rapidfuzz) of what is left, only within a block: the same vendor key, or the
   same first word when no vendor is known; only names of up to three words (product names
   such as "Uniform" or "iTrent HR Payroll") are compared, so a portfolio whose exports name no
   product, only long application names, is not compared name by name with every other name of
   its vendor (that is quadratic in the size of a vendor's block);
3. a product named without a vendor takes the vendor of the one product of that name that has one.

A product key is "<vendor key>/<product>"; a name with no vendor keeps a bare key. In-house
systems get no product key: two councils' in-house "Planning Portal"s are not one product.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rapidfuzz import fuzz, process

from appconsol.reference.names import VendorNames, fold, product_tokens, slug, split_brackets
from appconsol.reference.resources import ReferenceDataError, as_list, bundled_yaml, read_user_yaml

ALIASES_FILE = "product_aliases.yaml"
IN_HOUSE = "in-house"
_FUZZY_CUTOFF = 90
_MIN_FUZZY_LENGTH = 5
_MAX_FUZZY_WORDS = 3
RESOLVED_COLUMNS = {
    "vendor_key": pl.String,
    "product_key": pl.String,
    "product_label": pl.String,
    "product_confidence": pl.Float64,
    "product_method": pl.String,
}


@dataclass
class _Resolved:
    vendor_key: str | None
    product_key: str | None
    label: str | None
    confidence: float
    method: str
    core: str = ""  # the product words compared in the fuzzy pass


class ProductResolver:
    """Vendor and product aliases, built once from the bundled file and a user's own."""

    def __init__(self, documents: list[Mapping[str, Any]]):
        self.vendors = VendorNames.from_documents(documents)
        self.products: dict[str, dict[str, Any]] = {}
        for document in documents:
            for key, spec in (document.get("products") or {}).items():
                if "/" not in str(key):
                    raise ReferenceDataError(f"product alias key '{key}' must be '<vendor key>/<product>'")
                self.products[str(key)] = dict(spec or {})
        self.aliases: dict[str, str] = {}  # folded alias -> product key
        self.vendor_only: dict[str, str] = {}
        by_vendor: dict[str, dict[str, str]] = defaultdict(dict)
        for key, spec in self.products.items():
            vendor = key.split("/", 1)[0]
            for alias in [str(spec.get("name") or ""), *as_list(spec.get("aliases"))]:
                if alias:
                    self.aliases[fold(alias)] = key
                    by_vendor[vendor][" ".join(product_tokens(alias))] = key
            for alias in as_list(spec.get("vendor_only")):
                self.vendor_only[fold(alias)] = key
                by_vendor[vendor][fold(alias)] = key
        self.by_vendor = dict(by_vendor)  # the fuzzy pass's starting points, per vendor
        self.longest = max((len(a.split()) for a in self.aliases), default=1)

    def vendor(self, text: str | None) -> tuple[str | None, str, str]:
        """(vendor key, method, placeholder kind or "") for a vendor cell (each text resolved once)."""
        cache = self.__dict__.setdefault("_vendor_cache", {})
        if text not in cache:
            cache[text] = self._vendor(text)
        result: tuple[str | None, str, str] = cache[text]
        return result

    def _folded_vendor(self, text: str | None) -> list[str]:
        cache = self.__dict__.setdefault("_folded_cache", {})
        if text not in cache:
            cache[text] = fold(text or "").split()
        return list(cache[text])

    def _vendor(self, text: str | None) -> tuple[str | None, str, str]:
        if text is None or not str(text).strip():
            return None, "none", ""
        folded = fold(str(text))
        kind = self.vendors.placeholder(folded)
        if kind:
            return (IN_HOUSE if kind == IN_HOUSE else None), "placeholder", kind
        core, known = self.vendors.core(folded)
        if known:
            return known, "alias", ""
        if len(core) >= _MIN_FUZZY_LENGTH:
            best = process.extractOne(core, list(self.vendors.aliases), scorer=fuzz.ratio, score_cutoff=92)
            if best:
                return self.vendors.aliases[best[0]], "fuzzy", ""
        return slug(core.split()) or None, "normalised", ""

    def _accepts(self, key: str, vendor: str | None) -> bool:
        """A product alias fits a row whose vendor is unknown, the product's, or related to it."""
        if vendor is None:
            return True
        owner = key.split("/", 1)[0]
        return self.vendors.related(vendor, owner) or vendor in as_list(
            self.products[key].get("also_vendors")
        )

    def _lookup(self, texts: list[str], vendor: str | None) -> str | None:
        for text in texts:
            key = self.aliases.get(text)
            if key and self._accepts(key, vendor):
                return key
            key = self.vendor_only.get(text)
            if key and vendor is not None and self._accepts(key, vendor):
                return key
        for text in texts:  # "iTrent HR & Payroll": a known name followed by more words
            tokens = text.split()
            for n in range(min(self.longest, len(tokens) - 1), 0, -1):
                key = self.aliases.get(" ".join(tokens[:n]))
                if key and self._accepts(key, vendor):
                    return key
        return None

    def resolve(self, vendor_text: str | None, product_text: str | None) -> _Resolved:
        vendor = self.vendor(vendor_text)[0]
        if not product_text or not str(product_text).strip():
            return _Resolved(vendor, None, None, 0.0, "no-product")
        outer, brackets = split_brackets(str(product_text))
        tokens = product_tokens(outer)
        hint = None
        for inner in brackets:  # "Uniform (Idox)": a vendor in brackets
            _, known = self.vendors.core(fold(inner))
            hint = hint or known
        core = tokens
        found = self.vendors.prefix(tokens)
        if found and found[1] < len(tokens):  # "Idox Uniform": the vendor's name first
            hint = hint or found[0]
            if vendor is None or self.vendors.related(vendor, found[0]):
                core = tokens[found[1] :]
        if vendor is not None and vendor != IN_HOUSE:  # "Civica APP" with vendor Civica
            own = self._folded_vendor(vendor_text)
            while core and own and core[0] == own[0]:
                core, own = core[1:], own[1:]
        effective = vendor if vendor not in (None, IN_HOUSE) else None
        texts = [" ".join(tokens), " ".join(core)] + [" ".join(product_tokens(b)) for b in brackets]
        key = self._lookup([t for t in texts if t], effective or hint)
        if key is None and effective is None and hint is not None:
            key = self._lookup([t for t in texts if t], None)
        if key is not None:
            owner = key.split("/", 1)[0]
            confidence = 1.0 if effective and self.vendors.related(effective, owner) else 0.9
            label = str(self.products[key].get("name") or key)
            return _Resolved(effective or owner, key, label, confidence, "alias", " ".join(core))
        if vendor == IN_HOUSE:
            return _Resolved(IN_HOUSE, None, str(product_text).strip(), 1.0, "in-house")
        maker = effective or hint
        words = core or tokens
        if not words:  # the product is named by its vendor only ("TOPdesk", vendor TOPdesk)
            words = [maker] if maker else []
        name = slug(words)
        if not name:
            return _Resolved(maker, None, None, 0.0, "unresolved")
        label = " ".join(str(product_text).split())
        if maker:
            return _Resolved(maker, f"{maker}/{name}", label, 0.85, "normalised", " ".join(words))
        return _Resolved(None, name, label, 0.6, "name-only", " ".join(words))


def _fuzzy_pass(resolver: ProductResolver, rows: list[_Resolved], counts: list[int]) -> None:
    """Merge near spellings inside blocks (vendor key, else first word); most used spelling first."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.method in ("normalised", "name-only") and row.core:
            blocks[row.vendor_key or "?" + row.core.split()[0]].append(i)
    for block, members in blocks.items():
        choices: dict[str, str] = dict(resolver.by_vendor.get(block, {}))  # core -> product key
        compared = [c for c in choices if len(c.split()) <= _MAX_FUZZY_WORDS]
        labels: dict[str, str] = {}
        for i in sorted(members, key=lambda i: (-counts[i], rows[i].core)):
            row = rows[i]
            best = None
            short = len(row.core.split()) <= _MAX_FUZZY_WORDS
            if row.core in choices:  # the same words: what the fuzzy match would find first
                best = (row.core, 100.0, 0)
            elif short and len(row.core) >= _MIN_FUZZY_LENGTH and compared:
                best = process.extractOne(row.core, compared, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
            if best and choices[best[0]] != row.product_key:
                target = choices[best[0]]
                row.product_key, row.method = target, "fuzzy"
                row.confidence = round(best[1] / 100 * 0.85, 3)
                if target in resolver.products:
                    row.label = str(resolver.products[target].get("name") or target)
                else:
                    row.label = labels.get(target, row.label)
            elif row.product_key:
                if row.core not in choices:
                    choices[row.core] = row.product_key
                    if short:
                        compared.append(row.core)
                labels.setdefault(row.product_key, row.label or "")


def _vendor_pass(rows: list[_Resolved]) -> None:
    """A bare product key takes a vendor when exactly one vendor's product has that name."""
    owners: dict[str, set[str]] = defaultdict(set)
    for row in rows:  # free-text keys only: an alias key's last part ("capita/one") is no name
        if row.method in ("normalised", "fuzzy") and row.product_key and "/" in row.product_key:
            owners[row.product_key.split("/", 1)[1]].add(row.product_key.split("/", 1)[0])
    for row in rows:
        if row.method == "name-only" and row.product_key and len(owners.get(row.product_key, ())) == 1:
            (owner,) = owners[row.product_key]
            row.vendor_key, row.product_key = owner, f"{owner}/{row.product_key}"
            row.method, row.confidence = "inferred-vendor", 0.7


@functools.lru_cache(maxsize=1)
def default_resolver() -> ProductResolver:
    return ProductResolver([bundled_yaml(ALIASES_FILE)])


def product_resolver(aliases: str | Path | Mapping[str, Any] | None = None) -> ProductResolver:
    if aliases is None:
        return default_resolver()
    user = aliases if isinstance(aliases, Mapping) else read_user_yaml(aliases)
    if not isinstance(user, Mapping):
        raise ReferenceDataError(f"{aliases}: expected a mapping with 'vendors:' and/or 'products:'")
    return ProductResolver([bundled_yaml(ALIASES_FILE), user])


def resolve_products(
    frame: pl.DataFrame, *, aliases: str | Path | Mapping[str, Any] | None = None
) -> pl.DataFrame:
    """Add vendor_key, product_key, product_label, product_confidence and product_method.

    Reads `vendor` and `product`, and `name` where `product` is empty (exports often name the
    product only in the application's name). Missing columns count as empty.
    """
    resolver = product_resolver(aliases)
    text = pl.coalesce(
        [
            pl.col(c).cast(pl.String).str.strip_chars().replace("", None)
            for c in ("product", "name")
            if c in frame.columns
        ]
        or [pl.lit(None, dtype=pl.String)]
    )
    vendor = pl.col("vendor").cast(pl.String) if "vendor" in frame.columns else pl.lit(None, dtype=pl.String)
    keyed = frame.with_columns(_vendor=vendor, _text=text)
    distinct = keyed.group_by(["_vendor", "_text"], maintain_order=True).len()
    pairs = distinct.select("_vendor", "_text").rows()
    rows = [resolver.resolve(v, t) for v, t in pairs]
    _fuzzy_pass(resolver, rows, distinct["len"].to_list())
    _vendor_pass(rows)
    lookup = pl.concat(
        [
            distinct.select("_vendor", "_text"),
            pl.DataFrame(
                [(r.vendor_key, r.product_key, r.label, r.confidence, r.method) for r in rows],
                schema=RESOLVED_COLUMNS,
                orient="row",
            ),
        ],
        how="horizontal",
    )
    joined = keyed.join(lookup, on=["_vendor", "_text"], how="left", nulls_equal=True, maintain_order="left")
    return joined.drop("_vendor", "_text")
