from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from appconsol.api.results import exit_code_for
from appconsol.config import find_config, load_config, read_config
from appconsol.engine.loader import RulePackError, load_rules, read_rule_file
from appconsol.engine.model import ConfiguredRule, coerce_value
from appconsol.engine.runner import run_rules
from appconsol.engine.steps import Step, StepError, order_steps
from appconsol.engine.yamlfile import read_yaml
from appconsol.errors import ConfigError, RuleError
from appconsol.schema import Column, Table
from appconsol.store import Store

RULE = """\
code: T001
name: test.named-apps
summary: Every application whose name matches.
category: data-quality
severity: warning
rationale: For tests.
parameters:
  pattern:
    type: string
    default: "%"
    description: LIKE pattern.
message: "{application} matches"
sql: |
  SELECT organisation, app_id, name AS application, source_file, source_row
  FROM v_applications
  WHERE name LIKE $pattern
"""


def _rule_file(folder: Path, text: str = RULE, code: str = "T001") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{code}.yaml"
    path.write_text(text.replace("T001", code), encoding="utf-8")
    return path


def _problem(folder: Path) -> str:
    with pytest.raises(RulePackError) as caught:
        load_rules([folder], include_builtin=False)
    return str(caught.value)


def _insert_apps(store: Store, *names: str) -> None:
    for i, name in enumerate(names):
        store.con.execute(
            "INSERT INTO applications (organisation, app_id, name, source_file, source_row) VALUES (?, ?, ?, ?, ?)",
            ["Wessex", f"A{i}", name, "wessex.csv", i + 2],
        )


def _configured(folder: Path, **parameters: object) -> list[ConfiguredRule]:
    pack = load_rules([folder], include_builtin=False)
    return [ConfiguredRule(r, r.severity, {**r.defaults(), **parameters}) for r in pack.rules]


# -- reading rule files ------------------------------------------------------------------------


def test_yaml_keeps_line_numbers_and_refuses_duplicate_keys(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: 1\nb:\n  c: 2\n", encoding="utf-8")
    data = read_yaml(path)
    assert (data.line_of("a"), data.line_of("b"), data["b"].line_of("c")) == (1, 2, 3)
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(RuleError, match=r"x.yaml:3: invalid YAML: .*duplicate key 'a' \(first at line 1\)"):
        read_yaml(path)


def test_unknown_rule_key_is_a_warning_with_file_and_line(tmp_path):
    path = _rule_file(tmp_path, RULE.replace("rationale:", "colour: blue\nrationale:"))
    pack = load_rules([tmp_path], include_builtin=False)
    assert [str(n) for n in pack.notices] == [
        f"{path}:6: unknown key 'colour' ignored (rule keys are code, name, summary, category, severity, "
        "rationale, sql, message, references, parameters, groups, identity)"
    ]


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        (("code: T001", "code: T002"), 1, "code 'T002' does not match the file name"),
        (("name: test.named-apps", "name: Named Apps"), 2, "must be dotted lower-case words"),
        (
            ("summary: Every application whose name matches.", "summary:"),
            3,
            "'summary' is required and must be text",
        ),
        (
            ('    default: "%"', "    default: 5"),
            10,
            "default of parameter 'pattern' (string): expected a string",
        ),
        (("    type: string", "    type: text"), 9, "parameter 'pattern' has type 'text'"),
        (("$pattern", "$patern"), 16, "sql uses $patern, which is not a declared parameter"),
        (('message: "{application} matches"', 'message: "{app} matches"'), 12, "message uses {app}"),
        (
            ("  SELECT organisation", "  DELETE FROM applications; SELECT organisation"),
            14,
            "exactly one SELECT",
        ),
        (("  FROM v_applications", "  FROM v_aplications"), 15, "SQL does not bind"),
    ],
)
def test_bad_rule_files_name_file_and_line(tmp_path, change, line, message):
    path = _rule_file(tmp_path, RULE.replace(*change))
    problem = _problem(tmp_path)
    assert problem.startswith(f"{path}:{line}: ") and message in problem, problem


def test_all_bad_files_are_reported_together(tmp_path):
    _rule_file(tmp_path, RULE.replace("severity: warning", "severity: fatal"), "T001")
    _rule_file(tmp_path, RULE.replace("category: data-quality", "category: Data Quality"), "T002")
    problem = _problem(tmp_path)
    assert problem.splitlines()[0] == "2 problems in rule files"
    assert "T001.yaml:5:" in problem and "T002.yaml:4:" in problem


