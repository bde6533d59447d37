"""Map an export's columns onto the canonical fields: header evidence and value evidence, together.

Each column gets candidate fields from its header (the user's mapping file, the detected export
profile, exact aliases, fuzzy aliases), and each candidate is weighed by how well the column's
values fit the field (`values.py`). A candidate whose values contradict the field is ruled out,
whatever the header says. The columns are then assigned to fields as one global assignment (a
field is held by one column, except lists and components), so a weak column never takes a field
from a strong one just by coming first.

When the evidence is not enough - no column can be the name, the name is a weak guess, or two
columns compete for a key field - the result carries doubts, and the loader stops and asks
(writing a proposed mapping) instead of guessing. The user's mapping always wins.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from appconsol.ingest.headers import (
    ALIASES,
    FUZZY_THRESHOLD,
    Candidate,
    best_alias,
    fuzzy_candidates,
    normalise_header,
)
from appconsol.ingest.mapping_file import UserMapping, read_user_mapping, render_mapping_yaml
from appconsol.ingest.profiles import (
    IGNORE,
    LEANIX_PHASE_COLUMNS,
    PROFILES,
    PROFILES_BY_NAME,
    Profile,
    detect_profile,
)
from appconsol.ingest.values import ColumnProfile, Fit, value_fit
from appconsol.schema import FIELDS_BY_NAME, Kind

__all__ = [
    "ALIASES",
    "FUZZY_THRESHOLD",
    "IGNORE",
    "LEANIX_PHASE_COLUMNS",
    "PROFILES",
    "PROFILES_BY_NAME",
    "ColumnMatch",
    "MappingResult",
    "Profile",
    "UserMapping",
    "best_alias",
    "candidate_fit",
    "column_score",
    "detect_profile",
    "header_candidates",
    "map_columns",
    "normalise_header",
    "read_user_mapping",
    "render_mapping_yaml",
]

# A candidate maps when header score x value weight reaches this; below it the column is kept unmapped.
MAP_MIN = 0.5
# The name mapped below this is a guess, not evidence: the loader asks.
NAME_MIN = 0.62
# Two columns within this margin of each other for a key field: the loader asks which one.
COMPETE_MARGIN = 0.05
KEY_FIELDS = frozenset(
    {"name", "organisation", "app_id"} | {f.name for f in FIELDS_BY_NAME.values() if f.kind is Kind.MONEY}
)
_MULTI_SOURCE_KINDS = {Kind.LIST, Kind.COMPONENTS}
_FALLBACK_SCORE = 0.9
# Names that qualify the name (with a release, or a parent's path): the name when no column is
# plainly the name, never a rival to one that is.
_STAND_IN_NAMES = frozenset({"display name", "full name"})
# A tool's own column name outranks a schema alias, which outranks a resemblance: this margin
# (over COMPETE_MARGIN) lets the stronger kind of evidence win without a doubt being raised.
# A profile's fallback (LeanIX "Display Name" for the name) stands in only when the field's own
# column is missing: it gets no bonus, so the column itself wins without a doubt.
_METHOD_BONUS = {"profile": 0.15, "phase": 0.15, "alias": 0.06, "fuzzy": 0.0, "fallback": -0.1}
_NO_VALUES = Fit(1.0)


@dataclass(frozen=True)
class ColumnMatch:
    """How one source column maps: the field (None = unmapped), confidence 0..1, and why."""

    header: str
    field: str | None
    confidence: float
    method: str  # user, profile, alias, fuzzy, none, conflict, ignored, contradicted
    evidence: str = ""  # what the values look like, and candidates ruled out
    doubt: str | None = None  # why the loader is not sure of this column's field


@dataclass
class MappingResult:
    matches: list[ColumnMatch]
    doubts: list[str] = field(default_factory=list)


def header_candidates(header: str, profile: Profile | None = None) -> tuple[bool, list[Candidate]]:
    """(ignored, candidates): the fields a header may hold, best first; `ignored` when a profile says so."""
    ignored, candidates = _header_candidates(header, profile.name if profile is not None else None)
    return ignored, list(candidates)


@functools.lru_cache(maxsize=8192)
def _header_candidates(header: str, profile_name: str | None) -> tuple[bool, tuple[Candidate, ...]]:
    ignored, candidates = _candidates_uncached(header, PROFILES_BY_NAME.get(profile_name or ""))
    return ignored, tuple(candidates)


def _candidates_uncached(header: str, profile: Profile | None) -> tuple[bool, list[Candidate]]:
    key = normalise_header(header)
    if profile is not None:
        if key in profile.columns:
            target = profile.columns[key]
            return (True, []) if target == IGNORE else (False, [Candidate(target, 1.0, "profile")])
        if profile.name == "konveyor" and re.fullmatch(r"tag( category)? \d+", key):
            # Konveyor's tag pairs are read together by the loader (category -> field), never alone.
            return True, []
        if key in profile.fallbacks:
            return False, [Candidate(profile.fallbacks[key], _FALLBACK_SCORE, "fallback")]
    if key in LEANIX_PHASE_COLUMNS:
        # "Lifecycle: Phase Out" holding dates is LeanIX's phase layout, even when too few of the
        # profile's signature columns were exported to name the tool.
        return False, [Candidate("lifecycle", 1.0, "phase")]
    if key in _STAND_IN_NAMES:
        return False, [Candidate("name", _FALLBACK_SCORE, "fallback")]
    candidates = [Candidate(ALIASES[key], 1.0, "alias")] if key in ALIASES else []
    seen = {c.field for c in candidates}
    candidates += [c for c in fuzzy_candidates(key) if c.field not in seen]
    return False, candidates


def candidate_fit(candidate: Candidate, column: ColumnProfile | None) -> Fit:
    """The values' fit for a candidate; LeanIX phase columns hold the dates each phase began."""
    if column is None:
        return _NO_VALUES
    return value_fit("go_live" if candidate.method == "phase" else candidate.field, column)


