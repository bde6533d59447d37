"""appconsol.toml: find it, read it, validate it, and apply it to a rule pack.

The file is found by walking up from the working directory (`--config` overrides). An unknown
key or table, a value of the wrong type, an unknown rule code or parameter, or a selector that
matches no rule is a `ConfigError` with file:line and, for a misspelling, the key meant (exit 2):
a misspelt setting silently ignored would run the check with a default the user did not choose.
The analysis sections ([reference], [legacy], ...) are checked by their own steps.

    as_of = 2026-11-25                 # judge the data as of this date (default: today)
    rules_dirs = ["rules"]             # your own rule folders, relative to this file

    [rules]
    select = ["data-quality"]          # codes (globs such as "DQ*"), categories or groups
    ignore = ["DQ006"]
    time_limit = 30                    # seconds one rule may run (docs/rules.md, the rule sandbox)
    memory_limit = "1GB"               # memory the rule sandbox may use

    [rules.DQ004]                      # per-rule overrides
    severity = "error"
    parameters = { ceiling = 5000000 }

    [[waivers]]                        # accepted findings; expired or unused ones are reported
    rule = "DQ002"
    key = "Wessex County Council|APP-0042"
    reason = "Two instances on purpose until the merger (ticket 123)"
    expires = 2027-03-31

    [check]
    fail_on = "warning"
    baseline = "appconsol-baseline.json"   # default: this file beside appconsol.toml, if it exists
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.errors import ConfigError, Location, Notice

if TYPE_CHECKING:
    from appconsol.engine.loader import RulePack
    from appconsol.engine.model import ConfiguredRule
    from appconsol.engine.sandbox import SandboxLimits

CONFIG_NAME = "appconsol.toml"
# Sections read by the analysis steps themselves ([reference], [legacy], [cloud], [overlap], [plan]);
# the config keeps them as tables and each step validates its own.
ANALYSIS_SECTIONS = ("reference", "legacy", "cloud", "overlap", "plan")
TOP_KEYS = ("as_of", "rules_dirs", "rules", "waivers", "check", "load", *ANALYSIS_SECTIONS)
RULES_KEYS = ("select", "ignore", "time_limit", "memory_limit")
OVERRIDE_KEYS = ("severity", "parameters")
WAIVER_KEYS = ("rule", "key", "reason", "expires")
CHECK_KEYS = ("fail_on", "baseline")
LOAD_KEYS = ("mappings",)
MAPPING_GLOB_KEYS = ("glob", "mapping")
_KEY = r"(?:[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"


@dataclass(frozen=True)
class RuleOverride:
    code: str
    severity: str | None
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Waiver:
    rule: str
    key: str
    reason: str
    expires: dt.date
    location: Location

    def covers(self, finding_key: str) -> bool:
        return finding_key in (self.key, f"{self.rule}|{self.key}")


@dataclass(frozen=True)
class MappingGlob:
    """`[[load.mappings]]`: files matching `glob` (relative to appconsol.toml) load with `mapping`."""

    glob: str
    mapping: Path

    def matches(self, path: Path, base: Path) -> bool:
        from fnmatch import fnmatchcase

        try:
            relative = path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        return fnmatchcase(relative, self.glob) or (
            "/" not in self.glob and fnmatchcase(path.name, self.glob)
        )


@dataclass
class Config:
    path: Path | None = None
    as_of: dt.date | None = None
    rules_dirs: list[Path] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    overrides: dict[str, RuleOverride] = field(default_factory=dict)
    waivers: list[Waiver] = field(default_factory=list)
    fail_on: str | None = None
    baseline: Path | None = None  # [check] baseline, relative to this file
    rule_time_limit: Any = None  # [rules] time_limit and memory_limit, as written (see limits())
    rule_memory_limit: Any = None
    mappings: list[MappingGlob] = field(default_factory=list)
    analyses: dict[str, dict[str, Any]] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def location(self, *path: Any) -> Location | None:
        if self.path is None:
            return None
        keys = tuple(path)
        while keys and keys not in self.lines:
            keys = keys[:-1]
        return Location(file=self.path, line=self.lines.get(keys))

    def limits(self) -> SandboxLimits:
        """The rule sandbox's limits: the environment, else [rules] time_limit/memory_limit, else defaults."""
        from appconsol.engine.sandbox import sandbox_limits

        return sandbox_limits(self.rule_time_limit, self.rule_memory_limit, where=self.location("rules"))

    def mapping_for(self, path: Path) -> Path | None:
        """The mapping file of the first `[[load.mappings]]` whose glob matches `path`, if any."""
        base = self.path.parent if self.path else Path.cwd()
        return next((m.mapping for m in self.mappings if m.matches(path, base)), None)

    def configure(
        self, pack: RulePack, *, select: Sequence[str] = (), ignore: Sequence[str] = ()
    ) -> list[ConfiguredRule]:
        """The rules this run uses, with severities and parameters overridden and checked.

        `select` from the command line replaces the config's; `ignore` adds to it.
        """
        from appconsol.engine.model import ConfiguredRule, Severity, coerce_value
        from appconsol.engine.runner import ENGINE_RULES

        engine_codes = {r.code for r in ENGINE_RULES}  # findings the engine makes about the config
        rules = pack.rules
        for code in self.overrides:
            if code not in pack.by_code():
                raise ConfigError(
                    f"[rules.{code}] names no known rule",
                    hint="`appconsol rules list` shows the codes",
                    location=self.location("rules", code),
                )
        for waiver_index, waiver in enumerate(self.waivers):
            if waiver.rule not in pack.by_code() and waiver.rule not in engine_codes:
                raise ConfigError(
                    f"waiver names unknown rule '{waiver.rule}'",
                    hint="`appconsol rules list` shows the codes",
                    location=self.location("waivers", waiver_index, "rule"),
                )
        chosen_select = list(select) or self.select
        for origin, selectors in (("select", chosen_select), ("ignore", [*self.ignore, *ignore])):
            for i, selector in enumerate(selectors):
                if not any(r.matches(selector) for r in rules):
                    from_cli = (origin == "select" and select) or (
                        origin == "ignore" and i >= len(self.ignore)
                    )
                    raise ConfigError(
                        f"{'--' if from_cli else ''}{origin} '{selector}' matches no rule code, category or group",
                        hint="`appconsol rules list` shows them",
                        location=None if from_cli else self.location("rules", origin),
                    )
        selected = [
            r
            for r in rules
            if (not chosen_select or any(r.matches(s) for s in chosen_select))
            and not any(r.matches(s) for s in [*self.ignore, *ignore])
        ]
        configured = []
        for rule in selected:
            override = self.overrides.get(rule.code)
            values = rule.defaults()
            severity = rule.severity
            if override:
                severity = Severity(override.severity) if override.severity else severity
                for name, value in override.parameters.items():
                    parameter = rule.parameter(name)
                    where = self.location("rules", rule.code, "parameters", name)
                    if parameter is None:
                        known = ", ".join(p.name for p in rule.parameters) or "none"
                        raise ConfigError(
                            f"rule {rule.code} has no parameter '{name}' (its parameters: {known})",
                            location=where,
                        )
                    try:
                        values[name] = coerce_value(value, parameter.type)
                    except ValueError as exc:
                        raise ConfigError(
                            f"parameter '{name}' of {rule.code} must be {parameter.type}: {exc}",
                            location=where,
                        ) from exc
            configured.append(ConfiguredRule(rule, severity, values))
        return configured


