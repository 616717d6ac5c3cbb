"""Tests of :mod:`siting.locate`: optima from OR-Library, spopt's SF instance, brute force."""

from __future__ import annotations

import itertools
import math
import time
from pathlib import Path

import geopandas as gpd
import highspy
import numpy as np
import pandas as pd
import pyproj
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import shortest_path
from shapely.geometry import Point

from siting.errors import InputError
from siting.locate import (
    capacitated_lscp,
    capacitated_p_median,
    cost_from_geodataframes,
    lscp,
    mclp,
    p_center,
    p_median,
    solve_mip,
)
from siting.mip.highs import _read_status
from siting.status import Status

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def read_orlib(path: Path) -> tuple[np.ndarray, int]:
    """All-pairs shortest paths of an OR-Library p-median graph (last duplicate edge wins)."""
    tokens = path.read_text().split()
    n, m, p = int(tokens[0]), int(tokens[1]), int(tokens[2])
    edges = np.array(tokens[3 : 3 + 3 * m], dtype=np.int64).reshape(m, 3)
    last: dict[tuple[int, int], float] = {}
    for i, j, c in edges:
        last[(min(i, j) - 1, max(i, j) - 1)] = float(c)
    rows = np.array([k[0] for k in last])
    cols = np.array([k[1] for k in last])
    graph = sp.coo_array((np.array(list(last.values())), (rows, cols)), shape=(n, n))
    return shortest_path(graph.tocsr(), directed=False), p


# ------------------------------------------------------------------ OR-Library


@pytest.mark.shared
@pytest.mark.parametrize(("name", "expected"), [("pmed1", 5819), ("pmed2", 4093), ("pmed5", 1355)])
def test_orlib_p_median_exact(name: str, expected: int) -> None:
    path = SHARED / "orlib" / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"{path} not found (shared test data is a sibling of the checkout)")
    dist, p = read_orlib(path)
    result = p_median(dist, None, p)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(expected, abs=1e-6)
    assert result.bound == pytest.approx(expected, abs=1e-3)
    assert len(result.selected) == p
    # the objective is re-computed from the selected sites
    assert (dist[:, list(result.selected)].min(axis=1)).sum() == pytest.approx(expected)


# ------------------------------------------------------------ spopt SF instance


def _sf_data() -> Path:
    try:
        import spopt
    except ImportError:
        pytest.skip("spopt is not installed (pip install spopt) - its SF data is needed")
    folder = Path(spopt.__file__).parent / "tests" / "test_locate" / "data"
    if not (folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv").exists():
        pytest.skip(f"spopt's San Francisco test data is not under {folder}")
    return folder


@pytest.fixture(scope="module")
def sf() -> tuple[pd.DataFrame, pd.Series]:
    folder = _sf_data()
    distances = pd.read_csv(
        folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
    )
    cost = distances.pivot_table(values="distance", index="DestinationName", columns="name")
    demand = pd.read_csv(folder / "SF_demand_205_centroid_uniform_weight.csv")
    weights = demand.sort_values("NAME").set_index(cost.index)["POP2000"].astype(float)
    return cost, weights


def test_sf_mclp(sf: tuple[pd.DataFrame, pd.Series]) -> None:
    cost, weights = sf
    result = mclp(cost, weights.to_numpy(), 5000.0, 4)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(875_247)
    assert len(result.selected) == 4
    covered = result.assignment.notna()
    assert weights[covered.to_numpy()].sum() == pytest.approx(875_247)


def test_sf_p_median(sf: tuple[pd.DataFrame, pd.Series]) -> None:
    cost, weights = sf
    result = p_median(cost, weights.to_numpy(), 4)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(2_848_268_129.71, abs=0.01)
    assert all(s.startswith("Store_") for s in result.selected)


def test_sf_p_center(sf: tuple[pd.DataFrame, pd.Series]) -> None:
    cost, _ = sf
    result = p_center(cost, 4)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(7403.06, abs=0.01)
    assert result.bound == pytest.approx(result.objective)


def test_sf_lscp(sf: tuple[pd.DataFrame, pd.Series]) -> None:
    cost, _ = sf
    result = lscp(cost, 5000.0)
    assert result.status is Status.OPTIMAL
    assert result.objective == 8
    assert result.assignment.notna().all()
    assert result.assignment.index.equals(cost.index)


# ------------------------------------------------------------------ brute force


def random_instance(seed: int, n: int = 9, m: int = 6) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 100, (n, 2))
    sites = rng.uniform(0, 100, (m, 2))
    dist = np.round(np.hypot(*(demand[:, None, :] - sites[None, :, :]).transpose(2, 0, 1)), 1)
    weights = rng.integers(1, 20, n).astype(float)
    return dist, weights


