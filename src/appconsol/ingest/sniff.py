"""Decide what an input file really is, by its content, and refuse hostile files before parsing.

The parsers behind the readers (calamine via fastexcel, openpyxl) trust zip headers and will
spend gigabytes inside a decompression bomb, so every zip entry is inflated here first, in
bounded chunks, counting the real bytes against the declared ones. Only the first 64 KiB of
each part is kept, to prove no XML in it declares a DTD: entities are never expanded or fetched;
and the XML of sheets large enough to be read in parts, so that the reader need not inflate it again.
"""

from __future__ import annotations

import codecs
import os
import stat
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import defusedxml.ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from appconsol.errors import ConfigError, InputFileError
from appconsol.ingest.deferred_xml import DeferredXml, Sink
from appconsol.ingest.sheet_parts import SPLIT_MAX_BYTES, SPLIT_MIN_BYTES, default_parts
from appconsol.ingest.text_encoding import codec, text_encoding
from appconsol.ingest.zip_entries import CHUNK, DTD, INFLATING, RESAVE, MiB, check_entry, refuse, unsafe

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_ZIP_READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    INFLATING.error,
    EOFError,
    ValueError,
    struct.error,
    OSError,
)
# A deferred inflate hands the reader its sheet's XML about 1 MB at a time (a sheet's XML
# compresses about 8x). Measured on a 115 MB sheet: 1-2 MB steps cost 0.01 s more than one
# piece; 8 MB steps 0.02 s, and 16 MB steps 0.07 s (each output buffer is fresh memory).
_DEFERRED_CHUNK = 2 * MiB
_DEFERRED_READ = 128 * 1024
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_SHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
)
_STATES = {"hidden": "hidden", "veryhidden": "veryHidden"}  # absent or "visible": visible
_EXPORT = "export the inventory from its source as .xlsx or .csv"


class FileKind(str, Enum):
    XLSX = "xlsx"
    XLSM = "xlsm"
    CSV = "csv"  # any delimited text: comma, tab, pipe, semicolon
    RECORDS = "records"  # YAML or JSON: a list of one mapping per application


_KIND_BY_EXTENSION = {
    ".xlsx": FileKind.XLSX,
    ".xltx": FileKind.XLSX,
    ".xlsm": FileKind.XLSM,
    ".xltm": FileKind.XLSM,
    **dict.fromkeys((".csv", ".tsv", ".tab", ".txt", ".psv"), FileKind.CSV),
    **dict.fromkeys((".yaml", ".yml", ".json"), FileKind.RECORDS),
}


