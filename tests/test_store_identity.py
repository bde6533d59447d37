"""Only appconsol's own store (or a new or empty file) is opened: other databases are refused."""

from __future__ import annotations

import sqlite3

import duckdb
import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.errors import StoreError
from appconsol.store import Store

INVENTORY = "Application Name,Supplier\nUniform,Idox\n"


def _load(tmp_path, db):
    inventory = tmp_path / "inv.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    return CliRunner().invoke(cli, ["load", str(inventory), "--db", str(db)])


def test_a_sqlite_file_is_refused_by_its_magic_bytes_before_duckdb_opens_it(tmp_path):
    db = tmp_path / "app.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")
    before = db.read_bytes()
    result = _load(tmp_path, db)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: '{db}' is a SQLite database, not an appconsol store. "
        "choose another --db path (appconsol keeps its own store file)"
    ]
    assert db.read_bytes() == before


def test_another_applications_duckdb_file_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE TABLE sales (id INTEGER)")
    result = _load(tmp_path, db)
    assert result.exit_code == 2
    assert "is a DuckDB database of another application (tables sales)" in result.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [("sales",)]


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    db = tmp_path / "notes.duckdb"
    db.write_text("just some notes, not a database\n" * 10, encoding="utf-8")
    with pytest.raises(StoreError, match="is not a DuckDB file"):
        Store(db)
    assert db.read_text(encoding="utf-8").startswith("just some notes")


def test_a_new_or_empty_file_becomes_a_store_and_reopens(tmp_path):
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    for db in (empty, tmp_path / "new.duckdb"):
        assert _load(tmp_path, db).exit_code == 0
        with Store(db) as store:
            assert store.con.execute("SELECT count(*) FROM applications").fetchall() == [(1,)]
