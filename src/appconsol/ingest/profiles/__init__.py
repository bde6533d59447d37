"""Known export formats, one module each: the signature headers that identify a tool's export,
its columns, and the hooks for what only that tool's exports do.

A profile is header evidence like any other (the values still have to agree); it wins over the
schema's aliases because a tool's own column names are unambiguous within its exports. A new
profile is a module here and one line in PROFILES.
"""

from __future__ import annotations

from collections.abc import Sequence

from appconsol.ingest.headers import normalise_header
from appconsol.ingest.profiles.archi import ARCHI
from appconsol.ingest.profiles.azure_migrate import AZURE_MIGRATE
from appconsol.ingest.profiles.base import IGNORE, Profile
from appconsol.ingest.profiles.konveyor import KONVEYOR
from appconsol.ingest.profiles.leanix import LEANIX, LEANIX_PHASE_COLUMNS, leanix_lifecycle
from appconsol.ingest.profiles.servicenow import SERVICENOW

PROFILES: tuple[Profile, ...] = (SERVICENOW, LEANIX, KONVEYOR, ARCHI, AZURE_MIGRATE)
PROFILES_BY_NAME: dict[str, Profile] = {p.name: p for p in PROFILES}

__all__ = [
    "IGNORE",
    "LEANIX_PHASE_COLUMNS",
    "PROFILES",
    "PROFILES_BY_NAME",
    "Profile",
    "detect_profile",
    "leanix_lifecycle",
]


def detect_profile(headers: Sequence[str]) -> Profile | None:
    """The profile most of whose signature headers are present (at least 3), or None."""
    present = {normalise_header(h) for h in headers}
    best, best_hits = None, 2
    for profile in PROFILES:
        hits = sum(1 for s in profile.signature if s in present)
        if hits > best_hits:
            best, best_hits = profile, hits
    return best
