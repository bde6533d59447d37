"""What the plan knows about each live application: costs (stated or estimated), users, fit,
runway to end of support, risk, disposition, contract, constraints and capabilities.

Unknown costs are estimated, never taken as 0 (a system whose cost nobody wrote down still costs
money), and every estimate says how it was made:
1. the stated cost (`v_applications.annual_cost`: the stated total, else the cost lines);
2. else the median stated cost of live applications serving the same capability (its most
   confident taxonomy code), when at least three have one;
3. else the median of live applications of the same business criticality (at least three);
4. else the median of every live application with a stated cost (at least three);
5. else the `default_annual_cost` assumption.
A stated cost that rule DQ004 flags as an error (a negative line, or above `cost_ceiling`) is
excluded and estimated as if unknown. Each cost carries its basis: stated, reference (the median
of comparable applications) or default. The cashable part is `annual_cashable_cost` (licence +
support + hosting + other; + staff when `staff_cost_cashable`); for a total without lines it is
the portfolio's cashable share of stated lines; for an estimate it is 0 (an estimated saving is
never cashable).
"""

from __future__ import annotations

import json
from typing import Any

import polars as pl

from appconsol.analyses.savings import Assumptions
from appconsol.analyses.settings import fetch_frame

MIN_COMPARABLES = 3


def application_facts(con: Any, a: Assumptions, tables: set[str]) -> pl.DataFrame:
    """One row per live application with everything the plan weighs (see the module docstring)."""
    legacy = (
        "LEFT JOIN legacy_scores l ON l.organisation = a.organisation AND l.app_id = a.app_id"
        if "legacy_scores" in tables
        else "LEFT JOIN (SELECT NULL::VARCHAR AS organisation, NULL::VARCHAR AS app_id, NULL::DOUBLE AS score, "
        "NULL::BOOLEAN AS red_rated, NULL::VARCHAR AS rag, NULL::DATE AS earliest_eol, "
        "NULL::DOUBLE AS months_to_eol) l ON false"
    )
    disposition = (
        "LEFT JOIN dispositions d ON d.organisation = a.organisation AND d.app_id = a.app_id"
        if "dispositions" in tables
        else "LEFT JOIN (SELECT NULL::VARCHAR AS organisation, NULL::VARCHAR AS app_id, NULL::VARCHAR AS "
        "disposition, NULL::VARCHAR AS decided_by, NULL::VARCHAR AS reason, NULL::VARCHAR AS time_category, "
        "NULL::JSON AS constraints) d ON false"
    )
    staff = "+ coalesce(a.cost_staff, 0)" if a.staff_cost_cashable else ""
    facts = fetch_frame(
        con,
        f"""
        WITH primary_code AS (
            SELECT organisation, app_id,
                   arg_min(code, (-coalesce(confidence, 0), code)) AS primary_code
            FROM app_capability_codes WHERE code IS NOT NULL GROUP BY ALL
        )
        SELECT a.organisation, a.app_id, a.name, a.user_count AS users, a.functional_fit, a.technical_fit,
               a.business_criticality, a.data_classification, a.contract_end, a.notice_period_days,
               a.auto_renew, a.hosting_model,
               CAST(a.cost_licence AS DOUBLE) AS cost_licence, CAST(a.cost_support AS DOUBLE) AS cost_support,
               CASE WHEN a.annual_cost > 0 THEN CAST(a.annual_cost AS DOUBLE) END AS stated_cost,
               CASE WHEN a.annual_cost > 0 THEN CAST(a.annual_cashable_cost {staff} AS DOUBLE) END AS stated_cashable,
               CAST(a.cost_lines_total AS DOUBLE) AS lines_total,
               -- the stated cost as v_applications means it; the raw figure only when it is no cost
               -- (negative), so an excluded row still shows what was written
               CAST(coalesce(a.annual_cost, a.cost_total, a.cost_lines_total) AS DOUBLE) AS stated_figure,
               CASE WHEN least(coalesce(a.cost_total, 0), coalesce(a.cost_licence, 0), coalesce(a.cost_support, 0),
                               coalesce(a.cost_hosting, 0), coalesce(a.cost_staff, 0), coalesce(a.cost_other, 0)) < 0
                    THEN 'a negative cost (DQ004)'
                    WHEN greatest(coalesce(a.cost_total, 0), coalesce(a.cost_lines_total, 0)) > {float(a.cost_ceiling)!r}
                    THEN 'above the cost ceiling of {a.cost_ceiling:,.0f} (DQ004)' END AS cost_problem,
               p.primary_code,
               l.score AS legacy_score, coalesce(l.red_rated, false) AS red_rated, l.rag,
               l.earliest_eol, l.months_to_eol,
               d.disposition, d.decided_by AS disposition_rule, d.reason AS disposition_reason,
               CAST(d.constraints AS VARCHAR) AS constraints
        FROM v_applications a
        LEFT JOIN primary_code p ON p.organisation = a.organisation AND p.app_id = a.app_id
        {legacy}
        {disposition}
        WHERE a.is_live
        ORDER BY a.organisation, a.app_id
        """,
    )
    return _with_costs(facts, a)


