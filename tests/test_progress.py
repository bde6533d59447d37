"""Progress on stderr (issue 14): live on a terminal, sparse plain lines otherwise, none with --quiet."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time

from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.cli.progress import PlainProgress, progress_display

INVENTORY = """Application Name,Supplier,Annual Cost,Contract End Date,Capability,Lifecycle
Uniform,Idox,"£12,500.00",31/03/2027,Planning,Live
Revenues,Civica,"£40,000",30/06/2027,Council Tax,Live
Payroll,MHR,"£9,000",TBC,Payroll,Live
"""
PLAIN = re.compile(r"^\[\s*\d+\.\ds\] (.*)$", re.M)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(tmp_path, inventory, *extra):
    return CliRunner().invoke(
        cli,
        ["run", str(inventory), "--db", str(tmp_path / "s.duckdb"), "-o", str(tmp_path / "plan.xlsx")]
        + ["--as-of", "2026-11-25", *extra],
    )


def test_run_prints_plain_progress_lines_with_elapsed_time_when_stderr_is_not_a_terminal(
    tmp_path, write_csv, monkeypatch
):
    monkeypatch.setenv("APPCONSOL_PROGRESS_INTERVAL", "0")  # every stage, however quick
    result = _run(tmp_path, write_csv(INVENTORY, name="avonvale.csv"))
    assert result.exit_code == 0, result.output
    stages = PLAIN.findall(result.stderr)
    assert stages[0].startswith("reading ") and stages[0].endswith("avonvale.csv")
    assert "analysing" in stages and "writing the plan" in stages and "sheet Findings" in stages
    assert stages.index("analysing") < stages.index("writing the plan") < stages.index("sheet Findings")
    assert any(s.startswith("step ") for s in stages)
    # Sparse: the rule pack is announced once and counted at the end, not a line per rule.
    assert stages.count("rules") == 1 and not any(s.startswith("rule ") for s in stages)
    assert re.fullmatch(r"\d+ rules ran", stages[-2]) and stages[-1] == "done"
    assert result.stdout == ""  # the payload stream is untouched
    times = [float(t) for t in re.findall(r"^\[\s*(\d+\.\d)s\]", result.stderr, re.M)]
    assert times == sorted(times)


def test_quiet_prints_no_progress(tmp_path, write_csv, monkeypatch):
    monkeypatch.setenv("APPCONSOL_PROGRESS_INTERVAL", "0")
    result = _run(tmp_path, write_csv(INVENTORY, name="avonvale.csv"), "--quiet")
    assert result.exit_code == 0, result.output
    assert not PLAIN.search(result.stderr)
    assert "Loaded 1 file(s): 3 rows loaded" in result.stderr  # the summary still prints


def test_analyse_json_payload_is_unaffected_by_progress(tmp_path, write_csv, monkeypatch):
    monkeypatch.setenv("APPCONSOL_PROGRESS_INTERVAL", "0")
    inventory = write_csv(INVENTORY, name="avonvale.csv")
    db = str(tmp_path / "s.duckdb")
    loaded = CliRunner().invoke(cli, ["load", str(inventory), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert PLAIN.search(loaded.stderr)
    result = CliRunner().invoke(cli, ["analyse", "--db", db, "-f", "json", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["exit_code"] == 0
    assert "step plan" in PLAIN.findall(result.stderr)


def test_a_failed_command_ends_its_progress_with_stopped(monkeypatch):
    monkeypatch.setenv("APPCONSOL_PROGRESS_INTERVAL", "0")
    stream = io.StringIO()
    try:
        with progress_display(stream=stream) as progress:
            assert progress is not None
            progress("reading x.csv")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert PLAIN.findall(stream.getvalue()) == ["reading x.csv", "stopped"]


def test_plain_lines_are_sparse_quick_stages_write_nothing():
    stream = io.StringIO()
    shown = PlainProgress(stream, interval=30)
    for message in ("reading x.csv", "step overlap", "rule LEG001", "writing the plan"):
        shown(message)
    shown.close()
    assert stream.getvalue() == ""  # a quick command's stderr is only its summary


def test_plain_lines_announce_a_slow_stage_while_it_runs():
    stream = io.StringIO()
    shown = PlainProgress(stream, interval=0.1)
    shown("reading x.csv")
    shown("step overlap")
    deadline = time.monotonic() + 30
    while "step overlap" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    shown.close()
    stages = PLAIN.findall(stream.getvalue())
    assert stages[0] == "step overlap" and stages[-1] == "done"


def test_terminal_display_shows_each_stage_and_counts_the_rules():
    stream = Terminal()
    with progress_display(stream=stream) as progress:
        assert progress is not None
        for message in ("reading x.csv", "step overlap", "rule LEG001", "rule OVL002", "writing the plan"):
            progress(message)
    shown = stream.getvalue()
    assert "reading x.csv" in shown and "step overlap" in shown and "writing the plan" in shown
    assert "rules: 2 ran" in shown and "done" in shown
    assert not PLAIN.search(shown)


def test_quiet_display_is_no_callback():
    with progress_display(quiet=True, stream=Terminal()) as progress:
        assert progress is None


def test_help_stays_light_no_rich_or_polars_imported():
    code = (
        "import sys\n"
        "from appconsol.cli import cli\n"
        "try:\n    cli(['--help'], prog_name='appconsol')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('rich', 'polars', 'duckdb', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
