"""Draw one foreign export: pick a tool layout, roughen it, write it, and record the truth.

A draw is a pure function of (seed, index): the same pair writes the same bytes and the same
truth. `row_order` reshuffles the data rows (not units, total or note rows) for order tests.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from appconsol.schema import FIELDS_BY_NAME
from exportgen import values as v
from exportgen.catalogues import ANY, ARCHI_OTHER_NAMES, ARCHI_OTHER_TYPES, LAYOUTS, ORG_COL, Col, Layout
from exportgen.writers import (
    DateCell,
    Formula,
    Num,
    Sheet,
    cell_text,
    write_csv,
    write_xlsx_openpyxl,
    write_xlsx_xlsxwriter,
)

AS_OF = dt.date(2026, 6, 30)  # the judge loads with this as-of date (LeanIX phase columns)
COST_FIELDS = ("cost_licence", "cost_support", "cost_hosting", "cost_staff", "cost_other", "cost_total")
SECONDARY_FIELDS = ("vendor", "contract_end", "user_count", "hosting_model", "lifecycle")
SKIP = object()  # a value the judge does not check (outside the schema's vocabulary)
PHASES = ("plan", "phase-in", "active", "phase-out", "retired")
_SUB_LABEL = {
    "cost_licence": "Licence",
    "cost_support": "Support",
    "cost_hosting": "Hosting",
    "cost_staff": "Staff",
    "cost_other": "Other",
    "cost_total": "Total",
}


@dataclass
class ExpectedApp:
    row: int  # spreadsheet row number (1-based) of the row in the file
    organisation: str
    name: str
    app_id: str | None  # None: the loader derives one
    app_id_optional: bool  # an id-like column the loader may use as app_id or leave
    values: dict[str, object]  # checked field -> expected value (None = empty, SKIP = unchecked)
    optional: bool = False  # a damaged row: rejecting it is right, loading it must be exact


@dataclass
class ColumnTruth:
    header: str  # the header as a person reads it (group and label for a merged two-row header)
    field: str | None  # canonical field, None = must not feed a checked field, ANY = any
    key: str
    values: list[str]  # text of the column in every application row


@dataclass
class Draw:
    seed: int
    index: int
    tool: str
    source: str
    kind: str  # csv or xlsx
    writer: str  # csv encoding, or xlsxwriter / openpyxl
    path: Path
    organisation_arg: str | None
    sheet: str | None
    header_row: int  # 1-based; the lower row of a two-row header
    columns: list[ColumnTruth]
    expected: list[ExpectedApp]
    not_loaded: list[tuple[int, str]]  # (row, why) for every non-blank row that must not load
    blank_rows: int
    features: list[str] = field(default_factory=list)

    @property
    def data_rows(self) -> int:
        """Non-blank rows below the header: each must be loaded, rejected or skipped."""
        return len(self.expected) + len(self.not_loaded)

    def describe(self) -> str:
        feats = ", ".join(self.features) or "plain"
        org = f"--org '{self.organisation_arg}'" if self.organisation_arg else "organisation column"
        return f"{self.tool} {self.kind}/{self.writer} ({feats}; {org}) -> {self.path.name}"


@dataclass
class _Column:
    spec: Col
    header: str
    group: str | None = None  # merged group label above the header (two-row headers)
    style: str = ""
    cells: list[object] = field(default_factory=list)  # one per application row
    blank: bool = False  # a column with a header and no values at all


@dataclass
class _Row:
    kind: str  # app, dup, blankname, blankorg, other, model, units, blank, total, note
    cells: dict[object, object]  # column id (or FIRST) -> cell
    app: ExpectedApp | None = None
    why: str = ""
    sums: dict[int, Decimal] = field(default_factory=dict)  # total rows: column id -> amount


FIRST = "first column"  # a cell that goes in whichever column ends up first


def _canonical(field_name: str, value: str) -> object:
    """The vocabulary key a controlled value means, or SKIP when the schema does not list it."""
    vocabulary = FIELDS_BY_NAME[field_name].vocabulary
    key = value.strip().lower()
    for canonical, synonyms in vocabulary.items():
        if key == canonical or key in synonyms:
            return canonical
    return SKIP


def _spell(rng: random.Random, header: str, key: str) -> str:
    """Case, trailing spaces and units, as people re-type headers."""
    if "_" in header or ":" in header or (header[:1].islower() and any(ch.isupper() for ch in header)):
        return header  # a key (install_type, lifecycle:phaseIn) or a LeanIX label keeps its spelling
    roll = rng.random()
    if roll < 0.1:
        header = header.upper()
    elif roll < 0.2:
        header = header.lower()
    elif roll < 0.35:
        header = header.title()
    if " " in header.strip() and rng.random() < 0.08:
        # A line break typed into the header cell (Alt+Enter), or non-breaking spaces pasted in.
        header = header.replace(" ", rng.choice(("\n", "\u00a0")), 1)
    if key == "name" and rng.random() < 0.04:
        header += "*"  # a template's mark for a required column
    if key == "money" and rng.random() < 0.35:
        header += rng.choice((" (£)", " (GBP)", " £", " (£ per annum)", " p.a."))
    elif key in ("date",) and rng.random() < 0.15:
        header += " (dd/mm/yyyy)"
    if rng.random() < 0.12:
        header += " "
    return header


def _money_style(rng: random.Random, kind: str) -> str:
    if rng.random() < 0.05:
        return "k"  # £12.5k
    styles = v.MONEY_STYLES_TEXT + (v.MONEY_STYLES_CELL * 2 if kind == "xlsx" else ())
    return rng.choice(styles)


def _date_style(rng: random.Random, kind: str) -> str:
    styles = v.DATE_STYLES_TEXT + (v.DATE_STYLES_CELL * 2 if kind == "xlsx" else ())
    return rng.choice(styles)


def _money_cell(amount: Decimal, style: str) -> object:
    if style == "number":
        return Num(amount)
    if style == "number_gbp_format":
        return Num(amount, gbp=True)
    return v.money_text(amount, style)


def _date_cell(value: dt.date, style: str) -> object:
    if style == "date_cell":
        return DateCell(value)
    if style == "serial_number":
        return Num(v.serial(value))
    return v.date_text(value, style)


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class _Ids:
    """Unique ids per draw, in each tool's shape."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.n = rng.randrange(1, 900)
        self.prefix = rng.choice(("APP-", "A", "SYS", "IT-", ""))

    def make(self, key: str) -> str:
        self.n += self.rng.randrange(1, 9)
        rng = self.rng
        if key == "id_apm":
            return f"APM{1_000_000 + self.n:07d}"
        if key == "id_uuid":
            return _uuid(rng)
        if key == "id_ardoq":
            return _hex(rng, 12)
        if key == "id_sparx":
            return "{" + _uuid(rng).upper() + "}"
        if key == "id_archi":
            return "id-" + _hex(rng, 32)
        if key == "id_aws":
            return "d-application-0" + _hex(rng, 16)
        if key == "id_jira":
            return f"ITAM-{self.n}"
        return f"{self.prefix}{self.n:04d}" if self.prefix else str(self.n)


