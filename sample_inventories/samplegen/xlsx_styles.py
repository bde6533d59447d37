"""The two workbook styles: a LeanIX fact-sheet export and Avonvale's hand-made register."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from .common import FileMeta, apply_raw, dmy, gbp, yes_no
from .model import AS_OF, ORGS, STABLE_UNTIL, App
from .pools import rand_date

CREATED = datetime(2026, 11, 20, 9, 15, 0)  # fixed so that reruns write identical bytes
ERROR_NA = "#N/A"

# --- LeanIX (trust) -------------------------------------------------------------------------------

LX_PHASES = [
    "Lifecycle: Plan",
    "Lifecycle: Phase In",
    "Lifecycle: Active",
    "Lifecycle: Phase Out",
    "Lifecycle: End Of Life",
]
LX_HEADERS = [
    "ID",
    "Type",
    "Name",
    "Description",
    *LX_PHASES,
    "Business Criticality",
    "Functional Fit",
    "Technical Fit",
    "Business Capabilities",
    "IT Components",
    "Provider",
    "Hosting Type",
    "Subscriptions: Responsible",
    "Tags",
    "Users",
    "Total Annual Cost",
    "Contract End Date",
    "Data Classification",
    "Special Category Data",
    "Hosting Country",
]
LX_CRITICALITY = {
    "mission-critical": "missionCritical",
    "business-critical": "businessCritical",
    "business-operational": "businessOperational",
    "administrative": "administrativeService",
}
LX_FUNCTIONAL = {1: "unreasonable", 2: "insufficient", 3: "appropriate", 4: "perfect"}
LX_TECHNICAL = {1: "inappropriate", 2: "unreasonable", 3: "adequate", 4: "fullyAppropriate"}
LX_HOSTING = {"on-premises": "On-Premise", "private-cloud": "Private Cloud", "iaas": "IaaS", "saas": "SaaS"}
PAST_LIMIT = date(2026, 10, 31)  # every past phase date is on or before this
FUTURE_FROM = date(2029, 1, 1)  # every future phase date is on or after this (> STABLE_UNTIL)


def _phases(app: App, rng: random.Random) -> dict[str, str]:
    """LeanIX phase dates whose latest date on/before any day in [AS_OF, STABLE_UNTIL] is app.lifecycle."""
    assert FUTURE_FROM > STABLE_UNTIL and PAST_LIMIT < AS_OF
    out = dict.fromkeys(LX_PHASES, "")
    lc = app.lifecycle
    if lc is None:
        return out
    live = app.go_live or rand_date(rng, date(2012, 1, 1), date(2025, 12, 31))
    if lc == "plan":
        out["Lifecycle: Plan"] = rand_date(rng, date(2026, 1, 5), PAST_LIMIT).isoformat()
        return out
    if lc == "phase-in":
        out["Lifecycle: Plan"] = rand_date(rng, date(2024, 9, 1), date(2025, 6, 30)).isoformat()
        out["Lifecycle: Phase In"] = rand_date(rng, date(2025, 7, 1), PAST_LIMIT).isoformat()
        return out
    if rng.random() < 0.5:
        out["Lifecycle: Plan"] = date(live.year - 1, live.month, 1).isoformat()
    phase_in = date(live.year, live.month, 1)
    if phase_in == live:
        phase_in = (live - timedelta(days=1)).replace(day=1)
    out["Lifecycle: Phase In"] = phase_in.isoformat()
    out["Lifecycle: Active"] = live.isoformat()
    if lc == "active" and rng.random() < 0.15:
        out["Lifecycle: Phase Out"] = rand_date(rng, FUTURE_FROM, date(2031, 12, 31)).isoformat()
    elif lc == "phase-out":
        out["Lifecycle: Phase Out"] = rand_date(rng, max(live, date(2024, 6, 1)), PAST_LIMIT).isoformat()
        if rng.random() < 0.6:
            out["Lifecycle: End Of Life"] = rand_date(rng, FUTURE_FROM, date(2030, 3, 31)).isoformat()
    elif lc == "retired":
        start = max(live + timedelta(days=30), date(2019, 1, 1))
        po = rand_date(rng, start, max(start, date(2025, 6, 30)))
        out["Lifecycle: Phase Out"] = po.isoformat()
        out["Lifecycle: End Of Life"] = rand_date(rng, po + timedelta(days=1), PAST_LIMIT).isoformat()
    return out


def leanix(apps: list[App], out: Path, rng: random.Random) -> FileMeta:
    org = ORGS["WVH"]
    apps.sort(key=lambda a: (a.name or "").lower())
    meta = FileMeta(
        file=org.file,
        organisation=org.name,
        style="leanix",
        format="xlsx",
        headers=LX_HEADERS,
        header_rows=[1],
        first_data_row=2,
        sheet="Export",
        other_sheets=[{"sheet": "Info", "what": "export metadata (key/value), not an inventory"}],
        notes=[
            "LeanIX Application fact-sheet export, sheet 'Export'. Lifecycle is five phase-date columns "
            "(ISO text); the current phase is the latest phase date on or before the load day. Past "
            f"phase dates are <= {PAST_LIMIT}, future ones >= {FUTURE_FROM}, so every current phase is "
            f"the same for any load between {AS_OF} and {STABLE_UNTIL}.",
            "Business Capabilities and IT Components are '; '-separated lists. Users, Total Annual "
            "Cost, Contract End Date, Data Classification, Special Category Data and Hosting Country "
            "are workspace custom fields.",
        ],
    )
    wb = xlsxwriter.Workbook(str(out / org.file), {"strings_to_numbers": False})
    wb.set_properties({"created": CREATED, "author": "LeanIX", "title": "Application export"})
    ws = wb.add_worksheet("Export")
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    for c, h in enumerate(LX_HEADERS):
        ws.write_string(0, c, h, bold)
    for i, app in enumerate(apps):
        app.app_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        tags = [app.department] if app.department else []
        if app.special:
            tags.append("DSPT in scope")
        if app.special and app.hosting != "saas":
            tags.append("Clinical Safety DCB0160")
        cells: dict[str, Any] = {
            "ID": app.app_id,
            "Type": "Application",
            "Name": app.name or "",
            "Description": app.description or "",
            **_phases(app, rng),
            "Business Criticality": LX_CRITICALITY.get(app.criticality or "", ""),
            "Functional Fit": LX_FUNCTIONAL.get(app.ffit or 0, ""),
            "Technical Fit": LX_TECHNICAL.get(app.tfit or 0, ""),
            "Business Capabilities": "; ".join(app.caps),
            "IT Components": "; ".join(app.os + app.db + app.runtime),
            "Provider": app.vendor or "",
            "Hosting Type": LX_HOSTING.get(app.hosting or "", ""),
            "Subscriptions: Responsible": app.owner or "",
            "Tags": "; ".join(tags),
            "Users": app.users if app.users is not None else "",
            "Total Annual Cost": app.cost_total if app.cost_total is not None else "",
            "Contract End Date": app.contract_end.isoformat() if app.contract_end else "",
            "Data Classification": (app.classification or "").upper(),
            "Special Category Data": yes_no(app.special, "Yes", "No"),
            "Hosting Country": app.country or "",
        }
        app.cells = apply_raw(app, cells)
        app.source_row = i + 2
        for c, h in enumerate(LX_HEADERS):
            _write(ws, i + 1, c, app.cells[h])
        if app.reject:
            meta.rejected.append(
                {"key": app.key, "source_row": app.source_row, "name": app.name, "reason": app.reject}
            )
    meta.data_rows = len(apps)
    ws.autofilter(0, 0, len(apps), len(LX_HEADERS) - 1)
    ws.freeze_panes(1, 3)
    ws.set_column(0, 0, 38)
    ws.set_column(2, 3, 34)
    ws.set_column(4, len(LX_HEADERS) - 1, 18)
    info = wb.add_worksheet("Info")
    for r, (k, v) in enumerate(
        (
            ("Workspace", "Wessex Valley NHS FT - Digital Architecture"),
            ("Fact Sheet Type", "Application"),
            ("Exported", "2026-11-20 09:15 UTC"),
            ("Number of Fact Sheets", str(len(apps))),
            ("View", "All Applications (incl. archived lifecycle)"),
        )
    ):
        info.write_string(r, 0, k, bold)
        info.write_string(r, 1, v)
    info.set_column(0, 1, 40)
    wb.close()
    return meta


def _write(ws, r: int, c: int, value: Any, fmt=None) -> None:
    if value is None or value == "":
        if fmt is not None:
            ws.write_blank(r, c, None, fmt)
    elif isinstance(value, str):
        ws.write_string(r, c, value, fmt)
    elif isinstance(value, (date, datetime)):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), fmt)
    else:
        ws.write_number(r, c, value, fmt)


# --- Avonvale District Council: hand-made register ---------------------------------------------

AV_SINGLE = ["Ref"]
AV_GROUPS: list[tuple[str | None, list[str]]] = [
    (None, ["Ref"]),
    ("Application", ["Name", "Supplier", "Version", "Description"]),
    (None, ["Service area"]),
    (None, ["Business owner"]),
    (None, ["Capability"]),
    (None, ["Status"]),
    (None, ["Criticality"]),
    (None, ["Hosted"]),
    (None, ["Server OS"]),
    (None, ["Database"]),
    (None, ["Technology"]),
    (None, ["Users"]),
    ("Annual costs (£)", ["Licence", "Support", "Hosting", "Staff", "Total"]),
    ("Contract", ["End date", "Notice", "Auto-renew"]),
    (None, ["Personal data?"]),
    (None, ["Internet facing?"]),
    (None, ["Fit for purpose"]),
    (None, ["Go-live"]),
    (None, ["Remarks"]),
]
AV_HEADERS = [h for _, hs in AV_GROUPS for h in hs]
AV_COL = {h: i for i, h in enumerate(AV_HEADERS)}
AV_COST_LINES = ["Licence", "Support", "Hosting", "Staff"]
AV_STATUS = {
    "plan": "Planned",
    "phase-in": "Implementation",
    "active": "Live",
    "phase-out": "Being decommissioned",
    "retired": "Retired",
}
AV_CRITICALITY = {
    "mission-critical": "Critical",
    "business-critical": "High",
    "business-operational": "Medium",
    "administrative": "Low",
}
AV_HOSTED = {
    "on-premises": "On premise",
    "private-cloud": "Supplier hosted",
    "iaas": "Cloud",
    "saas": "Cloud",
}
AV_FIT = {4: "Good", 3: "Good", 2: "Fair", 1: "Poor"}
AV_FIRST_DATA = 6  # sheet row of the first data row (1-based)
AV_REMARKS = (
    "",
    "",
    "",
    "",
    "Review at renewal",
    "Linked to website forms",
    "Key system - BCP tier 1",
    "Licences under review",
)


def _abbrev_avonvale(item: str) -> str:
    """Background rows are typed by hand: 'Windows 2019', 'SQL 2017'."""
    return item.replace("Windows Server ", "Windows ").replace("SQL Server ", "SQL ")


def avonvale(apps: list[App], out: Path, rng: random.Random) -> FileMeta:
    org = ORGS["AVDC"]
    apps.sort(key=lambda a: ((a.department or "").lower(), (a.name or "~").lower()))
    # Refs follow the sheet order with gaps where rows were deleted over the years.
    n = 0
    for app in apps:
        n += rng.choice((1, 1, 1, 2, 3))
        app.app_id = f"AV-{n:04d}"
    dup = next(a for a in apps if a.reject == "duplicate app id")
    before = [a for a in apps[: apps.index(dup)] if a.key is None and a.lifecycle == "active"]
    original = rng.choice(before)
    original.key, original.note = "AVDC-DUPREF-ORIGINAL", "First row carrying the duplicated Ref: loaded."
    dup.app_id = original.app_id
    # Blank rows where sections change, as people leave them.
    changes = [i for i in range(1, len(apps)) if apps[i].department != apps[i - 1].department]
    blank_before = set(rng.sample(changes, 3))

    meta = FileMeta(
        file=org.file,
        organisation=org.name,
        style="avonvale",
        format="xlsx",
        headers=AV_HEADERS,
        header_rows=[4, 5],
        first_data_row=AV_FIRST_DATA,
        sheet="Application Register",
        other_sheets=[
            {"sheet": "README", "what": "prose only"},
            {"sheet": "Lookups", "what": "lists for drop-downs and the Users VLOOKUP; not an inventory"},
            {
                "sheet": "Old register 2019",
                "what": "HIDDEN stale register; must not be loaded",
                "hidden": True,
            },
        ],
        notes=[
            "Rows 1-2 are titles, row 3 is blank, rows 4-5 are a two-row header: row 4 holds group cells "
            "merged across their columns ('Application', 'Annual costs (£)', 'Contract') and, for "
            "ungrouped columns, the header merged down over rows 4-5; row 5 holds the sub-headers.",
            "Sub-headers only make sense with their group: under 'Annual costs (£)', 'Hosting' is the "
            "hosting COST (the 'Hosted' column is the hosting model); under 'Contract', 'End date' is the "
            "contract end date and 'Notice' the notice period.",
            "Two trailing columns past 'Remarks' are formatted (borders, fill) but empty.",
            "Costs are numbers formatted '£#,##0' or text ('£12,500', '12.5k', '£1,200.50', '(500)', "
            "'TBC'); Total is =SUM(...) of the four lines where all four are numbers, else a typed number.",
            "Dates are date cells formatted dd/mm/yyyy, or text ('31/03/2028', 'March 2027', 'next spring').",
            "The last data row is a TOTAL row (Ref 'TOTAL', no Name, =SUM formulas): rejected as a row "
            "without a name.",
        ],
    )
    wb = xlsxwriter.Workbook(str(out / org.file))
    wb.set_properties({"created": CREATED, "author": "ICT Services", "title": "Application Register"})
    f = _avonvale_formats(wb)
    _avonvale_readme(wb.add_worksheet("README"), f)
    ws = wb.add_worksheet("Application Register")
    lookups = wb.add_worksheet("Lookups")
    old = wb.add_worksheet("Old register 2019")
    last_col = len(AV_HEADERS) - 1
    trailing = (last_col + 1, last_col + 2)

    ws.write_string(0, 0, "Avonvale District Council — Application Register", f["title"])
    ws.write_string(1, 0, "Last updated: March 2026 — owner: ICT", f["subtitle"])
    col = 0
    for group, subs in AV_GROUPS:
        if group is None:
            ws.merge_range(3, col, 4, col, subs[0], f["head"])
        else:
            ws.merge_range(3, col, 3, col + len(subs) - 1, group, f["group"])
            for k, sub in enumerate(subs):
                ws.write_string(4, col + k, sub, f["head"])
        col += len(subs)
    for c in trailing:
        ws.write_blank(3, c, None, f["trail"])
        ws.write_blank(4, c, None, f["trail"])

    r = AV_FIRST_DATA - 1  # 0-based sheet row
    col_sums = dict.fromkeys([*AV_COST_LINES, "Total"], 0.0)
    for i, app in enumerate(apps):
        if i in blank_before:
            meta.blank_rows.append(r + 1)
            for c in trailing:
                ws.write_blank(r, c, None, f["trail"])
            r += 1
        cells, formulas = _avonvale_cells(app, rng, r)
        app.cells = apply_raw(app, cells)
        app.source_row = r + 1
        for h in AV_HEADERS:
            value = app.cells[h]
            fmt = _avonvale_fmt(f, h, value)
            if h in formulas and not any(k in app.raw for k in (*AV_COST_LINES, "Total")):
                ws.write_formula(r, AV_COL[h], formulas[h], fmt, value)
            elif value == ERROR_NA:
                cell = xl_rowcol_to_cell(r, AV_COL["Name"])
                ws.write_formula(r, AV_COL[h], f"=VLOOKUP({cell},Lookups!$D:$E,2,FALSE)", fmt, ERROR_NA)
            else:
                _write(ws, r, AV_COL[h], value, fmt)
            if h in col_sums and isinstance(value, (int, float)):
                col_sums[h] += value
        for c in trailing:
            ws.write_blank(r, c, None, f["trail"])
        if app.reject:
            meta.rejected.append(
                {
                    "key": app.key,
                    "source_row": app.source_row,
                    "app_id": app.app_id,
                    "name": app.name,
                    "reason": app.reject,
                    **(
                        {"duplicate_of_row": original.source_row, "duplicate_of_name": original.name}
                        if app is dup
                        else {}
                    ),
                }
            )
        r += 1
    # The TOTAL row people add at the bottom.
    ws.write_string(r, AV_COL["Ref"], "TOTAL", f["total"])
    for h, total in col_sums.items():
        c = AV_COL[h]
        rng_ref = f"{xl_rowcol_to_cell(AV_FIRST_DATA - 1, c)}:{xl_rowcol_to_cell(r - 1, c)}"
        ws.write_formula(r, c, f"=SUM({rng_ref})", f["total_money"], round(total, 2))
    meta.skipped.append(
        {
            "key": "AVDC-REJECT-TOTALROW",
            "source_row": r + 1,
            "app_id": "TOTAL",
            "name": None,
            "reason": "skipped: summary row (labelled as a total)",
        }
    )
    total_row = r + 1
    meta.data_rows = (total_row - AV_FIRST_DATA + 1) - len(meta.blank_rows)

    ws.autofilter(4, 0, r - 1, last_col)
    ws.freeze_panes(AV_FIRST_DATA - 1, 2)
    ws.data_validation(
        AV_FIRST_DATA - 1,
        AV_COL["Status"],
        r - 1,
        AV_COL["Status"],
        {"validate": "list", "source": "=Lookups!$A$2:$A$7", "error_type": "warning"},
    )
    widths = {"Ref": 9, "Name": 34, "Supplier": 26, "Version": 9, "Description": 40, "Capability": 26}
    for h, c in AV_COL.items():
        ws.set_column(c, c, widths.get(h, 14))
    ws.set_column(trailing[0], trailing[1], 12)
    ws.activate()

    for k, (a, b) in enumerate(
        (
            ("Status", "Service areas"),
            ("Live", "Planning"),
            ("In use", "Finance"),
            ("Planned", "ICT"),
            ("Implementation", "Housing"),
            ("Being decommissioned", "Legal"),
            ("Retired", "Environmental Services"),
        )
    ):
        lookups.write_string(k, 0, a, f["head"] if k == 0 else None)
        lookups.write_string(k, 1, b, f["head"] if k == 0 else None)
    lookups.write_string(0, 3, "Application (licence export)", f["head"])
    lookups.write_string(0, 4, "Licensed users", f["head"])
    _avonvale_old_register(old, f)
    old.hide()
    wb.close()
    meta.notes.append(f"Data rows span sheet rows {AV_FIRST_DATA}-{total_row}; blank rows {meta.blank_rows}.")
    return meta


def _avonvale_cells(app: App, rng: random.Random, r: int) -> tuple[dict[str, Any], dict[str, str]]:
    background = app.key is None
    lines = {
        "Licence": app.cost_licence,
        "Support": app.cost_support,
        "Hosting": app.cost_hosting,
        "Staff": app.cost_staff,
    }
    cost_cells: dict[str, Any] = dict(lines)
    text_line = False
    if background and app.lifecycle == "plan":
        cost_cells = dict.fromkeys(AV_COST_LINES, "TBC")
        total: Any = "TBC"
        app.cost_licence = app.cost_support = app.cost_hosting = app.cost_staff = app.cost_total = None
        text_line = True
    else:
        if background:
            for h, v in lines.items():
                if v is not None and rng.random() < 0.08:
                    cost_cells[h] = gbp(v)
                    text_line = True
        total = app.cost_total
    formulas: dict[str, str] = {}
    numeric = all(isinstance(cost_cells[h], (int, float)) or cost_cells[h] is None for h in AV_COST_LINES)
    line_sum = sum(v for v in lines.values() if v is not None)
    if total is not None and total != "TBC" and numeric and not text_line and abs(line_sum - total) < 0.005:
        first, last = xl_rowcol_to_cell(r, AV_COL["Licence"]), xl_rowcol_to_cell(r, AV_COL["Staff"])
        formulas["Total"] = f"=SUM({first}:{last})"
    end: Any = app.contract_end
    if background and end is not None and rng.random() < 0.15:
        end = dmy(end)
    tech = ", ".join(app.languages)
    cells: dict[str, Any] = {
        "Ref": app.app_id,
        "Name": app.name or "",
        "Supplier": app.vendor or ("In house" if app.in_house else ""),
        "Version": app.version or "",
        "Description": app.description or "",
        "Service area": app.department or "",
        "Business owner": app.owner or "",
        "Capability": ", ".join(app.caps),
        "Status": ("In use" if background and rng.random() < 0.2 else "Live")
        if app.lifecycle == "active"
        else AV_STATUS.get(app.lifecycle or "", ""),
        "Criticality": AV_CRITICALITY.get(app.criticality or "", ""),
        "Hosted": (
            "SaaS"
            if app.hosting == "saas" and background and rng.random() < 0.3
            else AV_HOSTED.get(app.hosting or "", "")
        ),
        "Server OS": ", ".join(_abbrev_avonvale(x) if background else x for x in app.os),
        "Database": ", ".join(_abbrev_avonvale(x) if background else x for x in app.db),
        "Technology": tech,
        "Users": app.users if app.users is not None else "",
        **{h: ("" if v is None else v) for h, v in cost_cells.items()},
        "Total": "" if total is None else total,
        "End date": "" if end is None else end,
        "Notice": app.notice or "",
        "Auto-renew": yes_no(app.auto_renew),
        "Personal data?": yes_no(app.personal),
        "Internet facing?": yes_no(app.internet),
        "Fit for purpose": AV_FIT.get(app.ffit or 0, ""),
        "Go-live": app.go_live or "",
        "Remarks": rng.choice(AV_REMARKS) if background else "",
    }
    return cells, formulas


def _avonvale_formats(wb) -> dict[str, Any]:
    border = {"border": 1, "border_color": "#A6A6A6"}
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "subtitle": wb.add_format({"italic": True, "font_color": "#595959"}),
        "group": wb.add_format({"bold": True, "align": "center", "bg_color": "#BDD7EE", **border}),
        "head": wb.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", **border}
        ),
        "text": wb.add_format({"text_wrap": False, **border}),
        "money": wb.add_format({"num_format": "£#,##0", **border}),
        "date": wb.add_format({"num_format": "dd/mm/yyyy", **border}),
        "int": wb.add_format({"num_format": "0", **border}),
        "trail": wb.add_format({"bg_color": "#F2F2F2", **border}),
        "total": wb.add_format({"bold": True, "top": 2}),
        "total_money": wb.add_format({"bold": True, "top": 2, "num_format": "£#,##0"}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
    }


def _avonvale_fmt(f: dict[str, Any], header: str, value: Any):
    if isinstance(value, date):
        return f["date"]
    if header in (*AV_COST_LINES, "Total") and isinstance(value, (int, float)):
        return f["money"]
    if header == "Users" and isinstance(value, int):
        return f["int"]
    return f["text"]


def _avonvale_readme(ws, f: dict[str, Any]) -> None:
    lines = (
        "Avonvale District Council — Application Register",
        "",
        "This workbook lists every application the council pays for or runs, with costs and contracts.",
        "Please keep the 'Application Register' sheet up to date when systems are bought, changed or retired.",
        "Costs are annual and exclude VAT. 'TBC' means the figure is not yet known.",
        "Service areas own their rows; ICT owns the workbook. Questions to ict.applications@avonvale.example.",
        "The 2019 register is kept for audit only and is not maintained.",
    )
    for r, text in enumerate(lines):
        ws.write_string(r, 0, text, f["wrap"] if r else f["title"])
    ws.set_column(0, 0, 110)


def _avonvale_old_register(ws, f: dict[str, Any]) -> None:
    """Stale 2019 data that must not be loaded: systems since replaced or renamed."""
    rows = (
        ("App", "Supplier", "Area", "Cost", "Status"),
        ("Acolaid", "Idox", "Planning", 38_000, "Live"),
        ("Capita Academy Revenues", "Capita", "Revenues", 120_000, "Live"),
        ("Capita Academy Benefits", "Capita", "Benefits", 60_000, "Live"),
        ("Exchange 2010", "Microsoft", "ICT", 12_000, "Live"),
        ("Agresso 5.7", "Unit4", "Finance", 70_000, "Live"),
        ("Lotus Notes", "IBM", "ICT", 9_000, "Being replaced"),
        ("Cemeteries database", "In house", "Environmental", 0, "Live"),
        ("Whitespace", "Whitespace", "Waste", 35_000, "Live"),
        ("Civica Icon", "Civica", "Finance", 15_000, "Live"),
        ("Idox Uniform", "Idox", "Planning", 0, "Implementation"),
    )
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            _write(ws, r, c, v, f["head"] if r == 0 else None)
    ws.set_column(0, 4, 22)