@dataclass(frozen=True)
class SafetyLimits:
    """Bounds on what a zip container may expand to before any parser is allowed near it."""

    max_entries: int = 10_000
    max_uncompressed_bytes: int = 2 * 1024**3  # total actual decompressed bytes of all entries
    max_compression_ratio: float = 200.0  # per entry, for entries over 1 MiB decompressed

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SafetyLimits:
        """Defaults, overridden by APPCONSOL_MAX_ZIP_ENTRIES, _MAX_UNCOMPRESSED_MB, _MAX_COMPRESSION_RATIO."""
        env = os.environ if environ is None else environ
        defaults = cls()

        def read(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            try:
                value = float(raw) if raw else default
            except ValueError:
                value = 0.0
            if value > 0:
                return value
            raise ConfigError(f"{name} must be a positive number, not {raw!r}", hint="fix or unset it")

        return cls(
            max_entries=int(read("APPCONSOL_MAX_ZIP_ENTRIES", defaults.max_entries)),
            max_uncompressed_bytes=int(
                read("APPCONSOL_MAX_UNCOMPRESSED_MB", defaults.max_uncompressed_bytes / MiB) * MiB
            ),
            max_compression_ratio=read("APPCONSOL_MAX_COMPRESSION_RATIO", defaults.max_compression_ratio),
        )


@dataclass(frozen=True)
class SheetInfo:
    name: str
    state: str  # "visible" | "hidden" | "veryHidden"
    index: int  # 0-based position in the workbook


@dataclass(frozen=True)
class SniffResult:
    kind: FileKind
    extension_mismatch: bool
    sheets: tuple[SheetInfo, ...]  # empty for CSV
    encoding: str | None  # for CSV only: "utf-8", "utf-8-sig", "utf-16", "cp1252" or "utf-8-lenient"
    # Large worksheet parts' XML by part name, proven sound; the sheet reader takes (pops) them.
    # With `defer_inflate`, one of them may still be inflating and checking (a DeferredXml).
    sheet_xml: dict[str, bytes | DeferredXml] = field(default_factory=dict, compare=False, repr=False)


def sniff_file(path: Path, limits: SafetyLimits | None = None, *, defer_inflate: bool = False) -> SniffResult:
    """Say what `path` really is, or raise InputFileError (UnsafeInputError if it looks hostile).

    With `defer_inflate`, the first worksheet part kept for the reader is inflated and checked
    on a thread, and the result holds it as a DeferredXml: every other entry is checked when
    this returns, and the caller must see that entry's verdict (`deferred_xml.checks_first`)
    before it trusts anything read from the file."""
    path = Path(path)
    limits = limits or SafetyLimits.from_env()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise refuse(path, "file not found", "check the path and the file name") from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise refuse(path, "is a directory, not a file", "pass the spreadsheet or CSV file itself")
    if not stat.S_ISREG(info.st_mode):
        raise refuse(path, "is not a regular file", "copy the data to a file first")
    if info.st_size == 0:
        raise refuse(path, "file is empty (0 bytes)", "check the export or download finished")
    sheets: tuple[SheetInfo, ...] = ()
    encoding, kept = None, {}
    try:
        with path.open("rb") as f:
            magic = f.read(8)
            f.seek(0)
            if magic == _OLE_MAGIC:
                raise _refuse_ole(f, path)
            if magic.startswith(_ZIP_MAGICS):
                kind, sheets, kept = _sniff_zip(f, path, limits, defer_inflate)
            else:
                encoding = _sniff_text(f, path)
                # Text is text: only the extension tells a YAML/JSON record list from a CSV.
                extension_kind = _KIND_BY_EXTENSION.get(path.suffix.lower())
                kind = FileKind.RECORDS if extension_kind is FileKind.RECORDS else FileKind.CSV
    except OSError as exc:
        raise _unreadable(path, exc) from None
    mismatch = _KIND_BY_EXTENSION.get(path.suffix.lower()) is not kind
    return SniffResult(kind, mismatch, sheets, encoding, kept)


def _unreadable(path: Path, exc: OSError) -> InputFileError:
    return refuse(path, f"cannot read file ({exc.strerror or exc})", "check the file and its permissions")


def _corrupt(path: Path, detail: str) -> InputFileError:
    return refuse(path, f"corrupt or truncated workbook ({detail})", "download or export it again")


# --- OLE2 compound files: legacy .xls, and any password-protected Office file ---------------


def _refuse_ole(f: BinaryIO, path: Path) -> InputFileError:
    if _ole_stream_names(f, ("EncryptedPackage", "EncryptionInfo")):
        return refuse(
            path,
            "workbook is encrypted (password-protected)",
            "remove the password in Excel (File > Info > Protect Workbook) and save again",
        )
    return refuse(path, "legacy Excel 97-2003 .xls workbook is not supported", RESAVE)


def _ole_stream_names(f: BinaryIO, wanted: tuple[str, ...]) -> set[str]:
    """Which of `wanted` name a stream in the compound file's directory.

    Directory entries are 128 bytes and sectors 512 or 4096, so every entry starts at a file
    offset divisible by 128: an aligned scan finds them without trusting the FAT chains, which
    damaged files get wrong. The name length and object type guard against look-alike text.
    """
    needles = {name: name.encode("utf-16-le") + b"\0\0" for name in wanted}
    found: set[str] = set()
    f.seek(0)
    while chunk := f.read(CHUNK):  # CHUNK is a multiple of 128, so entries never straddle
        for name, needle in needles.items():
            at = chunk.find(needle)
            while at >= 0 and name not in found:
                entry = chunk[at : at + 128]
                if at % 128 == 0 and len(entry) == 128 and entry[64:67] == struct.pack("<HB", len(needle), 2):
                    found.add(name)
                at = chunk.find(needle, at + 1)
    return found


# --- zip containers: xlsx, xlsm, and the zips that only look like them ------------------------

_ODS = "an OpenDocument spreadsheet (.ods)"
_OTHER_ZIPS = (  # an entry that gives the format away, what it is, how to fix it
    ("word/document.xml", "a Word document", "copy the table into Excel and save as .xlsx"),
    ("xl/workbook.bin", "an Excel binary workbook (.xlsb)", "open it in Excel and save as .xlsx"),
)


def _sniff_zip(
    f: BinaryIO, path: Path, limits: SafetyLimits, defer: bool
) -> tuple[FileKind, tuple[SheetInfo, ...], dict[str, bytes | DeferredXml]]:
    kept: dict[str, bytes | DeferredXml] = {}
    try:
        return _sniff_workbook(f, path, limits, kept, defer)
    except InputFileError:
        # Entries are checked in order: a deferred entry's failure is the error a sniff that
        # inflated it in its turn would have raised, before any later entry's or step's.
        for xml in kept.values():
            if isinstance(xml, DeferredXml) and (failed := xml.failure()) is not None:
                raise failed from None
        raise


def _sniff_workbook(
    f: BinaryIO, path: Path, limits: SafetyLimits, kept: dict[str, bytes | DeferredXml], defer: bool
) -> tuple[FileKind, tuple[SheetInfo, ...], dict[str, bytes | DeferredXml]]:
    try:
        with zipfile.ZipFile(f) as zf:
            entries = zf.infolist()
            names = {entry.filename for entry in entries}
            _refuse_other_zips(zf, names, path)
            _check_zip_safety(f, entries, names, path, limits, kept, defer)
            if "xl/workbook.xml" not in names:
                what = "a zip archive without xl/workbook.xml" if names else "an empty zip archive"
                raise refuse(path, f"not an Excel workbook: it is {what}", _EXPORT)
            sheets = _read_sheets(zf, "xl/workbook.xml", path)
            content_types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            macros = "xl/vbaProject.bin" in names or b"macroenabled" in content_types.lower()
            return (FileKind.XLSM if macros else FileKind.XLSX), sheets, kept
    except (*_ZIP_READ_ERRORS, NotImplementedError, RuntimeError) as exc:
        raise _zip_failure(exc, path) from None


def _zip_failure(exc: Exception, path: Path) -> InputFileError:
    """The error to give for an exception met while reading the zip container."""
    if isinstance(exc, InputFileError):
        return exc
    if isinstance(exc, (NotImplementedError, RuntimeError)):  # zipfile's words for odd methods, encryption
        return refuse(path, f"unreadable zip container ({exc})", RESAVE)
    if isinstance(exc, _ZIP_READ_ERRORS):
        return _corrupt(path, str(exc) or type(exc).__name__)
    raise exc


def _refuse_other_zips(zf: zipfile.ZipFile, names: set[str], path: Path) -> None:
    found = [(what, hint) for entry, what, hint in _OTHER_ZIPS if entry in names]
    # ODF stores its mimetype uncompressed, so a few bytes of it cannot be a bomb.
    if "mimetype" in names and zf.getinfo("mimetype").compress_type == zipfile.ZIP_STORED:
        with zf.open("mimetype") as fh:
            mime = fh.read(100).decode("ascii", "replace").strip()
        if mime.startswith("application/vnd.oasis.opendocument"):
            ods = mime.endswith(".spreadsheet")
            found.insert(0, (_ODS if ods else f"an OpenDocument file ({mime})", RESAVE if ods else _EXPORT))
    if found:
        raise refuse(path, f"not an Excel workbook: it looks like {found[0][0]}", found[0][1])


def _check_zip_safety(
    f: BinaryIO,
    entries: list[zipfile.ZipInfo],
    names: set[str],
    path: Path,
    limits: SafetyLimits,
    kept: dict[str, bytes | DeferredXml],
    defer: bool = False,
) -> None:
    """Check every entry; the XML of worksheet parts large enough to be read in parts goes to `kept`."""
    if len(entries) > limits.max_entries:
        raise unsafe(
            path,
            f"zip container has {len(entries)} entries, over the limit of {limits.max_entries}",
            "if the file is genuine, raise APPCONSOL_MAX_ZIP_ENTRIES",
        )
    if len(names) != len(entries):
        # Readers disagree on which copy of a duplicated entry wins, so each could see other data.
        raise unsafe(path, "zip container holds two entries with the same name")
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_uncompressed_bytes:
        raise unsafe(
            path,
            f"looks like a decompression bomb ({declared / MiB:.0f} MB declared, "
            f"limit {limits.max_uncompressed_bytes / MiB:.0f} MB)",
            "if the file is genuine, raise APPCONSOL_MAX_UNCOMPRESSED_MB",
        )
    kept_names, kept_bytes, split = set(), 0, default_parts() >= 2
    for entry in entries:
        keep = split and entry.filename.startswith("xl/worksheets/") and entry.file_size >= SPLIT_MIN_BYTES
        if keep and kept_bytes + entry.file_size <= SPLIT_MAX_BYTES:
            kept_names.add(entry.filename)
            kept_bytes += entry.file_size
    # Only one entry is deferred, the largest (the one worth reading in parts): the reader copies
    # every other entry into the workbooks it parses, so all of those must be checked before.
    deferred = max((e for e in entries if e.filename in kept_names), key=lambda e: e.file_size, default=None)
    total = 0
    for entry in entries:
        if defer and entry is deferred:
            xml = DeferredXml(entry.file_size)
            # The other entries' declared sizes bound what they inflate to, as its own size
            # bounds it (the thread refuses a byte more): the total check holds on both sides.
            others = sum(e.file_size for e in entries) - entry.file_size
            xml.start(partial(_check_deferred, path, entry, limits, others), partial(_zip_failure, path=path))
            kept[entry.filename] = xml
            total += entry.file_size
        elif entry.filename in kept_names:
            total, kept[entry.filename] = _check_kept(f, entry, path, limits, total)
        else:
            total = check_entry(f, entry, path, limits, total)


def _check_kept(
    f: BinaryIO, entry: zipfile.ZipInfo, path: Path, limits: SafetyLimits, total: int
) -> tuple[int, bytes]:
    """check_entry, keeping the bytes: in one piece, bounded by its declared size, which passed the limits."""
    chunks: list[bytes] = []
    total = check_entry(
        f, entry, path, limits, total, lambda chunk, _: chunks.append(chunk), entry.file_size + 1
    )
    return total, b"".join(chunks)


def _check_deferred(path: Path, entry: zipfile.ZipInfo, limits: SafetyLimits, total: int, sink: Sink) -> None:
    """check_entry on the deferred entry, from a handle of its own (the sniff's goes on with others)."""
    with path.open("rb") as f:
        check_entry(f, entry, path, limits, total, sink, _DEFERRED_CHUNK, _DEFERRED_READ)


def _read_sheets(zf: zipfile.ZipFile, part: str, path: Path) -> tuple[SheetInfo, ...]:
    root = _parse_xml(zf, part, path)
    found: list[Element] = []
    for ns in _SHEET_NAMESPACES:
        found = root.findall(f"{{{ns}}}sheets/{{{ns}}}sheet")
        if found:
            break
    if not found:
        raise refuse(path, f"workbook lists no sheets in {part}", RESAVE)
    return tuple(
        SheetInfo(sheet.get("name", ""), _STATES.get((sheet.get("state") or "").lower(), "visible"), index)
        for index, sheet in enumerate(found)
    )


def _parse_xml(zf: zipfile.ZipFile, part: str, path: Path) -> Element:
    try:
        return SafeET.fromstring(zf.read(part), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise unsafe(path, DTD.format(part=part)) from None
    except SafeET.ParseError as exc:
        raise _corrupt(path, f"{part} is not well-formed XML: {exc}") from None


# --- delimited text --------------------------------------------------------------------------

_BINARY_MAGICS = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"{\\rtf", "a Rich Text document"),
)
_MARKUP = (  # lower-cased start of the text, what it is
    ("<!doctype html", "an HTML page (some systems export one with an .xls name)"),
    ("<html", "an HTML page (some systems export one with an .xls name)"),
    ("<table", "an HTML table (some systems export one with an .xls name)"),
    ("<?xml", "an XML file"),
)