def _phase_dates(rng: random.Random) -> dict[str, dt.date]:
    start = v.a_date(rng, dt.date(2008, 1, 1), dt.date(2027, 6, 1))
    dates, day = {}, start
    for phase in PHASES:
        dates[phase] = day
        day += dt.timedelta(days=rng.randrange(60, 1500))
    return dates


def make_draw(seed: int, index: int, out_dir: Path, *, row_order: int | None = None) -> Draw:
    rng = random.Random(f"exportgen:{seed}:{index}")
    layout: Layout = rng.choice(LAYOUTS)
    kind = rng.choice(layout.kinds)
    features: list[str] = []

    specs = [c for c in layout.columns if rng.random() < c.p]
    keys = {c.key for c in specs}
    if "name" not in keys and "display_name" not in keys:
        specs.insert(0, next(c for c in layout.columns if c.key == "name"))
    if "display_name" in keys and "name" not in {c.key for c in specs}:
        features.append("display-name-only")
    org_mode = rng.choice(layout.org_modes)
    organisations = rng.sample(v.ORGANISATIONS, rng.choice((1, 1, 2, 3)))
    organisation_arg = None
    if org_mode == "column":
        specs.insert(rng.randrange(0, 2), ORG_COL)
        if rng.random() < 0.12:
            organisation_arg = rng.choice([o for o in v.ORGANISATIONS if o not in organisations])
            features.append("org-arg-over-column")
    else:
        organisation_arg = organisations[0]
    yearly = layout.tool == "register" and rng.random() < 0.12
    if yearly:
        features.append("yearly-cost-columns")
        for year in rng.sample(range(2017, 2025), rng.randrange(2, 5)):
            specs.append(Col("money", (f"{year}/{str(year + 1)[2:]} Cost",), None))

    columns = [_Column(spec, _spell(rng, rng.choice(spec.headers), spec.key)) for spec in specs]
    seen: set[str] = set()
    for col in columns:  # headers that differ only by case or spaces would be a different test
        while col.header.strip().lower() in seen:
            col.header = rng.choice(col.spec.headers) + " " + str(rng.randrange(2, 9))
        seen.add(col.header.strip().lower())
    person = next((c for c in columns if c.spec.key == "person"), None)
    if kind == "xlsx" and layout.tool == "register" and person is not None and rng.random() < 0.6:
        # "Business Owner" merged over a name and an e-mail column: the sub-header "Name" is a trap.
        at = columns.index(person)
        group = person.header.strip()
        columns[at : at + 1] = [
            _Column(Col("person", ("Name",), ANY), "Name", group=group),
            _Column(Col("email", ("E-mail",), ANY), rng.choice(("E-mail", "Email")), group=group),
        ]
        features.append("merged-owner-header")
    for col in columns:
        col.blank = col.spec.key in ("money", "date") and rng.random() < 0.04
        if col.blank:
            features.append("empty-column")
        if col.spec.key == "money":
            col.style = _money_style(rng, kind)
        elif col.spec.key in ("date", "date_past") or col.spec.key.startswith("phase:"):
            col.style = _date_style(rng, kind)
        elif col.spec.key in ("users", "count"):
            col.style = rng.choice(("{:d}", "{:,d}") + (("number",) if kind == "xlsx" else ()))
    if layout.tool == "jira-assets" and rng.random() < 0.5:
        for col in columns:  # Assets writes its own MM/dd/yyyy
            if col.spec.key == "date":
                col.style = "%m/%d/%Y"
                features.append("month-first-dates")
    if layout.tool == "leanix":  # one date style for all phase columns, as one export writes them
        style = _date_style(rng, kind)
        for col in columns:
            if col.spec.key.startswith("phase:"):
                col.style = style

    n = rng.randint(3, 30)
    systems = v.app_names(rng, n)
    ids = _Ids(rng)
    release_suffix = rng.random() < 0.4
    has_strict = {c.spec.field for c in columns if c.spec.field not in (None, ANY)}
    id_col = next((c for c in columns if c.spec.key.startswith("id_")), None)
    rows: list[_Row] = []
    for i, (name, vendor) in enumerate(systems):
        org = organisations[i % len(organisations)] if org_mode == "column" else organisations[0]
        person = rng.choice(v.PEOPLE)
        phases = _phase_dates(rng)
        expected: dict[str, object] = {f: None for f in COST_FIELDS}
        expected.update({f: SKIP for f in SECONDARY_FIELDS})
        cells: dict[object, object] = {}
        app_id = None
        for col in columns:
            key, spec = col.spec.key, col.spec
            cell: object
            if key == "name":
                cell = name
            elif key == "display_name":
                cell = (
                    f"{name} {rng.randrange(1, 9)}.{rng.randrange(0, 9)}"
                    if release_suffix and "name" in keys
                    else name
                )
            elif key == "org":
                cell = org
            elif key.startswith("id_"):
                cell = app_id = ids.make(key)
            elif key == "vendor":
                cell = vendor
            elif key == "money":
                if col.blank or rng.random() < 0.07:
                    cell, amount = rng.choice(v.MONEY_UNKNOWN), None
                else:
                    amount = v.money_amount(rng, col.style)
                    cell = _money_cell(amount, col.style)
                if spec.field in COST_FIELDS:
                    expected[spec.field] = amount
            elif key in ("date", "date_past"):
                value = (
                    v.a_date(rng, dt.date(2025, 1, 1), dt.date(2030, 12, 31))
                    if key == "date"
                    else v.a_date(rng, dt.date(2004, 1, 1), dt.date(2024, 12, 31))
                )
                if col.style == "%m/%d/%Y" and i == 0:
                    value = value.replace(day=rng.randrange(13, 29))  # month-first shows in one row at least
                cell = "" if col.blank else _date_cell(value, col.style)
                if spec.field == "contract_end":
                    expected["contract_end"] = None if col.blank else value
            elif key.startswith("phase:"):
                phase = key.split(":")[1]
                cell = "" if rng.random() < 0.15 else _date_cell(phases[phase], col.style)
                if cell == "":
                    phases.pop(phase)
            elif key == "datetime":
                stamp = dt.datetime(2025, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 600_000))
                cell = stamp.strftime("%Y-%m-%d %H:%M:%S")
            elif key in ("users", "count"):
                number = rng.randrange(5, 5000) if key == "users" else rng.randrange(1, 400)
                cell = Num(number) if col.style == "number" else col.style.format(number)
                if spec.field == "user_count":
                    expected["user_count"] = number
            elif key in ("enum", "hosting", "lifecycle"):
                cell = rng.choice(spec.values)
                if spec.field in ("hosting_model", "lifecycle"):
                    expected[spec.field] = _canonical(spec.field, cell)
            elif key == "person":
                cell = person
            elif key == "email":
                cell = v.email_of(person, org)
            elif key == "group":
                cell = rng.choice(v.GROUPS)
            elif key == "dept":
                cell = rng.choice(v.DEPARTMENTS)
            elif key == "text":
                cell = rng.choice(v.DESCRIPTIONS)
            elif key == "text_tags":
                cell = "; ".join(rng.sample(("Statutory", "Cloud first", "GDPR", "Shared service", "PSN"), 2))
            elif key == "costcentre":
                cell = rng.choice(
                    (
                        f"CC{rng.randrange(1000, 9999)}",
                        f"R{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}",
                    )
                )
            elif key == "version":
                cell = rng.choice(
                    (
                        f"{rng.randrange(1, 12)}.{rng.randrange(0, 20)}.{rng.randrange(0, 9)}",
                        f"{rng.randrange(2012, 2025)} R{rng.randrange(1, 3)}",
                    )
                )
            elif key == "machine":
                cell = f"SRV-{rng.choice(('APP', 'DB', 'WEB', 'FS'))}-{rng.randrange(1, 60):02d}"
            elif key == "username":
                cell = person.split()[0][0].lower() + person.split()[-1].lower().replace("'", "")
            elif key == "archi_type":
                cell = "ApplicationComponent"
            elif key.startswith("const:"):
                cell = key.split(":", 1)[1]
            else:
                raise AssertionError(f"no values for column key {key}")
            col.cells.append(cell)
            cells[id(col)] = cell
        if layout.tool == "leanix" and "lifecycle" in has_strict:
            started = [
                p
                for p in PHASES
                if p in phases and phases[p] <= AS_OF and any(c.spec.key == f"phase:{p}" for c in columns)
            ]
            expected["lifecycle"] = started[-1] if started else None
        expected["vendor"] = vendor if "vendor" in has_strict else SKIP
        app = ExpectedApp(
            row=0,
            organisation=organisation_arg or org,
            name=name,
            app_id=app_id if id_col is not None and id_col.spec.field == "app_id" else None,
            app_id_optional=id_col is not None and id_col.spec.field == ANY,
            values=expected,
        )
        if id_col is not None and id_col.spec.field == ANY:
            app.app_id = app_id
        rows.append(_Row("app", cells, app))

    width = len(columns)
    name_col = next(c for c in columns if c.spec.key in ("name", "display_name"))
    name_cols = [c for c in columns if c.spec.key in ("name", "display_name")]
    org_col = next((c for c in columns if c.spec.key == "org"), None)
    by_key = {c.spec.key: c for c in columns}

    # Roughening of the rows, each drawn on its own.
    if n >= 4 and rng.random() < 0.2:
        target = rows[rng.randrange(len(rows))]
        for c in name_cols:
            target.cells[id(c)] = rng.choice(("", " "))
        target.kind, target.why, target.app = "blankname", "blank application name", None
        features.append("blank-name")
    if n >= 3 and rng.random() < 0.2:
        source = rng.choice([r for r in rows if r.kind == "app"])
        position = rng.randrange(rows.index(source) + 1, len(rows) + 1)
        rows.insert(
            position,
            _Row(
                "dup", dict(source.cells), why=f"exact duplicate of {source.app.name if source.app else ''}"
            ),
        )
        features.append("duplicate-row")
    if org_col is not None and organisation_arg is None and n >= 4 and rng.random() < 0.1:
        copied = [r.cells for r in rows if r.kind == "dup"]
        # Not a row that a duplicate copies: its copy would then be the row that loads.
        target = rng.choice([r for r in rows if r.kind == "app" and r.cells not in copied])
        target.cells[id(org_col)] = ""
        target.kind, target.why, target.app = "blankorg", "blank organisation", None
        features.append("blank-organisation")
    if layout.tool == "archi":
        for _ in range(rng.randrange(2, 8)):
            other = {
                id(by_key["archi_type"]): rng.choice(ARCHI_OTHER_TYPES),
                id(by_key["name"]): rng.choice(ARCHI_OTHER_NAMES),
            }
            if "id_archi" in by_key:
                other[id(by_key["id_archi"])] = "id-" + _hex(rng, 32)
            rows.insert(
                rng.randrange(0, len(rows) + 1), _Row("other", other, why="not an application element")
            )
        model = {
            id(by_key["archi_type"]): "ArchimateModel",
            id(by_key["name"]): f"{organisations[0]} EA model",
        }
        if "id_archi" in by_key:
            model[id(by_key["id_archi"])] = "id-" + _hex(rng, 32)
        rows.insert(0, _Row("model", model, why="the model itself"))
        features.append("archi-non-application-rows")

    if row_order is not None:
        data = [r for r in rows if r.kind != "model"]
        random.Random(row_order).shuffle(data)
        rows = [r for r in rows if r.kind == "model"] + data

    # Rows around the data: a units row, blank rows, totals, notes.
    body: list[_Row] = []
    if rng.random() < 0.12:
        units: dict[object, object] = {}
        for col in columns:
            key = col.spec.key
            units[id(col)] = (
                "Name of the application"
                if key in ("name", "display_name")
                else "Unique identifier"
                if key.startswith("id_")
                else rng.choice(("GBP per year", "£ p.a.", "Annual, excl. VAT"))
                if key == "money"
                else "dd/mm/yyyy"
                if key in ("date", "date_past")
                else "Organisation name"
                if key == "org"
                else rng.choice(("Free text", "Select from list", ""))
            )
        body.append(_Row("units", units, why="units/description row"))
        features.append("units-row")
    money_cols = [c for c in columns if c.spec.key == "money"]
    if (
        org_col is not None
        and organisation_arg is None
        and len(organisations) > 1
        and money_cols
        and rng.random() < 0.15
    ):
        # Rows grouped by organisation, each group closed by a subtotal row.
        grouped: list[_Row] = []
        for org in organisations:
            group = [r for r in rows if r.cells.get(id(org_col)) == org]
            if not group:
                continue
            label = rng.choice(("Subtotal", "Sub-total", f"{org} total"))
            subtotal = _Row("subtotal", {id(name_col): label}, why="subtotal row")
            for c in money_cols:
                subtotal.sums[id(c)] = sum((_plain_money(r.cells.get(id(c))) for r in group), Decimal(0))
            grouped += [*group, subtotal]
        rows = grouped + [r for r in rows if r.cells.get(id(org_col)) not in organisations]
        features.append("subtotal-rows")
    blank_at: set[int] = set()
    if rng.random() < 0.25 and len(rows) > 2:
        blank_at = set(rng.sample(range(1, len(rows)), rng.randrange(1, 3)))
        features.append("blank-rows")
    for i, row in enumerate(rows):
        if i in blank_at:
            body.append(_Row("blank", {}))
        body.append(row)
    total_p = 0.3 if layout.tool == "register" else 0.08
    if money_cols and rng.random() < total_p:
        label = rng.choice(("TOTAL", "Total", "Grand Total", "Total annual cost", "Totals"))
        total = _Row("total", {id(name_col) if rng.random() < 0.6 else FIRST: label}, why="total row")
        for c in money_cols:
            total.sums[id(c)] = sum(
                (
                    _plain_money(r.cells.get(id(c)))
                    for r in rows
                    if r.kind in ("app", "blankname", "blankorg", "dup", "other")
                ),
                Decimal(0),
            )
        body.append(total)
        features.append("total-row")
    if rng.random() < 0.1:
        body.append(_Row("blank", {}))
        note = rng.choice(
            (
                "Notes: costs exclude VAT",
                "Source: ICT asset register, extracted by the service desk",
                "* figures for 2024/25 are estimates",
            )
        )
        body.append(_Row("note", {FIRST: note}, why="note row"))
        features.append("note-rows")

    # Where the table sits: title rows, a two-row header with merged groups (workbooks).
    title_p = 0.5 if layout.tool == "register" else 0.15
    titles: list[list[object]] = []
    if rng.random() < title_p:
        org_title = organisation_arg or organisations[0]
        lines = [
            rng.choice(
                (
                    f"{org_title} - Application Register",
                    f"{org_title}: ICT systems list",
                    "Application inventory",
                )
            ),
            rng.choice(
                ("Last updated 03/2024", f"Exported from {layout.tool} on 03/11/2025 14:02", "OFFICIAL")
            ),
            "Owner: ICT Strategy and Architecture",
        ][: rng.randrange(1, 4)]
        pad = rng.random() < 0.5
        for line in lines:
            titles.append([line] + ([""] * (width - 1) if pad else []))
        if rng.random() < 0.6:
            titles.append([""] * width if pad else [])
        features.append("title-rows")

    merges: list[tuple[int, int, int, int, str]] = []
    two_row = any(c.group for c in columns)
    block = [c for c in columns if c.spec.field in COST_FIELDS]
    if kind == "xlsx" and len(block) >= 2 and rng.random() < 0.3:
        two_row = True
        features.append("merged-cost-header")
        rest = [c for c in columns if c.spec.field not in COST_FIELDS]
        at = rng.randrange(1, len(rest) + 1)
        columns[:] = rest[:at] + block + rest[at:]
        group = rng.choice(("Annual costs (£)", "Running costs (£ per year)", "Costs"))
        for c in block:
            c.group = group
            c.header = _SUB_LABEL[c.spec.field or ""]
    elif not two_row and rng.random() < 0.35 and layout.tool != "archi":
        rng.shuffle(columns)
        features.append("shuffled-columns")

    table: list[list[object]] = [list(r) for r in titles]
    header_cells: list[object] = [c.header for c in columns]
    if two_row:
        start = len(table)
        top: list[object] = [""] * width
        vertical = rng.random() < 0.5
        for i, c in enumerate(columns):
            if c.group and (i == 0 or columns[i - 1].group != c.group):
                end = i
                while end + 1 < width and columns[end + 1].group == c.group:
                    end += 1
                top[i] = c.group
                merges.append((start, i, start, end, c.group))
            elif not c.group:
                top[i] = c.header if vertical else ""
                if vertical:
                    merges.append((start, i, start + 1, i, c.header))
        table.append(top)
    table.append(header_cells)
    header_row = len(table)
    first_data = header_row + 1
    not_loaded: list[tuple[int, str]] = []
    expected_apps: list[ExpectedApp] = []
    blank_rows = 0
    for offset, row in enumerate(body):
        number = first_data + offset
        cells = [row.cells.get(id(c), "") for c in columns]
        if FIRST in row.cells:
            cells[0] = row.cells[FIRST]
        for i, c in enumerate(columns):
            if id(c) in row.sums:
                amount = row.sums[id(c)]
                letter = _column_letter(i)
                if kind == "xlsx":
                    cells[i] = Formula(f"=SUM({letter}{first_data}:{letter}{number - 1})", amount)
                else:
                    cells[i] = v.money_text(amount, c.style if "{" in c.style else "{:.2f}")
        table.append(cells)
        if row.kind == "blank":
            blank_rows += 1
        elif row.app is not None:
            row.app.row = number
            expected_apps.append(row.app)
        else:
            not_loaded.append((number, row.why))

    path = out_dir / f"{layout.tool}-{seed}-{index}.{kind}"
    sheet_name = None
    stray = None
    if kind == "csv":
        encoding = rng.choice(("utf-8", "utf-8", "utf-8-sig", "cp1252"))
        text_cols = [i for i, c in enumerate(columns) if c.spec.key in ("text", "dept", "group")]
        if (
            encoding == "utf-8"
            and text_cols
            and any(not a.name.isascii() for a in expected_apps)
            and rng.random() < 0.3
        ):
            # One stray cp1252 byte (a curly apostrophe) in one free-text cell of a UTF-8 file.
            row_at = expected_apps[rng.randrange(len(expected_apps))].row - 1
            table[row_at][text_cols[0]] = "Children\ue000s Services"
            stray = row_at + 1
            features.append("stray-cp1252-byte")
        elif text_cols and rng.random() < 0.05:
            # One control character in a free-text cell: the row may be cleaned or rejected.
            victim = expected_apps[rng.randrange(len(expected_apps))]
            table[victim.row - 1][text_cols[0]] = rng.choice(
                ("Archive\x00d", "Bell\x07 service", "Tab\x0bbed")
            )
            victim.optional = True
            features.append("control-character")
        quote_all = layout.quote_all or rng.random() < 0.2
        unterminated = not quote_all and body[-1].app is not None and rng.random() < 0.05
        delimiter = rng.choice((",",) * 8 + (";", "\t"))
        write_csv(
            path,
            table,
            encoding=encoding,
            delimiter=delimiter,
            quote_all=quote_all,
            line_end=rng.choice(("\r\n", "\n")),
        )
        if stray is not None:
            path.write_bytes(path.read_bytes().replace("\ue000".encode(), b"\x92"))
        if unterminated and body[-1].app is not None:
            # The last record opens a quote it never closes (a truncated export).
            data = path.read_bytes().rstrip(b"\r\n")
            cut = max(data.rfind(b"\n"), -1) + 1
            path.write_bytes(data[:cut] + b'"' + data[cut:] + b"\n")
            body[-1].app.optional = True
            features.append("unterminated-quote")
        writer = encoding + ("" if delimiter == "," else f" delim={delimiter!r}")
    else:
        sheet_name = rng.choice(layout.sheet_names)
        sheets = [Sheet(sheet_name, table, merges)]
        for other in layout.other_sheets:
            if rng.random() < 0.7:
                sheets.append(Sheet(other, _other_sheet(rng, other)))
                features.append(f"sheet:{other}")
        if rng.random() < 0.2:
            sheets.insert(
                0,
                Sheet(
                    rng.choice(("Cover", "Contents", "About")),
                    [["Application register"], [""], ["Prepared by ICT"]],
                ),
            )
            features.append("cover-sheet")
        if rng.random() < 0.12:
            sheets.append(
                Sheet(
                    "Lookups",
                    [
                        ["Hosting", "Status"],
                        ["Cloud", "Live"],
                        ["On premise", "Retired"],
                        ["Hosted", "Planned"],
                    ],
                )
            )
            features.append("lookups-sheet")
        if rng.random() < 0.25:
            sheets += [Sheet(name, []) for name in ("Sheet2", "Sheet3") if name != sheet_name]
            features.append("empty-sheets")
        writer = rng.choice(("xlsxwriter", "openpyxl"))
        (write_xlsx_xlsxwriter if writer == "xlsxwriter" else write_xlsx_openpyxl)(path, sheets)

    truth_columns = [
        ColumnTruth(
            header=f"{c.group} {c.header}" if c.group else c.header,
            field=c.spec.field,
            key=c.spec.key,
            values=[cell_text(x) for x in c.cells],
        )
        for c in columns
    ]
    return Draw(
        seed=seed,
        index=index,
        tool=layout.tool,
        source=layout.source,
        kind=kind,
        writer=writer,
        path=path,
        organisation_arg=organisation_arg,
        sheet=sheet_name,
        header_row=header_row,
        columns=truth_columns,
        expected=expected_apps,
        not_loaded=not_loaded,
        blank_rows=blank_rows,
        features=features,
    )


