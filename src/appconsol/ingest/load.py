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
    MappingNeededError,
    NotAnInventoryError,
)
from appconsol.ingest.deferred_xml import DeferredXml, checks_first
from appconsol.ingest.guards import check_input, drop_lock_files
from appconsol.ingest.header import HeaderChoice, body_profiles, find_header, refuse_case_collisions
from appconsol.ingest.mapping import (
    PROFILES_BY_NAME,
    ColumnMatch,
    Profile,
    UserMapping,
    detect_profile,
    map_columns,
    normalise_header,
    render_mapping_yaml,
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
    doubts: list[str] = field(default_factory=list)  # why the mapping is not certain enough to load

    def samples(self, per_column: int = 3, width: int = 30) -> dict[str, list[str]]:
        """A few distinct values of each column, for showing the mapping to a person."""
        body = self.grid.frame.slice(self.header.index + 1, 200)
        result: dict[str, list[str]] = {}
        for i, match in enumerate(self.matches):
            column = body.get_column(f"c{i}") if f"c{i}" in body.columns else None
            values: list[object] = (
                []
                if column is None
                else column.drop_nulls().unique(maintain_order=True).head(per_column).to_list()
            )
            result[match.header] = [str(v).replace("\n", " ")[:width] for v in values]
        return result

    def proposal_yaml(self) -> str:
        """The mapping as an editable file, doubtful columns marked CHECK."""
        return render_mapping_yaml(
            self.matches,
            self.samples(),
            self.profile,
            source=self.path.name,
            sheet=self.grid.sheet,
            header_row=self.header.row_number,
            doubts=self.doubts,
        )


@dataclass
class FileFailure:
    path: Path
    error: AppconsolError


@dataclass
class LoadReport:
    records: list[LoadRecord] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Files whose organisation is their file name (renaming one changes every finding key), and
    # text files whose records do not each sit on the line of their row number (see RawGrid).
    named_by_file: list[Path] = field(default_factory=list)
    line_shifts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

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


BESIDE_STORE = "beside-store"


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
    return drop_lock_files(files, notes)


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
    lenient: bool = False,
) -> InventoryRead:
    """Read one file up to mapped headers; raises an AppconsolError naming file/sheet on failure."""
    # A large sheet's XML inflates on a thread while the read starts (see checks_first below).
    sniffed = sniff_file(path, limits, defer_inflate=True)
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
        header = find_header(grid, path, header_row, known, lenient=lenient)
    else:
        with checks_first(sniffed.sheet_xml):  # no outcome before the deferred checks' own
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
                    "the workbook has no visible sheet",
                    hint="pass --sheet NAME",
                    location=Location(file=path),
                )
            grid, header = _best_sheet(path, candidates, header_row, known, notes, lenient, sniffed.sheet_xml)
            sniffed.sheet_xml.clear()  # the sheets' XML is read: free it before the grid is prepared
    refuse_case_collisions(header, path, grid.sheet)
    profile = (
        PROFILES_BY_NAME.get(mapping.profile)
        if mapping and mapping.profile
        else detect_profile(header.headers)
    )
    result = map_columns(header.headers, body_profiles(grid, header), mapping, profile)
    doubts = list(result.doubts)
    if header.guessed:
        doubts.insert(
            0, f"no row clearly reads as the header; row {header.row_number} is a guess (set header_row)"
        )
    return InventoryRead(path, sniffed, grid, header, profile, result.matches, notes, doubts)


def _best_sheet(
    path: Path,
    candidates: list[str],
    header_row: int | None,
    known: frozenset[str],
    notes: list[str],
    lenient: bool,
    sheet_xml: dict[str, bytes | DeferredXml] | None = None,
) -> tuple[RawGrid, HeaderChoice]:
    """The sheet whose header reads best; empty and header-less sheets are skipped with a note.

    When no sheet has a clear header, the best guess is returned (marked `guessed`) so the
    caller can propose a mapping instead of refusing with no way forward.
    """
    best: tuple[RawGrid, HeaderChoice] | None = None
    skipped: list[str] = []
    for name in candidates:
        grid = read_workbook_sheet(path, name, sheet_xml)
        if grid.frame.height == 0 or grid.width == 0:
            skipped.append(f"'{name}' (empty)")
            continue
        try:
            header = find_header(grid, path, header_row, known)
        except InventoryNotFoundError:
            if not lenient:
                if len(candidates) == 1:
                    raise
                skipped.append(f"'{name}' (no header)")
                continue
            header = find_header(grid, path, header_row, known, lenient=True)
            if header.guessed and best is not None and not best[1].guessed:
                skipped.append(f"'{name}' (no header)")
                continue
        if (
            best is None
            or (best[1].guessed and not header.guessed)
            or (best[1].guessed == header.guessed and header.score > best[1].score)
        ):
            if best is not None:
                skipped.append(f"'{best[0].sheet}'")
            best = (grid, header)
        else:
            skipped.append(f"'{name}'")
    if best is None:
        raise InventoryNotFoundError(
            f"no sheet looks like an application inventory (tried {', '.join(candidates)})",
            hint="pass --sheet NAME and --header-row N, or a mapping file",
            location=Location(file=path),
        )
    if skipped and len(candidates) > 1:
        notes.append(f"{path}: read sheet '{best[0].sheet}'; skipped sheets {', '.join(skipped)}")
    return best


