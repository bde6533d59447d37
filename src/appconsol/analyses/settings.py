"""Settings of the analysis steps ([reference], [legacy], [cloud] in appconsol.toml).

Each step declares its settings as `Setting`s: a key, a type (the rule parameter types, plus
`path` and `table`), a default and a description. `read_settings` checks what the user wrote:
a value of the wrong type is a `ConfigError` naming the line in appconsol.toml (through the
step context's `where`); an unknown key is a warning, not an error, so a config written for a
newer appconsol still runs. The settings tables in docs/method-legacy-cloud.md are generated from
the same declarations.
"""

from __future__ import annotations

import difflib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.engine.model import coerce_value
from appconsol.engine.steps import StepContext
from appconsol.errors import ConfigError, Notice


@dataclass(frozen=True)
class Setting:
    """One key of an analysis section of appconsol.toml."""

    key: str
    type: str  # a rule parameter type, or "path" (relative to appconsol.toml) or "table"
    default: Any
    description: str


def read_settings(
    ctx: StepContext, section: str, specs: Sequence[Setting], *, shared: bool = False
) -> dict[str, Any]:
    """The section's values, checked and with defaults filled in.

    `shared` sections ([reference]) hold other steps' keys too: only a key that looks like a
    misspelling of one of ours is warned about.
    """
    given = ctx.settings.get(section, {}) or {}
    known = {s.key: s for s in specs}
    values: dict[str, Any] = {}
    for key in given:
        if key in known:
            continue
        close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.8)
        if shared and not close:
            continue
        hint = f"; did you mean '{close[0]}'?" if close else f" (known here: {', '.join(known)})"
        notice = Notice(f"unknown key '{key}' in [{section}] ignored{hint}", ctx.where(section, key))
        if notice not in ctx.notices:  # several steps read a shared section
            ctx.notices.append(notice)
    for spec in specs:
        if spec.key not in given:
            values[spec.key] = spec.default
            continue
        values[spec.key] = _coerce(ctx, section, spec, given[spec.key])
        check_range(ctx, section, spec, values[spec.key])
    return values


# Allowed ranges of numeric settings, (minimum, maximum); None is open. A numeric setting not
# listed here may not be negative. Percentages are fractions (0.035 is 3.5%).
RANGES: dict[tuple[str, str], tuple[float | None, float | None]] = {
    ("plan", "discount_rate"): (0.0, 0.20),
    ("plan", "horizon_short_years"): (1, 50),
    ("plan", "horizon_long_years"): (1, 50),
    ("plan", "optimism_bias_capital"): (0.0, 10.0),
    ("plan", "optimism_bias_duration"): (0.0, 10.0),
    ("plan", "saving_share_rehost"): (0.0, 1.0),
    ("plan", "saving_share_replatform"): (0.0, 1.0),
    ("plan", "saving_share_repurchase"): (0.0, 1.0),
    ("plan", "saving_share_refactor"): (0.0, 1.0),
    ("plan", "marginal_cost_share"): (0.0, 1.0),
    ("plan", "dual_running_months"): (0.0, 120.0),
    ("plan", "lead_time_months"): (0.0, 120.0),
    ("plan", "max_targets"): (1, None),
    ("overlap", "min_similarity"): (0.0, 1.0),
    ("overlap", "pair_min_similarity"): (0.0, 1.0),
    ("overlap", "different_wording_weight"): (0.0, 1.0),
    ("overlap", "min_product_confidence"): (0.0, 1.0),
    ("overlap", "min_capability_confidence"): (0.0, 1.0),
    ("overlap", "max_block_apps"): (2, None),
    ("overlap", "max_cluster_size"): (2, None),
}
NUMERIC_TYPES = ("integer", "number", "float", "list[number]", "list[integer]")


def setting_range(section: str, key: str, setting_type: str) -> tuple[float | None, float | None] | None:
    """The allowed range of a numeric setting (None for other types)."""
    if setting_type not in NUMERIC_TYPES:
        return None
    return RANGES.get((section, key), (0.0, None))


def check_range(ctx: StepContext, section: str, spec: Setting, value: Any) -> None:
    """ConfigError naming appconsol.toml and the line when a number is outside its range."""
    bounds = setting_range(section, spec.key, spec.type)
    if bounds is None or value is None:
        return
    low, high = bounds
    for number in value if isinstance(value, list) else [value]:
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            continue
        if (low is not None and number < low) or (high is not None and number > high):
            raise ConfigError(
                f"[{section}] {spec.key} must be {_describe_range(section, spec.key, low, high)}, got {number}",
                location=ctx.where(section, spec.key),
            )


def _describe_range(section: str, key: str, low: float | None, high: float | None) -> str:
    if low == 0 and high is None:
        return "zero or more (not negative)"
    if high is None:
        return f"at least {low:g}"
    text = f"between {low:g} and {high:g}"
    if (section, key) == ("plan", "discount_rate"):
        text += f" ({low:.0%} to {high:.0%}; 0.035 is 3.5%)"
    return text


def _coerce(ctx: StepContext, section: str, spec: Setting, value: Any) -> Any:
    where = ctx.where(section, spec.key)
    if spec.type == "path":
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{section}.{spec.key} must be a file path (text)", location=where)
        path = Path(value)
        if not path.is_absolute() and where is not None and where.file is not None:
            path = Path(where.file).parent / path  # relative to appconsol.toml, like rules_dirs
        if not path.exists():
            raise ConfigError(
                f"{section}.{spec.key}: '{value}' does not exist (paths are relative to the config file)",
                location=where,
            )
        return path
    if spec.type == "list[path]":
        if not isinstance(value, list):
            raise ConfigError(f"{section}.{spec.key} must be a list of paths", location=where)
        item = Setting(spec.key, "path", None, spec.description)
        return [_coerce(ctx, section, item, v) for v in value]
    if spec.type == "table":
        if not isinstance(value, Mapping):
            raise ConfigError(f"{section}.{spec.key} must be a table", location=where)
        return dict(value)
    try:
        return coerce_value(value, spec.type)
    except ValueError as exc:
        raise ConfigError(f"{section}.{spec.key} must be {spec.type}: {exc}", location=where) from exc


def ascending_bands(
    ctx: StepContext, section: str, key: str, values: Sequence[float], count: int
) -> list[float]:
    """Band cut points: exactly `count` numbers, strictly ascending."""
    bands = [float(v) for v in values]
    if len(bands) != count or any(b <= a for a, b in itertools.pairwise(bands)):
        raise ConfigError(
            f"{section}.{key} must be {count} ascending numbers (the lower bounds of factors 2 to {count + 1}), "
            f"got {list(values)}",
            location=ctx.where(section, key),
        )
    return bands


def settings_markdown(section: str, specs: Sequence[Setting]) -> list[str]:
    """A Markdown table of a section's settings, for the method documentation."""
    lines = [f"`[{section}]`", "", "| key | type | default | meaning |", "|---|---|---|---|"]
    for s in specs:
        default = "(none)" if s.default is None else f"`{json.dumps(s.default)}`".replace("|", "\\|")
        lines.append(f"| `{s.key}` | {s.type} | {default} | {' '.join(s.description.split())} |")
    return lines


# -- reading ------------------------------------------------------------------------------------


def fetch_frame(con: Any, sql: str, params: Mapping[str, Any] | None = None) -> pl.DataFrame:
    """A query's rows as a polars frame (DuckDB 2: through Arrow; there is no `.pl()`)."""
    frame = pl.from_arrow(con.sql(sql, params=dict(params) if params else None).to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    return frame
