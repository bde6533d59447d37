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

A module that registers built-in steps is listed in STEP_MODULES, so the engine imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
# Modules whose import registers the built-in steps (each calls register_step at import time).
STEP_MODULES: tuple[str, ...] = (
    "appconsol.analyses.lifecycle",
    "appconsol.analyses.legacy",
    "appconsol.analyses.disposition",
    "appconsol.analyses.products",
    "appconsol.analyses.capabilities",
    "appconsol.analyses.overlap",
    "appconsol.analyses.plan",
)


def registered_steps() -> list[Step]:
    """The built-in steps: importing STEP_MODULES fills the registry."""
    from importlib import import_module

    for module in STEP_MODULES:
        import_module(module)
    return list(STEPS.values())


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
