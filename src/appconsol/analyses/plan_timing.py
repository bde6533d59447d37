"""When each action can happen: contract exit, earliest and latest dates, and waves by year.

- Exit date: the date the contract can end. A contract end on or after as_of + notice is the exit;
  an auto-renewing contract whose notice date has passed rolls on a year at a time; a fixed
  contract that ends within its notice period simply ends; an expired or unknown contract is
  taken to be terminable on notice (notice period from the inventory, else `default_notice_days`).
- Earliest date: exit date - notice period - lead time (`lead_time_months`), not before as_of:
  the day work must start for the switch-off to meet the exit date.
- Latest date: the earliest end of security support among the application's components (from
  the legacy step), after which it runs unsupported.
- Waves: a migrating action's wave is the UK financial year (April to March) of its earliest
  date, but never the rest of the current one unless its contract can end in it (the plan step
  decides that first year), then moved later when
  (1) it depends on another migrating application (app_dependencies: a southbound record means
  the application calls the other; a northbound one that the other calls it) -- a dependent moves
  no earlier than what it depends on -- or (2) the year already holds `max_migrations_per_year`
  migrations. Actions take capacity in order of wave, then latest date, then id; dependency
  cycles are broken at the action processed last. A later wave starts on 1 April of its year, so
  its exit moves to that day + lead time + notice when that is after the contract's exit.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from appconsol.analyses.savings import Assumptions
from appconsol.analyses.settings import fetch_frame

DAYS_PER_MONTH = 30.4375
NOTE_SEP = "\x1f"


@dataclass
class Timing:
    exit_date: dt.date
    earliest_date: dt.date
    latest_date: dt.date | None
    notice_days: int
    notes: list[str] = field(default_factory=list)


def contract_timing(
    as_of: dt.date,
    contract_end: dt.date | None,
    notice_days: int | None,
    auto_renew: bool | None,
    earliest_eol: dt.date | None,
    a: Assumptions,
) -> Timing:
    notice = dt.timedelta(days=int(notice_days if notice_days is not None else a.default_notice_days))
    notes: list[str] = []
    if notice_days is None:
        notes.append(f"notice period unknown: {notice.days} days assumed")
    if contract_end is None:
        exit_date = as_of + notice
        notes.append("contract end unknown: terminable on notice assumed")
    elif contract_end < as_of:
        exit_date = as_of + notice
        notes.append(f"contract ended {contract_end.isoformat()}: rolling, terminable on notice assumed")
    elif contract_end - notice >= as_of:
        exit_date = contract_end
    elif auto_renew:
        exit_date = contract_end
        while exit_date - notice < as_of:
            exit_date = _add_year(exit_date)
        notes.append(
            f"notice date for {contract_end.isoformat()} has passed: auto-renews to {exit_date.isoformat()}"
        )
    else:
        exit_date = contract_end
        notes.append("contract ends within its notice period: it simply ends")
    lead = dt.timedelta(days=round(a.lead_time_months * DAYS_PER_MONTH))
    earliest = max(as_of, exit_date - notice - lead)
    if earliest_eol is not None and earliest_eol < earliest:
        notes.append(
            f"support ended {earliest_eol.isoformat()}"
            if earliest_eol <= as_of
            else f"support ends {earliest_eol.isoformat()}, before the earliest date"
        )
    return Timing(exit_date, earliest, earliest_eol, notice.days, notes)


def _add_year(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def dependency_edges(con: Any, tables: set[str]) -> list[tuple[str, str, str]]:
    """(organisation, dependent app_id, dependency app_id), by application name within a body."""
    if "app_dependencies" not in tables:
        return []
    frame = fetch_frame(
        con,
        """
        WITH named AS (
            SELECT organisation, app_id, lower(trim(name)) AS key FROM applications
        ),
        edges AS (
            SELECT organisation,
                   lower(trim(CASE WHEN direction = 'northbound' THEN depends_on ELSE app_name END)) AS dependent,
                   lower(trim(CASE WHEN direction = 'northbound' THEN app_name ELSE depends_on END)) AS dependency
            FROM app_dependencies
        )
        SELECT DISTINCT e.organisation, a.app_id AS dependent, b.app_id AS dependency
        FROM edges e
        JOIN named a ON a.organisation = e.organisation AND a.key = e.dependent
        JOIN named b ON b.organisation = e.organisation AND b.key = e.dependency
        WHERE a.app_id <> b.app_id
        ORDER BY 1, 2, 3
        """,
    )
    return [(str(o), str(a), str(b)) for o, a, b in frame.iter_rows()]


@dataclass
class WaveInput:
    action_id: str
    key: tuple[str, str]  # (organisation, app_id)
    desired_year: int
    latest_date: dt.date | None


def assign_waves(
    actions: list[WaveInput], edges: list[tuple[str, str, str]], max_per_year: int | None
) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Wave year per action id, and notes on why an action moved to a later year."""
    by_key = {w.key: w for w in actions}
    depends_on: dict[str, set[str]] = defaultdict(set)
    dependents: dict[str, set[str]] = defaultdict(set)
    for organisation, dependent, dependency in edges:
        a, b = by_key.get((organisation, dependent)), by_key.get((organisation, dependency))
        if a is not None and b is not None:
            depends_on[a.action_id].add(b.action_id)
            dependents[b.action_id].add(a.action_id)
    items = {w.action_id: w for w in actions}
    done: dict[str, int] = {}
    if not max_per_year:
        # Without a yearly cap an action's wave depends only on what it depends on: one with no
        # dependency either way keeps its desired year, and only the others need the ordering.
        linked = depends_on.keys() | dependents.keys()
        done = {aid: w.desired_year for aid, w in items.items() if aid not in linked}
        items = {aid: w for aid, w in items.items() if aid in linked}
    waiting = {aid: len(depends_on.get(aid, ())) for aid in items}

    def priority(aid: str) -> tuple[int, dt.date, str]:
        w = items[aid]
        return (w.desired_year, w.latest_date or dt.date.max, aid)

    ready = [priority(aid) for aid, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    notes: dict[str, list[str]] = defaultdict(list)
    load: dict[int, int] = defaultdict(int)
    remaining = set(items)
    while remaining:
        if not ready:  # a dependency cycle: release the earliest of what is left
            aid = min(remaining, key=priority)
            notes[aid].append("dependency cycle: ordered without its remaining dependencies")
            heapq.heappush(ready, priority(aid))
            waiting[aid] = 0
        _, _, aid = heapq.heappop(ready)
        if aid not in remaining:
            continue
        remaining.discard(aid)
        year = items[aid].desired_year
        for dep in sorted(depends_on.get(aid, ())):
            if dep in done and done[dep] > year:
                notes[aid].append(f"waits for {items[dep].key[1]} (it depends on it): wave {done[dep]}")
                year = done[dep]
        if max_per_year:
            wanted = year
            while load[year] >= max_per_year:
                year += 1
            if year > wanted:
                notes[aid].append(
                    f"max_migrations_per_year ({max_per_year}) reached in {wanted}: wave {year}"
                )
        load[year] += 1
        done[aid] = year
        for child in sorted(dependents.get(aid, ())):
            if child in remaining:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, priority(child))
    return done, notes


