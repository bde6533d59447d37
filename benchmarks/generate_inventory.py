#!/usr/bin/env python
"""Write synthetic application inventories of any size across many organisations, for benchmarks.

Columns use plain hand-made-register headers that schema.py's aliases recognise, with the mess real
registers have: £-formatted and "12.5k" costs, dd/mm/yyyy and ISO dates, Y/N flags, "TBC" and blank
cells, and semicolon lists of capabilities. Every column is built with numpy/polars in one pass,
so a million CSV rows take seconds. Capabilities come from ~150 families written in each
organisation's own wording and qualified by service area; within each organisation 5-20% of the
apps share their primary capability with another app (the overlaps an analysis should find), and
every family recurs across organisations (convergence).

    python benchmarks/generate_inventory.py --apps 1000000 --orgs 400 --format csv --out benchmarks/data
    python benchmarks/generate_inventory.py --apps 100000 --orgs 50 --format xlsx --out benchmarks/data
    python benchmarks/generate_inventory.py --apps 20000 --orgs 40 --split --out benchmarks/data/split

Exit status: 0 written, 2 bad arguments. The summary goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl
import xlsxwriter

XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit less the header row
AS_OF = date(2026, 11, 25)  # contract and go-live dates are drawn around this day
CREATED = datetime(2026, 1, 1)  # fixed workbook timestamp: same seed, same bytes

HEADERS = [
    "Organisation",
    "App ID",
    "Application Name",
    "Supplier",
    "Version",
    "Lifecycle",
    "Business Criticality",
    "Hosting",
    "Users",
    "Licence Cost",
    "Support Cost",
    "Hosting Cost",
    "Staff Cost",
    "Total Cost",
    "Contract End Date",
    "Capabilities",
    "Operating System",
    "Database",
    "Business Owner",
    "Go Live Date",
    "Functional Fit",
    "Technical Fit",
    "Personal Data",
    "Internet Facing",
]

# ~150 capability families, each with the wordings different bodies use for it.
CAPABILITY_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("Finance", "Financial Management", "Finance & Accounts"),
    ("Accounts Payable", "Creditors", "Purchase Ledger"),
    ("Accounts Receivable", "Debtors", "Sales Ledger"),
    ("Budget Management", "Budgeting and Forecasting"),
    ("Payroll", "HR and Payroll", "Payroll & HR"),
    ("Human Resources", "HR", "People Management"),
    ("Recruitment", "Applicant Tracking", "Recruitment and Onboarding"),
    ("Learning and Development", "Training Management", "E-learning"),
    ("Workforce Rostering", "Rostering", "Staff Scheduling"),
    ("Time and Attendance", "Timesheets"),
    ("Expenses", "Expense Claims"),
    ("Pensions Administration", "Pension Fund Administration"),
    ("Procurement", "Purchase to Pay", "E-procurement"),
    ("Contract Management", "Contracts Register"),
    ("E-tendering", "Tender Portal"),
    ("Income Management", "Payments", "Payments and Income"),
    ("Online Payments", "Card Payments", "Payment Gateway"),
    ("Revenues & Benefits", "Council Tax and Benefits", "Revenues and Benefits"),
    ("Business Rates", "NNDR"),
    ("Debt Recovery", "Enforcement"),
    ("Document Management", "EDRMS", "Electronic Document Management"),
    ("Records Management", "Records and Archives"),
    ("Document Scanning", "Scanning and Indexing"),
    ("Email", "Email and Collaboration", "Email and Office"),
    ("Office Productivity", "Office Suite"),
    ("Collaboration", "Team Collaboration", "Intranet"),
    ("Video Conferencing", "Online Meetings"),
    ("Telephony", "Unified Communications", "Contact Centre Telephony"),
    ("Customer Relationship Management", "CRM", "Customer Contact"),
    ("Online Forms", "E-forms", "Digital Forms"),
    ("Website Content Management", "Website", "Web CMS"),
    ("Customer Portal", "Self-service Portal", "My Account"),
    ("Complaints Handling", "Complaints and Compliments", "Feedback Management"),
    ("Freedom of Information", "FOI and SAR Requests", "Information Requests"),
    ("Committee Management", "Democratic Services", "Meetings Management"),
    ("Elections", "Electoral Registration", "Electoral Management"),
    ("IT Service Management", "IT Service Desk", "ICT Helpdesk"),
    ("IT Asset Management", "Configuration Management Database"),
    ("Identity and Access Management", "Single Sign-On", "Directory Services"),
    ("Endpoint Management", "Device Management", "Mobile Device Management"),
    ("Backup and Recovery", "Data Backup"),
    ("Security Monitoring", "SIEM", "Security Operations"),
    ("Email Security", "Email Filtering"),
    ("Secure Email", "Encrypted Email"),
    ("Network Management", "Network Monitoring"),
    ("Business Intelligence", "Reporting and Analytics", "BI and Reporting"),
    ("Data Warehouse", "Data Platform"),
    ("GIS", "Mapping", "Geographic Information"),
    ("Address Gazetteer", "LLPG", "Address Management"),
    ("Project Management", "Portfolio Management", "PPM"),
    ("Performance Management", "Performance Reporting", "KPI Reporting"),
    ("Risk Management", "Risk Register", "Corporate Risk"),
    ("Audit Management", "Internal Audit"),
    ("Health and Safety", "H&S Incident Reporting", "Health & Safety Management"),
    ("Incident Management", "Incident Reporting"),
    ("Insurance Claims", "Claims Handling"),
    ("Legal Case Management", "Legal Services"),
    ("Property Asset Management", "Estates Management", "Asset Register"),
    ("Facilities Management", "CAFM", "Facilities Helpdesk"),
    ("Room Booking", "Desk Booking", "Resource Booking"),
    ("Fleet Management", "Vehicle Management", "Fleet and Transport"),
    ("Energy Management", "Energy Monitoring"),
    ("Planning", "Development Management", "Planning & Building Control"),
    ("Building Control", "Building Regulations"),
    ("Land Charges", "Local Land Charges"),
    ("Environmental Health", "Environmental Health and Licensing", "Public Protection"),
    ("Licensing", "Licensing Management"),
    ("Food Safety", "Food Hygiene Inspections"),
    ("Trading Standards", "Consumer Protection"),
    ("Pest Control", "Pest Control Bookings"),
    ("Waste Collection", "Waste & Recycling", "Refuse Collection"),
    ("Garden Waste", "Garden Waste Subscriptions"),
    ("Street Cleansing", "Street Scene"),
    ("Parking", "Parking Enforcement", "Car Parking"),
    ("Parking Permits", "Permit Management"),
    ("Highways Asset Management", "Highways Management", "Roads Maintenance"),
    ("Street Works", "Street Works Permits", "Streetworks"),
    ("Street Lighting", "Lighting Asset Management"),
    ("Public Rights of Way", "Rights of Way Management"),
    ("Flood Risk Management", "Drainage Management"),
    ("Grounds Maintenance", "Parks Management", "Parks and Open Spaces"),
    ("Bereavement Services", "Cemeteries and Crematoria", "Burials"),
    ("Housing Management", "Housing", "Tenancy Management"),
    ("Housing Register", "Allocations", "Choice Based Lettings"),
    ("Homelessness", "Housing Options", "Homelessness Case Management"),
    ("Repairs and Maintenance", "Housing Repairs", "Responsive Repairs"),
    ("Private Sector Housing", "HMO Licensing"),
    ("Disabled Facilities Grants", "Home Adaptations"),
    ("Leisure Management", "Leisure Bookings", "Leisure Centre Management"),
    ("Library Management", "Libraries", "Library Management System"),
    ("Archives Catalogue", "Archives", "Heritage Collections"),
    ("Museum Collections", "Collections Management"),
    ("Registration Services", "Registrars", "Births Deaths and Marriages"),
    ("Coroners Case Management", "Coroners"),
    ("Emergency Planning", "Resilience", "Business Continuity"),
    ("CCTV Monitoring", "CCTV", "Public Space Surveillance"),
    ("Community Safety", "Anti-social Behaviour Case Management"),
    ("Grants Management", "Community Grants", "Grant Funding"),
    ("Economic Development", "Business Support"),
    ("Tourism", "Visitor Information"),
    ("Adult Social Care Case Management", "Adult Social Care", "Adults Case Management"),
    ("Children's Social Care Case Management", "Children's Social Care", "Children's Case Management"),
    ("Social Care Finance", "Care Payments", "Care Commissioning Finance"),
    ("Care Provider Brokerage", "Home Care Brokerage"),
    ("Safeguarding", "Safeguarding Case Management"),
    ("Education Management", "Education MIS", "Schools Management"),
    ("School Admissions", "Admissions"),
    ("Home to School Transport", "School Transport"),
    ("Special Educational Needs", "SEND Case Management", "EHCP Management"),
    ("Early Years", "Childcare Funding"),
    ("Youth Services", "Youth Justice"),
    ("Public Health", "Public Health Intelligence"),
    ("Concessionary Travel", "Bus Passes"),
    ("Blue Badges", "Blue Badge Administration"),
    ("Passenger Transport", "Bus Services Management"),
    ("Electronic Patient Record", "EPR", "Patient Record"),
    ("Patient Administration", "PAS", "Patient Administration System"),
    ("Pathology LIMS", "Laboratory Information Management", "Pathology"),
    ("Radiology Imaging (PACS)", "PACS", "Medical Imaging Archive"),
    ("Radiology Information System", "RIS"),
    ("Electronic Prescribing", "ePMA", "E-prescribing"),
    ("Pharmacy Stock Control", "Pharmacy Management"),
    ("Maternity", "Maternity Information System"),
    ("Theatres Management", "Theatre Scheduling", "Theatres"),
    ("Emergency Department", "ED System", "A&E Management"),
    ("Order Communications", "Order Comms", "Requests and Results"),
    ("Electronic Observations", "E-obs", "Vital Signs"),
    ("Clinical Correspondence", "Clinical Letters", "Digital Dictation"),
    ("Cancer Pathway Tracking", "Cancer Register"),
    ("Community Services Record", "Community EPR"),
    ("Child Health Record", "Child Health"),
    ("Patient Engagement", "Patient Portal", "Appointment Reminders"),
    ("Video Consultations", "Virtual Clinics"),
    ("Bank and Agency Staffing", "Temporary Staffing"),
    ("Incident & Risk Management", "Patient Safety Incidents", "Datix"),
    ("Medical Devices Management", "Medical Equipment Register", "EBME"),
    ("Clinical Coding", "Coding"),
    ("Infection Prevention", "Infection Control Surveillance"),
    ("Mobilising", "Command and Control", "Computer Aided Dispatch"),
    ("Crewing and Availability", "On-call Availability", "Crewing"),
    ("Fire Incident Reporting", "Incident Recording", "IRS Returns"),
    ("Community Fire Safety", "Prevention", "Home Fire Safety Checks"),
    ("Fire Protection", "Business Fire Safety", "Protection Audits"),
    ("Water Supplies", "Hydrant Management"),
    ("Training and Competence", "Competency Management", "Operational Training Records"),
    ("Equipment Management", "Equipment Testing", "Asset Testing"),
    ("Occupational Health", "OH Case Management"),
    ("Volunteer Management", "Volunteers"),
)
AREAS = (
    "Highways", "Libraries", "Adult Social Care", "Children's Services", "Education", "Public Health",
    "Housing", "Planning", "Revenues", "Benefits", "Environmental Health", "Licensing", "Waste", "Parks",
    "Leisure", "Finance", "HR", "ICT", "Legal", "Democratic Services", "Customer Services", "Property",
    "Fleet", "Procurement", "Communications", "Economic Development", "Community Safety", "Registrars",
    "Trading Standards", "Emergency Planning", "Medicine", "Surgery", "Women and Children", "Estates",
    "Pharmacy", "Radiology", "Pathology", "Operational Response", "Prevention", "Protection",
)  # fmt: skip
CROSS_CUTTING = (
    "Reporting", "Document Storage", "Online Forms", "Notifications", "Mobile Working", "Payments",
    "Data Sharing", "Scheduling", "Case Management", "Workflow", "Audit Trail", "Mapping",
)  # fmt: skip

VENDORS: tuple[tuple[str, ...], ...] = (
    ("Civica", "Civica UK Ltd", "Civica UK Limited", "CIVICA"),
    ("Capita", "Capita Business Services Ltd", "Capita plc"),
    ("NEC Software Solutions", "NEC Software Solutions UK Ltd", "Northgate Public Services"),
    ("Idox", "Idox plc", "IDOX Software Ltd"),
    ("Unit4", "Unit4 Business Software Ltd", "Agresso"),
    ("MHR", "MHR International UK Ltd", "MHR Ltd"),
    ("Microsoft", "Microsoft Corporation", "Microsoft Ltd"),
    ("Oracle", "Oracle Corporation UK Ltd", "Oracle UK"),
    ("SAP", "SAP UK Ltd"),
    ("Salesforce", "Salesforce UK Ltd", "salesforce.com"),
    ("ServiceNow", "ServiceNow UK Ltd"),
    ("TOPdesk", "TOPdesk UK Ltd"),
    ("Granicus", "Granicus (Firmstep)", "Granicus UK"),
    ("Jadu", "Jadu Ltd"),
    ("Esri", "Esri UK Ltd", "ESRI (UK) Ltd"),
    ("Cadcorp", "Cadcorp Ltd"),
    ("System C", "System C Healthcare Ltd", "System C Healthcare"),
    ("The Access Group", "Access UK Ltd", "Access Group"),
    ("OLM Systems", "OLM Systems Ltd"),
    ("Zellis", "Zellis UK Ltd"),
    ("Advanced", "Advanced Business Software and Solutions Ltd", "OneAdvanced"),
    ("Arcus Global", "Arcus Global Ltd"),
    ("Tascomi", "Tascomi Ltd"),
    ("Netcall", "Netcall Technology Ltd"),
    ("GOSS Interactive", "GOSS Interactive Ltd"),
    ("Brightly", "Brightly Software UK Ltd", "Pitney Bowes (Confirm)"),
    ("Yotta", "Yotta Ltd"),
    ("Symology", "Symology Ltd"),
    ("Bartec", "Bartec Municipal Technologies"),
    ("Whitespace", "Whitespace Software Ltd"),
    ("MRI Software", "MRI Software Ltd"),
    ("Kainos", "Kainos Software Ltd"),
    ("Clinisys", "Clinisys Group"),
    ("Sectra", "Sectra Ltd"),
    ("Oracle Health", "Cerner Ltd", "Oracle Health (Cerner)"),
    ("EMIS Health", "EMIS Group plc"),
    ("TPP", "The Phoenix Partnership"),
    ("RLDatix", "RLDatix Ltd", "Allocate Software"),
    ("Magentus", "Magentus UK"),
    ("Gartan", "Gartan Technologies"),
    ("Adelante", "Adelante Software Ltd"),
    ("Egress", "Egress Software Technologies Ltd"),
    ("Mimecast", "Mimecast Services Ltd"),
    ("Adobe", "Adobe Systems Software Ireland Ltd"),
    ("Google", "Google Cloud EMEA Ltd"),
    ("Amazon Web Services", "AWS EMEA SARL"),
    ("Freshworks", "Freshworks Inc."),
    ("Atlassian", "Atlassian Pty Ltd"),
    ("Ivanti", "Ivanti UK Ltd"),
    ("Objective", "Objective Corporation UK Ltd"),
    ("OpenText", "OpenText UK Ltd"),
    ("Hyland", "Hyland Software UK Ltd"),
    ("In house", "In-house", "Internal"),
)
PRODUCT_NOUNS = (
    "Suite", "Cloud", "Online", "Connect", "Portal", "Manager", "Enterprise", "Express", "Pro", "360",
    "Hub", "Workspace", "One", "Live", "Plus", "Direct", "Central", "Insight", "Flow", "Core",
)  # fmt: skip
OS_POOL = (
    ("Windows Server 2008 R2", 2), ("Windows Server 2012 R2", 8), ("Windows Server 2016", 18),
    ("Windows Server 2019", 25), ("Windows Server 2022", 15), ("Win2016", 3), ("RHEL 6", 1),
    ("RHEL 7", 5), ("Red Hat Enterprise Linux 8", 8), ("RHEL 9", 6), ("Ubuntu 20.04", 3),
    ("Ubuntu 22.04", 4), ("Windows Server 2019; Windows Server 2016", 2),
)  # fmt: skip
DB_POOL = (
    ("SQL Server 2008 R2", 2), ("SQL Server 2012", 4), ("SQL Server 2014", 7), ("SQL Server 2016", 12),
    ("SQL Server 2017", 10), ("SQL Server 2019", 20), ("SQL Server 2022", 10), ("SQL 2016", 3),
    ("Oracle 11g", 3), ("Oracle 12c", 3), ("Oracle 19c", 7), ("PostgreSQL 13", 3), ("PostgreSQL 16", 5),
    ("MySQL 5.7", 2), ("MySQL 8.0", 4), ("SQL Server 2019; Oracle 19c", 1),
)  # fmt: skip
FIRST = (
    "Aisha", "Amir", "Beth", "Callum", "Chloe", "Daniel", "Deepa", "Eleanor", "Fiona", "Gareth", "Grace",
    "Hamza", "Harriet", "Imran", "Isla", "James", "Joanne", "Karen", "Kwame", "Laura", "Liam", "Lucy",
    "Mark", "Megan", "Mohammed", "Naomi", "Neil", "Olivia", "Owen", "Paul", "Priya", "Rachel", "Rhys",
)  # fmt: skip
SURNAME = (
    "Ahmed", "Baker", "Bennett", "Brown", "Carter", "Chaudhry", "Clarke", "Davies", "Evans", "Green",
    "Hall", "Harris", "Hughes", "Jones", "Kaur", "Khan", "Lewis", "Morgan", "Nowak", "Okafor", "Patel",
    "Price", "Roberts", "Shah", "Singh", "Taylor", "Thomas", "Walker", "Williams", "Wilson", "Wright",
)  # fmt: skip
PLACE_STEMS = (
    "Ash", "Brook", "Clay", "Elm", "Fair", "Glen", "Hart", "Kel", "Lang", "Mar", "Nor", "Oak", "Pen",
    "Red", "Sal", "Thorn", "Wal", "Wy", "Bram", "Cran", "Dun", "Fen", "Hol", "Lyn", "Mill", "Stan",
)  # fmt: skip
PLACE_ENDS = (
    "bridge", "ford", "ham", "field", "wick", "borough", "ton", "minster", "bury", "stow", "worth",
    "ley", "chester", "mouth", "dale", "combe", "hurst", "well",
)  # fmt: skip
ORG_TYPES = (
    ("District Council", 30), ("Borough Council", 20), ("City Council", 8), ("County Council", 6),
    ("NHS Foundation Trust", 12), ("NHS Trust", 6), ("Fire and Rescue Service", 5), ("Police", 4),
    ("Combined Authority", 2), ("Housing Association", 7),
)  # fmt: skip

LIFECYCLE = (("Live", 62), ("In use", 10), ("Live ", 2), ("Being decommissioned", 5), ("Retired", 7),
             ("Planned", 3), ("Implementation", 3), ("", 6), ("TBC", 2))  # fmt: skip
CRITICALITY = (("High", 25), ("Medium", 35), ("Low", 20), ("Critical", 8), ("1 - most critical", 2),
               ("3 - less critical", 2), ("", 6), ("TBC", 2))  # fmt: skip
HOSTING = (("On premise", 35), ("Cloud", 20), ("SaaS", 18), ("Supplier hosted", 12), ("Azure VM", 4),
           ("Data centre", 4), ("", 5), ("TBC", 2))  # fmt: skip
FIT = (("Good", 45), ("Fair", 25), ("Poor", 8), ("Excellent", 7), ("appropriate", 3), ("", 12))  # fmt: skip
FLAG = (("Y", 45), ("N", 40), ("Yes", 4), ("No", 4), ("", 7))  # fmt: skip


def _weighted(rng: np.random.Generator, pool: tuple[tuple[str, int], ...], n: int) -> pl.Series:
    values = [v for v, _ in pool]
    weights = np.array([w for _, w in pool], dtype=float)
    idx = rng.choice(len(values), size=n, p=weights / weights.sum())
    return pl.Series(values, dtype=pl.String).gather(idx)


def _thousands(x: pl.Expr) -> pl.Expr:
    """Integer -> '12,500' (polars has no thousands separator, so build it from the parts)."""
    millions = (x // 1_000_000).cast(pl.String)
    thousands = ((x // 1000) % 1000).cast(pl.String)
    units = (x % 1000).cast(pl.String)
    return (
        pl.when(x >= 1_000_000)
        .then(pl.concat_str([millions, pl.lit(","), thousands.str.zfill(3), pl.lit(","), units.str.zfill(3)]))
        .when(x >= 1000)
        .then(pl.concat_str([thousands, pl.lit(","), units.str.zfill(3)]))
        .otherwise(units)
    )


def _money_text(col: str, style: str) -> pl.Expr:
    """Render an integer pound amount column in the style drawn for that cell."""
    x = pl.col(col)
    s = pl.col(style)
    return (
        pl.when(x.is_null() | (s == "blank"))
        .then(pl.lit(""))
        .when(s == "tbc")
        .then(pl.lit("TBC"))
        .when(s == "plain")
        .then(x.cast(pl.String))
        .when(s == "k")
        .then(pl.concat_str([(x / 1000).round(1).cast(pl.String), pl.lit("k")]))
        .otherwise(pl.concat_str([pl.lit("£"), _thousands(x)]))
    )


def _date_text(days: np.ndarray, rng: np.random.Generator, blank_share: float) -> pl.Series:
    """dd/mm/yyyy mostly; some ISO, some 'March 2027', some TBC and blanks."""
    n = len(days)
    d = pl.Series(days.astype("int32")).cast(pl.Date)
    style = rng.random(n)
    frame = pl.DataFrame({"d": d, "s": style})
    return frame.select(
        pl.when(pl.col("s") < blank_share)
        .then(pl.lit(""))
        .when(pl.col("s") < blank_share + 0.03)
        .then(pl.lit("TBC"))
        .when(pl.col("s") < blank_share + 0.11)
        .then(pl.col("d").dt.strftime("%Y-%m-%d"))
        .when(pl.col("s") < blank_share + 0.13)
        .then(pl.col("d").dt.strftime("%B %Y"))
        .otherwise(pl.col("d").dt.strftime("%d/%m/%Y"))
        .alias("x")
    )["x"]


def organisation_names(count: int, rng: np.random.Generator) -> list[str]:
    places = [s + e for s in PLACE_STEMS for e in PLACE_ENDS]
    types = [t for t, _ in ORG_TYPES]
    weights = np.array([w for _, w in ORG_TYPES], dtype=float)
    order = rng.permutation(len(places))
    kinds = rng.choice(len(types), size=count, p=weights / weights.sum())
    names = []
    for i in range(count):
        place = places[order[i % len(places)]]
        suffix = "" if i < len(places) else f" {i // len(places) + 1}"
        names.append(f"{place}{suffix} {types[kinds[i]]}")
    return names


def _org_sizes(apps: int, orgs: int, rng: np.random.Generator) -> np.ndarray:
    """Skewed organisation sizes (a few big counties and trusts, many small districts) summing to apps."""
    weights = np.minimum(rng.lognormal(0.0, 0.6, size=orgs), 3.0)
    sizes = np.floor(weights / weights.sum() * apps).astype(np.int64)
    sizes[: apps - sizes.sum()] += 1
    return sizes


def _capabilities(
    sizes: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Primary capability (family, area, tier) per app, and each org's wording of each family.

    Within an org, a share r ~ U(5%, 20%) of apps are in overlap groups: an app copies the
    primary capability of another app of the same org. The rest get capabilities unique in their
    org: (family, area) pairs, 6,000 of them; an org bigger than that gets further tiers
    ("Payroll - Finance (2)") so that its overlap share stays r whatever its size.
    """
    n_fam, n_area = len(CAPABILITY_FAMILIES), len(AREAS)
    slots = n_fam * n_area
    primary = np.empty(int(sizes.sum()), dtype=np.int64)
    start = 0
    for size in sizes.tolist():
        n_dup = round(size * rng.uniform(0.05, 0.20) / 2)
        n_unique = size - n_dup
        space = slots * -(-n_unique // slots)  # whole tiers, enough for n_unique distinct ids
        unique = rng.choice(space, size=n_unique, replace=False)
        dups = unique[rng.integers(0, max(n_unique, 1), size=n_dup)]
        primary[start : start + size] = np.concatenate([unique, dups])[rng.permutation(size)]
        start += size
    tier = primary // slots
    family = (primary % slots) // n_area
    area = primary % n_area
    n_variants = np.array([len(v) for v in CAPABILITY_FAMILIES])
    wording = (rng.random((len(sizes), n_fam)) * n_variants).astype(np.int64)  # each org's own words
    return family, area, tier, wording


def build_frame(apps: int, orgs: int, seed: int) -> pl.DataFrame:
    """All rows as text columns in HEADERS order; every column is drawn in one vectorised pass."""
    rng = np.random.default_rng(seed)
    names = organisation_names(orgs, rng)
    sizes = _org_sizes(apps, orgs, rng)
    org_idx = np.repeat(np.arange(orgs), sizes)
    seq = np.arange(apps) - np.repeat(np.cumsum(sizes) - sizes, sizes)

    family, area, tier, wording = _capabilities(sizes, rng)
    labels = [w for fam in CAPABILITY_FAMILIES for w in fam]
    offsets = np.cumsum([0] + [len(f) for f in CAPABILITY_FAMILIES])[:-1]

    vendor_idx = rng.integers(0, len(VENDORS), size=apps)
    vendor_flat = [v for vs in VENDORS for v in vs]
    vendor_offsets = np.cumsum([0] + [len(v) for v in VENDORS])[:-1]
    vendor_var = (rng.random(apps) * np.array([len(v) for v in VENDORS])[vendor_idx]).astype(np.int64)
    in_house = vendor_idx == len(VENDORS) - 1

    on_prem = rng.random(apps) < 0.45
    has_os = on_prem & (rng.random(apps) < 0.9)
    has_db = has_os & (rng.random(apps) < 0.85)
    licence = np.where(in_house, 0, np.round(rng.lognormal(9.2, 1.0, size=apps) / 50) * 50)
    support = np.where(
        in_house | (rng.random(apps) < 0.3), 0, np.round(licence * rng.uniform(0.1, 0.3, apps) / 50) * 50
    )
    hosting_cost = np.where(on_prem, np.round(rng.uniform(200, 8000, apps) / 50) * 50, 0)
    staff = np.where(
        in_house | (rng.random(apps) < 0.2), np.round(rng.uniform(500, 25000, apps) / 50) * 50, 0
    )
    lines = np.minimum(np.stack([licence, support, hosting_cost, staff]), 2_000_000).astype(np.int64)
    styles = np.array(["pound", "plain", "k", "tbc", "blank"])
    cost_style = rng.choice(styles, size=(4, apps), p=[0.55, 0.22, 0.04, 0.04, 0.15])
    cost_style = np.where(lines == 0, np.where(rng.random((4, apps)) < 0.7, "blank", "plain"), cost_style)
    total_style = np.where(
        (cost_style == "tbc").any(axis=0), "tbc", rng.choice(styles[:2], size=apps, p=[0.8, 0.2])
    )

    today = (AS_OF - date(1970, 1, 1)).days
    version_kind = rng.random(apps)
    dotted = np.char.add(
        np.char.add(rng.integers(1, 20, apps).astype(str), "."), rng.integers(0, 10, apps).astype(str)
    )
    version = np.where(
        version_kind < 0.35,
        dotted,
        np.where(version_kind < 0.55, rng.integers(2012, 2027, apps).astype(str), ""),
    )
    users = np.maximum(1, rng.lognormal(3.5, 1.3, size=apps)).astype(np.int64).astype(str)
    users = np.where(rng.random(apps) < 0.07, "", users)
    users = np.where(rng.random(apps) < 0.02, "TBC", users)

    def text(values: list[str] | tuple[str, ...], idx: np.ndarray) -> pl.Series:
        return pl.Series(list(values), dtype=pl.String).gather(idx)

    raw = pl.DataFrame(
        {
            "org": text(names, org_idx),
            "org_no": org_idx,
            "seq": seq,
            "family": text(labels, offsets[family] + wording[org_idx, family]),
            "area": text(AREAS, area),
            "tier": np.where(tier > 0, np.char.add(np.char.add(" (", (tier + 1).astype(str)), ")"), ""),
            "secondary": text(CROSS_CUTTING, rng.integers(0, len(CROSS_CUTTING), size=apps)),
            "has_secondary": rng.random(apps) < 0.25,
            "supplier": text(vendor_flat, vendor_offsets[vendor_idx] + vendor_var),
            "vendor_short": text([v[0] for v in VENDORS], vendor_idx),
            "in_house": in_house,
            "noun": text(PRODUCT_NOUNS, rng.integers(0, len(PRODUCT_NOUNS), size=apps)),
            "version": version,
            "lifecycle": _weighted(rng, LIFECYCLE, apps),
            "criticality": _weighted(rng, CRITICALITY, apps),
            "on_prem": on_prem,
            "hosting": _weighted(rng, HOSTING, apps),
            "users": users,
            **{f"c{i}": lines[i] for i in range(4)},
            **{f"s{i}": cost_style[i] for i in range(4)},
            "ct": lines.sum(axis=0),
            "st": total_style,
            "contract": _date_text(today + rng.integers(-400, 5 * 365, size=apps), rng, 0.12),
            "has_os": has_os,
            "os": _weighted(rng, OS_POOL, apps),
            "has_db": has_db,
            "db": _weighted(rng, DB_POOL, apps),
            "first": text(FIRST, rng.integers(0, len(FIRST), size=apps)),
            "last": text(SURNAME, rng.integers(0, len(SURNAME), size=apps)),
            "no_owner": rng.random(apps) < 0.05,
            "go_live": _date_text(today - rng.integers(60, 22 * 365, size=apps), rng, 0.1),
            "ffit": _weighted(rng, FIT, apps),
            "tfit": _weighted(rng, FIT, apps),
            "personal": _weighted(rng, FLAG, apps),
            "internet": _weighted(rng, FLAG, apps),
        }
    )
    c = pl.col
    capability = pl.concat_str([c("family"), pl.lit(" - "), c("area"), c("tier")])
    return raw.select(
        c("org").alias("Organisation"),
        pl.concat_str(
            [
                pl.lit("APP-"),
                c("org_no").cast(pl.String).str.zfill(4),
                pl.lit("-"),
                c("seq").cast(pl.String).str.zfill(6),
            ]
        ).alias("App ID"),
        pl.when(c("in_house"))
        .then(pl.concat_str([c("area"), pl.lit(" "), c("family"), pl.lit(" database")]))
        .otherwise(
            pl.concat_str(
                [
                    c("vendor_short"),
                    pl.lit(" "),
                    c("noun"),
                    pl.lit(" - "),
                    c("area"),
                    pl.lit(" "),
                    c("family"),
                ]
            )
        )
        .alias("Application Name"),
        c("supplier").alias("Supplier"),
        c("version").alias("Version"),
        c("lifecycle").alias("Lifecycle"),
        c("criticality").alias("Business Criticality"),
        pl.when(c("on_prem")).then(pl.lit("On premise")).otherwise(c("hosting")).alias("Hosting"),
        c("users").alias("Users"),
        _money_text("c0", "s0").alias("Licence Cost"),
        _money_text("c1", "s1").alias("Support Cost"),
        _money_text("c2", "s2").alias("Hosting Cost"),
        _money_text("c3", "s3").alias("Staff Cost"),
        _money_text("ct", "st").alias("Total Cost"),
        c("contract").alias("Contract End Date"),
        pl.when(c("has_secondary"))
        .then(pl.concat_str([capability, pl.lit("; "), c("secondary")]))
        .otherwise(capability)
        .alias("Capabilities"),
        pl.when(c("has_os")).then(c("os")).otherwise(pl.lit("")).alias("Operating System"),
        pl.when(c("has_db")).then(c("db")).otherwise(pl.lit("")).alias("Database"),
        pl.when(c("no_owner"))
        .then(pl.lit(""))
        .otherwise(pl.concat_str([c("first"), c("last")], separator=" "))
        .alias("Business Owner"),
        c("go_live").alias("Go Live Date"),
        c("ffit").alias("Functional Fit"),
        c("tfit").alias("Technical Fit"),
        c("personal").alias("Personal Data"),
        c("internet").alias("Internet Facing"),
    )


def overlap_stats(frame: pl.DataFrame) -> dict[str, float]:
    """Per-org share of apps whose primary capability is shared with another app of the same org."""
    primary = frame.select(
        pl.col("Organisation"), pl.col("Capabilities").str.split("; ").list.first().alias("cap")
    )
    counts = primary.group_by("Organisation", "cap").len()
    per_org = counts.group_by("Organisation").agg(
        (pl.col("len").filter(pl.col("len") > 1).sum() / pl.col("len").sum()).alias("share")
    )["share"]
    families = primary["cap"].str.split(" - ").list.first().n_unique()
    return {
        "capability_labels": float(primary["cap"].n_unique()),
        "capability_wordings": float(families),
        "overlap_min": float(per_org.min()),
        "overlap_median": float(per_org.median()),
        "overlap_max": float(per_org.max()),
    }


def _slug(text: str) -> str:
    return "-".join("".join(c.lower() if c.isalnum() else " " for c in text).split())


def write_csv(frame: pl.DataFrame, out: Path, split: bool) -> list[Path]:
    if not split:
        path = out / "inventory.csv"
        frame.write_csv(path)
        return [path]
    paths = []
    for (org,), part in frame.partition_by("Organisation", as_dict=True, maintain_order=True).items():
        path = out / f"{_slug(str(org))}.csv"
        part.drop("Organisation").write_csv(path)
        paths.append(path)
    return paths


def write_xlsx(frame: pl.DataFrame, out: Path, split: bool) -> list[Path]:
    def one(df: pl.DataFrame, path: Path) -> None:
        wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        wb.set_properties({"created": CREATED})
        ws = wb.add_worksheet("Applications")
        bold = wb.add_format({"bold": True})
        ws.write_row(0, 0, df.columns, bold)
        # Plain digits become number cells, as typed into a sheet; "£8,200", "12.5k", "TBC" stay text.
        numeric = {"Users", "Licence Cost", "Support Cost", "Hosting Cost", "Staff Cost", "Total Cost"}
        cols = [
            [int(v) if v and v.isdigit() else v for v in df[c].to_list()] if c in numeric else df[c].to_list()
            for c in df.columns
        ]
        write_row = ws.write_row
        for r, row in enumerate(zip(*cols, strict=True), start=1):
            write_row(r, 0, row)
        ws.autofilter(0, 0, df.height, df.width - 1)
        wb.close()

    if not split:
        path = out / "inventory.xlsx"
        one(frame, path)
        return [path]
    paths = []
    for (org,), part in frame.partition_by("Organisation", as_dict=True, maintain_order=True).items():
        path = out / f"{_slug(str(org))}.xlsx"
        one(part.drop("Organisation"), path)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--apps", type=int, default=10_000, help="number of applications (default %(default)s)"
    )
    parser.add_argument("--orgs", type=int, default=20, help="number of organisations (default %(default)s)")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="file format (default csv)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (created if missing)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    parser.add_argument(
        "--split", action="store_true", help="one file per organisation (no Organisation column)"
    )
    args = parser.parse_args(argv)
    if args.apps < 1 or args.orgs < 1 or args.orgs > args.apps:
        parser.error("need --apps >= --orgs >= 1")
    if args.format == "xlsx" and not args.split and args.apps > XLSX_MAX_ROWS:
        parser.error(
            f"{args.apps:,} rows do not fit one sheet (max {XLSX_MAX_ROWS:,}); use --split or --format csv"
        )
    args.out.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    frame = build_frame(args.apps, args.orgs, args.seed)
    # Blank cells are empty, not "" (polars quotes empty strings), as in a hand-made register.
    frame = frame.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())
    t1 = time.perf_counter()
    writer = write_csv if args.format == "csv" else write_xlsx
    paths = writer(frame, args.out, args.split)
    t2 = time.perf_counter()
    stats = overlap_stats(frame)
    size = sum(p.stat().st_size for p in paths)
    print(
        f"{args.apps:,} apps in {args.orgs:,} organisations -> {len(paths)} {args.format} file(s), "
        f"{size / 1e6:,.1f} MB in {args.out}\n"
        f"  build {t1 - t0:.1f} s, write {t2 - t1:.1f} s, total {t2 - t0:.1f} s\n"
        f"  {stats['capability_wordings']:.0f} capability wordings, {stats['capability_labels']:,.0f} "
        f"capability labels; apps sharing a primary capability within their org: "
        f"min {stats['overlap_min']:.1%}, median {stats['overlap_median']:.1%}, max {stats['overlap_max']:.1%}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
