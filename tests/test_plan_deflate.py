"""The plan is zipped with ISA-L (level 1) inside `fast_deflate`, and zipfile is left as it was after."""

from __future__ import annotations

import threading
import zipfile
import zlib

import openpyxl

from appconsol.report.plan import write_plan
from appconsol.report.plan.deflate import fast_deflate, isal_engine
from appconsol.store import Store
from plan_store import build_plan_store

XML = b"".join(
    b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>warning %d</t></is></c></row>' % (i, i, i)
    for i in range(20_000)
)


def test_fast_deflate_writes_standard_zip_entries_and_restores_zipfile(tmp_path):
    factory, crc = zipfile._get_compressor, zipfile.crc32
    path = tmp_path / "x.zip"
    with fast_deflate() as engine:
        assert engine == ("isal" if isal_engine() else "zlib")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/worksheets/sheet1.xml", XML)
    assert (zipfile._get_compressor, zipfile.crc32) == (factory, crc)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # CRCs check out with the standard library's zlib
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < len(XML) / 5
        assert zlib.crc32(XML) == info.CRC
        assert archive.read("xl/worksheets/sheet1.xml") == XML


def test_other_threads_keep_the_standard_compressor_during_the_swap():
    seen = []
    with fast_deflate():
        worker = threading.Thread(
            target=lambda: seen.append(type(zipfile._get_compressor(zipfile.ZIP_DEFLATED, 6)))
        )
        worker.start()
        worker.join()
    assert seen == [type(zlib.compressobj(6, zlib.DEFLATED, -15))]


def test_without_isal_the_plan_is_zipped_by_zlib_at_level_1(tmp_path, monkeypatch):
    import xlsxwriter.workbook as xlsx_workbook

    from appconsol.report.plan import deflate

    monkeypatch.setattr(deflate, "isal_engine", lambda: None)
    factory = zipfile._get_compressor
    path = tmp_path / "x.zip"
    with fast_deflate() as engine:
        assert engine == "zlib" and zipfile._get_compressor is factory
        with xlsx_workbook.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("sheet.xml", XML)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None and archive.read("sheet.xml") == XML
        level_1 = zlib.compressobj(1, zlib.DEFLATED, -15)
        assert archive.getinfo("sheet.xml").compress_size == len(level_1.compress(XML) + level_1.flush())
    assert xlsx_workbook.ZipFile is zipfile.ZipFile


def test_plan_written_with_isal_opens_and_checks_out(tmp_path):
    store = build_plan_store(tmp_path / "s.duckdb", apps=40, orgs=4)
    output = tmp_path / "plan.xlsx"
    with Store(store, read_only=True) as opened:
        write_plan(opened, output)
    with zipfile.ZipFile(output) as archive:
        assert archive.testzip() is None
        assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist() if i.file_size)
    book = openpyxl.load_workbook(output, read_only=True)
    assert "Findings" in book.sheetnames and book["Applications"].max_row > 40
