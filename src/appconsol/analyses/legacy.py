"""The `legacy` step: a per-application legacy risk score modelled on the UK Legacy IT Risk Assessment Framework.

Likelihood factors (each 1-5, or not counted when the inventory does not say): end of support
(the worst support status of the application's components), contract (expired or ending),
skills (a scarce-skill language), fit for purpose (technical and functional fit),
vulnerabilities and incidents (when the export carries them). Impact factors: business
criticality, users, annual cost, integrations. Each dimension is (mean + max) / 2 of the factors
it has, the score is likelihood x impact, red-rated at 16 or more, amber from 9. Scores written
in the inventory itself (an unmapped column such as "Legacy risk score", "Risk likelihood",
"Risk impact", "Legacy RAG") win over derived ones, and the row is then marked `derived = false`.
docs/method-legacy-cloud.md explains each factor, band and source.

Everything is one DuckDB query over the whole portfolio; Python only looks at DISTINCT values
(language spellings, unmapped column names), so a million applications take seconds.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from appconsol.analyses.lifecycle import REFERENCE_SETTINGS, STATUS_RANK
from appconsol.analyses.settings import (
    Setting,
    ascending_bands,
    fetch_frame,
    read_settings,
)
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.errors import ConfigError
from appconsol.reference import scarce_language
from appconsol.schema import Column, Table

LEGACY_SETTINGS = (
    Setting(
        "red_threshold",
        "number",
        16.0,
        "Score (likelihood x impact) at or above which an application is red-rated.",
    ),
    Setting(
        "amber_threshold", "number", 9.0, "Score at or above which (and below red) an application is amber."
    ),
    Setting(
        "user_bands",
        "list[number]",
        [50, 250, 1000, 5000],
        "Users at which the users impact factor becomes 2, 3, 4 and 5 (fewer than the first: 1).",
    ),
    Setting(
        "cost_bands",
        "list[number]",
        [10000, 50000, 250000, 1000000],
        "Annual cost at which the cost impact factor becomes 2, 3, 4 and 5.",
    ),
    Setting(
        "integration_bands",
        "list[number]",
        [1, 3, 6, 11],
        "Interfaces (integration_count, or dependencies the export records) at which the integrations "
        "factor becomes 2, 3, 4 and 5.",
    ),
    Setting(
        "vulnerability_bands",
        "list[number]",
        [1, 3, 10, 25],
        "Open vulnerabilities at which the vulnerabilities factor becomes 2, 3, 4 and 5.",
    ),
    Setting(
        "incident_bands",
        "list[number]",
        [1, 3, 6, 12],
        "Incidents a year at which the incidents factor becomes 2, 3, 4 and 5.",
    ),
    Setting(
        "contract_ending_months",
        "integer",
        12,
        "A contract ending within this many months after as_of scores 3 for likelihood (an expired one 5).",
    ),
)

# Unmapped column names (lower-cased, punctuation to spaces) that carry a value the score uses.
EXPLICIT_KEYS: dict[str, tuple[str, ...]] = {
    "score": (
        "legacy risk score",
        "legacy score",
        "legacy it risk score",
        "risk score",
        "overall risk score",
    ),
    "likelihood": (
        "risk likelihood",
        "legacy risk likelihood",
        "legacy likelihood",
        "likelihood",
        "likelihood score",
    ),
    "impact": ("risk impact", "legacy risk impact", "legacy impact", "impact", "impact score"),
    "rag": ("legacy rag", "legacy risk rag", "risk rag", "legacy risk rating", "rag", "rag status"),
    "vulnerabilities": (
        "vulnerabilities",
        "open vulnerabilities",
        "known vulnerabilities",
        "vulnerability count",
        "critical vulnerabilities",
        "cves",
        "open cves",
    ),
    "incidents": (
        "incidents",
        "major incidents",
        "p1 incidents",
        "incident count",
        "incidents last 12 months",
        "incidents per year",
        "outages",
    ),
}
# Columns a future schema may add to `applications`; used when present.
FUTURE_COLUMNS = {
    "vulnerabilities": ("vulnerability_count", "vulnerabilities"),
    "incidents": ("incident_count", "incidents"),
}

LEGACY_SCORES = Table(
    "legacy_scores",
    "one row per application: its legacy risk likelihood, impact, score and the evidence for each factor",
    (
        Column("organisation", "VARCHAR", "Organisation of the application."),
        Column("app_id", "VARCHAR", "Application id within the organisation."),
        Column(
            "likelihood",
            "DOUBLE",
            "1-5: (mean + max) / 2 of the likelihood factors known (NULL when none is).",
        ),
        Column("impact", "DOUBLE", "1-5: (mean + max) / 2 of the impact factors known (NULL when none is)."),
        Column(
            "score",
            "DOUBLE",
            "likelihood x impact (1-25), or the inventory's own score; NULL when either is unknown.",
        ),
        Column(
            "red_rated",
            "BOOLEAN",
            "score at or above [legacy] red_threshold (16), or the inventory says red.",
        ),
        Column(
            "rag", "VARCHAR", "red, amber (score from amber_threshold, 9) or green; NULL without a score."
        ),
        Column(
            "derived", "BOOLEAN", "True when every figure was derived; false when the inventory gave a score."
        ),
        Column(
            "worst_support_status",
            "VARCHAR",
            "Worst support status of the application's components (NULL when it lists none).",
        ),
        Column("earliest_eol", "DATE", "Earliest end of security support among its components."),
        Column("months_to_eol", "DOUBLE", "Months from as_of to earliest_eol (negative when past)."),
        Column(
            "evidence",
            "JSON",
            "Each factor's 1-5 value (NULL: not counted), the inventory value it came from and its source.",
        ),
        Column("scarce_languages", "VARCHAR", "Scarce-skill languages found in its languages or components."),
    ),
)

_STATUS_FACTOR = {"unsupported": 5, "extended-support": 4, "ending-12m": 3, "ending-36m": 2, "supported": 1}
_FIT_FACTOR = {1: 5, 2: 4, 3: 2, 4: 1}  # LeanIX fit 1 (worst) .. 4 (best)
_CRITICALITY_FACTOR = {
    "mission-critical": 5,
    "business-critical": 4,
    "business-operational": 3,
    "administrative": 2,
}


def normalise_key(key: str) -> str:
    """How unmapped column names are compared: case and punctuation do not matter."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", key.lower()).split())


