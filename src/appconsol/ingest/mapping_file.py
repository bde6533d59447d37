"""Mapping files: the user's word on how an export maps, read strictly and written with evidence.

`appconsol map FILE --write mapping.yaml` writes one (always, even when the file cannot load yet,
with the doubtful fields marked CHECK); `--mapping mapping.yaml` applies it. Besides columns, a
mapping can fix the sheet and header row, give constants for every row, translate source values
(`values: {hosting_model: {carrenza: private-cloud}}`), and keep only some rows (`where`,
`skip_rows`). YAML aliases are refused: a few anchors can expand to gigabytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appconsol.errors import Location, MappingError
from appconsol.ingest.profiles import IGNORE, PROFILES_BY_NAME, Profile
from appconsol.schema import FIELDS_BY_NAME


@dataclass(frozen=True)
class UserMapping:
    """A mapping file the user wrote or edited (`appconsol map --write`)."""

    path: Path
    columns: dict[str, str | None]
    profile: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    organisation: str | None = None
    constants: dict[str, str] = field(default_factory=dict)  # field -> value for every row
    # field -> {source value (lower case, trimmed) -> value to read instead}, e.g. hosting carrenza: iaas
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    skip_rows: frozenset[int] = frozenset()  # sheet/file row numbers to leave out
    where: dict[str, tuple[str, ...]] = field(default_factory=dict)  # header -> values a row must have


_MAPPING_KEYS = {
    "columns",
    "profile",
    "sheet",
    "header_row",
    "organisation",
    "constants",
    "values",
    "skip_rows",
    "where",
}


def read_user_mapping(path: Path) -> UserMapping:
    """Read and validate a mapping YAML file; unknown fields are errors naming file and line."""
    import yaml

    from appconsol.ingest.records import load_yaml_without_aliases

    try:
        text = path.read_text(encoding="utf-8")
        data = load_yaml_without_aliases(text, path) or {}
    except UnicodeDecodeError as exc:
        raise MappingError("the mapping file is not UTF-8 text", location=Location(file=path)) from exc
    except RecursionError as exc:
        raise MappingError("the mapping file is nested too deeply", location=Location(file=path)) from exc
    except OSError as exc:
        raise MappingError(f"cannot read mapping file: {exc.strerror}", location=Location(file=path)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise MappingError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", location=Location(file=path, line=line)
        ) from exc
    if not isinstance(data, dict):
        raise MappingError(
            "a mapping file is a YAML mapping with a 'columns' key", location=Location(file=path)
        )
    unknown = set(data) - _MAPPING_KEYS
    if unknown:
        raise MappingError(
            f"unknown key(s) {', '.join(sorted(unknown))}",
            hint=f"allowed keys: {', '.join(sorted(_MAPPING_KEYS))}",
            location=Location(file=path, line=_line_of(text, sorted(unknown)[0])),
        )
    columns_raw: Any = data.get("columns") or {}
    if not isinstance(columns_raw, dict):
        raise MappingError("'columns' must map source headers to field names", location=Location(file=path))
    columns: dict[str, str | None] = {}
    for header, target in columns_raw.items():
        if target in (None, IGNORE, "", "unmapped"):
            columns[str(header)] = None
            continue
        if target not in FIELDS_BY_NAME:
            raise MappingError(
                f"column '{header}' maps to unknown field '{target}'",
                hint="run `appconsol schema` for the field names",
                location=Location(file=path, line=_line_of(text, str(header))),
            )
        columns[str(header)] = str(target)
    profile = data.get("profile")
    if profile is not None and profile not in PROFILES_BY_NAME:
        raise MappingError(
            f"unknown profile '{profile}'",
            hint=f"known profiles: {', '.join(PROFILES_BY_NAME)}",
            location=Location(file=path, line=_line_of(text, "profile")),
        )
    header_row = data.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise MappingError(
            "'header_row' must be a row number from 1",
            location=Location(file=path, line=_line_of(text, "header_row")),
        )
    constants_raw: Any = data.get("constants") or {}
    if not isinstance(constants_raw, dict) or any(k not in FIELDS_BY_NAME for k in constants_raw):
        bad = (
            next((k for k in constants_raw if k not in FIELDS_BY_NAME), "constants")
            if isinstance(constants_raw, dict)
            else "constants"
        )
        raise MappingError(
            f"'constants' must map field names to values; '{bad}' is not a field",
            hint="run `appconsol schema` for the field names",
            location=Location(file=path, line=_line_of(text, str(bad))),
        )
    constants = {str(k): str(v) for k, v in constants_raw.items() if v is not None}
    return UserMapping(
        path,
        columns,
        profile,
        data.get("sheet"),
        header_row,
        data.get("organisation"),
        constants,
        _read_values(data.get("values"), path, text),
        _read_skip_rows(data.get("skip_rows"), path, text),
        _read_where(data.get("where"), path, text),
    )


def _read_values(raw: Any, path: Path, text: str) -> dict[str, dict[str, str | None]]:
    """`values:` per field: source value -> canonical value (or null to read it as unknown)."""
    if raw is None:
        return {}
    where = Location(file=path, line=_line_of(text, "values:"))
    if not isinstance(raw, dict):
        raise MappingError("'values' must map field names to {source value: value}", location=where)
    result: dict[str, dict[str, str | None]] = {}
    for fld_name, table in raw.items():
        fld = FIELDS_BY_NAME.get(str(fld_name))
        line = Location(file=path, line=_line_of(text, f"{fld_name}:"))
        if fld is None:
            raise MappingError(
                f"'values' names unknown field '{fld_name}'",
                hint="run `appconsol schema` for the field names",
                location=line,
            )
        if not isinstance(table, dict):
            raise MappingError(f"'values: {fld_name}' must map source values to values", location=line)
        entries: dict[str, str | None] = {}
        for source, target in table.items():
            value = None if target in (None, "", IGNORE) else str(target).strip()
            if value is not None and fld.vocabulary and value.lower() not in fld.vocabulary:
                raise MappingError(
                    f"'values: {fld_name}' maps '{source}' to '{value}', which is not a {fld_name} value",
                    hint=f"use one of: {', '.join(fld.vocabulary)}",
                    location=Location(file=path, line=_line_of(text, str(source))),
                )
            entries[str(source).strip().lower()] = value.lower() if value and fld.vocabulary else value
        result[fld.name] = entries
    return result


def _read_skip_rows(raw: Any, path: Path, text: str) -> frozenset[int]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(
        isinstance(r, int) and not isinstance(r, bool) and r > 0 for r in raw
    ):
        raise MappingError(
            "'skip_rows' must be a list of row numbers",
            location=Location(file=path, line=_line_of(text, "skip_rows")),
        )
    return frozenset(raw)


def _read_where(raw: Any, path: Path, text: str) -> dict[str, tuple[str, ...]]:
    """`where: {Type: ApplicationComponent}`: keep only rows whose column holds one of the values."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not raw:
        raise MappingError(
            "'where' must map a column header to the value (or list of values) rows must have",
            location=Location(file=path, line=_line_of(text, "where")),
        )
    result = {}
    for header, wanted in raw.items():
        values = wanted if isinstance(wanted, list) else [wanted]
        result[str(header)] = tuple(str(v).strip() for v in values if v is not None)
    return result


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def render_mapping_yaml(
    matches: Sequence[Any],
    samples: dict[str, list[str]],
    profile: Profile | None,
    *,
    source: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    doubts: Sequence[str] = (),
) -> str:
    """A mapping file the user can edit and pass back with --mapping; comments show the evidence.

    `matches` are `ColumnMatch`es; a match with a `doubt` is marked CHECK, and the reasons the
    loader stopped head the file, so the user knows which lines need a decision.
    """
    lines = [f"# appconsol column mapping{' for ' + source if source else ''}."]
    if doubts:
        lines.append("# appconsol was not sure enough to load this file on its own:")
        lines.extend(f"#   - {d}" for d in doubts)
        lines.append("# Decide the lines marked CHECK (a field from `appconsol schema`, or `ignore`), then:")
    else:
        lines.append("# Edit the right-hand side (a field from `appconsol schema`, or `ignore`), then:")
    lines.append(f"#   appconsol load {source or 'FILE'} --mapping THIS_FILE")
    lines.append("# Optional keys: constants (field: value for every row), values (field: {source: value}),")
    lines.append("# where (column: value rows must have), skip_rows (row numbers), organisation.")
    if profile is not None:
        lines.append(f"profile: {profile.name}")
    if sheet is not None:
        lines.append(f"sheet: {_yaml_quote(sheet)}")
    if header_row is not None:
        lines.append(f"header_row: {header_row}")
    lines.append("columns:")
    for m in matches:
        target = m.field or IGNORE
        sample = ", ".join(s.replace("#", "") for s in samples.get(m.header, [])[:3])
        evidence = getattr(m, "evidence", "")
        doubt = getattr(m, "doubt", None)
        note = f"CHECK: {doubt}; " if doubt else ""
        comment = f"{note}{m.method} {m.confidence:.2f}; {evidence + '; ' if evidence else ''}e.g. {sample}"
        lines.append(f"  {_yaml_quote(m.header)}: {target}  # {comment}"[:240])
    return "\n".join(lines) + "\n"


def _yaml_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
