"""Match software components ("Win 2012 R2", "MSSQL 2014", "RHEL6") to lifecycle releases.

A component's text is cleaned and its longest known name at the start is found (an alias from
`component_aliases.yaml`, or an endoflife.date slug, title or alternate URL); the rest is its
version, resolved against that product's releases (see `versions`). Names that stand for several
products ("Windows", ".NET") try each in turn. A product recognised without a usable version is
still a match, with `release_cycle` None and a low confidence, so reports can say "which version?";
text that names no known product gives None and is reported as unmatched.

Work is done once per distinct (product, version, kind, raw) combination.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rapidfuzz import fuzz, process

from appconsol.reference.lifecycle import lifecycle_products, load_lifecycle
from appconsol.reference.resources import ReferenceDataError, as_list, bundled_yaml, read_user_yaml
from appconsol.reference.versions import CycleIndex, clean_text, version_key

ALIASES_FILE = "component_aliases.yaml"
# Which endoflife.date categories a component kind (ingest's classify_component) can be.
KIND_CATEGORIES = {
    "os": {"os"},
    "database": {"database"},
    "runtime": {"lang", "framework", "server-app", "app"},
}
_GLUED = re.compile(r"^([a-z.+#]+?)(\d[\w.]*)$")  # "rhel6", "win2012r2", "java8"
_FUZZY_CUTOFF = 90
_DIGIT = re.compile(r"\d")
MATCH_COLUMNS = {
    "lifecycle_product": pl.String,
    "release_cycle": pl.String,
    "match_confidence": pl.Float64,
    "match_method": pl.String,
}


@dataclass(frozen=True)
class Match:
    """A component resolved to a lifecycle product and, when the version allows, a release cycle."""

    product_slug: str
    release_cycle: str | None
    confidence: float
    method: str


@dataclass(frozen=True)
class _Product:
    slug: str
    category: str
    index: CycleIndex | None  # None for products that follow another's lifecycle
    follows: str | None = None
    versions: Mapping[str, str] | None = None


class ComponentMatcher:
    """Aliases and release indexes for one lifecycle table; build once, match many."""

    def __init__(self, lifecycle: pl.DataFrame, alias_documents: Sequence[Mapping[str, Any]]):
        specs: dict[str, dict[str, Any]] = {}
        shared: dict[str, list[str]] = {}
        for document in alias_documents:  # later documents (the user's) win
            for slug, spec in (document.get("products") or {}).items():
                merged = specs.setdefault(str(slug), {})
                for key, value in (spec or {}).items():
                    merged[key] = [*merged.get(key, []), *value] if key == "aliases" else value
            for alias, slugs in (document.get("shared_aliases") or {}).items():
                shared[clean_text(str(alias))] = as_list(slugs)
        self.products = self._products(lifecycle, specs)
        self.aliases = self._aliases(lifecycle, specs, shared)
        self.longest_alias = max(len(a.split()) for a in self.aliases)
        self.first_tokens = {a.split()[0] for a in self.aliases} | {
            m.group(1) for a in self.aliases if (m := _GLUED.match(a.split()[0] + "0"))
        }
        self.compact = {a.replace(" ", "").replace(".", ""): s for a, s in self.aliases.items()}

    def _products(
        self, lifecycle: pl.DataFrame, specs: Mapping[str, Mapping[str, Any]]
    ) -> dict[str, _Product]:
        products: dict[str, _Product] = {}
        columns = [
            "product",
            "title",
            "category",
            "release_cycle",
            "release_label",
            "codename",
            "release_date",
            "lts",
        ]
        # Grouped in Python, in order of first appearance: one pass, not a frame per product.
        groups: dict[Any, list[tuple[Any, ...]]] = {}
        for row in lifecycle.select(columns).iter_rows():
            groups.setdefault(row[0], []).append(row)
        for slug, group in groups.items():
            spec = specs.get(str(slug), {})
            rows = [row[3:] for row in group]
            index = CycleIndex.build(
                str(slug),
                rows,
                group[0][1] or "",
                rules=spec.get("version_rules") or (),
                family_tokens=as_list(spec.get("family_tokens")),
                words=as_list(spec.get("words")),
                reject=as_list(spec.get("reject_versions")),
            )
            products[str(slug)] = _Product(str(slug), group[0][2] or "custom", index)
        for slug, spec in specs.items():
            if spec.get("follows"):
                if spec["follows"] not in products:
                    raise ReferenceDataError(
                        f"component alias {slug} follows unknown product {spec['follows']}"
                    )
                versions = {
                    version_key(clean_text(str(k)).split()): str(v) for k, v in spec["versions"].items()
                }
                products[slug] = _Product(slug, "server-app", None, str(spec["follows"]), versions)
        return products

    def _aliases(
        self,
        lifecycle: pl.DataFrame,
        specs: Mapping[str, Mapping[str, Any]],
        shared: Mapping[str, list[str]],
    ) -> dict[str, list[str]]:
        aliases: dict[str, list[str]] = {}

        def add(name: str, slug: str) -> None:
            key = clean_text(name)
            if key and slug in self.products:
                aliases[key] = [slug]

        # Weakest first: endoflife.date's own names, then curated aliases, then shared names.
        known = lifecycle_products()
        titles = dict(lifecycle.group_by("product").agg(pl.col("title").first()).rows())
        for slug in self.products:
            add(slug, slug)
            add(slug.replace("-", " "), slug)
            add(str(titles.get(slug) or ""), slug)
        for slug, names in known.select("product", "alternate_names").rows():
            for name in names:
                add(name, slug)
        for slug, spec in specs.items():
            for name in as_list(spec.get("aliases")):
                add(name, slug)
        for name, slugs in shared.items():
            present = [s for s in slugs if s in self.products]
            if present:
                aliases[name] = present
        return aliases

    def match(self, product: str | None, version: str | None = None, kind: str | None = None) -> Match | None:
        """Resolve one component given as product text and optional version text."""
        text = " ".join(part for part in (product, version) if part)
        tokens = clean_text(text).split()
        if not tokens:
            return None
        found = self._prefix(tokens)
        if found is None:
            found = self._fuzzy(tokens)
        if found is None:
            return None
        slugs, rest, how = found
        return self._resolve(slugs, rest, kind, how)

    def find(self, text: str | None) -> list[tuple[str, Match]]:
        """Products with a version named anywhere in free text ("Oracle 10g", "Runs on Windows Server
        2012 R2 and SQL Server 2014"): (the words matched, the match) for each one whose version
        picks a release. Known names only, no fuzzy spelling: free text is not a components column.
        """
        if not text or not _DIGIT.search(text):
            return []
        tokens = clean_text(text).split()
        found: list[tuple[str, Match]] = []
        i = 0
        while i < len(tokens):
            if tokens[i] not in self.first_tokens:
                i += 1
                continue
            hit = self._prefix(tokens[i : i + self.longest_alias + 3])
            if hit is None:
                i += 1
                continue
            slugs, rest, _how = hit
            used = len(tokens[i : i + self.longest_alias + 3]) - len(rest)
            version = []
            for token in rest:  # the version: tokens up to the first plain word
                if any(ch.isdigit() for ch in token) or token in ("r2", "sp1", "sp2", "sp3", "lts", "g", "c"):
                    version.append(token)
                else:
                    break
            match = self._resolve(slugs, version, None, "alias") if version else None
            if match is not None and match.release_cycle is not None:
                words = " ".join(tokens[i : i + used + len(version)])
                found.append(
                    (
                        words,
                        Match(
                            match.product_slug, match.release_cycle, match.confidence, "text+" + match.method
                        ),
                    )
                )
                i += used + len(version)
            else:
                i += max(used, 1)
        return found

    def _prefix(self, tokens: list[str]) -> tuple[list[str], list[str], str] | None:
        for n in range(min(self.longest_alias, len(tokens)), 0, -1):
            head = " ".join(tokens[:n])
            if head in self.aliases:
                return self.aliases[head], tokens[n:], "alias"
            glued = _GLUED.match(tokens[n - 1])
            if glued:
                head = " ".join([*tokens[: n - 1], glued.group(1)])
                if head in self.aliases:
                    return self.aliases[head], [glued.group(2), *tokens[n:]], "alias"
        return None

    def _fuzzy(self, tokens: list[str]) -> tuple[list[str], list[str], str] | None:
        """Near spellings ("Postgre SQL", "Micosoft SQL Server") of the name before the version."""
        cut = next((i for i, t in enumerate(tokens) if any(ch.isdigit() for ch in t)), len(tokens))
        name, rest = " ".join(tokens[:cut]), tokens[cut:]
        compact = name.replace(" ", "").replace(".", "")
        if compact in self.compact:
            return self.compact[compact], rest, "compact"
        if len(name) < 5:
            return None
        best = process.extractOne(name, list(self.aliases), scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
        return (self.aliases[best[0]], rest, "fuzzy") if best else None

    def _resolve(self, slugs: list[str], rest: list[str], kind: str | None, how: str) -> Match | None:
        wanted = KIND_CATEGORIES.get(kind or "")
        if wanted and len(slugs) > 1:
            fitting = [s for s in slugs if self.products[s].category in wanted | {"custom"}]
            slugs = fitting or slugs
        scale = {"alias": 1.0, "compact": 0.95, "fuzzy": 0.8}[how]
        fallback: Match | None = None
        for slug in slugs:
            product = self.products[slug]
            target = self.products[product.follows] if product.follows else product
            assert target.index is not None
            key = version_key(rest, target.index.words)
            if product.follows and product.versions is not None:
                if key and key not in product.versions:
                    fallback = fallback or Match(
                        target.slug, None, round(0.4 * scale, 3), f"{how}+unknown-version"
                    )
                    continue
                key = version_key(clean_text(product.versions[key]).split()) if key else ""
            if key and not target.index.accepts(key):
                continue  # "Oracle E-Business Suite", "SQL Server Reporting Services": not this product
            if not key:
                confidence = 0.5 if len(slugs) == 1 else 0.3
                fallback = fallback or Match(
                    target.slug, None, round(confidence * scale, 3), f"{how}+no-version"
                )
                continue
            resolved = target.index.resolve(key, lts="lts" in rest)
            if resolved:
                via = f"+follows-{product.slug}" if product.follows else ""
                return Match(
                    target.slug,
                    resolved.cycle,
                    round(resolved.confidence * scale, 3),
                    how + via + "+" + resolved.method,
                )
            fallback = fallback or Match(target.slug, None, round(0.4 * scale, 3), f"{how}+unknown-version")
        return fallback


def _best(*matches: Match | None) -> Match | None:
    """The match that names a release, then the most confident; the split text wins ties."""
    found = [m for m in matches if m is not None]
    return max(found, key=lambda m: (m.release_cycle is not None, m.confidence)) if found else None


def _alias_documents(aliases: str | Path | Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    documents: list[Mapping[str, Any]] = [bundled_yaml(ALIASES_FILE)]
    if aliases is not None:
        user = aliases if isinstance(aliases, Mapping) else read_user_yaml(aliases)
        if not isinstance(user, Mapping):
            raise ReferenceDataError(
                f"{aliases}: expected a mapping with 'products:' and/or 'shared_aliases:'",
                hint="See component_aliases.yaml in the package for the format",
            )
        documents.append(user)
    return documents


@functools.lru_cache(maxsize=1)
def default_matcher() -> ComponentMatcher:
    return ComponentMatcher(load_lifecycle(), _alias_documents(None))


def component_matcher(
    lifecycle: pl.DataFrame | None = None, aliases: str | Path | Mapping[str, Any] | None = None
) -> ComponentMatcher:
    """The matcher for a lifecycle table (default: bundled) and extra aliases (default: none)."""
    if lifecycle is None and aliases is None:
        return default_matcher()
    return ComponentMatcher(
        lifecycle if lifecycle is not None else load_lifecycle(), _alias_documents(aliases)
    )


def match_component(product: str | None, version: str | None = None, kind: str | None = None) -> Match | None:
    """Resolve one component with the bundled data: ("Windows Server", "2012 R2") -> windows-server 2012-r2."""
    return default_matcher().match(product, version, kind)


def find_components(
    texts: list[str],
    *,
    lifecycle: pl.DataFrame | None = None,
    aliases: str | Path | Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Products with a version named inside free texts (application names, descriptions): one row
    per text and product found, with text, raw (the words matched) and the match columns.
    """
    matcher = component_matcher(lifecycle, aliases)
    rows = [
        (text, words, m.product_slug, m.release_cycle, m.confidence, m.method)
        for text in texts
        for words, m in matcher.find(text)
    ]
    return pl.DataFrame(rows, schema={"text": pl.String, "raw": pl.String, **MATCH_COLUMNS}, orient="row")


def match_components(
    frame: pl.DataFrame,
    *,
    lifecycle: pl.DataFrame | None = None,
    aliases: str | Path | Mapping[str, Any] | None = None,
) -> pl.DataFrame:
    """Add lifecycle_product, release_cycle, match_confidence and match_method to a components frame.

    Reads `product` and, when present, `version`, `kind` and `raw` (the unsplit text, which keeps
    spellings a split can break: "Win2k8 R2", "jre8u291"). Each distinct combination is matched
    once, then joined back.
    """
    if "product" not in frame.columns and "raw" not in frame.columns:
        raise ReferenceDataError("match_components needs a 'product' or 'raw' column")
    matcher = component_matcher(lifecycle, aliases)
    keys = [c for c in ("product", "version", "kind", "raw") if c in frame.columns]
    distinct = frame.select(keys).unique(maintain_order=True)
    results = []
    for row in distinct.iter_rows(named=True):
        found = _best(
            matcher.match(row.get("product"), row.get("version"), row.get("kind")),
            matcher.match(row["raw"], None, row.get("kind")) if row.get("raw") else None,
        )
        results.append(
            (found.product_slug, found.release_cycle, found.confidence, found.method)
            if found
            else (None,) * 4
        )
    matched = pl.DataFrame(results, schema=MATCH_COLUMNS, orient="row")
    lookup = pl.concat([distinct, matched], how="horizontal")
    return frame.join(lookup, on=keys, how="left", nulls_equal=True, maintain_order="left")
