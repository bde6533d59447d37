"""Header evidence: what a column's label says it holds, before its values have a say.

A label is normalised ("Annual cost (£)" -> "annual cost") and matched against the schema's
aliases exactly, then fuzzily. Fuzzy matching offers several candidate fields per label, each
with a score; the values decide among them (`values.py`, `mapping.py`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from appconsol.schema import APPLICATION_FIELDS

FUZZY_THRESHOLD = 0.84

_PUNCT = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")


def normalise_header(text: str) -> str:
    """Lower-case, '&' as 'and', currency and punctuation as spaces: 'Annual cost (£)' -> 'annual cost'."""
    # camelCase and PascalCase keys (softwareName, lifecycle:phaseOut, AssetName) are words too.
    text = _CAMEL.sub(r"\1 \2", text.replace("\u00a0", " ")).lower().replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    words = [_SINGULAR.get(word, word) for word in text.split() if word not in {"gbp"}]
    return " ".join(_unglued(word) for word in words)


def _unglued(word: str) -> str:
    """Two header words written as one ("ANNUALCOST", "ENDDATE") apart again; others unchanged."""
    if len(word) < 6 or word in _header_words():
        return word
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if head in _header_words() and tail in _header_words():
            return f"{head} {_SINGULAR.get(tail, tail)}"
    return word


@functools.cache
def _header_words() -> frozenset[str]:
    """Words of three letters or more in the schema's field names and aliases."""
    words = set(_SINGULAR)
    for f in APPLICATION_FIELDS:
        for alias in (f.name.replace("_", " "), *f.aliases):
            words.update(w for w in _PUNCT.sub(" ", alias.lower()).split() if len(w) >= 3)
    return frozenset(words)


_SINGULAR = {"costs": "cost", "charges": "cost", "dates": "date", "owners": "owner"}


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in APPLICATION_FIELDS:
        for alias in (f.name.replace("_", " "), *f.aliases):
            index.setdefault(normalise_header(alias), f.name)
    return index


ALIASES: dict[str, str] = _alias_index()


def _blended_score(query: str, choice: str) -> float:
    """token_sort for near spellings, plus credit for a header that adds words to a whole alias
    ("Supplier (Primary EPR)" holds "supplier"), discounted less the more of the header the alias
    covers, so "annual cost hosting" prefers "hosting cost" to "hosting". Only that direction
    counts: a header that is part of an alias ("type" in "hosting type") says too little."""
    from rapidfuzz import fuzz

    score = fuzz.token_sort_ratio(query, choice)
    query_words, choice_words = query.split(), choice.split()
    if set(choice_words) <= set(query_words):
        coverage = len(choice_words) / max(1, len(query_words))
        score = max(score, (0.84 + 0.06 * coverage) * 100)
    return score


_ALIAS_KEYS = list(ALIASES)


@functools.lru_cache(maxsize=4096)
def best_alias(normalised: str) -> tuple[str | None, float]:
    """The alias closest to a normalised header, and its score 0..1.

    rapidfuzz's native scorers shortlist candidates; the blended score is computed in Python only
    for that shortlist, which keeps header detection on wide sheets in milliseconds.
    """
    from rapidfuzz import fuzz, process

    if not normalised:
        return None, 0.0
    shortlist = {
        hit[0]
        for hit in process.extract(
            normalised, _ALIAS_KEYS, scorer=fuzz.token_set_ratio, limit=8, score_cutoff=70
        )
    }
    shortlist |= {
        hit[0] for hit in process.extract(normalised, _ALIAS_KEYS, scorer=fuzz.token_sort_ratio, limit=3)
    }
    if not shortlist:
        return None, 0.0
    # Ties go to the alias listed first in the schema, as extractOne would.
    alias = max(
        sorted(shortlist, key=_ALIAS_KEYS.index), key=lambda choice: _blended_score(normalised, choice)
    )
    return alias, round(_blended_score(normalised, alias) / 100, 2)


def _fuzzy_match(normalised: str) -> tuple[str | None, float]:
    alias, score = best_alias(normalised)
    return (ALIASES[alias] if alias else None), score


