"""Baselines: the finding keys accepted so far, so a check fails only on what a change introduced.

A baseline is a JSON file of finding keys (with rule, severity and message for a reader). With
`--baseline`, findings whose keys are in it are `unchanged` and do not count towards the exit
code; the others are `new`; keys in the baseline that no finding has any more are `fixed`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.errors import ConfigError, Location
from appconsol.store.artefact import write_text
from appconsol.version import __version__

BASELINE_VERSION = 1


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: dict[str, dict[str, Any]]


def read_baseline(path: Path) -> Baseline:
    """Read a baseline file written by `--write-baseline`; RuleError naming the file if it is not one."""
    if not path.is_file():
        raise ConfigError(
            "baseline file not found",
            hint=f"create it with `appconsol check ... --write-baseline {path}`",
            location=Location(file=path),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not a baseline file: {exc}", location=Location(file=path, line=line)) from exc
    if (
        not isinstance(data, dict)
        or data.get("schema_version") != BASELINE_VERSION
        or not isinstance(data.get("findings"), list)
        or not all(isinstance(f, dict) and isinstance(f.get("key"), str) for f in data["findings"])
    ):
        raise ConfigError(
            f"not an appconsol baseline (schema_version {BASELINE_VERSION} with a findings list of keys)",
            hint="write one with --write-baseline",
            location=Location(file=path),
        )
    return Baseline(path, {f["key"]: f for f in data["findings"]})


def compare_with_baseline(
    frame: pl.DataFrame, baseline: Baseline
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Add a `baseline` column (new / unchanged) and return the baseline entries now fixed."""
    keys = list(baseline.entries)
    marked = frame.with_columns(
        pl.when(pl.col("finding_key").is_in(pl.Series(keys, dtype=pl.String).implode()))
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("new"))
        .alias("baseline")
    )
    present = set(frame["finding_key"].to_list())
    fixed = [entry for key, entry in sorted(baseline.entries.items()) if key not in present]
    return marked, fixed


def write_baseline(frame: pl.DataFrame, path: Path, as_of: Any) -> int:
    """Write the keys of every finding not waived; returns how many. Written whole or not at all."""
    kept = (
        frame.filter(~pl.col("waived"))
        .select(pl.col("finding_key").alias("key"), pl.col("rule_code").alias("rule"), "severity", "message")
        .unique(subset="key", keep="first")
        .sort("key")
    )
    document = {
        "schema_version": BASELINE_VERSION,
        "generated_by": f"appconsol {__version__}",
        "as_of": str(as_of),
        "findings": kept.to_dicts(),
    }
    write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return kept.height