def find_config(start: Path | None = None) -> Path | None:
    """appconsol.toml in `start` (default: the working directory) or the nearest parent that has one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None = None, *, discover: bool = True) -> Config:
    """Read `path`, or the discovered appconsol.toml, or return the defaults when there is none."""
    if path is None:
        path = find_config() if discover else None
        if path is None:
            return Config()
    elif not path.is_file():
        raise ConfigError("config file not found", location=Location(file=path))
    return read_config(path)


def _toml() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    import tomli  # pragma: no cover - Python 3.10

    return tomli  # pragma: no cover


def read_config(path: Path) -> Config:
    toml = _toml()
    try:
        text = path.read_text(encoding="utf-8")
        data = toml.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config: {exc}", location=Location(file=path)) from exc
    except (RecursionError, MemoryError) as exc:
        raise ConfigError(
            "the TOML is nested too deeply to read",
            hint="appconsol.toml needs only a few levels of tables and arrays",
            location=Location(file=path),
        ) from exc
    except toml.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(
            f"invalid TOML: {str(exc).split(' (at ')[0]}",
            location=Location(file=path, line=int(match.group(1)) if match else None),
        ) from exc
    config = Config(path=path, lines=key_lines(text))
    _read(config, data)
    return config


def _read(config: Config, data: dict[str, Any]) -> None:
    def fail(message: str, *where: Any) -> ConfigError:
        return ConfigError(message, location=config.location(*where))

    _refuse_unknown(config, data, TOP_KEYS, ())
    if "as_of" in data:
        value = data["as_of"]
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise fail("as_of must be a date written as 2026-11-25 (no quotes)", "as_of")
        config.as_of = value
    dirs = data.get("rules_dirs", [])
    if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
        raise fail("rules_dirs must be a list of folder paths", "rules_dirs")
    assert config.path is not None
    config.rules_dirs = [(config.path.parent / d) for d in dirs]
    for d, original in zip(config.rules_dirs, dirs, strict=True):
        if not d.exists():
            raise fail(
                f"rules_dirs: '{original}' does not exist (paths are relative to the config file)",
                "rules_dirs",
            )
    rules = data.get("rules", {})
    if not isinstance(rules, dict):
        raise fail("[rules] must be a table", "rules")
    for key in ("select", "ignore"):
        value = rules.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"rules.{key} must be a list of rule codes, categories or groups", "rules", key)
        setattr(config, key, list(value))
    config.rule_time_limit, config.rule_memory_limit = rules.get("time_limit"), rules.get("memory_limit")
    if "time_limit" in rules or "memory_limit" in rules:
        from appconsol.engine.sandbox import sandbox_limits

        for key in ("time_limit", "memory_limit"):
            if key in rules:  # checked here, where the line is known; the environment may win later
                sandbox_limits(**{key: rules[key]}, where=config.location("rules", key), environ={})
    for code, body in rules.items():
        if code in RULES_KEYS:
            continue
        if not isinstance(body, dict) and not re.fullmatch(r"[A-Z]+[0-9]+", code):
            _refuse_unknown(config, {code: body}, RULES_KEYS, ("rules",))
        if not isinstance(body, dict):
            raise fail(
                f"rules.{code} must be a table such as [rules.{code}] with severity or parameters",
                "rules",
                code,
            )
        _refuse_unknown(config, body, OVERRIDE_KEYS, ("rules", code))
        severity = body.get("severity")
        if severity is not None and severity not in ("error", "warning", "info"):
            raise fail(f"severity {severity!r} must be error, warning or info", "rules", code, "severity")
        parameters = body.get("parameters", {})
        if not isinstance(parameters, dict):
            raise fail("parameters must be a table of name = value", "rules", code, "parameters")
        config.overrides[code] = RuleOverride(code, severity, dict(parameters))
    waivers = data.get("waivers", [])
    if not isinstance(waivers, list):
        raise fail("waivers must be an array of tables ([[waivers]])", "waivers")
    for i, waiver in enumerate(waivers):
        if not isinstance(waiver, dict):
            raise fail("each waiver must be a table", "waivers", i)
        _refuse_unknown(config, waiver, WAIVER_KEYS, ("waivers", i))
        for key in ("rule", "key", "reason"):
            if not isinstance(waiver.get(key), str) or not waiver[key].strip():
                raise fail(f"waiver needs '{key}' (text)", "waivers", i, key)
        expires = waiver.get("expires")
        if isinstance(expires, dt.datetime) or not isinstance(expires, dt.date):
            raise fail(
                "waiver needs 'expires', a date written as 2027-03-31 (no quotes)", "waivers", i, "expires"
            )
        config.waivers.append(
            Waiver(
                waiver["rule"].strip(),
                waiver["key"].strip(),
                waiver["reason"].strip(),
                expires,
                config.location("waivers", i) or Location(file=config.path),
            )
        )
    for section in ANALYSIS_SECTIONS:
        body = data.get(section, {})
        if not isinstance(body, dict):
            raise fail(f"[{section}] must be a table", section)
        config.analyses[section] = body
    check = data.get("check", {})
    if not isinstance(check, dict):
        raise fail("[check] must be a table", "check")
    _refuse_unknown(config, check, CHECK_KEYS, ("check",))
    if "fail_on" in check:
        if check["fail_on"] not in ("error", "warning", "info", "never"):
            raise fail("check.fail_on must be error, warning, info or never", "check", "fail_on")
        config.fail_on = check["fail_on"]
    if "baseline" in check:
        if not isinstance(check["baseline"], str) or not check["baseline"].strip():
            raise fail("check.baseline must be the path of a baseline file", "check", "baseline")
        config.baseline = config.path.parent / check["baseline"]
    _read_load(config, data.get("load", {}), fail)


def _read_load(config: Config, load: Any, fail: Any) -> None:
    """[load]: `[[load.mappings]]` tables of glob and mapping file, checked to exist."""
    if not isinstance(load, dict):
        raise fail("[load] must be a table", "load")
    _refuse_unknown(config, load, LOAD_KEYS, ("load",))
    mappings = load.get("mappings", [])
    if not isinstance(mappings, list):
        raise fail("load.mappings must be an array of tables ([[load.mappings]])", "load", "mappings")
    assert config.path is not None
    for i, item in enumerate(mappings):
        where = ("load", "mappings", i)
        if not isinstance(item, dict):
            raise fail("each [[load.mappings]] must be a table with glob and mapping", *where)
        _refuse_unknown(config, item, MAPPING_GLOB_KEYS, where)
        for key in MAPPING_GLOB_KEYS:
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise fail(f"[[load.mappings]] needs '{key}' (text)", *where, key)
        mapping = config.path.parent / item["mapping"]
        if not mapping.is_file():
            raise fail(
                f"mapping file '{item['mapping']}' does not exist (paths are relative to the config file)",
                *where,
                "mapping",
            )
        config.mappings.append(MappingGlob(item["glob"].strip(), mapping))


def _refuse_unknown(
    config: Config, data: dict[str, Any], known: Sequence[str], where: tuple[Any, ...]
) -> None:
    """An unknown key or table is an error naming its line and the key meant, as ruff does.

    A misspelt key silently ignored is a setting the user believes is in force (`failon`, a
    `[rule]` table): stopping is kinder than a warning nobody reads in a CI log.
    """
    for key in data:
        if key in known:
            continue
        kind = "table" if isinstance(data[key], dict) else "key"
        section = f" in [{'.'.join(str(w) for w in where if not isinstance(w, int))}]" if where else ""
        name = (
            f"[{'.'.join((*(str(w) for w in where if not isinstance(w, int)), key))}]"
            if kind == "table"
            else f"'{key}'"
        )
        guess = suggest(key, known)
        raise ConfigError(
            f"unknown {kind} {name}{section if kind == 'key' else ''}"
            + (f"; did you mean '{guess}'?" if guess else ""),
            hint=f"the keys allowed here are {', '.join(known)}",
            location=config.location(*where, key),
        )


def suggest(word: str, choices: Sequence[str]) -> str | None:
    """The choice `word` most likely misspells (same letters apart from case, - and _; else close)."""
    import difflib

    def squash(text: str) -> str:
        return text.lower().replace("-", "").replace("_", "")

    same = [c for c in choices if squash(c) == squash(word)]
    if same:
        return same[0]
    close = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.6)
    return next((c for c in choices if close and c.lower() == close[0]), None)


def key_lines(text: str) -> dict[tuple[Any, ...], int]:
    """Line of each key path in a TOML text (tables, array-of-table items by index, and keys).

    tomllib keeps no positions, so this scans the lines; it is used only to word messages.
    """
    lines: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    counters: dict[tuple[Any, ...], int] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if match := re.match(rf"^\[\[\s*({_DOTTED})\s*\]\]", stripped):
            path = _split(match.group(1))
            counters[path] = counters.get(path, -1) + 1
            table = (*path, counters[path])
            lines.setdefault(path, number)
            lines[table] = number
        elif match := re.match(rf"^\[\s*({_DOTTED})\s*\]", stripped):
            table = _split(match.group(1))
            lines.setdefault(table, number)
        elif match := re.match(rf"^({_DOTTED})\s*=", stripped):
            key = (*table, *_split(match.group(1)))
            lines.setdefault(key, number)
            for name in re.findall(rf"[{{,]\s*({_KEY})\s*=", stripped[match.end() :]):
                lines.setdefault((*key, *_split(name)), number)  # keys of an inline table
    return lines


def _split(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_KEY, dotted)
    return tuple(p[1:-1] if p[:1] in "\"'" else p for p in parts)
