"""Choosing each application's disposition from the decision matches, with its confidence.

Per application the first matching decision whose disposition no hard constraint blocks wins
(`decision_matches` holds every decision's matches). The winner's confidence is the one its file
declares when every fact it `depends_on` is known, one step lower (high, medium, low) for each
such fact the inventory does not give; those facts are the application's `missing_facts`. An
application no decision matches (a table of your own whose catch-all leaves some out) needs
assessment, with every fact it lacks listed.

Decision texts (codes, reason templates, facts) are bound as parameters, never spliced.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any

from appconsol.engine.decisions import CONFIDENCES, NEEDS_ASSESSMENT, Decision

# Only applications some constraint blocks dispositions for are joined to their facts to mark the
# matches blocked (a match of an application with no facts never reaches the output either way).
# Decision orders are unique, so each application's first unblocked match is taken by `arg_min`
# instead of joining the matches again on (organisation, app_id, order).
_CHOOSE_SQL = """
WITH blockers AS (
  SELECT organisation, app_id, blocked_dispositions FROM disposition_facts WHERE len(blocked_dispositions) > 0
), m AS (
  SELECT m.*, coalesce(list_contains(b.blocked_dispositions, m.disposition), false) AS blocked
  FROM decision_matches m
  LEFT JOIN blockers b ON b.organisation = m.organisation AND b.app_id = m.app_id
), chosen AS (
  SELECT organisation, app_id, min(decision_order) AS chosen_order,
         arg_min(decided_by, decision_order) AS decided_by, arg_min(disposition, decision_order) AS disposition
  FROM m WHERE NOT blocked
  GROUP BY organisation, app_id
), blocked AS (
  SELECT m.organisation, m.app_id,
         to_json(list({{'decision': m.decided_by, 'disposition': m.disposition}} ORDER BY m.decision_order))
           AS blocked_decisions
  FROM m LEFT JOIN chosen c ON c.organisation = m.organisation AND c.app_id = m.app_id
  WHERE m.blocked AND (c.chosen_order IS NULL OR m.decision_order < c.chosen_order)
  GROUP BY m.organisation, m.app_id
), decided AS (
  SELECT f.organisation, f.app_id, f.time_category, coalesce(m.disposition, $needs_assessment) AS disposition,
         m.decided_by, {reason} AS reason, f.constraints, b.blocked_decisions,
         {base} AS base_confidence,
         CASE WHEN m.decided_by IS NULL THEN f.unknown_facts
              ELSE list_filter(f.unknown_facts, lambda x: list_contains({depends_on}, x)) END AS missing_facts
  FROM disposition_facts f
  LEFT JOIN chosen m ON m.organisation = f.organisation AND m.app_id = f.app_id
  LEFT JOIN blocked b ON b.organisation = f.organisation AND b.app_id = f.app_id
)
SELECT organisation, app_id, time_category, disposition, decided_by, reason,
       $confidences[greatest(1, base_confidence - len(missing_facts))] AS confidence, missing_facts,
       constraints, blocked_decisions
FROM decided
"""


def choose_sql(table: Sequence[Decision]) -> tuple[str, dict[str, Any]]:
    """The SELECT that writes `dispositions` from `decision_matches` and `disposition_facts`, and its
    parameters."""
    reason, params = _reason_sql(table)
    base = ["CASE m.decided_by"]
    depends_on = ["CASE m.decided_by"]
    for i, decision in enumerate(table):
        params[f"base_{i}"] = CONFIDENCES.index(decision.confidence) + 1
        params[f"depends_{i}"] = list(decision.depends_on)
        base.append(f"WHEN $code_{i} THEN $base_{i}")
        depends_on.append(f"WHEN $code_{i} THEN $depends_{i}::VARCHAR[]")
    base.append("ELSE 1 END")
    depends_on.append("ELSE []::VARCHAR[] END")
    params["needs_assessment"] = NEEDS_ASSESSMENT
    params["confidences"] = list(CONFIDENCES)
    sql = _CHOOSE_SQL.format(reason=reason, base=" ".join(base), depends_on=" ".join(depends_on))
    return sql, params


def _reason_sql(table: Sequence[Decision]) -> tuple[str, dict[str, Any]]:
    """One CASE over the deciding code: each decision's reason template (its summary when it has
    none) filled from disposition_facts `f`. Template text is bound, never spliced."""
    params: dict[str, Any] = {"no_decision": "no decision matched: assess it"}
    whens = []
    for i, decision in enumerate(table):
        params[f"code_{i}"] = decision.code
        pieces = []
        for j, (literal, name, _spec, _conversion) in enumerate(
            string.Formatter().parse(decision.reason or "")
        ):
            if literal:
                params[f"text_{i}_{j}"] = literal
                pieces.append(f"$text_{i}_{j}")
            if name:
                pieces.append(f"coalesce(CAST(f.\"{name}\" AS VARCHAR), '')")
        if not decision.reason:
            params[f"text_{i}_0"] = decision.summary
            pieces = [f"$text_{i}_0"]
        whens.append(f"WHEN $code_{i} THEN concat({', '.join(pieces)})")
    return f"CASE m.decided_by {' '.join(whens)} ELSE $no_decision END", params
