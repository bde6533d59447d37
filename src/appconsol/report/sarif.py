"""SARIF 2.1.0 for code scanning: each finding located at its file and row, rules in the driver.

Findings waived in appconsol.toml carry an external suppression; with a baseline, each result has
its baselineState (new / unchanged); the baseline's fixed keys are counted in the run's properties.
The finding key is the partial fingerprint, so code scanning tracks a finding across runs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from appconsol.report.findings import (
    SEVERITY_ORDER,
    artifact_uri,
    problems,
    shown,
    sorted_findings,
    status,
    summary_counts,
)
from appconsol.version import __version__

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult
    from appconsol.engine.model import Finding, Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "appconsolFindingKey/v1"
# GitHub code scanning rejects a run with more results than this (and shows the top 5,000).
MAX_RESULTS = 25_000


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


def _priority(finding: Finding) -> tuple[int, int, str, int, str]:
    """Which results to keep first when a run has more than GitHub accepts: most severe, counting first."""
    state = {"waived": 2, "unchanged": 1}.get(status(finding), 0)
    return (
        SEVERITY_ORDER[finding.severity],
        state,
        finding.source_file or "",
        finding.source_row or 0,
        finding.key,
    )


def kept_findings(result: CheckResult) -> tuple[list[Finding], int]:
    """The findings SARIF holds (at most MAX_RESULTS, most severe first) and how many were left out."""
    candidates = [f for f in sorted_findings(result) if shown(result, f)]
    if len(candidates) <= MAX_RESULTS:
        return candidates, 0
    keep = {id(f) for f in sorted(candidates, key=_priority)[:MAX_RESULTS]}
    return [f for f in candidates if id(f) in keep], len(candidates) - MAX_RESULTS


def _notification(level: str, text: str, file: str | None = None, line: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"level": level, "message": {"text": text}}
    if file:
        item["locations"] = [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": artifact_uri(file)},
                    "region": {"startLine": max(line or 1, 1)},
                }
            }
        ]
    return item


def render_sarif(result: CheckResult) -> str:
    """`check -f sarif`: SARIF 2.1.0 for code-scanning tools, within GitHub's upload limits.

    At most MAX_RESULTS results (GitHub rejects a run with more), most severe first; a warning
    notification says how many were left out. Baseline keys no finding has any more are not
    results (GitHub closes an alert by its absence, and rejects results without a location):
    their count is in the run's properties.
    """
    from appconsol.engine.runner import ENGINE_RULES

    rules: list[tuple[Rule, str]] = [(c.rule, c.severity.value) for c in result.rules]
    used = {f.rule for f in result.run.findings}
    known = {rule.code for rule, _severity in rules}
    rules += [(r, r.severity.value) for r in ENGINE_RULES if r.code in used and r.code not in known]
    index = {rule.code: i for i, (rule, _severity) in enumerate(rules)}
    compared = result.baseline_path is not None
    findings, dropped = kept_findings(result)
    results = []
    for finding in findings:
        item: dict[str, Any] = {
            "ruleId": finding.rule,
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
        if finding.rule in index:
            item["ruleIndex"] = index[finding.rule]
        if compared:
            item["baselineState"] = "unchanged" if status(finding) == "unchanged" else "new"
        if finding.waived:
            item["suppressions"] = [{"kind": "external", "justification": finding.waiver_reason or ""}]
        results.append(item)
    notifications = [_notification("error", p.message, p.file, p.line) for p in problems(result)]
    if dropped:
        notifications.append(
            _notification(
                "warning",
                f"{dropped:,} of {dropped + len(findings):,} results left out: a SARIF run may hold at most "
                f"{MAX_RESULTS:,}, so the most severe were kept. See every finding with "
                "`appconsol check ... -f json` (or -f csv), or leave info findings out with "
                "--annotate-from warning",
            )
        )
    run_properties: dict[str, Any] = {"resultsLeftOut": dropped}
    if compared:
        counts = summary_counts(result)
        run_properties["baseline"] = {k: counts[k] for k in ("new", "unchanged", "fixed")}
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
                        "exitCode": int(result.exit_code),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": run_properties,
            }
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
