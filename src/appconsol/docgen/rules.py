"""docs/rules.md, generated from the rule files and their first fail case (a test fails when stale)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from appconsol.engine.model import PARAMETER_TYPES, RESERVED_PARAMETERS, Rule

FORMAT = """\
## Writing a rule

A rule is one YAML file, `<CODE>.yaml`, in a rules folder (`rules_dirs` in appconsol.toml or
`--rules-dir`); its cases file `<CODE>.cases.yaml` sits beside it. Keys:

| key | required | meaning |
|---|---|---|
| `code` | yes | Unique code, the file name without `.yaml` (`DQ001`, `ACME-COST-3`). |
| `name` | yes | Dotted lower-case name, category first (`data-quality.costs-missing`). |
| `summary` | yes | One line: what a finding means. |
| `category` | yes | data-quality, overlap, legacy, cloud, cyber, finance, ... |
| `severity` | yes | Default severity: `error`, `warning` or `info` (appconsol.toml can override it). |
| `rationale` | yes | Why it matters and how the rule decides. |
| `references` | no | The policies or standards the rule comes from. |
| `groups` | no | Extra names to select the rule by (`core`, `finance`, ...). |
| `parameters` | no | `name: {{type, default, description}}`; type is one of {types}. |
| `identity` | no | Columns that identify what a finding is about (default `[organisation, app_id]`). |
| `message` | yes | The finding's message; `{{column}}` is replaced by that column of the row. |
| `sql` | yes | One DuckDB `SELECT` over the canonical views ([schema.md](schema.md)) returning one row per finding. |

The SQL names parameters as `$name`; they are bound by DuckDB, never pasted into the SQL text.
`$as_of` is always available: {as_of}. The columns `organisation`, `app_id`, `application`,
`source_file`, `source_sheet` and `source_row` place the finding; every other column returned
is kept as its evidence (JSON). The finding key is the rule code and the identity columns joined
by `|` (`DQ001|Wessex County Council|APP-0042`): it is what baselines and waivers name.

Unknown keys are warnings; anything else wrong (a bad value, SQL that does not parse or bind
against the empty canonical views, a `$name` that is not declared, a message column the SQL does
not return, a code used twice) stops the run with the file and line. `appconsol rules validate`
checks a folder and `appconsol rules test` runs its cases; see `src/appconsol/engine/cases.py` for
the cases format.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)


def _source(rule: Rule, builtin_dir: Path) -> str:
    if rule.path is None:
        return "built into the engine"
    try:
        return "rules/" + rule.path.relative_to(builtin_dir).as_posix()
    except ValueError:
        return rule.path.as_posix()


def render_rules_markdown(rules: Sequence[Rule], engine_rules: Sequence[Rule], builtin_dir: Path) -> str:
    """docs/rules.md from the rules, the engine's own rules and the built-in pack's folder."""
    from appconsol.engine.cases import read_cases

    lines = [
        "# Rules",
        "",
        "Generated from the rule files in `rules/` by `appconsol rules docs`; do not edit by hand "
        "(a test fails when this file is stale).",
        "",
        "| code | name | category | severity | summary |",
        "|---|---|---|---|---|",
    ]
    ordered = sorted(rules, key=lambda r: r.code)
    for rule in [*ordered, *engine_rules]:
        lines.append(
            f"| [{rule.code}](#{rule.code.lower()}) | `{rule.name}` | {rule.category} | {rule.severity.value} "
            f"| {_cell(rule.summary)} |"
        )
    lines += [
        "",
        FORMAT.format(
            types=", ".join(f"`{t}`" for t in PARAMETER_TYPES), as_of=RESERVED_PARAMETERS["as_of"]
        ).rstrip(),
        "",
    ]
    for rule in ordered:
        lines += [f"## {rule.code}", "", f"**`{rule.name}`**: {rule.summary}", ""]
        lines += [
            f"Category: {rule.category}. Default severity: {rule.severity.value}."
            + (f" Groups: {', '.join(rule.groups)}." if rule.groups else "")
            + f" Identity: {', '.join(rule.identity)}. Source: `{_source(rule, builtin_dir)}`.",
            "",
            " ".join(rule.rationale.split()),
            "",
        ]
        if rule.parameters:
            lines += ["| parameter | type | default | meaning |", "|---|---|---|---|"]
            for p in rule.parameters:
                lines.append(f"| `{p.name}` | {p.type} | `{_json(p.default)}` | {_cell(p.description)} |")
            lines.append("")
        if rule.references:
            lines += ["References:", "", *(f"- {r}" for r in rule.references), ""]
        fail = next((c for c in read_cases(rule) if c.expected), None)
        if fail is not None:
            lines += [f"Example (case *{fail.name}*):", ""]
            for table, text in fail.tables.items():
                lines += [f"`{table}`:", "", "```csv", text.strip(), "```", ""]
            if fail.parameters:
                lines += [f"Parameters: `{_json(fail.parameters)}`", ""]
            lines += ["Findings:", ""]
            for expected in fail.expected:
                described = ", ".join(f"{k} `{_json(v)}`" for k, v in expected.items())
                lines.append(f"- {described}")
            lines.append("")
    lines += [
        "## Findings about the configuration",
        "",
        "The engine itself reports waivers that need attention; they point at the waiver's line in "
        "appconsol.toml.",
        "",
    ]
    for rule in engine_rules:
        lines += [
            f"## {rule.code}",
            "",
            f"**`{rule.name}`**: {rule.summary}",
            "",
            " ".join(rule.rationale.split()),
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def render_rules_docs() -> str:
    """docs/rules.md: the built-in rules' documentation as Markdown."""
    from appconsol.engine.loader import builtin_rules_dir, load_rules
    from appconsol.engine.runner import ENGINE_RULES

    pack = load_rules()
    return render_rules_markdown(pack.rules, ENGINE_RULES, builtin_rules_dir())
