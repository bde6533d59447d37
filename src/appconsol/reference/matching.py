"""Match product names within a vendor block and cluster them, with explicit thresholds.

A product name reaches this module as its *core*: folded tokens without versions, packaging words,
the vendor's own name or legal suffixes (`appconsol.reference.products` does that). Two cores of
one block are compared by, strongest first:
- the same letters once spaces are gone ("Care Flow" = "CareFlow");
- containment: every token of one is in the other and they share a distinctive token
  ("Cito" and "Cito Document Management");
- an acronym: one core (or the token they do not share) is the initials of the other
  ("SCCM" = "System Center Configuration Manager", "Sybase ASE" = "Sybase Adaptive Server
  Enterprise"), with or without the vendor's name ("RHEL", "VBR");
- a near spelling: character similarity (rapidfuzz ratio) of at least `CHAR_CUTOFF` on names of
  `MIN_CHAR_LENGTH` letters or more ("SystmOne" and "System One"), or one name the other plus
  digits ("iServer365").
Links are taken strongest first into clusters (union-find). A must-not-link guard keeps two
clusters apart when any two of their members name different things: each has a distinctive token
the other lacks, and they are neither near spellings nor acronyms of each other ("Sybase ASE" and
"Sybase PowerBuilder" never meet through a bare "Sybase"; "SQL Server" and "Exchange Server"
share only a generic word). Two different curated products never merge either.

Only names of up to `MAX_COMPARED_WORDS` words are compared pairwise, and a block's pairs are
found through token and acronym indexes, so the work grows with the number of names sharing a
token, not with the square of a vendor's portfolio.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

CHAR_CUTOFF = 90.0  # rapidfuzz ratio (0-100) for near spellings
MIN_CHAR_LENGTH = 5  # letters, spaces removed
MAX_COMPARED_WORDS = 4
MAX_SPELLING_BLOCK = 4000  # short names of one vendor compared by characters (C, all pairs)
MAX_GROUP = 16  # a word or form shared by more names of one vendor tells them apart from nothing
MIN_DISTINCTIVE_LENGTH = 3
SCORES = {"compact": 1.0, "contains": 0.95, "acronym": 0.9, "digits": 0.9}
# Words that say what kind of product something is, not which one: sharing only these is no link.
GENERIC = frozenset(
    {
        *("server", "servers", "database", "desktop", "suite", "system", "management", "manager", "online"),
        *("cloud", "enterprise", "standard", "professional", "express", "client", "portal", "web", "app"),
        *("application", "software", "platform", "data", "center", "centre", "service", "services", "core"),
        *("mobile", "lab", "epr", "ehr", "email", "secure", "gateway", "records", "record", "document"),
        *("documents", "the", "and", "for", "of", "with", "hub", "module", "modules", "solution"),
        *("solutions", "plus", "pro", "edition", "windows", "linux", "hosted", "saas", "live", "connect"),
        *("professional", "reports", "reporting", "analytics", "workspace", "manager", "admin", "tools"),
    }
)
_SKIPPED_INITIALS = frozenset({"and", "of", "for", "the", "a", "to", "in", "on"})


def distinctive(tokens: Sequence[str]) -> set[str]:
    return {t for t in tokens if len(t) >= MIN_DISTINCTIVE_LENGTH and t not in GENERIC and not t.isdigit()}


def initials(tokens: Sequence[str]) -> str:
    return "".join(t[0] for t in tokens if t not in _SKIPPED_INITIALS and t)


@dataclass
class Name:
    """One distinct core in a block: its tokens, the vendor's tokens, weight and curated key."""

    core: str
    vendor_tokens: tuple[str, ...] = ()
    weight: int = 1
    curated: str | None = None  # a curated product key it resolved to, if any

    def __post_init__(self) -> None:
        self.tokens = tuple(self.core.split())
        self.compact = self.core.replace(" ", "")
        own = "".join(self.vendor_tokens)
        # The same name with and without its vendor glued on: "EpicCare" meets "Epic Care" (whose
        # vendor word was cut) and "Care" with vendor Epic.
        self.forms = {self.compact}
        if own:
            self.forms.add(own + self.compact)
            if self.compact.startswith(own) and len(self.compact) - len(own) >= 3:
                self.forms.add(self.compact[len(own) :])
        parts = {"".join(self.tokens[:n]) for n in range(1, len(self.tokens))}
        parts |= {"".join(self.tokens[n:]) for n in range(1, len(self.tokens))}
        self.parts = parts | ({own + p for p in parts} if own else set())
        self.distinct = distinctive(self.tokens)
        self.acronyms = {
            a for a in (initials(self.tokens), initials(self.vendor_tokens + self.tokens)) if len(a) >= 2
        }
        # A short single word ("SCCM", "EBS") may be an acronym: its letters say nothing against a
        # longer name, so the guard does not judge it.
        self.opaque = len(self.tokens) == 1 and len(self.compact) <= 5


