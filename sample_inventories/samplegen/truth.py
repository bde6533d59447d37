"""ground_truth.yaml, organisations.yaml and README.md, all rendered from the same facts."""

from __future__ import annotations

from datetime import date
from typing import Any

from . import planted as P
from .common import FileMeta
from .model import AS_OF, IMPLAUSIBLE_COST, LIVE, ORGS, PARTNERSHIPS, STABLE_UNTIL, App

# Source headers holding each kind of fact, per style (Konveyor facts are tags).
CAPABILITY_HEADER = {
    "servicenow": "Business capability",
    "leanix": "Business Capabilities",
    "avonvale": "Capability",
    "thornbury": "Capability",
    "konveyor": "Tag (Capability)",
}
COMPONENT_HEADERS = {
    "servicenow": {"os": "Operating system", "database": "Database", "runtime": "Technology stack"},
    "leanix": {"os": "IT Components", "database": "IT Components", "runtime": "IT Components"},
    "avonvale": {"os": "Server OS", "database": "Database", "runtime": "Technology"},
    "thornbury": {"os": "Server OS", "database": "DB"},
    "konveyor": {"os": "Tag (Operating System)", "database": "Tag (Database)", "runtime": "Tag (Runtime)"},
}
# Canonical fields each style carries, for the `expected` block of planted apps.
STYLE_FIELDS = {
    "servicenow": (
        "lifecycle",
        "hosting_model",
        "business_criticality",
        "data_classification",
        "user_count",
        "cost_total",
        "contract_end",
    ),
    "leanix": (
        "lifecycle",
        "hosting_model",
        "business_criticality",
        "data_classification",
        "user_count",
        "cost_total",
        "contract_end",
        "special_category_data",
        "hosting_country",
    ),
    "avonvale": (
        "lifecycle",
        "hosting_model",
        "business_criticality",
        "user_count",
        "cost_licence",
        "cost_support",
        "cost_hosting",
        "cost_staff",
        "cost_total",
        "contract_end",
    ),
    "thornbury": ("lifecycle", "hosting_model", "user_count", "cost_total", "contract_end"),
    "konveyor": ("lifecycle", "hosting_model"),
}
CANONICAL_ATTR = {
    "lifecycle": "lifecycle",
    "hosting_model": "hosting",
    "business_criticality": "criticality",
    "data_classification": "classification",
    "user_count": "users",
    "cost_licence": "cost_licence",
    "cost_support": "cost_support",
    "cost_hosting": "cost_hosting",
    "cost_staff": "cost_staff",
    "cost_total": "cost_total",
    "contract_end": "contract_end",
    "special_category_data": "special",
    "hosting_country": "country",
}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def app_entry(app: App) -> dict[str, Any]:
    style = ORGS[app.org].style
    cells = {
        h: _clean(v) for h, v in app.cells.items() if v not in ("", None) and h not in ("Sys ID", "Updated")
    }
    if style == "konveyor":
        tags: dict[str, list[str]] = {}
        for n in range(1, 11):
            cat = app.cells.get(f"Tag Category {n}")
            if cat:
                tags.setdefault(cat, []).append(app.cells[f"Tag {n}"])
        cells = {h: v for h, v in cells.items() if not h.startswith("Tag")} | {"tags": tags}
    entry: dict[str, Any] = {
        "organisation": ORGS[app.org].name,
        "file": ORGS[app.org].file,
        "source_row": app.source_row,
        "app_id": app.app_id,
        "name": app.name,
    }
    if app.note:
        entry["note"] = app.note
    if not app.reject:
        entry["expected"] = {
            f: _clean(getattr(app, CANONICAL_ATTR[f]))
            for f in STYLE_FIELDS[style]
            if not (f == "user_count" and app.raw.get("Users") == "#N/A")
        }
    entry["cells"] = cells
    return entry


def _component_list(rows: tuple, by_key: dict[str, App]) -> list[dict[str, Any]]:
    out = []
    for key, text, kind, product, cycle, eol in rows:
        app = by_key[key]
        style = ORGS[app.org].style
        out.append(
            {
                "app": key,
                "organisation": ORGS[app.org].name,
                "name": app.name,
                "component": text,
                "kind": kind,
                "source_header": COMPONENT_HEADERS[style].get(kind, "Tag (Runtime)"),
                "endoflife_product": product,
                "release_cycle": cycle,
                "eol": date.fromisoformat(eol),
            }
        )
    return out


