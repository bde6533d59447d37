"""Analyse benchmark: every analysis step and the whole rule pack over N generated applications.

For each size, `generate_inventory.py` writes a CSV inventory of N applications in N/250
organisations (so a body holds ~250 applications at every size and the growth measured is the
portfolio's, not one body's), the loader loads it into a store, and the organisations are put
in regional partnerships of `--partnership-size` bodies (0: one partnership of every body, the
worst case for cross-body groups). Then `appconsol analyse` (library function, every registered
step and every built-in rule) runs in a fresh process, which reports its seconds per step, the
rule time and its own peak RSS. Loading is set up once per size and not timed here (see
bench_load.py). Targets (issue 4): 100k < 20 s, 1M < 5 min, peak < 4 GB, and time that does
not grow with the square of the portfolio.

    python benchmarks/bench_analyse.py --sizes 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = "2026-11-25"

SETUP = """
import sys, json
from pathlib import Path
from appconsol.store import Store
from appconsol.ingest.load import load_inventories
from appconsol.ingest.prepare import LoadOptions
import datetime as dt
path, db, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
with Store(db) as store:
    report = load_inventories([path], store, options=LoadOptions(as_of=dt.date(2026, 11, 25)))
    assert report.ok, [str(f.error) for f in report.failures]
    orgs = [r[0] for r in store.con.execute("SELECT organisation FROM organisations ORDER BY 1").fetchall()]
    chunks = [orgs] if size == 0 else [orgs[i:i + size] for i in range(0, len(orgs), size)]
    store.set_partnerships({f"Region {i + 1}": c for i, c in enumerate(chunks) if len(c) > 1}, {})
    store.con.execute("CHECKPOINT")
print(json.dumps({"organisations": len(orgs), "partnerships": len(chunks)}))
"""

ANALYSE = """
import sys, json, time, resource, datetime as dt
from pathlib import Path
start = time.perf_counter()
from appconsol.api import analyse
result = analyse(Path(sys.argv[1]), as_of=dt.date(2026, 11, 25), config=None)
total = time.perf_counter() - start
run = result.run
counts = {}
from appconsol.store import Store
with Store(Path(sys.argv[1]), read_only=True) as store:
    for table in ("applications", "overlap_pairs", "overlap_groups", "overlap_members", "plan_actions", "findings"):
        counts[table] = store.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
print(json.dumps({
    "seconds": total,
    "steps": {t.code: t.seconds for t in run.timings if t.kind == "step"},
    "rules": sum(t.seconds for t in run.timings if t.kind == "rule"),
    "failures": [str(f) for f in run.failures],
    "counts": counts,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def _child(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(apps: int, partnership_size: int) -> Path:
    orgs = max(2, apps // 250)
    folder = DATA / f"analyse-{apps}-{orgs}"
    csv = folder / "inventory.csv"
    if not csv.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_inventory.py"),
                "--apps",
                str(apps),
                "--orgs",
                str(orgs),
                "--format",
                "csv",
                "--out",
                str(folder),
                "--seed",
                "7",
            ],
            check=True,
            capture_output=True,
        )
    db = folder / f"store-p{partnership_size}.duckdb"
    if not db.exists():
        _child(SETUP, str(csv), str(db), str(partnership_size))
    return db


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--partnership-size", type=int, default=10, help="bodies per partnership (0: one of all)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is reported")
    args = parser.parse_args()
    print(f"# Analyse benchmark ({platform.python_version()}, {platform.machine()}, {platform.system()})\n")
    results = []
    for size in args.sizes:
        db = prepare(size, args.partnership_size)
        runs = [_child(ANALYSE, str(db)) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        assert not best["failures"], best["failures"]
        results.append((size, best))
    steps = sorted(
        {s for _size, r in results for s in r["steps"]}, key=lambda s: -results[-1][1]["steps"].get(s, 0)
    )
    print("| applications | " + " | ".join(steps) + " | rules | **analyse** | peak RSS MB |")
    print("|---:|" + "---:|" * (len(steps) + 3))
    for size, r in results:
        cells = [f"{r['steps'].get(s, 0):.2f}" for s in steps]
        print(
            f"| {size:,} | "
            + " | ".join(cells)
            + f" | {r['rules']:.2f} | **{r['seconds']:.1f}** | {r['peak_mb']:,.0f} |"
        )
    print("\n| applications | pairs | overlap groups | members | plan actions | findings | s per 1k apps |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size, r in results:
        c = r["counts"]
        print(
            f"| {size:,} | {c['overlap_pairs']:,} | {c['overlap_groups']:,} | {c['overlap_members']:,} | "
            f"{c['plan_actions']:,} | {c['findings']:,} | {1000 * r['seconds'] / size:.3f} |"
        )


if __name__ == "__main__":
    main()