def column_score(candidate: Candidate, fit: Fit) -> float:
    """Header evidence weighted by value evidence; a neutral fit (0.5) keeps 70% of the header's."""
    return candidate.score * (0.4 + 0.6 * fit.score)


def _single_valued(field_name: str, method: str) -> bool:
    # LeanIX phase-date columns all feed `lifecycle` together, like list and component columns.
    return method != "phase" and FIELDS_BY_NAME[field_name].kind not in _MULTI_SOURCE_KINDS


@dataclass
class _Option:
    field: str
    score: float
    method: str
    tie_break: float = 0.0

    @property
    def rank(self) -> float:
        """The score the assignment maximises: evidence kinds ordered profile > alias > fuzzy."""
        return self.score + _METHOD_BONUS.get(self.method, 0.0)


def map_columns(
    headers: Sequence[str],
    profiles: Sequence[ColumnProfile | None] | None,
    user: UserMapping | None = None,
    profile: Profile | None = None,
) -> MappingResult:
    """Assign columns to fields on header and value evidence together; doubts say when to ask."""
    if profile is None and user is not None and user.profile:
        profile = PROFILES_BY_NAME[user.profile]
    user_columns = {normalise_header(k): v for k, v in (user.columns if user else {}).items()}
    fixed: dict[int, ColumnMatch] = {}
    options: dict[int, list[_Option]] = {}
    ruled_out: dict[int, list[str]] = {}
    evidence: dict[int, str] = {}
    for j, header in enumerate(headers):
        column_profile = profiles[j] if profiles is not None else None
        evidence[j] = column_profile.describe() if column_profile is not None else ""
        key = normalise_header(header)
        if key in user_columns:
            target = user_columns[key]
            fixed[j] = ColumnMatch(header, target, 1.0, "user" if target else "ignored", evidence[j])
            continue
        ignored, candidates = header_candidates(header, profile)
        if ignored:
            fixed[j] = ColumnMatch(header, None, 1.0, "ignored", evidence[j])
            continue
        options[j] = []
        for candidate in candidates:
            fit = candidate_fit(candidate, column_profile)
            if fit.contradicts:
                ruled_out.setdefault(j, []).append(f"not {candidate.field}: {fit.contradiction}")
                continue
            score = column_score(candidate, fit)
            if score >= MAP_MIN:
                options[j].append(_Option(candidate.field, round(score, 4), candidate.method))
    taken = {m.field for m in fixed.values() if m.field and _single_valued(m.field, m.method)}
    chosen = _assign(options, taken)
    if "name" not in taken and not (user and "name" in user.constants):
        _product_as_name(chosen, profiles, evidence)
    matches = []
    for j, header in enumerate(headers):
        if j in fixed:
            matches.append(fixed[j])
            continue
        notes = "; ".join([evidence[j], *ruled_out.get(j, [])]).strip("; ")
        option = chosen.get(j)
        if option is not None:
            matches.append(
                ColumnMatch(header, option.field, round(option.score, 2), _method_of(option), notes)
            )
        elif options.get(j):
            best = max(options[j], key=lambda o: o.score)
            matches.append(ColumnMatch(header, None, round(best.score, 2), "conflict", notes))
        else:
            method = "contradicted" if ruled_out.get(j) else "none"
            confidence = best_alias(normalise_header(header))[1] if method == "none" else 0.0
            matches.append(ColumnMatch(header, None, confidence, method, notes))
    doubts = _doubts(matches, options, chosen, ruled_out, headers, user)
    return MappingResult(_mark_doubts(matches, doubts), [d for _, d in doubts])


