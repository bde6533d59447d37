"""Dispositions that decide from the evidence a real inventory has (issue 10).

One inventory holds an application of each evidence pattern docs/method-legacy-cloud.md lists;
each must be decided as that table says, with its confidence and the facts missing. "Needs
assessment" is its own outcome and every summary counts it apart from retain.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from appconsol.analyses.capabilities import CAPABILITIES_STEP
from appconsol.analyses.disposition import DISPOSITION_STEP
from appconsol.analyses.legacy import LEGACY_STEP
from appconsol.analyses.lifecycle import LIFECYCLE_STEP
from appconsol.analyses.products import PRODUCTS_STEP
from appconsol.cli import cli
from appconsol.config import load_config
from appconsol.engine.runner import run_rules
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
from conftest import AS_OF, FIXTURES

STEPS = [PRODUCTS_STEP, CAPABILITIES_STEP, LIFECYCLE_STEP, LEGACY_STEP, DISPOSITION_STEP]

# One application per evidence pattern, as a real inventory records it: most have no fit scores.
INVENTORY = """\
Name,Vendor,Hosting,Lifecycle,Users,Data classification,Special category data,Hosting country,Operating system,Functional fit,Technical fit,Capability
SAP S/4HANA,SAP,On premises,Active,1200,OFFICIAL,,,,,,
SharePoint Server 2016,Microsoft,,Active,3000,OFFICIAL,,,,,,
Oracle E-Business Suite,Oracle,On premises,Active,,OFFICIAL,,,,,,
Planning Portal Connector,In house,On premises,Active,40,OFFICIAL,,,Windows Server 2022,,,
Highways Inspections,In house,On premises,Active,90,OFFICIAL,,,Windows Server 2008 R2,4,3,
Concessionary Travel,In house,On premises,Active,70,OFFICIAL,,,Windows Server 2008 R2,,,
Creditors Ledger,Acme Finance Ltd,On premises,Active,60,OFFICIAL,,,Windows Server 2008 R2,,,Finance
Old Ledger,Acme Finance Ltd,On premises,Retired,,,,,,,,
Staff Noticeboard,In house,On premises,Active,0,,,,,,,
Local Resilience Secure Planning,In house,On premises,Active,25,SECRET,,,Windows Server 2022,,,
Genomic Variant Interpretation,In house,IaaS,Active,12,OFFICIAL-SENSITIVE,Yes,India,Windows Server 2008 R2,,,
DrDoctor,DrDoctor,SaaS,Active,4000,OFFICIAL-SENSITIVE,Yes,United Kingdom,,,,
Library Management,Civica,Private cloud,Active,150,OFFICIAL,,,,,,
Theatre Tracker,,,,,,,,,,,
"""

# name: (disposition, decided_by, confidence, missing facts)
EXPECTED = {
    # on-premises COTS with a vendor SaaS edition: repurchase, not retain
    "SAP S/4HANA": ("repurchase", "CD070", "high", []),
    "SharePoint Server 2016": ("repurchase", "CD070", "medium", ["hosting"]),  # an installed release
    "Oracle E-Business Suite": ("repurchase", "CD070", "medium", ["users"]),
    # in-house on a supported stack, no database, no fit
    "Planning Portal Connector": ("rehost", "CD120", "medium", ["fit"]),
    # unsupported platform with and without fit scores
    "Highways Inspections": ("replatform", "CD110", "high", []),
    "Concessionary Travel": ("replatform", "CD115", "medium", ["fit"]),
    "Creditors Ledger": ("repurchase", "CD113", "medium", ["fit"]),
    # retired or unused
    "Old Ledger": ("retire", "CD010", "high", []),
    "Staff Noticeboard": ("retire", "CD040", "high", []),
    # legally or classification-bound
    "Local Resilience Secure Planning": ("retain", "CD900", "high", []),
    "Genomic Variant Interpretation": ("retain", "CD900", "high", []),
    # already SaaS, already hosted off premises
    "DrDoctor": ("retain", "CD130", "high", []),
    "Library Management": ("retain", "CD135", "medium", ["components"]),
    # nothing known
    "Theatre Tracker": (
        "needs-assessment",
        "CD999",
        "low",
        ["lifecycle", "hosting", "users", "fit", "components", "vendor", "capability"],
    ),
}


@pytest.fixture
def decided(write_csv, store) -> dict[str, dict]:
    report = load_inventories(
        [write_csv(INVENTORY)], store, organisation="Wessex", options=LoadOptions(as_of=AS_OF)
    )
    assert report.ok, [str(f.error) for f in report.failures]
    settings = load_config(discover=False)
    run = run_rules(store, [], as_of=AS_OF, steps=STEPS, settings=settings.analyses)
    assert run.ok, [str(f) for f in run.failures]
    frame = store.query(
        "SELECT a.name, d.* FROM dispositions d JOIN applications a USING (organisation, app_id)"
    )
    return {row["name"]: row for row in frame.iter_rows(named=True)}


def test_each_evidence_pattern_is_decided_as_the_method_says(decided):
    got = {
        name: (row["disposition"], row["decided_by"], row["confidence"], row["missing_facts"])
        for name, row in decided.items()
    }
    assert got == EXPECTED


def test_a_hard_constraint_records_the_cloud_move_it_ruled_out(decided):
    blocked = json.loads(decided["Genomic Variant Interpretation"]["blocked_decisions"])
    assert blocked == [{"decision": "CD115", "disposition": "replatform"}]


def test_the_method_document_lists_every_expected_pattern_decision():
    from conftest import ROOT

    method = (ROOT / "docs" / "method-legacy-cloud.md").read_text(encoding="utf-8")
    section = method[method.index("### Deciding from the evidence") : method.index("### Confidence")]
    for disposition, code, _confidence, _missing in EXPECTED.values():
        assert code in section and disposition in section


def test_a_real_supplier_only_inventory_needs_assessment_rather_than_retain(tmp_path, monkeypatch):
    # The NHS England EPR supplier list: organisation and supplier, nothing about hosting or stack.
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "epr.duckdb"
    runner = CliRunner()
    loaded = runner.invoke(
        cli,
        [
            "load",
            str(FIXTURES / "nhs_trust_epr_suppliers.xlsx"),
            "--mapping",
            str(FIXTURES / "nhs_epr_mapping.yaml"),
            "--db",
            str(db),
        ],
    )
    assert loaded.exit_code == 0, loaded.stderr
    analysed = runner.invoke(cli, ["analyse", "--db", str(db), "--as-of", str(AS_OF), "-f", "json"])
    assert analysed.exit_code == 0, analysed.stderr
    counts = {r["disposition"]: r["applications"] for r in json.loads(analysed.stdout)["dispositions"]}
    with Store(db) as store:
        (total,) = store.con.execute("SELECT count(*) FROM applications").fetchone()
        (missing_hosting,) = store.con.execute(
            "SELECT count(*) FROM dispositions WHERE list_contains(missing_facts, 'hosting')"
        ).fetchone()
    assert counts == {"needs-assessment": total} and "retain" not in counts
    assert missing_hosting == total


@pytest.fixture
def analysed_db(write_csv, tmp_path, monkeypatch) -> tuple[Path, str]:
    """The inventory loaded and analysed through the CLI; the store and the console output."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "store.duckdb"
    runner = CliRunner()
    inventory = write_csv(INVENTORY, "wessex.csv")
    assert runner.invoke(cli, ["load", str(inventory), "--db", str(db), "--org", "Wessex"]).exit_code == 0
    result = runner.invoke(cli, ["analyse", "--db", str(db), "--as-of", str(AS_OF)])
    assert result.exit_code in (0, 1), result.stderr
    return db, result.output


