"""The three CSV styles: ServiceNow export, Thornbury's hand-made list, a Konveyor import file."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from .common import FileMeta, apply_raw, dmy, gbp, plain_number, slug, timestamp, write_csv_bytes
from .model import ORGS, App
from .pools import person

# --- ServiceNow (county) -----------------------------------------------------------------------

SN_HEADERS = [
    "Number",
    "Name",
    "Short description",
    "Vendor",
    "Version",
    "Business owner",
    "IT application owner",
    "Install type",
    "Life cycle stage",
    "Business criticality",
    "Data classification",
    "Operating system",
    "Database",
    "Technology stack",
    "Business capability",
    "Users supported",
    "Annual cost",
    "Contract end date",
    "Department",
    "Personal data",
    "Internet facing",
    "Sys ID",
    "Updated",
]
SN_LIFECYCLE = {
    "plan": "Ideation",
    "phase-in": "Development",
    "active": "Operational",
    "phase-out": "Sunset",
    "retired": "Retired",
}
SN_CRITICALITY = {
    "mission-critical": "1 - most critical",
    "business-critical": "2 - somewhat critical",
    "business-operational": "3 - less critical",
    "administrative": "4 - not critical",
}
SN_INSTALL = {
    "on-premises": "On-Premise",
    "private-cloud": "Cloud-Hosted",
    "iaas": "Cloud-Hosted",
    "saas": "SaaS",
}


def _tf(b: bool | None) -> str:
    return "" if b is None else "true" if b else "false"


def servicenow(apps: list[App], out: Path, rng: random.Random) -> FileMeta:
    org = ORGS["WCC"]
    for app, n in zip(apps, rng.sample(range(1001, 4000), len(apps)), strict=True):
        app.app_id = f"APM{n:07d}"
    apps.sort(key=lambda a: ((a.name or "").lower(), a.app_id))
    dup = next(a for a in apps if a.reject == "duplicate app id")
    before = [a for a in apps[: apps.index(dup)] if a.key is None and a.lifecycle == "active"]
    original = rng.choice(before)
    original.key, original.note = "WCC-DUPID-ORIGINAL", "First row carrying the duplicated Number: loaded."
    dup.app_id = original.app_id
    meta = FileMeta(
        file=org.file,
        organisation=org.name,
        style="servicenow",
        format="csv",
        headers=SN_HEADERS,
        header_rows=[1],
        first_data_row=2,
        encoding="utf-8-sig",
        delimiter=",",
        notes=[
            "UTF-8 with BOM, every field quoted, CRLF line ends; some descriptions hold commas and "
            "embedded newlines, so physical lines outnumber records.",
            "source_row counts records as a spreadsheet shows them: header = row 1, first record = row 2.",
            "'Sys ID' and 'Updated' map to no field ('Sys ID' is also listed as an app_id alias in "
            "schema.py: 'Number' is the id the loader must prefer).",
        ],
    )
    rows = [SN_HEADERS]
    for i, app in enumerate(apps):
        if app.key is None and app.description and rng.random() < 0.1:
            app.description += (
                f"\nSupport hours, escalation contacts and runbook: see KB{rng.randrange(10000, 99999)}."
            )
        cells = {
            "Number": app.app_id,
            "Name": app.name or "",
            "Short description": app.description or "",
            "Vendor": app.vendor or "",
            "Version": app.version or "",
            "Business owner": app.owner or "",
            "IT application owner": app.tech_owner or "",
            "Install type": SN_INSTALL.get(app.hosting or "", ""),
            "Life cycle stage": SN_LIFECYCLE.get(app.lifecycle or "", ""),
            "Business criticality": SN_CRITICALITY.get(app.criticality or "", ""),
            "Data classification": (app.classification or "").upper(),
            "Operating system": ", ".join(app.os),
            "Database": ", ".join(("Microsoft " + x) if x.startswith("SQL Server") else x for x in app.db),
            "Technology stack": ", ".join(app.runtime),
            "Business capability": ", ".join(app.caps),
            "Users supported": "" if app.users is None else str(app.users),
            "Annual cost": plain_number(app.cost_total),
            "Contract end date": ""
            if app.contract_end is None
            else f"{app.contract_end.isoformat()} 00:00:00",
            "Department": app.department or "",
            "Personal data": _tf(app.personal),
            "Internet facing": _tf(app.internet),
            "Sys ID": f"{rng.getrandbits(128):032x}",
            "Updated": timestamp(rng, date(2025, 1, 6), date(2026, 11, 20)),
        }
        app.cells = apply_raw(app, cells)
        app.source_row = i + 2
        rows.append([app.cells[h] for h in SN_HEADERS])
        if app.reject:
            meta.rejected.append(_rejected(app, original if app is dup else None))
    meta.data_rows = len(apps)
    write_csv_bytes(out / org.file, rows, delimiter=",", encoding="utf-8-sig", quote_all=True)
    return meta


def _rejected(app: App, original: App | None) -> dict:
    entry = {
        "key": app.key,
        "source_row": app.source_row,
        "app_id": app.app_id,
        "name": app.name,
        "reason": app.reject,
    }
    if original is not None:
        entry["duplicate_of_row"] = original.source_row
        entry["duplicate_of_name"] = original.name
    return entry


# --- Thornbury Borough Council: semicolon, cp1252 -------------------------------------------------

TB_HEADERS = [
    "System",
    "Supplier",
    "Service area",
    "Owner",
    "What it does",
    "Status",
    "Hosted",
    "Live date",
    "Annual cost",
    "Contract expires",
    "Users",
    "Capability",
    "Server OS",
    "DB",
]
TB_STATUS = {
    "plan": "Planned",
    "phase-in": "Implementation",
    "active": "Live",
    "phase-out": "To be retired",
    "retired": "Decommissioned",
}
TB_HOSTED = {
    "on-premises": "On premise",
    "private-cloud": "Supplier hosted",
    "iaas": "Cloud",
    "saas": "Cloud",
}
TB_FLAVOUR = (
    "Replaces the old café licensing spreadsheet – see ICT.",
    "Used by the team daily; £ figures exclude VAT.",
    "Supplier support via portal – no phone line.",
)


def _abbreviate(item: str, rng: random.Random) -> str:
    """Hand-typed component names in background rows: 'Win 2019', 'MS SQL 2017'."""
    if rng.random() > 0.3:
        return item
    if item.startswith("Windows Server "):
        return "Win " + item.removeprefix("Windows Server ")
    if item.startswith("SQL Server "):
        return "MS SQL " + item.removeprefix("SQL Server ")
    return item


def thornbury(apps: list[App], out: Path, rng: random.Random) -> FileMeta:
    org = ORGS["TBBC"]
    apps.sort(key=lambda a: ((a.department or "").lower(), (a.name or "~").lower()))
    meta = FileMeta(
        file=org.file,
        organisation=org.name,
        style="thornbury",
        format="csv",
        headers=TB_HEADERS,
        header_rows=[1],
        first_data_row=2,
        encoding="cp1252",
        delimiter=";",
        notes=[
            "Windows-1252 (cp1252): '£' is byte 0xA3, '–' 0x96, 'é' 0xE9. Semicolon-delimited, "
            "minimal quoting, CRLF line ends. No id column: app ids are derived from System.",
            "'TBC' in Contract expires is the unknown token (NULL, not a problem).",
        ],
    )
    rows = [TB_HEADERS]
    for i, app in enumerate(apps):
        if app.key is None and app.description and rng.random() < 0.08:
            app.description += " " + rng.choice(TB_FLAVOUR)
        contract = dmy(app.contract_end)
        if app.key is None and app.contract_end and app.is_live and rng.random() < 0.04:
            app.contract_end, contract = None, "TBC"
        cost = app.cost_total
        cost_text = "" if cost is None else plain_number(cost) if rng.random() < 0.2 else gbp(cost)
        cells = {
            "System": app.name or "",
            "Supplier": app.vendor or ("In house" if app.in_house else ""),
            "Service area": app.department or "",
            "Owner": app.owner or "",
            "What it does": app.description or "",
            "Status": TB_STATUS.get(app.lifecycle or "", ""),
            "Hosted": TB_HOSTED.get(app.hosting or "", ""),
            "Live date": dmy(app.go_live),
            "Annual cost": cost_text,
            "Contract expires": contract,
            "Users": "" if app.users is None else str(app.users),
            "Capability": ", ".join(app.caps),
            "Server OS": ", ".join(x if app.key else _abbreviate(x, rng) for x in app.os),
            "DB": ", ".join(x if app.key else _abbreviate(x, rng) for x in app.db),
        }
        app.cells = apply_raw(app, cells)
        app.source_row = i + 2
        rows.append([app.cells[h] for h in TB_HEADERS])
        if app.reject:
            meta.rejected.append(_rejected(app, None))
    meta.data_rows = len(apps)
    write_csv_bytes(out / org.file, rows, delimiter=";", encoding="cp1252", quote_all=False)
    return meta


# --- Wessex Fire and Rescue Service: Konveyor application import -------------------------------

KONVEYOR_TAG_PAIRS = 10
KV_HEADERS = [
    "Record Type 1",
    "Application Name",
    "Description",
    "Comments",
    "Business Service",
    "Dependency",
    "Dependency Direction",
    "Binary Group",
    "Binary Artifact",
    "Binary Version",
    "Binary Packaging",
    "Repository Type",
    "Repository URL",
    "Repository Branch",
    "Repository Path",
] + [h for n in range(1, KONVEYOR_TAG_PAIRS + 1) for h in (f"Tag Category {n}", f"Tag {n}")]
KV_LIFECYCLE = {
    "plan": "Planned",
    "phase-in": "Implementation",
    "active": "Live",
    "phase-out": "Being retired",
    "retired": "Retired",
}
KV_HOSTING = {"on-premises": "On-Premise", "private-cloud": "Private Cloud", "iaas": "IaaS", "saas": "SaaS"}
KV_COMMENTS = (
    "",
    "",
    "",
    "Candidate for containerisation",
    "Assess for Azure migration in 2027",
    "Supplier roadmap awaited",
    "Interfaces with Vision Mobilising",
    "Single developer - key person risk",
)
LEGACY_LANGUAGES = ("COBOL", "Delphi", "PowerBuilder", "VB6")
# (application, dependency, direction); southbound: the application calls the dependency.
FIRE_DEPENDENCIES = (
    ("Vision Mobilising", "Gartan Availability", "southbound"),
    ("Vision Mobilising", "FireWatch", "southbound"),
    ("Vision Mobilising", "ArcGIS Pro", "southbound"),
    ("Vision Mobilising", "Hydrant Inspection Manager", "southbound"),
    ("Incident Data Warehouse", "Vision Mobilising", "southbound"),
    ("Incident Data Warehouse", "Incident Recording System (IRS)", "northbound"),
    ("Incident Data Warehouse", "CFRMIS", "southbound"),
    ("Firefighters' Pension Payroll", "iTrent HR & Payroll", "southbound"),
    ("Firefighters' Pension Payroll", "Unit4 Agresso", "northbound"),
    ("Gartan Availability", "iTrent HR & Payroll", "northbound"),
    ("Station Portal", "FireWatch", "southbound"),
    ("Station Portal", "Training Records (legacy)", "southbound"),
    ("Safe and Well Visit Booking", "CFRMIS", "southbound"),
    ("Fleet Defect Logger", "Redkite", "southbound"),
    ("Topdesk SaaS", "Office 365", "southbound"),
    ("Hazmat Data Sheets Viewer", "Vision Mobilising", "northbound"),
)


def konveyor(apps: list[App], out: Path, rng: random.Random) -> FileMeta:
    org = ORGS["WFRS"]
    apps.sort(key=lambda a: (a.name or "").lower())
    meta = FileMeta(
        file=org.file,
        organisation=org.name,
        style="konveyor",
        format="csv",
        headers=KV_HEADERS,
        header_rows=[1],
        first_data_row=2,
        encoding="utf-8",
        delimiter=",",
        notes=[
            "Konveyor (tackle2) application-import CSV: the header is positional; 'Record Type 1' = 1 is "
            "an application row, 2 a dependency row (Application Name depends on Dependency; "
            "southbound = the application calls it, northbound = it calls the application).",
            "Dependency rows are short (7 fields), as in Konveyor's own template; application rows "
            f"carry all {len(KV_HEADERS)} fields.",
            f"{KONVEYOR_TAG_PAIRS} Tag Category/Tag pairs (Konveyor's template allows 20). Categories "
            "used: Capability (1-2 per app), Vendor, Language, Operating System, Database, Runtime, "
            "Hosting, Owner, Lifecycle; an app lists only the categories it has, so a category's "
            "position varies from row to row.",
            "No cost, contract, criticality or classification fields exist in this export.",
        ],
    )
    rows = [KV_HEADERS]
    for i, app in enumerate(apps):
        app.cells = apply_raw(app, _konveyor_cells(app, rng))
        app.source_row = i + 2
        rows.append([app.cells[h] for h in KV_HEADERS])
        if app.reject:
            meta.rejected.append(_rejected(app, None))
    names = {a.name for a in apps}
    for n, (name, dep, direction) in enumerate(FIRE_DEPENDENCIES):
        assert name in names and dep in names, (name, dep)
        rows.append(["2", name, "", "", "", dep, direction])
        meta.non_application_rows.append(
            {"source_row": len(apps) + 2 + n, "application": name, "dependency": dep, "direction": direction}
        )
    meta.data_rows = len(rows) - 1
    write_csv_bytes(out / org.file, rows, delimiter=",", encoding="utf-8", quote_all=False)
    return meta


def _konveyor_cells(app: App, rng: random.Random) -> dict[str, str]:
    cells = dict.fromkeys(KV_HEADERS, "")
    cells["Record Type 1"] = "1"
    cells["Application Name"] = app.name or ""
    cells["Description"] = app.description or ""
    cells["Comments"] = "" if app.key else rng.choice(KV_COMMENTS)
    cells["Business Service"] = app.department or ""
    name_slug = slug(app.name or "unnamed")
    if app.in_house and app.name:
        legacy = any(lang in LEGACY_LANGUAGES for lang in app.languages)
        if legacy:
            cells["Repository Type"] = "svn"
            cells["Repository URL"] = f"svn://svn.wfrs.internal/legacy/{name_slug}"
            cells["Repository Path"] = "/trunk"
        else:
            cells["Repository Type"] = "git"
            cells["Repository URL"] = f"https://gitlab.wfrs.internal/ict/{name_slug}.git"
            cells["Repository Branch"] = "main"
        if "Java" in app.languages:
            cells["Binary Group"] = "uk.gov.wessexfire"
            cells["Binary Artifact"] = name_slug
            cells["Binary Version"] = f"{rng.randrange(1, 5)}.{rng.randrange(0, 12)}.{rng.randrange(0, 9)}"
            cells["Binary Packaging"] = rng.choice(("war", "jar"))
    tags: list[tuple[str, str]] = [("Capability", c) for c in app.caps]
    if app.vendor:
        tags.append(("Vendor", app.vendor))
    tags += [("Language", x) for x in app.languages]
    tags += [("Operating System", x) for x in app.os]
    tags += [("Database", x) for x in app.db]
    tags += [("Runtime", x) for x in app.runtime]
    if app.hosting:
        tags.append(("Hosting", KV_HOSTING[app.hosting]))
    if app.owner:
        tags.append(("Owner", app.owner))
    if app.lifecycle:
        tags.append(("Lifecycle", KV_LIFECYCLE[app.lifecycle]))
    if len(tags) > KONVEYOR_TAG_PAIRS:
        raise ValueError(f"{app.name}: {len(tags)} tags do not fit {KONVEYOR_TAG_PAIRS} pairs")
    for n, (category, tag) in enumerate(tags, start=1):
        cells[f"Tag Category {n}"], cells[f"Tag {n}"] = category, tag
    return cells


def fire_owner(rng: random.Random) -> str:
    return rng.choice(("Head of ICT", "Area Manager Prevention", "Head of Control", person(rng), person(rng)))