def test_rule_codes_must_be_unique_across_folders(tmp_path):
    _rule_file(tmp_path / "one")
    second = _rule_file(tmp_path / "two")
    with pytest.raises(
        RulePackError, match=r"two/T001.yaml:1: rule code T001 is already used by .*one/T001.yaml"
    ):
        load_rules([tmp_path / "one", tmp_path / "two"], include_builtin=False)
    assert second.exists()


def test_cases_files_are_not_read_as_rules(tmp_path):
    _rule_file(tmp_path)
    (tmp_path / "T001.cases.yaml").write_text("cases: []\n", encoding="utf-8")
    assert [r.code for r in load_rules([tmp_path], include_builtin=False).rules] == ["T001"]


def test_sql_that_returns_no_location_is_a_warning(tmp_path):
    _rule_file(tmp_path, RULE.replace(", source_file, source_row", ""))
    (notice,) = load_rules([tmp_path], include_builtin=False).notices
    assert "cannot point at a row" in str(notice)


@pytest.mark.parametrize(
    ("value", "type_name", "expected"),
    [
        (3, "number", 3.0),
        ("2026-01-31", "date", dt.date(2026, 1, 31)),
        (dt.date(2026, 1, 31), "date", dt.date(2026, 1, 31)),
        (["a", "b"], "list[string]", ["a", "b"]),
        ([1, 2], "list[integer]", [1, 2]),
    ],
)
def test_parameter_values_are_coerced_to_their_type(value, type_name, expected):
    assert coerce_value(value, type_name) == expected


@pytest.mark.parametrize(
    ("value", "type_name"), [(True, "integer"), ("5", "number"), (1, "boolean"), (["a", 1], "list[string]")]
)
def test_parameter_values_of_the_wrong_type_are_refused(value, type_name):
    with pytest.raises(ValueError, match="expected"):
        coerce_value(value, type_name)


# -- running ------------------------------------------------------------------------------------


def test_parameters_are_bound_never_spliced(tmp_path, store):
    _rule_file(tmp_path)
    _insert_apps(store, "Payroll", "x'; DROP TABLE applications; --")
    run = run_rules(store, _configured(tmp_path, pattern="x'; DROP TABLE applications; --"))
    assert [f.application for f in run.findings] == ["x'; DROP TABLE applications; --"]
    assert store.con.execute("SELECT count(*) FROM applications").fetchall() == [(2,)]


def test_findings_have_stable_keys_and_are_stored_with_timings(tmp_path, store):
    _rule_file(tmp_path)
    _insert_apps(store, "Payroll", "Planning")
    first = run_rules(store, _configured(tmp_path), as_of=dt.date(2026, 1, 1))
    second = run_rules(store, _configured(tmp_path), as_of=dt.date(2026, 1, 1))
    assert (
        [f.key for f in first.findings]
        == [f.key for f in second.findings]
        == ["T001|Wessex|A0", "T001|Wessex|A1"]
    )
    assert first.run_id != second.run_id
    stored = store.con.execute(
        "SELECT finding_key, severity, message, source_file, source_row, evidence FROM findings ORDER BY 1"
    ).fetchall()
    assert stored == [
        ("T001|Wessex|A0", "warning", "Payroll matches", "wessex.csv", 2, "{}"),
        ("T001|Wessex|A1", "warning", "Planning matches", "wessex.csv", 3, "{}"),
    ]
    (run,) = store.con.execute(
        "SELECT code, status, findings, seconds >= 0 FROM rule_runs WHERE kind = 'rule'"
    ).fetchall()
    assert run == ("T001", "ok", 2, True)


def test_a_crashing_rule_is_a_failure_and_the_others_still_run(tmp_path, store):
    _rule_file(tmp_path)
    _rule_file(tmp_path, RULE.replace("WHERE name LIKE $pattern", "WHERE CAST(name AS INTEGER) > 0"), "T002")
    _insert_apps(store, "Payroll")
    run = run_rules(store, _configured(tmp_path))
    assert [f.rule for f in run.findings] == ["T001"]
    (failure,) = run.failures
    assert failure.code == "T002" and "ConversionException" in failure.message
    assert str(failure).startswith(f"{tmp_path / 'T002.yaml'}:13: rule T002 failed")
    assert store.con.execute(
        "SELECT code, status FROM rule_runs WHERE kind = 'rule' ORDER BY code"
    ).fetchall() == [
        ("T001", "ok"),
        ("T002", "failed"),
    ]


