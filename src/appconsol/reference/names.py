"""Normalise vendor and product names so that spellings across organisations meet.

"Civica UK Limited" -> "civica"; "IDOX Uniform 10" -> "idox uniform"; "Uniform (Idox)" ->
"uniform" with "idox" aside. These are the keys that aliases and fuzzy matching compare.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from appconsol.reference.resources import as_list

# Tokens that say how a product is bought or run, not which product it is.
PRODUCT_NOISE = frozenset(
    {
        *("saas", "hosted", "onpremise", "onprem", "premise", "premises", "edition", "licence"),
        *("license", "licences", "licenses", "subscription", "version", "ver", "release", "milestone"),
        *("upgrade", "e1", "e3", "e5", "f1", "f3", "a1", "a3", "a5", "g1", "g3", "g5", "x64", "x86"),
    }
)
# Versions: "10", "10.6", "v2", "2019", "r2", "sp3"; three-digit numbers stay ("365", "360").
_VERSION_TOKEN = re.compile(r"^(?:v?\d{1,2}(?:\.\d+)*[a-z]?|v?\d+(?:\.\d+)+|v\d+|(?:19|20)\d\d|r\d|sp\d+)$")


_X_VERSION = re.compile(r"(\d)\.[xX]\b")  # "8.x" -> "8"
_MARKS = re.compile(r"\((?:r|tm|c)\)")
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_PUNCTUATION = re.compile(r"[^a-z0-9.]+")
_STRAY_DOTS = re.compile(r"(?<!\d)\.|\.(?!\d)")


def fold(text: str) -> str:
    """Lower case, accents dropped, "&"/"+" as "and", punctuation as spaces, spaces collapsed.

    Folded word by word (between plain spaces), each distinct word once: every step of folding
    sees a plain space as the end of a word, so the words fold the same apart as together.
    """
    words = text.split(" ")
    if len(words) == 1:
        return _fold_word(text)
    return " ".join([folded for folded in map(_fold_word, words) if folded])


@functools.lru_cache(maxsize=200_000)  # folded once per distinct word: a portfolio repeats its words
def _fold_word(word: str) -> str:
    return fold_text(word)


def fold_text(text: str) -> str:
    """`fold` of a whole text at once (what `fold` does word by word)."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    t = _MARKS.sub(" ", t)
    t = t.replace("&", " and ").replace("+", " and ")
    t = _POSSESSIVE.sub("s", t)  # "Adults' / Children's" -> "adults", "childrens"
    t = _PUNCTUATION.sub(" ", t)
    t = _STRAY_DOTS.sub(" ", t)  # keep dots only inside numbers ("10.6")
    return " ".join(t.split())


def split_brackets(text: str) -> tuple[str, list[str]]:
    """("Uniform (Idox)") -> ("Uniform", ["Idox"])."""
    inner = re.findall(r"[(\[]([^)\]]*)[)\]]", text)
    outer = re.sub(r"[(\[][^)\]]*[)\]]", " ", text)
    return outer, [part for part in inner if part.strip()]


def product_tokens(text: str) -> list[str]:
    """A product name's tokens without versions and packaging words."""
    return [
        t
        for t in fold(_X_VERSION.sub(r"\1", text)).split()
        if not _VERSION_TOKEN.match(t) and t not in PRODUCT_NOISE
    ]


def is_version(token: str) -> bool:
    return bool(_VERSION_TOKEN.match(token))


def filter_tokens(folded: list[str]) -> list[str]:
    """Folded tokens without versions ("8.x" is "8") and packaging words."""
    # Every version pattern has a digit, so an all-letter word skips the regex.
    return [
        t
        for t in folded
        if t not in PRODUCT_NOISE and t != "x" and (t.isalpha() or not _VERSION_TOKEN.match(t))
    ]


_RAW_VERSION = re.compile(r"^[vV]?\d[\d.]*[xX]?$|^(?:19|20)\d\d$|^[rR]\d$|^[sS][pP]\d+$")


