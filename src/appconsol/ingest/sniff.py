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
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, BinaryIO

import defusedxml.ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from appconsol.errors import ConfigError, InputFileError, Location, UnsafeInputError
from appconsol.ingest.sheet_parts import SPLIT_MAX_BYTES, SPLIT_MIN_BYTES, default_parts
from appconsol.ingest.text_encoding import codec, text_encoding

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element


def _inflater() -> ModuleType:
    """ISA-L inflates about twice as fast as zlib and checksums six times as fast, with the same results."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency; a platform without its wheel
        return zlib
    return isal_zlib


_inflating = _inflater()
_ZIP_READ_ERRORS: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    _inflating.error,
    EOFError,
    ValueError,
    struct.error,
    OSError,
)

MiB = 1024**2
_CHUNK = MiB
_XML_HEAD = 64 * 1024
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_SHEET_NAMESPACES = (
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "http://purl.oclc.org/ooxml/spreadsheetml/main",  # strict OOXML
)
_STATES = {"hidden": "hidden", "veryhidden": "veryHidden"}  # absent or "visible": visible
_RESAVE = "open it in Excel or LibreOffice and save as .xlsx"
_EXPORT = "export the inventory from its source as .xlsx or .csv"
_DTD = "contains an XML DTD/entity declaration in {part}; entities are never expanded"


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
    sheet_xml: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)


def sniff_file(path: Path, limits: SafetyLimits | None = None) -> SniffResult:
    """Say what `path` really is, or raise InputFileError (UnsafeInputError if it looks hostile)."""
    path = Path(path)
    limits = limits or SafetyLimits.from_env()
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _refuse(path, "file not found", "check the path and the file name") from None
    except OSError as exc:
        raise _unreadable(path, exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise _refuse(path, "is a directory, not a file", "pass the spreadsheet or CSV file itself")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "is not a regular file", "copy the data to a file first")
    if info.st_size == 0:
        raise _refuse(path, "file is empty (0 bytes)", "check the export or download finished")
    sheets: tuple[SheetInfo, ...] = ()
    encoding, kept = None, {}
    try:
        with path.open("rb") as f:
            magic = f.read(8)
            f.seek(0)
            if magic == _OLE_MAGIC:
                raise _refuse_ole(f, path)
            if magic.startswith(_ZIP_MAGICS):
                kind, sheets, kept = _sniff_zip(f, path, limits)
            else:
                encoding = _sniff_text(f, path)
                # Text is text: only the extension tells a YAML/JSON record list from a CSV.
                extension_kind = _KIND_BY_EXTENSION.get(path.suffix.lower())
                kind = FileKind.RECORDS if extension_kind is FileKind.RECORDS else FileKind.CSV
    except OSError as exc:
        raise _unreadable(path, exc) from None
    mismatch = _KIND_BY_EXTENSION.get(path.suffix.lower()) is not kind
    return SniffResult(kind, mismatch, sheets, encoding, kept)


def _refuse(path: Path, message: str, hint: str) -> InputFileError:
    return InputFileError(message, hint=hint, location=Location(file=path))


def _unsafe(path: Path, message: str, hint: str = _RESAVE) -> UnsafeInputError:
    return UnsafeInputError(message, hint=hint, location=Location(file=path))


def _unreadable(path: Path, exc: OSError) -> InputFileError:
    return _refuse(path, f"cannot read file ({exc.strerror or exc})", "check the file and its permissions")


def _corrupt(path: Path, detail: str) -> InputFileError:
    return _refuse(path, f"corrupt or truncated workbook ({detail})", "download or export it again")


# --- OLE2 compound files: legacy .xls, and any password-protected Office file ---------------


def _refuse_ole(f: BinaryIO, path: Path) -> InputFileError:
    if _ole_stream_names(f, ("EncryptedPackage", "EncryptionInfo")):
        return _refuse(
            path,
            "workbook is encrypted (password-protected)",
            "remove the password in Excel (File > Info > Protect Workbook) and save again",
        )
    return _refuse(path, "legacy Excel 97-2003 .xls workbook is not supported", _RESAVE)


def _ole_stream_names(f: BinaryIO, wanted: tuple[str, ...]) -> set[str]:
    """Which of `wanted` name a stream in the compound file's directory.

    Directory entries are 128 bytes and sectors 512 or 4096, so every entry starts at a file
    offset divisible by 128: an aligned scan finds them without trusting the FAT chains, which
    damaged files get wrong. The name length and object type guard against look-alike text.
    """
    needles = {name: name.encode("utf-16-le") + b"\0\0" for name in wanted}
    found: set[str] = set()
    f.seek(0)
    while chunk := f.read(_CHUNK):  # _CHUNK is a multiple of 128, so entries never straddle
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
    f: BinaryIO, path: Path, limits: SafetyLimits
) -> tuple[FileKind, tuple[SheetInfo, ...], dict[str, bytes]]:
    try:
        with zipfile.ZipFile(f) as zf:
            entries = zf.infolist()
            names = {entry.filename for entry in entries}
            _refuse_other_zips(zf, names, path)
            kept = _check_zip_safety(f, entries, names, path, limits)
            if "xl/workbook.xml" not in names:
                what = "a zip archive without xl/workbook.xml" if names else "an empty zip archive"
                raise _refuse(path, f"not an Excel workbook: it is {what}", _EXPORT)
            sheets = _read_sheets(zf, "xl/workbook.xml", path)
            content_types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
            macros = "xl/vbaProject.bin" in names or b"macroenabled" in content_types.lower()
            return (FileKind.XLSM if macros else FileKind.XLSX), sheets, kept
    except _ZIP_READ_ERRORS as exc:
        raise _corrupt(path, str(exc) or type(exc).__name__) from None
    except (NotImplementedError, RuntimeError) as exc:  # zipfile's words for odd methods, encryption
        raise _refuse(path, f"unreadable zip container ({exc})", _RESAVE) from None


def _refuse_other_zips(zf: zipfile.ZipFile, names: set[str], path: Path) -> None:
    found = [(what, hint) for entry, what, hint in _OTHER_ZIPS if entry in names]
    # ODF stores its mimetype uncompressed, so a few bytes of it cannot be a bomb.
    if "mimetype" in names and zf.getinfo("mimetype").compress_type == zipfile.ZIP_STORED:
        with zf.open("mimetype") as fh:
            mime = fh.read(100).decode("ascii", "replace").strip()
        if mime.startswith("application/vnd.oasis.opendocument"):
            ods = mime.endswith(".spreadsheet")
            found.insert(0, (_ODS if ods else f"an OpenDocument file ({mime})", _RESAVE if ods else _EXPORT))
    if found:
        raise _refuse(path, f"not an Excel workbook: it looks like {found[0][0]}", found[0][1])


def _check_zip_safety(
    f: BinaryIO, entries: list[zipfile.ZipInfo], names: set[str], path: Path, limits: SafetyLimits
) -> dict[str, bytes]:
    if len(entries) > limits.max_entries:
        raise _unsafe(
            path,
            f"zip container has {len(entries)} entries, over the limit of {limits.max_entries}",
            "if the file is genuine, raise APPCONSOL_MAX_ZIP_ENTRIES",
        )
    if len(names) != len(entries):
        # Readers disagree on which copy of a duplicated entry wins, so each could see other data.
        raise _unsafe(path, "zip container holds two entries with the same name")
    declared = sum(entry.file_size for entry in entries)
    if declared > limits.max_uncompressed_bytes:
        raise _unsafe(
            path,
            f"looks like a decompression bomb ({declared / MiB:.0f} MB declared, "
            f"limit {limits.max_uncompressed_bytes / MiB:.0f} MB)",
            "if the file is genuine, raise APPCONSOL_MAX_UNCOMPRESSED_MB",
        )
    total, kept, split = 0, {}, default_parts() >= 2
    for entry in entries:
        keep = split and entry.filename.startswith("xl/worksheets/") and entry.file_size >= SPLIT_MIN_BYTES
        keep = keep and sum(map(len, kept.values())) + entry.file_size <= SPLIT_MAX_BYTES
        total, xml = _check_entry(f, entry, path, limits, total, keep)
        if xml is not None:
            kept[entry.filename] = xml
    return kept


def _check_entry(
    f: BinaryIO, entry: zipfile.ZipInfo, path: Path, limits: SafetyLimits, total: int, keep: bool
) -> tuple[int, bytes | None]:
    """Inflate one entry, proving its headers tell the truth; the new total, and the bytes if `keep`."""
    name = entry.filename
    if entry.flag_bits & 0x1:
        raise _refuse(path, f"zip entry {name} is encrypted", "remove the password in Excel and save again")
    if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _refuse(path, f"zip entry {name} uses compression method {entry.compress_type}", _RESAVE)
    f.seek(entry.header_offset)
    local = f.read(30)
    if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
        raise ValueError(f"no local header for {name}")
    flags, crc, compressed, size, name_length, extra_length = struct.unpack("<6xH6xIIIHH", local)
    local_name = f.read(name_length).decode("utf-8" if flags & 0x800 else "cp437", "replace")
    sizes_in_local = not flags & 0x8 and 0xFFFFFFFF not in (compressed, size)
    if local_name != entry.orig_filename or (
        sizes_in_local and (crc, compressed, size) != (entry.CRC, entry.compress_size, entry.file_size)
    ):
        # Readers that trust the local header would read something else than the directory says.
        raise _unsafe(path, f"zip entry {name}: local and central headers disagree")
    f.seek(extra_length, os.SEEK_CUR)

    head: bytearray | None = bytearray()  # every entry: readers follow rels to parts of any name
    crc = actual = 0
    chunks: list[bytes] | None = [] if keep else None
    # A kept part is inflated in one piece: bounded by its declared size, which passed the limits.
    for chunk, used in _inflate(f, entry, path, entry.file_size + 1 if keep else _CHUNK):
        if chunks is not None:
            chunks.append(chunk)
        actual += len(chunk)
        total += len(chunk)
        crc = _inflating.crc32(chunk, crc)
        if actual > entry.file_size:
            raise _unsafe(path, f"zip entry {name} holds more than the {entry.file_size} bytes it declares")
        # Implied by the declared-size checks; kept so the bound does not rest on them alone.
        if total > limits.max_uncompressed_bytes:
            raise _unsafe(path, f"looks like a decompression bomb (over {total / MiB:.0f} MB decompressed)")
        if actual > MiB and actual > limits.max_compression_ratio * max(used, 1):
            raise _unsafe(
                path,
                f"looks like a decompression bomb ({actual / MiB:.0f} MB decompressed from "
                f"{used:,} bytes in {name}, over {limits.max_compression_ratio:.0f}x)",
                "if the file is genuine, raise APPCONSOL_MAX_COMPRESSION_RATIO",
            )
        if head is not None:
            head += chunk[: _XML_HEAD - len(head)]
            if len(head) >= _XML_HEAD:
                _check_prolog(bytes(head), name, path, complete=False)
                head = None
    if head is not None:
        _check_prolog(bytes(head), name, path, complete=True)
    if actual != entry.file_size:
        raise _unsafe(path, f"zip entry {name} holds {actual} bytes but declares {entry.file_size}")
    if crc != entry.CRC:
        raise ValueError(f"bad CRC in {name}")
    return total, (b"".join(chunks) if chunks is not None else None)


def _inflate(
    f: BinaryIO, entry: zipfile.ZipInfo, path: Path, size: int = _CHUNK
) -> Iterator[tuple[bytes, int]]:
    """An entry's decompressed bytes, at most `size` at a time, and the compressed bytes used so far."""
    left = entry.compress_size
    if entry.compress_type == zipfile.ZIP_STORED:
        while left > 0:
            chunk = f.read(min(size, left))
            if not chunk:
                raise EOFError(f"{entry.filename} ends early")
            left -= len(chunk)
            yield chunk, entry.compress_size - left
        return
    inflater = _inflating.decompressobj(-zlib.MAX_WBITS)
    while not inflater.eof:
        data = inflater.unconsumed_tail
        if not data:
            data = f.read(min(size, left))
            left -= len(data)
            if not data:
                yield inflater.flush(), entry.compress_size  # what a full output buffer held back
                if not inflater.eof:
                    raise EOFError(f"{entry.filename} ends early")
                break
        chunk = inflater.decompress(data, size)
        # The ratio of the bytes so far, so a bomb is caught in its first megabytes, not at its end.
        yield chunk, entry.compress_size - left - len(inflater.unconsumed_tail) - len(inflater.unused_data)
    if left or inflater.unused_data:
        # The declared compressed size is wrong: readers that trust it would see other bytes.
        raise _unsafe(path, f"zip entry {entry.filename} is followed by undeclared data")