_BINARY_CONTROLS = (*range(0, 9), 11, 12, *range(14, 27), *range(28, 32))


def _sniff_text(f: BinaryIO, path: Path) -> str:
    head = f.read(CHUNK)
    for magic, what in _BINARY_MAGICS:
        if head.startswith(magic):
            raise refuse(path, f"not a spreadsheet or delimited text file: it looks like {what}", _EXPORT)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE prefixes both
        raise refuse(path, "text is UTF-32, which is not supported", "save it as UTF-8 CSV")
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif sum(head.count(bytes([c])) for c in _BINARY_CONTROLS) > max(2, len(head) // 100):
        # A stray NUL or control character in a text export is cleaned from its cell by the
        # reader; where they are common, the file is binary.
        raise refuse(path, "not a spreadsheet or delimited text file (binary content)", _EXPORT)
    else:
        encoding = text_encoding(f)
    start = head[:4096].decode(codec(encoding), "replace").lstrip("\ufeff \t\r\n").lower()
    for prefix, what in _MARKUP:
        if start.startswith(prefix):
            if "urn:schemas-microsoft-com:office:spreadsheet" in start:
                what = "an Excel 2003 XML spreadsheet"
            raise refuse(path, f"not a spreadsheet or delimited text file: it looks like {what}", RESAVE)
    return encoding
