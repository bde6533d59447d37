"""Writing loads: one transaction per file, the file known by its identity, the generation bumped.

A file is identified by its resolved path relative to the store's folder, so `inv.csv`,
`./inv.csv`, `/abs/inv.csv` and a run from another folder are one file, and loading it again
replaces its earlier rows. A file whose bytes match an earlier load whose file is gone from where
it was is that file moved, and replaces it too. Every committed load or unload bumps the store
generation, which analysis results are checked against.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from appconsol.errors import StoreError
from appconsol.store.generation import bump_generation
from appconsol.store.writes import MONEY_LIMIT
from appconsol.version import __version__

if TYPE_CHECKING:
    from appconsol.ingest.prepare import PreparedLoad
    from appconsol.store.core import Store

PROVENANCE_TABLES = (
    "applications",
    "app_capabilities",
    "app_components",
    "app_dependencies",
    "rejected_rows",
    "load_warnings",
)


@dataclass(frozen=True)
class LoadRecord:
    """What one committed (or dry-run) load stored."""

    load_id: str
    source_file: str
    sheet: str | None
    organisation: str
    profile: str | None
    rows_read: int
    rows_blank: int
    rows_loaded: int
    rows_rejected: int
    warnings: int
    replaced: int  # earlier loads of the same file that this one replaced
    dry_run: bool = False
    rows_skipped: int = 0  # summary, units and notes rows, stored in rejected_rows as "skipped: ..."


def file_key(store: Store, source_file: str | Path) -> str:
    """The file's identity: its resolved path relative to the store's folder, with / separators."""
    resolved = Path(source_file).resolve()
    try:
        return Path(os.path.relpath(resolved, store.folder)).as_posix()
    except ValueError:  # another drive (Windows): no relative path exists
        return resolved.as_posix()


def previous_loads(
    store: Store, source_file: str, sheet: str | None, content_hash: str | None = None
) -> list[str]:
    """Earlier loads of the same file (same identity, or the same bytes moved) and sheet."""
    key = file_key(store, source_file)
    rows = store.con.execute(
        "SELECT load_id, file_key, source_file, content_hash FROM loads "
        "WHERE source_sheet IS NOT DISTINCT FROM ?",
        [sheet],
    ).fetchall()
    found = []
    for load_id, old_key, old_source, old_hash in rows:
        same_path = old_key == key or (old_key is None and old_source == source_file)
        # Moved: the same bytes, gone from where they were loaded.
        moved = (
            content_hash is not None
            and old_hash == content_hash
            and old_key is not None
            and not (store.folder / old_key).exists()
        )
        if same_path or moved:
            found.append(load_id)
    return found


def write_load(
    store: Store, prepared: PreparedLoad, meta: dict[str, Any], *, dry_run: bool = False
) -> LoadRecord:
    """Store one prepared file in one transaction, replacing any earlier load of the same file."""
    source_file, sheet = meta["source_file"], meta["source_sheet"]
    previous = previous_loads(store, source_file, sheet, meta.get("content_hash"))
    _reject_oversized_amounts(prepared)
    _reject_ids_loaded_elsewhere(store, prepared, previous)
    load_id = uuid.uuid4().hex[:12]
    provenance = [
        pl.lit(load_id).alias("load_id"),
        pl.lit(source_file).alias("source_file"),
        pl.lit(sheet, pl.String).alias("source_sheet"),
    ]
    frames = {
        "applications": prepared.applications,
        "app_capabilities": prepared.capabilities,
        "app_components": prepared.components,
        "app_dependencies": prepared.dependencies,
        "rejected_rows": prepared.rejected,
        "load_warnings": prepared.warnings,
    }
    record = LoadRecord(
        load_id,
        source_file,
        sheet,
        meta["organisation"],
        meta.get("profile"),
        prepared.rows_read,
        prepared.rows_blank,
        prepared.rows_loaded,
        prepared.rows_rejected,
        prepared.warnings.height,
        len(previous),
        dry_run,
        prepared.rows_skipped,
    )
    if dry_run:
        return record
    with store.transaction():
        for table in PROVENANCE_TABLES:
            store.con.execute(f'DELETE FROM "{table}" WHERE list_contains(?, load_id)', [previous])
        store.con.execute("DELETE FROM loads WHERE list_contains(?, load_id)", [previous])
        for table, frame in frames.items():
            store.insert_frame(table, frame.with_columns(provenance).rename({"__row": "source_row"}))
        _insert_load_row(store, record, meta)
        # One statement for all of the file's organisations: a national roll-up names hundreds,
        # and a statement each cost about 1 ms apiece.
        if prepared.organisations:  # sorted and distinct (organisations_named)
            store.con.execute(
                "INSERT INTO organisations SELECT o.organisation, ? "
                "FROM (SELECT unnest(?::VARCHAR[]) AS organisation) o "
                "WHERE NOT EXISTS (SELECT 1 FROM organisations x WHERE x.organisation = o.organisation)",
                [meta.get("org_type"), list(prepared.organisations)],
            )
        bump_generation(store, f"load of {source_file}")
        store._before_commit()
    store.checkpoint()
    return record


def _insert_load_row(store: Store, record: LoadRecord, meta: dict[str, Any]) -> None:
    values = {
        "load_id": record.load_id,
        "source_file": record.source_file,
        "file_name": meta["file_name"],
        "content_hash": meta["content_hash"],
        "source_sheet": record.sheet,
        "header_row": meta["header_row"],
        "organisation": record.organisation,
        "profile": record.profile,
        "mapping": meta["mapping_json"],
        "loaded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None),
        "rows_read": record.rows_read,
        "rows_blank": record.rows_blank,
        "rows_loaded": record.rows_loaded,
        "rows_rejected": record.rows_rejected,
        "warnings": record.warnings,
        "tool_version": __version__,
        "file_key": file_key(store, record.source_file),
    }
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?::JSON" if n == "mapping" else "?" for n in values)
    store.con.execute(f"INSERT INTO loads ({names}) VALUES ({marks})", list(values.values()))


def unload(store: Store, source: str) -> int:
    """Take a file's rows out of the store (by path as loaded, its identity, file name or load id)."""
    rows = store.con.execute(
        "SELECT load_id FROM loads WHERE source_file = ? OR file_name = ? OR load_id = ? OR file_key = ?",
        [source, Path(source).name, source, file_key(store, source)],
    ).fetchall()
    ids = [r[0] for r in rows]
    if not ids:
        raise StoreError(
            f"nothing loaded from '{source}'", hint="`appconsol loads` lists what is in the store"
        )
    with store.transaction():
        for table in (*PROVENANCE_TABLES, "loads"):
            store.con.execute(f'DELETE FROM "{table}" WHERE list_contains(?, load_id)', [ids])
        bump_generation(store, f"unload of {source}")
    store.checkpoint()
    return len(ids)


