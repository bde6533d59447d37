"""The disposition step: TIME, hard constraints, the ordered decision table and its files and cases."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import appconsol
from appconsol.analyses.capabilities import CAPABILITIES_STEP
from appconsol.analyses.decision_cases import run_decision_cases
from appconsol.analyses.disposition import DISPOSITION_STEP
from appconsol.analyses.legacy import LEGACY_STEP
from appconsol.analyses.lifecycle import LIFECYCLE_STEP
from appconsol.analyses.products import PRODUCTS_STEP
from appconsol.analyses.residency import country_status
from appconsol.config import load_config
from appconsol.engine.decision_cases import read_decision_cases
from appconsol.engine.decisions import load_decisions
from appconsol.engine.loader import RulePackError, load_rules
from appconsol.engine.runner import run_rules
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from conftest import AS_OF

# The disposition reads the products and capabilities as their steps stored them.
STEPS = [PRODUCTS_STEP, CAPABILITIES_STEP, LIFECYCLE_STEP, LEGACY_STEP, DISPOSITION_STEP]
BUILTIN = load_decisions()


def _load(write_csv, store, text: str) -> None:
    report = load_inventories(
        [write_csv(textwrap.dedent(text).lstrip())],
        store,
        organisation="Wessex",
        options=LoadOptions(as_of=AS_OF),
    )
    assert report.ok, [str(f.error) for f in report.failures]


def _run(store, config: Path | None = None):
    settings = load_config(config) if config else load_config(discover=False)
    return run_rules(store, [], as_of=AS_OF, steps=STEPS, settings=settings.analyses, where=settings.location)


def _dispositions(store) -> dict[str, dict]:
    frame = store.query(
        "SELECT a.name, d.* FROM dispositions d JOIN applications a USING (organisation, app_id)"
    )
    return {row["name"]: row for row in frame.iter_rows(named=True)}


# -- TIME --------------------------------------------------------------------------------------------

TIME_CASES = [
    ("4", "4", "invest"),
    ("3", "3", "invest"),
    ("4", "2", "migrate"),
    ("2", "4", "tolerate"),
    ("2", "2", "eliminate"),
    ("1", "", None),
    ("", "3", None),
]


def test_time_follows_leanix_functional_by_technical_fit(write_csv, store):
    rows = "".join(f"App {i},active,{f},{t}\n" for i, (f, t, _) in enumerate(TIME_CASES))
    _load(write_csv, store, "Name,Lifecycle,Functional fit,Technical fit\n" + rows)
    assert _run(store).ok
    found = _dispositions(store)
    assert [found[f"App {i}"]["time_category"] for i in range(len(TIME_CASES))] == [c for *_, c in TIME_CASES]


def test_time_cut_points_are_settings(write_csv, store, tmp_path):
    _load(write_csv, store, "Name,Lifecycle,Functional fit,Technical fit\nGood enough,active,3,3\n")
    config = tmp_path / "appconsol.toml"
    config.write_text("[cloud]\nfunctional_fit_high = 4\n", encoding="utf-8")
    assert _run(store, config).ok
    assert _dispositions(store)["Good enough"]["time_category"] == "tolerate"
    config.write_text("[cloud]\nfunctional_fit_high = 5\n", encoding="utf-8")
    (failure,) = _run(store, config).failures
    assert f"{config}:2" in failure.message and "must be 1-4" in failure.message


# -- hard constraints ------------------------------------------------------------------------------


def test_secret_data_never_moves_and_the_blocked_decision_is_recorded(write_csv, store):
    _load(
        write_csv,
        store,
        """
        Name,Lifecycle,Hosting,Data classification,Operating system
        Secure Planning,active,On premise,SECRET,Windows Server 2022
        Ordinary,active,On premise,OFFICIAL,Windows Server 2022
        """,
    )
    _run(store)
    found = _dispositions(store)
    secure = found["Secure Planning"]
    assert (secure["disposition"], secure["decided_by"], secure["confidence"]) == ("retain", "CD900", "high")
    (constraint,) = json.loads(secure["constraints"])
    assert constraint["constraint"] == "classification" and constraint["blocks_sharing"] is True
    assert json.loads(secure["blocked_decisions"]) == [{"decision": "CD120", "disposition": "rehost"}]
    assert (found["Ordinary"]["disposition"], json.loads(found["Ordinary"]["constraints"])) == ("rehost", [])


@pytest.mark.parametrize(
    ("country", "constrained"),
    [("United States", True), ("India", True), ("United Kingdom", False), ("Ireland", False), ("", False)],
)
def test_special_category_data_must_stay_in_the_uk_or_an_adequate_country(
    write_csv, store, country, constrained
):
    _load(
        write_csv,
        store,
        f"""
        Name,Lifecycle,Hosting,Special category data,Hosting country,Functional fit,Technical fit
        Triage,active,SaaS,Yes,{country},3,3
        """,
    )
    _run(store)
    constraints = json.loads(_dispositions(store)["Triage"]["constraints"])
    assert [c["constraint"] for c in constraints] == (["residency"] if constrained else [])


def test_partial_adequacy_counts_once_the_country_is_listed(write_csv, store, tmp_path):
    _load(write_csv, store, "Name,Hosting,Special category data,Hosting country\nTriage,SaaS,Yes,USA\n")
    config = tmp_path / "appconsol.toml"
    config.write_text('[cloud]\nadequate_countries = ["United States"]\n', encoding="utf-8")
    _run(store, config)
    assert json.loads(_dispositions(store)["Triage"]["constraints"]) == []


def test_a_hardware_dependency_blocks_a_lift_but_not_a_replacement(write_csv, store):
    _load(
        write_csv,
        store,
        """
        Name,Vendor,Description,Lifecycle,Hosting,Operating system
        Meter Sync,Acme,Polls the pay and display meters over a serial port,active,On premise,Windows Server 2022
        TOPdesk,TOPdesk,Licence held on a USB dongle,active,On premise,Windows Server 2022
        """,
    )
    _run(store)
    found = _dispositions(store)
    assert (found["Meter Sync"]["disposition"], found["Meter Sync"]["decided_by"]) == ("retain", "CD910")
    assert json.loads(found["Meter Sync"]["constraints"])[0]["detail"] == "hardware dependency (serial port)"
    assert (found["TOPdesk"]["disposition"], found["TOPdesk"]["decided_by"]) == (
        "repurchase",
        "CD070",
    )


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("United Kingdom", "uk"),
        ("Azure UK South", "uk"),
        ("Northern Ireland", "uk"),
        ("Dublin, Ireland", "adequate"),
        ("Hosted in US", "partial"),
        ("India", "not-adequate"),
        ("UK and India", "not-adequate"),
        ("it", "unknown"),
        ("Cloud", "unknown"),
        (None, "unknown"),
    ],
)
def test_hosting_country_texts_are_read_against_the_adequacy_list(text, status):
    assert country_status(text)[1] == status


# -- the decision table ----------------------------------------------------------------------------


def test_the_builtin_table_is_ordered_and_ends_with_a_catch_all():
    orders = [d.order for d in BUILTIN]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert BUILTIN[-1].code == "CD999" and BUILTIN[-1].disposition == "needs-assessment"
    assert all(d.references and d.rationale and d.summary.endswith(".") for d in BUILTIN)


@pytest.mark.parametrize("decision", BUILTIN, ids=lambda d: d.code)
def test_decision_cases_pass(decision):
    failures = [str(r) for r in run_decision_cases(decision, BUILTIN) if not r.passed]
    assert not failures, "\n".join(failures)
    assert len(read_decision_cases(decision)) >= 1


DECISION = """\
code: MY010
order: 10
disposition: retire
summary: Mine.
rationale: Because.
where: lifecycle = 'retired'
"""


def _decision(folder: Path, text: str, code: str = "MY010") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{code}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("disposition: retire", "disposition: bin"), 3, "disposition 'bin' is not one of"),
        (("order: 10", "order: soon"), 2, "'order' must be a whole number"),
        (("code: MY010", "code: MY011"), 1, "does not match the file name"),
        (
            ("where: lifecycle = 'retired'", "where: lifecycle = 'retired' AND nonsense > 1"),
            6,
            "does not bind",
        ),
        (
            ("where: lifecycle = 'retired'", "sql: SELECT name FROM v_applications"),
            6,
            "must return organisation",
        ),
        (("where: lifecycle = 'retired'", "where: x\nsql: SELECT 1"), 1, "exactly one of 'where'"),
        (("rationale: Because.", "rationale: Because.\nreason: '{colour}'"), 6, "reason uses {colour}"),
    ],
)
def test_bad_decision_files_name_file_and_line(tmp_path, change, line, message):
    path = _decision(tmp_path / "decisions", DECISION.replace(*change))
    _decision(
        tmp_path / "decisions",
        DECISION.replace("MY010", "MY999").replace("10", "999").replace("retire", "retain"),
        "MY999",
    )
    with pytest.raises(RulePackError) as raised:
        load_decisions([tmp_path / "decisions"], include_builtin=False)
    assert f"{path}:{line}" in str(raised.value) and message in str(raised.value)


def test_a_table_must_end_with_retain_and_orders_must_be_unique(tmp_path):
    folder = tmp_path / "decisions"
    _decision(folder, DECISION)
    with pytest.raises(RulePackError, match="must be a catch-all 'retain'"):
        load_decisions([folder], include_builtin=False)
    _decision(folder, DECISION.replace("MY010", "MY020"), "MY020")
    with pytest.raises(RulePackError, match="order 10 is already used by MY010"):
        load_decisions([folder], include_builtin=False)


def test_your_decisions_replace_built_in_codes_and_can_be_disabled(write_csv, store, tmp_path):
    _load(write_csv, store, "Name,Lifecycle\nOld,retired\nNew,active\n")
    folder = tmp_path / "my-decisions"
    _decision(folder, DECISION.replace("MY010", "CD010").replace("retire\n", "retain\n"), "CD010")
    config = tmp_path / "appconsol.toml"
    config.write_text('[cloud]\ndecision_dirs = ["my-decisions"]\n', encoding="utf-8")
    assert _run(store, config).ok
    assert _dispositions(store)["Old"]["disposition"] == "retain"
    config.write_text('[cloud]\ndisabled_decisions = ["CD010"]\n', encoding="utf-8")
    _run(store, config)
    assert _dispositions(store)["Old"]["decided_by"] == "CD999"


def test_decision_parameters_are_checked(write_csv, store, tmp_path):
    _load(write_csv, store, "Name,Lifecycle\nApp,active\n")
    config = tmp_path / "appconsol.toml"
    for text, message in [
        ("[cloud.decision_parameters.CD030]\nfew_users = 'some'\n", "few_users' of CD030 must be integer"),
        ("[cloud.decision_parameters.CD030]\nmany = 3\n", "CD030 has no parameter 'many'"),
        ("[cloud.decision_parameters.XX1]\nmany = 3\n", "names no decision 'XX1'"),
    ]:
        config.write_text(text, encoding="utf-8")
        (failure,) = _run(store, config).failures
        assert message in failure.message and str(config) in failure.message


def test_a_decisions_folder_is_not_read_as_rules(tmp_path):
    _decision(tmp_path / "rules" / "decisions", DECISION)
    assert load_rules([tmp_path / "rules"], include_builtin=False).rules == []


def test_step_warnings_reach_the_check_result(write_csv, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "appconsol.toml").write_text("[cloud]\nhardware_keyword = ['dongle']\n", encoding="utf-8")
    inventory = write_csv("Name,Lifecycle\nApp,active\n", "wessex.csv")
    result = appconsol.check([inventory], fail_on="never")
    assert any("did you mean 'hardware_keywords'" in n.message for n in result.notices)


def test_every_application_gets_one_disposition_whatever_the_row_order(write_csv, store):
    rows = "".join(
        f"App {i},{['active', 'retired', 'phase-out', 'plan'][i % 4]},On premise,Windows Server {2012 + 4 * (i % 3)},"
        f"{i % 4 + 1},{(i // 4) % 4 + 1}\n"
        for i in range(40)
    )
    _load(write_csv, store, "Name,Lifecycle,Hosting,Operating system,Functional fit,Technical fit\n" + rows)
    _run(store)
    first = store.con.execute("SELECT * FROM dispositions ORDER BY ALL").fetchall()
    assert len(first) == 40
    for table in ("applications", "app_components"):
        store.con.execute(f"CREATE TABLE shuffled AS SELECT * FROM {table} ORDER BY hash(source_row) DESC")
        store.con.execute(f"DELETE FROM {table}")
        store.con.execute(f"INSERT INTO {table} SELECT * FROM shuffled")
        store.con.execute("DROP TABLE shuffled")
    _run(store)
    assert store.con.execute("SELECT * FROM dispositions ORDER BY ALL").fetchall() == first


def test_the_method_document_lists_the_current_decisions_and_settings():
    from appconsol.docgen.method_legacy_cloud import refresh
    from conftest import ROOT

    committed = (ROOT / "docs" / "method-legacy-cloud.md").read_text(encoding="utf-8")
    assert committed == refresh(committed), (
        "docs/method-legacy-cloud.md is stale: run `python -m appconsol.docgen`"
    )
    assert all(f"`{d.code}`" in committed for d in BUILTIN)
