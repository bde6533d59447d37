"""Plan-writing benchmark: the consolidation plan workbook for a synthetic N-application store.

The store holds the tables the analyses write (applications, findings, legacy scores,
dispositions, overlap groups, ~27% of applications in plan actions, ...), inserted directly by
`tests/plan_store.py`, so only the writer is timed. Each measurement runs in a fresh process and
reports that process's peak RSS. The naive route, measured in the same run, is what a first
version would do: pandas frames of the same tables written sheet by sheet with openpyxl
(`DataFrame.to_excel(engine="openpyxl")`), values only (no formulas, tables or charts). It needs
pandas, which is not a project dependency: `pip install pandas` in the benchmark's environment.

Targets (issue 5): 100k applications in under 10 s with peak memory under 1.5 GB.

    python benchmarks/bench_plan.py --sizes 100000            # appconsol's writer and the naive one
    python benchmarks/bench_plan.py --sizes 100000 --no-naive
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


def _measure(kind: str, store: Path, output: Path) -> dict[str, float]:
    """Run one writer in a fresh process; its time, peak RSS and file size."""
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(store), str(output)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["file_mb"] = output.stat().st_size / 1e6
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--orgs", type=int, default=400)
    parser.add_argument("--no-naive", action="store_true", help="Skip the pandas + openpyxl route.")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, store, output = args.child
        figures = _child_write(store, output) if kind == "write" else _child_naive(store, output)
        figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(figures))
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
