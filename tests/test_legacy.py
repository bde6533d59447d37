"""The legacy step: factors, dimensions, score and RAG, explicit scores, evidence and settings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from appconsol.analyses.legacy import LEGACY_STEP, normalise_key
from appconsol.analyses.lifecycle import LIFECYCLE_STEP
from appconsol.config import load_config
from appconsol.engine.runner import run_rules
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from conftest import AS_OF

HEADER = (
    "Name,Operating system,Languages,Contract end,Functional fit,Technical fit,Business criticality,"
    "Users,Annual cost,Integrations"
)


def _load(write_csv, store, rows: str, header: str = HEADER) -> None:
    report = load_inventories(
        [write_csv(header + "\n" + rows)], store, organisation="Wessex", options=LoadOptions(as_of=AS_OF)
    )
    assert report.ok, [str(f.error) for f in report.failures]


def _run(store, config: Path | None = None):
    settings = load_config(config) if config else load_config(discover=False)
    return run_rules(
        store,
        [],
        as_of=AS_OF,
        steps=[LIFECYCLE_STEP, LEGACY_STEP],
        settings=settings.analyses,
        where=settings.location,
    )


def _scores(store) -> dict[str, dict]:
    frame = store.query(
        "SELECT a.name, l.* FROM legacy_scores l JOIN applications a USING (organisation, app_id)"
    )
    return {row["name"]: row for row in frame.iter_rows(named=True)}


def _dimension(factors: list[float]) -> float:
    return (sum(factors) / len(factors) + max(factors)) / 2


def test_every_factor_counts_and_each_dimension_is_mean_plus_max_over_two(write_csv, store):
    _load(write_csv, store, "Legacy Ledger,Windows Server 2012 R2,COBOL,2025-03-31,2,2,1,300,60000,2\n")
    assert _run(store).ok
    score = _scores(store)["Legacy Ledger"]
    # likelihood: unsupported 5, contract expired 5, COBOL 5, fit 2/4 -> 4
    # impact: mission-critical 5, 300 users 3, 60,000 a year 3, 2 interfaces 2
    assert _dimension([5, 5, 5, 4]) == 4.875 and _dimension([5, 3, 3, 2]) == 4.125
    assert (score["likelihood"], score["impact"]) == (4.88, 4.13)  # two places, half away from zero
    assert score["score"] == pytest.approx(4.88 * 4.13, abs=0.005)
    assert score["red_rated"] and score["rag"] == "red" and score["derived"]
    assert score["worst_support_status"] == "unsupported" and score["earliest_eol"] == dt.date(2023, 10, 10)
    assert score["scarce_languages"] == "COBOL"
    evidence = json.loads(score["evidence"])
    assert evidence["likelihood"]["end_of_support"] == {
        "factor": 5,
        "value": "unsupported",
        "source": "component_lifecycle: Windows Server 2012 R2 (eol 2023-10-10)",
    }
    assert evidence["likelihood"]["contract"] == {
        "factor": 5,
        "value": "2025-03-31",
        "source": "contract_end",
    }
    assert evidence["impact"]["users"] == {"factor": 3, "value": 300, "source": "user_count"}
    assert evidence["likelihood"]["vulnerabilities"]["factor"] is None  # not in the export: not counted


@pytest.mark.parametrize(
    ("row", "rag"),
    [
        ("Modern,Windows Server 2022,C#,2029-03-31,4,4,4,40,5000,0", "green"),  # 1 x 1.5
        ("Middling,Windows Server 2016,C#,2027-06-30,3,2,2,1200,40000,4", "amber"),
    ],
)
def test_rag_bands(write_csv, store, row, rag):
    _load(write_csv, store, row + "\n")
    _run(store)
    (score,) = _scores(store).values()
    assert score["rag"] == rag and not score["red_rated"]
    assert (score["score"] >= 9) == (rag == "amber")


def test_factors_the_inventory_does_not_give_are_left_out(write_csv, store):
    _load(write_csv, store, "Names only,,,,,,,120,,\n")
    _run(store)
    score = _scores(store)["Names only"]
    assert score["likelihood"] is None and score["impact"] == 2.0  # users alone: (2 + 2) / 2
    assert score["score"] is None and score["rag"] is None and score["red_rated"] is False
    assert score["worst_support_status"] is None


def test_the_worst_component_decides_end_of_support(write_csv, store):
    header = "Name,Operating system,Database"
    _load(write_csv, store, "Mixed,Windows Server 2022,Microsoft SQL Server 2014\n", header)
    _run(store)
    score = _scores(store)["Mixed"]
    assert score["worst_support_status"] == "extended-support"
    assert json.loads(score["evidence"])["likelihood"]["end_of_support"]["factor"] == 4
    assert score["earliest_eol"] == dt.date(2024, 7, 9)


def test_explicit_scores_in_the_inventory_win_and_are_labelled(write_csv, store):
    header = HEADER + ",Legacy Risk Score,Risk likelihood,Risk impact,Legacy RAG,Open vulnerabilities"
    _load(
        write_csv,
        store,
        "Given score,Windows Server 2022,,,,,,,,,20,,,,\n"
        "Given parts,Windows Server 2022,,,,,,,,,,2,3,,\n"
        "Given RAG,Windows Server 2022,,,,,,,,,,,,Red,\n"
        "Vulnerable,Windows Server 2022,,,,,,,,,,,,,12\n",
        header,
    )
    _run(store)
    scores = _scores(store)
    given = scores["Given score"]
    assert given["score"] == 20 and given["red_rated"] and not given["derived"]
    assert json.loads(given["evidence"])["explicit"]["score"] == {
        "value": 20.0,
        "source": "unmapped: Legacy Risk Score",
    }
    parts = scores["Given parts"]
    assert (parts["likelihood"], parts["impact"], parts["score"], parts["rag"]) == (2, 3, 6, "green")
    assert scores["Given RAG"]["red_rated"] and scores["Given RAG"]["rag"] == "red"
    vulnerable = json.loads(scores["Vulnerable"]["evidence"])["likelihood"]["vulnerabilities"]
    assert vulnerable == {"factor": 4, "value": 12.0, "source": "unmapped: Open vulnerabilities"}
    assert scores["Vulnerable"]["derived"]


def test_dependencies_recorded_by_the_export_count_as_integrations(write_csv, store):
    _load(write_csv, store, "Mobilising,,,,,,,,,\nGIS,,,,,,,,,\n")
    store.con.execute(
        "INSERT INTO app_dependencies (organisation, app_name, depends_on, direction) VALUES "
        "('Wessex', 'Mobilising', 'GIS', 'southbound'), ('Wessex', 'Mobilising', 'Rota', 'southbound'), "
        "('Wessex', 'Warehouse', 'mobilising', 'northbound')"
    )
    _run(store)
    evidence = json.loads(_scores(store)["Mobilising"]["evidence"])["impact"]["integrations"]
    assert evidence == {"factor": 3, "value": 3, "source": "integration_count, app_dependencies"}


def test_thresholds_and_bands_are_settings(write_csv, store, tmp_path):
    _load(write_csv, store, "Middling,Windows Server 2016,C#,2027-06-30,3,2,2,1200,40000,4\n")
    config = tmp_path / "appconsol.toml"
    config.write_text("[legacy]\nred_threshold = 10\nuser_bands = [10, 20, 30, 40]\n", encoding="utf-8")
    assert _run(store, config).ok
    score = _scores(store)["Middling"]
    assert score["rag"] == "red" and json.loads(score["evidence"])["impact"]["users"]["factor"] == 5


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('[legacy]\nred_threshold = "high"\n', 2, "legacy.red_threshold must be number"),
        ("[legacy]\nuser_bands = [5, 1, 2, 3]\n", 2, "must be 4 ascending numbers"),
        ("[legacy]\nred_threshold = 16\namber_threshold = 20\n", 3, "amber_threshold must be below"),
    ],
)
def test_bad_settings_are_config_errors_at_their_line(write_csv, store, tmp_path, text, line, message):
    _load(write_csv, store, "App,,,,,,,1,,\n")
    config = tmp_path / "appconsol.toml"
    config.write_text(text, encoding="utf-8")
    (failure,) = _run(store, config).failures
    assert failure.code == "legacy" and f"{config}:{line}" in failure.message and message in failure.message


def test_unknown_legacy_settings_warn(write_csv, store, tmp_path):
    _load(write_csv, store, "App,,,,,,,1,,\n")
    config = tmp_path / "appconsol.toml"
    config.write_text("[legacy]\nred_treshold = 12\ncolour = 'red'\n", encoding="utf-8")
    run = _run(store, config)
    assert run.ok
    assert [n.message for n in run.notices] == [
        "unknown key 'red_treshold' in [legacy] ignored; did you mean 'red_threshold'?",
        "unknown key 'colour' in [legacy] ignored (known here: red_threshold, amber_threshold, user_bands, "
        "cost_bands, integration_bands, vulnerability_bands, incident_bands, contract_ending_months)",
    ]


def test_unmapped_column_names_are_compared_without_case_or_punctuation():
    assert normalise_key("Legacy-Risk  Score (1-25)") == "legacy risk score 1 25"
    assert normalise_key("RISK_LIKELIHOOD") == "risk likelihood"
