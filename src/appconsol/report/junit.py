"""JUnit XML for GitLab and Jenkins: one test suite per rule, one test case per finding.

A finding that counts at `--fail-on` is a <failure>; a waived or baselined finding is <skipped>;
one below the threshold passes with its message as output. A rule with no findings is one passing
case, a rule that could not run is an <error>, and so is a file that did not load.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import TYPE_CHECKING

from appconsol.engine.model import reaches
from appconsol.report.findings import relative_path, sorted_findings, status

if TYPE_CHECKING:
    from appconsol.api.results import CheckResult
    from appconsol.engine.model import Finding


def _case_name(finding: Finding) -> str:
    # No row or line: a test's name must stay the same when rows move, so CI can follow it.
    where = relative_path(finding.source_file) or ""
    subject = finding.app_id or finding.subject
    return f"{where} {subject}".strip()


def render_junit(result: CheckResult) -> str:
    """`check -f junit`: one test case per rule, failing with its findings."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted_findings(result):
        by_rule[finding.rule].append(finding)
    timings = {t.code: t for t in result.run.timings if t.kind == "rule"}
    failures_by_rule = {f.code: f for f in result.run.failures if f.kind == "rule"}
    root = ET.Element("testsuites", name="appconsol check")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites: list[tuple[str, str, list[Finding]]] = [
        (c.code, c.rule.name, by_rule.pop(c.code, [])) for c in result.rules
    ]
    suites += [(code, findings[0].rule_name, findings) for code, findings in sorted(by_rule.items())]
    for code, name, findings in suites:
        suite = ET.SubElement(root, "testsuite", name=f"{code} {name}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if code in timings and result.profile:
            suite.set("time", f"{timings[code].seconds:.3f}")
        if code in failures_by_rule:
            case = ET.SubElement(suite, "testcase", classname=code, name="rule runs")
            ET.SubElement(case, "error", message=failures_by_rule[code].message, type="rule-failed")
            counts["tests"] += 1
            counts["errors"] += 1
        elif not findings:
            ET.SubElement(suite, "testcase", classname=code, name="no findings")
            counts["tests"] += 1
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=code, name=_case_name(finding))
            counts["tests"] += 1
            state = status(finding)
            if state in ("waived", "unchanged"):
                reason = f"waived: {finding.waiver_reason}" if state == "waived" else "in the baseline"
                ET.SubElement(case, "skipped", message=f"{reason}: {finding.message}")
                counts["skipped"] += 1
            elif reaches(finding.severity, result.fail_on):
                failure = ET.SubElement(case, "failure", message=finding.message, type=finding.severity)
                failure.text = f"{finding.key}\n{finding.where()}\n{finding.message}"
                counts["failures"] += 1
            else:
                ET.SubElement(case, "system-out").text = f"{finding.severity}: {finding.message}"
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    _error_suites(root, result, totals)
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _error_suites(root: ET.Element, result: CheckResult, totals: dict[str, int]) -> None:
    """A `load` suite with an error per file that did not load, and a `setup` suite per setup error."""
    if result.load_report and result.load_report.failures:
        suite = ET.SubElement(root, "testsuite", name="load", tests=str(len(result.load_report.failures)))
        suite.set("errors", str(len(result.load_report.failures)))
        for load_failure in result.load_report.failures:
            case = ET.SubElement(suite, "testcase", classname="load", name=str(load_failure.path))
            ET.SubElement(case, "error", message=str(load_failure.error), type="load-failed")
        totals["tests"] += len(result.load_report.failures)
        totals["errors"] += len(result.load_report.failures)
    if result.setup_errors:  # the run stopped before anything ran (config, rule file, baseline)
        suite = ET.SubElement(root, "testsuite", name="setup", tests=str(len(result.setup_errors)))
        suite.set("errors", str(len(result.setup_errors)))
        for error in result.setup_errors:
            where = (
                relative_path(str(error.location.file)) if error.location and error.location.file else None
            )
            if where and error.location and error.location.line:
                where += f":{error.location.line}"
            case = ET.SubElement(suite, "testcase", classname="setup", name=where or "appconsol")
            ET.SubElement(case, "error", message=str(error), type=type(error).__name__)
        totals["tests"] += len(result.setup_errors)
        totals["errors"] += len(result.setup_errors)
