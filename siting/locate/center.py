r"""The p-center model (:func:`p_center`), solved as a binary search over covering problems.

Symbols as in :mod:`siting.locate`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting.errors import InputError, Problem
from siting.locate._inputs import (
    CostMatrix,
    IntArray,
    Solver,
    _check_p,
    _read_costs,
    _read_required,
    _read_weights,
    called_as,
)
from siting.locate._mip import _open_from, _solve
from siting.locate.covering import _unique_rows
from siting.locate.heuristics import greedy_cover, p_median_greedy_swap
from siting.locate.result import LocateResult, _result
from siting.status import SolveStats, Status

__all__ = ["p_center"]


_P_CENTER_CALL = "p_center(cost, p, *, weights=None, required=None, ...)"


@called_as(_P_CENTER_CALL)
def p_center(
    cost: CostMatrix,
    p: int,
    *,
    weights: npt.ArrayLike | pd.Series | None = None,
    required: Iterable[Hashable] | None = None,
    solver: Solver = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
) -> LocateResult:
    r"""p-center: open ``p`` sites minimising the largest cost to the nearest open site.

    Called as ``p_center(cost, p, *, weights=None, ...)``: weights only by keyword, unlike
    :func:`~siting.locate.p_median`'s (as spopt's ``PCenter.from_cost_matrix(cost_matrix,
    p_facilities)``, which takes none).

    Solved as a sequence of covering problems over the sorted distinct costs
    :math:`D`: the optimum is the smallest :math:`D` for which
    :math:`\min \{\sum_j y_j : \sum_{j: d_{ij} \le D} y_j \ge 1 \;\forall i,\; y_R = 1\}
    \le p`, found by binary search between the largest nearest-site cost
    (a lower bound) and the cost of a greedy solution (an upper bound). Each
    covering problem is solved to proven optimality by the solver.

    Parameters
    ----------
    cost
        Demand × site cost matrix.
    p
        Number of sites to open (required sites count).
    weights
        Demand points with zero weight are ignored; other values do not
        matter (``None`` means all count).
    required
        Ids of sites that must be open.
    solver, time_limit_s, gap
        As in :func:`lscp`; ``gap`` is ignored because each step is a yes/no
        question.

    Returns
    -------
    LocateResult
        ``objective`` is the largest cost from a demand point to its nearest
        open site; ``bound`` the largest cost proven necessary.
    """
    del gap
    t0 = time.perf_counter()
    costs = _read_costs(cost)
    w = _read_weights(weights, costs)
    req = _read_required(required, costs)
    _check_p(p, costs, req, signature=_P_CENTER_CALL)
    dist = costs.dist[w > 0]
    if not np.isfinite(dist).any(axis=1).all():
        bad = costs.demand_ids[(w > 0)][~np.isfinite(dist).any(axis=1)]
        raise InputError([Problem("demand points reach no site", ids=tuple(str(i) for i in bad))])
    m = dist.shape[1]
    start_sites, _ = p_median_greedy_swap(dist, np.ones(len(dist)), p, required=req)
    upper = float(dist[:, start_sites].min(axis=1).max()) if len(dist) else 0.0
    lower = float(dist.min(axis=1).max()) if len(dist) else 0.0
    if len(req) and len(dist):
        lower = max(lower, 0.0)
    levels = np.unique(dist[np.isfinite(dist)])
    levels = levels[(levels >= lower) & (levels <= upper)]
    best_sites: IntArray = start_sites
    best_value = upper
    proven_lower = lower
    parts: list[SolveStats] = []
    build_s = time.perf_counter() - t0
    deadline = None if time_limit_s is None else time.perf_counter() + time_limit_s
    status = Status.OPTIMAL
    cl = np.zeros(m)
    cl[req] = 1.0

    def cover_within(radius: float) -> IntArray | Literal[False] | None:
        """Sites covering every point within ``radius`` (at most p), ``None`` if none
        exist, ``False`` if the solver stopped before it could say."""
        nonlocal build_s
        covers = dist <= radius
        greedy = greedy_cover(covers, required=req)
        if len(greedy) <= p:
            return greedy
        remaining = None if deadline is None else max(deadline - time.perf_counter(), 0.0)
        rows, _ = _unique_rows(covers[~covers[:, req].any(axis=1)] if len(req) else covers)
        t1 = time.perf_counter()
        A = sp.csc_array(rows.astype(np.float64))  # noqa: N806
        A = sp.vstack([A, sp.csc_array(np.ones((1, m)))], format="csc")  # noqa: N806
        build_s += time.perf_counter() - t1
        sol = _solve(
            np.ones(m),
            A,
            np.concatenate([np.ones(rows.shape[0]), [0.0]]),
            np.concatenate([np.full(rows.shape[0], np.inf), [float(p)]]),
            cl,
            np.ones(m),
            np.ones(m, dtype=bool),
            solver=solver,
            time_limit_s=remaining,
            gap=0.0,
        )
        parts.append(sol.stats)
        if sol.stats.status is Status.INFEASIBLE:
            return None
        return _open_from(sol.x, m) if sol.x is not None else False

    if not math.isfinite(upper) and len(levels):
        # the greedy's sites leave a point unreachable: can any p sites reach them all?
        widest = cover_within(float(levels[-1]))
        if widest is None or widest is False:
            return _result(
                "p_center",
                costs,
                None,
                parts,
                status=Status.INFEASIBLE if widest is None else Status.TIMED_OUT,
                objective=None,
                bound=None,
                build_s=build_s,
            )
        best_sites = widest
        best_value = float(dist[:, widest].min(axis=1).max())
    lo, hi = 0, len(levels) - 1  # levels[hi] is feasible (the greedy's or the widest)
    while lo < hi:
        mid = (lo + hi) // 2
        found = cover_within(float(levels[mid]))
        if found is False:
            status = Status.FEASIBLE
            break
        if found is None:
            lo = mid + 1
            proven_lower = float(levels[lo])
        else:
            hi = mid
            best_sites = found
            best_value = float(dist[:, found].min(axis=1).max())
    if status is Status.OPTIMAL:
        proven_lower = best_value
    # fill up to p sites (extra sites never hurt) keeping the result comparable
    if len(best_sites) < p:
        extra = [j for j in start_sites if j not in set(best_sites.tolist())]
        best_sites = np.unique(np.concatenate([best_sites, extra[: p - len(best_sites)]]))
        if len(best_sites) < p:
            rest = [j for j in range(m) if j not in set(best_sites.tolist())]
            best_sites = np.unique(
                np.concatenate([best_sites, rest[: p - len(best_sites)]]).astype(np.intp)
            )
        best_value = float(dist[:, best_sites].min(axis=1).max()) if len(dist) else 0.0
    return _result(
        "p_center",
        costs,
        best_sites.astype(np.intp),
        parts,
        status=status,
        objective=best_value,
        bound=min(proven_lower, best_value),
        build_s=build_s,
    )
