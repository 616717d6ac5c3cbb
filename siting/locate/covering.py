r"""Covering models: location set covering (:func:`lscp`) and maximal covering (:func:`mclp`).

Both read the cost matrix as a cover matrix, :math:`N_i = \{j : d_{ij} \le r\}`,
whose identical rows are merged before the solve; set covering also drops
dominated rows and sites and fixes essential sites (:func:`_reduce_cover`).
Symbols as in :mod:`siting.locate`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Hashable, Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting._values import cost_limit
from siting.errors import InputError
from siting.locate._inputs import (
    _TOL,
    BoolArray,
    CostMatrix,
    FloatArray,
    IntArray,
    Solver,
    _check_p,
    _demand_problem,
    _read_costs,
    _read_required,
    _read_weights,
    called_as,
)
from siting.locate._mip import _open_from, _solve
from siting.locate.bounds import CoverRelaxation, no_cover_of_size
from siting.locate.heuristics import (
    greedy_cover,
    greedy_max_cover,
    improve_cover,
    weighted_cover_search,
)
from siting.locate.result import LocateResult, _result
from siting.mip import highs_version
from siting.status import SolveStats, Status

__all__ = ["lscp", "mclp"]

logger = logging.getLogger(__name__)


def _covers(dist: FloatArray, radius: float) -> BoolArray:
    return np.asarray(dist <= cost_limit(radius, name="radius"), dtype=bool)


def _unique_rows(covers: BoolArray) -> tuple[BoolArray, IntArray]:
    """Distinct cover rows and, for each original row, the index of its distinct row."""
    packed = np.packbits(covers, axis=1)
    _, first, inverse = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    return covers[first], inverse.reshape(-1).astype(np.intp)


def _reduce_cover(rows: BoolArray, req: IntArray) -> tuple[BoolArray, IntArray, IntArray]:
    """Drop dominated rows and columns of a set-covering matrix (distinct rows).

    A row whose cover set contains another row's is implied by it; a site whose
    covered rows are a subset of another site's can be replaced by that site in
    any cover without raising the count (of two equal sites the first is kept).
    A row that a single remaining site covers fixes that site open (an
    essential site): the site and every row it covers leave the model. Required
    sites are never dropped. Repeated until nothing changes.

    Returns
    -------
    tuple
        The kept rows restricted to the kept columns, the kept column positions,
        and the positions of the essential sites fixed open (not in the kept columns).
    """
    m = rows.shape[1]
    cols = np.arange(m, dtype=np.intp)
    essential: list[int] = []
    if len(rows) == 0 or len(rows) > 20_000 or m > 20_000:
        return rows, cols, np.zeros(0, dtype=np.intp)
    protected = np.isin(cols, req)
    while True:
        single = rows.sum(axis=1) == 1
        if single.any():
            fix = np.flatnonzero(rows[single].any(axis=0) & ~protected)
            if len(fix):
                essential.extend(int(j) for j in cols[fix])
                rows = rows[~rows[:, fix].any(axis=1)]
                keep = np.ones(len(cols), dtype=bool)
                keep[fix] = False
                rows, cols, protected = rows[:, keep], cols[keep], protected[keep]
        if len(rows) == 0:
            return rows, cols, np.asarray(sorted(essential), dtype=np.intp)
        r = rows.astype(np.float32)
        size = r.sum(axis=1)
        inter = r @ r.T
        within = inter >= size[:, None] - 0.5  # within[a, b]: row a's sites are in row b's
        np.fill_diagonal(within, False)
        before = np.arange(len(rows))[:, None] < np.arange(len(rows))[None, :]
        redundant = (within & (~within.T | before)).any(axis=0)  # of equal rows keep the first
        rows = rows[~redundant]
        r = rows.astype(np.float32)
        inside = r.T @ r  # inside[j, k] = rows covered by both j and k
        count = r.sum(axis=0)
        subset = inside >= count[:, None] - 0.5
        np.fill_diagonal(subset, False)
        k = len(cols)
        earlier = np.arange(k)[:, None] > np.arange(k)[None, :]
        dominated = (subset & (~subset.T | earlier)).any(axis=1) & ~protected
        if not dominated.any() and not redundant.any():  # fixing sites makes no new singles
            return rows, cols, np.asarray(sorted(essential), dtype=np.intp)
        rows = rows[:, ~dominated]
        cols = cols[~dominated]
        protected = protected[~dominated]


_LSCP_CALL = "lscp(cost, radius, *, required=None, ...)"


@called_as(_LSCP_CALL)
def lscp(
    cost: CostMatrix,
    radius: float,
    *,
    required: Iterable[Hashable] | None = None,
    solver: Solver = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
) -> LocateResult:
    r"""Location set covering: the fewest sites that cover every demand point.

    Called as ``lscp(cost, radius, *, required=None, ...)`` (spopt's
    ``LSCP.from_cost_matrix(cost_matrix, service_radius)``).

    .. math::

        \min \sum_j y_j \quad\text{s.t.}\quad
        \sum_{j \in N_i} y_j \ge 1 \;\forall i, \qquad
        y_j = 1 \;\forall j \in R, \qquad y_j \in \{0, 1\}

    Identical and dominated demand rows, dominated sites and essential sites
    (the only site of some row) are reduced away first. With HiGHS, a greedy
    cover improved by row-weighting local search is the incumbent, and
    Lagrangian bounds of LP relaxations, raised by row branching, often prove
    it optimal without a MIP solve (:mod:`siting.locate.bounds`); otherwise the
    MIP solver starts from it.

    Parameters
    ----------
    cost
        Demand × site cost matrix.
    radius
        Largest cost at which a site covers a demand point (same unit as ``cost``).
    required
        Ids of sites that must be open.
    solver
        ``"highs"`` (default) or ``"cbc"``.
    time_limit_s
        Wall-clock limit for the solver.
    gap
        Relative optimality gap (default ``1e-4``; the objective is a count).

    Returns
    -------
    LocateResult
        ``objective`` is the number of open sites.

    Raises
    ------
    InputError
        If some demand point has no site within ``radius``.
    """
    t0 = time.perf_counter()
    costs = _read_costs(cost)
    req = _read_required(required, costs)
    covers = _covers(costs.dist, radius)
    uncoverable = ~covers.any(axis=1)
    if uncoverable.any():
        raise InputError(
            [
                _demand_problem(
                    uncoverable,
                    costs,
                    f"have no site within {radius}",
                    fix="raise the radius, add candidate sites or use mclp",
                )
            ]
        )
    m = covers.shape[1]
    rows = covers
    if len(req):
        rows = rows[~covers[:, req].any(axis=1)]
    rows, _ = _unique_rows(rows) if len(rows) else (rows, np.zeros(0, dtype=np.intp))
    rows, cols, essential = _reduce_cover(rows, req)
    req_in = np.flatnonzero(np.isin(cols, req))
    start_sites = improve_cover(
        rows, greedy_cover(rows, required=req_in), required=req_in, max_moves=0
    )
    cl = np.isin(cols, req).astype(np.float64)
    m = len(cols)
    build_s = time.perf_counter() - t0
    logger.debug(
        "lscp: %d rows, %d columns after reduction, %d essential sites, start %d sites",
        rows.shape[0],
        m,
        len(essential),
        len(start_sites) + len(essential),
    )
    if rows.shape[0] == 0:
        fixed = np.union1d(req, essential).astype(np.intp)
        return _result(
            "lscp",
            costs,
            fixed,
            [],
            status=Status.OPTIMAL,
            objective=float(len(fixed)),
            bound=float(len(fixed)),
            build_s=build_s,
        )
    proven = 0  # a proven lower bound on the sites of the reduced model
    parts: list[SolveStats] = []
    if solver == "highs":
        began = time.perf_counter()
        deadline = None if time_limit_s is None else t0 + float(time_limit_s)
        start_sites, proven, lps = _cover_by_bounds(rows, cl, start_sites, req_in, deadline)
        solve_s = time.perf_counter() - began
        logger.debug(
            "lscp: bounds prove at least %d sites (%d LPs), cover of %d in %.2f s",
            proven,
            lps,
            len(start_sites),
            solve_s,
        )
        if proven >= len(start_sites):
            count = float(len(start_sites) + len(essential))
            parts.append(
                SolveStats(
                    status=Status.OPTIMAL,
                    objective=count,
                    bound=count,
                    gap=0.0,
                    solver=f"{highs_version()} (LP bounds)",
                    build_s=0.0,
                    solve_s=solve_s,
                    message=(
                        "Optimal (the Lagrangian bound of the LP relaxation meets the cover)"
                        if lps == 1
                        else f"Optimal (Lagrangian bounds of {lps} LP relaxations with row "
                        "branching exclude every smaller cover)"
                    ),
                )
            )
            return _result(
                "lscp",
                costs,
                np.union1d(cols[start_sites], essential).astype(np.intp),
                parts,
                status=Status.OPTIMAL,
                objective=count,
                bound=count,
                build_s=build_s,
            )
        # the bounds' seconds count in the result's stats, as when they prove the cover
        parts.append(
            SolveStats(
                status=Status.FEASIBLE,
                objective=float(len(start_sites) + len(essential)),
                bound=float(proven + len(essential)),
                gap=None,
                solver=f"{highs_version()} (LP bounds)",
                build_s=0.0,
                solve_s=solve_s,
                message=f"a cover of {len(start_sites) + len(essential)} sites, at least "
                f"{proven + len(essential)} proven by {lps} LP relaxations",
            )
        )
        if time_limit_s is not None:
            time_limit_s = max(float(time_limit_s) - (time.perf_counter() - t0), 0.0)
    start = np.zeros(m)
    start[start_sites] = 1.0
    # The proven count is not given to HiGHS as a row: on a 4,000 x 400 instance that
    # row doubled the MIP time (38 s against 18 s); it only enters the reported bound.
    A = sp.csc_array(rows.astype(np.float64))  # noqa: N806
    sol = _solve(
        np.ones(m),
        A,
        np.ones(A.shape[0]),
        np.full(A.shape[0], np.inf),
        cl,
        np.ones(m),
        np.ones(m, dtype=bool),
        solver=solver,
        offset=float(len(essential)),
        time_limit_s=time_limit_s,
        gap=gap,
        start=start,
        # The count is an integer: an incumbent less than 1 above the bound is optimal.
        options={"mip_abs_gap": 1.0 - 1e-3},
    )
    open_sites = None if sol.x is None else np.union1d(cols[_open_from(sol.x, m)], essential)
    objective = None if open_sites is None else float(len(open_sites))
    stats = sol.stats
    bound = stats.bound
    if proven > 0:
        bound = max(bound if bound is not None else -math.inf, float(proven + len(essential)))
    if bound is not None:
        bound = float(math.ceil(bound - _TOL))  # the count is an integer
        if objective is not None and bound >= objective and stats.status is Status.FEASIBLE:
            # HiGHS proved the bound; rounded up, it meets the incumbent
            stats = dataclasses.replace(
                stats,
                status=Status.OPTIMAL,
                bound=bound,
                gap=0.0,
                message=f"{stats.message.split(' (')[0]} (integral objective meets the bound)",
            )
    return _result(
        "lscp",
        costs,
        open_sites,
        [*parts, stats],
        status=stats.status,
        objective=objective,
        bound=bound,
        build_s=build_s,
    )


def _cover_by_bounds(
    rows: BoolArray,
    lower: FloatArray,
    start_sites: IntArray,
    required: IntArray,
    deadline: float | None,
    *,
    max_moves: int = 100_000,
    restarts: int = 3,
) -> tuple[IntArray, int, int]:
    """A small cover and a proven lower bound on the size of every cover.

    The bound starts at the rounded-up Lagrangian bound of the LP relaxation,
    and a row-weighting local search (:func:`weighted_cover_search`) looks for
    a cover of that size. While the bound is below the incumbent, row
    branching (:func:`no_cover_of_size`) tries to exclude covers of exactly
    the bound's size; each success raises the bound by one and the search
    looks again. The bound is proven whatever the local search finds: when
    the two meet, the cover is optimal. Otherwise the caller hands both to
    the MIP solver.

    Parameters
    ----------
    rows
        Covering matrix of the reduced model (every row has a site).
    lower
        Lower bound of each site variable (1 for required sites).
    start_sites
        A cover (containing ``required``).
    required
        Positions of the required sites.
    deadline
        ``time.perf_counter()`` value after which no more bounds are tried.
    max_moves, restarts
        Steps of each run of the local search, and runs for each target size.

    Returns
    -------
    tuple
        The best cover found, the proven lower bound on the number of its sites,
        and the number of LPs solved.
    """
    relax = CoverRelaxation(rows, lower)
    proven = max(math.ceil(relax.root - _TOL), 0)
    best = np.asarray(start_sites, dtype=np.intp)

    def search(cover: IntArray, steps: int, runs: int) -> IntArray:
        for attempt in range(runs):  # restarts from the best cover, new random draws
            if len(cover) <= proven:
                break
            # a run takes seconds on a hard instance (2.3 s for 200 x 40 random costs):
            # none starts past the deadline, which three runs overshot by 6 s
            if deadline is not None and time.perf_counter() > deadline:
                break
            cover = weighted_cover_search(
                rows, cover, target=proven, required=required, max_iter=steps, seed=attempt
            )
        return cover

    # a short search and a few LPs first: most instances need only one of the two
    for steps, runs, lps in ((max_moves // 5, 1, 12), (max_moves, restarts, 120)):
        best = search(best, steps, runs)
        while proven < len(best):
            if deadline is not None and time.perf_counter() > deadline:
                break
            if not no_cover_of_size(relax, proven, deadline=deadline, max_lps=lps):
                break
            proven += 1
            best = search(best, steps, runs)
        if proven >= len(best) or (deadline is not None and time.perf_counter() > deadline):
            break
    return best, proven, relax.lps


_MCLP_CALL = "mclp(cost, weights, radius, p, *, required=None, ...)"


@called_as(_MCLP_CALL)
def mclp(
    cost: CostMatrix,
    weights: npt.ArrayLike | pd.Series | None,
    radius: float,
    p: int,
    *,
    required: Iterable[Hashable] | None = None,
    solver: Solver = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
) -> LocateResult:
    r"""Maximal covering: open ``p`` sites covering the most demand weight.

    Called as ``mclp(cost, weights, radius, p, *, required=None, ...)`` (spopt's
    ``MCLP.from_cost_matrix(cost_matrix, weights, service_radius, p_facilities)``).

    .. math::

        \max \sum_i w_i z_i \quad\text{s.t.}\quad
        z_i \le \sum_{j \in N_i} y_j, \quad \sum_j y_j = p, \quad
        y_R = 1, \quad 0 \le z_i \le 1, \; y \in \{0,1\}

    Demand points with identical cover sets are merged (weights summed) and
    points no site covers are dropped before the solve; a greedy solution is
    the first incumbent.

    Parameters
    ----------
    cost
        Demand × site cost matrix.
    weights
        Demand weights; ``None`` means 1 each.
    radius
        Largest cost at which a site covers a demand point.
    p
        Number of sites to open (required sites count).
    required
        Ids of sites that must be open.
    solver, time_limit_s, gap
        As in :func:`lscp`.

    Returns
    -------
    LocateResult
        ``objective`` is the covered weight; ``assignment`` maps uncovered
        demand to ``None``.
    """
    t0 = time.perf_counter()
    costs = _read_costs(cost)
    w = _read_weights(weights, costs)
    req = _read_required(required, costs)
    _check_p(p, costs, req, signature=_MCLP_CALL)
    covers = _covers(costs.dist, radius)
    m = covers.shape[1]
    useful = covers.any(axis=1) & (w > 0)
    rows = covers[useful]
    start_sites = greedy_max_cover(covers, w, p, required=req)
    start_y = np.zeros(m)
    start_y[start_sites] = 1.0
    if len(rows):
        rows, inverse = _unique_rows(rows)
        agg_w: FloatArray = np.bincount(inverse, weights=w[useful], minlength=len(rows)).astype(
            np.float64
        )
    else:
        agg_w = np.zeros(0)
    k = len(rows)
    # columns: y (m), z (k); rows: z_i - sum_{N_i} y <= 0 (k), sum y = p
    cov = sp.coo_array(rows.astype(np.float64))
    r_idx = np.concatenate([cov.row, np.arange(k), np.full(m, k)])
    c_idx = np.concatenate([cov.col, m + np.arange(k), np.arange(m)])
    vals = np.concatenate([-np.ones(cov.nnz), np.ones(k), np.ones(m)])
    A = sp.csc_array((vals, (r_idx, c_idx)), shape=(k + 1, m + k))  # noqa: N806
    rl = np.concatenate([np.full(k, -np.inf), [p]])
    ru = np.concatenate([np.zeros(k), [p]])
    cl = np.zeros(m + k)
    cl[req] = 1.0
    cu = np.ones(m + k)
    c = np.concatenate([np.zeros(m), agg_w])
    start = np.concatenate([start_y, (rows[:, start_sites].any(axis=1)).astype(np.float64)])
    integ = np.concatenate([np.ones(m, dtype=bool), np.zeros(k, dtype=bool)])
    build_s = time.perf_counter() - t0
    sol = _solve(
        c,
        A,
        rl,
        ru,
        cl,
        cu,
        integ,
        solver=solver,
        sense="max",
        time_limit_s=time_limit_s,
        gap=gap,
        start=start,
    )
    open_sites = None if sol.x is None else _open_from(sol.x, m)
    objective = None
    if open_sites is not None:
        objective = float(w[covers[:, open_sites].any(axis=1)].sum())
    return _result(
        "mclp",
        costs,
        open_sites,
        [sol.stats],
        status=sol.stats.status,
        objective=objective,
        bound=sol.stats.bound,
        build_s=build_s,
        radius=radius,
    )
