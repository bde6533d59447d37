"""The rule pack as the `rules` commands see it: list, find, test (one harness) and validate."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.api.results import RulesTestResult, case_lines
from appconsol.api.settings import settings_from

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.loader import RulePack
    from appconsol.engine.model import Rule


def rule_pack(
    config: Path | Config | None = None, rules_dirs: Sequence[Path] = (), paths: Sequence[Path] = ()
) -> tuple[Config, RulePack]:
    """The config and the rules a `rules` command works on: `paths` alone, else built-ins + rule dirs."""
    from appconsol.engine.loader import load_rules

    settings = settings_from(config)
    limits = settings.limits()
    if paths:
        return settings, load_rules(list(paths), include_builtin=False, limits=limits)
    return settings, load_rules([*settings.rules_dirs, *rules_dirs], limits=limits)


def list_rules(config: Config, pack: RulePack) -> list[dict[str, Any]]:
    """One row per rule: code, name, category, severity (as configured), parameters and source."""
    rows = []
    for rule in sorted(pack.rules, key=lambda r: r.code):
        override = config.overrides.get(rule.code)
        rows.append(
            {
                "code": rule.code,
                "name": rule.name,
                "category": rule.category,
                "severity": (override.severity if override and override.severity else rule.severity.value),
                "default_severity": rule.severity.value,
                "groups": list(rule.groups),
                "summary": rule.summary,
                "parameters": {p.name: {"type": p.type, "default": p.default} for p in rule.parameters},
                "source": str(rule.path),
                "builtin": rule.builtin,
            }
        )
    return rows


def find_rule(pack: RulePack, code: str) -> Rule:
    """The rule with this code (any case); RuleError naming how to list them otherwise."""
    from appconsol.errors import RuleError

    rule = pack.by_code().get(code) or pack.by_code().get(code.upper())
    if rule is None:
        raise RuleError(f"no rule with code '{code}'", hint="`appconsol rules list` shows the codes")
    return rule


def test_rules(
    paths: Sequence[Path] = (), *, rules_dirs: Sequence[Path] = (), config: Path | Config | None = None
) -> RulesTestResult:
    """Run every rule's cases (and, for the built-in pack, every decision's): the `rules test` harness.

    A cases file that is missing or malformed is an error in the result (exit code 2); the other
    rules are still tested. A failing case makes exit code 1.
    """
    from appconsol.engine.cases import run_cases
    from appconsol.errors import RuleError

    settings, pack = rule_pack(config, rules_dirs, paths)
    result = RulesTestResult(settings, pack)
    limits = settings.limits()
    for rule in sorted(pack.rules, key=lambda r: r.code):
        try:
            result.cases += case_lines(rule.code, run_cases(rule, limits=limits))
        except RuleError as exc:
            result.errors.append((rule.code, exc))
    if not paths:  # the built-in decision table, through the engine's case runner
        from appconsol.analyses.decision_cases import decision_case_steps
        from appconsol.engine.decision_cases import run_decision_cases
        from appconsol.engine.decisions import load_decisions

        decisions = load_decisions()
        steps = decision_case_steps(decisions)
        for decision in decisions:
            result.cases += case_lines(decision.code, run_decision_cases(decision, decisions, steps))
        result.decisions = len(decisions)
    return result


test_rules.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def validate_rules(
    paths: Sequence[Path] = (), *, rules_dirs: Sequence[Path] = (), config: Path | Config | None = None
) -> tuple[Config, RulePack]:
    """Load the rule files (which checks keys, types, codes and that the SQL binds) and the config."""
    settings, pack = rule_pack(config, rules_dirs, paths)
    if not paths:
        settings.configure(pack)
    return settings, pack
