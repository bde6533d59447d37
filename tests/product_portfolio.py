"""A generated multi-body portfolio with every product family of `fixtures/products/families.yaml`
spelled at least eight ways, and the measures of cross-body product resolution on it.

Spellings (deterministic, no randomness): the vendor's legal name, upper case, with Ltd / Limited /
UK / Group plc / ", Inc." suffixes; the product with the vendor in brackets, before it or after a
dash; lower case; versions ("10", "2019", "v5.2"); the product only in the name column; each of
the family's other names (acronyms, former names). Rows go to eight bodies in turn.

Measures, over pairs of rows in different bodies:
- recall: of the pairs of one family, the share resolved to one product key;
- precision: of the pairs resolved to one product key, the share of one family;
- merged families: product keys holding rows of two or more families of one vendor.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

FAMILIES_FILE = Path(__file__).resolve().parent / "fixtures" / "products" / "families.yaml"
BODIES = 8
VERSIONS = ("10", "2019", "v5.2", "8.x", "2016")


@dataclass(frozen=True)
class Spelling:
    family: str
    organisation: str
    vendor: str | None
    product: str | None
    name: str


def families() -> list[dict[str, Any]]:
    return list(yaml.safe_load(FAMILIES_FILE.read_text(encoding="utf-8"))["families"])


def _with_vendor(short: str, product: str) -> str:
    return product if product.lower().startswith(short.lower()) else f"{short} {product}"


def spellings_of(family: dict[str, Any]) -> list[tuple[str | None, str | None, str]]:
    """(vendor, product, name) spellings of one family: at least eight distinct ones."""
    legal, v, p = family["vendor"], family["short"], family["product"]
    out: list[tuple[str | None, str | None, str]] = [
        (legal, p, p),
        (v.upper(), p, p),
        (f"{v} Ltd", f"{p} ({v})", f"{p} ({v})"),
        (None, _with_vendor(v, p), _with_vendor(v, p)),
        (v.lower(), f"{p} {VERSIONS[0]}", f"{p} {VERSIONS[0]}"),
        (f"{v} Limited", _with_vendor(v.upper(), p), _with_vendor(v.upper(), p)),
        (f"{v} UK", p.lower(), p.lower()),
        (f"{v} Group plc", f"{p} - {v}", f"{p} - {v}"),
        (f"{v}, Inc.", f"{p} {VERSIONS[2]}", f"{p} {VERSIONS[2]}"),
        (legal, None, f"{_with_vendor(v, p)} {VERSIONS[1]}"),
    ]
    for i, alias in enumerate(family.get("aliases") or []):
        vendor = (legal, v, None, f"{v} (UK) Ltd.")[i % 4]
        out.append((vendor, alias, alias))
    return list(dict.fromkeys(out))


def portfolio() -> list[Spelling]:
    rows: list[Spelling] = []
    for f_index, family in enumerate(families()):
        for s_index, (vendor, product, name) in enumerate(spellings_of(family)):
            body = f"Body {(f_index + s_index) % BODIES + 1}"
            rows.append(Spelling(family["id"], body, vendor, product, name))
    return rows


@dataclass
class Measures:
    recall: float
    precision: float
    true_pairs: int
    predicted_pairs: int
    merged: list[tuple[str, list[str]]]  # product key, families of one vendor it merges
    missed: list[tuple[str, str]]  # a sample of pairs (spellings) of one family left apart

    def __str__(self) -> str:
        return (
            f"cross-body product recall {self.recall:.3f} ({self.true_pairs} pairs), precision "
            f"{self.precision:.3f} ({self.predicted_pairs} pairs), families merged: {len(self.merged)}"
        )


def measure(rows: list[Spelling], keys: list[str | None]) -> Measures:
    """Pairwise cross-body recall and precision of product keys against the families."""
    family_of = {r.family: r.family.split("-")[0] for r in rows}
    true_pairs = found = predicted = correct = 0
    missed: list[tuple[str, str]] = []
    for (a, ka), (b, kb) in combinations(zip(rows, keys, strict=True), 2):
        if a.organisation == b.organisation:
            continue
        same_family = a.family == b.family
        same_key = ka is not None and ka == kb
        true_pairs += same_family
        found += same_family and same_key
        predicted += same_key
        correct += same_key and same_family
        if same_family and not same_key and len(missed) < 40:
            missed.append(
                (f"{a.vendor} | {a.product or a.name} -> {ka}", f"{b.vendor} | {b.product or b.name} -> {kb}")
            )
    by_key: dict[str, Counter[str]] = defaultdict(Counter)
    for row, key in zip(rows, keys, strict=True):
        if key is not None:
            by_key[key][row.family] += 1
    merged = []
    for key, counted in sorted(by_key.items()):
        vendors = Counter(family_of[f] for f in counted)
        if any(n > 1 for n in vendors.values()):
            merged.append((key, sorted(counted)))
    return Measures(
        recall=found / true_pairs if true_pairs else 1.0,
        precision=correct / predicted if predicted else 1.0,
        true_pairs=true_pairs,
        predicted_pairs=predicted,
        merged=merged,
        missed=missed,
    )
