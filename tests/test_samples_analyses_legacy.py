"""Ground truth: the legacy and cloud analyses find what sample_inventories/ plants, and no planted control.

Precision and recall are printed (run with `-s` to see them). Recall must be 1.0 for every
must-find list; no control may be flagged. Precision is given twice: over everything flagged
(background rows may legitimately add more: the ground truth lists are must-find, not
exhaustive, except where it says so) and over the planted rows only (the must-find rows plus the
planted controls and near misses of the same section).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.store import Store
from conftest import SAMPLES

TRUTH: dict[str, Any] = yaml.safe_load((SAMPLES / "ground_truth.yaml").read_text(encoding="utf-8"))
AS_OF = dt.date.fromisoformat(str(TRUTH["as_of"]))
APPS = TRUTH["apps"]
CLOUD_MOVES = ("rehost", "relocate", "replatform", "repurchase", "refactor")


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("legacy-samples") / "samples.duckdb"
    loaded = CliRunner().invoke(cli, ["load", str(SAMPLES), "--db", str(db), "--as-of", str(AS_OF)])
    assert loaded.exit_code == 0, loaded.output
    pack = [r for r in load_rules().rules if r.category in ("legacy", "cloud")]
    with Store(db) as store:
        run = run_rules(store, [ConfiguredRule(r, r.severity, r.defaults()) for r in pack], as_of=AS_OF)
        assert run.ok, [str(f) for f in run.failures]
        rows = store.query(
            "SELECT a.organisation, a.source_row, d.disposition, d.decided_by, d.constraints, d.blocked_decisions "
            "FROM dispositions d JOIN applications a USING (organisation, app_id)"
        ).iter_rows(named=True)
        dispositions = {(r["organisation"], r["source_row"]): r for r in rows}
    findings: dict[str, set[tuple[Any, ...]]] = {}
    for f in run.findings:
        component = f.evidence.get("component")
        findings.setdefault(f.rule, set()).add((f.organisation, f.source_row, component))
    return {"findings": findings, "dispositions": dispositions}


def _where(app_key: str) -> tuple[str, int]:
    app = APPS[app_key]
    return app["organisation"], app["source_row"]


def _components(entries: list[dict[str, Any]]) -> set[tuple[Any, ...]]:
    return {(*_where(e["app"]), e["component"]) for e in entries}


def _report(name: str, expected: set[Any], found: set[Any], universe: set[Any] | None = None) -> float:
    hits = expected & found
    recall = len(hits) / len(expected) if expected else 1.0
    precision = len(hits) / len(found) if found else 1.0
    line = f"{name:<34} recall {recall:.2f} ({len(hits)}/{len(expected)})  precision {precision:.2f} ({len(hits)}/{len(found)})"
    if universe is not None:
        planted = found & universe
        planted_precision = len(hits) / len(planted) if planted else 1.0
        line += f"  on planted rows {planted_precision:.2f} ({len(hits)}/{len(planted)})"
    print(line)
    return recall


def test_every_planted_past_end_of_support_component_is_found(analysed):
    legacy = TRUTH["legacy"]
    expected = _components(legacy["past_end_of_support"])
    found = analysed["findings"].get("LG001", set()) | analysed["findings"].get("LG003", set())
    universe = (
        expected | _components(legacy["supported_controls"]) | _components(legacy["near_miss_supported"])
    )
    universe |= _components(legacy["end_of_support_within_12_months"])
    assert _report("past end of support (LG001+LG003)", expected, found, universe) == 1.0


def test_every_planted_component_ending_within_12_months_is_found(analysed):
    legacy = TRUTH["legacy"]
    expected = _components(legacy["end_of_support_within_12_months"])
    found = analysed["findings"].get("LG004", set())
    universe = (
        expected | _components(legacy["supported_controls"]) | _components(legacy["near_miss_supported"])
    )
    universe |= _components(legacy["past_end_of_support"])
    assert _report("ending within 12 months (LG004)", expected, found, universe) == 1.0


def test_supported_controls_and_near_misses_are_not_flagged(analysed):
    legacy = TRUTH["legacy"]
    controls = _components(legacy["supported_controls"]) | _components(legacy["near_miss_supported"])
    for rule in ("LG001", "LG002", "LG003", "LG004"):
        assert not controls & analysed["findings"].get(rule, set()), rule


def test_every_planted_scarce_skill_is_found(analysed):
    expected = {_where(e["app"]) for e in TRUTH["scarce_skills"]}
    found = {(o, r) for o, r, _c in analysed["findings"].get("LG007", set())}
    assert _report("scarce skills (LG007)", expected, found) == 1.0


def _with_disposition(analysed, keep) -> set[tuple[str, int]]:
    return {key for key, row in analysed["dispositions"].items() if keep(row)}


def _planted() -> set[tuple[str, int]]:
    keys = ("cloud_candidates", "retire_candidates", "hard_constraints", "hard_constraint_controls")
    return {_where(e["app"]) for k in keys for e in TRUTH[k]}


def test_every_planted_cloud_candidate_is_proposed(analysed):
    expected = {_where(e["app"]) for e in TRUTH["cloud_candidates"]}
    found = {(o, r) for o, r, _c in analysed["findings"].get("CL001", set())}
    assert found == _with_disposition(analysed, lambda r: r["disposition"] in CLOUD_MOVES)
    assert _report("cloud candidates (CL001)", expected, found, _planted()) == 1.0


def test_every_planted_retire_candidate_is_retired(analysed):
    expected = {_where(e["app"]) for e in TRUTH["retire_candidates"]}
    found = _with_disposition(analysed, lambda r: r["disposition"] == "retire")
    assert _report("retire candidates (disposition)", expected, found, _planted()) == 1.0


def test_hard_constraints_are_found_and_respected_and_the_control_is_free(analysed):
    expected = {_where(e["app"]) for e in TRUTH["hard_constraints"]}
    found = _with_disposition(analysed, lambda r: json.loads(r["constraints"]))
    assert _report("hard constraints (constraints)", expected, found, _planted()) == 1.0
    for key in expected:
        assert analysed["dispositions"][key]["disposition"] not in CLOUD_MOVES
    for control in TRUTH["hard_constraint_controls"]:
        row = analysed["dispositions"][_where(control["app"])]
        assert json.loads(row["constraints"]) == [] and row["blocked_decisions"] is None


def test_the_same_inputs_give_the_same_tables(tmp_path):
    inventory = SAMPLES / "wessex-fire-konveyor-import.csv"
    outputs = []
    for name in ("a", "b"):
        db = tmp_path / f"{name}.duckdb"
        assert (
            CliRunner()
            .invoke(cli, ["load", str(inventory), "--db", str(db), "--as-of", str(AS_OF)])
            .exit_code
            == 0
        )
        with Store(db) as store:
            run_rules(store, [], as_of=AS_OF)
            outputs.append(
                [
                    store.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                    for table in ("component_lifecycle", "legacy_scores", "dispositions")
                ]
            )
    assert outputs[0] == outputs[1] and all(outputs[0])
