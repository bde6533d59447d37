"""Baselines: the finding keys accepted so far, so a check fails only on what a change introduced.

A baseline is a JSON file of finding keys (with rule, severity, message and the inventory file
for a reader). With `--baseline`, findings whose keys are in it are `unchanged` and do not count
towards the exit code; the others are `new`; keys in the baseline that no finding has any more
are `fixed`. Only entries of the rules and inventory files a run checked take part: a run with
`--select DQ002`, or on the files a commit changed, neither reports the others' entries as fixed
nor drops them when it writes the baseline.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from appconsol.errors import ConfigError, Location
from appconsol.store.artefact import write_text
from appconsol.version import __version__

BASELINE_VERSION = 2
# Rules whose keys version 1 built from row numbers, file names or group ids (issue 12): entries
# of a version 1 baseline for them cannot match a finding any more.
REKEYED_IN_VERSION_2 = ("DQ002", "DQ008", "DQ010", "OV001")
ENTRY_FIELDS = ("key", "rule", "severity", "message", "file")


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: dict[str, dict[str, Any]]
    version: int = BASELINE_VERSION
    stale: dict[str, dict[str, Any]] = field(default_factory=dict)  # v1 entries whose keys changed


@dataclass(frozen=True)
class Scope:
    """What a run checked: the rules that ran to the end and the inventory files that loaded.

    `known_rules` are all the rules the run could have selected and `exists` tells whether an
    inventory file is still there: entries of a rule no longer in the pack, or of a file that
    is gone, are dropped when the baseline is written; the others outside the scope are kept.
    """

    rules: Collection[str]
    files: Collection[str]
    known_rules: Collection[str] = ()
    root: Path | None = None

    def covers(self, entry: dict[str, Any]) -> bool:
        """The run checked what this entry is about (its rule ran; its file, if any, loaded)."""
        file = entry.get("file")
        return entry.get("rule") in self.rules and (file is None or file in self.files)

    def keeps(self, entry: dict[str, Any]) -> bool:
        """An entry outside the scope that writing keeps: its rule and file still exist."""
        if entry.get("rule") not in self.known_rules:
            return False
        file = entry.get("file")
        return file is None or self.root is None or (self.root / file).exists()


def _rule_of(key: str) -> str:
    return key.split("|", 1)[0]


def read_baseline(path: Path) -> Baseline:
    """Read a baseline file written by `--write-baseline`; ConfigError naming the file if it is not one."""
    if not path.is_file():
        raise ConfigError(
            "baseline file not found",
            hint=f"create it with `appconsol check ... --write-baseline {path}`",
            location=Location(file=path),
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ConfigError(f"not a baseline file: {exc}", location=Location(file=path, line=line)) from exc
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > BASELINE_VERSION:
        raise ConfigError(
            f"the baseline was written by a newer appconsol (schema_version {version}; this one reads "
            f"up to {BASELINE_VERSION})",
            hint=f"upgrade appconsol, or regenerate it with `appconsol check ... --write-baseline {path}`",
            location=Location(file=path),
        )
    if (
        version not in (1, BASELINE_VERSION)
        or not isinstance(data.get("findings"), list)
        or not all(isinstance(f, dict) and isinstance(f.get("key"), str) for f in data["findings"])
    ):
        raise ConfigError(
            f"not an appconsol baseline (schema_version {BASELINE_VERSION} with a findings list of keys)",
            hint="write one with --write-baseline",
            location=Location(file=path),
        )
    entries: dict[str, dict[str, Any]] = {}
    stale: dict[str, dict[str, Any]] = {}
    for entry in data["findings"]:
        entry = {"rule": _rule_of(entry["key"]), **entry}
        if version == 1 and entry["rule"] in REKEYED_IN_VERSION_2:
            stale[entry["key"]] = entry
        else:
            entries[entry["key"]] = entry
    return Baseline(path, entries, version, stale)


def upgrade_hint(baseline: Baseline) -> str | None:
    """What to tell the user about an old baseline whose keys for some rules can no longer match."""
    if baseline.version == BASELINE_VERSION:
        return None
    rules = sorted({e["rule"] for e in baseline.stale.values()})
    message = f"{baseline.path} is a baseline of schema_version {baseline.version}"
    if rules:
        message += (
            f"; the keys of {', '.join(rules)} are now built from content, not rows, files or group ids, "
            f"so its {len(baseline.stale)} entries for them cannot match and their findings show as new"
        )
    return f"{message}. Regenerate it: appconsol check ... --write-baseline {baseline.path}"


def compare_with_baseline(
    frame: pl.DataFrame, baseline: Baseline, scope: Scope | None = None
) -> tuple[pl.DataFrame, list[dict[str, Any]]]:
    """Add a `baseline` column (new / unchanged) and return the baseline entries now fixed.

    An entry is fixed only when the run checked its rule and file (`scope`) and no finding has it.
    """
    keys = list(baseline.entries)
    marked = frame.with_columns(
        pl.when(pl.col("finding_key").is_in(pl.Series(keys, dtype=pl.String).implode()))
        .then(pl.lit("unchanged"))
        .otherwise(pl.lit("new"))
        .alias("baseline")
    )
    present = set(frame["finding_key"].to_list())
    fixed = [
        entry
        for key, entry in sorted(baseline.entries.items())
        if key not in present and (scope is None or scope.covers(entry))
    ]
    return marked, fixed


@dataclass(frozen=True)
class WrittenBaseline:
    path: Path
    written: int  # keys in the file
    kept: int = 0  # of them, entries outside the run's scope kept from the previous file
    dropped: int = 0  # entries of rules or files that no longer exist


def entries_of(frame: pl.DataFrame, files: Collection[str] = ()) -> list[dict[str, Any]]:
    """Baseline entries for every finding not waived (the file only when it is an inventory)."""
    files = set(files)
    kept = (
        frame.filter(~pl.col("waived"))
        .select(
            pl.col("finding_key").alias("key"),
            pl.col("rule_code").alias("rule"),
            "severity",
            "message",
            pl.col("source_file").alias("file"),
        )
        .unique(subset="key", keep="first")
    )
    entries = kept.to_dicts()
    for entry in entries:
        if entry["file"] not in files:
            del entry["file"]
    return entries


def write_baseline(
    frame: pl.DataFrame, path: Path, as_of: Any, scope: Scope | None = None
) -> WrittenBaseline:
    """Write the keys of every finding not waived; written whole or not at all.

    With a `scope`, the entries of an existing baseline at `path` that the run did not check
    (other rules, other files) are kept, so a run with a selection never empties the baseline.
    """
    entries = {e["key"]: e for e in entries_of(frame, scope.files if scope else ())}
    kept = dropped = 0
    if scope is not None and path.is_file():
        try:
            previous = read_baseline(path)
        except ConfigError:
            previous = None  # not a baseline: replaced whole, as without a scope
        if previous is not None:
            for key, entry in previous.entries.items():
                if key in entries or scope.covers(entry):
                    continue
                if scope.keeps(entry):
                    entries[key] = {k: entry[k] for k in ENTRY_FIELDS if k in entry}
                    kept += 1
                else:
                    dropped += 1
            dropped += len(previous.stale)  # old keys that can never match again
    document = {
        "schema_version": BASELINE_VERSION,
        "generated_by": f"appconsol {__version__}",
        "as_of": str(as_of),
        "findings": [entries[k] for k in sorted(entries)],
    }
    write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return WrittenBaseline(path, len(entries), kept, dropped)
