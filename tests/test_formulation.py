"""The cost stage's rewritings of ``benchmarks/formulation.py`` keep its optimum.

On a city of 60 areas HiGHS proves the cost stage in a second in each form: the
incremental and linked forms (a unimodular change of the option variables) must
give the same linear relaxation and the same optimum as the model the package
builds, and merging the areas of one reach set (exact for the cost stage) the
same optimum.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from benchmarks.formulation import FORMS, aggregated, incremental, to_incremental, written
from benchmarks.model import make_city
from benchmarks.solvers import cost_stage
from siting.mip import satisfies, solve_model


@pytest.fixture(scope="module")
def city() -> dict[str, Any]:
    problem, _ = make_city(60, 24, seed=3, n_existing=2)
    return {"problem": problem, **cost_stage(problem, time_limit_s=30.0)}


def _optimum(model: Any) -> float:
    result = solve_model(model, gap=0.0, threads=1, time_limit_s=60.0)
    assert result.stats.status.value == "optimal"
    return float(result.stats.objective or np.nan)


def test_every_form_has_the_same_relaxation_and_optimum(city: dict[str, Any]) -> None:
    model, stage, start = city["siting_model"], city["model"], city["start"]
    relaxed, optimum = [], []
    for form in FORMS:
        m, x = written(model, stage, start, form)
        # the start keeps its cost and its rows in every form
        assert float(m.c @ x) == pytest.approx(float(stage.c @ start), rel=1e-12)
        assert satisfies(m, x)
        lp = solve_model(replace(m, integer=np.zeros_like(m.integer)), threads=1)
        relaxed.append(float(lp.stats.objective or np.nan))
        optimum.append(_optimum(m))
    assert relaxed == pytest.approx([relaxed[0]] * len(FORMS), rel=1e-9)
    assert optimum == pytest.approx([optimum[0]] * len(FORMS), rel=1e-9)
    assert relaxed[0] < optimum[0]  # a city where the relaxation is not already integral


def test_the_incremental_map_is_inverted_exactly(city: dict[str, Any]) -> None:
    model, stage = city["siting_model"], city["model"]
    _, t = incremental(model, stage)
    values = np.random.default_rng(0).random(stage.num_cols)
    np.testing.assert_allclose(t @ to_incremental(t, values), values, atol=1e-9)
    # a site at its largest option is "at or above" every option of its chain
    ix = model.index
    plan = np.zeros(stage.num_cols)
    site = ix.y_site_code[0]
    mine = np.flatnonzero(ix.y_site_code == site)
    top = mine[np.argmax(ix.y_slots[mine] * 1e9 + model.cost[ix.y][mine])]
    plan[ix.y.start + top] = 1.0
    z = to_incremental(t, plan)[ix.y]
    assert z[mine].tolist() == [1.0] * len(mine)
    assert z.sum() == len(mine)


def test_merged_areas_keep_the_cost_stage_optimum(city: dict[str, Any]) -> None:
    merged, figures = aggregated(city["problem"])
    assert figures["merged_items"] < figures["areas"]  # something was merged
    assert _optimum(city["model"]) == pytest.approx(
        _optimum(cost_stage(merged, time_limit_s=30.0)["model"]), rel=1e-9
    )


def test_dominated_sites_are_the_hand_counted_ones() -> None:
    """B reaches all A reaches, at A's prices: B dominates A. C reaches less and is dearer
    for its large option: A, B and D dominate it. D equals A (only the later, D, points to
    A). E, cheaper and reaching as much as B, is in another district; X has an existing
    facility: neither is a party."""
    import pandas as pd

    from benchmarks.formulation import dominated_sites
    from siting.model import SitingProblem

    reach = {"A": [1, 2], "B": [1, 2, 3], "C": [1], "D": [1, 2], "E": [1, 2, 3], "X": [1, 2, 3]}
    large = {"A": 5.0, "B": 5.0, "C": 6.0, "D": 5.0, "E": 4.0, "X": 1.0}
    sites = pd.DataFrame(
        {
            "district_id": ["d1", "d1", "d1", "d1", "d2", "d1"],
            "existing": [False] * 5 + [True],
        },
        index=pd.Index(list(reach), name="site_id"),
    )
    options = pd.DataFrame(
        [
            (s, name, slots, cost, False)
            for s in reach
            for name, slots, cost in (("small", 45, 2.0), ("large", 145, large[s]))
        ],
        columns=["site_id", "option", "slots", "cost", "demonstration"],
    )
    pairs = pd.DataFrame(
        [(f"a{d}", s, 100.0) for s, ds in reach.items() for d in ds],
        columns=["demand_id", "site_id", "distance_m"],
    )
    demand = pd.DataFrame(
        {"required": [10.0, 10.0, 10.0], "area_id": ["a1", "a2", "a3"], "kind": "resident"},
        index=pd.Index(["a1", "a2", "a3"], name="demand_id"),
    )
    problem = SitingProblem(demand=demand, sites=sites, options=options, pairs=pairs)
    assert dominated_sites(problem) == [
        ("A", "B"),
        ("C", "A"),
        ("C", "B"),
        ("C", "D"),
        ("D", "A"),
        ("D", "B"),
    ]


def test_merging_holds_what_the_plans_share_and_never_beats_the_optimum(
    city: dict[str, Any],
) -> None:
    """``benchmarks.merging``: with the optimum among the plans, both restrictions give it
    back; with the start alone, ``agree`` frees nothing and keeps the start; ``union``
    frees exactly the sites the plans open."""
    from benchmarks.merging import merged

    stage, start, index = city["model"], city["start"], city["siting_model"].index
    best = solve_model(stage, gap=0.0, threads=1, time_limit_s=60.0)
    assert best.values is not None and best.stats.objective is not None
    for mode in ("agree", "union"):
        r = merged(city, [start, best.values], mode=mode, limit_s=60.0)
        assert r["cost"] == pytest.approx(best.stats.objective, rel=1e-9)
        assert r["plan_meets_the_stage"]
    alone = merged(city, [start, start], mode="agree", limit_s=60.0)
    assert alone["free_sites"] == 0
    assert alone["cost"] == pytest.approx(float(stage.c @ start), rel=1e-9)
    union = merged(city, [start], mode="union", limit_s=60.0)
    opened = {index.y_site_code[k] for k in np.flatnonzero(start[index.y] > 0.5)}
    assert union["free_sites"] == len(opened) > 0
    assert union["cost"] >= best.stats.objective - 1e-6 * abs(best.stats.objective)
