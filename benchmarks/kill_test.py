"""Kill test: `kill -9` at random moments of load, analyse, run and report, then check what is left.

For each command, N times (default 20): start from a copy of a store and plan made by one clean
`appconsol run` over sample_inventories/, start the command, kill it with SIGKILL after a random
delay within its normal duration, then check:

- the store opens, and is coherent: every derived table that holds rows is recorded in
  `analysis_tables` with the run id and generation `store_meta` names (no old table beside a
  new one); an analysis marked `running` has empty findings; every application row belongs to a
  load in `loads`; the analysis generation is not newer than the store's;
- the plan is the old file byte for byte, or a whole new workbook (a zip that tests clean), never
  partial;
- the same command run again to the end exits 0, and afterwards no temporary file is left: no
  `.appconsol-tmp-*` folder or `.plan-*.tmp` beside the plan, nothing in the run's private
  $TMPDIR (where xlsxwriter used to put its files).

    python benchmarks/kill_test.py                 # 20 kills of each command
    python benchmarks/kill_test.py --kills 5 --commands report run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SAMPLES = ROOT / "sample_inventories"
AS_OF = "2026-11-25"
APPCONSOL = [sys.executable, "-m", "appconsol"]


def command(name: str, case: Path) -> list[str]:
    db, plan = str(case / "s.duckdb"), str(case / "out" / "plan.xlsx")
    inventories = str(case.parent / "inventories")
    return (
        APPCONSOL
        + {
            "load": ["load", inventories, "--db", db, "--as-of", AS_OF],
            "analyse": ["analyse", "--db", db, "--as-of", AS_OF, "-f", "json"],
            "run": ["run", inventories, "--db", db, "-o", plan, "--as-of", AS_OF],
            "report": ["report", "--db", db, "-o", plan],
        }[name]
    )


def run(args: list[str], case: Path, timeout: float = 600) -> tuple[int, float]:
    started = time.perf_counter()
    done = subprocess.run(args, cwd=case, env=_env(case), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
    return done.returncode, time.perf_counter() - started


def _env(case: Path) -> dict[str, str]:
    tmp = case / "tmp"
    tmp.mkdir(exist_ok=True)
    return {**os.environ, "TMPDIR": str(tmp), "APPCONSOL_AS_OF": AS_OF}


def fresh_case(work: Path, name: str) -> Path:
    case = work / name
    shutil.rmtree(case, ignore_errors=True)
    (case / "out").mkdir(parents=True)
    shutil.copy2(work / "golden" / "s.duckdb", case / "s.duckdb")
    shutil.copy2(work / "golden" / "out" / "plan.xlsx", case / "out" / "plan.xlsx")
    return case


def derived_tables() -> list[str]:
    from appconsol.engine.steps import registered_steps

    return [t.name for s in registered_steps() for t in s.writes] + ["findings", "rule_runs"]


def check_store(db: Path) -> list[str]:
    """Problems with the store's coherence (empty when it is coherent)."""
    from appconsol.store import Store

    problems = []
    with Store(db) as store:
        con = store.con
        meta = dict(con.execute("SELECT key, value FROM store_meta").fetchall())
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        recorded = dict(
            (
                (t, (r, g))
                for t, r, g in con.execute(
                    "SELECT table_name, run_id, generation FROM analysis_tables"
                ).fetchall()
            )
        )
        runs = set(recorded.values())
        if len(runs) > 1:
            problems.append(f"analysis tables from {len(runs)} runs: {sorted(runs)}")
        status, run_id = meta.get("analysis_status"), meta.get("analysis_run_id")
        for table in derived_tables():
            if table not in present:
                continue
            rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
            if rows and (table not in recorded or recorded[table][0] != run_id):
                problems.append(f"{table} holds {rows} rows not recorded for run {run_id}")
        if status == "running":
            if con.execute("SELECT count(*) FROM findings").fetchall()[0][0]:
                problems.append("an unfinished analysis beside findings")
        elif status not in ("complete", "failed", None):
            problems.append(f"unknown analysis status {status}")
        if int(meta.get("analysis_generation") or 0) > int(meta.get("generation") or 0):
            problems.append("analysis newer than the store")
        orphans = con.execute(
            "SELECT count(*) FROM applications WHERE load_id NOT IN (SELECT load_id FROM loads)"
        ).fetchall()[0][0]
        if orphans:
            problems.append(f"{orphans} application rows without their load")
    return problems


