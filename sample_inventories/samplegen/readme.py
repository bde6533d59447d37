"""README.md for sample_inventories/, rendered from the ground truth so the two never disagree."""

from __future__ import annotations

from typing import Any

INTRO = """\
# Sample inventories: the Wessex Partnership

Five cooperating, **fictional** UK public bodies, each exporting its application inventory in a
different real-world style. The organisations, people, costs and most small vendors are invented;
well-known public-sector products and vendors (Idox, Civica, NEC, Unit4, MHR, System C, Sectra, ...)
are named for realism only, and nothing here describes any real council, trust or service. Vendors
that host data abroad (SkinSight Inc., Genomix Analytics) are fictional.

Everything in this folder is written by `make_samples.py` (seeded, deterministic: rerunning it gives
byte-identical files). Do not edit the data files by hand; change the generator and rerun it:

```
.venv/bin/python sample_inventories/make_samples.py          # writes files, then self-checks them
.venv/bin/python sample_inventories/make_samples.py --check  # only re-reads and checks the files
```

The self-check re-reads every file with polars/openpyxl and asserts that every row (planted or
background) holds exactly the cells the generator meant, that the row counts below are right, and
that each planted fact holds (for data quality: that there are no other instances of the problem).

`ground_truth.yaml` is the machine-readable version of this page (tests read it);
`organisations.yaml` maps files to organisations and lists the partnerships.

**As-of date: {as_of}.** Date-relative facts (contract expired, end of support, within 12 months)
hold at that date; pass it to the analyses. LeanIX lifecycle phases are computed at load time, and
hold for any load day from {as_of} to {stable_until}.
"""


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        out.append(
            "| "
            + " | ".join("" if v is None else str(v).replace("|", "\\|").replace("\n", " ") for v in row)
            + " |"
        )
    return out + [""]


def _ref(truth: dict[str, Any], key: str) -> list[Any]:
    app = truth["apps"][key]
    return [app["organisation"], app["source_row"], app["app_id"] or "", app["name"] or "*(no name)*"]