def combos(m: int, p: int, required: tuple[int, ...] = ()) -> list[tuple[int, ...]]:
    return [c for c in itertools.combinations(range(m), p) if set(required) <= set(c)]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_p_median_brute_force(seed: int, p: int) -> None:
    dist, w = random_instance(seed)
    best = min((w * dist[:, list(c)].min(axis=1)).sum() for c in combos(6, p))
    result = p_median(dist, w, p)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best)
    assert (w * dist[:, list(result.selected)].min(axis=1)).sum() == pytest.approx(best)


def test_weights_and_capacities_in_one_column_tables_are_matched_by_id() -> None:
    # an analyst's frame[["pop"]] in another order than the cost table's rows was read by
    # position: p_median gave another plan and the wrong objective
    dist, w = random_instance(0)
    ids, sites = [f"a{i}" for i in range(9)], [f"s{j}" for j in range(6)]
    cost = pd.DataFrame(dist, index=ids, columns=sites)
    table = pd.DataFrame({"pop": w}, index=ids).iloc[::-1]
    best = min((w * dist[:, list(c)].min(axis=1)).sum() for c in combos(6, 2))
    assert p_median(cost, table, 2).objective == pytest.approx(best)
    capacity = pd.Series(np.arange(1.0, 7.0) * 20, index=sites)
    by_series = capacitated_p_median(cost, pd.Series(w, index=ids), 3, capacity)
    by_tables = capacitated_p_median(cost, table, 3, capacity.iloc[::-1].to_frame("slots"))
    assert by_tables.objective == pytest.approx(by_series.objective)
    assert by_tables.selected == by_series.selected


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ("pop", "weights is the text 'pop'"),
        (pd.DataFrame({"pop": [1.0] * 3, "kids": 1.0}, index=list("abc")), "table of 2 columns"),
        (pd.Series([1.0, 2.0, 3.0, 4.0], index=list("abca")), "more than one value.*ids: a"),
        (pd.Series(["1", "2,5", "3"], index=list("abc")), "1 are not \\(2,5\\).*ids: b"),
        (pd.Series([1, None, 3], index=list("abc"), dtype="Int64"), "1 are not.*ids: b"),
    ],
)
def test_weights_that_are_not_one_number_per_id_are_named(weights: object, message: str) -> None:
    cost = pd.DataFrame(np.ones((3, 2)), index=list("abc"), columns=["s", "t"])
    with pytest.raises(InputError, match=message):
        p_median(cost, weights, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(3))
def test_p_median_narrow_start_widens(seed: int) -> None:
    dist, w = random_instance(seed, n=12, m=8)
    best = min((w * dist[:, list(c)].min(axis=1)).sum() for c in combos(8, 2))
    result = p_median(dist, w, 2, initial_depth=1)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
def test_p_median_required(seed: int) -> None:
    dist, w = random_instance(seed)
    best = min((w * dist[:, list(c)].min(axis=1)).sum() for c in combos(6, 3, (4,)))
    result = p_median(dist, w, 3, required=[4])
    assert 4 in result.selected
    assert result.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_p_center_brute_force(seed: int, p: int) -> None:
    dist, _ = random_instance(seed)
    best = min(dist[:, list(c)].min(axis=1).max() for c in combos(6, p))
    result = p_center(dist, p)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best)
    assert len(result.selected) == p


def test_p_center_required() -> None:
    dist, _ = random_instance(7)
    best = min(dist[:, list(c)].min(axis=1).max() for c in combos(6, 2, (0,)))
    result = p_center(dist, 2, required=[0])
    assert 0 in result.selected
    assert result.objective == pytest.approx(best)


def test_arguments_in_another_models_order_are_refused_with_the_signature() -> None:
    """The models take spopt's argument orders, which differ: p_center(cost, p, *,
    weights=), p_median(cost, weights, p), mclp(cost, weights, radius, p), lscp(cost,
    radius). An analyst writing p_center(cost, w, p=2) got Python's bare TypeError
    ('got multiple values for argument'); it is an InputError that says the signature,
    and a Series passed as p says what it got. The calls that fit are unchanged."""
    dist, w = random_instance(7)
    weights = pd.Series(w)
    call = r"call it as p_center\(cost, p, \*, weights=None"
    with pytest.raises(InputError, match=r"multiple values for argument 'p'.*" + call):
        p_center(dist, weights, p=2)
    with pytest.raises(InputError, match=r"got Series of 9 values \(weights\?\).*" + call):
        p_center(dist, weights)
    with pytest.raises(InputError, match=r"missing .*'p'.*p_median\(cost, weights, p, \*"):
        p_median(dist, 2)  # type: ignore[call-arg]
    with pytest.raises(InputError, match=r"mclp\(cost, weights, radius, p, \*"):
        mclp(dist, w, 2)  # type: ignore[call-arg]
    with pytest.raises(InputError, match=r"lscp\(cost, radius, \*, required"):
        lscp(dist, 60.0, 3)  # type: ignore[misc]
    best = min(dist[:, list(c)].min(axis=1).max() for c in combos(6, 2))
    for result in (p_center(dist, 2, weights=weights), p_center(cost=dist, p=2)):
        assert result.objective == pytest.approx(best)


