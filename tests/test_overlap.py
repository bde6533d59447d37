"""The overlap step: pairs and groups within a body, shared products and convergence across partners."""

from __future__ import annotations

import json

import polars as pl
import pytest

from analysis_store import analyse, inventory, load, row, rows
from appconsol.store import Store

PARTNERS = {"Wessex Partnership": ["Wessex", "Avon"]}


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.duckdb") as opened:
        yield opened


def _groups(store, kind=None):
    where = f"WHERE kind = '{kind}'" if kind else ""
    groups = rows(store, f"SELECT * FROM overlap_groups {where} ORDER BY group_id")
    for group in groups:
        group["apps"] = sorted(
            (m["organisation"], m["app_id"])
            for m in rows(store, "SELECT * FROM overlap_members WHERE group_id = ?", [group["group_id"]])
        )
    return groups


def test_live_applications_serving_one_capability_form_a_group_with_shares_both_ways(store, tmp_path):
    load(
        store,
        tmp_path,
        inventory(
            row("Wessex", "A1", "OpenText Content Server", capability="Document Management", total=50000),
            row("Wessex", "A2", "Hyland OnBase", capability="Document Management; Payroll", total=30000),
            row("Wessex", "A3", "Objective ECM", capability="document management", total=20000),
        ),
    )
    analyse(store)
    pair = rows(store, "SELECT * FROM overlap_pairs WHERE app_a = 'A1' AND app_b = 'A2'")[0]
    # A1 serves one capability, which A2 also serves; A2 serves two, of which A1 covers one.
    assert (pair["shared_capabilities"], pair["share_of_a"], pair["share_of_b"]) == (1, 1.0, 0.5)
    assert json.loads(pair["evidence"])["shared"] == ["corp.edrms"]
    (group,) = _groups(store)
    assert (group["scope"], group["kind"], group["capability_code"]) == (
        "within",
        "same-capability",
        "corp.edrms",
    )
    assert group["apps"] == [("Wessex", "A1"), ("Wessex", "A2"), ("Wessex", "A3")]
    assert (group["members"], group["organisations"], group["annual_cost"]) == (3, 1, 100000.0)


def test_near_misses_are_not_overlaps(store, tmp_path):
    load(
        store,
        tmp_path,
        inventory(
            # A live system beside its retired predecessor (same capability, same vendor).
            row("Wessex", "A1", "Idox Uniform", vendor="Idox plc", capability="Planning"),
            row("Wessex", "A2", "Acolaid", vendor="Idox plc", capability="Planning", lifecycle="retired"),
            # A planned replacement is not live either.
            row("Wessex", "A3", "New Planning", vendor="Arcus", capability="Planning", lifecycle="plan"),
            # One vendor, different capabilities.
            row("Wessex", "A4", "Symphony LLPG", vendor="Idox plc", capability="Address Gazetteer"),
            row("Wessex", "A5", "Xpress Electoral", vendor="Idox plc", capability="Elections"),
        ),
    )
    analyse(store)
    assert _groups(store) == []
    assert rows(store, "SELECT * FROM overlap_pairs") == []


def test_two_wordings_of_one_broad_entry_need_more_evidence_than_the_code(store, tmp_path):
    text = inventory(
        row("Wessex", "A1", "Whitespace", capability="Waste & Recycling"),
        row("Wessex", "A2", "Greenbin", capability="Garden Waste"),
    )
    load(store, tmp_path, text)
    analyse(store)
    (pair,) = rows(store, "SELECT * FROM overlap_pairs")
    assert pair["similarity"] < 0.6 and json.loads(pair["evidence"])["same_wording"] == 0
    assert _groups(store) == []
    # Weighting wordings like the code itself groups them.
    analyse(store, {"overlap": {"different_wording_weight": 1.0}})
    assert [g["capability_code"] for g in _groups(store)] == ["lg.waste"]


def test_a_capability_most_applications_claim_is_set_aside_not_grouped(store, tmp_path):
    apps = [row("Wessex", f"A{i}", f"System {i}", capability="Reporting; Widget Polishing") for i in range(5)]
    apps.append(row("Wessex", "B1", "Polisher", capability="Widget Polishing"))
    load(store, tmp_path, inventory(*apps))
    analyse(store, {"overlap": {"max_block_apps": 4}})
    generic = rows(store, "SELECT organisation, capability_name, apps FROM overlap_generic ORDER BY 2")
    assert {(g["capability_name"], g["apps"]) for g in generic} == {
        ("Business intelligence and reporting", 5),
        ("Widget Polishing", 6),
    }
    assert _groups(store) == []


def test_a_chain_of_weak_links_is_split_by_average_linkage(store, tmp_path):
    # Each system shares one capability with the next, and nothing with the others.
    caps = ["Alpha Work", "Beta Work", "Gamma Work", "Delta Work", "Epsilon Work", "Zeta Work"]
    apps = [row("Wessex", f"A{i}", f"Chain {i}", capability=f"{caps[i]}; {caps[i + 1]}") for i in range(5)]
    load(store, tmp_path, inventory(*apps))
    analyse(store, {"overlap": {"min_similarity": 0.3, "max_cluster_size": 3}})
    groups = _groups(store)
    assert groups and all(len(g["apps"]) <= 3 for g in groups)
    analyse(store, {"overlap": {"min_similarity": 0.3, "max_cluster_size": 12}})
    assert [len(g["apps"]) for g in _groups(store)] == [5]


