"""The lifecycle step: reference dates into the store, components matched, support status as of a date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from appconsol.analyses.lifecycle import LIFECYCLE_STEP, SUPPORT_STATUSES
from appconsol.config import load_config
from appconsol.engine.runner import run_rules
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from conftest import AS_OF

INVENTORY = """Name,Operating system,Database,Technology stack,Internet facing
Concessionary Travel,Windows Server 2012 R2,Microsoft SQL Server 2014,,Y
CRIS,Windows Server 2016,,,N
Moodle,Red Hat Enterprise Linux 9,PostgreSQL 16,PHP 8.4,N
Esri,Windows Server 2022,,,N
Claims,,,PowerBuilder 12.5,N
Mystery,Windows Server,,,N
No Stack,,,,N
"""


def _load(write_csv, store, text: str = INVENTORY, name: str = "wessex.csv") -> None:
    report = load_inventories(
        [write_csv(text, name)], store, organisation="Wessex", options=LoadOptions(as_of=AS_OF)
    )
    assert report.ok, [str(f.error) for f in report.failures]


def _run(store, as_of: dt.date = AS_OF, config: Path | None = None):
    settings = load_config(config) if config else load_config(discover=False)
    return run_rules(
        store, [], as_of=as_of, steps=[LIFECYCLE_STEP], settings=settings.analyses, where=settings.location
    )


def _statuses(store) -> dict[str, tuple[str, str | None, str | None]]:
    rows = store.con.execute(
        "SELECT raw, support_status, lifecycle_product, release_cycle FROM component_lifecycle ORDER BY raw"
    ).fetchall()
    return {raw: (status, product, cycle) for raw, status, product, cycle in rows}


def test_components_get_a_support_status_as_of_the_run_date(write_csv, store):
    _load(write_csv, store)
    run = _run(store)
    assert run.ok and not run.notices
    assert _statuses(store) == {
        "Windows Server 2012 R2": ("unsupported", "windows-server", "2012-r2"),  # eol 2023, ESU ended 2026-10
        "Microsoft SQL Server 2014": ("extended-support", "mssqlserver", "12.0-sp3"),  # ESU to 2027-07-12
        "Windows Server 2016": ("ending-12m", "windows-server", "2016"),  # eol 2027-01-12
        "PostgreSQL 16": ("ending-36m", "postgresql", "16"),  # eol 2028-11-09
        "PHP 8.4": ("ending-36m", "php", "8.4"),
        "Red Hat Enterprise Linux 9": ("supported", "rhel", "9"),
        "Windows Server 2022": ("supported", "windows-server", "2022"),
        "PowerBuilder 12.5": ("unknown", None, None),  # not in endoflife.date: reported, not dropped
        "Windows Server": ("unknown", "windows-server", None),  # which version?
    }
    assert set(s for s, _p, _c in _statuses(store).values()) <= set(SUPPORT_STATUSES)


def test_dates_and_months_to_end_of_support_are_kept(write_csv, store):
    _load(write_csv, store)
    _run(store)
    ((eol, eoes, months, source_row, source_column),) = store.con.execute(
        "SELECT eol, eoes, months_to_eol, source_row, source_column FROM component_lifecycle "
        "WHERE raw = 'Microsoft SQL Server 2014'"
    ).fetchall()
    assert (eol, eoes) == (dt.date(2024, 7, 9), dt.date(2027, 7, 12))
    assert months == pytest.approx(-28.6, abs=0.05) and (source_row, source_column) == (2, "Database")


def test_the_status_follows_the_as_of_date_not_the_clock(write_csv, store):
    _load(write_csv, store)
    _run(store, as_of=dt.date(2021, 1, 1))
    statuses = _statuses(store)
    assert statuses["Windows Server 2012 R2"][0] == "ending-36m"
    assert statuses["Windows Server 2016"][0] == "supported"


def test_the_lifecycle_table_and_its_snapshot_date_are_stored(write_csv, store):
    _load(write_csv, store)
    _run(store)
    ((releases, products),) = store.con.execute(
        "SELECT count(*), count(DISTINCT product) FROM lifecycle_releases"
    ).fetchall()
    assert releases > 5000 and products > 300
    ((name, date, licence),) = store.con.execute(
        "SELECT name, snapshot_date, licence FROM reference_snapshots"
    ).fetchall()
    assert name == "lifecycle" and isinstance(date, dt.date) and "MIT" in licence


def test_overrides_from_the_config_change_dates_and_add_products(write_csv, store, tmp_path):
    _load(write_csv, store, INVENTORY + "Claims Two,,,PowerBuilder 12.5,N\n")
    (tmp_path / "ref").mkdir()
    (tmp_path / "ref" / "lifecycle.yaml").write_text(
        "- {product: windows-server, release_cycle: 2012-r2, eoes: 2029-12-31, note: ESU contract}\n"
        "- {product: powerbuilder, release_cycle: '12.5', eol: 2020-01-01, title: PowerBuilder}\n",
        encoding="utf-8",
    )
    config = tmp_path / "appconsol.toml"
    config.write_text('[reference]\nlifecycle_overrides = "ref/lifecycle.yaml"\n', encoding="utf-8")
    run = _run(store, config=config)
    assert run.ok, [str(f) for f in run.failures]
    statuses = _statuses(store)
    assert statuses["Windows Server 2012 R2"][0] == "extended-support"
    # A product the bundled data lacks is matched once the override adds it.
    assert statuses["PowerBuilder 12.5"] == ("unsupported", "powerbuilder", "12.5")
    sources = store.con.execute("SELECT name, source FROM reference_snapshots ORDER BY name").fetchall()
    assert sources[0][0] == "lifecycle" and sources[1][0] == "lifecycle overrides"
    assert sources[1][1].endswith("lifecycle.yaml")
    ((source,),) = store.con.execute(
        "SELECT source FROM lifecycle_releases WHERE product = 'windows-server' AND release_cycle = '2012-r2'"
    ).fetchall()
    assert source == "override: lifecycle.yaml"


def test_a_bad_override_file_names_its_file_and_row(write_csv, store, tmp_path):
    _load(write_csv, store)
    (tmp_path / "overrides.csv").write_text(
        "product,release_cycle,eol\nrhel,9,2032-05-31\nrhel,8,someday\n", encoding="utf-8"
    )
    config = tmp_path / "appconsol.toml"
    config.write_text('[reference]\nlifecycle_overrides = "overrides.csv"\n', encoding="utf-8")
    (failure,) = _run(store, config=config).failures
    assert failure.code == "lifecycle" and "overrides.csv, row 3" in failure.message
    assert "eol 'someday' is not a date" in failure.message


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('lifecycle_overrides = "missing.yaml"', "'missing.yaml' does not exist"),
        ("lifecycle_overrides = 3", "must be a file path"),
    ],
)
def test_a_bad_setting_is_a_config_error_at_its_line(write_csv, store, tmp_path, setting, message):
    _load(write_csv, store)
    config = tmp_path / "appconsol.toml"
    config.write_text(f"as_of = 2026-11-25\n[reference]\n{setting}\n", encoding="utf-8")
    (failure,) = _run(store, config=config).failures
    assert f"{config}:3" in failure.message and message in failure.message


def test_misspelt_reference_keys_warn_but_other_steps_keys_do_not(write_csv, store, tmp_path):
    _load(write_csv, store)
    config = tmp_path / "appconsol.toml"
    config.write_text('[reference]\nlifecycle_overide = "x.yaml"\ntaxonomy = "t.yaml"\n', encoding="utf-8")
    run = _run(store, config=config)
    assert [n.message for n in run.notices] == [
        "unknown key 'lifecycle_overide' in [reference] ignored; did you mean 'lifecycle_overrides'?"
    ]
    assert run.notices[0].location is not None and run.notices[0].location.line == 2


def test_each_distinct_component_is_matched_once(write_csv, store, monkeypatch):
    from appconsol.analyses import lifecycle

    seen: list[int] = []
    original = lifecycle.match_components

    def counting(frame, **kwargs):
        seen.append(frame.height)
        return original(frame, **kwargs)

    monkeypatch.setattr(lifecycle, "match_components", counting)
    rows = "".join(f"App {i},Windows Server 2019,SQL Server 2019,,N\n" for i in range(200))
    _load(write_csv, store, "Name,Operating system,Database,Technology stack,Internet facing\n" + rows)
    _run(store)
    assert seen == [2]
    assert store.con.execute("SELECT count(*) FROM component_lifecycle").fetchall() == [(400,)]


def test_an_empty_store_gives_empty_tables(store):
    run = _run(store)
    assert run.ok
    assert store.con.execute("SELECT count(*) FROM component_lifecycle").fetchall() == [(0,)]


def test_results_do_not_depend_on_row_order(write_csv, store):
    _load(write_csv, store)
    _run(store)
    first = store.con.execute("SELECT * FROM component_lifecycle ORDER BY ALL").fetchall()
    store.con.execute("CREATE TABLE shuffled AS SELECT * FROM app_components ORDER BY hash(raw) DESC")
    store.con.execute("DELETE FROM app_components")
    store.con.execute("INSERT INTO app_components SELECT * FROM shuffled")
    _run(store)
    assert store.con.execute("SELECT * FROM component_lifecycle ORDER BY ALL").fetchall() == first


def test_the_exact_release_cycle_wins_over_one_it_is_the_start_of():
    from appconsol.reference import match_component

    found = match_component("Internet Explorer 11")
    assert found is not None and found.release_cycle == "11"  # not "11-server", supported to 2031
    sql = match_component("Microsoft SQL Server 2014")  # a service pack of a cycle is still its latest
    assert sql is not None and sql.release_cycle == "12.0-sp3"


def test_an_lts_major_version_picks_the_long_term_release():
    from appconsol.reference import match_component

    for text in ("Ubuntu 18.x LTS", "Ubuntu 18 LTS"):
        found = match_component(text)
        assert found is not None and found.release_cycle == "18.04", text
    plain = match_component("Ubuntu 18")  # 18.04 or 18.10: no guess
    assert plain is not None and plain.release_cycle is None


def test_products_named_in_the_name_product_or_description_are_components(write_csv, store):
    text = (
        "Name,Product,Version,Description,Database\n"
        "Oracle 10g,,,,\n"
        "Intranet,SharePoint Server,2016,,\n"
        "Kiosk,,,Runs in Internet Explorer 11 on Windows Server 2008 R2,\n"
        "Payroll,,,Uses Oracle 10g,Oracle Database 19c\n"
        "Planning Portal 2019,,,Replaced in 2024,\n"
    )
    _load(write_csv, store, text)
    assert _run(store).ok
    rows = store.con.execute(
        "SELECT a.name, c.source_column, c.lifecycle_product, c.release_cycle, c.support_status "
        "FROM component_lifecycle c JOIN applications a USING (organisation, app_id) ORDER BY 1, 3"
    ).fetchall()
    assert rows == [
        ("Intranet", "product", "sharepoint", "2016", "unsupported"),  # eol 2026-07-14
        ("Kiosk", "description", "internet-explorer", "11", "unsupported"),
        ("Kiosk", "description", "windows-server", "2008-r2-sp1", "unsupported"),
        ("Oracle 10g", "name", "oracle-database", "10.2", "unsupported"),
        # the components column names Oracle Database already: the description adds nothing
        ("Payroll", "Database", "oracle-database", "19", "supported"),
    ]
