"""Zip the plan while it is rendered: each sheet's XML is deflated on a second thread as it is written.

xlsxwriter writes every part of the package to a temporary file, then zips the files one after
the other once the last sheet is written. At 100k applications that is about 1 GB of sheet XML
written to disk, read back and deflated on one core after all the rendering. Within
`package_zip()`:

- each worksheet's XML goes to a `DeflatedPart` instead of a text file: its text and the row
  blocks polars renders are handed, a megabyte or more at a time, to one deflater thread, which
  checksums and deflates them (ISA-L at level 1 where the `isal` package imports, else zlib at
  level 1, as `deflate.fast_deflate` does) into the part's temporary file. ISA-L, zlib and polars
  all release the GIL, so the next rows are rendered on one core while the last are deflated on
  the other;
- xlsxwriter's zip (`ZipFile` in `xlsxwriter.workbook`) is replaced by `PackageZip`, which writes
  the entries in xlsxwriter's own order: a worksheet's entry is its already deflated stream copied
  after the entry's header, the other parts (workbook, styles, tables, charts: small) are deflated
  as they are added. Entries larger than the classic zip format holds get ZIP64 fields, as
  zipfile writes them.

The file is a standard xlsx: the same parts with the same bytes once inflated, deflate streams and
CRC-32 values any zip reader checks.
"""

from __future__ import annotations

import os
import queue
import shutil
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from appconsol.report.plan.deflate import isal_engine

LEVEL = 1
TEXT_BATCH = 1 << 20  # xlsxwriter's small writes are joined to this many characters before deflating
QUEUE_DEPTH = 4  # chunks waiting for the deflater; bounds the memory held between the threads
ZIP64_LIMIT = 0xFFFFFFFF  # sizes and offsets from here on need ZIP64 fields (lowered in a test)
_FULL32, _FULL16 = 0xFFFFFFFF, 0xFFFF  # what a classic field holds when the ZIP64 one has the value
_DOS_DATE = (0 << 9) | (1 << 5) | 31  # 1980-01-31, the date xlsxwriter gives its parts
_DOS_TIME = 0
_FILE_MODE = 0o100644 << 16
_LOCK = threading.Lock()


class Deflater:
    """One background thread deflating parts' data in the order it was handed over."""

    def __init__(self, engine: ModuleType, depth: int = QUEUE_DEPTH):
        self.engine = engine
        self.parts: dict[str, DeflatedPart] = {}
        self.error: BaseException | None = None
        self._queue: queue.Queue[tuple[DeflatedPart, bytes | None] | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="appconsol-deflate", daemon=True)
        self._thread.start()

    def part(self, path: str) -> DeflatedPart:
        part = DeflatedPart(path, self)
        self.parts[path] = part
        return part

    def put(self, part: DeflatedPart, data: bytes | None) -> None:
        self.raise_error()
        self._queue.put((part, data))

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            part, data = job
            try:
                if self.error is None:
                    part.take(data)
            except BaseException as exc:  # handed to the writing thread at its next write or wait
                self.error = exc
            finally:
                if data is None:
                    part.finished()


class DeflatedPart:
    """A worksheet part's file object: text and bytes in, a raw deflate stream in `path` out."""

    def __init__(self, path: str, deflater: Deflater):
        self.path = path
        self.crc = 0
        self.size = 0
        self.compressed = 0
        self._deflater = deflater
        self._engine = deflater.engine
        self._compressor = self._engine.compressobj(LEVEL, self._engine.DEFLATED, -15)
        self._file: Any = open(path, "wb")  # noqa: SIM115 - closed by the deflater thread
        self._text: list[str] = []
        self._text_size = 0
        self._done = threading.Event()

    # The writing thread: what xlsxwriter and the row blocks call.
    def write(self, text: str) -> int:
        self._text.append(text)
        self._text_size += len(text)
        if self._text_size >= TEXT_BATCH:
            self._send_text()
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """UTF-8 XML, in the order written (pending text goes first)."""
        self._send_text()
        if data:
            self._deflater.put(self, data)

    def flush(self) -> None:
        self._send_text()

    def close(self) -> None:
        self._send_text()
        self._deflater.put(self, None)

    def wait(self) -> None:
        """Block until the part is deflated and its file closed; raise what went wrong on the way."""
        self._done.wait()
        self._deflater.raise_error()

    def _send_text(self) -> None:
        if self._text:
            data = "".join(self._text).encode("utf-8")
            self._text, self._text_size = [], 0
            self._deflater.put(self, data)

    # The deflater thread.
    def take(self, data: bytes | None) -> None:
        if data is None:
            tail = self._compressor.flush()
            self._file.write(tail)
            self.compressed += len(tail)
            return
        self.crc = self._engine.crc32(data, self.crc)
        self.size += len(data)
        out = self._compressor.compress(data)
        if out:
            self._file.write(out)
            self.compressed += len(out)

    def discard(self) -> None:
        """Close the file of a part left unfinished (the deflater thread has stopped)."""
        if not self._file.closed:
            self._file.close()

    def finished(self) -> None:
        try:
            self._file.close()
        finally:
            self._done.set()


@dataclass
class _Entry:
    name: bytes
    crc: int
    size: int
    compressed: int
    offset: int


