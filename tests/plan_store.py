"""A store holding the analysis tables the plan workbook reads, made directly (no analyses run).

The tables follow the contract the analysis steps write (plan_actions, overlap_groups, ...), so
the workbook can be tested, and benchmarked at 100k applications, on its own. Everything is
derived from the row index and a seeded generator, so the same arguments give the same store.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from appconsol.analyses.savings import Assumptions, appraise
from appconsol.report.plan.formulas import action_costs
from appconsol.store import Store

CONTRACT_DDL = {
    "plan_actions": """action_id VARCHAR, organisation VARCHAR, app_id VARCHAR, app_name VARCHAR, action VARCHAR,
        target_organisation VARCHAR, target_app_id VARCHAR, target_name VARCHAR, group_id VARCHAR,
        earliest_date DATE, latest_date DATE, wave_year INTEGER, reason VARCHAR, why JSON,
        annual_run_cost DOUBLE, annual_cashable DOUBLE, annual_added_cost DOUBLE, months_to_exit DOUBLE,
        migrates BOOLEAN, exit_fee DOUBLE, effort DOUBLE, saving_share DOUBLE, one_off_cost DOUBLE, annual_saving DOUBLE,
        annual_cashable_saving DOUBLE, saving_start_year INTEGER, cost_year INTEGER, npv_5 DOUBLE,
        npv_10 DOUBLE, payback_year INTEGER, size_factor DOUBLE, support_end_year INTEGER, cost_basis VARCHAR,
        effort_days DOUBLE, optimism_bias DOUBLE, pv_costs DOUBLE, pv_benefits DOUBLE, option INTEGER,
        justification VARCHAR, recommended BOOLEAN""",
    "plan_baseline": """organisation VARCHAR, app_id VARCHAR, app_name VARCHAR, stated_cost DOUBLE, excluded BOOLEAN,
        exclusion VARCHAR, annual_run_cost DOUBLE, cost_basis VARCHAR, cost_method VARCHAR, annual_cashable DOUBLE,
        support_end_year INTEGER, red_rated BOOLEAN""",
    "plan_cash_flows": "action_id VARCHAR, year INTEGER, cash_flow DOUBLE",
    "plan_partner_shares": "action_id VARCHAR, organisation VARCHAR, share DOUBLE, one_off_cost DOUBLE, annual_saving DOUBLE",
    "plan_assumptions": "name VARCHAR, value DOUBLE, unit VARCHAR, source VARCHAR",
    "overlap_groups": """group_id VARCHAR, scope VARCHAR, partnership VARCHAR, capability_code VARCHAR,
        capability_name VARCHAR, kind VARCHAR, members INTEGER, organisations INTEGER, annual_cost DOUBLE""",
    "overlap_members": "group_id VARCHAR, organisation VARCHAR, app_id VARCHAR, role VARCHAR",
    "legacy_scores": """organisation VARCHAR, app_id VARCHAR, likelihood DOUBLE, impact DOUBLE, score DOUBLE,
        red_rated BOOLEAN, rag VARCHAR, derived BOOLEAN, worst_support_status VARCHAR, earliest_eol DATE,
        months_to_eol DOUBLE, evidence JSON""",
    "dispositions": """organisation VARCHAR, app_id VARCHAR, time_category VARCHAR, disposition VARCHAR,
        decided_by VARCHAR, reason VARCHAR, constraints JSON""",
    "reference_snapshots": "name VARCHAR, snapshot_date DATE, source VARCHAR, licence VARCHAR",
}
AS_OF = dt.date(2026, 11, 25)
DISPOSITIONS = ("retain", "retire", "rehost", "replatform", "repurchase", "refactor", "relocate")
RAGS = ("green", "amber", "red")


def _insert(con: Any, table: str, frame: pl.DataFrame) -> None:
    con.register("incoming", frame.to_arrow())
    try:
        names = ", ".join(f'"{c}"' for c in frame.columns)
        con.execute(f'INSERT INTO "{table}" ({names}) SELECT {names} FROM incoming')
    finally:
        con.unregister("incoming")


def build_plan_store(
    path: Path,
    apps: int = 60,
    orgs: int = 3,
    seed: int = 7,
    texts: dict[int, str] | None = None,
    assumptions: Assumptions | None = None,
    analyses: bool = True,
) -> Path:
    """Write a store with `apps` applications over `orgs` bodies and the analysis tables about them.

    `texts` puts given strings into the description and name of the application at that index
    (for injection tests). With `analyses=False` only the loader's tables are filled.
    """
    rng = np.random.default_rng(seed)
    a = assumptions or Assumptions()
    index = np.arange(apps)
    org_names = [f"Wessex Body {i + 1:03d}" for i in range(orgs)]
    organisation = [org_names[i % orgs] for i in index]
    app_id = [f"APP-{i:06d}" for i in index]
    names = [f"Application {i}" for i in index]
    descriptions = [f"Does job {i % 17} for service {i % 5}" for i in index]
    for i, text in (texts or {}).items():
        names[i] = text
        descriptions[i] = text
    licence = np.round(rng.uniform(1_000, 120_000, apps), 2)
    support = np.round(licence * 0.2, 2)
    applications = pl.DataFrame(
        {
            "organisation": organisation,
            "app_id": app_id,
            "name": names,
            "description": descriptions,
            "vendor": [f"Vendor {i % 23}" for i in index],
            "lifecycle": ["retired" if i % 29 == 0 else "active" for i in index],
            "user_count": (index % 500 + 5).astype(np.int64),
            "cost_licence": licence,
            "cost_support": support,
            "contract_end": [AS_OF + dt.timedelta(days=int(30 * (i % 48))) for i in index],
            "load_id": [f"load{i % orgs}" for i in index],
            "source_file": [f"inventories/{organisation[i].lower().replace(' ', '-')}.csv" for i in index],
            "source_row": (index // orgs + 2).astype(np.int64),
        }
    ).with_columns(pl.col("cost_licence", "cost_support").cast(pl.Decimal(18, 2)))
    with Store(path) as store:
        con = store.con
        for table, ddl in CONTRACT_DDL.items():
            if analyses:
                con.execute(f'CREATE TABLE IF NOT EXISTS "{table}" ({ddl})')
        _insert(con, "applications", applications)
        loads = pl.DataFrame(
            {
                "load_id": [f"load{i}" for i in range(orgs)],
                "source_file": [f"inventories/{o.lower().replace(' ', '-')}.csv" for o in org_names],
                "file_name": [f"{o.lower().replace(' ', '-')}.csv" for o in org_names],
                "content_hash": ["ab" * 32 for _ in org_names],
                "organisation": org_names,
                "rows_read": [apps // orgs + 1 for _ in org_names],
                "rows_loaded": [apps // orgs for _ in org_names],
                "rows_rejected": [1 for _ in org_names],
                "warnings": [1 for _ in org_names],
                "loaded_at": [dt.datetime(2026, 11, 25, 9, 0) for _ in org_names],
            }
        )
        _insert(con, "loads", loads)
        _insert(
            con,
            "rejected_rows",
            pl.DataFrame(
                {
                    "organisation": org_names,
                    "reason": ["no name" for _ in org_names],
                    "raw": [json.dumps({"Name": "", "Cost": "£12,500"}) for _ in org_names],
                    "source_file": loads["source_file"],
                    "source_row": [9999 for _ in org_names],
                }
            ),
        )
        _insert(
            con,
            "load_warnings",
            pl.DataFrame(
                {
                    "organisation": org_names,
                    "app_id": [app_id[i] for i in range(orgs)],
                    "source_column": ["Contract end" for _ in org_names],
                    "field": ["contract_end" for _ in org_names],
                    "value": ["TBC" for _ in org_names],
                    "problem": ["unparseable date" for _ in org_names],
                    "source_file": loads["source_file"],
                    "source_row": [2 for _ in org_names],
                }
            ),
        )
        if not analyses:
            return path
        _insert(con, "findings", _findings(applications, rng))
        _insert(con, "rule_runs", _rule_runs())
        _insert(con, "legacy_scores", _legacy(applications, rng))
        _insert(con, "dispositions", _dispositions(applications))
        groups, members, actions = _plan(applications, rng, a)
        _insert(con, "overlap_groups", groups)
        _insert(con, "overlap_members", members)
        _insert(con, "plan_actions", actions)
        _insert(con, "plan_baseline", _baseline(applications))
        _insert(con, "plan_cash_flows", _cash_flows(actions, a))
        _insert(con, "plan_partner_shares", _partners(actions, org_names))
        _insert(
            con,
            "plan_assumptions",
            pl.DataFrame(
                [
                    {"name": x.name, "value": float(x.value), "unit": x.unit, "source": x.source}
                    for x in a.describe()
                ]
            ),
        )
        _insert(
            con,
            "reference_snapshots",
            pl.DataFrame(
                {
                    "name": ["endoflife.date", "capability taxonomy"],
                    "snapshot_date": [dt.date(2026, 10, 1), dt.date(2026, 9, 1)],
                    "source": ["https://endoflife.date", "APQC / COFOG"],
                    "licence": ["MIT", "see notice"],
                }
            ),
        )
    return path


def _findings(apps: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = apps.height
    codes = np.array(["DQ001", "DQ004", "LG001", "OV002"])
    pick = rng.integers(0, len(codes), n)
    return apps.select(
        pl.lit("run1").alias("run_id"),
        pl.Series("rule_code", codes[pick]),
        pl.lit("data-quality.example").alias("rule_name"),
        pl.lit("data-quality").alias("category"),
        pl.Series("severity", np.array(["error", "warning", "info"])[pick % 3]),
        "organisation",
        "app_id",
        pl.col("name").alias("application"),
        pl.format("{} needs attention: {}", pl.col("name"), pl.col("description")).alias("message"),
        pl.concat_str([pl.lit('{"app_id": "'), pl.col("app_id"), pl.lit('"}')]).alias("evidence"),
        "source_file",
        "source_row",
        pl.lit(False).alias("waived"),
        pl.lit(AS_OF).alias("as_of"),
    ).with_columns(
        pl.concat_str([pl.col("rule_code"), pl.col("organisation"), pl.col("app_id")], separator="|").alias(
            "finding_key"
        ),
        pl.concat_str([pl.col("organisation"), pl.col("app_id")], separator="|").alias("subject"),
    )


def _rule_runs() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "run_id": ["run1"] * 3,
            "kind": ["step", "rule", "rule"],
            "code": ["plan", "DQ001", "DQ004"],
            "status": ["ok", "ok", "ok"],
            "findings": [None, 10, 5],
            "seconds": [0.5, 0.01, 0.02],
            "as_of": [AS_OF] * 3,
            "started_at": [dt.datetime(2026, 11, 25, 9, 1)] * 3,
        }
    )


def _legacy(apps: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = apps.height
    likelihood = rng.integers(1, 6, n).astype(float)
    impact = rng.integers(1, 6, n).astype(float)
    score = likelihood * impact
    rag = np.where(score >= 16, "red", np.where(score >= 8, "amber", "green"))
    return apps.select("organisation", "app_id").with_columns(
        pl.Series("likelihood", likelihood),
        pl.Series("impact", impact),
        pl.Series("score", score),
        pl.Series("red_rated", score >= 16),
        pl.Series("rag", rag),
        pl.lit(True).alias("derived"),
        pl.lit("extended").alias("worst_support_status"),
        pl.lit(dt.date(2027, 1, 14)).alias("earliest_eol"),
        pl.lit(1.6).alias("months_to_eol"),
        pl.lit('{"components": ["Windows Server 2012 R2"]}').alias("evidence"),
    )


def _dispositions(apps: pl.DataFrame) -> pl.DataFrame:
    n = apps.height
    return apps.select("organisation", "app_id").with_columns(
        pl.Series("time_category", [("tolerate", "invest", "migrate", "eliminate")[i % 4] for i in range(n)]),
        pl.Series("disposition", [DISPOSITIONS[i % len(DISPOSITIONS)] for i in range(n)]),
        pl.lit("CL010").alias("decided_by"),
        pl.lit("first matching row of the decision table").alias("reason"),
        pl.lit("[]").alias("constraints"),
    )


def _plan(
    apps: pl.DataFrame, rng: np.random.Generator, a: Assumptions
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Groups of three applications of one body: the first kept, the others consolidated into it."""
    rows = apps.with_row_index("i").with_columns(
        (pl.col("cost_licence") + pl.col("cost_support")).cast(pl.Float64).alias("run_cost")
    )
    by_org = rows.sort("organisation", "i").with_columns(
        pl.int_range(pl.len()).over("organisation").alias("k")
    )
    # About a fifth of the estate sits in overlap groups (whole groups of three).
    by_org = by_org.filter(pl.col("k") < ((pl.col("k").max().over("organisation") + 1) * 0.22 / 3).ceil() * 3)
    by_org = by_org.with_columns(
        pl.format("G{}-{}", pl.col("organisation").str.slice(-3), (pl.col("k") // 3)).alias("group_id"),
        (pl.col("k") % 3).alias("slot"),
    )
    survivor = by_org.filter(pl.col("slot") == 0).select(
        "group_id",
        pl.col("organisation").alias("target_organisation"),
        pl.col("app_id").alias("target_app_id"),
        pl.col("name").alias("target_name"),
    )
    groups = by_org.group_by("group_id", maintain_order=True).agg(
        pl.lit("within").alias("scope"),
        pl.lit("Wessex Partnership").alias("partnership"),
        pl.lit("C1.2").alias("capability_code"),
        pl.lit("Revenues and benefits").alias("capability_name"),
        pl.lit("same-capability").alias("kind"),
        pl.len().cast(pl.Int32).alias("members"),
        pl.lit(1).cast(pl.Int32).alias("organisations"),
        pl.col("run_cost").sum().alias("annual_cost"),
    )
    members = by_org.select(
        "group_id",
        "organisation",
        "app_id",
        pl.when(pl.col("slot") == 0).then(pl.lit("survivor")).otherwise(pl.lit("member")).alias("role"),
    )
    n = by_org.height
    months = rng.uniform(0, 40, n).round(1)
    added = np.where(np.arange(n) % 5 == 0, 1500.0, 0.0)
    actions = (
        by_org.join(survivor, on="group_id")
        .sort("i")
        .with_columns(
            pl.format("A{}", pl.col("i")).alias("action_id"),
            pl.col("name").alias("app_name"),
            pl.when(pl.col("slot") == 0)
            .then(pl.lit("keep"))
            .when(pl.col("slot") == 1)
            .then(pl.lit("consolidate"))
            .otherwise(pl.lit("share"))
            .alias("action"),
            pl.lit(AS_OF + dt.timedelta(days=90)).alias("earliest_date"),
            pl.col("contract_end").alias("latest_date"),
            (pl.lit(2027) + pl.col("k") % 3).cast(pl.Int32).alias("wave_year"),
            pl.lit("lower whole-life cost; covers the same capabilities").alias("reason"),
            pl.lit('{"fit": 3}').alias("why"),
            pl.col("run_cost").alias("annual_run_cost"),
            (pl.col("cost_licence").cast(pl.Float64)).alias("annual_cashable"),
            (pl.col("slot") != 0).alias("migrates"),
            pl.when(pl.col("k") % 7 == 1)
            .then(pl.lit(5000.0))
            .otherwise(pl.lit(None, pl.Float64))
            .alias("exit_fee"),
        )
    )
    actions = actions.with_columns(pl.Series("months_to_exit", months), pl.Series("annual_added_cost", added))
    # Applications outside any group: some rehosted or retired by their disposition.
    grouped = set(by_org.get_column("app_id").to_list())
    lone = rows.filter(
        ~pl.col("app_id").is_in(list(grouped)) & ((pl.col("i") % 23 == 5) | (pl.col("i") % 29 == 6))
    )
    lone = lone.with_columns(
        pl.format("A{}", pl.col("i")).alias("action_id"),
        pl.col("name").alias("app_name"),
        pl.when(pl.col("i") % 23 == 5).then(pl.lit("rehost")).otherwise(pl.lit("retire")).alias("action"),
        pl.lit(None, pl.String).alias("target_organisation"),
        pl.lit(None, pl.String).alias("target_app_id"),
        pl.lit(None, pl.String).alias("target_name"),
        pl.lit(None, pl.String).alias("group_id"),
        pl.lit(AS_OF + dt.timedelta(days=120)).alias("earliest_date"),
        pl.col("contract_end").alias("latest_date"),
        pl.lit(2028).cast(pl.Int32).alias("wave_year"),
        pl.lit("disposition from the decision table").alias("reason"),
        pl.lit("{}").alias("why"),
        pl.col("run_cost").alias("annual_run_cost"),
        pl.col("cost_licence").cast(pl.Float64).alias("annual_cashable"),
        pl.lit(True).alias("migrates"),
        pl.lit(None, pl.Float64).alias("exit_fee"),
        (pl.col("i") % 30).cast(pl.Float64).alias("months_to_exit"),
        pl.lit(0.0).alias("annual_added_cost"),
    )
    shared = [c for c in lone.columns if c in actions.columns]
    actions = pl.concat([actions.select(shared), lone.select(shared)], how="vertical_relaxed").sort("i")
    actions = actions.with_columns(
        pl.when(pl.col("action") == "keep")
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("target_organisation"))
        .alias("target_organisation"),
        pl.when(pl.col("action") == "keep")
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("target_app_id"))
        .alias("target_app_id"),
        pl.when(pl.col("action") == "keep")
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("target_name"))
        .alias("target_name"),
    )
    actions = actions.with_columns(
        pl.col("action")
        .replace_strict(
            {"rehost": a.effort_rehost, "retire": a.effort_retire}, default=1.0, return_dtype=pl.Float64
        )
        .alias("effort"),
        pl.col("action")
        .replace_strict({"rehost": a.saving_share_rehost}, default=1.0, return_dtype=pl.Float64)
        .alias("saving_share"),
        # Complexity, support end, cost basis and justification vary by row, so every branch of the
        # formulas (archive, legacy risk avoided, estimates, justified losses) is exercised.
        (0.5 + (pl.col("i") % 7) * 0.4).alias("size_factor"),
        pl.when(pl.col("i") % 3 == 0).then(pl.col("i") % 5).cast(pl.Int32).alias("support_end_year"),
        pl.when(pl.col("i") % 11 == 0)
        .then(pl.lit("reference"))
        .otherwise(pl.lit("stated"))
        .alias("cost_basis"),
        pl.col("action")
        .replace_strict({"retire": 1, "rehost": 3}, default=2, return_dtype=pl.Int32)
        .alias("option"),
        pl.when(pl.col("i") % 13 == 0).then(pl.lit("red legacy risk (score 20)")).alias("justification"),
        pl.lit(False).alias("recommended"),
    )
    figures: dict[str, list[Any]] = {
        k: []
        for k in (
            "one_off_cost",
            "annual_saving",
            "annual_cashable_saving",
            "saving_start_year",
            "cost_year",
            "npv_5",
            "npv_10",
            "payback_year",
            "effort_days",
            "optimism_bias",
            "pv_costs",
            "pv_benefits",
        )
    }
    for row in actions.iter_rows(named=True):
        result = appraise(action_costs(row, a), a)
        figures["one_off_cost"].append(result.one_off_cost)
        figures["annual_saving"].append(result.annual_saving)
        figures["annual_cashable_saving"].append(result.annual_cashable_saving)
        figures["saving_start_year"].append(result.saving_start_year)
        figures["cost_year"].append(result.cost_year)
        figures["npv_5"].append(result.npv_short)
        figures["npv_10"].append(result.npv_long)
        figures["payback_year"].append(result.discounted_payback_year)
        figures["effort_days"].append(result.effort_days)
        figures["optimism_bias"].append(result.optimism_bias)
        figures["pv_costs"].append(result.pv_costs)
        figures["pv_benefits"].append(result.pv_benefits)
    actions = actions.with_columns(pl.Series(k, v) for k, v in figures.items())
    keep = [c.split()[0] for c in CONTRACT_DDL["plan_actions"].replace("\n", " ").split(",")]
    return groups, members, actions.select(keep)