@pytest.mark.timing
def test_lscp_starts_no_cover_search_past_its_time_limit_and_counts_its_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On 200 demand points x 40 sites of random costs (a hard set cover, the bounds
    prove 5 sites and the cover has 7), lscp(time_limit_s=1) took 7.2 s: the local
    search ran three more times after the deadline, 2.3 s each, and stats.solve_s said
    0.02 s, the MIP's alone. No run starts after the deadline now, and the stats count
    the bounds' and the search's seconds."""
    import siting.locate.covering as covering

    rng = np.random.default_rng(0)
    dist = rng.uniform(0.0, 3000.0, (200, 40))
    lscp(dist, 1000.0, time_limit_s=0.1)  # compile the search before the clock starts
    starts: list[float] = []
    search = covering.weighted_cover_search

    def timed(*args: object, **kwargs: object) -> np.ndarray:
        starts.append(time.perf_counter())
        return search(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(covering, "weighted_cover_search", timed)
    began = time.perf_counter()
    result = lscp(dist, 1000.0, time_limit_s=1.0)
    wall = time.perf_counter() - began
    assert result.status is Status.FEASIBLE and result.objective is not None
    assert starts and max(starts) - began <= 1.0 + 0.05
    assert result.stats.build_s + result.stats.solve_s >= 0.8 * wall


def test_capacitated_models_in_another_order_are_refused_with_the_signature() -> None:
    """capacitated_p_median(cost, weights, p, capacity) and capacitated_lscp(cost,
    weights, radius, capacity) put the capacity fourth. An analyst writing
    capacitated_p_median(cost, w, capacity, p=4), as a capacity-first API would, got
    Python's bare TypeError ('got multiple values for argument 'p''), as the four other
    models did before they said their signature; now the same InputError."""
    dist, w = random_instance(7)
    capacity = np.full(dist.shape[1], w.sum())  # a site may serve everyone
    call = r"call it as capacitated_p_median\(cost, weights, p, capacity, \*"
    with pytest.raises(InputError, match=r"multiple values for argument 'p'.*" + call):
        capacitated_p_median(dist, w, capacity, p=2)  # type: ignore[misc]
    call = r"call it as capacitated_lscp\(cost, weights, radius, capacity, \*"
    with pytest.raises(InputError, match=r"missing .*'capacity'.*" + call):
        capacitated_lscp(dist, w, radius=80.0)  # type: ignore[call-arg]
    # the calls that fit are unchanged: capacities that bind nothing give the brute-force
    # p-median
    best = min((w * dist[:, list(c)].min(axis=1)).sum() for c in combos(6, 2))
    assert capacitated_p_median(dist, w, 2, capacity).objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [1, 2, 3])
def test_mclp_brute_force(seed: int, p: int) -> None:
    dist, w = random_instance(seed)
    covers = dist <= 40.0
    best = max(w[covers[:, list(c)].any(axis=1)].sum() for c in combos(6, p))
    result = mclp(dist, w, 40.0, p)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best)
    assert result.bound is not None
    assert result.bound >= best - 1e-6


def test_mclp_required_and_cbc() -> None:
    dist, w = random_instance(11)
    covers = dist <= 40.0
    best = max(w[covers[:, list(c)].any(axis=1)].sum() for c in combos(6, 2, (5,)))
    for solver in ("highs", "cbc"):
        result = mclp(dist, w, 40.0, 2, required=[5], solver=solver)
        assert result.status is Status.OPTIMAL
        assert 5 in result.selected
        assert result.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
def test_lscp_brute_force(seed: int) -> None:
    dist, _ = random_instance(seed)
    radius = float(dist.min(axis=1).max()) + 5.0
    covers = dist <= radius
    best = next(
        k for k in range(1, 7) if any(covers[:, list(c)].any(axis=1).all() for c in combos(6, k))
    )
    for solver in ("highs", "cbc"):
        result = lscp(dist, radius, solver=solver)
        assert result.status is Status.OPTIMAL
        assert result.objective == best
        assert covers[:, list(result.selected)].any(axis=1).all()


@pytest.mark.parametrize("k", [5, 7, 9])
def test_lscp_integral_objective_is_optimal(k: int) -> None:
    # an odd cycle: site j covers points j and j + 1, so the LP bound is k / 2 and the
    # optimum (k + 1) / 2; a stop less than 1 above the bound must still read as optimal
    dist = np.full((k, k), 10.0)
    for j in range(k):
        dist[j, j] = dist[(j + 1) % k, j] = 1.0
    covers = dist <= 2.0
    best = next(
        n
        for n in range(1, k + 1)
        if any(covers[:, list(c)].any(axis=1).all() for c in combos(k, n))
    )
    assert best == (k + 1) // 2
    result = lscp(dist, 2.0)
    assert result.status is Status.OPTIMAL
    assert result.objective == best
    assert result.bound == best
    assert result.gap == 0.0
    assert covers[:, list(result.selected)].any(axis=1).all()


@pytest.mark.parametrize("seed", range(6))
def test_lscp_essential_sites_brute_force(seed: int) -> None:
    # a small radius leaves points that a single site covers: those sites are fixed open
    dist, _ = random_instance(seed, n=10, m=7)
    radius = float(dist.min(axis=1).max()) + 1.0
    covers = dist <= radius
    best = next(
        n for n in range(1, 8) if any(covers[:, list(c)].any(axis=1).all() for c in combos(7, n))
    )
    for required in ([], [int(np.argmax(covers.sum(axis=0)))]):
        forced = next(
            n
            for n in range(1, 8)
            if any(covers[:, list(c)].any(axis=1).all() for c in combos(7, n, tuple(required)))
        )
        result = lscp(dist, radius, required=required)
        assert result.status is Status.OPTIMAL
        assert result.objective == (forced if required else best)
        assert set(required) <= set(result.selected)
        assert covers[:, list(result.selected)].any(axis=1).all()


def test_lscp_uncoverable_raises() -> None:
    dist = np.array([[1.0, 2.0], [50.0, 60.0]])
    with pytest.raises(InputError, match="no site within"):
        lscp(dist, 10.0)


def transport_cost(dist: np.ndarray, w: np.ndarray, cap: np.ndarray, sites: list[int]) -> float:
    """Split-assignment cost for fixed open sites, as an LP solved by scipy."""
    n, k = len(w), len(sites)
    sub = dist[:, sites].ravel()
    reachable = np.isfinite(sub)
    c = np.where(reachable, np.repeat(w, k) * np.where(reachable, sub, 0.0), 0.0)
    bounds = [(0.0, 1.0 if ok else 0.0) for ok in reachable]
    a_eq = np.kron(np.eye(n), np.ones(k))
    a_ub = np.zeros((k, n * k))
    for i in range(n):
        a_ub[:, i * k : (i + 1) * k] = np.eye(k) * w[i]
    res = linprog(c, A_ub=a_ub, b_ub=cap[sites], A_eq=a_eq, b_eq=np.ones(n), bounds=bounds)
    return float(res.fun) if res.status == 0 else math.inf


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_p_median_brute_force(seed: int) -> None:
    dist, w = random_instance(seed, n=8, m=5)
    cap = np.full(5, w.sum() * 0.4)
    best = min(transport_cost(dist, w, cap, list(c)) for c in combos(5, 3))
    result = capacitated_p_median(dist, w, 3, cap)
    assert result.status is Status.OPTIMAL
    assert result.objective == pytest.approx(best, rel=1e-6)
    served = result.assignment.groupby("site_id")["weight"].sum()
    assert (served <= cap[0] + 1e-6).all()
    assert result.assignment.groupby("demand_id")["share"].sum().to_numpy() == pytest.approx(1.0)


@pytest.mark.parametrize("share", [0.55, 0.7])
def test_capacitated_p_median_single_source(share: float) -> None:
    dist, w = random_instance(3, n=6, m=4)
    cap = np.full(4, w.sum() * share)
    best = math.inf
    for assign in itertools.product(range(4), repeat=6):
        if len(set(assign)) > 2:
            continue
        load = np.bincount(assign, weights=w, minlength=4)
        if (load <= cap).all():
            best = min(best, float(sum(w[i] * dist[i, j] for i, j in enumerate(assign))))
    result = capacitated_p_median(dist, w, 2, cap, single_source=True)
    if math.isinf(best):
        assert result.status is Status.INFEASIBLE
        assert result.objective is None
    else:
        assert result.status is Status.OPTIMAL
        assert result.objective == pytest.approx(best)
        assert result.assignment["share"].to_numpy() == pytest.approx(1.0)


def test_capacitated_p_median_short_capacity_raises() -> None:
    dist, w = random_instance(0, n=6, m=4)
    with pytest.raises(InputError, match="less than the demand"):
        capacitated_p_median(dist, w, 2, np.full(4, w.sum() / 3))


@pytest.mark.parametrize("seed", range(3))
def test_capacitated_lscp_brute_force(seed: int) -> None:
    dist, w = random_instance(seed, n=8, m=5)
    radius = float(dist.min(axis=1).max()) + 20.0
    allowed = np.where(dist <= radius, dist, np.inf)
    cap = np.full(5, w.sum() * 0.45)
    best = next(
        k
        for k in range(1, 6)
        if any(math.isfinite(transport_cost(allowed, w, cap, list(c))) for c in combos(5, k))
    )
    result = capacitated_lscp(dist, w, radius, cap)
    assert result.status is Status.OPTIMAL
    assert result.objective == best


# ------------------------------------------------------------------ inputs & ids


def test_labelled_and_sparse_inputs() -> None:
    dist, w = random_instance(5)
    frame = pd.DataFrame(dist, index=[f"d{i}" for i in range(9)], columns=list("abcdef"))
    result = p_median(frame, pd.Series(w, index=frame.index), 2, required=["c"])
    assert "c" in result.selected
    assert set(result.assignment.index) == set(frame.index)
    assert set(result.assignment) <= set(result.selected)
    # sparse: missing entries are unreachable
    masked = np.where(dist <= 60, dist, 0.0)
    sparse = sp.csr_array(masked)
    unreachable = np.where(dist <= 60, dist, np.inf)
    best = min(
        (w * unreachable[:, list(c)].min(axis=1)).sum()
        for c in combos(6, 3)
        if np.isfinite(unreachable[:, list(c)].min(axis=1)).all()
    )
    assert p_median(sparse, w, 3).objective == pytest.approx(best)


def test_bad_inputs_collected() -> None:
    with pytest.raises(InputError, match="negative"):
        p_median(np.array([[-1.0, 2.0]]), None, 1)
    with pytest.raises(InputError, match="between 1"):
        p_median(np.ones((3, 2)), None, 3)
    with pytest.raises(InputError, match="not columns"):
        mclp(np.ones((3, 2)), None, 1.0, 1, required=[7])
    with pytest.raises(InputError, match="reach no site"):
        p_median(np.array([[1.0, 2.0], [np.inf, np.inf]]), None, 1)


@pytest.mark.parametrize("radius", ["400", None, -1.0, math.nan, math.inf, True])
def test_a_radius_that_is_not_a_cost_is_named(radius: object) -> None:
    # "400" (read from a settings file) was TypeError: must be real number, not str
    cost = np.array([[100.0, 500.0], [450.0, 50.0]])
    for call in (
        lambda: lscp(cost, radius),  # type: ignore[arg-type]
        lambda: mclp(cost, None, radius, 1),  # type: ignore[arg-type]
        lambda: capacitated_lscp(cost, None, radius, 5.0),  # type: ignore[arg-type]
    ):
        with pytest.raises(InputError, match=f"radius must be a finite cost.*got {radius!r}"):
            call()
    assert lscp(cost, np.float32(450)).selected == (0,)


def test_inputs_not_mutated() -> None:
    dist, w = random_instance(1)
    dist[0, 0] = np.nan
    before, wbefore = dist.copy(), w.copy()
    p_median(dist, w, 2)
    np.testing.assert_array_equal(dist, before)
    np.testing.assert_array_equal(w, wbefore)


# ------------------------------------------------------------------ honest status


def test_time_limit_never_claims_optimal() -> None:
    rng = np.random.default_rng(0)
    dist = np.hypot(*(rng.uniform(0, 1, (600, 1, 2)) - rng.uniform(0, 1, (1, 120, 2))).T).T
    result = p_median(dist, None, 10, time_limit_s=0.05, initial_depth=120)
    if result.status is Status.OPTIMAL:
        assert result.gap is not None
        assert result.gap <= 1e-4
    else:
        assert result.status in (Status.FEASIBLE, Status.TIMED_OUT)
    if result.status is Status.FEASIBLE:
        assert result.objective is not None
        assert result.bound is None or result.bound <= result.objective + 1e-6
        recomputed = dist[:, list(result.selected)].min(axis=1).sum()
        assert recomputed == pytest.approx(result.objective)


def test_read_status_is_honest() -> None:
    ms = highspy.HighsModelStatus
    assert _read_status(ms.kOptimal, True, 0.0, 1e-4) is Status.OPTIMAL
    assert _read_status(ms.kOptimal, True, 0.05, 1e-4) is Status.FEASIBLE
    assert _read_status(ms.kTimeLimit, True, 0.05, 1e-4) is Status.FEASIBLE
    assert _read_status(ms.kTimeLimit, False, None, 1e-4) is Status.TIMED_OUT
    assert _read_status(ms.kInfeasible, False, None, 1e-4) is Status.INFEASIBLE


def test_solve_mip_knapsack_and_infeasible() -> None:
    # max 5a + 4b + 3c  s.t. 2a + 3b + c <= 5, binary: best a + c + ... brute force
    values, sizes = np.array([5.0, 4.0, 3.0]), np.array([2.0, 3.0, 1.0])
    best = max(
        values @ np.array(x)
        for x in itertools.product([0, 1], repeat=3)
        if sizes @ np.array(x) <= 5
    )
    sol = solve_mip(
        values, sp.csr_array(sizes[None, :]), -np.inf, 5.0, 0.0, 1.0, [1, 1, 1], sense="max"
    )
    assert sol.stats.status is Status.OPTIMAL
    assert sol.stats.objective == pytest.approx(best)
    assert sol.x is not None
    assert values @ np.round(sol.x) == pytest.approx(best)
    infeasible = solve_mip([1.0], sp.csr_array([[1.0]]), 2.0, 3.0, 0.0, 1.0, [1])
    assert infeasible.stats.status is Status.INFEASIBLE
    assert infeasible.x is None


# ------------------------------------------------------------------ geodataframes


def test_cost_from_geodataframes() -> None:
    demand = gpd.GeoDataFrame(
        {"area_id": ["a", "b"]}, geometry=[Point(0, 0), Point(3, 4)], crs="EPSG:32648"
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["s1", "s2"]}, geometry=[Point(0, 0), Point(6, 8)], crs="EPSG:32648"
    )
    cost = cost_from_geodataframes(demand, sites, demand_id="area_id", site_id="site_id")
    expected = pd.DataFrame(
        [[0.0, 10.0], [5.0, 5.0]],
        index=pd.Index(["a", "b"], name="demand_id"),
        columns=pd.Index(["s1", "s2"], name="site_id"),
    )
    pd.testing.assert_frame_equal(cost, expected)
    assert lscp(cost, 5.0).selected == ("s1",)
    with pytest.raises(InputError, match="geographic"):
        cost_from_geodataframes(demand.to_crs("EPSG:4326"), sites.to_crs("EPSG:4326"))


def guangyuan_points() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, np.ndarray]:
    """Four homes and three sites within 2 km of Guangyuan's city government (EPSG:4326),
    with their geodesic distances in metres."""
    lon = np.array([105.843, 105.851, 105.838, 105.860])
    lat = np.array([32.435, 32.441, 32.429, 32.432])
    homes = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(lon, lat), index=["h1", "h2", "h3", "h4"], crs=4326
    )
    sites = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(lon[:3] + 0.003, lat[:3]), index=["s1", "s2", "s3"], crs=4326
    )
    geod = pyproj.Geod(ellps="GRS80")
    true = np.array(
        [[geod.inv(a.x, a.y, b.x, b.y)[2] for b in sites.geometry] for a in homes.geometry]
    )
    return homes, sites, true


@pytest.mark.parametrize("epsg", [4544, 4523, 32648])
def test_cost_from_geodataframes_in_the_local_zone_is_metres(epsg: int) -> None:
    homes, sites, true = guangyuan_points()
    cost = cost_from_geodataframes(homes.to_crs(epsg), sites.to_crs(epsg))
    np.testing.assert_allclose(cost.to_numpy(), true, rtol=1e-3)


@pytest.mark.parametrize(("epsg", "stretch"), [(3857, "18.5%"), (4513, "11.0%")])
def test_cost_from_geodataframes_refuses_a_crs_that_stretches_distances(
    epsg: int, stretch: str
) -> None:
    # Web Mercator measures a 300 m walk at Guangyuan (32.4°N) as 355 "metres", and the
    # Gauss–Krüger zone of 75°E (EPSG:4513) as 333: a radius of 300 would silently reach
    # 253 m or 270 m
    homes, sites, _ = guangyuan_points()
    with pytest.raises(InputError, match=f"stretches distances by {stretch}.*EPSG:4544"):
        cost_from_geodataframes(homes.to_crs(epsg), sites.to_crs(epsg))


def test_cost_from_geodataframes_keeps_an_analysts_ids() -> None:
    # blocks summed by district and block number (a MultiIndex after a groupby) and three
    # sites given as a GeoSeries; the ids were flattened to tuples, so result.assignment.loc["y"]
    # was a KeyError and joining the assignment back to the blocks a ValueError
    blocks = gpd.GeoDataFrame(
        {"district": ["x", "x", "y", "y"], "block": [1, 2, 1, 2], "pop": [10.0, 20.0, 30.0, 40.0]},
        geometry=[Point(0, 0), Point(100, 0), Point(1000, 0), Point(1100, 0)],
        crs="EPSG:4544",
    )
    by_block = blocks.dissolve(["district", "block"], aggfunc="sum")
    sites = gpd.GeoSeries([Point(50, 0), Point(1050, 0), Point(500, 0)], crs="EPSG:4544")
    cost = cost_from_geodataframes(by_block, sites)
    pd.testing.assert_index_equal(cost.index, by_block.index)
    result = p_median(cost, by_block["pop"], 2)
    assert result.selected == (0, 1)
    assert result.objective == pytest.approx(50 * (10 + 20 + 30 + 40))
    assert result.assignment.loc["y"].tolist() == [1, 1]
    assert by_block.join(result.assignment)["site_id"].tolist() == [0, 0, 1, 1]


def test_cost_from_geodataframes_refuses_ids_that_repeat() -> None:
    # a frame concatenated from two without ignore_index: the model said only "demand ids
    # (cost index) are not unique", naming neither the ids nor the frame nor the fix
    homes = gpd.GeoDataFrame(geometry=[Point(0, 0), Point(1, 0)], crs="EPSG:4544")
    both = pd.concat([homes, homes])
    sites = gpd.GeoDataFrame(
        {"code": ["s", "s"]}, geometry=[Point(0, 0), Point(5, 0)], crs="EPSG:4544"
    )
    with pytest.raises(InputError) as caught:
        cost_from_geodataframes(both, sites, site_id="code")
    message = str(caught.value)
    assert "the ids of demand (the index) repeat (ids: 0, 1). Fix:" in message
    assert "demand.reset_index(drop=True)" in message
    assert "column 'code': the ids of sites (column 'code') repeat (ids: s)" in message


# ------------------------------------------- set covering: bounds and local search


def cover_instance(seed: int, n: int = 30, m: int = 14) -> np.ndarray:
    """A random 0/1 covering matrix in which every row has a site."""
    rng = np.random.default_rng(seed)
    cov = rng.random((n, m)) < 0.25
    cov[np.arange(n), rng.integers(0, m, n)] = True
    return cov


def smallest_cover(cov: np.ndarray, required: tuple[int, ...] = ()) -> int:
    m = cov.shape[1]
    return next(
        k
        for k in range(1, m + 1)
        if any(cov[:, list(c)].any(axis=1).all() for c in combos(m, k, required))
    )


def affine_plane_lines() -> np.ndarray:
    """The 12 lines (rows) × 9 points of AG(2, 3): a covering matrix with LP bound 3, optimum 5."""
    points = [(x, y) for x in range(3) for y in range(3)]
    lines = set()
    for a, b in itertools.combinations(range(9), 2):
        (x1, y1), (x2, y2) = points[a], points[b]
        c = points.index(((-x1 - x2) % 3, (-y1 - y2) % 3))
        lines.add(tuple(sorted((a, b, c))))
    cov = np.zeros((len(lines), 9), dtype=bool)
    for i, line in enumerate(sorted(lines)):
        cov[i, list(line)] = True
    return cov


def test_lagrangian_bound_is_a_lower_bound() -> None:
    from siting.locate.bounds import CoverRelaxation, lagrangian_bound

    rng = np.random.default_rng(5)
    for seed in range(12):
        cov = cover_instance(seed, n=12, m=8)
        best = smallest_cover(cov)
        n, m = cov.shape
        a = sp.csr_array(cov.astype(float))
        for _ in range(20):  # any multipliers give a valid bound
            u = rng.uniform(-0.2, 1.0, n)
            assert lagrangian_bound(a, u, np.zeros(m), np.ones(m)) <= best + 1e-9
        # the LP duals give the LP value (checked against scipy's LP)
        relax = CoverRelaxation(cov, np.zeros(m))
        lp = linprog(np.ones(m), A_ub=-cov.astype(float), b_ub=-np.ones(n), bounds=(0, 1))
        assert relax.root == pytest.approx(lp.fun, abs=1e-7)
        assert relax.root <= best + 1e-9
        # with a site fixed open, the bound holds for covers containing that site
        for k in range(m):
            with_k = min(
                (
                    len(c)
                    for size in range(1, m + 1)
                    for c in combos(m, size, (k,))
                    if cov[:, list(c)].any(axis=1).all()
                ),
            )
            assert relax.open_bound(k) <= with_k + 1e-9


def test_no_cover_of_size_never_excludes_a_cover() -> None:
    from siting.locate.bounds import CoverRelaxation, no_cover_of_size

    by_branching = 0
    for seed in range(40):
        cov = cover_instance(seed)
        best = smallest_cover(cov)
        relax = CoverRelaxation(cov, np.zeros(cov.shape[1]))
        for size in range(best, cov.shape[1] + 1):
            assert not no_cover_of_size(relax, size)
        if no_cover_of_size(relax, best - 1) and relax.root <= best - 1:
            by_branching += 1  # proven only by row branching, not by the root bound
    assert by_branching >= 3
    # required sites: bounds are on covers that contain them
    for seed in range(10):
        cov = cover_instance(seed, n=20, m=10)
        lower = np.zeros(10)
        lower[[0, 1]] = 1.0
        best = smallest_cover(cov, (0, 1))
        relax = CoverRelaxation(cov, lower)
        assert relax.root <= best + 1e-9
        assert not no_cover_of_size(relax, best)


def test_weighted_cover_search_brute_force() -> None:
    from siting.locate.heuristics import greedy_cover, weighted_cover_search

    for seed in range(10):
        cov = cover_instance(seed)
        best = smallest_cover(cov)
        start = greedy_cover(cov)
        found = weighted_cover_search(cov, start, target=best, seed=seed)
        assert cov[:, found].any(axis=1).all()
        assert len(found) == best
        # required sites stay open
        forced = weighted_cover_search(cov, np.union1d(start, [3]), required=np.array([3]))
        assert 3 in forced
        assert cov[:, forced].any(axis=1).all()
        assert len(forced) == smallest_cover(cov, (3,))


@pytest.mark.parametrize("seed", [2, 27, 29, 30, 40, 41, 45, 51])
def test_lscp_bounds_brute_force(seed: int) -> None:
    # instances whose optimum is above the rounded-up LP bound: the proof needs row branching
    cov = cover_instance(seed)
    best = smallest_cover(cov)
    n, m = cov.shape
    lp = linprog(np.ones(m), A_ub=-cov.astype(float), b_ub=-np.ones(n), bounds=(0, 1))
    assert math.ceil(lp.fun - 1e-9) < best
    result = lscp(np.where(cov, 1.0, 10.0), 2.0)
    assert result.status is Status.OPTIMAL
    assert result.objective == best
    assert result.bound == best
    assert result.stats.solver.endswith("(LP bounds)")
    assert cov[:, list(result.selected)].any(axis=1).all()


def test_lscp_affine_plane_falls_back_to_the_solver() -> None:
    # LP bound 3, optimum 5: row branching proves 4 sites but not 5, HiGHS finishes
    cov = affine_plane_lines()
    assert smallest_cover(cov) == 5
    result = lscp(np.where(cov, 1.0, 10.0), 2.0)
    assert result.status is Status.OPTIMAL
    assert result.objective == 5
    assert result.bound == 5
    assert "LP bounds" not in result.stats.solver
    assert cov[:, list(result.selected)].any(axis=1).all()


def test_p_median_with_unreachable_pairs_matches_enumeration() -> None:
    """Costs of inf (a site beyond walking reach): 40 random 6 × 5 instances, p = 1..3,
    against every p-subset. An instance no p sites can serve whole is infeasible; the
    search never loops (it did, widening points that had no level left)."""
    rng = np.random.default_rng(11)
    infeasible = 0
    for _ in range(40):
        dist = rng.integers(1, 20, size=(6, 5)).astype(float)
        dist[rng.random((6, 5)) < 0.45] = np.inf
        keep = rng.integers(0, 5, size=6)  # each point reaches one site at least
        dist[np.arange(6), keep] = rng.integers(1, 20, size=6)
        weights = rng.integers(1, 10, size=6).astype(float)
        cost = pd.DataFrame(dist, index=[f"d{i}" for i in range(6)], columns=list("ABCDE"))
        demand = pd.Series(weights, index=cost.index)
        for p in (1, 2, 3):
            best = min(
                float((weights * dist[:, list(c)].min(axis=1)).sum())
                for c in itertools.combinations(range(5), p)
            )
            result = p_median(cost, demand, p=p, time_limit_s=20)
            farthest = min(
                float(dist[:, list(c)].min(axis=1).max())
                for c in itertools.combinations(range(5), p)
            )
            center = p_center(cost, p=p, time_limit_s=20)
            if math.isinf(best):
                infeasible += 1
                assert result.status is Status.INFEASIBLE and result.objective is None
                assert result.bound is None
                # p-center: said optimal with an infinite objective before
                assert center.status is Status.INFEASIBLE and center.objective is None
                assert center.selected == ()
            else:
                assert result.status is Status.OPTIMAL
                assert result.objective == pytest.approx(best)
                assert center.status is Status.OPTIMAL
                assert center.objective == pytest.approx(farthest)
    assert infeasible > 0


def test_p_median_of_points_that_weigh_nothing() -> None:
    """Weight 0 needs no site: all-zero weights cost 0 (an IndexError before), and a point
    of weight 0 that reaches no site is left out as p-center leaves it (an InputError)."""
    cost = pd.DataFrame([[1.0, 2.0], [3.0, 1.0]], index=["a", "b"], columns=["s1", "s2"])
    nothing = p_median(cost, [0.0, 0.0], 1, required=["s2"])
    assert nothing.status is Status.OPTIMAL
    assert (nothing.objective, nothing.bound, nothing.selected) == (0.0, 0.0, ("s2",))
    ghost = pd.DataFrame([[1.0, 2.0], [np.inf, np.inf]], index=["a", "ghost"], columns=["s1", "s2"])
    result = p_median(ghost, pd.Series({"a": 5.0, "ghost": 0.0}), 1)
    assert (result.status, result.objective, result.selected) == (Status.OPTIMAL, 5.0, ("s1",))
    with pytest.raises(InputError, match="reach no site"):
        p_median(ghost, pd.Series({"a": 5.0, "ghost": 1.0}), 1)


def test_one_required_site_may_be_given_alone() -> None:
    """required="s2" was read as the sites 's' and '2' (an InputError naming them)."""
    cost = pd.DataFrame(
        [[1.0, 4.0, 9.0], [9.0, 4.0, 1.0]], index=["a", "b"], columns=["s1", "s2", "s3"]
    )
    free = p_median(cost, None, 1)
    assert free.selected == ("s2",)  # 4 + 4 beats 1 + 9
    with_s2 = p_median(cost, None, 1, required="s2")
    assert (with_s2.selected, with_s2.objective) == (("s2",), 8.0)
    assert p_median(cost, None, 2, required="s1").objective == 2.0  # s1 and s3
    numbered = cost.set_axis([10, 20, 30], axis=1)
    assert p_median(numbered, None, 2, required=np.int64(30)).selected == (10, 30)
