"""Write the consolidation plan workbook from a store: orchestration and the atomic write.

The file is written in a private temporary folder beside the target and renamed into place only
when complete and flushed to disk (store/artefact.py), so `plan.xlsx` appears whole or not at all
and a failed write leaves the previous plan as it was. A plan open in Excel or LibreOffice (their
lock files), or read-only, is refused before any work.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.analyses.savings import Assumptions
from appconsol.errors import ArtefactError
from appconsol.report.plan.common import Book, print_setup, require_one_sheet, sheet_parts, with_locations
from appconsol.report.plan.data import (
    PlanData,
    read_applications,
    read_findings,
    read_legacy,
    read_plan_data_capped,
)
from appconsol.report.plan.deflate import fast_deflate
from appconsol.report.plan.figures import model_figures
from appconsol.report.plan.formulas import FIRST_DATA_ROW
from appconsol.report.plan.package import package_zip
from appconsol.report.plan.sheets_evidence import (
    application_columns,
    findings_frame,
    findings_rows,
    first_rows,
    write_applications,
    write_data_quality,
    write_findings,
    write_rules,
)
from appconsol.report.plan.sheets_front import (
    Ranges,
    board_rows,
    organisation_order,
    write_assumptions,
    write_cover,
    write_summary,
)
from appconsol.report.plan.sheets_money import write_money_sheets, write_partners
from appconsol.report.plan.sheets_options import BASELINE_HEADER, Spans, write_baseline, write_options
from appconsol.report.plan.sheets_scores import write_cloud, write_legacy, write_overlaps
from appconsol.report.plan.sheets_sensitivity import write_board, write_sensitivity
from appconsol.store import Store
from appconsol.store.artefact import artefact, check_target

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "constant_memory": False,  # tables need it off; bulk rows go through row blocks instead
    "nan_inf_to_errors": False,
}
FIXED_SHEETS = (
    *(
        "Cover",
        "Summary",
        "Board",
        "Options",
        "Sensitivity",
        "Assumptions",
        "Plan",
        "Savings",
        "Cash flow",
        "Partners",
    ),
    *("Baseline", "Overlaps"),
)
SPLIT_SHEETS = ("Legacy risk", "Cloud & TIME", "Findings")


@dataclass(frozen=True)
class Streams:
    """Where the rows streamed to their sheets come from (the store, a batch at a time)."""

    findings: Callable[[], Iterator[pl.DataFrame]]
    legacy: Callable[[], Iterator[pl.DataFrame]]
    applications: Callable[[], Iterator[pl.DataFrame]]


class PlanWriteError(ArtefactError):
    """The plan workbook cannot be written where asked (locked, unwritable)."""


@dataclass
class PlanSummary:
    """What was written, for the CLI's closing lines."""

    path: Path
    applications: int
    actions: int
    findings: int
    one_off_cost: float
    annual_saving: float
    npv_short: float
    npv_long: float
    horizon_short: int
    horizon_long: int
    seconds: float
    sheets: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    preferred: str = ""  # the preferred option, whose figures the totals above are
    dispositions: dict[str, int] = field(default_factory=dict)  # applications per disposition


def check_writable(output: Path) -> None:
    """Refuse early and clearly: a plan open in Excel or LibreOffice, read-only, or in an unwritable folder."""
    check_target(output, label="the plan", error=PlanWriteError)


def write_plan(
    store: Store,
    output: Path | str,
    *,
    assumptions: Assumptions | None = None,
    rules: pl.DataFrame | None = None,
    waivers: pl.DataFrame | None = None,
    progress: Callable[[str], None] | None = None,
    written_at: dt.datetime | None = None,
) -> PlanSummary:
    """Write the consolidation plan workbook for everything in `store` to `output`, atomically.

    `assumptions` overrides the store's plan_assumptions; `rules` (code, name, severity,
    parameters, summary) and `waivers` (rule, key, reason, expires) describe the configured rule
    pack for the Rules sheet.
    """
    started = time.perf_counter()
    output = Path(output)
    check_writable(output)
    say = progress or (lambda _message: None)
    say("reading the store")
    # The findings' rows, the legacy scores' evidence and the applications' rows are streamed to
    # their sheets as those are rendered (findings_rows, legacy_rows, write_applications); until
    # then only the findings' keys (for the Plan's links and the sheet names), the scores without
    # their evidence and the applications' keys, names and hosting are held.
    data = read_plan_data_capped(store, assumptions, lean=True)
    for title in ("Plan", "Savings", "Cash flow"):
        require_one_sheet(title, data.actions.height)
    say(f"appraising {data.actions.height:,} actions")
    figures = model_figures(data.actions, data.assumptions, data.baseline)
    best = figures.options[figures.preferred]  # the headline is the preferred option (issue 11)
    # What the summary needs, taken now: the tables are let go of as the sheets are rendered.
    counts = (data.applications.height, data.actions.height, data.findings.height)
    dispositions = dict(data.dispositions.group_by("disposition").len().sort("disposition").iter_rows())
    with artefact(output, label="the plan", error=PlanWriteError) as temporary:
        streams = Streams(
            functools.partial(read_findings, store),
            functools.partial(read_legacy, store),
            functools.partial(read_applications, store),
        )
        sheets = _write_workbook(str(temporary), data, figures, rules, waivers, say, written_at, streams)
        say("renaming into place")
    return PlanSummary(
        path=output,
        applications=counts[0],
        actions=counts[1],
        findings=counts[2],
        one_off_cost=best.one_off_cost,
        annual_saving=best.annual_saving,
        npv_short=best.npv_short,
        npv_long=best.npv,
        horizon_short=data.assumptions.horizon_short_years,
        horizon_long=data.assumptions.horizon_long_years,
        seconds=time.perf_counter() - started,
        sheets=sheets,
        missing=sorted(data.missing),
        preferred=best.name,
        dispositions=dispositions,
    )


