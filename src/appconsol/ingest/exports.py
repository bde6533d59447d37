"""Known export formats: the signature headers that identify a tool's export, and its columns.

A profile is header evidence like any other (the values still have to agree); it wins over the
schema's aliases because a tool's own column names are unambiguous within its exports.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from appconsol.ingest import normalise as norm
from appconsol.ingest.headers import normalise_header
from appconsol.ingest.read import ROW_COLUMN

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


# Konveyor tag categories that carry a schema field.
KONVEYOR_TAG_FIELDS: dict[str, str] = {
    "capability": "capabilities",
    "business capability": "capabilities",
    "language": "languages",
    "operating system": "components_os",
    "os": "components_os",
    "database": "components_database",
    "runtime": "components_runtime",
    "framework": "components_runtime",
    "hosting": "hosting_model",
    "owner": "business_owner",
    "vendor": "vendor",
    "supplier": "vendor",
    "criticality": "business_criticality",
    "business criticality": "business_criticality",
    "lifecycle": "lifecycle",
    "data classification": "data_classification",
}


def leanix_lifecycle(
    data: pl.DataFrame, columns: dict[str, str], as_of: dt.date, day_first: bool
) -> pl.Series:
    """The LeanIX phase current on the as-of date: the latest phase whose start date has passed."""
    current = pl.Series("lifecycle", [None] * data.height, dtype=pl.String)
    best = pl.Series("best", [None] * data.height, dtype=pl.Date)
    for phase in ("plan", "phase-in", "active", "phase-out", "retired"):
        column = columns.get(phase)
        if column is None:
            continue
        dates = norm.parse_date(data[column], day_first=day_first).values
        started = dates.is_not_null() & (dates <= as_of) & (best.is_null() | (dates >= best))
        current = pl.select(pl.when(started).then(pl.lit(phase)).otherwise(current)).to_series()
        best = pl.select(pl.when(started).then(dates).otherwise(best)).to_series()
    return current.rename("lifecycle")


def konveyor_tags(data: pl.DataFrame, headers: tuple[str, ...]) -> dict[str, pl.Series]:
    """Gather Konveyor's Tag Category N / Tag N pairs into field columns (lists joined with ';')."""
    pairs = []
    for i, header in enumerate(headers):
        m = re.fullmatch(r"tag category (\d+)", normalise_header(header))
        if m:
            tag_index = next(
                (j for j, h in enumerate(headers) if normalise_header(h) == f"tag {m.group(1)}"), None
            )
            if tag_index is not None:
                pairs.append((f"c{i}", f"c{tag_index}"))
    if not pairs:
        return {}
    long = pl.concat(
        [
            data.select(
                pl.col(ROW_COLUMN),
                pl.col(cat).str.strip_chars().str.to_lowercase().alias("category"),
                pl.col(tag).str.strip_chars().alias("tag"),
            )
            for cat, tag in pairs
        ]
    ).filter(pl.col("tag").is_not_null() & (pl.col("tag") != ""))
    long = long.with_columns(
        pl.col("category")
        .replace_strict(KONVEYOR_TAG_FIELDS, default=None, return_dtype=pl.String)
        .alias("field")
    )
    grouped = (
        long.filter(pl.col("field").is_not_null())
        .group_by(ROW_COLUMN, "field")
        .agg(pl.col("tag").str.join("; "))
    )
    result = {}
    for fld in grouped.get_column("field").unique().to_list():
        part = grouped.filter(pl.col("field") == fld).select(ROW_COLUMN, pl.col("tag").alias(fld))
        result[fld] = data.select(ROW_COLUMN).join(part, on=ROW_COLUMN, how="left").get_column(fld)
    return result


def konveyor_dependencies(data: pl.DataFrame, headers: tuple[str, ...]) -> pl.DataFrame | None:
    """Konveyor record type 2 rows are dependencies between applications, not applications."""
    keys = [normalise_header(h) for h in headers]
    try:
        record, name, dep, direction = (
            keys.index(k) for k in ("record type 1", "application name", "dependency", "dependency direction")
        )
    except ValueError:
        return None
    return data.filter(pl.col(f"c{record}").str.strip_chars() == "2").select(
        pl.col(ROW_COLUMN),
        pl.col(f"c{name}").str.strip_chars().alias("app_name"),
        pl.col(f"c{dep}").str.strip_chars().alias("depends_on"),
        pl.col(f"c{direction}").str.strip_chars().str.to_lowercase().alias("direction"),
    )
