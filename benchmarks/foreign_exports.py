"""How the loader does on exports nobody here designed: the generalisation test-bed, at scale.

Draws N foreign exports (tests/exportgen: tool layouts from ServiceNow, LeanIX, Ardoq, ... and
hand-made registers, roughened at random), loads each through the library into a fresh store and
prints the shares of exact / asked / wrong / crashed, the share that loads right with no mapping,
and the most common failure patterns (tool x cause) with a reproducible example of each.

    python benchmarks/foreign_exports.py --draws 1000 --seed 7
    python benchmarks/foreign_exports.py --draws 300 --seed 7 --markdown failures.md
    python benchmarks/foreign_exports.py --seed 7 --only 123 -v     # one draw, in full

A draw is reproducible from (seed, draw number): `make_draw(seed, n, folder)` writes the same file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from exportgen.generate import make_draw  # noqa: E402
from exportgen.judge import OUTCOMES, judge_draw, rescue  # noqa: E402


def run_one(seed: int, index: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="foreign-") as tmp:
        folder = Path(tmp)
        draw = make_draw(seed, index, folder)
        verdict = judge_draw(draw, folder)
        rescued = rescue(draw, folder) if verdict.outcome == "asked" else None
        return {
            "rescue": None if rescued is None else rescued.outcome,
            "rescue_detail": "" if rescued is None else rescued.summary,
            "index": index,
            "tool": draw.tool,
            "kind": f"{draw.kind}/{draw.writer}",
            "describe": draw.describe(),
            "outcome": verdict.outcome,
            "causes": sorted(set(verdict.causes)),
            "details": {cause: detail for cause, detail in reversed(verdict.findings)},
            "missed": sorted(set(verdict.missed)),
            "features": draw.features,
        }


def _chunk(seed: int, indices: list[int]) -> list[dict]:
    return [run_one(seed, i) for i in indices]


def run(seed: int, draws: int, jobs: int, start: int = 0) -> list[dict]:
    indices = list(range(start, start + draws))
    if jobs <= 1:
        return _chunk(seed, indices)
    parts = [indices[i::jobs] for i in range(jobs)]
    with ProcessPoolExecutor(jobs) as pool:
        results = [r for part in pool.map(_chunk, [seed] * jobs, parts) for r in part]
    return sorted(results, key=lambda r: r["index"])


def summarise(results: list[dict], seed: int, seconds: float, examples: int = 1) -> str:
    n = len(results)
    counts = Counter(r["outcome"] for r in results)
    lines = [
        f"foreign exports: {n} draws, seed {seed}, {seconds:.0f} s ({seconds / max(n, 1) * 1000:.0f} ms a draw)",
        "",
    ]
    lines.append("| outcome | draws | share |")
    lines.append("|---|---:|---:|")
    for outcome in OUTCOMES:
        lines.append(f"| {outcome} | {counts[outcome]} | {counts[outcome] / n:.1%} |")
    lines.append(f"| **loads right with no mapping** | {counts['exact']} | {counts['exact'] / n:.1%} |")
    lines.append(
        f"| exact or asked (target 100%) | {counts['exact'] + counts['asked']} | {(counts['exact'] + counts['asked']) / n:.1%} |"
    )
    asked = [r for r in results if r["outcome"] == "asked"]
    if asked:
        rescued = Counter(r["rescue"] or "no proposal written" for r in asked)
        lines.append(
            "Asked draws, loaded again with the loader's proposed mapping after correcting only field names: "
            + ", ".join(f"{k} {v}" for k, v in rescued.most_common())
        )
        for r in [r for r in asked if r["rescue"] != "exact"][:3]:
            lines.append(f"  - seed {seed} draw {r['index']}: {r['describe']}: {r['rescue_detail'][:200]}")
    lines.append("")
    by_tool: dict[str, Counter] = defaultdict(Counter)
    for r in results:
        by_tool[r["tool"]][r["outcome"]] += 1
    lines.append("| tool | draws | exact | asked | wrong | crashed |")
    lines.append("|---|---:|---:|---:|---:|---:|")
    for tool in sorted(by_tool, key=lambda t: -sum(by_tool[t].values())):
        c = by_tool[tool]
        lines.append(f"| {tool} | {sum(c.values())} | " + " | ".join(str(c[o]) for o in OUTCOMES) + " |")
    lines.append("")
    patterns: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for r in results:
        if r["outcome"] in ("wrong", "crashed"):
            for cause in r["causes"]:
                patterns[(r["outcome"], r["tool"], cause)].append(r)
    lines.append(
        "Top failure patterns (outcome, tool x cause: draws; example: seed/draw, file, what went wrong)"
    )
    lines.append("")
    for (outcome, tool, cause), rows in sorted(patterns.items(), key=lambda kv: -len(kv[1]))[:25]:
        lines.append(f"- **{outcome}: {tool} x {cause}**: {len(rows)} draws")
        for ex in rows[:examples]:
            detail = ex["details"].get(cause, "")
            lines.append(f"  - seed {seed} draw {ex['index']}: {ex['describe']}: {detail}")
    by_cause = Counter(c for r in results if r["outcome"] in ("wrong", "crashed") for c in r["causes"])
    lines.append("")
    lines.append("Causes over all tools: " + "; ".join(f"{c} ({k})" for c, k in by_cause.most_common(15)))
    missed = Counter(m.split(" (")[0] for r in results for m in r["missed"])
    if missed:
        lines.append("")
        lines.append(
            "Secondary fields left empty (not counted as wrong): "
            + ", ".join(f"{k} in {v} draws" for k, v in missed.most_common())
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first draw number")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (the machine is shared)")
    parser.add_argument("--examples", type=int, default=1, help="examples shown per failure pattern")
    parser.add_argument("--markdown", type=Path, help="also write the summary to this file")
    parser.add_argument("--only", type=int, help="judge one draw number and print everything about it")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    if args.only is not None:
        out = Path(tempfile.mkdtemp(prefix="foreign-draw-"))
        draw = make_draw(args.seed, args.only, out)
        verdict = judge_draw(draw, out)
        print(draw.describe())
        print(f"source: {draw.source}; header row {draw.header_row}; --org {draw.organisation_arg!r}")
        print("columns:", [(c.header, c.field) for c in draw.columns])
        print(f"outcome: {verdict.outcome}; accounting {verdict.accounting}")
        for line in verdict.details:
            print("  -", line)
        if verdict.outcome == "asked":
            rescued = rescue(draw, out)
            print(
                "with the proposed mapping, field names corrected:",
                "no proposal" if rescued is None else rescued.outcome,
            )
            for line in [] if rescued is None else rescued.details:
                print("  -", line)
        if args.verbose:
            print("mapping:", verdict.mapping)
            print("expected:", [(a.row, a.organisation, a.name) for a in draw.expected])
            print("not loaded:", draw.not_loaded)
        print(f"file kept at {draw.path}")
        return 0
    started = time.perf_counter()
    results = run(args.seed, args.draws, args.jobs, args.start)
    text = summarise(results, args.seed, time.perf_counter() - started, args.examples)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
