"""Plan-writing benchmark: the consolidation plan workbook for a synthetic N-application store.

The store holds the tables the analyses write (applications, findings, legacy scores,
dispositions, overlap groups, ~27% of applications in plan actions, ...), inserted directly by
`tests/plan_store.py`, so only the writer is timed. Each measurement runs in a fresh process and
reports that process's peak RSS. The naive route, measured in the same run, is what a first
version would do: pandas frames of the same tables written sheet by sheet with openpyxl
(`DataFrame.to_excel(engine="openpyxl")`), values only (no formulas, tables or charts). It needs
pandas, which is not a project dependency: `pip install pandas` in the benchmark's environment.

Targets (issue 5): 100k applications in under 10 s with peak memory under 1.5 GB; issue 14:
plan writing at 100k in at most 5 s.

`--store` times the writer on existing stores instead (one `appconsol run --db` or `analyse` left,
e.g. 100k or 1M applications of `generate_inventory.py`), and `--against PYTHON` runs the same
measurement with another environment's interpreter (another checkout's `.venv/bin/python`), the
two alternating, for a before/after in one run. CPU seconds are the child's user + system time
(all threads): on a shared machine they move less than wall-clock seconds.

    python benchmarks/bench_plan.py --sizes 100000            # appconsol's writer and the naive one
    python benchmarks/bench_plan.py --sizes 100000 --no-naive
    python benchmarks/bench_plan.py --store run100k.duckdb --repeat 3 --against ../main/.venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def _child_write(store: str, output: str) -> dict[str, float]:
    from appconsol.report.plan import write_plan
    from appconsol.store import Store

    started = time.perf_counter()
    with Store(Path(store), read_only=True) as opened:
        summary = write_plan(opened, Path(output))
    return {
        "seconds": time.perf_counter() - started,
        "actions": summary.actions,
        "findings": summary.findings,
    }


NAIVE_SHEETS = {
    "Plan": "SELECT * EXCLUDE (why) FROM plan_actions ORDER BY organisation, app_id, action_id",
    "Cash flow": "PIVOT plan_cash_flows ON year USING sum(cash_flow) GROUP BY action_id ORDER BY action_id",
    "Partners": "SELECT * FROM plan_partner_shares",
    "Overlaps": "SELECT * FROM overlap_members",
    "Legacy risk": "SELECT * FROM legacy_scores ORDER BY organisation, app_id",
    "Cloud & TIME": "SELECT * FROM dispositions ORDER BY organisation, app_id",
    "Findings": "SELECT * EXCLUDE (run_id) FROM findings ORDER BY organisation, app_id",
    "Applications": "SELECT * EXCLUDE (originals, unmapped, load_id) FROM applications ORDER BY organisation, app_id",
}


def _child_naive(store: str, output: str) -> dict[str, float]:
    import duckdb
    import pandas as pd

    started = time.perf_counter()
    with duckdb.connect(store, read_only=True) as con, pd.ExcelWriter(output, engine="openpyxl") as writer:
        for sheet, sql in NAIVE_SHEETS.items():
            frame = con.sql(sql).to_arrow_table().to_pandas()
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return {"seconds": time.perf_counter() - started}


def _measure(kind: str, store: Path, output: Path, python: str = sys.executable) -> dict[str, float]:
    """Run one writer in a fresh process; its time, CPU seconds, peak RSS and file size."""
    result = subprocess.run(
        [python, __file__, "--child", kind, str(store), str(output)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["file_mb"] = output.stat().st_size / 1e6
    return figures


def _stores(args: argparse.Namespace) -> None:
    """The writer on existing stores, alternating with `--against`'s interpreter when given."""
    import shutil

    print("| store | python | run | findings | plan s | CPU s | peak RSS MB | file MB |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    pythons = [sys.executable] + ([args.against] if args.against else [])
    for store in args.store:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            copy = work / "store.duckdb"
            shutil.copyfile(
                store, copy
            )  # the writer opens it read-only; a copy keeps the original out of reach
            for run in range(args.repeat):
                for python in pythons:
                    plan = _measure("write", copy, work / "plan.xlsx", python)
                    cells = [
                        Path(store).name,
                        "this" if python == sys.executable else python,
                        str(run + 1),
                        f"{int(plan['findings']):,}",
                        f"{plan['seconds']:.1f}",
                        f"{plan['cpu_s']:.1f}",
                        f"{plan['peak_mb']:,.0f}",
                        f"{plan['file_mb']:.0f}",
                    ]
                    print("| " + " | ".join(cells) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--orgs", type=int, default=400)
    parser.add_argument("--no-naive", action="store_true", help="Skip the pandas + openpyxl route.")
    parser.add_argument("--store", nargs="+", help="Time the writer on these existing stores instead.")
    parser.add_argument("--repeat", type=int, default=1, help="Runs per store (with --store).")
    parser.add_argument("--against", help="Another environment's python to alternate with (with --store).")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, store, output = args.child
        figures = _child_write(store, output) if kind == "write" else _child_naive(store, output)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures["peak_mb"] = usage.ru_maxrss / 1024
        figures["cpu_s"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(figures))
        return
    if args.store:
        _stores(args)
        return

    from plan_store import build_plan_store

    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(
        "| applications | actions | findings | plan s | peak RSS MB | file MB | naive s | naive peak MB | naive / plan |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            build_plan_store(work / "store.duckdb", apps=size, orgs=args.orgs)
            plan = _measure("write", work / "store.duckdb", work / "plan.xlsx")
            naive = None if args.no_naive else _measure("naive", work / "store.duckdb", work / "naive.xlsx")
            cells = [
                f"{size:,}",
                f"{int(plan['actions']):,}",
                f"{int(plan['findings']):,}",
                f"{plan['seconds']:.1f}",
                f"{plan['peak_mb']:,.0f}",
                f"{plan['file_mb']:.0f}",
            ]
            if naive:
                cells += [
                    f"{naive['seconds']:.1f}",
                    f"{naive['peak_mb']:,.0f}",
                    f"{naive['seconds'] / plan['seconds']:.1f}x",
                ]
            else:
                cells += ["", "", ""]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
