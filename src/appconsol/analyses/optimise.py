"""Choose survivors in each overlap group with a mixed-integer programme (scipy.optimize.milp).

For every group of applications that serve the same capability, each member either survives or
moves its users onto one surviving member. The programme minimises whole-life cost over the
horizon: the discounted run cost of every survivor, plus for every move its one-off cost and the
discounted extra run cost it puts on the survivor. Constraints:

- every member survives or moves to exactly one survivor: x_i + sum_j y_ij = 1
- a move needs its target to survive: y_ij <= x_j
- a move is allowed only where the target covers the mover's capabilities, both are live, and
  either both belong to one body or the bodies are partners (a shared service)
- pins: a member pinned to stay (keep / never retire) has x_i = 1; a member pinned to go has x_i = 0
- at most `max_moves` moves in the whole plan when a limit is given (the yearly limit times the
  years of the plan; waves then spread them by year)

Groups share no variables unless a move limit binds them, so without a limit they are solved in
batches of independent groups (one `milp` call per batch of up to `BATCH_VARIABLES` variables:
calling the solver once per two-member group would cost more than the solving), with a zero MIP
gap so that every group in a batch is solved to optimality, not just the batch as a whole. Small
groups (up to `ENUMERATED_MEMBERS` members, nearly all of them in a real estate) skip the solver:
every set of survivors is tried, which finds the same optimum in a fraction of the time. The
work grows with the size of the groups, not with the square of the portfolio; a group may name a
shortlist of `targets` so that a large group has members x shortlist move variables, not
members squared.

Survivors' objective may carry an `adjustment` (extra whole-life cost of keeping that member,
such as an upgrade its platform needs) and a tiny `tie_break` (so that equal costs resolve the
same way whatever order rows arrive in); a `move_costs` function on the cost model prices each
move from the mover and the target, as the savings model does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

BATCH_VARIABLES = 20_000
ENUMERATED_MEMBERS = 6  # groups up to this size are solved by enumeration (64 sets of survivors)


@dataclass(frozen=True)
class Candidate:
    """One member of an overlap group, with what the optimiser weighs."""

    key: str  # "organisation|app_id"
    organisation: str
    annual_run_cost: float  # unknown costs should be passed as an estimate, not 0
    users: int
    capabilities: frozenset[str]
    pin: str | None = None  # "keep" or "retire"
    movable: bool = True  # False where a hard constraint forbids moving it (hardware, classification)
    shareable: bool = True  # False where it may neither move to nor host another body (SECRET data)
    adjustment: float = 0.0  # extra whole-life cost if it survives (an upgrade its platform needs)
    tie_break: float = 0.0  # a few pence: which of equally priced members survives


@dataclass(frozen=True)
class Group:
    group_id: str
    members: tuple[Candidate, ...]
    targets: frozenset[str] | None = None  # members that may receive moves (None: all)
    across_only: bool = False  # moves only between bodies (the group is about sharing)


@dataclass(frozen=True)
class CostModel:
    """Prices the optimiser uses; derived from the savings assumptions."""

    annuity_factor: float  # sum of discount factors over the horizon years in which run costs fall
    migration_cost: float  # one-off cost of one move, optimism bias included
    added_cost_per_user: float = 0.0  # extra annual licence on the survivor per moved user, if known
    partners: frozenset[frozenset[str]] = frozenset()  # pairs of bodies that may share an instance
    move_costs: Callable[[Candidate, Candidate], float] | None = None  # (mover, target) -> cost


@dataclass(frozen=True)
class Decision:
    key: str
    survives: bool
    target: str | None  # survivor it moves to
    shared: bool  # moves to another body's instance


@dataclass
class GroupPlan:
    group_id: str
    decisions: list[Decision]
    whole_life_cost: float
    baseline_cost: float  # everything kept
    status: str
    notes: list[str] = field(default_factory=list)


def _allowed(mover: Candidate, target: Candidate, costs: CostModel) -> bool:
    if mover.key == target.key or not mover.movable or target.pin == "retire":
        return False
    if not mover.capabilities <= target.capabilities:
        return False
    if mover.organisation == target.organisation:
        return True
    if not (mover.shareable and target.shareable):
        return False
    return frozenset((mover.organisation, target.organisation)) in costs.partners


def _move_cost(mover: Candidate, target: Candidate, costs: CostModel) -> float:
    if costs.move_costs is not None:
        return costs.move_costs(mover, target)
    return costs.migration_cost + costs.annuity_factor * costs.added_cost_per_user * mover.users


def _keep_cost(member: Candidate, costs: CostModel) -> float:
    return costs.annuity_factor * member.annual_run_cost + member.adjustment


def solve_groups(groups: Sequence[Group], costs: CostModel, max_moves: int | None = None) -> list[GroupPlan]:
    """Plan every group; with a move limit the groups are solved as one programme.

    Without a limit, a group of at most `ENUMERATED_MEMBERS` members is solved by trying every set
    of survivors (`_enumerate`), the others in batches for the solver; the plans come back in the
    order of `groups`.
    """
    if max_moves is not None:
        return _solve(list(groups), costs, max_moves)
    plans: dict[int, GroupPlan] = {}
    large: list[int] = []
    for position, group in enumerate(groups):
        found = _enumerate(group, costs) if len(group.members) <= ENUMERATED_MEMBERS else None
        if found is None:
            large.append(position)
        else:
            plans[position] = found
    for position, plan in zip(large, _solve_in_batches([groups[i] for i in large], costs), strict=True):
        plans[position] = plan
    return [plans[i] for i in range(len(groups))]


def _solve_in_batches(groups: Sequence[Group], costs: CostModel) -> list[GroupPlan]:
    plans: list[GroupPlan] = []
    batch: list[Group] = []
    size = 0
    for group in groups:
        n = len(group.members)
        variables = n + n * (len(group.targets) if group.targets is not None else n)
        if batch and size + variables > BATCH_VARIABLES:
            plans.extend(_solve_batch(batch, costs))
            batch, size = [], 0
        batch.append(group)
        size += variables
    if batch:
        plans.extend(_solve_batch(batch, costs))
    return plans


def _enumerate(group: Group, costs: CostModel) -> GroupPlan | None:
    """The programme's optimum for a small group, found by trying every set of survivors.

    Given the survivors, each other member moves to its cheapest allowed survivor (moves are
    priced independently), so the optimum is the cheapest such plan over all sets that keep
    every member pinned to stay or unable to move and no member pinned to go. The objective is
    the programme's (keep costs with their tie-breaks, plus the moves). None when no set is
    feasible: the solver then reports it as it always has.
    """
    members = group.members
    n = len(members)
    keep = [_keep_cost(m, costs) + m.tie_break for m in members]
    forced = 0
    barred = 0
    for i, m in enumerate(members):
        if m.pin == "keep" or not m.movable:
            forced |= 1 << i
        if m.pin == "retire":
            barred |= 1 << i
    # moves[i]: (cost, target position) for every target member i may move to, in member order
    moves: list[list[tuple[float, int]]] = []
    for mover in members:
        allowed = []
        for j, target in enumerate(members):
            if group.targets is not None and target.key not in group.targets:
                continue
            if group.across_only and mover.organisation == target.organisation:
                continue
            if _allowed(mover, target, costs):
                allowed.append((_move_cost(mover, target, costs), j))
        moves.append(allowed)
    best: tuple[float, int, list[int]] | None = None
    for survivors in range(1, 1 << n):
        if survivors & forced != forced or survivors & barred:
            continue
        total = 0.0
        chosen = []
        for i in range(n):
            if survivors >> i & 1:
                total += keep[i]
                chosen.append(-1)
                continue
            options = [(cost, j) for cost, j in moves[i] if survivors >> j & 1]
            if not options:
                break
            cost, j = min(options)
            total += cost
            chosen.append(j)
        else:
            if best is None or total < best[0]:
                best = (total, survivors, chosen)
    if best is None:
        return None
    decisions = []
    whole_life = 0.0
    for member, j in zip(members, best[2], strict=True):
        if j < 0:
            decisions.append(Decision(member.key, True, None, False))
            whole_life += _keep_cost(member, costs)
            continue
        target = members[j]
        decisions.append(Decision(member.key, False, target.key, target.organisation != member.organisation))
        whole_life += _move_cost(member, target, costs)
    baseline = sum(_keep_cost(m, costs) for m in members)
    return GroupPlan(group.group_id, decisions, whole_life, baseline, "optimal")


def _solve_batch(batch: list[Group], costs: CostModel) -> list[GroupPlan]:
    """Independent groups in one programme; if it is infeasible, each group alone finds which."""
    plans = _solve(batch, costs, None)
    if len(batch) > 1 and any(p.status != "optimal" for p in plans):
        return [_solve([group], costs, None)[0] for group in batch]
    return plans


def _solve(groups: list[Group], costs: CostModel, max_moves: int | None) -> list[GroupPlan]:
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    x_index: dict[tuple[int, str], int] = {}
    y_index: dict[tuple[int, str, str], int] = {}
    objective: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    for g, group in enumerate(groups):
        for member in group.members:
            x_index[(g, member.key)] = len(objective)
            objective.append(_keep_cost(member, costs) + member.tie_break)
            lower.append(1.0 if member.pin == "keep" or not member.movable else 0.0)
            upper.append(0.0 if member.pin == "retire" else 1.0)
        targets = [m for m in group.members if group.targets is None or m.key in group.targets]
        for mover in group.members:
            for target in targets:
                if group.across_only and mover.organisation == target.organisation:
                    continue
                if _allowed(mover, target, costs):
                    y_index[(g, mover.key, target.key)] = len(objective)
                    objective.append(_move_cost(mover, target, costs))
                    lower.append(0.0)
                    upper.append(1.0)
    n = len(objective)
    if n == 0:
        return [GroupPlan(group.group_id, [], 0.0, 0.0, "empty") for group in groups]
    # Sparse rows: a plan over thousands of groups has far more zeros than entries.
    entries: list[tuple[int, int, float]] = []
    row_low: list[float] = []
    row_high: list[float] = []
    moves_of: dict[tuple[int, str], list[int]] = {}
    target_of = {j: target_key for (_g, _mover_key, target_key), j in y_index.items()}
    for (g, mover_key, _target_key), j in y_index.items():
        moves_of.setdefault((g, mover_key), []).append(j)
    for (g, key), i in x_index.items():
        r = len(row_low)
        entries.append((r, i, 1.0))
        entries.extend((r, j, 1.0) for j in moves_of.get((g, key), []))
        row_low.append(1.0)
        row_high.append(1.0)
    for (g, _mover_key, target_key), j in y_index.items():
        r = len(row_low)
        entries.extend(((r, j, 1.0), (r, x_index[(g, target_key)], -1.0)))
        row_low.append(-np.inf)
        row_high.append(0.0)
    if max_moves is not None and y_index:
        r = len(row_low)
        entries.extend((r, j, 1.0) for j in y_index.values())
        row_low.append(0.0)
        row_high.append(float(max_moves))
    r_idx, c_idx, vals = zip(*entries, strict=True)
    matrix = coo_matrix((vals, (r_idx, c_idx)), shape=(len(row_low), n)).tocsr()
    plans = []
    result = milp(
        c=np.array(objective),
        constraints=LinearConstraint(matrix, row_low, row_high),
        integrality=np.ones(n),
        bounds=Bounds(np.array(lower), np.array(upper)),
        options={"mip_rel_gap": 0.0},
    )
    status = "optimal" if result.status == 0 else f"infeasible ({result.message})"
    values = result.x if result.x is not None else None
    for g, group in enumerate(groups):
        baseline = sum(_keep_cost(m, costs) for m in group.members)
        if values is None:
            decisions = [Decision(m.key, True, None, False) for m in group.members]
            plans.append(
                GroupPlan(
                    group.group_id,
                    decisions,
                    baseline,
                    baseline,
                    status,
                    ["kept everything: no feasible plan"],
                )
            )
            continue
        by_key = {m.key: m for m in group.members}
        decisions = []
        total = 0.0
        for member in group.members:
            if values[x_index[(g, member.key)]] > 0.5:
                decisions.append(Decision(member.key, True, None, False))
                total += _keep_cost(member, costs)
                continue
            target_key = next(target_of[j] for j in moves_of[(g, member.key)] if values[j] > 0.5)
            shared = by_key[target_key].organisation != member.organisation
            decisions.append(Decision(member.key, False, target_key, shared))
            total += _move_cost(member, by_key[target_key], costs)
        plans.append(GroupPlan(group.group_id, decisions, total, baseline, status))
    return plans
