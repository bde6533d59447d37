"""Konveyor's application import CSV: positional columns, tag pairs and dependency records."""

from __future__ import annotations

import re

import polars as pl

from appconsol.ingest.headers import normalise_header
from appconsol.ingest.profiles.base import IGNORE, Profile
from appconsol.ingest.read import ROW_COLUMN

# Konveyor tag categories that carry a schema field.
KONVEYOR_TAG_FIELDS: dict[str, str] = {
    "capability": "capabilities",
    "business capability": "capabilities",
    "language": "languages",
    "operating system": "components_os",
    "os": "components_os",
    "database": "components_database",
    "runtime": "components_runtime",
    "framework": "components_runtime",
    "hosting": "hosting_model",
    "owner": "business_owner",
    "vendor": "vendor",
    "supplier": "vendor",
    "criticality": "business_criticality",
    "business criticality": "business_criticality",
    "lifecycle": "lifecycle",
    "data classification": "data_classification",
}


def konveyor_tags(data: pl.DataFrame, headers: tuple[str, ...]) -> dict[str, pl.Series]:
    """Gather Konveyor's Tag Category N / Tag N pairs into field columns (lists joined with ';')."""
    pairs = []
    for i, header in enumerate(headers):
        m = re.fullmatch(r"tag category (\d+)", normalise_header(header))
        if m:
            tag_index = next(
                (j for j, h in enumerate(headers) if normalise_header(h) == f"tag {m.group(1)}"), None
            )
            if tag_index is not None:
                pairs.append((f"c{i}", f"c{tag_index}"))
    if not pairs:
        return {}
    long = pl.concat(
        [
            data.select(
                pl.col(ROW_COLUMN),
                pl.col(cat).str.strip_chars().str.to_lowercase().alias("category"),
                pl.col(tag).str.strip_chars().alias("tag"),
            )
            for cat, tag in pairs
        ]
    ).filter(pl.col("tag").is_not_null() & (pl.col("tag") != ""))
    long = long.with_columns(
        pl.col("category")
        .replace_strict(KONVEYOR_TAG_FIELDS, default=None, return_dtype=pl.String)
        .alias("field")
    )
    grouped = (
        long.filter(pl.col("field").is_not_null())
        .group_by(ROW_COLUMN, "field")
        .agg(pl.col("tag").str.join("; "))
    )
    result = {}
    for fld in grouped.get_column("field").unique().to_list():
        part = grouped.filter(pl.col("field") == fld).select(ROW_COLUMN, pl.col("tag").alias(fld))
        result[fld] = data.select(ROW_COLUMN).join(part, on=ROW_COLUMN, how="left").get_column(fld)
    return result


def konveyor_dependencies(data: pl.DataFrame, headers: tuple[str, ...]) -> pl.DataFrame | None:
    """Konveyor record type 2 rows are dependencies between applications, not applications."""
    keys = [normalise_header(h) for h in headers]
    try:
        record, name, dep, direction = (
            keys.index(k) for k in ("record type 1", "application name", "dependency", "dependency direction")
        )
    except ValueError:
        return None
    return data.filter(pl.col(f"c{record}").str.strip_chars() == "2").select(
        pl.col(ROW_COLUMN),
        pl.col(f"c{name}").str.strip_chars().alias("app_name"),
        pl.col(f"c{dep}").str.strip_chars().alias("depends_on"),
        pl.col(f"c{direction}").str.strip_chars().str.to_lowercase().alias("direction"),
    )


KONVEYOR = Profile(
    "konveyor",
    "Konveyor application import CSV (positional)",
    ("record type 1", "application name", "binary group", "binary artifact", "repository type"),
    {
        "application name": "name",
        "description": "description",
        "comments": IGNORE,
        "business service": "department",
        "binary version": "version",
    },
    positional=True,
    extra_fields=konveyor_tags,
    consumed_headers=r"tag( category)? \d+",
    side_records=konveyor_dependencies,
)
