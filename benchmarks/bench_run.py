"""End-to-end benchmark: `appconsol run` on generated inventories, and the naive route beside it.

For each size an inventory is generated once (benchmarks/generate_inventory.py, kept under
benchmarks/data/) and `appconsol run FILE -o plan.xlsx` runs in a fresh child process, from a new
store each time. The naive route runs at the xlsx size in the same process tree, after appconsol:
pandas reads the same inventory with openpyxl, then the plan's tables (taken from the store that
appconsol's run just wrote, so the naive route does no analysis at all) are written sheet by sheet
with openpyxl (`DataFrame.to_excel(engine="openpyxl")`), values only. It needs pandas, which is
not a project dependency: `pip install pandas` in the benchmark's environment.

Time is wall-clock of the child. Peak memory is that of the child's process tree: the sum of the
resident sets of the child and its descendants, sampled every 20 ms, and never less than the
kernel's high-water mark for the largest of them (`wait4`'s ru_maxrss). With `--repeat N` the
best time of N runs is kept (with that run's peak). Results go to stdout as a Markdown table.

The default sizes follow issue 14: 10k applications (csv, 40 bodies), 100k (xlsx, 24 columns,
50 bodies) and 1M (csv, 4,000 bodies). These are heavy: run them one at a time on a shared
machine, e.g.

    flock /work/bench.lock python benchmarks/bench_run.py --sizes 10000 100000 --repeat 3
    flock /work/bench.lock python benchmarks/bench_run.py --sizes 1000000 --no-naive

`--phases` adds the seconds appconsol reported for loading, analysing and writing the plan (from
its plain progress lines on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF = "2026-11-25"

# size -> (format, bodies): the shapes issue 14 measures.
SHAPES = {10_000: ("csv", 40), 100_000: ("xlsx", 50), 1_000_000: ("csv", 4_000)}

NAIVE_CHILD = """
import sys, time, json
import duckdb
import pandas as pd
sys.path.insert(0, sys.argv[4])
from bench_plan import NAIVE_SHEETS
inventory, store, output = sys.argv[1:4]
started = time.perf_counter()
frame = pd.read_excel(inventory, engine="openpyxl", sheet_name=0, dtype=str)
read = time.perf_counter() - started
with duckdb.connect(store, read_only=True) as con, pd.ExcelWriter(output, engine="openpyxl") as writer:
    for sheet, sql in NAIVE_SHEETS.items():
        con.sql(sql).to_arrow_table().to_pandas().to_excel(writer, sheet_name=sheet, index=False)
