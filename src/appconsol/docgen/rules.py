"""docs/rules.md, generated from the rule files and their first fail case (a test fails when stale)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from appconsol.engine import sandbox
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


SANDBOX = """\
## The rule sandbox

This section is for whoever decides whether CI may run `appconsol check` on pull requests. Rule
folders are named in appconsol.toml, so a pull request can add a rule file, or change the
config to point at one: treat every rule as untrusted code.

A rule runs in its own in-memory DuckDB database, never on the store's connection. That database
holds copies of only the relations the rules name, among those a rule may read: the canonical
views ([schema.md](schema.md)) and the tables analysis steps write, and of those only the columns
the rules name (all of them where a rule selects `*` from the relation). It is opened with
`enable_external_access=false`, `autoinstall_known_extensions=false`,
`autoload_known_extensions=false`, `allow_community_extensions=false` and Python replacement
scans off, and then `lock_configuration=true`, so no SQL can turn any of it back on.

A rule **can** read those views and tables as they stood when the rules started, and compute with
any of DuckDB's functions over values (text, dates, lists, JSON, regular expressions, aggregates,
window functions, recursive queries).

A rule **cannot**:

- read, list or write files, or fetch URLs: `read_csv`, `read_text`, `read_blob`, `glob`,
  `FROM 'file.csv'`, `https://` paths, `COPY`, `ATTACH` and `EXPORT DATABASE` all fail;
- install or load an extension (an `https://` path does not fetch `httpfs`);
- change a setting (`SET`, `PRAGMA`, `RESET`);
- see or change the store: its other tables (`store_meta`, `loads`' mappings, `findings`,
  `rule_runs`) are not in the sandbox, and nothing the rule does reaches the store file;
- read the process environment (DuckDB's Python build has no `getenv`, and `/proc/self/environ`
  is a file);
- run longer than the time limit, or use more than the memory limit (beyond it, work spills to a
  private temporary folder that is removed after the run);
- return a column that findings cannot carry (BLOB, BIT, INTERVAL, UNION, BIGNUM, GEOMETRY,
  VARIANT, TIME WITH TIME ZONE, or a list or struct of these; list and struct columns are fine as
  evidence but not in the message or identity).

Two layers enforce this. When rule files are loaded (every command, including `rules list`, which
binds each rule's SQL to check its names and column types but never runs it), a static check
refuses {denied} and any statement but one `SELECT`: the error names the rule file and line, and
the command exits 2. The static check is a courtesy; the database settings above are the guard
that holds when a rule gets past it. A rule that fails while running (its time limit, a file it
may not read) is reported as that rule's error, with exit code 2, and the other rules still run.

| limit | appconsol.toml | environment (wins) | default |
|---|---|---|---|
| time one rule may run, in seconds | `[rules] time_limit` | `{time_env}` | {time_limit:g} |
| memory of the rule sandbox | `[rules] memory_limit` | `{memory_env}` | {memory_limit} |

The environment wins over the file so that a CI job can hold the limits where a pull request,
which can edit appconsol.toml, cannot reach them. `appconsol rules test` runs each case in the
same sandbox under the same limits.

What the sandbox does **not** do:

- The time limit is per rule, so a pull request adding many slow rules can take many times the
  limit; bound the whole job with your CI's own timeout.
- The memory limit covers the sandbox's copies of the views as well as what a rule's queries
  build; past it DuckDB spills to the private temporary folder, so a very large store needs
  disk there (the system's temporary directory) or a higher limit.
- It does not judge what a rule finds: a rule can still report nonsense or report nothing, and a
  pull request can change waivers, selections, severities or `fail_on` in appconsol.toml. Review
  rule and config changes like code, or run CI with `--config` (or `APPCONSOL_CONFIG`) pointing at
  a config the pull request cannot change.
- It is DuckDB's own configuration, not an operating-system sandbox. For pull requests from
  forks, also run the job without secrets (for example GitHub's `pull_request` event, not
  `pull_request_target`) and in a throwaway container, as DuckDB's documentation advises for
  untrusted SQL.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _denied_functions() -> str:
    prefixes = ", ".join(f"`{p}*`" for p in sandbox.DENIED_PREFIXES)
    suffixes = ", ".join(f"`*{s}`" for s in sandbox.DENIED_SUFFIXES)
    named = ", ".join(f"`{n}`" for n in sorted(sandbox.DENIED_FUNCTIONS))
    return (
        f"the functions that reach outside it ({prefixes}, {suffixes}, {named}), "
        "table names that are file paths or URLs, names qualified with a database,"
    )


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
        SANDBOX.format(
            denied=_denied_functions(),
            time_env=sandbox.TIME_LIMIT_ENV,
            memory_env=sandbox.MEMORY_LIMIT_ENV,
            time_limit=sandbox.DEFAULT_TIME_LIMIT,
            memory_limit=sandbox.DEFAULT_MEMORY_LIMIT,
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