def _check_prolog(head: bytes, part: str, path: Path, *, complete: bool) -> None:
    """Refuse a part whose prolog (before the root element) holds anything but PIs and comments."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", "replace")
    elif 0 in head[:2]:  # expat reads a leading NUL byte as UTF-16 without a BOM
        text = head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", "replace")
    else:  # expat only accepts ASCII-compatible encodings here, so markup bytes are ASCII
        text = head.removeprefix(codecs.BOM_UTF8).decode("latin-1")
    text = text.lstrip(" \t\r\n")
    if not text.startswith("<"):
        return  # not XML (an image, the VBA project, printer settings): no parser reads it as XML
    position = 0
    while (start := text.find("<", position)) >= 0:
        if text.startswith("<?", start):
            end = text.find("?>", start + 2)
        elif text.startswith("<!--", start):
            end = text.find("-->", start + 4)
        elif text.startswith("<!", start):
            raise _unsafe(path, _DTD.format(part=part))
        else:
            return  # the root element: no DTD can follow
        if end < 0:
            break
        position = end + 2
    if not complete:
        raise _unsafe(path, f"XML prolog of {part} is longer than 64 KiB; entities are never expanded")


def _read_sheets(zf: zipfile.ZipFile, part: str, path: Path) -> tuple[SheetInfo, ...]:
    root = _parse_xml(zf, part, path)
    found: list[Element] = []
    for ns in _SHEET_NAMESPACES:
        found = root.findall(f"{{{ns}}}sheets/{{{ns}}}sheet")
        if found:
            break
    if not found:
        raise _refuse(path, f"workbook lists no sheets in {part}", _RESAVE)
    return tuple(
        SheetInfo(sheet.get("name", ""), _STATES.get((sheet.get("state") or "").lower(), "visible"), index)
        for index, sheet in enumerate(found)
    )


def _parse_xml(zf: zipfile.ZipFile, part: str, path: Path) -> Element:
    try:
        return SafeET.fromstring(zf.read(part), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise _unsafe(path, _DTD.format(part=part)) from None
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
    head = f.read(_CHUNK)
    for magic, what in _BINARY_MAGICS:
        if head.startswith(magic):
            raise _refuse(path, f"not a spreadsheet or delimited text file: it looks like {what}", _EXPORT)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE prefixes both
        raise _refuse(path, "text is UTF-32, which is not supported", "save it as UTF-8 CSV")
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif sum(head.count(bytes([c])) for c in _BINARY_CONTROLS) > max(2, len(head) // 100):
        # A stray NUL or control character in a text export is cleaned from its cell by the
        # reader; where they are common, the file is binary.
        raise _refuse(path, "not a spreadsheet or delimited text file (binary content)", _EXPORT)
    else:
        encoding = text_encoding(f)
    start = head[:4096].decode(codec(encoding), "replace").lstrip("\ufeff \t\r\n").lower()
    for prefix, what in _MARKUP:
        if start.startswith(prefix):
            if "urn:schemas-microsoft-com:office:spreadsheet" in start:
                what = "an Excel 2003 XML spreadsheet"
            raise _refuse(path, f"not a spreadsheet or delimited text file: it looks like {what}", _RESAVE)
    return encoding
