r"""Capacitated models: set covering and p-median with site capacities.

:func:`capacitated_lscp` and :func:`capacitated_p_median` check their inputs
and share one formulation (:func:`_capacitated`), which assigns shares of
each demand point's weight to open sites within their capacities. Symbols as
in :mod:`siting.locate`; :math:`c_j` is the capacity of site :math:`j` and
:math:`x_{ij}` the share of demand point :math:`i` that site :math:`j` serves.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting.errors import InputError, Problem
from siting.locate._inputs import (
    _TOL,
    BoolArray,
    CostMatrix,
    FloatArray,
    IntArray,
    Solver,
    _check_p,
    _Costs,
    _demand_problem,
    _read_costs,
    _read_required,
    _read_site_values,
    _read_weights,
    called_as,
)
from siting.locate._mip import _open_from, _solve
from siting.locate.covering import _covers
from siting.locate.result import LocateResult, _result

__all__ = ["capacitated_lscp", "capacitated_p_median"]

_CAPACITATED_LSCP_CALL = "capacitated_lscp(cost, weights, radius, capacity, *, required=None, ...)"
_CAPACITATED_P_MEDIAN_CALL = (
    "capacitated_p_median(cost, weights, p, capacity, *, required=None, ...)"
)


@called_as(_CAPACITATED_LSCP_CALL)
def capacitated_lscp(
    cost: CostMatrix,
    weights: npt.ArrayLike | pd.Series | None,
    radius: float,
    capacity: npt.ArrayLike | pd.Series,
    *,
    required: Iterable[Hashable] | None = None,
    single_source: bool = False,
    solver: Solver = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
) -> LocateResult:
    r"""Capacitated set covering: fewest sites serving all demand within the radius.

    .. math::

        \min \sum_j y_j \quad\text{s.t.}\quad
        \sum_{j \in N_i} x_{ij} = 1, \quad
        \sum_i w_i x_{ij} \le c_j y_j, \quad
        x_{ij} \le y_j, \quad y_R = 1, \quad 0 \le x \le 1, \; y \in \{0,1\}

    Parameters
    ----------
    cost
        Demand × site cost matrix.
    weights
        Demand of each point; ``None`` means 1 each.
    radius
        Largest cost at which a site may serve a demand point.
    capacity
        Capacity :math:`c_j` of each site (a scalar, array or Series by site id).
    required
        Ids of sites that must be open.
    single_source
        Serve each demand point from one site only (``x`` binary).
    solver, time_limit_s, gap
        As in :func:`lscp`.

    Returns
    -------
    LocateResult
        ``assignment`` is a DataFrame of the (split) service shares.

    Raises
    ------
    InputError
        If some demand has no site within ``radius`` or capacity is short.
    """
    t0 = time.perf_counter()
    costs = _read_costs(cost)
    w = _read_weights(weights, costs)
    cap = _read_site_values(capacity, costs, "capacity")
    req = _read_required(required, costs)
    covers = _covers(costs.dist, radius)
    problems = []
    uncoverable = ~covers.any(axis=1) & (w > 0)
    if uncoverable.any():
        problems.append(_demand_problem(uncoverable, costs, f"have no site within {radius}"))
    if cap.sum() < w.sum() - _TOL:
        problems.append(
            Problem(
                f"total capacity {cap.sum():g} is less than demand {w.sum():g}",
                fix="add sites or raise capacities",
            )
        )
    if problems:
        raise InputError(problems)
    return _capacitated(
        "capacitated_lscp",
        costs,
        w,
        covers,
        cap,
        req,
        p=None,
        single_source=single_source,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=gap,
        t0=t0,
    )


@called_as(_CAPACITATED_P_MEDIAN_CALL)
def capacitated_p_median(
    cost: CostMatrix,
    weights: npt.ArrayLike | pd.Series | None,
    p: int,
    capacity: npt.ArrayLike | pd.Series,
    *,
    required: Iterable[Hashable] | None = None,
    single_source: bool = False,
    solver: Solver = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
) -> LocateResult:
    r"""Capacitated p-median: ``p`` sites with capacities, minimising weighted cost.

    .. math::

        \min \sum_{ij} w_i d_{ij} x_{ij} \quad\text{s.t.}\quad
        \sum_j x_{ij} = 1, \quad \sum_i w_i x_{ij} \le c_j y_j, \quad
        x_{ij} \le y_j, \quad \sum_j y_j = p, \quad y_R = 1

    Parameters
    ----------
    cost
        Demand × site cost matrix.
    weights
        Demand weights; ``None`` means 1 each.
    p
        Number of sites to open.
    capacity
        Capacity :math:`c_j` of each site (scalar, array or Series by site id).
    required
        Ids of sites that must be open.
    single_source
        Serve each demand point from one site only.
    solver, time_limit_s, gap
        As in :func:`lscp`.

    Returns
    -------
    LocateResult
        ``assignment`` is a DataFrame of service shares.

    Raises
    ------
    InputError
        If the ``p`` largest capacities are less than the total demand.
    """
    t0 = time.perf_counter()
    costs = _read_costs(cost)
    w = _read_weights(weights, costs)
    cap = _read_site_values(capacity, costs, "capacity")
    req = _read_required(required, costs)
    _check_p(p, costs, req, signature=_CAPACITATED_P_MEDIAN_CALL)
    problems = []
    unreachable = ~np.isfinite(costs.dist).any(axis=1) & (w > 0)
    if unreachable.any():
        problems.append(_demand_problem(unreachable, costs, "reach no site"))
    others = np.delete(cap, req)
    best = cap[req].sum() + np.sort(others)[::-1][: p - len(req)].sum()
    if best < w.sum() - _TOL:
        problems.append(
            Problem(
                f"the {p} largest capacities ({best:g}) are less than the demand {w.sum():g}",
                fix="raise p or the capacities",
            )
        )
    if problems:
        raise InputError(problems)
    reach = np.isfinite(costs.dist)
    return _capacitated(
        "capacitated_p_median",
        costs,
        w,
        reach,
        cap,
        req,
        p=p,
        single_source=single_source,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=gap,
        t0=t0,
    )


def _capacitated(
    model: str,
    costs: _Costs,
    w: FloatArray,
    allowed: BoolArray,
    cap: FloatArray,
    req: IntArray,
    *,
    p: int | None,
    single_source: bool,
    solver: Solver,
    time_limit_s: float | None,
    gap: float | None,
    t0: float,
) -> LocateResult:
    """Shared capacitated model: p-median objective when ``p`` is given, else site count."""
    n, m = allowed.shape
    active = w > 0
    ai, aj = np.nonzero(allowed & active[:, None])
    k = len(ai)
    xcol = m + np.arange(k)
    demand_rows = np.flatnonzero(active)
    row_of = np.full(n, -1)
    row_of[demand_rows] = np.arange(len(demand_rows))
    na = len(demand_rows)
    # rows: assignment (na), capacity (m), linking (k), [count]
    r_assign = row_of[ai]
    r_cap_x = na + aj
    r_cap_y = na + np.arange(m)
    r_link = na + m + np.arange(k)
    rows = [r_assign, r_cap_x, r_cap_y, r_link, r_link]
    cols = [xcol, xcol, np.arange(m), xcol, aj]
    vals = [np.ones(k), w[ai], -cap, np.ones(k), -np.ones(k)]
    n_rows = na + m + k
    rl = [np.ones(na), np.full(m, -np.inf), np.full(k, -np.inf)]
    ru = [np.ones(na), np.zeros(m), np.zeros(k)]
    if p is not None:
        rows.append(np.full(m, n_rows))
        cols.append(np.arange(m))
        vals.append(np.ones(m))
        rl.append(np.array([float(p)]))
        ru.append(np.array([float(p)]))
        n_rows += 1
        c = np.concatenate([np.zeros(m), w[ai] * costs.dist[ai, aj]])
    else:
        c = np.concatenate([np.ones(m), np.zeros(k)])
    A = sp.csc_array(  # noqa: N806
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, m + k),
    )
    cl = np.zeros(m + k)
    cl[req] = 1.0
    integ = np.zeros(m + k, dtype=bool)
    integ[:m] = True
    if single_source:
        integ[m:] = True
    build_s = time.perf_counter() - t0
    sol = _solve(
        c,
        A,
        np.concatenate(rl),
        np.concatenate(ru),
        cl,
        np.ones(m + k),
        integ,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=gap,
    )
    open_sites = None
    assignment: pd.DataFrame | None = None
    objective = None
    bound = sol.stats.bound
    if sol.x is not None:
        open_sites = _open_from(sol.x, m)
        share = sol.x[m:]
        keep = share > 1e-9
        assignment = pd.DataFrame(
            {
                "demand_id": costs.demand_ids[ai[keep]],
                "site_id": costs.site_ids[aj[keep]],
                "share": share[keep],
                "weight": share[keep] * w[ai[keep]],
            }
        )
        objective = float(len(open_sites)) if p is None else float((c[m:] * share).sum())
    if p is None and bound is not None:
        bound = float(math.ceil(bound - _TOL))
    return _result(
        model,
        costs,
        open_sites,
        [sol.stats],
        status=sol.stats.status,
        objective=objective,
        bound=bound,
        build_s=build_s,
        assignment=assignment
        if assignment is not None
        else pd.DataFrame(columns=["demand_id", "site_id", "share", "weight"]),
    )
