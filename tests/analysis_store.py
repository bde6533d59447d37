"""Small stores for the overlap and plan tests: inline CSV inventories loaded the ordinary way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from appconsol.engine.runner import RunResult, run_rules
from appconsol.engine.steps import StepContext
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
from appconsol.store import Store

AS_OF = dt.date(2026, 11, 25)
HEADER = (
    "Organisation,App ID,Name,Vendor,Product,Description,Capability,Lifecycle,Users,Licence cost,Support cost,"
    "Total cost,Contract end,Notice period,Functional fit,Technical fit,Operating system,Data classification"
)


def inventory(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def row(
    organisation: str,
    app_id: str,
    name: str,
    *,
    vendor: str = "",
    product: str = "",
    description: str = "",
    capability: str = "",
    lifecycle: str = "active",
    users: int | str = "",
    licence: int | str = "",
    support: int | str = "",
    total: int | str = "",
    contract_end: str = "",
    notice: str = "",
    functional_fit: str = "",
    technical_fit: str = "",
    os: str = "",
    classification: str = "",
) -> str:
    values = [
        organisation,
        app_id,
        name,
        vendor,
        product,
        description,
        capability,
        lifecycle,
        users,
        licence,
        support,
        total,
        contract_end,
        notice,
        functional_fit,
        technical_fit,
        os,
        classification,
    ]
    return ",".join(f'"{v}"' if "," in str(v) else str(v) for v in values)


def load(
    store: Store, folder: Path, text: str, partnerships: Mapping[str, Sequence[str]] | None = None
) -> None:
    path = folder / "inventory.csv"
    path.write_text(text, encoding="utf-8")
    report = load_inventories([path], store, options=LoadOptions(as_of=AS_OF))
    assert report.ok, [str(f.error) for f in report.failures]
    if partnerships:
        store.set_partnerships({k: list(v) for k, v in partnerships.items()}, {})


def analyse(store: Store, settings: Mapping[str, Mapping[str, Any]] | None = None) -> RunResult:
    """Run every registered analysis step (no rules) as of AS_OF."""
    result = run_rules(store, [], as_of=AS_OF, settings=settings or {})
    assert not result.failures, result.failures
    return result


def context(store: Store, settings: Mapping[str, Mapping[str, Any]] | None = None) -> StepContext:
    return StepContext(store.con, AS_OF, settings or {})


def rows(store: Store, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return [dict(r) for r in store.query(sql, params).iter_rows(named=True)]
