"""Which body each inventory belongs to, and which bodies cooperate: `organisations.yaml`.

```yaml
organisations:
  - name: Wessex County Council
    type: county council
    files: [wessex-county-council-servicenow.csv]
partnerships:
  - name: Wessex Partnership
    members: [Wessex County Council, Avonvale District Council]
```
The file is found beside the inventories (or given with --orgs). Without it, a file's
organisation comes from --org, from an organisation column, or from the file name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appconsol.errors import ConfigError, Location

DIRECTORY_FILE_NAMES = ("organisations.yaml", "organisations.yml", "organizations.yaml")


def organisations_named(*columns: Iterable[str | None], own: str, side_records: bool) -> list[str]:
    """The organisations a file's rows name (its applications' and rejected rows'), sorted.

    The file's own organisation (--org, else its name) only when something carries it without a
    row of its own (a profile's side records) or no row names any: a register of fifty bodies is
    fifty organisations, not fifty-one.
    """
    named = {name for column in columns for name in column if name}
    if side_records or not named:
        named.add(own)
    return sorted(named)


@dataclass
class OrganisationDirectory:
    files: dict[str, str] = field(default_factory=dict)  # file name -> organisation
    org_types: dict[str, str] = field(default_factory=dict)
    partnerships: dict[str, list[str]] = field(default_factory=dict)
    source: Path | None = None

    def organisation_for(self, path: Path) -> str | None:
        return self.files.get(path.name)

    def org_type(self, organisation: str) -> str | None:
        return self.org_types.get(organisation)

    @classmethod
    def discover(cls, files: Iterable[Path]) -> OrganisationDirectory:
        """Merge the organisations files that sit beside any of the inputs."""
        merged = cls()
        seen: set[Path] = set()
        for path in files:
            for name in DIRECTORY_FILE_NAMES:
                candidate = (path.parent / name).resolve()
                if candidate.is_file() and candidate not in seen:
                    seen.add(candidate)
                    found = cls.read(candidate)
                    merged.files.update(found.files)
                    merged.org_types.update(found.org_types)
                    for partnership, members in found.partnerships.items():
                        merged.partnerships.setdefault(partnership, []).extend(members)
        return merged

    @classmethod
    def read(cls, path: Path) -> OrganisationDirectory:
        import yaml

        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise ConfigError(
                f"not valid YAML: {getattr(exc, 'problem', exc)}",
                location=Location(file=path, line=mark.line + 1 if mark is not None else None),
            ) from exc
        if not isinstance(data, dict):
            raise ConfigError(
                "expected 'organisations' and 'partnerships' lists", location=Location(file=path)
            )
        directory = cls(source=path)
        for entry in data.get("organisations") or []:
            if not isinstance(entry, dict) or not entry.get("name"):
                raise ConfigError("each organisation needs a 'name'", location=Location(file=path))
            name = str(entry["name"]).strip()
            if entry.get("type"):
                directory.org_types[name] = str(entry["type"])
            for file_name in entry.get("files") or []:
                directory.files[str(file_name)] = name
        for entry in data.get("partnerships") or []:
            if not isinstance(entry, dict) or not entry.get("name"):
                raise ConfigError(
                    "each partnership needs a 'name' and 'members'", location=Location(file=path)
                )
            directory.partnerships[str(entry["name"])] = [str(m).strip() for m in entry.get("members") or []]
        return directory
