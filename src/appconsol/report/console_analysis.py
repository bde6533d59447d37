"""Console renderers for `analyse` (the run's summary) and `explain` (one application)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.report.console import money, table

if TYPE_CHECKING:
    from rich.console import Console

    from appconsol.analyses.explain import Explanation


def print_analysis(summary: dict[str, Any], db: Path, console: Console) -> None:
    """The `analyse` summary: overlaps, legacy risk, dispositions, the plan's money, findings."""
    console.print(
        f"Analysed {db} as of {summary['as_of']}: {summary['applications']:,} applications "
        f"({summary['live']:,} live) in {summary['organisations']:,} organisations; stated annual run cost "
        f"{money(summary.get('stated_annual_cost') or 0)}"
    )
    if "overlap_groups" in summary:
        console.print(
            table(
                "Overlap groups",
                ["scope", "kind", "groups", "members", "annual cost"],
                [
                    [g["scope"], g["kind"], g["groups"], g["members"], money(g["annual_cost"])]
                    for g in summary["overlap_groups"]
                ],
            )
        )
        console.print(
            table(
                "Largest overlaps",
                [
                    "group",
                    "kind",
                    "body or partnership",
                    "capability or product",
                    "members",
                    "bodies",
                    "annual cost",
                ],
                [
                    [
                        g["group_id"],
                        g["kind"],
                        g["body"],
                        g["what"],
                        g["members"],
                        g["organisations"],
                        money(g["annual_cost"]),
                    ]
                    for g in summary["largest_overlaps"]
                ],
            )
        )
    if "legacy" in summary:
        console.print(
            f"Legacy risk: {summary['red_rated_count']:,} red-rated; "
            + ", ".join(f"{r['rag']} {r['applications']:,}" for r in summary["legacy"])
        )
        if summary["red_rated"]:
            console.print(
                table(
                    "Red-rated applications (highest scores)",
                    ["organisation", "application", "score", "worst support status"],
                    [
                        [r["organisation"], r["name"], r["score"], r["worst_support_status"]]
                        for r in summary["red_rated"]
                    ],
                )
            )
    if "dispositions" in summary:
        console.print(_dispositions_line(summary))
    if "plan" in summary:
        console.print(
            table(
                "Planned actions",
                ["action", "applications", "one-off cost", "annual saving", "cashable", "NPV 5y", "NPV 10y"],
                [
                    [
                        a["action"],
                        a["applications"],
                        money(a["one_off_cost"]),
                        money(a["annual_saving"]),
                        money(a["annual_cashable_saving"]),
                        money(a["npv_5"]),
                        money(a["npv_10"]),
                    ]
                    for a in summary["actions"]
                ],
            )
        )
        plan = summary["plan"]
        payback = "not within the horizon" if plan["payback_year"] is None else f"year {plan['payback_year']}"
        console.print(
            f"Plan: {plan['migrations']:,} migrations; one-off {money(plan['one_off_cost'])}; annual saving "
            f"{money(plan['annual_saving'])} ({money(plan['annual_cashable_saving'])} cashable); NPV 5y "
            f"{money(plan['npv_5'])}, 10y {money(plan['npv_10'])}; discounted payback {payback}"
        )
        for part in summary["plan_by_purpose"]:
            console.print(
                f"  {part['purpose']}: {part['actions']:,} actions; one-off {money(part['one_off_cost'])}; annual saving "
                f"{money(part['annual_saving'])}; NPV 5y {money(part['npv_5'])}, 10y {money(part['npv_10'])}"
            )
        if summary["waves"]:
            console.print(
                "Waves: " + ", ".join(f"{w['wave_year']}: {w['migrations']:,}" for w in summary["waves"])
            )
    findings = summary["findings"]
    top = ", ".join(f"{r['rule']} {r['findings']:,}" for r in summary["findings_by_rule"][:8])
    console.print(
        f"Findings: {findings['error']:,} error, {findings['warning']:,} warning, {findings['info']:,} info"
        + (f" (most: {top})" if top else "")
    )


