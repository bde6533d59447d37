"""docs/rules.md: every built-in rule (and the engine's own), from the rule files and their cases."""

from __future__ import annotations


def render_rules_docs() -> str:
    """The built-in rules' documentation as Markdown."""
    from appconsol.engine.docs import render_rules_markdown
    from appconsol.engine.loader import builtin_rules_dir, load_rules
    from appconsol.engine.runner import ENGINE_RULES

    pack = load_rules()
    return render_rules_markdown(pack.rules, ENGINE_RULES, builtin_rules_dir())
