"""Exports nobody here designed (issue 8): each case seen on a real user's file, as a test.

Every test asserts what a user would check: the rows, names, costs and organisations that were
stored, or that loading stopped and asked with a proposed mapping, never that it "ran".
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from appconsol.errors import MappingError, MappingNeededError
from appconsol.ingest.load import load_inventories, read_inventory
from appconsol.ingest.mapping import read_user_mapping
from appconsol.ingest.prepare import LoadOptions
from conftest import AS_OF


def _load(paths, store, **kwargs):
    kwargs.setdefault("options", LoadOptions(as_of=AS_OF))
    return load_inventories([Path(p) for p in paths], store, **kwargs)


def _rows(store, sql):
    return store.con.execute(sql).fetchall()


# -- crashes ----------------------------------------------------------------------------------------


def test_repeated_explicit_id_in_the_last_rows_is_rejected_not_a_panic(write_csv, store):
    path = write_csv("App ID,Application Name\nB,Bx\nC,Cx\nA,Ax\nA,Ay\n")
    report = _load([path], store)
    assert report.ok
    assert _rows(store, "SELECT app_id, name FROM applications ORDER BY app_id") == [
        ("A", "Ax"),
        ("B", "Bx"),
        ("C", "Cx"),
    ]
    ((reason,),) = _rows(store, "SELECT reason FROM rejected_rows")
    assert reason.startswith("duplicate app_id 'A'")


def test_empty_default_sheets_are_skipped_and_the_inventory_sheet_loads(write_xlsx, store):
    path = write_xlsx(
        {
            "Apps": [
                ["Application", "Supplier", "Annual cost"],
                ["Payroll", "MHR", 1000],
                ["HR", "Oracle", 2000],
            ],
            "Sheet2": [],
            "Sheet3": [],
        }
    )
    report = _load([path], store, organisation="Avonvale")
    assert report.ok
    assert _rows(store, "SELECT name, cost_total FROM applications ORDER BY name") == [
        ("HR", Decimal("2000.00")),
        ("Payroll", Decimal("1000.00")),
    ]


def test_a_panic_in_one_file_costs_that_file_only(write_csv, store, monkeypatch):
    import appconsol.ingest.load as load_module

    class FakePanic(BaseException):  # pyo3's PanicException derives from BaseException
        pass

    real = load_module.prepare_grid

    def panicking(grid, header, matches, profile, source, options):
        if source.name == "bad.csv":
            raise FakePanic("assertion failed: i < self.len()")
        return real(grid, header, matches, profile, source, options)

    monkeypatch.setattr(load_module, "prepare_grid", panicking)
    bad = write_csv("Name,Vendor\nUniform,Idox\n", name="bad.csv")
    good = write_csv("Name,Vendor\nPayroll,MHR\n", name="good.csv")
    report = _load([bad, good], store, organisation="X")
    assert [f.path.name for f in report.failures] == ["bad.csv"]
    assert "internal error" in str(report.failures[0].error)
    assert _rows(store, "SELECT name FROM applications") == [("Payroll",)]


# -- silent garbage ---------------------------------------------------------------------------------


def _register_rows() -> list[list[object]]:
    rows: list[list[object]] = [
        ["Thornbury Borough Council"],
        ["Application register - owned by ICT"],
        ["Please keep this up to date; hosting and owner columns are mandatory"],
        [
            "Ref",
            "Application ",
            "Supplier",
            "Service Area ",
            "Business Owner",
            None,
            "Hosting",
            "Annual cost",
        ],
    ]
    hosting = ["Council data centre", "Supplier hosted", "Council data centre", "Cloud (SaaS)"]
    names = ["HMO Licensing Database", "Planning Portal", "Revenues and Benefits", "Waste Rounds"]
    names += ["Fleet Tracker", "Parking Permits", "Electoral Register", "Land Charges"]
    for i, name in enumerate(names):
        rows.append(
            [
                f"APP-{i + 1:03d}",
                name,
                ["Idox", "Civica", "Capita", "Bartec"][i % 4],
                ["Housing", "Planning", "Finance", "Environment"][i % 4],
                f"Owner {i}",
                f"owner{i}@thornbury.gov.uk",
                hosting[i % 4],
                f"£{(i + 1) * 1000:,}",
            ]
        )
    return rows


def test_header_below_title_and_notes_rows_with_a_merged_owner_header_is_found(write_xlsx, store):
    path = write_xlsx({"Register": _register_rows()}, merges=[("Register", 3, 4, 3, 5, "Business Owner")])
    inventory = read_inventory(path)
    assert inventory.header.row_number == 4
    fields = {m.header: m.field for m in inventory.matches}
    assert fields["Application"] == "name" and fields["Ref"] == "app_id"
    assert fields["Hosting"] != "organisation"
    report = _load([path], store, organisation="Thornbury Borough Council")
    assert report.ok, [str(f.error) for f in report.failures]
    names = [r[0] for r in _rows(store, "SELECT name FROM applications ORDER BY app_id")]
    assert names[0] == "HMO Licensing Database" and len(names) == 8
    assert _rows(store, "SELECT DISTINCT organisation FROM applications") == [("Thornbury Borough Council",)]
    assert _rows(store, "SELECT sum(cost_total) FROM applications") == [(Decimal("36000.00"),)]


def test_leanix_display_name_is_the_name_and_type_and_subscription_dates_are_not(write_csv, store):
    lines = [
        "ID,Display Name,Application Type,Lifecycle: Active,Lifecycle: Phase Out,Functional Fit,Subscription End"
    ]
    types = ["SaaS", "Custom Built", "Commercial Off-The-Shelf"]
    for i in range(15):
        lines.append(f"id-{i},System {i} (v{i}),{types[i % 3]},2020-01-01,,Adequate,2027-0{1 + i % 9}-01")
    path = write_csv("\n".join(lines) + "\n")
    inventory = read_inventory(path)
    fields = {m.header: m.field for m in inventory.matches}
    assert fields["Display Name"] == "name"
    assert fields["Application Type"] != "name"
    assert fields["Subscription End"] not in {"cost_licence", "cost_total"}
    assert _load([path], store, organisation="Trust").ok
    assert _rows(store, "SELECT count(DISTINCT name) FROM applications") == [(15,)]


def test_email_column_is_never_mapped_to_a_cost(write_csv):
    lines = ["Application,Licence,Support contact"]
    for i in range(10):
        lines.append(f"App {i},£{i}00,person{i}@example.gov.uk")
    inventory = read_inventory(write_csv("\n".join(lines) + "\n"))
    fields = {m.header: m.field for m in inventory.matches}
    assert fields["Licence"] == "cost_licence"
    assert fields["Support contact"] not in {"cost_support", "cost_total", "cost_licence"}


def test_several_yearly_cost_columns_stop_and_ask_with_a_proposed_mapping(write_csv, store, tmp_path):
    lines = ["Application,Annual cost 2022/23,Annual cost 2023/24"]
    lines += [f"App {i},{i}000,{i}100" for i in range(1, 8)]
    path = write_csv("\n".join(lines) + "\n")
    report = _load([path], store, proposals_dir=tmp_path / "proposals")
    (failure,) = report.failures
    assert isinstance(failure.error, MappingNeededError)
    assert "Annual cost 2022/23" in str(failure.error) and "Annual cost 2023/24" in str(failure.error)
    proposal = failure.error.proposal
    assert proposal is not None and proposal.exists()
    assert "CHECK" in proposal.read_text()
    assert _rows(store, "SELECT count(*) FROM applications") == [(0,)]
    # The user decides (edits field names only) and the file loads exactly.
    text = proposal.read_text().replace('"Annual cost 2022/23": cost_total', '"Annual cost 2022/23": ignore')
    text = text.replace('"Annual cost 2022/23": ignore', '"Annual cost 2022/23": ignore', 1)
    edited = tmp_path / "edited.yaml"
    edited.write_text(_set_field(text, "Annual cost 2023/24", "cost_total"))
    report = _load([path], store, mapping=read_user_mapping(edited), organisation="X")
    assert report.ok, [str(f.error) for f in report.failures]
    assert _rows(store, "SELECT sum(cost_total) FROM applications") == [
        (Decimal(sum(i * 1000 + 100 for i in range(1, 8))),)
    ]


def _set_field(text: str, header: str, field: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.strip().startswith(f'"{header}":'):
            line = f'  "{header}": {field}'
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_blank_organisation_cells_are_rejected_never_named_after_the_file(write_csv, store):
    path = write_csv(
        "Organisation,Application\nAvonvale,Payroll\n,Planning\nThornbury,Payroll\n", name="partners.csv"
    )
    assert _load([path], store).ok
    assert _rows(store, "SELECT organisation FROM applications ORDER BY 1") == [("Avonvale",), ("Thornbury",)]
    ((reason,),) = _rows(store, "SELECT reason FROM rejected_rows")
    assert "organisation" in reason
    assert _rows(store, "SELECT count(*) FROM applications WHERE organisation = 'partners'") == [(0,)]


def test_org_option_wins_over_an_organisation_column(write_csv, store):
    path = write_csv("Organisation,Application\nCouncil data centre,Payroll\nSupplier hosted,Planning\n")
    assert _load([path], store, organisation="Avonvale").ok
    assert _rows(store, "SELECT DISTINCT organisation FROM applications") == [("Avonvale",)]


def test_json_application_record_is_one_application_not_its_environments(tmp_path, store):
    record = {
        "account-type": "member",
        "environments": [{"name": "production"}, {"name": "development"}, {"name": "preproduction"}],
        "tags": {"application": "Prison Visits Booking", "business-unit": "HMPPS", "owner": "Digital"},
    }
    path = tmp_path / "prison-visits.json"
    path.write_text(json.dumps(record))
    inventory = read_inventory(path)
    assert "tags.application" in inventory.header.headers
    assert "tags.business-unit" in inventory.header.headers
    assert inventory.grid.frame.height == 2  # the header and one record


def test_total_row_is_skipped_and_counted_not_loaded(write_xlsx, store):
    def total(sheet, r, c):
        sheet.write_formula(r, c, "=SUM(C2:C4)", None, 6000)

    path = write_xlsx(
        {
            "Apps": [
                ["Application", "Supplier", "Annual cost"],
                ["Payroll", "MHR", 1000],
                ["Planning", "Idox", 2000],
                ["Revenues", "Civica", 3000],
                ["TOTAL", None, total],
            ]
        }
    )
    report = _load([path], store, organisation="X")
    (record,) = report.records
    assert (record.rows_read, record.rows_loaded, record.rows_rejected, record.rows_skipped) == (4, 3, 0, 1)
    assert _rows(store, "SELECT sum(cost_total) FROM applications") == [(Decimal("6000.00"),)]
    ((reason,),) = _rows(store, "SELECT reason FROM rejected_rows")
    assert reason.startswith("skipped: summary row")


def test_unlabelled_sum_row_below_the_data_is_skipped(write_csv, store):
    path = write_csv("Application,Annual cost\nPayroll,1000\nPlanning,2000\n,3000\n")
    (record,) = _load([path], store, organisation="X").records
    assert (record.rows_loaded, record.rows_skipped) == (2, 1)


def test_exact_duplicate_row_is_rejected_as_a_copy_so_its_cost_counts_once(write_csv, store):
    path = write_csv(
        "Application,Supplier,Annual cost\nPayroll,MHR,1000\nPlanning,Idox,2000\nPayroll,MHR,1000\n"
    )
    (record,) = _load([path], store, organisation="X").records
    assert (record.rows_loaded, record.rows_rejected) == (2, 1)
    ((reason,),) = _rows(store, "SELECT reason FROM rejected_rows")
    assert reason == "duplicate of row 2 (every cell the same)"
    assert _rows(store, "SELECT sum(cost_total) FROM applications") == [(Decimal("3000.00"),)]


def test_same_name_with_different_content_is_kept_for_data_quality(write_csv, store):
    path = write_csv("Application,Supplier\nPayroll,MHR\nPayroll,Civica\n")
    (record,) = _load([path], store, organisation="X").records
    assert record.rows_loaded == 2


def test_blank_name_is_rejected_never_filled_from_another_column(write_csv, store):
    path = write_csv("Application,Description,Supplier\nPayroll,Pays staff,MHR\n,Books rooms,Civica\n")
    (record,) = _load([path], store, organisation="X").records
    assert record.rows_rejected == 1
    assert _rows(store, "SELECT name FROM applications") == [("Payroll",)]
    ((reason,),) = _rows(store, "SELECT reason FROM rejected_rows")
    assert reason == "no application name"


def test_units_row_under_the_header_is_skipped(write_csv, store):
    text = (
        "App ID,Application,Annual cost,Go live\n"
        "Unique identifier,Name of the application,GBP per year,dd/mm/yyyy\n"
        "A1,Payroll,1000,01/04/2019\nA2,Planning,2000,01/05/2020\nA3,Revenues,3000,01/06/2021\n"
    )
    (record,) = _load([write_csv(text)], store, organisation="X").records
    assert (record.rows_loaded, record.rows_skipped) == (3, 1)
    assert _rows(store, "SELECT count(*) FROM applications WHERE name = 'Name of the application'") == [(0,)]


# -- dead ends --------------------------------------------------------------------------------------


def test_map_write_gives_a_starter_for_a_file_without_a_name_column(tmp_path):
    from click.testing import CliRunner

    from appconsol.cli import cli
    from conftest import FIXTURES

    out = tmp_path / "mapping.yaml"
    result = CliRunner().invoke(
        cli, ["map", str(FIXTURES / "nhs_trust_epr_suppliers.xlsx"), "--write", str(out)]
    )
    assert out.exists(), result.output
    text = out.read_text()
    assert "CHECK" in text or "name" in text
    assert '"Supplier (Primary EPR)"' in text
    # Editing field names only makes it load.
    edited = _set_field(text, "Supplier (Primary EPR)", "name")
    mapping_path = tmp_path / "edited.yaml"
    mapping_path.write_text(edited)
    mapping = read_user_mapping(mapping_path)
    assert mapping.columns["Supplier (Primary EPR)"] == "name"


def test_mapping_values_translate_source_terms(write_csv, store, tmp_path):
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text(
        "columns:\n  Application: name\n  Hosted: hosting_model\nvalues:\n  hosting_model:\n    carrenza: private-cloud\n    aws: iaas\n"
    )
    path = write_csv("Application,Hosted\nPublisher,carrenza\nFrontend,AWS\nSearch,heroku\n")
    report = _load([path], store, mapping=read_user_mapping(mapping_file), organisation="GDS")
    assert report.ok
    assert _rows(store, "SELECT name, hosting_model FROM applications ORDER BY name") == [
        ("Frontend", "iaas"),
        ("Publisher", "private-cloud"),
        ("Search", None),
    ]


def test_mapping_where_keeps_only_matching_rows_and_counts_the_rest_as_skipped(write_csv, store, tmp_path):
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text("columns:\n  Name: name\n  Type: ignore\nwhere:\n  Type: ApplicationComponent\n")
    path = write_csv("Type,Name\nApplicationComponent,CRM\nNode,Server 1\nApplicationComponent,Portal\n")
    (record,) = _load([path], store, mapping=read_user_mapping(mapping_file), organisation="X").records
    assert (record.rows_loaded, record.rows_skipped) == (2, 1)


def test_mapping_value_outside_the_vocabulary_is_an_error_with_its_line(tmp_path):
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text("columns:\n  Name: name\nvalues:\n  hosting_model:\n    carrenza: datacentre\n")
    with pytest.raises(MappingError) as caught:
        read_user_mapping(mapping_file)
    assert caught.value.location.line == 5


def test_yaml_alias_bomb_in_a_mapping_file_is_refused(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\ncolumns: *b\n"
    mapping_file = tmp_path / "m.yaml"
    mapping_file.write_text(bomb)
    with pytest.raises(Exception) as caught:
        read_user_mapping(mapping_file)
    assert "alias" in str(caught.value).lower()


# -- robust reading ---------------------------------------------------------------------------------


def test_one_stray_cp1252_byte_in_a_utf8_file_marks_its_cell_not_the_whole_file(write_csv, store):
    path = write_csv("x")
    path.write_bytes(
        "Name,Vendor\nCafé app,MHR\n".encode() + b"Plan\xe9 thing,Idox\n" + "Révenues,Civica\n".encode()
    )
    assert _load([path], store, organisation="X").ok
    names = [r[0] for r in _rows(store, "SELECT name FROM applications ORDER BY source_row")]
    assert names[0] == "Café app" and names[2] == "Révenues"
    ((row, column, problem),) = _rows(store, "SELECT source_row, source_column, problem FROM load_warnings")
    assert (row, column) == (3, "Name") and "UTF-8" in problem


def test_unterminated_quote_on_the_last_line_costs_that_row_only(write_csv, store):
    path = write_csv('Name,Vendor\nPayroll,MHR\nPlanning,Idox\n"Revenues,Civica\n')
    (record,) = _load([path], store, organisation="X").records
    assert (record.rows_loaded, record.rows_rejected) == (2, 1)
    ((row, reason),) = _rows(store, "SELECT source_row, reason FROM rejected_rows")
    assert row == 4 and "line 4" in reason


def test_control_characters_are_removed_from_their_cells_with_a_warning(write_csv, store):
    path = write_csv("x")
    path.write_bytes(b"Name,Vendor\nPayroll,MHR\nPlan\x00ning,Idox\nRev\x07enues,Civ\x1bica\n")
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT name, vendor FROM applications ORDER BY source_row") == [
        ("Payroll", "MHR"),
        ("Planning", "Idox"),
        ("Revenues", "Civica"),
    ]
    assert _rows(store, "SELECT count(*) FROM load_warnings WHERE problem = 'control character removed'") == [
        (3,)
    ]


def test_headers_differing_only_by_case_are_an_error_naming_both(write_csv, store):
    report = _load([write_csv("Name,Vendor,Cost,cost\nPayroll,MHR,1,2\n")], store, organisation="X")
    (failure,) = report.failures
    assert "'Cost'" in str(failure.error) and "'cost'" in str(failure.error)


def test_a_field_over_128_kb_loads(write_csv, store):
    long = "x" * 200_000
    path = write_csv(f"Name,Description\nPayroll,{long}\nPlanning,short\n")
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT length(description) FROM applications ORDER BY source_row") == [
        (200_000,),
        (5,),
    ]


def test_real_nhs_workbook_without_a_name_column_stops_and_proposes_a_mapping(store, tmp_path):
    from conftest import FIXTURES

    report = _load([FIXTURES / "nhs_trust_epr_suppliers.xlsx"], store, proposals_dir=tmp_path)
    (failure,) = report.failures
    assert isinstance(failure.error, MappingNeededError)
    assert "application name" in str(failure.error)
    text = failure.error.proposal.read_text()
    assert "header_row: 1" in text and '"Supplier (Primary EPR)"' in text
    # Only field names edited: the supplier is what each trust runs as its EPR.
    edited = tmp_path / "edited.yaml"
    edited.write_text(_set_field(text, "Supplier (Primary EPR)", "name"))
    report = _load([FIXTURES / "nhs_trust_epr_suppliers.xlsx"], store, mapping=read_user_mapping(edited))
    assert report.ok, [str(f.error) for f in report.failures]
    assert _rows(store, "SELECT count(*), count(DISTINCT organisation) FROM applications") == [(209, 209)]


# -- values that changed silently (issue 9, item 7) ------------------------------------------------


def test_trailing_minus_and_credit_amounts_are_negative(write_csv, store):
    path = write_csv(
        'Application,Annual cost\nRefund A,"£12,500.00-"\nRefund B,"300 CR"\nPayroll,"1,000 DR"\n'
    )
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT name, cost_total FROM applications ORDER BY source_row") == [
        ("Refund A", Decimal("-12500.00")),
        ("Refund B", Decimal("-300.00")),
        ("Payroll", Decimal("1000.00")),
    ]


def test_placeholder_years_are_null_with_a_warning_not_shifted_to_this_century(write_csv, store):
    rows = (
        "Payroll,01/01/0001\nPlanning,31/12/9999\nRevenues,31/03/2027\nWaste,30/06/2028\nFleet,01/04/2029\n"
    )
    path = write_csv("Application,Contract end\n" + rows)
    assert _load([path], store, organisation="X").ok
    nulls = [r[0] for r in _rows(store, "SELECT contract_end IS NULL FROM applications ORDER BY source_row")]
    assert nulls == [True, True, False, False, False]
    assert _rows(store, "SELECT count(*) FROM load_warnings WHERE field = 'contract_end'") == [(2,)]


def test_numeric_ids_longer_than_excel_keeps_are_warned(write_csv, store):
    path = write_csv("App ID,Application\n123456789012345678,Payroll\nA2,Planning\n")
    assert _load([path], store, organisation="X").ok
    ((problem,),) = _rows(store, "SELECT problem FROM load_warnings WHERE field = 'app_id'")
    assert "15 digits" in problem


# -- layouts from the foreign-export test-bed -------------------------------------------------------


def test_archi_elements_export_loads_only_application_components(store):
    from conftest import FIXTURES

    (record,) = _load([FIXTURES / "archisurance_elements.csv"], store, organisation="Archisurance").records
    assert record.profile == "archi"
    assert (record.rows_loaded, record.rows_skipped) == (10, 111)
    names = {r[0] for r in _rows(store, "SELECT name FROM applications")}
    assert "Home & Away Policy Administration" in names and "Insurant" not in names


def test_software_by_machine_list_names_the_software_not_the_machine(write_csv, store):
    lines = ["Server Name,Application Name,Version,Publisher"]
    apps = [(f"Package {n}", f"Vendor {n % 5}") for n in range(12)]
    for i in range(40):
        app, vendor = apps[i % 12]
        lines.append(f"SRV-APP-{i:02d},{app},{i % 4}.0,{vendor}")
    inventory = read_inventory(write_csv("\n".join(lines) + "\n"))
    fields = {m.header: m.field for m in inventory.matches}
    assert fields["Application Name"] == "name"
    assert fields["Server Name"] != "name"


def test_camel_case_leanix_phase_keys_are_phase_columns():
    from appconsol.ingest.mapping import header_candidates

    for key in ("lifecycle:phaseIn", "lifecycle:phaseOut", "lifecycle:endOfLife"):
        from appconsol.ingest.profiles import PROFILES_BY_NAME

        _, candidates = header_candidates(key, PROFILES_BY_NAME["leanix"])
        assert [c.method for c in candidates] == ["phase"], key


def test_count_of_servers_is_not_a_user_count():
    from appconsol.ingest.mapping import header_candidates

    assert "user_count" not in {c.field for c in header_candidates("Number of servers")[1]}
    assert "user_count" in {c.field for c in header_candidates("Number of users")[1]}


def test_column_assignment_is_the_best_total_on_random_weights():
    import itertools
    import random

    from appconsol.ingest.mapping import _max_assignment

    draw = random.Random(8)
    for _ in range(300):
        rows, fields = draw.randint(1, 5), draw.randint(0, 4)
        weights = [
            [draw.choice([None, draw.random()]) for _ in range(fields)]
            + [draw.random() if k == i else None for k in range(rows)]
            for i in range(rows)
        ]
        chosen = _max_assignment(weights)
        assert len(set(chosen)) == rows and all(weights[i][chosen[i]] is not None for i in range(rows))
        best = max(
            sum(weights[i][p[i]] for i in range(rows))
            for p in itertools.permutations(range(fields + rows), rows)
            if all(weights[i][p[i]] is not None for i in range(rows))
        )
        assert sum(weights[i][chosen[i]] for i in range(rows)) == pytest.approx(best)


def test_a_date_column_that_proves_month_first_is_read_month_first(write_csv, store):
    path = write_csv(
        "Application,Renewal date\nPayroll,01/12/2029\nPlanning,01/13/2029\nRevenues,02/03/2028\n"
    )
    assert _load([path], store, organisation="X").ok
    dates = [str(r[0]) for r in _rows(store, "SELECT contract_end FROM applications ORDER BY source_row")]
    assert dates == ["2029-01-12", "2029-01-13", "2028-02-03"]


def test_an_ambiguous_date_column_stays_uk_day_first(write_csv, store):
    path = write_csv(
        "Application,Renewal date\nPayroll,01/12/2029\nPlanning,02/03/2028\nRevenues,04/05/2027\n"
    )
    assert _load([path], store, organisation="X").ok
    dates = [str(r[0]) for r in _rows(store, "SELECT contract_end FROM applications ORDER BY source_row")]
    assert dates == ["2029-12-01", "2028-03-02", "2027-05-04"]


def test_archi_filter_does_not_apply_to_exports_without_archimate_types(write_csv, store):
    lines = ["ID,Type,Name,Documentation,Specialization"]
    lines += [f"a{i},Business Application,App {i},Does things,none" for i in range(6)]
    (record,) = _load([write_csv("\n".join(lines) + "\n")], store, organisation="X").records
    assert record.rows_loaded == 6


# -- second round on the foreign test-bed (each seen on a drawn export) -----------------------------


def test_costs_under_a_merged_running_costs_group_map_to_each_cost_field(write_xlsx, store):
    rows = [
        [None, None, "Running costs (£ per year)", None, None],
        ["Object Name", "Vendor", "Licence", "Hosting", "Total"],
        ["Contract Register", "Civica", 1000, 500, 1500],
        ["Video Consultation", "Attend Anywhere", 2000, 250, 2250],
        ["Premises Risk", "Tascomi", 300, 0, 300],
    ]
    path = write_xlsx({"Apps": rows}, merges=[("Apps", 0, 2, 0, 4, "Running costs (£ per year)")])
    fields = {m.field for m in read_inventory(path).matches}
    assert {"cost_licence", "cost_hosting", "cost_total"} <= fields
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT name, cost_hosting FROM applications ORDER BY name") == [
        ("Contract Register", Decimal("500.00")),
        ("Premises Risk", Decimal("0.00")),
        ("Video Consultation", Decimal("250.00")),
    ]


def test_a_group_row_holding_only_its_merged_label_is_read_with_the_row_under_it(write_xlsx, store):
    rows = [
        ["Application register 2026"],
        [None, None, None, "Costs", None, None],
        ["Reference", "System", "Supplier", "Licence", "Support", "Hosting"],
        ["R1", "Payroll", "MHR", 1000, 200, 50],
        ["R2", "Planning", "Idox", 2000, 300, 0],
        ["R3", "Revenues", "Civica", 3000, 400, 75],
    ]
    path = write_xlsx({"Register": rows}, merges=[("Register", 1, 3, 1, 5, "Costs")])
    inventory = read_inventory(path)
    assert inventory.header.row_number == 3
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT sum(cost_hosting), sum(cost_support) FROM applications") == [
        (Decimal("125.00"), Decimal("900.00"))
    ]


def test_a_sum_row_with_no_saved_value_is_a_skipped_total_not_lost(tmp_path, store):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Total cost of ownership", "Name", "Code"])
    for cost, name, code in [(100, "Payroll", "S1"), (200, "Planning", "S2"), (300, "Revenues", "S3")]:
        sheet.append([cost, name, code])
    sheet.append(["=SUM(A2:A4)"])  # openpyxl saves no value, so every reader sees an empty row
    path = tmp_path / "scripted.xlsx"
    workbook.save(path)
    (record,) = _load([path], store, organisation="X").records
    assert (record.rows_loaded, record.rows_skipped) == (3, 1)
    ((reason, row),) = _rows(store, "SELECT reason, source_row FROM rejected_rows")
    assert reason.startswith("skipped: summary row") and row == 5


def test_asset_name_is_the_name_unless_its_values_are_machine_names(write_csv, store):
    apps = write_csv(
        "Asset ID,Asset name,Supplier\nA1,Payroll,MHR\nA2,Planning,Idox\nA3,Revenues,Civica\n",
        name="topdesk.csv",
    )
    assert {m.header: m.field for m in read_inventory(apps).matches}["Asset name"] == "name"
    machines = write_csv(
        "AssetName,Software,Publisher\nSRV-APP-01,Payroll,MHR\nSRV-DB-02,Planning,Idox\nLONWS0123,Revenues,Civica\n",
        name="lansweeper.csv",
    )
    fields = {m.header: m.field for m in read_inventory(machines).matches}
    assert fields["Software"] == "name" and fields["AssetName"] != "name"
    assert _load([apps, machines], store, organisation="X").ok
    assert _rows(store, "SELECT DISTINCT name FROM applications ORDER BY name") == [
        ("Payroll",),
        ("Planning",),
        ("Revenues",),
    ]


def test_a_software_list_names_its_rows_by_product_when_nothing_else_does(write_csv, store):
    path = write_csv(
        "Publisher,Product,Version,Installations\n"
        "Microsoft,Visio,2016,40\nAdobe,Acrobat Pro,2020,120\nEsri,ArcGIS Desktop,10.8,12\n"
    )
    assert {m.header: m.field for m in read_inventory(path).matches}["Product"] == "name"
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT name FROM applications ORDER BY name") == [
        ("Acrobat Pro",),
        ("ArcGIS Desktop",),
        ("Visio",),
    ]


def test_leanix_name_wins_over_display_name_without_asking(write_csv, store):
    lines = ["id,name,displayName,type"]
    lines += [f"id-{i},System {i},System {i} v{i},Application" for i in range(6)]
    path = write_csv("\n".join(lines) + "\n")
    fields = {m.header: m.field for m in read_inventory(path).matches}
    assert fields["name"] == "name" and fields["displayName"] != "name"
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT min(name) FROM applications") == [("System 0",)]


def test_a_lone_description_cell_under_the_header_is_a_description_row(write_csv, store):
    path = write_csv(
        "Application Name,Machinename,Provider\nName of the application,,\nPayroll,SRV-APP-01,MHR\nPlanning,SRV-APP-02,Idox\n"
    )
    (record,) = _load([path], store, organisation="X").records
    assert (record.rows_loaded, record.rows_skipped) == (2, 1)


def test_a_header_row_of_plain_labels_beats_data_rows_whose_values_resemble_headers(tmp_path, store):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Identifier", "Name", "Type", "Documentation"])
    names = ["Payroll", "Planning", "Revenues", "Land Charges", "Leisure Bookings", "Fleet"]
    for i, name in enumerate(names):
        if i == 3:
            sheet.append([None, None, None, None])
        sheet.append([f"id-{i:032x}", name, "Application component", "Hosted by the supplier; access by SSO"])
    path = tmp_path / "bizzdesign.xlsx"
    workbook.save(path)
    assert read_inventory(path).header.row_number == 1
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT count(*) FROM applications") == [(6,)]


def test_glued_header_words_are_read_apart():
    from appconsol.ingest.headers import normalise_header

    assert normalise_header("ANNUALCOST (£ per annum)") == "annual cost per annum"
    assert normalise_header("ContractEnd") == "contract end"
    assert normalise_header("Supplier") == "supplier"


def test_leanix_phase_columns_are_read_as_phases_without_the_profile_signature(write_csv, store):
    path = write_csv(
        "lifecycle:plan,lifecycle:phaseIn,Lifecycle: Active,lifecycle:endOfLife,name\n"
        "2011-02-15,2011-07-04,2015-02-13,2019-01-24,Trading Standards\n"
        ",2024-05-01,,,Building Control\n"
        ",,2018-01-01,,Payroll\n"
    )
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT name, lifecycle FROM applications ORDER BY name") == [
        ("Building Control", "phase-in"),
        ("Payroll", "active"),
        ("Trading Standards", "retired"),
    ]


def test_a_note_row_with_quoted_empty_cells_is_a_note(write_csv, store):
    path = write_csv(
        '"Application","Version","Provider"\n"Payroll","1.0","MHR"\n"Planning","2.0","Idox"\n'
        '"Source: ICT asset register, extracted by the service desk","",""\n'
    )
    (record,) = _load([path], store, organisation="X").records
    assert (record.rows_loaded, record.rows_skipped) == (2, 1)


def test_a_one_column_list_of_application_names_loads(write_xlsx, store):
    path = write_xlsx({"Application": [["Application"], ["Payroll"], ["Planning"], ["Revenues"]]})
    assert _load([path], store, organisation="X").ok
    assert _rows(store, "SELECT count(*) FROM applications") == [(3,)]
