"""Floating-catchment access scores (2SFCA, E2SFCA) against a hand-solved case and PySAL access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from siting.accessibility import (
    band_weights,
    enhanced_two_step_fca,
    supply_ratios,
    two_step_fca,
)
from siting.errors import InputError

BANDS = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))

# The hand-solved case: three areas, three facilities, walks in minutes. C–Y sits on the
# 20-minute edge and C–X on the 30-minute edge (both inside their band: edges are inclusive);
# A–Z at 40 minutes is out of every catchment.
HAND_COST = pd.DataFrame(
    {"X": [5.0, 12.0, 30.0], "Y": [15.0, 8.0, 20.0], "Z": [40.0, 25.0, 10.0]},
    index=["A", "B", "C"],
)
HAND_DEMAND = pd.Series({"A": 1000.0, "B": 2000.0, "C": 500.0})
HAND_SUPPLY = pd.Series({"X": 30.0, "Y": 20.0, "Z": 10.0})


def test_two_step_fca_by_hand() -> None:
    # max_cost 15: pairs A–X 5, A–Y 15 (on the edge, in), B–X 12, B–Y 8, C–Z 10.
    # Step 1: X is reached by A and B, 1000 + 2000 = 3000 people: R_X = 30/3000 = 0.01;
    #         Y by A and B as well: R_Y = 20/3000 = 0.0066667; Z by C alone: R_Z = 10/500 = 0.02.
    # Step 2: A = R_X + R_Y = 0.0166667, B = R_X + R_Y = 0.0166667, C = R_Z = 0.02.
    # Check: 1000 × 0.0166667 + 2000 × 0.0166667 + 500 × 0.02 = 60 = every slot.
    score = two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=15.0)
    expected = pd.Series({"A": 30 / 3000 + 20 / 3000, "B": 30 / 3000 + 20 / 3000, "C": 0.02})
    pd.testing.assert_series_equal(score, expected, check_names=False, rtol=0, atol=1e-15)
    assert float((score * HAND_DEMAND).sum()) == pytest.approx(60.0, abs=1e-12)
    # just below the A–Y walk, A loses Y and Y is shared by B alone: R_Y = 20/2000 = 0.01
    below = two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=14.999)
    assert below["A"] == pytest.approx(0.01, abs=1e-15)
    assert below["B"] == pytest.approx(0.01 + 0.01, abs=1e-15)


def test_one_column_tables_are_matched_by_id_not_position() -> None:
    # frame[["pop"]] sorted C, B, A (and the slots Z, Y, X): read by position it gave A 500
    # people and X 10 slots (A 0.012, B 0.012, C 0.03 for the hand-solved 0.0167, 0.0167, 0.02)
    demand = HAND_DEMAND.iloc[::-1].to_frame("pop")
    supply = HAND_SUPPLY.iloc[::-1].to_frame("slots")
    score = two_step_fca(HAND_COST, demand, supply, max_cost=15.0)
    expected = pd.Series({"A": 50 / 3000, "B": 50 / 3000, "C": 0.02})
    pd.testing.assert_series_equal(score, expected, check_names=False, rtol=0, atol=1e-15)
    long = enhanced_two_step_fca(HAND_COST.stack(), demand, supply, bands=BANDS)
    pd.testing.assert_series_equal(
        long.sort_index(), enhanced_two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, bands=BANDS)
    )


@pytest.mark.parametrize(
    ("demand", "message"),
    [
        ("pop", "demand is the text 'pop'.*frame\\['pop'\\]"),
        (HAND_DEMAND.to_frame("pop").assign(kids=1), "table of 2 columns"),
        (pd.concat([HAND_DEMAND, HAND_DEMAND[:1]]), "more than one value.*ids: A"),
        (HAND_DEMAND.astype("Int64").where(HAND_DEMAND > 600), "1 are not \\(<NA>\\).*ids: C"),
        (HAND_DEMAND.astype(str).replace("1000.0", "1,000"), "1 are not \\(1,000\\).*ids: A"),
    ],
)
def test_demand_that_is_not_one_number_per_id_is_named(demand: object, message: str) -> None:
    for cost in (HAND_COST, HAND_COST.stack()):
        with pytest.raises(InputError, match=message):
            two_step_fca(cost, demand, HAND_SUPPLY, max_cost=15.0)  # type: ignore[arg-type]


def test_enhanced_two_step_fca_by_hand() -> None:
    # Band weights (10 → 1, 20 → 0.68, 30 → 0.22, edges inclusive):
    #        X            Y            Z
    #   A    5 → 1        15 → 0.68    40 → out
    #   B    12 → 0.68    8 → 1        25 → 0.22
    #   C    30 → 0.22    20 → 0.68    10 → 1
    # Step 1: X: 1000·1 + 2000·0.68 + 500·0.22 = 2470, R_X = 30/2470 = 0.0121457
    #         Y: 1000·0.68 + 2000·1 + 500·0.68 = 3020, R_Y = 20/3020 = 0.0066225
    #         Z: 2000·0.22 + 500·1 = 940,               R_Z = 10/940  = 0.0106383
    # Step 2: A = 1·R_X + 0.68·R_Y            = 0.0121457 + 0.0045033             = 0.0166491
    #         B = 0.68·R_X + 1·R_Y + 0.22·R_Z = 0.0082591 + 0.0066225 + 0.0023404 = 0.0172221
    #         C = 0.22·R_X + 0.68·R_Y + 1·R_Z = 0.0026721 + 0.0045033 + 0.0106383 = 0.0178137
    # Check: 1000·0.0166491 + 2000·0.0172221 + 500·0.0178137 = 60.000 slots.
    rx, ry, rz = 30 / 2470, 20 / 3020, 10 / 940
    expected = pd.Series(
        {
            "A": rx + 0.68 * ry,
            "B": 0.68 * rx + ry + 0.22 * rz,
            "C": 0.22 * rx + 0.68 * ry + rz,
        }
    )
    score = enhanced_two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, bands=BANDS)
    pd.testing.assert_series_equal(score, expected, check_names=False, rtol=0, atol=1e-15)
    assert score.round(7).tolist() == [0.0166491, 0.0172221, 0.0178137]
    assert float((score * HAND_DEMAND).sum()) == pytest.approx(60.0, abs=1e-12)
    ratios = supply_ratios(HAND_COST, HAND_DEMAND, HAND_SUPPLY, bands=BANDS)
    np.testing.assert_allclose(ratios.to_numpy(), [rx, ry, rz], rtol=0, atol=1e-15)


def test_every_cost_form_gives_the_same_scores() -> None:
    want = enhanced_two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, bands=BANDS)
    dense = HAND_COST.to_numpy()
    by_position = enhanced_two_step_fca(
        dense, HAND_DEMAND.to_numpy(), HAND_SUPPLY.to_numpy(), bands=BANDS
    )
    np.testing.assert_allclose(by_position.to_numpy(), want.to_numpy(), rtol=0, atol=1e-15)
    # sparse: the out-of-reach A–Z pair left out
    reach = np.where(dense <= 30, dense, 0.0)
    sparse = enhanced_two_step_fca(
        sp.csr_array(reach), HAND_DEMAND.to_numpy(), HAND_SUPPLY.to_numpy(), bands=BANDS
    )
    np.testing.assert_allclose(sparse.to_numpy(), want.to_numpy(), rtol=0, atol=1e-15)
    long = HAND_COST.stack()
    long = long[long <= 30]  # the long form lists only pairs within reach
    long_score = enhanced_two_step_fca(long, HAND_DEMAND, HAND_SUPPLY, bands=BANDS)
    pd.testing.assert_series_equal(long_score, want, rtol=0, atol=1e-15)
    with_nan = HAND_COST.where(HAND_COST <= 30)
    pd.testing.assert_series_equal(
        enhanced_two_step_fca(with_nan, HAND_DEMAND, HAND_SUPPLY, bands=BANDS),
        want,
        rtol=0,
        atol=1e-15,
    )


def test_unreached_demand_scores_zero_and_empty_catchments_share_nothing() -> None:
    cost = pd.DataFrame({"X": [5.0, np.nan], "Y": [np.nan, np.nan]}, index=["A", "D"])
    score = two_step_fca(cost, pd.Series({"A": 10.0, "D": 5.0}), [4.0, 9.0], max_cost=10.0)
    assert score.to_dict() == {"A": 0.4, "D": 0.0}


def test_band_weights_edges_are_inclusive() -> None:
    assert band_weights([0.0, 10.0, 10.000001, 30.0, 30.000001], BANDS).tolist() == [
        1.0,
        1.0,
        0.68,
        0.22,
        0.0,
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: two_step_fca(-HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=10), "negative"),
        (lambda: two_step_fca(HAND_COST, HAND_DEMAND[:2], HAND_SUPPLY, max_cost=10), "lacks"),
        (lambda: two_step_fca(HAND_COST, HAND_DEMAND, -HAND_SUPPLY, max_cost=10), "not negative"),
        (lambda: two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=-1), "max_cost"),
        (lambda: two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=np.nan), "max_cost"),
        (lambda: two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost="15"), "max_cost"),
        (
            lambda: enhanced_two_step_fca(
                HAND_COST, HAND_DEMAND, HAND_SUPPLY, bands=((20, 1.0), (10, 0.5))
            ),
            "increasing",
        ),
        (
            lambda: enhanced_two_step_fca(HAND_COST.stack(), [1, 2, 3], HAND_SUPPLY),
            "demand must be a Series",
        ),
        (
            lambda: enhanced_two_step_fca(HAND_COST.stack(), HAND_DEMAND[:2], HAND_SUPPLY),
            "does not have",
        ),
    ],
)
def test_bad_inputs_are_named(call: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        call()  # type: ignore[operator]


# --------------------------------------------------------------------------- PySAL access


def _random_case(seed: int) -> tuple[pd.Series, pd.Series, pd.Series]:
    """80 areas, 20 facilities, walks of 0–40 minutes, a third of the pairs missing."""
    rng = np.random.default_rng(seed)
    demand = pd.Series(rng.integers(50, 5000, 80).astype(float), index=[f"a{i}" for i in range(80)])
    supply = pd.Series(rng.integers(5, 150, 20).astype(float), index=[f"f{j}" for j in range(20)])
    cost = pd.DataFrame(
        np.round(rng.uniform(0, 40, (80, 20)), 1), index=demand.index, columns=supply.index
    )
    cost.iloc[:, 3] = np.where(cost.iloc[:, 3] > 25, cost.iloc[:, 3], 10.0)  # ties on an edge
    long = cost.stack()
    long = long[rng.random(len(long)) > 1 / 3]
    long.index.names = ["origin", "dest"]
    return long, demand, supply


def _pysal(long: pd.Series, demand: pd.Series, supply: pd.Series, **kwargs: object) -> pd.Series:
    access = pytest.importorskip("access")
    demand_df = demand.rename("pop").to_frame()
    demand_df.index.name = "geoid"
    supply_df = supply.rename("slots").to_frame()
    supply_df.index.name = "geoid"
    model = access.Access(
        demand_df=demand_df,
        demand_value="pop",
        supply_df=supply_df,
        supply_value="slots",
        cost_df=long.rename("cost").reset_index(),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    kind = kwargs.pop("kind")
    if kind == "2sfca":
        frame = model.two_stage_fca(normalize=False, **kwargs)
    else:
        frame = model.enhanced_two_stage_fca(normalize=False, **kwargs)
    return frame.iloc[:, 0].reindex(demand.index)


@pytest.mark.parametrize("seed", [0, 1])
def test_two_step_fca_matches_pysal_access(seed: int) -> None:
    long, demand, supply = _random_case(seed)
    theirs = _pysal(long, demand, supply, kind="2sfca", max_cost=15.0)
    ours = two_step_fca(long, demand, supply, max_cost=15.0)
    # access leaves demand that reaches nothing NaN; siting scores it 0
    assert ours[theirs.isna()].eq(0).all()
    np.testing.assert_allclose(ours.to_numpy(), theirs.fillna(0).to_numpy(), rtol=0, atol=1e-9)
    assert theirs.notna().sum() > 60


@pytest.mark.parametrize("seed", [2, 3])
def test_weighted_two_step_fca_matches_pysal_access(seed: int) -> None:
    weights = pytest.importorskip("access.weights")
    long, demand, supply = _random_case(seed)
    gaussian = weights.gaussian(10.0)
    theirs = _pysal(long, demand, supply, kind="2sfca", max_cost=25.0, weight_fn=gaussian)
    ours = two_step_fca(long, demand, supply, max_cost=25.0, weight=gaussian)
    np.testing.assert_allclose(ours.to_numpy(), theirs.fillna(0).to_numpy(), rtol=0, atol=1e-9)
    # a weight of one number only (access's step function) is applied cost by cost
    step = weights.step_fn({8: 1.0, 16: 0.5})
    theirs = _pysal(long, demand, supply, kind="2sfca", max_cost=12.0, weight_fn=step)
    ours = two_step_fca(long, demand, supply, max_cost=12.0, weight=step)
    np.testing.assert_allclose(ours.to_numpy(), theirs.fillna(0).to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    "bands", [BANDS, ((5.0, 1.0), (10.0, 0.68), (15.0, 0.22)), ((12.5, 1.0), (25.0, 0.4))]
)
def test_enhanced_two_step_fca_matches_pysal_access(bands: tuple[tuple[float, float], ...]) -> None:
    weights = pytest.importorskip("access.weights")
    long, demand, supply = _random_case(4)
    step = weights.step_fn(dict(bands))
    theirs = _pysal(long, demand, supply, kind="e2sfca", weight_fn=step)
    ours = enhanced_two_step_fca(long, demand, supply, bands=bands)
    np.testing.assert_allclose(ours.to_numpy(), theirs.fillna(0).to_numpy(), rtol=0, atol=1e-9)
    assert (ours > 0).sum() > 60
    # and the same on the dense matrix
    dense = long.unstack().reindex(index=demand.index, columns=supply.index)
    pd.testing.assert_series_equal(
        enhanced_two_step_fca(dense, demand, supply, bands=bands), ours, rtol=0, atol=1e-12
    )


def test_default_bands_are_luo_and_qi() -> None:
    pytest.importorskip("access")
    long, demand, supply = _random_case(5)
    theirs = _pysal(long, demand, supply, kind="e2sfca")  # access's default step function
    ours = enhanced_two_step_fca(long, demand, supply)
    np.testing.assert_allclose(ours.to_numpy(), theirs.fillna(0).to_numpy(), rtol=0, atol=1e-9)


@pytest.mark.timing
def test_scales_to_a_large_sparse_table() -> None:
    """50,000 areas × 10,000 sites with a million pairs in reach, in seconds."""
    import time

    rng = np.random.default_rng(7)
    n, m, k = 50_000, 10_000, 1_000_000
    rows = rng.integers(0, n, k)
    cols = rng.integers(0, m, k)
    keys = np.unique(rows * m + cols)
    cost = sp.coo_array((rng.uniform(0, 1200, len(keys)), (keys // m, keys % m)), shape=(n, m))
    demand = rng.uniform(0, 3000, n)
    supply = rng.uniform(0, 150, m)
    start = time.perf_counter()
    score = enhanced_two_step_fca(
        cost, demand, supply, bands=((350.0, 1.0), (700.0, 0.68), (1050.0, 0.22))
    )
    seconds = time.perf_counter() - start
    assert len(score) == n
    # every slot of a site some demand reaches is shared out exactly once
    reached = np.bincount(cost.col[cost.data <= 1050.0], minlength=m) > 0
    assert float(score.to_numpy() @ demand) == pytest.approx(supply[reached].sum(), rel=1e-9)
    assert seconds < 20


# --------------------------------------------------------------------------- a plan's life circles


UTM = "EPSG:32648"
X0, Y0 = 500_000.0, 3_000_000.0


def _line_graph() -> Any:
    """A straight street 1,500 m long with a node every 100 m."""
    import networkx as nx

    g = nx.MultiDiGraph(crs=UTM)
    for i in range(16):
        g.add_node(i, x=X0 + 100.0 * i, y=Y0)
    for i in range(15):
        g.add_edge(i, i + 1, length=100.0)
    return g


def _line_case() -> dict[str, Any]:
    """Two areas on the street, F (existing, 10 slots) at 300 m and G (new, 22 slots) at 1,000 m.

    Area A has two points: p1 at 0 m (a quarter of its people) and p2 at 500 m
    (three quarters); area B has one, p3 at 1,400 m. Walks: p1–F 300, p1–G 1,000,
    p2–F 200, p2–G 500, p3–F 1,100, p3–G 400.
    """
    import geopandas as gpd
    from shapely.geometry import Point

    points = gpd.GeoDataFrame(
        {"area_id": ["A", "A", "B"], "point_id": ["A/0", "A/1", "B/0"], "share": [0.25, 0.75, 1]},
        geometry=[Point(X0 + x, Y0) for x in (0.0, 500.0, 1400.0)],
        crs=UTM,
    )
    areas = pd.DataFrame(
        {
            "district_id": ["D1", "D1"],
            "planned_population": [1000.0, 2000.0],
            "migrant_population": [0.0, 500.0],
            "required_slots": [8.0, 20.0],  # 8 per 1,000 of residents and migrants
            "target_per_1000": [8.0, 8.0],
        },
        index=pd.Index(["A", "B"], name="area_id"),
    )
    sites = gpd.GeoDataFrame(
        {"existing": [True, False], "existing_slots": [10.0, 0.0]},
        geometry=[Point(X0 + 300.0, Y0), Point(X0 + 1000.0, Y0)],
        index=pd.Index(["F", "G"], name="site_id"),
        crs=UTM,
    )
    facilities = pd.DataFrame({"slots": [10.0, 22.0]}, index=pd.Index(["F", "G"], name="site_id"))
    return {"points": points, "areas": areas, "sites": sites, "facilities": facilities}


@pytest.mark.parametrize("street", [True, False])
def test_life_circles_on_a_line_by_hand(street: bool) -> None:
    from siting.lifecircle import plan_life_circles
    from siting.scenario import NetworkSettings, Scenario

    # 60 m/min: the 5-, 10- and 15-minute circles are 300, 600 and 900 m, weighing 1, 0.68, 0.22.
    # On a straight street the straight line (detour factor 1) gives the same walks.
    scenario = Scenario(network=NetworkSettings(walking_speed_m_per_min=60.0, detour_factor=1.0))
    circles = plan_life_circles(
        **_line_case(), graph=_line_graph() if street else None, scenario=scenario
    )
    a, b = circles.areas.loc["A"], circles.areas.loc["B"]

    # Before: F alone. Within 900 m: p1–F 300 (weight 1), p2–F 200 (1). F's load: A's 8
    # required slots, 2 slots short of its 10: free. A is within 5 minutes of it, B is not
    # within 15. Access: F's 10 slots shared by A's 1,000 people = 10 per 1,000; B has 0.
    for kind in ("free", "any"):
        for m in ("5min", "10min", "15min"):
            assert a[f"walk_{kind}_{m}_before"] == 1.0
            assert b[f"walk_{kind}_{m}_before"] == 0.0
    assert a["access_before_per_1000"] == pytest.approx(10.0)
    assert b["access_before_per_1000"] == 0.0

    # After: F (10) and G (22). p2 reaches F at weight 1 and G (500 m) at 0.68; p3 reaches
    # G (400 m) at 0.68. Loads: p2's 6 slots split 10 : 0.68·22 = 10 : 14.96, so
    # L_F = 2 + 6·10/24.96 = 4.40 (free) and L_G = 6·14.96/24.96 + 20 = 23.60 > 22 (full).
    # Any facility: B's p3 is 400 m from G, out of the 5-minute (300 m) circle, in the 10.
    # A facility with free slots: only F, 1,100 m from p3: B is covered by none.
    assert [b[f"walk_any_{m}_after"] for m in ("5min", "10min", "15min")] == [0.0, 1.0, 1.0]
    assert [b[f"walk_free_{m}_after"] for m in ("5min", "10min", "15min")] == [0.0, 0.0, 0.0]
    assert [a[f"walk_free_{m}_after"] for m in ("5min", "10min", "15min")] == [1.0, 1.0, 1.0]
    assert circles.run["facilities_with_free_slots"] == {"before": 1, "after": 1}
    # E2SFCA after: people at p1 250, p2 750, p3 2,500 (B's 2,000 residents + 500 migrants).
    # R_F = 10 / (250 + 750) = 0.01; R_G = 22 / (0.68·750 + 0.68·2500) = 22/2210.
    # A = 0.25·R_F + 0.75·(R_F + 0.68·R_G) = 15.077 per 1,000; B = 0.68·R_G = 6.769 per 1,000.
    r_g = 22 / 2210
    assert a["access_after_per_1000"] == pytest.approx(1000 * (0.01 + 0.75 * 0.68 * r_g), abs=1e-3)
    assert b["access_after_per_1000"] == pytest.approx(1000 * 0.68 * r_g, abs=1e-3)
    # deserts below half of 8 per 1,000: B before (0), nobody after (6.77)
    assert circles.areas["desert_before"].tolist() == [False, True]
    assert circles.areas["desert_after"].tolist() == [False, False]

    # district and plan: resident shares weigh A 1,000 and B 2,000; migrants are B's alone
    d = circles.districts.loc["D1"]
    assert d["walk_any_5min_after"] == pytest.approx(1 / 3, abs=1e-4)
    assert d["walk_any_10min_after"] == 1.0
    assert d["migrant_walk_any_5min_after"] == 0.0
    assert d["migrant_walk_any_10min_after"] == 1.0
    assert d["access_before_per_1000"] == pytest.approx(10_000 / 3500, abs=1e-3)
    assert d["access_after_per_1000"] == pytest.approx(32_000 / 3500, abs=1e-3)  # every slot
    assert d["desert_areas_before"] == 1 and d["desert_population_before"] == 2500.0
    after = circles.run["after"]
    assert after["walk_free_15min"] == pytest.approx(1 / 3, abs=1e-4)
    assert after["migrant_walk_free_15min"] == 0.0
    assert circles.run["before"]["desert_areas"] == 1 and after["desert_areas"] == 0
    assert circles.run["distance_method"] == ("network" if street else "straight_line")


def test_desert_threshold_from_the_scenario() -> None:
    from siting.lifecircle import plan_life_circles
    from siting.scenario import AccessibilitySettings, NetworkSettings, Scenario

    scenario = Scenario(
        network=NetworkSettings(walking_speed_m_per_min=60.0, detour_factor=1.0),
        accessibility=AccessibilitySettings(desert_per_1000=12.0),
    )
    circles = plan_life_circles(**_line_case(), graph=None, scenario=scenario)
    assert circles.areas["desert_threshold_per_1000"].tolist() == [12.0, 12.0]
    assert circles.areas["desert_after"].tolist() == [False, True]  # 15.08 and 6.77


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("life_circle_minutes = [10, 5]", "accessibility.life_circle_minutes"),
        ("band_weights = [1.0, 0.5]", "accessibility.band_weights"),
        ("desert_per_1000 = -1", "accessibility.desert_per_1000"),
        ("walk = 3", "walk"),
    ],
)
def test_bad_accessibility_keys_are_named(tmp_path: Any, table: str, message: str) -> None:
    from siting.errors import ScenarioError
    from siting.scenario import load_scenario

    path = tmp_path / "s.toml"
    path.write_text(f"[accessibility]\n{table}\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


@pytest.fixture(scope="module")
def sample_plan(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The sample planned with straight-line walks (no street file), and its output folder."""
    import dataclasses

    from siting.export import write_plan
    from siting.pipeline import prepare, solve_prepared
    from siting.scenario import load_scenario

    sample = Path(__file__).resolve().parents[1] / "data" / "sample"
    scenario = load_scenario(sample / "scenario.toml")
    scenario = scenario.replace(inputs=dataclasses.replace(scenario.inputs, streets=None))
    prepared = prepare(scenario)
    plan = solve_prepared(prepared)
    out = write_plan(plan, tmp_path_factory.mktemp("plan") / "out", language="en")
    return prepared, plan, out


