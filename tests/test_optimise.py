from __future__ import annotations

from appconsol.analyses.optimise import Candidate, CostModel, Group, solve_groups

COSTS = CostModel(annuity_factor=8.6, migration_cost=135_000)


def _member(key: str, org: str, cost: float, caps=("dms",), **kwargs) -> Candidate:
    return Candidate(key, org, cost, users=100, capabilities=frozenset(caps), **kwargs)


def _decisions(plan):
    return {d.key: (d.survives, d.target) for d in plan.decisions}


def test_cheapest_member_survives_when_moving_pays_back():
    group = Group("g1", (_member("a", "X", 50_000), _member("b", "X", 30_000), _member("c", "X", 80_000)))
    (plan,) = solve_groups([group], COSTS)
    assert _decisions(plan) == {"a": (False, "b"), "b": (True, None), "c": (False, "b")}
    # 30,000 x 8.6 + 2 x 135,000 = 528,000 against keeping all three: 160,000 x 8.6 = 1,376,000.
    assert plan.whole_life_cost == 528_000 and plan.baseline_cost == 1_376_000


def test_a_move_that_costs_more_than_it_saves_is_not_made():
    group = Group("g2", (_member("a", "X", 10_000), _member("b", "X", 12_000)))
    (plan,) = solve_groups([group], COSTS)
    assert all(survives for survives, _ in _decisions(plan).values())


def test_pins_are_respected():
    group = Group("g3", (_member("a", "X", 90_000, pin="keep"), _member("b", "X", 30_000)))
    (plan,) = solve_groups([group], COSTS)
    assert _decisions(plan)["a"] == (True, None)
    group = Group("g4", (_member("a", "X", 20_000, pin="retire"), _member("b", "X", 90_000)))
    (plan,) = solve_groups([group], COSTS)
    assert _decisions(plan) == {"a": (False, "b"), "b": (True, None)}


def test_a_survivor_must_cover_the_movers_capabilities():
    group = Group(
        "g5", (_member("wide", "X", 90_000, caps=("dms", "records")), _member("narrow", "X", 20_000))
    )
    (plan,) = solve_groups([group], COSTS)
    # "wide" cannot move onto "narrow", which lacks records; "narrow" can move onto "wide".
    assert _decisions(plan) == {"wide": (True, None), "narrow": (False, "wide")}


def test_sharing_across_bodies_needs_a_partnership():
    members = (_member("x1", "County", 90_000), _member("y1", "District", 40_000))
    (alone,) = solve_groups([Group("g6", members)], COSTS)
    assert all(survives for survives, _ in _decisions(alone).values())
    partners = CostModel(8.6, 135_000, partners=frozenset({frozenset({"County", "District"})}))
    (shared,) = solve_groups([Group("g6", members)], partners)
    assert _decisions(shared) == {"x1": (False, "y1"), "y1": (True, None)}
    assert next(d for d in shared.decisions if d.key == "x1").shared


def test_move_limit_binds_across_groups_and_takes_the_best_moves():
    big = Group("big", (_member("a", "X", 200_000), _member("b", "X", 20_000)))
    small = Group("small", (_member("c", "X", 60_000), _member("d", "X", 20_000)))
    plans = {p.group_id: p for p in solve_groups([big, small], COSTS, max_moves=1)}
    assert _decisions(plans["big"])["a"] == (False, "b")
    assert all(survives for survives, _ in _decisions(plans["small"]).values())


def test_independent_groups_are_solved_in_batches_with_the_same_answers():
    groups = [
        Group(
            f"g{i}",
            (_member(f"a{i}", "X", 50_000 + i), _member(f"b{i}", "X", 30_000), _member(f"c{i}", "X", 9_000)),
        )
        for i in range(40)
    ]
    together = solve_groups(groups, COSTS)
    alone = [solve_groups([g], COSTS)[0] for g in groups]
    assert [_decisions(p) for p in together] == [_decisions(p) for p in alone]
    assert _decisions(together[0]) == {"a0": (False, "c0"), "b0": (False, "c0"), "c0": (True, None)}


def test_an_infeasible_group_does_not_sink_the_others_in_its_batch():
    broken = Group(
        "broken", (_member("a", "X", 10_000, pin="retire"), _member("b", "X", 20_000, pin="retire"))
    )
    fine = Group("fine", (_member("c", "X", 60_000), _member("d", "X", 20_000)))
    plans = {p.group_id: p for p in solve_groups([broken, fine], COSTS)}
    assert plans["fine"].status == "optimal" and _decisions(plans["fine"])["c"] == (False, "d")
    assert plans["broken"].status.startswith("infeasible")