def _with_costs(facts: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    # A stated cost that DQ004 would flag as an error is excluded and estimated like a missing one.
    flagged = pl.col("cost_problem").is_not_null()
    facts = facts.with_columns(
        pl.when(flagged).then(None).otherwise(pl.col("stated_cost")).alias("stated_cost"),
        pl.when(flagged).then(None).otherwise(pl.col("stated_cashable")).alias("stated_cashable"),
    )
    # Only the columns the medians and the cashable share need (a million rows of every column,
    # copied twice, cost 1.2 GB here).
    known = facts.select("stated_cost", "primary_code", "business_criticality").filter(
        pl.col("stated_cost").is_not_null()
    )
    lined = facts.select("stated_cashable", "lines_total").filter(pl.col("stated_cashable").is_not_null())
    cashable_share = (
        float(lined["stated_cashable"].sum()) / float(lined["lines_total"].sum())
        if lined.height and float(lined["lines_total"].sum()) > 0
        else 1.0
    )
    cashable_share = min(1.0, max(0.0, cashable_share))
    by_code = _medians(known, "primary_code")
    by_criticality = _medians(known, "business_criticality")
    overall = float(known["stated_cost"].median()) if known.height >= MIN_COMPARABLES else None  # type: ignore[arg-type]
    # The first estimate that applies, in the order the module docstring lists them.
    c = pl.col
    facts = facts.join(
        _median_frame(by_code, "primary_code", "_code"), on="primary_code", how="left", maintain_order="left"
    ).join(
        _median_frame(by_criticality, "business_criticality", "_crit"),
        on="business_criticality",
        how="left",
        maintain_order="left",
    )
    if overall is not None:
        last_cost = pl.lit(overall, pl.Float64)
        last_method = pl.lit(f"estimated: median of {known.height} live applications with a stated cost")
    else:
        last_cost = pl.lit(float(a.default_annual_cost), pl.Float64)
        last_method = pl.lit("estimated: default_annual_cost assumption (no comparable stated cost)")
    facts = facts.with_columns(
        pl.coalesce(c("stated_cost").cast(pl.Float64), "_code_median", "_crit_median", last_cost)
        .round(2)
        .alias("annual_run_cost"),
        pl.when(c("stated_cost").is_not_null())
        .then(pl.lit("stated"))
        .when(c("_code_median").is_not_null())
        .then(pl.format("estimated: median of {} live applications serving {}", "_code_n", "primary_code"))
        .when(c("_crit_median").is_not_null())
        .then(pl.format("estimated: median of {} live {} applications", "_crit_n", "business_criticality"))
        .otherwise(last_method)
        .alias("cost_method"),
    ).drop("_code_median", "_code_n", "_crit_median", "_crit_n")
    stated_basis = pl.col("cost_method") == "stated"
    return facts.with_columns(
        # Estimated costs are never cashable: nobody can bank a saving on a bill nobody has seen.
        annual_cashable=pl.when(stated_basis)
        .then(
            pl.coalesce("stated_cashable", (pl.col("annual_run_cost") * cashable_share).round(2)).clip(
                upper_bound=pl.col("annual_run_cost")
            )
        )
        .otherwise(0.0),
        cost_basis=pl.when(stated_basis)
        .then(pl.lit("stated"))
        .when(pl.col("cost_method").str.contains("default_annual_cost"))
        .then(pl.lit("default"))
        .otherwise(pl.lit("reference")),
        licence_support=pl.when(pl.col("cost_licence").is_not_null() | pl.col("cost_support").is_not_null())
        .then(pl.col("cost_licence").fill_null(0) + pl.col("cost_support").fill_null(0))
        .otherwise(pl.col("annual_run_cost") * cashable_share),
    )


def _medians(known: pl.DataFrame, column: str) -> dict[Any, tuple[float, int]]:
    grouped = (
        known.filter(pl.col(column).is_not_null())
        .group_by(column)
        .agg(pl.col("stated_cost").median().alias("median"), pl.len().alias("n"))
        .filter(pl.col("n") >= MIN_COMPARABLES)
    )
    return {key: (round(float(m), 2), int(n)) for key, m, n in grouped.iter_rows()}


def _median_frame(medians: dict[Any, tuple[float, int]], column: str, prefix: str) -> pl.DataFrame:
    """`_medians` as a frame to join on `column` (the figures exactly as the dict holds them)."""
    return pl.DataFrame(
        {
            column: list(medians),
            f"{prefix}_median": [m for m, _ in medians.values()],
            f"{prefix}_n": [n for _, n in medians.values()],
        },
        schema={column: pl.String, f"{prefix}_median": pl.Float64, f"{prefix}_n": pl.Int64},
    )


def capability_keys(con: Any) -> dict[tuple[str, str], frozenset[str]]:
    """Each overlap group member's capability keys (as the overlap step forms them), generic ones aside."""
    frame = fetch_frame(
        con,
        """
        SELECT m.organisation, m.app_id, list(DISTINCT coalesce(m.code, 'label:' || m.label_key)) AS keys
        FROM app_capability_codes m
        SEMI JOIN (SELECT DISTINCT organisation, app_id FROM overlap_members) g
          ON g.organisation = m.organisation AND g.app_id = m.app_id
        WHERE m.label_key IS NOT NULL AND m.label_key <> ''
          AND NOT EXISTS (SELECT 1 FROM overlap_generic g WHERE g.organisation = m.organisation
                          AND g.capability_key = coalesce(m.code, 'label:' || m.label_key))
        GROUP BY ALL
        """,
    )
    return {(o, i): frozenset(k) for o, i, k in frame.iter_rows()}


def constraint_flags(constraints: str | None, classification: str | None) -> tuple[bool, bool, list[str]]:
    """(movable, shareable, reasons) from the disposition step's hard constraints.

    Each constraint is {constraint, detail, blocks, blocks_sharing}. One that blocks sharing (data
    above OFFICIAL) keeps the application inside its own body: it neither moves to nor hosts
    another body's users. Constraints that block cloud dispositions (residency, hardware) do not
    stop its users moving onto another system of its own body, so every application stays movable
    within its body. Data classified SECRET or above is unshareable even without a disposition.
    """
    reasons: list[str] = []
    shareable = True
    parsed: Any = []
    if constraints and constraints not in ("[]", "null"):
        try:
            parsed = json.loads(constraints)
        except ValueError:
            parsed = []
    for item in parsed if isinstance(parsed, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("constraint") or "constraint")
        detail = item.get("detail")
        reasons.append(f"{name}: {detail}" if detail else name)
        if item.get("blocks_sharing"):
            shareable = False
    if classification in ("secret", "top-secret") and shareable:
        shareable = False
        reasons.append(f"classification: {classification.upper()} data")
    return True, shareable, reasons


def existing_tables(con: Any) -> set[str]:
    rows = con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    return {r[0] for r in rows}
