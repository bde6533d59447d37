"""Bundled reference data and the functions that join inventories to it.

- Lifecycle dates: `load_lifecycle(overrides)`, `snapshot_info()`, `lifecycle_products()`.
- Components to lifecycle releases: `match_component(product, version, kind)`, `match_components(frame)`.
- Vendor and product names across organisations: `resolve_products(frame)`.

Bundled data is rebuilt from public sources with `python -m appconsol.reference.build`.
"""

from __future__ import annotations

from appconsol.reference.components import Match, match_component, match_components
from appconsol.reference.lifecycle import (
    LIFECYCLE_SCHEMA,
    lifecycle_products,
    load_lifecycle,
    read_overrides,
    snapshot_info,
)
from appconsol.reference.products import resolve_products
from appconsol.reference.resources import ReferenceDataError

__all__ = [
    "LIFECYCLE_SCHEMA",
    "Match",
    "ReferenceDataError",
    "lifecycle_products",
    "load_lifecycle",
    "match_component",
    "match_components",
    "read_overrides",
    "resolve_products",
    "snapshot_info",
]