class PackageZip:
    """Stands in for xlsxwriter's `ZipFile`: the same entries, deflated parts copied as they are."""

    def __init__(self, filename: Any, mode: str = "w", *_args: Any, deflater: Deflater, **_options: Any):
        if mode != "w":
            raise ValueError("PackageZip only writes")
        self._file: Any = open(filename, "wb")  # noqa: SIM115 - closed in close()
        self._deflater = deflater
        self._entries: list[_Entry] = []

    def __enter__(self) -> PackageZip:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def write(self, filename: str, arcname: str | None = None) -> None:
        name = arcname if arcname is not None else os.path.basename(filename)
        part = self._deflater.parts.pop(str(filename), None)
        if part is None:
            with open(filename, "rb") as source:
                self.writestr(name, source.read())
            return
        part.wait()
        offset = self._header(name, part.crc, part.size, part.compressed)
        with open(part.path, "rb") as source:
            shutil.copyfileobj(source, self._file, 1 << 20)
        self._entries.append(_Entry(name.encode("utf-8"), part.crc, part.size, part.compressed, offset))

    def writestr(self, zinfo_or_arcname: Any, data: bytes | str) -> None:
        name = getattr(zinfo_or_arcname, "filename", zinfo_or_arcname)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        engine = self._deflater.engine
        compressor = engine.compressobj(LEVEL, engine.DEFLATED, -15)
        packed = compressor.compress(raw) + compressor.flush()
        crc = engine.crc32(raw)
        offset = self._header(name, crc, len(raw), len(packed))
        self._file.write(packed)
        self._entries.append(_Entry(name.encode("utf-8"), crc, len(raw), len(packed), offset))

    def _header(self, name: str, crc: int, size: int, compressed: int) -> int:
        """The entry's local header; returns its offset."""
        offset = self._file.tell()
        encoded = name.encode("utf-8")
        big = size >= ZIP64_LIMIT or compressed >= ZIP64_LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, compressed) if big else b""
        sizes = (_FULL32, _FULL32) if big else (compressed, size)
        self._file.write(
            struct.pack(
                "<IHHHHHIIIHH",
                0x04034B50,
                45 if big else 20,
                _flags(encoded, name),
                8,  # deflated
                _DOS_TIME,
                _DOS_DATE,
                crc,
                *sizes,
                len(encoded),
                len(extra),
            )
        )
        self._file.write(encoded + extra)
        return offset

    def close(self) -> None:
        if self._file.closed:
            return
        start = self._file.tell()
        for entry in self._entries:
            self._file.write(_central_record(entry))
        end = self._file.tell()
        count, size = len(self._entries), end - start
        if count >= _FULL16 or start >= ZIP64_LIMIT or size >= ZIP64_LIMIT:
            self._file.write(
                struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, size, start)
            )
            self._file.write(struct.pack("<IIQI", 0x07064B50, 0, end, 1))
        self._file.write(
            struct.pack(
                "<IHHHHIIH",
                0x06054B50,
                0,
                0,
                *(_FULL16, _FULL16) if count >= _FULL16 else (count, count),
                _FULL32 if size >= ZIP64_LIMIT else size,
                _FULL32 if start >= ZIP64_LIMIT else start,
                0,
            )
        )
        self._file.close()


def _flags(encoded: bytes, name: str) -> int:
    return 0 if len(encoded) == len(name) else 0x800  # bit 11: the name is UTF-8


def _central_record(entry: _Entry) -> bytes:
    fields: list[int] = []
    size, compressed, offset = entry.size, entry.compressed, entry.offset
    if size >= ZIP64_LIMIT or compressed >= ZIP64_LIMIT:
        fields += [size, compressed]
        size = compressed = _FULL32
    if offset >= ZIP64_LIMIT:
        fields.append(offset)
        offset = _FULL32
    extra = struct.pack(f"<HH{len(fields)}Q", 1, 8 * len(fields), *fields) if fields else b""
    version = 45 if fields else 20
    name = entry.name.decode("utf-8")
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            (3 << 8) | version,  # made on Unix
            version,
            _flags(entry.name, name),
            8,
            _DOS_TIME,
            _DOS_DATE,
            entry.crc,
            compressed,
            size,
            len(entry.name),
            len(extra),
            0,
            0,
            0,
            _FILE_MODE,
            offset,
        )
        + entry.name
        + extra
    )


@contextmanager
def package_zip(engine: ModuleType | None = None) -> Iterator[Deflater | None]:
    """Within the block, xlsxwriter zips through `PackageZip`; worksheets given the yielded
    deflater (`PlanWorksheet.package`) stream their XML to it. Yields None, changing nothing,
    when this xlsxwriter has no module-level `ZipFile` to stand in for.
    """
    import xlsxwriter.workbook as module

    if not hasattr(module, "ZipFile"):  # pragma: no cover - a future xlsxwriter
        yield None
        return
    chosen = engine if engine is not None else (isal_engine() or zlib)
    with _LOCK:
        original = module.ZipFile
        deflater = Deflater(chosen)

        def factory(*args: Any, **options: Any) -> PackageZip:
            return PackageZip(*args, deflater=deflater, **options)

        module.ZipFile = factory
        try:
            yield deflater
        finally:
            module.ZipFile = original
            deflater.close()
            for part in deflater.parts.values():  # parts never zipped: a write that failed
                part.discard()