def run_legacy(ctx: StepContext) -> None:
    settings = read_settings(ctx, "legacy", LEGACY_SETTINGS)
    lists_path = read_settings(ctx, "reference", REFERENCE_SETTINGS, shared=True)["lists"]
    if settings["amber_threshold"] >= settings["red_threshold"]:
        raise ConfigError(
            "legacy.amber_threshold must be below legacy.red_threshold",
            location=ctx.where("legacy", "amber_threshold"),
        )
    params: dict[str, Any] = {
        "as_of": ctx.as_of,
        "red": settings["red_threshold"],
        "amber": settings["amber_threshold"],
        "contract_months": settings["contract_ending_months"],
    }
    for name in ("user", "cost", "integration", "vulnerability", "incident"):
        bands = ascending_bands(ctx, "legacy", f"{name}_bands", settings[f"{name}_bands"], 4)
        params.update({f"{name}_{i}": value for i, value in enumerate(bands)})
    ctx.con.register("scarce_terms", _scarce_terms(ctx.con, lists_path).to_arrow())
    explicit, explicit_params = _explicit_values(ctx.con)
    sql = _legacy_sql(explicit, _future_columns(ctx.con))
    try:
        ctx.store.replace_table(LEGACY_SCORES, sql, {**params, **explicit_params})
    finally:
        ctx.con.unregister("scarce_terms")


def _scarce_terms(con: Any, lists_path: Any) -> pl.DataFrame:
    """term -> scarce language, for every distinct language and component text in the store."""
    terms = fetch_frame(
        con,
        "SELECT DISTINCT term FROM ("
        " SELECT unnest(languages) AS term FROM v_applications"
        " UNION SELECT raw FROM v_app_components UNION SELECT product FROM v_app_components"
        ") WHERE term IS NOT NULL",
    )["term"].to_list()
    path = str(lists_path) if lists_path is not None else None
    rows = [(t, scarce_language(t, path)) for t in sorted(terms)]
    return pl.DataFrame(
        [r for r in rows if r[1] is not None], schema={"term": pl.String, "scarce": pl.String}, orient="row"
    )