print(json.dumps({"rows": len(frame), "read_s": read, "seconds": time.perf_counter() - started}))
"""

CALAMINE_CHILD = """
import sys, time, json
from python_calamine import CalamineWorkbook
started = time.perf_counter()
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
print(json.dumps({"rows": len(rows), "seconds": time.perf_counter() - started}))
"""


@dataclass
class Measured:
    seconds: float
    peak_mb: float
    stderr: str = ""
    stdout: str = ""
    extra: dict = field(default_factory=dict)


def inventory(apps: int, fmt: str, bodies: int) -> Path:
    """The generated inventory for this shape, generated on first use."""
    target = DATA / f"run-{fmt}-{apps}-{bodies}"
    path = target / f"inventory.{fmt}"
    if not path.exists():
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate_inventory.py"),
                *("--apps", str(apps), "--orgs", str(bodies), "--format", fmt),
                *("--out", str(target), "--seed", "7"),
            ],
            check=True,
        )
    return path


def _tree_rss_kb(root: int) -> int:
    """Resident set of a process and all its descendants, from /proc (0 once it is gone)."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def measure(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run one command in a child process; its wall time and the peak memory of its process tree."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        peak_kb = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_kb
            while not done.is_set():
                peak_kb = max(peak_kb, _tree_rss_kb(child.pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {child.returncode}:\n{stderr[-3000:]}")
    peak_mb = max(peak_kb, usage.ru_maxrss) / 1024
    return Measured(seconds, peak_mb, stderr, stdout)


PHASE = re.compile(r"^\s*\[\s*(\d+(?:\.\d+)?)s\]\s+(.*)$")


def phases(stderr: str) -> dict[str, float]:
    """Seconds spent loading, analysing and writing, from `run`'s plain progress lines."""
    marks = []
    for line in stderr.splitlines():
        match = PHASE.match(line)
        if match:
            marks.append((float(match.group(1)), match.group(2)))
    starts = {}
    for at, text in marks:
        for name, prefix in (("analyse", "analysing"), ("plan", "writing the plan")):
            if text.startswith(prefix) and name not in starts:
                starts[name] = at
    if "analyse" not in starts or "plan" not in starts or not marks:
        return {}
    end = marks[-1][0]
    return {
        "load": starts["analyse"],
        "analyse": starts["plan"] - starts["analyse"],
        "plan": end - starts["plan"],
    }


def run_appconsol(path: Path, work: Path) -> Measured:
    db, plan = work / "store.duckdb", work / "plan.xlsx"
    for stale in (db, Path(f"{db}.wal"), plan):
        stale.unlink(missing_ok=True)
    env = dict(os.environ, APPCONSOL_PROGRESS_INTERVAL="0")  # every stage, for --phases
    command = [sys.executable, "-m", "appconsol", "run", str(path), "-o", str(plan), "--db", str(db)]
    result = measure([*command, "--as-of", AS_OF], env=env)
    result.extra = phases(result.stderr)
    result.extra["file_mb"] = plan.stat().st_size / 1e6
    match = re.search(r"([\d,]+) rows loaded", result.stderr)
    result.extra["loaded"] = int(match.group(1).replace(",", "")) if match else None
    return result


def run_naive(path: Path, work: Path) -> Measured:
    output = work / "naive.xlsx"
    output.unlink(missing_ok=True)
    result = measure(
        [sys.executable, "-c", NAIVE_CHILD, str(path), str(work / "store.duckdb"), str(output), str(HERE)]
    )
    result.extra = json.loads(result.stdout.strip().splitlines()[-1])
    return result


def run_calamine(path: Path) -> Measured:
    result = measure([sys.executable, "-c", CALAMINE_CHILD, str(path)])
    result.extra = json.loads(result.stdout.strip().splitlines()[-1])
    return result


def best(runs: list[Measured]) -> Measured:
    return min(runs, key=lambda r: r.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(SHAPES), choices=sorted(SHAPES))
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement; the best is kept")
    parser.add_argument(
        "--naive-repeat", type=int, default=1, help="runs of the naive route (minutes each); the best is kept"
    )
    parser.add_argument("--no-naive", action="store_true", help="skip the pandas + openpyxl route")
    parser.add_argument("--calamine", action="store_true", help="also time calamine's bare read of the xlsx")
    parser.add_argument("--phases", action="store_true", help="add load / analyse / plan seconds")
    args = parser.parse_args()

    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start",
        flush=True,
    )
    header = ["route", "applications", "format", "bodies", "s", "peak MB", "naive / appconsol"]
    if args.phases:
        header[5:5] = ["load s", "analyse s", "plan s"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    print("\n".join(lines), flush=True)
    notes: list[str] = []
    for apps in args.sizes:
        fmt, bodies = SHAPES[apps]
        path = inventory(apps, fmt, bodies)
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            ours = best([run_appconsol(path, work) for _ in range(args.repeat)])
            cells = ["appconsol run", f"{apps:,}", fmt, f"{bodies:,}", f"{ours.seconds:.1f}"]
            if args.phases:
                cells += [f"{ours.extra.get(k, float('nan')):.1f}" for k in ("load", "analyse", "plan")]
            print("| " + " | ".join([*cells, f"{ours.peak_mb:,.0f}", ""]) + " |", flush=True)
            if fmt == "xlsx" and not args.no_naive:
                naive = best([run_naive(path, work) for _ in range(args.naive_repeat)])
                cells = ["naive (pandas + openpyxl)", f"{apps:,}", fmt, f"{bodies:,}", f"{naive.seconds:.1f}"]
                if args.phases:
                    cells += [
                        f"{naive.extra['read_s']:.1f}",
                        "-",
                        f"{naive.seconds - naive.extra['read_s']:.1f}",
                    ]
                ratio = f"{naive.seconds / ours.seconds:.1f}x"
                print("| " + " | ".join([*cells, f"{naive.peak_mb:,.0f}", ratio]) + " |", flush=True)
            if fmt == "xlsx" and args.calamine:
                bare = best([run_calamine(path) for _ in range(args.repeat)])
                cells = ["calamine bare read", f"{apps:,}", fmt, f"{bodies:,}", f"{bare.seconds:.1f}"]
                if args.phases:
                    cells += [f"{bare.seconds:.1f}", "-", "-"]
                print("| " + " | ".join([*cells, f"{bare.peak_mb:,.0f}", ""]) + " |", flush=True)
                if "load" in ours.extra:
                    notes.append(
                        f"{apps:,} xlsx: appconsol's load phase {ours.extra['load']:.2f} s / calamine's bare "
                        f"read {bare.seconds:.2f} s = {ours.extra['load'] / bare.seconds:.2f}x"
                    )

    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
