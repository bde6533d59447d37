"""The rule sandbox: a rule from a pull request reads the canonical views and nothing else.

Each attack is a rule file in a temporary rules folder, run through the CLI (`check`, `rules
list`, `rules test`, `analyse`, `run`) and the library. Two layers are tested: the static check
at load time (a clear "not allowed in rules" error naming the file and line, exit 2) and the
runtime sandbox with the static check switched off (it is the guard that holds when the static
check is bypassed).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from appconsol.cli import cli
from appconsol.engine import loader, rule_pack, runner, sandbox
from appconsol.engine.cases import run_cases
from appconsol.engine.loader import RulePackError, load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.engine.sandbox import RuleSandbox, SandboxLimits, sandbox_limits
from appconsol.errors import ConfigError
from appconsol.store import Store

SECRET = "ci-secret-7f3a9c1e-do-not-leak"
INVENTORY = (
    "Name,Vendor,Capability,Lifecycle,Business owner,Total cost\n"
    "Payroll,Zellis,Payroll,active,Jo Bloggs,12000\n"
    "Planning,Idox,Planning,active,,30000\n"  # no owner: a DQ001 finding, so other rules visibly run
)
RULE = """\
code: {code}
name: evil.{name}
summary: An attack on the sandbox.
category: data-quality
severity: error
rationale: Tests that the sandbox holds.
message: "{{application}}: {{loot}}"
sql: |
  SELECT a.organisation, a.app_id, a.name AS application, a.source_file, a.source_row,
    {loot} AS loot
  FROM v_applications a{source}
"""
SQL_LINE = 9  # `sql: |` is line 8, so the SELECT is line 9 and `FROM` is line 11
CASES = """\
cases:
  - name: passes
    tables:
      applications: |
        organisation,app_id,name
        Wessex,A1,Payroll
    findings: []
  - name: fails
    tables:
      applications: |
        organisation,app_id,name
        Wessex,A1,Payroll
    findings:
      - app_id: A1
"""

# name -> (what the rule selects as loot, what it adds to FROM, what the error names)
FILE_ATTACKS = {
    "environ": ("e.content", ", read_text('/proc/self/environ') e", "read_text()"),
    "secret-file": ("e.content", ", read_text('{secret_file}') e", "read_text()"),
    "passwd": ("p.column0", ", read_csv('/etc/passwd', header = false) p", "read_csv()"),
    "home-glob": ("g.file", ", glob('/root/.*') g", "glob()"),
    "https": ("h.column0", ", 'https://example.com/leak.csv' h", "'https://example.com/leak.csv'"),
    "blob-file": ("b.content", ", read_blob('{secret_file}') b", "read_blob()"),
    "settings": ("current_setting('home_directory')", "", "current_setting()"),
    "dynamic-sql": ("q.x", ", query('SELECT 1 AS x') q", "query()"),
}
STATEMENTS = {
    "copy": "COPY (SELECT 1) TO '/tmp/out.csv'",
    "attach": "ATTACH '/tmp/other.duckdb'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "pragma": "PRAGMA database_list",
    "set": "SET enable_external_access = true",
    "call": "CALL duckdb_settings()",
    "export": "EXPORT DATABASE '/tmp/dump'",
}
# Queries that never end: a cross join of huge ranges and a recursive CTE without a stop.
CROSS_JOIN = ("1", ", range(100000000000) x, range(100000000000) y", "")
RECURSIVE = (
    "(WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT max(n) FROM r)",
    "",
    "",
)


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Run from an empty folder with a planted secret, a private HOME and a small time limit."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APPCONSOL_FAKE_CI_TOKEN", SECRET)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(sandbox.TIME_LIMIT_ENV, raising=False)
    monkeypatch.delenv(sandbox.MEMORY_LIMIT_ENV, raising=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / ".ci-credentials").write_text(f"token={SECRET}\n", encoding="utf-8")
    (tmp_path / "inventory.csv").write_text(INVENTORY, encoding="utf-8")
    (tmp_path / "appconsol.toml").write_text(
        'rules_dirs = ["rules"]\n\n[rules]\ntime_limit = 0.5\n', encoding="utf-8"
    )


@pytest.fixture
def no_static_check(monkeypatch):
    """Switch the load-time check off (as a bypass would), leaving the runtime sandbox alone."""

    def names_only(rule):
        return sandbox.readable_relations()

    monkeypatch.setattr(sandbox, "check_sql", names_only)
    monkeypatch.setattr(runner, "check_sql", names_only)
    monkeypatch.setattr(rule_pack, "check_sql", names_only)
    monkeypatch.setattr(sandbox, "check_types", lambda *_: None)


def _attack_rule(folder: Path, name: str, attack: tuple[str, str, str], code: str = "EVIL1") -> Path:
    loot, source, _ = attack
    secret_file = str(folder.parent / "home" / ".ci-credentials")
    folder.mkdir(parents=True, exist_ok=True)
    text = RULE.format(code=code, name=name, loot=loot, source=source.format(secret_file=secret_file))
    (folder / f"{code}.yaml").write_text(text, encoding="utf-8")
    (folder / f"{code}.cases.yaml").write_text(CASES, encoding="utf-8")
    return folder / f"{code}.yaml"


def _statement_rule(folder: Path, statement: str) -> Path:
    path = _attack_rule(folder, "statement", ("1", "", ""))
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("sql: |")] + f"sql: |\n  {statement}\n", encoding="utf-8")
    return path


def _invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def _store_text(path: Path) -> str:
    """Every value of every table of a store, as text, to search for leaks."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        chunks = [str(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables]
    finally:
        con.close()
    return "\n".join(chunks)