def link_score(a: Name, b: Name) -> tuple[float, str] | None:
    """How strongly two cores of one block name the same product, and why; None when they do not."""
    if a.forms & b.forms:
        return SCORES["compact"], "compact"
    sa, sb = set(a.tokens), set(b.tokens)
    shared = sa & sb
    rest_a = [t for t in a.tokens if t not in shared]
    rest_b = [t for t in b.tokens if t not in shared]
    # One name inside the other: on a distinctive word ("Cito" in "Cito Document Management"), or
    # adding only generic words ("EPR" and "Mobile EPR" of one vendor).
    if (
        shared
        and (not rest_a or not rest_b)
        and (distinctive(list(shared)) or not distinctive(rest_a + rest_b))
    ):
        return SCORES["contains"], "contains"
    # "Care Centric" in "CareCentric Population Health", "Power Builder" in "Sybase PowerBuilder"
    if any(len(f) >= MIN_CHAR_LENGTH and f in b.parts for f in a.forms) or any(
        len(f) >= MIN_CHAR_LENGTH and f in a.parts for f in b.forms
    ):
        return SCORES["contains"], "contains"
    if (len(a.tokens) == 1 and a.compact in b.acronyms) or (len(b.tokens) == 1 and b.compact in a.acronyms):
        return SCORES["acronym"], "acronym"
    if shared and (
        (len(rest_a) == 1 and len(rest_b) > 1 and rest_a[0] == initials(rest_b))
        or (len(rest_b) == 1 and len(rest_a) > 1 and rest_b[0] == initials(rest_a))
    ):
        return SCORES["acronym"], "acronym"
    shorter, longer = sorted((a.compact, b.compact), key=len)
    if len(shorter) >= MIN_CHAR_LENGTH and longer.startswith(shorter) and longer[len(shorter) :].isdigit():
        return SCORES["digits"], "digits"
    if min(len(a.compact), len(b.compact)) >= MIN_CHAR_LENGTH:
        ratio = fuzz.ratio(a.compact, b.compact, score_cutoff=CHAR_CUTOFF)
        if ratio:
            return round(ratio / 100, 4), "spelling"
    return None


def must_not_link(a: Name, b: Name) -> bool:
    """True when two cores name different products (see the module docstring)."""
    if a.curated and b.curated and a.curated != b.curated:
        return True
    if a.opaque or b.opaque or not a.distinct or not b.distinct:
        return False
    if not (a.distinct - b.distinct) or not (b.distinct - a.distinct):
        return False
    if any(f in g for f in a.forms for g in b.forms) or any(g in f for f in a.forms for g in b.forms):
        return False
    return link_score(a, b) is None


