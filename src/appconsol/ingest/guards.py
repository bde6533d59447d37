"""Checks on an input file before it is read: what a CI checkout puts in an inventory folder.

- office lock files (`~$wessex.xlsx`, `.~lock.wessex.xlsx#`) are skipped with a note: they sit
  beside a workbook someone has open and hold no data;
- a Git LFS pointer (the checkout did not fetch LFS content) is an error that says how to fetch it;
- unresolved merge-conflict markers are an error at the first marker's line, rather than rows
  that fail to load one by one.

A file with a header and no rows, and a file with most rows rejected, are findings (rules DQ011
and DQ012), not errors: they load, and the rules judge them.
"""

from __future__ import annotations

import mmap
from pathlib import Path

from appconsol.errors import InputFileError, Location

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1"
LFS_POINTER_MAX_BYTES = 1024  # a pointer is about 130 bytes; real content is never this small and this shaped
_CONFLICT_START = b"<<<<<<<"
_CONFLICT_END = b">>>>>>>"
TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".json", ".yaml", ".yml"}


def lock_file_note(path: Path) -> str | None:
    """A note when `path` is an office lock file (skipped), else None."""
    name = path.name
    if name.startswith("~$"):
        return f"{path}: skipped, an Excel lock file (Excel has {name[2:]} open; close it and delete the lock file)"
    if name.startswith(".~lock.") and name.endswith("#"):
        return f"{path}: skipped, a LibreOffice lock file ({name[7:-1]} is open)"
    return None


def drop_lock_files(files: list[Path], notes: list[str] | None = None) -> list[Path]:
    """`files` without office lock files, each skipped with a note in `notes`."""
    skipped = {f: note for f in files if (note := lock_file_note(f))}
    if notes is not None:
        notes.extend(skipped.values())
    return [f for f in files if f not in skipped]


def check_input(path: Path) -> None:
    """Refuse an LFS pointer or a text file with merge-conflict markers, naming the line."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # the reader reports a file it cannot open, in its own words
    if size == 0:
        return
    with path.open("rb") as handle:
        if size <= LFS_POINTER_MAX_BYTES:
            head = handle.read()
            if head.startswith(LFS_POINTER):
                raise InputFileError(
                    "this is a Git LFS pointer, not the file's content (the checkout did not fetch LFS files)",
                    hint="in GitHub Actions set `lfs: true` on actions/checkout; elsewhere run `git lfs pull` "
                    "before the check",
                    location=Location(file=path),
                )
        if path.suffix.lower() not in TEXT_SUFFIXES:
            return  # git leaves binary files (workbooks) whole in a conflict
        handle.seek(0)
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            start = _marker_line(data, _CONFLICT_START)
            if start < 0 or _marker_line(data, _CONFLICT_END, start + 7) < 0:
                return
            line = data[:start].count(b"\n") + 1
    raise InputFileError(
        "unresolved merge-conflict markers (<<<<<<<, =======, >>>>>>>) from a git merge",
        hint="resolve the conflict, keep the rows you want and delete the marker lines, then commit again",
        location=Location(file=path, line=line),
    )


def _marker_line(data: mmap.mmap, marker: bytes, start: int = 0) -> int:
    """Offset of the first line from `start` that is `marker` alone or followed by a space, or -1.

    A plain substring search (memchr) runs at memory speed; a multi-line regex tests every
    position of a large CSV for a line start and took ~0.1 s per 25 MB.
    """
    at = data.find(marker, start)
    while at >= 0:
        after = data[at + len(marker) : at + len(marker) + 2]
        at_line_start = at == 0 or data[at - 1 : at] == b"\n"
        if at_line_start and (after[:1] in (b"", b" ", b"\n") or after == b"\r\n" or after == b"\r"):
            return at
        at = data.find(marker, at + 1)
    return -1
