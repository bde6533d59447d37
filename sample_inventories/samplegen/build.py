"""Assemble each body's rows (planted + background) and write its file in its own style."""

from __future__ import annotations

import random
from pathlib import Path

from . import planted
from .common import FileMeta
from .csv_styles import fire_owner, konveyor, servicenow, thornbury
from .model import ORGS, App
from .pools import background, complete
from .xlsx_styles import avonvale, leanix

# Application rows per file, rejected rows included (Avonvale's TOTAL row and Konveyor's
# dependency rows come on top).
TARGET_ROWS = {"WCC": 552, "WVH": 352, "AVDC": 221, "TBBC": 206, "WFRS": 152}
WRITERS = {"WCC": servicenow, "WVH": leanix, "AVDC": avonvale, "TBBC": thornbury, "WFRS": konveyor}


def build_apps(seed: int) -> dict[str, list[App]]:
    by_org: dict[str, list[App]] = {code: [] for code in ORGS}
    for app in planted.catalogue():
        by_org[app.org].append(app)
    for code, apps in by_org.items():
        rng = random.Random(f"{seed}-{code}-complete")
        for app in apps:
            if code == "WFRS" and app.owner is None and "owner" not in app.blank:
                app.owner = fire_owner(rng)
            complete(app, rng, app.department)
        used_names = {a.name.lower() for a in apps if a.name}
        used_caps = {c.lower() for a in apps for c in a.caps}
        extra = background(
            code,
            TARGET_ROWS[code] - len(apps),
            random.Random(f"{seed}-{code}-background"),
            used_names,
            used_caps,
        )
        if code == "WFRS":
            for app in extra:
                app.owner = fire_owner(rng)
        apps.extend(extra)
    return by_org


def write_files(by_org: dict[str, list[App]], out: Path, seed: int) -> dict[str, FileMeta]:
    return {code: WRITERS[code](by_org[code], out, random.Random(f"{seed}-{code}-write")) for code in ORGS}