def print_explanation(explanation: Explanation, console: Console) -> None:
    """Everything known about one application, section by section."""
    from rich.markup import escape

    s = explanation.sections
    app = s["application"]
    console.print(
        f"[bold]{escape(explanation.name)}[/bold]  {escape(explanation.organisation)} | {escape(explanation.app_id)}"
    )
    where = f"{app.get('source_file')}" + (
        f", sheet '{app['source_sheet']}'" if app.get("source_sheet") else ""
    )
    console.print(f"From {escape(where)}, row {app.get('source_row')} (load {app.get('load_id')})")
    shown = {k: v for k, v in app.items() if v is not None and k not in ("organisation", "app_id", "name")}
    console.print(table("Inventory row", ["field", "value"], [[k, v] for k, v in shown.items()]))
    if s.get("capabilities"):
        rows = [
            [c.get("capability"), c.get("code"), c.get("name"), c.get("confidence"), c.get("method")]
            for c in s["capabilities"]
        ]
        console.print(
            table("Capabilities", ["as written", "code", "taxonomy name", "confidence", "how"], rows)
        )
    if s.get("product"):
        p = s["product"]
        console.print(
            f"Product: {p['product_label']} ({p['product_key']}, vendor {p['vendor_key']}; {p['product_method']} {p['product_confidence']})"
        )
    if s.get("components"):
        columns = list(s["components"][0])
        console.print(table("Components", columns, [[c[k] for k in columns] for c in s["components"]]))
    if s.get("legacy"):
        legacy = s["legacy"]
        console.print(
            f"Legacy risk: score {legacy.get('score')} ({legacy.get('rag')}; likelihood {legacy.get('likelihood')}, "
            f"impact {legacy.get('impact')}{', red-rated' if legacy.get('red_rated') else ''}); "
            f"earliest end of support {legacy.get('earliest_eol')}"
        )
        console.print(f"  evidence: {escape(str(legacy.get('evidence')))}")
    if s.get("disposition"):
        d = s["disposition"]
        console.print(
            f"Disposition: {d['disposition']} (TIME {d['time_category']}) by {d['decided_by']}: {escape(str(d['reason']))}"
        )
        if d.get("confidence"):
            missing = ", ".join(d.get("missing_facts") or []) or "none"
            console.print(f"  confidence: {d['confidence']}; missing facts that could change it: {missing}")
        if d.get("constraints"):
            console.print(f"  constraints: {escape(str(d['constraints']))}")
    for group in (s.get("overlap") or {}).get("groups", []):
        what = group.get("product_label") or group.get("capability_name")
        body = group.get("organisation") or group.get("partnership")
        rows = [
            [m["organisation"], m["name"], m["role"], m["product_label"], m["action"], m["target_name"]]
            for m in group["members_list"]
        ]
        console.print(
            table(
                f"Overlap group {group['group_id']}: {group['kind']} '{what}' in {body}",
                ["organisation", "application", "role", "product", "planned action", "onto"],
                rows,
            )
        )
    plan = s.get("plan")
    if plan and plan.get("action"):
        a = plan["action"]
        console.print(f"[bold]Plan: {escape(a['reason'])}[/bold]")
        console.print(
            f"  wave {a['wave_year']}; earliest {a['earliest_date']}, latest {a['latest_date']}, exit {a['exit_date']}; "
            f"one-off {money(a['one_off_cost'])}; annual saving {money(a['annual_saving'])} "
            f"({money(a['annual_cashable_saving'])} cashable) from year {a['saving_start_year']}; "
            f"NPV 5y {money(a['npv_5'])}, 10y {money(a['npv_10'])}; payback year {a['payback_year']}"
        )
        if a.get("timing_notes"):
            console.print(f"  timing: {escape('; '.join(a['timing_notes']))}")
        console.print(f"  why: {escape(json.dumps(a['why'], default=str))}")
        for share in plan.get("partner_shares", []):
            console.print(f"  {share['organisation']}: {share['share']:.0%} of costs and savings")
    if plan and plan.get("moving_onto_it"):
        names = ", ".join(f"{m['app_name']} ({m['organisation']})" for m in plan["moving_onto_it"])
        console.print(f"Moving onto it: {escape(names)}")
    findings = s.get("findings") or []
    if findings:
        console.print(
            table(
                "Findings",
                ["rule", "severity", "message", "evidence"],
                [
                    [f["rule_code"], f["severity"], f["message"], json.dumps(f["evidence"], default=str)]
                    for f in findings
                ],
            )
        )


def _dispositions_line(summary: dict[str, Any]) -> str:
    """Decided dispositions (with how sure they are), then needs-assessment apart: it is no decision."""
    decided = [r for r in summary["dispositions"] if r["disposition"] != "needs-assessment"]
    undecided = sum(
        r["applications"] for r in summary["dispositions"] if r["disposition"] == "needs-assessment"
    )
    line = "Dispositions: " + (
        ", ".join(f"{r['disposition']} {r['applications']:,}" for r in decided) or "none"
    )
    confidence = summary.get("disposition_confidence") or []
    if confidence:
        line += (
            " (confidence " + ", ".join(f"{r['confidence']} {r['applications']:,}" for r in confidence) + ")"
        )
    return (
        line
        + f"; needs assessment {undecided:,}"
        + (" (no decision: see the missing facts)" if undecided else "")
    )
