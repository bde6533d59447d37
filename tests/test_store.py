from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from appconsol.errors import StoreInUseError, StoreVersionError
from appconsol.ingest.load import load_inventories
from appconsol.schema import SCHEMA_VERSION
from appconsol.store import Store
from appconsol.store.core import ROW_GROUP_SIZE

INVENTORY = "Name,Vendor,Capability\nUniform,Idox,Planning\nEmail,Microsoft,Email\n"


def _count(db: Path, sql: str) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_new_store_records_its_schema_version(tmp_path):
    with Store(tmp_path / "s.duckdb") as store:
        assert store.con.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )


def test_store_from_a_newer_appconsol_is_refused(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.con.execute("UPDATE store_meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreVersionError, match="schema version 999"):
        Store(db)


def test_second_writer_gets_a_clear_in_use_error(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreInUseError, match="in use by another process"):
            Store(db)
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_a_store_open_twice_in_one_process_is_refused_clearly(tmp_path):
    db = tmp_path / "s.duckdb"
    with Store(db), pytest.raises(StoreInUseError, match="already open in this process"):
        Store(db)


def test_tables_are_cut_into_row_groups_that_every_core_can_scan(tmp_path):
    # DuckDB scans a row group per task: one 100k-row group kept every query on one core.
    db = tmp_path / "s.duckdb"
    rows = 3 * ROW_GROUP_SIZE + 5
    for _ in range(2):  # DuckDB keeps no row group size in the file: every open passes it
        with Store(db) as store:
            store.con.execute(f"CREATE OR REPLACE TABLE wide AS SELECT range AS id FROM range({rows})")
            store.checkpoint()
            groups = store.con.execute(
                "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('wide')"
            ).fetchall()[0][0]
        assert groups == 4
        assert _count(db, "SELECT count(*) FROM wide") == rows


def test_a_duckdb_that_refuses_the_row_group_size_still_opens_the_store(tmp_path, monkeypatch):
    from appconsol.store import core

    monkeypatch.setattr(core, "ROW_GROUP_SIZE", 1000)  # DuckDB refuses it, as an older one the option
    db = tmp_path / "s.duckdb"
    with Store(db) as store:
        store.con.execute("CREATE TABLE kept AS SELECT 1 AS one")
    with Store(db, read_only=True) as store:
        assert store.con.execute("SELECT one FROM kept").fetchall() == [(1,)]


def test_a_frame_larger_than_a_row_group_is_stored_whole_and_in_order(tmp_path):
    rows = 2 * ROW_GROUP_SIZE + 17  # stored in three batches, on both cores
    frame = pl.DataFrame(
        {"organisation": ["Wessex"] * rows, "app_id": [f"A{i}" for i in range(rows)]}
    ).with_columns(raw=pl.col("app_id") + " Windows Server 2012")
    with Store(tmp_path / "s.duckdb") as store:
        store.insert_frame("app_components", frame.select("organisation", "app_id", "raw"))
        stored = store.query("SELECT app_id, raw FROM app_components")  # in insertion order
    assert stored.rows() == frame.select("app_id", "raw").rows()


def test_dry_run_stores_nothing(tmp_path):
    path = tmp_path / "inv.csv"
    path.write_text(INVENTORY)
    with Store(tmp_path / "s.duckdb") as store:
        report = load_inventories([path], store, organisation="X", dry_run=True)
        assert report.records[0].rows_loaded == 2 and report.records[0].dry_run
        assert store.con.execute("SELECT count(*) FROM applications").fetchone() == (0,)
        assert store.con.execute("SELECT count(*) FROM loads").fetchone() == (0,)


def test_unload_takes_a_file_out(tmp_path):
    path = tmp_path / "inv.csv"
    path.write_text(INVENTORY)
    with Store(tmp_path / "s.duckdb") as store:
        load_inventories([path], store, organisation="X")
        assert store.unload("inv.csv") == 1
        assert store.con.execute("SELECT count(*) FROM applications").fetchone() == (0,)
        assert store.con.execute("SELECT count(*) FROM app_capabilities").fetchone() == (0,)


def test_explicit_id_already_loaded_from_another_file_is_rejected(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("App ID,Name\nA1,Uniform\n")
    second.write_text("App ID,Name\nA1,Payroll\nA2,Email\n")
    with Store(tmp_path / "s.duckdb") as store:
        load_inventories([first], store, organisation="X")
        report = load_inventories([second], store, organisation="X")
        assert (report.records[0].rows_loaded, report.records[0].rows_rejected) == (1, 1)
        (reason,) = store.con.execute("SELECT reason FROM rejected_rows").fetchone()
        assert "already loaded" in reason and "a.csv" in reason


def test_each_organisation_is_stored_once_however_many_files_name_it(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("Organisation,Name\nWessex,Uniform\nMercia,Payroll\nWessex,Email\n")
    second.write_text("Organisation,Name\nMercia,Planning\nNorthumbria,Housing\n")
    with Store(tmp_path / "s.duckdb") as store:
        load_inventories([first], store)
        load_inventories([second], store)
        names = [r[0] for r in store.con.execute("SELECT organisation FROM organisations").fetchall()]
    assert len(names) == len(set(names))
    assert {"Mercia", "Northumbria", "Wessex"} <= set(names)


def test_a_load_killed_before_commit_leaves_the_store_as_it_was(tmp_path):
    """A second load of the same file is killed inside its transaction; the first load survives."""
    db, inventory = tmp_path / "s.duckdb", tmp_path / "inv.csv"
    inventory.write_text(INVENTORY)
    with Store(db) as store:
        load_inventories([inventory], store, organisation="X")
    inventory.write_text("Name,Vendor\n" + "".join(f"App {i},Vendor {i}\n" for i in range(5000)))
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from appconsol.store import Store
        from appconsol.ingest.load import load_inventories

        def pause(self):
            print("inside-transaction", flush=True)
            time.sleep(60)

        Store._before_commit = pause
        with Store(Path({str(db)!r})) as store:
            load_inventories([Path({str(inventory)!r})], store, organisation="X")
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        deadline = time.time() + 60
        line = ""
        while time.time() < deadline and "inside-transaction" not in line:
            line = child.stdout.readline()
        assert "inside-transaction" in line
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
        assert child.stdout is not None
        child.stdout.close()
    assert _count(db, "SELECT count(*) FROM applications") == 2
    assert _count(db, "SELECT count(*) FROM loads") == 1
    assert _count(db, "SELECT count(*) FROM app_capabilities") == 2