def _explicit_values(con: Any) -> tuple[dict[str, str], dict[str, Any]]:
    """SQL expressions (value, source key) for each explicit value the unmapped columns carry."""
    keys = fetch_frame(
        con,
        "SELECT DISTINCT unnest(json_keys(unmapped)) AS k FROM (SELECT DISTINCT unmapped FROM v_applications)",
    )["k"].to_list()
    wanted = {alias: role for role, aliases in EXPLICIT_KEYS.items() for alias in aliases}
    by_role: dict[str, list[str]] = {}
    for key in sorted(k for k in keys if k is not None):
        role = wanted.get(normalise_key(key))
        if role and '"' not in key and "\\" not in key:  # such a key cannot be written as a JSON path
            by_role.setdefault(role, []).append(key)
    expressions: dict[str, str] = {}
    params: dict[str, Any] = {}
    for role in EXPLICIT_KEYS:
        names = by_role.get(role, [])
        if not names:
            expressions[role] = "NULL::VARCHAR"
            expressions[f"{role}_key"] = "NULL::VARCHAR"
            continue
        values, sources = [], []
        for i, name in enumerate(names):
            params[f"{role}_path_{i}"] = f'$."{name}"'
            params[f"{role}_key_{i}"] = f"unmapped: {name}"
            value = f"nullif(trim(json_extract_string(a.unmapped, ${role}_path_{i})), '')"
            values.append(value)
            sources.append(f"WHEN {value} IS NOT NULL THEN ${role}_key_{i}")
        expressions[role] = f"coalesce({', '.join(values)})"
        expressions[f"{role}_key"] = f"CASE {' '.join(sources)} END"
    return expressions, params


def _future_columns(con: Any) -> dict[str, str]:
    present = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'v_applications'"
        ).fetchall()
    }
    found = {}
    for role, names in FUTURE_COLUMNS.items():
        column = next((n for n in names if n in present), None)
        if column:
            found[role] = f"a.{column}::VARCHAR"
    return found


def _number(expression: str) -> str:
    return f"TRY_CAST(regexp_extract({expression}, '-?[0-9]+(\\.[0-9]+)?') AS DOUBLE)"


def _band(value: str, name: str) -> str:
    return f"(1 + ({value} >= ${name}_0)::INT + ({value} >= ${name}_1)::INT + ({value} >= ${name}_2)::INT + ({value} >= ${name}_3)::INT)"


def _case(column: str, mapping: dict[Any, int]) -> str:
    whens = " ".join(f"WHEN {k!r} THEN {v}" for k, v in mapping.items())
    return f"CASE {column} {whens} END"


def _factor(factor: str, value: str, source: str) -> str:
    return f"{{'factor': {factor}, 'value': {value}, 'source': {source}}}"


