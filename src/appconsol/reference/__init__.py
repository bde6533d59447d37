"""Bundled reference data and the functions that join inventories to it.

- Lifecycle dates: `load_lifecycle(overrides)`, `snapshot_info()`, `lifecycle_products()`.
- Components to lifecycle releases: `match_component(product, version, kind)`, `match_components(frame)`.
- Vendor and product names across organisations: `resolve_products(frame)`.
- Capabilities: `load_taxonomy(path)`, `map_capability(text)`, `map_capabilities(frame)`.
- Editable lists: `scarce_languages()`, `scarce_language(text)`, `commodity_capabilities()`,
  `saas_vendors()`.

Every function works on the bundled files by default and takes the user's own file to extend or
override them. The batched functions do their work once per distinct value, so they scale with
the number of distinct names, not rows. Bundled data is rebuilt from public sources with
`python -m appconsol.reference.build`; see data/README.md for sources and licences.
"""

from __future__ import annotations

from appconsol.reference.capabilities import CapabilityMatch, load_taxonomy, map_capabilities, map_capability
from appconsol.reference.components import Match, match_component, match_components
from appconsol.reference.lifecycle import (
    LIFECYCLE_SCHEMA,
    lifecycle_products,
    load_lifecycle,
    read_overrides,
    snapshot_info,
)
from appconsol.reference.lists import commodity_capabilities, saas_vendors, scarce_language, scarce_languages
from appconsol.reference.products import resolve_products
from appconsol.reference.resources import ReferenceDataError

__all__ = [
    "LIFECYCLE_SCHEMA",
    "CapabilityMatch",
    "Match",
    "ReferenceDataError",
    "commodity_capabilities",
    "lifecycle_products",
    "load_lifecycle",
    "load_taxonomy",
    "map_capabilities",
    "map_capability",
    "match_component",
    "match_components",
    "read_overrides",
    "resolve_products",
    "saas_vendors",
    "scarce_language",
    "scarce_languages",
    "snapshot_info",
]
