"""Legacy and cloud benchmark: the lifecycle, legacy and disposition steps and their rules over N apps.

Applications, components, capabilities and dependencies are generated straight into a store
(no inventory files, no loader) in about N/250 organisations, with the values these analyses
look at spread realistically: lifecycles, fits, hosting, classification and hosting countries,
vendors that have SaaS editions, scarce languages, explicit legacy scores in unmapped columns,
and 0-4 components per application drawn from ~40 spellings (current, ageing, out of support
and unmatched). Prints seconds per step and per rule. Targets (issue 4): the whole of `analyse`
at 100k < 20 s and at 1M < 5 min on a 2-core machine, so these steps should take a small part
(aim: < 3 s at 100k).

    python benchmarks/bench_analyse_legacy.py --sizes 100000 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from appconsol.analyses.disposition import DISPOSITION_STEP
from appconsol.analyses.legacy import LEGACY_STEP
from appconsol.analyses.lifecycle import LIFECYCLE_STEP
from appconsol.engine.loader import load_rules
from appconsol.engine.model import ConfiguredRule
from appconsol.engine.runner import run_rules
from appconsol.engine.steps import StepContext, table_ddl
from appconsol.reference import load_taxonomy
from appconsol.store import Store

AS_OF = dt.date(2026, 11, 25)
COMPONENTS = [
    ("os", "Windows Server", "2022"),
    ("os", "Windows Server", "2019"),
    ("os", "Windows Server", "2016"),
    ("os", "Windows Server", "2012 R2"),
    ("os", "Windows Server", "2008 R2"),
    ("os", "Win", "2019"),
    ("os", "RHEL", "9"),
    ("os", "RHEL", "8"),
    ("os", "RHEL", "7"),
    ("os", "Red Hat Enterprise Linux", "6"),
    ("os", "Ubuntu", "22.04"),
    ("os", "Ubuntu", "24.04"),
    ("database", "SQL Server", "2022"),
    ("database", "SQL Server", "2019"),
    ("database", "Microsoft SQL Server", "2017"),
    ("database", "SQL Server", "2016"),
    ("database", "SQL Server", "2014"),
    ("database", "MS SQL", "2012"),
    ("database", "Oracle", "19c"),
    ("database", "Oracle", "11g"),
    ("database", "PostgreSQL", "16"),
    ("database", "PostgreSQL", "13"),
    ("database", "MySQL", "8.0"),
    ("database", "Sybase ASE", "15.7"),
    ("runtime", ".NET Framework", "4.8"),
    ("runtime", ".NET Framework", "4.6.2"),
    ("runtime", ".NET Framework", "3.5 SP1"),
    ("runtime", ".NET", "8"),
    ("runtime", "Java", "21"),
    ("runtime", "Java", "17"),
    ("runtime", "Java", "11"),
    ("runtime", "Java", "8"),
    ("runtime", "PHP", "8.3"),
    ("runtime", "PHP", "7.4"),
    ("runtime", "Python", "3.12"),
    ("runtime", "PowerBuilder", "12.5"),
    ("runtime", "Oracle Forms", "10g"),
    ("runtime", "Acme Runtime", "3"),
    ("os", "Windows Server", None),
]
VENDORS = [f"Vendor {i}" for i in range(380)] + [
    "TOPdesk UK Ltd",
    "Civica UK Limited",
    "Microsoft",
    "Ivanti UK Ltd",
    "MHR International UK Ltd",
    "Idox plc",
    "Esri UK",
    "In house",
    "Oracle Corporation UK Ltd",
    "Unit4",
]
LANGUAGES = ["C#", "Java", "Python", "PHP", "COBOL", "VB6", "Delphi", "PowerBuilder", None]
COUNTRIES = ["United Kingdom", "UK", "Ireland", "United States", "India", None]


def _pick(rng: np.random.Generator, values: list, n: int, p: list[float] | None = None) -> list:
    index = rng.choice(len(values), n, p=p)
    return [values[i] for i in index]


def generate(store: Store, apps: int, seed: int = 11) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    orgs = max(apps // 250, 4)
    org_of = rng.integers(0, orgs, apps)
    organisation = np.char.add("Org ", org_of.astype(str))
    app_id = np.char.add("APP-", np.arange(apps).astype(str))
    name = np.char.add("System ", rng.integers(0, max(apps // 5, 10), apps).astype(str))
    unmapped = np.full(apps, None, dtype=object)
    scored = np.flatnonzero(rng.random(apps) < 0.03)
    unmapped[scored] = [json.dumps({"Legacy risk score": int(s)}) for s in rng.integers(1, 26, scored.size)]
    vulnerable = np.flatnonzero(rng.random(apps) < 0.02)
    unmapped[vulnerable] = [
        json.dumps({"Open vulnerabilities": int(v)}) for v in rng.integers(0, 40, vulnerable.size)
    ]
    fits = rng.integers(1, 5, (2, apps)).astype(float)
    fits[:, rng.random(apps) < 0.5] = np.nan  # half the estate has no fit ratings
    frame = pl.DataFrame(
        {
            "organisation": organisation,
            "app_id": app_id,
            "name": name,
            "description": _pick(
                rng,
                ["Case management", "Talks to the meters over a serial port", None],
                apps,
                [0.3, 0.001, 0.699],
            ),
            "vendor": _pick(rng, VENDORS, apps),
            "lifecycle": _pick(
                rng,
                ["plan", "phase-in", "active", "phase-out", "retired", None],
                apps,
                [0.03, 0.04, 0.8, 0.05, 0.07, 0.01],
            ),
            "business_criticality": _pick(
                rng,
                ["mission-critical", "business-critical", "business-operational", "administrative", None],
                apps,
                [0.05, 0.2, 0.4, 0.25, 0.1],
            ),
            "hosting_model": _pick(
                rng,
                ["on-premises", "private-cloud", "iaas", "saas", None],
                apps,
                [0.5, 0.15, 0.05, 0.25, 0.05],
            ),
            "hosting_country": _pick(rng, COUNTRIES, apps, [0.5, 0.1, 0.05, 0.03, 0.02, 0.3]),
            "data_classification": _pick(
                rng, ["official", "official-sensitive", "secret", None], apps, [0.6, 0.25, 0.001, 0.149]
            ),
            "special_category_data": _pick(rng, [True, False, None], apps, [0.1, 0.5, 0.4]),
            "internet_facing": _pick(rng, [True, False, None], apps, [0.2, 0.6, 0.2]),
            "user_count": pl.Series(rng.integers(0, 8000, apps)),
            "functional_fit": pl.Series(fits[0]).fill_nan(None).cast(pl.Int8),
            "technical_fit": pl.Series(fits[1]).fill_nan(None).cast(pl.Int8),
            "languages": [
                [lang] if lang else None
                for lang in _pick(
                    rng, LANGUAGES, apps, [0.1, 0.1, 0.05, 0.05, 0.002, 0.003, 0.002, 0.002, 0.691]
                )
            ],
            "contract_end": pl.Series(
                [AS_OF + dt.timedelta(days=int(d)) for d in rng.integers(-900, 1800, apps)]
            ),
            "go_live": pl.Series([AS_OF - dt.timedelta(days=int(d)) for d in rng.integers(100, 9000, apps)]),
            "integration_count": pl.Series(rng.integers(0, 15, apps)),
            "cost_total": pl.Series(np.round(rng.gamma(2.0, 20000, apps), 2)).cast(pl.Decimal(18, 2)),
            "unmapped": pl.Series(unmapped.tolist(), dtype=pl.String),
            "currency": "GBP",
            "app_id_generated": False,
            "load_id": "bench",
            "source_file": np.char.add(np.char.add("inventories/", organisation), ".csv"),
            "source_row": np.arange(apps) + 2,
        },
        strict=False,
    )
    store._insert("applications", frame)
    per_app = rng.integers(0, 5, apps)
    index = np.repeat(np.arange(apps), per_app)
    chosen = rng.integers(0, len(COMPONENTS), index.size)
    kinds, products, versions = (np.array([c[i] for c in COMPONENTS], dtype=object)[chosen] for i in range(3))
    raw = [f"{p} {v}" if v else p for p, v in zip(products, versions, strict=True)]
    store._insert(
        "app_components",
        pl.DataFrame(
            {
                "organisation": organisation[index],
                "app_id": app_id[index],
                "kind": kinds,
                "product": products,
                "version": versions,
                "raw": raw,
                "source_column": "Components",
                "load_id": "bench",
                "source_file": frame["source_file"].to_numpy()[index],
                "source_row": index + 2,
            },
            strict=False,
        ),
    )
    taxonomy_names = load_taxonomy()["name"].to_list()
    capabilities = taxonomy_names + [f"Local capability {i}" for i in range(300)]
    per_app = rng.integers(0, 3, apps)
    cap_index = np.repeat(np.arange(apps), per_app)
    store._insert(
        "app_capabilities",
        pl.DataFrame(
            {
                "organisation": organisation[cap_index],
                "app_id": app_id[cap_index],
                "capability": _pick(rng, capabilities, cap_index.size),
                "load_id": "bench",
                "source_file": frame["source_file"].to_numpy()[cap_index],
                "source_row": cap_index + 2,
            }
        ),
    )
    linked = np.flatnonzero(rng.random(apps) < 0.02)
    partner = rng.integers(0, apps, linked.size)
    store._insert(
        "app_dependencies",
        pl.DataFrame(
            {
                "organisation": organisation[linked],
                "app_name": name[linked],
                "depends_on": name[partner],
                "direction": "southbound",
                "load_id": "bench",
                "source_file": frame["source_file"].to_numpy()[linked],
                "source_row": linked + 2,
            }
        ),
    )
    store.con.execute("CHECKPOINT")
    return {"organisations": orgs, "components": int(index.size), "capabilities": int(cap_index.size)}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(apps: int) -> None:
    pack = [r for r in load_rules().rules if r.category in ("legacy", "cloud")]
    configured = [ConfiguredRule(r, r.severity, r.defaults()) for r in pack]
    with tempfile.TemporaryDirectory() as folder, Store(Path(folder) / "bench.duckdb") as store:
        start = time.perf_counter()
        counts = generate(store, apps)
        generated, peak_generated = time.perf_counter() - start, _peak_mb()
        print(f"\n## {apps:,} applications (generated in {generated:.1f} s; {counts})\n")
        print("CPU seconds add both cores' work, so they stay comparable when the machine is busy.\n")
        print("| step or rules | wall seconds | CPU seconds | findings |")
        print("|---|---:|---:|---:|")
        steps_wall = 0.0
        for step in (LIFECYCLE_STEP, LEGACY_STEP, DISPOSITION_STEP):
            for table in step.writes:
                store.con.execute(table_ddl(table))
            wall, cpu = time.perf_counter(), _cpu()
            step.run(StepContext(store.con, AS_OF))
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
            steps_wall += wall
            print(f"| step {step.name} | {wall:.2f} | {cpu:.2f} | |")
        wall, cpu = time.perf_counter(), _cpu()
        result = run_rules(store, configured, as_of=AS_OF, steps=[])
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        assert not result.failures, [str(f) for f in result.failures]
        print(
            f"| {len(configured)} rules LG*, CL* (and storing findings) | {wall:.2f} | {cpu:.2f} | {result.frame.height:,} |"
        )
        print(f"| **the three steps** | **{steps_wall:.2f}** | | |")
        dispositions = store.con.execute(
            "SELECT disposition, count(*) FROM dispositions GROUP BY ALL ORDER BY 2 DESC"
        ).fetchall()
    print(f"\nDispositions: {dict(dispositions)}")
    print(f"Peak RSS: {peak_generated:,.0f} MB after generating, {_peak_mb():,.0f} MB after the run")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    print(
        f"# Legacy and cloud benchmark ({platform.python_version()}, {platform.machine()}, {platform.system()})"
    )
    for size in args.sizes:
        bench(size)


if __name__ == "__main__":
    main()