def test_evidence_keeps_every_non_locating_column_as_json(tmp_path, store):
    evidence = "name AS application, 2.5::DECIMAL(18,2) AS cost, DATE '2026-01-02' AS day, [1, 2] AS ns"
    _rule_file(tmp_path, RULE.replace("name AS application", evidence))
    _insert_apps(store, "Payroll")
    (finding,) = run_rules(store, _configured(tmp_path)).findings
    assert finding.evidence == {"cost": 2.5, "day": "2026-01-02", "ns": [1, 2]}


def test_exit_code_errors_outrank_findings():
    assert exit_code_for(errors=0, counting=0) == 0
    assert exit_code_for(errors=0, counting=3) == 1
    assert exit_code_for(errors=1, counting=0) == 2
    assert exit_code_for(errors=1, counting=3) == 2


# -- analysis steps ------------------------------------------------------------------------------

PAIRS = Table(
    "test_pairs", "one row per pair", (Column("organisation", "VARCHAR", ""), Column("n", "BIGINT", ""))
)
SCORES = Table(
    "test_scores", "one row per org", (Column("organisation", "VARCHAR", ""), Column("n", "BIGINT", ""))
)


def _pairs(context) -> None:
    context.con.execute("DELETE FROM test_pairs")
    context.con.execute("INSERT INTO test_pairs SELECT organisation, count(*) FROM v_applications GROUP BY 1")


def _scores(context) -> None:
    context.con.execute("DELETE FROM test_scores")
    context.con.execute("INSERT INTO test_scores SELECT organisation, n * 10 FROM test_pairs")


def test_steps_run_in_dependency_order_and_their_tables_feed_rules(tmp_path, store):
    pairs = Step("pairs", "count", ("v_applications",), (PAIRS,), _pairs)
    scores = Step("scores", "score", ("test_pairs",), (SCORES,), _scores)
    assert [s.name for s in order_steps([scores, pairs])] == ["pairs", "scores"]
    sql = "  SELECT organisation, 'x' AS app_id, n, 'wessex.csv' AS source_file, 1 AS source_row FROM test_scores\n"
    text = RULE.split("parameters:")[0] + 'message: "{n}"\nsql: |\n' + sql
    _rule_file(tmp_path, text)
    pack = load_rules([tmp_path], include_builtin=False, steps=[pairs, scores])  # binds against step tables
    _insert_apps(store, "Payroll", "Planning")
    run = run_rules(store, [ConfiguredRule(pack.rules[0], pack.rules[0].severity, {})], steps=[scores, pairs])
    assert [f.message for f in run.findings] == ["20"]
    assert [(t.code, t.kind) for t in run.timings] == [
        ("pairs", "step"),
        ("scores", "step"),
        ("T001", "rule"),
    ]


def test_step_cycles_and_unknown_inputs_are_errors():
    a = Step("a", "", ("test_scores",), (PAIRS,), _pairs)
    b = Step("b", "", ("test_pairs",), (SCORES,), _scores)
    with pytest.raises(StepError, match="cycle"):
        order_steps([a, b])
    with pytest.raises(StepError, match="reads 'nowhere'"):
        order_steps([Step("c", "", ("nowhere",), (), _pairs)])
    with pytest.raises(StepError, match="already has a writer"):
        order_steps([Step("d", "", (), (Table("applications", "", ()),), _pairs)])


def test_a_failing_step_is_reported_and_rules_still_run(tmp_path, store):
    def broken(context) -> None:
        raise RuntimeError("similarity model missing")

    _rule_file(tmp_path)
    _insert_apps(store, "Payroll")
    run = run_rules(store, _configured(tmp_path), steps=[Step("broken", "", (), (), broken)])
    assert [(f.code, f.kind, f.message) for f in run.failures] == [
        ("broken", "step", "RuntimeError: similarity model missing")
    ]
    assert len(run.findings) == 1


# -- views and the store --------------------------------------------------------------------------


