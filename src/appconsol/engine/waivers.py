"""Waivers: mark the findings a waiver in appconsol.toml covers; add AC001 and AC002.

AC001 is the engine's finding about an expired waiver, AC002 about one that matched nothing.

`Waiving` works rule by rule (the run stores each rule's findings as it finishes); `apply_waivers`
does the same over one frame of findings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from appconsol.engine.findings import FINDING_COLUMNS, KEY_SEPARATOR
from appconsol.engine.model import Rule, Severity
from appconsol.errors import Location

if TYPE_CHECKING:
    from appconsol.config import Waiver

# Findings the engine makes about the configuration itself: they are located in appconsol.toml.
ENGINE_RULES = (
    Rule(
        code="AC001",
        name="config.waiver-expired",
        summary="A waiver in appconsol.toml has passed its expiry date, so it no longer waives anything.",
        category="config",
        severity=Severity.WARNING,
        sql="",
        message="waiver for {rule} '{key}' expired on {expires}",
        rationale="Waivers are promises to fix something by a date. When the date passes the finding "
        "counts again, and the waiver should be renewed with a new reason or removed.",
        identity=("rule", "key"),
        builtin=True,
    ),
    Rule(
        code="AC002",
        name="config.waiver-unused",
        summary="A waiver in appconsol.toml matched no finding of its rule in this run.",
        category="config",
        severity=Severity.WARNING,
        sql="",
        message="waiver for {rule} '{key}' matched no finding; remove it",
        rationale="A waiver that matches nothing is stale (the problem was fixed, or the key is "
        "misspelt) and would silently hide the finding if it came back.",
        identity=("rule", "key"),
        builtin=True,
    ),
)


class Waiving:
    """The run's waivers: `mark` each rule's findings, then `engine_findings` for AC001 and AC002."""

    def __init__(self, waivers: Sequence[Waiver], ran: set[str], run_id: str, as_of: dt.date):
        self.waivers, self.ran, self.run_id, self.as_of = list(waivers), ran, run_id, as_of
        live = [w for w in self.waivers if w.expires >= as_of and w.rule in ran]
        keys = {_full_key(w): w for w in live}
        self.table = (
            pl.DataFrame(
                {"finding_key": list(keys), "reason": [w.reason for w in keys.values()]},
                schema={"finding_key": pl.String, "reason": pl.String},
            )
            if keys
            else None
        )
        self.used: set[str] = set()

    def mark(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The findings with `waived` and `waiver_reason` set where a live waiver names them."""
        if self.table is None or frame.height == 0:
            return frame
        frame = (
            frame.join(self.table, on="finding_key", how="left", maintain_order="left")
            .with_columns(
                pl.col("reason").is_not_null().alias("waived"),
                pl.coalesce("waiver_reason", "reason").alias("waiver_reason"),
            )
            .drop("reason")
        )
        self.used.update(frame.filter(pl.col("waived"))["finding_key"].to_list())
        return frame

    def engine_findings(self, schema: Any) -> pl.DataFrame | None:
        """AC001 for each expired waiver, AC002 for each live one no finding used (None: no such)."""
        rows = []
        for waiver in self.waivers:
            if waiver.expires < self.as_of:
                rows.append((ENGINE_RULES[0], waiver, {"expires": waiver.expires.isoformat()}))
            elif waiver.rule in self.ran and _full_key(waiver) not in self.used:
                rows.append((ENGINE_RULES[1], waiver, {"expires": waiver.expires.isoformat()}))
        if not rows:
            return None
        return pl.DataFrame(
            [
                _config_finding(rule, waiver, evidence, self.run_id, self.as_of)
                for rule, waiver, evidence in rows
            ],
            schema=schema,
            orient="row",
        )


def _full_key(waiver: Waiver) -> str:
    return (
        waiver.key
        if waiver.key.startswith(waiver.rule + KEY_SEPARATOR)
        else waiver.rule + KEY_SEPARATOR + waiver.key
    )


def apply_waivers(
    frame: pl.DataFrame, waivers: Sequence[Waiver], ran: set[str], run_id: str, as_of: dt.date
) -> pl.DataFrame:
    """Mark waived findings; add AC001 for expired waivers and AC002 for unused ones."""
    if not waivers:
        return frame
    waiving = Waiving(waivers, ran, run_id, as_of)
    frame = waiving.mark(frame)
    extra = waiving.engine_findings(frame.schema)
    return frame if extra is None else pl.concat([frame, extra])


def _config_finding(
    rule: Rule, waiver: Waiver, evidence: dict[str, Any], run_id: str, as_of: dt.date
) -> tuple[Any, ...]:
    values = {"rule": waiver.rule, "key": waiver.key, **evidence}
    subject = KEY_SEPARATOR.join(values[c] for c in rule.identity)
    location: Location = waiver.location
    row = {
        "run_id": run_id,
        "finding_key": rule.code + KEY_SEPARATOR + subject,
        "subject": subject,
        "rule_code": rule.code,
        "rule_name": rule.name,
        "category": rule.category,
        "severity": rule.severity.value,
        "organisation": None,
        "app_id": None,
        "application": None,
        "message": rule.message.format(**values),
        "evidence": json.dumps({**values, "reason": waiver.reason}),
        "source_file": str(location.file) if location.file else None,
        "source_sheet": None,
        "source_row": location.line,
        "waived": False,
        "waiver_reason": None,
        "as_of": as_of,
    }
    return tuple(row[c] for c in FINDING_COLUMNS)