def display_name(text: str, *, vendor_words: set[str]) -> str:
    """A product name as people write it, without versions, a bracketed vendor or a trailing one.

    "Keystone (Civica) 5.2" -> "Keystone"; "Keystone - Civica" -> "Keystone"; "CIVICA Keystone"
    stays (the most common spelling of a cluster is its label, so it rarely wins).
    """
    outer, brackets = split_brackets(text) if "(" in text or "[" in text else (text, [])
    words = kept_words(outer.split())
    while len(words) > 1 and (words[-1] in ("-", "\u2013", "\u2014") or words[-1].lower() in vendor_words):
        words.pop()
    kept = [b.strip() for b in brackets if not set(fold(b).split()) <= vendor_words]
    return " ".join(words + [f"({b})" for b in kept if b]).strip(" -")


_KEPT_WORDS: dict[str, bool] = {}  # word -> not a version or packaging word (names repeat words)


def _kept_word(word: str) -> bool:
    kept = _KEPT_WORDS.get(word)
    if kept is None:
        if len(_KEPT_WORDS) > 200_000:
            _KEPT_WORDS.clear()
        kept = _KEPT_WORDS[word] = not _RAW_VERSION.match(word) and word.lower() not in PRODUCT_NOISE
    return kept


def kept_words(words: list[str]) -> list[str]:
    """The words that are no version or packaging word (straight from the cache when all are in it)."""
    try:
        return [w for w in words if _KEPT_WORDS[w]]
    except KeyError:
        return [w for w in words if _kept_word(w)]


def slug(tokens: Iterable[str]) -> str:
    return "-".join(tokens).replace(".", "-")


@dataclass
class VendorNames:
    """Known vendors' aliases and the suffix words cut from unknown vendors' names."""

    aliases: dict[str, str] = field(default_factory=dict)  # folded alias -> vendor key
    names: dict[str, str] = field(default_factory=dict)  # vendor key -> display name
    parents: dict[str, str] = field(default_factory=dict)
    legal: frozenset[str] = frozenset()
    descriptors: frozenset[str] = frozenset()
    placeholders: list[tuple[str, re.Pattern[str]]] = field(default_factory=list)
    longest: int = 1

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, Any]]) -> VendorNames:
        names = cls()
        legal: set[str] = set()
        descriptors: set[str] = set()
        for document in documents:
            legal.update(fold(word) for word in as_list(document.get("legal_suffixes")))
            descriptors.update(fold(word) for word in as_list(document.get("descriptor_suffixes")))
            for key, patterns in (document.get("placeholders") or {}).items():
                names.placeholders += [(str(key), re.compile(p)) for p in as_list(patterns)]
            for key, spec in (document.get("vendors") or {}).items():
                spec = spec or {}
                names.names[str(key)] = str(spec.get("name") or key)
                if spec.get("parent"):
                    names.parents[str(key)] = str(spec["parent"])
                for alias in [str(key), *as_list(spec.get("aliases"))]:
                    names.aliases[fold(alias)] = str(key)
        names.legal, names.descriptors = frozenset(legal), frozenset(descriptors)
        names.longest = max((len(a.split()) for a in names.aliases), default=1)
        return names

    def placeholder(self, folded: str) -> str | None:
        """ "in-house", "none" (or a user's own placeholder key) when the text names no vendor."""
        for key, pattern in self.placeholders:
            if pattern.search(folded):
                return key
        return None

    def core(self, folded: str) -> tuple[str, str | None]:
        """(name with suffixes cut, known vendor key or None): "civica uk limited" -> ("civica", "civica")."""
        tokens = folded.split()
        if tokens and tokens[0] == "the" and len(tokens) > 1:
            tokens = tokens[1:]
        while True:
            text = " ".join(tokens)
            if text in self.aliases:
                return text, self.aliases[text]
            if len(tokens) > 1 and (tokens[-1] in self.legal or tokens[-1] in self.descriptors):
                tokens = tokens[:-1]
            else:
                return text, None

    def prefix(self, tokens: list[str]) -> tuple[str, int] | None:
        """A known vendor named by the first tokens of a product name: (vendor key, tokens used)."""
        for n in range(min(self.longest, len(tokens)), 0, -1):
            key = self.aliases.get(" ".join(tokens[:n]))
            if key:
                return key, n
        return None

    def related(self, a: str | None, b: str | None) -> bool:
        """Same vendor, or one owns the other (Liquidlogic is System C's)."""
        if a is None or b is None:
            return False
        return a == b or self.parents.get(a) == b or self.parents.get(b) == a
