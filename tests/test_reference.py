"""Bundled reference data: lifecycle dates, component matching, product names, capabilities, lists."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest

import appconsol.reference as reference
from appconsol.ingest.components import split_component
from appconsol.reference import (
    ReferenceDataError,
    commodity_capabilities,
    load_lifecycle,
    load_taxonomy,
    map_capabilities,
    map_capability,
    match_component,
    match_components,
    resolve_products,
    saas_vendors,
    scarce_language,
    snapshot_info,
)
from appconsol.reference import build as reference_build
from appconsol.reference.capabilities import CapabilityMapper
from appconsol.reference.components import ComponentMatcher
from appconsol.reference.names import fold
from appconsol.reference.products import ProductResolver
from appconsol.reference.resources import bundled_yaml, data_file
from conftest import FIXTURES, ROOT

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
    for derived in ("capability_frameworks.csv", "capabilities.yaml"):
        header = data_file(derived).read_text(encoding="utf-8")[:3000]
        assert (
            "provided that all copies of the PCF and any derivative works contain a copy of this notice"
            in " ".join(header.replace("#", " ").split())
        ), derived
        assert "ODC-PDDL-1.0" in header, derived
    readme = data_file("README.md").read_text(encoding="utf-8")
    assert "MIT" in readme and "ODC-PDDL" in readme and "APQC" in readme


# ---- components to lifecycle releases --------------------------------------------------------------

BRIEF_COMPONENTS = [
    ("Win 2012 R2", "windows-server", "2012-r2"),
    ("Windows Server 2012R2 Standard", "windows-server", "2012-r2"),
    ("Windows Server 2008 R2", "windows-server", "2008-r2-sp1"),
    ("MSSQL 2014", "mssqlserver", "12.0-sp3"),
    ("SQL Server 2008 R2 SP3", "mssqlserver", "10.50-sp3"),
    ("SQL Server 2019", "mssqlserver", "15.0"),
    ("Oracle 11g", "oracle-database", "11.2"),
    ("Oracle Database 19c", "oracle-database", "19"),
    ("RHEL6", "rhel", "6"),
    ("RHEL 7.9", "rhel", "7"),
    ("Red Hat Enterprise Linux 8", "rhel", "8"),
    ("Java 8", "oracle-jdk", "8"),
    ("Java 1.7", "oracle-jdk", "7"),
    (".NET Framework 3.5", "dotnetfx", "3.5-sp1"),
    (".NET Framework 4.8", "dotnetfx", "4.8"),
    ("Ubuntu 22.04 LTS", "ubuntu", "22.04"),
    ("PostgreSQL 13", "postgresql", "13"),
    ("Tomcat 9", "tomcat", "9.0"),
    ("IIS 8.5", "windows-server", "2012-r2"),  # IIS is supported with the Windows Server it ships in
    ("Exchange 2013", "msexchange", "2013"),
    ("SharePoint 2016", "sharepoint", "2016"),
    ("PHP 7.4", "php", "7.4"),
    ("Node.js 18", "nodejs", "18"),
    ("CentOS 7", "centos", "7"),
    ("MySQL 5.7", "mysql", "5.7"),
]
MORE_COMPONENTS = [  # spellings from the sample inventories and common variants
    ("Oracle Database 11g R2", "oracle-database", "11.2"),
    ("Oracle 11gR2", "oracle-database", "11.2"),
    ("Oracle 12c", "oracle-database", "12.2"),
    ("Oracle 12.1.0.2", "oracle-database", "12.1"),
    ("Microsoft SQL Server 2008 R2", "mssqlserver", "10.50-sp3"),
    ("SQL Server 2008", "mssqlserver", "10.0-sp4"),
    ("SQL Server 2012", "mssqlserver", "11.0-sp4"),
    ("SQL Server 2016", "mssqlserver", "13.0-sp3"),
    ("Microsoft SQL Server 2017", "mssqlserver", "14.0"),
    ("MS SQL 2019", "mssqlserver", "15.0"),
    ("SQL Server 2019 CU18", "mssqlserver", "15.0"),
    ("Microsoft SQL Server 2014 Enterprise SP2 (64-bit)", "mssqlserver", "12.0-sp2"),
    ("Windows Server 2022", "windows-server", "2022"),
    ("Windows Server 2003 R2", "windows-server", "2003-sp2"),
    ("Windows 2016", "windows-server", "2016"),
    ("Windows XP", "windows", "5-sp3"),
    ("Windows 7", "windows", "7-sp1"),
    ("Windows 10", "windows", "10-22h2"),
    (".NET Framework 4.5.2", "dotnetfx", "4.5.2"),
    (".NET Framework 3.5 SP1", "dotnetfx", "3.5-sp1"),
    (".NET 6", "dotnet", "6"),
    ("Java 21", "oracle-jdk", "21"),
    ("Java 1.8.0_291", "oracle-jdk", "8"),
    ("Java 8 Update 291", "oracle-jdk", "8"),
    ("OpenJDK 17", "eclipse-temurin", "17"),
    ("PHP 8.2", "php", "8.2"),
    ("PostgreSQL 15", "postgresql", "15"),
    ("Postgre SQL 9.6", "postgresql", "9.6"),
    ("Apache Tomcat 8.5.x", "tomcat", "8.5"),
    ("Ubuntu 22.04.3", "ubuntu", "22.04"),
    ("Apache 2.4", "apache-http-server", "2.4"),
    ("Oracle Linux 7", "oracle-linux", "7"),
    ("Micrsoft SQL Server 2016", "mssqlserver", "13.0-sp3"),
]


@pytest.mark.parametrize(("raw", "slug", "cycle"), BRIEF_COMPONENTS + MORE_COMPONENTS)
def test_component_resolves_to_its_release_cycle(raw, slug, cycle):
    product, version = split_component(raw)
    for found in (match_component(product, version), match_component(raw)):
        assert found is not None, raw
        assert (found.product_slug, found.release_cycle) == (slug, cycle), found
        assert 0 < found.confidence <= 1


def test_every_matched_release_is_in_the_lifecycle_table():
    releases = set(load_lifecycle().select("product", "release_cycle").iter_rows())
    assert {(slug, cycle) for _raw, slug, cycle in BRIEF_COMPONENTS + MORE_COMPONENTS} <= releases


@pytest.mark.parametrize(
    "raw",
    [
        "Oracle E-Business Suite R12",
        "SQL Server Reporting Services 2016",
        "PowerBuilder 12.5",
        "Office 365",
        "Acme Widget 3",
        "",
    ],
)
def test_unknown_components_do_not_match(raw):
    assert match_component(raw) is None


def test_known_product_without_a_usable_version_matches_without_a_release():
    bare = match_component("Windows Server")
    assert bare is not None and bare.release_cycle is None and bare.method.endswith("no-version")
    future = match_component("Windows Server", "2031")
    assert future is not None and future.release_cycle is None and future.confidence < 0.5


def test_component_kind_picks_between_products_of_one_name():
    database = match_component("Oracle", "7", "database")
    assert database is not None and (database.product_slug, database.release_cycle) == (
        "oracle-database",
        None,
    )
    os = match_component("Oracle", "7", "os")
    assert os is not None and (os.product_slug, os.release_cycle) == ("oracle-linux", "7")


def test_match_components_works_once_per_distinct_component(monkeypatch):
    calls = []
    original = ComponentMatcher.match

    def counting(self, product, version=None, kind=None):
        calls.append((product, version, kind))
        return original(self, product, version, kind)

    monkeypatch.setattr(ComponentMatcher, "match", counting)
    frame = pl.DataFrame(
        {
            "product": ["Windows Server", "Win2k", "Windows Server", "Acme", None] * 200,
            "version": ["2012 R2", "8 R2", "2012 R2", "3", None] * 200,
            "raw": ["Windows Server 2012 R2", "Win2k8 R2", "Windows Server 2012 R2", "Acme 3", None] * 200,
        }
    )
    matched = match_components(frame)
    assert matched.height == frame.height and matched.columns[:3] == frame.columns
    assert len(calls) <= 2 * 4  # product+version and raw, for each of the 4 distinct rows
    first = matched.head(5).select("lifecycle_product", "release_cycle").rows()
    assert first == [
        ("windows-server", "2012-r2"),
        ("windows-server", "2008-r2-sp1"),  # the raw text wins where the split broke "Win2k8"
        ("windows-server", "2012-r2"),
        (None, None),
        (None, None),
    ]


def test_users_add_their_own_products_and_aliases(tmp_path):
    overrides = tmp_path / "lifecycle.csv"
    overrides.write_text(
        "product,release_cycle,eol,eoas,eoes,note\nidox-uniform,10,2028-03-31,,,\n", encoding="utf-8"
    )
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("products:\n  idox-uniform:\n    aliases: [uniform, idox uniform]\n", encoding="utf-8")
    frame = pl.DataFrame({"product": ["Idox Uniform", "Windows Server"], "version": ["10.4", "2016"]})
    matched = match_components(frame, lifecycle=load_lifecycle(overrides), aliases=aliases)
    assert matched.select("lifecycle_product", "release_cycle").rows() == [
        ("idox-uniform", "10"),
        ("windows-server", "2016"),
    ]


# ---- vendor and product names ----------------------------------------------------------------------

SAME_PRODUCT = {
    "idox/uniform": [
        ("Idox plc", "Idox Uniform"),
        ("IDOX", "Uniform (Idox)"),
        ("Idox Software Ltd", "IDOX Uniform 10"),
        (None, "Uniform"),
    ],
    "microsoft/microsoft-365": [
        ("Microsoft Corporation", "Microsoft 365"),
        ("Microsoft", "Microsoft 365 (NHS N365)"),
        ("Microsoft", "O365"),
        ("Microsoft", "Office 365 E3"),
    ],
    "unit4/erp": [("Unit4 Business Software Ltd", "Agresso Business World"), ("Unit4", "Unit4 Agresso")],
    "civica/app": [("Civica Ltd", "Civica APP"), ("Civica UK Limited", "APP Environmental Health")],
    "mhr/itrent": [
        ("MHR International UK Ltd", "iTrent"),
        ("MHR", "MHR iTrent"),
        ("MHR International", "iTrent HR & Payroll"),
    ],
    "topdesk/topdesk": [("TOPdesk UK Ltd", "TOPdesk"), ("TOPdesk", "Topdesk SaaS")],
    "esri/arcgis": [
        ("Esri UK Ltd", "Esri ArcGIS Enterprise"),
        ("Esri", "ArcGIS"),
        ("ESRI (UK) Ltd", "ArcGIS Pro"),
    ],
    "oracle/e-business-suite": [("Oracle Corporation", "Oracle E-Business Suite"), ("Oracle", "EBS")],
    "liquidlogic/las": [("Liquidlogic", "Liquidlogic Adults' Social Care (LAS)"), ("System C", "LAS")],
}


def _resolve(pairs):
    frame = pl.DataFrame(pairs, schema=["vendor", "name"], orient="row")
    return resolve_products(frame)


@pytest.mark.parametrize("key", sorted(SAME_PRODUCT))
def test_spellings_of_one_product_resolve_to_one_key(key):
    resolved = _resolve(SAME_PRODUCT[key])
    assert resolved["product_key"].to_list() == [key] * len(SAME_PRODUCT[key])
    assert resolved["product_confidence"].min() >= 0.85


def test_vendor_legal_suffixes_are_cut():
    resolved = _resolve(
        [
            (v, None)
            for v in ("Civica Ltd", "Civica UK Limited", "CIVICA", "Oracle Cerner Corporation", "Cerner")
        ]
    )
    assert resolved["vendor_key"].to_list() == ["civica"] * 3 + ["oracle-health"] * 2


def test_distinct_products_of_one_vendor_stay_distinct():
    resolved = _resolve(
        [
            ("Civica UK Limited", "Civica Revenues"),
            ("Civica Ltd", "Civica Parking"),
            ("Civica", "Civica APP"),
            ("Civica", "Civica Parkng"),
        ]
    )
    keys = resolved["product_key"].to_list()
    assert len(set(keys[:3])) == 3
    assert keys[3] == keys[1] and resolved["product_method"][3] == "fuzzy"  # a typo merges, within Civica


def test_fuzzy_matching_stays_inside_a_vendor():
    resolved = _resolve(
        [("Acme Ltd", "Parking Manager"), ("Civica", "Parking Manager"), ("Acme Ltd", "Uniform Accounting")]
    )
    assert resolved["product_key"].to_list() == [
        "acme/parking-manager",
        "civica/parking-manager",
        "acme/uniform-accounting",
    ]


def test_in_house_systems_get_no_shared_product_key():
    resolved = _resolve(
        [("In house", "Planning Portal"), ("Bespoke", "Planning Portal"), ("TBC", "Planning Portal")]
    )
    assert resolved["vendor_key"].to_list() == ["in-house", "in-house", None]
    assert resolved["product_key"].to_list() == [None, None, "planning-portal"]


def test_a_product_named_without_vendor_takes_the_one_vendor_that_sells_it():
    resolved = _resolve([("Wayfarer Digital Ltd", "CCTV Asset Database"), (None, "CCTV Asset Database")])
    assert resolved["product_key"].to_list() == ["wayfarer/cctv-asset-database"] * 2
    assert resolved["product_method"][1] == "inferred-vendor"


def test_product_column_wins_over_the_local_name():
    frame = pl.DataFrame({"vendor": ["Idox"], "product": ["Uniform"], "name": ["Planning system"]})
    assert resolve_products(frame)["product_key"].to_list() == ["idox/uniform"]


def test_users_extend_the_product_aliases(tmp_path):
    aliases = tmp_path / "products.yaml"
    aliases.write_text(
        "vendors:\n  wayfarer: {name: Wayfarer, aliases: [wayfarer digital, wfd]}\n"
        "products:\n  wayfarer/cctv: {name: Wayfarer CCTV, aliases: [cctv asset database, cctv register]}\n",
        encoding="utf-8",
    )
    frame = pl.DataFrame(
        {"vendor": ["WFD", "Wayfarer Digital Ltd"], "name": ["CCTV Register", "CCTV Asset Database"]}
    )
    resolved = resolve_products(frame, aliases=aliases)
    assert resolved["product_key"].to_list() == ["wayfarer/cctv", "wayfarer/cctv"]


def test_nhs_epr_suppliers_resolve_to_one_key_per_supplier():
    trusts = pl.read_excel(FIXTURES / "nhs_trust_epr_suppliers.xlsx", sheet_name="EPR Suppliers 01.10.24")
    resolved = resolve_products(trusts.select(pl.col("Supplier (Primary EPR)").alias("vendor")))
    keys = dict(resolved.select("vendor", "vendor_key").unique().iter_rows())
    assert keys["Oracle Cerner Corporation"] == "oracle-health"
    assert keys["Generic or In House EPR Provider"] == "in-house"
    assert keys["No EPR -  in process of getting one"] is None
    assert (keys["Civica UK Limited"], keys["Epic Systems Corporation"], keys["System C Healthcare Ltd"]) == (
        "civica",
        "epic",
        "system-c",
    )
    suppliers = {v: k for v, k in keys.items() if k not in (None, "in-house")}
    assert len(suppliers) == 22 and len(set(suppliers.values())) == 22  # none merged, none split


def test_resolving_a_large_portfolio_works_on_distinct_names(monkeypatch):
    calls = []
    original = ProductResolver.resolve

    def counting(self, vendor, product):
        calls.append((vendor, product))
        return original(self, vendor, product)

    monkeypatch.setattr(ProductResolver, "resolve", counting)
    vendors = [f"Vendor {i:03d} Ltd" for i in range(500)]
    distinct = [(v, f"System {chr(65 + j)}{j} {v[7:10]}") for v in vendors for j in range(10)]
    rows = [distinct[i % len(distinct)] for i in range(100_000)]
    resolved = _resolve(rows)
    assert resolved.height == 100_000
    assert len(calls) == 5_000
    assert resolved["product_key"].n_unique() == 5_000


# ---- capabilities ----------------------------------------------------------------------------------

SAME_CAPABILITY = {
    "lg.revenues-benefits": [
        "Revenues & Benefits",
        "Council Tax and Benefits",
        "Revs and Bens",
        "revenues and benefits",
        "Revenue & Benefit",
        "Revenus and Benefts",
    ],
    "lg.planning": [
        "Planning",
        "Development Management",
        "Planning & Building Control",
        "Development control",
    ],
    "corp.hr-payroll": ["HR and Payroll", "HR & Payroll", "Payroll", "Payroll and HR", "Human Resources"],
    "corp.finance": ["Finance", "Financial Management", "Finance & Accounts", "ERP"],
    "it.itsm": [
        "IT Service Management",
        "IT Service Desk",
        "ICT Helpdesk",
        "ICT Service Management",
        "IT help desk",
    ],
    "corp.crm": ["CRM", "Customer Relationship Management", "Customer Contact", "Customer Services"],
    "nhs.epr": ["EPR", "Electronic Patient Record", "Electronic health record", "Primary EPR"],
    "lg.adult-social-care": ["Adults' Social Care", "Adult Social Care", "ASC", "Social care (adults)"],
}


@pytest.mark.parametrize("code", sorted(SAME_CAPABILITY))
def test_phrasings_of_one_capability_meet(code):
    frame = pl.DataFrame({"capability": SAME_CAPABILITY[code]})
    mapped = map_capabilities(frame)
    assert mapped["capability_code"].to_list() == [code] * frame.height, mapped


@pytest.mark.parametrize(
    "text",
    [
        *(
            "Council Tax",
            "Housing Benefit",
            "Building Control",
            "Land Charges",
            "Licensing",
            "Environmental Health",
        ),
        *(
            "Waste & Recycling",
            "Parking",
            "Highways",
            "Children's Social Care",
            "School Admissions",
            "Libraries",
        ),
        *("Electoral Registration", "Housing Management", "Procurement", "EDRMS", "Email", "GIS", "Web CMS"),
        *("Payments", "Identity", "PAS", "LIMS", "PACS/RIS", "e-Prescribing", "Maternity", "Theatres"),
        *(
            "Rostering",
            "Fire mobilising",
            "Incident reporting",
            "Community fire safety",
            "Document management",
        ),
    ],
)
def test_common_inventory_capabilities_map_to_the_curated_layer(text):
    found = map_capability(text)
    assert found is not None and found.method in ("alias", "normalised"), text
    assert not found.code.startswith(("apqc", "cofog"))


@pytest.mark.parametrize(
    ("text", "code", "method"),
    [
        (
            "Patient Administration (Community Hospitals)",
            "nhs.pas",
            "partial",
        ),  # "pas" says more than "community"
        ("Concessionary Travel Passes", "lg.public-transport", "partial"),
        ("Street works and street lighting", "lg.highways", "partial-parent"),  # two children: their parent
    ],
)
def test_a_capability_inside_a_longer_text_is_found_by_its_most_distinctive_words(text, code, method):
    found = map_capability(text)
    assert found is not None and (found.code, found.method) == (code, method)
    assert found.confidence < 0.8


def test_unrelated_text_maps_to_nothing():
    assert map_capability("Something entirely different") is None
    assert map_capability("") is None
    assert map_capability("Dermatology photo triage") is None  # specialty or referrals? do not guess


def test_frameworks_are_matched_when_nothing_curated_fits():
    assert map_capability("Police services") == ("cofog:03.1", "Police services", 1.0, "alias")
    found = map_capability("Manage grants")
    assert found is not None and found.code == "apqc-cg:9.13"


def test_taxonomy_is_consistent():
    taxonomy = load_taxonomy()
    codes = set(taxonomy["code"])
    assert taxonomy["code"].is_unique().all()
    assert set(taxonomy["parent"].drop_nulls()) <= codes
    assert set(taxonomy["refs"].explode().drop_nulls()) <= codes
    assert {"cofog:07.3", "apqc-cg:9.3", "apqc-hp:4.6"} <= codes  # COFOG keeps its leading zero
    assert set(taxonomy.filter(pl.col("source").str.starts_with("APQC"))["level"]) == {1, 2}


def test_curated_aliases_are_unambiguous():
    mapper = reference.capabilities.default_mapper()
    owners: dict[str, set[str]] = {}
    for code, name, aliases, source in load_taxonomy().select("code", "name", "aliases", "source").rows():
        if source.startswith(("APQC", "COFOG")):
            continue
        for text in [name, *aliases]:
            owners.setdefault(fold(text), set()).add(code)
            owners.setdefault("~" + mapper.normalise(text), set()).add(code)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def test_users_extend_or_replace_the_taxonomy(tmp_path):
    extra = tmp_path / "ours.yaml"
    extra.write_text(
        "synonyms: {tt: traffic}\ncapabilities:\n"
        "  - {code: our.tt, name: Traffic signals, aliases: [signals, utmc], parent: lg.highways}\n",
        encoding="utf-8",
    )
    mapped = map_capabilities(
        pl.DataFrame({"capability": ["UTMC", "TT signals", "Revs & Bens"]}), taxonomy=extra
    )
    assert mapped["capability_code"].to_list() == ["our.tt", "our.tt", "lg.revenues-benefits"]
    assert load_taxonomy(extra).filter(pl.col("code") == "our.tt")["level"].to_list() == [3]
    ours = tmp_path / "ours.csv"
    ours.write_text(
        "code,name,parent,aliases,refs\nrb,Revenues,,revs and bens|council tax,\n", encoding="utf-8"
    )
    only = map_capabilities(
        pl.DataFrame({"capability": ["Revs and Bens", "Payroll"]}), taxonomy=ours, replace=True
    )
    assert only["capability_code"].to_list() == ["rb", None]


def test_map_capabilities_works_once_per_distinct_text(monkeypatch):
    calls = []
    original = CapabilityMapper.map

    def counting(self, text):
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(CapabilityMapper, "map", counting)
    frame = pl.DataFrame({"app": range(3000), "capability": ["Payroll", "Revs & Bens", None] * 1000})
    mapped = map_capabilities(frame)
    assert len(calls) == 3 and mapped.height == 3000
    assert mapped["capability_code"].head(3).to_list() == ["corp.hr-payroll", "lg.revenues-benefits", None]


# ---- editable lists and the API --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("COBOL", "COBOL"),
        ("VB6", "Visual Basic 6"),
        ("PowerBuilder 12.5", "PowerBuilder"),
        ("Delphi 7", "Delphi"),
        ("PL/I", "PL/I"),
    ],
)
def test_scarce_languages_are_recognised(text, language):
    assert scarce_language(text) == language


@pytest.mark.parametrize("text", ["Java", "Visual Basic .NET", "C#", "Python 3", None])
def test_mainstream_languages_are_not_scarce(text):
    assert scarce_language(text) is None


def test_commodity_capabilities_cover_their_descendants():
    commodity = commodity_capabilities()
    codes = set(commodity["code"])
    assert {
        "corp.finance",
        "corp.hr-payroll",
        "corp.rostering",
        "it.itsm",
        "corp.email-collaboration",
    } <= codes
    assert "corp.gazetteer" not in codes and "lg.planning" not in codes


def test_saas_vendors_name_known_product_keys():
    saas = saas_vendors()
    products = set(bundled_yaml("product_aliases.yaml")["products"])
    assert set(saas["product_key"].drop_nulls()) <= products
    assert "microsoft/microsoft-365" in set(saas["product_key"])


def test_a_user_lists_file_replaces_only_the_lists_it_has(tmp_path):
    path = tmp_path / "lists.yaml"
    path.write_text("scarce_languages:\n  - {name: Plex, aliases: [plex, ca plex]}\n", encoding="utf-8")
    assert scarce_language("CA Plex 7", path) == "Plex"
    assert scarce_language("COBOL", path) is None
    assert saas_vendors(path).height == saas_vendors().height


def test_reference_api_exports_what_it_documents():
    for name in reference.__all__:
        assert getattr(reference, name) is not None
    for name in (
        "lifecycle.parquet",
        "component_aliases.yaml",
        "product_aliases.yaml",
        "capabilities.yaml",
        "lists.yaml",
    ):
        assert data_file(name).is_file(), name


def test_bundled_files_are_package_data_not_beside_the_source():
    package = Path(reference.__file__).parent
    assert (package / "data" / "lifecycle.parquet").is_file()  # hatch ships src/appconsol/** in the wheel
