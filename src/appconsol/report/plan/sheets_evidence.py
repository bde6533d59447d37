"""The evidence sheets: Findings, Data quality, Applications, Rules (and what every evidence
sheet shares: split tables, application links; Overlaps, Legacy risk and Cloud & TIME are in
`sheets_scores`).

Each is an Excel table of what the analyses stored, with links back to the application's
inventory row. Tables too long for one sheet continue on "Findings (2)" and so on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import polars as pl

from appconsol.report.plan.common import (
    Book,
    SharedRows,
    add_joined,
    data_capacity,
    link_target,
    require_one_sheet,
    sheet_parts,
    write_heading,
    write_table,
)
from appconsol.report.plan.formulas import HEADER_ROW
from appconsol.report.plan.rows import Column, PlanWorksheet, stand_in

APP_KEY = ["organisation", "app_id"]


def write_split(
    book: Book,
    title: str,
    heading: str,
    note: str,
    table: str,
    columns: Sequence[Column],
    frame: pl.DataFrame,
    decorate: Callable[[PlanWorksheet, int, int], None] | None = None,
    rows: SharedRows | None = None,
) -> None:
    """A table over as many sheets as Excel's row limit needs (the sheets exist already, in order).

    With `rows`, `frame` only stands in for the table (its height) and each part's rows are taken
    from `rows` when the part is rendered.
    """
    parts = sheet_parts(title, frame.height)
    size = data_capacity()
    for i, name in enumerate(parts):
        ws = book.sheet(name)
        chunk = frame.slice(i * size, size)
        suffix = f" (part {i + 1} of {len(parts)})" if len(parts) > 1 else ""
        write_heading(book, ws, heading + suffix, note)
        load = rows.loader(i * size, chunk.height) if rows is not None and chunk.height else None
        first, last = write_table(book, ws, table, columns, chunk, load=load)
        if decorate:
            decorate(ws, first, last)


def app_links(book: Book) -> pl.DataFrame:
    """Each application's link target on the Applications sheet(s), keyed by organisation and
    app_id (the first row of a key held twice); worked out once for every sheet that links there.
    """
    if book.app_links is None:
        book.app_links = book.app_locations.select(*APP_KEY, link_target().alias("link_application")).unique(
            APP_KEY, keep="first"
        )
    return book.app_links


def add_app_links(frame: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """Add the link target of each row's application (null when the application is not loaded)."""
    return add_joined(frame, links, APP_KEY, nulls_equal=False)


def app_facts(book: Book) -> pl.DataFrame:
    """Each application's name (`app_name`) and hosting, keyed as `app_links` (worked out once)."""
    if book.app_facts is None:
        book.app_facts = book.data.applications.select(
            *APP_KEY, pl.col("name").alias("app_name"), "hosting_model"
        ).unique(APP_KEY, keep="first")
    return book.app_facts


def attached(
    batches: Iterator[pl.DataFrame], stand_in: pl.DataFrame, take: list[str], keep: list[str] | None = None
) -> Iterator[pl.DataFrame]:
    """Each streamed batch lined up with the same rows of `stand_in` (same order, checked by key):
    the batch's `take` columns added to the stand-in's rows, or, with `keep`, the stand-in's
    `keep` columns added to the batch. Nothing is joined, so nothing is hashed per batch.
    """
    start = 0
    for batch in batches:
        rows = stand_in.slice(start, batch.height)
        start += batch.height
        if rows.height != batch.height or not rows.select(APP_KEY).equals(batch.select(APP_KEY)):
            raise ValueError("the store's rows changed while the plan was being written")
        if keep is not None:
            yield batch.with_columns(rows.select(keep).get_columns())
        else:
            yield rows.with_columns(batch.select(take).get_columns())


def findings_frame(book: Book) -> pl.DataFrame:
    return add_app_links(book.data.findings, app_links(book))


def findings_rows(book: Book, read: Callable[[], Iterator[pl.DataFrame]]) -> SharedRows:
    """The Findings sheets' rows, streamed by `read` in `book.data.findings`' order, each with the
    link `book.data.findings` (the findings' keys with their links) holds for it.
    """
    keys = book.data.findings
    return SharedRows(lambda: attached(read(), keys, take=[], keep=["link_application"]))