def _index(names: Sequence[Name]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """Exact keys (forms, acronyms, first words + initials of the rest, digits cut) and words."""
    by_key: dict[str, list[int]] = defaultdict(list)
    by_token: dict[str, list[int]] = defaultdict(list)
    for i, name in enumerate(names):
        for form in name.forms:
            by_key["=" + form].append(i)
        for acronym in name.acronyms:
            by_key["#" + acronym].append(i)
        for token in set(name.tokens):
            by_token[token].append(i)
        for k in range(1, len(name.tokens) - 1):  # "sybase | adaptive server enterprise"
            by_key["^" + " ".join(name.tokens[:k]) + "|" + initials(name.tokens[k:])].append(i)
        digits = name.compact.rstrip("0123456789")
        if digits != name.compact and len(digits) >= MIN_CHAR_LENGTH:
            by_key["=" + digits].append(i)
    return by_key, by_token


def _lookups(
    name: Name,
    by_key: dict[str, list[int]],
    by_token: dict[str, list[int]],
    i: int,
    token_sets: list[set[str]],
) -> set[int]:
    """Names one name may link to through a key of its own: a part, an acronym, words inside."""
    found: set[int] = set()
    if not name.tokens:  # a curated product named by its vendor alone ("-" from Jadu): no word to look up
        return found
    for part in name.parts:
        found.update(by_key.get("=" + part, ())[:MAX_GROUP])
    if len(name.tokens) == 1:
        found.update(by_key.get("#" + name.compact, ())[:MAX_GROUP])
    else:
        found.update(by_key.get("^" + " ".join(name.tokens[:-1]) + "|" + name.tokens[-1], ())[:MAX_GROUP])
    rarest = min(set(name.tokens), key=lambda t: (len(by_token[t]), t))
    group = by_token[rarest]
    if len(group) <= MAX_GROUP * 4:
        own = set(name.tokens)
        found.update(j for j in group if j != i and own < token_sets[j])
    return found


def _candidates(names: Sequence[Name]) -> set[tuple[int, int]]:
    """Pairs worth scoring, found through exact keys only (no all-pairs loop in Python).

    Equal forms, a form that is a part of another name, acronyms, one name's words inside
    another's (through its rarest word), a shared first word with an acronym for the rest, and
    near spellings of short names (rapidfuzz cdist, in C).
    """
    by_key, by_token = _index(names)
    pairs: set[tuple[int, int]] = set()
    for group in by_key.values():
        if 1 < len(group) <= MAX_GROUP:
            pairs.update((x, y) for n, x in enumerate(group) for y in group[n + 1 :] if x < y)
            pairs.update((y, x) for n, x in enumerate(group) for y in group[n + 1 :] if y < x)
    token_sets = [set(n.tokens) for n in names]
    for i, name in enumerate(names):
        for j in _lookups(name, by_key, by_token, i, token_sets):
            if i != j:
                pairs.add((i, j) if i < j else (j, i))
    pairs.update(_near_spellings(names))
    return pairs


def _near_spellings(names: Sequence[Name]) -> set[tuple[int, int]]:
    short = [i for i, n in enumerate(names) if len(n.tokens) <= 2 and len(n.compact) >= MIN_CHAR_LENGTH]
    if not 1 < len(short) <= MAX_SPELLING_BLOCK:
        return set()
    from rapidfuzz import process

    compact = [names[i].compact for i in short]
    scores = process.cdist(compact, compact, scorer=fuzz.ratio, score_cutoff=CHAR_CUTOFF, workers=1)
    return {(short[int(x)], short[int(y)]) for x, y in zip(*scores.nonzero(), strict=True) if x < y}


def cluster(names: Sequence[Name]) -> list[int]:
    """A cluster number per name (the smallest index in its cluster); deterministic."""
    parent = list(range(len(names)))
    members: dict[int, list[int]] = {i: [i] for i in range(len(names))}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    links = []
    for i, j in sorted(_candidates(names)):
        scored = link_score(names[i], names[j])
        if scored:
            links.append((-scored[0], names[i].core, names[j].core, i, j))
    for _score, _a, _b, i, j in sorted(links):
        ri, rj = root(i), root(j)
        if ri == rj:
            continue
        if any(must_not_link(names[x], names[y]) for x in members[ri] for y in members[rj]):
            continue
        keep, gone = min(ri, rj), max(ri, rj)
        parent[gone] = keep
        members[keep].extend(members.pop(gone))
    return [root(i) for i in range(len(names))]


def attach(orphans: Sequence[Name], named: Sequence[tuple[Name, str]]) -> list[str | None]:
    """For names seen without a vendor: the one product key (of `named`, names with a vendor) they
    link to, or None when none or several products do ("SQL Server Standard" -> Microsoft's).
    """
    index: dict[str, list[int]] = defaultdict(list)
    for i, (name, _key) in enumerate(named):
        for token in name.distinct:
            index[token].append(i)
        for form in name.forms:
            index["=" + form].append(i)
        for acronym in name.acronyms:
            index["#" + acronym].append(i)
    out: list[str | None] = []
    for orphan in orphans:
        candidates: set[int] = set()
        for token in orphan.distinct:
            group = index.get(token, [])
            if len(group) <= MAX_GROUP:
                candidates.update(group)
        for form in orphan.forms | orphan.parts:
            candidates.update(index.get("=" + form, []))
        if len(orphan.tokens) == 1:
            candidates.update(index.get("#" + orphan.compact, []))
        keys = {named[i][1] for i in sorted(candidates) if link_score(orphan, named[i][0])}
        out.append(keys.pop() if len(keys) == 1 else None)
    return out
