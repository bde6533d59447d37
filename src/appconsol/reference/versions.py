"""Version text to a product's release cycle: "2012R2 Standard" -> windows-server "2012-r2".

A version is reduced to a key (lower case, hyphen-joined tokens, edition words dropped), then
compared with each release's cycle ("10.50-sp3") and label ("2008 R2 SP3", codename removed).
When several releases form a family (SQL Server 2014 RTM, SP1, SP2, SP3; Oracle 11g Release 1
and 2) a version that names the family takes the latest release: a product's published support
dates are its final service pack's, and an inventory that says "SQL Server 2014" means the product.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# Edition and packaging words that never change which release it is.
NOISE = frozenset(
    {
        *("standard", "std", "enterprise", "ent", "datacenter", "datacentre", "express", "web"),
        *("workgroup", "developer", "professional", "pro", "edition", "ed", "lts", "server"),
        *("version", "ver", "release", "rel", "update", "patch", "build", "and", "with", "x", "gdr"),
    }
)
DEFAULT_FAMILY = r"sp\d+[a-z]?|cu\d+|su\d+|ur\d+"
_V_PREFIX = re.compile(r"^v(?=\d)")
_X_SUFFIX = re.compile(r"(?:\.(?:x|\*))+$")
_GLUED_SUFFIX = re.compile(r"(?<=[0-9gci])(?=(?:r|sp|cu)\d+$)")  # "2012r2", "11gr2", "2019cu18"


_MARKS = re.compile(r"\((?:r|tm|c)\)|[®™©]")
_BITNESS = re.compile(r"\b(?:32|64)[ -]?bits?\b|\bx(?:64|86)\b|\bamd64\b|\bi[36]86\b")
_SERVICE_PACK = re.compile(r"\bservice\s*pack\s*(\d)")
_SPACED_PACK = re.compile(r"\b(sp|cu|su|ur)\s+(\d)")
_SPLIT_2K = re.compile(r"2k\s+(\d)")
_RELEASE = re.compile(r"\brelease\s*(\d)\b(?!\.)")
_PUNCTUATION = re.compile(r"[,;:()\[\]{}/\\|_'\"*!?]+")
_LOOSE_HYPHEN = re.compile(r"(?<!\w)-|-(?!\w)")
_FULL_STOP = re.compile(r"\.(?=\s|$)")


# Each distinct text cleaned once: reference names and inventories repeat themselves.
@functools.lru_cache(maxsize=200_000)
def clean_text(text: str) -> str:
    """Lower case, marks and bitness removed, punctuation to spaces; dots kept (they are versions)."""
    t = text.lower().replace("\u00a0", " ")
    t = _MARKS.sub(" ", t)
    t = _BITNESS.sub(" ", t)
    t = _SERVICE_PACK.sub(r"sp\1", t)
    t = _SPACED_PACK.sub(r"\1\2", t)  # "SP 3", "CU 18"
    t = _SPLIT_2K.sub(r"2k\1", t)  # "Win2k 8 R2" as a splitter leaves it
    t = _RELEASE.sub(r"r\1", t)  # "11g Release 2"; not "Release 19.3"
    t = _PUNCTUATION.sub(" ", t)
    t = _LOOSE_HYPHEN.sub(" ", t).replace("-", " ")
    t = _FULL_STOP.sub(" ", t)  # a full stop is not part of a version
    return " ".join(t.split())


def version_key(tokens: Iterable[str], words: frozenset[str] = frozenset()) -> str:
    """The comparable form of version tokens: ["2012R2", "Standard"] -> "2012-r2"."""
    out: list[str] = []
    for token in tokens:
        for part in _GLUED_SUFFIX.sub(" ", token.lower()).split():
            part = _V_PREFIX.sub("", part)
            part = _X_SUFFIX.sub("", part)  # "8.5.x"
            if part and (part not in NOISE or part in words):
                out.append(part)
    return "-".join(out)


@dataclass(frozen=True)
class Release:
    cycle: str
    keys: tuple[str, ...]  # cycle key, then label key when it differs
    release_date: dt.date | None
    lts: bool = False


@dataclass(frozen=True)
class Resolved:
    cycle: str
    method: str
    confidence: float


@dataclass
class CycleIndex:
    """One product's releases, ready to resolve version keys against."""

    product: str
    releases: list[Release]
    rules: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    family: re.Pattern[str] = field(default_factory=lambda: re.compile(DEFAULT_FAMILY))
    words: frozenset[str] = frozenset()  # alphabetic tokens that may start a version ("xp")
    reject: list[re.Pattern[str]] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        product: str,
        rows: Sequence[tuple[Any, ...]],
        title: str = "",
        *,
        rules: Sequence[Sequence[str]] = (),
        family_tokens: Sequence[str] = (),
        words: Sequence[str] = (),
        reject: Sequence[str] = (),
    ) -> CycleIndex:
        """From (cycle, label, codename, release date[, lts]) rows; `title` words are cut from labels."""
        title_words = clean_text(title).split()
        releases = []
        vocabulary = {w.lower() for w in words}
        for cycle, label, codename, released, *rest in rows:
            keys = [version_key(clean_text(cycle).split())]
            if label:
                if codename:
                    label = label.replace(codename, " ")
                tokens = clean_text(label).split()
                while tokens and title_words and tokens[0] in title_words:
                    tokens = tokens[1:]  # "Windows Server 2004 SAC" -> "2004 SAC"
                label_key = version_key(tokens)
                if label_key and label_key not in keys:
                    keys.append(label_key)
            for key in keys:
                vocabulary.update(t for t in key.split("-") if t.isalpha())
            releases.append(Release(cycle, tuple(keys), released, bool(rest and rest[0])))
        family = "|".join([DEFAULT_FAMILY, *family_tokens])
        return cls(
            product,
            releases,
            rules=[(re.compile(pattern), replacement) for pattern, replacement in rules],
            family=re.compile(f"(?:{family})"),
            words=frozenset(vocabulary),
            reject=[re.compile(pattern) for pattern in reject],
        )

    def accepts(self, key: str) -> bool:
        """Whether a version key can belong to this product: starts with a number or a known word."""
        if any(pattern.search(key) for pattern in self.reject):
            return False
        first = key.split("-", 1)[0]
        return any(ch.isdigit() for ch in first) or first in self.words

    def rewrite(self, key: str) -> str:
        for pattern, replacement in self.rules:
            if pattern.search(key):
                return pattern.sub(replacement, key, count=1)
        return key

    def resolve(self, key: str, *, lts: bool = False) -> Resolved | None:
        """The release a version key names, or None; see the module docstring for the order.

        `lts`: the text says LTS, so of several releases a bare major version could be, the one
        long-term-support release is meant ("Ubuntu 18.x LTS" -> 18.04).
        """
        key = self.rewrite(key)
        return self._resolve(key, 1.0, "", lts=lts or "lts" in key.split("-"))

    def _family(self, key: str) -> list[tuple[Release, str]]:
        found = []
        for release in self.releases:
            for release_key in release.keys:
                if release_key == key or (
                    release_key.startswith(key + "-")
                    and all(self.family.fullmatch(t) for t in release_key[len(key) + 1 :].split("-"))
                ):
                    found.append((release, release_key))
                    break
        return found

    def _pick(self, key: str, scale: float, note: str) -> Resolved | None:
        found = self._family(key)
        if not found:
            return None
        # The release cycle named exactly wins over cycles it is the start of: "Internet Explorer
        # 11" is cycle 11 (ended 2022), not the later "11-server".
        exact = [f for f in found if f[0].cycle.lower() == key]
        found = exact or found
        release, release_key = max(found, key=lambda f: (f[0].release_date or dt.date.min, f[0].cycle))
        if len(found) > 1:
            method, confidence = "latest-in-family", 0.9
        elif release_key == release.keys[0]:
            method, confidence = "exact", 1.0
        else:
            method, confidence = "label", 0.95
        return Resolved(release.cycle, method + note, round(confidence * scale, 3))

    def _resolve(self, key: str, scale: float, note: str, *, lts: bool = False) -> Resolved | None:
        if not key:
            return None
        found = self._pick(key, scale, note)
        if found:
            return found
        dotted = re.match(r"^(\d+(?:\.\d+)+)", key)
        if dotted:  # "7.9" -> "7", "9.0.54" -> "9.0"
            parts = dotted.group(1).split(".")
            for n in range(len(parts) - 1, 0, -1):
                found = self._pick(".".join(parts[:n]), scale * 0.95, note + "+truncated")
                if found:
                    return found
        if key.isdigit():  # "Tomcat 9" -> "9.0", only when one release fits
            wider = [r for r in self.releases if re.fullmatch(re.escape(key) + r"\.\d+", r.keys[0])]
            if len(wider) > 1 and lts:  # "Ubuntu 18.x LTS": the one long-term release of 18
                wider = [r for r in wider if r.lts]
            if len(wider) == 1:
                return self._pick(wider[0].keys[0], scale * 0.9, note + "+widened")
        if "-" in key:  # drop a trailing word or service pack the data does not list
            head, last = key.rsplit("-", 1)
            if not any(ch.isdigit() for ch in last) or self.family.fullmatch(last):
                return self._resolve(head, scale * 0.9, note + "+trimmed", lts=lts)
        return None