@dataclass(frozen=True)
class Candidate:
    """A field a column may hold, on its header's evidence alone (0..1), and where that came from."""

    field: str
    score: float
    method: str  # profile, alias, fuzzy, known


@functools.lru_cache(maxsize=8192)
def fuzzy_candidates(normalised: str, limit: int = 3) -> tuple[Candidate, ...]:
    """Up to `limit` fields whose aliases a label resembles, best first, above the threshold."""
    from rapidfuzz import fuzz, process

    if not normalised or len(normalised) > 60:
        return ()
    shortlist = {
        hit[0]
        for hit in process.extract(
            normalised, _ALIAS_KEYS, scorer=fuzz.token_set_ratio, limit=10, score_cutoff=70
        )
    }
    shortlist |= {
        hit[0] for hit in process.extract(normalised, _ALIAS_KEYS, scorer=fuzz.token_sort_ratio, limit=3)
    }
    best: dict[str, float] = {}
    words = {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in normalised.split()}
    for alias in sorted(shortlist, key=_ALIAS_KEYS.index):
        score = round(_blended_score(normalised, alias) / 100, 2)
        fld = ALIASES[alias]
        alias_words = set(alias.split())
        if words & _NOT_FOR.get(fld, frozenset()) - alias_words:
            continue  # "Machine name" is not the application's name; "Number of servers" no user count
        if not alias_words <= words and any(ALIASES.get(w, fld) != fld for w in words - alias_words):
            # A near spelling whose differing word names another field is that field's header:
            # "Application Name" resembles "application owner", but "name" is the name's word.
            continue
        if normalised.split()[-1] in alias_words and score < 1.0:
            # Under a group ("Annual costs (£) Hosting") the last word is the column's own label:
            # an alias that holds it (hosting cost) says more than one that only holds the group's.
            score = min(1.0, score + 0.02)
        if score >= FUZZY_THRESHOLD and score > best.get(fld, 0.0):
            best[fld] = score
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], _FIELD_ORDER[kv[0]]))
    return tuple(Candidate(fld, score, "fuzzy") for fld, score in ranked[:limit])


_FIELD_ORDER = {f.name: i for i, f in enumerate(APPLICATION_FIELDS)}

# Words that, beside a field's alias, say the column is about something else: a resemblance to
# "name" or "users" is no evidence when the header names another thing or an attribute.
_ATTRIBUTE_WORDS = {
    *("type", "category", "class", "kind", "status", "state", "version", "id", "identifier", "code"),
    *("number", "no", "ref", "reference", "count", "date", "owner", "contact", "email", "e", "mail"),
    *("vendor", "supplier", "publisher", "manufacturer", "cost", "licence", "license", "url", "link"),
    *("description", "notes", "team", "department", "group", "manager", "lead"),
}
_OTHER_THINGS = {
    *("machine", "server", "host", "hostname", "asset", "device", "computer", "vm", "node", "instance"),
    *("database", "db", "file", "site", "location", "user", "person", "contract", "project", "display"),
}
_NOT_FOR: dict[str, frozenset[str]] = {
    # An asset register's "Asset name" is the application's name (TOPdesk); a machine's asset
    # name (Lansweeper) is told apart by its values (see values._name_fit).
    "name": frozenset(_ATTRIBUTE_WORDS | _OTHER_THINGS - {"display", "asset"}),
    "user_count": frozenset(_OTHER_THINGS - {"user", "person"} | {"cpu", "core", "licence", "license"}),
    "licensed_users": frozenset(_OTHER_THINGS - {"user", "person"} | {"cpu", "core"}),
    "app_id": frozenset(
        {"name", "description", "owner", "date", "cost", "type", "version", "of", "count", "total"}
    ),
    # A date's words ("Subscription End", "Licence Expiry Date") make a column a date, not a cost.
    **dict.fromkeys(
        ("cost_licence", "cost_support", "cost_hosting", "cost_staff", "cost_other", "cost_total"),
        frozenset({"date", "expiry", "expire", "end", "start", "renewal", "due", "term", "period", "type"}),
    ),
}