def test_sample_before_and_after_by_brute_force(sample_plan: Any) -> None:
    """Every area's score and coverage again, by loops over points × facilities."""
    prepared, plan, _ = sample_plan
    scenario = prepared.scenario
    speed = scenario.network.walking_speed_m_per_min
    limits = [m * speed for m in (5, 10, 15)]
    weights = (1.0, 0.68, 0.22)
    areas = plan.areas
    people = (areas["planned_population"] + areas["migrant_population"]).to_dict()
    required = areas["required_slots"].to_dict()
    points = [(str(r.area_id), float(r.share), r.geometry) for r in prepared.points.itertuples()]
    fac = plan.facilities
    states = {
        "before": {s: float(v) for s, v in fac.loc[fac["existing"], "existing_slots"].items()},
        "after": {s: float(v) for s, v in fac["slots"].items()},
    }

    def weight(d: float) -> float:
        for limit, w in zip(limits, weights, strict=True):
            if d <= limit:
                return w
        return 0.0

    for when, slots in states.items():
        walk = {
            (k, s): fac.geometry[s].distance(geom) * scenario.network.detour_factor
            for k, (_, _, geom) in enumerate(points)
            for s in slots
        }
        # E2SFCA by loops
        load = dict.fromkeys(slots, 0.0)
        for (k, s), d in walk.items():
            area, share, _ = points[k]
            load[s] += weight(d) * people[area] * share
        ratio = {s: slots[s] / load[s] if load[s] > 0 else 0.0 for s in slots}
        score: dict[str, float] = {}
        for (k, s), d in walk.items():
            area, share, _ = points[k]
            score[area] = score.get(area, 0.0) + share * weight(d) * ratio[s]
        # free slots: demand picks facilities in proportion to slots × weight
        pull = {k: sum(weight(walk[k, s]) * slots[s] for s in slots) for k in range(len(points))}
        carried = dict.fromkeys(slots, 0.0)
        for (k, s), d in walk.items():
            area, share, _ = points[k]
            if pull[k] > 0:
                carried[s] += required[area] * share * weight(d) * slots[s] / pull[k]
        free = {s for s in slots if slots[s] - carried[s] >= 1.0 - 1e-9}
        covered_any = {a: [0.0, 0.0, 0.0] for a in areas.index}
        covered_free = {a: [0.0, 0.0, 0.0] for a in areas.index}
        for k, (area, share, _) in enumerate(points):
            for i, limit in enumerate(limits):
                if any(walk[k, s] <= limit for s in slots):
                    covered_any[area][i] += share
                if any(walk[k, s] <= limit for s in free):
                    covered_free[area][i] += share
        got = areas[f"access_{when}_per_1000"]
        want = pd.Series({a: 1000 * score.get(a, 0.0) for a in areas.index})
        np.testing.assert_allclose(got.to_numpy(), want[got.index].to_numpy(), atol=6e-4)
        for i, m in enumerate(("5min", "10min", "15min")):
            for kind, table in (("any", covered_any), ("free", covered_free)):
                got = areas[f"walk_{kind}_{m}_{when}"]
                want = pd.Series({a: v[i] for a, v in table.items()})
                np.testing.assert_allclose(got.to_numpy(), want[got.index].to_numpy(), atol=6e-5)
        assert plan.run["accessibility"]["facilities_with_free_slots"][when] == len(free)

    # the plan reaches more people than the existing facilities do, and lifts deserts
    run = plan.run["accessibility"]
    assert run["after"]["access_per_1000"] > 3 * run["before"]["access_per_1000"]
    assert run["after"]["walk_any_15min"] > run["before"]["walk_any_15min"]
    assert run["after"]["desert_areas"] < run["before"]["desert_areas"]
    # the people-weighted mean score is the slots within reach per 1,000 people
    pop = areas["planned_population"] + areas["migrant_population"]
    mean = float((areas["access_after_per_1000"] * pop).sum() / pop.sum())
    assert run["after"]["access_per_1000"] == pytest.approx(mean, abs=1e-3)


