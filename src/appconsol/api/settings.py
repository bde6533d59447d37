"""The two things every API function settles once and passes down: the config and the as-of date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from appconsol.config import Config
    from appconsol.engine.steps import Step
    from appconsol.ingest.mapping import UserMapping


def settings_from(config: Path | Config | None) -> Config:
    """`config` as read: a Config as given, else the file named, else the nearest appconsol.toml."""
    from appconsol.config import Config, load_config

    return config if isinstance(config, Config) else load_config(config)


def resolve_as_of(as_of: dt.date | dt.datetime | None, settings: Config) -> dt.date:
    """The date everything is judged as of: the argument, else the config's `as_of`, else today.

    The only place appconsol reads the clock for an analysis (DESIGN.md, Time).
    """
    if isinstance(as_of, dt.datetime):
        return as_of.date()
    return as_of or settings.as_of or dt.date.today()


def mapping_chooser(
    mapping: Path | None, settings: Config
) -> tuple[UserMapping | None, Callable[[Path], UserMapping | None] | None]:
    """The mapping for every file (`mapping`), or a per-file chooser from `[[load.mappings]]`."""
    from appconsol.ingest.mapping import read_user_mapping

    if mapping is not None:
        return read_user_mapping(Path(mapping)), None
    if not settings.mappings:
        return None, None
    cache: dict[Path, UserMapping] = {}

    def choose(path: Path) -> UserMapping | None:
        found = settings.mapping_for(path)
        if found is None:
            return None
        if found not in cache:
            cache[found] = read_user_mapping(found)
        return cache[found]

    return None, choose


def builtin_steps() -> list[Step]:
    """The steps the API passes to the engine.

    The built-in ones (listed by `appconsol.analyses`), then plugged-in packages' and any added
    with `register_step`.
    """
    from appconsol.analyses import builtin_steps as analyses_steps
    from appconsol.engine.steps import registered_steps

    found = {step.name: step for step in analyses_steps()}
    for step in registered_steps():
        found.setdefault(step.name, step)
    return list(found.values())
