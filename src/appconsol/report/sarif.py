"""SARIF 2.1.0 for code scanning: each finding located at its file and row, rules in the driver.

Findings waived in appconsol.toml carry an external suppression; with a baseline, each result has
its baselineState (new / unchanged) and the baseline's fixed keys are listed as `absent` results.
The finding key is the partial fingerprint, so code scanning tracks a finding across runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from appconsol.report.findings import artifact_uri, sorted_findings, status
from appconsol.version import __version__

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult
    from appconsol.engine.model import Finding, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "appconsolFindingKey/v1"


def _rule_descriptor(rule: Rule, severity: str) -> dict[str, Any]:
    help_lines = [rule.summary, "", rule.rationale]
    if rule.references:
        help_lines += ["", "References:", *(f"- {r}" for r in rule.references)]
    text = "\n".join(help_lines)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": text, "markdown": text},
        "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
        "properties": {"category": rule.category, "tags": [rule.category, *rule.groups]},
    }


def _location(finding: Finding) -> dict[str, Any]:
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(finding.source_file)},
            "region": {"startLine": max(finding.line or 1, 1)},
        }
    }
    if finding.organisation:
        name = finding.organisation + (f"/{finding.app_id}" if finding.app_id else "")
        location["logicalLocations"] = [{"name": name, "kind": "module"}]
    return location


def render_sarif(result: CheckResult) -> str:
    """`check -f sarif`: SARIF 2.1.0 for code-scanning tools."""
    from appconsol.engine.runner import ENGINE_RULES

    rules: list[tuple[Rule, str]] = [(c.rule, c.severity.value) for c in result.rules]
    used = {f.rule for f in result.run.findings}
    rules += [(r, r.severity.value) for r in ENGINE_RULES if r.code in used]
    index = {rule.code: i for i, (rule, _severity) in enumerate(rules)}
    compared = result.baseline_path is not None
    results = []
    for finding in sorted_findings(result):
        item: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": SARIF_LEVEL[finding.severity],
            "message": {"text": finding.message},
            "locations": [_location(finding)],
            "partialFingerprints": {FINGERPRINT: finding.key},
            "properties": {
                "organisation": finding.organisation,
                "app_id": finding.app_id,
                "sheet": finding.source_sheet,
                "row": finding.source_row,
                "evidence": finding.evidence,
            },
        }
        if compared:
            item["baselineState"] = "unchanged" if status(finding) == "unchanged" else "new"
        if finding.waived:
            item["suppressions"] = [{"kind": "external", "justification": finding.waiver_reason or ""}]
        results.append(item)
    for fixed in result.fixed:
        if fixed.get("rule") in index:
            results.append(
                {
                    "ruleId": fixed["rule"],
                    "ruleIndex": index[fixed["rule"]],
                    "level": "none",
                    "message": {"text": f"fixed: {fixed.get('message', fixed['key'])}"},
                    "baselineState": "absent",
                    "partialFingerprints": {FINGERPRINT: fixed["key"]},
                }
            )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "appconsol",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule_descriptor(rule, severity) for rule, severity in rules],
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "exitCode": result.exit_code,
                        "toolExecutionNotifications": [
                            {"level": "error", "message": {"text": error}} for error in result.errors
                        ],
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