def test_targets_shortlist_adjustments_and_move_costs():
    members = (_member("a", "X", 40_000), _member("b", "X", 30_000), _member("c", "X", 35_000))
    # Only "c" may receive moves: "a" and "b" either stay or move to "c".
    (plan,) = solve_groups([Group("g", members, targets=frozenset({"c"}))], COSTS)
    assert _decisions(plan) == {"a": (False, "c"), "b": (False, "c"), "c": (True, None)}
    # An upgrade that keeping "b" would need tips the choice towards it moving, and a pricier
    # move onto "c" (added licences) keeps "a" where it is.
    costs = CostModel(
        8.6, 135_000, move_costs=lambda mover, target: 135_000 + (400_000 if mover.key == "a" else 0)
    )
    upgraded = (members[0], Candidate("b", "X", 30_000, 100, frozenset({"dms"}), adjustment=1e6), members[2])
    (plan,) = solve_groups([Group("g", upgraded, targets=frozenset({"c"}))], costs)
    assert _decisions(plan) == {"a": (True, None), "b": (False, "c"), "c": (True, None)}


def test_unshareable_members_neither_move_to_nor_host_another_body():
    partners = CostModel(8.6, 135_000, partners=frozenset({frozenset({"County", "District"})}))
    secret = Candidate("x1", "County", 90_000, 100, frozenset({"dms"}), shareable=False)
    (plan,) = solve_groups([Group("g", (secret, _member("y1", "District", 40_000)))], partners)
    assert all(survives for survives, _ in _decisions(plan).values())


def test_small_groups_enumerated_match_the_solver():
    import random

    from appconsol.analyses.optimise import ENUMERATED_MEMBERS, _enumerate, _solve

    rng = random.Random(14)
    # Moves priced by both ends and run costs all different, so no two plans cost the same (on an
    # exact tie either answer is optimal, and the two methods may pick differently).
    partners = CostModel(
        8.6,
        135_000,
        partners=frozenset({frozenset({"X", "Y"})}),
        move_costs=lambda mover, target: 135_000 + 3.1 * target.annual_run_cost + 17.0 * mover.users,
    )
    compared = 0
    for n in range(2, ENUMERATED_MEMBERS + 1):
        for trial in range(60):
            members = tuple(
                Candidate(
                    f"m{i}",
                    rng.choice(("X", "Y", "Z")),
                    rng.choice((9_000, 20_000, 30_000, 50_000, 90_000, 200_000)) + 7 * i,
                    users=rng.randint(0, 500),
                    capabilities=frozenset(rng.sample(("dms", "records", "crm"), rng.randint(1, 2))),
                    pin=rng.choice((None, None, None, "keep", "retire")),
                    movable=rng.random() > 0.1,
                    shareable=rng.random() > 0.2,
                    adjustment=rng.choice((0.0, 0.0, 250_000.0)),
                    tie_break=0.01 * i,
                )
                for i in range(n)
            )
            targets = frozenset(m.key for m in members[:2]) if trial % 3 == 0 else None
            group = Group(f"g{n}-{trial}", members, targets, across_only=trial % 4 == 0)
            enumerated = _enumerate(group, partners)
            (solved,) = _solve([group], partners, None)
            if enumerated is None:  # no feasible set of survivors: the solver says so too
                assert solved.status.startswith("infeasible")
                continue
            compared += 1
            assert solved.status == "optimal"
            assert enumerated.decisions == solved.decisions
            assert enumerated.whole_life_cost == solved.whole_life_cost
            assert enumerated.baseline_cost == solved.baseline_cost
    assert compared > 100


def test_groups_too_large_to_enumerate_are_solved_in_batches_with_the_same_answers():
    from appconsol.analyses.optimise import ENUMERATED_MEMBERS

    size = ENUMERATED_MEMBERS + 2
    groups = [
        Group(f"g{i}", tuple(_member(f"m{i}-{k}", "X", 9_000 * (k + 1) + i) for k in range(size)))
        for i in range(30)
    ]
    together = solve_groups(groups, COSTS)
    alone = [solve_groups([g], COSTS)[0] for g in groups]
    assert [_decisions(p) for p in together] == [_decisions(p) for p in alone]
    # The cheapest member takes everyone's users.
    assert all(
        d == (True, None) if k == 0 else d == (False, "m0-0")
        for k, d in enumerate(_decisions(together[0]).values())
    )
