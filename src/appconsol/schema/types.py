"""The building blocks of the schema: field kinds, their SQL types, and the Field itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

SCHEMA_VERSION = 1
DEFAULT_CURRENCY = "GBP"


class Kind(str, Enum):
    """How a field's values are parsed and stored."""

    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    DATE = "date"
    BOOLEAN = "boolean"
    ENUM = "enum"
    FIT = "fit"
    LIST = "list"
    COMPONENTS = "components"


SQL_TYPES: dict[Kind, str] = {
    Kind.TEXT: "VARCHAR",
    Kind.INTEGER: "BIGINT",
    Kind.MONEY: "DECIMAL(18,2)",
    Kind.DATE: "DATE",
    Kind.BOOLEAN: "BOOLEAN",
    Kind.ENUM: "VARCHAR",
    Kind.FIT: "TINYINT",
    Kind.LIST: "VARCHAR[]",
    Kind.COMPONENTS: "VARCHAR",
}


@dataclass(frozen=True)
class Field:
    """One canonical application field."""

    name: str
    kind: Kind
    description: str
    aliases: tuple[str, ...] = ()
    vocabulary: dict[str, tuple[str, ...]] = field(default_factory=dict)
    component_kind: str | None = None  # for COMPONENTS fields: os, database, runtime, product, mixed
    stored: bool = True  # COMPONENTS and capability lists go to their own tables

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


def make_field(name: str, kind: Kind, description: str, *aliases: str, **kwargs: object) -> Field:
    """A Field from its name, kind, description and header aliases (keywords as Field's)."""
    return Field(name, kind, description, tuple(aliases), **kwargs)  # type: ignore[arg-type]