def _baseline(apps: pl.DataFrame) -> pl.DataFrame:
    """Every live application's cost; one in 31 stated implausibly (excluded and estimated instead)."""
    rows = apps.with_row_index("i").filter(pl.col("lifecycle") != "retired")
    run = (pl.col("cost_licence") + pl.col("cost_support")).cast(pl.Float64)
    flagged = pl.col("i") % 31 == 7
    return rows.select(
        "organisation",
        "app_id",
        pl.col("name").alias("app_name"),
        pl.when(flagged).then(pl.lit(95_000_000.0)).otherwise(run).alias("stated_cost"),
        flagged.alias("excluded"),
        pl.when(flagged).then(pl.lit("above the cost ceiling of 10,000,000 (DQ004)")).alias("exclusion"),
        pl.when(flagged).then(pl.lit(30_000.0)).otherwise(run).alias("annual_run_cost"),
        pl.when(flagged).then(pl.lit("reference")).otherwise(pl.lit("stated")).alias("cost_basis"),
        pl.when(flagged).then(pl.lit("estimated: median of 40 live applications")).alias("cost_method"),
        pl.when(flagged)
        .then(pl.lit(0.0))
        .otherwise(pl.col("cost_licence").cast(pl.Float64))
        .alias("annual_cashable"),
        pl.when(pl.col("i") % 3 == 0).then(pl.col("i") % 5).cast(pl.Int32).alias("support_end_year"),
        (pl.col("i") % 9 == 0).alias("red_rated"),
    )


def _cash_flows(actions: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    ids, years, flows = [], [], []
    for row in actions.iter_rows(named=True):
        for t, flow in enumerate(appraise(action_costs(row, a), a).cash_flows):
            ids.append(row["action_id"])
            years.append(t)
            flows.append(flow)
    return pl.DataFrame({"action_id": ids, "year": years, "cash_flow": flows})


def _partners(actions: pl.DataFrame, orgs: list[str]) -> pl.DataFrame:
    shared = actions.filter(pl.col("action") == "share").select("action_id", "organisation")
    first = shared.with_columns(pl.lit(60.0).alias("share"))
    # The host is another body (a shared service always crosses bodies).
    host = pl.when(pl.col("organisation") == orgs[-1]).then(pl.lit(orgs[0])).otherwise(pl.lit(orgs[-1]))
    other = shared.with_columns(host.alias("organisation"), pl.lit(40.0).alias("share"))
    return pl.concat([first, other]).sort("action_id", "organisation")
