"""The evidence sheets: Overlaps, Legacy risk, Cloud & TIME, Findings, Data quality, Applications, Rules.

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
    rag_formatting,
    require_one_sheet,
    sheet_parts,
    write_heading,
    write_table,
)
from appconsol.report.plan.formulas import HEADER_ROW
from appconsol.report.plan.rows import Column, PlanWorksheet

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


def _app_links(frame: pl.DataFrame, apps: pl.DataFrame, alias: str = "link_application") -> pl.DataFrame:
    """Add the link target of each row's application (null when the application is not loaded)."""
    located = apps.select(*APP_KEY, link_target().alias(alias)).unique(APP_KEY, keep="first")
    return add_joined(frame, located, APP_KEY, nulls_equal=False)


def _names(book: Book) -> pl.DataFrame:
    return book.data.applications.select(*APP_KEY, pl.col("name").alias("app_name")).unique(
        APP_KEY, keep="first"
    )


def write_overlaps(book: Book) -> None:
    data, f = book.data, book.formats
    groups, members = data.groups, data.members
    total = groups.height + members.height + 3
    require_one_sheet("Overlaps", total)
    ws = book.sheet("Overlaps")
    write_heading(
        book,
        ws,
        "Overlaps: groups of applications serving the same capability, and their members",
        "First table: one row per overlap group (within a body, or across partner bodies); second table: "
        "one row per member with its role and planned action. Filter on a group id to see one group."
        + data.note_for("overlap_groups", "overlap_members"),
    )
    group_columns = [
        Column("Group", "text", "group_id", width=14),
        Column("Scope", "text", "scope", width=12),
        Column("Partnership", "text", "partnership", width=22),
        Column("Capability code", "text", "capability_code", width=14),
        Column("Capability", "text", "capability_name", width=30),
        Column("Kind", "text", "kind", width=14),
        Column("Members", "integer", "members", f["count"], 9),
        Column("Organisations", "integer", "organisations", f["count"], 12),
        Column("Annual cost (£)", "number", "annual_cost", f["money"], 14),
    ]
    _first, last = write_table(book, ws, "tblOverlapGroups", group_columns, groups)
    members_header = last + 3
    ws.write_string(members_header - 1, 0, "Members", book.formats["subtitle"])
    actions = data.actions.select(*APP_KEY, "action", "target_name").unique(APP_KEY, keep="first")
    frame = add_joined(members, _names(book), APP_KEY)
    frame = add_joined(frame, actions, APP_KEY)
    frame = _app_links(frame, book.app_locations)
    member_columns = [
        Column("Group", "text", "group_id", width=14),
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Application", "text", "app_name", width=30),
        Column("Role", "text", "role", width=12),
        Column("Planned action", "text", "action", width=13),
        Column("Into", "text", "target_name", width=28),
        Column("Application row", "link", "link_application", f["link"], 11, link_text="application"),
    ]
    write_table(book, ws, "tblOverlapMembers", member_columns, frame, header_row=members_header, freeze=False)
    ws.freeze_panes(HEADER_ROW + 1, 0)


def legacy_frame(book: Book) -> pl.DataFrame:
    frame = add_joined(book.data.legacy, _names(book), APP_KEY)
    frame = add_joined(frame, book.org_numbers, "organisation")
    return _app_links(frame, book.app_locations)


def legacy_rows(book: Book, stand_in: pl.DataFrame, read: Callable[[], Iterator[pl.DataFrame]]) -> SharedRows:
    """The Legacy risk sheets' rows: `stand_in` (legacy_frame of the scores read without their
    evidence) with the evidence `read` streams from the store in the same order.
    """
    return SharedRows(lambda: _attached(read(), stand_in, take=["evidence"]))


