"""The plan step: survivors and actions for every overlap group member, timing, waves and savings."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from analysis_store import AS_OF, analyse, context, inventory, load, row, rows
from appconsol.analyses.plan import make_plan
from appconsol.analyses.plan_timing import WaveInput, assign_waves, contract_timing
from appconsol.analyses.savings import ActionCosts, Assumptions, appraise
from appconsol.engine.runner import run_rules
from appconsol.store import Store

PARTNERS = {"Wessex Partnership": ["Wessex", "Avon"]}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


def _actions(store):
    return {r["app_id"]: r for r in rows(store, "SELECT * FROM plan_actions ORDER BY app_id")}


def _three_document_systems(**extra):
    return inventory(
        row("Wessex", "A1", "OpenText", capability="Document Management", total=120000, users=100, **extra),
        row("Wessex", "A2", "OnBase", capability="Document Management", total=90000, users=100, **extra),
        row("Wessex", "A3", "Objective", capability="Document Management", total=20000, users=100, **extra),
    )


def test_every_member_gets_an_action_and_the_cheapest_system_survives(store, tmp_path):
    load(store, tmp_path, _three_document_systems())
    analyse(store)
    actions = _actions(store)
    assert {k: (a["action"], a["target_app_id"]) for k, a in actions.items()} == {
        "A1": ("consolidate", "A3"),
        "A2": ("consolidate", "A3"),
        "A3": ("invest", None),
    }
    why = json.loads(actions["A1"]["why"])
    assert why["survivor"]["name"] == "Objective" and "run cost" in why["survivor_better_than"]["Wessex|A1"]
    assert {"functional_fit", "months_to_end_of_support", "users", "cost_per_user", "red_rated"} <= set(
        why["survivor"]
    )
    assert actions["A1"]["group_id"] == actions["A3"]["group_id"]
    assert actions["A1"]["annual_saving"] > 0 and actions["A1"]["npv_10"] > 0
    assert actions["A3"]["migrates"] is False and actions["A3"]["one_off_cost"] == 0


def test_the_stored_model_inputs_reproduce_every_output(store, tmp_path):
    load(store, tmp_path, _three_document_systems(contract_end="2028-03-31", notice="3 months"))
    analyse(store, {"plan": {"discount_rate": 0.05, "optimism_bias_capital": 0.4}})
    values = dict(store.con.execute("SELECT name, value FROM plan_assumptions").fetchall())
    assert values["discount_rate"] == 0.05 and values["optimism_bias_capital"] == 0.4
    a = Assumptions(
        **{
            k: (int(v) if k.startswith("horizon") else v)
            for k, v in values.items()
            if hasattr(Assumptions, k)
        }
    )
    flows = rows(store, "SELECT * FROM plan_cash_flows ORDER BY action_id, year")
    for action in rows(store, "SELECT * FROM plan_actions"):
        result = appraise(
            ActionCosts(
                action["annual_run_cost"],
                action["annual_cashable"],
                action["annual_added_cost"],
                action["months_to_exit"],
                action["migrates"],
                action["exit_fee"],
                action["effort"],
                action["saving_share"],
                action["action"],
                action["size_factor"],
                action["support_end_year"],
            ),
            a,
        )
        assert action["one_off_cost"] == pytest.approx(result.one_off_cost, abs=0.01)
        assert action["annual_saving"] == pytest.approx(result.annual_saving, abs=0.01)
        assert action["npv_5"] == pytest.approx(result.npv_short, abs=0.01)
        assert action["npv_10"] == pytest.approx(result.npv_long, abs=0.01)
        assert action["payback_year"] == result.discounted_payback_year
        mine = [f["cash_flow"] for f in flows if f["action_id"] == action["action_id"]]
        assert mine == ([pytest.approx(f, abs=0.01) for f in result.cash_flows] if action["migrates"] else [])


def test_a_shared_product_moves_onto_one_partners_instance_and_splits_by_users(store, tmp_path):
    text = inventory(
        row("Avon", "B1", "Idox Uniform", vendor="Idox plc", capability="Planning", total=140000, users=30),
        row(
            "Wessex", "A1", "IDOX Uniform 10", vendor="Idox Ltd", capability="Planning", total=60000, users=90
        ),
    )
    load(store, tmp_path, text, PARTNERS)
    analyse(store)
    actions = _actions(store)
    assert (actions["B1"]["action"], actions["B1"]["target_organisation"]) == ("share", "Wessex")
    assert actions["A1"]["action"] == "invest"
    shares = rows(store, "SELECT * FROM plan_partner_shares ORDER BY organisation")
    assert [(s["organisation"], s["share"]) for s in shares] == [("Avon", 0.25), ("Wessex", 0.75)]
    assert sum(s["one_off_cost"] for s in shares) == pytest.approx(actions["B1"]["one_off_cost"], abs=0.02)
    assert sum(s["annual_saving"] for s in shares) == pytest.approx(actions["B1"]["annual_saving"], abs=0.02)


def test_without_a_partnership_nothing_moves_across_bodies(store, tmp_path):
    text = inventory(
        row("Avon", "B1", "Idox Uniform", vendor="Idox plc", capability="Planning", total=140000, users=30),
        row(
            "Wessex", "A1", "IDOX Uniform 10", vendor="Idox Ltd", capability="Planning", total=60000, users=90
        ),
    )
    load(store, tmp_path, text)
    analyse(store)
    assert _actions(store) == {}


def test_pins_keep_or_retire_and_an_unknown_pin_is_a_notice(store, tmp_path):
    load(store, tmp_path, _three_document_systems())
    pins = [
        {"organisation": "Wessex", "app_id": "A1", "pin": "keep"},
        {"organisation": "Wessex", "app_id": "A3", "pin": "retire"},
        {"organisation": "Nowhere", "app_id": "Z9", "pin": "keep"},
    ]
    result = run_rules(store, [], as_of=AS_OF, settings={"plan": {"pins": pins}})
    assert not result.failures
    actions = _actions(store)
    # A1 would have moved onto the cheap A3; pinned, it stays, and A3 (pinned to go) moves.
    assert actions["A1"]["action"] in ("keep", "invest")
    assert json.loads(actions["A1"]["why"])["survivor"]["pinned"] == "keep"
    assert (actions["A3"]["action"], actions["A3"]["target_app_id"]) in {
        ("consolidate", "A1"),
        ("consolidate", "A2"),
    }
    assert any("Nowhere|Z9" in str(n) for n in result.notices)


def test_a_bad_plan_setting_fails_the_step_and_the_run_goes_on(store, tmp_path):
    load(store, tmp_path, _three_document_systems())
    result = run_rules(store, [], as_of=AS_OF, settings={"plan": {"discount_rate": "high"}})
    assert [(f.code, "discount_rate" in f.message) for f in result.failures] == [("plan", True)]


def test_unknown_costs_are_estimated_from_comparable_applications(store, tmp_path):
    known = [
        row("Wessex", f"K{i}", f"Ledger {i}", capability=f"Finance; Thing {i}", total=10000 * (i + 1))
        for i in range(3)
    ]
    load(
        store,
        tmp_path,
        inventory(
            *known,
            row("Wessex", "U1", "Mystery Ledger", capability="Finance"),
            row("Wessex", "U2", "Other Ledger", capability="Finance"),
        ),
    )
    analyse(store, {"plan": {"different_wording_weight": 1.0}, "overlap": {"different_wording_weight": 1.0}})
    actions = _actions(store)
    estimated = actions["U1"]
    assert estimated["annual_run_cost"] == 20000.0  # the median of 10k, 20k, 30k
    assert "median of 3 live applications serving corp.finance" in json.dumps(json.loads(estimated["why"]))


def test_timing_from_contract_notice_lead_time_and_end_of_support():
    a = Assumptions()
    timing = contract_timing(AS_OF, dt.date(2028, 3, 31), 90, False, dt.date(2027, 6, 30), a)
    assert timing.exit_date == dt.date(2028, 3, 31)
    # 90 days' notice and 6 months (183 days) of lead time before the exit.
    assert timing.earliest_date == dt.date(2028, 3, 31) - dt.timedelta(days=90 + 183)
    assert timing.latest_date == dt.date(2027, 6, 30)
    assert any("before the earliest date" in n for n in timing.notes)
    # An auto-renewing contract whose notice date has passed rolls on a year.
    rolled = contract_timing(AS_OF, dt.date(2026, 12, 31), 90, True, None, a)
    assert rolled.exit_date == dt.date(2027, 12, 31)
    # Unknown or expired contracts end on notice, never before as_of.
    assert contract_timing(AS_OF, None, None, None, None, a).exit_date == AS_OF + dt.timedelta(days=90)
    assert contract_timing(AS_OF, dt.date(2025, 3, 31), 30, None, None, a).earliest_date == AS_OF


def test_waves_respect_the_yearly_limit_and_dependencies():
    day = dt.date(2027, 6, 1)
    items = [WaveInput(f"X{i}", ("Wessex", f"A{i}"), 2027, day) for i in range(4)]
    waves, notes = assign_waves(items, [], 2)
    assert sorted(waves.values()) == [2027, 2027, 2028, 2028]
    assert sum(1 for n in notes.values() if n) == 2
    # A2 depends on A0, which waits for a later year: A2 moves no earlier.
    late = [WaveInput("X0", ("Wessex", "A0"), 2029, day), WaveInput("X2", ("Wessex", "A2"), 2027, day)]
    waves, notes = assign_waves(late, [("Wessex", "A2", "A0")], None)
    assert waves == {"X0": 2029, "X2": 2029} and "depends on" in notes["X2"][0]
    # A cycle is broken, not an endless wait.
    waves, notes = assign_waves(late, [("Wessex", "A2", "A0"), ("Wessex", "A0", "A2")], None)
    assert set(waves) == {"X0", "X2"} and any("cycle" in n for ns in notes.values() for n in ns)


def test_dependencies_recorded_in_the_inventory_order_the_waves(store, tmp_path):
    load(
        store,
        tmp_path,
        inventory(
            row(
                "Wessex",
                "A1",
                "OpenText",
                capability="Document Management",
                total=120000,
                users=100,
                contract_end="2029-06-30",
                notice="30 days",
            ),
            row(
                "Wessex",
                "A2",
                "OnBase",
                capability="Document Management",
                total=90000,
                users=100,
                contract_end="2026-12-31",
                notice="30 days",
            ),
            row("Wessex", "A3", "Objective", capability="Document Management", total=20000, users=100),
        ),
    )
    store.insert_frame(
        "app_dependencies",
        pl.DataFrame(
            {
                "organisation": ["Wessex"],
                "app_name": ["OnBase"],
                "depends_on": ["OpenText"],
                "direction": ["southbound"],
            }
        ),
    )
    analyse(store)
    actions = _actions(store)
    # A1's contract ends mid-2029: work starts in 2028 (30 days' notice, 6 months' lead time).
    assert actions["A1"]["wave_year"] == 2028
    assert actions["A2"]["wave_year"] == 2028  # would be 2026 by its contract, but it depends on A1
    assert "depends on" in " ".join(actions["A2"]["timing_notes"])


def test_dispositions_give_actions_to_applications_in_no_group(store, tmp_path):
    load(
        store,
        tmp_path,
        inventory(
            row("Wessex", "A1", "Noticeboard", capability="Intranet", total=4000, users=6),
            row("Wessex", "A2", "Server App", capability="Licensing", total=50000, users=40),
            row("Wessex", "A3", "Steady App", capability="Elections", total=9000, users=10),
        ),
    )
    analyse(store)
    store.con.execute("DELETE FROM dispositions")
    store.con.execute(
        "INSERT INTO dispositions (organisation, app_id, disposition, decided_by, reason) VALUES "
        "('Wessex', 'A1', 'retire', 'CD010', 'unused'), ('Wessex', 'A2', 'rehost', 'CD050', 'on premises'), "
        "('Wessex', 'A3', 'retain', 'CD999', 'fine')"
    )
    make_plan(context(store))
    actions = _actions(store)
    assert set(actions) == {"A1", "A2"}
    retire, rehost = actions["A1"], actions["A2"]
    a = Assumptions()
    assert (retire["action"], retire["effort"], retire["saving_share"]) == ("retire", a.effort_retire, 1.0)
    assert (rehost["action"], rehost["effort"], rehost["saving_share"]) == (
        "rehost",
        a.effort_rehost,
        a.saving_share_rehost,
    )
    assert retire["annual_saving"] == 4000.0 and rehost["annual_saving"] == pytest.approx(5000.0)
    assert json.loads(retire["why"])["decided_by"] == "CD010" and retire["group_id"] is None


def test_the_frame_timing_equals_the_scalar_timing_case_by_case():
    from appconsol.analyses.plan_timing import timing_frame

    a = Assumptions()
    ends = [
        None,
        dt.date(2025, 3, 31),
        dt.date(2026, 12, 1),
        dt.date(2027, 2, 28),
        dt.date(2028, 2, 29),
        dt.date(2031, 1, 1),
    ]
    cases = [
        (end, notice, renew, eol)
        for end in ends
        for notice in (None, 30, 90, 400)
        for renew in (None, True, False)
        for eol in (None, dt.date(2020, 1, 14), dt.date(2027, 10, 12))
    ]
    frame = pl.DataFrame(
        cases,
        schema={
            "contract_end": pl.Date,
            "notice_period_days": pl.Int64,
            "auto_renew": pl.Boolean,
            "earliest_eol": pl.Date,
        },
        orient="row",
    )
    framed = timing_frame(frame, AS_OF, a)
    for (end, notice, renew, eol), got in zip(cases, framed.iter_rows(named=True), strict=True):
        timing = contract_timing(AS_OF, end, notice, renew, eol, a)
        assert (got["exit_date"], got["earliest_date"], got["latest_date"]) == (
            timing.exit_date,
            timing.earliest_date,
            timing.latest_date,
        ), (end, notice, renew, eol)
        assert got["notice_days"] == timing.notice_days and got["timing_notes"] == timing.notes


def test_the_method_document_lists_the_current_settings_and_assumptions():
    from appconsol.docgen.method_overlap_plan import refresh
    from conftest import ROOT

    committed = (ROOT / "docs" / "method-overlap-plan.md").read_text(encoding="utf-8")
    assert committed == refresh(committed), (
        "docs/method-overlap-plan.md is stale: run `python -m appconsol.docgen`"
    )
    assert all(f"`{item.name}`" in committed for item in Assumptions().describe())


def test_the_yearly_migration_limit_spreads_the_moves_over_waves(store, tmp_path):
    systems = [
        row("Wessex", f"A{i}", f"Ledger {i}", capability="Document Management", total=90000 + i, users=50)
        for i in range(4)
    ]
    systems.append(row("Wessex", "S", "Survivor", capability="Document Management", total=5000, users=50))
    load(store, tmp_path, inventory(*systems))
    analyse(store, {"plan": {"max_migrations_per_year": 1}})
    moves = [a for a in _actions(store).values() if a["migrates"]]
    assert len(moves) == 4 and len({a["wave_year"] for a in moves}) == 4
    assert sum("max_migrations_per_year" in " ".join(a["timing_notes"]) for a in moves) == 3


def test_two_actions_sharing_an_action_id_each_keep_one_row(store, tmp_path, monkeypatch):
    # Ten hex digits of a hash are not unique among a million actions (two collided at 1M): the
    # waves must still go to the right rows, not be joined to every row with the same id.
    import appconsol.analyses.plan as plan

    monkeypatch.setattr(
        plan, "action_ids", lambda con, frame: pl.Series("action_id", ["PA-SAME"] * frame.height)
    )
    load(store, tmp_path, _three_document_systems())
    analyse(store)
    actions = rows(store, "SELECT app_id, action, wave_year FROM plan_actions ORDER BY app_id")
    assert [(a["app_id"], a["action"]) for a in actions] == [
        ("A1", "consolidate"),
        ("A2", "consolidate"),
        ("A3", "invest"),
    ]
    assert actions[0]["wave_year"] is not None and actions[2]["wave_year"] is None
