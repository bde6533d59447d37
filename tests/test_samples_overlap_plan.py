"""Overlap and plan on the sample inventories: precision and recall against the planted ground
truth, near misses left alone, and the same plan whatever order the rows come in.

Definitions (printed with `pytest -s`):
- within recall: planted `overlaps_within` groups found, i.e. some within-body group holds all of
  a planted group's applications; within precision: reported within-body groups that are a planted
  group or a planted duplicate pair (the ground truth says no other two live applications of one
  body share a capability wording, so every other group would be a false positive);
- across recall: planted `same_product_across` products and `convergence` capabilities found
  (a same-product or convergence group holding all the planted applications). Background rows may
  add genuine shared products and convergence (the ground truth lists what must be found, not
  everything there is), so across precision is not measured;
- near misses: no within-body group holds two applications of a planted near miss, and no retired
  application is in any group.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from appconsol.api import analyse
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
from conftest import SAMPLES

TRUTH: dict[str, Any] = yaml.safe_load((SAMPLES / "ground_truth.yaml").read_text(encoding="utf-8"))
AS_OF = TRUTH["as_of"]
CSV_DIALECTS = {
    "wessex-county-council-servicenow.csv": ("utf-8-sig", ",", csv.QUOTE_ALL),
    "thornbury-bc-systems-list.csv": ("cp1252", ";", csv.QUOTE_MINIMAL),
    "wessex-fire-konveyor-import.csv": ("utf-8", ",", csv.QUOTE_MINIMAL),
}
XLSX_SHEETS = {
    "wessex-valley-nhs-ft-leanix.xlsx": "Export",
    "avonvale-dc-application-register.xlsx": "Application Register",
}
PLAN_TABLES = {
    "plan_actions": "action_id",
    "plan_cash_flows": "action_id, year",
    "plan_partner_shares": "action_id, organisation",
    "overlap_groups": "group_id",
    "overlap_members": "group_id, organisation, app_id",
    "overlap_pairs": "organisation, app_a, app_b",
}


def _analysed(folder: Path, db: Path) -> Path:
    with Store(db) as store:
        report = load_inventories([folder], store, options=LoadOptions(as_of=AS_OF))
        assert report.ok, [str(f.error) for f in report.failures]
    result = analyse(db, as_of=AS_OF, config=None)
    assert result.exit_code == 0, result.errors
    return db


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _analysed(SAMPLES, tmp_path_factory.mktemp("samples") / "samples.duckdb")


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with Store(db, read_only=True) as store:
        return [dict(r) for r in store.query(sql, params).iter_rows(named=True)]


def _keys(db: Path) -> dict[str, tuple[str, str]]:
    """Ground-truth app key -> (organisation, app_id) as stored (derived ids are looked up by row)."""
    rows = _query(db, "SELECT organisation, app_id, source_file, source_row FROM applications")
    by_row = {(r["organisation"], Path(r["source_file"]).name, r["source_row"]): r["app_id"] for r in rows}
    return {
        key: (app["organisation"], by_row[(app["organisation"], app["file"], app["source_row"])])
        for key, app in TRUTH["apps"].items()
        if (app["organisation"], app["file"], app["source_row"]) in by_row
    }


def _groups(db: Path, where: str) -> list[set[tuple[str, str]]]:
    members = _query(
        db,
        f"SELECT g.group_id, m.organisation, m.app_id FROM overlap_groups g "
        f"JOIN overlap_members m ON m.group_id = g.group_id WHERE {where}",
    )
    groups: dict[str, set[tuple[str, str]]] = {}
    for m in members:
        groups.setdefault(m["group_id"], set()).add((m["organisation"], m["app_id"]))
    return list(groups.values())


def _found(planted: set[tuple[str, str]], groups: list[set[tuple[str, str]]]) -> bool:
    return any(planted <= group for group in groups)


def test_precision_and_recall_of_overlaps_against_the_ground_truth(sample_db):
    keys = _keys(sample_db)
    within = _groups(sample_db, "g.scope = 'within'")
    planted = [{keys[a] for a in g["apps"]} for g in TRUTH["overlaps_within"]]
    duplicates = [
        {keys[a] for a in issue["apps"]}
        for issue in TRUTH["data_quality"]["issues"]
        if issue["problem"] == "duplicate-name-vendor"
    ]
    found_within = [g for g in planted if _found(g, within)]
    correct = [g for g in within if g in planted or g in duplicates]
    products = _groups(sample_db, "g.kind = 'same-product'")
    same_product = [{keys[a] for a in p["apps"]} for p in TRUTH["same_product_across"]]
    convergence_groups = _groups(sample_db, "g.kind = 'convergence'")
    convergence = [{keys[a] for a in c["apps"]} for c in TRUTH["convergence"]]
    found_products = [p for p in same_product if _found(p, products)]
    found_convergence = [c for c in convergence if _found(c, convergence_groups)]
    recall_within = len(found_within) / len(planted)
    precision_within = len(correct) / len(within) if within else 0.0
    recall_across = (len(found_products) + len(found_convergence)) / (len(same_product) + len(convergence))
    print(
        f"\nwithin one body: recall {recall_within:.2f} ({len(found_within)}/{len(planted)} planted groups), "
        f"precision {precision_within:.2f} ({len(correct)}/{len(within)} groups reported)"
        f"\nacross bodies: recall {recall_across:.2f} (same product {len(found_products)}/{len(same_product)}, "
        f"convergence {len(found_convergence)}/{len(convergence)}); {len(products)} same-product and "
        f"{len(convergence_groups)} convergence groups reported"
    )
    assert recall_within == 1.0 and precision_within == 1.0
    assert recall_across == 1.0


def test_near_misses_are_not_reported_as_overlaps(sample_db):
    keys = _keys(sample_db)
    within = _groups(sample_db, "g.scope = 'within'")
    everything = set().union(*_groups(sample_db, "true"))
    lifecycles = {
        (r["organisation"], r["app_id"]): r["lifecycle"]
        for r in _query(sample_db, "SELECT organisation, app_id, lifecycle FROM applications")
    }
    for near in TRUTH["near_miss_overlaps"]:
        apps = {keys[a] for a in near["apps"]}
        assert all(len(apps & group) < 2 for group in within), near["id"]
        retired = {a for a in apps if lifecycles[a] == "retired"}
        assert not retired & everything, near["id"]


def test_every_group_member_has_one_action_and_the_movers_pay_back(sample_db):
    members = _query(sample_db, "SELECT DISTINCT organisation, app_id FROM overlap_members")
    actions = _query(sample_db, "SELECT * FROM plan_actions")
    by_app = {(a["organisation"], a["app_id"]): a for a in actions}
    assert len(by_app) == len(actions)
    assert all((m["organisation"], m["app_id"]) in by_app for m in members)
    moves = [a for a in actions if a["action"] in ("consolidate", "share")]
    # A move pays back within the horizon, or spares the upgrade keeping the system would need.
    for move in moves:
        why = json.loads(move["why"])
        assert move["npv_10"] > 0 or why["moving"][0]["upgrade_cost_if_kept"], move["app_name"]
    assert moves
    assert all(by_app[(a["target_organisation"], a["target_app_id"])]["action"] == "invest" for a in moves)
    totals = _query(
        sample_db,
        "SELECT sum(annual_saving) AS saving, sum(npv_10) AS npv FROM plan_actions WHERE action = 'share'",
    )[0]
    print(f"\nshared services: annual saving £{totals['saving']:,.0f}, NPV 10y £{totals['npv']:,.0f}")


def _shuffle_csv(source: Path, target: Path, drop_rows: set[int], rng: random.Random) -> None:
    encoding, delimiter, quoting = CSV_DIALECTS[source.name]
    with source.open(encoding=encoding, newline="") as handle:
        rows = list(csv.reader(handle, delimiter=delimiter))
    header, body = rows[0], [r for number, r in enumerate(rows[1:], start=2) if number not in drop_rows]
    rng.shuffle(body)
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator="\r\n").writerows([header, *body])
    target.write_bytes(out.getvalue().encode(encoding))


def _shuffle_xlsx(
    source: Path, target: Path, sheet: str, first: int, drop_rows: set[int], rng: random.Random
) -> None:
    import openpyxl

    book = openpyxl.load_workbook(source, data_only=True)  # formulas as their values: rows can move
    ws = book[sheet]
    last = ws.max_row
    while last > first and str(ws.cell(last, 1).value or "").upper() == "TOTAL":
        last -= 1  # a totals row stays last
    cells = [
        [(c.value, c.number_format) for c in ws[r]] for r in range(first, last + 1) if r not in drop_rows
    ]
    rng.shuffle(cells)
    for r in range(first, last + 1):
        for c, cell in enumerate(ws[r]):
            if r - first < len(cells):
                cell.value, cell.number_format = cells[r - first][c]
            else:
                cell.value = None
    book.save(target)


def test_the_plan_does_not_depend_on_row_order(sample_db, tmp_path):
    rng = random.Random(20261125)
    folder = tmp_path / "shuffled"
    folder.mkdir()
    shutil.copy(SAMPLES / "organisations.yaml", folder / "organisations.yaml")
    for name, facts in TRUTH["files"].items():
        # A duplicate id is rejected where it comes second, so its row is left out of the copy.
        dropped = {r["source_row"] for r in facts["expected_rejected"] if r["reason"] == "duplicate app id"}
        if name in CSV_DIALECTS:
            _shuffle_csv(SAMPLES / name, folder / name, dropped, rng)
        else:
            _shuffle_xlsx(
                SAMPLES / name, folder / name, XLSX_SHEETS[name], facts["first_data_row"], dropped, rng
            )
    shuffled = _analysed(folder, tmp_path / "shuffled.duckdb")
    for table, order in PLAN_TABLES.items():
        original = _query(sample_db, f"SELECT * FROM {table} ORDER BY {order}")
        again = _query(shuffled, f"SELECT * FROM {table} ORDER BY {order}")
        assert len(again) == len(original), table
        assert again == original, table
    assert original  # the plan is not empty


def test_as_of_changes_the_plan_dates_not_the_groups(sample_db, tmp_path):
    later = tmp_path / "later.duckdb"
    shutil.copy(sample_db, later)
    result = analyse(later, as_of=dt.date(2027, 6, 30))
    assert result.exit_code == 0
    assert _query(later, "SELECT * FROM overlap_groups ORDER BY group_id") == _query(
        sample_db, "SELECT * FROM overlap_groups ORDER BY group_id"
    )
    assert all(
        a["earliest_date"] >= dt.date(2027, 6, 30)
        for a in _query(later, "SELECT * FROM plan_actions WHERE migrates")
    )
