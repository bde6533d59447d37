"""Map an export's column headers onto the canonical fields, with a confidence for each.

Order of precedence, strongest first: the user's mapping file, the detected export profile
(ServiceNow, LeanIX, Konveyor, Azure Migrate), exact alias matches from the schema, then fuzzy
matches. A field is claimed by one column only (lists and component columns may have several);
the loser of a conflict stays unmapped, and unmapped columns are kept with each row, never dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appconsol.errors import Location, MappingError
from appconsol.schema import APPLICATION_FIELDS, FIELDS_BY_NAME, Kind

FUZZY_THRESHOLD = 0.84
IGNORE = "ignore"

_PUNCT = re.compile(r"[^0-9a-z]+")


def normalise_header(text: str) -> str:
    """Lower-case, '&' as 'and', currency and punctuation as spaces: 'Annual cost (£)' -> 'annual cost'."""
    text = text.replace("\u00a0", " ").lower().replace("&", " and ")
    text = _PUNCT.sub(" ", text)
    words = [_SINGULAR.get(word, word) for word in text.split() if word not in {"gbp"}]
    return " ".join(words)


_SINGULAR = {"costs": "cost", "charges": "cost", "dates": "date", "owners": "owner"}


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in APPLICATION_FIELDS:
        for alias in (f.name.replace("_", " "), *f.aliases):
            index.setdefault(normalise_header(alias), f.name)
    return index


ALIASES: dict[str, str] = _alias_index()

_MULTI_SOURCE_KINDS = {Kind.LIST, Kind.COMPONENTS}


@dataclass(frozen=True)
class ColumnMatch:
    """How one source column maps: the field (None = unmapped), confidence 0..1, and why."""

    header: str
    field: str | None
    confidence: float
    method: str  # user, profile, alias, fuzzy, none, conflict, ignored


@dataclass(frozen=True)
class Profile:
    """A known export format: header overrides and the signature headers that identify it."""

    name: str
    title: str
    signature: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)
    positional: bool = False


PROFILES: tuple[Profile, ...] = (
    Profile(
        "servicenow",
        "ServiceNow business application export",
        ("number", "install type", "it application owner", "life cycle stage", "business criticality"),
        {
            "number": "app_id",
            "name": "name",
            "short description": "description",
            "install type": "hosting_model",
            "life cycle stage": "lifecycle",
            "lifecycle stage": "lifecycle",
            "life cycle stage status": IGNORE,
            "it application owner": "technical_owner",
            "business owner": "business_owner",
            "users supported": "user_count",
            "user base": "user_count",
            "annual cost": "cost_total",
            "technology stack": "components_runtime",
            "platform": "components_os",
            "business capability": "capabilities",
        },
    ),
    Profile(
        "leanix",
        "LeanIX application fact sheet export",
        (
            "lifecycle active",
            "lifecycle phase out",
            "functional fit",
            "technical fit",
            "it components",
            "type",
        ),
        {
            "id": "app_id",
            "display name": IGNORE,
            "type": IGNORE,
            "provider": "vendor",
            "subscriptions responsible": "business_owner",
            "hosting type": "hosting_model",
            "business capabilities": "capabilities",
            "it components": "components",
        },
    ),
    Profile(
        "konveyor",
        "Konveyor application import CSV (positional)",
        ("record type 1", "application name", "binary group", "binary artifact", "repository type"),
        {
            "application name": "name",
            "description": "description",
            "comments": IGNORE,
            "business service": "department",
            "binary version": "version",
        },
        positional=True,
    ),
    Profile(
        "azure-migrate",
        "Azure Migrate / AWS-style discovered application list",
        ("machine name", "application", "version", "provider"),
        {
            "application": "name",
            "applicationname": "name",
            "application name": "name",
            "provider": "vendor",
            "machine name": IGNORE,
            "server name": IGNORE,
            "operating system": "components_os",
        },
    ),
)
PROFILES_BY_NAME: dict[str, Profile] = {p.name: p for p in PROFILES}

# LeanIX exports carry one date column per lifecycle phase instead of a phase.
LEANIX_PHASE_COLUMNS: dict[str, str] = {
    "lifecycle plan": "plan",
    "lifecycle phase in": "phase-in",
    "lifecycle active": "active",
    "lifecycle phase out": "phase-out",
    "lifecycle end of life": "retired",
}


def detect_profile(headers: Sequence[str]) -> Profile | None:
    """The profile most of whose signature headers are present (at least 3), or None."""
    present = {normalise_header(h) for h in headers}
    best, best_hits = None, 2
    for profile in PROFILES:
        hits = sum(1 for s in profile.signature if s in present)
        if hits > best_hits:
            best, best_hits = profile, hits
    return best


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


def match_header(header: str, profile: Profile | None = None) -> ColumnMatch:
    """Match one header: profile, then exact alias, then fuzzy (below the threshold: unmapped)."""
    key = normalise_header(header)
    if profile is not None and key in profile.columns:
        target = profile.columns[key]
        if target == IGNORE:
            return ColumnMatch(header, None, 1.0, "ignored")
        return ColumnMatch(header, target, 1.0, "profile")
    if profile is not None and profile.name == "konveyor" and re.fullmatch(r"tag( category)? \d+", key):
        # Konveyor's tag pairs are read together by the loader (category -> field), never alone.
        return ColumnMatch(header, None, 1.0, "ignored")
    if profile is not None and profile.name == "leanix" and key in LEANIX_PHASE_COLUMNS:
        return ColumnMatch(header, "lifecycle", 1.0, "profile")
    if key in ALIASES:
        return ColumnMatch(header, ALIASES[key], 1.0, "alias")
    fuzzy_target, confidence = _fuzzy_match(key)
    if fuzzy_target is not None and confidence >= FUZZY_THRESHOLD:
        return ColumnMatch(header, fuzzy_target, confidence, "fuzzy")
    return ColumnMatch(header, None, confidence, "none")


def _single_valued(m: ColumnMatch) -> bool:
    # LeanIX phase-date columns all feed `lifecycle` together, like list and component columns.
    if m.field is None or (m.method == "profile" and m.field == "lifecycle"):
        return False
    return FIELDS_BY_NAME[m.field].kind not in _MULTI_SOURCE_KINDS


def resolve_conflicts(matches: list[ColumnMatch]) -> list[ColumnMatch]:
    """Give each single-valued field to its most confident column; the others become unmapped."""
    winners: dict[str, int] = {}
    for i, m in enumerate(matches):
        if _single_valued(m):
            assert m.field is not None
            best = winners.get(m.field)
            if best is None or _rank(m) > _rank(matches[best]):
                winners[m.field] = i
    return [
        ColumnMatch(m.header, None, m.confidence, "conflict")
        if _single_valued(m) and winners.get(m.field or "") != i
        else m
        for i, m in enumerate(matches)
    ]


_METHOD_RANK = {"user": 4, "profile": 3, "alias": 2, "fuzzy": 1}


def _rank(m: ColumnMatch) -> tuple[int, float]:
    return (_METHOD_RANK.get(m.method, 0), m.confidence)


@dataclass(frozen=True)
class UserMapping:
    """A mapping file the user wrote or edited (`appconsol map --write`)."""

    path: Path
    columns: dict[str, str | None]
    profile: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    organisation: str | None = None
    constants: dict[str, str] = field(default_factory=dict)  # field -> value for every row


_MAPPING_KEYS = {"columns", "profile", "sheet", "header_row", "organisation", "constants"}


def read_user_mapping(path: Path) -> UserMapping:
    """Read and validate a mapping YAML file; unknown fields are errors naming file and line."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
    except OSError as exc:
        raise MappingError(f"cannot read mapping file: {exc.strerror}", location=Location(file=path)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise MappingError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", location=Location(file=path, line=line)
        ) from exc
    if not isinstance(data, dict):
        raise MappingError(
            "a mapping file is a YAML mapping with a 'columns' key", location=Location(file=path)
        )
    unknown = set(data) - _MAPPING_KEYS
    if unknown:
        raise MappingError(
            f"unknown key(s) {', '.join(sorted(unknown))}",
            hint=f"allowed keys: {', '.join(sorted(_MAPPING_KEYS))}",
            location=Location(file=path, line=_line_of(text, sorted(unknown)[0])),
        )
    columns_raw: Any = data.get("columns") or {}
    if not isinstance(columns_raw, dict):
        raise MappingError("'columns' must map source headers to field names", location=Location(file=path))
    columns: dict[str, str | None] = {}
    for header, target in columns_raw.items():
        if target in (None, IGNORE, "", "unmapped"):
            columns[str(header)] = None
            continue
        if target not in FIELDS_BY_NAME:
            raise MappingError(
                f"column '{header}' maps to unknown field '{target}'",
                hint="run `appconsol schema` for the field names",
                location=Location(file=path, line=_line_of(text, str(header))),
            )
        columns[str(header)] = str(target)
    profile = data.get("profile")
    if profile is not None and profile not in PROFILES_BY_NAME:
        raise MappingError(
            f"unknown profile '{profile}'",
            hint=f"known profiles: {', '.join(PROFILES_BY_NAME)}",
            location=Location(file=path, line=_line_of(text, "profile")),
        )
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise MappingError(
            "'header_row' must be a row number from 1",
            location=Location(file=path, line=_line_of(text, "header_row")),
        )
    constants_raw: Any = data.get("constants") or {}
    if not isinstance(constants_raw, dict) or any(k not in FIELDS_BY_NAME for k in constants_raw):
        bad = (
            next((k for k in constants_raw if k not in FIELDS_BY_NAME), "constants")
            if isinstance(constants_raw, dict)
            else "constants"
        )
        raise MappingError(
            f"'constants' must map field names to values; '{bad}' is not a field",
            hint="run `appconsol schema` for the field names",
            location=Location(file=path, line=_line_of(text, str(bad))),
        )
    constants = {str(k): str(v) for k, v in constants_raw.items() if v is not None}
    return UserMapping(
        path, columns, profile, data.get("sheet"), header_row, data.get("organisation"), constants
    )


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def map_headers(
    headers: Sequence[str], user: UserMapping | None = None, profile: Profile | None = None
) -> list[ColumnMatch]:
    """Map every header; the user's mapping always wins over everything else."""
    if profile is None and user is not None and user.profile:
        profile = PROFILES_BY_NAME[user.profile]
    user_columns = {normalise_header(k): v for k, v in (user.columns if user else {}).items()}
    matches = []
    for header in headers:
        key = normalise_header(header)
        if key in user_columns:
            target = user_columns[key]
            matches.append(ColumnMatch(header, target, 1.0, "user" if target else "ignored"))
        else:
            matches.append(match_header(header, profile))
    return resolve_conflicts(matches)


