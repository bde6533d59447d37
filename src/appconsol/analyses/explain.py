"""`explain`: everything the store knows about one application, section by section.

The inventory row and where it came from, its capabilities and product, its components and their
lifecycle, its legacy score with the evidence, its disposition and the decision that made it, its
overlap groups with the other members, its planned action with the savings and why, and its
findings with their evidence. Sections whose tables a run has not written yet are left out.
"""

from __future__ import annotations

import contextlib
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appconsol.errors import AppconsolError


class ApplicationNotFoundError(AppconsolError):
    """No application matches the id or name asked about."""


class AmbiguousApplicationError(AppconsolError):
    """Several applications match; the message lists them."""

    def __init__(self, message: str, candidates: list[dict[str, Any]], **kwargs: Any):
        super().__init__(message, **kwargs)
        self.candidates = candidates


@dataclass
class Explanation:
    organisation: str
    app_id: str
    name: str
    sections: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "app_id": self.app_id, "name": self.name, **self.sections}


def explain(db: Path, app: str, *, organisation: str | None = None) -> Explanation:
    """Explain the application whose id or name is `app` (case-insensitive), in `organisation` if given."""
    from appconsol.store import Store, require_current_analysis

    with Store(Path(db), read_only=True) as store:
        require_current_analysis(store)
        target = _find(store, app, organisation)
        return _explain(store, target)


