"""Resolve vendor and product names to keys shared across organisations.

Each distinct (vendor, product) text is resolved once, in four passes that never compare all pairs
of a portfolio:
1. **Normalise** (`appconsol.reference.names`): the vendor's name without case, punctuation,
   legal and country suffixes or placeholders ("Civica UK Limited", "CIVICA" -> civica; "(in-house)"
   -> in-house); the product's name without versions, packaging words, the vendor's own name
   (before it, in brackets or after a dash: "CIVICA Keystone", "Keystone (Civica)", "Keystone -
   Civica") or a legal suffix (a product is never "ltd"). A row naming no vendor takes one when
   its product starts with a vendor's name, known or seen elsewhere in the portfolio.
2. **Curated aliases** (`product_aliases.yaml` plus the user's file) are an override: a name they
   list resolves to their key and label, and two different curated products never merge.
3. **Match and cluster** within a block of one vendor (`appconsol.reference.matching`): same
   letters, containment, acronyms, near spellings, with explicit thresholds and a must-not-link
   guard, so "SAP ERP" and "SAP Crystal Reports" stay apart while "SCCM" and "System Center
   Configuration Manager" meet.
4. A product named without any vendor joins the one vendor's cluster of that name, if exactly one.

A product key is "<vendor key>/<product>": the curated key, else the vendor and the cluster's most
common core. Its label is the most common spelling in the cluster with the range of versions
seen ("SQL Server (2016-2019)"). In-house systems get no product key: two councils' in-house
"Planning Portal"s are not one product.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rapidfuzz import fuzz, process

from appconsol.reference.names import (
    VendorNames,
    display_name,
    fold,
    product_tokens,
    slug,
)
from appconsol.reference.product_bulk import SETTLED, settle
from appconsol.reference.product_groups import cluster_block, is_orphan, vendorless_pass
from appconsol.reference.product_text import AMPERSAND_INITIALS, ProductTexts
from appconsol.reference.resources import ReferenceDataError, as_list, bundled_yaml, read_user_yaml

ALIASES_FILE = "product_aliases.yaml"
IN_HOUSE = "in-house"
_VENDOR_FUZZY_CUTOFF = 92
_MIN_FUZZY_LENGTH = 5
RESOLVED_COLUMNS = {
    "vendor_key": pl.String,
    "product_key": pl.String,
    "product_label": pl.String,
    "product_confidence": pl.Float64,
    "product_method": pl.String,
}
_DIGIT = re.compile(r"\d")


@dataclass
class _Row:
    """One distinct (vendor, product text) on its way to a key."""

    vendor_key: str | None
    vendor_known: bool  # the vendor came from the vendor column (not inferred from the name)
    core: tuple[str, ...] = ()
    curated: str | None = None
    display: str = ""
    versions: tuple[str, ...] = ()
    method: str = "normalised"
    confidence: float = 0.85
    product_key: str | None = None
    label: str | None = None
    weight: int = 1
    text: str = ""  # the product text as written, for the label
    # False for an application's name with a purpose after a dash ("Workspace - Housing
    # Repairs"): it names one body's use, so it is compared with the same name only.
    comparable: bool = True
    plain: bool = False  # the text has nothing display_name would take out


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
        self._vendor_cache: dict[str | None, tuple[str | None, str, str]] = {}
        self.canonical: dict[str, str] = {}  # vendor key -> the portfolio's spelling of that supplier
        # The names cut from the front of a vendor's product names: its key and display name, and
        # each spelling of it seen in a vendor column (not every curated alias: "Firmstep" and
        # "GovDelivery" name Granicus as a supplier, and its products too).
        self._vendor_tokens: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for key, name in self.vendors.names.items():
            self._vendor_tokens[key].update({tuple(key.split("-")), tuple(fold(name).split())})
        self._name_index: dict[tuple[str, ...], str] = {}
        self._vendor_starts = {a.split()[0] for a in self.vendors.aliases if a} | {"the"}
        self._strip_cache: dict[str, list[tuple[str, ...]]] = {}
        self._words_cache: dict[str, set[str]] = {}
        self.suffix_words = self.vendors.legal | self.vendors.descriptors
        self.texts = ProductTexts(
            self.vendor_named, lambda folded: self.vendors.placeholder(folded) == IN_HOUSE
        )
        self._longest_name = 1
        self.aliases: dict[str, str] = {}  # folded alias -> product key
        self.vendor_only: dict[str, str] = {}
        by_vendor: dict[str, dict[str, str]] = defaultdict(dict)
        for key, spec in self.products.items():
            vendor = key.split("/", 1)[0]
            for alias in [str(spec.get("name") or ""), *as_list(spec.get("aliases"))]:
                if alias:
                    self.aliases[fold(alias)] = key
                    by_vendor[vendor][" ".join(self._strip_vendor(product_tokens(alias), vendor))] = key
            for alias in as_list(spec.get("vendor_only")):
                self.vendor_only[fold(alias)] = key
                by_vendor[vendor][fold(alias)] = key
        self.by_vendor = dict(by_vendor)  # (vendor, core) -> curated key
        self.longest = max((len(a.split()) for a in self.aliases), default=1)
        # The first word of each alias, with the numbers of words of the aliases starting with it
        # (longest first): a prefix of any other length cannot be an alias.
        lengths: dict[str, set[int]] = defaultdict(set)
        for alias in self.aliases:
            words = alias.split()
            if words:
                lengths[words[0]].add(len(words))
        self.alias_starts = {word: sorted(n, reverse=True) for word, n in lengths.items()}

    # -- vendors ---------------------------------------------------------------------------------

    def vendor(self, text: str | None) -> tuple[str | None, str, str]:
        """(vendor key, method, placeholder kind or "") for a vendor cell (each text resolved once)."""
        if text not in self._vendor_cache:
            self._vendor_cache[text] = self._vendor(text)
        return self._vendor_cache[text]

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
            best = process.extractOne(
                core, list(self.vendors.aliases), scorer=fuzz.ratio, score_cutoff=_VENDOR_FUZZY_CUTOFF
            )
            if best:
                return self.vendors.aliases[best[0]], "fuzzy", ""
        return slug(core.split()) or None, "normalised", ""

    def unify_vendors(self, keys: set[str]) -> None:
        """Spellings of one supplier that differ by trailing words ("Medusa Medical Technologies Inc"
        beside "Medusa"): an unknown vendor whose name starts with another vendor's name seen in the
        portfolio (first word of four letters or more) becomes that vendor.
        """
        for key in sorted(keys, key=lambda k: (k.count("-"), k)):
            if key in self.vendors.names:
                continue
            parts = key.split("-")
            for n in range(len(parts) - 1, 0, -1):
                shorter = "-".join(parts[:n])
                if shorter in keys and len(parts[0]) >= 4:
                    self.canonical[key] = self.canonical.get(shorter, shorter)
                    break

    def learn_vendor(self, key: str, text: str) -> None:
        """A vendor seen in the portfolio's vendor column, so a product starting with it is its."""
        core, _known = self.vendors.core(fold(text))
        tokens = tuple(core.split())
        if tokens and (len(tokens) > 1 or len(tokens[0]) >= 3):
            self._vendor_tokens[key].add(tokens)
            self._strip_cache.pop(key, None)
            self._words_cache.pop(key, None)
            self.texts.forget_vendors()
            self._name_index.setdefault(tokens, key)
            self._vendor_starts.add(tokens[0])
            self._longest_name = max(self._longest_name, len(tokens))

    def strip_names(self, vendor: str) -> list[tuple[str, ...]]:
        """The names `_strip_vendor` cuts from the front of a vendor's product names, longest first."""
        names = self._strip_cache.get(vendor)
        if names is None:
            names = sorted(self._vendor_tokens.get(vendor, ()), key=lambda t: (-len(t), t)) or [
                tuple(vendor.split("-"))
            ]
            self._strip_cache[vendor] = names
        return names

    def _strip_vendor(self, tokens: list[str], vendor: str) -> list[str]:
        """The product's tokens without its vendor's name in front ("CIVICA Keystone")."""
        for name in self.strip_names(vendor):
            n = len(name)
            if len(tokens) > n and tuple(tokens[:n]) == name:
                return tokens[n:]
        return tokens

    def _vendor_prefix(self, tokens: list[str]) -> tuple[str, int] | None:
        """A vendor named by the first tokens of a product name: (vendor key, tokens used)."""
        best = self.vendors.prefix(tokens)
        for n in range(min(self._longest_name, len(tokens) - 1), 0, -1):
            key = self._name_index.get(tuple(tokens[:n]))
            if key and (best is None or n > best[1]):
                return key, n
        return best

    # -- one row ---------------------------------------------------------------------------------

    def _curated(self, texts: list[str], vendor: str | None) -> str | None:
        for text in texts:
            key = self.aliases.get(text)
            if key and self.accepts(key, vendor):
                return key
            key = self.vendor_only.get(text)
            if key and vendor is not None and self.accepts(key, vendor):
                return key
        for text in texts:  # "iTrent HR & Payroll": a known product name followed by more words
            tokens = text.split()
            if not tokens or tokens[0] not in self.alias_starts:
                continue
            for n in self.alias_starts[tokens[0]]:
                if n >= len(tokens):
                    continue
                prefix = " ".join(tokens[:n])
                key = self.aliases.get(prefix)
                # ...but a vendor's own name ("SAP", "Granicus") followed by more words is another
                # of its products ("SAP Crystal Reports"), not the one the bare name stands for.
                if key and prefix not in self.vendors.aliases and self.accepts(key, vendor):
                    return key
        return None

    def accepts(self, key: str, vendor: str | None) -> bool:
        """A curated product fits a row whose vendor is unknown, the product's, or related to it."""
        if vendor is None:
            return True
        owner = key.split("/", 1)[0]
        return self.vendors.related(vendor, owner) or vendor in as_list(
            self.products[key].get("also_vendors")
        )

    def resolve(self, vendor_text: str | None, product_text: str | None) -> _Row:
        vendor, _method, _kind = self.vendor(vendor_text)
        vendor = self.canonical.get(vendor, vendor) if vendor else vendor
        if not product_text or not str(product_text).strip():
            return _Row(vendor, vendor is not None, method="no-product", confidence=0.0)
        text = str(product_text)
        if "&" in text:
            text = AMPERSAND_INITIALS.sub(r"\1\2", text)
        parts = self.texts.parts(text)
        if vendor is None and parts.in_house:
            vendor = IN_HOUSE  # "Planning Portal (in-house)"
        tokens, piece_versions = self.texts.tokens(parts.kept)
        known_vendor = vendor is not None and vendor != IN_HOUSE
        hint = parts.hint
        if vendor is None:
            found = self._vendor_prefix(tokens)
            if found and found[1] < len(tokens):
                hint = hint or found[0]
        hint = self.canonical.get(hint, hint) if hint else hint
        maker = vendor if known_vendor else hint
        core = self._strip_vendor(tokens, maker) if maker else tokens
        if maker and core and self.suffix_words.issuperset(core):
            core = []  # "System C Healthcare Ltd": the vendor's name, not a product called "ltd"
        curated = self._curated_for(tokens, core, parts.inner_names, maker)
        has_digit = _DIGIT.search(text) is not None
        versions = piece_versions if has_digit else ()
        row = _Row(maker, known_vendor, tuple(core), curated, "", versions, comparable=len(parts.kept) == 1)
        row.text = text
        row.plain = parts.plain and not has_digit
        if vendor == IN_HOUSE:
            row.vendor_key, row.core, row.curated = IN_HOUSE, (), None
            row.method, row.confidence, row.label = "in-house", 1.0, " ".join(str(product_text).split())
        elif curated:
            owner = curated.split("/", 1)[0]
            row.method = "alias"
            row.confidence = 1.0 if known_vendor and self.vendors.related(vendor, owner) else 0.9
            row.vendor_key = maker or owner
        elif not core and maker:
            row.core = tuple(self._vendor_name_tokens(maker))  # named by its vendor ("TOPdesk")
        elif not core:
            row.method, row.confidence = "unresolved", 0.0
        if not known_vendor and row.method == "normalised":
            row.method, row.confidence = ("inferred-vendor", 0.75) if maker else ("name-only", 0.6)
        return row

    def _curated_for(
        self, tokens: list[str], core: list[str], inner_names: list[str], maker: str | None
    ) -> str | None:
        whole = " ".join(tokens)
        named = whole if core is tokens or core == tokens else " ".join(core)
        # A text seen twice gets the same answer twice: each is looked up once, in the same order.
        texts = list(dict.fromkeys(t for t in (whole, named, *inner_names) if t))
        curated = self._curated(texts, maker)
        if curated is None and maker:
            curated = self.by_vendor.get(maker, {}).get(named)
        if curated is None and maker and not core:
            curated = self._curated([" ".join(self._vendor_name_tokens(maker))], maker)
        return curated

    def display(self, row: _Row) -> str:
        """How the row spells its product, for the cluster's label (computed only when needed)."""
        if not row.display and row.plain:
            row.display = " ".join(row.text.split())  # no version, bracket or vendor to take out
        elif not row.display:
            row.display = display_name(row.text, vendor_words=self.vendor_words(row.vendor_key))
        return row.display

    def vendor_starts(self) -> set[str]:
        """The first words of every vendor name `vendor_named` knows."""
        return set(self._vendor_starts)

    def vendor_named(self, folded: str) -> str | None:
        """The vendor a short text names ("civica uk ltd" -> civica), known or seen in the portfolio."""
        if not folded or folded.count(" ") > 4 or folded.split(" ", 1)[0] not in self._vendor_starts:
            return None
        core, known = self.vendors.core(folded)
        return known or self._name_index.get(tuple(core.split()))

    def _learned(self, folded: str) -> str | None:
        return self._name_index.get(tuple(self.vendors.core(folded)[0].split()))

    def _vendor_name_tokens(self, vendor: str) -> list[str]:
        name = self.vendors.names.get(vendor)
        return fold(name).split() if name else vendor.split("-")

    def vendor_words(self, vendor: str | None) -> set[str]:
        if not vendor:
            return set()
        words = self._words_cache.get(vendor)
        if words is None:
            words = {t for name in self._vendor_tokens.get(vendor, ()) for t in name} | set(vendor.split("-"))
            self._words_cache[vendor] = words
        return words