def test_the_same_product_under_different_spellings_across_partners_is_a_shared_product(store, tmp_path):
    text = inventory(
        row("Avon", "B1", "Idox Uniform", vendor="Idox plc", capability="Planning & Building Control"),
        row(
            "Wessex", "A1", "IDOX Uniform 10", vendor="Idox Software Ltd", capability="Development Management"
        ),
        row("Dorset", "D1", "Uniform (Idox)", vendor="IDOX", capability="Planning"),
    )
    load(store, tmp_path, text, PARTNERS)
    analyse(store)
    (group,) = _groups(store, "same-product")
    assert (group["partnership"], group["product_key"], group["product_label"]) == (
        "Wessex Partnership",
        "idox/uniform",
        "Idox Uniform (10)",  # the group's name with the versions its members state (issue 10)
    )
    # Dorset is in no partnership with them, so it is not listed.
    assert group["apps"] == [("Avon", "B1"), ("Wessex", "A1")]
    assert group["capability_code"] == "lg.planning"
    roles = rows(store, "SELECT DISTINCT role FROM overlap_members WHERE group_id = ?", [group["group_id"]])
    assert roles == [{"role": "instance"}]


def test_one_capability_on_different_products_across_partners_is_convergence(store, tmp_path):
    text = inventory(
        row("Avon", "B1", "MHR iTrent", vendor="MHR", capability="Payroll"),
        row("Wessex", "A1", "ResourceLink", vendor="Zellis", capability="HR & Payroll"),
    )
    load(store, tmp_path, text, PARTNERS)
    analyse(store)
    (group,) = _groups(store, "convergence")
    assert (group["capability_code"], group["members"], group["organisations"]) == ("corp.hr-payroll", 2, 2)
    products = json.loads(group["evidence"])["products"]
    assert [p["organisations"] for p in products] == [["Avon"], ["Wessex"]]
    assert _groups(store, "same-product") == []


def test_group_ids_come_from_content_and_reruns_give_the_same_tables(store, tmp_path):
    load(
        store,
        tmp_path,
        inventory(
            row("Wessex", "A1", "Cadcorp SIS", capability="GIS"),
            row("Wessex", "A2", "ArcGIS", vendor="Esri", capability="GIS"),
            row("Avon", "B1", "ArcGIS Pro", vendor="Esri UK", capability="Mapping"),
        ),
        PARTNERS,
    )
    analyse(store)
    first = rows(store, "SELECT * FROM overlap_groups ORDER BY group_id")
    analyse(store)
    assert rows(store, "SELECT * FROM overlap_groups ORDER BY group_id") == first
    assert all(g["group_id"].startswith("OV-") and len(g["group_id"]) == 13 for g in first)


def test_pairs_are_only_made_inside_capability_blocks(store, tmp_path):
    # 60 applications in two bodies, each serving its own capability: no pair at all.
    apps = [
        row("Wessex" if i % 2 else "Avon", f"A{i}", f"System {i}", capability=f"Thing {i}") for i in range(60)
    ]
    load(store, tmp_path, inventory(*apps), PARTNERS)
    analyse(store)
    assert rows(store, "SELECT count(*) AS n FROM overlap_pairs") == [{"n": 0}]


def test_a_retired_application_is_in_no_overlap_group_of_any_kind(store, tmp_path):
    text = inventory(
        row("Wessex", "A1", "Uniform", vendor="Idox", capability="Planning"),
        row("Wessex", "A2", "Acolaid", vendor="Idox", capability="Planning", lifecycle="decommissioned"),
        row("Avon", "B1", "Idox Acolaid", vendor="IDOX Ltd", capability="Planning", lifecycle="retired"),
        row("Avon", "B2", "Planning Portal", vendor="Arcus", capability="Planning"),
    )
    load(store, tmp_path, text, PARTNERS)
    analyse(store)
    members = rows(store, "SELECT DISTINCT organisation, app_id FROM overlap_members ORDER BY 1, 2")
    assert ("Wessex", "A2") not in [(m["organisation"], m["app_id"]) for m in members]
    assert ("Avon", "B1") not in [(m["organisation"], m["app_id"]) for m in members]
    pairs = rows(store, "SELECT app_a, app_b FROM overlap_pairs")
    assert all("A2" not in (p["app_a"], p["app_b"]) for p in pairs)
    assert {(m["organisation"], m["app_id"]) for m in members} == {
        ("Avon", "B2"),
        ("Wessex", "A1"),
    }  # convergence


def test_the_same_rows_in_another_order_give_the_same_overlap_tables(tmp_path):
    apps = [
        row("Wessex", "A1", "Uniform", vendor="Idox", capability="Planning; GIS", total="10000.335"),
        row("Wessex", "A2", "Acolaid", vendor="Idox", capability="planning", total="2000.11"),
        row("Wessex", "A3", "Cadcorp SIS", capability="GIS", total="0.105"),
        row("Wessex", "A4", "ArcGIS", vendor="Esri", capability="GIS; Planning", total="3333.335"),
        row("Avon", "B1", "ArcGIS Pro", vendor="Esri UK", capability="Mapping", total="1111.115"),
        row("Avon", "B2", "Uniform", vendor="Idox", capability="Planning", total="0.205"),
        row("Avon", "B3", "M3 Planning", vendor="Northgate", capability="Planning", total="7.775"),
    ]
    tables = []
    for order, folder in ((apps, tmp_path / "forward"), (apps[::-1], tmp_path / "reversed")):
        folder.mkdir()
        with Store(folder / "store.duckdb") as opened:
            load(opened, folder, inventory(*order), PARTNERS)
            analyse(opened)
            tables.append(
                {
                    name: opened.query(f"SELECT * FROM {name}").sort(pl.all()).rows()
                    for name in ("overlap_pairs", "overlap_groups", "overlap_members")
                }
            )
    assert tables[0]["overlap_groups"]  # something to compare
    assert tables[0] == tables[1]