def test_v_applications_flags_live_and_sums_cost_lines(store):
    store.con.execute(
        "INSERT INTO applications (organisation, app_id, name, lifecycle, cost_licence, cost_staff) VALUES "
        "('W', 'A', 'a', 'active', 10, 2.5), ('W', 'B', 'b', NULL, NULL, NULL), "
        "('W', 'C', 'c', 'retired', NULL, NULL), ('W', 'D', 'd', 'plan', 0, NULL)"
    )
    rows = store.con.execute(
        "SELECT app_id, is_live, cost_lines_total, cost_lines_count FROM v_applications ORDER BY app_id"
    ).fetchall()
    assert [(r[0], r[1], None if r[2] is None else float(r[2]), r[3]) for r in rows] == [
        ("A", True, 12.5, 2),
        ("B", True, None, 0),
        ("C", False, None, 0),
        ("D", False, 0.0, 1),
    ]


def test_an_older_store_gets_the_engine_tables_and_views_on_open(tmp_path):
    db = tmp_path / "old.duckdb"
    with Store(db) as store:
        store.con.execute("DROP VIEW v_applications")
        store.con.execute("DROP TABLE findings")
    with Store(db) as store:
        assert store.con.execute("SELECT count(*) FROM findings").fetchall() == [(0,)]
        assert store.con.execute("SELECT count(*) FROM v_applications").fetchall() == [(0,)]


# -- configuration ----------------------------------------------------------------------------------


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "appconsol.toml"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_config_is_found_by_walking_up(tmp_path, monkeypatch):
    path = _config(tmp_path, "as_of = 2026-03-01\n")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    assert find_config() == path
    assert load_config().as_of == dt.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("as_of = '2026-03-01'\n", 1, "as_of must be a date"),
        ("[rules]\nselect = 'DQ001'\n", 2, "rules.select must be a list"),
        ("[rules.DQ001]\nseverity = 'fatal'\n", 2, "severity 'fatal' must be error, warning or info"),
        ("[[waivers]]\nrule = 'DQ001'\nkey = 'k'\nreason = 'r'\n", 1, "waiver needs 'expires'"),
        ("[check]\nfail_on = 'sometimes'\n", 2, "check.fail_on must be"),
        ("[rules\n", 1, "invalid TOML"),
        ("rules_dirs = ['missing']\n", 1, "rules_dirs: 'missing' does not exist"),
    ],
)
def test_invalid_config_names_file_and_line(tmp_path, text, line, message):
    path = _config(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value).startswith(f"{path}:{line}: ") and message in str(caught.value), str(
        caught.value
    )


def test_config_overrides_are_checked_against_the_rules(tmp_path):
    _rule_file(tmp_path / "rules")
    pack = load_rules([tmp_path / "rules"], include_builtin=False)
    config = read_config(
        _config(tmp_path, "[rules.T001]\nseverity = 'error'\nparameters = { pattern = 'P%' }\n")
    )
    (configured,) = config.configure(pack)
    assert (configured.severity.value, configured.parameters) == ("error", {"pattern": "P%"})
    config = read_config(_config(tmp_path, "[rules.T001.parameters]\npatern = 'P%'\n"))
    with pytest.raises(
        ConfigError,
        match=r"appconsol.toml:2: rule T001 has no parameter 'patern' \(its parameters: pattern\)",
    ):
        config.configure(pack)
    config = read_config(_config(tmp_path, "[rules]\nignore = ['T9*']\n"))
    with pytest.raises(ConfigError, match=r"appconsol.toml:2: ignore 'T9\*' matches no rule"):
        config.configure(pack)


def test_rule_files_are_read_with_the_builtin_flag(tmp_path):
    path = _rule_file(tmp_path)
    rule = read_rule_file(path, [], builtin=False)
    assert (rule.builtin, rule.sql_line, rule.identity) == (False, 14, ("organisation", "app_id"))


def test_registered_steps_are_used_by_default(tmp_path, store, monkeypatch):
    from appconsol.engine import steps as steps_module

    monkeypatch.setitem(
        steps_module.STEPS, "pairs", Step("pairs", "count", ("v_applications",), (PAIRS,), _pairs)
    )
    sql = "  SELECT organisation, 'x' AS app_id, n, 'w.csv' AS source_file, 1 AS source_row FROM test_pairs\n"
    _rule_file(tmp_path, RULE.split("parameters:")[0] + 'message: "{n}"\nsql: |\n' + sql)
    _insert_apps(store, "Payroll")
    run = run_rules(store, _configured(tmp_path))
    assert [f.message for f in run.findings] == ["1"]
