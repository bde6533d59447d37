"""Known export formats: the signature headers that identify a tool's export, and its columns.

A profile is header evidence like any other (the values still have to agree); it wins over the
schema's aliases because a tool's own column names are unambiguous within its exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from appconsol.ingest.headers import normalise_header

IGNORE = "ignore"


@dataclass(frozen=True)
class Profile:
    """A known export format: header overrides and the signature headers that identify it."""

    name: str
    title: str
    signature: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)
    positional: bool = False
    # Columns that stand in for a field only when no better column holds it (scored lower).
    fallbacks: dict[str, str] = field(default_factory=dict)


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
            "type": IGNORE,
            "provider": "vendor",
            "subscriptions responsible": "business_owner",
            "hosting type": "hosting_model",
            "business capabilities": "capabilities",
            "it components": "components",
        },
        fallbacks={"display name": "name", "full name": "name"},
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