def plan_state(plan: Path, golden: bytes) -> str:
    if not plan.exists():
        return "missing"
    data = plan.read_bytes()
    if data == golden:
        return "old"
    try:
        with zipfile.ZipFile(plan) as archive:
            if archive.testzip() is None and "xl/workbook.xml" in archive.namelist():
                return "new"
    except zipfile.BadZipFile:
        pass
    return "partial"


def leftovers(case: Path) -> list[str]:
    out = case / "out"
    found = [p.name for p in out.iterdir() if p.name.startswith((".appconsol-tmp-", ".plan-"))]
    found += [f"$TMPDIR/{p.name}" for p in (case / "tmp").iterdir()] if (case / "tmp").exists() else []
    return found


def kill_once(work: Path, name: str, index: int, duration: float, golden: bytes, rng: random.Random) -> dict:
    case = fresh_case(work, f"{name}-{index:02d}")
    delay = rng.uniform(0.05, duration * 1.1)
    process = subprocess.Popen(
        command(name, case), cwd=case, env=_env(case), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    killed = process.poll() is None
    if killed:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
    result = {"command": name, "delay": round(delay, 2), "killed": killed}
    try:
        result["store_problems"] = check_store(case / "s.duckdb")
    except Exception as exc:  # the store does not even open: the worst outcome
        result["store_problems"] = [f"cannot open: {type(exc).__name__}: {exc}"]
    result["plan"] = plan_state(case / "out" / "plan.xlsx", golden)
    result["left_after_kill"] = leftovers(case)
    code, _ = run(command(name, case), case)
    result["next_run_exit"] = code
    result["left_after_next_run"] = leftovers(case)
    result["plan_after_next_run"] = plan_state(case / "out" / "plan.xlsx", golden)
    shutil.rmtree(case, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--commands", nargs="+", default=["load", "analyse", "run", "report"])
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--json", type=Path, help="write every kill's result here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="appconsol-kill-"))
    try:
        shutil.copytree(SAMPLES, work / "inventories")
        golden_case = work / "golden"
        (golden_case / "out").mkdir(parents=True)
        code, seconds = run(command("run", golden_case), golden_case)
        assert code == 0, "the clean run failed"
        golden = (golden_case / "out" / "plan.xlsx").read_bytes()
        durations = {"run": seconds}
        for name in args.commands:
            if name != "run":
                case = fresh_case(work, f"time-{name}")
                code, durations[name] = run(command(name, case), case)
                assert code == 0, f"a clean {name} failed"
        print("clean durations (s):", {k: round(v, 1) for k, v in durations.items()}, flush=True)
        results = []
        for name in args.commands:
            for index in range(args.kills):
                outcome = kill_once(work, name, index, durations[name], golden, rng)
                results.append(outcome)
                bad = (
                    outcome["store_problems"]
                    or outcome["plan"] == "partial"
                    or outcome["left_after_next_run"]
                )
                print(
                    ("FAIL " if bad or outcome["next_run_exit"] else "ok   ") + json.dumps(outcome),
                    flush=True,
                )
        print()
        print(
            f"{'command':<8} {'kills':>5} {'killed':>6} {'store ok':>8} {'plan old/new':>12} "
            f"{'partial':>7} {'left after kill':>15} {'next run ok':>11} {'left after next':>15}"
        )
        for name in args.commands:
            rows = [r for r in results if r["command"] == name]
            plans = Counter(r["plan"] for r in rows)
            print(
                f"{name:<8} {len(rows):>5} {sum(r['killed'] for r in rows):>6} "
                f"{sum(not r['store_problems'] for r in rows):>8} "
                f"{plans['old']:>5}/{plans['new']:<6} {plans['partial'] + plans['missing']:>7} "
                f"{sum(bool(r['left_after_kill']) for r in rows):>15} "
                f"{sum(r['next_run_exit'] == 0 for r in rows):>11} "
                f"{sum(bool(r['left_after_next_run']) for r in rows):>15}"
            )
        if args.json:
            args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
        failed = [
            r
            for r in results
            if r["store_problems"]
            or r["plan"] in ("partial", "missing")
            or r["left_after_next_run"]
            or r["next_run_exit"]
        ]
        sys.exit(1 if failed else 0)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
