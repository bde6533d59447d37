"""The rules run on a worker thread while the steps commit and their findings are stored (issue 14):
an error on either thread reaches the caller, the worker never outlives the run, and what is
stored is what the rules found.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from pathlib import Path

import duckdb
import pytest

from appconsol.api.settings import builtin_steps
from appconsol.engine import rule_thread, runner
from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.engine.sandbox import RuleSandbox
from appconsol.errors import AppconsolError
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
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


def _rules_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "appconsol-rules"]


def _status(db: Path) -> tuple[str, int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        status = con.execute("SELECT value FROM store_meta WHERE key = 'analysis_status'").fetchall()[0][0]
        actions = con.execute("SELECT count(*) FROM plan_actions").fetchall()[0][0]
        findings = con.execute("SELECT count(*) FROM findings").fetchall()[0][0]
    return status, actions, findings


def test_a_run_stores_every_rules_findings_and_leaves_no_worker(tmp_path):
    steps = builtin_steps()
    db = _loaded(tmp_path)
    with Store(db) as store:
        run = run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    status, actions, findings = _status(db)
    assert status == "complete" and actions > 0
    assert findings == run.finding_count > 100
    ran = [t.code for t in run.timings if t.kind == "rule"]
    assert ran == [c.rule.code for c in run.rules]  # every rule, in the pack's order
    assert not _rules_threads()


def test_a_failing_store_write_stops_the_worker_and_keeps_the_committed_steps(tmp_path, monkeypatch):
    steps = builtin_steps()
    db = _loaded(tmp_path)
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
    assert not _rules_threads()  # stopped and joined, not left running
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
    assert not _rules_threads()


def test_an_error_on_the_worker_reaches_the_caller(tmp_path, monkeypatch):
    steps = builtin_steps()
    db = _loaded(tmp_path)
    calls = []

    def crash(*args):
        calls.append(args[1].rule.code)
        if len(calls) == 3:
            raise SystemExit("worker died")
        return original(*args)

    original = runner._run_rule
    monkeypatch.setattr(runner, "_run_rule", crash)
    with Store(db) as store, pytest.raises(SystemExit, match="worker died"):
        run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    assert len(calls) == 3
    assert not _rules_threads()
    assert _status(db)[2] == 0  # the findings of the first two rules rolled back with the rest


def test_at_most_one_rules_findings_wait_while_another_rules_are_stored(tmp_path, monkeypatch):
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
            time.sleep(0.1)  # a slow store: the worker would run ahead if it could
            ahead.append(len(found) - len(stored))
        return insert(self, table, frame)

    monkeypatch.setattr(runner, "_run_rule", finding)
    monkeypatch.setattr(Store, "insert_frame", storing)
    with Store(db) as store:
        run_rules(store, _rules(steps), as_of=AS_OF, steps=steps, hold_findings=False)
    assert len(stored) == len(found) > 10
    assert max(ahead) == rule_thread.WAITING  # the next rule's findings were found meanwhile, no more