def write_findings(book: Book, frame: pl.DataFrame, rows: SharedRows | None = None) -> None:
    f = book.formats
    columns = [
        Column("Severity", "text", "severity", width=9),
        Column("Rule", "text", "rule_code", width=8),
        Column("Rule name", "text", "rule_name", width=28),
        Column("Category", "text", "category", width=13),
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Application", "text", "application", width=28),
        Column("Message", "text", "message", width=60),
        Column("Evidence", "text", "evidence", width=50),
        Column("Source file", "text", "source_file", width=30),
        Column("Source sheet", "text", "source_sheet", width=14),
        Column("Source row", "integer", "source_row", f["integer"], 10),
        Column("Waived", "bool", "waived", width=8),
        Column("Waiver reason", "text", "waiver_reason", width=30),
        Column("Application row", "link", "link_application", f["link"], 11, link_text="application"),
    ]

    def decorate(ws: PlanWorksheet, first: int, last: int) -> None:
        for value, fmt in (("error", "rag_red"), ("warning", "rag_amber")):
            ws.conditional_format(
                first, 0, last, 0, {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": f[fmt]}
            )

    write_split(
        book,
        "Findings",
        "Findings: every rule finding, with its evidence and the inventory row it points at",
        "One row per finding of the last rule run, sorted by organisation and application; the source "
        "file, sheet and row locate the inventory line. Waived findings stay listed with the waiver's reason."
        + book.data.note_for("findings", "rule_runs"),
        "tblFindings",
        columns,
        frame,
        decorate,
        rows,
    )


def write_data_quality(book: Book) -> None:
    data, f = book.data, book.formats
    require_one_sheet("Data quality", data.rejected.height + data.warnings.height + 3)
    ws = book.sheet("Data quality")
    write_heading(
        book,
        ws,
        "Data quality: rows not loaded and cell values that could not be read",
        "First table: input rows that were rejected, with the reason and the row as read; second table: "
        "cells whose value was not understood (the row was still loaded). Nothing is silently missing.",
    )
    rejected = [
        Column("Source file", "text", "source_file", width=30),
        Column("Sheet", "text", "source_sheet", width=14),
        Column("Row", "integer", "source_row", f["integer"], 7),
        Column("Organisation", "text", "organisation", width=28),
        Column("Reason", "text", "reason", width=40),
        Column("Row as read", "text", "raw", width=60),
    ]
    _first, last = write_table(book, ws, "tblRejected", rejected, data.rejected)
    header = last + 3
    ws.write_string(header - 1, 0, "Load warnings", f["subtitle"])
    warnings = [
        Column("Source file", "text", "source_file", width=30),
        Column("Sheet", "text", "source_sheet", width=14),
        Column("Row", "integer", "source_row", f["integer"], 7),
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Column", "text", "source_column", width=20),
        Column("Field", "text", "field", width=16),
        Column("Value", "text", "value", width=30),
        Column("Problem", "text", "problem", width=40),
    ]
    write_table(book, ws, "tblWarnings", warnings, data.warnings, header_row=header, freeze=False)
    ws.freeze_panes(HEADER_ROW + 1, 0)


APPLICATION_HEADERS = {
    "organisation": ("Organisation", 28),
    "app_id": ("App id", 14),
    "name": ("Application", 30),
    "description": ("Description", 40),
    "vendor": ("Vendor", 20),
    "product": ("Product", 20),
    "version": ("Version", 10),
    "lifecycle": ("Lifecycle", 10),
    "business_criticality": ("Criticality", 16),
    "hosting_model": ("Hosting", 12),
    "hosting_country": ("Hosting country", 10),
    "user_count": ("Users", 8),
    "data_classification": ("Classification", 14),
    "personal_data": ("Personal data", 9),
    "internet_facing": ("Internet-facing", 9),
    "functional_fit": ("Functional fit (1-4)", 9),
    "technical_fit": ("Technical fit (1-4)", 9),
    "business_owner": ("Business owner", 18),
    "department": ("Department", 18),
    "contract_end": ("Contract end", 12),
    "notice_period_days": ("Notice (days)", 9),
    "go_live": ("Go-live", 12),
    "cost_licence": ("Licence (£/yr)", 12),
    "cost_support": ("Support (£/yr)", 12),
    "cost_hosting": ("Hosting (£/yr)", 12),
    "cost_staff": ("Staff (£/yr)", 12),
    "cost_other": ("Other (£/yr)", 12),
    "cost_total": ("Total as given (£/yr)", 12),
    "annual_cost": ("Annual cost (£)", 13),
    "is_live": ("Live", 6),
    "source_file": ("Source file", 30),
    "source_sheet": ("Source sheet", 14),
    "source_row": ("Source row", 9),
}


def application_columns(book: Book) -> list[Column]:
    f = book.formats
    schema = book.data.application_schema or dict(book.data.applications.schema)
    columns = []
    for key, (header, width) in APPLICATION_HEADERS.items():
        if key not in schema:
            continue
        dtype = schema[key]
        if dtype == pl.Boolean:
            columns.append(Column(header, "bool", key, width=width))
        elif dtype == pl.Date:
            columns.append(Column(header, "date", key, f["date"], width))
        elif dtype.is_integer():
            columns.append(
                Column(header, "integer", key, f["count"] if key == "user_count" else f["integer"], width)
            )
        elif dtype.is_numeric():
            columns.append(Column(header, "number", key, f["money"], width))
        else:
            columns.append(Column(header, "text", key, width=width))
    return columns


def write_applications(book: Book, read: Callable[[], Iterator[pl.DataFrame]] | None = None) -> None:
    """The Applications sheets: `book.data.applications` as held, or, when it holds only some
    columns (`application_schema`), the rows `read` streams from the store in the same order.
    """
    apps, rows = book.data.applications, None
    if read is not None and book.data.application_schema:
        keys = apps.select(APP_KEY)
        rows = SharedRows(lambda: attached(read(), keys, take=[], keep=[]))
        apps = stand_in(apps.height)
    write_split(
        book,
        "Applications",
        "Applications: the canonical inventory, with the file, sheet and row each came from",
        "One row per application per organisation after mapping and normalisation; money in £ a year; "
        "'Annual cost' is the total as given, else the sum of the cost lines; 'Live' is phase-in, active, "
        "phase-out or unknown. Every plan and finding row links here.",
        "tblApplications",
        application_columns(book),
        apps,
        rows=rows,
    )


def write_rules(book: Book, rules: pl.DataFrame | None, waivers: pl.DataFrame | None) -> None:
    data, f = book.data, book.formats
    runs = data.rule_runs
    if rules is not None and rules.height:
        runs = runs.join(rules, on="code", how="left", maintain_order="left")
    for name in ("name", "severity", "parameters", "summary"):
        if name not in runs.columns:
            runs = runs.with_columns(pl.lit(None, pl.String).alias(name))
    waivers = (
        waivers
        if waivers is not None
        else pl.DataFrame(
            schema={"rule": pl.String, "key": pl.String, "reason": pl.String, "expires": pl.Date}
        )
    )
    require_one_sheet("Rules", runs.height + waivers.height + 3)
    ws = book.sheet("Rules")
    run_note = (
        "" if data.rule_runs.height else " No rule run is recorded in this store; run `appconsol analyse`."
    )
    write_heading(
        book,
        ws,
        "Rules: the analysis steps and rules that ran, their parameters, and the waivers applied",
        "One row per step and rule of the last run, with its status, findings and time; parameters as "
        "configured. The second table lists the waivers from appconsol.toml." + run_note,
    )
    columns = [
        Column("Kind", "text", "kind", width=7),
        Column("Code", "text", "code", width=14),
        Column("Name", "text", "name", width=30),
        Column("Severity", "text", "severity", width=9),
        Column("Status", "text", "status", width=8),
        Column("Findings", "integer", "findings", f["count"], 9),
        Column("Seconds", "number", "seconds", f["number"], 8),
        Column("Parameters", "text", "parameters", width=40),
        Column("Summary", "text", "summary", width=50),
        Column("Error", "text", "error", width=40),
        Column("As of", "date", "as_of", f["date"], 11),
    ]
    _first, last = write_table(book, ws, "tblRules", columns, runs)
    header = last + 3
    ws.write_string(header - 1, 0, "Waivers", f["subtitle"])
    waiver_columns = [
        Column("Rule", "text", "rule", width=8),
        Column("Finding key", "text", "key", width=40),
        Column("Reason", "text", "reason", width=50),
        Column("Expires", "date", "expires", f["date"], 11),
    ]
    write_table(book, ws, "tblWaivers", waiver_columns, waivers, header_row=header, freeze=False)
    ws.freeze_panes(HEADER_ROW + 1, 0)


def first_rows(frame: pl.DataFrame, key: Sequence[str], alias: str) -> pl.DataFrame:
    """The link target of the first row per key in a located frame (for 'see the findings' links)."""
    return (
        frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in key))
        .group_by(key, maintain_order=True)
        .first()
        .select(*key, link_target().alias(alias))
    )