def _plain_money(cell: object) -> Decimal:
    if isinstance(cell, Num):
        return Decimal(str(cell.value))
    text = cell_text(cell).replace("£", "").replace("GBP", "").replace(",", "").strip()
    try:
        if text.endswith("k"):
            return Decimal(text[:-1]) * 1000
        return Decimal(text)
    except ArithmeticError:
        return Decimal(0)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _other_sheet(rng: random.Random, name: str) -> list[list[object]]:
    if name == "Readme":
        return [["Readme"], ["Do not change the id, type and name columns."], ["Forbidden characters: none"]]
    if name == "Business-units":
        return [["Name", "Description", "Type"]] + [
            [d, "Business unit", "Business Unit"] for d in rng.sample(v.DEPARTMENTS, 4)
        ]
    if name == "Capabilities":
        return [
            ["Name", "Description"],
            ["Case Management", "Level 1"],
            ["Payments", "Level 1"],
            ["Scheduling", "Level 2"],
        ]
    if name == "BU -> Applications":
        return [
            ["Source", "Target", "Type"],
            ["Housing", "Housing Management", "Uses"],
            ["Finance", "Finance System", "Uses"],
        ]
    if name == "Roles and Features":
        return [
            ["Machine Name", "Name", "Type"],
            ["SRV-APP-01", "Web Server (IIS)", "Role"],
            ["SRV-DB-02", ".NET Framework 4.8", "Feature"],
        ]
    if name == "SQL Server instances":
        return [
            ["Machine Name", "Instance", "Edition", "Version"],
            ["SRV-DB-02", "MSSQLSERVER", "Standard", "2016"],
        ]
    return [[name]]
