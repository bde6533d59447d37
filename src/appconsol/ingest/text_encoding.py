"""Which encoding a text file is in: UTF-8, cp1252, or UTF-8 with a few damaged bytes."""

from __future__ import annotations

from typing import BinaryIO


def codec(encoding: str) -> str:
    """The Python codec for a sniffed encoding (utf-8-lenient is UTF-8 read with replacement)."""
    return "utf-8" if encoding == "utf-8-lenient" else encoding


def text_encoding(f: BinaryIO) -> str:
    """utf-8, cp1252, or utf-8-lenient: UTF-8 with a few stray bytes (one pasted cp1252 cell).

    The whole file is read, not a sample: exports are often ASCII until one '£' deep in the rows.
    A file with valid multibyte UTF-8 and only a few invalid bytes is UTF-8 with damage, and the
    damage costs the cells it is in (a warning each), not the whole file's text.
    """
    f.seek(0)
    data = f.read()
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    invalid = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if multibyte and invalid <= max(20, multibyte // 10):
        return "utf-8-lenient"
    return "cp1252"
