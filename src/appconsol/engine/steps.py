"""Python analysis steps: work SQL does badly (similarity, optimisation) that writes tables rules read.

A step declares the tables it writes (as schema `Table`s, so they are documented and exist, empty,
when rule SQL is checked) and the tables it reads; the engine runs steps in dependency order
before any rule. A step rewrites its tables wholesale each run: one writer per table.

    register_step(Step(
        name="overlap",
        description="Pairs of applications that serve the same capability.",
        reads=("v_applications", "v_app_capabilities"),
        writes=(Table("overlap_pairs", "one row per pair", (...)),),
        run=find_overlap,          # run(context) -> None
    ))

The built-in steps are listed by `appconsol.analyses.builtin_steps()`, which the API passes in;
when a caller passes none, the engine finds them through the `appconsol.steps` entry point, so it
never imports an analysis by name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from appconsol.errors import AppconsolError, Location, Notice
from appconsol.schema import TABLES_BY_NAME, VIEWS_BY_NAME, Table


def _nowhere(*_: Any) -> Location | None:
    return None


@dataclass(frozen=True)
class StepContext:
    """What a step gets: the store's DuckDB connection, the run's as-of date, and its settings.

    `settings` holds the analysis sections of appconsol.toml ([reference], [legacy], [cloud],
    [overlap], [plan]) as plain tables; `where(section, key, ...)` gives the file:line of a setting
    so a step can report a bad value where the user wrote it. A step appends warnings that should
    not stop the run (an unknown setting, say) to `notices`; the run reports them.
    """

    con: Any
    as_of: dt.date
    settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    where: Callable[..., Location | None] = _nowhere
    notices: list[Notice] = field(default_factory=list)
    store: Any = None  # the Store whose `replace_table` steps write through (one made around `con` if None)

    def __post_init__(self) -> None:
        if self.store is None:
            from appconsol.store import Store

            object.__setattr__(self, "store", Store.around(self.con))


@dataclass(frozen=True)
class Step:
    name: str
    description: str
    reads: tuple[str, ...]
    writes: tuple[Table, ...]
    run: Callable[[StepContext], None]

    @property
    def written(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.writes)


STEPS: dict[str, Step] = {}
STEP_ENTRY_POINTS = "appconsol.steps"  # each names a function returning Steps (pyproject.toml)


def plugged_in_steps() -> list[Step]:
    """Steps from the `appconsol.steps` entry points: the built-in ones (appconsol.analyses) and plug-ins.

    The engine imports no analysis by name: an installed package says where its steps are.
    """
    found: dict[str, Step] = {}
    for provide in _providers():
        for step in provide():
            found.setdefault(step.name, step)
    return list(found.values())


@lru_cache(maxsize=1)
def _providers() -> tuple[Callable[[], Sequence[Step]], ...]:
    from importlib.metadata import entry_points

    return tuple(
        point.load() for point in sorted(entry_points(group=STEP_ENTRY_POINTS), key=lambda p: p.name)
    )


def registered_steps() -> list[Step]:
    """The steps the engine runs when none are passed: the plugged-in ones, then any `register_step` added."""
    found = {step.name: step for step in plugged_in_steps()}
    for name, step in STEPS.items():
        found.setdefault(name, step)
    return list(found.values())


class StepError(AppconsolError):
    """Analysis steps are declared inconsistently (a cycle, a table nobody writes)."""


def register_step(step: Step) -> Step:
    """Add a step to the registry the runner uses by default."""
    if step.name in STEPS:
        raise StepError(f"analysis step '{step.name}' is registered twice")
    STEPS[step.name] = step
    return step


def order_steps(steps: Sequence[Step]) -> list[Step]:
    """Steps in an order where every table a step reads is written before it; StepError otherwise."""
    writer: dict[str, Step] = {}
    for step in steps:
        for name in step.written:
            if name in writer or name in TABLES_BY_NAME or name in VIEWS_BY_NAME:
                raise StepError(f"table '{name}' written by step '{step.name}' already has a writer")
            writer[name] = step
    for step in steps:
        for name in step.reads:
            if name not in writer and name not in TABLES_BY_NAME and name not in VIEWS_BY_NAME:
                raise StepError(f"step '{step.name}' reads '{name}', which no table, view or step provides")
    ordered: list[Step] = []
    state: dict[str, str] = {}

    def visit(step: Step, path: tuple[str, ...]) -> None:
        if state.get(step.name) == "done":
            return
        if state.get(step.name) == "visiting":
            raise StepError(
                f"analysis steps depend on each other in a cycle: {' -> '.join((*path, step.name))}"
            )
        state[step.name] = "visiting"
        for name in step.reads:
            if name in writer and writer[name] is not step:
                visit(writer[name], (*path, step.name))
        state[step.name] = "done"
        ordered.append(step)

    for step in sorted(steps, key=lambda s: s.name):
        visit(step, ())
    return ordered
