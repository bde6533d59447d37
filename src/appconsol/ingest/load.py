"""Load inventory files into the store: sniff, pick the sheet, find the header, map, prepare, write.

One file failing never stops the others: each file's error is collected and reported, and that
file stores nothing. The caller (CLI or API) decides the exit status from the report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from appconsol.errors import (
    AppconsolError,
    InputFileError,
    InventoryNotFoundError,
    Location,
    NotAnInventoryError,
)
from appconsol.ingest.header import HeaderChoice, find_header
from appconsol.ingest.mapping import (
    PROFILES_BY_NAME,
    ColumnMatch,
    Profile,
    UserMapping,
    detect_profile,
    map_headers,
    normalise_header,
)
from appconsol.ingest.organisations import DIRECTORY_FILE_NAMES, OrganisationDirectory
from appconsol.ingest.prepare import LoadOptions, PreparedLoad, prepare_grid
from appconsol.ingest.read import RawGrid, read_delimited, read_workbook_sheet
from appconsol.ingest.sniff import FileKind, SafetyLimits, SniffResult, sniff_file
from appconsol.store import LoadRecord, Store

INVENTORY_SUFFIXES = {".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods", ".json"}
# YAML files in a folder may be config (organisations.yaml); name them explicitly to load them.
_NOT_INVENTORY_SHEETS = {
    "readme",
    "read me",
    "about",
    "notes",
    "instructions",
    "cover",
    "contents",
    "info",
    "guidance",
    "lists",
    "lookups",
    "lookup",
}


@dataclass
class InventoryRead:
    """A file read as far as mapping: what the loader will store, before it is prepared."""

    path: Path
    sniffed: SniffResult
    grid: RawGrid
    header: HeaderChoice
    profile: Profile | None
    matches: list[ColumnMatch]
    notes: list[str] = field(default_factory=list)


@dataclass
class FileFailure:
    path: Path
    error: AppconsolError


@dataclass
class LoadReport:
    records: list[LoadRecord] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


# Files an inventory folder holds beside its data (docs, code, config). A shell glob such as
# `inventories/*` names them too; they are skipped with a note instead of failing the run.
NOT_INVENTORY_SUFFIXES = {
    ".md",
    ".rst",
    ".py",
    ".toml",
    ".cfg",
    ".ini",
    ".html",
    ".htm",
    ".pdf",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".sh",
    ".ipynb",
    ".lock",
    ".pyc",
    ".duckdb",
    ".wal",
    ".sarif",
    ".xml",
}


def expand_inputs(paths: Iterable[Path], notes: list[str] | None = None) -> list[Path]:
    """Files as given; directories become their inventory files, sorted for a stable order.

    Documentation, code and config files named explicitly (a glob over an inventory folder names
    its README too) and the organisations file are left out, with a note.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in INVENTORY_SUFFIXES)
            )
        elif path.suffix.lower() in NOT_INVENTORY_SUFFIXES or path.name in DIRECTORY_FILE_NAMES:
            if notes is not None and path.name not in DIRECTORY_FILE_NAMES:
                notes.append(f"{path}: skipped, not an inventory file type")
        else:
            files.append(path)
    return files


def _sheet_candidates(sniffed: SniffResult, include_hidden: bool) -> list[str]:
    sheets = [s for s in sniffed.sheets if include_hidden or s.state == "visible"]
    named = [s.name for s in sheets if s.name.strip().lower() not in _NOT_INVENTORY_SHEETS]
    return named or [s.name for s in sheets]


