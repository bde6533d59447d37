"""Analysis results carry the store generation they were built from; a stale plan is never written.

Every load bumps the store generation; `report` and `explain` refuse analysis tables built from an
older one, or from a run that failed or did not finish. The steps' tables are replaced in one
transaction, and a failed `run` leaves an existing plan byte for byte as it was.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.engine import runner
from appconsol.engine.runner import run_rules
from appconsol.engine.steps import Step
from appconsol.schema import Column, Table
from appconsol.store import Store, analysis_problem, generation

AS_OF = "2026-11-25"
HEADER = "Application Name,Supplier,Annual Cost,Contract End Date,Capability,Lifecycle\n"
ROWS = [
    'Uniform,Idox,"£12,500.00",31/03/2027,Planning,Live',
    'Revenues,Civica,"£40,000",30/06/2027,Council Tax,Live',
    'Payroll,MHR,"£9,000",TBC,Payroll,Live',
    'Payroll Plus,MHR,"£8,000",TBC,Payroll,Live',
    'Planning Portal,Idox,"£7,000",TBC,Planning,Live',
]


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def _body(tmp_path: Path, rows: list[str], name: str = "avonvale.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _run(tmp_path: Path, inventory: Path, *extra: str):
    return _invoke(
        "run",
        str(inventory),
        "--db",
        str(tmp_path / "s.duckdb"),
        "-o",
        str(tmp_path / "plan.xlsx"),
        "--as-of",
        AS_OF,
        *extra,
    )


def test_report_refuses_an_analysis_older_than_the_last_load(tmp_path):
    inventory = _body(tmp_path, ROWS)
    assert _run(tmp_path, inventory).exit_code == 0
    db = str(tmp_path / "s.duckdb")
    # A smaller version of the same body: the analysis tables still describe the old one.
    _body(tmp_path, ROWS[:2])
    assert _invoke("load", str(inventory), "--db", db, "--as-of", AS_OF).exit_code == 0
    result = _invoke("report", "--db", db, "-o", str(tmp_path / "new.xlsx"))
    assert result.exit_code == 2
    assert "the store changed since the last analysis (load of" in result.stderr
    assert "avonvale.csv" in result.stderr and "appconsol analyse" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "new.xlsx").exists()
    explained = _invoke("explain", "Uniform", "--db", db)
    assert explained.exit_code == 2 and "the store changed since the last analysis" in explained.stderr
    # Analysing again makes the tables current: the report now has the two applications left.
    assert _invoke("analyse", "--db", db, "--as-of", AS_OF).exit_code == 0
    result = _invoke("report", "--db", db, "-o", str(tmp_path / "new.xlsx"))
    assert result.exit_code == 0, result.stderr
    assert "2 applications" in result.stderr


def test_report_refuses_a_store_loaded_but_never_analysed(tmp_path):
    db = str(tmp_path / "s.duckdb")
    assert _invoke("load", str(_body(tmp_path, ROWS)), "--db", db).exit_code == 0
    result = _invoke("report", "--db", db, "-o", str(tmp_path / "plan.xlsx"))
    assert result.exit_code == 2 and "has not been analysed since its last load" in result.stderr


def test_an_invalid_discount_rate_fails_run_and_keeps_the_old_plan_byte_for_byte(tmp_path):
    inventory = _body(tmp_path, ROWS)
    assert _run(tmp_path, inventory).exit_code == 0
    plan = tmp_path / "plan.xlsx"
    before = plan.read_bytes()
    config = tmp_path / "appconsol.toml"
    config.write_text('[plan]\ndiscount_rate = "high"\n', encoding="utf-8")
    result = _run(tmp_path, inventory, "--config", str(config))
    assert result.exit_code == 2
    assert "step plan failed" in result.stderr and "appconsol.toml:2" in result.stderr
    assert plan.read_bytes() == before
    assert "NPV" not in result.stderr and "Wrote" not in result.stderr  # no old figures shown as new
    assert "the plan was not written" in result.stderr
    # The failed analysis is recorded, so `report` does not turn it into a plan either.
    report = _invoke("report", "--db", str(tmp_path / "s.duckdb"), "-o", str(plan))
    assert report.exit_code == 2 and "the last analysis failed (step plan failed" in report.stderr
    assert plan.read_bytes() == before


def _analysed(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    assert _invoke("load", str(_body(tmp_path, ROWS)), "--db", str(db)).exit_code == 0
    assert _invoke("analyse", "--db", str(db), "--as-of", AS_OF).exit_code == 0
    return db


def _tables(store: Store) -> dict[str, str]:
    return dict(store.con.execute("SELECT table_name, run_id FROM analysis_tables").fetchall())


def test_every_derived_table_records_the_run_and_generation_it_was_built_from(tmp_path):
    db = _analysed(tmp_path)
    with Store(db) as store:
        recorded = store.con.execute("SELECT table_name, run_id, generation FROM analysis_tables").fetchall()
        names = {r[0] for r in recorded}
        assert {"plan_actions", "overlap_groups", "legacy_scores", "findings", "rule_runs"} <= names
        assert len({(r[1], r[2]) for r in recorded}) == 1  # one run, one generation
        assert recorded[0][2] == generation(store) == 1
        (run_id,) = store.con.execute("SELECT DISTINCT run_id FROM rule_runs").fetchall()[0]
        assert recorded[0][1] == run_id and analysis_problem(store) is None


def test_a_run_killed_inside_a_step_leaves_the_previous_analysis_whole(tmp_path, monkeypatch):
    db = _analysed(tmp_path)
    with Store(db) as store:
        before = _tables(store)
        actions = store.con.execute("SELECT count(*) FROM plan_actions").fetchall()
        original = runner._run_step

        def killed(store_, step, *args):
            if step.name == "overlap":
                raise KeyboardInterrupt  # what a kill looks like from inside: the run stops here
            return original(store_, step, *args)

        monkeypatch.setattr(runner, "_run_step", killed)
        with pytest.raises(KeyboardInterrupt):
            run_rules(store, [], as_of=dt.date(2026, 11, 25))
        assert _tables(store) == before  # nothing of the killed run was committed
        assert store.con.execute("SELECT count(*) FROM plan_actions").fetchall() == actions
        assert analysis_problem(store) is None


def test_a_run_killed_between_steps_and_findings_is_refused_as_unfinished(tmp_path, monkeypatch):
    db = _analysed(tmp_path)
    with Store(db) as store:

        def killed(*_args):
            raise KeyboardInterrupt

        monkeypatch.setattr(runner, "_store_run", killed)
        with pytest.raises(KeyboardInterrupt):
            run_rules(store, [], as_of=dt.date(2026, 11, 25))
        assert "did not finish" in (analysis_problem(store) or "")
        # No old table beside new ones: the new steps' tables, and findings emptied.
        runs = {run for table, run in _tables(store).items() if table not in ("findings", "rule_runs")}
        assert len(runs) == 1 and "findings" not in _tables(store)
        assert store.con.execute("SELECT count(*) FROM findings").fetchall() == [(0,)]
    result = _invoke("report", "--db", str(db), "-o", str(tmp_path / "plan.xlsx"))
    assert result.exit_code == 2 and "did not finish" in result.stderr


WRITTEN = Table("t_written", "test", (Column("n", "BIGINT", "a number"),))
BROKEN = Table("t_broken", "test", (Column("n", "BIGINT", "a number"),))
LATER = Table("t_later", "test", (Column("n", "BIGINT", "a number"),))


def _write(table: Table, value: int):
    def run(ctx) -> None:
        ctx.store.replace_table(table, f"SELECT {value}")

    return run


def _abort(ctx) -> None:
    ctx.con.execute("SELECT * FROM no_such_table")  # aborts the transaction in DuckDB


def test_a_step_whose_database_error_aborts_the_transaction_is_left_out_and_the_others_run(store):
    steps = [
        Step("a_written", "writes", (), (WRITTEN,), _write(WRITTEN, 1)),
        Step("b_broken", "aborts", ("t_written",), (BROKEN,), _abort),
        Step("c_later", "writes", ("t_written",), (LATER,), _write(LATER, 3)),
    ]
    run = run_rules(store, [], steps=steps)
    assert [(f.code, "no_such_table" in f.message) for f in run.failures] == [("b_broken", True)]
    assert store.con.execute("SELECT n FROM t_written").fetchall() == [(1,)]
    assert store.con.execute("SELECT n FROM t_later").fetchall() == [(3,)]
    assert store.con.execute("SELECT count(*) FROM t_broken").fetchall() == [(0,)]
    assert set(_tables(store)) == {"t_written", "t_later", "findings", "rule_runs"}
    assert "the last analysis failed (step b_broken failed" in (analysis_problem(store) or "")


def test_unload_bumps_the_generation(tmp_path):
    db = _analysed(tmp_path)
    assert _invoke("unload", "avonvale.csv", "--db", str(db)).exit_code == 0
    with Store(db) as store:
        assert generation(store) == 2
        assert "unload of avonvale.csv" in (analysis_problem(store) or "")
