"""The `disposition` step: TIME category and a 7R disposition per application, from the decision table.

1. `disposition_facts`: one row per application with what the decisions test: lifecycle,
   hosting, TIME (LeanIX: functional x technical fit, cut points in [cloud]), the component
   stack's support status and legacy score, a SaaS edition of its product (the editable
   `saas_vendors` list), a commodity capability, and its hard constraints with the dispositions
   they block:
   - data classified SECRET or TOP SECRET stays on premises or in private hosting: every cloud
     disposition is blocked, and so is sharing it with another body;
   - special-category personal data hosted outside the UK and the countries covered by UK
     adequacy regulations (reference/data/uk_adequacy.yaml) blocks every cloud disposition that
     keeps it as it is, until the residency is resolved;
   - a hardware dependency (keywords in the name, description or unmapped columns) blocks
     rehost, relocate, replatform and refactor (a replacement product may still fit).
   It also lists the facts the inventory does not give (`unknown_facts`), from which each
   decision's confidence is judged.
2. Every decision of the ordered table (decisions/) is run; per application the
   first match whose disposition is not blocked wins (`disposition_choice`), with a confidence
   lowered for each fact the decision depends on that is unknown. Decisions passed over because a
   constraint blocked them are kept in `blocked_decisions`, so a rule can report them.

Python handles DISTINCT values only (vendors, capability texts, countries); the rest is SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import polars as pl

from appconsol.analyses.disposition_choice import choose_sql
from appconsol.analyses.lifecycle import REFERENCE_SETTINGS
from appconsol.analyses.residency import country_status
from appconsol.analyses.settings import Setting, fetch_frame, read_settings
from appconsol.engine.decisions import (
    CONFIDENCES,
    DISPOSITIONS,
    EVIDENCE_FACTS,
    MATCHES_TABLE,
    Decision,
    decision_values,
    insert_decision_matches,
    load_decisions,
)
from appconsol.engine.model import template_fields
from appconsol.engine.steps import Step, StepContext, register_step
from appconsol.errors import ConfigError, RuleError
from appconsol.reference import commodity_capabilities, saas_vendors
from appconsol.schema import Column, Table

HARDWARE_KEYWORDS = (
    "dongle",
    "usb key",
    "usb licence key",
    "usb license key",
    "hardware key",
    "hardware dependency",
    "hardware-dependent",
    "hardware dependent",
    "specialist hardware",
    "dedicated hardware",
    "bespoke hardware",
    "serial port",
    "com port",
    "rs-232",
    "rs232",
    "scada",
    "plc",
    "telemetry outstation",
    "mainframe",
    "as/400",
    "as400",
    "iseries",
    "card reader",
    "chip and pin",
    "pin entry device",
    "label printer",
    "attached scanner",
    "attached device",
    "modality",
    "air-gapped",
    "air gapped",
)

CLOUD_SETTINGS = (
    Setting(
        "functional_fit_high",
        "integer",
        3,
        "Functional fit (1-4) at or above which it counts as high for TIME.",
    ),
    Setting(
        "technical_fit_high",
        "integer",
        3,
        "Technical fit (1-4) at or above which it counts as high for TIME.",
    ),
    Setting(
        "adequate_countries",
        "list[string]",
        [],
        "Countries with partial UK adequacy (United States, Canada, Japan, Republic of Korea) to treat as "
        "adequate, because you have checked the recipient is covered (e.g. certified to the UK Extension "
        "to the Data Privacy Framework).",
    ),
    Setting(
        "hardware_keywords",
        "list[string]",
        list(HARDWARE_KEYWORDS),
        "Words (whole words, any case) in the name, description or unmapped columns that mark a hardware "
        "dependency.",
    ),
    Setting(
        "decision_dirs",
        "list[path]",
        [],
        "Folders of your own decision files; a code given again replaces the built-in one.",
    ),
    Setting("disabled_decisions", "list[string]", [], "Decision codes to leave out of the table."),
    Setting(
        "decision_parameters",
        "table",
        {},
        "Parameter values per decision code, e.g. `decision_parameters.CD030 = { few_users = 20 }`.",
    ),
)

_COLUMNS = (
    ("organisation", "VARCHAR", "Organisation of the application."),
    ("app_id", "VARCHAR", "Application id within the organisation."),
)

DISPOSITION_FACTS = Table(
    "disposition_facts",
    "one row per application: what the disposition decisions test",
    tuple(Column(*c) for c in _COLUMNS)
    + (
        Column("name", "VARCHAR", "Application name."),
        Column(
            "is_live", "BOOLEAN", "As in v_applications (phase-in, active, phase-out or unknown lifecycle)."
        ),
        Column("lifecycle", "VARCHAR", "Lifecycle phase."),
        Column("hosting_model", "VARCHAR", "on-premises, private-cloud, iaas, paas, saas or unknown."),
        Column("hosting_country", "VARCHAR", "Hosting country as written."),
        Column("country", "VARCHAR", "The country recognised in hosting_country (NULL when none)."),
        Column(
            "country_status", "VARCHAR", "uk, adequate, partial, not-adequate or unknown (UK GDPR adequacy)."
        ),
        Column("data_classification", "VARCHAR", "Government Security Classification."),
        Column("personal_data", "BOOLEAN", "Holds personal data."),
        Column("special_category_data", "BOOLEAN", "Holds special-category personal data."),
        Column("business_criticality", "VARCHAR", "Business criticality."),
        Column("user_count", "BIGINT", "Users."),
        Column("annual_cost", "DECIMAL(18,2)", "As in v_applications."),
        Column("functional_fit", "TINYINT", "1 (worst) .. 4 (best)."),
        Column("technical_fit", "TINYINT", "1 (worst) .. 4 (best)."),
        Column(
            "time_category", "VARCHAR", "invest, tolerate, migrate or eliminate; NULL when a fit is unknown."
        ),
        Column("worst_support_status", "VARCHAR", "Worst component support status (legacy_scores)."),
        Column(
            "supported_stack",
            "BOOLEAN",
            "At least one component matched to lifecycle data and none unsupported, on extended support or "
            "ending within 12 months.",
        ),
        Column(
            "stack_known",
            "BOOLEAN",
            "At least one component matched to lifecycle data (so the stack can be judged; it also "
            "shows the application runs software the organisation manages).",
        ),
        Column("virtualised", "BOOLEAN", "A component names VMware, vSphere or ESXi."),
        Column("legacy_score", "DOUBLE", "legacy_scores.score."),
        Column("legacy_rag", "VARCHAR", "legacy_scores.rag."),
        Column("scarce_languages", "VARCHAR", "Scarce-skill languages found (legacy_scores)."),
        Column("vendor_key", "VARCHAR", 'Resolved vendor ("in-house" for in-house systems).'),
        Column(
            "product_key", "VARCHAR", "Resolved product, for applications of a vendor with a SaaS edition."
        ),
        Column(
            "saas_edition",
            "VARCHAR",
            "The SaaS or vendor-hosted edition of its product (lists.yaml saas_vendors).",
        ),
        Column("saas_model", "VARCHAR", "saas (multi-tenant) or hosted (vendor-run, single tenant)."),
        Column(
            "saas_vendor_wide",
            "BOOLEAN",
            "The edition comes from the vendor's entry for all its products, not one naming this product.",
        ),
        Column("in_house", "BOOLEAN", "Built or run in house."),
        Column("commodity_capability", "VARCHAR", "A commodity capability it serves (lists.yaml), if any."),
        Column("capability_known", "BOOLEAN", "At least one of its capabilities maps onto the taxonomy."),
        Column("hardware_dependency", "VARCHAR", "The hardware keyword found, if any."),
        Column(
            "constraints", "JSON", "Hard constraints that apply: constraint, detail, blocks, blocks_sharing."
        ),
        Column("blocked_dispositions", "VARCHAR[]", "Dispositions the constraints rule out."),
        Column(
            "unknown_facts",
            "VARCHAR[]",
            f"Facts the inventory does not give, of {', '.join(EVIDENCE_FACTS)} "
            "(see docs/method-legacy-cloud.md for what each needs).",
        ),
    ),
)

DISPOSITIONS_TABLE = Table(
    "dispositions",
    "one row per application: its TIME category and 7R disposition, and the decision that made it",
    tuple(Column(*c) for c in _COLUMNS)
    + (
        Column(
            "time_category",
            "VARCHAR",
            "invest, tolerate, migrate or eliminate (LeanIX TIME); NULL when a fit is unknown.",
        ),
        Column(
            "disposition",
            "VARCHAR",
            f"{', '.join(DISPOSITIONS[:-1])} or {DISPOSITIONS[-1]} (the evidence does not decide; not a "
            "decision to retain).",
        ),
        Column("decided_by", "VARCHAR", "Code of the decision (decisions/) that made it."),
        Column("reason", "VARCHAR", "Why, in one sentence."),
        Column(
            "confidence",
            "VARCHAR",
            f"{', '.join(reversed(CONFIDENCES))}: the deciding decision's own confidence, a step lower for "
            "each missing fact.",
        ),
        Column(
            "missing_facts",
            "VARCHAR[]",
            "Facts the decision depends on that the inventory does not give: recording them could change it.",
        ),
        Column(
            "constraints", "JSON", "Hard constraints that apply to the application (see disposition_facts)."
        ),
        Column(
            "blocked_decisions",
            "JSON",
            "Earlier decisions that matched but were ruled out by a constraint: [{decision, disposition}].",
        ),
    ),
)

_ALL_CLOUD = "['refactor', 'rehost', 'relocate', 'replatform', 'repurchase']"  # sorted
_HARDWARE_BLOCKS = "['refactor', 'rehost', 'relocate', 'replatform']"


def _keyword_pattern(keywords: Sequence[str]) -> str:
    """One RE2 pattern matching any keyword as whole words (metacharacters escaped)."""
    escaped = [re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", k.lower().strip()) for k in keywords if k.strip()]
    return r"(?:^|[^a-z0-9])(" + "|".join(sorted(escaped, key=lambda k: (-len(k), k))) + r")(?:$|[^a-z0-9])"


# When each fact of EVIDENCE_FACTS counts as unknown (over the facts computed below).
UNKNOWN_WHEN = {
    "lifecycle": "lifecycle IS NULL",
    "hosting": "coalesce(hosting_model, 'unknown') = 'unknown'",
    "users": "user_count IS NULL",
    "cost": "annual_cost IS NULL",
    "fit": "functional_fit IS NULL OR technical_fit IS NULL",
    "components": "NOT stack_known",
    "vendor": "vendor_key IS NULL",
    "capability": "NOT capability_known",
    "criticality": "business_criticality IS NULL",
    "classification": "data_classification IS NULL",
}
assert tuple(UNKNOWN_WHEN) == EVIDENCE_FACTS, "every fact a decision may depend on needs its test"

_FACTS_SQL = f"""
WITH comp AS (
  SELECT organisation, app_id,
         count(*) FILTER (WHERE support_status <> 'unknown') AS matched,
         count(*) FILTER (WHERE support_status IN ('unsupported', 'extended-support', 'ending-12m')) AS failing,
         bool_or(regexp_matches(raw, '(?i)vmware|vsphere|esxi')) AS virtualised
  FROM component_lifecycle GROUP BY organisation, app_id
), caps AS (
  SELECT c.organisation, c.app_id, min(t.commodity) AS commodity_capability,
         bool_or(c.code IS NOT NULL) AS capability_known
  FROM app_capability_codes c LEFT JOIN commodity_codes t ON t.code = c.code
  GROUP BY c.organisation, c.app_id
), saas_matches AS (
  -- A product's own entry first, else its vendor's entry for all its products.
  SELECT k.organisation, k.app_id, k.vendor_key, k.product_key,
         coalesce(p.edition, v.edition) AS saas_edition, coalesce(p.model, v.model) AS saas_model,
         p.edition IS NULL AS saas_vendor_wide
  FROM product_keys k
  LEFT JOIN saas_editions p ON p.product_key = k.product_key
  LEFT JOIN saas_editions v ON v.vendor_key = k.vendor_key AND v.product_key IS NULL
  WHERE coalesce(p.edition, v.edition) IS NOT NULL
), facts AS (
  SELECT a.organisation, a.app_id, a.name, a.is_live, a.lifecycle, a.hosting_model, a.hosting_country,
         r.country, coalesce(r.country_status, 'unknown') AS country_status,
         a.data_classification, a.personal_data, a.special_category_data, a.business_criticality,
         a.user_count, a.annual_cost,
         a.functional_fit, a.technical_fit,
         CASE WHEN a.functional_fit IS NULL OR a.technical_fit IS NULL THEN NULL
              WHEN a.functional_fit >= $functional_high AND a.technical_fit >= $technical_high THEN 'invest'
              WHEN a.functional_fit >= $functional_high THEN 'migrate'
              WHEN a.technical_fit >= $technical_high THEN 'tolerate'
              ELSE 'eliminate' END AS time_category,
         l.worst_support_status,
         coalesce(comp.matched, 0) > 0 AND coalesce(comp.failing, 0) = 0 AS supported_stack,
         coalesce(comp.matched, 0) > 0 AS stack_known,
         coalesce(comp.virtualised, false) AS virtualised,
         l.score AS legacy_score, l.rag AS legacy_rag, l.scarce_languages,
         k.vendor_key, s.product_key, s.saas_edition, s.saas_model, s.saas_vendor_wide,
         coalesce(k.vendor_key = 'in-house', false) AS in_house,
         caps.commodity_capability, coalesce(caps.capability_known, false) AS capability_known,
         nullif(regexp_extract(lower(concat_ws(' ', a.name, a.description, a.unmapped::VARCHAR)), $hardware, 1), '')
           AS hardware_dependency
  FROM v_applications a
  LEFT JOIN legacy_scores l ON l.organisation = a.organisation AND l.app_id = a.app_id
  LEFT JOIN comp ON comp.organisation = a.organisation AND comp.app_id = a.app_id
  LEFT JOIN caps ON caps.organisation = a.organisation AND caps.app_id = a.app_id
  LEFT JOIN product_keys k ON k.organisation = a.organisation AND k.app_id = a.app_id
  LEFT JOIN saas_matches s ON s.organisation = a.organisation AND s.app_id = a.app_id
  LEFT JOIN country_statuses r ON r.hosting_country = a.hosting_country
), flagged AS (
  SELECT *,
         coalesce(data_classification IN ('secret', 'top-secret'), false) AS c_classification,
         coalesce(special_category_data AND country_status IN ('not-adequate', 'partial'), false) AS c_residency,
         hardware_dependency IS NOT NULL AS c_hardware
  FROM facts
)
SELECT * EXCLUDE (c_classification, c_residency, c_hardware),
  CASE WHEN NOT (c_classification OR c_residency OR c_hardware) THEN '[]'::JSON ELSE to_json(list_concat(
    CASE WHEN c_classification THEN [{{
      'constraint': 'classification',
      'detail': upper(replace(data_classification, '-', ' ')) || ' data stays on premises or in private hosting',
      'blocks': {_ALL_CLOUD}, 'blocks_sharing': true}}] ELSE [] END,
    CASE WHEN c_residency THEN [{{
      'constraint': 'residency',
      'detail': 'special-category personal data hosted in ' || coalesce(country, hosting_country)
                || ', not the UK or a country covered by UK adequacy regulations',
      'blocks': {_ALL_CLOUD}, 'blocks_sharing': false}}] ELSE [] END,
    CASE WHEN c_hardware THEN [{{
      'constraint': 'hardware',
      'detail': 'hardware dependency (' || hardware_dependency || ')',
      'blocks': {_HARDWARE_BLOCKS}, 'blocks_sharing': false}}] ELSE [] END)) END AS constraints,
  CASE WHEN c_classification OR c_residency THEN {_ALL_CLOUD}
       WHEN c_hardware THEN {_HARDWARE_BLOCKS} ELSE []::VARCHAR[] END AS blocked_dispositions,
  list_filter([{{unknown_facts}}], lambda x: x IS NOT NULL) AS unknown_facts