def test_outputs_carry_the_indicators(sample_plan: Any) -> None:
    import json

    import geopandas as gpd

    _, plan, out = sample_plan
    areas = gpd.read_file(out / "areas.geojson")
    for column in (
        "access_before_per_1000",
        "access_after_per_1000",
        "walk_free_5min_before",
        "walk_any_15min_after",
        "desert_before",
        "desert_after",
        "desert_threshold_per_1000",
    ):
        assert column in areas.columns, column
    districts = pd.read_csv(out / "districts.csv", dtype={"district_id": str})
    for column in (
        "access_after_per_1000",
        "walk_free_10min_after",
        "migrant_walk_any_5min_before",
        "desert_areas_after",
        "desert_population_before",
    ):
        assert column in districts.columns, column
    np.testing.assert_allclose(
        districts.set_index("district_id")["access_after_per_1000"].to_numpy(),
        plan.districts["access_after_per_1000"].to_numpy(),
    )
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["accessibility"]["after"]["desert_areas"] == int(areas["desert_after"].sum())
    assert run["accessibility"]["bands_m"] == [[350.0, 1.0], [700.0, 0.68], [1050.0, 0.22]]
    # the report's before/after table and charts, and a map layer per indicator with its legend
    report = (out / "report.md").read_text(encoding="utf-8")
    section = report[report.index("## Access and life-circle coverage, before and after") :]
    before, after = run["accessibility"]["before"], run["accessibility"]["after"]
    row = next(line for line in section.splitlines() if line.startswith("| Childcare desert"))
    assert row.split("|")[2:4] == [f" {before['desert_areas']} ", f" {after['desert_areas']} "]
    assert "report_access_per_1000.svg" in section and (out / "report_life_circles.svg").is_file()
    page = (out / "map.html").read_text(encoding="utf-8")
    for layer in ("Access before", "Access after", "Life circle before", "Life circle after"):
        assert layer in page, layer
    assert "Childcare deserts" in page and "a desert the plan lifts" in page


