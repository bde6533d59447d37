"""The plan's action ids and waves computed for all actions at once agree with the one-by-one model."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from appconsol.analyses.plan import action_id, action_ids
from appconsol.analyses.plan_assumptions import financial_year
from appconsol.analyses.plan_timing import WaveInput, assign_waves, wave_frame

CURRENT = 2026  # financial year 2026-27, as of 25 November 2026


def test_action_ids_hash_every_row_as_action_id_does_in_order():
    frame = pl.DataFrame(
        {
            "organisation": ["Wessex", "Avonvale", "Ynys Môn", "Wessex"],
            "app_id": ["A2", "A1", "Café-1", "A10"],
        }
    )
    with duckdb.connect() as con:
        ids = action_ids(con, frame).to_list()
    assert ids == [action_id(o, i) for o, i in frame.iter_rows()]


def test_applications_whose_short_ids_collide_take_longer_ones_and_the_rest_keep_theirs():
    # The first 10 hex digits of sha1("Wessex|APP-1167687") and sha1("Wessex|APP-1728666") agree.
    frame = pl.DataFrame(
        {
            "organisation": ["Wessex", "Wessex", "Wessex", "Wessex"],
            "app_id": ["APP-1728666", "A1", "APP-1167687", "APP-1728666"],
        }
    )
    assert action_id("Wessex", "APP-1167687") == action_id("Wessex", "APP-1728666")
    with duckdb.connect() as con:
        ids = action_ids(con, frame).to_list()
    assert ids[1] == action_id("Wessex", "A1")
    assert ids[0] == ids[3] != ids[2]  # the same application keeps one id
    assert {len(ids[0]), len(ids[2])} == {len("PA-") + 16}
    assert ids[0].startswith(action_id("Wessex", "APP-1728666"))


def _one_by_one(rows: list[tuple], edges, cap) -> dict[str, tuple[int, list[str]]]:
    """The model wave_frame must agree with: each action's first wave, then assign_waves over all."""
    held: dict[str, list[str]] = {}
    inputs = []
    for aid, o, i, earliest, latest, exit_date in rows:
        year = financial_year(earliest)
        if year == CURRENT and exit_date is not None and financial_year(exit_date) > CURRENT:
            held[aid] = ["starts in financial year 2027-28: its contract cannot end in the rest of 2026-27"]
            year = CURRENT + 1
        inputs.append(WaveInput(aid, (o, i), year, latest))
    waves, notes = assign_waves(inputs, edges, cap)
    return {k: (waves[k], held.get(k, []) + notes.get(k, [])) for k in waves}


@pytest.mark.parametrize("cap", [None, 2])
def test_wave_frame_agrees_with_assigning_each_action(cap):
    d = dt.date
    rows = [
        ("P1", "Wessex", "A1", d(2026, 12, 1), None, d(2027, 6, 30)),  # held: contract ends next year
        ("P2", "Wessex", "A2", d(2026, 12, 1), d(2028, 1, 1), d(2027, 2, 1)),  # can end this year
        ("P3", "Wessex", "A3", d(2027, 5, 1), None, None),
        ("P4", "Wessex", "A4", d(2026, 12, 1), None, None),  # depends on A3: waits for its wave
        ("P5", "Avonvale", "A1", d(2028, 5, 1), None, d(2029, 1, 1)),
        ("P6", "Avonvale", "A2", d(2026, 12, 1), None, None),
        ("P7", "Avonvale", "A3", d(2026, 12, 1), None, None),  # a cycle with A2
        ("P8", "Avonvale", "A4", d(2026, 12, 1), None, None),
    ]
    edges = [
        ("Wessex", "A4", "A3"),
        ("Avonvale", "A2", "A3"),
        ("Avonvale", "A3", "A2"),
        ("Wessex", "A9", "A1"),  # A9 does not migrate
    ]
    frame = pl.DataFrame(
        rows,
        schema=["action_id", "organisation", "app_id", "earliest_date", "latest_date", "exit_date"],
        orient="row",
    )
    waves = wave_frame(frame, CURRENT, edges, cap)
    assert waves.schema == pl.Schema(
        {"action_id": pl.String, "wave_year": pl.Int32, "wave_notes": pl.List(pl.String)}
    )
    got = {aid: (year, notes or []) for aid, year, notes in waves.iter_rows()}
    expected = _one_by_one(rows, edges, cap)
    assert got == expected
    assert expected["P1"][1] and expected["P4"][1] and expected["P6"][1]  # held, waiting, a cycle
