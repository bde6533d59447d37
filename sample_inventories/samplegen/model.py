"""The facts behind every sample row, independent of the export style that writes it.

An `App` holds canonical values (lifecycle "active", hosting "on-premises", costs as numbers...).
Each style's writer turns it into that style's cell text; `raw` overrides a cell with exactly the
text a planted row must carry ("£95,000,000", "next spring", "(500)").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

AS_OF = date(2026, 11, 25)
# LeanIX phase dates avoid (AS_OF, STABLE_UNTIL], so the current phase of every fact sheet is the
# same on any load day in that window.
STABLE_UNTIL = date(2028, 12, 31)
LIVE = ("phase-in", "active", "phase-out")
IMPLAUSIBLE_COST = 5_000_000  # every background cost is below this; planted outliers are above it


@dataclass(frozen=True)
class Org:
    code: str
    name: str
    org_type: str
    file: str
    style: str


ORGS: dict[str, Org] = {
    o.code: o
    for o in (
        Org(
            "WCC",
            "Wessex County Council",
            "county council",
            "wessex-county-council-servicenow.csv",
            "servicenow",
        ),
        Org(
            "WVH",
            "Wessex Valley NHS Foundation Trust",
            "NHS foundation trust",
            "wessex-valley-nhs-ft-leanix.xlsx",
            "leanix",
        ),
        Org(
            "AVDC",
            "Avonvale District Council",
            "district council",
            "avonvale-dc-application-register.xlsx",
            "avonvale",
        ),
        Org(
            "TBBC",
            "Thornbury Borough Council",
            "district council",
            "thornbury-bc-systems-list.csv",
            "thornbury",
        ),
        Org(
            "WFRS",
            "Wessex Fire and Rescue Service",
            "fire and rescue service",
            "wessex-fire-konveyor-import.csv",
            "konveyor",
        ),
    )
}

PARTNERSHIPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Wessex Partnership", ("WCC", "WVH", "AVDC", "TBBC", "WFRS"), "all five bodies"),
    ("Wessex Integrated Care System", ("WVH", "WCC"), "the trust and the county (adult social care)"),
    ("Avonvale and Thornbury Shared Services", ("AVDC", "TBBC"), "the two districts"),
)


@dataclass
class App:
    """One application (or one planted non-application row) of one organisation."""

    org: str
    name: str | None
    vendor: str | None = None
    caps: list[str] = field(default_factory=list)
    version: str | None = None
    description: str | None = None
    lifecycle: str | None = "active"
    criticality: str | None = None
    hosting: str | None = None
    country: str | None = None
    users: int | None = None
    classification: str | None = None
    personal: bool | None = None
    special: bool | None = None
    internet: bool | None = None
    ffit: int | None = None
    tfit: int | None = None
    owner: str | None = None
    tech_owner: str | None = None
    department: str | None = None
    languages: list[str] = field(default_factory=list)
    os: list[str] = field(default_factory=list)
    db: list[str] = field(default_factory=list)
    runtime: list[str] = field(default_factory=list)
    cost_licence: float | None = None
    cost_support: float | None = None
    cost_hosting: float | None = None
    cost_staff: float | None = None
    cost_total: float | None = None
    contract_end: date | None = None
    notice: str | None = None
    auto_renew: bool | None = None
    go_live: date | None = None
    in_house: bool = False
    app_id: str | None = None
    key: str | None = None  # planted key in ground_truth.yaml
    blank: frozenset[str] = frozenset()  # canonical fields deliberately left empty
    raw: dict[str, Any] = field(default_factory=dict)  # exact cell overrides by source header
    reject: str | None = None  # why the loader must reject this row
    note: str | None = None  # what the planted row is, for the README
    source_row: int | None = None  # filled by the writer
    cells: dict[str, Any] = field(default_factory=dict)  # filled by the writer

    @property
    def is_live(self) -> bool:
        return self.lifecycle in LIVE

    def costs(self) -> list[float]:
        return [
            c
            for c in (
                self.cost_licence,
                self.cost_support,
                self.cost_hosting,
                self.cost_staff,
                self.cost_total,
            )
            if c is not None
        ]
