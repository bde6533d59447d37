"""Re-read the written files and prove that every planted fact holds exactly in them.

Row fidelity: every row of every file (planted or background) is read back with polars/openpyxl
and compared cell by cell with what the generator meant to write. Fact checks: each catalogue entry
in planted.py is checked against the canonical rows, and each data-quality kind is recomputed over
all loaded rows to prove the planted instances are the only ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import yaml

from . import planted as P
from .common import FileMeta, slug
from .model import AS_OF, IMPLAUSIBLE_COST, LIVE, ORGS, STABLE_UNTIL, App
from .xlsx_styles import AV_FIRST_DATA, AV_HEADERS, LX_HEADERS, LX_PHASES

DATE_HEADERS = {
    "servicenow": ("Contract end date",),
    "leanix": (*LX_PHASES, "Contract End Date"),
    "avonvale": ("End date", "Go-live"),
    "thornbury": ("Live date", "Contract expires"),
    "konveyor": (),
}
_DATE_TEXT = re.compile(
    r"^(\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}( 00:00:00)?|(January|February|March|April|May|June|July|August|"
    r"September|October|November|December) \d{4})$"
)
ENDOFLIFE = Path(__file__).resolve().parents[3] / "shared" / "data" / "endoflife-date" / "products"


class CheckError(AssertionError):
    pass


def check(cond: bool, message: str) -> None:
    if not cond:
        raise CheckError(message)


def _norm(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return float(v)
    return v


# --- reading the files back ---------------------------------------------------------------------


def read_rows(out: Path, meta: FileMeta) -> dict[int, dict[str, Any]]:
    path = out / meta.file
    if meta.format == "csv":
        raw = path.read_bytes()
        if meta.encoding == "utf-8-sig":
            check(raw.startswith(b"\xef\xbb\xbf"), f"{meta.file}: no UTF-8 BOM")
        if meta.encoding == "cp1252":
            check(b"\xa3" in raw, f"{meta.file}: no cp1252 pound sign (0xA3)")
            try:
                raw.decode("utf-8")
                raise CheckError(f"{meta.file}: decodes as UTF-8, expected cp1252 bytes")
            except UnicodeDecodeError:
                pass
        frame = pl.read_csv(
            path,
            separator=meta.delimiter or ",",
            encoding="windows-1252" if meta.encoding == "cp1252" else "utf8",
            infer_schema=False,
            truncate_ragged_lines=True,
        )
        check(frame.columns == meta.headers, f"{meta.file}: headers {frame.columns[:5]}... differ")
        return {
            i + 2: {h: _norm(v) for h, v in row.items()} for i, row in enumerate(frame.iter_rows(named=True))
        }
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb[meta.sheet]
    if meta.style == "leanix":
        headers = [c.value for c in ws[1]]
        check(headers == LX_HEADERS, f"{meta.file}: headers differ")
        return {
            r: {h: _norm(ws.cell(r, c + 1).value) for c, h in enumerate(headers)}
            for r in range(2, ws.max_row + 1)
        }
    return _read_avonvale(wb, ws, meta)


def _read_avonvale(wb, ws, meta: FileMeta) -> dict[int, dict[str, Any]]:
    check(wb.sheetnames[:2] == ["README", "Application Register"], f"sheets {wb.sheetnames}")
    check(wb["Old register 2019"].sheet_state == "hidden", "Old register 2019 is not hidden")
    check(str(ws["A1"].value).startswith("Avonvale District Council"), "title row missing")
    check(ws["A3"].value is None, "row 3 should be blank")
    merged = {str(m) for m in ws.merged_cells.ranges}
    check({"B4:E4", "P4:T4", "U4:W4", "A4:A5"} <= merged, f"expected merges missing: {sorted(merged)[:6]}")
    headers = []
    for c in range(1, len(AV_HEADERS) + 1):
        top, sub = ws.cell(4, c).value, ws.cell(5, c).value
        headers.append(sub if sub is not None else top)
    check(headers == AV_HEADERS, f"Avonvale headers differ: {headers}")
    check(ws.cell(4, AV_HEADERS.index("Licence") + 1).value == "Annual costs (£)", "group header missing")
    check(ws.max_column == len(AV_HEADERS) + 2, "the two trailing formatted columns are missing")
    rows = {}
    for r in range(AV_FIRST_DATA, ws.max_row + 1):
        rows[r] = {h: _norm(ws.cell(r, c + 1).value) for c, h in enumerate(AV_HEADERS)}
    return rows


# --- the checks ---------------------------------------------------------------------------------


def check_rows(by_org: dict[str, list[App]], metas: dict[str, FileMeta], out: Path) -> None:
    for code, meta in metas.items():
        rows = read_rows(out, meta)
        apps = by_org[code]
        for app in apps:
            got = rows.get(app.source_row)
            check(got is not None, f"{meta.file}: row {app.source_row} ({app.name}) not found")
            for h, want in app.cells.items():
                check(
                    got[h] == _norm(want),
                    f"{meta.file} row {app.source_row} {h!r}: wrote {want!r}, read {got[h]!r}",
                )
        app_rows = {a.source_row for a in apps}
        blank = [r for r, v in rows.items() if all(x == "" for x in v.values())]
        check(blank == meta.blank_rows, f"{meta.file}: blank rows {blank} != {meta.blank_rows}")
        non_blank = [r for r in rows if r not in blank]
        check(
            len(non_blank) == meta.data_rows, f"{meta.file}: {len(non_blank)} data rows != {meta.data_rows}"
        )
        extra = [r for r in non_blank if r not in app_rows]
        expected_extra = {d["source_row"] for d in meta.non_application_rows} | {
            r["source_row"] for r in meta.skipped
        }
        check(
            set(extra) == expected_extra,
            f"{meta.file}: unexplained rows {sorted(set(extra) - expected_extra)}",
        )
        check(
            meta.expected_loaded + len(meta.rejected) + len(meta.non_application_rows) == meta.data_rows,
            f"{meta.file}: counts do not add up",
        )
        if meta.style in ("thornbury", "konveyor"):
            slugs = [slug(a.name) for a in apps if a.name]
            check(len(slugs) == len(set(slugs)), f"{meta.file}: names collide once slugged (derived ids)")


def loaded(by_org: dict[str, list[App]]) -> list[App]:
    return [a for apps in by_org.values() for a in apps if not a.reject]


def check_facts(by_org: dict[str, list[App]]) -> None:
    apps = loaded(by_org)
    by_key = {a.key: a for apps_ in by_org.values() for a in apps_ if a.key}
    style = {code: o.style for code, o in ORGS.items()}

    for gid, org, cap, keys, _ in P.OVERLAPS:
        check(len(keys) >= 2, gid)
        for k in keys:
            a = by_key[k]
            check(
                a.org == org and a.is_live and cap in a.caps, f"{gid}: {k} is not a live {cap!r} app of {org}"
            )
    # Exact-label overlaps among live apps are exactly the planted groups and duplicate pairs.
    labels: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a in apps:
        if a.is_live or a.lifecycle is None:
            for c in a.caps:
                labels[(a.org, c.lower())].add(a.key or f"row {a.source_row} {a.name}")
    shared = {frozenset(v) for v in labels.values() if len(v) > 1}
    declared = {frozenset(keys) for _, _, _, keys, _ in P.OVERLAPS} | {
        frozenset(keys) for _, problem, keys, _ in P.DATA_QUALITY if problem == "duplicate-name-vendor"
    }
    check(shared == declared, f"undeclared exact-label overlaps: {[sorted(s) for s in shared - declared]}")

    for gid, _, keys in P.SAME_PRODUCT:
        check(len({by_key[k].org for k in keys}) >= 2, f"{gid}: fewer than two bodies")
    for gid, _, keys in P.CONVERGENCE:
        orgs = {by_key[k].org for k in keys}
        names = {by_key[k].name for k in keys}
        check(len(orgs) >= 2 and len(names) >= 2, f"{gid}: not several products across bodies")
    _check_legacy(by_key)
    for k, lang, _ in P.SCARCE_SKILLS:
        a = by_key[k]
        check(any(lang in x for x in a.languages + a.runtime), f"{k}: {lang} not in languages/runtime")
    for k, _ in P.CLOUD_CANDIDATES:
        a = by_key[k]
        check(
            a.lifecycle == "active"
            and a.hosting == "on-premises"
            and a.classification == "official"
            and not a.special
            and (a.ffit or 3) >= 3,
            f"{k}: not a clean cloud candidate",
        )
    for k, _ in P.RETIRE_CANDIDATES:
        a = by_key[k]
        check(a.lifecycle == "phase-out" and (a.users or 0) <= 20, f"{k}: not a clear retire candidate")
    for k, _ in P.HARD_CONSTRAINTS:
        a = by_key[k]
        outside = a.special and a.country not in (None, "United Kingdom")
        check(a.classification == "secret" or outside, f"{k}: no hard constraint")
    for k, _ in P.HARD_CONSTRAINT_CONTROLS:
        a = by_key[k]
        check(
            a.special and a.country == "United Kingdom" and a.classification != "secret",
            f"{k}: not a control",
        )
    for gid, keys, _ in P.NEAR_MISS_OVERLAPS:
        caps = [frozenset(c.lower() for c in by_key[k].caps) for k in keys]
        live = [by_key[k].is_live for k in keys]
        same_vendor = len({(by_key[k].vendor or "").lower() for k in keys}) == 1
        check(
            (same_vendor and len(set(caps)) == len(caps)) or live.count(True) == 1,
            f"{gid}: is not a near miss",
        )
    _check_data_quality(apps, by_key, style)


def _check_legacy(by_key: dict[str, App]) -> None:
    eol_data = _endoflife()
    year = timedelta(days=365)
    groups = (
        (P.LEGACY_PAST, lambda eol: eol < AS_OF),
        (P.LEGACY_WITHIN_12_MONTHS, lambda eol: AS_OF < eol <= AS_OF + year),
        (P.LEGACY_SUPPORTED, lambda eol: eol > AS_OF + year),
        (P.LEGACY_NEAR_MISS, lambda eol: eol > AS_OF + year),
    )
    for rows, ok in groups:
        for key, text, kind, product, cycle, eol in rows:
            a = by_key[key]
            items = {"os": a.os, "database": a.db, "runtime": a.runtime}[kind]
            check(text in items, f"{key}: {text!r} not among its {kind} components {items}")
            check(ok(date.fromisoformat(eol)), f"{key}: {text} eol {eol} in the wrong bucket")
            if eol_data:
                real = eol_data.get((product, cycle))
                check(
                    real == eol, f"{key}: endoflife.date says {product} {cycle} eol {real}, catalogue {eol}"
                )
    for key in {r[0] for r in P.LEGACY_SUPPORTED}:
        a = by_key[key]
        listed = {r[1] for r in P.LEGACY_SUPPORTED if r[0] == key}
        check(set(a.os + a.db + a.runtime) == listed, f"{key}: control has unlisted components")


def _endoflife() -> dict[tuple[str, str], str]:
    """(product, cycle) -> eol from the shared endoflife.date snapshot, when it is there."""
    if not ENDOFLIFE.is_dir():
        return {}
    out = {}
    for product in {
        r[3] for r in (*P.LEGACY_PAST, *P.LEGACY_WITHIN_12_MONTHS, *P.LEGACY_SUPPORTED, *P.LEGACY_NEAR_MISS)
    }:
        front = (ENDOFLIFE / f"{product}.md").read_text(encoding="utf-8").split("---")[1]
        for rel in yaml.safe_load(front)["releases"]:
            out[(product, str(rel["releaseCycle"]))] = str(rel["eol"])
    return out


def _check_data_quality(apps: list[App], by_key: dict[str, App], style: dict[str, str]) -> None:
    def ident(a: App) -> str:
        return a.key or f"{a.org} row {a.source_row} {a.name}"

    live_or_unknown = [a for a in apps if a.is_live or a.lifecycle is None]
    found: dict[str, set[frozenset[str]]] = defaultdict(set)

    def add(problem: str, *xs: App) -> None:
        found[problem].add(frozenset(ident(x) for x in xs))

    for a in live_or_unknown:
        if a.owner is None:
            add("missing-owner", a)
        if not a.caps:
            add("missing-capability", a)
    for a in apps:
        if a.lifecycle is None:
            add("missing-lifecycle", a)
        if any(c < 0 for c in a.costs()):
            add("negative-cost", a)
        if any(c > IMPLAUSIBLE_COST for c in a.costs()):
            add("implausible-cost", a)
        lines = [a.cost_licence, a.cost_support, a.cost_hosting, a.cost_staff]
        if (
            style[a.org] == "avonvale"
            and a.cost_total is not None
            and any(x is not None for x in lines)
            and abs(sum(x or 0 for x in lines) - a.cost_total) > 0.005
        ):
            add("cost-lines-mismatch", a)
        for h in DATE_HEADERS[style[a.org]]:
            v = a.cells.get(h)
            if isinstance(v, str) and v not in ("", "TBC") and not _DATE_TEXT.match(v):
                add("unparseable-date", a)
        if a.lifecycle in LIVE and style[a.org] != "konveyor" and a.contract_end and a.contract_end < AS_OF:
            add("contract-expired-live", a)
        if (
            style[a.org] in ("servicenow", "leanix", "avonvale")
            and a.lifecycle in LIVE
            and a.criticality in ("mission-critical", "business-critical")
            and a.contract_end is None
            and not (a.cells.get("End date") or a.cells.get("Contract expires"))
        ):
            add("critical-without-contract", a)
    groups: dict[tuple[str, str, str], list[App]] = defaultdict(list)
    for a in apps:
        groups[(a.org, (a.name or "").lower(), (a.vendor or "").lower())].append(a)
    for same in groups.values():
        if len(same) > 1:
            add("duplicate-name-vendor", *same)

    declared: dict[str, set[frozenset[str]]] = defaultdict(set)
    for _, problem, keys, _ in P.DATA_QUALITY:
        if problem == "duplicate-name-vendor":
            declared[problem].add(frozenset(keys))
        else:
            declared[problem] |= {frozenset([k]) for k in keys}
    for problem in set(found) | set(declared):
        check(
            found[problem] == declared[problem],
            f"{problem}: found {sorted(map(sorted, found[problem]))}, declared {sorted(map(sorted, declared[problem]))}",
        )
    for key, header, value, _ in P.ERROR_CELLS:
        check(by_key[key].cells[header] == value, f"{key}: {header} is not {value}")
    for key, header, value, _ in P.VALUE_FORMATS:
        check(
            by_key[key].cells[header] == value,
            f"{key}: {header} is {by_key[key].cells[header]!r}, not {value!r}",
        )


def check_leanix_phases(by_org: dict[str, list[App]]) -> None:
    """The phase current on AS_OF and on STABLE_UNTIL is the app's lifecycle."""
    names = {
        "Lifecycle: Plan": "plan",
        "Lifecycle: Phase In": "phase-in",
        "Lifecycle: Active": "active",
        "Lifecycle: Phase Out": "phase-out",
        "Lifecycle: End Of Life": "retired",
    }
    for a in by_org["WVH"]:
        dated = [(date.fromisoformat(a.cells[h]), names[h]) for h in LX_PHASES if a.cells[h]]
        days = [d for d, _ in dated]
        check(all(x < y for x, y in pairwise(days)), f"{a.name}: phase dates not increasing {dated}")
        for day in (AS_OF, STABLE_UNTIL):
            current = (
                max((d, p) for d, p in dated if d <= day)[1] if any(d <= day for d, _ in dated) else None
            )
            check(current == a.lifecycle, f"{a.name}: phase on {day} is {current}, expected {a.lifecycle}")


def check_truth_file(out: Path, truth: dict[str, Any]) -> None:
    """ground_truth.yaml on disk parses back to what was meant, and every key it names exists."""
    loaded_truth = yaml.safe_load((out / "ground_truth.yaml").read_text(encoding="utf-8"))
    check(loaded_truth == truth, "ground_truth.yaml does not round-trip")
    keys = set(truth["apps"])
    refs = [k for g in truth["overlaps_within"] for k in g["apps"]]
    refs += [k for g in truth["same_product_across"] for k in g["apps"]]
    refs += [k for g in truth["convergence"] for k in g["apps"]]
    refs += [c["app"] for part in truth["legacy"].values() for c in part]
    refs += [k for i in truth["data_quality"]["issues"] for k in i["apps"]]
    refs += [k for n in truth["near_miss_overlaps"] for k in n["apps"]]
    missing = sorted(set(refs) - keys)
    check(not missing, f"ground truth names unknown apps: {missing}")


def run_all(
    by_org: dict[str, list[App]], metas: dict[str, FileMeta], out: Path, truth: dict[str, Any]
) -> None:
    check_rows(by_org, metas, out)
    check_facts(by_org)
    check_leanix_phases(by_org)
    check_truth_file(out, truth)
