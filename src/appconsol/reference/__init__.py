"""Bundled reference data and the functions that join inventories to it.

- Lifecycle dates: `load_lifecycle(overrides)`, `snapshot_info()`, `lifecycle_products()`.

Bundled data is rebuilt from public sources with `python -m appconsol.reference.build`.
"""

from __future__ import annotations

from appconsol.reference.lifecycle import (
    LIFECYCLE_SCHEMA,
    lifecycle_products,
    load_lifecycle,
    read_overrides,
    snapshot_info,
)
from appconsol.reference.resources import ReferenceDataError

__all__ = [
    "LIFECYCLE_SCHEMA",
    "ReferenceDataError",
    "lifecycle_products",
    "load_lifecycle",
    "read_overrides",
    "snapshot_info",
]
