"""LeanIX application fact sheet exports: one date column per lifecycle phase instead of a phase."""

from __future__ import annotations

import datetime as dt

import polars as pl

from appconsol.ingest.dates import parse_date
from appconsol.ingest.profiles.base import IGNORE, Profile

LEANIX = Profile(
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
)

LEANIX_PHASE_COLUMNS: dict[str, str] = {
    "lifecycle plan": "plan",
    "lifecycle phase in": "phase-in",
    "lifecycle active": "active",
    "lifecycle phase out": "phase-out",
    "lifecycle end of life": "retired",
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
        dates = parse_date(data[column], day_first=day_first).values
        started = dates.is_not_null() & (dates <= as_of) & (best.is_null() | (dates >= best))
        current = pl.select(pl.when(started).then(pl.lit(phase)).otherwise(current)).to_series()
        best = pl.select(pl.when(started).then(dates).otherwise(best)).to_series()
    return current.rename("lifecycle")