def learn_vendors(resolver: ProductResolver, vendor_texts: list[str | None]) -> None:
    """Teach the resolver the portfolio's vendors (each distinct vendor cell), before any product."""
    seen: set[str] = set()
    for named in sorted({v for v in vendor_texts if v is not None}):
        key, _method, _kind = resolver.vendor(named)
        if key and key != IN_HOUSE and named:
            seen.add(key)
            resolver.learn_vendor(key, named)
    resolver.unify_vendors(seen)


def resolve_lookup(resolver: ProductResolver, distinct: pl.DataFrame, *, bulk: bool = True) -> pl.DataFrame:
    """The resolved columns of each distinct (_vendor, _text) of `distinct` (with its count `len`), in order.

    With `bulk`, the rows `product_bulk.settle` can settle column-wise are settled there; the others
    are resolved one by one and clustered per vendor, weighed by `len` for the most common spelling.
    """
    learn_vendors(resolver, distinct["_vendor"].unique().to_list())
    indexed = distinct.with_row_index("_idx")
    settled = (
        settle(resolver, indexed.select("_idx", "_vendor", "_text")) if bulk else pl.DataFrame(schema=SETTLED)
    )
    rows: dict[int, _Row] = {}

    def resolve(frame: pl.DataFrame) -> None:
        for idx, vendor_text, text, count in frame.select("_idx", "_vendor", "_text", "len").iter_rows():
            rows[idx] = resolver.resolve(vendor_text, text)
            rows[idx].weight = count

    resolve(indexed.join(settled.select("_idx"), on="_idx", how="anti").sort("_idx"))
    # A settled name of its own whose (vendor, core) another row holds too is not of its own: the
    # resolver groups them (cluster_block).
    held = pl.DataFrame(
        [(r.vendor_key, " ".join(r.core)) for r in rows.values() if _in_block(r) and r.curated is None],
        schema={"vendor_key": pl.String, "_core": pl.String},
        orient="row",
    )
    names = settled.filter(pl.col("_core").is_not_null())
    shared = names.filter(pl.len().over("vendor_key", "_core") > 1).select("_idx")
    shared = pl.concat([shared, names.join(held, on=["vendor_key", "_core"], how="semi").select("_idx")])
    if not shared.is_empty():
        resolve(indexed.join(shared, on="_idx", how="semi").sort("_idx"))
        settled = settled.join(shared, on="_idx", how="anti")
    ordered = [rows[i] for i in sorted(rows)]
    blocks: dict[str, list[_Row]] = defaultdict(list)
    for row in ordered:
        if _in_block(row):
            blocks[row.vendor_key if row.vendor_key else "?" + (row.core[0] if row.core else "")].append(row)
    for block in sorted(blocks):
        cluster_block(resolver, None if block.startswith("?") else block, blocks[block])
    if any(is_orphan(row) for row in ordered):  # settled names may be what an orphan's name links to
        for idx, vendor, key, label, core in (
            settled.filter(pl.col("_core").is_not_null())
            .select("_idx", "vendor_key", "product_key", "product_label", "_core")
            .iter_rows()
        ):
            rows[idx] = _Row(vendor, True, tuple(core.split()), product_key=key, label=label)
        ordered = [rows[i] for i in sorted(rows)]
        settled = settled.filter(pl.col("_core").is_null())
    vendorless_pass(ordered)
    resolved = pl.DataFrame(
        {
            "_idx": list(rows),
            "vendor_key": [r.vendor_key for r in rows.values()],
            "product_key": [r.product_key for r in rows.values()],
            "product_label": [r.label for r in rows.values()],
            "product_confidence": [round(r.confidence, 4) for r in rows.values()],
            "product_method": [r.method for r in rows.values()],
        },
        schema={"_idx": pl.UInt32, **RESOLVED_COLUMNS},
    )
    return pl.concat([settled.drop("_core"), resolved]).sort("_idx").drop("_idx")