FROM flagged
""".replace(
    "{unknown_facts}", ", ".join(f"CASE WHEN {when} THEN '{fact}' END" for fact, when in UNKNOWN_WHEN.items())
)


def run_disposition(ctx: StepContext, table: Sequence[Decision] | None = None) -> None:
    settings = read_settings(ctx, "cloud", CLOUD_SETTINGS)
    lists_path = read_settings(ctx, "reference", REFERENCE_SETTINGS, shared=True)["lists"]
    for key in ("functional_fit_high", "technical_fit_high"):
        if not 1 <= settings[key] <= 4:
            raise ConfigError(
                f"cloud.{key} must be 1-4 (the LeanIX fit scale)", location=ctx.where("cloud", key)
            )
    if table is None:
        # Binding each decision against an empty store is `rules validate`'s job and the cases';
        # here a decision whose SQL fails stops the step with its file and line instead.
        table = load_decisions(
            settings["decision_dirs"],
            disabled=settings["disabled_decisions"],
            notices=ctx.notices,
            bind=False,
        )
    facts_columns = {c.name for c in DISPOSITION_FACTS.columns}
    for decision in table:
        unknown = [f for f in template_fields(decision.reason or "") if f not in facts_columns]
        if unknown:
            raise RuleError(
                f"reason uses {{{unknown[0]}}}, which is not a column of disposition_facts",
                location=decision.location("reason"),
            )
    values = {}
    overrides = settings["decision_parameters"]
    for decision in table:
        given = overrides.get(decision.code, {})
        if not isinstance(given, dict):
            raise ConfigError(
                f"cloud.decision_parameters.{decision.code} must be a table of name = value",
                location=ctx.where("cloud", "decision_parameters", decision.code),
            )
        values[decision.code] = decision_values(
            decision, given, ctx.where("cloud", "decision_parameters", decision.code)
        )
    unknown = sorted(set(overrides) - {d.code for d in table})
    if unknown:
        raise ConfigError(
            f"cloud.decision_parameters names no decision '{unknown[0]}'",
            location=ctx.where("cloud", "decision_parameters", unknown[0]),
        )

    # Products and capabilities as the `products` and `capabilities` steps resolved them (with the
    # user's alias and taxonomy files), never resolved again here.
    lookups = {
        "commodity_codes": commodity_capabilities(lists_path).select(
            "code", pl.col("name").alias("commodity")
        ),
        "saas_editions": saas_vendors(lists_path),
        "country_statuses": _country_statuses(ctx.con, settings["adequate_countries"]),
    }
    for name, frame in lookups.items():
        ctx.con.register(name, frame.to_arrow())
    try:
        params = {
            "functional_high": settings["functional_fit_high"],
            "technical_high": settings["technical_fit_high"],
            "hardware": _keyword_pattern(settings["hardware_keywords"] or ["\x00"]),
        }
        ctx.store.replace_table(DISPOSITION_FACTS, _FACTS_SQL, params)
    finally:
        for name in lookups:
            ctx.con.unregister(name)

    insert_decision_matches(ctx.con, table, ctx.as_of, values)
    sql, choose_params = choose_sql(table)
    try:
        ctx.store.replace_table(DISPOSITIONS_TABLE, sql, choose_params)
    finally:
        ctx.con.execute(f"DROP TABLE IF EXISTS {MATCHES_TABLE}")


def _country_statuses(con: Any, extra: Sequence[str]) -> pl.DataFrame:
    texts = fetch_frame(
        con,
        "SELECT DISTINCT hosting_country FROM v_applications WHERE hosting_country IS NOT NULL ORDER BY 1",
    )["hosting_country"].to_list()
    rows = [(text, *country_status(text, extra)) for text in texts]
    return pl.DataFrame(
        rows,
        schema={"hosting_country": pl.String, "country": pl.String, "country_status": pl.String},
        orient="row",
    )


def disposition_step(table: Sequence[Decision] | None = None) -> Step:
    """The step, using `table` instead of the configured decision table (for the decisions' cases)."""
    return Step(
        name="disposition",
        description="TIME category and 7R disposition per application, from the ordered decision table",
        reads=(
            "v_applications",
            "product_keys",
            "app_capability_codes",
            "component_lifecycle",
            "legacy_scores",
        ),
        writes=(DISPOSITION_FACTS, DISPOSITIONS_TABLE),
        run=(lambda ctx: run_disposition(ctx, table)) if table is not None else run_disposition,
    )


DISPOSITION_STEP = register_step(disposition_step())
