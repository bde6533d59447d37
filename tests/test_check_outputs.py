"""check outputs for CI (issue 12): several outputs in one run, concise/gitlab/markdown, SARIF
within GitHub's limits, --annotate-from, setup errors still written in the requested format,
strict config and the default baseline."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import polars as pl
import pytest
from click.testing import CliRunner

import appconsol
from appconsol.cli import cli
from appconsol.engine.baseline import Baseline, compare_with_baseline
from appconsol.report.sarif import MAX_RESULTS, render_sarif
from sarif_schema import official_sarif_schema

SARIF_SCHEMA = official_sarif_schema()
HEADER = "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\n"
CLEAN = (
    HEADER + "Payroll,Zellis,Payroll,active,Jo Bloggs,12000\nPlanning,Idox,Planning,active,Sam Smith,30000\n"
)
NO_OWNER = CLEAN + "Intranet,Acme,Web Publishing,active,,5000\n"  # DQ001 warning at line 4
NO_NAME = NO_OWNER + ",Acme,Web Publishing,active,Jo Bloggs,5000\n"  # + DQ010 error at line 5


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- several outputs in one run ------------------------------------------------------------------


def test_one_run_writes_every_requested_format_and_one_goes_to_stdout(tmp_path):
    _write(tmp_path / "wessex.csv", NO_NAME)
    result = _invoke(
        "check",
        "wessex.csv",
        "-f",
        "github",
        "-f",
        "sarif=out/appconsol.sarif",
        "-f",
        "gitlab=gl-code-quality.json",
        "-f",
        "markdown=summary.md",
        "-f",
        "junit=junit.xml",
    )
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=wessex.csv,line=5,title=DQ010 data-quality.rows-not-loaded::"
        "row 5 was not loaded: no application name",
        "::warning file=wessex.csv,line=4,title=DQ001 data-quality.required-fields::"
        "Intranet has no business owner (wessex / name:intranet)",
    ]
    sarif = json.loads((tmp_path / "out/appconsol.sarif").read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    assert sorted(r["ruleId"] for r in sarif["runs"][0]["results"]) == ["DQ001", "DQ010"]
    issues = json.loads((tmp_path / "gl-code-quality.json").read_text())
    assert {
        (i["check_name"], i["severity"], i["location"]["path"], i["location"]["lines"]["begin"])
        for i in issues
    } == {
        ("DQ010 data-quality.rows-not-loaded", "major", "wessex.csv", 5),
        ("DQ001 data-quality.required-fields", "minor", "wessex.csv", 4),
    }
    assert all(len(i["fingerprint"]) == 64 and i["description"] for i in issues)
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## appconsol check failed (exit 1)")
    assert "| `wessex.csv:5` | DQ010 | row 5 was not loaded: no application name |" in summary
    assert ET.parse(tmp_path / "junit.xml").getroot().get("failures") == "1"


def test_o_names_the_file_of_a_single_format_only(tmp_path):
    _write(tmp_path / "wessex.csv", CLEAN)
    single = _invoke("check", "wessex.csv", "-f", "sarif", "-o", "a.sarif")
    assert single.exit_code == 0 and json.loads((tmp_path / "a.sarif").read_text())["version"] == "2.1.0"
    mixed = _invoke("check", "wessex.csv", "-f", "sarif", "-o", "b.sarif", "-f", "github")
    assert mixed.exit_code == 2 and "-f FMT=PATH" in mixed.stderr and not (tmp_path / "b.sarif").exists()
    both = _invoke("check", "wessex.csv", "-f", "github", "-f", "json")
    assert both.exit_code == 2 and "github and json would both write to stdout" in both.stderr
    unknown = _invoke("check", "wessex.csv", "-f", "yaml=x.yaml")
    assert unknown.exit_code == 2 and "unknown format 'yaml'" in unknown.stderr


def test_concise_is_one_file_line_code_message_per_finding(tmp_path):
    _write(tmp_path / "wessex.csv", NO_NAME)
    result = _invoke("check", "wessex.csv", "-f", "concise")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "wessex.csv:4: DQ001 Intranet has no business owner",
        "wessex.csv:5: DQ010 row 5 was not loaded: no application name",
    ]


# -- SARIF within GitHub's limits ----------------------------------------------------------------


def _many_findings(tmp_path: Path, count: int) -> appconsol.CheckResult:
    """A real check result whose one DQ001 finding is copied `count` times: a third of them errors."""
    inventory = _write(tmp_path / "wessex.csv", NO_OWNER)
    result = appconsol.check([inventory], fail_on="error")
    frame = result.run.frame
    assert frame.height == 1
    copies = pl.concat([frame] * count).with_row_index("i")
    copies = copies.with_columns(
        (pl.col("finding_key") + "|" + pl.col("i").cast(pl.String)).alias("finding_key"),
        pl.when(pl.col("i") % 3 == 0)
        .then(pl.lit("error"))
        .when(pl.col("i") % 3 == 1)
        .then(pl.lit("warning"))
        .otherwise(pl.lit("info"))
        .alias("severity"),
        (pl.col("i") + 2).alias("source_row"),
    ).drop("i")
    result.run.frame = copies
    result.run.__dict__.pop("findings", None)  # the cached Finding list was built from one row
    return result


def test_sarif_over_25000_results_keeps_the_most_severe_and_says_how_many_were_left_out(tmp_path):
    result = _many_findings(tmp_path, MAX_RESULTS + 1500)
    document = json.loads(render_sarif(result))
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    levels = [r["level"] for r in run["results"]]
    assert len(levels) == MAX_RESULTS
    assert levels.count("error") == (MAX_RESULTS + 1500 + 2) // 3  # every error kept
    assert levels.count("note") == (MAX_RESULTS + 1500) // 3 - 1500  # the info notes went first
    (notice,) = run["invocations"][0]["toolExecutionNotifications"]
    assert notice["level"] == "warning" and notice["message"]["text"].startswith(
        "1,500 of 26,500 results left out"
    )
    assert "-f json" in notice["message"]["text"] and run["properties"]["resultsLeftOut"] == 1500
    assert run["invocations"][0]["executionSuccessful"] is True
    assert len({r["partialFingerprints"]["appconsolFindingKey/v1"] for r in run["results"]}) == MAX_RESULTS


def test_sarif_with_a_baseline_has_a_location_on_every_result_and_counts_the_fixed(tmp_path):
    result = _many_findings(tmp_path, MAX_RESULTS + 10)
    keys = result.run.frame["finding_key"].to_list()
    entries = {k: {"key": k, "rule": "DQ001"} for k in keys[: MAX_RESULTS // 2]}
    entries |= {"DQ001|gone|A1": {"key": "DQ001|gone|A1", "rule": "DQ001", "message": "gone"}}
    result.run.frame, result.fixed = compare_with_baseline(
        result.run.frame, Baseline(tmp_path / "b.json", entries)
    )
    result.run.__dict__.pop("findings", None)
    result.baseline_path = tmp_path / "b.json"
    document = json.loads(render_sarif(result))
    jsonschema.validate(document, SARIF_SCHEMA)
    run = document["runs"][0]
    assert len(run["results"]) == MAX_RESULTS
    assert all(r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1 for r in run["results"])
    assert {r["baselineState"] for r in run["results"]} == {"new", "unchanged"}
    assert run["properties"]["baseline"] == {
        "new": MAX_RESULTS + 10 - MAX_RESULTS // 2,
        "unchanged": MAX_RESULTS // 2,
        "fixed": 1,
    }


def test_annotate_from_leaves_info_out_unless_it_counts(tmp_path):
    _write(tmp_path / "appconsol.toml", '[rules.DQ001]\nseverity = "info"\n')
    _write(tmp_path / "wessex.csv", NO_NAME)
    everything = _invoke("check", "wessex.csv", "-f", "github")
    assert [line.split(" ")[0] for line in everything.stdout.splitlines()] == ["::error", "::notice"]
    quiet = _invoke(
        "check", "wessex.csv", "-f", "github", "--annotate-from", "warning", "-f", "sarif=x.sarif"
    )
    assert [line.split(" ")[0] for line in quiet.stdout.splitlines()] == ["::error"]
    assert [r["ruleId"] for r in json.loads((tmp_path / "x.sarif").read_text())["runs"][0]["results"]] == [
        "DQ010"
    ]
    counting = _invoke("check", "wessex.csv", "-f", "github", "--annotate-from", "error", "--fail-on", "info")
    assert [line.split(" ")[0] for line in counting.stdout.splitlines()] == ["::error", "::notice"]


# -- setup errors still give every output --------------------------------------------------------


def test_a_broken_config_still_writes_sarif_junit_and_an_annotation_at_its_line(tmp_path):
    _write(tmp_path / "appconsol.toml", "as_of = 2026-11-25\n\n[check]\nfail_on = 'sometimes'\n")
    _write(tmp_path / "wessex.csv", CLEAN)
    result = _invoke(
        "check",
        "wessex.csv",
        "-f",
        "github",
        "-f",
        "sarif=a.sarif",
        "-f",
        "junit=j.xml",
        "-f",
        "gitlab=g.json",
    )
    assert result.exit_code == 2
    assert result.stdout == (
        "::error file=appconsol.toml,line=4,title=appconsol could not run::"
        "check.fail_on must be error, warning, info or never\n"
    )
    sarif = json.loads((tmp_path / "a.sarif").read_text())
    jsonschema.validate(sarif, SARIF_SCHEMA)
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False and invocation["exitCode"] == 2
    (notice,) = invocation["toolExecutionNotifications"]
    assert notice["level"] == "error"
    assert notice["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "appconsol.toml"},
        "region": {"startLine": 4},
    }
    junit = ET.parse(tmp_path / "j.xml").getroot()
    assert junit.get("errors") == "1"
    case = junit.find("testsuite/testcase")
    assert case is not None and case.get("name") == "appconsol.toml:4" and case.find("error") is not None
    (issue,) = json.loads((tmp_path / "g.json").read_text())
    assert issue["severity"] == "blocker" and issue["location"] == {
        "path": "appconsol.toml",
        "lines": {"begin": 4},
    }


def test_a_broken_rule_file_still_writes_the_sarif_for_the_upload_step(tmp_path):
    _write(tmp_path / "rules/ACME001.yaml", "code: ACME001\nname: [unclosed\n")
    _write(tmp_path / "wessex.csv", CLEAN)
    result = _invoke("check", "wessex.csv", "--rules-dir", "rules", "-f", "sarif", "-o", "a.sarif")
    assert result.exit_code == 2 and result.stderr.startswith("Error: ")
    invocation = json.loads((tmp_path / "a.sarif").read_text())["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    location = invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "rules/ACME001.yaml"


# -- strict config --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("[check]\nfailon = 'warning'\n", ":2: unknown key 'failon' in [check]; did you mean 'fail_on'?"),
        ("[check]\nfail-on = 'warning'\n", ":2: unknown key 'fail-on' in [check]; did you mean 'fail_on'?"),
        (
            "as_of = 2026-11-25\n[rules]\nselct = ['DQ001']\n",
            ":3: unknown key 'selct' in [rules]; did you mean 'select'?",
        ),
        ("[rule]\nselect = ['DQ001']\n", ":1: unknown table [rule]; did you mean 'rules'?"),
        (
            "[rules.DQ001]\nseverty = 'info'\n",
            ":2: unknown key 'severty' in [rules.DQ001]; did you mean 'severity'?",
        ),
    ],
)
def test_unknown_config_keys_and_tables_stop_the_run_with_the_key_meant(tmp_path, toml, expected):
    _write(tmp_path / "appconsol.toml", toml)
    _write(tmp_path / "wessex.csv", CLEAN)
    result = _invoke("check", "wessex.csv")
    assert result.exit_code == 2
    assert f"Error: {tmp_path / 'appconsol.toml'}{expected}" in result.stderr


# -- the default baseline -------------------------------------------------------------------------


def test_appconsol_baseline_json_here_is_used_unless_no_baseline(tmp_path):
    _write(tmp_path / "wessex.csv", NO_NAME)
    assert _invoke("check", "wessex.csv", "--write-baseline", "appconsol-baseline.json").exit_code == 0
    compared = _invoke("check", "wessex.csv")
    assert compared.exit_code == 0
    assert "compared with the baseline appconsol-baseline.json" in compared.stderr
    assert "baseline: 0 new, 2 unchanged, 0 fixed" in compared.stderr
    assert _invoke("check", "wessex.csv", "--no-baseline").exit_code == 1


def test_check_baseline_in_config_is_relative_to_the_config(tmp_path):
    _write(tmp_path / "inv/wessex.csv", NO_NAME)
    _write(tmp_path / "appconsol.toml", "[check]\nbaseline = 'ci/accepted.json'\n")
    assert _invoke("check", "inv/wessex.csv", "--write-baseline", "ci/accepted.json").exit_code == 0
    assert _invoke("check", "inv/wessex.csv").exit_code == 0
    (tmp_path / "ci/accepted.json").unlink()
    missing = _invoke("check", "inv/wessex.csv")
    assert missing.exit_code == 2 and "baseline file not found" in missing.stderr
