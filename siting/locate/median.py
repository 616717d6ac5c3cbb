r"""The p-median model (:func:`p_median`): radius formulation, Lagrangian bounds and fixing.

Symbols as in :mod:`siting.locate`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting.errors import InputError
from siting.locate._inputs import (
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
from siting.locate.heuristics import p_median_greedy_swap
from siting.locate.result import LocateResult, _result
from siting.mip import PROVEN_GAP, relative_gap
from siting.status import SolveStats, Status

__all__ = ["p_median"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Levels:
    order: IntArray  # n × m site positions sorted by distance
    level: IntArray  # n × m level index of each sorted position
    n_levels: IntArray  # distinct finite levels per demand point
    values: FloatArray  # n × max_levels distance of each level (inf past the end)


def _levels(dist: FloatArray) -> _Levels:
    n, m = dist.shape
    order = np.argsort(dist, axis=1, kind="stable").astype(np.intp)
    ordered = np.take_along_axis(dist, order, axis=1)
    new = np.ones((n, m), dtype=bool)
    new[:, 1:] = ordered[:, 1:] > ordered[:, :-1]
    new &= np.isfinite(ordered)
    level = np.cumsum(new, axis=1) - 1
    n_levels = new.sum(axis=1)
    values = np.full((n, m), np.inf)
    rows, cols = np.nonzero(new)
    values[rows, level[rows, cols]] = ordered[rows, cols]
    return _Levels(order, level.astype(np.intp), n_levels.astype(np.intp), values)


def _radius_model(
    lv: _Levels,
    w: FloatArray,
    depth: IntArray,
    p: int,
    m: int,
) -> tuple[FloatArray, sp.csc_array, FloatArray, FloatArray, FloatArray, float, IntArray]:
    r"""The radius formulation (Elloumi 2010) in chained form, truncated at ``depth`` levels.

    For demand :math:`i` with distinct distances :math:`D_{i0} < D_{i1} < \dots`,
    :math:`z_{ik} = 1` when no open site is closer than :math:`D_{ik}`:

    .. math::

        \min \sum_i w_i \Big(D_{i0} + \sum_{k \ge 1} (D_{ik} - D_{i,k-1}) z_{ik}\Big)
        \quad\text{s.t.}\quad
        z_{i,k+1} \ge z_{ik} - \sum_{j : d_{ij} = D_{ik}} y_j, \quad z_{i0} = 1.

    Truncating at ``depth`` levels drops the last terms, a relaxation whose
    value is exact whenever every demand is served within its kept levels.
    """
    n = len(w)
    depth = np.minimum(depth, lv.n_levels)
    full = depth == lv.n_levels
    n_z = depth - 1
    z_start = m + np.concatenate([[0], np.cumsum(n_z)[:-1]]).astype(np.intp)
    total_z = int(n_z.sum())
    n_cols = m + total_z
    # rows per demand: one per kept level except the last, plus a closing row when full
    n_rows_i = n_z + full.astype(np.intp)
    row_start = np.concatenate([[0], np.cumsum(n_rows_i)[:-1]]).astype(np.intp)
    total_rows = int(n_rows_i.sum())

    owner = np.repeat(np.arange(n), n_z)
    z_level = np.arange(total_z) - np.repeat(z_start - m, n_z) + 1
    c = np.zeros(n_cols)
    c[m:] = w[owner] * (lv.values[owner, z_level] - lv.values[owner, z_level - 1])
    offset = float((w * np.where(lv.n_levels > 0, lv.values[:, 0], 0.0)).sum())

    # y_j in row (i, k) for every site at level k < n_rows_i
    in_row = lv.level < n_rows_i[:, None]
    finite_sites = np.isfinite(np.take_along_axis(lv.values, lv.level, axis=1))
    pi, pj = np.nonzero(in_row & finite_sites)
    ry = row_start[pi] + lv.level[pi, pj]
    cy = lv.order[pi, pj]
    # +z_{i,k} in row k-1, -z_{i,k} in row k (when that row exists)
    z_cols = m + np.arange(total_z)
    rz_plus = row_start[owner] + z_level - 1
    has_minus = z_level < n_rows_i[owner]
    rz_minus = (row_start[owner] + z_level)[has_minus]
    rows = np.concatenate([ry, rz_plus, rz_minus, np.full(m, total_rows)])
    cols = np.concatenate([cy, z_cols, z_cols[has_minus], np.arange(m)])
    vals = np.concatenate(
        [np.ones(len(ry)), np.ones(total_z), -np.ones(int(has_minus.sum())), np.ones(m)]
    )
    A = sp.csc_array((vals, (rows, cols)), shape=(total_rows + 1, n_cols))  # noqa: N806
    rl = np.zeros(total_rows + 1)
    rl[row_start[n_rows_i > 0]] = 1.0
    rl[-1] = p
    ru = np.full(total_rows + 1, np.inf)
    ru[-1] = p
    cu = np.concatenate([np.ones(m), np.full(total_z, np.inf)])
    return c, A, rl, ru, cu, offset, depth


def _level_of(lv: _Levels, dist: FloatArray, open_sites: IntArray) -> IntArray:
    """Level index of the nearest open site of every demand point."""
    best = dist[:, open_sites].min(axis=1)
    n = len(best)
    # the level whose distance equals best: count of levels with value < best
    return np.asarray((lv.values < best[:, None] - 0.0).sum(axis=1), dtype=np.intp).reshape(n)


def _radius_start(
    lv: _Levels, depth: IntArray, served: IntArray, open_sites: IntArray, m: int
) -> FloatArray:
    y = np.zeros(m)
    y[open_sites] = 1.0
    parts = [y]
    n_z = depth - 1
    for i in range(len(depth)):
        parts.append((np.arange(1, n_z[i] + 1) <= served[i]).astype(np.float64))
    return np.concatenate(parts)


def _lagrange_bound(
    wd: FloatArray,
    k: int,
    req: IntArray,
    free_idx: IntArray,
    upper: float,
    lam: FloatArray,
    *,
    max_iter: int,
    deadline: float | None,
    primal: list[Any] | None = None,
    dist: FloatArray | None = None,
    w: FloatArray | None = None,
) -> tuple[float, FloatArray, FloatArray, IntArray]:
    """Subgradient ascent on the p-median Lagrangian; ``k`` free sites open beside ``req``.

    Returns the best bound, its multipliers, the site values ``rho`` and the open sites.
    With ``primal = [sites, value]`` (and ``dist``, ``w``), the open sites of every
    step are costed and ``primal`` keeps the best of them.
    """
    if primal is not None and (dist is None or w is None):
        raise ValueError("primal needs dist and w")
    tol = 1e-9 * max(1.0, abs(upper))

    def evaluate(mult: FloatArray) -> tuple[float, FloatArray, IntArray]:
        with np.errstate(invalid="ignore"):
            rho = np.minimum(wd - mult[:, None], 0.0).sum(axis=0)
        chosen = free_idx[np.argpartition(rho[free_idx], k - 1)[:k]] if k > 0 else free_idx[:0]
        opened = np.concatenate([req, chosen]).astype(np.intp)
        return float(mult.sum() + rho[opened].sum()), rho, opened

    best_value, best_lam = -math.inf, lam
    theta, stall = 2.0, 0
    for _ in range(max_iter):
        if deadline is not None and time.perf_counter() > deadline:
            break
        value, _rho, opened = evaluate(lam)
        if primal is not None and dist is not None and w is not None:
            with np.errstate(invalid="ignore"):
                cost = float(np.where(w > 0, w * dist[:, opened].min(axis=1), 0.0).sum())
            if cost < primal[1]:
                primal[0], primal[1] = opened.copy(), cost
                upper = min(upper, cost)
        if value > best_value + tol:
            best_value, best_lam, stall = value, lam, 0
        else:
            stall += 1
            if stall >= 20:
                theta, stall = theta / 2, 0
        if theta < 1e-3 or upper - best_value <= tol:
            break
        g = 1.0 - (wd[:, opened] < lam[:, None]).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        lam = np.maximum(lam + theta * (upper - value) / norm * g, 0.0)
    value, rho, opened = evaluate(best_lam)
    return value, best_lam, rho, opened


def _lagrangian_fixing(
    dist: FloatArray,
    w: FloatArray,
    p: int,
    req: IntArray,
    upper: float,
    incumbent: IntArray,
    *,
    deadline: float | None,
) -> tuple[float, BoolArray, BoolArray, IntArray, float]:
    r"""A Lagrangian lower bound for p-median, a better incumbent, and the sites fixed.

    Relaxing the assignment rows :math:`\sum_j x_{ij} = 1` with multipliers
    :math:`\lambda_i` leaves :math:`L(\lambda) = \sum_i \lambda_i + \min_{|S| = p}
    \sum_{j \in S} \rho_j` with :math:`\rho_j = \sum_i \min(0, w_i d_{ij} - \lambda_i)`,
    maximised by subgradient steps (its maximum is the LP bound). The sites ``S``
    of each step are costed, and the best, improved by vertex substitution, may
    replace the incumbent. Forcing a site open (or closed) changes the bound by a
    swap in the sorted :math:`\rho` (reduced-cost fixing); the sites that survive
    are then probed: the bound is re-optimised with the site forced open (or, for
    the incumbent's sites, closed). When a bound exceeds the incumbent value, no
    solution better than the incumbent opens (or closes) the site, so it is fixed.
    Every bound is valid whatever the multipliers, so none of this depends on
    the subgradient converging.

    Returns
    -------
    tuple
        The best bound, a mask of sites that may stay in the model, a mask of
        sites that must be open, and the incumbent sites and value.
    """
    n, m = dist.shape
    keep = np.ones(m, dtype=bool)
    must = np.zeros(m, dtype=bool)
    free = np.ones(m, dtype=bool)
    free[req] = False
    k = p - len(req)
    if k <= 0 or k >= int(free.sum()) or not math.isfinite(upper):
        return -math.inf, keep, must, incumbent, upper
    wd = w[:, None] * dist  # inf where unreachable: never attractive
    second = np.partition(dist, min(1, m - 1), axis=1)[:, min(1, m - 1)]
    lam = w * (np.min(dist, axis=1) + second) / 2
    lam[~np.isfinite(lam)] = 0.0
    free_idx = np.flatnonzero(free)
    work = max(n * m, 1)
    primal: list[Any] = [incumbent, upper]
    value, lam, rho, opened = _lagrange_bound(
        wd, k, req, free_idx, upper, lam, max_iter=int(min(400, max(100, 2e8 / work))),
        deadline=deadline, primal=primal, dist=dist, w=w,
    )  # fmt: skip
    sites, cost = p_median_greedy_swap(dist, w, p, required=req, initial=opened)
    if primal[1] < cost:
        sites, cost = p_median_greedy_swap(dist, w, p, required=req, initial=primal[0])
    if cost < upper - 1e-9 * max(1.0, abs(upper)):
        incumbent, upper = sites, cost
        value, lam, rho, opened = _lagrange_bound(
            wd, k, req, free_idx, upper, lam, max_iter=int(min(200, max(50, 1e8 / work))),
            deadline=deadline,
        )  # fmt: skip
    slack = 1e-7 * max(1.0, abs(upper))
    if value >= upper - slack:
        return value, keep, must, incumbent, upper
    chosen = np.setdiff1d(opened, req)
    rest = np.setdiff1d(free_idx, chosen)
    if len(rest) == 0 or len(chosen) == 0:
        return value, keep, must, incumbent, upper
    keep[rest] = value - float(rho[chosen].max()) + rho[rest] <= upper + slack
    must[chosen] = value - rho[chosen] + float(rho[rest].min()) > upper + slack
    # probing on the surviving columns, the most promising first, within a work budget
    cols = np.flatnonzero(keep)
    sub = wd[:, cols]
    where = np.full(m, -1, dtype=np.intp)
    where[cols] = np.arange(len(cols))
    probe_iter = int(min(150, max(30, 2e7 / max(n * len(cols), 1))))
    budget = 1.5e9
    estimate = np.where(free & keep, value - float(rho[chosen].max()) + rho, -np.inf)
    in_incumbent = np.zeros(m, dtype=bool)
    in_incumbent[incumbent] = True
    estimate[in_incumbent] = np.inf  # probe the incumbent's sites first (they may fix open)
    for j in np.argsort(-estimate):
        if not (keep[j] and free[j] and not must[j]):
            continue
        if budget <= 0 or (deadline is not None and time.perf_counter() > deadline):
            break
        budget -= probe_iter * n * len(cols)
        forced = np.flatnonzero(must | ~free).astype(np.intp)
        if in_incumbent[j]:
            kk = p - len(forced)
            others = np.flatnonzero(keep & free & ~must & (np.arange(m) != j))
            if kk <= 0 or len(others) <= kk:
                continue
            bound, *_ = _lagrange_bound(
                sub, kk, where[forced], where[others], upper, lam,
                max_iter=probe_iter, deadline=deadline,
            )  # fmt: skip
            must[j] = bound > upper + slack
        else:
            forced = np.union1d(forced, [j]).astype(np.intp)
            kk = p - len(forced)
            others = np.flatnonzero(keep & free & ~must & (np.arange(m) != j))
            if kk < 0:
                keep[j] = False
                continue
            bound, *_ = _lagrange_bound(
                sub, kk, where[forced], where[others], upper, lam,
                max_iter=probe_iter, deadline=deadline,
            )  # fmt: skip
            keep[j] = bound <= upper + slack
    return value, keep, must, incumbent, upper


_P_MEDIAN_CALL = "p_median(cost, weights, p, *, required=None, ...)"


@called_as(_P_MEDIAN_CALL)
def p_median(
    cost: CostMatrix,
    weights: npt.ArrayLike | pd.Series | None,
    p: int,
    *,
    required: Iterable[Hashable] | None = None,
    solver: Solver = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
    initial_depth: int | None = None,
) -> LocateResult:
    r"""p-median: open ``p`` sites minimising the weighted cost to the nearest open site.

    Called as ``p_median(cost, weights, p, *, required=None, ...)`` (spopt's
    ``PMedian.from_cost_matrix(cost_matrix, weights, p_facilities)``); ``weights`` may be
    ``None``.

    Solved with the radius formulation over each demand point's sorted
    distinct costs (Elloumi 2010), written in chained form so that the model
    has about one non-zero per demand–site pair. Each demand point keeps only
    its nearest cost levels (Church's BEAMR idea); the truncated model is a
    relaxation, and when its optimum serves a point beyond the kept levels,
    that point's levels are widened and the model solved again. The greedy +
    vertex substitution solution is the first incumbent. The proof of
    optimality is HiGHS's bound on the last (exact) model.

    Parameters
    ----------
    cost
        Demand × site cost matrix.
    weights
        Demand weights; ``None`` means 1 each.
    p
        Number of sites to open (required sites count).
    required
        Ids of sites that must be open.
    solver, time_limit_s, gap
        As in :func:`lscp`. The time limit covers all rounds.
    initial_depth
        Cost levels kept per demand point in the first round; ``None`` picks
        one from the starting solution.

    Returns
    -------
    LocateResult
        ``objective`` is :math:`\sum_i w_i \min_{j \text{ open}} d_{ij}`.

    Raises
    ------
    InputError
        If some demand point with positive weight reaches no site.
    """
    t0 = time.perf_counter()
    costs = _read_costs(cost)
    w = _read_weights(weights, costs)
    req = _read_required(required, costs)
    _check_p(p, costs, req, signature=_P_MEDIAN_CALL)
    dist = costs.dist
    unreachable = ~np.isfinite(dist).any(axis=1) & (w > 0)  # weight 0 needs no site
    if unreachable.any():
        raise InputError(
            [
                _demand_problem(
                    unreachable,
                    costs,
                    "reach no site",
                    fix="drop them or add reachable candidate sites",
                )
            ]
        )
    m = dist.shape[1]
    active = w > 0
    if not active.any():  # nothing to serve: any p sites (the required ones first) cost 0
        chosen = np.concatenate([req, np.setdiff1d(np.arange(m), req)])[:p]
        return _result(
            "p_median",
            costs,
            np.sort(chosen).astype(np.intp),
            [],
            status=Status.OPTIMAL,
            objective=0.0,
            bound=0.0,
            build_s=time.perf_counter() - t0,
        )
    if not active.all():
        dist_model = dist[active]
        w_model = w[active]
    else:
        dist_model, w_model = dist, w
    start_sites, start_value = p_median_greedy_swap(dist_model, w_model, p, required=req)
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    lagrange, keep, must, start_sites, start_value = _lagrangian_fixing(
        dist_model, w_model, p, req, start_value, start_sites, deadline=deadline
    )
    keep[start_sites] = True
    keep[req] = True
    sites = np.flatnonzero(keep).astype(np.intp)
    logger.debug(
        "p-median: Lagrangian bound %.6g (incumbent %.6g); %d of %d sites kept, %d fixed open",
        lagrange,
        start_value,
        len(sites),
        m,
        int(must.sum()),
    )
    if len(sites) < m or must.any():
        position = np.full(m, -1, dtype=np.intp)
        position[sites] = np.arange(len(sites))
        req = np.unique(position[np.flatnonzero(must | np.isin(np.arange(m), req))])
        start_sites = position[start_sites]
        dist_model = dist_model[:, sites]
        m = len(sites)
    else:
        sites = np.arange(m, dtype=np.intp)
    lv = _levels(dist_model)
    served = _level_of(lv, dist_model, start_sites)
    if initial_depth is None:
        depth = served + 2
        depth = np.maximum(depth, min(m, max(4, int(np.quantile(served, 0.9)) + 2)))
    else:
        depth = np.full(len(w_model), max(int(initial_depth), 1))
    depth = np.minimum(depth, lv.n_levels)
    cl = np.zeros(m)
    cl[req] = 1.0
    parts: list[SolveStats] = []
    build_s = time.perf_counter() - t0
    incumbent = start_sites
    incumbent_value = start_value
    bound: float | None = lagrange if math.isfinite(lagrange) else None
    status = Status.TIMED_OUT
    while True:
        t1 = time.perf_counter()
        c, A, rl, ru, cu, offset, depth = _radius_model(lv, w_model, depth, p, m)  # noqa: N806
        cl_full = np.concatenate([cl, np.zeros(len(c) - m)])
        start = _radius_start(lv, depth, np.minimum(served, depth - 1), incumbent, m)
        build_s += time.perf_counter() - t1
        remaining = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
        integ = np.zeros(len(c), dtype=bool)
        integ[:m] = True
        logger.debug(
            "p-median round %d: %d rows, %d columns", len(parts) + 1, A.shape[0], A.shape[1]
        )
        sol = _solve(
            c,
            A,
            rl,
            ru,
            cl_full,
            cu,
            integ,
            solver=solver,
            offset=offset,
            time_limit_s=remaining,
            gap=gap,
            start=start if solver == "highs" else None,
        )
        parts.append(sol.stats)
        if sol.stats.bound is not None:
            bound = sol.stats.bound if bound is None else max(bound, sol.stats.bound)
        if sol.x is None:
            status = sol.stats.status
            if status is Status.INFEASIBLE:
                incumbent = None  # type: ignore[assignment]
            break
        open_sites = _open_from(sol.x, m)
        value = float((w_model * dist_model[:, open_sites].min(axis=1)).sum())
        if value < incumbent_value:
            incumbent, incumbent_value = open_sites, value
        served = _level_of(lv, dist_model, open_sites)
        # a point whose model already holds every finite level cannot be widened (served
        # past them means no open site reaches it: an infinite cost)
        beyond = (served > depth - 1) & (depth < lv.n_levels)
        if not beyond.any() or sol.stats.status is not Status.OPTIMAL:
            status = sol.stats.status
            break
        grow = np.maximum(2 * depth, served + 2)
        depth = np.where(beyond, np.minimum(grow, lv.n_levels), depth)
        logger.info("p-median: widening %d demand points", int(beyond.sum()))
    objective = None if incumbent is None else incumbent_value
    if objective is not None and not math.isfinite(objective):
        # no p sites reach every demand point (some costs are infinite): no plan
        incumbent, objective, status = None, None, Status.INFEASIBLE  # type: ignore[assignment]
    if status is Status.INFEASIBLE:
        bound = None  # no solution: a lower bound on its cost says nothing
    if incumbent is not None:
        incumbent = sites[incumbent]
    if bound is not None and objective is not None:
        bound = min(bound, objective)
    if status is Status.TIMED_OUT and incumbent is not None:
        status = Status.FEASIBLE  # the heuristic start is a valid solution
    if status is Status.OPTIMAL and solver == "highs":
        g = relative_gap(objective, bound)
        if g is None or g > PROVEN_GAP * (1 + 1e-6) + 1e-12:
            status = Status.FEASIBLE
    return _result(
        "p_median",
        costs,
        incumbent,
        parts,
        status=status,
        objective=objective,
        bound=bound,
        build_s=build_s,
    )
