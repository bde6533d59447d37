"""The canonical schema: the one contract between ingest, the store, the rules and the reports.

Everything about an inventory field lives here: its stored type, what it means, the words it is
known by in exports (header aliases) and, for controlled fields, the vocabulary its values are
mapped onto. The store's DDL, the loader's mapping and normalisation, and `docs/schema.md` are all
generated from these definitions, so changing a field here changes it everywhere.

Split by job: `types` (kinds, Field), `vocabularies`, `fields` (and `fields_ownership`),
`tables` and `views`; every name is importable from `appconsol.schema` as before.
"""

from __future__ import annotations

from appconsol.schema.fields import APPLICATION_FIELDS, COST_LINE_FIELDS, FIELDS_BY_NAME
from appconsol.schema.tables import (
    APPLICATION_EXTRA_COLUMNS,
    PROVENANCE_COLUMNS,
    TABLES,
    TABLES_BY_NAME,
    Column,
    Table,
    application_columns,
)
from appconsol.schema.types import DEFAULT_CURRENCY, SCHEMA_VERSION, SQL_TYPES, Field, Kind, make_field
from appconsol.schema.views import LIVE_LIFECYCLES, VIEWS, VIEWS_BY_NAME, View, view_ddl
from appconsol.schema.vocabularies import (
    CRITICALITY,
    DATA_CLASSIFICATION,
    FUNCTIONAL_FIT,
    HOSTING,
    LIFECYCLE,
    TECHNICAL_FIT,
)

__all__ = [
    "APPLICATION_EXTRA_COLUMNS",
    "APPLICATION_FIELDS",
    "COST_LINE_FIELDS",
    "CRITICALITY",
    "DATA_CLASSIFICATION",
    "DEFAULT_CURRENCY",
    "FIELDS_BY_NAME",
    "FUNCTIONAL_FIT",
    "HOSTING",
    "LIFECYCLE",
    "LIVE_LIFECYCLES",
    "PROVENANCE_COLUMNS",
    "SCHEMA_VERSION",
    "SQL_TYPES",
    "TABLES",
    "TABLES_BY_NAME",
    "TECHNICAL_FIT",
    "VIEWS",
    "VIEWS_BY_NAME",
    "Column",
    "Field",
    "Kind",
    "Table",
    "View",
    "application_columns",
    "make_field",
    "view_ddl",
]
