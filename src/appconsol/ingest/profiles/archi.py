"""Archi (the ArchiMate tool) elements.csv exports: only application components are applications."""

from __future__ import annotations

from appconsol.ingest.profiles.base import IGNORE, Profile

ARCHI = Profile(
    "archi",
    "Archi (ArchiMate tool) elements.csv export",
    # Archi's own export columns; id/type/name alone are in many tools' exports.
    ("documentation", "specialization", "specialisation", "type"),
    {"id": "app_id", "type": IGNORE, "name": "name", "documentation": "description"},
    # An ArchiMate model lists every element (actors, processes, nodes, data objects...):
    # only application components are applications.
    keep_rows={"type": ("ApplicationComponent",)},
)