def require_confident_mapping(inventory: InventoryRead, proposals_dir: Path | None) -> None:
    """Stop and ask when the mapping is in doubt: write the proposal, raise with its path."""
    if not inventory.doubts:
        return
    proposal: Path | None = None
    if proposals_dir is not None:
        proposal = proposals_dir / f"{inventory.path.name}.mapping.yaml"
        try:
            proposals_dir.mkdir(parents=True, exist_ok=True)
            proposal.write_text(inventory.proposal_yaml(), encoding="utf-8")
        except OSError:
            proposal = None
    reasons = "; ".join(inventory.doubts)
    if proposal is not None:
        hint = (
            f"A proposed mapping is in {proposal}: decide the lines marked CHECK, "
            f"then load again with --mapping {proposal}"
        )
    else:
        hint = (
            f"Run `appconsol map {inventory.path} --write mapping.yaml`, decide the lines marked CHECK, "
            "then load again with --mapping mapping.yaml"
        )
    raise MappingNeededError(
        f"not sure how the columns map, so nothing was loaded: {reasons}",
        hint=hint,
        location=Location(file=inventory.path, sheet=inventory.grid.sheet, row=inventory.header.row_number),
        proposal=proposal,
    )


def internal_failure(path: Path, exc: BaseException) -> InputFileError:
    """A failure inside a library (a polars panic, an unexpected exception) as one file's error."""
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return InputFileError(
        f"could not load the file: internal error ({type(exc).__name__}: {detail})"[:300],
        hint="the other files were still loaded; please report this with the file's layout (run with -v for details)",
        location=Location(file=path),
    )


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
    proposals_dir: Path | str | None = BESIDE_STORE,
    mapping_for: Callable[[Path], UserMapping | None] | None = None,
) -> LoadReport:
    """Load each file in its own transaction; a failing file is reported and stores nothing.

    `mapping` applies to every file; without it, `mapping_for(path)` may name one per file
    (appconsol.toml's `[[load.mappings]]` globs). When a file's mapping is in doubt, the loader
    writes a proposed mapping into `proposals_dir` (by default `appconsol-mappings/` beside the
    store; nowhere for an in-memory store) and reports the file as failed, asking the user to
    confirm it.
    """
    if proposals_dir == BESIDE_STORE:
        in_memory = str(store.path) in (":memory:", "")
        proposals_dir = None if in_memory else store.path.parent / "appconsol-mappings"
    assert not isinstance(proposals_dir, str)
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
            check_input(path)
            mapping = given_mapping or (mapping_for(path) if mapping_for else None)
            inventory = read_inventory(
                path,
                sheet=sheet,
                header_row=header_row,
                mapping=mapping,
                include_hidden=include_hidden,
                lenient=True,
            )
            report.notes.extend(inventory.notes)
            require_confident_mapping(inventory, proposals_dir)
            org = (
                organisation
                or (mapping.organisation if mapping else None)
                or directory.organisation_for(path)
            )
            profile_rows = inventory.profile.keep_rows if inventory.profile else {}
            file_options = LoadOptions(
                organisation=org,
                day_first=base.day_first,
                as_of=base.as_of,
                currency=base.currency,
                constants=dict(mapping.constants) if mapping else {},
                organisation_wins=bool(organisation or (mapping and mapping.organisation)),
                values=dict(mapping.values) if mapping else {},
                skip_rows=mapping.skip_rows if mapping else frozenset(),
                where=dict(mapping.where) if mapping else {},
                keep_rows=dict(profile_rows),
            )
            prepared: PreparedLoad = prepare_grid(
                inventory.grid, inventory.header, inventory.matches, inventory.profile, path, file_options
            )
            header_row_number, sheet_name = inventory.header.row_number, inventory.grid.sheet
            profile_name = inventory.profile.name if inventory.profile else None
            matches = inventory.matches
            if inventory.grid.line_shifts:
                report.line_shifts[str(path)] = inventory.grid.line_shifts
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
            if not (org or {"organisation"} & {*file_options.constants, *(m.field for m in matches)}):
                report.named_by_file.append(path)
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
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # native code (pyo3 panics): one file only
            report.failures.append(FileFailure(path, internal_failure(path, exc)))
    if not dry_run:
        partnerships = dict(directory.partnerships)
        if partnership:
            partnerships[partnership] = sorted(set(loaded_orgs))
        if partnerships or directory.org_types:
            store.set_partnerships(partnerships, directory.org_types)
    return report
