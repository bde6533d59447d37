"""`appconsol analyse`, `explain` and `reference` end to end: the samples and the NHS EPR workbook."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from conftest import FIXTURES, SAMPLES

AS_OF = "2026-11-25"


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no appconsol.toml above the repository is found


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("analyse") / "samples.duckdb"
    assert _invoke("load", str(SAMPLES), "--db", str(db), "--as-of", AS_OF).exit_code == 0
    result = _invoke("analyse", "--db", str(db), "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 0, result.stderr
    return db


@pytest.fixture(scope="module")
def epr_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("epr") / "epr.duckdb"
    loaded = _invoke(
        "load",
        str(FIXTURES / "nhs_trust_epr_suppliers.xlsx"),
        "--mapping",
        str(FIXTURES / "nhs_epr_mapping.yaml"),
        "--partnership",
        "NHS England",
        "--db",
        str(db),
    )
    assert loaded.exit_code == 0, loaded.stderr
    return db


def test_analyse_summarises_overlap_legacy_dispositions_plan_and_findings(samples_db):
    result = _invoke("analyse", "--db", str(samples_db), "--as-of", AS_OF, "-f", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    kinds = {(g["scope"], g["kind"]) for g in summary["overlap_groups"]}
    assert kinds == {("within", "same-capability"), ("across", "same-product"), ("across", "convergence")}
    assert summary["red_rated_count"] > 0 and summary["dispositions"]
    actions = {a["action"] for a in summary["actions"]}
    assert {"consolidate", "share", "invest"} <= actions
    assert summary["plan"]["annual_saving"] > 0 and len(summary["plan"]["cash_flows"]) == 10
    assert summary["findings"]["warning"] > 0 and summary["exit_code"] == 0
    assert {s["step"] for s in summary["steps"]} >= {"products", "capabilities", "overlap", "plan"}
    assert "appconsol analyse:" in result.stderr and "exit 0" in result.stderr


def test_analyse_human_output_has_every_section(samples_db):
    result = _invoke("analyse", "--db", str(samples_db), "--as-of", AS_OF)
    assert result.exit_code == 0
    for heading in (
        "Overlap groups",
        "Largest overlaps",
        "Red-rated",
        "Dispositions:",
        "Planned actions",
        "Plan:",
        "Findings:",
    ):
        assert heading in result.stdout, heading


def test_analyse_needs_an_existing_store(tmp_path):
    result = _invoke("analyse", "--db", str(tmp_path / "nothing.duckdb"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "appconsol load" in result.stderr


def test_a_step_that_fails_makes_analyse_exit_2_and_the_rest_still_runs(samples_db, tmp_path):
    config = tmp_path / "elsewhere" / "appconsol.toml"
    config.parent.mkdir()
    config.write_text('[plan]\ndiscount_rate = "high"\n', encoding="utf-8")
    result = _invoke(
        "analyse", "--db", str(samples_db), "--as-of", AS_OF, "--config", str(config), "-f", "json"
    )
    assert result.exit_code == 2
    assert "step plan failed" in result.stderr and "appconsol.toml:2" in result.stderr
    assert json.loads(result.stdout)["overlap_groups"]  # the other steps ran
    assert _invoke("analyse", "--db", str(samples_db), "--as-of", AS_OF).exit_code == 0  # and it recovers


def test_explain_shows_everything_known_about_one_application(samples_db):
    result = _invoke("explain", "Idox Uniform", "--db", str(samples_db), "-f", "json")
    assert result.exit_code == 0, result.stderr
    explained = json.loads(result.stdout)
    assert (explained["organisation"], explained["app_id"]) == ("Avonvale District Council", "AV-0342")
    assert explained["application"]["source_row"] == 219 and explained["loaded_from"]
    assert explained["product"]["product_key"] == "idox/uniform"
    assert explained["capabilities"][0]["code"] == "lg.planning"
    assert explained["components"] and explained["legacy"] is not None and explained["disposition"]
    kinds = {g["kind"] for g in explained["overlap"]["groups"]}
    assert {"same-product", "convergence"} <= kinds
    plan = explained["plan"]
    assert plan["action"]["action"] in ("invest", "keep", "share") and "why" in plan["action"]
    # Findings about it, and about the groups it is in (shared product, convergence).
    assert {"OV002", "OV003"} <= {f["rule_code"] for f in explained["findings"]}
    human = _invoke("explain", "av-0342", "--db", str(samples_db))
    assert human.exit_code == 0 and "Overlap group" in human.stdout and "Plan:" in human.stdout


def test_explain_lists_the_candidates_when_a_name_is_ambiguous(samples_db):
    result = _invoke("explain", "tranman", "--db", str(samples_db))
    assert result.exit_code == 2
    assert (
        "matches 2 applications" in result.stderr
        and "APM0001093" in result.stderr
        and "APM0003639" in result.stderr
    )
    assert (
        _invoke("explain", "Tranman", "--org", "wessex county council", "--db", str(samples_db)).exit_code
        == 2
    )
    assert _invoke("explain", "APM0003639", "--db", str(samples_db)).exit_code == 0


def test_explain_an_unknown_application_suggests_near_names(samples_db):
    result = _invoke("explain", "Idox Unifrom", "--db", str(samples_db))
    assert result.exit_code == 2
    assert "no application 'Idox Unifrom'" in result.stderr and "Idox Uniform" in result.stderr


def test_the_nhs_epr_workbook_shows_shared_suppliers_and_convergence(epr_db):
    result = _invoke("analyse", "--db", str(epr_db), "-f", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["applications"] == 209 and summary["organisations"] == 209
    groups = {(g["scope"], g["kind"]): g for g in summary["overlap_groups"]}
    assert ("within", "same-capability") not in groups  # one EPR per trust
    assert groups[("across", "convergence")]["groups"] == 1
    assert groups[("across", "same-product")]["groups"] >= 10  # suppliers shared by several trusts
    # Which suppliers they share: every trust on a named supplier is in that supplier's group.
    largest = max(
        (g for g in summary["largest_overlaps"] if g["kind"] == "same-product"), key=lambda g: g["members"]
    )
    assert largest["members"] >= 20
    explained = json.loads(_invoke("explain", "RCF", "--db", str(epr_db), "-f", "json").stdout)
    assert explained["name"] == "Primary EPR" and explained["product"]["vendor_key"] == "tpp"
    assert {g["kind"] for g in explained["overlap"]["groups"]} == {"same-product", "convergence"}
    ambiguous = _invoke("explain", "Primary EPR", "--db", str(epr_db))
    assert ambiguous.exit_code == 2 and "matches 209 applications" in ambiguous.stderr


def test_reference_show_lists_bundled_snapshots_and_your_files(tmp_path):
    taxonomy = tmp_path / "ours.yaml"
    taxonomy.write_text(
        "- {code: our.bins, name: Bin rounds, aliases: [refuse wrangling]}\n", encoding="utf-8"
    )
    (tmp_path / "appconsol.toml").write_text('[reference]\ntaxonomy = "ours.yaml"\nlists = "missing.yaml"\n')
    result = _invoke("reference", "show", "-f", "json", "--config", str(tmp_path / "appconsol.toml"))
    assert result.exit_code == 0, result.stderr
    status = json.loads(result.stdout)
    lifecycle = next(b for b in status["bundled"] if b["name"] == "lifecycle dates")
    assert lifecycle["snapshot"] == "2026-08-22" and "release cycles" in lifecycle["counts"]
    user = {u["setting"]: u for u in status["user"]}
    assert user["taxonomy"]["status"] == "ok" and "+1 capabilities" in user["taxonomy"]["counts"]
    assert user["lists"]["status"].startswith("error")
    human = _invoke("reference", "show", "--config", str(tmp_path / "appconsol.toml"))
    assert "Bundled reference data" in human.stdout and "endoflife.date" in human.stdout


def test_reference_update_imports_a_checked_file_and_names_the_setting(tmp_path):
    aliases = tmp_path / "my-products.yaml"
    aliases.write_text("vendors:\n  wayfarer: {name: Wayfarer, aliases: [wfd]}\n", encoding="utf-8")
    result = _invoke(
        "reference", "update", "--import", str(aliases), "--kind", "products", "-o", str(tmp_path / "ref")
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "ref" / "my-products.yaml").is_file()
    assert "[reference] product_aliases" in result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text("- {name: no code}\n", encoding="utf-8")
    assert _invoke("reference", "update", "--import", str(broken), "--kind", "taxonomy").exit_code == 2
    assert _invoke("reference", "update").exit_code == 2


def test_reference_update_from_an_endoflife_checkout_writes_only_what_changed(tmp_path):
    products = tmp_path / "endoflife.date" / "products"
    products.mkdir(parents=True)
    (products / "windows-server.md").write_text(
        textwrap.dedent(
            """\
            ---
            title: Microsoft Windows Server
            category: os
            releases:
            -   releaseCycle: "2012-r2"
                releaseDate: 2013-10-18
                eoas: 2018-10-09
                eol: 2023-10-10
                eoes: 2027-10-12
            -   releaseCycle: "2030"
                releaseDate: 2030-01-01
                eoas: 2035-01-01
                eol: 2040-01-01
            ---
            """
        ),
        encoding="utf-8",
    )
    output = tmp_path / "lifecycle.csv"
    result = _invoke(
        "reference", "update", "--endoflife", str(tmp_path / "endoflife.date"), "-o", str(output)
    )
    assert result.exit_code == 0, result.stderr
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("product,release_cycle,eol")
    cycles = [line.split(",")[1] for line in lines[1:]]
    assert "2030" in cycles  # new; 2012-r2 differs from the snapshot only if its dates do
    assert f'lifecycle_overrides = "{output}"' in result.stdout


def test_the_duckdb_memory_limit_must_be_a_size(samples_db):
    result = _invoke("analyse", "--db", str(samples_db), "--duckdb-memory", "1GB; DROP TABLE findings")
    assert result.exit_code == 2 and "must be a size" in result.stderr
    assert (
        _invoke("analyse", "--db", str(samples_db), "--as-of", AS_OF, "--duckdb-memory", "512MB").exit_code
        == 0
    )
