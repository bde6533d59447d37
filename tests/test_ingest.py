from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from appconsol.errors import InventoryNotFoundError, MappingError
from appconsol.ingest.load import load_inventories, read_inventory
from appconsol.ingest.mapping import read_user_mapping
from appconsol.ingest.prepare import LoadOptions
from conftest import AS_OF, FIXTURES


def _load(paths, store, **kwargs):
    kwargs.setdefault("options", LoadOptions(as_of=AS_OF))
    report = load_inventories([Path(p) for p in paths], store, **kwargs)
    assert report.ok, [str(f.error) for f in report.failures]
    return report


def _rows(store, sql):
    return store.con.execute(sql).fetchall()


HAND_MADE = """Avonvale District Council - Application Register
Last updated March 2026

Application Name,Supplier,Annual Cost,Contract End Date,Business Owner,Capability,Internet Facing
Uniform,Idox,"£12,500.00",31/03/2027,Head of Planning,Planning; Building Control,Y
Revenues,Civica,12.5k,March 2027,Revenues Manager,Council Tax,N
Payroll,MHR,(500),TBC,HR Lead,Payroll,no
"""


def test_csv_header_is_found_below_title_rows(write_csv, store):
    path = write_csv(HAND_MADE)
    inventory = read_inventory(path)
    assert inventory.header.row_number == 4
    assert inventory.header.headers[:2] == ("Application Name", "Supplier")
    _load([path], store, organisation="Avonvale")
    assert _rows(store, "SELECT name, source_row FROM applications ORDER BY source_row") == [
        ("Uniform", 5),
        ("Revenues", 6),
        ("Payroll", 7),
    ]


def test_money_dates_and_flags_are_parsed_and_originals_kept(write_csv, store):
    _load([write_csv(HAND_MADE)], store, organisation="Avonvale")
    rows = _rows(
        store,
        "SELECT name, cost_total, contract_end, internet_facing, originals FROM applications ORDER BY source_row",
    )
    uniform, revenues, payroll = rows
    assert uniform[1] == Decimal("12500.00") and uniform[2] == dt.date(2027, 3, 31) and uniform[3] is True
    assert revenues[1] == Decimal("12500.00") and revenues[2] == dt.date(2027, 3, 1) and revenues[3] is False
    assert payroll[1] == Decimal("-500.00") and payroll[2] is None
    assert json.loads(uniform[4])["cost_total"] == "£12,500.00"
    assert json.loads(revenues[4])["cost_total"] == "12.5k"


def test_capability_lists_become_one_row_each(write_csv, store):
    _load([write_csv(HAND_MADE)], store, organisation="Avonvale")
    assert _rows(
        store, "SELECT capability FROM app_capabilities WHERE app_id = 'name:uniform' ORDER BY 1"
    ) == [
        ("Building Control",),
        ("Planning",),
    ]


def test_rows_without_name_or_with_duplicate_id_are_rejected_with_reasons(write_csv, store):
    text = "App ID,Name,Vendor\nA1,Uniform,Idox\nA2,,Civica\nA1,Payroll,MHR\n\nA3,Email,Microsoft\n"
    report = _load([write_csv(text)], store, organisation="Thornbury")
    record = report.records[0]
    assert (record.rows_read, record.rows_blank, record.rows_loaded, record.rows_rejected) == (4, 1, 2, 2)
    assert record.rows_loaded + record.rows_rejected == record.rows_read
    reasons = dict(_rows(store, "SELECT source_row, reason FROM rejected_rows"))
    assert reasons[3] == "no application name"
    assert reasons[4].startswith("duplicate app_id 'A1' in organisation 'Thornbury' (first at row 2)")
    raw = json.loads(_rows(store, "SELECT raw FROM rejected_rows WHERE source_row = 4")[0][0])
    assert raw == {"App ID": "A1", "Name": "Payroll", "Vendor": "MHR"}


def test_same_name_twice_keeps_both_rows_with_stable_generated_ids(write_csv, store):
    # Same name, different content (an exact copy is rejected as a duplicate: issue 8).
    path = write_csv("Name,Vendor\nEmail,Microsoft\nEmail,Google\n")
    _load([path], store, organisation="X")
    first = _rows(store, "SELECT app_id, app_id_generated FROM applications ORDER BY source_row")
    # Numbered by their other values (Google before Microsoft), not file order, so that moving
    # rows keeps each its id and finding keys (issue 12).
    assert first == [("name:email-2", True), ("name:email", True)]
    path.write_text("Name,Vendor\nEmail,Google\nEmail,Microsoft\n")
    _load([path], store, organisation="X")
    moved = _rows(store, "SELECT app_id, vendor FROM applications ORDER BY source_row")
    assert moved == [("name:email", "Google"), ("name:email-2", "Microsoft")]
    path.write_text("Name,Vendor\nEmail,Microsoft\nEmail,Google\n")
    _load([path], store, organisation="X")
    assert _rows(store, "SELECT app_id, app_id_generated FROM applications ORDER BY source_row") == first


