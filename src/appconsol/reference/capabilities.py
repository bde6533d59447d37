"""A capability taxonomy, and mapping inventories' free-text capabilities onto it.

The default taxonomy is `capabilities.yaml` (UK local-government, NHS and fire capabilities with
the phrasings inventories use) followed by `capability_frameworks.csv` (APQC PCF and COFOG levels
1-2, derived by `build`). A text maps by, in order: an exact alias or name; the same words after
normalisation (synonyms, filler words, plurals and word order ignored); a near spelling; the
most distinctive curated alias found inside it, unless two capabilities tie. The
first entry to claim an alias wins, so the user's own entries come first, then the curated UK
layer, then the generic frameworks.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl
from rapidfuzz import fuzz, process

from appconsol.errors import Location
from appconsol.reference.names import fold
from appconsol.reference.resources import (
    ReferenceDataError,
    as_list,
    bundled_yaml,
    read_bundled_text,
    read_user_yaml,
)

CURATED_FILE = "capabilities.yaml"
FRAMEWORKS_FILE = "capability_frameworks.csv"
TAXONOMY_SCHEMA: dict[str, Any] = {
    "code": pl.String,
    "name": pl.String,
    "parent": pl.String,
    "level": pl.Int8,
    "source": pl.String,
    "aliases": pl.List(pl.String),
    "refs": pl.List(pl.String),
}
MAPPED_COLUMNS = {
    "capability_code": pl.String,
    "capability_name": pl.String,
    "capability_confidence": pl.Float64,
    "capability_method": pl.String,
}
_CURATED_CUTOFF = 88  # rapidfuzz ratio on normalised words; typos pass, different words do not
_FRAMEWORK_CUTOFF = 92
_MIN_FUZZY_LENGTH = 5
MIN_CARRYING_LENGTH = 4  # letters a word written in the text needs to carry a partial match alone
MIN_EVIDENCE = 3.5  # IDF a contained alias needs: a word no more than ~3 capabilities use


def _spelled_out(acronym: str, words: list[str]) -> bool:
    """True when the text spells the acronym out: "cad computer aided design"."""
    letters = [w[0] for w in words if w != acronym and w not in ("and", "of", "the", "for")]
    joined = "".join(letters)
    return len(acronym) >= 2 and acronym in joined


class CapabilityMatch(NamedTuple):
    code: str
    name: str
    confidence: float
    method: str


def _entries_frame(entries: Iterable[Mapping[str, Any]], source: str, where: Path | str) -> pl.DataFrame:
    rows = []
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping) or not entry.get("code") or not entry.get("name"):
            raise ReferenceDataError(
                f"taxonomy entry {position} needs a code and a name",
                hint="Write entries as {code: ..., name: ..., parent: ..., aliases: [...]}",
                location=Location(file=where),
            )
        rows.append(
            {
                "code": str(entry["code"]).strip(),
                "name": str(entry["name"]).strip(),
                "parent": str(entry["parent"]).strip() if entry.get("parent") else None,
                "level": None,
                "source": str(entry.get("source") or source),
                "aliases": as_list(entry.get("aliases")),
                "refs": as_list(entry.get("refs")),
            }
        )
    return _with_levels(pl.DataFrame(rows, schema=TAXONOMY_SCHEMA))


def _with_levels(frame: pl.DataFrame) -> pl.DataFrame:
    """Level = depth below a root (1), following `parent` within the frame."""
    parents = dict(zip(frame["code"].to_list(), frame["parent"].to_list(), strict=True))

    def depth(code: str) -> int:
        seen = 1
        while parents.get(code) and parents[code] in parents and seen < 20:
            code, seen = parents[code], seen + 1
        return seen

    levels = [
        lvl if lvl is not None else depth(c) for c, lvl in zip(frame["code"], frame["level"], strict=True)
    ]
    return frame.with_columns(level=pl.Series(levels, dtype=pl.Int8))


def _read_csv_taxonomy(text: str, where: Path | str) -> pl.DataFrame:
    try:
        table = pl.read_csv(io.StringIO(text), comment_prefix="#", infer_schema=False)
    except pl.exceptions.PolarsError as exc:
        raise ReferenceDataError(f"cannot read taxonomy CSV: {exc}", location=Location(file=where)) from exc
    missing = {"code", "name"} - set(table.columns)
    if missing:
        raise ReferenceDataError(
            f"taxonomy CSV lacks column(s) {', '.join(sorted(missing))}",
            hint="Columns: code, name, parent, aliases, refs (lists separated by '|')",
            location=Location(file=where),
        )
    records = [
        {**row, "aliases": (row.get("aliases") or "").split("|"), "refs": (row.get("refs") or "").split("|")}
        for row in table.to_dicts()
    ]
    frame = _entries_frame(records, "user", where)
    if "level" in table.columns:  # the frameworks file states its levels
        frame = frame.with_columns(level=table["level"].cast(pl.Int8))
    return frame


@functools.lru_cache(maxsize=1)
def _default_taxonomy() -> pl.DataFrame:
    curated = _entries_frame(
        bundled_yaml(CURATED_FILE)["capabilities"], "appconsol UK public sector", CURATED_FILE
    )
    frameworks = _read_csv_taxonomy(read_bundled_text(FRAMEWORKS_FILE), FRAMEWORKS_FILE)
    return pl.concat([curated, frameworks])


def _user_document(path: str | Path) -> tuple[pl.DataFrame, Mapping[str, Any]]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise ReferenceDataError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return _read_csv_taxonomy(text, path), {}
    document = read_user_yaml(path)
    entries = document.get("capabilities") if isinstance(document, Mapping) else document
    if not isinstance(entries, list):
        raise ReferenceDataError(
            "expected a list of capabilities",
            hint="Write a YAML list, or a mapping with a 'capabilities:' list",
            location=Location(file=path),
        )
    return _entries_frame(entries, "user", path), document if isinstance(document, Mapping) else {}


def load_taxonomy(path: str | Path | None = None, *, replace: bool = False) -> pl.DataFrame:
    """The capability taxonomy: code, name, parent, level, source, aliases, refs.

    With `path`, the user's entries come first (and replace default entries with the same code);
    with `replace=True` they are the whole taxonomy.
    """
    default = _default_taxonomy()
    if path is None:
        return default.clone()
    user, _ = _user_document(path)
    if replace:
        return user
    # A user's entry may hang under a default one, so its level is counted in the merged tree.
    unlevelled = user.with_columns(level=pl.lit(None, dtype=pl.Int8))
    return _with_levels(pl.concat([unlevelled, default.join(user.select("code"), on="code", how="anti")]))


@dataclass
class CapabilityMapper:
    """Lookups built once from a taxonomy; map any number of texts."""

    taxonomy: pl.DataFrame
    synonyms: list[tuple[re.Pattern[str], str]]
    stopwords: frozenset[str]

    def __post_init__(self) -> None:
        self.names = dict(zip(self.taxonomy["code"], self.taxonomy["name"], strict=True))
        self.exact: dict[str, str] = {}
        self.signature: dict[str, str] = {}
        curated: dict[str, str] = {}
        generic: dict[str, str] = {}
        for code, name, aliases, source in self.taxonomy.select("code", "name", "aliases", "source").rows():
            fuzzy_pool = generic if str(source).startswith(("APQC", "COFOG")) else curated
            for text in [name, *aliases]:
                folded, sig = fold(text), self.normalise(text)
                self.exact.setdefault(folded, code)
                if sig:
                    self.signature.setdefault(sig, code)
                    fuzzy_pool.setdefault(sig, code)
        self.fuzzy_pools = [(curated, _CURATED_CUTOFF), (generic, _FRAMEWORK_CUTOFF)]
        # Curated aliases by word, to find those inside a longer text, and how many capabilities
        # use each word (a word many use says little about which capability is meant).
        self.parents = dict(zip(self.taxonomy["code"], self.taxonomy["parent"], strict=True))
        self.partial: dict[str, list[tuple[frozenset[str], str]]] = {}
        users: dict[str, set[str]] = {}
        for sig, code in curated.items():
            words = frozenset(sig.split())
            for word in words:
                self.partial.setdefault(word, []).append((words, code))
                users.setdefault(word, set()).add(code)
        self.spread = {word: len(codes) for word, codes in users.items()}
        # Inverse document frequency over the curated capabilities: how much a word says about
        # which capability is meant. A word no alias uses gets the largest weight as evidence
        # against: the text is about something the taxonomy does not describe.
        total = len({code for _sig, code in curated.items()}) or 1
        self.idf = {word: math.log((total + 1) / (n + 0.5)) for word, n in self.spread.items()}
        self.unseen_idf = math.log((total + 1) / 0.5)
        # Each curated alias's evidence, summed once (in the order `_partial` always summed it).
        self.alias_scores = {
            words: sum(self.idf[w] for w in sorted(words))
            for entries in self.partial.values()
            for words, _c in entries
        }

    def normalise(self, text: str) -> str:
        """Sorted distinct content words, synonyms applied: "Revs & Bens" -> "benefit revenue"."""
        cache = self.__dict__.setdefault("_normalised", {})
        if text not in cache:
            cache[text] = self._normalise(text)
        result: str = cache[text]
        return result

    def _normalise(self, text: str) -> str:
        t = fold(text)
        keyed = self.__dict__.get("_keyed_synonyms")
        if keyed is None:  # each pattern is \b<escaped folded phrase>\b: keep the phrase to test first
            keyed = [(p.pattern[2:-2].replace("\\", ""), p, r) for p, r in self.synonyms]
            self.__dict__["_keyed_synonyms"] = keyed
        for phrase, pattern, replacement in keyed:
            # A synonym matches whole words only, so one whose phrase is absent cannot match.
            if phrase in t:
                t = pattern.sub(replacement, t)
        words = set()
        for word in t.split():
            if word in self.stopwords:
                continue
            if len(word) > 5 and word.endswith("ies"):
                word = word[:-3] + "y"
            elif len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
                word = word[:-1]
            words.add(word)
        return " ".join(sorted(words))

    def map(self, text: str | None) -> CapabilityMatch | None:
        if text is None or not str(text).strip():
            return None
        code = self.exact.get(fold(str(text)))
        if code:
            return CapabilityMatch(code, self.names[code], 1.0, "alias")
        sig = self.normalise(str(text))
        if not sig:
            return None
        code = self.signature.get(sig)
        if code:
            return CapabilityMatch(code, self.names[code], 0.95, "normalised")
        if len(sig) < _MIN_FUZZY_LENGTH:
            return None
        primed = self.__dict__.get("_fuzzy_best", {})
        for index, (pool, cutoff) in enumerate(self.fuzzy_pools):
            if (index, sig) in primed:
                best = primed[(index, sig)]
            else:
                best = (
                    process.extractOne(sig, list(pool), scorer=fuzz.ratio, score_cutoff=cutoff)
                    if pool
                    else None
                )
            if best:
                code = pool[best[0]]
                return CapabilityMatch(code, self.names[code], round(best[1] / 100 * 0.9, 3), "fuzzy")
        return self._partial(sig, str(text))

    def prime(self, texts: Iterable[str | None], chunk: int = 2048) -> None:
        """Search the fuzzy pools for many texts at once, so that `map` need not search them one by one.

        One score matrix per pool and chunk of texts of one length (rapidfuzz's cdist, in C++), against
        only the keys whose length lets them reach the pool's cutoff; the best column
        is the first of the highest score, as `process.extractOne` finds it, and its score is
        computed again exactly. `map` gives the same matches primed or not, only faster.
        """
        import numpy as np

        sigs = sorted(
            {
                sig
                for text in texts
                if text is not None and str(text).strip()
                for sig in [self.normalise(str(text))]
                if len(sig) >= _MIN_FUZZY_LENGTH and sig not in self.signature
            }
        )
        best: dict[tuple[int, str], tuple[str, float] | None] = self.__dict__.setdefault("_fuzzy_best", {})
        for index, (pool, cutoff) in enumerate(self.fuzzy_pools):
            keys = list(pool)
            todo = [sig for sig in sigs if (index, sig) not in best]
            by_length: dict[int, list[str]] = {}
            for sig in todo:
                by_length.setdefault(len(sig), []).append(sig)
            for length, same_length in sorted(by_length.items()):
                # Only keys whose length allows the cutoff can score it (ratio <= 200 * shorter /
                # (sum of lengths)); a point of margin keeps every key that could be the first best.
                band = [j for j, key in enumerate(keys) if _ratio_bound(length, len(key)) >= cutoff - 1]
                for start in range(0, len(same_length) if band else 0, chunk):
                    part = same_length[start : start + chunk]
                    scores = process.cdist(
                        part, [keys[j] for j in band], scorer=fuzz.ratio, dtype=np.float32, workers=1
                    )
                    for sig, column in zip(part, scores.argmax(axis=1).tolist(), strict=True):
                        score = fuzz.ratio(sig, keys[band[column]])
                        best[(index, sig)] = (keys[band[column]], score) if score >= cutoff else None
                if not band:
                    best.update({(index, sig): None for sig in same_length})

    def _partial(self, sig: str, text: str = "") -> CapabilityMatch | None:
        """The curated capability whose alias inside the text is most distinctive, if the evidence is.

        Each contained alias scores the IDF of its words over the curated aliases (log of how many
        capabilities there are over how many use the word), so "pas" outweighs "community" in
        "Patient administration (community hospitals)". It must be *distinctive* evidence:
        - a word the text itself writes in fewer than `MIN_CARRYING_LENGTH` letters ("CAD",
          "IDE") carries no match alone, nor does an acronym the text spells out itself
          ("CAD - Computer-Aided Design");
        - the words of the text the taxonomy has never seen ("plugins", "mind") must weigh less
          than the evidence: "Mind Mapping" is not GIS, "Plugins/Libraries" not Libraries.
        A clear winner (1.5 times the next) wins; near-ties go to a shared parent below the roots
        ("Building control and land charges" -> planning); otherwise unmatched, never a guess.
        Ties are broken by code, so the result never depends on iteration order.
        """
        words = frozenset(sig.split())
        written = set(fold(text).split()) if text else set()
        short = {w for w in words if w in written and len(w) < MIN_CARRYING_LENGTH}
        spelled = {w for w in short if _spelled_out(w, fold(text).split())}
        scores: dict[str, float] = {}
        for word in sorted(words):
            for alias_words, code in self.partial.get(word, ()):
                if alias_words <= words and not alias_words <= short and not alias_words & spelled:
                    score = self.alias_scores[alias_words]
                    scores[code] = max(scores.get(code, 0.0), score)
        if not scores:
            return None
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        best_code, best = ranked[0]
        unseen = sum(self.unseen_idf for w in sorted(words) if w not in self.idf)
        if best < MIN_EVIDENCE or unseen >= best:
            return None
        close = [code for code, score in ranked if score * 1.5 > best]
        if len(close) == 1:
            return CapabilityMatch(best_code, self.names[best_code], 0.7, "partial")
        parent = self._common_parent(close)
        if parent is None:
            return None
        return CapabilityMatch(parent, self.names[parent], 0.6, "partial-parent")

    def _common_parent(self, codes: list[str]) -> str | None:
        """The nearest capability above all of `codes` that is not a root, if any."""

        def chain(code: str) -> list[str]:
            out = [code]
            while self.parents.get(out[-1]) and len(out) < 20:
                out.append(self.parents[out[-1]])
            return out

        common = set(chain(codes[0])).intersection(*(chain(c) for c in codes[1:]))
        for code in chain(codes[0]):  # nearest first
            if code in common:
                return code if self.parents.get(code) else None
        return None


def _ratio_bound(a: int, b: int) -> float:
    """The highest rapidfuzz ratio two texts of lengths a and b can reach."""
    return 200.0 * min(a, b) / (a + b) if a + b else 100.0


def _vocabulary(
    documents: Iterable[Mapping[str, Any]],
) -> tuple[list[tuple[re.Pattern[str], str]], frozenset[str]]:
    synonyms: dict[str, str] = {}
    stopwords: set[str] = set()
    for document in documents:
        synonyms.update({fold(str(k)): fold(str(v)) for k, v in (document.get("synonyms") or {}).items()})
        stopwords.update(fold(w) for w in as_list(document.get("stopwords")))
    ordered = sorted(synonyms.items(), key=lambda kv: -len(kv[0]))  # longest phrase first
    return [(re.compile(rf"\b{re.escape(k)}\b"), v) for k, v in ordered], frozenset(stopwords)


@functools.lru_cache(maxsize=1)
def default_mapper() -> CapabilityMapper:
    synonyms, stopwords = _vocabulary([bundled_yaml(CURATED_FILE)])
    return CapabilityMapper(_default_taxonomy(), synonyms, stopwords)


def capability_mapper(
    taxonomy: str | Path | pl.DataFrame | None = None, *, replace: bool = False
) -> CapabilityMapper:
    """A mapper over the default taxonomy, a user's file (extending or replacing it) or a frame."""
    if taxonomy is None:
        return default_mapper()
    documents: list[Mapping[str, Any]] = [bundled_yaml(CURATED_FILE)]
    if isinstance(taxonomy, pl.DataFrame):
        frame = taxonomy
    else:
        frame = load_taxonomy(taxonomy, replace=replace)
        documents.append(_user_document(taxonomy)[1])
    synonyms, stopwords = _vocabulary(documents)
    return CapabilityMapper(frame, synonyms, stopwords)


def map_capability(text: str | None) -> CapabilityMatch | None:
    """Map one free-text capability onto the default taxonomy: (code, name, confidence, method)."""
    return default_mapper().map(text)


def map_capabilities(
    frame: pl.DataFrame,
    column: str = "capability",
    *,
    taxonomy: str | Path | pl.DataFrame | None = None,
    replace: bool = False,
) -> pl.DataFrame:
    """Add capability_code, capability_name, capability_confidence and capability_method.

    Each distinct text in `column` is mapped once; unmapped texts get NULLs (report them).
    """
    if column not in frame.columns:
        raise ReferenceDataError(f"map_capabilities: no column '{column}'")
    mapper = capability_mapper(taxonomy, replace=replace)
    distinct = frame.select(pl.col(column).cast(pl.String)).unique(maintain_order=True)
    results = [mapper.map(text) for text in distinct[column].to_list()]
    mapped = pl.DataFrame(
        [tuple(r) if r else (None,) * 4 for r in results], schema=MAPPED_COLUMNS, orient="row"
    )
    lookup = pl.concat([distinct, mapped], how="horizontal")
    keyed = frame.with_columns(pl.col(column).cast(pl.String).alias("_capability_text"))
    joined = keyed.join(
        lookup.rename({column: "_capability_text"}),
        on="_capability_text",
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return joined.drop("_capability_text")
