"""Value pools and the ways exports write values (money, dates), for the export generator.

Organisation names are invented; application, product and supplier names are the kind UK
councils and NHS trusts list in their published registers (product and supplier names are
facts about a market, not anyone's data). Every string here encodes in cp1252, so a CSV can be
written in any of the encodings the generator draws.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

ORGANISATIONS = (
    "Avonvale District Council",
    "Northmoor Borough Council",
    "Kestrel Valley NHS Foundation Trust",
    "West Harbour Fire and Rescue Service",
    "Eastford County Council",
    "Brindlecombe City Council",
    "Saltmarsh Community Health NHS Trust",
    "Upper Teme Valley Council",
)

# (application as the body knows it, supplier): one entry per line-of-business system.
SYSTEMS = (
    ("Revenues and Benefits", "Capita"),
    ("Council Tax Billing", "Civica"),
    ("Housing Management", "NEC Software Solutions"),
    ("Housing Repairs Portal", "Kirona"),
    ("Planning Applications", "Idox"),
    ("Building Control", "Idox"),
    ("Land Charges", "Civica"),
    ("Adult Social Care Case Management", "Liquidlogic"),
    ("Children's Social Care", "Liquidlogic"),
    ("Mosaic Case Management", "Servelec"),
    ("Electronic Patient Record", "Oracle Health"),
    ("Patient Administration System", "System C"),
    ("GP Clinical System", "EMIS Health"),
    ("Community Care Record", "TPP"),
    ("Maternity Information System", "Clevermed"),
    ("Pathology LIMS", "Clinisys"),
    ("Radiology PACS", "Sectra"),
    ("Theatre Management", "Oracle Health"),
    ("E-Rostering", "Allocate Software"),
    ("Payroll", "Zellis"),
    ("HR and Payroll", "MHR"),
    ("Finance System", "Unit4"),
    ("Purchase to Pay", "Oracle"),
    ("Customer Relationship Management", "Microsoft"),
    ("Contact Centre Telephony", "Mitel"),
    ("Web Content Management", "Jadu"),
    ("Online Forms", "Granicus"),
    ("Waste Collection Rounds", "Bartec"),
    ("Highways Asset Management", "Yotta"),
    ("Street Lighting", "Mayrise"),
    ("Parking Enforcement", "Imperial Civil Enforcement"),
    ("Pay & Display Permits", "Chipside"),
    ("Electoral Registration", "Xpress"),
    ("Library Management", "Civica"),
    ("Leisure Bookings", "Gladstone"),
    ("Licensing", "Idox"),
    ("Environmental Health", "Idox"),
    ("HMO Licensing Database", "Metastreet"),
    ("Document Management", "Hyland"),
    ("Records Management", "OpenText"),
    ("Email and Collaboration", "Microsoft"),
    ("Service Desk", "ServiceNow"),
    ("Geographic Information System", "Esri"),
    ("Address Gazetteer", "Idox"),
    ("Cemeteries and Crematoria", "Epitaph"),
    ("Fleet Management", "Tranman"),
    ("Mobile Working", "Kirona"),
    ("Business Intelligence", "Microsoft"),
    ("Data Warehouse", "Snowflake"),
    ("Incident Reporting", "RLDatix"),
    ("Risk Management", "RLDatix"),
    ("Fire Mobilising System", "Capita"),
    ("Premises Risk Information", "Airbus"),
    ("Training Records", "Redkite"),
    ("Education Management", "Capita"),
    ("School Admissions", "Capita"),
    ("Early Years Portal", "Synergy"),
    ("Social Care Finance", "Liquidlogic"),
    ("Occupational Health", "Cority"),
    ("Café Booking System", "Résumé Software Ltd"),
    ("Committee Management – Democracy", "Civica"),
    ("Freedom of Information Tracker", "iCasework"),
    ("Complaints Handling", "iCasework"),
    ("Grants Portal", "Salesforce"),
    ("Trading Standards", "Idox"),
    ("Procurement Portal", "Proactis"),
    ("Contract Register", "Atamis"),
    ("Asset Register", "Concerto"),
    ("Facilities Helpdesk", "Planon"),
    ("Visitor Management", "Sign In App"),
    ("Pharmacy Stock Control", "JAC"),
    ("Bed Management", "Medworxx"),
    ("Clinical Coding", "3M"),
    ("Dictation and Transcription", "Nuance"),
    ("Video Consultation", "Attend Anywhere"),
    ("Patient Portal", "Patients Know Best"),
    ("Mental Health Record", "Advanced"),
    ("Child Health Information", "System C"),
    ("Ambulance Dispatch", "Cleric"),
    ("O'Connor Archive Index", "Axiell"),
)

PEOPLE = (
    "Jane Smith",
    "Rahul Patel",
    "Siobhán Murphy",
    "David Jones",
    "Aisha Khan",
    "Tom O'Neill",
    "Li Wei",
    "Emma Brown",
    "Gareth Evans",
    "Zoë Clarke",
)

GROUPS = (
    "ICT Applications Team",
    "Infrastructure",
    "Digital Services",
    "Clinical Systems",
    "Business Systems Support",
    "Service Desk",
)

DEPARTMENTS = (
    "Adult Social Care",
    "Children's Services",
    "Place",
    "Resources",
    "Housing",
    "Environment",
    "Corporate",
    "Finance",
    "Clinical Support",
    "Estates and Facilities",
)

DESCRIPTIONS = (
    "Used by case workers to record assessments and plans",
    "Takes payments online and posts them to the ledger",
    "Holds the master record for this service",
    "Replaced the paper process in 2019",
    "Statutory returns are produced from it every quarter",
    "Shared with the neighbouring authority under an agreement",
    "Hosted by the supplier; access through single sign-on",
)


def app_names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """`count` distinct (name, supplier) pairs; beyond the pool, names get a service qualifier."""
    pool = list(SYSTEMS)
    rng.shuffle(pool)
    names = pool[:count]
    qualifiers = ("North", "South", "Legacy", "Phase 2", "Archive", "Mobile", "Portal", "Reporting")
    i = 0
    while len(names) < count:
        base, vendor = pool[i % len(pool)]
        names.append((f"{base} ({qualifiers[(i // len(pool)) % len(qualifiers)]})", vendor))
        i += 1
    return names


def email_of(person: str, org: str) -> str:
    local = "".join(c for c in person.lower().replace(" ", ".") if c.isascii() and (c.isalnum() or c == "."))
    domain = org.lower().split()[0]
    return f"{local}@{domain}.gov.uk"


# --- money -------------------------------------------------------------------------------------

# How a cost column writes its amounts: a format, or a native number in a workbook.
MONEY_STYLES_TEXT = ("£{:,.0f}", "£{:,.2f}", "{:.2f}", "{:,.0f}", "{:.0f}", "GBP {:,.2f}")
MONEY_STYLES_CELL = ("number", "number_gbp_format")
MONEY_UNKNOWN = ("TBC", "", "N/A", "unknown", "tbc")


def money_amount(rng: random.Random, style: str) -> Decimal:
    whole = rng.choice((0, rng.randrange(500, 20_000, 50), rng.randrange(20_000, 250_000, 250)))
    if style == "k":
        return Decimal(whole - whole % 100)
    if "2f" in style or style.startswith("number"):
        return Decimal(whole) + Decimal(rng.randrange(0, 100)) / 100 if rng.random() < 0.3 else Decimal(whole)
    return Decimal(whole)


def money_text(amount: Decimal, style: str) -> str:
    if style == "k":
        return f"£{format((amount / 1000).normalize(), 'f')}k"
    return style.format(amount)


# --- dates -------------------------------------------------------------------------------------

DATE_STYLES_TEXT = ("%d/%m/%Y", "%Y-%m-%d", "serial", "%d-%b-%Y", "%d %B %Y", "%Y-%m-%d 00:00:00")
DATE_STYLES_CELL = ("date_cell", "serial_number")
EXCEL_EPOCH = dt.date(1899, 12, 30)


def a_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days))


def date_text(value: dt.date, style: str) -> str:
    if style == "serial":
        return str((value - EXCEL_EPOCH).days)
    return value.strftime(style)


def serial(value: dt.date) -> int:
    return (value - EXCEL_EPOCH).days
