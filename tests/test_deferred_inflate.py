"""A sheet read while the sniff is still inflating its XML gives exactly the whole read's grid,
and a failure anywhere in that XML refuses the load with the sniff's own error.

The inflate is cut to a few hundred bytes a step here, so the first part of a small sheet starts
parsing while the rest of its XML is still coming, as a 100 MB sheet's does.
"""

from __future__ import annotations

import re
import tempfile
import threading
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import appconsol.ingest.early_parts as early_parts
import appconsol.ingest.layout as sheet_layout
import appconsol.ingest.sheet_parts as sheet_parts
import appconsol.ingest.sniff as sniff
from appconsol.errors import InputFileError, UnsafeInputError
from appconsol.ingest.deferred_xml import DeferredXml
from appconsol.ingest.load import read_inventory
from appconsol.ingest.read import read_sheet_whole, read_workbook_sheet
from appconsol.ingest.sheet_parts import read_sheet_in_parts
from appconsol.ingest.sniff import SafetyLimits, sniff_file
from test_sheet_parts import rows, sheet_xml, write_workbook
from test_sniff import HOSTILE, make_xlsx, write_zip, xlsx_parts

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def small_steps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Split every sheet on two cores, inflate in small steps; where early part 0s end."""
    for module in (sniff, sheet_parts):
        monkeypatch.setattr(module, "default_parts", lambda: 2)
        monkeypatch.setattr(module, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(sniff, "_DEFERRED_CHUNK", 512)
    monkeypatch.setattr(sniff, "_DEFERRED_READ", 64)
    monkeypatch.setattr(early_parts, "LOOKAHEAD", 256)
    monkeypatch.setattr(early_parts, "HEAD", 1024)
    early: list[int] = []
    original = sheet_parts.start_early

    def recorded(*args, **kwargs):
        started = original(*args, **kwargs)
        if started.first is not None:
            early.append(started.first.offset)
        return started

    monkeypatch.setattr(sheet_parts, "start_early", recorded)
    return early


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch, small_steps: list[int]) -> list[bool]:
    """Hold the inflate at 60% of the XML until a part has started parsing (or 10 s), so what
    follows in the XML is met while part 0 parses, whatever the threads' timing; whether a part
    started before the hold ran out."""
    started, held = threading.Event(), []
    read_part = sheet_parts._read_part
    add = DeferredXml._add
    # The layout of a sheet this small would wait for its whole XML (to read its merged cells),
    # and its head is all of it.
    monkeypatch.setattr(sheet_layout, "_MERGE_SCAN_LIMIT", 0)
    monkeypatch.setattr(sheet_layout, "_HEAD_BYTES", 1024)

    def parsing(*args):
        started.set()
        return read_part(*args)

    def gated(self: DeferredXml, chunk: bytes, checked: bool) -> None:
        add(self, chunk, checked)
        if self._written > 0.6 * self.size and not held:
            held.append(started.wait(timeout=10))

    monkeypatch.setattr(sheet_parts, "_read_part", parsing)
    monkeypatch.setattr(DeferredXml, "_add", gated)
    return held


def same_error(one: InputFileError, other: InputFileError) -> bool:
    """The same error, kind and words; the figures of a ratio bomb say where the inflate stopped,
    which depends on the size of its steps."""
    return type(one) is type(other) and re.sub(r"[\d,]+", "N", str(one)) == re.sub(r"[\d,]+", "N", str(other))


def deferred_read(path: Path, sheet: str, parts: int = 2) -> sheet_parts.SheetCells | None:
    sniffed = sniff_file(path, defer_inflate=True)
    assert any(isinstance(xml, DeferredXml) for xml in sniffed.sheet_xml.values())
    return read_sheet_in_parts(path, sheet, parts=parts, min_bytes=0, sheet_xml=sniffed.sheet_xml)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    layout=rows,
    prefix=st.sampled_from(["", "", "x"]),
    unnumbered=st.frozensets(st.integers(1, 60), max_size=5),
    comment_at=st.one_of(st.none(), st.none(), st.none(), st.integers(0, 29)),
    merges=st.booleans(),
    parts=st.integers(2, 3),
)
def test_a_read_started_during_the_inflate_equals_the_whole_read(
    small_steps, layout, prefix, unnumbered, comment_at, merges, parts
):
    xml = sheet_xml(layout, prefix, unnumbered, comment_at, True, merges)
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "drawn.xlsx", xml)
        small_steps.clear()
        split = deferred_read(path, "Inventory", parts)
        event("part 0 started early" if small_steps else "no early cut")
        if split is None:
            return
        whole = read_sheet_whole(path, "Inventory")
        assert split.frame.columns == whole.frame.columns
        assert split.frame.equals(whole.frame), (split.frame, whole.frame)
        assert split.errors == whole.errors


def plain_sheet(rows_count: int = 400) -> str:
    layout = {
        r: {c: ("inline", f"r{r}c{c}") if c % 3 else ("number", str(r * c)) for c in range(1, 6)}
        for r in range(3, rows_count)
    }
    layout[150][7] = ("error", "#REF!")
    return sheet_xml(layout, "", frozenset(), None, True, True)


def test_part_0_starts_before_the_xml_is_inflated_and_the_grid_is_the_whole_reads(
    tmp_path, small_steps, gate
):
    path = write_workbook(tmp_path / "plain.xlsx", plain_sheet())
    sniffed = sniff_file(path, defer_inflate=True)
    grid = read_workbook_sheet(path, "Inventory", sniffed.sheet_xml)
    assert small_steps and gate == [True], "part 0 was not started early"
    size = zipfile.ZipFile(path).getinfo(SHEET).file_size
    assert size // 2 < small_steps[0] < size * 0.6  # part 0 takes a little over half of the rows
    assert grid.frame.drop("__row").equals(read_sheet_whole(path, "Inventory").frame)
    assert grid.frame.get_column("__row").to_list() == list(range(3, 400))
    assert [(p.row, p.column) for p in grid.cell_problems] == [(150, 6)]


def test_a_comment_after_the_early_cut_falls_back_to_the_whole_read(tmp_path, small_steps):
    layout = {r: {0: ("inline", f"app {r}"), 1: ("number", str(r))} for r in range(1, 300)}
    path = write_workbook(
        tmp_path / "late-comment.xlsx", sheet_xml(layout, "", frozenset(), 280, False, False)
    )
    assert deferred_read(path, "Inventory") is None
    assert small_steps, "part 0 was not started early"


def test_only_the_loader_opts_in_others_get_every_entry_checked(tmp_path):
    path = write_workbook(tmp_path / "plain.xlsx", plain_sheet())
    assert all(isinstance(xml, bytes) for xml in sniff_file(path).sheet_xml.values())


def stored_sheet_with_bad_crc_near_its_end(tmp_path: Path) -> Path:
    path = write_workbook(tmp_path / "bad-crc.xlsx", plain_sheet())
    parts = {}
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    write_zip(path, parts, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    at = info.header_offset + 30 + len(info.filename) + len(info.extra) + info.file_size - 300
    data[at] ^= 0x01  # inside the merge cells after the sheet data: part 0 parses fine
    path.write_bytes(bytes(data))
    return path


def bomb_after_part_0(tmp_path: Path) -> tuple[Path, SafetyLimits]:
    """Rows, then padding between two rows that compresses a thousandfold: the compression ratio
    so far passes the limit only after 60% of the XML, when part 0 is parsing."""
    rows = plain_sheet(4000)
    at = rows.index('<row r="3000"')
    xml = rows[:at] + " " * 400_000 + rows[at:]
    path = write_workbook(tmp_path / "bomb.xlsx", xml)
    compressed = zipfile.ZipFile(path).getinfo(SHEET).compress_size
    before, after = at / zlib.compress(rows[:at].encode()).__len__(), len(xml) / compressed
    assert before < after
    return path, SafetyLimits(max_compression_ratio=(before + after) / 2)


@pytest.mark.parametrize(
    "build, expected, fragment",
    [
        (lambda p: (stored_sheet_with_bad_crc_near_its_end(p), None), InputFileError, "bad CRC in " + SHEET),
        (bomb_after_part_0, UnsafeInputError, "looks like a decompression bomb"),
    ],
    ids=["bad crc at the end", "bomb after part 0"],
)
def test_a_failure_after_part_0_started_refuses_the_load_with_the_sniffs_error(
    tmp_path, small_steps, gate, build, expected, fragment
):
    path, limits = build(tmp_path)
    with pytest.raises(InputFileError) as whole_sniff:
        sniff_file(path, limits)
    with pytest.raises(InputFileError) as load:
        read_inventory(path, sheet="Inventory", limits=limits)
    assert type(whole_sniff.value) is expected and fragment in load.value.message
    assert same_error(load.value, whole_sniff.value)
    assert gate == [True], "part 0 was not parsing before the failure"


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_loader_refuses_every_hostile_file_as_the_sniff_does(tmp_path, case):
    build, expected, _ = HOSTILE[case]
    built = build(tmp_path)
    path, limits = built if isinstance(built, tuple) else (built, None)
    with pytest.raises(InputFileError) as whole_sniff:
        sniff_file(path, limits)
    with pytest.raises(InputFileError) as load:
        read_inventory(path, limits=limits)
    assert type(whole_sniff.value) is expected
    assert same_error(load.value, whole_sniff.value)


def test_a_deferred_failure_comes_before_a_later_steps_error(tmp_path):
    """The sniff checks entries before it looks for the workbook: the bad sheet is the error."""
    parts = {k: v for k, v in xlsx_parts(tmp_path).items() if k != "xl/workbook.xml"}
    path = write_zip(tmp_path / "inventory.xlsx", parts, zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(SHEET)
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 100] ^= 0x01
    path.write_bytes(bytes(data))
    for defer in (False, True):
        with pytest.raises(InputFileError, match=r"bad CRC in xl/worksheets/sheet1\.xml"):
            sniff_file(path, defer_inflate=defer)


def test_a_loaded_workbook_reads_alike_with_a_deferred_inflate(tmp_path):
    path = make_xlsx(tmp_path / "inventory.xlsx")
    assert read_inventory(path).grid.frame.height == 2
