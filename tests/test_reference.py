"""Bundled reference data: lifecycle dates, component matching, product names, capabilities, lists."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from appconsol.reference import (
    ReferenceDataError,
    load_lifecycle,
    snapshot_info,
)
from appconsol.reference import build as reference_build
from appconsol.reference.resources import data_file
from conftest import ROOT

SHARED = ROOT.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(
    not (SHARED / "endoflife-date" / "products").is_dir(),
    reason="../shared/data is not beside the repository",
)


# ---- lifecycle dates -------------------------------------------------------------------------------


def test_bundled_lifecycle_keeps_release_cycles_as_text():
    lifecycle = load_lifecycle()
    python = lifecycle.filter(pl.col("product") == "python")["release_cycle"].to_list()
    assert "3.10" in python and "3.1" in python  # a lax YAML reader would turn 3.10 into 3.1
    assert lifecycle.schema["release_cycle"] == pl.String


def test_bundled_lifecycle_covers_public_sector_categories_only():
    lifecycle = load_lifecycle()
    assert set(lifecycle["category"].unique()) == {"os", "database", "lang", "framework", "server-app", "app"}
    products = set(lifecycle["product"].unique())
    assert {"windows-server", "mssqlserver", "oracle-database", "rhel", "oracle-jdk", "dotnetfx"} <= products
    assert lifecycle.select("product", "release_cycle").is_duplicated().sum() == 0


def test_boolean_end_of_support_becomes_a_flag_without_a_date():
    lifecycle = load_lifecycle()
    ended = lifecycle.filter(pl.col("eol_ended"))
    assert ended.height > 0 and ended["eol"].null_count() == ended.height
    dated = lifecycle.filter(pl.col("eol").is_not_null())
    assert dated["eol_ended"].null_count() == dated.height  # the date decides; no flag beside it
    row = lifecycle.filter(
        (pl.col("product") == "mssqlserver") & (pl.col("release_cycle") == "12.0-sp3")
    ).row(0, named=True)
    assert (row["eol"], row["eoes"], row["release_label"]) == (
        dt.date(2024, 7, 9),
        dt.date(2027, 7, 12),
        "2014 'Hekaton' SP3",
    )


def test_snapshot_info_names_the_source_commit_and_date():
    info = snapshot_info()
    assert info["source"] == "endoflife.date"
    assert info["snapshot_date"] == "2026-08-22"
    assert info["commit"] == "a70eca337600e7d721dc48112c271f98661d208b"
    assert info["release_count"] == load_lifecycle().height


def test_lifecycle_overrides_win_field_by_field(tmp_path):
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(
        "lifecycle_overrides:\n"
        "  - {product: windows-server, release_cycle: 2012-R2, eoes: 2026-10-13, note: ESU year 3}\n"
        "  - {product: rhel, release_cycle: '6', eol: false}\n"
        "  - {product: idox-uniform, release_cycle: '10', eol: 2028-03-31, title: Idox Uniform}\n",
        encoding="utf-8",
    )
    lifecycle = load_lifecycle(overrides).filter(pl.col("source") == "override: overrides.yaml")
    rows = {(r["product"], r["release_cycle"]): r for r in lifecycle.iter_rows(named=True)}
    windows = rows[("windows-server", "2012-r2")]
    assert windows["eoes"] == dt.date(2026, 10, 13) and windows["note"] == "ESU year 3"
    assert windows["eol"] == dt.date(2023, 10, 10)  # not overridden: kept
    assert rows[("rhel", "6")]["eol"] is None and rows[("rhel", "6")]["eol_ended"] is False
    uniform = rows[("idox-uniform", "10")]
    assert (uniform["eol"], uniform["title"], uniform["category"]) == (
        dt.date(2028, 3, 31),
        "Idox Uniform",
        "custom",
    )
    assert load_lifecycle(overrides).height == load_lifecycle().height + 1


def test_lifecycle_overrides_read_csv(tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text(
        "product,release_cycle,eol,eoas,eoes,note\nmssqlserver,12.0-sp3,,,2028-07-11,custom ESU\n",
        encoding="utf-8",
    )
    row = load_lifecycle(overrides).filter(pl.col("release_cycle") == "12.0-sp3").row(0, named=True)
    assert row["eoes"] == dt.date(2028, 7, 11) and row["eol"] == dt.date(2024, 7, 9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- {product: rhel, release_cycle: '6', eol: soon}\n", "eol 'soon' is not a date"),
        ("- {product: rhel, eol: 2030-01-01}\n", "needs both product and release_cycle"),
        ("- {product: rhel, release_cycle: '6', end: 2030-01-01}\n", "unknown override column"),
        (
            "- {product: rhel, release_cycle: '6'}\n- {product: RHEL, release_cycle: '6'}\n",
            "overridden twice",
        ),
        ("product: rhel\n", "expected a list of overrides"),
    ],
)
def test_bad_lifecycle_overrides_name_the_row(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReferenceDataError, match=message) as caught:
        load_lifecycle(path)
    assert "bad.yaml" in str(caught.value)


@needs_shared
def test_bundled_reference_data_is_fresh_against_the_shared_sources(tmp_path):
    reference_build.main(["--shared", str(SHARED), "--out", str(tmp_path)])
    rebuilt = pl.read_parquet(tmp_path / "lifecycle.parquet")
    assert rebuilt.equals(load_lifecycle()), "run: python -m appconsol.reference.build"
    bundled_meta = json.loads(data_file("lifecycle_meta.json").read_text(encoding="utf-8"))
    assert json.loads((tmp_path / "lifecycle_meta.json").read_text(encoding="utf-8")) == bundled_meta
    for name in ("capability_frameworks.csv", "LICENSE-endoflife-date.txt", "APQC-COPYRIGHT-NOTICE.txt"):
        assert (tmp_path / name).read_text(encoding="utf-8") == data_file(name).read_text(encoding="utf-8"), (
            name
        )


def test_licence_notices_travel_with_the_data():
    assert "endoflife.date contributors" in data_file("LICENSE-endoflife-date.txt").read_text(
        encoding="utf-8"
    )
    assert "APQC" in data_file("APQC-COPYRIGHT-NOTICE.txt").read_text(encoding="utf-8")
    for derived in ("capability_frameworks.csv",):
        header = data_file(derived).read_text(encoding="utf-8")[:3000]
        assert (
            "provided that all copies of the PCF and any derivative works contain a copy of this notice"
            in " ".join(header.replace("#", " ").split())
        ), derived
        assert "ODC-PDDL-1.0" in header, derived
