"""A load registers the organisations its rows name, not one named after the file besides them."""

from __future__ import annotations

from pathlib import Path

from appconsol.ingest.load import load_inventories
from appconsol.store import Store


def _organisations(tmp_path: Path, name: str, text: str, **kwargs) -> list[str]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with Store(tmp_path / f"{path.stem}.duckdb") as store:
        report = load_inventories([path], store, **kwargs)
        assert not report.failures
        return [
            r[0] for r in store.con.execute("SELECT organisation FROM organisations ORDER BY 1").fetchall()
        ]


def test_a_register_of_several_bodies_stores_those_bodies_only(tmp_path):
    text = "Organisation,Name,Vendor\nWessex,Payroll,Zellis\nMercia,Planning,Idox\nMercia,Intranet,Jadu\n"
    assert _organisations(tmp_path, "regional.csv", text) == ["Mercia", "Wessex"]


def test_a_rejected_rows_body_is_stored_with_it(tmp_path):
    text = "Organisation,Name,Vendor\nWessex,Payroll,Zellis\nMercia,,Idox\n"  # Mercia's row has no name
    assert _organisations(tmp_path, "regional.csv", text) == ["Mercia", "Wessex"]


def test_a_file_naming_no_body_belongs_to_the_file_or_org(tmp_path):
    text = "Name,Vendor\nPayroll,Zellis\n"
    assert _organisations(tmp_path, "kennet-dc.csv", text) == ["kennet-dc"]
    assert _organisations(tmp_path, "avon.csv", text, organisation="Avonvale District Council") == [
        "Avonvale District Council"
    ]
