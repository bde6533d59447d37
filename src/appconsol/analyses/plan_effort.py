"""How big a job moving an application is: its complexity factor, and per-row overrides.

A migration's person-days are the assumptions' (migration + data migration + training days)
x the action's effort share x this complexity factor, so a county's 1,450-user ERP with forty
interfaces costs many times the labour of a 9-user log. The factor is the product of five
documented multipliers, each 1.0 for a typical application (100 users, £50k a year):

| driver | multiplier |
|---|---|
| users | (users / 100) ^ 0.35, between 0.4 and 4 (9 users 0.43; 1,450 users 2.55); unknown 1.0 |
| annual run cost | (run cost / £50,000) ^ 0.25, between 0.5 and 3 (£4k 0.53; £1.18M 2.2) |
| integrations (dependencies recorded either way) | 1 + 0.1 per integration, at most 2.0 |
| data classification | official or unknown 1.0; official-sensitive 1.15; secret 1.3; top-secret 1.5 |
| business criticality | low 0.85; medium or unknown 1.0; high 1.2; critical 1.4 |

The product is kept between 0.25 and 10. Effort grows more slowly than size (a power below 1):
training and data work grow with users and volume, the core of a migration much less. When the plan-overrides file (`[plan] overrides`, a CSV with organisation, app_id and any
of effort_days, exit_fee, complexity) gives a row's effort in person-days, the factor is set so
that the model's person-days equal it; an exit fee there is the contract's and is not uplifted.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.errors import ConfigError, Location

USERS_BASE, USERS_POWER, USERS_RANGE = 100.0, 0.35, (0.4, 4.0)
COST_BASE, COST_POWER, COST_RANGE = 50_000.0, 0.25, (0.5, 3.0)
CLASSIFICATION = {"official-sensitive": 1.15, "secret": 1.3, "top-secret": 1.5}
CRITICALITY = {"low": 0.85, "high": 1.2, "critical": 1.4, "mission-critical": 1.4}
INTEGRATION_STEP, INTEGRATION_CAP = 0.1, 2.0
FACTOR_RANGE = (0.25, 10.0)
OVERRIDE_COLUMNS = ("effort_days", "exit_fee", "complexity")


def complexity(facts: pl.DataFrame) -> pl.Expr:
    """The complexity factor over a frame with users, annual_run_cost, integrations,
    data_classification and business_criticality (see the module docstring)."""
    c = pl.col
    users = (
        pl.when(c("users").is_null() | (c("users") <= 0))
        .then(1.0)
        .otherwise((c("users").cast(pl.Float64) / USERS_BASE).pow(USERS_POWER).clip(*USERS_RANGE))
    )
    cost = (c("annual_run_cost").clip(lower_bound=1.0) / COST_BASE).pow(COST_POWER).clip(*COST_RANGE)
    links = (1.0 + INTEGRATION_STEP * c("integrations").fill_null(0)).clip(upper_bound=INTEGRATION_CAP)
    classification = (
        c("data_classification")
        .str.to_lowercase()
        .replace_strict(CLASSIFICATION, default=1.0, return_dtype=pl.Float64)
    )
    criticality = (
        c("business_criticality")
        .str.to_lowercase()
        .replace_strict(CRITICALITY, default=1.0, return_dtype=pl.Float64)
    )
    product = users * cost * links * classification.fill_null(1.0) * criticality.fill_null(1.0)
    return product.clip(*FACTOR_RANGE).round(4)


def integration_counts(con: Any, tables: set[str]) -> pl.DataFrame:
    """Integrations per application: dependency records naming it either way (by name within a body)."""
    if "app_dependencies" not in tables:
        return pl.DataFrame(schema={"organisation": pl.String, "app_id": pl.String, "integrations": pl.Int64})
    from appconsol.analyses.settings import fetch_frame

    return fetch_frame(
        con,
        """
        WITH named AS (SELECT organisation, app_id, lower(trim(name)) AS key FROM applications),
        ends AS (
            SELECT organisation, lower(trim(app_name)) AS key FROM app_dependencies
            UNION ALL
            SELECT organisation, lower(trim(depends_on)) AS key FROM app_dependencies
        )
        SELECT n.organisation, n.app_id, CAST(count(*) AS BIGINT) AS integrations
        FROM ends e JOIN named n ON n.organisation = e.organisation AND n.key = e.key
        GROUP BY ALL
        """,
    ).cast({"integrations": pl.Int64})


def read_overrides(path: Path | None, where: Location | None = None) -> pl.DataFrame:
    """The plan-overrides CSV: organisation, app_id and any of effort_days, exit_fee, complexity."""
    schema = {"organisation": pl.String, "app_id": pl.String, **dict.fromkeys(OVERRIDE_COLUMNS, pl.Float64)}
    if path is None:
        return pl.DataFrame(schema=schema)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = {"organisation", "app_id"} - set(header)
            if missing:
                raise ConfigError(
                    f"plan overrides file {path} has no {' or '.join(sorted(missing))} column",
                    hint="give organisation, app_id and any of effort_days, exit_fee, complexity",
                    location=where,
                )
            rows: list[dict[str, Any]] = []
            for line, raw in enumerate(reader, start=2):
                row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
                record: dict[str, Any] = {"organisation": row["organisation"], "app_id": row["app_id"]}
                for column in OVERRIDE_COLUMNS:
                    text = row.get(column, "")
                    try:
                        record[column] = float(text.replace(",", "").replace("£", "")) if text else None
                    except ValueError:
                        raise ConfigError(
                            f"plan overrides file {path}, row {line}, column {column}: '{text}' is not a number",
                            hint="write a plain number or leave the cell empty",
                            location=Location(file=path, row=line, column=column),
                        ) from None
                    if record[column] is not None and record[column] < 0:
                        raise ConfigError(
                            f"plan overrides file {path}, row {line}, column {column}: {text} is negative",
                            hint="write zero or more",
                            location=Location(file=path, row=line, column=column),
                        )
                rows.append(record)
    except OSError as exc:
        raise ConfigError(
            f"cannot read the plan overrides file {path}: {exc.strerror}",
            hint="check [plan] overrides in appconsol.toml",
            location=where,
        ) from exc
    return pl.DataFrame(rows, schema=schema, orient="row").unique(["organisation", "app_id"], keep="last")
