"""A sheet read in row ranges on several threads gives exactly the grid and error cells of a whole read.

Random sheets are written as raw XML, so the layouts a hand-made or exported workbook can hold
are all drawn: rows and cells that start anywhere, gaps, shared and inline strings (empty ones
too), numbers, dates, booleans, error cells, empty and formula cells, a namespace prefix, rows and
cells without numbers (or numbered after other attributes), comments inside the sheet data. The split read may decline (and the whole
read is used); when it does not, its result must equal the whole read's.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import fastexcel
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from appconsol.ingest.layout import column_letter
from appconsol.ingest.read import read_sheet_whole, read_workbook_sheet
from appconsol.ingest.sheet_parts import read_sheet_in_parts

ROOT = Path(__file__).resolve().parent.parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SHARED = ["", "Civica", "Housing & Benefits", "<b>not markup</b>", "Café", "  padded  "]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/worksheets/sheet2.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>'
    '<sheet name="Notes" sheetId="2" r:id="rId4"/><sheet name="Inventory" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>"
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_RELS}">'
    f'<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId4" Type="{RELS}/worksheet" Target="worksheets/sheet2.xml"/>'
    f'<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts>'
    '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/>'
    '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)
NOTES = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData/></worksheet>'

text = st.text(alphabet="ab Z9<>&\"'é£-\n", max_size=8)
cell = st.one_of(
    st.tuples(st.just("inline"), text),
    st.tuples(st.just("shared"), st.integers(0, len(SHARED) - 1)),
    st.tuples(st.just("number"), st.sampled_from(["4", "-1.5", "1e3", "0", "12345678901234"])),
    st.tuples(st.just("date"), st.sampled_from(["45000", "45000.25", "1"]), st.sampled_from(["1", "2"])),
    st.tuples(st.just("bool"), st.sampled_from(["0", "1"])),
    st.tuples(st.just("error"), st.sampled_from(["#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?"])),
    st.tuples(st.just("empty_value")),
    st.tuples(st.just("styled_empty")),
    st.tuples(st.just("formula"), text),
    st.tuples(st.just("formula_no_value")),
)
rows = st.dictionaries(
    st.integers(1, 60), st.dictionaries(st.integers(0, 9), cell, max_size=6), min_size=1, max_size=30
)


def cell_xml(p: str, ref: str, kind: tuple) -> str:
    name = kind[0]
    if name == "inline":
        return f'<{p}c{ref} t="inlineStr"><{p}is><{p}t xml:space="preserve">{escape(kind[1])}</{p}t></{p}is></{p}c>'
    if name == "shared":
        return f'<{p}c{ref} t="s"><{p}v>{kind[1]}</{p}v></{p}c>'
    if name == "number":
        return f"<{p}c{ref}><{p}v>{kind[1]}</{p}v></{p}c>"
    if name == "date":
        return f'<{p}c{ref} s="{kind[2]}"><{p}v>{kind[1]}</{p}v></{p}c>'
    if name == "bool":
        return f'<{p}c{ref} t="b"><{p}v>{kind[1]}</{p}v></{p}c>'
    if name == "error":
        return f'<{p}c{ref} t="e"><{p}v>{escape(kind[1])}</{p}v></{p}c>'
    if name == "empty_value":
        return f"<{p}c{ref}><{p}v></{p}v></{p}c>"
    if name == "styled_empty":
        return f'<{p}c{ref} s="1"/>'
    if name == "formula":
        return f'<{p}c{ref} t="str"><{p}f>A1&amp;"x"</{p}f><{p}v>{escape(kind[1])}</{p}v></{p}c>'
    return f"<{p}c{ref}><{p}f>SUM(A1:A2)</{p}f></{p}c>"


def sheet_xml(
    layout: dict[int, dict[int, tuple]],
    prefix: str,
    unnumbered: frozenset[int],
    comment_at: int | None,
    dimension: bool,
    merges: bool,
    bare: frozenset[int] = frozenset(),
) -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns{":" + prefix if prefix else ""}="{MAIN}"'
    body = []
    for i, row in enumerate(sorted(layout)):
        if comment_at == i:
            body.append("<!-- <row r='1'> -->")
        # A row without its number is the row after the one before it (as calamine and Excel read it).
        numbered = row not in unnumbered or i == 0 or sorted(layout)[i - 1] != row - 1
        attributes = (f' spans="1:9" r="{row}"' if row % 2 else f' r="{row}" ht="15"') if numbered else ""
        cells = "".join(
            cell_xml(p, "" if row in bare else f' r="{column_letter(col)}{row}"', kind)
            for col, kind in sorted(layout[row].items())
        )
        body.append(f"<{p}row{attributes}>{cells}</{p}row>")
    head = f'<{p}dimension ref="A1:J60"/>' if dimension else ""
    tail = f'<{p}mergeCells count="1"><{p}mergeCell ref="A1:B1"/></{p}mergeCells>' if merges else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}worksheet {ns}>{head}'
        f"<{p}sheetData>{''.join(body)}</{p}sheetData>{tail}</{p}worksheet>"
    )


def write_workbook(path: Path, sheet: str) -> Path:
    strings = "".join(f'<si><t xml:space="preserve">{escape(s)}</t></si>' for s in SHARED)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
        archive.writestr("xl/worksheets/sheet2.xml", NOTES)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def assert_split_equals_whole(path: Path, sheet: str, parts: int) -> bool:
    """Whether the split read was used; when it was, it equals the whole read."""
    split = read_sheet_in_parts(path, sheet, parts=parts, min_bytes=0)
    if split is None:
        return False
    whole = read_sheet_whole(path, sheet)
    assert split.frame.columns == whole.frame.columns
    assert split.frame.dtypes == whole.frame.dtypes
    assert split.frame.equals(whole.frame), (split.frame, whole.frame)
    assert split.errors == whole.errors
    return True


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=rows,
    prefix=st.sampled_from(["", "", "x"]),
    unnumbered=st.frozensets(st.integers(1, 60), max_size=5),
    comment_at=st.one_of(st.none(), st.none(), st.none(), st.integers(0, 29)),
    dimension=st.booleans(),
    merges=st.booleans(),
    bare=st.frozensets(st.integers(1, 60), max_size=5),
    parts=st.integers(2, 3),
)
def test_split_read_equals_whole_read(layout, prefix, unnumbered, comment_at, dimension, merges, bare, parts):
    xml = sheet_xml(layout, prefix, unnumbered, comment_at, dimension, merges, bare)
    with tempfile.TemporaryDirectory() as folder:
        path = write_workbook(Path(folder) / "drawn.xlsx", xml)
        event("read in parts" if assert_split_equals_whole(path, "Inventory", parts) else "read whole")


def test_a_plain_sheet_is_split_and_reads_as_a_whole(tmp_path):
    layout = {
        r: {c: ("inline", f"r{r}c{c}") if c % 3 else ("number", str(r * c)) for c in range(1, 6)}
        for r in range(3, 200)
    }
    layout[150][7] = ("error", "#REF!")
    layout[10][0] = ("date", "45000", "1")
    path = write_workbook(tmp_path / "plain.xlsx", sheet_xml(layout, "", frozenset(), None, True, True))
    for parts in (2, 3, 4):
        assert assert_split_equals_whole(path, "Inventory", parts)
    grid = read_sheet_in_parts(path, "Inventory", parts=2, min_bytes=0)
    assert grid is not None and grid.errors == [(147, 7, "Expected string but got 'Error(Ref)'")]


@pytest.mark.parametrize(
    "why, xml",
    [
        (
            "rows without numbers at the cut",
            lambda layout: sheet_xml(layout, "", frozenset(range(61)), None, False, False),
        ),
        ("a comment in the sheet data", lambda layout: sheet_xml(layout, "", frozenset(), 5, False, False)),
    ],
)
def test_split_read_declines_when_the_cut_is_not_clearly_safe(tmp_path, why, xml):
    layout = {r: {0: ("inline", "x"), 1: ("number", "1")} for r in range(1, 40)}
    path = write_workbook(tmp_path / "unsafe.xlsx", xml(layout))
    assert read_sheet_in_parts(path, "Inventory", parts=2, min_bytes=0) is None, why


def test_small_sheets_are_read_whole(tmp_path):
    layout = {r: {0: ("inline", "x")} for r in range(1, 40)}
    path = write_workbook(tmp_path / "small.xlsx", sheet_xml(layout, "", frozenset(), None, False, False))
    assert read_sheet_in_parts(path, "Inventory", parts=2) is None
    assert read_workbook_sheet(path, "Inventory").frame.height == 39


WORKBOOKS = sorted([*ROOT.glob("tests/fixtures/*.xlsx"), *ROOT.glob("sample_inventories/*.xlsx")])


@pytest.mark.parametrize("path", WORKBOOKS, ids=[p.name for p in WORKBOOKS])
def test_real_workbooks_read_alike_split_or_whole(path):
    used = [
        assert_split_equals_whole(path, name, parts)
        for name in fastexcel.read_excel(path).sheet_names
        for parts in (2, 3)
    ]
    assert any(used)


def test_the_sniff_hands_a_large_sheets_xml_to_the_reader(tmp_path, monkeypatch):
    import appconsol.ingest.sheet_parts as sheet_parts
    import appconsol.ingest.sniff as sniff

    layout = {r: {0: ("inline", f"app {r}"), 2: ("number", str(r))} for r in range(1, 120)}
    path = write_workbook(tmp_path / "large.xlsx", sheet_xml(layout, "", frozenset(), None, False, False))
    for module in (sniff, sheet_parts):
        monkeypatch.setattr(module, "default_parts", lambda: 2)  # as on a 2-core machine
    monkeypatch.setattr(sniff, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(sheet_parts, "SPLIT_MIN_BYTES", 0)
    sniffed = sniff.sniff_file(path)
    assert set(sniffed.sheet_xml) == {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"}
    grid = read_workbook_sheet(path, "Inventory", sniffed.sheet_xml)
    assert "xl/worksheets/sheet1.xml" not in sniffed.sheet_xml  # taken by the reader
    assert grid.frame.drop("__row").equals(read_sheet_whole(path, "Inventory").frame)
    assert grid.frame.get_column("__row").to_list() == list(range(1, 120))


def test_loads_store_the_same_rows_whether_sheets_are_split_or_not(tmp_path, monkeypatch):
    import appconsol.ingest.read as read
    import appconsol.ingest.sheet_parts as sheet_parts
    import appconsol.ingest.sniff as sniff
    from appconsol.ingest.load import load_inventories
    from appconsol.store import Store
    from appconsol.store.loads import PROVENANCE_TABLES

    split_reads = []

    def counted(*args, **kwargs):
        cells = sheet_parts.read_sheet_in_parts(*args, **kwargs)
        split_reads.append(cells is not None)
        return cells

    monkeypatch.setattr(read, "read_sheet_in_parts", counted)
    for module in (sniff, sheet_parts):
        monkeypatch.setattr(module, "default_parts", lambda: 2)  # as on a 2-core machine

    def stored(split: bool) -> dict[str, list[tuple]]:
        monkeypatch.setattr(sniff, "SPLIT_MIN_BYTES", 0 if split else 1 << 40)
        monkeypatch.setattr(sheet_parts, "SPLIT_MIN_BYTES", 0 if split else 1 << 40)
        split_reads.clear()
        with Store(tmp_path / f"split-{split}.duckdb") as store:
            report = load_inventories([*ROOT.glob("sample_inventories/*.xlsx")], store)
            assert report.ok and len(report.records) == 2
            assert any(split_reads) == split
            return {
                table: sorted(
                    store.con.execute(f'SELECT * EXCLUDE (load_id) FROM "{table}"').fetchall(), key=repr
                )
                for table in PROVENANCE_TABLES
            }

    split, whole = stored(True), stored(False)
    assert split["applications"]
    assert split == whole
