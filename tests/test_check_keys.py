"""`check` in CI (issue 12): findings at physical lines, keys that survive moving rows, renaming
files and growing groups, baselines scoped to what ran, and paths from the repository root."""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from conftest import SAMPLES

HEADER = [
    "Number",
    "Name",
    "Short description",
    "Vendor",
    "Business owner",
    "Life cycle stage",
    "Business capability",
    "Annual cost",
    "Contract end date",
]
# ServiceNow-like records: descriptions with line breaks, and one of each problem the data-quality
# and overlap rules key differently (a reject, an unreadable cell, a duplicate, an overlap group).
RECORDS = [
    [
        "APM0001",
        "Payroll",
        "Pays staff.\nMonthly and weekly runs.",
        "Zellis",
        "Jo Bloggs",
        "Operational",
        "Payroll",
        "12000",
        "2028-03-31",
    ],
    [
        "APM0002",
        "",
        "Added from the procurement list\n- name to follow",
        "Capita",
        "Sam Smith",
        "Operational",
        "Revenues",
        "1000",
        "2028-03-31",
    ],
    [
        "APM0003",
        "OpenText Content Server",
        "Electronic document and records management",
        "OpenText",
        "Jo Bloggs",
        "Operational",
        "Document management",
        "20000",
        "2028-03-31",
    ],
    [
        "APM0004",
        "Hyland OnBase",
        "Electronic document and records management\n\nScanned post too.",
        "Hyland",
        "Jo Bloggs",
        "Operational",
        "Document management",
        "15000",
        "31/02/2028",
    ],
    ["APM0005", "Intranet", "Staff news", "Acme", "", "Operational", "Web publishing", "5000", "2028-03-31"],
    [
        "APM0006",
        "Tranman",
        "Fleet management",
        "Civica",
        "Ann Lee",
        "Operational",
        "Fleet management",
        "8000",
        "2028-03-31",
    ],
    [
        "APM0007",
        "Tranman",
        "Fleet management\n(second copy, entered by the depot)",
        "Civica",
        "Ann Lee",
        "Operational",
        "Fleet management",
        "8000",
        "2028-03-31",
    ],
]
CLEAN = [
    "APM0100",
    "Planning",
    "Planning applications\nand appeals",
    "Idox",
    "Sam Smith",
    "Operational",
    "Planning",
    "30000",
    "2028-03-31",
]
JOINER = [
    "APM0008",
    "Objective ECM",
    "Electronic document and records management",
    "Objective",
    "Jo Bloggs",
    "Operational",
    "Document management",
    "9000",
    "2028-03-31",
]
ORGANISATIONS = "organisations:\n  - name: Kennet Council\n    files: [{name}]\n"
SELECTION = ("--select", "data-quality,overlap", "--as-of", "2026-11-25")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _write_inventory(folder: Path, records: list[list[str]], name: str = "kennet-servicenow.csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    out = io.StringIO(newline="")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([HEADER, *records])
    (folder / name).write_text(out.getvalue(), encoding="utf-8", newline="")
    (folder / "organisations.yaml").write_text(ORGANISATIONS.format(name=name), encoding="utf-8")
    return folder / name


def _check_json(*args: str) -> tuple[int, dict]:
    result = _invoke("check", *args, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, json.loads(result.stdout)


def _write_baseline(inventory: Path, baseline: Path) -> set[str]:
    result = _invoke("check", str(inventory), *SELECTION, "--write-baseline", str(baseline))
    assert result.exit_code == 0, result.stderr
    return {f["key"] for f in json.loads(baseline.read_text())["findings"]}


def _assert_green(inventory: Path, baseline: Path, expected_keys: set[str]) -> None:
    code, document = _check_json(str(inventory), *SELECTION, "--baseline", str(baseline), "--fail-on", "info")
    summary = document["summary"]
    assert (summary["new"], summary["fixed"]) == (0, 0), [
        f["key"] for f in document["findings"] if f["status"] == "new"
    ] + [f["key"] for f in document["fixed"]]
    assert code == 0
    assert {f["key"] for f in document["findings"]} == expected_keys


# -- 1. locations: physical lines --------------------------------------------------------------


def test_annotation_lines_are_the_physical_lines_of_a_servicenow_csv_with_multi_line_cells(tmp_path):
    inventory = tmp_path / "wessex-county-council-servicenow.csv"
    shutil.copy(SAMPLES / "wessex-county-council-servicenow.csv", inventory)
    shutil.copy(SAMPLES / "organisations.yaml", tmp_path / "organisations.yaml")
    physical = inventory.read_text(encoding="utf-8-sig").split("\n")
    assert len(physical) > 600  # records with line breaks in their cells: lines outnumber records

    github = _invoke("check", str(inventory), "-f", "github", "--as-of", "2026-11-25")
    annotations = [a for a in github.stdout.splitlines() if "line=" in a]
    assert len(annotations) > 500
    moved = 0
    for annotation in annotations:
        line = int(re.search(r"line=(\d+)", annotation).group(1))
        app = re.search(r"/ (APM\d+)", annotation)
        # Each record starts with its quoted Number: the annotated line is that record's first line.
        assert physical[line - 1].startswith(f'"{app.group(1)}"' if app else '"APM'), annotation
        row = re.search(r"row (\d+)", annotation)
        moved += bool(row and int(row.group(1)) != line)
    assert moved > 400  # the record number is in the message where it is not the line

    _code, document = _check_json(str(inventory), "--as-of", "2026-11-25")
    located = [
        f for f in document["findings"] if f["app_id"] and f["location"]["line"] != f["location"]["row"]
    ]
    assert located and all(
        physical[f["location"]["line"] - 1].startswith(f'"{f["app_id"]}"') for f in located
    )
    sarif = json.loads(_invoke("check", str(inventory), "-f", "sarif", "--as-of", "2026-11-25").stdout)
    result = next(r for r in sarif["runs"][0]["results"] if r["properties"]["app_id"] == located[0]["app_id"])
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == located[0]["location"]["line"]
    assert result["properties"]["row"] == located[0]["location"]["row"]


def test_a_rejected_record_is_annotated_at_its_first_line(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    github = _invoke("check", str(inventory), "-f", "github", *SELECTION)
    (reject,) = [a for a in github.stdout.splitlines() if "DQ010" in a]
    # Header, then the 2-line Payroll record: the nameless record is row 3 but starts on line 4.
    assert "line=4," in reject and reject.endswith("::row 3 was not loaded: no application name")
    lines = inventory.read_text(encoding="utf-8").splitlines()
    assert lines[3].startswith('"APM0002"')


def test_junit_test_names_do_not_change_when_a_row_is_inserted_above(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    before = ET.fromstring(_invoke("check", str(inventory), "-f", "junit", *SELECTION).stdout)
    _write_inventory(tmp_path, [CLEAN, *RECORDS])
    after = ET.fromstring(_invoke("check", str(inventory), "-f", "junit", *SELECTION).stdout)
    names = [sorted(c.get("name") for c in root.iter("testcase")) for root in (before, after)]
    assert names[0] == names[1] and len(names[0]) > len({s.get("name") for s in before.iter("testsuite")})


# -- 2. keys from content ----------------------------------------------------------------------


def test_keys_name_what_a_finding_is_about_not_rows_files_or_group_ids(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    _code, document = _check_json(str(inventory), *SELECTION)
    keys = {f["key"] for f in document["findings"]}
    assert "DQ001|Kennet Council|APM0005" in keys
    assert "DQ002|Kennet Council|tranman / civica|copy 2" in keys
    assert "DQ008|Kennet Council|APM0004|Contract end date" in keys
    assert {k for k in keys if k.startswith("OV001")} == {
        "OV001|Kennet Council|APM0003|corp.edrms",
        "OV001|Kennet Council|APM0004|corp.edrms",
        "OV001|Kennet Council|APM0006|corp.fleet",
        "OV001|Kennet Council|APM0007|corp.fleet",
    }
    (reject,) = [k for k in keys if k.startswith("DQ010")]
    assert re.fullmatch(r"DQ010\|Kennet Council\|cells [0-9a-f]{16}", reject)
    assert not any(re.search(r"\brow \d|kennet-servicenow|OV-", k) for k in keys)


def test_inserting_a_clean_row_at_the_top_leaves_the_baseline_green(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    keys = _write_baseline(inventory, tmp_path / "baseline.json")
    _write_inventory(tmp_path, [CLEAN, *RECORDS])
    _assert_green(inventory, tmp_path / "baseline.json", keys)


def test_shuffling_rows_leaves_the_baseline_green(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    keys = _write_baseline(inventory, tmp_path / "baseline.json")
    for seed in range(3):
        shuffled = list(RECORDS)
        random.Random(seed).shuffle(shuffled)
        _write_inventory(tmp_path, shuffled)
        _assert_green(inventory, tmp_path / "baseline.json", keys)


def test_renaming_a_file_listed_in_organisations_yaml_leaves_the_baseline_green(tmp_path):
    inventory = _write_inventory(tmp_path / "inventories", RECORDS)
    keys = _write_baseline(inventory, tmp_path / "baseline.json")
    inventory.unlink()
    renamed = _write_inventory(tmp_path / "inventories", RECORDS, name="kennet-apps-2027.csv")
    _assert_green(renamed, tmp_path / "baseline.json", keys)


def test_a_new_member_of_an_overlap_group_leaves_the_others_keys_alone(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    baseline = tmp_path / "baseline.json"
    keys = _write_baseline(inventory, baseline)
    _write_inventory(tmp_path, [*RECORDS, JOINER])
    code, document = _check_json(str(inventory), *SELECTION, "--baseline", str(baseline))
    new = [f["key"] for f in document["findings"] if f["status"] == "new"]
    assert new == ["OV001|Kennet Council|APM0008|corp.edrms"]  # only the joiner's own finding
    assert document["summary"]["fixed"] == 0 and code == 0  # a warning does not fail at error
    assert keys <= {f["key"] for f in document["findings"]}


def test_applications_without_ids_keep_their_ids_and_keys_when_rows_move(tmp_path):
    header = "Name,Vendor,Business owner,Capability,Lifecycle,Total cost\n"
    rows = [
        "Payroll,Zellis,Jo Bloggs,Payroll,active,12000\n",
        "Payroll,MHR,,Payroll,active,9000\n",  # same name, no owner: DQ001 on this one only
        "Planning,Idox,Sam Smith,Planning,active,30000\n",
    ]
    inventory = tmp_path / "thornbury.csv"
    (tmp_path / "organisations.yaml").write_text(ORGANISATIONS.format(name="thornbury.csv"))
    inventory.write_text(header + "".join(rows))
    _code, first = _check_json(str(inventory), *SELECTION)
    inventory.write_text(header + "".join(reversed(rows)))
    _code, second = _check_json(str(inventory), *SELECTION)
    owners = [
        [(f["key"], f["application"]) for f in d["findings"] if f["rule"] == "DQ001"] for d in (first, second)
    ]
    assert owners[0] == owners[1] and len(owners[0]) == 1


def test_a_baseline_run_warns_when_the_organisation_is_the_file_name(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    (tmp_path / "organisations.yaml").unlink()
    result = _invoke("check", str(inventory), *SELECTION, "--write-baseline", "baseline.json")
    assert result.exit_code == 0
    assert (
        f"Warning: {inventory}: the organisation 'kennet-servicenow' comes from the file name"
        in result.stderr
    )
    assert "organisations.yaml" in result.stderr
    listed = _invoke(
        "check", str(_write_inventory(tmp_path, RECORDS)), *SELECTION, "--baseline", "baseline.json"
    )
    assert "comes from the file name" not in listed.stderr


# -- 3. the baseline covers what ran -----------------------------------------------------------


def test_select_with_a_baseline_compares_only_the_selected_rules(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    baseline = tmp_path / "baseline.json"
    everything = _write_baseline(inventory, baseline)
    assert len({k.split("|")[0] for k in everything}) >= 5
    _write_inventory(tmp_path, [r for r in RECORDS if r[0] != "APM0007"])  # the duplicate is fixed
    code, document = _check_json(str(inventory), "--select", "DQ002", "--baseline", str(baseline))
    assert [f["key"] for f in document["fixed"]] == ["DQ002|Kennet Council|tranman / civica|copy 2"]
    assert document["summary"]["fixed"] == 1 and document["findings"] == [] and code == 0


def test_write_baseline_with_a_selection_keeps_the_other_rules_entries_and_says_so(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    baseline = tmp_path / "baseline.json"
    everything = _write_baseline(inventory, baseline)
    _write_inventory(tmp_path, [r for r in RECORDS if r[0] != "APM0007"])
    result = _invoke("check", str(inventory), "--select", "DQ002", "--write-baseline", str(baseline))
    assert result.exit_code == 0
    after = {f["key"] for f in json.loads(baseline.read_text())["findings"]}
    assert after == {k for k in everything if not k.startswith("DQ002")}
    assert f"wrote {len(after)} key(s) to {baseline} (kept {len(after)} of rules or files not checked)" in (
        result.stderr
    )


def test_a_run_on_some_files_neither_fixes_nor_drops_the_other_files_entries(tmp_path):
    kennet = _write_inventory(tmp_path / "kennet", RECORDS)
    other = tmp_path / "thornbury" / "thornbury.csv"
    other.parent.mkdir()
    directory = ORGANISATIONS.format(name="thornbury.csv").replace("Kennet", "Thornbury")
    (other.parent / "organisations.yaml").write_text(directory)
    other.write_text("Name,Vendor,Business owner,Lifecycle\nIntranet,Acme,,active\n")
    baseline = tmp_path / "baseline.json"
    result = _invoke("check", str(kennet), str(other), *SELECTION, "--write-baseline", str(baseline))
    assert result.exit_code == 0
    entries = json.loads(baseline.read_text())["findings"]
    assert {e.get("file") for e in entries} == {"kennet/kennet-servicenow.csv", "thornbury/thornbury.csv"}

    code, document = _check_json(str(other), *SELECTION, "--baseline", str(baseline))  # as pre-commit does
    assert document["summary"]["fixed"] == 0 and code == 0
    again = _invoke("check", str(other), *SELECTION, "--write-baseline", str(baseline))
    assert json.loads(baseline.read_text())["findings"] == entries and "kept" in again.stderr

    kennet.unlink()  # a file that is gone takes its entries with it
    _invoke("check", str(other), *SELECTION, "--write-baseline", str(baseline))
    assert {e.get("file") for e in json.loads(baseline.read_text())["findings"]} == {
        "thornbury/thornbury.csv"
    }


# -- 4. paths from the repository root ---------------------------------------------------------


def test_paths_are_relative_to_the_git_top_level_wherever_check_runs(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    _write_inventory(repo / "inventories", RECORDS)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    monkeypatch.chdir(repo / "inventories")
    github = _invoke("check", ".", "-f", "github", *SELECTION)
    files = set(re.findall(r"file=([^,]+),", github.stdout))
    assert files == {"inventories/kennet-servicenow.csv"}
    _code, document = _check_json(".", *SELECTION, "--root", str(repo / "inventories"))
    assert {f["location"]["file"] for f in document["findings"]} == {"kennet-servicenow.csv"}


def test_without_git_paths_are_relative_to_the_working_directory(tmp_path):
    _write_inventory(tmp_path / "inventories", RECORDS)
    _code, document = _check_json(str(tmp_path / "inventories"), *SELECTION)
    assert {f["location"]["file"] for f in document["findings"]} == {"inventories/kennet-servicenow.csv"}


# -- 5. old baselines --------------------------------------------------------------------------


def test_a_version_1_baseline_is_read_and_the_user_is_told_how_to_regenerate_it(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    baseline = tmp_path / "baseline.json"
    keys = _write_baseline(inventory, baseline)
    old = [{"key": k} for k in sorted(keys) if not k.startswith(("DQ002", "DQ008", "DQ010", "OV001"))]
    old.append({"key": "DQ010|Kennet Council|kennet-servicenow.csv|row 3"})
    baseline.write_text(json.dumps({"schema_version": 1, "findings": old}))
    result = _invoke("check", str(inventory), *SELECTION, "--baseline", str(baseline), "-f", "json")
    document = json.loads(result.stdout)
    unchanged = {f["key"] for f in document["findings"] if f["status"] == "unchanged"}
    assert unchanged == {e["key"] for e in old[:-1]}
    assert document["fixed"] == []  # the old DQ010 key is not claimed fixed: it cannot match any more
    assert "is a baseline of schema_version 1" in result.stderr and "DQ010" in result.stderr
    assert f"Regenerate it: appconsol check ... --write-baseline {baseline}" in result.stderr

    _invoke("check", str(inventory), *SELECTION, "--write-baseline", str(baseline))
    assert json.loads(baseline.read_text())["schema_version"] == 2


def test_a_baseline_from_a_newer_version_is_a_clear_error(tmp_path):
    inventory = _write_inventory(tmp_path, RECORDS)
    (tmp_path / "baseline.json").write_text(json.dumps({"schema_version": 9, "findings": []}))
    result = _invoke("check", str(inventory), "--baseline", "baseline.json")
    assert result.exit_code == 2
    assert "written by a newer appconsol (schema_version 9" in result.stderr


def test_a_yaml_inventory_is_annotated_at_each_record_s_first_line(tmp_path):
    inventory = tmp_path / "kennet.yaml"
    inventory.write_text(
        "# Kennet Council's applications\n"
        "applications:\n"
        "  - name: Payroll\n"
        "    vendor: Zellis\n"
        "    description: |\n"
        "      Pays staff.\n"
        "      Monthly and weekly runs.\n"
        "    business_owner: Jo Bloggs\n"
        "    lifecycle: active\n"
        "  - name: Intranet\n"
        "    vendor: Acme\n"
        "    lifecycle: active\n",
        encoding="utf-8",
    )
    (tmp_path / "organisations.yaml").write_text(ORGANISATIONS.format(name="kennet.yaml"))
    _code, document = _check_json(str(inventory), *SELECTION)
    (owner,) = [f for f in document["findings"] if f["rule"] == "DQ001" and f["application"] == "Intranet"]
    assert owner["location"]["row"] == 3  # the header is row 1, the second record row 3
    assert inventory.read_text().splitlines()[owner["location"]["line"] - 1] == "  - name: Intranet"


def test_a_json_inventory_is_annotated_at_each_record_s_opening_brace(tmp_path):
    records = [
        {"name": "Payroll", "vendor": "Zellis", "business_owner": "Jo Bloggs", "lifecycle": "active"},
        {"name": "Intranet", "vendor": "Acme", "lifecycle": "active", "tags": {"team": "web", "tier": 3}},
    ]
    inventory = tmp_path / "kennet.json"
    inventory.write_text(json.dumps({"applications": records}, indent=2), encoding="utf-8")
    (tmp_path / "organisations.yaml").write_text(ORGANISATIONS.format(name="kennet.json"))
    _code, document = _check_json(str(inventory), *SELECTION)
    (owner,) = [f for f in document["findings"] if f["rule"] == "DQ001" and f["application"] == "Intranet"]
    lines = inventory.read_text().splitlines()
    assert owner["location"]["row"] == 3
    assert lines[owner["location"]["line"] - 1].strip() == "{"
    assert lines[owner["location"]["line"]].strip() == '"name": "Intranet",'