def _product_as_name(
    chosen: dict[int, _Option], profiles: Sequence[ColumnProfile | None] | None, evidence: dict[int, str]
) -> None:
    """A software list (Flexera, Snow) names each row by its product and has no other name: the
    product column, by a plain alias, is the name when its values read as names."""
    if any(o.field == "name" for o in chosen.values()):
        return
    products = [j for j, o in chosen.items() if o.field == "product" and o.method in ("alias", "profile")]
    if len(products) != 1:
        return
    j = products[0]
    profile = profiles[j] if profiles is not None else None
    fit = value_fit("name", profile) if profile is not None else None
    if fit is None or fit.contradicts or fit.score < NAME_MIN:
        return
    chosen[j] = _Option("name", chosen[j].score, chosen[j].method)
    evidence[j] = "; ".join(filter(None, [evidence[j], "the name: no other column names the applications"]))


def _method_of(option: _Option) -> str:
    return "profile" if option.method in ("phase", "fallback") else option.method


def _assign(options: dict[int, list[_Option]], taken: set[str]) -> dict[int, _Option]:
    """One global assignment: each single-valued field to at most one column, maximising the total.

    Multi-valued fields (lists, components) are private to each column, so they never compete.
    Earlier columns win exact ties, as a reader would expect. Columns only compete within groups
    linked by a shared candidate field, so each group is solved exactly on its own (a handful of
    columns at most), which keeps scipy's import (over a second) off every load.
    """
    columns = sorted(options)
    chosen: dict[int, _Option] = {}
    best_private: dict[int, _Option | None] = {}
    singles: dict[int, dict[str, _Option]] = {}
    n = len(columns)
    for row, j in enumerate(columns):
        tie_break = 1e-6 * (n - row)
        multi = [o for o in options[j] if not _single_valued(o.field, o.method)]
        best_private[j] = max(multi, key=lambda o: o.rank) if multi else None
        singles[j] = {}
        for o in options[j]:
            if _single_valued(o.field, o.method) and o.field not in taken:
                current = singles[j].get(o.field)
                if current is None or o.rank > current.rank:
                    singles[j][o.field] = _Option(o.field, o.score, o.method, tie_break)
    for group in _linked_groups(columns, singles):
        fields = sorted({f for j in group for f in singles[j]})
        # Each column may also take its private option (a list field, or nothing at all).
        weights = [
            [singles[j][f].rank + singles[j][f].tie_break if f in singles[j] else None for f in fields]
            + [
                _private_rank(best_private[j]) + (1e-6 * (n - columns.index(j))) if k == i else None
                for k in range(len(group))
            ]
            for i, j in enumerate(group)
        ]
        for i, col in enumerate(_max_assignment(weights)):
            j = group[i]
            if col < len(fields):
                option = singles[j][fields[col]]
                chosen[j] = _Option(option.field, option.score, option.method)
            elif best_private[j] is not None:
                chosen[j] = best_private[j]  # type: ignore[assignment]
    return chosen


def _private_rank(option: _Option | None) -> float:
    return option.rank if option is not None else 0.0


