"""Every output file is written whole or not at all, durably, leaving nothing behind."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.errors import ArtefactError
from appconsol.report.plan import PlanWriteError, write_plan
from appconsol.store import Store
from appconsol.store.artefact import TEMP_PREFIX, artefact, write_text
from plan_store import build_plan_store


def _report(store: Path, output: Path, *extra: str):
    return CliRunner().invoke(cli, ["report", "--db", str(store), "-o", str(output), *extra])


@pytest.fixture
def plan_db(tmp_path: Path) -> Path:
    return build_plan_store(tmp_path / "s.duckdb", apps=9, orgs=3)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_plan_open_in_libreoffice_is_refused_and_survives(tmp_path, plan_db):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(b"previous plan")
    (tmp_path / ".~lock.plan.xlsx#").write_text("owner", encoding="utf-8")
    result = _report(plan_db, plan)
    assert result.exit_code == 2
    assert "the plan is open in LibreOffice" in result.stderr and "close it" in result.stderr
    assert plan.read_bytes() == b"previous plan"


def test_a_read_only_plan_is_refused_not_replaced(tmp_path, plan_db):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(b"previous plan")
    plan.chmod(0o444)
    result = _report(plan_db, plan)
    assert result.exit_code == 2 and "the plan is read-only" in result.stderr
    assert plan.read_bytes() == b"previous plan"


def test_leftovers_of_killed_runs_are_swept_and_a_live_writers_folder_is_kept(tmp_path, plan_db):
    dead = tmp_path / f"{TEMP_PREFIX}plan.xlsx.999999999.abc123"
    dead.mkdir()
    (dead / "plan.xlsx").write_bytes(b"half a plan")
    old_style = tmp_path / ".plan-x1y2z3.xlsx.tmp"
    old_style.write_bytes(b"half a plan")
    live = tmp_path / f"{TEMP_PREFIX}plan.xlsx.{os.getppid()}.def456"
    live.mkdir()
    result = _report(plan_db, tmp_path / "plan.xlsx")
    assert result.exit_code == 0, result.output
    assert _hidden(tmp_path) == [live.name]


def test_xlsxwriter_keeps_its_temporary_files_in_the_private_folder(tmp_path, plan_db, monkeypatch):
    used: list[Path] = []
    original = tempfile.mkstemp

    def recording(*args, **kwargs):
        handle, name = original(*args, **kwargs)
        used.append(Path(name).parent)
        return handle, name

    monkeypatch.setattr(tempfile, "mkstemp", recording)
    with Store(plan_db, read_only=True) as store:
        write_plan(store, tmp_path / "out" / "plan.xlsx")
    assert used and {p.parent for p in used} == {tmp_path / "out"}
    assert all(p.name.startswith(f"{TEMP_PREFIX}plan.xlsx.") for p in used)
    assert _hidden(tmp_path / "out") == []


def test_the_plan_is_fsynced_before_it_is_renamed_into_place(tmp_path, plan_db, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync-dir" if stat.S_ISDIR(os.fstat(descriptor).st_mode) else "fsync-file")
        real_fsync(descriptor)

    def replace(source, target) -> None:
        events.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    with Store(plan_db, read_only=True) as store:
        write_plan(store, tmp_path / "plan.xlsx")
    assert events == ["fsync-file", "replace", "fsync-dir"]


def test_a_full_disk_while_writing_the_plan_is_one_line_and_keeps_the_old_plan(
    tmp_path, plan_db, monkeypatch
):
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(b"previous plan")

    def full(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("appconsol.report.plan.workbook.write_applications", full)
    with Store(plan_db, read_only=True) as store, pytest.raises(PlanWriteError, match="the disk is full"):
        write_plan(store, plan)
    result = _report(plan_db, plan)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {plan}: cannot write the plan: the disk is full. free some space and run again"
    ]
    assert plan.read_bytes() == b"previous plan" and _hidden(tmp_path) == []


def test_exports_are_written_as_artefacts(tmp_path, plan_db):
    out = tmp_path / "tables"
    assert _report(plan_db, out, "-f", "parquet").exit_code == 0
    assert (out / "plan_actions.parquet").stat().st_size > 0 and _hidden(out) == []
    (out / "plan_actions.parquet").chmod(0o444)
    result = _report(plan_db, out, "-f", "parquet")
    assert result.exit_code == 2 and "'plan_actions.parquet' is read-only" in result.stderr


def test_check_output_into_a_read_only_folder_is_one_line(tmp_path, write_csv):
    inventory = write_csv("Application Name,Supplier\nUniform,Idox\n")
    folder = tmp_path / "reports"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = CliRunner().invoke(
            cli, ["check", str(inventory), "-f", "sarif", "-o", str(folder / "r.sarif")]
        )
    finally:
        folder.chmod(0o755)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("Error:")] == [
        f"Error: {folder}: the folder is not writable. choose another -o path"
    ]
    assert list(folder.iterdir()) == []


def test_a_failure_inside_the_block_removes_the_temporary_folder(tmp_path):
    target = tmp_path / "mapping.yaml"
    write_text(target, "first\n")
    with pytest.raises(RuntimeError), artefact(target) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert target.read_text(encoding="utf-8") == "first\n" and _hidden(tmp_path) == []
    with pytest.raises(ArtefactError, match="the output path is a folder"):
        write_text(tmp_path, "x")


def test_map_write_refuses_a_mapping_file_open_in_libreoffice(tmp_path, write_csv):
    inventory = write_csv("Application Name,Supplier\nUniform,Idox\n")
    target = tmp_path / "mapping.yaml"
    target.write_text("# mine\n", encoding="utf-8")
    (tmp_path / ".~lock.mapping.yaml#").write_text("owner", encoding="utf-8")
    result = CliRunner().invoke(cli, ["map", str(inventory), "--write", str(target)])
    assert result.exit_code == 2 and "'mapping.yaml' is open in LibreOffice" in result.stderr
    assert target.read_text(encoding="utf-8") == "# mine\n"


def test_a_killed_runs_rule_sandbox_scratch_folder_is_swept_by_the_next_run(tmp_path, monkeypatch):
    from appconsol.engine.sandbox import RuleSandbox

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / "appconsol-rules-999999999-abc"
    stale.mkdir()
    (stale / "spill.tmp").write_bytes(b"x")
    with RuleSandbox():
        assert not stale.exists()
    assert [p.name for p in tmp_path.iterdir()] == []
