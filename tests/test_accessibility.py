"""Floating-catchment access scores (2SFCA, E2SFCA) against a hand-solved case and PySAL access."""

from __future__ import annotations

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


def test_scales_to_a_large_sparse_table() -> None:
    """50,000 areas × 10,000 sites with 2 million pairs in reach, in seconds."""
    import time

    rng = np.random.default_rng(7)
    n, m, k = 50_000, 10_000, 2_000_000
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
