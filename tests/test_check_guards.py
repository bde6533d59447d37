"""Bad input a CI checkout meets (issue 12): conflict markers, LFS pointers, header-only files,
office lock files and files with most rows rejected, each reported for what it is."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from appconsol.cli import cli
from appconsol.ingest.guards import check_input, lock_file_note

HEADER = "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\n"
CLEAN = (
    HEADER + "Payroll,Zellis,Payroll,active,Jo Bloggs,12000\nPlanning,Idox,Planning,active,Sam Smith,30000\n"
)
LFS = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    "size 48213\n"
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_merge_conflict_markers_are_one_error_at_the_first_marker(tmp_path):
    _write(
        tmp_path / "wessex.csv",
        CLEAN
        + "<<<<<<< HEAD\nIntranet,Acme,Web,active,Jo,1\n=======\nIntranet,Acme,Web,active,Sam,2\n>>>>>>> main\n",
    )
    result = _invoke("check", "wessex.csv", "-f", "github")
    assert result.exit_code == 2
    (annotation,) = result.stdout.splitlines()
    assert annotation.startswith("::error file=wessex.csv,line=4,title=appconsol could not run::")
    assert "merge-conflict markers" in annotation and "DQ010" not in result.output
    assert "Error: wessex.csv:4: unresolved merge-conflict markers" in result.stderr


def test_a_conflict_marker_needs_its_closing_marker_and_a_line_start():
    # '<<<<<<<' inside a cell, or an opening marker without a closing one, is data, not a conflict.
    assert _lines_refused("Name\n<<<<<<< HEAD\nB\n") is None
    assert _lines_refused('Name\n"a <<<<<<< b"\n>>>>>>> x\n') is None
    assert _lines_refused("Name\nA\n<<<<<<< HEAD\nB\n=======\nC\n>>>>>>> x\n") == 3


def _lines_refused(text: str) -> int | None:
    import tempfile

    from appconsol.errors import InputFileError

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.csv"
        path.write_text(text, encoding="utf-8")
        try:
            check_input(path)
        except InputFileError as exc:
            assert exc.location is not None
            return exc.location.line
    return None


def test_an_lfs_pointer_says_to_fetch_lfs_in_the_checkout(tmp_path):
    _write(tmp_path / "avonvale.xlsx", LFS)
    result = _invoke("check", "avonvale.xlsx")
    assert result.exit_code == 2
    assert "Git LFS pointer" in result.stderr and "`lfs: true` on actions/checkout" in result.stderr
    assert "inventory header" not in result.stderr


def test_a_header_only_file_is_a_warning_finding_at_its_header(tmp_path):
    _write(tmp_path / "kennet.csv", HEADER)
    _write(tmp_path / "wessex.csv", CLEAN)
    result = _invoke("check", "kennet.csv", "wessex.csv", "-f", "concise")
    assert result.exit_code == 0  # a warning: below the default --fail-on error
    assert (
        result.stdout == "kennet.csv:1: DQ011 the file has a header and no rows, so it adds no applications\n"
    )
    assert _invoke("check", "kennet.csv", "--fail-on", "warning").exit_code == 1


def test_office_lock_files_in_a_folder_are_skipped_with_a_note(tmp_path):
    _write(tmp_path / "inv/wessex.csv", CLEAN)
    (tmp_path / "inv/~$avonvale.xlsx").write_bytes(b"\x00\x01owner")
    (tmp_path / "inv/.~lock.avonvale.xlsx#").write_text("owner,host\n")
    result = _invoke("check", "inv", "inv/~$avonvale.xlsx")
    assert result.exit_code == 0, result.stderr
    assert "Note: inv/~$avonvale.xlsx: skipped, an Excel lock file" in result.stderr
    assert lock_file_note(Path("inv/.~lock.avonvale.xlsx#")) is not None
    assert lock_file_note(Path("inv/avonvale.xlsx")) is None


def test_a_file_with_most_rows_rejected_fails_with_the_share(tmp_path):
    rejected = "".join(f",Acme,Web {i},active,Jo,{i}\n" for i in range(9))  # no name: not loaded
    loaded = "".join(f"App {i},Acme,Web,active,Jo,{i}\n" for i in range(3))
    _write(tmp_path / "wessex.csv", CLEAN + loaded + rejected)  # 9 of 14 rows rejected
    result = _invoke("check", "wessex.csv", "-f", "json", "--fail-on", "error")
    assert result.exit_code == 1
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == "DQ012"]
    assert finding["severity"] == "error" and finding["location"]["row"] == 1
    assert finding["message"] == "9 of 14 rows (64.3%) could not be loaded, above the 20.0% allowed"
    relaxed = _invoke("check", "wessex.csv", "-f", "json", "--max-rejected-share", "0.65")
    assert "DQ012" not in {f["rule"] for f in json.loads(relaxed.stdout)["findings"]}
    configured = _write(tmp_path / "appconsol.toml", "[rules.DQ012]\nparameters = { max_share = 0.75 }\n")
    assert configured.is_file()
    from_config = _invoke("check", "wessex.csv", "-f", "json")
    assert "DQ012" not in {f["rule"] for f in json.loads(from_config.stdout)["findings"]}
    assert _invoke("check", "wessex.csv", "--max-rejected-share", "1.5").exit_code == 2
    _write(tmp_path / "small.csv", CLEAN + rejected[:40])  # a small file: judged row by row only
    assert "DQ012" not in _invoke("check", "small.csv", "-f", "concise").stdout


_FRAGMENTS = ["<<<<<<<", ">>>>>>>", "<<<<<<<<", " ", "\n", "\r\n", "\r", "x", "HEAD", "a,b"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=20))
def test_conflict_markers_are_found_as_a_line_regex_would_find_them(fragments):
    # The guard scans with a substring search for speed; it must find exactly what the obvious
    # multi-line pattern finds: a marker at a line start, alone or followed by a space.
    import re

    text = "".join(fragments)
    start = re.search(r"(?m)^<{7}(?: |\r?$)", text)
    expected = None
    if start is not None and re.compile(r"(?m)^>{7}(?: |\r?$)").search(text, start.end()):
        expected = text[: start.start()].count("\n") + 1
    assert _lines_refused(text) == expected