def test_reloading_a_file_replaces_its_rows(write_csv, store):
    path = write_csv("Name,Vendor,Capability\nUniform,Idox,Planning\nEmail,Microsoft,Email\n")
    _load([path], store, organisation="X")
    path.write_text("Name,Vendor,Capability\nUniform,Idox,Planning\n")
    report = _load([path], store, organisation="X")
    assert report.records[0].replaced == 1
    assert _rows(store, "SELECT count(*) FROM applications") == [(1,)]
    assert _rows(store, "SELECT count(*) FROM app_capabilities") == [(1,)]
    assert _rows(store, "SELECT count(*) FROM loads") == [(1,)]


def test_unmapped_columns_are_kept_as_json(write_csv, store):
    _load([write_csv("Name,Vendor,Favourite colour\nUniform,Idox,blue\n")], store, organisation="X")
    assert json.loads(_rows(store, "SELECT unmapped FROM applications")[0][0]) == {"Favourite colour": "blue"}


def test_ragged_csv_rows_are_rejected_or_warned_never_silent(write_csv, store):
    text = "Name,Vendor,Version\nUniform,Idox,10\nRevenues,Civica\nPayroll,MHR,5,extra\n"
    report = _load([write_csv(text)], store, organisation="X")
    record = report.records[0]
    assert (record.rows_loaded, record.rows_rejected) == (2, 1)
    assert _rows(store, "SELECT source_row, reason FROM rejected_rows") == [
        (4, "row has 4 fields but the header has 3")
    ]
    warnings = _rows(store, "SELECT source_row, problem FROM load_warnings")
    assert (3, "row has 2 fields but the header has 3; missing cells read as blank") in warnings


def test_cp1252_semicolon_csv_is_read(write_csv, store):
    text = "System;Supplier;Annual cost\nUniform;Idox;£1,200\nCRM;Granicus;£300\n"
    path = write_csv(text, encoding="cp1252")
    _load([path], store, organisation="Thornbury")
    assert _rows(store, "SELECT name, cost_total FROM applications ORDER BY 1") == [
        ("CRM", Decimal("300.00")),
        ("Uniform", Decimal("1200.00")),
    ]


def test_two_row_merged_header_maps_costs_under_their_group(write_xlsx, store):
    rows = [
        ["Avonvale District Council - Application Register"],
        [],
        ["Application", None, "Annual costs (£)", None, None],
        ["Name", "Supplier", "Licence", "Support", "Hosting"],
        ["Uniform", "Idox", 10000, 2000, 500],
        [],
        ["Email", "Microsoft", 300, None, 0],
    ]
    path = write_xlsx(
        {"Register": rows},
        merges=[("Register", 2, 0, 2, 1, "Application"), ("Register", 2, 2, 2, 4, "Annual costs (£)")],
    )
    inventory = read_inventory(path)
    assert inventory.header.two_row and inventory.header.row_number == 4
    fields = {m.header: m.field for m in inventory.matches}
    assert fields["Annual costs (£) Hosting"] == "cost_hosting"
    assert fields["Annual costs (£) Licence"] == "cost_licence"
    report = _load([path], store, organisation="Avonvale")
    assert (report.records[0].rows_read, report.records[0].rows_blank) == (2, 1)
    assert _rows(
        store, "SELECT name, cost_licence, cost_hosting, source_row FROM applications ORDER BY source_row"
    ) == [
        ("Uniform", Decimal("10000.00"), Decimal("500.00"), 5),
        ("Email", Decimal("300.00"), Decimal("0.00"), 7),
    ]


def test_readme_and_hidden_sheets_are_skipped_unless_asked(write_xlsx):
    inventory_rows = [["Name", "Vendor", "Capability"], ["Uniform", "Idox", "Planning"]]
    stale = [["Application Name", "Supplier", "Capability", "Owner", "Version"], ["Old", "X", "Y", "Z", "1"]]
    path = write_xlsx(
        {"README": [["About this workbook"]], "Old": stale, "Apps": inventory_rows}, hidden=["Old"]
    )
    assert read_inventory(path).grid.sheet == "Apps"
    assert read_inventory(path, include_hidden=True).grid.sheet == "Old"
    assert read_inventory(path, sheet="Old").grid.sheet == "Old"


