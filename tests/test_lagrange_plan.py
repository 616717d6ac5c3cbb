"""The plan from the Lagrangian relaxation's choice of sites (``siting.search.lagrange_plan``).

Expected values are computed apart from the code under test: optima of tiny
instances by enumeration with SciPy's maximum flow (``test_cost_search``), and
every plan checked row by row against the cost stage's model (``satisfies``).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from test_cost_search import cost_stage, dense_city, enumerate_optimum, tiny

from siting.mip import satisfies
from siting.model import SitingModel, build_model
from siting.search import (
    CostSearch,
    LagrangianBound,
    LagrangianPlan,
    SearchStats,
    lagrangian_bound,
    lagrangian_plan,
)
from siting.search.lagrange_plan import steer


def descent_bound_and_plan(
    model: SitingModel, cap: float, start: np.ndarray, seconds: float, *, iterations: int = 3000
) -> tuple[SearchStats, np.ndarray, LagrangianBound, LagrangianPlan]:
    """The descent from ``start``, the Lagrangian bound (its target the descent's cost),
    and the plan from its choice, from ``start`` and from the descent's plan."""
    search = CostSearch(model, shortfall_cap=cap)
    search.load_plan(start)
    stats = search.improve(time_limit_s=seconds, kicks=False)
    descent = search.values()
    lag = lagrangian_bound(
        model, shortfall_cap=cap, upper=stats.cost, time_limit_s=seconds, max_iterations=iterations
    )
    plan = lagrangian_plan(
        CostSearch(model, shortfall_cap=cap),
        lag.site_option,
        lag.site_extra,
        [start, descent],
        time_limit_s=seconds,
    )
    return stats, descent, lag, plan


def test_steering_and_the_plan_keep_every_rule_and_reach_more_optima() -> None:
    """40 tiny instances with demonstration and affordable-share rows: the steered plan
    and the plan after its descent keep every row and the held shortfall, never cost
    less than the enumerated optimum, and with the descent's plan reach the optimum in
    more instances than the descent alone (32 against 24 of 40)."""
    by_descent = with_plan = 0
    for seed in range(40):
        t = tiny(seed, n_areas=8, n_sites=7)
        _, optimum = enumerate_optimum(t)
        model = build_model(t.problem)
        stage, cap, start = cost_stage(model)
        _, descent, lag, plan = descent_bound_and_plan(model, cap, start, 5.0, iterations=300)
        assert np.isfinite(lag.bound), seed
        steered = CostSearch(model, shortfall_cap=cap)
        steered.load_plan(start)
        steer(steered, lag.site_option, lag.site_extra)
        assert satisfies(stage, steered.values()), seed
        assert plan.values is not None and satisfies(stage, plan.values), seed
        assert float(model.shortfall @ plan.values) <= cap
        assert plan.cost == pytest.approx(float(stage.c @ plan.values))
        assert plan.cost == min(plan.costs)
        assert plan.cost >= optimum * (1 - 1e-9) - 1e-6, seed
        tol = 1e-6 * max(1.0, optimum)
        by_descent += abs(float(stage.c @ descent) - optimum) <= tol
        with_plan += abs(min(plan.cost, float(stage.c @ descent)) - optimum) <= tol
    assert by_descent == 24
    assert with_plan == 32


def test_the_plan_closes_most_of_the_descents_gap_on_a_dense_city() -> None:
    """600 areas and 200 sites within walking distance of each other: from the
    converged multipliers, the plan ends nearer the Lagrangian bound than the descent's
    local optimum, by more than half the descent's gap (398.15 against 399.37 M, bound
    397.52 M)."""
    model = build_model(dense_city(600, 200))
    stage, cap, start = cost_stage(model)
    stats, _, lag, plan = descent_bound_and_plan(model, cap, start, 30.0)
    assert stats.local_optimum
    assert lag.bound <= stats.cost
    assert plan.values is not None and satisfies(stage, plan.values)
    assert all(np.isfinite(plan.costs))
    assert plan.cost - lag.bound < 0.5 * (stats.cost - lag.bound)


def test_no_start_no_plan() -> None:
    """Without a start (or with no time) there is no plan, and nothing is made up."""
    model = build_model(tiny(3).problem)
    _, cap, start = cost_stage(model)
    lag = lagrangian_bound(model, shortfall_cap=cap, max_iterations=20)
    search = CostSearch(model, shortfall_cap=cap)
    for starts, seconds in (([], 5.0), ([start], 0.0)):
        plan = lagrangian_plan(
            search, lag.site_option, lag.site_extra, starts, time_limit_s=seconds
        )
        assert plan.values is None and plan.cost == np.inf
        assert all(np.isnan(c) for c in plan.costs)


def test_a_stop_from_another_thread_ends_the_descent_and_the_plan() -> None:
    """With ``stop`` set the descent keeps no move and the plan tries no start; unset, the
    same descent keeps moves (so the stop, not the plan, ended it)."""
    model = build_model(dense_city(600, 200))
    _, cap, start = cost_stage(model)
    stop = threading.Event()
    stop.set()
    search = CostSearch(model, shortfall_cap=cap)
    search.load_plan(start)
    stopped = search.improve(time_limit_s=30.0, stop=stop)
    assert stopped.kept == 0 and not stopped.local_optimum
    assert search.cost() == stopped.start_cost
    lag = lagrangian_bound(model, shortfall_cap=cap, max_iterations=50)
    plan = lagrangian_plan(
        search, lag.site_option, lag.site_extra, [start], time_limit_s=30.0, stop=stop
    )
    assert plan.values is None
    going = search.improve(time_limit_s=30.0, kicks=False, stop=threading.Event())
    assert going.kept > 0 and going.local_optimum