def render(truth: dict[str, Any]) -> str:
    lines = [INTRO.format(as_of=truth["as_of"], stable_until=truth["stable_until"])]
    lines += ["## Files", ""]
    rows = []
    for file, f in truth["files"].items():
        rows.append(
            [
                f"`{file}`",
                f["organisation"],
                f["style"],
                f["data_rows"],
                f["blank_rows"],
                f["non_application_rows"],
                len(f["expected_rejected"]),
                len(f.get("expected_skipped", [])),
                f["expected_loaded"],
            ]
        )
    lines += _table(
        [
            "file",
            "organisation",
            "style",
            "data rows",
            "blank rows",
            "non-app rows",
            "rejected",
            "skipped",
            "loaded",
        ],
        rows,
    )
    lines += [
        "*data rows* = non-blank rows below the header (blank rows excluded); *non-app rows* = Konveyor "
        "dependency records (record type 2), which are not applications. For every file: "
        "*skipped* = summary rows (a TOTAL row), stored with their reason but not applications. "
        "**loaded + rejected + skipped + non-app rows = data rows**.",
        "",
    ]
    for file, f in truth["files"].items():
        lines += [f"### `{file}` ({f['organisation']})", ""]
        where = f"sheet `{f['sheet']}`, " if f["sheet"] else ""
        lines.append(
            f"{f['format'].upper()}, {where}"
            + (f"encoding `{f['encoding']}`" if f["encoding"] else "Office Open XML workbook")
            + (f", delimiter `{f['delimiter']}`" if f["delimiter"] else "")
            + f"; header row(s) {f['header_rows']}, first data row {f['first_data_row']}."
        )
        lines.append("")
        lines += [f"- {n}" for n in f["notes"]]
        for s in f["other_sheets"]:
            lines.append(f"- Other sheet `{s['sheet']}`: {s['what']}.")
        lines.append("")
        if f["expected_rejected"]:
            lines.append("Rows the loader must reject:")
            lines.append("")
            lines += _table(
                ["row", "app id", "name", "reason"],
                [
                    [
                        r["source_row"],
                        r.get("app_id") or "",
                        r["name"] or "*(no name)*",
                        r["reason"]
                        + (
                            f" (first at row {r['duplicate_of_row']}: {r['duplicate_of_name']})"
                            if "duplicate_of_row" in r
                            else ""
                        ),
                    ]
                    for r in f["expected_rejected"]
                ],
            )
        if f.get("expected_skipped"):
            lines.append("Rows the loader must skip (summary rows, stored with their reason):")
            lines.append("")
            lines += _table(
                ["row", "reason"], [[r["source_row"], r["reason"]] for r in f["expected_skipped"]]
            )
        if f.get("dependency_rows"):
            lines.append("Dependency rows (record type 2):")
            lines.append("")
            lines += _table(
                ["row", "application", "depends on", "direction"],
                [
                    [d["source_row"], d["application"], d["dependency"], d["direction"]]
                    for d in f["dependency_rows"]
                ],
            )
    lines += [
        "## Planted facts",
        "",
        "Columns *row* and *app id* locate the row in its file (see the files above).",
        "",
    ]
    ref_head = ["organisation", "row", "app id", "name"]

    lines += ["### Overlapping applications within one body", ""]
    for g in truth["overlaps_within"]:
        lines += [f"**{g['id']}** - capability `{g['capability']}`: {g['note']}", ""]
        lines += _table(ref_head, [_ref(truth, k) for k in g["apps"]])

    lines += ["### The same product under different spellings across bodies", ""]
    for g in truth["same_product_across"]:
        lines += [f"**{g['id']}** - {g['product']}", ""]
        lines += _table(
            [*ref_head, "vendor", "version"],
            [[*_ref(truth, s["app"]), s["vendor"] or "", s["version"] or ""] for s in g["spellings"]],
        )

    lines += ["### One capability, different products across bodies (convergence)", ""]
    for g in truth["convergence"]:
        lines += [f"**{g['id']}** - {g['capability']}", ""]
        lines += _table(
            [*ref_head, "capability as written"],
            [[*_ref(truth, w["app"]), w["capability"]] for w in g["as_written"]],
        )

    titles = {
        "past_end_of_support": "Past end of support at the as-of date",
        "end_of_support_within_12_months": "Reaching end of support within 12 months",
        "supported_controls": "Controls: supported well beyond 12 months (must NOT be flagged)",
        "near_miss_supported": "Near miss: looks old, is supported (.NET Framework 3.5 SP1 follows Windows, eol 2029-01-09)",
    }
    lines += ["### Legacy components (endoflife.date `eol`)", ""]
    for part, title in titles.items():
        lines += [f"**{title}**", ""]
        lines += _table(
            [*ref_head, "component", "source column", "endoflife.date", "eol"],
            [
                [
                    *_ref(truth, c["app"]),
                    c["component"],
                    c["source_header"],
                    f"{c['endoflife_product']} {c['release_cycle']}",
                    c["eol"],
                ]
                for c in truth["legacy"][part]
            ],
        )

    lines += ["### Scarce-skill languages", ""]
    lines += _table(
        [*ref_head, "language", "where"],
        [[*_ref(truth, s["app"]), s["language"], s["field"]] for s in truth["scarce_skills"]],
    )
    for part, title in (
        ("cloud_candidates", "Clear cloud candidates"),
        ("retire_candidates", "Clear retire candidates"),
        ("hard_constraints", "Hard constraints (must not be proposed for cloud/shared hosting as they are)"),
        ("hard_constraint_controls", "Hard-constraint control (must NOT be flagged)"),
    ):
        lines += [f"### {title}", ""]
        lines += _table([*ref_head, "why"], [[*_ref(truth, c["app"]), c["why"]] for c in truth[part]])

    dq = truth["data_quality"]
    lines += ["### Data-quality problems (exhaustive: no other instances exist)", ""]
    for issue in dq["issues"]:
        lines += [f"**{issue['id']}** (`{issue['problem']}`): {issue['note']}", ""]
        lines += _table(ref_head, [_ref(truth, k) for k in issue["apps"]])
    lines += ["**Error cells** (load warnings; the rows still load)", ""]
    lines += _table(
        [*ref_head, "column", "value"],
        [[*_ref(truth, e["app"]), e["header"], e["value"]] for e in dq["error_cells"]],
    )
    lines += ["**Messy but parseable values**", ""]
    lines += _table(
        [*ref_head, "column", "value", "means"],
        [[*_ref(truth, v["app"]), v["header"], f"`{v['value']}`", v["means"]] for v in dq["value_formats"]],
    )
    lines += ["### Near misses: must NOT be reported as overlaps", ""]
    for nm in truth["near_miss_overlaps"]:
        lines += [f"**{nm['id']}**: {nm['why']}", ""]
        lines += _table(ref_head, [_ref(truth, k) for k in nm["apps"]])
    lines += [
        "## ground_truth.yaml",
        "",
        "Top-level keys: `as_of`, `stable_until`, `conventions`, `organisations`, `files` (per file: "
        "`data_rows`, `blank_rows`, `non_application_rows`, `application_rows`, `expected_rejected`, "
        "`expected_loaded`, header rows, sheet, encoding), `overlaps_within`, `same_product_across`, "
        "`convergence`, `legacy`, `scarce_skills`, `cloud_candidates`, `retire_candidates`, "
        "`hard_constraints`, `hard_constraint_controls`, `data_quality`, `near_miss_overlaps`, and `apps`: "
        "every planted row by key with its organisation, file, source_row, app_id, name, the canonical "
        "values the loader should produce (`expected`) and its non-empty cells exactly as written (`cells`).",
        "",
    ]
    return "\n".join(lines).rstrip() + "\n"
