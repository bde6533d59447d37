"""Background applications: the ordinary, un-planted rows that make each inventory realistic.

Background rows are kept clean on purpose, so that every planted problem is the only one of its
kind: live rows have an owner, a capability and a lifecycle; costs are positive, below
`IMPLAUSIBLE_COST` and add up; vendor contracts end after `AS_OF` on live rows; in-house rows are
never mission- or business-critical; and within one organisation no two background rows share a
name or a capability label (so the planted overlap groups are the only exact-label overlaps).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from .model import AS_OF, App

FIRST = [
    "Aisha",
    "Amir",
    "Beth",
    "Callum",
    "Chloe",
    "Daniel",
    "Deepa",
    "Eleanor",
    "Fiona",
    "Gareth",
    "Grace",
    "Hamza",
    "Harriet",
    "Imran",
    "Isla",
    "James",
    "Joanne",
    "Karen",
    "Kwame",
    "Laura",
    "Liam",
    "Lucy",
    "Mark",
    "Megan",
    "Mohammed",
    "Naomi",
    "Neil",
    "Olivia",
    "Owen",
    "Paul",
    "Priya",
    "Rachel",
    "Rhys",
    "Ruth",
    "Sam",
    "Sarah",
    "Sean",
    "Sian",
    "Simon",
    "Sophie",
    "Stuart",
    "Tom",
    "Usha",
    "Victoria",
    "Wendy",
    "Yusuf",
    "Zoe",
]
SURNAME = [
    "Ahmed",
    "Baker",
    "Barnes",
    "Bennett",
    "Brown",
    "Carter",
    "Chaudhry",
    "Clarke",
    "Collins",
    "Cooper",
    "Davies",
    "Edwards",
    "Evans",
    "Fisher",
    "Foster",
    "Green",
    "Hall",
    "Harris",
    "Hughes",
    "Jackson",
    "James",
    "Jones",
    "Kaur",
    "Khan",
    "Lewis",
    "Marsh",
    "Mitchell",
    "Morgan",
    "Morris",
    "Nowak",
    "Okafor",
    "Parker",
    "Patel",
    "Phillips",
    "Price",
    "Reid",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Taylor",
    "Thomas",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wood",
    "Wright",
    "Young",
]

SMALL_VENDORS = (
    "Aspen Civic Software Ltd",
    "Beacon Data Systems Ltd",
    "Brookfield Digital Ltd",
    "Caldera Systems Ltd",
    "Castlegate Software Ltd",
    "Cobalt Public Sector Ltd",
    "Deltawave Solutions Ltd",
    "Elmstead Technology Ltd",
    "Fairway Information Systems",
    "Foxglove Apps Ltd",
    "Granite Workflow Ltd",
    "Harbourside Systems Ltd",
    "Heronsgate Software",
    "Kestrel Digital Services Ltd",
    "Larkspur Data Ltd",
    "Lodestar Software Ltd",
    "Marlpit Technologies Ltd",
    "Meridian GovTech Ltd",
    "Northbridge Software Ltd",
    "Oakfield Digital Ltd",
    "Orchid Case Systems Ltd",
    "Pennant Data Systems Ltd",
    "Quayside Solutions Ltd",
    "Redwing Software Ltd",
    "Riverside Civic Tech Ltd",
    "Saltmarsh Systems Ltd",
    "Sandpiper Analytics Ltd",
    "Stonebridge IT Ltd",
    "Tamarisk Software Ltd",
    "Thistledown Systems Ltd",
    "Wayfarer Digital Ltd",
    "Willowbrook Software Ltd",
)

# (name variants, capability wording) for service-type and asset-type functions
SERVICE_FUNCTIONS = (
    (("Case Management System", "Casework System"), "Case Management"),
    (("Referrals Portal", "Referral Tracker"), "Referrals"),
    (("Bookings", "Online Booking"), "Bookings"),
    (("Complaints Tracker", "Enquiries Log"), "Complaints Handling"),
    (("Survey Tool", "Consultation Tool"), "Surveys and Consultation"),
    (("Grants Database", "Grant Manager"), "Grants Management"),
    (("Online Forms", "e-Forms"), "Online Forms"),
    (("Correspondence Tracker", "Letters Module"), "Correspondence"),
    (("Performance Dashboard", "KPI Dashboard"), "Performance Reporting"),
    (("Data Mart", "Data Warehouse"), "Data and Analytics"),
    (("Training Records", "Training Log"), "Training Records"),
    (("Payments Reconciliation",), "Payments Reconciliation"),
    (("Volunteer Rota",), "Volunteer Management"),
    (("SMS Notifications", "Text Reminders"), "Notifications"),
)
ASSET_FUNCTIONS = (
    (("Asset Register", "Asset Database"), "Asset Register"),
    (("Inspections App", "Inspection Manager"), "Inspections"),
    (("Mobile Working", "Mobile App"), "Mobile Working"),
    (("Scheduler", "Scheduling Tool"), "Scheduling"),
    (("Web Map", "Mapping Layer"), "Mapping"),
    (("Stock Control", "Stores System"), "Stock Control"),
    (("Permits System", "Permit Portal"), "Permits"),
    (("Monitoring Database",), "Monitoring"),
    (("Contracts Register", "Contract Monitoring"), "Contract Monitoring"),
    (("Audit Tool", "Audit Database"), "Audit"),
    (("Risk Register",), "Risk Management"),
    (("Defects Log",), "Defect Reporting"),
)
CLINICAL_FUNCTIONS = (
    (("Clinical System", "Clinical Record"), "Clinical Record"),
    (("Results Viewer",), "Results Viewing"),
    (("Imaging", "Image Archive"), "Imaging"),
    (("Waiting List Tool", "Waiting List"), "Waiting List Management"),
    (("Patient Tracker",), "Patient Tracking"),
    (("Registry", "Patient Register"), "Patient Registry"),
    (("Audit Database", "Audit Tool"), "Clinical Audit"),
    (("PROMs Questionnaires", "Questionnaires"), "Patient Reported Outcomes"),
    (("Dashboard", "Activity Dashboard"), "Performance Reporting"),
    (("Referral Manager",), "Referral Management"),
    (("Clinic Scheduler",), "Clinic Scheduling"),
    (("Mobile App",), "Mobile Working"),
)

# (area, department, kind): kind picks the function list
COUNTY_AREAS = (
    ("Highways", "Economy, Transport and Environment", "asset"),
    ("Street Lighting", "Economy, Transport and Environment", "asset"),
    ("Public Rights of Way", "Economy, Transport and Environment", "asset"),
    ("Bridges and Structures", "Economy, Transport and Environment", "asset"),
    ("Flood Risk", "Economy, Transport and Environment", "asset"),
    ("Waste Disposal", "Economy, Transport and Environment", "asset"),
    ("Country Parks", "Communities", "asset"),
    ("Libraries", "Communities", "service"),
    ("Archives", "Communities", "service"),
    ("Heritage", "Communities", "service"),
    ("Registrars", "Communities", "service"),
    ("Coroners", "Communities", "service"),
    ("Trading Standards", "Communities", "service"),
    ("Adult Social Care", "Adults and Health", "service"),
    ("Carers Support", "Adults and Health", "service"),
    ("Reablement", "Adults and Health", "service"),
    ("Public Health", "Adults and Health", "service"),
    ("Children's Services", "Children's Services", "service"),
    ("Fostering and Adoption", "Children's Services", "service"),
    ("Special Educational Needs", "Children's Services", "service"),
    ("Early Years", "Children's Services", "service"),
    ("Youth Services", "Children's Services", "service"),
    ("School Improvement", "Children's Services", "service"),
    ("Adult Learning", "Children's Services", "service"),
    ("Property Services", "Resources", "asset"),
    ("Pension Fund", "Resources", "service"),
    ("Legal Services", "Resources", "service"),
    ("Democratic Services", "Chief Executive's Office", "service"),
    ("Procurement", "Resources", "service"),
    ("Communications", "Chief Executive's Office", "service"),
    ("Economic Development", "Economy, Transport and Environment", "service"),
    ("Passenger Transport", "Economy, Transport and Environment", "asset"),
    ("Internal Audit", "Resources", "service"),
    ("Health and Safety", "Resources", "service"),
    ("Home Care Brokerage", "Adults and Health", "service"),
    ("Safeguarding Adults", "Adults and Health", "service"),
    ("Youth Justice", "Children's Services", "service"),
    ("Virtual School", "Children's Services", "service"),
    ("Music Service", "Children's Services", "service"),
    ("Outdoor Education", "Children's Services", "asset"),
    ("Road Safety", "Economy, Transport and Environment", "service"),
    ("Civil Parking Enforcement", "Economy, Transport and Environment", "asset"),
    ("Active Travel", "Economy, Transport and Environment", "asset"),
    ("Scientific Services", "Communities", "service"),
    ("Museums", "Communities", "service"),
    ("Energy Management", "Resources", "asset"),
)
TRUST_AREAS = tuple(
    (a, d, "clinical")
    for a, d in (
        ("Cardiology", "Medicine"),
        ("Ophthalmology", "Surgery"),
        ("Renal", "Medicine"),
        ("Diabetes", "Medicine"),
        ("Oncology", "Medicine"),
        ("Haematology", "Clinical Support Services"),
        ("Paediatrics", "Women and Children"),
        ("Neonatal", "Women and Children"),
        ("Stroke", "Medicine"),
        ("Orthopaedics", "Surgery"),
        ("Audiology", "Clinical Support Services"),
        ("Endoscopy", "Surgery"),
        ("Physiotherapy", "Clinical Support Services"),
        ("Dietetics", "Clinical Support Services"),
        ("Sexual Health", "Medicine"),
        ("Respiratory", "Medicine"),
        ("Rheumatology", "Medicine"),
        ("Urology", "Surgery"),
        ("Vascular", "Surgery"),
        ("Critical Care", "Surgery"),
        ("Podiatry", "Clinical Support Services"),
        ("Breast Screening", "Women and Children"),
        ("Fertility", "Women and Children"),
        ("Gastroenterology", "Medicine"),
        ("Neurology", "Medicine"),
        ("ENT", "Surgery"),
        ("Speech and Language Therapy", "Clinical Support Services"),
    )
) + (
    ("Estates", "Estates and Facilities", "asset"),
    ("Medical Physics", "Clinical Support Services", "asset"),
    ("Sterile Services", "Estates and Facilities", "asset"),
    ("Catering", "Estates and Facilities", "asset"),
    ("Research and Development", "Corporate Services", "service"),
    ("Infection Prevention", "Clinical Support Services", "service"),
    ("Safeguarding", "Corporate Services", "service"),
    ("Occupational Health", "Corporate Services", "service"),
    ("Education and Training", "Corporate Services", "service"),
)
AVONVALE_AREAS = (
    ("Environmental Protection", "Environmental Services", "asset"),
    ("Street Cleansing", "Environmental Services", "asset"),
    ("Parks and Open Spaces", "Environmental Services", "asset"),
    ("Car Parks", "Environmental Services", "asset"),
    ("Pest Control", "Environmental Services", "service"),
    ("Dog Warden", "Environmental Services", "service"),
    ("Private Sector Housing", "Housing", "service"),
    ("Homelessness", "Housing", "service"),
    ("Disabled Facilities Grants", "Housing", "service"),
    ("Leisure Centres", "Leisure & Culture", "asset"),
    ("Arts and Culture", "Leisure & Culture", "service"),
    ("Sports Development", "Leisure & Culture", "service"),
    ("Community Safety", "Customer Services", "service"),
    ("Markets", "Environmental Services", "asset"),
    ("Economic Development", "Planning", "service"),
    ("Planning Policy", "Planning", "service"),
    ("Corporate Property", "Finance", "asset"),
    ("Member Services", "Democratic Services", "service"),
    ("Internal Audit", "Finance", "service"),
    ("Climate Action", "Planning", "service"),
)
THORNBURY_AREAS = (
    ("Food Safety", "Regulatory Services", "service"),
    ("Noise Nuisance", "Regulatory Services", "service"),
    ("Taxi Licensing", "Regulatory Services", "service"),
    ("Housing Options", "Housing", "service"),
    ("Tenancy Relations", "Housing", "service"),
    ("Grounds Maintenance", "Neighbourhoods", "asset"),
    ("Street Scene", "Neighbourhoods", "asset"),
    ("Cemeteries", "Neighbourhoods", "asset"),
    ("CCTV", "Communities", "asset"),
    ("Tourism", "Place", "service"),
    ("Town Centre", "Place", "service"),
    ("Regeneration", "Place", "service"),
    ("Community Grants", "Communities", "service"),
    ("Fraud", "Resources", "service"),
    ("Insurance", "Resources", "service"),
    ("Estates", "Resources", "asset"),
    ("Print and Post", "Customer & Digital", "asset"),
    ("Emergency Planning", "Communities", "service"),
)
FIRE_AREAS = (
    ("Operational Response", "Operational Response", "asset"),
    ("Prevention", "Prevention", "service"),
    ("Business Fire Safety", "Protection", "service"),
    ("Fire Investigation", "Protection", "service"),
    ("Fleet", "Fleet and Estates", "asset"),
    ("Estates", "Fleet and Estates", "asset"),
    ("Equipment", "Fleet and Estates", "asset"),
    ("Control Room", "Operational Response", "service"),
    ("Occupational Health", "Corporate Services", "service"),
    ("Health and Safety", "Corporate Services", "service"),
    ("Road Safety", "Prevention", "service"),
    ("Youth Engagement", "Prevention", "service"),
    ("Breathing Apparatus", "Operational Response", "asset"),
    ("Hazardous Materials", "Operational Response", "asset"),
    ("Wildfire", "Operational Response", "asset"),
    ("Urban Search and Rescue", "Operational Response", "asset"),
    ("Stores", "Corporate Services", "asset"),
    ("Procurement", "Corporate Services", "service"),
)
AREAS = {
    "WCC": COUNTY_AREAS,
    "WVH": TRUST_AREAS,
    "AVDC": AVONVALE_AREAS,
    "TBBC": THORNBURY_AREAS,
    "WFRS": FIRE_AREAS,
}
IN_HOUSE_SHARE = {"WCC": 0.3, "WVH": 0.2, "AVDC": 0.25, "TBBC": 0.25, "WFRS": 0.6}

WIN_OS = (
    ("Windows Server 2012 R2", 10),
    ("Windows Server 2016", 25),
    ("Windows Server 2019", 40),
    ("Windows Server 2022", 25),
)
WIN_DB = (
    ("SQL Server 2014", 6),
    ("SQL Server 2016", 14),
    ("SQL Server 2017", 15),
    ("SQL Server 2019", 35),
    ("SQL Server 2022", 20),
    ("", 10),
)
WIN_RT = ((".NET Framework 4.8", 45), (".NET 8", 20), (".NET Framework 4.6.2", 8), ("", 27))
LINUX_OS = (("RHEL 7", 15), ("RHEL 8", 40), ("RHEL 9", 30), ("Ubuntu 22.04", 15))
LINUX_DB = (
    ("PostgreSQL 13", 8),
    ("PostgreSQL 15", 15),
    ("PostgreSQL 16", 30),
    ("MySQL 8.0", 15),
    ("Oracle 19c", 15),
    ("", 17),
)
LINUX_RT = (("Java 11", 20), ("Java 17", 30), ("Java 21", 15), ("PHP 8.3", 10), ("Python 3.11", 15), ("", 10))
LANG_BY_RT = {"Java": "Java", "PHP": "PHP", "Python": "Python", ".NET": "C#"}


def pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(SURNAME)}"


def rand_date(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def contract_date(rng: random.Random, *, live: bool) -> date:
    """Contract ends on a financial-year or quarter end; live contracts end well after AS_OF."""
    year = rng.randrange(2027, 2031) if live else rng.randrange(2019, 2025)
    month, day = rng.choice(((3, 31), (3, 31), (3, 31), (6, 30), (9, 30), (12, 31)))
    if live and year == 2027 and month == 3:
        month, day = 6, 30
    return date(year, month, day)


def round_cost(x: float) -> float:
    step = 50 if x < 20_000 else 250 if x < 200_000 else 1000
    return float(max(step, round(x / step) * step))


def complete(app: App, rng: random.Random, department: str | None = None) -> App:
    """Fill every field the planted spec or background generator left unset (None and not blanked)."""

    def unset(name: str) -> bool:
        return getattr(app, name) is None and name not in app.blank

    live = app.is_live or app.lifecycle is None
    if unset("criticality"):
        app.criticality = (
            rng.choice(("business-operational", "administrative"))
            if app.in_house
            else rng.choice(
                ("business-critical", "business-operational", "business-operational", "administrative")
            )
        )
    if unset("hosting"):
        app.hosting = (
            "on-premises" if (app.os or app.in_house) else rng.choice(("saas", "saas", "private-cloud"))
        )
    if unset("country"):
        app.country = "United Kingdom"
    if unset("users") and live and app.lifecycle != "plan":
        app.users = max(2, int(rng.lognormvariate(3.6, 1.1)))
    if unset("personal"):
        app.personal = rng.random() < 0.55
    if unset("special"):
        app.special = False
    if unset("classification"):
        app.classification = "official-sensitive" if app.personal and rng.random() < 0.4 else "official"
    if unset("internet"):
        app.internet = app.hosting == "saas" and rng.random() < 0.3
    if unset("ffit"):
        app.ffit = rng.choice((3, 3, 4)) if app.lifecycle != "phase-out" else 2
    if unset("tfit"):
        app.tfit = rng.choice((3, 3, 4)) if app.lifecycle != "phase-out" else 2
    if unset("owner"):
        app.owner = person(rng)
    if unset("tech_owner"):
        app.tech_owner = person(rng)
    if unset("department"):
        app.department = department
    if unset("description"):
        app.description = None
    _complete_costs(app, rng, unset)
    if (
        unset("contract_end")
        and not app.in_house
        and app.lifecycle in ("active", "phase-out", "phase-in", "retired")
    ):
        app.contract_end = contract_date(rng, live=app.lifecycle != "retired")
    if unset("notice") and app.contract_end is not None:
        app.notice = rng.choice(("3 months", "3 months", "6 months", "90 days", "1 month"))
    if unset("auto_renew") and app.contract_end is not None:
        app.auto_renew = rng.random() < 0.35
    if unset("go_live") and app.lifecycle in ("active", "phase-out", "retired"):
        app.go_live = rand_date(rng, date(2004, 1, 1), date(2025, 12, 31))
    return app


def _complete_costs(app: App, rng: random.Random, unset) -> None:
    lines = ("cost_licence", "cost_support", "cost_hosting", "cost_staff")
    if app.lifecycle in ("retired", "plan") and app.cost_total is None:
        return
    if any(getattr(app, n) is not None for n in (*lines, "cost_total")):
        if app.cost_total is not None and all(getattr(app, n) is None for n in lines):
            _split_total(app)
        elif app.cost_total is None and "cost_total" not in app.blank:
            app.cost_total = sum(getattr(app, n) or 0 for n in lines)
        return
    if "cost_total" in app.blank:
        return
    if app.in_house:
        app.cost_staff = round_cost(rng.uniform(1_500, 18_000))
        app.cost_hosting = round_cost(rng.uniform(200, 4_000)) if app.hosting == "on-premises" else None
    elif app.hosting == "saas":
        app.cost_licence = round_cost(min(rng.lognormvariate(9.1, 0.9), 150_000))
    else:
        app.cost_licence = round_cost(min(rng.lognormvariate(9.3, 0.9), 150_000))
        app.cost_support = round_cost(app.cost_licence * rng.uniform(0.15, 0.3))
        app.cost_hosting = round_cost(rng.uniform(500, 6_000)) if app.hosting == "on-premises" else None
    app.cost_total = sum(getattr(app, n) or 0 for n in lines)
    assert app.cost_total < 300_000


def _split_total(app: App) -> None:
    """Spread a stated total over lines so that the lines add up to it exactly."""
    total = app.cost_total or 0
    if app.in_house:
        app.cost_staff = total
        return
    if app.hosting == "saas":
        app.cost_licence = total
        return
    app.cost_licence = round(total * 0.6, -1)
    app.cost_support = round(total * 0.3, -1)
    app.cost_hosting = total - app.cost_licence - app.cost_support


def components_for(rng: random.Random, app: App) -> None:
    """Give an on-premises background app a plausible OS / database / runtime."""
    if app.hosting != "on-premises":
        return
    if rng.random() < 0.72:
        os_, db, rt = pick(rng, WIN_OS), pick(rng, WIN_DB), pick(rng, WIN_RT)
    else:
        os_, db, rt = pick(rng, LINUX_OS), pick(rng, LINUX_DB), pick(rng, LINUX_RT)
    app.os = [os_]
    app.db = [db] if db else []
    app.runtime = [rt] if rt else []
    if app.in_house:
        lang = next(
            (v for k, v in LANG_BY_RT.items() if rt.startswith(k)), "C#" if "Windows" in os_ else "Java"
        )
        app.languages = [lang]


def background(
    org: str, count: int, rng: random.Random, used_names: set[str], used_caps: set[str]
) -> list[App]:
    """`count` background apps with names and capabilities unused in this organisation."""
    combos = []
    for area, dept, kind in AREAS[org]:
        functions = {
            "service": SERVICE_FUNCTIONS,
            "asset": ASSET_FUNCTIONS,
            "clinical": CLINICAL_FUNCTIONS,
        }[kind]
        for names, cap in functions:
            combos.append((area, dept, names, cap))
    rng.shuffle(combos)
    apps: list[App] = []
    for area, dept, names, cap in combos:
        if len(apps) == count:
            break
        area_words = {w.lower() for w in area.split() if len(w) > 3}
        if area_words & {w.lower() for w in cap.split()}:
            continue  # "Community Grants Grants Management" reads badly
        name = f"{area} {rng.choice(names)}"
        label = f"{area} {cap}"
        if name.lower() in used_names or label.lower() in used_caps:
            continue
        used_names.add(name.lower())
        used_caps.add(label.lower())
        in_house = rng.random() < IN_HOUSE_SHARE[org]
        roll = rng.random()
        lifecycle = (
            "active"
            if roll < 0.84
            else "phase-out"
            if roll < 0.89
            else "retired"
            if roll < 0.94
            else "phase-in"
            if roll < 0.97
            else "plan"
        )
        app = App(
            org=org,
            name=name,
            vendor=None if in_house else rng.choice(SMALL_VENDORS),
            caps=[label],
            lifecycle=lifecycle,
            in_house=in_house,
            description=_describe(area, cap, in_house),
            department=dept,
        )
        if not in_house:
            app.version = rng.choice(
                ("", "", f"{rng.randrange(1, 12)}.{rng.randrange(0, 10)}", str(rng.randrange(2018, 2026)))
            )
            app.version = app.version or None
        if in_house:
            app.hosting = "on-premises"
        elif org == "WCC":
            app.hosting = rng.choice(("saas", "saas", "private-cloud", "on-premises", "on-premises"))
        else:
            app.hosting = rng.choice(("saas", "saas", "private-cloud", "on-premises"))
        if lifecycle != "retired":
            components_for(rng, app)
        complete(app, rng, dept)
        apps.append(app)
    if len(apps) < count:
        raise RuntimeError(f"{org}: only {len(apps)} background combinations, wanted {count}")
    return apps


def _describe(area: str, cap: str, in_house: bool) -> str:
    who = "Built and supported in house." if in_house else "Supplier product."
    return f"{cap} for the {area} team. {who}"


def as_of_str() -> str:
    return AS_OF.isoformat()
