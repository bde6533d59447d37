"""Software lifecycle dates: the bundled endoflife.date snapshot, plus a user's overrides.

The bundled table has one row per product release cycle. endoflife.date gives each end-of-support
field as a date or a boolean; a boolean `true` means "already ended, date not published", so the
table keeps a date column and an `_ended` flag beside it: the flag is NULL when the date decides,
True/False when only the boolean is known. Whether a date has passed is left to the analyses,
which take an `as_of` date and never read the clock.

Users add their own products (an in-house system with a vendor's support date) or change dates
(an extended-support contract) in a YAML or CSV file of overrides; see `read_overrides`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.errors import Location
from appconsol.reference.resources import (
    ReferenceDataError,
    read_bundled_bytes,
    read_bundled_text,
    read_user_yaml,
)

LIFECYCLE_FILE = "lifecycle.parquet"
LIFECYCLE_META_FILE = "lifecycle_meta.json"
SUPPORT_FIELDS = ("eoas", "eol", "eoes")
LIFECYCLE_SCHEMA: dict[str, Any] = {
    "product": pl.String,  # endoflife.date slug ("windows-server") or a user's own product id
    "title": pl.String,
    "category": pl.String,
    "release_cycle": pl.String,  # always text: "3.10" must not become 3.1
    "release_label": pl.String,  # how the vendor names the release ("2008 R2 SP3", "11g Release 2")
    "codename": pl.String,
    "release_date": pl.Date,
    "eoas": pl.Date,  # end of active (mainstream) support
    "eoas_ended": pl.Boolean,
    "eol": pl.Date,  # end of security support: the date legacy rules test
    "eol_ended": pl.Boolean,
    "eoes": pl.Date,  # end of extended (usually paid) support
    "eoes_ended": pl.Boolean,
    "lts": pl.Boolean,
    "latest": pl.String,
    "latest_release_date": pl.Date,
    "source": pl.String,  # "endoflife.date" or "override: <file>"
    "note": pl.String,
}
OVERRIDE_COLUMNS = ("product", "release_cycle", "eol", "eoas", "eoes", "note")
_OPTIONAL_OVERRIDE_COLUMNS = ("title", "category", "release_label", "release_date")
_TRUE = frozenset({"true", "yes", "y", "ended", "1"})
_FALSE = frozenset({"false", "no", "n", "not ended", "0"})


def parse_date_or_flag(value: Any) -> tuple[dt.date | None, bool | None]:
    """(date, ended flag) from an endoflife.date-style value: a date, true/false, or blank."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return None, value
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    text = str(value).strip().lower()
    if not text:
        return None, None
    if text in _TRUE:
        return None, True
    if text in _FALSE:
        return None, False
    return dt.date.fromisoformat(text[:10]), None


@functools.lru_cache(maxsize=1)
def _bundled_lifecycle() -> pl.DataFrame:
    return pl.read_parquet(io.BytesIO(read_bundled_bytes(LIFECYCLE_FILE)))


@functools.lru_cache(maxsize=1)
def _meta() -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(read_bundled_text(LIFECYCLE_META_FILE))
    return meta


def snapshot_info() -> dict[str, Any]:
    """Where the bundled lifecycle dates come from: source, commit, snapshot date, licence, counts."""
    return {key: value for key, value in _meta().items() if key != "products"}


def lifecycle_products() -> pl.DataFrame:
    """One row per bundled product: slug, title, category, other names, and what its columns mean.

    `eol_column` and friends carry the vendor's own wording where endoflife.date gives one
    (Oracle's `eol` is "Premier Support", RHEL's is "Maintenance Support"), for reports.
    """
    rows = [
        {
            "product": slug,
            "title": info["title"],
            "category": info["category"],
            "alternate_names": info.get("alternate_names", []),
            "eoas_column": info.get("columns", {}).get("eoas"),
            "eol_column": info.get("columns", {}).get("eol"),
            "eoes_column": info.get("columns", {}).get("eoes"),
        }
        for slug, info in sorted(_meta()["products"].items())
    ]
    return pl.DataFrame(
        rows,
        schema={
            "product": pl.String,
            "title": pl.String,
            "category": pl.String,
            "alternate_names": pl.List(pl.String),
            "eoas_column": pl.String,
            "eol_column": pl.String,
            "eoes_column": pl.String,
        },
    )


