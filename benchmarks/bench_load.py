"""Load benchmarks: time and peak memory of `appconsol load` on generated inventories.

Each measurement runs in a fresh child process, so peak RSS is that run's alone
(`resource.getrusage(RUSAGE_CHILDREN)`), and the xlsx figure is compared with calamine reading
the same sheet on its own, in the same run. Results go to stdout as a Markdown table; with
`--write-docs` they replace the table in docs/performance.md.

The xlsx runs alternate (calamine, then the load, then each `--compare-src` tree's load) so a
machine shared with other work slows them alike; the best of `--repeat` runs of each is kept.
`--compare-src /path/to/other/src` loads with another checkout's code (put first on PYTHONPATH)
in the same run, for a before/after ratio.

    python benchmarks/bench_load.py --sizes 10000 100000 1000000 --xlsx-size 100000
    python benchmarks/bench_load.py --sizes 10000 --xlsx-size 100000 --orgs 50 --compare-src /tmp/main/src
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

LOAD_CHILD = """
import sys, time, json
from pathlib import Path
from appconsol.store import Store
from appconsol.ingest.load import load_inventories
path, db = Path(sys.argv[1]), Path(sys.argv[2])
start = time.perf_counter()
with Store(db) as store:
    report = load_inventories([path], store)
elapsed = time.perf_counter() - start
assert report.ok, [str(f.error) for f in report.failures]
r = report.records[0]
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": elapsed, "read": r.rows_read, "loaded": r.rows_loaded, "rejected": r.rows_rejected, "peak_mb": peak}))
"""

CALAMINE_CHILD = """
import sys, time, json
import fastexcel
start = time.perf_counter()
reader = fastexcel.read_excel(sys.argv[1])
sheet = reader.load_sheet(0, header_row=None, dtypes="string")
batch = sheet.to_arrow()
import resource
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": time.perf_counter() - start, "rows": batch.num_rows, "peak_mb": peak}))
"""


def generate(apps: int, fmt: str, orgs: int) -> Path:
    target = DATA / f"{fmt}-{apps}"
    existing = sorted(p for p in target.glob(f"*.{fmt}")) if target.exists() else []
    if not existing:
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_inventory.py"),
                "--apps",
                str(apps),
                "--orgs",
                str(orgs),
                "--format",
                fmt,
                "--out",
                str(target),
                "--seed",
                "7",
            ],
            check=True,
        )
        existing = sorted(target.glob(f"*.{fmt}"))
    if len(existing) != 1:
        raise SystemExit(f"expected one generated .{fmt} file in {target}, found {len(existing)}")
    return existing[0]


def run_child(code: str, *args: str, src: str | None = None) -> dict:
    """Run one measurement in a fresh interpreter; it reports its own time and peak RSS."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    out = subprocess.run(
        [sys.executable, "-c", code, *args], check=True, capture_output=True, text=True, env=env
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_load(path: Path, src: str | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return run_child(LOAD_CHILD, str(path), str(Path(tmp) / "bench.duckdb"), src=src)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--xlsx-size", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=2, help="runs per measurement; the best time is kept")
    parser.add_argument(
        "--compare-src",
        action="append",
        default=[],
        metavar="DIR",
        help="also load the xlsx with the appconsol package under DIR (another checkout's src/)",
    )
    args = parser.parse_args()

    rows = []
    for apps in sorted(args.sizes):
        path = generate(apps, "csv", args.orgs)
        runs = [measure_load(path) for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["seconds"])
        rows.append(("csv", apps, path.stat().st_size / 1e6, best, None))
    if args.xlsx_size:
        path = generate(args.xlsx_size, "xlsx", args.orgs)
        trees: list[str | None] = [None, *args.compare_src]
        runs: dict[str | None, list[dict]] = {tree: [] for tree in ["calamine", *trees]}
        for _ in range(args.repeat):
            runs["calamine"].append(run_child(CALAMINE_CHILD, str(path)))
            for tree in trees:
                runs[tree].append(measure_load(path, tree))
        calamine = min(runs["calamine"], key=lambda r: r["seconds"])
        for tree in trees:
            best = min(runs[tree], key=lambda r: r["seconds"])
            label = "xlsx" if tree is None else f"xlsx ({tree})"
            rows.append((label, args.xlsx_size, path.stat().st_size / 1e6, best, calamine))

    print(
        f"Machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"{__import__('os').cpu_count()} cores"
    )
    print()
    print(
        "| format | applications | file MB | load s | rows/s | peak RSS MB | calamine alone s | load / calamine |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for fmt, apps, size, best, calamine in rows:
        ratio = f"{best['seconds'] / calamine['seconds']:.2f}x" if calamine else ""
        alone = f"{calamine['seconds']:.2f}" if calamine else ""
        print(
            f"| {fmt} | {apps:,} | {size:.0f} | {best['seconds']:.2f} | {apps / best['seconds']:,.0f} | "
            f"{best['peak_mb']:.0f} | {alone} | {ratio} |"
        )
        assert best["loaded"] + best["rejected"] == best["read"], "row accounting broke"


if __name__ == "__main__":
    main()