def test_the_console_summary_counts_needs_assessment_apart_from_retain(analysed_db):
    _db, output = analysed_db
    line = next(t for t in output.splitlines() if t.startswith("Dispositions:"))
    assert "retain 4," in line and line.endswith("; needs assessment 1 (no decision: see the missing facts)")


def test_needs_assessment_gets_no_plan_action_and_the_workbook_counts_it_apart(analysed_db, tmp_path):
    import openpyxl

    db, _output = analysed_db
    with Store(db, read_only=True) as store:
        planned = {
            name: action
            for name, action in store.con.execute(
                "SELECT a.name, p.action FROM plan_actions p JOIN applications a USING (organisation, app_id)"
            ).fetchall()
        }
    assert "Theatre Tracker" not in planned and planned["SAP S/4HANA"] == "repurchase"
    workbook = tmp_path / "plan.xlsx"
    reported = CliRunner().invoke(cli, ["report", "--db", str(db), "-o", str(workbook)])
    assert reported.exit_code == 0, reported.stderr
    line = next(t for t in reported.stderr.splitlines() if t.strip().startswith("dispositions:"))
    assert "retain 4," in line and line.endswith("; needs assessment 1")
    book = openpyxl.load_workbook(workbook, data_only=True)
    cloud = book["Cloud & TIME"]
    header = [c.value for c in cloud[3]]
    rows = [dict(zip(header, r, strict=False)) for r in cloud.iter_rows(min_row=4, values_only=True) if r[0]]
    by_name = {r["Application"]: r for r in rows}
    assert (by_name["Theatre Tracker"]["Disposition (7R)"], by_name["Theatre Tracker"]["Confidence"]) == (
        "needs-assessment",
        "low",
    )
    assert by_name["SharePoint Server 2016"]["Missing facts"] == "hosting"
    summary = book["Summary"]
    cells = [[c.value for c in row] for row in summary.iter_rows()]
    start = next(i for i, row in enumerate(cells) if row[0] == "Applications by disposition (7R)")
    block = {}
    for row in cells[start + 2 :]:
        if not row[0]:
            break
        block[row[0]] = row[1]
    assert block["needs-assessment"] == 1 and block["retain"] == 4


