"""Tests of siting.plan helpers that the end-to-end tests reach only on large runs."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from siting.errors import InputError
from siting.maps import plan_map, save_map
from siting.plan import Plan, verify, without_excess
from siting.report import compare_runs, write_report


def test_excess_service_is_taken_off_the_farthest_assignments() -> None:
    # the model asks only Σ_j x_ij + s_i ≥ R_i: a distance stage stopped at its time limit
    # served 20,000-area real-shaped city areas twice their requirement, which verify refused
    rng = np.random.default_rng(5)
    n = 400
    demand = rng.choice([f"A{k}" for k in range(60)], size=n)
    distance = rng.uniform(0, 1000, size=n).round(-1)  # ties too
    slots = rng.uniform(0, 3, size=n)
    required = pd.Series(rng.uniform(0, 8, size=60), index=[f"A{k}" for k in range(60)])

    got = without_excess(slots, demand=demand, distance_m=distance, required=required)

    # a second formulation: one item at a time, farthest first (stable among ties)
    expected = slots.copy()
    for item, need in required.items():
        rows = np.flatnonzero(demand == item)
        rows = rows[np.argsort(-distance[rows], kind="stable")]
        excess = max(expected[rows].sum() - need, 0.0)
        for r in rows:
            cut = min(excess, expected[r])
            expected[r] -= cut
            excess -= cut
    np.testing.assert_allclose(got, expected, atol=1e-12)
    served = pd.Series(got).groupby(demand).sum()
    assert (served <= required.reindex(served.index) + 1e-9).all()
    # an item served less than it needs keeps every slot
    short = pd.Series(slots).groupby(demand).sum() <= required.reindex(served.index)
    keep = np.isin(demand, short.index[short])
    np.testing.assert_array_equal(got[keep], slots[keep])
    assert (got >= 0).all()


def test_the_functions_that_read_a_plans_folder_say_so_when_given_the_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook holds the Plan; plan_map(plan), save_map, write_report, compare_runs
    and verify each failed with Python's 'TypeError: expected str, bytes or os.PathLike
    object, not Plan'. Each is an InputError naming the function and the fix."""
    monkeypatch.chdir(tmp_path)  # nothing written where the tests run: no out/ here
    plan = Plan(
        facilities=gpd.GeoDataFrame(),
        areas=gpd.GeoDataFrame(),
        assignments=pd.DataFrame(),
        districts=pd.DataFrame(),
        candidates=gpd.GeoDataFrame(),
    )
    calls = {
        "plan_map": lambda: plan_map(plan),  # type: ignore[arg-type]
        "save_map": lambda: save_map(plan),  # type: ignore[arg-type]
        "write_report": lambda: write_report(plan),  # type: ignore[arg-type]
        "compare_runs": lambda: compare_runs(plan, plan),  # type: ignore[arg-type]
        "verify": lambda: verify(plan),  # type: ignore[arg-type]
    }
    for name, call in calls.items():
        with pytest.raises(InputError) as refused:
            call()
        (problem,) = refused.value.problems
        assert str(problem).startswith(f"{name} reads a plan's folder, not a Plan"), problem
        assert re.search(r"write_plan\(plan, 'out'\), then " + name + r"\(out\)", str(problem))
    with pytest.raises(InputError, match="give verify the folder"):
        verify(3)  # type: ignore[arg-type]
    assert not Path("out").exists()


def test_a_plans_notebook_summary_says_the_costs_currency() -> None:
    """Plan(..., cost=186,227,150, CRS=EPSG:32633): Naples planned in EUR showed its cost
    without a unit, in the repr and the notebook's table alike."""
    plan = Plan(
        facilities=gpd.GeoDataFrame(geometry=[], crs="EPSG:32633"),
        areas=gpd.GeoDataFrame(),
        assignments=pd.DataFrame(),
        districts=pd.DataFrame(),
        candidates=gpd.GeoDataFrame(),
        run={
            "totals": {"cost": 186_227_150.0},
            "scenario": {"currency": "EUR"},
        },
    )
    assert "cost=186,227,150 EUR," in repr(plan)
    assert "<td style='text-align:left'>186,227,150 EUR</td>" in plan._repr_html_()
    # a run that gives its CRS is not asked of a facilities frame without geometry
    bare = dataclasses.replace(plan, facilities=gpd.GeoDataFrame(), run={"crs": "EPSG:4544"})
    assert repr(bare).endswith("CRS=EPSG:4544)")