def ground_truth(by_org: dict[str, list[App]], metas: dict[str, FileMeta], seed: int) -> dict[str, Any]:
    all_apps = [a for apps in by_org.values() for a in apps]
    by_key = {a.key: a for a in all_apps if a.key}
    files = {}
    for meta in metas.values():
        files[meta.file] = {
            "organisation": meta.organisation,
            "style": meta.style,
            "format": meta.format,
            "encoding": meta.encoding,
            "delimiter": meta.delimiter,
            "sheet": meta.sheet,
            "other_sheets": meta.other_sheets,
            "header_rows": meta.header_rows,
            "first_data_row": meta.first_data_row,
            "data_rows": meta.data_rows,
            "blank_rows": len(meta.blank_rows),
            "blank_row_numbers": meta.blank_rows,
            "non_application_rows": len(meta.non_application_rows),
            "application_rows": meta.application_rows,
            "expected_rejected": meta.rejected,
            "expected_skipped": meta.skipped,
            "expected_loaded": meta.expected_loaded,
            "notes": meta.notes,
        }
        if meta.non_application_rows:
            files[meta.file]["dependency_rows"] = meta.non_application_rows
    planted_keys = sorted(by_key)
    truth: dict[str, Any] = {
        "version": 1,
        "as_of": AS_OF,
        "stable_until": STABLE_UNTIL,
        "generated_by": f"python sample_inventories/make_samples.py --seed {seed}",
        "conventions": {
            "source_row": "1-based row as a spreadsheet shows it: CSV header = row 1 and each record one row "
            "(even when a quoted field holds newlines); workbook rows are sheet rows.",
            "identity": "An app is (organisation, app_id) when app_id is not null, else (organisation, name): "
            "Thornbury and Konveyor files have no id column (ids are derived from the name).",
            "live": f"lifecycle in {list(LIVE)}.",
            "end_of_support": "endoflife.date `eol` of the release cycle (end of security/extended support, "
            "not mainstream/active support), from the snapshot in shared/data/endoflife-date. "
            "Within 12 months means AS_OF < eol <= AS_OF + 365 days.",
            "implausible_cost": f"a cost above {IMPLAUSIBLE_COST:,}; nothing else in the files comes close.",
            "as_of": "Date-relative facts (contract expired, end of support) hold at as_of; pass it to the "
            "analyses. LeanIX current phases hold for any load day from as_of to stable_until.",
            "exhaustive": "data_quality lists EVERY instance of each problem kind in the five files. Other "
            "lists are must-find (recall): background rows may add more legacy components, cloud or "
            "retire candidates, and same-vendor pairs. Within one organisation, no two live apps share "
            "an identical capability label except in overlaps_within groups and duplicate-name-vendor pairs.",
        },
        "organisations": [
            {"name": o.name, "type": o.org_type, "file": o.file, "style": o.style} for o in ORGS.values()
        ],
        "files": files,
        "overlaps_within": [
            {
                "id": gid,
                "organisation": ORGS[org].name,
                "capability": cap,
                "apps": list(keys),
                "names": [by_key[k].name for k in keys],
                "note": note,
            }
            for gid, org, cap, keys, note in P.OVERLAPS
        ],
        "same_product_across": [
            {
                "id": gid,
                "product": product,
                "apps": list(keys),
                "spellings": [
                    {
                        "app": k,
                        "organisation": ORGS[by_key[k].org].name,
                        "name": by_key[k].name,
                        "vendor": by_key[k].vendor,
                        "version": by_key[k].version,
                    }
                    for k in keys
                ],
            }
            for gid, product, keys in P.SAME_PRODUCT
        ],
        "convergence": [
            {
                "id": gid,
                "capability": cap,
                "apps": list(keys),
                "as_written": [
                    {
                        "app": k,
                        "organisation": ORGS[by_key[k].org].name,
                        "product": by_key[k].name,
                        "capability": "; ".join(by_key[k].caps),
                    }
                    for k in keys
                ],
            }
            for gid, cap, keys in P.CONVERGENCE
        ],
        "legacy": {
            "past_end_of_support": _component_list(P.LEGACY_PAST, by_key),
            "end_of_support_within_12_months": _component_list(P.LEGACY_WITHIN_12_MONTHS, by_key),
            "supported_controls": _component_list(P.LEGACY_SUPPORTED, by_key),
            "near_miss_supported": _component_list(P.LEGACY_NEAR_MISS, by_key),
        },
        "scarce_skills": [
            {
                "app": k,
                "organisation": ORGS[by_key[k].org].name,
                "name": by_key[k].name,
                "language": lang,
                "field": f,
            }
            for k, lang, f in P.SCARCE_SKILLS
        ],
        "cloud_candidates": _reasoned(P.CLOUD_CANDIDATES, by_key),
        "retire_candidates": _reasoned(P.RETIRE_CANDIDATES, by_key),
        "hard_constraints": _reasoned(P.HARD_CONSTRAINTS, by_key),
        "hard_constraint_controls": _reasoned(P.HARD_CONSTRAINT_CONTROLS, by_key),
        "data_quality": {
            "exhaustive": True,
            "issues": [
                {"id": gid, "problem": problem, "apps": list(keys), "note": note}
                for gid, problem, keys, note in P.DATA_QUALITY
            ],
            "error_cells": [{"app": k, "header": h, "value": v, "note": n} for k, h, v, n in P.ERROR_CELLS],
            "value_formats": [
                {"app": k, "header": h, "value": v, "means": m} for k, h, v, m in P.VALUE_FORMATS
            ],
        },
        "near_miss_overlaps": [
            {"id": gid, "apps": list(keys), "why": why} for gid, keys, why in P.NEAR_MISS_OVERLAPS
        ],
        "apps": {k: app_entry(by_key[k]) for k in planted_keys},
    }
    return truth


def _reasoned(rows: tuple, by_key: dict[str, App]) -> list[dict[str, Any]]:
    return [
        {"app": k, "organisation": ORGS[by_key[k].org].name, "name": by_key[k].name, "why": why}
        for k, why in rows
    ]


def organisations_yaml() -> dict[str, Any]:
    return {
        "organisations": [{"name": o.name, "type": o.org_type, "files": [o.file]} for o in ORGS.values()],
        "partnerships": [
            {"name": name, "members": [ORGS[c].name for c in members]} for name, members, _ in PARTNERSHIPS
        ],
    }
