"""The rule sandbox copies in only the columns the rules name, and the findings do not change."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from appconsol.analyses import builtin_steps
from appconsol.engine import rule_pack
from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule, Rule, Severity
from appconsol.engine.runner import run_rules
from appconsol.engine.sandbox import RuleSandbox, columns_read
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store
from conftest import AS_OF, SAMPLES


def _rule(sql: str) -> Rule:
    return Rule(
        code="T001",
        name="test.columns",
        summary="A test rule.",
        category="test",
        severity=Severity.INFO,
        sql=sql,
        message="x",
        rationale="A test.",
    )


def _read(sql: str) -> dict[str, frozenset[str] | None]:
    return columns_read(_rule(sql))


def test_a_rule_reads_the_columns_it_names_qualified_or_not():
    read = _read("SELECT a.name, lifecycle FROM v_applications a JOIN legacy_scores l USING (app_id)")
    assert read["v_applications"] is not None and {"name", "lifecycle", "app_id"} <= read["v_applications"]
    assert read["legacy_scores"] is not None and "evidence" not in read["legacy_scores"]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM v_applications",
        "SELECT a.* FROM v_applications a",
        "SELECT to_json(a) FROM v_applications a",
        "SELECT 1 FROM v_applications NATURAL JOIN legacy_scores",
        "SELECT #1 FROM v_applications",
        "SELECT 1 FROM v_applications AS x(o, i)",
        "SELECT name FROM v_applications WHERE EXISTS (SELECT * FROM v_applications)",
    ],
)
def test_a_star_a_whole_row_or_an_implicit_column_list_needs_every_column(sql):
    assert _read(sql)["v_applications"] is None


def test_a_star_over_a_cte_or_subquery_needs_only_what_they_select():
    read = _read(
        "WITH apps AS (SELECT organisation, name FROM v_applications) "
        "SELECT * FROM apps, (SELECT app_id FROM legacy_scores) s"
    )
    assert read["v_applications"] == frozenset({"organisation", "name", "app_id"})
    assert read["legacy_scores"] == read["v_applications"]


def test_the_sandbox_holds_only_the_named_columns_in_their_order(store):
    store.con.execute(
        "INSERT INTO applications (organisation, app_id, name) VALUES ('Wessex', 'A1', 'Payroll')"
    )
    with RuleSandbox() as sandbox:
        sandbox.copy_from(
            store.con,
            ["v_applications", "v_loads"],
            {"v_applications": frozenset({"name", "app_id", "nope"})},
        )
        columns = sandbox.con.execute("SELECT * FROM v_applications").fetchall()
        names = [d[0] for d in sandbox.con.description]
        loads = sandbox.con.execute("SELECT * FROM v_loads").description
    assert names == ["app_id", "name"] and columns == [("A1", "Payroll")]
    assert len(loads) > 5  # not named in `columns`: copied whole


@pytest.fixture(scope="module")
def samples_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("columns") / "samples.duckdb"
    with Store(db) as store:
        report = load_inventories([SAMPLES], store, options=LoadOptions(as_of=AS_OF))
        assert report.ok
    return db


def test_the_built_in_pack_finds_the_same_with_pruned_and_whole_copies(samples_store, monkeypatch):
    steps = builtin_steps()
    rules = [ConfiguredRule(r, r.severity, r.defaults()) for r in load_rules([], steps=steps).rules]

    def findings() -> pl.DataFrame:
        with Store(samples_store) as store:
            run = run_rules(store, rules, as_of=AS_OF, steps=steps)
        assert run.ok, run.failures
        return run.frame.drop("run_id").sort("finding_key")

    pruned = findings()
    monkeypatch.setattr(rule_pack, "columns_read", lambda rule: {})
    whole = findings()
    assert pruned.height > 1000
    assert pruned.equals(whole)


def test_the_store_is_capped_lower_while_the_rules_run_and_restored_after(
    samples_store, tmp_path, monkeypatch
):
    import shutil

    from appconsol.engine.sandbox import RuleSandbox

    db = tmp_path / "copy.duckdb"
    shutil.copy(samples_store, db)
    steps = builtin_steps()
    rules = [ConfiguredRule(r, r.severity, r.defaults()) for r in load_rules([], steps=steps).rules]
    seen: list[tuple[str, str]] = []  # (what, the store's memory limit then), on the store's own thread

    def limit(con) -> str:
        return con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    copy, insert = RuleSandbox.copy_from, Store.insert_frame

    def copying(self, source, names, columns=None):
        seen.append(("copy", limit(source)))
        return copy(self, source, names, columns)

    def inserting(self, table, frame):
        if table == "findings":
            seen.append(("findings", limit(self.con)))
        return insert(self, table, frame)

    monkeypatch.setattr(RuleSandbox, "copy_from", copying)
    monkeypatch.setattr(Store, "insert_frame", inserting)
    with Store(db) as store:
        store.con.execute("SET memory_limit = '1GB'")
        run = run_rules(
            store, rules, as_of=AS_OF, steps=steps, rules_memory_limit="256MB", hold_findings=False
        )
        after = limit(store.con)
    assert run.ok
    assert seen[0] == ("copy", "244.1 MiB")  # capped before the sandbox copies what the rules read
    assert len(seen) > 10 and {s[1] for s in seen} == {"244.1 MiB"}
    assert after.startswith("953.")  # 1GB again (DuckDB rounds its reading)


def test_analyse_stores_the_findings_text_with_zstd(samples_store, tmp_path):
    import shutil

    from appconsol.api import analyse

    db = tmp_path / "copy.duckdb"
    shutil.copy(samples_store, db)
    assert analyse(db, as_of=AS_OF, config=None).exit_code == 0
    with Store(db, read_only=True) as store:
        kinds = {
            r[0]
            for r in store.con.execute("SELECT compression FROM pragma_storage_info('findings')").fetchall()
        }
    assert "ZSTD" in kinds