def _xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as book:
        return "\n".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("loaded")
    (folder / "inventory.csv").write_text(INVENTORY, encoding="utf-8")
    db = folder / "store.duckdb"
    result = CliRunner().invoke(cli, ["load", str(folder / "inventory.csv"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


# -- the static check: refused at load time, naming the file and line, exit 2 -------------------


@pytest.mark.parametrize("command", ["check", "rules list", "rules test", "analyse"])
@pytest.mark.parametrize("attack", sorted(FILE_ATTACKS))
def test_file_url_and_system_functions_are_refused_at_load_with_file_and_line(
    tmp_path, loaded_store, attack, command
):
    path = _attack_rule(tmp_path / "rules", attack, FILE_ATTACKS[attack])
    args = {
        "check": ["check", "inventory.csv", "-f", "sarif"],
        "rules list": ["rules", "list"],
        "rules test": ["rules", "test", "rules"],
        "analyse": ["analyse", "--db", str(loaded_store)],
    }[command]
    result = _invoke(*args)
    assert result.exit_code == 2
    (error,) = _errors(result)
    line = SQL_LINE + (1 if attack == "settings" else 2)
    assert error.startswith("Error: ") and f"{path.name}:{line}: " in error
    assert "not allowed in rules" in error and FILE_ATTACKS[attack][2] in error
    assert SECRET not in result.stdout + result.stderr
    assert "root:" not in result.stdout + result.stderr


@pytest.mark.parametrize("statement", sorted(STATEMENTS))
def test_statements_other_than_one_select_are_refused(tmp_path, statement):
    path = _statement_rule(tmp_path / "rules", STATEMENTS[statement])
    result = _invoke("rules", "validate", "rules")
    assert result.exit_code == 2
    (error,) = _errors(result)
    assert error.startswith("Error: ") and f"{path.name}:{SQL_LINE}: " in error
    assert "not allowed in rules" in error
    assert not (tmp_path / "home" / ".duckdb").exists()  # nothing installed


def test_a_rule_returning_a_blob_is_refused_at_load_naming_the_column(tmp_path):
    path = _attack_rule(tmp_path / "rules", "blob", ("'\\xAA\\xBB'::BLOB", "", ""))
    result = _invoke("rules", "list")
    assert result.exit_code == 2
    (error,) = _errors(result)
    assert error.startswith(f"Error: {path}:") and "column 'loot' of type BLOB" in error


@pytest.mark.parametrize(
    "loot, kind",
    [("INTERVAL 3 DAY", "INTERVAL"), ("'101'::BIT", "BIT"), ("[a.name::BLOB]", "BLOB[]")],
)
def test_other_types_findings_cannot_carry_are_refused(tmp_path, loot, kind):
    _attack_rule(tmp_path / "rules", "types", (loot, "", ""))
    with pytest.raises(RulePackError, match=rf"column 'loot' of type {kind.replace('[', '.')}"):
        load_rules([tmp_path / "rules"], include_builtin=False)


# -- queries that never end: stopped at the time limit -------------------------------------------


def test_rules_list_never_runs_the_sql_so_a_cross_join_does_not_hang_it(tmp_path):
    _attack_rule(tmp_path / "rules", "cross-join", CROSS_JOIN)
    result = _invoke("rules", "list")
    assert result.exit_code == 0 and "EVIL1" in result.stdout


@pytest.mark.parametrize("attack", [CROSS_JOIN, RECURSIVE], ids=["cross-join", "recursive-cte"])
def test_a_rule_that_never_ends_is_stopped_and_the_others_still_run(tmp_path, attack):
    path = _attack_rule(tmp_path / "rules", "forever", attack)
    result = _invoke("check", "inventory.csv", "-f", "json", "--fail-on", "never")
    assert result.exit_code == 2
    (error,) = _errors(result)
    assert error.startswith(f"Error: {path}:") and "rule EVIL1 failed" in error
    assert "0.5 s time limit" in error
    assert '"DQ001"' in result.stdout  # the built-in rules ran and found the missing owner


def test_analyse_stops_a_recursive_cte_at_the_time_limit(tmp_path, loaded_store):
    _attack_rule(tmp_path / "rules", "forever", RECURSIVE)
    result = _invoke("analyse", "--db", str(loaded_store))
    assert result.exit_code == 2
    (error,) = _errors(result)
    assert "rule EVIL1 failed: ran longer than the 0.5 s time limit" in error


def test_rules_test_stops_a_hanging_rule_and_reports_its_cases(tmp_path):
    _attack_rule(tmp_path / "rules", "forever", RECURSIVE)
    result = _invoke("rules", "test", "rules")
    assert result.exit_code == 1
    assert result.stdout.count("the rule failed: ran longer than the 0.5 s time limit") == 2


def test_a_rule_past_the_memory_limit_fails_alone_with_a_clear_error(tmp_path):
    loot = "(SELECT length(string_agg(repeat('x', 1000), ',')) FROM range(1000000))"
    path = _attack_rule(tmp_path / "rules", "memory", (loot, "", ""))
    (tmp_path / "appconsol.toml").write_text(
        'rules_dirs = ["rules"]\n\n[rules]\nmemory_limit = "64MB"\n', encoding="utf-8"
    )
    result = _invoke("check", "inventory.csv", "-f", "json", "--fail-on", "never")
    assert result.exit_code == 2
    assert _errors(result) == [
        f"Error: {path}:8: rule EVIL1 failed: ran out of the rule sandbox's 64MB memory limit "
        "(raise [rules] memory_limit / APPCONSOL_RULE_MEMORY_LIMIT)"
    ]
    assert '"DQ001"' in result.stdout


def test_the_environment_sets_the_limits_over_appconsol_toml(tmp_path, monkeypatch):
    _attack_rule(tmp_path / "rules", "forever", RECURSIVE)
    monkeypatch.setenv(sandbox.TIME_LIMIT_ENV, "0.2")
    result = _invoke("check", "inventory.csv", "--fail-on", "never")
    assert "0.2 s time limit" in _errors(result)[0]


def test_limits_are_validated_with_their_origin(tmp_path, monkeypatch):
    assert sandbox_limits() == SandboxLimits(30.0, "1GB")
    assert sandbox_limits(5, "500MB") == SandboxLimits(5.0, "500MB")
    (tmp_path / "appconsol.toml").write_text("[rules]\ntime_limit = -1\n", encoding="utf-8")
    result = _invoke("rules", "validate")
    assert result.exit_code == 2
    assert _errors(result) == [
        f"Error: {tmp_path / 'appconsol.toml'}:2: rules.time_limit '-1' must be a number of seconds "
        "above 0 (at most 86400). the default is 30"
    ]
    monkeypatch.setenv(sandbox.MEMORY_LIMIT_ENV, "lots")
    with pytest.raises(ConfigError, match="APPCONSOL_RULE_MEMORY_LIMIT 'lots' must be a size"):
        sandbox_limits()


# -- the runtime sandbox: holds with the static check switched off ------------------------------


def _run_one(tmp_path: Path, attack: tuple[str, str, str]):
    _attack_rule(tmp_path / "rules", "attack", attack)
    pack = load_rules([tmp_path / "rules"], include_builtin=False, bind=False)
    configured = [ConfiguredRule(r, r.severity, r.defaults()) for r in pack.rules]
    with Store(tmp_path / "s.duckdb") as store:
        store.con.execute(
            "INSERT INTO applications (organisation, app_id, name, source_file, source_row) "
            "VALUES ('Wessex', 'A1', 'Payroll', 'inventory.csv', 2)"
        )
        return run_rules(store, configured, steps=[], limits=SandboxLimits(0.5, "256MB"))


@pytest.mark.parametrize("attack", sorted(set(FILE_ATTACKS) - {"settings", "dynamic-sql"}))
def test_the_sandbox_refuses_files_and_urls_when_the_static_check_is_bypassed(
    tmp_path, no_static_check, attack
):
    run = _run_one(tmp_path, FILE_ATTACKS[attack])
    (failure,) = run.failures
    assert "not allowed in rules" in failure.message and "\n" not in failure.message
    assert run.frame.height == 0
    assert SECRET not in str(failure) and "root:" not in str(failure)
    assert not (tmp_path / "home" / ".duckdb").exists()  # no extension was installed


def test_other_databases_are_refused_by_name(tmp_path):
    path = _attack_rule(tmp_path / "rules", "catalog", ("s.value", ", system.main.duckdb_settings s", ""))
    with pytest.raises(RulePackError, match=f"{path.name}:11: sql reads 'system.main.duckdb_settings'"):
        load_rules([tmp_path / "rules"], include_builtin=False)


def test_the_sandbox_holds_only_the_readable_relations(tmp_path, no_static_check):
    run = _run_one(tmp_path, ("s.value", ", store_meta s", ""))
    assert "store_meta does not exist" in run.failures[0].message
    with RuleSandbox() as box:
        settings = dict(box.con.execute("SELECT name, value FROM duckdb_settings()").fetchall())
        assert settings["enable_external_access"] == "false"
        assert settings["lock_configuration"] == "true"
        assert settings["autoload_known_extensions"] == "false"
        assert settings["autoinstall_known_extensions"] == "false"
        assert settings["allow_community_extensions"] == "false"
        with pytest.raises(duckdb.Error, match="configuration has been locked"):
            box.con.execute("SET enable_external_access = true")


def test_a_blob_rule_fails_alone_instead_of_panicking_the_run(tmp_path, no_static_check):
    _attack_rule(tmp_path / "rules", "blob", ("'\\xAA'::BLOB", "", ""), code="EVIL1")
    good = ("a.name", "", "")
    _attack_rule(tmp_path / "rules", "good", good, code="GOOD1")
    pack = load_rules([tmp_path / "rules"], include_builtin=False, bind=False)
    configured = [ConfiguredRule(r, r.severity, r.defaults()) for r in pack.rules]
    with Store(Path(":memory:")) as store:
        store.con.execute(
            "INSERT INTO applications (organisation, app_id, name) VALUES ('Wessex', 'A1', 'Payroll')"
        )
        monkey = pytest.MonkeyPatch()
        monkey.setattr(runner, "check_types", lambda *_: None)  # so polars meets the BLOB
        try:
            run = run_rules(store, configured, steps=[])
        finally:
            monkey.undo()
    assert [f.code for f in run.failures] == ["EVIL1"]
    assert run.frame["rule_code"].to_list() == ["GOOD1"]


def test_the_rules_test_harness_runs_cases_in_the_sandbox(tmp_path, no_static_check):
    _attack_rule(tmp_path / "rules", "attack", FILE_ATTACKS["passwd"])
    (rule,) = load_rules([tmp_path / "rules"], include_builtin=False, bind=False).rules
    results = run_cases(rule, steps=[], limits=SandboxLimits(0.5, "256MB"))
    assert all(not r.passed and "not allowed in rules" in r.detail for r in results[:2])


def test_no_output_carries_a_secret_read_by_a_rule(tmp_path, no_static_check, monkeypatch):
    """check (SARIF and the store), then run (the store and the workbook): the secret is nowhere.

    Every load-time check is switched off, so the rule reaches the run and the sandbox alone holds.
    """
    monkeypatch.setattr(loader, "bind_rules", lambda *_args, **_kwargs: [])
    _attack_rule(tmp_path / "rules", "secret-file", FILE_ATTACKS["secret-file"])
    db = tmp_path / "check.duckdb"
    checked = _invoke("check", "inventory.csv", "-f", "sarif", "--db", str(db), "--fail-on", "never")
    assert checked.exit_code == 2 and "not allowed in rules" in _errors(checked)[0], checked.stderr
    assert '"ruleId": "DQ001"' in checked.stdout, (
        checked.stderr
    )  # SARIF was written, from the rules that could run
    plan, store = tmp_path / "plan.xlsx", tmp_path / "run.duckdb"
    ran = _invoke("run", "inventory.csv", "--db", str(store), "-o", str(plan))
    assert ran.exit_code == 2 and "not allowed in rules" in ran.stderr
    for text in (checked.stdout, checked.stderr, ran.stdout, ran.stderr, _store_text(db), _store_text(store)):
        assert SECRET not in text
    # A failed run keeps the previous plan rather than writing one; if one is written, it is clean.
    assert not plan.exists() or SECRET not in _xlsx_text(plan)


def test_a_ci_secret_in_the_environment_reaches_no_output(tmp_path):
    """A real process with the secret in its environment, and a rule reading /proc/self/environ."""
    _attack_rule(tmp_path / "rules", "environ", FILE_ATTACKS["environ"])
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "APPCONSOL_FAKE_CI_TOKEN": SECRET}
    out = tmp_path / "out.sarif"
    result = subprocess.run(
        [sys.executable, "-m", "appconsol", "check", "inventory.csv", "-f", "sarif", "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert "not allowed in rules" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert not out.exists() or SECRET not in out.read_text(encoding="utf-8")


def test_built_in_rules_bind_without_running_their_sql(monkeypatch):
    """Binding only resolves names and types: the loader never fetches a rule's rows."""
    fetched: list[str] = []
    monkeypatch.setattr(RuleSandbox, "fetch", lambda self, relation: fetched.append("x"))
    pack = load_rules()
    assert pack.rules and not fetched
    assert loader.bind_rules  # the binding path used above