def _query(store: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    frame = store.query(sql, params)
    return [_plain(row) for row in frame.iter_rows(named=True)]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """JSON columns as objects, decimals as floats, so the dict renders and serialises plainly."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, str) and value[:1] in "{[" and key in JSON_COLUMNS:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        elif value is not None and type(value).__name__ == "Decimal":
            value = float(value)
        out[key] = value
    return out


JSON_COLUMNS = {"originals", "unmapped", "evidence", "why", "constraints", "blocked_decisions", "raw"}


def _find(store: Any, app: str, organisation: str | None) -> dict[str, Any]:
    text = app.strip().lower()
    where = "(lower(app_id) = ? OR lower(trim(name)) = ?)"
    params: list[Any] = [text, text]
    if organisation:
        where += " AND lower(organisation) = ?"
        params.append(organisation.strip().lower())
    found = _query(
        store,
        f"SELECT organisation, app_id, name, lifecycle FROM applications WHERE {where} ORDER BY 1, 2",
        params,
    )
    if len(found) == 1:
        return found[0]
    if not found:
        names = [
            r["name"]
            for r in _query(store, "SELECT DISTINCT name FROM applications WHERE name IS NOT NULL", [])
        ]
        close = difflib.get_close_matches(app, names, n=3, cutoff=0.6)
        hint = (
            f"did you mean {', '.join(repr(c) for c in close)}?"
            if close
            else "give an app_id or a name as stored"
        )
        scope = f" in '{organisation}'" if organisation else ""
        raise ApplicationNotFoundError(f"no application '{app}'{scope}", hint=hint)
    listing = "; ".join(f"{r['organisation']} | {r['app_id']} | {r['name']}" for r in found[:20])
    more = f" and {len(found) - 20} more" if len(found) > 20 else ""
    raise AmbiguousApplicationError(
        f"'{app}' matches {len(found)} applications: {listing}{more}",
        found,
        hint="give the app_id, or --org to choose the organisation",
    )


def _tables(store: Any) -> set[str]:
    return {r[0] for r in store.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def _explain(store: Any, target: dict[str, Any]) -> Explanation:
    org, app_id = target["organisation"], target["app_id"]
    key = [org, app_id]
    tables = _tables(store)
    result = Explanation(org, app_id, target["name"])
    sections = result.sections
    (application,) = _query(store, "SELECT * FROM v_applications WHERE organisation = ? AND app_id = ?", key)
    sections["application"] = application
    sections["loaded_from"] = _query(
        store,
        "SELECT load_id, file_name, source_sheet, content_hash, loaded_at, profile FROM loads WHERE load_id = ?",
        [application.get("load_id")],
    )
    sections["capabilities"] = _query(
        store,
        "SELECT capability, code, name, confidence, method FROM app_capability_codes "
        "WHERE organisation = ? AND app_id = ? ORDER BY capability"
        if "app_capability_codes" in tables
        else "SELECT capability FROM app_capabilities WHERE organisation = ? AND app_id = ? ORDER BY capability",
        key,
    )
    if "product_keys" in tables:
        sections["product"] = _one(
            store,
            "SELECT vendor_key, product_key, product_label, product_confidence, product_method FROM product_keys "
            "WHERE organisation = ? AND app_id = ?",
            key,
        )
    sections["components"] = _query(
        store,
        "SELECT kind, raw, lifecycle_product, release_cycle, eol, eoes, support_status, months_to_eol, "
        "match_method FROM component_lifecycle WHERE organisation = ? AND app_id = ? ORDER BY kind, raw"
        if "component_lifecycle" in tables
        else "SELECT kind, raw, product, version FROM app_components WHERE organisation = ? AND app_id = ? "
        "ORDER BY kind, raw",
        key,
    )
    if "legacy_scores" in tables:
        sections["legacy"] = _one(
            store,
            "SELECT * EXCLUDE (organisation, app_id) FROM legacy_scores "
            "WHERE organisation = ? AND app_id = ?",
            key,
        )
    if "dispositions" in tables:
        sections["disposition"] = _one(
            store,
            "SELECT time_category, disposition, decided_by, reason, confidence, missing_facts, constraints, "
            "blocked_decisions "
            "FROM dispositions WHERE organisation = ? AND app_id = ?",
            key,
        )
    if "overlap_groups" in tables:
        sections["overlap"] = _overlap(store, key, "plan_actions" in tables)
    if "plan_actions" in tables:
        sections["plan"] = _plan(store, key)
    if "findings" in tables:
        groups = [g["group_id"] for g in (sections.get("overlap") or {}).get("groups", [])]
        sections["findings"] = _query(
            store,
            "SELECT rule_code, severity, message, evidence, source_file, source_sheet, source_row, waived "
            "FROM findings WHERE (organisation = ? AND app_id = ?) "
            "OR (app_id IS NULL AND list_contains(?, json_extract_string(evidence, '$.group_id'))) "
            "ORDER BY rule_code, finding_key",
            [*key, groups],
        )
    return result


def _one(store: Any, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = _query(store, sql, params)
    return rows[0] if rows else None


def _overlap(store: Any, key: list[str], planned: bool) -> dict[str, Any]:
    groups = _query(
        store,
        "SELECT g.* FROM overlap_groups g JOIN overlap_members m ON m.group_id = g.group_id "
        "WHERE m.organisation = ? AND m.app_id = ? ORDER BY g.scope DESC, g.kind, g.group_id",
        key,
    )
    plan = (
        "LEFT JOIN plan_actions p ON p.organisation = m.organisation AND p.app_id = m.app_id"
        if planned
        else "LEFT JOIN (SELECT NULL AS organisation, NULL AS app_id, NULL AS action, NULL AS target_name) p ON false"
    )
    for group in groups:
        group["members_list"] = _query(
            store,
            "SELECT m.organisation, m.app_id, a.name, m.role, m.product_label, p.action, p.target_name "
            f"FROM overlap_members m JOIN applications a ON a.organisation = m.organisation AND a.app_id = m.app_id "
            f"{plan} WHERE m.group_id = ? ORDER BY m.organisation, a.name, m.app_id",
            [group["group_id"]],
        )
    pairs = _query(
        store,
        "SELECT CASE WHEN p.app_a = ? THEN p.app_b ELSE p.app_a END AS other_app_id, a.name AS other_name, "
        "p.shared_capabilities, CASE WHEN p.app_a = ? THEN p.share_of_a ELSE p.share_of_b END AS share_of_this, "
        "CASE WHEN p.app_a = ? THEN p.share_of_b ELSE p.share_of_a END AS share_of_other, p.similarity, p.evidence "
        "FROM overlap_pairs p JOIN applications a ON a.organisation = p.organisation "
        "AND a.app_id = CASE WHEN p.app_a = ? THEN p.app_b ELSE p.app_a END "
        "WHERE p.organisation = ? AND (p.app_a = ? OR p.app_b = ?) ORDER BY p.similarity DESC, 1 LIMIT 20",
        [key[1], key[1], key[1], key[1], key[0], key[1], key[1]],
    )
    return {"groups": groups, "pairs": pairs}


def _plan(store: Any, key: list[str]) -> dict[str, Any] | None:
    action = _one(store, "SELECT * FROM plan_actions WHERE organisation = ? AND app_id = ?", key)
    incoming = _query(
        store,
        "SELECT organisation, app_id, app_name, action, annual_saving FROM plan_actions "
        "WHERE target_organisation = ? AND target_app_id = ? ORDER BY organisation, app_name",
        key,
    )
    if action is None and not incoming:
        return None
    out: dict[str, Any] = {"action": action, "moving_onto_it": incoming}
    if action is not None:
        out["cash_flows"] = [
            r["cash_flow"]
            for r in _query(
                store,
                "SELECT year, cash_flow FROM plan_cash_flows WHERE action_id = ? ORDER BY year",
                [action["action_id"]],
            )
        ]
        out["partner_shares"] = _query(
            store,
            "SELECT organisation, share, one_off_cost, annual_saving FROM plan_partner_shares "
            "WHERE action_id = ? ORDER BY organisation",
            [action["action_id"]],
        )
    return out
