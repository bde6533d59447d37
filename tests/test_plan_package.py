"""The plan's zip is assembled by package.py (sheets deflated on a second thread while rendered), and
the text checks that decide each column's escaping give the same answers as one regex per check."""

from __future__ import annotations

import datetime as dt
import zipfile
import zlib
from pathlib import Path

import polars as pl
import pytest

from appconsol.report.plan import package, textneeds, write_plan
from appconsol.store import Store
from plan_store import build_plan_store

WRITTEN = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)
XML = b"".join(
    b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>warning %d</t></is></c></row>' % (i, i, i)
    for i in range(20_000)
)


def _write_zip(path: Path, parts: dict[str, bytes], tmp: Path) -> None:
    """Entries through PackageZip, half of them as streamed (deflated) parts, half as files."""
    with package.package_zip() as deflater:
        assert deflater is not None
        archive = package.PackageZip(path, "w", deflater=deflater)
        for i, (name, data) in enumerate(parts.items()):
            source = str(tmp / f"part{i}")
            if i % 2:
                part = deflater.part(source)
                part.write("<?xml?>")  # text and bytes interleave in order
                part.write_bytes(data)
                part.close()
                parts[name] = b"<?xml?>" + data
            else:
                Path(source).write_bytes(data)
            archive.write(source, name)
        archive.close()


