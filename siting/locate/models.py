r"""Classic location models solved to proven optimality.

Every model takes a cost matrix with one row per demand point and one column
per candidate site: a :class:`pandas.DataFrame` (its index and columns are the
ids), a numpy array (ids are then positions ``0..n-1``) or a scipy sparse
matrix (a missing entry means the pair is unreachable; ``inf`` or ``NaN`` in a
dense matrix mean the same). Models are built straight from numpy arrays and
solved by the solver core :mod:`siting.mip` with HiGHS, or with CBC via PuLP
for small models (``solver="cbc"``).

Symbols used in the formulations: :math:`i` a demand point with weight
:math:`w_i`, :math:`j` a site, :math:`d_{ij}` the cost, :math:`y_j = 1` when
site :math:`j` opens, :math:`r` the service radius,
:math:`N_i = \{j : d_{ij} \le r\}`, :math:`p` the number of sites to open and
:math:`R` the required sites.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting.errors import InputError, Problem
from siting.locate.bounds import CoverRelaxation, no_cover_of_size
from siting.locate.heuristics import (
    greedy_cover,
    greedy_max_cover,
    improve_cover,
    p_median_greedy_swap,
    weighted_cover_search,
)
from siting.mip import PROVEN_GAP, MipResult, highs_version, relative_gap, solve_arrays
from siting.status import SolveStats, Status

__all__ = [
    "LocateResult",
    "capacitated_lscp",
    "capacitated_p_median",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
Solver = Literal["highs", "cbc"]
CostMatrix: TypeAlias = "pd.DataFrame | npt.ArrayLike | sp.spmatrix | sp.sparray"

_TOL = 1e-6


@dataclass(frozen=True)
class LocateResult:
    """The outcome of one location model.

    Attributes
    ----------
    model
        ``"lscp"``, ``"mclp"``, ``"p_median"``, ``"p_center"``,
        ``"capacitated_p_median"`` or ``"capacitated_lscp"``.
    objective
        The model's own objective: number of sites (LSCP), covered weight
        (MCLP), weighted cost sum (p-median), largest cost (p-center).
        ``None`` without a solution.
    bound
        Proven bound on the objective (lower for minimisation, upper for MCLP).
    gap
        Relative gap between ``objective`` and ``bound``.
    status
        What the solver proved.
    selected
        Ids of the open sites, in the order of the cost matrix columns.
    assignment
        Demand id → site id of the open site serving it (``None`` when no open
        site serves it, e.g. uncovered demand in MCLP). For split assignments
        of capacitated models, a DataFrame with columns ``demand_id``,
        ``site_id``, ``share`` and ``weight``.
    stats
        Solver statistics, with total build and solve times.
    """

    model: str
    objective: float | None
    bound: float | None
    gap: float | None
    status: Status
    selected: tuple[Hashable, ...]
    assignment: pd.Series | pd.DataFrame
    stats: SolveStats


@dataclass(frozen=True)
class _Costs:
    dist: FloatArray  # dense, inf where unreachable
    demand_ids: pd.Index
    site_ids: pd.Index


def _read_costs(cost: CostMatrix) -> _Costs:
    problems: list[Problem] = []
    if isinstance(cost, pd.DataFrame):
        demand_ids = pd.Index(cost.index)
        site_ids = pd.Index(cost.columns)
        dist = cost.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    elif sp.issparse(cost):
        coo = sp.coo_array(cost)
        dist = np.full(coo.shape, np.inf)
        dist[coo.row, coo.col] = coo.data
        demand_ids = pd.RangeIndex(coo.shape[0])
        site_ids = pd.RangeIndex(coo.shape[1])
    else:
        dist = np.array(cost, dtype=np.float64, copy=True)
        if dist.ndim != 2:
            raise InputError(
                [Problem(f"cost has {dist.ndim} dimensions", fix="pass a demand × site matrix")]
            )
        demand_ids = pd.RangeIndex(dist.shape[0])
        site_ids = pd.RangeIndex(dist.shape[1])
    dist[np.isnan(dist)] = np.inf
    if dist.shape[0] == 0 or dist.shape[1] == 0:
        problems.append(Problem(f"cost matrix is empty (shape {dist.shape})"))
    if (dist < 0).any():
        bad = demand_ids[(dist < 0).any(axis=1)]
        problems.append(
            Problem(
                "cost has negative entries",
                ids=tuple(str(i) for i in bad),
                fix="costs must be distances or times, zero or more",
            )
        )
    if not demand_ids.is_unique:
        problems.append(Problem("demand ids (cost index) are not unique"))
    if not site_ids.is_unique:
        problems.append(Problem("site ids (cost columns) are not unique"))
    if problems:
        raise InputError(problems)
    return _Costs(dist, demand_ids, site_ids)


def _read_weights(weights: npt.ArrayLike | pd.Series | None, costs: _Costs) -> FloatArray:
    n = len(costs.demand_ids)
    if weights is None:
        return np.ones(n)
    if isinstance(weights, pd.Series):
        missing = costs.demand_ids.difference(weights.index)
        if len(missing):
            raise InputError(
                [
                    Problem(
                        "weights lack some demand ids of the cost matrix",
                        ids=tuple(str(i) for i in missing),
                        fix="give a weight for every row of the cost matrix",
                    )
                ]
            )
        w = weights.reindex(costs.demand_ids).to_numpy(dtype=np.float64)
    else:
        w = np.array(weights, dtype=np.float64, copy=True).reshape(-1)
    problems = []
    if w.shape != (n,):
        raise InputError([Problem(f"weights have length {w.size}, the cost matrix has {n} rows")])
    if not np.isfinite(w).all() or (w < 0).any():
        bad = costs.demand_ids[~np.isfinite(w) | (w < 0)]
        problems.append(
            Problem(
                "weights must be finite and not negative",
                ids=tuple(str(i) for i in bad),
            )
        )
    if problems:
        raise InputError(problems)
    return np.asarray(w, dtype=np.float64)


def _read_site_values(values: npt.ArrayLike | pd.Series, costs: _Costs, name: str) -> FloatArray:
    m = len(costs.site_ids)
    if isinstance(values, pd.Series):
        missing = costs.site_ids.difference(values.index)
        if len(missing):
            raise InputError(
                [Problem(f"{name} lacks some site ids", ids=tuple(str(i) for i in missing))]
            )
        array = values.reindex(costs.site_ids).to_numpy(dtype=np.float64)
    else:
        array = np.array(values, dtype=np.float64, copy=True).reshape(-1)
        if array.size == 1:
            array = np.full(m, float(array[0]))
    if array.shape != (m,):
        raise InputError([Problem(f"{name} has length {array.size}, there are {m} sites")])
    if not np.isfinite(array).all() or (array < 0).any():
        raise InputError([Problem(f"{name} must be finite and not negative")])
    return np.asarray(array, dtype=np.float64)


def _read_required(required: Iterable[Hashable] | None, costs: _Costs) -> IntArray:
    if required is None:
        return np.zeros(0, dtype=np.intp)
    wanted = list(required)
    positions = costs.site_ids.get_indexer(pd.Index(wanted))
    unknown = [str(w) for w, k in zip(wanted, positions, strict=True) if k < 0]
    if unknown:
        raise InputError(
            [
                Problem(
                    "required sites are not columns of the cost matrix",
                    ids=tuple(unknown),
                    fix="use site ids from the cost matrix columns",
                )
            ]
        )
    return np.unique(positions.astype(np.intp))


def _check_p(p: int, costs: _Costs, required: IntArray) -> None:
    m = len(costs.site_ids)
    if not isinstance(p, (int, np.integer)) or isinstance(p, bool):
        raise InputError([Problem(f"p must be an integer, got {p!r}")])
    if p < 1 or p > m:
        raise InputError([Problem(f"p = {p} must be between 1 and the {m} sites")])
    if len(required) > p:
        raise InputError([Problem(f"{len(required)} required sites exceed p = {p}", fix="raise p")])


def _solve(
    c: FloatArray,
    A: sp.csc_array,  # noqa: N803
    rl: FloatArray,
    ru: FloatArray,
    cl: FloatArray,
    cu: FloatArray,
    integ: BoolArray,
    *,
    solver: Solver,
    sense: Literal["min", "max"] = "min",
    offset: float = 0.0,
    time_limit_s: float | None,
    gap: float | None,
    start: FloatArray | None = None,
    options: dict[str, Any] | None = None,
) -> MipResult:
    if solver not in ("highs", "cbc"):
        raise InputError([Problem(f"unknown solver {solver!r}", fix="use 'highs' or 'cbc'")])
    return solve_arrays(
        c,
        A,
        rl,
        ru,
        cl,
        cu,
        integ,
        sense=sense,
        offset=offset,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=1e-4 if gap is None and solver == "cbc" else gap,
        start=start,
        options=options if solver == "highs" else None,
    )


def _nearest_assignment(
    costs: _Costs, open_sites: IntArray, *, radius: float | None = None
) -> pd.Series:
    values: list[Hashable | None] = [None] * len(costs.demand_ids)
    if len(open_sites):
        sub = costs.dist[:, open_sites]
        nearest = np.argmin(sub, axis=1)
        best = sub[np.arange(sub.shape[0]), nearest]
        ok = np.isfinite(best)
        if radius is not None:
            ok &= best <= radius + _TOL * max(1.0, abs(radius))
        site_ids = costs.site_ids[open_sites[nearest]]
        values = [s if flag else None for s, flag in zip(site_ids, ok, strict=True)]
    return pd.Series(values, index=costs.demand_ids, dtype=object, name="site_id")


def _merge_stats(
    parts: list[SolveStats],
    *,
    status: Status,
    objective: float | None,
    bound: float | None,
    gap: float | None,
    build_s: float,
) -> SolveStats:
    solver = parts[-1].solver if parts else "none"
    message = parts[-1].message if parts else "solved without a solver"
    return SolveStats(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        solver=solver,
        build_s=build_s + sum(s.build_s for s in parts),
        solve_s=sum(s.solve_s for s in parts),
        message=message,
    )


def _result(
    model: str,
    costs: _Costs,
    open_sites: IntArray | None,
    parts: list[SolveStats],
    *,
    status: Status,
    objective: float | None,
    bound: float | None,
    build_s: float,
    assignment: pd.Series | pd.DataFrame | None = None,
    radius: float | None = None,
) -> LocateResult:
    gap = relative_gap(objective, bound)
    stats = _merge_stats(
        parts, status=status, objective=objective, bound=bound, gap=gap, build_s=build_s
    )
    if open_sites is None:
        selected: tuple[Hashable, ...] = ()
        if assignment is None:
            assignment = pd.Series(
                [None] * len(costs.demand_ids), index=costs.demand_ids, dtype=object
            )
    else:
        open_sites = np.sort(open_sites)
        selected = tuple(costs.site_ids[open_sites])
        if assignment is None:
            assignment = _nearest_assignment(costs, open_sites, radius=radius)
    return LocateResult(
        model=model,
        objective=objective,
        bound=bound,
        gap=gap,
        status=status,
        selected=selected,
        assignment=assignment,
        stats=stats,
    )


def _open_from(x: FloatArray, m: int) -> IntArray:
    return np.flatnonzero(x[:m] > 0.5).astype(np.intp)


def _covers(dist: FloatArray, radius: float) -> BoolArray:
    if not math.isfinite(radius) or radius < 0:
        raise InputError([Problem(f"radius must be finite and not negative, got {radius}")])
    return np.asarray(dist <= radius, dtype=bool)


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


# ---------------------------------------------------------------- set covering


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
                Problem(
                    f"{int(uncoverable.sum())} demand points have no site within {radius}",
                    ids=tuple(str(i) for i in costs.demand_ids[uncoverable]),
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
        problems.append(
            Problem(
                f"{int(uncoverable.sum())} demand points have no site within {radius}",
                ids=tuple(str(i) for i in costs.demand_ids[uncoverable]),
            )
        )
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


# ----------------------------------------------------------- maximal covering


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
    _check_p(p, costs, req)
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


# ------------------------------------------------------------------ p-median


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
    _check_p(p, costs, req)
    dist = costs.dist
    unreachable = ~np.isfinite(dist).any(axis=1)
    if unreachable.any():
        raise InputError(
            [
                Problem(
                    f"{int(unreachable.sum())} demand points reach no site",
                    ids=tuple(str(i) for i in costs.demand_ids[unreachable]),
                    fix="drop them or add reachable candidate sites",
                )
            ]
        )
    m = dist.shape[1]
    active = w > 0
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
        beyond = served > depth - 1
        if not beyond.any() or sol.stats.status is not Status.OPTIMAL:
            status = sol.stats.status
            break
        grow = np.maximum(2 * depth, served + 2)
        depth = np.where(beyond, np.minimum(grow, lv.n_levels), depth)
        logger.info("p-median: widening %d demand points", int(beyond.sum()))
    objective = None if incumbent is None else incumbent_value
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
    _check_p(p, costs, req)
    problems = []
    unreachable = ~np.isfinite(costs.dist).any(axis=1) & (w > 0)
    if unreachable.any():
        problems.append(
            Problem(
                f"{int(unreachable.sum())} demand points reach no site",
                ids=tuple(str(i) for i in costs.demand_ids[unreachable]),
            )
        )
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


# ------------------------------------------------------------------ p-center


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
    _check_p(p, costs, req)
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
    lo, hi = 0, len(levels) - 1  # levels[hi] is feasible (the greedy value)
    cl = np.zeros(m)
    cl[req] = 1.0
    while lo < hi:
        mid = (lo + hi) // 2
        radius = float(levels[mid])
        covers = dist <= radius
        greedy = greedy_cover(covers, required=req)
        if len(greedy) <= p:
            feasible_sites: IntArray | None = greedy
        else:
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
                feasible_sites = None
            elif sol.x is not None:
                feasible_sites = _open_from(sol.x, m)
            else:
                status = Status.FEASIBLE
                break
        if feasible_sites is None:
            lo = mid + 1
            proven_lower = float(levels[lo])
        else:
            hi = mid
            best_sites = feasible_sites
            best_value = float(dist[:, feasible_sites].min(axis=1).max())
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