def header_score(cells: Sequence[str | None], known_headers: frozenset[str] = frozenset()) -> float:
    """How much a row looks like an inventory header: exact aliases count 1, fuzzy ones their confidence."""
    score = 0.0
    seen: set[str] = set()
    for cell in cells:
        if not cell:
            continue
        key = normalise_header(cell)
        if key in known_headers:
            score += 1.0
            continue
        target = ALIASES.get(key)
        confidence = 1.0
        if target is None and len(key) <= 40:
            target, confidence = _fuzzy_match(key)
            if confidence < FUZZY_THRESHOLD:
                target = None
        if target is not None and target not in seen:
            seen.add(target)
            score += confidence
    return score


def render_mapping_yaml(
    matches: Sequence[ColumnMatch], samples: dict[str, list[str]], profile: Profile | None
) -> str:
    """A mapping file the user can edit and pass back with --mapping; comments show the evidence."""
    lines = [
        "# appconsol column mapping. Edit the right-hand side (a field from `appconsol schema`,",
        "# or `ignore`), then load with: appconsol load FILE --mapping THIS_FILE",
    ]
    if profile is not None:
        lines.append(f"profile: {profile.name}")
    lines.append("columns:")
    for m in matches:
        target = m.field or IGNORE
        sample = ", ".join(samples.get(m.header, [])[:3])
        lines.append(
            f"  {_yaml_quote(m.header)}: {target}  # {m.method} {m.confidence:.2f}; e.g. {sample}"[:200]
        )
    return "\n".join(lines) + "\n"


def _yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
