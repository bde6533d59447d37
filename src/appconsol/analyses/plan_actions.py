"""The plan's actions: one row per overlap group member (from the optimiser's outcome) and per
application whose disposition changes it, each with a reason a board can read and a `why`."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import polars as pl

from appconsol.analyses.plan_decide import App, Outcome, added_cost
from appconsol.analyses.savings import Assumptions

DISPOSITION_ACTIONS = {
    "retire": "retire",
    "rehost": "rehost",
    "relocate": "rehost",
    "replatform": "replatform",
    "repurchase": "repurchase",
    "refactor": "refactor",
}

ACTION_SCHEMA = {
    "organisation": pl.String,
    "app_id": pl.String,
    "action": pl.String,
    "target_organisation": pl.String,
    "target_app_id": pl.String,
    "target_name": pl.String,
    "group_id": pl.String,
    "reason": pl.String,
    "why": pl.String,
    "annual_added_cost": pl.Float64,
    "effort": pl.Float64,
    "saving_share": pl.Float64,
    "target_users": pl.Int64,
}


def group_actions(
    apps: dict[str, App],
    outcome: dict[str, Outcome],
    info: dict[str, dict[str, Any]],
    members_of: dict[str, list[str]],
    a: Assumptions,
) -> pl.DataFrame:
    """One row per overlap group member: keep, invest, consolidate, share, or its disposition.

    Built in chunks, each turned into a frame at once, so a million-application plan never holds
    every row twice as Python objects.
    """
    ordered = {gid: sorted(keys) for gid, keys in members_of.items()}

    def others(key: str, gid: str, exclude: set[str]) -> tuple[list[App], int]:
        keys = ordered.get(gid, [])
        listed = []
        for k in keys:
            if k != key and k not in exclude:
                listed.append(apps[k])
                if len(listed) == MAX_LISTED:
                    break
        skipped = 1 + len(exclude) if key in keys else len(exclude)
        return listed, len(keys) - skipped

    frames: list[pl.DataFrame] = []
    columns: dict[str, list[Any]] = {name: [] for name in ACTION_SCHEMA}
    for position, key in enumerate(sorted(outcome), start=1):
        row = _group_action(apps[key], outcome[key], info, others, apps, a)
        for name in ACTION_SCHEMA:
            columns[name].append(row.get(name))
        if position % 20_000 == 0:
            frames.append(pl.DataFrame(columns, schema=ACTION_SCHEMA))
            columns = {name: [] for name in ACTION_SCHEMA}
    frames.append(pl.DataFrame(columns, schema=ACTION_SCHEMA))
    return pl.concat(frames)


def _group_action(
    app: App,
    done: Outcome,
    info: dict[str, dict[str, Any]],
    others: Callable[[str, str, set[str]], tuple[list[App], int]],
    apps: dict[str, App],
    a: Assumptions,
) -> dict[str, Any]:
    group = info.get(done.group_id, {})
    capability = group.get("capability_name") or group.get("product_label") or ""
    row: dict[str, Any] = {
        "organisation": app.organisation,
        "app_id": app.app_id,
        "group_id": done.group_id,
        "annual_added_cost": 0.0,
        "effort": 1.0,
        "saving_share": 1.0,
    }
    disposition = None if app.pin == "keep" else DISPOSITION_ACTIONS.get(app.facts["disposition"] or "")
    if done.target is not None:
        target = apps[done.target]
        kind = "consolidate" if target.organisation == app.organisation else "share"
        where = "" if kind == "consolidate" else f"{target.organisation}'s "
        row.update(
            action=kind,
            target_organisation=target.organisation,
            target_app_id=target.app_id,
            target_name=target.name,
            target_users=target.facts["users"],
            reason=f"{kind} into {where}{target.name} ({capability})",
            why=_why(target, [app], others(done.target, done.group_id, {app.key}), done, group),
            annual_added_cost=added_cost(app, target, a),
        )
    elif done.incoming:
        movers = [apps[k] for k in sorted(done.incoming)]
        names = ", ".join(m.name for m in movers[:MAX_LISTED]) + (
            f" and {len(movers) - MAX_LISTED} more" if len(movers) > MAX_LISTED else ""
        )
        row.update(
            action="invest",
            reason=f"invest: take on the users of {names} ({capability})",
            why=_why(app, movers, others(app.key, done.group_id, set(done.incoming)), done, group),
        )
    elif disposition:
        why = {**_disposition_why(app.facts), "overlap_group": done.group_id}
        row.update(
            action=disposition,
            reason=_disposition_reason(app.facts, disposition),
            why=_SORTED_JSON.encode(why),
            effort=getattr(a, f"effort_{disposition}"),
            saving_share=1.0 if disposition == "retire" else getattr(a, f"saving_share_{disposition}"),
        )
    else:
        row.update(
            action="keep",
            reason=f"keep: no move in its overlap group ({capability}) pays back within the horizon",
            why=_why(app, [], others(app.key, done.group_id, set()), done, group),
        )
    return row


def _disposition_reason(f: dict[str, Any], action: str) -> str:
    return f"{action}: disposition {f['disposition']} ({f['disposition_rule'] or 'decision table'})"


def _disposition_why(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "disposition": f["disposition"],
        "decided_by": f["disposition_rule"],
        "disposition_reason": f["disposition_reason"],
    }


def other_actions(
    facts: pl.DataFrame, decided: set[str], pins: dict[str, str], a: Assumptions
) -> pl.DataFrame:
    """Applications in no group: the action their disposition names (retire when pinned to retire)."""
    c = pl.col
    pinned = pl.DataFrame(
        {"key": list(pins), "pin": list(pins.values())}, schema={"key": pl.String, "pin": pl.String}
    )
    mapping = pl.DataFrame(
        {"disposition": list(DISPOSITION_ACTIONS), "action": list(DISPOSITION_ACTIONS.values())},
        schema={"disposition": pl.String, "action": pl.String},
    )
    rest = (
        facts.select("key", "organisation", "app_id", "disposition", "disposition_rule", "disposition_reason")
        .filter(~c("key").is_in(list(decided)))
        .join(pinned, on="key", how="left")
        .join(mapping, on="disposition", how="left")
        .with_columns(
            pl.when(c("pin") == "retire")
            .then(pl.lit("retire"))
            .when(c("pin") == "keep")
            .then(None)
            .otherwise(c("action"))
            .alias("action")
        )
        .filter(c("action").is_not_null())
    )
    effort = {
        k: getattr(a, f"effort_{k}") for k in ("retire", "rehost", "replatform", "repurchase", "refactor")
    }
    share = {
        "retire": 1.0,
        **{k: getattr(a, f"saving_share_{k}") for k in ("rehost", "replatform", "repurchase", "refactor")},
    }
    why = pl.struct(
        c("disposition"),
        c("disposition_rule").alias("decided_by"),
        c("disposition_reason"),
        pl.when(c("pin") == "retire").then(pl.lit("retire")).alias("pinned"),
    ).struct.json_encode()
    return rest.select(
        "organisation",
        "app_id",
        "action",
        pl.lit(None, pl.String).alias("target_organisation"),
        pl.lit(None, pl.String).alias("target_app_id"),
        pl.lit(None, pl.String).alias("target_name"),
        pl.lit(None, pl.String).alias("group_id"),
        pl.when(c("pin") == "retire")
        .then(pl.lit("retire: pinned in appconsol.toml [plan] pins"))
        .otherwise(
            pl.format(
                "{}: disposition {} ({})",
                "action",
                "disposition",
                c("disposition_rule").fill_null("decision table"),
            )
        )
        .alias("reason"),
        why.alias("why"),
        pl.lit(0.0).alias("annual_added_cost"),
        c("action").replace_strict(effort, return_dtype=pl.Float64).alias("effort"),
        c("action").replace_strict(share, return_dtype=pl.Float64).alias("saving_share"),
        pl.lit(None, pl.Int64).alias("target_users"),
    )


MAX_LISTED = 10  # members listed in a `why`; the counts say how many there are in all
# json.dumps(..., default=str[, sort_keys=True]) without building an encoder for every call
_JSON = json.JSONEncoder(default=str)
_SORTED_JSON = json.JSONEncoder(default=str, sort_keys=True)


def _facts(app: App) -> dict[str, Any]:
    """An application's facts as a `why` shows them, made once (read-only: shared by every `why`)."""
    if app.described is None:
        app.described = _describe(app)
    return app.described


