"""The rule pack (issue 14): its copy is taken before the steps commit, each rule's findings are
stored before the next rule runs, an error in a rule or in storing reaches the caller without
undoing the committed steps, and what is stored is what the rules found.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import pytest

from appconsol.api.settings import builtin_steps
from appconsol.engine import runner
from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.engine.sandbox import RuleSandbox
from appconsol.errors import AppconsolError
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
from appconsol.store.generation import analysis_problem
from conftest import SAMPLES

AS_OF = dt.date(2026, 11, 25)
INVENTORY = SAMPLES / "wessex-county-council-servicenow.csv"


def _rules(steps):
    return [ConfiguredRule(r, r.severity, r.defaults()) for r in load_rules([], steps=steps).rules]


def _loaded(tmp_path: Path) -> Path:
    db = tmp_path / "store.duckdb"
    with Store(db) as store:
        load_inventories([INVENTORY], store, options=LoadOptions(as_of=AS_OF))
    return db


def _open_sandboxes(monkeypatch) -> list[RuleSandbox]:
    """Record every sandbox made from here on and whether it was closed."""
    made: list[RuleSandbox] = []
    init, close = RuleSandbox.__init__, RuleSandbox.close

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.closed = False
        made.append(self)

    def recording_close(self):
        self.closed = True
        close(self)

    monkeypatch.setattr(RuleSandbox, "__init__", recording_init)
    monkeypatch.setattr(RuleSandbox, "close", recording_close)
    return made


def _status(db: Path) -> tuple[str, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        status = con.execute("SELECT value FROM store_meta WHERE key = 'analysis_status'").fetchall()[0][0]
        actions = con.execute("SELECT count(*) FROM plan_actions").fetchall()[0][0]
        findings = con.execute("SELECT count(*) FROM findings").fetchall()[0][0]
    return status, actions, findings


@pytest.mark.parametrize("per_commit", [runner.FINDINGS_PER_COMMIT, 50])
def test_a_run_stores_every_rules_findings_and_closes_its_sandbox(tmp_path, monkeypatch, per_commit):
    steps = builtin_steps()
    db = _loaded(tmp_path)
    monkeypatch.setattr(runner, "FINDINGS_PER_COMMIT", per_commit)  # 50: committed in many batches
    sandboxes = _open_sandboxes(monkeypatch)
    with Store(db) as store:
        run = run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    status, actions, findings = _status(db)
    assert status == "complete" and actions > 0
    assert findings == run.finding_count > 100
    ran = [t.code for t in run.timings if t.kind == "rule"]
    assert ran == [c.rule.code for c in run.rules]  # every rule, in the pack's order
    assert sandboxes and all(s.closed for s in sandboxes)  # the binding one and the run's


def test_a_failing_store_write_stops_the_rules_and_keeps_the_committed_steps(tmp_path, monkeypatch):
    steps = builtin_steps()
    db = _loaded(tmp_path)
    sandboxes = _open_sandboxes(monkeypatch)
    stored = []

    def refuse(self, table, frame):
        if table == "findings":
            stored.append(frame.height)
            raise KeyboardInterrupt  # the user pressing Ctrl-C while findings are stored
        return original(self, table, frame)

    original = Store.insert_frame
    monkeypatch.setattr(Store, "insert_frame", refuse)
    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    assert len(stored) == 1
    assert sandboxes and all(s.closed for s in sandboxes)
    status, actions, findings = _status(db)
    assert status == "running" and actions > 0 and findings == 0  # steps committed, findings not


def test_an_error_setting_up_the_rules_is_raised_after_the_steps_commit(tmp_path, monkeypatch):
    steps = builtin_steps()
    db = _loaded(tmp_path)

    def broken_copy(self, source, names, columns=None):
        raise duckdb.OutOfMemoryException("could not allocate block")

    rules = _rules(steps)  # bound (with the real copy) before the copy breaks
    monkeypatch.setattr(RuleSandbox, "copy_from", broken_copy)
    with Store(db) as store, pytest.raises(AppconsolError, match="could not allocate block"):
        run_rules(store, rules, as_of=AS_OF, steps=steps, hold_findings=False)
    status, actions, _ = _status(db)
    assert status == "running" and actions > 0  # the analysis steps are not undone


@pytest.mark.parametrize("per_commit", [runner.FINDINGS_PER_COMMIT, 1])
def test_an_error_in_a_rule_reaches_the_caller_and_the_analysis_stays_unfinished(
    tmp_path, monkeypatch, per_commit
):
    steps = builtin_steps()
    db = _loaded(tmp_path)
    calls = []

    def crash(*args):
        calls.append(args[1].rule.code)
        if len(calls) == 3:
            raise SystemExit("rule died")
        return original(*args)

    original = runner._run_rule
    monkeypatch.setattr(runner, "_run_rule", crash)
    monkeypatch.setattr(runner, "FINDINGS_PER_COMMIT", per_commit)
    with Store(db) as store, pytest.raises(SystemExit, match="rule died"):
        run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    assert len(calls) == 3  # no rule ran after it
    status, _, findings = _status(db)
    assert status == "running"
    if per_commit == 1:  # each rule's findings were committed as it finished
        assert findings > 0
    else:  # the sample's findings wait for the run's own transaction, and roll back with it
        assert findings == 0
    with Store(db) as store:  # either way no report is made from it
        assert "did not finish" in (analysis_problem(store) or "")


def test_each_rules_findings_are_stored_before_the_next_rule_runs(tmp_path, monkeypatch):
    steps = builtin_steps()
    db = _loaded(tmp_path)
    found, stored, ahead = [], [], []
    run_rule, insert = runner._run_rule, Store.insert_frame

    def finding(*args):
        frame = run_rule(*args)
        if frame is not None:
            found.append(frame.height)
        return frame

    def storing(self, table, frame):
        if table == "findings":
            stored.append(frame.height)
            time.sleep(0.05)  # a slow store: nothing may run ahead of it
            ahead.append(len(found) - len(stored))
        return insert(self, table, frame)

    monkeypatch.setattr(runner, "_run_rule", finding)
    monkeypatch.setattr(Store, "insert_frame", storing)
    with Store(db) as store:
        run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    assert len(stored) == len(found) > 10
    assert max(ahead) == 0  # no rule's findings were found while another's were being stored
