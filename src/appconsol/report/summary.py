"""The headline figures of a store after an analysis run: what `appconsol analyse` prints.

Sections for tables a step did not write are absent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from appconsol.engine.runner import RunResult
    from appconsol.store import Store


def _tables(store: Store) -> set[str]:
    return {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _rows(store: Store, sql: str) -> list[dict[str, Any]]:
    frame = store.query(sql)
    return [dict(row) for row in frame.iter_rows(named=True)]


def summarise(store: Store, run: RunResult) -> dict[str, Any]:
    """Headline figures of the store after a run (sections for tables a step did not write are absent)."""
    from appconsol.analyses.savings import Assumptions, discounted_payback

    tables = _tables(store)
    (counts,) = _rows(
        store,
        "SELECT count(*) AS applications, count(*) FILTER (WHERE is_live) AS live, "
        "count(DISTINCT organisation) AS organisations, "
        "round(sum(annual_cost) FILTER (WHERE is_live), 2)::DOUBLE AS stated_annual_cost "
        "FROM v_applications",
    )
    summary: dict[str, Any] = {"as_of": run.as_of.isoformat(), "run_id": run.run_id, **counts}
    if "overlap_groups" in tables:
        summary["overlap_groups"] = _rows(
            store,
            "SELECT scope, kind, count(*) AS groups, sum(members)::BIGINT AS members, "
            "round(sum(annual_cost), 2) AS annual_cost FROM overlap_groups GROUP BY ALL ORDER BY scope DESC, kind",
        )
        summary["largest_overlaps"] = _rows(
            store,
            "SELECT group_id, scope, kind, coalesce(organisation, partnership) AS body, "
            "CASE WHEN kind = 'same-product' THEN product_label || ' (' || product_key || ')' "
            "ELSE capability_name END AS what, members, organisations, annual_cost "
            "FROM overlap_groups ORDER BY annual_cost DESC NULLS LAST, members DESC, group_id LIMIT 10",
        )
    if "legacy_scores" in tables:
        summary["legacy"] = _rows(
            store,
            "SELECT coalesce(rag, 'unscored') AS rag, count(*) AS applications FROM legacy_scores "
            "GROUP BY ALL ORDER BY 1",
        )
        summary["red_rated"] = _rows(
            store,
            "SELECT l.organisation, l.app_id, a.name, l.score, l.worst_support_status "
            "FROM legacy_scores l JOIN v_applications a ON a.organisation = l.organisation AND a.app_id = l.app_id "
            "WHERE l.red_rated ORDER BY l.score DESC, l.organisation, l.app_id LIMIT 10",
        )
        (red,) = _rows(store, "SELECT count(*) AS n FROM legacy_scores WHERE red_rated")
        summary["red_rated_count"] = red["n"]
    if "dispositions" in tables:
        summary["dispositions"] = _rows(
            store,
            "SELECT disposition, count(*) AS applications FROM dispositions GROUP BY ALL ORDER BY 2 DESC, 1",
        )
        # How sure the decisions are; needs-assessment is no decision, so it is left out.
        summary["disposition_confidence"] = _rows(
            store,
            "SELECT confidence, applications FROM (SELECT confidence, count(*) AS applications FROM dispositions "
            "WHERE disposition <> 'needs-assessment' AND confidence IS NOT NULL GROUP BY confidence) "
            "ORDER BY list_position(['high', 'medium', 'low'], confidence)",
        )
    if "plan_actions" in tables:
        summary["actions"] = _rows(
            store,
            "SELECT action, count(*) AS applications, round(sum(one_off_cost), 2) AS one_off_cost, "
            "round(sum(annual_saving), 2) AS annual_saving, "
            "round(sum(annual_cashable_saving), 2) AS annual_cashable_saving, "
            "round(sum(npv_5), 2) AS npv_5, round(sum(npv_10), 2) AS npv_10 "
            "FROM plan_actions GROUP BY ALL ORDER BY 2 DESC, 1",
        )
        (totals,) = _rows(
            store,
            "SELECT count(*) FILTER (WHERE migrates) AS migrations, "
            "round(coalesce(sum(one_off_cost), 0), 2) AS one_off_cost, "
            "round(coalesce(sum(annual_saving), 0), 2) AS annual_saving, "
            "round(coalesce(sum(annual_cashable_saving), 0), 2) AS annual_cashable_saving, "
            "round(coalesce(sum(npv_5), 0), 2) AS npv_5, round(coalesce(sum(npv_10), 0), 2) AS npv_10 "
            "FROM plan_actions",
        )
        summary["plan_by_purpose"] = _rows(
            store,
            "SELECT CASE WHEN action IN ('consolidate', 'share') THEN 'consolidation' "
            "WHEN action = 'retire' THEN 'retirement' ELSE 'cloud' END AS purpose, count(*) AS actions, "
            "round(sum(one_off_cost), 2) AS one_off_cost, round(sum(annual_saving), 2) AS annual_saving, "
            "round(sum(npv_5), 2) AS npv_5, round(sum(npv_10), 2) AS npv_10 "
            "FROM plan_actions WHERE migrates GROUP BY 1 ORDER BY 1",
        )
        flows = _rows(store, "SELECT year, sum(cash_flow) AS flow FROM plan_cash_flows GROUP BY 1 ORDER BY 1")
        rate = Assumptions().discount_rate  # the model's default, when the plan recorded none
        if "plan_assumptions" in tables:
            found = _rows(store, "SELECT value FROM plan_assumptions WHERE name = 'discount_rate'")
            rate = found[0]["value"] if found else rate
        totals["payback_year"] = discounted_payback([f["flow"] for f in flows], rate) if flows else None
        totals["cash_flows"] = [round(f["flow"], 2) for f in flows]
        summary["plan"] = totals
        summary["waves"] = _rows(
            store,
            "SELECT wave_year, count(*) AS migrations, round(sum(one_off_cost), 2) AS one_off_cost "
            "FROM plan_actions WHERE wave_year IS NOT NULL GROUP BY 1 ORDER BY 1",
        )
    severities = {s: 0 for s in ("error", "warning", "info")}
    by_rule: dict[str, int] = {}
    for rule, severity, n in run.counts().iter_rows():  # the findings went to the store rule by rule
        severities[severity] = severities.get(severity, 0) + n
        by_rule[rule] = by_rule.get(rule, 0) + n
    summary["findings"] = severities
    summary["findings_by_rule"] = [
        {"rule": rule, "findings": n} for rule, n in sorted(by_rule.items(), key=lambda rc: (-rc[1], rc[0]))
    ]
    summary["steps"] = [
        {"step": t.code, "seconds": round(t.seconds, 3), "status": t.status}
        for t in run.timings
        if t.kind == "step"
    ]
    summary["failures"] = [str(f) for f in run.failures]
    return summary