def test_a_store_written_before_confidence_existed_is_upgraded(write_csv, tmp_path):
    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        store.con.execute(
            "CREATE TABLE dispositions (organisation VARCHAR, app_id VARCHAR, time_category VARCHAR, "
            "disposition VARCHAR, decided_by VARCHAR, reason VARCHAR, constraints JSON, blocked_decisions JSON)"
        )
        load_inventories(
            [write_csv(textwrap.dedent("Name,Lifecycle\nLedger,retired\n"))],
            store,
            organisation="Wessex",
            options=LoadOptions(as_of=AS_OF),
        )
        run = run_rules(store, [], as_of=AS_OF, steps=STEPS)
        assert run.ok, [str(f) for f in run.failures]
        rows = store.con.execute("SELECT disposition, confidence, missing_facts FROM dispositions").fetchall()
    assert rows == [("retire", "high", [])]


def test_bad_confidence_and_unknown_facts_name_file_and_line(tmp_path: Path):
    from appconsol.engine.decisions import load_decisions
    from appconsol.engine.loader import RulePackError

    folder = tmp_path / "decisions"
    folder.mkdir()
    base = "code: MY010\norder: 10\ndisposition: retire\nsummary: Mine.\nrationale: Because.\nwhere: 'true'\n"
    (folder / "MY999.yaml").write_text(
        base.replace("MY010", "MY999")
        .replace("order: 10", "order: 999")
        .replace("retire", "needs-assessment")
    )
    for extra, line, message in [
        ("confidence: certain\n", 7, "confidence 'certain' is not one of low, medium, high"),
        ("depends_on: [hosting, colour]\n", 7, "depends_on names 'colour', which is not a fact"),
    ]:
        path = folder / "MY010.yaml"
        path.write_text(base + extra)
        with pytest.raises(RulePackError) as raised:
            load_decisions([folder], include_builtin=False)
        assert f"{path}:{line}" in str(raised.value) and message in str(raised.value)