def test_plans_made_apart_merge_their_totals_over_every_area(sample_plan: Any) -> None:
    from siting.lifecircle import merge_life_circles

    _, plan, _ = sample_plan
    run = plan.run["accessibility"]
    areas = plan.areas
    by_district = [areas[areas["district_id"] == d] for d in sorted(areas["district_id"].unique())]
    assert len(by_district) == 3
    merged = merge_life_circles([run, run], areas)
    for when in ("before", "after"):
        for key, value in run[when].items():
            assert merged[when][key] == pytest.approx(value, abs=1e-9), key
        assert merged["facilities"][when] == 2 * run["facilities"][when]
    # the city's score is the people-weighted mean of the counties' own
    people = [float((a["planned_population"] + a["migrant_population"]).sum()) for a in by_district]
    scores = [
        float(
            (a["access_after_per_1000"] * (a["planned_population"] + a["migrant_population"])).sum()
        )
        / p
        for a, p in zip(by_district, people, strict=True)
    ]
    mean = sum(s * p for s, p in zip(scores, people, strict=True)) / sum(people)
    assert run["after"]["access_per_1000"] == pytest.approx(mean, abs=1e-3)


def test_children_score_and_a_city_without_facilities() -> None:
    from siting.lifecircle import plan_life_circles
    from siting.scenario import NetworkSettings, Scenario

    scenario = Scenario(network=NetworkSettings(walking_speed_m_per_min=60.0, detour_factor=1.0))
    case = _line_case()
    case["sites"]["existing"] = False  # nothing before
    case["areas"]["children_under3"] = [30.0, 60.0]
    circles = plan_life_circles(**case, graph=None, scenario=scenario)
    # children at p1 7.5, p2 22.5, p3 60: R_F = 10/30, R_G = 22 / (0.68·22.5 + 0.68·60) = 22/56.1
    # A = 0.25·R_F + 0.75·(R_F + 0.68·R_G) = 0.5333 per child; B = 0.68·R_G = 0.2667
    got = circles.areas["access_children_after_per_1000"].tolist()
    r_g = 22 / 56.1
    want = [1000 * (10 / 30 + 0.75 * 0.68 * r_g), 1000 * 0.68 * r_g]
    assert got == pytest.approx(want, abs=1e-3)
    assert circles.areas["access_before_per_1000"].tolist() == [0.0, 0.0]
    assert circles.areas["desert_before"].all()
    assert circles.run["before"]["walk_any_15min"] == 0.0
    assert circles.run["after"]["access_children_per_1000"] == pytest.approx(
        (30 * got[0] + 60 * got[1]) / 90, abs=1e-3
    )


def test_max_cost_may_be_a_numpy_number() -> None:
    """max_cost=df["minutes"].max() of an int column is an np.int64: it was refused."""
    expected = two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=15)
    for value in (np.int64(15), np.float32(15.0), np.float64(15.0)):
        got = two_step_fca(HAND_COST, HAND_DEMAND, HAND_SUPPLY, max_cost=value)
        pd.testing.assert_series_equal(got, expected)
