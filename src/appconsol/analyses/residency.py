"""Where is the data? A hosting-country text read against the UK GDPR adequacy list.

`country_status(text)` gives (country, status): `uk`, `adequate` (an adequacy regulation covers
the whole country), `partial` (it covers only some recipients, e.g. the US Data Privacy
Framework), `not-adequate`, or `unknown` (blank, or no country recognised). The list is
`reference/data/uk_adequacy.yaml`; see its header for the regulations it comes from.

Names and long aliases are found anywhere in the text as whole words ("Azure UK South",
"Dublin, Ireland"); two- and three-letter codes only when they are the whole text or written in
capitals ("Hosted in US"), so the English words "in", "it" or "no" never name a country. When a
text names several countries the worst status wins.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from appconsol.reference.resources import bundled_yaml

ADEQUACY_FILE = "uk_adequacy.yaml"
STATUS_ORDER = ("not-adequate", "partial", "unknown", "adequate", "uk")  # worst first


@dataclass(frozen=True)
class Country:
    name: str
    status: str  # uk, adequate, partial, not-adequate
    condition: str | None = None


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


@functools.lru_cache(maxsize=8)
def _index(extra_adequate: tuple[str, ...]) -> tuple[dict[str, Country], dict[str, Country], int]:
    """(long names, short codes, longest name in words); `extra_adequate` upgrades partial countries."""
    document = bundled_yaml(ADEQUACY_FILE)
    extra = {_fold(e) for e in extra_adequate}
    long_names: dict[str, Country] = {}
    codes: dict[str, Country] = {}
    entries = [(e, True) for e in document.get("adequate", [])] + [
        (e, False) for e in document.get("not_adequate", [])
    ]
    for entry, adequate in entries:
        names = [str(entry["name"]), *(str(a) for a in entry.get("aliases", []))]
        scope = entry.get("scope")
        status = (
            "uk"
            if scope == "home"
            else "adequate"
            if scope == "full"
            else "partial"
            if adequate
            else "not-adequate"
        )
        if status == "partial" and any(_fold(n) in extra for n in names):
            status = "adequate"
        country = Country(str(entry["name"]), status, entry.get("condition"))
        for name in names:
            key = _fold(name)
            if len(key.replace(" ", "")) <= 3:
                codes[key.replace(" ", "")] = country
            else:
                long_names[key] = country
    longest = max(len(k.split()) for k in long_names)
    return long_names, codes, longest


def country_status(text: str | None, extra_adequate: Iterable[str] = ()) -> tuple[str | None, str]:
    """(country name or None, status) for a hosting-country text."""
    if text is None or not text.strip():
        return None, "unknown"
    long_names, codes, longest = _index(tuple(sorted(extra_adequate)))
    folded = _fold(text)
    if folded in long_names:
        return long_names[folded].name, long_names[folded].status
    compact = folded.replace(" ", "")
    if compact in codes and len(compact) <= 3:
        return codes[compact].name, codes[compact].status
    found: list[Country] = []
    tokens = folded.split()
    i = 0
    while i < len(tokens):
        for n in range(min(longest, len(tokens) - i), 0, -1):
            phrase = " ".join(tokens[i : i + n])
            if phrase in long_names:
                found.append(long_names[phrase])
                i += n
                break
        else:
            i += 1
    for word in re.findall(r"[A-Za-z]+", text):
        if word.isupper() and word.lower() in codes:
            found.append(codes[word.lower()])
    if not found:
        return None, "unknown"
    worst = min(found, key=lambda c: (STATUS_ORDER.index(c.status), c.name))
    return worst.name, worst.status