def _struct(fields: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': {v}" for k, v in fields.items()) + "}"


def _evidence_struct() -> str:
    """The evidence column: each factor's value, what it was read from, and any explicit figures."""
    worst = (
        "CASE WHEN worst_component IS NOT NULL THEN 'component_lifecycle: ' || worst_component"
        " || coalesce(' (eol ' || worst_eol || ')', '') END"
    )
    integrations = "CASE WHEN dependencies IS NOT NULL THEN 'integration_count, app_dependencies' ELSE 'integration_count' END"
    fit = "{'technical_fit': technical_fit, 'functional_fit': functional_fit}"
    likelihood = {
        "end_of_support": _factor("f_support", "worst_support_status", worst),
        "contract": _factor("f_contract", "contract_end", "'contract_end'"),
        "skills": _factor(
            "f_skills", "scarce_languages", "'languages, components and the scarce-skill list'"
        ),
        "fit_for_purpose": _factor("f_fit", fit, "'technical_fit, functional_fit (1-4)'"),
        "vulnerabilities": _factor("f_vulnerabilities", "vulnerabilities", "vulnerabilities_source"),
        "incidents": _factor("f_incidents", "incidents", "incidents_source"),
    }
    impact = {
        "criticality": _factor("f_criticality", "business_criticality", "'business_criticality'"),
        "users": _factor("f_users", "user_count", "'user_count'"),
        "cost": _factor("f_cost", "annual_cost", "cost_source"),
        "integrations": _factor("f_integrations", "integrations", integrations),
    }
    explicit = {
        role: f"CASE WHEN {used} THEN {{'value': {value}, 'source': {key}}} END"
        for role, used, value, key in (
            ("score", "used_score", "given_score", "x_score_key"),
            ("likelihood", "used_likelihood", "given_likelihood", "x_likelihood_key"),
            ("impact", "used_impact", "given_impact", "x_impact_key"),
            ("rag", "given_rag IS NOT NULL", "given_rag", "x_rag_key"),
        )
    }
    return _struct(
        {
            "likelihood": _struct(likelihood),
            "impact": _struct(impact),
            "derived_likelihood": "derived_likelihood",
            "derived_impact": "derived_impact",
            "explicit": _struct(explicit),
        }
    )


def _dimension(factors: list[str]) -> str:
    count = " + ".join(f"({f} IS NOT NULL)::INT" for f in factors)
    total = " + ".join(f"coalesce({f}, 0)" for f in factors)
    return f"CASE WHEN {count} > 0 THEN round(((({total}) / ({count})) + greatest({', '.join(factors)})) / 2, 2) END"


def _legacy_sql(explicit: dict[str, str], future: dict[str, str]) -> str:
    ranks = _case("support_status", STATUS_RANK)
    vulnerabilities = future.get("vulnerabilities", "NULL::VARCHAR")
    incidents = future.get("incidents", "NULL::VARCHAR")
    likelihood = ["f_support", "f_contract", "f_skills", "f_fit", "f_vulnerabilities", "f_incidents"]
    impact = ["f_criticality", "f_users", "f_cost", "f_integrations"]
    return f"""
WITH comp AS (
  SELECT organisation, app_id,
         -- the worst component: highest status rank, then earliest eol, then name (one pass)
         min({{'rank': -({ranks}), 'eol': coalesce(eol, DATE '9999-12-31'), 'raw': raw,
               'status': support_status, 'date': eol}}) AS worst,
         min(eol) AS earliest_eol,
         bool_or(support_status <> 'unknown') AS any_known
  FROM component_lifecycle GROUP BY organisation, app_id
), scarce AS (
  SELECT organisation, app_id, string_agg(DISTINCT scarce, ', ' ORDER BY scarce) AS scarce_languages
  FROM (
    SELECT a.organisation, a.app_id, t.scarce
    FROM (SELECT organisation, app_id, unnest(languages) AS term FROM v_applications) a
    JOIN scarce_terms t ON t.term = a.term
    UNION ALL
    SELECT c.organisation, c.app_id, t.scarce FROM v_app_components c JOIN scarce_terms t ON t.term = c.raw
    UNION ALL
    SELECT c.organisation, c.app_id, t.scarce FROM v_app_components c JOIN scarce_terms t ON t.term = c.product
  ) GROUP BY organisation, app_id
), deps AS (
  SELECT organisation, name_key, count(DISTINCT other) AS dependencies
  FROM (
    SELECT organisation, lower(trim(app_name)) AS name_key, lower(trim(depends_on)) AS other FROM v_app_dependencies
    UNION ALL
    SELECT organisation, lower(trim(depends_on)), lower(trim(app_name)) FROM v_app_dependencies
  ) GROUP BY organisation, name_key
), base AS (
  SELECT a.organisation, a.app_id,
         c.worst.status AS worst_support_status, c.worst.raw AS worst_component, c.worst.date AS worst_eol,
         c.earliest_eol, c.any_known,
         s.scarce_languages, len(a.languages) AS language_count,
         a.contract_end, a.technical_fit, a.functional_fit, a.business_criticality, a.user_count,
         a.annual_cost::DOUBLE AS annual_cost,
         coalesce(a.annual_cost_source, 'cost lines') AS cost_source,
         greatest(a.integration_count, d.dependencies) AS integrations,
         a.integration_count, d.dependencies,
         {_number(vulnerabilities)} AS vulnerabilities_from_column,
         {_number(incidents)} AS incidents_from_column,
         {explicit["score"]} AS x_score, {explicit["score_key"]} AS x_score_key,
         {explicit["likelihood"]} AS x_likelihood, {explicit["likelihood_key"]} AS x_likelihood_key,
         {explicit["impact"]} AS x_impact, {explicit["impact_key"]} AS x_impact_key,
         {explicit["rag"]} AS x_rag, {explicit["rag_key"]} AS x_rag_key,
         {explicit["vulnerabilities"]} AS x_vulnerabilities, {
        explicit["vulnerabilities_key"]
    } AS x_vulnerabilities_key,
         {explicit["incidents"]} AS x_incidents, {explicit["incidents_key"]} AS x_incidents_key
  FROM v_applications a
  LEFT JOIN comp c ON c.organisation = a.organisation AND c.app_id = a.app_id
  LEFT JOIN scarce s ON s.organisation = a.organisation AND s.app_id = a.app_id
  LEFT JOIN deps d ON d.organisation = a.organisation AND d.name_key = lower(trim(a.name))
), valued AS (
  SELECT *,
         coalesce(vulnerabilities_from_column, {_number("x_vulnerabilities")}) AS vulnerabilities,
         CASE WHEN vulnerabilities_from_column IS NOT NULL THEN 'applications' ELSE x_vulnerabilities_key END
           AS vulnerabilities_source,
         coalesce(incidents_from_column, {_number("x_incidents")}) AS incidents,
         CASE WHEN incidents_from_column IS NOT NULL THEN 'applications' ELSE x_incidents_key END AS incidents_source,
         {_number("x_score")} AS given_score, {_number("x_likelihood")} AS given_likelihood,
         {_number("x_impact")} AS given_impact,
         CASE lower(trim(x_rag)) WHEN 'red' THEN 'red' WHEN 'r' THEN 'red' WHEN 'amber' THEN 'amber'
              WHEN 'a' THEN 'amber' WHEN 'green' THEN 'green' WHEN 'g' THEN 'green' END AS given_rag
  FROM base
), factored AS (
  SELECT *,
         {_case("worst_support_status", _STATUS_FACTOR)} AS f_support,
         CASE WHEN contract_end < $as_of THEN 5
              WHEN contract_end <= $as_of + to_months($contract_months) THEN 3
              WHEN contract_end IS NOT NULL THEN 1 END AS f_contract,
         CASE WHEN scarce_languages IS NOT NULL THEN 5 WHEN language_count > 0 OR any_known THEN 1 END AS f_skills,
         greatest({_case("technical_fit", _FIT_FACTOR)}, {_case("functional_fit", _FIT_FACTOR)}) AS f_fit,
         CASE WHEN vulnerabilities >= 0 THEN {
        _band("vulnerabilities", "vulnerability")
    } END AS f_vulnerabilities,
         CASE WHEN incidents >= 0 THEN {_band("incidents", "incident")} END AS f_incidents,
         {_case("business_criticality", _CRITICALITY_FACTOR)} AS f_criticality,
         CASE WHEN user_count >= 0 THEN {_band("user_count", "user")} END AS f_users,
         CASE WHEN annual_cost >= 0 THEN {_band("annual_cost", "cost")} END AS f_cost,
         CASE WHEN integrations >= 0 THEN {_band("integrations", "integration")} END AS f_integrations
  FROM valued
), scored AS (
  SELECT *,
         {_dimension(likelihood)} AS derived_likelihood,
         {_dimension(impact)} AS derived_impact
  FROM factored
), final AS (
  SELECT *,
         CASE WHEN given_likelihood BETWEEN 1 AND 5 THEN given_likelihood ELSE derived_likelihood END AS likelihood,
         CASE WHEN given_impact BETWEEN 1 AND 5 THEN given_impact ELSE derived_impact END AS impact,
         (given_likelihood BETWEEN 1 AND 5) IS TRUE AS used_likelihood,
         (given_impact BETWEEN 1 AND 5) IS TRUE AS used_impact,
         (given_score BETWEEN 1 AND 25) IS TRUE AS used_score
  FROM scored
), rated AS (
  SELECT *,
         CASE WHEN used_score THEN given_score ELSE round(likelihood * impact, 2) END AS score
  FROM final
)
SELECT organisation, app_id, likelihood, impact, score,
       CASE WHEN given_rag IS NOT NULL THEN given_rag = 'red' ELSE coalesce(score >= $red, false) END AS red_rated,
       coalesce(given_rag,
                CASE WHEN score >= $red THEN 'red' WHEN score >= $amber THEN 'amber'
                     WHEN score IS NOT NULL THEN 'green' END) AS rag,
       NOT (used_score OR used_likelihood OR used_impact OR given_rag IS NOT NULL) AS derived,
       worst_support_status, earliest_eol,
       CASE WHEN earliest_eol IS NOT NULL
            THEN round(date_diff('day', $as_of, earliest_eol) / (365.25 / 12), 1) END AS months_to_eol,
       to_json({_evidence_struct()}) AS evidence,
       scarce_languages
FROM rated
"""


LEGACY_STEP = register_step(
    Step(
        name="legacy",
        description="Legacy risk likelihood, impact and score per application, with evidence",
        reads=("v_applications", "v_app_components", "v_app_dependencies", "component_lifecycle"),
        writes=(LEGACY_SCORES,),
        run=run_legacy,
    )
)
