"""Find and read the bundled reference files, and users' own files that extend them.

Bundled files are read through importlib.resources, so they are found the same way in a source
checkout, an installed wheel or a zip. User files are plain paths.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from appconsol.errors import AppconsolError, Location

DATA_PACKAGE = "appconsol.reference"
# libyaml is an optional speed-up; the pure-Python loaders give the same result.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BASE_LOADER: Any = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class ReferenceDataError(AppconsolError):
    """A reference file (lifecycle overrides, aliases, a taxonomy) is malformed."""


def data_file(name: str) -> Any:
    """A Traversable for a bundled data file (`data/<name>`)."""
    return resources.files(DATA_PACKAGE).joinpath("data").joinpath(name)


def read_bundled_bytes(name: str) -> bytes:
    return bytes(data_file(name).read_bytes())


def read_bundled_text(name: str) -> str:
    return str(data_file(name).read_text(encoding="utf-8"))


@functools.cache
def bundled_yaml(name: str) -> Any:
    """A bundled YAML file, parsed once per process (treat the result as read-only)."""
    return yaml.load(read_bundled_text(name), Loader=_SAFE_LOADER)


def read_user_yaml(path: str | Path, *, strings: bool = False) -> Any:
    """Parse a user's YAML file; `strings` keeps every scalar as text (so 3.10 stays "3.10")."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ReferenceDataError(
            f"cannot read {path}: {exc.strerror or exc}", hint="Check the path and permissions"
        ) from exc
    try:
        return yaml.load(text, Loader=_BASE_LOADER if strings else _SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ReferenceDataError(
            f"not valid YAML ({getattr(exc, 'problem', None) or exc})",
            hint="Fix the YAML syntax",
            location=Location(file=path, line=line),
        ) from exc


def as_list(value: Any) -> list[str]:
    """A YAML value that may be one string or a list of strings, as a list of strings."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value if item is not None and str(item).strip()]
    return [str(value)] if str(value).strip() else []