def test_error_cells_become_warnings_not_silent_blanks(write_xlsx, store):
    def na(sheet, r, c):
        sheet.write_formula(r, c, "=NA()", None, "#N/A")

    path = write_xlsx({"Apps": [["Name", "Vendor", "Go live date"], ["Uniform", "Idox", na]]})
    _load([path], store, organisation="X")
    assert _rows(store, "SELECT source_row, source_column, problem FROM load_warnings") == [
        (2, "Go live date", "error cell #N/A")
    ]


def test_unparseable_date_is_a_warning_and_the_row_still_loads(write_csv, store):
    _load([write_csv("Name,Go live date\nUniform,next spring\n")], store, organisation="X")
    assert _rows(store, "SELECT count(*) FROM applications") == [(1,)]
    ((field, value, problem),) = _rows(store, "SELECT field, value, problem FROM load_warnings")
    assert (field, value) == ("go_live", "next spring") and "date" in problem


def test_user_mapping_wins_over_detection(write_csv, store, tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('columns:\n  "Supplier": product\n  "Cost": ignore\n')
    path = write_csv("Name,Supplier,Cost\nUniform,Idox Uniform,100\n")
    _load([path], store, organisation="X", mapping=read_user_mapping(mapping))
    assert _rows(store, "SELECT vendor, product, cost_total FROM applications") == [
        (None, "Idox Uniform", None)
    ]


def test_mapping_file_with_unknown_field_names_the_line(tmp_path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text('columns:\n  "Name": name\n  "Supplier": suplier\n')
    with pytest.raises(MappingError) as caught:
        read_user_mapping(mapping)
    assert "mapping.yaml:3" in str(caught.value) and "suplier" in str(caught.value)


def test_leanix_lifecycle_is_the_phase_current_on_the_as_of_date(write_xlsx, store):
    header = [
        "ID",
        "Type",
        "Name",
        "Lifecycle: Active",
        "Lifecycle: Phase Out",
        "Lifecycle: End Of Life",
        "Functional Fit",
        "Technical Fit",
        "IT Components",
    ]
    rows = [
        header,
        [
            "a1",
            "Application",
            "PAS",
            dt.date(2015, 1, 1),
            dt.date(2026, 1, 1),
            dt.date(2027, 6, 1),
            "insufficient",
            "unreasonable",
            "Windows Server 2012 R2; SQL Server 2014",
        ],
        [
            "a2",
            "Application",
            "EPR",
            dt.date(2020, 1, 1),
            None,
            None,
            "perfect",
            "fullyAppropriate",
            "RHEL 9",
        ],
    ]
    path = write_xlsx({"Export": rows})
    inventory = read_inventory(path)
    assert inventory.profile is not None and inventory.profile.name == "leanix"
    _load([path], store, organisation="Trust")
    assert _rows(
        store, "SELECT name, lifecycle, functional_fit, technical_fit FROM applications ORDER BY name"
    ) == [
        ("EPR", "active", 4, 4),
        ("PAS", "phase-out", 2, 2),
    ]
    assert _rows(
        store, "SELECT kind, product, version FROM app_components WHERE app_id = 'a1' ORDER BY kind"
    ) == [
        ("database", "SQL Server", "2014"),
        ("os", "Windows Server", "2012 R2"),
    ]


def test_konveyor_tags_map_to_fields_and_dependency_rows_are_accounted(write_csv, store):
    header = "Record Type 1,Application Name,Description,Comments,Business Service,Dependency,Dependency Direction,Binary Group,Binary Artifact,Binary Version,Binary Packaging,Repository Type,Repository URL,Repository Branch,Repository Path,Tag Category 1,Tag 1,Tag Category 2,Tag 2"
    rows = [
        "1,Vision FIRE,Mobilising,,Control,,,,,,,,,,,Capability,Mobilising,Operating System,Windows Server 2008 R2",
        "1,Gartan,Availability,,Crewing,,,,,,,,,,,Language,Java,Database,SQL Server 2012",
        "2,Vision FIRE,,,,Gartan,northbound,,,,,,,,,,,,",
    ]
    path = write_csv("\n".join([header, *rows]) + "\n")
    report = _load([path], store, organisation="Fire")
    assert report.records[0].profile == "konveyor"
    assert (report.records[0].rows_loaded, report.records[0].rows_rejected) == (3, 0)
    assert _rows(store, "SELECT name, languages FROM applications ORDER BY name") == [
        ("Gartan", ["Java"]),
        ("Vision FIRE", None),
    ]
    assert _rows(store, "SELECT kind, product, version FROM app_components ORDER BY kind") == [
        ("database", "SQL Server", "2012"),
        ("os", "Windows Server", "2008 R2"),
    ]
    assert _rows(store, "SELECT app_name, depends_on, direction FROM app_dependencies") == [
        ("Vision FIRE", "Gartan", "northbound")
    ]
    # Tag columns feed fields through their category, never as capabilities of their own.
    assert _rows(store, "SELECT app_id, capability FROM app_capabilities") == [
        ("name:vision-fire", "Mobilising")
    ]


def test_sheet_without_inventory_is_refused_naming_file_and_sheet(write_xlsx):
    path = write_xlsx({"Budget": [["Quarter", "Spend"], ["Q1", 100]]})
    with pytest.raises(InventoryNotFoundError) as caught:
        read_inventory(path)
    assert "inventory.xlsx" in str(caught.value) and "Budget" in str(caught.value)


def test_real_nhs_epr_workbook_loads_all_209_trusts_skipping_the_very_hidden_sheet(store):
    mapping = read_user_mapping(FIXTURES / "nhs_epr_mapping.yaml")
    report = _load([FIXTURES / "nhs_trust_epr_suppliers.xlsx"], store, mapping=mapping)
    record = report.records[0]
    assert record.sheet == "EPR Suppliers 01.10.24"
    assert (record.rows_read, record.rows_loaded, record.rows_rejected) == (209, 209, 0)
    assert _rows(store, "SELECT count(DISTINCT organisation) FROM applications") == [(209,)]
    assert _rows(store, "SELECT count(*) FROM applications WHERE vendor = 'TPP'")[0][0] > 0


def test_real_gsa_csv_with_bom_and_embedded_newlines_loads_every_row(store):
    report = _load([FIXTURES / "gsa_it_standards_2022.csv"], store, organisation="GSA")
    record = report.records[0]
    assert (record.rows_read, record.rows_loaded + record.rows_rejected) == (998, 998)
    assert record.rows_rejected == 0
    assert _rows(store, "SELECT name FROM applications WHERE source_row = 2") == [("AcroPlot Suite",)]


def test_azure_migrate_style_application_list_is_detected(write_csv, store):
    text = "Machine name,Application,Version,Provider,Operating system\nsrv-01,Uniform,10.2,Idox,Windows Server 2012 R2\n"
    path = write_csv(text)
    inventory = read_inventory(path)
    assert inventory.profile is not None and inventory.profile.name == "azure-migrate"
    _load([path], store, organisation="X")
    assert _rows(store, "SELECT name, vendor, version FROM applications") == [("Uniform", "Idox", "10.2")]
    assert _rows(store, "SELECT kind, product, version FROM app_components") == [
        ("os", "Windows Server", "2012 R2")
    ]


def test_real_govuk_yaml_estate_loads_one_row_per_record(store):
    mapping = read_user_mapping(FIXTURES / "govuk_mapping.yaml")
    report = _load([FIXTURES / "govuk_repos_2026.yml"], store, mapping=mapping)
    record = report.records[0]
    assert (record.rows_read, record.rows_loaded, record.rows_rejected) == (136, 136, 0)
    assert _rows(store, "SELECT name, technical_owner FROM applications WHERE source_row = 2") == [
        ("account-api", "#govuk-patterns-and-pages-tech")
    ]
    unmapped = json.loads(
        _rows(store, "SELECT unmapped FROM applications WHERE name = 'asset-manager'")[0][0]
    )
    assert unmapped["alerts_team"] == "#govuk-content-apis-system-alerts"


def test_yaml_alias_bomb_is_refused(tmp_path, store):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
    )
    report = load_inventories([bomb], store, organisation="X")
    assert not report.ok
    assert "aliases are not accepted" in str(report.failures[0].error) and "bomb.yaml" in str(
        report.failures[0].error
    )


def test_json_list_of_records_loads(write_csv, store):
    path = write_csv(
        json.dumps([{"name": "Uniform", "vendor": "Idox", "tags": ["planning"]}, {"name": "Email"}]),
        name="apps.json",
    )
    _load([path], store, organisation="X")
    assert _rows(store, "SELECT name, vendor FROM applications ORDER BY source_row") == [
        ("Uniform", "Idox"),
        ("Email", None),
    ]
