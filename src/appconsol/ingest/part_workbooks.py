"""The workbooks a sheet's parts are read from: every entry of the source copied as it is (still
compressed), the sheet part stored from the part's own XML, in memory files read by path.

A part's XML can be written as it comes (`PartWriter.add`), while the sheet's XML is still being
inflated: the sheet part's local header is rewritten with its CRC and sizes once it is complete.
"""

from __future__ import annotations

import os
import struct
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, BinaryIO

from appconsol.ingest.zip_entries import INFLATING


def raw_entry(f: Any, info: zipfile.ZipInfo) -> bytes:
    """An entry's compressed bytes, as stored in the file."""
    f.seek(info.header_offset)
    local = f.read(30)
    if local[:4] != b"PK\x03\x04":
        raise ValueError("no local header")
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    f.seek(info.header_offset + 30 + name_length + extra_length)
    data = f.read(info.compress_size)
    if len(data) != info.compress_size:
        raise ValueError("entry ends early")
    return bytes(data)


class PartWriter:
    """One part's workbook: the entries before the sheet part, then its XML piece by piece
    (`add`), then (`finish`) the sheet part's real header and the entries after it."""

    def __init__(self, out: BinaryIO, infos: list[zipfile.ZipInfo], raw: dict[str, bytes], part: str) -> None:
        # A file written before (a part started from a cut that did not hold) is written anew.
        out.seek(0)
        out.truncate()
        self._out, self._raw, self._count = out, raw, len(infos)
        self._central: list[bytes] = []
        self._offset = 0
        at = next(k for k, info in enumerate(infos) if info.filename == part)
        for info in infos[:at]:
            self._copy(info)
        self._sheet, self._after = infos[at], infos[at + 1 :]
        self._crc = self._size = 0
        self._out.write(self._entry(self._sheet, 0, 0, zipfile.ZIP_STORED, 0)[0])  # rewritten by finish()

    def add(self, piece: bytes | memoryview) -> None:
        self._crc = INFLATING.crc32(piece, self._crc)
        self._size += len(piece)
        self._out.write(piece)

    def finish(self) -> None:
        local, central = self._entry(self._sheet, self._crc, self._size, zipfile.ZIP_STORED, self._size)
        self._out.seek(self._offset)
        self._out.write(local)
        self._out.seek(0, os.SEEK_END)
        self._central.append(central)
        self._offset += len(local) + self._size
        for info in self._after:
            self._copy(info)
        directory = b"".join(self._central)
        self._out.write(directory)
        count = self._count
        self._out.write(
            struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), self._offset, 0)
        )
        self._out.flush()

    def _copy(self, info: zipfile.ZipInfo) -> None:
        local, central = self._entry(info, info.CRC, info.file_size, info.compress_type, info.compress_size)
        self._out.write(local)
        self._out.write(self._raw[info.filename])
        self._central.append(central)
        self._offset += len(local) + info.compress_size

    def _entry(
        self, info: zipfile.ZipInfo, crc: int, size: int, method: int, compressed: int
    ) -> tuple[bytes, bytes]:
        """The entry's local header, and its central directory record (for an entry written here)."""
        name = info.filename.encode("utf-8")
        flags = 0x800 if not info.filename.isascii() else 0
        fields = (20, flags, method, 0, 0x21, crc, compressed, size, len(name))
        local = struct.pack("<4s5H3I2H", b"PK\x03\x04", *fields, 0) + name
        return local, struct.pack(
            "<4s6H3I5H2I", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, self._offset
        ) + name


def write_workbook(
    out: BinaryIO,
    infos: list[zipfile.ZipInfo],
    raw: dict[str, bytes],
    part: str,
    sheet_xml: list[bytes | memoryview],
) -> None:
    """A zip of every entry as it was (compressed bytes copied), with the sheet part stored."""
    writer = PartWriter(out, infos, raw, part)
    for piece in sheet_xml:
        writer.add(piece)
    writer.finish()


@contextmanager
def scratch_files(count: int, folder: str) -> Iterator[list[tuple[BinaryIO, str]]]:
    """Files for the parts' workbooks, by path: fastexcel copies a bytes object element by element
    while holding the GIL, but reads a file on its own thread. In memory where Linux allows."""
    with ExitStack() as stack:
        files: list[tuple[BinaryIO, str]] = []
        for k in range(count):
            # calamine knows a workbook by its name's extension: a link named .xlsx to the memory file.
            path = os.path.join(folder, f"part-{k}.xlsx")
            if hasattr(os, "memfd_create") and os.path.isdir(f"/proc/{os.getpid()}/fd"):
                handle = stack.enter_context(open(os.memfd_create(f"appconsol-part-{k}"), "w+b"))
                os.symlink(f"/proc/{os.getpid()}/fd/{handle.fileno()}", path)
            else:  # pragma: no cover - not Linux
                handle = stack.enter_context(open(path, "w+b"))
            files.append((handle, path))
        yield files