def _attached(
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


def write_legacy(book: Book, frame: pl.DataFrame, rows: SharedRows | None = None) -> None:
    f = book.formats
    columns = [
        Column("Org no.", "integer", "org_no", f["integer"], 7),
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Application", "text", "app_name", width=30),
        Column("Likelihood", "number", "likelihood", f["number"], 10),
        Column("Impact", "number", "impact", f["number"], 8),
        Column("Score", "number", "score", f["number"], 8),
        Column("Red-rated", "bool", "red_rated", width=9),
        Column("RAG", "text", "rag", width=8),
        Column("Derived", "bool", "derived", width=8),
        Column("Worst support status", "text", "worst_support_status", width=18),
        Column("Earliest end of support", "date", "earliest_eol", f["date"], 13),
        Column("Months to end of support", "number", "months_to_eol", f["number"], 12),
        Column("Evidence", "text", "evidence", width=60),
        Column("Application row", "link", "link_application", f["link"], 11, link_text="application"),
    ]

    def decorate(ws: PlanWorksheet, first: int, last: int) -> None:
        rag_formatting(book, ws, 8, first, last)
        ws.conditional_format(
            first,
            6,
            last,
            6,
            {"type": "3_color_scale", "min_color": "#63BE7B", "mid_color": "#FFEB84", "max_color": "#F8696B"},
        )

    write_split(
        book,
        "Legacy risk",
        "Legacy risk: likelihood x impact per application (UK Legacy IT Risk Assessment Framework)",
        "Score = likelihood x impact, each 1-5 as (mean + max) / 2 of its factors; red-rated at 16 or more. "
        "'Derived' scores come from inventory fields, the others were given in the inventory. Evidence "
        "lists the components and dates behind the score." + book.data.note_for("legacy_scores"),
        "tblLegacy",
        columns,
        frame,
        decorate,
        rows,
    )


def write_cloud(book: Book) -> None:
    f = book.formats
    apps = book.data.applications.select(*APP_KEY, pl.col("name").alias("app_name"), "hosting_model").unique(
        APP_KEY, keep="first"
    )
    frame = add_joined(book.data.dispositions, apps, APP_KEY)
    frame = frame.with_columns(
        pl.col("missing_facts").str.strip_chars("[]")
    )  # "[hosting, fit]" -> "hosting, fit"
    frame = _app_links(frame, book.app_locations)
    columns = [
        Column("Organisation", "text", "organisation", width=28),
        Column("App id", "text", "app_id", width=14),
        Column("Application", "text", "app_name", width=30),
        Column("Hosting today", "text", "hosting_model", width=14),
        Column("TIME", "text", "time_category", width=11),
        Column("Disposition (7R)", "text", "disposition", width=13),
        Column("Decided by", "text", "decided_by", width=14),
        Column("Confidence", "text", "confidence", width=11),
        Column("Missing facts", "text", "missing_facts", width=24),
        Column("Reason", "text", "reason", width=50),
        Column("Constraints", "text", "constraints", width=40),
        Column("Application row", "link", "link_application", f["link"], 11, link_text="application"),
    ]
    write_split(
        book,
        "Cloud & TIME",
        "Cloud & TIME: each application's TIME category and 7R cloud disposition, with the rule that decided it",
        "TIME (Tolerate, Invest, Migrate, Eliminate) comes from functional and technical fit; the 7R "
        "disposition from an ordered decision table (first match wins), respecting hard constraints "
        "(classification, residency, hardware). Confidence drops a step for each missing fact that could "
        "change the decision; needs-assessment means the inventory does not record enough to decide (it is "
        "not retain)." + book.data.note_for("dispositions"),
        "tblCloud",
        columns,
        frame,
    )


def findings_frame(book: Book) -> pl.DataFrame:
    return _app_links(book.data.findings, book.app_locations)


def findings_rows(book: Book, read: Callable[[], Iterator[pl.DataFrame]]) -> SharedRows:
    """The Findings sheets' rows, streamed by `read` in `book.data.findings`' order, each with the
    link `book.data.findings` (the findings' keys with their links) holds for it.
    """
    stand_in = book.data.findings
    return SharedRows(lambda: _attached(read(), stand_in, take=[], keep=["link_application"]))


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
    frame = book.data.applications
    columns = []
    for key, (header, width) in APPLICATION_HEADERS.items():
        if key not in frame.columns:
            continue
        dtype = frame.schema[key]
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


def write_applications(book: Book) -> None:
    write_split(
        book,
        "Applications",
        "Applications: the canonical inventory, with the file, sheet and row each came from",
        "One row per application per organisation after mapping and normalisation; money in £ a year; "
        "'Annual cost' is the total as given, else the sum of the cost lines; 'Live' is phase-in, active, "
        "phase-out or unknown. Every plan and finding row links here.",
        "tblApplications",
        application_columns(book),
        book.data.applications,
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
