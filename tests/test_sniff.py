"""sniff_file says what a file really is and refuses hostile or unreadable files before parsing.

Every hostile file is built here in tmp_path; no binary fixtures.
"""

from __future__ import annotations

import codecs
import os
import random
import struct
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from appconsol.errors import ConfigError, InputFileError, UnsafeInputError
from appconsol.ingest.sniff import FileKind, SafetyLimits, SheetInfo, SniffResult, sniff_file

MiB = 1024**2
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
NHS_WORKBOOK = Path(
    "/work/shared/data/nhs-trust-epr-suppliers/secondary_trusts_primary_epr_suppliers_20240101.xlsx"
)
XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)


# --- builders ---------------------------------------------------------------------------------


def make_xlsx(path: Path, states: dict[str, str] | None = None) -> Path:
    """A small real workbook from openpyxl, with extra sheets in the given states."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Applications"
    ws.append(["Application", "Annual cost"])
    ws.append(["Payroll", 12000])
    for name, state in (states or {}).items():
        wb.create_sheet(name).sheet_state = state
    wb.save(path)
    return path


def xlsx_parts(tmp_path: Path) -> dict[str, bytes]:
    source = make_xlsx(tmp_path / "source.xlsx")
    with zipfile.ZipFile(source) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    source.unlink()
    return parts


def write_zip(path: Path, parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def workbook_with(tmp_path: Path, name: str = "inventory.xlsx", **changes: bytes) -> Path:
    """A real workbook with parts replaced or added; keyword `sheet1` means the first sheet's XML."""
    parts = xlsx_parts(tmp_path)
    for part, data in changes.items():
        parts[{"sheet1": "xl/worksheets/sheet1.xml", "workbook": "xl/workbook.xml"}.get(part, part)] = data
    return write_zip(tmp_path / name, parts)


