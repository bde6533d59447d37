from __future__ import annotations

import csv
import io
import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.engine.loader import load_rules
from conftest import SAMPLES
from sarif_schema import official_sarif_schema

CLEAN = (
    "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\n"
    "Payroll,Zellis,Payroll,active,Jo Bloggs,12000\n"
    "Planning,Idox,Planning,active,Sam Smith,30000\n"
)
NO_OWNER = CLEAN + "Intranet,Acme,Web Publishing,active,,5000\n"  # DQ001, a warning
NO_NAME = CLEAN + ",Acme,Web Publishing,active,Jo Bloggs,5000\n"  # DQ010, an error (row 4 not loaded)
SARIF_SCHEMA = official_sarif_schema()

USER_RULE = """\
code: ACME001
name: acme.vendor-missing
summary: A live application has no vendor.
category: data-quality
severity: {severity}
rationale: Our procurement team needs a supplier for every application.
references: [Acme procurement policy 4.2]
parameters:
  lifecycles:
    type: list[string]
    default: [active]
    description: Lifecycles to check.
message: "{{application}} has no vendor"
sql: |
  SELECT organisation, app_id, name AS application, source_file, source_sheet, source_row
  FROM v_applications
  WHERE vendor IS NULL AND list_contains($lifecycles, lifecycle)
"""
USER_CASES = """\
cases:
  - name: a vendor is enough
    tables:
      applications: |
        organisation,app_id,name,vendor,lifecycle
        Acme,A1,Payroll,Zellis,active
    findings: []
  - name: no vendor is reported
    tables:
      applications: |
        organisation,app_id,name,vendor,lifecycle
        Acme,A1,Payroll,,active
    findings:
      - app_id: A1
        message: Payroll has no vendor
"""


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run every command from an empty folder, so no appconsol.toml above the repo is found."""
    monkeypatch.chdir(tmp_path)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n") if text.startswith("\n") else text, encoding="utf-8")
    return path


def _user_pack(folder: Path, severity: str = "warning") -> Path:
    _write(folder / "ACME001.yaml", USER_RULE.format(severity=severity))
    _write(folder / "ACME001.cases.yaml", USER_CASES)
    return folder


# -- the exit-code matrix ---------------------------------------------------------------------

INVENTORIES = {"none": CLEAN, "info": NO_OWNER, "warning": NO_OWNER, "error": NO_NAME}
EXPECTED = {  # worst finding -> {--fail-on: exit code}
    "none": {"error": 0, "warning": 0, "info": 0, "never": 0},
    "info": {"error": 0, "warning": 0, "info": 1, "never": 0},
    "warning": {"error": 0, "warning": 1, "info": 1, "never": 0},
    "error": {"error": 1, "warning": 1, "info": 1, "never": 0},
}


@pytest.mark.parametrize("fail_on", ["error", "warning", "info", "never"])
@pytest.mark.parametrize("worst", ["none", "info", "warning", "error"])
def test_check_exit_code_matrix(tmp_path, worst, fail_on):
    inventory = _write(tmp_path / "wessex.csv", INVENTORIES[worst])
    if worst == "info":
        _write(tmp_path / "appconsol.toml", '[rules.DQ001]\nseverity = "info"\n')
    result = _invoke("check", str(inventory), "--fail-on", fail_on, "-f", "json")
    assert result.exit_code == EXPECTED[worst][fail_on], result.stderr
    document = json.loads(result.stdout)
    severities = {f["severity"] for f in document["findings"]}
    assert severities == (set() if worst == "none" else {worst})
    assert document["exit_code"] == result.exit_code


def test_check_exits_2_when_an_inventory_cannot_be_read_and_still_reports_the_others(tmp_path):
    good = _write(tmp_path / "wessex.csv", NO_OWNER)
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"")
    result = _invoke("check", str(good), str(bad), "-f", "json", "--fail-on", "never")
    assert result.exit_code == 2
    assert any(line.startswith("Error:") and "broken.xlsx" in line for line in result.stderr.splitlines())
    assert [f["rule"] for f in json.loads(result.stdout)["findings"]] == ["DQ001"]
    assert "Traceback" not in result.output


def test_errors_outrank_findings_and_check_matches_the_library_exit_code(tmp_path):
    import appconsol

    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"")
    good = _write(tmp_path / "wessex.csv", NO_NAME)
    api = appconsol.check([good, bad])
    assert api.exit_code == 2 and api.run.counting("error") == 1
    assert _invoke("check", str(good), str(bad)).exit_code == api.exit_code
    assert appconsol.check([good]).exit_code == _invoke("check", str(good)).exit_code == 1


def test_stdout_holds_only_the_payload_and_the_summary_goes_to_stderr(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER)
    result = _invoke("check", str(inventory), "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["rule"], r["row"], r["app_id"], r["file"]) for r in rows] == [
        ("DQ001", "4", "name:intranet", "wessex.csv")
    ]
    rules = len(load_rules().rules)  # the whole built-in pack runs
    assert result.stderr.strip() == (
        f"appconsol check: 1 finding(s) (1 warning); 0 at or above error ({rules} rules, 1 file(s)); exit 0"
    )


# -- formats -------------------------------------------------------------------------------------


def test_sarif_validates_and_locates_each_finding(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER)
    result = _invoke("check", str(inventory), "-f", "sarif")
    document = json.loads(result.stdout)
    jsonschema.validate(document, SARIF_SCHEMA)
    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-2.1.0.json")
    run = document["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "appconsol"
    rule_ids = [r["id"] for r in driver["rules"]]
    assert "DQ001" in rule_ids and len(rule_ids) == len(set(rule_ids))
    (finding,) = run["results"]
    assert finding["ruleId"] == "DQ001" and rule_ids[finding["ruleIndex"]] == "DQ001"
    assert finding["level"] == "warning" and finding["message"]["text"] == "Intranet has no business owner"
    physical = finding["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "wessex.csv"
    assert physical["region"]["startLine"] == 4
    assert finding["partialFingerprints"]["appconsolFindingKey/v1"] == "DQ001|wessex|name:intranet"


def test_junit_parses_with_a_failure_per_finding_at_fail_on(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", NO_NAME.replace("Sam Smith", ""))
    result = _invoke("check", str(inventory), "-f", "junit", "--fail-on", "error")
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    suites = {s.get("name").split()[0]: s for s in root.iter("testsuite")}
    assert suites["DQ010"].get("failures") == "1"
    assert suites["DQ001"].get("failures") == "0"  # a warning is below --fail-on error
    assert suites["DQ003"].find("testcase").get("name") == "no findings"
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites.values())
    failure = suites["DQ010"].find("testcase/failure")
    assert failure.get("message") == "row 4 was not loaded: no application name"


def test_github_annotations_point_at_file_and_row(tmp_path):
    inventory = _write(tmp_path / "wessex, main.csv", NO_NAME)
    result = _invoke("check", str(inventory), "-f", "github")
    assert result.stdout.splitlines() == [
        "::error file=wessex%2C main.csv,line=4,title=DQ010 data-quality.rows-not-loaded"
        "::row 4 was not loaded: no application name"
    ]


def test_human_output_groups_by_file(tmp_path):
    first = _write(tmp_path / "a.csv", NO_OWNER)
    second = _write(tmp_path / "b.csv", NO_NAME)
    result = _invoke("check", str(first), str(second))
    assert result.stdout.index("a.csv") < result.stdout.index("Intranet has no business owner")
    assert result.stdout.index("b.csv") < result.stdout.index("row 4 was not loaded")


def test_human_output_falls_back_to_plain_columns_for_many_findings(tmp_path, monkeypatch):
    import appconsol.report.human as human

    monkeypatch.setattr(human, "RICH_LIMIT", 0)
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER.replace("Sam Smith", ""))
    lines = _invoke("check", str(inventory)).stdout.splitlines()
    assert lines[0] == "wessex.csv (2 findings)"
    assert lines[1].split() == ["row", "severity", "rule", "organisation", "app", "message"]
    assert lines[2].split()[:5] == ["3", "warning", "DQ001", "wessex", "name:planning"]
    assert lines[2].endswith("Planning has no business owner")


def test_json_has_a_schema_version_and_the_rules_that_ran(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", CLEAN)
    document = json.loads(_invoke("check", str(inventory), "-f", "json", "--as-of", "2026-11-25").stdout)
    assert document["schema_version"] == 1 and document["as_of"] == "2026-11-25"
    assert {r["code"] for r in document["rules"]} >= {f"DQ{n:03}" for n in range(1, 11)}
    assert all(r["status"] == "ok" for r in document["rules"])


def test_profile_prints_each_rule_time_on_stderr(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", CLEAN)
    result = _invoke("check", str(inventory), "--profile", "-f", "json")
    json.loads(result.stdout)
    lines = [line for line in result.stderr.splitlines() if line.startswith("DQ")]
    data_quality = [r for r in load_rules().rules if r.code.startswith("DQ")]  # DQ011/DQ012 since issue 12
    assert len(lines) == len(data_quality) >= 12 and all("rule ok" in line for line in lines)


# -- selection, config and user rules -----------------------------------------------------------


def test_select_and_ignore_choose_rules_by_code_category_or_group(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", NO_NAME.replace("Sam Smith", ""))

    def rules(*options: str) -> set[str]:
        result = _invoke("check", str(inventory), "-f", "json", *options)
        return {r["code"] for r in json.loads(result.stdout)["rules"]}

    assert rules("--select", "DQ001,DQ010") == {"DQ001", "DQ010"}
    assert rules("--select", "finance", "--ignore", "DQ00[3-5]") == {"DQ007", "DQ009"}
    assert rules("--select", "data-quality", "--ignore", "core") == {"DQ006"}


def test_unknown_select_is_a_usage_error(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", CLEAN)
    result = _invoke("check", str(inventory), "--select", "DQ999")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: --select 'DQ999' matches no rule")


def test_user_rule_outside_the_package_runs_is_tested_and_listed(tmp_path):
    pack = _user_pack(tmp_path / "elsewhere" / "my-rules")
    inventory = _write(tmp_path / "wessex.csv", CLEAN + "Intranet,,Web Publishing,active,Jo,5000\n")
    checked = _invoke("check", str(inventory), "--rules-dir", str(pack), "-f", "json", "--fail-on", "warning")
    assert checked.exit_code == 1
    assert [f["message"] for f in json.loads(checked.stdout)["findings"]] == ["Intranet has no vendor"]
    tested = _invoke("rules", "test", str(pack))
    assert tested.exit_code == 0
    assert tested.stdout.splitlines() == [
        "ok    ACME001  a vendor is enough",
        "ok    ACME001  no vendor is reported",
    ]
    listed = json.loads(_invoke("rules", "list", "-f", "json", "--rules-dir", str(pack)).stdout)
    acme = next(r for r in listed if r["code"] == "ACME001")
    assert acme["builtin"] is False and acme["parameters"] == {
        "lifecycles": {"type": "list[string]", "default": ["active"]}
    }
    assert "DQ001" in {r["code"] for r in listed}


def test_rules_dirs_and_overrides_come_from_appconsol_toml_found_above_the_working_directory(
    tmp_path, monkeypatch
):
    _user_pack(tmp_path / "my-rules")
    _write(
        tmp_path / "appconsol.toml",
        """
        rules_dirs = ["my-rules"]
        [rules.ACME001]
        severity = "error"
        parameters = { lifecycles = ["active", "phase-out"] }
        """,
    )
    inventory = _write(
        tmp_path / "data" / "wessex.csv", CLEAN + "Intranet,,Web Publishing,phase-out,Jo,5000\n"
    )
    monkeypatch.chdir(inventory.parent)
    result = _invoke("check", "wessex.csv", "-f", "json")
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["rule"], finding["severity"]) == ("ACME001", "error")


def test_failing_rule_case_makes_rules_test_exit_1(tmp_path):
    pack = _user_pack(tmp_path / "rules")
    _write(pack / "ACME001.cases.yaml", USER_CASES.replace("Payroll has no vendor", "Payroll is fine"))
    result = _invoke("rules", "test", str(pack))
    assert result.exit_code == 1
    assert "FAIL  ACME001  no vendor is reported" in result.stdout
    assert "ACME001.cases.yaml:8" in result.stdout and "not found" in result.stdout


def test_a_rule_without_cases_file_is_an_error_but_the_others_are_still_tested(tmp_path):
    pack = _user_pack(tmp_path / "rules")
    _write(pack / "ACME002.yaml", USER_RULE.format(severity="info").replace("ACME001", "ACME002"))
    result = _invoke("rules", "test", str(pack))
    assert result.exit_code == 2
    assert "ok    ACME001  no vendor is reported" in result.stdout
    assert f"Error: {pack / 'ACME002.yaml'}:1: rule ACME002 has no cases file" in result.stderr


# -- bad input: exit 2 with file:line -------------------------------------------------------------


def _check_with_rules(tmp_path, pack: Path, *extra: str):
    inventory = _write(tmp_path / "wessex.csv", CLEAN)
    return _invoke("check", str(inventory), "--rules-dir", str(pack), *extra)


def _error_line(result) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return next(line for line in result.stderr.splitlines() if line.startswith("Error:"))


def test_malformed_rule_file_exits_2_with_file_and_line(tmp_path):
    pack = _user_pack(tmp_path / "rules")
    text = (pack / "ACME001.yaml").read_text().replace("severity: warning", "severity: [warning")
    _write(pack / "ACME001.yaml", text)
    error = _error_line(_check_with_rules(tmp_path, pack))
    assert f"{pack / 'ACME001.yaml'}:" in error and "invalid YAML" in error


def test_bad_severity_is_named_with_its_line(tmp_path):
    pack = _user_pack(tmp_path / "rules", severity="fatal")
    error = _error_line(_check_with_rules(tmp_path, pack))
    assert error == f"Error: {pack / 'ACME001.yaml'}:5: severity 'fatal' is not one of error, warning, info"


def test_sql_that_does_not_bind_exits_2_pointing_at_the_sql_line(tmp_path):
    pack = _user_pack(tmp_path / "rules")
    text = (pack / "ACME001.yaml").read_text().replace("WHERE vendor IS NULL", "WHERE suplier IS NULL")
    _write(pack / "ACME001.yaml", text)
    error = _error_line(_check_with_rules(tmp_path, pack))
    assert error.startswith(f"Error: {pack / 'ACME001.yaml'}:17: SQL does not bind")
    assert "suplier" in error


def test_unknown_rule_code_in_config_exits_2_with_the_config_line(tmp_path):
    _write(tmp_path / "appconsol.toml", 'as_of = 2026-11-25\n\n[rules.DQ999]\nseverity = "error"\n')
    error = _error_line(_check_with_rules(tmp_path, _user_pack(tmp_path / "rules")))
    assert error.startswith(f"Error: {tmp_path / 'appconsol.toml'}:3: [rules.DQ999] names no known rule")


def test_wrong_parameter_type_in_config_exits_2_with_the_config_line(tmp_path):
    _write(tmp_path / "appconsol.toml", '[rules.DQ004]\nparameters = { ceiling = "lots" }\n')
    error = _error_line(_check_with_rules(tmp_path, _user_pack(tmp_path / "rules")))
    assert error.startswith(
        f"Error: {tmp_path / 'appconsol.toml'}:2: parameter 'ceiling' of DQ004 must be number"
    )


def test_rules_validate_checks_the_config_against_the_rules(tmp_path):
    _write(tmp_path / "appconsol.toml", '[rules]\nselect = ["DQ001", "finance", "nothing-like-this"]\n')
    error = _error_line(_invoke("rules", "validate"))
    assert error.startswith(
        f"Error: {tmp_path / 'appconsol.toml'}:2: select 'nothing-like-this' matches no rule"
    )


def test_the_same_rules_folder_from_config_and_command_line_is_read_once(tmp_path):
    pack = _user_pack(tmp_path / "my-rules")
    _write(tmp_path / "appconsol.toml", 'rules_dirs = ["my-rules"]\n')
    result = _check_with_rules(tmp_path, Path("my-rules"), "-f", "json")
    assert result.exit_code == 0 and "ACME001" in {r["code"] for r in json.loads(result.stdout)["rules"]}
    assert pack.is_dir()


def test_unknown_config_key_is_an_error_with_its_line(tmp_path):
    # Issue 12: an unknown key used to be a warning and the run went on with the defaults.
    _write(tmp_path / "appconsol.toml", "[check]\nfail_on = 'warning'\ncolour = true\n")
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER)
    result = _invoke("check", str(inventory))
    assert result.exit_code == 2
    assert f"Error: {tmp_path / 'appconsol.toml'}:3: unknown key 'colour' in [check]" in result.stderr


def test_crashing_rule_is_reported_the_others_still_run_and_the_exit_is_2(tmp_path):
    pack = _user_pack(tmp_path / "rules")
    _write(
        pack / "ACME002.yaml",
        USER_RULE.format(severity="error")
        .replace("ACME001", "ACME002")
        .replace("WHERE vendor IS NULL AND", "WHERE CAST(name AS INTEGER) > 0 OR"),
    )
    _write(pack / "ACME002.cases.yaml", USER_CASES)
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER)
    result = _invoke("check", str(inventory), "--rules-dir", str(pack), "-f", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert [f["rule"] for f in document["findings"]] == ["DQ001"]
    assert {r["code"]: r["status"] for r in document["rules"]}["ACME002"] == "failed"
    error = _error_line(result)
    assert f"{pack / 'ACME002.yaml'}:" in error and "rule ACME002 failed: ConversionException" in error


# -- baselines and waivers ------------------------------------------------------------------------


def test_baseline_flow_fails_only_on_new_findings_and_reports_fixed_ones(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER)
    baseline = tmp_path / "baseline.json"
    written = _invoke("check", str(inventory), "--write-baseline", str(baseline), "--fail-on", "warning")
    assert written.exit_code == 0 and "wrote 1 key(s)" in written.stderr
    assert [f["key"] for f in json.loads(baseline.read_text())["findings"]] == ["DQ001|wessex|name:intranet"]

    same = _invoke("check", str(inventory), "--baseline", str(baseline), "--fail-on", "warning", "-f", "json")
    assert same.exit_code == 0
    assert [f["status"] for f in json.loads(same.stdout)["findings"]] == ["unchanged"]

    _write(inventory, NO_OWNER.replace("Sam Smith", ""))
    worse = _invoke(
        "check", str(inventory), "--baseline", str(baseline), "--fail-on", "warning", "-f", "json"
    )
    assert worse.exit_code == 1
    statuses = {f["app_id"]: f["status"] for f in json.loads(worse.stdout)["findings"]}
    assert statuses == {"name:intranet": "unchanged", "name:planning": "new"}

    _write(inventory, CLEAN)
    better = _invoke("check", str(inventory), "--baseline", str(baseline), "-f", "sarif")
    assert better.exit_code == 0 and "1 fixed" in better.stderr
    # Issue 12: GitHub rejects results without a location, so fixed keys are counted, not listed.
    run = json.loads(better.stdout)["runs"][0]
    assert run["results"] == [] and run["properties"]["baseline"] == {"new": 0, "unchanged": 0, "fixed": 1}
    jsonschema.validate(json.loads(better.stdout), SARIF_SCHEMA)


def test_missing_baseline_file_exits_2(tmp_path):
    inventory = _write(tmp_path / "wessex.csv", CLEAN)
    error = _error_line(_invoke("check", str(inventory), "--baseline", str(tmp_path / "nope.json")))
    assert "baseline file not found" in error


def test_waivers_hide_a_finding_and_expired_or_unused_waivers_are_findings_at_their_line(tmp_path):
    _write(
        tmp_path / "appconsol.toml",
        """
        as_of = 2026-11-25

        [[waivers]]
        rule = "DQ001"
        key = "wessex|name:intranet"
        reason = "Owner being appointed (ticket 42)"
        expires = 2027-01-31

        [[waivers]]
        rule = "DQ001"
        key = "wessex|name:planning"
        reason = "Old"
        expires = 2026-01-31

        [[waivers]]
        rule = "DQ001"
        key = "DQ001|wessex|name:typo"
        reason = "Misspelt"
        expires = 2027-01-31
        """,
    )
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER.replace("Sam Smith", ""))
    result = _invoke("check", str(inventory), "-f", "json", "--fail-on", "warning")
    assert result.exit_code == 1
    findings = {(f["rule"], f["status"]): f for f in json.loads(result.stdout)["findings"]}
    assert set(findings) == {("DQ001", "waived"), ("DQ001", "open"), ("AC001", "open"), ("AC002", "open")}
    assert findings[("DQ001", "waived")]["waiver_reason"] == "Owner being appointed (ticket 42)"
    assert findings[("DQ001", "open")]["app_id"] == "name:planning"  # its waiver expired
    assert findings[("AC001", "open")]["location"] == {
        "file": "appconsol.toml",
        "sheet": None,
        "row": 9,
        "line": 9,
    }
    assert findings[("AC002", "open")]["location"]["row"] == 15
    sarif = json.loads(_invoke("check", str(inventory), "-f", "sarif").stdout)
    jsonschema.validate(sarif, SARIF_SCHEMA)
    suppressed = [r for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert suppressed[0]["suppressions"] == [
        {"kind": "external", "justification": "Owner being appointed (ticket 42)"}
    ]


# -- the sample inventories, end to end ----------------------------------------------------------

PROBLEM_RULES = {
    "missing-owner": "DQ001",
    "missing-capability": "DQ001",
    "missing-lifecycle": "DQ001",
    "duplicate-name-vendor": "DQ002",
    "negative-cost": "DQ004",
    "implausible-cost": "DQ004",
    "cost-lines-mismatch": "DQ007",
    "unparseable-date": "DQ008",
    "contract-expired-live": "DQ009",
    "critical-without-contract": "DQ005",
}


def _expected_sample_findings() -> set[tuple[str, str, int]]:
    """(rule, file name, row) of every data-quality problem the sample ground truth plants."""
    truth = yaml.safe_load((SAMPLES / "ground_truth.yaml").read_text(encoding="utf-8"))
    apps = truth["apps"]
    expected = set()
    for issue in truth["data_quality"]["issues"]:
        rule = PROBLEM_RULES[issue["problem"]]
        rows = [(apps[a]["file"], apps[a]["source_row"]) for a in issue["apps"]]
        if rule == "DQ002":
            rows = [max(rows)]  # the later copy is reported, pointing at the first
        expected |= {(rule, file, row) for file, row in rows}
    for cell in truth["data_quality"]["error_cells"]:
        expected.add(("DQ008", apps[cell["app"]]["file"], apps[cell["app"]]["source_row"]))
    for file, facts in truth["files"].items():
        expected |= {("DQ010", file, r["source_row"]) for r in facts["expected_rejected"]}
    return expected


@pytest.mark.slow
def test_sample_inventories_give_exactly_the_planted_data_quality_findings(tmp_path):
    inventories = [str(p) for p in sorted(SAMPLES.iterdir()) if p.suffix in (".csv", ".xlsx")]
    # DQ006 judges the bundled taxonomy's coverage of the background capabilities, which the ground
    # truth does not plant; every other data-quality rule must find exactly what it plants.
    result = _invoke(
        "check",
        *inventories,
        "-f",
        "json",
        "--as-of",
        "2026-11-25",
        "--select",
        "data-quality",
        "--ignore",
        "DQ006",
    )
    assert result.exit_code == 1, result.stderr  # the planted rejects and negative costs are errors
    found = {
        (f["rule"], Path(f["location"]["file"]).name, f["location"]["row"])
        for f in json.loads(result.stdout)["findings"]
    }
    assert found == _expected_sample_findings()


@pytest.mark.slow
def test_check_sample_inventories_glob_gives_valid_sarif_and_junit(tmp_path):
    everything = [str(p) for p in sorted(SAMPLES.iterdir()) if p.is_file()]  # what the shell's * gives
    sarif = _invoke(
        "check",
        *everything,
        "-f",
        "sarif",
        "--as-of",
        "2026-11-25",
        "--select",
        "data-quality",
        "--ignore",
        "DQ006",
    )
    document = json.loads(sarif.stdout)
    jsonschema.validate(document, SARIF_SCHEMA)
    results = document["runs"][0]["results"]
    assert len(results) == len(_expected_sample_findings())
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in results)
    # README.md, make_samples.py and ground_truth.yaml are skipped with a note, not failures.
    assert sarif.exit_code == 1 and document["runs"][0]["invocations"][0]["executionSuccessful"]
    assert "README.md: skipped" in sarif.stderr
    junit = _invoke(
        "check",
        str(SAMPLES),
        "-f",
        "junit",
        "--as-of",
        "2026-11-25",
        "--select",
        "data-quality",
        "--ignore",
        "DQ006",
    )
    assert junit.exit_code == 1
    root = ET.fromstring(junit.stdout)
    assert int(root.get("failures")) == sum(
        1 for rule, _f, _r in _expected_sample_findings() if rule in ("DQ002", "DQ004", "DQ010")
    )
