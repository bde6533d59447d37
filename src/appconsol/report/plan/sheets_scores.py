"""The analyses' sheets per application and group: Overlaps, Legacy risk, Cloud & TIME.

Legacy risk and Cloud & TIME hold a row per application (a million at 1M applications), so their
rows are put together when the sheet is rendered, from the columns kept for them, and let go of
once it is (`SharedRows`); the legacy scores' evidence is streamed from the store meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl

from appconsol.report.plan.common import (
    Book,
    SharedRows,
    add_joined,
    rag_formatting,
    require_one_sheet,
    write_heading,
    write_table,
)
from appconsol.report.plan.formulas import HEADER_ROW
from appconsol.report.plan.rows import Column, PlanWorksheet, stand_in
from appconsol.report.plan.sheets_evidence import (
    APP_KEY,
    add_app_links,
    app_facts,
    app_links,
    attached,
    write_split,
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
    frame = add_joined(members, app_facts(book).select(*APP_KEY, "app_name"), APP_KEY)
    frame = add_joined(frame, actions, APP_KEY)
    frame = add_app_links(frame, app_links(book))
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


def legacy_rows(book: Book, read: Callable[[], Iterator[pl.DataFrame]]) -> SharedRows:
    """The Legacy risk sheets' rows, put together when the first is rendered: the scores read
    without their evidence (`book.data.legacy`), with the application's name, its organisation's
    number and its link, and the evidence `read` streams from the store in the same order.
    """
    scores, names = book.data.legacy, app_facts(book).select(*APP_KEY, "app_name")
    orgs, links = book.org_numbers, app_links(book)

    def rows() -> Iterator[pl.DataFrame]:
        frame = add_joined(scores, names, APP_KEY)
        frame = add_app_links(add_joined(frame, orgs, "organisation"), links)
        return attached(read(), frame, take=["evidence"])

    return SharedRows(rows)


def write_legacy(book: Book, read: Callable[[], Iterator[pl.DataFrame]]) -> None:
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
        stand_in(book.data.legacy.height),
        decorate,
        legacy_rows(book, read),
    )


def cloud_rows(book: Book) -> SharedRows:
    """The Cloud & TIME sheets' rows, put together when the first is rendered: each disposition
    with its application's name, hosting and link.
    """
    dispositions, facts, links = book.data.dispositions, app_facts(book), app_links(book)

    def rows() -> Iterator[pl.DataFrame]:
        frame = add_joined(dispositions, facts, APP_KEY)
        frame = frame.with_columns(
            pl.col("missing_facts").str.strip_chars("[]")
        )  # "[hosting, fit]" -> "hosting, fit"
        yield add_app_links(frame, links)

    return SharedRows(rows)


def write_cloud(book: Book) -> None:
    f = book.formats
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
        stand_in(book.data.dispositions.height),
        rows=cloud_rows(book),
    )