def set_partnerships(store: Store, partnerships: dict[str, list[str]], org_types: dict[str, str]) -> None:
    with store.transaction():
        # Membership only grows: loading one member's file must not drop the others.
        for name, members in partnerships.items():
            for member in members:
                store.con.execute(
                    "INSERT INTO partnerships SELECT ?, ? WHERE NOT EXISTS "
                    "(SELECT 1 FROM partnerships WHERE partnership = ? AND organisation = ?)",
                    [name, member, name, member],
                )
        for organisation, org_type in org_types.items():
            store.con.execute("DELETE FROM organisations WHERE organisation = ?", [organisation])
            store.con.execute("INSERT INTO organisations VALUES (?, ?)", [organisation, org_type])
        bump_generation(store, "partnerships and organisation types")


def _reject_oversized_amounts(prepared: PreparedLoad) -> None:
    """A row with an amount DECIMAL(18,2) cannot hold becomes a rejected row naming the column."""
    apps = prepared.applications
    money = [
        name
        for name, dtype in apps.schema.items()
        if (name.startswith("cost") or name.endswith("_cost")) and (dtype.is_numeric())
    ]
    if apps.height == 0 or not money:
        return
    too_big = pl.coalesce(
        [pl.when(pl.col(c).cast(pl.Float64).abs() >= MONEY_LIMIT).then(pl.lit(c)) for c in money]
    )
    flagged = apps.with_columns(too_big.alias("__too_big")).filter(pl.col("__too_big").is_not_null())
    if flagged.height == 0:
        return
    _move_to_rejected(
        prepared,
        flagged.select(
            "__row",
            "organisation",
            pl.format(
                "column '{}': amount too large for the store (at most 9,999,999,999,999,999.99)",
                "__too_big",
            ).alias("reason"),
        ),
    )


def _reject_ids_loaded_elsewhere(store: Store, prepared: PreparedLoad, previous: list[str]) -> None:
    """An explicit id already stored for the organisation by another file makes this row a reject."""
    apps = prepared.applications
    if apps.height == 0:
        return
    existing = store.ids_from_other_loads(prepared.organisations, previous)
    if existing.height == 0:
        return
    clash = apps.join(existing, on=["organisation", "app_id"], how="inner")
    if clash.height == 0:
        return
    rows = clash.select(
        "__row",
        "organisation",
        pl.format(
            "app_id '{}' is already loaded for '{}' from {} row {}",
            "app_id",
            "organisation",
            "other_file",
            "other_row",
        ).alias("reason"),
    )
    _move_to_rejected(prepared, rows)


def _move_to_rejected(prepared: PreparedLoad, rows: pl.DataFrame) -> None:
    """Turn application rows (`__row`, organisation, reason) into rejected rows."""
    apps = prepared.applications
    raw = apps.filter(pl.col("__row").is_in(rows["__row"].implode())).select(
        "__row",
        pl.struct(pl.all().exclude("__row", "unmapped", "originals")).struct.json_encode().alias("raw"),
    )
    prepared.rejected = pl.concat(
        [prepared.rejected, rows.join(raw, on="__row").select(prepared.rejected.columns)],
        how="vertical_relaxed",
    )
    keep = ~pl.col("__row").is_in(rows["__row"].implode())
    prepared.applications = apps.filter(keep)
    prepared.capabilities = prepared.capabilities.filter(keep)
    prepared.components = prepared.components.filter(keep)