def load_lifecycle(overrides: str | Path | pl.DataFrame | None = None) -> pl.DataFrame:
    """The bundled lifecycle table, with a user's overrides (a file or a frame) merged over it."""
    bundled = _bundled_lifecycle()
    if overrides is None:
        return bundled.clone()
    frame = overrides if isinstance(overrides, pl.DataFrame) else read_overrides(overrides)
    return merge_overrides(bundled, frame)


def read_overrides(path: str | Path) -> pl.DataFrame:
    """Read a lifecycle overrides file (.yaml/.yml or .csv) into the override frame.

    YAML: a list of mappings, or a mapping with a `lifecycle_overrides:` list. CSV: a header row.
    Columns: product, release_cycle, eol, eoas, eoes, note (plus optional title, category,
    release_label, release_date). Each date is a date (YYYY-MM-DD), `true` (ended, date unknown),
    `false` (not ended) or blank (keep the bundled value).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            table = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        except (OSError, pl.exceptions.PolarsError) as exc:
            raise ReferenceDataError(f"cannot read {path}: {exc}", hint="Check the CSV file") from exc
        records: Sequence[Mapping[str, Any]] = table.to_dicts()
        first_row = 2  # the header is row 1
    else:
        loaded = read_user_yaml(path, strings=True)
        if isinstance(loaded, Mapping):
            loaded = loaded.get("lifecycle_overrides")
        if not isinstance(loaded, list) or not all(isinstance(item, Mapping) for item in loaded):
            raise ReferenceDataError(
                "expected a list of overrides (product, release_cycle, eol, ...)",
                hint="Write a YAML list, or a mapping with a 'lifecycle_overrides:' list",
                location=Location(file=path),
            )
        records, first_row = loaded, 1
    return overrides_frame(records, source=f"override: {path.name}", file=path, first_row=first_row)


def overrides_frame(
    records: Sequence[Mapping[str, Any]],
    *,
    source: str = "override",
    file: str | Path | None = None,
    first_row: int = 1,
) -> pl.DataFrame:
    """Validate override records and turn them into rows of the lifecycle schema.

    Each support field gets a `<field>_set` column saying whether the override gives it.
    """
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for offset, record in enumerate(records):
        row_number = first_row + offset
        where = Location(file=file, row=row_number) if file is not None else Location(row=row_number)
        clean = {str(k).strip().lower(): v for k, v in record.items()}
        unknown = sorted(set(clean) - set(OVERRIDE_COLUMNS) - set(_OPTIONAL_OVERRIDE_COLUMNS))
        if unknown:
            raise ReferenceDataError(
                f"unknown override column(s) {', '.join(unknown)}",
                hint=f"Use {', '.join(OVERRIDE_COLUMNS + _OPTIONAL_OVERRIDE_COLUMNS)}",
                location=where,
            )
        product = str(clean.get("product") or "").strip()
        cycle = str(clean.get("release_cycle") or "").strip()
        if not product or not cycle:
            raise ReferenceDataError(
                "an override needs both product and release_cycle",
                hint="Name the endoflife.date product slug (or your own id) and the release cycle",
                location=where,
            )
        key = (product.lower(), cycle_key(cycle))
        if key in seen:
            raise ReferenceDataError(
                f"{product} {cycle} is overridden twice (rows {seen[key]} and {row_number})",
                hint="Keep one override per release cycle",
                location=where,
            )
        seen[key] = row_number
        row: dict[str, Any] = {
            "product": product.lower(),
            "release_cycle": cycle,
            "source": source,
            "note": (str(clean["note"]).strip() or None) if clean.get("note") else None,
        }
        for name in _OPTIONAL_OVERRIDE_COLUMNS:
            value = clean.get(name)
            row[name] = str(value).strip() if value not in (None, "") else None
        for field in SUPPORT_FIELDS:
            try:
                date, ended = parse_date_or_flag(clean.get(field))
            except ValueError:
                raise ReferenceDataError(
                    f"{field} '{clean.get(field)}' is not a date, true or false",
                    hint="Write dates as YYYY-MM-DD",
                    location=where,
                ) from None
            row[field], row[f"{field}_ended"] = date, ended
            row[f"{field}_set"] = date is not None or ended is not None
        try:
            row["release_date"] = dt.date.fromisoformat(row["release_date"]) if row["release_date"] else None
        except ValueError:
            raise ReferenceDataError(
                f"release_date '{row['release_date']}' is not a date", hint="Use YYYY-MM-DD", location=where
            ) from None
        rows.append(row)
    schema = {**LIFECYCLE_SCHEMA, **{f"{field}_set": pl.Boolean for field in SUPPORT_FIELDS}}
    return pl.DataFrame(rows, schema=schema).select(
        [c for c in schema if c in {*OVERRIDE_COLUMNS, *_OPTIONAL_OVERRIDE_COLUMNS, "source"}]
        + [c for f in SUPPORT_FIELDS for c in (f"{f}_ended", f"{f}_set")]
    )


def cycle_key(cycle: str) -> str:
    """How release cycles are compared: case and the space/hyphen difference do not matter."""
    return "-".join(cycle.strip().lower().replace("_", " ").replace("-", " ").split())


def merge_overrides(bundled: pl.DataFrame, overrides: pl.DataFrame) -> pl.DataFrame:
    """Overrides win field by field; an override of a release nobody lists adds a row."""
    if overrides.is_empty():
        return bundled.clone()
    key = pl.col("release_cycle").map_elements(cycle_key, return_dtype=pl.String)
    base = bundled.with_columns(_key=key)
    over = overrides.with_columns(_key=key).rename({c: f"{c}_o" for c in overrides.columns if c != "product"})
    joined = base.join(over, on=["product", "_key"], how="left", coalesce=True)
    updates = []
    for field in SUPPORT_FIELDS:
        given = pl.col(f"{field}_set_o").fill_null(False)
        updates += [
            pl.when(given).then(pl.col(f"{field}_o")).otherwise(pl.col(field)).alias(field),
            pl.when(given)
            .then(pl.col(f"{field}_ended_o"))
            .otherwise(pl.col(f"{field}_ended"))
            .alias(f"{field}_ended"),
        ]
    for name in ("title", "category", "release_label", "release_date", "note", "source"):
        updates.append(pl.coalesce(pl.col(f"{name}_o"), pl.col(name)).alias(name))
    merged = joined.with_columns(updates).select(list(LIFECYCLE_SCHEMA))
    new = overrides.with_columns(_key=key).join(
        base.select("product", "_key"), on=["product", "_key"], how="anti"
    )
    if not new.is_empty():
        added = new.with_columns(
            pl.coalesce(pl.col("title"), pl.col("product")).alias("title"),
            pl.coalesce(pl.col("category"), pl.lit("custom")).alias("category"),
            pl.lit(False).alias("lts"),
            *(
                pl.lit(None, dtype=LIFECYCLE_SCHEMA[c]).alias(c)
                for c in ("codename", "latest", "latest_release_date")
            ),
        ).select(list(LIFECYCLE_SCHEMA))
        merged = pl.concat([merged, added], how="vertical")
    return merged.sort(
        ["product", "release_date", "release_cycle"], descending=[False, True, False], nulls_last=True
    )
