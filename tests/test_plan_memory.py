"""What the plan writer holds while it renders: each sheet's rows let go of once rendered, the
applications' rows streamed to their sheets, a streamed sort that does not fit its cap tried again."""

from __future__ import annotations

import datetime as dt

import polars as pl

from appconsol.report.plan import rows as plan_rows
from appconsol.report.plan import write_plan
from appconsol.store import Store
from plan_store import build_plan_store

WRITTEN = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)


def test_each_sheets_rows_are_let_go_of_once_it_is_rendered(tmp_path, monkeypatch):
    from appconsol.report.plan import workbook as plan_workbook

    store = build_plan_store(tmp_path / "s.duckdb", apps=120, orgs=3)
    rendered: list[tuple[plan_rows.Block, int]] = []
    held_later: list[str] = []
    books = []
    render, let_go = plan_rows.render_block, plan_workbook._let_go

    def watched(block, *args, **kwargs):
        # Every block rendered before this one holds no rows any more, nor do the writer's tables.
        held_later.extend(f"block of {n} rows" for b, n in rendered if b.frame.columns != ["__rows"])
        held_later.extend(
            name
            for book in books
            for name in ("actions", "applications", "dispositions", "legacy", "findings", "baseline")
            if getattr(book.data, name).height
        )
        held_later.extend("figures" for book in books if book.figures.savings.height)
        rendered.append((block, block.frame.height))
        yield from render(block, *args, **kwargs)

    def kept(book):
        books.append(book)
        let_go(book)

    monkeypatch.setattr(plan_rows, "render_block", watched)
    monkeypatch.setattr(plan_workbook, "_let_go", kept)
    with Store(store, read_only=True) as opened:
        write_plan(opened, tmp_path / "plan.xlsx", written_at=WRITTEN)
    assert len(rendered) > 10 and books
    assert held_later == []
    for block, height in rendered:  # let go of, with the same height (the sheet's rows stay counted)
        assert block.frame.columns == ["__rows"] and block.frame.height == height and block.load is None


def test_the_applications_sheets_are_streamed_from_the_store_when_rendered(tmp_path, monkeypatch):
    import openpyxl

    from appconsol.report.plan import safe
    from appconsol.report.plan import workbook as plan_workbook
    from appconsol.report.plan.data import APPLICATION_KEPT, read_applications, read_plan_data

    store = build_plan_store(tmp_path / "s.duckdb", apps=70, orgs=3)
    monkeypatch.setattr(safe, "EXCEL_MAX_ROWS", 33)  # 30 data rows a sheet: Applications over three
    reads: list[str] = []
    stage: list[str] = []

    def counted(opened):
        reads.append(f"read while {stage[-1] if stage else 'nothing'}")
        return read_applications(opened)

    monkeypatch.setattr(plan_workbook, "read_applications", counted)
    with Store(store, read_only=True) as opened:
        whole = read_plan_data(opened)
        lean = read_plan_data(opened, lean=True)
        write_plan(opened, tmp_path / "plan.xlsx", progress=stage.append, written_at=WRITTEN)
    # Held while the sheets are laid out: keys, names and hosting only, the same rows in the same order.
    assert lean.applications.columns == [c for c in APPLICATION_KEPT if c in whole.applications.columns]
    assert lean.applications.equals(whole.applications.select(lean.applications.columns))
    assert lean.application_schema == dict(whole.applications.schema)
    assert len(reads) == 1 and "sheet Applications" in reads[0]  # read at rendering time, once
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True)
    parts = [n for n in book.sheetnames if n.startswith("Applications")]
    assert len(parts) == 3
    header = next(book[parts[0]].iter_rows(min_row=3, max_row=3, values_only=True))
    at = {name: header.index(name) for name in ("Organisation", "App id", "Application", "Source row")}
    shown = [
        tuple(row[i] for i in at.values())
        for name in parts
        for row in book[name].iter_rows(min_row=4, values_only=True)
        if row[at["App id"]] is not None
    ]
    expected = whole.applications.select("organisation", "app_id", "name", "source_row")
    assert shown == list(expected.iter_rows()) and len(shown) == 70


def test_a_streamed_sort_that_does_not_fit_its_cap_starts_again_under_a_larger_one(tmp_path, monkeypatch):
    from appconsol.report.plan import data as plan_data

    store = build_plan_store(tmp_path / "s.duckdb", apps=90, orgs=3)
    caps: list[str] = []
    batches = plan_data._arrow_batches

    def tight_first(opened, sql, rows):
        caps.append(opened.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(caps) == 1:  # as DuckDB's error reaches Python through Arrow's batch reader
            raise OSError("Out of Memory Error: failed to pin block of size 256.0 KiB")
        return batches(opened, sql, rows)

    monkeypatch.setattr(plan_data, "_arrow_batches", tight_first)
    with Store(store, read_only=True) as opened:
        opened.con.execute("SET memory_limit = '3GB'")
        before = opened.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        plain = plan_data._Reader(opened).select(
            "findings", plan_data.FINDING_COLUMNS, order=plan_data.FINDINGS_ORDER
        )
        streamed = pl.concat(list(plan_data.read_findings(opened)))
        restored = opened.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert streamed.equals(plain) and plain.height > 0
    # The streaming cap, then READ_MEMORY_LIMIT; then the store's own limit again (DuckDB shows a
    # limit to one decimal, so setting it back from what it shows lands within that rounding).
    assert [round(_size(c) / 1e6) for c in caps] == [384, 1000]
    assert abs(_size(restored) - _size(before)) <= 0.05 * _size(before)


def _size(shown: str) -> float:
    """Bytes of a limit as DuckDB shows it ("366.2 MiB", "2.7 GiB")."""
    number, unit = shown.split()
    return float(number) * {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[unit]