def wave_frame(
    migrating: pl.DataFrame, current: int, edges: list[tuple[str, str, str]], max_per_year: int | None
) -> pl.DataFrame:
    """action_id, wave_year and wave_notes (NULL when none) for each migrating action.

    `migrating` has action_id, organisation, app_id, earliest_date, latest_date and exit_date. An
    action's first wave is the financial year of its earliest date, but not the rest of the
    current one (`current`) unless its contract can end in it. Only the actions `assign_waves`
    can move are ordered one by one: all of them under a yearly cap, else those with a dependency
    (the others keep their first wave), so a plan without dependencies takes no Python loop.
    """
    c = pl.col

    def year_of(day: pl.Expr) -> pl.Expr:
        return pl.when(day.dt.month() >= 4).then(day.dt.year()).otherwise(day.dt.year() - 1).cast(pl.Int64)

    held = (
        (year_of(c("earliest_date")) == current)
        & c("exit_date").is_not_null()
        & (year_of(c("exit_date")) > current)
    )
    frame = migrating.select(
        "action_id",
        "organisation",
        "app_id",
        "latest_date",
        held.alias("held"),
        pl.when(held)
        .then(pl.lit(current + 1, pl.Int64))
        .otherwise(year_of(c("earliest_date")))
        .alias("first"),
    )
    ordered = frame
    if not max_per_year:
        ends = pl.DataFrame(
            [(o, i) for o, dependent, dependency in edges for i in (dependent, dependency)],
            schema={"organisation": pl.String, "app_id": pl.String},
            orient="row",
        )
        ordered = frame.join(ends.unique(), on=["organisation", "app_id"], how="semi")
    waves, notes = assign_waves(
        [
            WaveInput(aid, (o, i), first, latest)
            for aid, o, i, latest, first in ordered.select(
                "action_id", "organisation", "app_id", "latest_date", "first"
            ).iter_rows()
        ],
        edges,
        max_per_year,
    )
    note = (
        f"starts in financial year {current + 1}-{(current + 2) % 100:02d}: its contract "
        f"cannot end in the rest of {current}-{(current + 1) % 100:02d}"
    )
    pairs = [(aid, note) for aid in frame.filter("held")["action_id"].to_list()]
    pairs += [(aid, text) for aid, texts in notes.items() for text in texts]
    noted = (
        pl.DataFrame(pairs, schema={"action_id": pl.String, "note": pl.String}, orient="row")
        .group_by("action_id", maintain_order=True)
        .agg(c("note").alias("wave_notes"))
    )
    moved = pl.DataFrame(
        {"action_id": list(waves), "moved": list(waves.values())},
        schema={"action_id": pl.String, "moved": pl.Int64},
    )
    return (
        frame.join(moved, on="action_id", how="left")
        .join(noted, on="action_id", how="left")
        .select(
            "action_id",
            pl.coalesce("moved", "first").cast(pl.Int32).alias("wave_year"),
            c("wave_notes").cast(pl.List(pl.String)),
        )
    )


