"""Errors appconsol raises for problems a user can fix.

Every error carries where it happened (file, sheet, row, column) so the CLI's single error
boundary can print one line that names the place, and a hint that says how to fix it.
No click import here: the library must be usable without the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """Where in an input a problem sits; every part is optional."""

    file: str | Path | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    line: int | None = None

    def describe(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(str(self.file) + (f":{self.line}" if self.line is not None else ""))
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class AppconsolError(Exception):
    """A problem the user can fix; the CLI prints it without a traceback and exits 2."""

    def __init__(self, message: str, *, hint: str | None = None, location: Location | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location

    def __str__(self) -> str:
        where = self.location.describe() if self.location else ""
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text = f"{text}. {self.hint}"
        return text


class InputFileError(AppconsolError):
    """An input file cannot be read safely: wrong kind, corrupt, encrypted, hostile."""


class UnsafeInputError(InputFileError):
    """An input file looks hostile (decompression bomb, XML entities); it is never parsed."""


class InventoryNotFoundError(InputFileError):
    """A readable file holds no sheet or table that looks like an application inventory."""


class NotAnInventoryError(InputFileError):
    """A data file that is plainly something else (a YAML document that is not a record list)."""


class MappingError(AppconsolError):
    """A mapping file is malformed or names a column or field that does not exist."""


class MappingNeededError(MappingError):
    """The loader is not sure how a file's columns map and will not guess: the user must decide.

    `proposal` is the proposed mapping file written for the user to edit (None if not written).
    """

    def __init__(
        self, message: str, *, hint: str | None = None, location: Location | None = None, proposal=None
    ):
        super().__init__(message, hint=hint, location=location)
        self.proposal = proposal


class StoreError(AppconsolError):
    """The DuckDB store cannot be opened or written."""


class StoreInUseError(StoreError):
    """Another process holds the store open for writing."""


class StoreVersionError(StoreError):
    """The store was written by a newer appconsol with a schema this version does not know."""


class ConfigError(AppconsolError):
    """appconsol.toml or a command-line option is invalid."""


class RuleError(AppconsolError):
    """A rule file or its cases file is invalid: bad YAML, unknown values, SQL that does not bind."""


@dataclass(frozen=True)
class Notice:
    """A problem that does not stop the run (an unknown key, say); shown as `Warning: ...`."""

    message: str
    location: Location | None = None

    def __str__(self) -> str:
        where = self.location.describe() if self.location else ""
        return f"{where}: {self.message}" if where else self.message


class StaleAnalysisError(StoreError):
    """The analysis tables were not built from what the store holds now (or the last run failed)."""


class ArtefactError(AppconsolError):
    """An output file (plan, export, report) cannot be written where asked."""
