"""A file is known by its resolved path relative to the store, plus its content hash.

However its path is spelt (`inv.csv`, `/abs/inv.csv`, from another folder), loading a file again
replaces its earlier rows; the same bytes moved elsewhere are recognised as that file.
"""

from __future__ import annotations

from pathlib import Path

from appconsol.ingest.load import load_inventories
from appconsol.store import Store, file_key

HEADER = "App ID,Application Name,Supplier,Annual Cost\n"


def _write(path: Path, cost: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f'A1,Uniform,Idox,"{cost}"\nA2,Revenues,Civica,"£40,000"\n', encoding="utf-8")
    return path


def _state(store: Store) -> tuple[list[tuple], int, int]:
    costs = store.con.execute("SELECT app_id, cost_total::DOUBLE FROM applications ORDER BY 1").fetchall()
    loads = store.con.execute("SELECT count(*) FROM loads").fetchall()[0][0]
    rejected = store.con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0][0]
    return costs, loads, rejected


def test_a_changed_file_loaded_by_its_absolute_path_replaces_its_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "inv.csv", "£12,500")
    with Store(tmp_path / "s.duckdb") as store:
        assert load_inventories([Path("inv.csv")], store).ok
        _write(tmp_path / "inv.csv", "£99,000")
        report = load_inventories([(tmp_path / "inv.csv").resolve()], store)
        assert report.ok and report.records[0].replaced == 1
        assert _state(store) == ([("A1", 99_000.0), ("A2", 40_000.0)], 1, 0)


def test_a_run_from_another_folder_replaces_the_same_file(tmp_path, monkeypatch):
    _write(tmp_path / "data" / "inv.csv", "£12,500")
    (tmp_path / "elsewhere").mkdir()
    with Store(tmp_path / "s.duckdb") as store:
        monkeypatch.chdir(tmp_path)
        assert load_inventories([Path("data/inv.csv")], store).ok
        monkeypatch.chdir(tmp_path / "elsewhere")
        _write(tmp_path / "data" / "inv.csv", "£1,000")
        report = load_inventories([Path("../data/./inv.csv")], store)
        assert report.ok and report.records[0].replaced == 1
        assert _state(store) == ([("A1", 1_000.0), ("A2", 40_000.0)], 1, 0)
        (key,) = store.con.execute("SELECT file_key FROM loads").fetchall()[0]
        assert key == "data/inv.csv" == file_key(store, tmp_path / "data" / "inv.csv")


def test_a_moved_file_with_the_same_bytes_is_recognised(tmp_path):
    old = _write(tmp_path / "old" / "inv.csv", "£12,500")
    with Store(tmp_path / "s.duckdb") as store:
        assert load_inventories([old], store).ok
        new = tmp_path / "new" / "inventory.csv"
        new.parent.mkdir()
        old.rename(new)
        report = load_inventories([new], store)
        assert report.ok and report.records[0].replaced == 1
        assert _state(store) == ([("A1", 12_500.0), ("A2", 40_000.0)], 1, 0)
        assert store.con.execute("SELECT file_key FROM loads").fetchall() == [("new/inventory.csv",)]


def test_a_copy_beside_the_original_is_another_file(tmp_path):
    original = _write(tmp_path / "inv.csv", "£12,500")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(original.read_bytes())
    with Store(tmp_path / "s.duckdb") as store:
        assert load_inventories([original], store).ok
        report = load_inventories([copy], store)
        # The original is still where it was loaded from: the copy is loaded beside it.
        assert report.ok and report.records[0].replaced == 0
        assert _state(store)[1] == 2


def test_a_store_file_relative_to_its_own_folder_is_found_again_by_unload(tmp_path, monkeypatch):
    _write(tmp_path / "data" / "inv.csv", "£12,500")
    with Store(tmp_path / "s.duckdb") as store:
        monkeypatch.chdir(tmp_path / "data")
        assert load_inventories([Path("inv.csv")], store).ok
        monkeypatch.chdir(tmp_path)
        assert store.unload("data/inv.csv") == 1
        assert _state(store) == ([], 0, 0)
