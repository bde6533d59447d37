"""Zip the plan fast: the workbook's sheet XML is hundreds of megabytes at 100k applications.

xlsxwriter zips the package with the standard library's zipfile, which deflates with zlib at
level 6 and checksums with zlib's CRC-32. Measured on this project's machine, on plan sheet XML:
zlib level 1 deflates about three times faster than level 6 for a file about 20% larger, and
ISA-L (the `isal` package: Intel's deflate and CRC-32 in SIMD assembly) deflates about three times
faster again than zlib level 1 at the same size, and computes the CRC six times faster.

`fast_deflate()` applies both for the duration of `workbook.close()`: xlsxwriter's ZipFile is
given level 1, and, when `isal` imports, zipfile's compressor factory and CRC function are
pointed at ISA-L. Both produce standard deflate streams and the same CRC-32 values, so the file
is an ordinary xlsx. The swap is undone afterwards, is held under a lock, and the compressor is
only replaced for the thread writing the plan. Without `isal`, or when a Python version changes
these zipfile internals, the plan is zipped by zlib at level 1 as before.
"""

from __future__ import annotations

import functools
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

_LOCK = threading.Lock()


def isal_engine() -> ModuleType | None:
    """ISA-L's zlib-compatible module, or None where the `isal` package is not installed."""
    try:
        from isal import isal_zlib
    except ImportError:  # pragma: no cover - isal is a dependency; other platforms may lack a wheel
        return None
    return isal_zlib


def _can_swap() -> bool:
    return callable(getattr(zipfile, "_get_compressor", None)) and callable(getattr(zipfile, "crc32", None))


@contextmanager
def fast_deflate(engine: ModuleType | None = None) -> Iterator[str]:
    """Within the block, xlsxwriter zips at level 1, with ISA-L when available.

    Yields the engine in use, "isal" or "zlib" (for the benchmark and the tests).
    """
    import xlsxwriter.workbook as module

    engine = engine if engine is not None else isal_engine()
    original = getattr(module, "ZipFile", None)
    with _LOCK:
        if original is zipfile.ZipFile:
            module.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=1)
        swap = engine is not None and _can_swap()
        saved: dict[str, Any] = {}
        if swap:
            assert engine is not None
            saved = {"_get_compressor": zipfile._get_compressor, "crc32": zipfile.crc32}  # type: ignore[attr-defined]
            owner = threading.get_ident()
            factory = saved["_get_compressor"]

            def compressor(compress_type: int, compresslevel: int | None = None) -> Any:
                if compress_type == zipfile.ZIP_DEFLATED and threading.get_ident() == owner:
                    return engine.compressobj(1, engine.DEFLATED, -15)  # ISA-L level 0 is much larger
                return factory(compress_type, compresslevel)

            zipfile._get_compressor = compressor  # type: ignore[attr-defined]
            zipfile.crc32 = engine.crc32  # type: ignore[attr-defined]
        try:
            yield "isal" if swap else "zlib"
        finally:
            for name, value in saved.items():
                setattr(zipfile, name, value)
            if original is zipfile.ZipFile:
                module.ZipFile = original