def timing_frame(facts: pl.DataFrame, as_of: dt.date, a: Assumptions) -> pl.DataFrame:
    """`contract_timing` for every row of `facts` at once (contract_end, notice_period_days,
    auto_renew, earliest_eol): adds exit_date, earliest_date, latest_date, notice_days and
    timing_notes. A test compares it with `contract_timing` case by case."""
    c = pl.col
    default = int(a.default_notice_days)
    notice_days = c("notice_period_days").fill_null(default).cast(pl.Int64)
    notice = pl.duration(days=notice_days)
    end = c("contract_end")
    today = pl.lit(as_of)
    gap_years = (today + notice).dt.year() - end.dt.year()
    rolled_once = end.dt.offset_by(pl.format("{}y", gap_years.clip(lower_bound=0)))
    rolled = (
        pl.when(rolled_once - notice < today)
        .then(end.dt.offset_by(pl.format("{}y", gap_years.clip(lower_bound=0) + 1)))
        .otherwise(rolled_once)
    )
    on_notice = today + notice
    case = (
        pl.when(end.is_null())
        .then(pl.lit("unknown"))
        .when(end < today)
        .then(pl.lit("expired"))
        .when(end - notice >= today)
        .then(pl.lit("fixed"))
        .when(c("auto_renew").fill_null(False))
        .then(pl.lit("rolled"))
        .otherwise(pl.lit("ends"))
    )
    lead = dt.timedelta(days=round(a.lead_time_months * DAYS_PER_MONTH))
    framed = facts.with_columns(case.alias("_case"), notice_days.alias("notice_days")).with_columns(
        pl.when(c("_case").is_in(["unknown", "expired"]))
        .then(on_notice)
        .when(c("_case") == "rolled")
        .then(rolled)
        .otherwise(end)
        .alias("exit_date")
    )
    eol = c("earliest_eol")
    framed = framed.with_columns(
        pl.max_horizontal(today, c("exit_date") - pl.duration(days=c("notice_days")) - pl.lit(lead)).alias(
            "earliest_date"
        ),
        eol.alias("latest_date"),
    )
    notes = [
        pl.when(c("notice_period_days").is_null()).then(
            pl.lit(f"notice period unknown: {default} days assumed")
        ),
        pl.when(c("_case") == "unknown").then(pl.lit("contract end unknown: terminable on notice assumed")),
        pl.when(c("_case") == "expired").then(
            pl.format("contract ended {}: rolling, terminable on notice assumed", end.cast(pl.String))
        ),
        pl.when(c("_case") == "rolled").then(
            pl.format(
                "notice date for {} has passed: auto-renews to {}",
                end.cast(pl.String),
                c("exit_date").cast(pl.String),
            )
        ),
        pl.when(c("_case") == "ends").then(pl.lit("contract ends within its notice period: it simply ends")),
        pl.when(eol.is_not_null() & (eol < c("earliest_date"))).then(
            pl.when(eol <= today)
            .then(pl.format("support ended {}", eol.cast(pl.String)))
            .otherwise(pl.format("support ends {}, before the earliest date", eol.cast(pl.String)))
        ),
    ]
    # Joined as text and split: a list of nullable strings built with concat_list and drop_nulls
    # takes five times as long (no note contains the unit separator).
    joined = pl.concat_str(notes, separator=NOTE_SEP, ignore_nulls=True)
    listed = pl.when(joined != "").then(joined.str.split(NOTE_SEP)).otherwise(pl.lit([], pl.List(pl.String)))
    return framed.with_columns(listed.alias("timing_notes")).drop("_case")