def sheet_xml(body: bytes = b"", prolog: bytes = b'<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return prolog + f'<worksheet xmlns="{MAIN_NS}"><sheetData/>'.encode() + body + b"</worksheet>"


def without_declaration(xml: bytes) -> bytes:
    return xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml


_HEADER_FIELDS = {"flags": (6, 8, "<H"), "size": (22, 24, "<I")}  # local offset, central offset


def patch_entry(path: Path, member: str, field: str, value: int, *, local: bool = True) -> None:
    """Rewrite a header field of one zip entry, as a hostile writer would."""
    local_at, central_at, fmt = _HEADER_FIELDS[field]
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        header, start_dir = zf.getinfo(member).header_offset, zf.start_dir
    if local:
        struct.pack_into(fmt, data, header + local_at, value)
    pos = data.find(b"PK\x01\x02", start_dir)
    while data[pos + 46 : pos + 46 + len(member)] != member.encode():
        pos = data.find(b"PK\x01\x02", pos + 4)
    struct.pack_into(fmt, data, pos + central_at, value)
    path.write_bytes(bytes(data))


def make_cfb(stream_names: list[str]) -> bytes:
    """A minimal OLE2 compound file: header, one FAT sector, one directory sector."""
    free, end_of_chain, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    # dir sectors, FAT sectors, first dir sector, txn, mini cutoff, mini FAT, count, DIFAT, count
    struct.pack_into("<9I", header, 40, 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    struct.pack_into("<109I", header, 76, 0, *[free] * 108)
    fat = struct.pack("<128I", fat_sector, end_of_chain, *[free] * 126)
    entries = b""
    for kind, name in [(5, "Root Entry")] + [(2, name) for name in stream_names]:
        raw = name.encode("utf-16-le") + b"\0\0"
        entry = bytearray(128)
        entry[: len(raw)] = raw
        struct.pack_into("<HBB3I", entry, 64, len(raw), kind, 1, free, free, free)
        struct.pack_into("<IQ", entry, 116, end_of_chain, 0)
        entries += entry
    return bytes(header) + fat + entries.ljust(512, b"\0")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- hostile and unreadable files ---------------------------------------------------------------

Builder = Callable[[Path], "Path | tuple[Path, SafetyLimits]"]


def _truncated(tmp_path: Path) -> Path:
    data = make_xlsx(tmp_path / "inventory.xlsx").read_bytes()
    return write(tmp_path / "inventory.xlsx", data[: len(data) // 2])


def _bad_crc(tmp_path: Path) -> Path:
    path = write_zip(tmp_path / "inventory.xlsx", xlsx_parts(tmp_path), zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 200] ^= 0x01
    return write(path, bytes(data))


def _ratio_bomb(tmp_path: Path) -> Path:
    return workbook_with(tmp_path, sheet1=sheet_xml(b" " * (20 * MiB)))


def _over_total(tmp_path: Path) -> tuple[Path, SafetyLimits]:
    noise = random.Random(0).randbytes(MiB + MiB // 2).hex().encode()  # ratio ~2: not a ratio bomb
    return workbook_with(tmp_path, sheet1=sheet_xml(noise)), SafetyLimits(max_uncompressed_bytes=2 * MiB)


def _under_declared(tmp_path: Path, *, local: bool = True) -> Path:
    path = _ratio_bomb(tmp_path)
    patch_entry(path, "xl/worksheets/sheet1.xml", "size", 1000, local=local)
    return path


def _too_many_entries(tmp_path: Path) -> tuple[Path, SafetyLimits]:
    extra = {f"customXml/item{i}.xml": b"<a/>" for i in range(30)}
    return workbook_with(tmp_path, **extra), SafetyLimits(max_entries=20)


def _duplicate_entry(tmp_path: Path) -> Path:
    path = workbook_with(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate we want
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("xl/workbook.xml", b"<workbook/>")
    return path


def _encrypted_entry(tmp_path: Path) -> Path:
    path = workbook_with(tmp_path)
    patch_entry(path, "xl/styles.xml", "flags", 0x1)
    return path


def _zip_of(parts: dict[str, bytes]) -> Builder:
    return lambda tmp_path: write_zip(tmp_path / "inventory.xlsx", parts)


def _ods(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        zf.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return path


def _file(name: str, data: bytes) -> Builder:
    return lambda tmp_path: write(tmp_path / name, data)


def _unreadable(tmp_path: Path) -> Path:
    path = make_xlsx(tmp_path / "inventory.xlsx")
    path.chmod(0)
    return path


HOSTILE: dict[str, tuple[Builder, type[InputFileError], str]] = {
    "missing": (lambda p: p / "inventory.xlsx", InputFileError, "file not found"),
    "directory": (
        lambda p: (p / "inventory.xlsx").mkdir() or p / "inventory.xlsx",
        InputFileError,
        "directory",
    ),
    "zero-byte": (_file("inventory.xlsx", b""), InputFileError, "file is empty (0 bytes)"),
    "truncated zip": (_truncated, InputFileError, "corrupt or truncated workbook"),
    "bad crc": (_bad_crc, InputFileError, "corrupt or truncated workbook"),
    "random bytes": (
        _file("inventory.xlsx", random.Random(0).randbytes(64 * 1024)),
        InputFileError,
        "binary content",
    ),
    "pdf": (
        _file("inventory.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
        InputFileError,
        "a PDF document",
    ),
    "legacy xls": (
        _file("inventory.xls", make_cfb(["Workbook", "SummaryInformation"])),
        InputFileError,
        "legacy Excel 97-2003 .xls workbook is not supported",
    ),
    "encrypted ooxml": (
        _file("inventory.xlsx", make_cfb(["EncryptionInfo", "EncryptedPackage"])),
        InputFileError,
        "workbook is encrypted (password-protected)",
    ),
    "ratio bomb": (_ratio_bomb, UnsafeInputError, "looks like a decompression bomb"),
    "over total limit": (_over_total, UnsafeInputError, "looks like a decompression bomb"),
    "under-declared bomb": (_under_declared, UnsafeInputError, "holds more than the 1000 bytes it declares"),
    "central header lies": (
        lambda p: _under_declared(p, local=False),
        UnsafeInputError,
        "local and central headers disagree",
    ),
    "too many entries": (_too_many_entries, UnsafeInputError, "entries, over the limit of 20"),
    "duplicate entry": (_duplicate_entry, UnsafeInputError, "two entries with the same name"),
    "encrypted zip entry": (_encrypted_entry, InputFileError, "is encrypted"),
    "xxe in sheet": (
        lambda p: workbook_with(p, sheet1=sheet_xml(b"&e;", prolog=XXE)),
        UnsafeInputError,
        "DTD/entity declaration in xl/worksheets/sheet1.xml",
    ),
    "billion laughs in workbook": (
        lambda p: workbook_with(p, workbook=LAUGHS + without_declaration(xlsx_parts(p)["xl/workbook.xml"])),
        UnsafeInputError,
        "DTD/entity declaration in xl/workbook.xml",
    ),
    "dtd after a comment hiding a tag": (
        lambda p: workbook_with(
            p, sheet1=sheet_xml(prolog=b"<?xml version='1.0'?><!-- <worksheet> -->" + XXE[22:])
        ),
        UnsafeInputError,
        "DTD/entity declaration",
    ),
    "dtd in utf-16 part": (
        lambda p: workbook_with(p, sheet1=sheet_xml(prolog=XXE).decode().encode("utf-16")),
        UnsafeInputError,
        "DTD/entity declaration",
    ),
    "dtd in utf-16 part without bom": (
        lambda p: workbook_with(
            p, sheet1=b" \n".join([b"", sheet_xml(prolog=XXE[22:])]).decode().encode("utf-16-le")
        ),
        UnsafeInputError,
        "DTD/entity declaration",
    ),
    "dtd in a part with an unusual name": (
        lambda p: workbook_with(p, **{"xl/worksheets/data.bin": sheet_xml(prolog=XXE)}),
        UnsafeInputError,
        "DTD/entity declaration in xl/worksheets/data.bin",
    ),
    "dtd in content types": (
        lambda p: workbook_with(p, **{"[Content_Types].xml": XXE + b"<Types/>"}),
        UnsafeInputError,
        "DTD/entity declaration in [Content_Types].xml",
    ),
    "dtd behind a 64 KiB comment": (
        lambda p: workbook_with(p, sheet1=sheet_xml(prolog=b"<!--" + b"x" * 70_000 + b"-->" + XXE[22:])),
        UnsafeInputError,
        "longer than 64 KiB",
    ),
    "docx": (
        _zip_of({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
        InputFileError,
        "it looks like a Word document",
    ),
    "ods": (_ods, InputFileError, "it looks like an OpenDocument spreadsheet (.ods)"),
    "zip without a workbook": (_zip_of({"readme.txt": b"hello"}), InputFileError, "not an Excel workbook"),
    "empty zip": (_zip_of({}), InputFileError, "an empty zip archive"),
    "html saved as xls": (
        _file("inventory.xls", b"<html><body><table><tr><td>Payroll</td></tr></table></body></html>"),
        InputFileError,
        "an HTML page",
    ),
    "excel 2003 xml": (
        _file(
            "inventory.xml",
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
        ),
        InputFileError,
        "an Excel 2003 XML spreadsheet",
    ),
    "utf-32 text": (_file("inventory.csv", "a,b\n".encode("utf-32")), InputFileError, "UTF-32"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_refuses_hostile_or_unreadable_file_with_input_file_error(tmp_path: Path, case: str) -> None:
    """Only InputFileError (or its UnsafeInputError child) escapes, naming the file and a fix."""
    build, expected, fragment = HOSTILE[case]
    built = build(tmp_path)
    path, limits = built if isinstance(built, tuple) else (built, None)
    with pytest.raises(InputFileError) as caught:
        sniff_file(path, limits)
    error = caught.value
    assert type(error) is expected
    assert fragment in error.message
    assert path.name in str(error)
    assert error.hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_refuses_unreadable_file(tmp_path: Path) -> None:
    path = _unreadable(tmp_path)
    with pytest.raises(InputFileError, match="cannot read file"):
        sniff_file(path)


def test_damaged_workbooks_raise_only_input_file_errors(tmp_path: Path) -> None:
    data = make_xlsx(tmp_path / "source.xlsx").read_bytes()
    rng = random.Random(1)
    variants = [data[:cut] for cut in range(1, len(data), max(1, len(data) // 60))]
    for _ in range(150):
        damaged = bytearray(data)
        damaged[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        variants.append(bytes(damaged))
    path = tmp_path / "inventory.xlsx"
    for variant in variants:
        path.write_bytes(variant)
        try:
            sniff_file(path)
        except InputFileError as error:
            assert path.name in str(error)


def test_bomb_limit_is_read_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = _over_total(tmp_path)
    assert sniff_file(path).kind is FileKind.XLSX
    monkeypatch.setenv("APPCONSOL_MAX_UNCOMPRESSED_MB", "1")
    with pytest.raises(UnsafeInputError, match="decompression bomb"):
        sniff_file(path)


def test_safety_limits_from_env_reads_overrides_and_rejects_nonsense() -> None:
    limits = SafetyLimits.from_env(
        {
            "APPCONSOL_MAX_ZIP_ENTRIES": "50",
            "APPCONSOL_MAX_UNCOMPRESSED_MB": "10",
            "APPCONSOL_MAX_COMPRESSION_RATIO": "500",
        }
    )
    assert limits == SafetyLimits(max_entries=50, max_uncompressed_bytes=10 * MiB, max_compression_ratio=500)
    assert SafetyLimits.from_env({}) == SafetyLimits()
    for bad in ("lots", "0", "-5"):
        with pytest.raises(ConfigError, match="APPCONSOL_MAX_UNCOMPRESSED_MB"):
            SafetyLimits.from_env({"APPCONSOL_MAX_UNCOMPRESSED_MB": bad})


# --- workbooks ----------------------------------------------------------------------------------


def test_sniffs_xlsx_with_sheet_states_in_workbook_order(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "inventory.xlsx", {"README": "hidden", "Stale": "veryHidden"})
    result = sniff_file(path)
    assert result.kind is FileKind.XLSX
    assert not result.extension_mismatch
    assert result.encoding is None
    assert result.sheets == (
        SheetInfo("Applications", "visible", 0),
        SheetInfo("README", "hidden", 1),
        SheetInfo("Stale", "veryHidden", 2),
    )


def test_binary_parts_are_not_mistaken_for_xml_with_a_dtd(tmp_path: Path) -> None:
    image = b"\x89PNG\r\n\x1a\n" + b"<!DOCTYPE <!ENTITY" * 100
    result = sniff_file(workbook_with(tmp_path, **{"xl/media/image1.png": image}))
    assert result.kind is FileKind.XLSX


def test_sniffs_xlsxwriter_workbook(tmp_path: Path) -> None:
    path = tmp_path / "inventory.xlsx"
    with xlsxwriter.Workbook(path, {"constant_memory": True}) as wb:
        ws = wb.add_worksheet("Apps")
        for row in range(20_000):
            ws.write_row(row, 0, [f"Application {row}", row * 1.5, "Live", "Supplier Ltd"])
    result = sniff_file(path)
    assert (result.kind, result.sheets) == (FileKind.XLSX, (SheetInfo("Apps", "visible", 0),))


def test_detects_xlsm_by_vba_project(tmp_path: Path) -> None:
    vba = write(tmp_path / "vbaProject.bin", make_cfb(["VBA", "PROJECT"]))
    path = tmp_path / "inventory.xlsm"
    with xlsxwriter.Workbook(path) as wb:
        wb.add_worksheet("Apps").write(0, 0, "Application")
        wb.add_vba_project(str(vba))
    result = sniff_file(path)
    assert (result.kind, result.extension_mismatch) == (FileKind.XLSM, False)


def test_detects_xlsm_by_content_type(tmp_path: Path) -> None:
    content_types = xlsx_parts(tmp_path)["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml"
    )
    path = workbook_with(tmp_path, "inventory.xlsx", **{"[Content_Types].xml": content_types})
    result = sniff_file(path)
    assert (result.kind, result.extension_mismatch) == (FileKind.XLSM, True)


def test_reads_sheets_from_strict_ooxml_workbook(tmp_path: Path) -> None:
    workbook = xlsx_parts(tmp_path)["xl/workbook.xml"].replace(MAIN_NS.encode(), STRICT_NS.encode())
    assert STRICT_NS.encode() in workbook
    result = sniff_file(workbook_with(tmp_path, workbook=workbook))
    assert result.sheets == (SheetInfo("Applications", "visible", 0),)


def test_xlsx_renamed_csv_is_xlsx_with_extension_mismatch(tmp_path: Path) -> None:
    path = make_xlsx(tmp_path / "inventory.xlsx").rename(tmp_path / "inventory.csv")
    result = sniff_file(path)
    assert (result.kind, result.extension_mismatch) == (FileKind.XLSX, True)


@pytest.mark.skipif(not NHS_WORKBOOK.exists(), reason="NHS EPR suppliers workbook not present")
def test_finds_visible_and_very_hidden_sheets_in_nhs_workbook() -> None:
    result = sniff_file(NHS_WORKBOOK)
    assert result.kind is FileKind.XLSX
    states = {sheet.name: sheet.state for sheet in result.sheets}
    assert states["EPR Suppliers 01.10.24"] == "visible"
    assert states["hiddenSheet"] == "veryHidden"


# --- delimited text -----------------------------------------------------------------------------

CSV_TEXT = "Application,Annual cost\nPayroll,£12000\n"


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("inventory.csv", CSV_TEXT.encode("utf-8"), "utf-8"),
        ("inventory.csv", b"Application,Cost\nPayroll,12000\n", "utf-8"),
        ("inventory.csv", codecs.BOM_UTF8 + CSV_TEXT.encode("utf-8"), "utf-8-sig"),
        ("inventory.csv", codecs.BOM_UTF16_LE + CSV_TEXT.encode("utf-16-le"), "utf-16"),
        ("inventory.csv", codecs.BOM_UTF16_BE + CSV_TEXT.encode("utf-16-be"), "utf-16"),
        ("inventory.csv", CSV_TEXT.encode("cp1252"), "cp1252"),
        ("inventory.tsv", CSV_TEXT.replace(",", "\t").encode("utf-8"), "utf-8"),
        ("inventory.txt", CSV_TEXT.replace(",", "|").encode("cp1252"), "cp1252"),
    ],
)
def test_detects_text_encoding(tmp_path: Path, name: str, data: bytes, encoding: str) -> None:
    assert CSV_TEXT.encode("cp1252").count(b"\xa3") == 1
    result = sniff_file(write(tmp_path / name, data))
    assert result == SniffResult(FileKind.CSV, False, (), encoding)


def test_cp1252_byte_deep_in_a_large_file_is_found(tmp_path: Path) -> None:
    data = b"Payroll,12000\n" * 200_000 + "Canteen,£40\n".encode("cp1252")
    assert sniff_file(write(tmp_path / "inventory.csv", data)).encoding == "cp1252"


def test_utf8_character_split_across_read_chunks_is_still_utf8(tmp_path: Path) -> None:
    data = bytearray(b"a" * (9 * MiB))
    for boundary in range(1, 10):
        data[boundary * MiB - 1 : boundary * MiB + 1] = "£".encode()
    assert sniff_file(write(tmp_path / "inventory.csv", bytes(data))).encoding == "utf-8"


def test_csv_renamed_xlsx_is_csv_with_extension_mismatch(tmp_path: Path) -> None:
    result = sniff_file(write(tmp_path / "inventory.xlsx", CSV_TEXT.encode("utf-8")))
    assert result == SniffResult(FileKind.CSV, True, (), "utf-8")