def _linked_groups(columns: list[int], singles: dict[int, dict[str, _Option]]) -> list[list[int]]:
    """Columns connected through shared candidate fields (union-find), in column order."""
    parent = {j: j for j in columns}

    def find(j: int) -> int:
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    owner: dict[str, int] = {}
    for j in columns:
        for f in singles[j]:
            if f in owner:
                parent[find(j)] = find(owner[f])
            else:
                owner[f] = j
    groups: dict[int, list[int]] = {}
    for j in columns:
        groups.setdefault(find(j), []).append(j)
    return list(groups.values())


def _max_assignment(weights: list[list[float | None]]) -> list[int]:
    """Rows to distinct columns maximising the total weight (None = not allowed); every row has an
    allowed private column, so a full assignment exists. Hungarian method with potentials."""
    rows, cols = len(weights), len(weights[0]) if weights else 0
    big = 1e9
    cost = [[big if w is None else -w for w in row] for row in weights]
    u, v = [0.0] * (rows + 1), [0.0] * (cols + 1)
    match = [0] * (cols + 1)  # column -> row (1-based), 0 = free
    for i in range(1, rows + 1):
        match[0] = i
        j0 = 0
        minv = [float("inf")] * (cols + 1)
        used = [False] * (cols + 1)
        way = [0] * (cols + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], float("inf"), 0
            for j in range(1, cols + 1):
                if not used[j]:
                    current = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if current < minv[j]:
                        minv[j], way[j] = current, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(cols + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    result = [0] * rows
    for j in range(1, cols + 1):
        if match[j]:
            result[match[j] - 1] = j - 1
    return result


def _doubts(
    matches: list[ColumnMatch],
    options: dict[int, list[_Option]],
    chosen: dict[int, _Option],
    ruled_out: dict[int, list[str]],
    headers: Sequence[str],
    user: UserMapping | None,
) -> list[tuple[tuple[int, ...], str]]:
    """Reasons to stop and ask, each with the columns it concerns."""
    doubts: list[tuple[tuple[int, ...], str]] = []
    has_name = any(m.field == "name" for m in matches) or bool(user and "name" in user.constants)
    if not has_name:
        near = [
            f"'{headers[j]}' ({reason.removeprefix('not name: ')})"
            for j, reasons in ruled_out.items()
            for reason in reasons
            if reason.startswith("not name:")
        ]
        detail = f"; ruled out by their values: {', '.join(near)}" if near else ""
        doubts.append(((), f"no column can be the application name{detail}"))
    for j, option in chosen.items():
        if option.field == "name" and option.score < NAME_MIN:
            doubts.append(((j,), f"'{headers[j]}' is only a weak match for the application name"))
    for j, option in chosen.items():
        if option.field not in KEY_FIELDS:
            continue
        rivals = [
            k
            for k, opts in options.items()
            if k != j
            and k not in chosen
            and any(o.field == option.field and o.rank >= option.rank - COMPETE_MARGIN for o in opts)
        ]
        if rivals:
            named = [f"'{headers[k]}'" for k in (j, *rivals)]
            names = ", ".join(named[:4]) + (f" and {len(named) - 4} more" if len(named) > 4 else "")
            doubts.append(((j, *rivals), f"{names} could each be {option.field}; say which one"))
    return doubts


def _mark_doubts(matches: list[ColumnMatch], doubts: list[tuple[tuple[int, ...], str]]) -> list[ColumnMatch]:
    marked = list(matches)
    for columns, reason in doubts:
        for j in columns:
            m = marked[j]
            marked[j] = ColumnMatch(m.header, m.field, m.confidence, m.method, m.evidence, reason)
    return marked


def header_score(cells: Sequence[str | None], known_headers: frozenset[str] = frozenset()) -> float:
    """How much a row looks like an inventory header on its labels alone (kept for callers
    without values): each field counts once, at its best candidate's score."""
    best: dict[str, float] = {}
    for cell in cells:
        if not cell:
            continue
        key = normalise_header(cell)
        if key in known_headers:
            best[f"known:{key}"] = 1.0
            continue
        _, candidates = header_candidates(cell)
        if candidates:
            c = candidates[0]
            best[c.field] = max(best.get(c.field, 0.0), c.score)
    return sum(best.values())
