"""The siting MIP against brute-force enumeration and hand-solved instances."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from siting.model import SitingProblem, build_model, presolve_checks
from siting.solve import solve_siting
from siting.status import Status


def make_problem(
    required: list[float],
    site_options: list[list[tuple[str, int, float, bool]]],
    pairs: list[tuple[int, int, float]],
    *,
    existing: dict[int, float] | None = None,
    affordable: list[bool] | None = None,
    districts: list[str] | None = None,
    demo_per_district: int = 0,
    budget: float | None = None,
    min_affordable_share: float | None = None,
) -> SitingProblem:
    existing = existing or {}
    n_j = len(site_options)
    demand = pd.DataFrame(
        {"required": required, "area_id": [f"a{i}" for i in range(len(required))]},
        index=pd.Index([f"a{i}" for i in range(len(required))], name="demand_id"),
    )
    demand["kind"] = "resident"
    sites = pd.DataFrame(
        {
            "district_id": districts or ["d0"] * n_j,
            "existing": [j in existing for j in range(n_j)],
            "existing_slots": [existing.get(j, 0.0) for j in range(n_j)],
            "max_extra_slots": 0.0,
            "expansion_cost_per_slot": 0.0,
            "affordable": affordable or [True] * n_j,
            "demonstration_existing": False,
        },
        index=pd.Index([f"s{j}" for j in range(n_j)], name="site_id"),
    )
    options = pd.DataFrame(
        [
            {"site_id": f"s{j}", "option": name, "slots": q, "cost": c, "demonstration": demo}
            for j, opts in enumerate(site_options)
            for name, q, c, demo in opts
        ],
        columns=["site_id", "option", "slots", "cost", "demonstration"],
    )
    pair_df = pd.DataFrame(
        [{"demand_id": f"a{i}", "site_id": f"s{j}", "distance_m": d} for i, j, d in pairs]
    )
    return SitingProblem(
        demand=demand,
        sites=sites,
        options=options,
        pairs=pair_df,
        districts=tuple(sorted(set(districts or ["d0"]))),
        demonstration_per_district=demo_per_district,
        budget=budget,
        min_affordable_share=min_affordable_share,
    )


def transport_lp(
    required: np.ndarray,
    capacity: np.ndarray,
    pairs: list[tuple[int, int, float]],
    objective: str,
    shortfall_cap: float | None = None,
) -> float:
    """Min shortfall (or min distance at a given shortfall) for fixed capacities, by linprog."""
    n_i, n_p = len(required), len(pairs)
    # variables: x_p (n_p), s_i (n_i)
    c = np.zeros(n_p + n_i)
    if objective == "shortfall":
        c[n_p:] = 1.0
    else:
        c[:n_p] = [d for _, _, d in pairs]
    a_ub, b_ub = [], []
    for i in range(n_i):  # -(sum x + s) <= -R
        row = np.zeros(n_p + n_i)
        for p, (pi, _, _) in enumerate(pairs):
            if pi == i:
                row[p] = -1
        row[n_p + i] = -1
        a_ub.append(row)
        b_ub.append(-required[i])
    for j in range(len(capacity)):
        row = np.zeros(n_p + n_i)
        for p, (_, pj, _) in enumerate(pairs):
            if pj == j:
                row[p] = 1
        a_ub.append(row)
        b_ub.append(capacity[j])
    if shortfall_cap is not None:
        row = np.zeros(n_p + n_i)
        row[n_p:] = 1
        a_ub.append(row)
        b_ub.append(shortfall_cap + 1e-7)
    res = linprog(c, A_ub=np.array(a_ub), b_ub=b_ub, bounds=(0, None), method="highs")
    assert res.status == 0
    return float(res.fun)


def brute_force(
    problem: SitingProblem, site_options, pairs, existing
) -> tuple[float, float, float]:
    required = problem.demand["required"].to_numpy()
    best: tuple[float, float, float] | None = None
    choices = [[None, *range(len(opts))] for opts in site_options]
    for combo in itertools.product(*choices):
        capacity = np.array(
            [
                existing.get(j, 0.0) + (site_options[j][k][1] if k is not None else 0.0)
                for j, k in enumerate(combo)
            ]
        )
        cost = sum(site_options[j][k][2] for j, k in enumerate(combo) if k is not None)
        if problem.budget is not None and cost > problem.budget:
            continue
        short = transport_lp(required, capacity, pairs, "shortfall")
        dist = transport_lp(required, capacity, pairs, "distance", shortfall_cap=short)
        key = (round(short, 6), round(cost, 6), round(dist, 6))
        if best is None or key < best:
            best = key
    assert best is not None
    return best


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n_i, n_j = int(rng.integers(3, 7)), int(rng.integers(3, 6))
    required = rng.integers(10, 90, n_i).astype(float).tolist()
    site_options = []
    for _ in range(n_j):
        k = int(rng.integers(1, 3))
        opts = [("small", 45, float(rng.integers(50, 150)) * 1000, False)]
        if k == 2:
            opts.append(("medium", 80, float(rng.integers(120, 260)) * 1000, False))
        site_options.append(opts)
    pairs = [
        (i, j, float(rng.integers(20, 300)))
        for i in range(n_i)
        for j in range(n_j)
        if rng.random() < 0.5
    ]
    existing = {n_j - 1: 20.0} if rng.random() < 0.4 else {}
    budget = float(rng.integers(100, 400)) * 1000 if rng.random() < 0.4 else None
    return required, site_options, pairs, existing, budget


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force_enumeration(seed: int) -> None:
    required, site_options, pairs, existing, budget = random_instance(seed)
    problem = make_problem(required, site_options, pairs, existing=existing, budget=budget)
    expected = brute_force(problem, site_options, pairs, existing)
    model = build_model(problem)
    sol = solve_siting(model, gap=0.0)
    assert sol.status is Status.OPTIMAL
    assert sol.values is not None
    got = (
        float(model.shortfall @ sol.values),
        float(model.cost @ sol.values),
        float(model.distance @ sol.values),
    )
    assert got[0] == pytest.approx(expected[0], abs=1e-4)
    assert got[1] == pytest.approx(expected[1], rel=1e-9, abs=1e-4)
    assert got[2] == pytest.approx(expected[2], rel=1e-5, abs=1e-3)


def test_cheaper_plan_with_more_shortfall_is_never_chosen() -> None:
    # One area needs 80 slots. A small facility (45 slots) costs 1 000; a medium (80) costs 10**9.
    problem = make_problem(
        [80.0],
        [[("small", 45, 1_000.0, False), ("medium", 80, 1e9, False)]],
        [(0, 0, 100.0)],
    )
    model = build_model(problem)
    sol = solve_siting(model, gap=0.0)
    assert sol.values is not None
    chosen = dict(zip(model.index.y_option, sol.values[model.index.y], strict=True))
    assert chosen["medium"] == pytest.approx(1.0)
    assert model.shortfall @ sol.values == pytest.approx(0.0, abs=1e-5)
    assert model.cost @ sol.values == pytest.approx(1e9)


def test_demonstration_facility_in_every_district() -> None:
    # Demand of 40 fits a small facility, but the district needs a demonstration one (R5).
    opts = [("small", 45, 100.0, False), ("demo", 145, 900.0, True)]
    problem = make_problem(
        [40.0, 40.0],
        [opts, opts],
        [(0, 0, 50.0), (1, 1, 50.0)],
        districts=["d1", "d2"],
        demo_per_district=1,
    )
    model = build_model(problem)
    sol = solve_siting(model, gap=0.0)
    assert sol.values is not None
    chosen = {
        (s, o)
        for s, o, v in zip(
            model.index.y_site, model.index.y_option, sol.values[model.index.y], strict=True
        )
        if v > 0.5
    }
    assert chosen == {("s0", "demo"), ("s1", "demo")}
    assert model.cost @ sol.values == pytest.approx(1800.0)


def test_demonstration_rule_unmeetable_is_reported_not_failed() -> None:
    problem = make_problem(
        [40.0], [[("small", 45, 100.0, False)]], [(0, 0, 50.0)], demo_per_district=1
    )
    findings = presolve_checks(problem)
    assert findings == [
        "district d0 needs 1 demonstration facility(ies) but only 0 site(s) there are "
        "large enough to host one"
    ]
    model = build_model(problem)
    sol = solve_siting(model, gap=0.0)
    assert sol.status is Status.OPTIMAL
    assert sol.values is not None
    assert sol.values[model.index.t].tolist() == [1.0]
    assert sol.values[model.index.s].tolist() == pytest.approx([0.0], abs=1e-5)


def test_minimum_affordable_share() -> None:
    # Two sites reach the area; the non-affordable one is cheaper. Require 60 % affordable.
    opts_cheap = [("small", 45, 100.0, False)]
    opts_dear = [("small", 45, 500.0, False)]
    base = {"affordable": [False, True]}
    pairs = [(0, 0, 10.0), (0, 1, 10.0)]
    free = make_problem([40.0], [opts_cheap, opts_dear], pairs, **base)
    sol = solve_siting(build_model(free), gap=0.0)
    assert sol.values is not None
    assert build_model(free).cost @ sol.values == pytest.approx(100.0)
    ruled = make_problem([40.0], [opts_cheap, opts_dear], pairs, **base, min_affordable_share=0.6)
    model = build_model(ruled)
    sol = solve_siting(model, gap=0.0)
    assert sol.values is not None
    assert model.cost @ sol.values == pytest.approx(500.0)
    assert sol.values[model.index.u].tolist() == pytest.approx([0.0], abs=1e-5)


def test_budget_creates_shortfall_and_presolve_says_so() -> None:
    opts = [("small", 45, 100.0, False), ("demo", 145, 900.0, True)]
    problem = make_problem([100.0], [opts], [(0, 0, 10.0)], demo_per_district=1, budget=500.0)
    assert presolve_checks(problem) == [
        "the budget 500 is below 900, the cost of the cheapest demonstration facilities the "
        "districts need"
    ]
    model = build_model(problem)
    sol = solve_siting(model, gap=0.0)
    assert sol.values is not None
    assert sol.values[model.index.s].tolist() == pytest.approx([55.0], abs=1e-5)
    assert sol.values[model.index.t].tolist() == pytest.approx([1.0])


def test_unreachable_demand_is_reported_before_solving() -> None:
    problem = make_problem([30.0, 20.0], [[("small", 45, 1.0, False)]], [(0, 0, 10.0)])
    assert presolve_checks(problem) == [
        "1 demand item(s) needing 20 slots have no site within walking distance: a1"
    ]


def city(seed: int, n_i: int, n_j: int) -> SitingProblem:
    rng = np.random.default_rng(seed)
    area_xy = rng.uniform(0, 6000, (n_i, 2))
    site_xy = rng.uniform(0, 6000, (n_j, 2))
    d = np.hypot(*(area_xy[:, None, :] - site_xy[None, :, :]).transpose(2, 0, 1))
    ii, jj = np.nonzero(d <= 600)
    opts = [("small", 45, 1.0, False), ("medium", 80, 1.6, False), ("large", 145, 2.5, False)]
    site_options = [
        [(n, q, c * float(rng.uniform(0.8, 1.2)) * 1e6, dm) for n, q, c, dm in opts]
        for _ in range(n_j)
    ]
    return make_problem(
        rng.integers(5, 60, n_i).astype(float).tolist(),
        site_options,
        list(zip(ii.tolist(), jj.tolist(), d[ii, jj].tolist(), strict=True)),
    )


def test_time_limit_is_never_reported_as_optimal() -> None:
    model = build_model(city(1, 1500, 500))
    # 0.02 s stops HiGHS before its root LP (about 0.3 s here) can prove the start optimal
    sol = solve_siting(model, time_limit_s=0.02, gap=0.0, stages=1)
    stage = sol.stages[0].stats
    # The greedy start guarantees an incumbent, so the honest answer is "feasible".
    assert stage.status is Status.FEASIBLE
    assert sol.status is Status.FEASIBLE
    assert stage.gap is None or stage.gap > 1e-4
    assert sol.message.startswith("feasible, not proven optimal (shortfall: feasible, gap")
    assert stage.objective is not None
    assert stage.bound is None or stage.bound < stage.objective


@pytest.mark.parametrize("seed", [3, 4])
def test_cbc_and_highs_agree(seed: int) -> None:
    required, site_options, pairs, existing, budget = random_instance(seed)
    problem = make_problem(required, site_options, pairs, existing=existing, budget=budget)
    model = build_model(problem)
    a = solve_siting(model, solver="highs", gap=0.0)
    b = solve_siting(model, solver="cbc", gap=0.0)
    assert a.status is Status.OPTIMAL and b.status is Status.OPTIMAL
    assert a.values is not None and b.values is not None
    for objective in (model.shortfall, model.cost):
        assert objective @ a.values == pytest.approx(objective @ b.values, abs=1e-4)
    assert model.distance @ a.values == pytest.approx(model.distance @ b.values, rel=1e-5)


def test_same_input_same_plan() -> None:
    problem = city(7, 60, 30)
    first = solve_siting(build_model(problem), gap=0.0)
    second = solve_siting(build_model(problem), gap=0.0)
    assert first.values is not None and second.values is not None
    np.testing.assert_array_equal(first.values, second.values)


@pytest.mark.timing  # its distance stage must be proven within the 3 s left
def test_unproven_cost_stage_keeps_its_facilities_for_the_distance_stage() -> None:
    # 3 s is far too short to prove the cost stage of this city (its bound is still ~0)
    model = build_model(city(2, 1500, 500))
    sol = solve_siting(model, time_limit_s=3.0, gap=0.0)
    assert [s.name for s in sol.stages] == ["shortfall", "cost", "distance"]
    assert sol.values is not None
    assert sol.stages[1].stats.status is Status.FEASIBLE
    # the distance stage is then an assignment LP over the same facilities, and proven
    assert sol.stages[2].stats.status is Status.OPTIMAL
    assert sol.stages[2].stats.objective == pytest.approx(model.distance @ sol.values)
    assert model.cost @ sol.values == pytest.approx(sol.stages[1].stats.objective)
    assert sol.status is Status.FEASIBLE
    assert "cost: feasible" in sol.message


def test_a_solution_worse_than_the_start_is_never_passed_on() -> None:
    # A stand-in for a solver that wrongly claims an incumbent optimal: the claim is
    # checked against the feasible start it was given.
    from siting.mip import MipResult
    from siting.solve import _check_claim
    from siting.status import SolveStats

    model = build_model(city(3, 60, 30))
    good = solve_siting(model, gap=0.0, stages=1)
    assert good.values is not None
    worse = good.values.copy()
    worse[model.index.s] += 1.0  # one more slot of shortfall on every item
    base = model.base
    claim = MipResult(
        values=worse,
        stats=SolveStats(
            Status.OPTIMAL, float(base.c @ worse), float(base.c @ worse), 0.0, "x", 0, 0
        ),
    )
    kept = _check_claim(base, claim, good.values)
    assert kept.stats.status is Status.FEASIBLE
    assert kept.values is good.values
    assert kept.stats.objective == pytest.approx(float(base.c @ good.values))
    # a claim that is not worse than the start stands
    fair = MipResult(values=good.values, stats=claim.stats)
    assert _check_claim(base, fair, worse).stats.status is Status.OPTIMAL
