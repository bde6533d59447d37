"""`check` runs only the analysis steps its selected rules read (issue 14)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from appconsol.api import analyse, check
from appconsol.store import Store, analysis_problem
from conftest import SAMPLES

AS_OF = dt.date(2026, 11, 25)
INVENTORY = SAMPLES / "wessex-county-council-servicenow.csv"


def _steps(result) -> list[str]:
    return [t.code for t in result.run.timings if t.kind == "step"]


def _findings(result, codes: set[str]) -> pl.DataFrame:
    frame = result.run.frame.filter(pl.col("rule_code").is_in(list(codes)))
    return frame.select("finding_key", "severity", "message", "evidence", "source_row").sort("finding_key")


def test_rules_reading_only_the_inventory_run_no_analysis_step():
    result = check([INVENTORY], select=["DQ002", "DQ010"], as_of=AS_OF)
    assert result.run.ok
    assert _steps(result) == []


def test_a_rule_runs_the_step_writing_its_table_and_the_steps_that_one_reads():
    assert _steps(check([INVENTORY], select=["LG007"], as_of=AS_OF)) == ["lifecycle", "legacy"]
    assert _steps(check([INVENTORY], select=["OV001"], as_of=AS_OF)) == [
        "capabilities",
        "products",
        "overlap",
    ]


def test_a_partial_check_finds_what_the_whole_pack_finds_for_its_rules():
    codes = {"OV001", "OV004", "LG007", "DQ002"}
    whole = _every_step_and_rule()
    assert len(_steps(whole)) == 7
    partial = check([INVENTORY], select=sorted(codes), as_of=AS_OF)
    assert "plan" not in _steps(partial) and "disposition" not in _steps(partial)
    assert _findings(partial, codes).height > 0
    assert _findings(partial, codes).equals(_findings(whole, codes))


def _every_step_and_rule():
    """What `analyse` does: every step, then the whole pack (no step left out)."""
    from types import SimpleNamespace

    from appconsol.api.settings import builtin_steps
    from appconsol.engine.loader import load_rules
    from appconsol.engine.model import ConfiguredRule
    from appconsol.engine.runner import run_rules
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.prepare import LoadOptions

    steps = builtin_steps()
    rules = [ConfiguredRule(r, r.severity, r.defaults()) for r in load_rules([], steps=steps).rules]
    with Store(Path(":memory:")) as store:
        load_inventories([INVENTORY], store, options=LoadOptions(as_of=AS_OF))
        return SimpleNamespace(run=run_rules(store, rules, as_of=AS_OF, steps=steps))


def test_a_store_a_partial_check_wrote_is_not_taken_for_a_complete_analysis(tmp_path):
    db = tmp_path / "store.duckdb"
    check([INVENTORY], select=["OV001"], as_of=AS_OF, db=db)
    with Store(db, read_only=True) as store:
        assert "ran only the analysis steps its rules read" in (analysis_problem(store) or "")
        # the steps that did not run leave their tables empty, never rows from an older analysis
        assert store.con.execute("SELECT count(*) FROM plan_actions").fetchone() == (0,)
        assert store.con.execute("SELECT count(*) FROM overlap_groups").fetchone()[0] > 0
    analyse(db, as_of=AS_OF, config=None)
    with Store(db, read_only=True) as store:
        assert analysis_problem(store) is None
        assert store.con.execute("SELECT count(*) FROM plan_actions").fetchone()[0] > 0