def _in_block(row: _Row) -> bool:
    """Whether the row is clustered with its vendor's other products (cluster_block)."""
    return row.method not in ("in-house", "no-product", "unresolved") and bool(row.core or row.curated)


@functools.lru_cache(maxsize=1)
def _bundled_document() -> Mapping[str, Any]:
    return bundled_yaml(ALIASES_FILE)


def product_resolver(aliases: str | Path | Mapping[str, Any] | None = None) -> ProductResolver:
    """A fresh resolver (it learns the portfolio's vendors) over the bundled and the user's aliases."""
    if aliases is None:
        return ProductResolver([_bundled_document()])
    user = aliases if isinstance(aliases, Mapping) else read_user_yaml(aliases)
    if not isinstance(user, Mapping):
        raise ReferenceDataError(f"{aliases}: expected a mapping with 'vendors:' and/or 'products:'")
    return ProductResolver([_bundled_document(), user])


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
    distinct = keyed.group_by(["_vendor", "_text"]).len().sort(["_vendor", "_text"], nulls_last=False)
    lookup = pl.concat(
        [distinct.select("_vendor", "_text"), resolve_lookup(resolver, distinct)], how="horizontal"
    )
    joined = keyed.join(lookup, on=["_vendor", "_text"], how="left", nulls_equal=True, maintain_order="left")
    return joined.drop("_vendor", "_text")