def _write_workbook(
    path: str,
    data: PlanData,
    figures: Any,
    rules: pl.DataFrame | None,
    waivers: pl.DataFrame | None,
    say: Callable[[str], None],
    written_at: dt.datetime | None,
    streams: Streams,
) -> list[str]:
    import xlsxwriter

    # xlsxwriter's own temporary files go in the private folder beside the plan, not in $TMPDIR.
    workbook = xlsxwriter.Workbook(path, {**WORKBOOK_OPTIONS, "tmpdir": str(Path(path).parent)})
    workbook.set_properties(
        {
            "title": "Application consolidation plan",
            "comments": "Written by appconsol; formulas recalculate on open.",
        }
    )
    workbook.set_calc_mode("auto")
    book = Book(workbook, data, figures)
    book.add_formats()
    names = list(FIXED_SHEETS)
    for title, frame in zip(SPLIT_SHEETS, (data.legacy, data.dispositions, data.findings), strict=True):
        names += sheet_parts(title, frame.height)
    names.append("Data quality")
    names += sheet_parts("Applications", data.applications.height)
    names.append("Rules")
    for name in names:
        book.sheet(name).announce = say

    apps = data.applications.select("organisation", "app_id")
    book.app_locations = with_locations(apps, sheet_parts("Applications", apps.height))
    orgs = organisation_order(book)
    book.org_numbers = orgs.select("organisation", "org_no")
    findings = with_locations(findings_frame(book), sheet_parts("Findings", data.findings.height))
    links = _plan_links(book, findings)
    data.findings = findings.drop("__sheet", "__row")  # the keys and links stand in for the rows
    del findings
    finding_rows = findings_rows(book, streams.findings)

    say("writing Plan, Savings and Cash flow")
    write_money_sheets(book, links)
    write_partners(book)
    say("writing evidence sheets")
    write_overlaps(book)
    write_legacy(book, streams.legacy)
    write_cloud(book)
    write_findings(book, data.findings, finding_rows)
    write_data_quality(book)
    write_applications(book, streams.applications)
    write_rules(book, rules, waivers)
    say("writing Summary, Assumptions and Cover")
    write_assumptions(book)
    app_cols = {c.source: i for i, c in enumerate(application_columns(book)) if c.source}
    ranges = Ranges(
        actions_last=FIRST_DATA_ROW + max(data.actions.height, 1) - 1,
        groups_last=FIRST_DATA_ROW + max(data.groups.height, 1) - 1,
    )
    write_summary(book, orgs, ranges, app_cols)
    write_options(book, Spans(ranges.actions_last))
    write_sensitivity(book)
    write_board(book, Spans(ranges.actions_last))
    write_baseline(book)
    write_cover(book, written_at or dt.datetime.now(dt.timezone.utc))
    print_setup(book, {"Baseline": BASELINE_HEADER}, board_rows(book))
    book.sheet("Cover").activate()
    del apps, links, finding_rows
    _let_go(book)
    say("rendering and compressing the workbook")
    with package_zip() as package:
        if package is None:  # pragma: no cover - an xlsxwriter without the ZipFile package_zip replaces
            with fast_deflate():
                workbook.close()
        else:
            for sheet in book.sheets.values():
                sheet.package = package
            workbook.close()
    return names


def _let_go(book: Book) -> None:
    """Drop the writer's own hold on the tables and the model's figures before the sheets are
    rendered: from here on a sheet's rows are held by its row blocks only, which let go of them
    once the sheet is rendered (`Block.release`), so the rendering of the last sheets (the
    streamed findings among them) does not carry every table written before them (about 1.5 GB
    at 1M applications). The tables keep their columns, with no rows.
    """
    data, figures = book.data, book.figures
    for name, value in list(vars(data).items()):
        if isinstance(value, pl.DataFrame):
            setattr(data, name, value.clear())
    figures.savings = figures.savings.clear()
    figures.cash_flows = figures.cash_flows.clear()
    figures.options_input = figures.options_input.clear()
    figures.recommended = []
    book.app_locations = book.app_locations.clear()
    book.app_links = book.app_facts = None


def _plan_links(book: Book, findings: pl.DataFrame) -> pl.DataFrame:
    """Link targets for each Plan row, in action order: application row, first finding, group row."""
    key = ["organisation", "app_id"]
    actions = book.data.actions.select(*key, "group_id")
    apps = first_rows(book.app_locations, key, "link_application")
    first_findings = first_rows(findings, key, "link_findings")
    groups = (
        book.data.groups.select("group_id")
        .with_row_index("__index")
        .select(
            "group_id",
            pl.format("'Overlaps'!A{}", pl.col("__index") + FIRST_DATA_ROW + 1).alias("link_group"),
        )
        .unique("group_id", keep="first")
    )
    frame = actions.join(apps, on=key, how="left", maintain_order="left")
    frame = frame.join(first_findings, on=key, how="left", maintain_order="left")
    frame = frame.join(groups, on="group_id", how="left", maintain_order="left")
    return frame.select("link_application", "link_findings", "link_group")
