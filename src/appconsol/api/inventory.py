"""Inventories in and out of the store: `load`, `map_columns`, `list_loads`, `unload`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from appconsol.api.results import LoadResult, MappingResult
from appconsol.api.settings import mapping_chooser, resolve_as_of, settings_from

if TYPE_CHECKING:
    import polars as pl

    from appconsol.config import Config

DEFAULT_DB = Path("appconsol-output/appconsol.duckdb")


def load(
    inventories: Sequence[Path],
    *,
    db: Path = DEFAULT_DB,
    config: Path | Config | None = None,
    as_of: dt.date | None = None,
    organisation: str | None = None,
    partnership: str | None = None,
    mapping: Path | None = None,
    orgs_file: Path | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    include_hidden: bool = False,
    day_first: bool = True,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Load inventory files (or folders of them) into the store at `db`; every row loaded or rejected.

    A file that fails is reported in the result (exit code 2) and the others still load.
    """
    from appconsol.ingest.load import load_inventories
    from appconsol.ingest.organisations import OrganisationDirectory
    from appconsol.ingest.prepare import LoadOptions
    from appconsol.store import open_store

    settings = settings_from(config)
    when = resolve_as_of(as_of, settings)
    given, chooser = mapping_chooser(mapping, settings)
    directory = OrganisationDirectory.read(orgs_file) if orgs_file else None
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    with open_store(db) as store:
        report = load_inventories(
            [Path(p) for p in inventories],
            store,
            organisation=organisation,
            partnership=partnership,
            mapping=given,
            mapping_for=chooser,
            directory=directory,
            sheet=sheet,
            header_row=header_row,
            include_hidden=include_hidden,
            options=LoadOptions(organisation=organisation, day_first=day_first, as_of=when),
            dry_run=dry_run,
            progress=progress,
        )
    return LoadResult(report, db, dry_run)


def map_columns(
    inventory: Path,
    *,
    mapping: Path | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    samples: int = 3,
) -> MappingResult:
    """How each column of `inventory` maps onto the schema, with sample values from the first rows."""
    from appconsol.ingest.load import read_inventory
    from appconsol.ingest.mapping import read_user_mapping

    user_mapping = read_user_mapping(mapping) if mapping else None
    # Lenient: a file with no clear header or name still gets a proposal to edit, never a dead end.
    read = read_inventory(
        Path(inventory), sheet=sheet, header_row=header_row, mapping=user_mapping, lenient=True
    )
    found = read.samples(samples)
    return MappingResult(Path(inventory), read, found)


def list_loads(db: Path = DEFAULT_DB) -> pl.DataFrame:
    """The files loaded into the store, one row each, with their row accounting."""
    from appconsol.store import open_store

    with open_store(Path(db), read_only=True) as store:
        return store.loads().drop("mapping")


def unload(source: str, *, db: Path = DEFAULT_DB) -> int:
    """Take a loaded file's rows out of the store (by path, file name or load id); how many loads went."""
    from appconsol.store import open_store

    with open_store(Path(db)) as store:
        return int(store.unload(source))