def read_inventory(
    path: Path,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    mapping: UserMapping | None = None,
    include_hidden: bool = False,
    limits: SafetyLimits | None = None,
    delimiter: str | None = None,
) -> InventoryRead:
    """Read one file up to mapped headers; raises an AppconsolError naming file/sheet on failure."""
    sniffed = sniff_file(path, limits)
    notes = []
    known = frozenset(normalise_header(h) for h in mapping.columns) if mapping else frozenset()
    if sniffed.extension_mismatch:
        notes.append(
            f"{path}: content is {sniffed.kind.value}, not what the extension says; read as {sniffed.kind.value}"
        )
    sheet = sheet or (mapping.sheet if mapping else None)
    header_row = header_row or (mapping.header_row if mapping else None)
    if sniffed.kind in (FileKind.CSV, FileKind.RECORDS):
        if sniffed.kind is FileKind.RECORDS:
            from appconsol.ingest.records import read_records

            grid = read_records(path, sniffed.encoding or "utf-8")
        else:
            grid = read_delimited(path, sniffed.encoding or "utf-8", delimiter)
        header = find_header(grid, path, header_row, known)
    else:
        names = [s.name for s in sniffed.sheets]
        if sheet is not None and sheet not in names:
            raise InventoryNotFoundError(
                f"no sheet named '{sheet}'",
                hint=f"sheets are: {', '.join(names)}",
                location=Location(file=path),
            )
        candidates = [sheet] if sheet else _sheet_candidates(sniffed, include_hidden)
        if not candidates:
            raise InventoryNotFoundError(
                "the workbook has no visible sheet", hint="pass --sheet NAME", location=Location(file=path)
            )
        best: tuple[RawGrid, HeaderChoice] | None = None
        failures: list[AppconsolError] = []
        for name in candidates:
            grid = read_workbook_sheet(path, name)
            try:
                header = find_header(grid, path, header_row, known)
            except InventoryNotFoundError as exc:
                failures.append(exc)
                continue
            if best is None or header.score > best[1].score:
                best = (grid, header)
        if best is None:
            if len(failures) == 1:
                raise failures[0]
            raise InventoryNotFoundError(
                f"no sheet looks like an application inventory (tried {', '.join(candidates)})",
                hint="pass --sheet NAME and --header-row N, or a mapping file",
                location=Location(file=path),
            )
        grid, header = best
    profile = (
        PROFILES_BY_NAME.get(mapping.profile)
        if mapping and mapping.profile
        else detect_profile(header.headers)
    )
    matches = map_headers(header.headers, mapping, profile)
    if not any(m.field == "name" for m in matches) and not (mapping and "name" in mapping.constants):
        raise InventoryNotFoundError(
            "no column maps to the application name",
            hint="add a mapping file (`appconsol map FILE --write mapping.yaml`, edit, then --mapping)",
            location=Location(file=path, sheet=grid.sheet, row=header.row_number),
        )
    return InventoryRead(path, sniffed, grid, header, profile, matches, notes)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def mapping_json(matches: list[ColumnMatch]) -> str:
    return json.dumps(
        [
            {"header": m.header, "field": m.field, "confidence": m.confidence, "method": m.method}
            for m in matches
        ]
    )


def load_inventories(
    paths: Iterable[Path],
    store: Store,
    *,
    organisation: str | None = None,
    partnership: str | None = None,
    mapping: UserMapping | None = None,
    directory: OrganisationDirectory | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    include_hidden: bool = False,
    options: LoadOptions | None = None,
    dry_run: bool = False,
    progress: Callable[[str], None] | None = None,
    mapping_for: Callable[[Path], UserMapping | None] | None = None,
) -> LoadReport:
    """Load each file in its own transaction; a failing file is reported and stores nothing.

    `mapping` applies to every file; without it, `mapping_for(path)` may name one per file
    (appconsol.toml's `[[load.mappings]]` globs).
    """
    report = LoadReport()
    paths = list(paths)
    files = expand_inputs(paths, report.notes)
    directory = directory or OrganisationDirectory.discover(
        [*files, *(p for p in paths if p.name in DIRECTORY_FILE_NAMES)]
    )
    base = options or LoadOptions()
    given_mapping = mapping
    loaded_orgs: list[str] = []
    for path in files:
        if progress:
            progress(f"reading {path}")
        try:
            mapping = given_mapping or (mapping_for(path) if mapping_for else None)
            inventory = read_inventory(
                path, sheet=sheet, header_row=header_row, mapping=mapping, include_hidden=include_hidden
            )
            report.notes.extend(inventory.notes)
            org = (
                organisation
                or (mapping.organisation if mapping else None)
                or directory.organisation_for(path)
            )
            file_options = LoadOptions(
                organisation=org,
                day_first=base.day_first,
                as_of=base.as_of,
                currency=base.currency,
                constants=dict(mapping.constants) if mapping else {},
            )
            prepared: PreparedLoad = prepare_grid(
                inventory.grid, inventory.header, inventory.matches, inventory.profile, path, file_options
            )
            header_row_number, sheet_name = inventory.header.row_number, inventory.grid.sheet
            profile_name = inventory.profile.name if inventory.profile else None
            matches = inventory.matches
            del inventory  # the raw grid is no longer needed; free it before the store copies rows
            meta = {
                "source_file": str(path),
                "file_name": path.name,
                "content_hash": file_hash(path),
                "source_sheet": sheet_name,
                "header_row": header_row_number,
                "organisation": org
                or (
                    prepared.organisations[0]
                    if len(prepared.organisations) == 1
                    else f"{len(prepared.organisations)} organisations"
                ),
                "profile": profile_name,
                "mapping_json": mapping_json(matches),
                "org_type": directory.org_type(org) if org else None,
            }
            if progress:
                progress(f"storing {path}")
            record = store.write_load(prepared, meta, dry_run=dry_run)
            report.records.append(record)
            loaded_orgs.extend(prepared.organisations)
        except NotAnInventoryError as exc:
            report.notes.append(f"{path}: skipped, {exc.message}")
        except AppconsolError as exc:
            report.failures.append(FileFailure(path, exc))
        except OSError as exc:
            report.failures.append(
                FileFailure(
                    path, InputFileError(f"cannot read file: {exc.strerror}", location=Location(file=path))
                )
            )
    if not dry_run:
        partnerships = dict(directory.partnerships)
        if partnership:
            partnerships[partnership] = sorted(set(loaded_orgs))
        if partnerships or directory.org_types:
            store.set_partnerships(partnerships, directory.org_types)
    return report