def test_package_zip_entries_read_back_with_the_standard_library(tmp_path):
    parts = {f"xl/worksheets/sheet{i}.xml": XML[: 1000 * (i + 1)] for i in range(6)}
    parts["[Content_Types].xml"] = b""
    path = tmp_path / "x.zip"
    _write_zip(path, parts, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == list(parts)
        for name, data in parts.items():
            info = archive.getinfo(name)
            assert archive.read(name) == data and zlib.crc32(data) == info.CRC
            assert info.compress_type == zipfile.ZIP_DEFLATED and info.date_time == (1980, 1, 31, 0, 0, 0)


def test_zip64_fields_are_written_past_the_classic_limits(tmp_path, monkeypatch):
    # Lowering the limit exercises the ZIP64 headers, central records and end records without 4 GB.
    monkeypatch.setattr(package, "ZIP64_LIMIT", 500)
    parts = {f"sheet{i}.xml": XML[: 700 * (i + 1)] for i in range(4)}
    path = tmp_path / "x.zip"
    _write_zip(path, parts, tmp_path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert [archive.read(n) for n in archive.namelist()] == list(parts.values())
        assert any(i.file_size > 500 and i.header_offset > 500 for i in archive.infolist())


def test_a_failure_in_the_deflater_thread_reaches_the_writer(tmp_path):
    with package.package_zip() as deflater:
        assert deflater is not None
        part = deflater.part(str(tmp_path / "part"))
        part._file.close()  # the thread's next write to the part's file fails
        with pytest.raises(ValueError):
            part.write_bytes(XML)
            part.close()
            part.wait()


def test_the_plan_zipped_while_rendered_has_the_same_parts_as_xlsxwriters_own_zip(tmp_path, monkeypatch):
    store = build_plan_store(tmp_path / "s.duckdb", apps=80, orgs=4)
    streamed, plain = tmp_path / "streamed.xlsx", tmp_path / "plain.xlsx"
    with Store(store, read_only=True) as opened:
        write_plan(opened, streamed, written_at=WRITTEN)

    from contextlib import contextmanager

    @contextmanager
    def unavailable(engine=None):
        yield None  # as with an xlsxwriter package_zip cannot stand in for

    from appconsol.report.plan import workbook

    monkeypatch.setattr(workbook, "package_zip", unavailable)
    with Store(store, read_only=True) as opened:
        write_plan(opened, plain, written_at=WRITTEN)
    with zipfile.ZipFile(streamed) as a, zipfile.ZipFile(plain) as b:
        assert a.testzip() is None
        assert a.namelist() == b.namelist()
        varying = {"docProps/core.xml"}  # its creation time is the clock's
        for name in a.namelist():
            if name not in varying:
                assert a.read(name) == b.read(name), name


def test_the_plan_is_zipped_by_zlib_when_isal_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(package, "isal_engine", lambda: None)
    store = build_plan_store(tmp_path / "s.duckdb", apps=30, orgs=3)
    with Store(store, read_only=True) as opened:
        write_plan(opened, tmp_path / "plan.xlsx", written_at=WRITTEN)
    with zipfile.ZipFile(tmp_path / "plan.xlsx") as archive:
        assert archive.testzip() is None
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        level_1 = zlib.compressobj(1, zlib.DEFLATED, -15)
        data = archive.read(info)
        assert info.compress_size == len(level_1.compress(data) + level_1.flush())


TRICKY = [
    None,
    "",
    "plain",
    "tab\tnew\nline\rreturn",
    "bell\x07",
    "\x00start",
    "noncharacter\ufffe",
    "\uffffend",
    "bom \ufeff and replacement \ufffd are legal",
    "fullwidth ＡＢＣ",
    " leading space",
    "trailing space ",
    "\u00a0nbsp",
    "ideographic\u3000",
    "line end\n",
    "_x0041_ escaped",
    "_x00G1_ not escaped",
    "a & b",
    "<tag>",
    "€" * 20_000,  # 60,000 bytes but 20,000 characters: not too long
    "x" * 40_000,
]


@pytest.mark.parametrize("value", TRICKY[2:])
def test_text_needs_match_one_regex_per_check(value):
    for series in (
        pl.Series("t", ["ordinary", value, None]),
        pl.Series("t", [value]),
        pl.Series("t", ["ordinary text"] * 3),
    ):
        assert textneeds.text_needs(series) == textneeds.text_needs_exact(series)


def test_text_needs_of_a_slice_ignore_values_outside_it():
    whole = pl.Series("t", ["bell\x07", " lead", "fine", "also fine"])
    part = whole.slice(2, 2)
    assert textneeds.text_needs(part) == textneeds.text_needs_exact(part)
    assert textneeds.text_needs(part) == textneeds.TextNeeds(False, False, False, False)
    assert textneeds.text_needs(pl.Series("t", TRICKY)) == textneeds.text_needs_exact(pl.Series("t", TRICKY))
    assert textneeds.text_needs(pl.Series("t", [None, None], dtype=pl.String)) == textneeds.TextNeeds(
        False, False, False, False
    )


def test_the_plan_hands_duckdbs_cache_back_and_keeps_the_stores_memory_limit(tmp_path):
    from appconsol.report.plan.data import read_plan_data, release_cache

    store = build_plan_store(tmp_path / "s.duckdb", apps=3000, orgs=6)
    with Store(store, read_only=True) as opened:
        opened.con.execute("SET memory_limit = '777MB'")
        limit = opened.con.execute("SELECT current_setting('memory_limit')").fetchall()
        cached = "SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag = 'BASE_TABLE'"
        data = read_plan_data(opened)
        before = opened.con.execute(cached).fetchall()[0][0]
        release_cache(opened)
        after = opened.con.execute(cached).fetchall()[0][0]
        assert after <= 1 << 20 < before
        restored = opened.con.execute("SELECT current_setting('memory_limit')").fetchall()
        assert _size(restored[0][0]) == pytest.approx(_size(limit[0][0]), rel=0.05)
        assert data.findings.height > 0 and opened.query("SELECT count(*) AS n FROM findings").item() > 0


def test_the_tables_are_read_under_a_memory_cap_and_again_without_it_if_the_cap_is_too_tight(
    tmp_path, monkeypatch
):
    import duckdb

    from appconsol.report.plan import data as plan_data

    store = build_plan_store(tmp_path / "s.duckdb", apps=300, orgs=3)
    seen: list[str] = []
    read = plan_data.read_plan_data

    def tight_then_fine(opened, assumptions=None, **options):
        seen.append(opened.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        if len(seen) == 1:
            raise duckdb.OutOfMemoryException("could not allocate block (as at 1M with no room to spill)")
        return read(opened, assumptions, **options)

    monkeypatch.setattr(plan_data, "read_plan_data", tight_then_fine)
    with Store(store, read_only=True) as opened:
        opened.con.execute("SET memory_limit = '3GB'")
        limit = opened.con.execute("SELECT current_setting('memory_limit')").fetchall()
        result = plan_data.read_plan_data_capped(opened, limit="100MB")
        restored = opened.con.execute("SELECT current_setting('memory_limit')").fetchall()
    # Capped first, then as the store had it; DuckDB shows a limit to one decimal, so setting it back
    # from what it shows lands within that rounding.
    assert _size(seen[0]) <= 100 * 2**20 and _size(seen[1]) == pytest.approx(_size(limit[0][0]), rel=0.05)
    assert _size(restored[0][0]) == pytest.approx(_size(limit[0][0]), rel=0.05)
    assert result.findings.height > 0 and result.applications.height == 300


def _size(shown: str) -> float:
    """Bytes of a limit as DuckDB shows it ("953.6 MiB", "2.7 GiB")."""
    number, unit = shown.split()
    return float(number) * {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}[unit]


def test_findings_rows_are_read_once_when_rendered_even_over_several_sheets(tmp_path, monkeypatch):
    import openpyxl

    from appconsol.report.plan import safe
    from appconsol.report.plan import workbook as plan_workbook
    from appconsol.report.plan.data import read_findings

    store = build_plan_store(tmp_path / "s.duckdb", apps=60, orgs=3)
    monkeypatch.setattr(safe, "EXCEL_MAX_ROWS", 33)  # 30 data rows a sheet: Findings over several
    reads: list[str] = []

    def counted(opened):
        reads.append(f"read while {stage[-1] if stage else 'nothing'}")
        return read_findings(opened)

    stage: list[str] = []
    monkeypatch.setattr(plan_workbook, "read_findings", counted)
    with Store(store, read_only=True) as opened:
        expected = pl.concat(list(read_findings(opened)))
        write_plan(opened, tmp_path / "plan.xlsx", progress=stage.append)
    assert len(reads) == 1 and "sheet Findings" in reads[0]  # read at rendering time, once
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True)
    parts = [n for n in book.sheetnames if n.startswith("Findings")]
    assert len(parts) == 2
    keys = [
        (row[4], row[5], row[1])
        for name in parts
        for row in book[name].iter_rows(min_row=4, values_only=True)
        if row[1] is not None
    ]
    assert keys == list(expected.select("organisation", "app_id", "rule_code").iter_rows())


def test_streamed_tables_are_the_plain_read_in_batches_and_leave_the_connection_free(tmp_path):
    from appconsol.report.plan import data as plan_data

    store = build_plan_store(tmp_path / "s.duckdb", apps=300, orgs=3)
    with Store(store, read_only=True) as opened:
        for table, columns, order in (
            ("findings", plan_data.FINDING_COLUMNS, plan_data.FINDINGS_ORDER),
            ("legacy_scores", plan_data.LEGACY_COLUMNS, plan_data.LEGACY_ORDER),
        ):
            plain = plan_data._Reader(opened).select(table, columns, order=order)
            batches = list(plan_data.stream_rows(opened, table, columns, order, batch_rows=37))
            assert len(batches) == -(-plain.height // 37) and all(b.height <= 37 for b in batches)
            assert pl.concat(batches).equals(plain)
            assert opened.query("SELECT count(*) AS n FROM applications").item() == 300
        stopped = plan_data.stream_rows(
            opened, "findings", plan_data.FINDING_COLUMNS, "finding_key", batch_rows=5
        )
        next(stopped)
        stopped.close()  # a reading that stops early ends DuckDB's result too
        assert opened.query("SELECT count(*) AS n FROM applications").item() == 300
        assert list(plan_data.stream_rows(opened, "no_such_table", {"x": "VARCHAR"}, "x")) == []


def test_the_legacy_sheet_shows_each_scores_evidence_streamed_from_the_store(tmp_path):
    import openpyxl

    store = build_plan_store(tmp_path / "s.duckdb", apps=120, orgs=3)
    with Store(store, read_only=True) as opened:
        write_plan(opened, tmp_path / "plan.xlsx", written_at=WRITTEN)
        expected = opened.query("SELECT app_id, evidence FROM legacy_scores ORDER BY organisation, app_id")
    sheet = openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True)["Legacy risk"]
    header = [c for c in next(sheet.iter_rows(min_row=3, max_row=3, values_only=True))]
    app, evidence = header.index("App id"), header.index("Evidence")
    shown = [
        (r[app], r[evidence]) for r in sheet.iter_rows(min_row=4, values_only=True) if r[app] is not None
    ]
    assert shown == list(expected.iter_rows()) and any(e for _, e in shown)