def _describe(app: App) -> dict[str, Any]:
    f = app.facts
    users = f["users"]
    return {
        "organisation": app.organisation,
        "app_id": app.app_id,
        "name": app.name,
        "functional_fit": f["functional_fit"],
        "technical_fit": f["technical_fit"],
        "months_to_end_of_support": None if f["months_to_eol"] is None else round(f["months_to_eol"], 1),
        "users": users,
        "annual_run_cost": f["annual_run_cost"],
        "cost_method": f["cost_method"],
        "cost_per_user": round(f["annual_run_cost"] / users, 2) if users else None,
        "legacy_score": f["legacy_score"],
        "red_rated": f["red_rated"],
        "constraints": app.constraints or None,
        "pinned": app.pin,
        # Present value of the platform upgrade keeping it would need before support ends:
        # the optimiser counts it against keeping this application.
        "upgrade_cost_if_kept": round(app.adjustment, 2) if app.adjustment else None,
    }


def _summary(app: App) -> str:
    """An application's facts as JSON text, made once however many `why`s name it."""
    if app.summary is None:
        app.summary = _SORTED_JSON.encode(_facts(app))
    return app.summary


def _why(
    survivor: App,
    movers: list[App],
    others_and_count: tuple[list[App], int],
    done: Outcome,
    group: dict[str, Any],
) -> str:
    """The survivor beside the movers: which of fit, runway, users, cost per user and risk favour it.

    Written as JSON text from each application's cached summary, so a member named in many `why`s
    is serialised once.
    """
    s = _facts(survivor)
    others, other_count = others_and_count
    planned, kept = done.whole_life or (None, None)
    head = {
        "decided_by": "optimiser" if planned is not None else "nothing to compare in this stage",
        "group": {
            "id": done.group_id,
            "kind": group.get("kind"),
            "capability": group.get("capability_name"),
            "product": group.get("product_label"),
        },
        "group_whole_life_cost": None if planned is None else round(planned, 2),
        "group_whole_life_cost_keeping_all": None if kept is None else round(kept, 2),
        "moving_count": len(movers),
        "other_members": [f"{o.name} ({o.organisation})" for o in others[:MAX_LISTED]],
        "other_members_count": other_count,
        "survivor_better_than": {
            f"{m.organisation}|{m.app_id}": _better(s, _facts(m)) for m in movers[:MAX_LISTED]
        },
    }
    moving = ", ".join(_summary(m) for m in movers[:MAX_LISTED])
    return _JSON.encode(head)[:-1] + f', "moving": [{moving}], "survivor": {_summary(survivor)}}}'


def _better(s: dict[str, Any], m: dict[str, Any]) -> list[str]:
    reasons = []
    if (s["functional_fit"] or 0) > (m["functional_fit"] or 0):
        reasons.append("functional fit")
    if (s["technical_fit"] or 0) > (m["technical_fit"] or 0):
        reasons.append("technical fit")
    s_run = s["months_to_end_of_support"] if s["months_to_end_of_support"] is not None else math.inf
    m_run = m["months_to_end_of_support"] if m["months_to_end_of_support"] is not None else math.inf
    if s_run > m_run:
        reasons.append("runway to end of support")
    if (s["users"] or 0) > (m["users"] or 0):
        reasons.append("users")
    if (
        s["cost_per_user"] is not None
        and m["cost_per_user"] is not None
        and s["cost_per_user"] < m["cost_per_user"]
    ):
        reasons.append("cost per user")
    if s["annual_run_cost"] < m["annual_run_cost"]:
        reasons.append("run cost")
    if not s["red_rated"] and m["red_rated"]:
        reasons.append("legacy risk")
    return reasons
