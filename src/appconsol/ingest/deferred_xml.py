"""A large sheet's XML, inflated and checked on its own thread while the load goes on.

Inflating a 100k-row sheet's XML takes a tenth of a second on one core while the other waits;
the sheet reader can start parsing the first rows as soon as they are inflated. Only bytes that
passed every check made so far (size, total, compression ratio, the prolog's DTD test) are
handed out; the CRC and the checks at the entry's end come with the whole. A failure is the
sniff's own error, and it is raised wherever the XML is asked for, so no result built on a
failed entry is ever used (see `checks_first`).
"""

from __future__ import annotations

import mmap
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from appconsol.errors import InputFileError
from appconsol.ingest.zip_entries import Sink


class DeferredXml:
    """A worksheet part's XML, filled by a thread that runs the sniff's checks on it."""

    def __init__(self, size: int) -> None:
        # Allocated whole: the checks refuse an entry's bytes past its declared size before they
        # are added, so the buffer never grows, and views into it stay valid. Anonymous memory
        # is zeroed page by page as the inflate first writes it (a bytearray would zero all
        # 100 MB up front, on the thread that waits).
        self._size = size
        self._data: mmap.mmap | None = mmap.mmap(-1, max(size, 1))
        self._written = 0
        self._ready = 0  # bytes that passed the checks so far
        self._done = False
        self._failure: InputFileError | None = None
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self, work: Callable[[Sink], None], failure: Callable[[Exception], InputFileError]) -> None:
        """Run `work(sink)` on a thread; an exception it raises becomes `failure(exc)`."""

        def run() -> None:
            error = None
            try:
                work(self._add)
            except Exception as exc:  # every failure is reported as the sniff reports it
                error = failure(exc)
            with self._changed:
                self._done, self._failure = True, error
                if error is None:
                    self._ready = self._written
                self._changed.notify_all()

        self._thread = threading.Thread(target=run, name="appconsol-inflate", daemon=True)
        self._thread.start()

    def _add(self, chunk: bytes, checked: bool) -> None:
        end = self._written + len(chunk)
        assert self._data is not None
        self._data[self._written : end] = chunk
        self._written = end
        if checked:
            with self._changed:
                self._ready = end
                self._changed.notify_all()

    @property
    def size(self) -> int:
        return self._size

    @property
    def data(self) -> mmap.mmap:
        """The buffer: its first `wait_for()` bytes are checked, the rest may still be filling."""
        assert self._data is not None, "released"
        return self._data

    def wait_for(self, size: int) -> int:
        """Wait until at least `size` checked bytes (or all) are in; how many are. Raises the
        sniff's error if the entry failed."""
        with self._changed:
            self._changed.wait_for(lambda: self._done or self._ready >= size)
            if self._failure is not None:
                raise self._failure
            return self._ready

    def whole(self) -> mmap.mmap:
        """The whole XML once every check passed (CRC included); raises the sniff's error if not."""
        self.wait_for(self._size + 1)
        return self.data

    def failure(self) -> InputFileError | None:
        """Wait for the verdict; the sniff's error, or None."""
        with self._changed:
            self._changed.wait_for(lambda: self._done)
            return self._failure

    def release(self) -> None:
        """Drop the bytes (the reader is done with them); the verdict stays. The memory is
        returned once the last view into it is gone."""
        self.failure()
        self._data = None


@contextmanager
def checks_first(sheet_xml: dict[str, object]) -> Iterator[None]:
    """Every deferred check in `sheet_xml` has passed when the block ends; if one failed, its
    error is raised in place of the block's outcome, as the sniff would have raised it first."""
    deferred = [xml for xml in sheet_xml.values() if isinstance(xml, DeferredXml)]
    try:
        yield
    except Exception:
        failed = next((f for f in map(DeferredXml.failure, deferred) if f is not None), None)
        if failed is not None:
            raise failed from None
        raise
    for xml in deferred:
        if (failed := xml.failure()) is not None:
            raise failed
