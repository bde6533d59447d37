"""Rule benchmark: the whole built-in pack over N synthetic applications, per-rule and total time.

Applications are generated straight into a store as polars frames (no inventory files, no
loader), with the problems the data-quality rules look for planted at realistic rates, so the
rules return findings and the findings path (keys, messages, evidence JSON, the findings table)
is timed too. Targets (issue 3): 100k applications < 5 s, 1M < 60 s, on a 2-core machine.

    python benchmarks/bench_rules.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.store import Store

AS_OF = dt.date(2026, 11, 25)
LIFECYCLES = ["plan", "phase-in", "active", "phase-out", "retired"]
CRITICALITY = ["mission-critical", "business-critical", "business-operational", "administrative"]
VENDORS = [f"Vendor {i}" for i in range(400)]
CAPABILITIES = [f"Capability {i}" for i in range(300)]


def _blank(values: object, mask: np.ndarray, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    """The values as a polars Series of dtype, NULL where mask is true."""
    series = pl.Series(values).cast(dtype)
    return pl.select(pl.when(pl.lit(pl.Series(mask))).then(None).otherwise(series)).to_series().cast(dtype)


def generate(store: Store, apps: int, seed: int = 7) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    orgs = max(apps // 500, 5)
    org = np.char.add("Org ", rng.integers(0, orgs, apps).astype(str))
    app_id = np.char.add("APP-", np.arange(apps).astype(str))
    name = np.char.add("System ", rng.integers(0, apps // 2 + 1, apps).astype(str))  # some duplicates
    missing = lambda rate: rng.random(apps) < rate  # noqa: E731 - a local shorthand

    def money(rate_missing: float, scale: float) -> pl.Series:
        values = np.round(rng.gamma(2.0, scale, apps), 2)
        values[rng.random(apps) < 0.002] *= -1  # negatives
        values[rng.random(apps) < 0.0005] *= 1000  # implausible
        return _blank(values, missing(rate_missing), pl.Decimal(18, 2))

    lines = {
        "cost_licence": money(0.3, 8000),
        "cost_support": money(0.4, 3000),
        "cost_hosting": money(0.6, 2000),
        "cost_staff": money(0.8, 5000),
        "cost_other": money(0.9, 1000),
    }
    line_sum = sum(s.cast(pl.Float64).fill_null(0) for s in lines.values())
    total = (line_sum * np.where(rng.random(apps) < 0.01, 1.3, 1.0)).round(2)  # 1% do not add up
    days = rng.integers(-900, 1800, apps)
    contract_end = (pl.lit(AS_OF) + pl.duration(days=pl.Series(days))).alias("d")
    frame = pl.DataFrame(
        {
            "organisation": org,
            "app_id": app_id,
            "name": name,
            "vendor": _blank(rng.choice(VENDORS, apps), missing(0.1), pl.String),
            "version": _blank(rng.integers(1, 20, apps).astype(str), missing(0.5), pl.String),
            "lifecycle": _blank(
                rng.choice(LIFECYCLES, apps, p=[0.05, 0.05, 0.75, 0.08, 0.07]), missing(0.01), pl.String
            ),
            "business_criticality": rng.choice(CRITICALITY, apps, p=[0.05, 0.25, 0.45, 0.25]),
            "business_owner": _blank(
                np.char.add("Owner ", rng.integers(0, 5000, apps).astype(str)), missing(0.03), pl.String
            ),
            "contract_end": _blank(pl.select(contract_end).to_series(), missing(0.3), pl.Date),
            **lines,
            "cost_total": _blank(total, missing(0.4), pl.Decimal(18, 2)),
            "currency": "GBP",
            "app_id_generated": False,
            "load_id": "bench",
            "source_file": np.char.add(np.char.add("inventories/", org), ".csv"),
            "source_row": np.arange(apps) + 2,
        }
    )
    store._insert("applications", frame)
    per_app = rng.integers(0, 3, apps)  # 0-2 capabilities each; 0 makes DQ001 findings
    index = np.repeat(np.arange(apps), per_app)
    capabilities = pl.DataFrame(
        {
            "organisation": org[index],
            "app_id": app_id[index],
            "capability": rng.choice(CAPABILITIES, index.size),
            "load_id": "bench",
            "source_file": frame["source_file"].to_numpy()[index],
            "source_row": index + 2,
        }
    )
    store._insert("app_capabilities", capabilities)
    components = pl.DataFrame(
        {
            "organisation": org,
            "app_id": app_id,
            "kind": "database",
            "product": "SQL Server",
            "version": rng.choice(["2012", "2016", "2019", None], apps),
            "load_id": "bench",
            "source_file": frame["source_file"],
            "source_row": np.arange(apps) + 2,
        }
    )
    store._insert("app_components", components)
    warned = np.flatnonzero(rng.random(apps) < 0.01)
    store._insert(
        "load_warnings",
        pl.DataFrame(
            {
                "organisation": org[warned],
                "app_id": app_id[warned],
                "source_column": "Contract end",
                "field": "contract_end",
                "value": "next spring",
                "problem": "unparseable date 'next spring'",
                "load_id": "bench",
                "source_file": frame["source_file"].to_numpy()[warned],
                "source_row": warned + 2,
            }
        ),
    )
    rejected = np.flatnonzero(rng.random(apps) < 0.001)
    store._insert(
        "rejected_rows",
        pl.DataFrame(
            {
                "organisation": org[rejected],
                "reason": "no application name",
                "raw": '{"Vendor": "Acme"}',
                "load_id": "bench",
                "source_file": frame["source_file"].to_numpy()[rejected],
                "source_row": rejected + 2,
            }
        ),
    )
    taxonomy = pl.DataFrame(
        {
            "taxonomy": "bench",
            "code": [f"C{i}" for i in range(250)],
            "name": CAPABILITIES[:250],
            "aliases": None,
        },
        schema_overrides={"aliases": pl.List(pl.String)},
    )
    store._insert("capability_taxonomy", taxonomy)
    store.con.execute("CHECKPOINT")
    return {"applications": apps, "capabilities": int(index.size), "warnings": int(warned.size)}


def bench(apps: int, memory: bool) -> None:
    pack = load_rules()
    configured = [ConfiguredRule(r, r.severity, r.defaults()) for r in pack.rules]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(":memory:") if memory else Path(folder) / "bench.duckdb"
        with Store(path) as store:
            start = time.perf_counter()
            counts = generate(store, apps)
            generated = time.perf_counter() - start
            start = time.perf_counter()
            result = run_rules(store, configured, as_of=AS_OF)
            total = time.perf_counter() - start
    where = "in-memory store" if memory else "store on disk"
    print(f"\n## {apps:,} applications ({where}; generated in {generated:.1f} s; {counts})\n")
    print("| rule | seconds | findings |")
    print("|---|---:|---:|")
    for timing in sorted(result.timings, key=lambda t: (t.kind, t.code)):
        found = "" if timing.findings is None else f"{timing.findings:,}"
        print(f"| {timing.kind} {timing.code} | {timing.seconds:.3f} | {found} |")
    steps_time = sum(t.seconds for t in result.timings if t.kind == "step")
    rules_time = sum(t.seconds for t in result.timings if t.kind == "rule")
    print(f"| analysis steps | {steps_time:.3f} | |")
    print(f"| rules | {rules_time:.3f} | {result.frame.height:,} |")
    print(f"| **whole run** (rules + storing findings) | **{total:.3f}** | |")
    for failure in result.failures:
        print(f"\n{failure}")
    assert not [f for f in result.failures if f.kind == "rule"], result.failures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--memory", action="store_true", help="Use an in-memory store (as `check` does).")
    args = parser.parse_args()
    print(f"# Rule benchmark ({platform.python_version()}, {platform.machine()}, {platform.system()})")
    for size in args.sizes:
        bench(size, args.memory)


if __name__ == "__main__":
    main()
