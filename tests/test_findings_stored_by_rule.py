"""`analyse` stores each rule's findings as the rule finishes (issue 14: a million applications'
findings never sit in memory at once); the table it writes is the one a held run writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from appconsol.api.settings import builtin_steps
from appconsol.config import Waiver
from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.errors import Location
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
from conftest import SAMPLES

AS_OF = dt.date(2026, 11, 25)
INVENTORY = SAMPLES / "wessex-county-council-servicenow.csv"
SKIP = ["run_id"]


def _run(tmp_path: Path, name: str, *, hold: bool, waivers=()):
    steps = builtin_steps()
    rules = [ConfiguredRule(r, r.severity, r.defaults()) for r in load_rules([], steps=steps).rules]
    with Store(tmp_path / f"{name}.duckdb") as store:
        load_inventories([INVENTORY], store, options=LoadOptions(as_of=AS_OF))
        run = run_rules(store, rules, as_of=AS_OF, steps=steps, waivers=waivers, hold_findings=hold)
        stored = pl.from_arrow(store.con.sql("SELECT * FROM findings").to_arrow_table())
    return run, stored.drop(SKIP).sort("finding_key")


def test_findings_stored_rule_by_rule_are_the_findings_a_held_run_stores(tmp_path):
    held_run, held = _run(tmp_path, "held", hold=True)
    streamed_run, streamed = _run(tmp_path, "streamed", hold=False)
    assert held.height > 100 and held.equals(streamed)
    assert streamed_run.frame.height == 0  # nothing kept in memory
    assert streamed_run.finding_count == held_run.finding_count == held.height
    by_rule = held.group_by("rule_code", "severity").len("findings").sort("rule_code")
    assert streamed_run.counts().sort("rule_code").equals(by_rule, null_equal=True)


def test_waivers_mark_findings_stored_rule_by_rule_and_report_unused_ones(tmp_path):
    found = _run(tmp_path, "plain", hold=True)[1]
    key = found.filter(pl.col("rule_code") == "DQ002")["finding_key"][0]
    where = Location(file=Path("appconsol.toml"), line=3)
    waivers = [
        Waiver("DQ002", key, "agreed with the owner", dt.date(2027, 1, 31), where),
        Waiver("DQ002", "nobody|nothing", "misspelt", dt.date(2027, 1, 31), where),
    ]
    run, stored = _run(tmp_path, "waived", hold=False, waivers=waivers)
    waived = stored.filter(pl.col("waived"))
    assert waived["finding_key"].to_list() == [key]
    assert waived["waiver_reason"].to_list() == ["agreed with the owner"]
    assert stored.filter(pl.col("rule_code") == "AC002")["subject"].to_list() == ["DQ002|nobody|nothing"]
    assert run.finding_count == stored.height == found.height + 1
