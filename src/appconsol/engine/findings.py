"""Rows a rule returned, shaped into rows of the `findings` table, and back into `Finding`s.

Column-wise in polars: the key, message and evidence JSON are built as expressions, not per row
in Python, so a rule finding 100k rows costs little more than its query.
"""

from __future__ import annotations

import datetime as dt
import json
import string
from typing import Any

import polars as pl

from appconsol.engine.model import ConfiguredRule, Finding
from appconsol.schema import TABLES_BY_NAME

LOCATING = ("organisation", "app_id", "application", "source_file", "source_sheet", "source_row")
FINDING_COLUMNS = tuple(c.name for c in TABLES_BY_NAME["findings"].columns)
KEY_SEPARATOR = "|"


def empty_findings() -> pl.DataFrame:
    """A `findings` frame with no rows and the table's column types."""
    schema: dict[str, Any] = {name: pl.String for name in FINDING_COLUMNS}
    schema.update(source_row=pl.Int64, waived=pl.Boolean, as_of=pl.Date)
    return pl.DataFrame(schema=schema)


def message_expr(template: str) -> pl.Expr:
    """The message template as one vectorised expression: `{column}` becomes that column's text."""
    pieces: list[pl.Expr] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        if literal:
            pieces.append(pl.lit(literal))
        if name:
            pieces.append(_text(name))
    return pl.concat_str(pieces) if pieces else pl.lit("")


def _text(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.String).fill_null("")


def shape_findings(
    rows: pl.DataFrame, configured: ConfiguredRule, run_id: str, as_of: dt.date
) -> pl.DataFrame:
    """Turn the rows a rule's SQL returned into rows of the `findings` table."""
    rule = configured.rule
    evidence = [c for c in rows.columns if c not in LOCATING]
    # Text first (decimals keep their two places in messages), then decimals become JSON numbers.
    rows = rows.with_columns(
        message_expr(rule.message).alias("__message"),
        pl.concat_str([_text(c) for c in rule.identity], separator=KEY_SEPARATOR).alias("__subject"),
    ).with_columns(pl.col(c).cast(pl.Float64) for c in evidence if isinstance(rows.schema[c], pl.Decimal))
    subject = pl.col("__subject")
    evidence_json = (
        pl.struct([pl.col(c) for c in evidence]).struct.json_encode() if evidence else pl.lit("{}")
    )
    located = [
        (pl.col(c) if c in rows.columns else pl.lit(None))
        .cast(pl.Int64 if c == "source_row" else pl.String)
        .alias(c)
        for c in LOCATING
    ]
    return rows.select(
        pl.lit(run_id).alias("run_id"),
        (pl.lit(rule.code + KEY_SEPARATOR) + subject).alias("finding_key"),
        subject.alias("subject"),
        pl.lit(rule.code).alias("rule_code"),
        pl.lit(rule.name).alias("rule_name"),
        pl.lit(rule.category).alias("category"),
        pl.lit(configured.severity.value).alias("severity"),
        *located,
        pl.col("__message").alias("message"),
        evidence_json.alias("evidence"),
        pl.lit(False).alias("waived"),
        pl.lit(None, pl.String).alias("waiver_reason"),
        pl.lit(as_of).alias("as_of"),
    ).select(FINDING_COLUMNS)


def findings_from_frame(frame: pl.DataFrame) -> list[Finding]:
    """One `Finding` per row of a `findings` frame (evidence parsed from its JSON)."""
    if frame.height == 0:
        return []  # a run that stopped before any rule may hand over a frame without columns
    has_baseline = "baseline" in frame.columns
    has_line = "source_line" in frame.columns
    # One parse of a JSON array of every finding's evidence: at tens of thousands of findings a
    # json.loads per finding cost more than the rest of building them.
    evidence = json.loads("[" + ",".join(e if e else "{}" for e in frame.get_column("evidence")) + "]")
    return [
        Finding(
            key=row["finding_key"],
            subject=row["subject"],
            rule=row["rule_code"],
            rule_name=row["rule_name"],
            category=row["category"],
            severity=row["severity"],
            message=row["message"],
            organisation=row["organisation"],
            app_id=row["app_id"],
            application=row["application"],
            evidence=parsed,
            source_file=row["source_file"],
            source_sheet=row["source_sheet"],
            source_row=row["source_row"],
            waived=bool(row["waived"]),
            waiver_reason=row["waiver_reason"],
            baseline=row["baseline"] if has_baseline else None,
            source_line=row["source_line"] if has_line else None,
        )
        for row, parsed in zip(frame.iter_rows(named=True), evidence, strict=True)
    ]
