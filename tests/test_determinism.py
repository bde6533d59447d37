"""The same inventories give byte-identical findings and plan whatever the hash seed and row order.

Each run is a fresh Python process with its own PYTHONHASHSEED, so any result that leans on the
iteration order of a set, a frozenset or a dict built from one (a float sum, a tie-break, a
group id) shows up as a difference here.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES
from test_samples_overlap_plan import CSV_DIALECTS, TRUTH, XLSX_SHEETS, _shuffle_csv, _shuffle_xlsx

TABLES = {
    "findings": "finding_key",
    "app_capability_codes": "organisation, app_id, capability",
    "product_keys": "organisation, app_id",
    "dispositions": "organisation, app_id",
    "overlap_pairs": "organisation, app_a, app_b",
    "overlap_groups": "group_id",
    "overlap_members": "group_id, organisation, app_id",
    "plan_actions": "action_id",
    "plan_cash_flows": "action_id, year",
    "plan_partner_shares": "action_id, organisation",
}
# Columns that name the run or where a row sat in its file, not what was found.
RUN_COLUMNS = {"run_id", "source_file", "source_row", "started_at", "seconds"}

DUMP = """
import datetime as dt, json, sys
from pathlib import Path
from appconsol.api import analyse
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
folder, db, out, tables = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4])
skip = set(json.loads(sys.argv[5]))
with Store(db) as store:
    assert load_inventories([folder], store, options=LoadOptions(as_of=dt.date(2026, 11, 25))).ok
result = analyse(db, as_of=dt.date(2026, 11, 25), config=None)
assert result.exit_code in (0, 1), result.errors
dump = {}
with Store(db, read_only=True) as store:
    for table, order in tables.items():
        columns = [c for c in store.query(f"SELECT * FROM {table} LIMIT 0").columns if c not in skip]
        rows = store.query(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}").rows()
        dump[table] = [[str(v) for v in row] for row in rows]
out.write_text(json.dumps(dump, sort_keys=True, indent=0), encoding="utf-8")
"""


def _run(folder: Path, tmp: Path, seed: int) -> dict[str, str]:
    out = tmp / f"dump-{seed}.json"
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    subprocess.run(
        [
            sys.executable,
            "-c",
            DUMP,
            str(folder),
            str(tmp / f"store-{seed}.duckdb"),
            str(out),
            json.dumps(TABLES),
            json.dumps(sorted(RUN_COLUMNS)),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    dump = json.loads(out.read_text(encoding="utf-8"))
    return {table: json.dumps(rows) for table, rows in dump.items()}


def _shuffled_samples(target: Path) -> Path:
    rng = random.Random(10)
    target.mkdir()
    shutil.copy(SAMPLES / "organisations.yaml", target / "organisations.yaml")
    for name, facts in TRUTH["files"].items():
        dropped = {r["source_row"] for r in facts["expected_rejected"] if r["reason"] == "duplicate app id"}
        if name in CSV_DIALECTS:
            _shuffle_csv(SAMPLES / name, target / name, dropped, rng)
        else:
            _shuffle_xlsx(
                SAMPLES / name, target / name, XLSX_SHEETS[name], facts["first_data_row"], dropped, rng
            )
    return target


def test_findings_and_plan_are_byte_identical_under_three_hash_seeds_and_shuffled_rows(tmp_path):
    first = _run(SAMPLES, tmp_path, 0)
    second = _run(SAMPLES, tmp_path, 2)
    shuffled = _run(_shuffled_samples(tmp_path / "shuffled"), tmp_path, 12345)
    assert json.loads(first["findings"]) and json.loads(first["plan_actions"])
    for table in TABLES:
        assert second[table] == first[table], f"{table} differs between PYTHONHASHSEED 0 and 2"
    for table in TABLES:
        if table != "findings":
            assert shuffled[table] == first[table], (
                f"{table} differs with rows shuffled (PYTHONHASHSEED 12345)"
            )
    # A finding's message names the file and row it points at, which move with the rows; what was
    # found (key, rule, severity, subject) does not. Two rules are about rows as such: DQ002 names the
    # later copy of a duplicate and DQ010 a row not loaded (the shuffled copy leaves those rows out).
    assert _found(shuffled["findings"]) == _found(first["findings"])


def _found(findings: str) -> list[list[str]]:
    return [row[:9] for row in json.loads(findings) if row[2] not in ("DQ002", "DQ010")]
