r"""A lower bound on the cost stage by regions: each region's integer program solved apart.

The Lagrangian bound (:mod:`siting.search.bound`) relaxes every demand row, so
each site decides alone; its value cannot pass the linear relaxation with the
sites' sizes made whole, and plans pay more than that because demand comes in
places, not in fractions of facilities. Here only the demand rows of items that
sites of *different* regions reach are relaxed, with the Lagrangian multipliers
:math:`\lambda` (any :math:`\lambda \ge 0` gives a valid bound; the subgradient's
best are good ones). The cost stage then falls apart by region
(:func:`siting.search.regions.site_regions`):

.. math::

   z \;\ge\; \sum_r z_r(\lambda, \nu, \mu)
     + \sum_{i \in B} \lambda_i R_i
     + \sum_{i \in B} \min(0, \mu - \lambda_i) R_i
     + \sum_d \nu_d N_d - \mu S

where :math:`B` holds the relaxed items, :math:`z_r` is the optimum of region
:math:`r`'s own integer program (its sites' options and extra slots, the
assignment of its interior items under their exact demand rows, and its share of
the relaxed items, each slot of item :math:`i` earning :math:`\lambda_i`), and the
region's lower bound from HiGHS stands in for :math:`z_r` when its time runs
out. Two more coupling rows are relaxed the same way: the demonstration
facilities each district needs (:math:`N_d`, multiplier :math:`\nu_d`, each
district's cheapest premium of a demonstration option over the same site's
plain option of the same size) and the unserved slots the shortfall stage allows
(:math:`S`, multiplier :math:`\mu`, the multiplier at which the items of highest
:math:`\lambda` fill :math:`S`). The budget and affordable-share rows are dropped.
Each region keeps the model's linking rows, so its program is as tight as the
cost stage's own, and whole: the bound captures that a few areas' demand cannot
be served by a fraction of a facility, which neither the linear relaxation nor
the Lagrangian bound can.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import MatrixModel, solve_model
from siting.search.local import CostSearch
from siting.search.regions import site_regions

__all__ = ["RegionBound", "region_bound"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RegionBound:
    """The decomposition bound.

    Attributes
    ----------
    bound
        A cost no plan of the cost stage can beat; ``-inf`` when a region had no
        bound in time.
    regions
        Regions in the partition.
    solved
        Regions whose program was solved to optimality (the others gave HiGHS's bound).
    relaxed_share
        Share of the reachable demand whose rows were relaxed (cut by the regions).
    seconds
        Wall time.
    passes
        Passes over the regions (the first, then one per subgradient step).
    """

    bound: float
    regions: int
    solved: int
    relaxed_share: float
    seconds: float
    passes: int = 1


def _demo_multipliers(s: CostSearch) -> FloatArray:
    """Per district row: the cheapest premium of a demonstration option over a plain one."""
    nu = np.full(len(s.demo_need), np.inf)
    for k in np.flatnonzero(s.opt_row >= 0):
        j = s.opt_site[k]
        opts = s.o_list[s.o_ptr[j] : s.o_ptr[j + 1]]
        plain = opts[(s.opt_row[opts] < 0) & (s.opt_slots[opts] >= s.opt_slots[k] - 1e-9)]
        if len(plain):
            premium = s.opt_cost[k] - float(s.opt_cost[plain].min())
            nu[s.opt_row[k]] = min(nu[s.opt_row[k]], max(0.0, premium))
    nu[~np.isfinite(nu)] = 0.0
    return nu


def _budget_multiplier(
    lam: FloatArray, req: FloatArray, reached: np.ndarray, budget: float
) -> float:
    """The multiplier of the unserved-slots row: where the highest-``lam`` items fill it."""
    values = lam[reached]
    if not len(values):
        return 0.0
    if budget <= 0:
        return float(values.max())
    order = np.argsort(-values, kind="stable")
    filled = np.cumsum(req[reached][order])
    at = int(np.searchsorted(filled, budget))
    return float(values[order[min(at, len(order) - 1)]])


def _region_model(
    s: CostSearch,
    lam: FloatArray,
    nu: FloatArray,
    mu: float,
    relaxed: np.ndarray,
    pairs: IntArray,
    sites: IntArray,
    max_slots: FloatArray,
) -> MatrixModel:
    """Region's program: its sites, its pairs, its interior items' demand rows."""
    area = s.pair_area[pairs]
    site = s.pair_site[pairs]
    in_region = np.zeros(s.n_sites, dtype=bool)
    in_region[sites] = True
    opts = np.flatnonzero(in_region[s.opt_site])
    exts = sites[s.ext_max[sites] > 0]
    interior = np.unique(area[~relaxed[area]])
    n_x, n_y, n_e, n_s = len(pairs), len(opts), len(exts), len(interior)
    y0, e0, s0 = n_x, n_x + n_y, n_x + n_y + n_e
    n_cols = s0 + n_s
    opt_nu = np.append(nu, 0.0)[s.opt_row[opts]]  # row -1 (not a demonstration option): 0
    c = np.concatenate(
        [
            np.where(relaxed[area], -lam[area], 0.0),
            s.opt_cost[opts] - opt_nu,
            s.ext_cost[exts],
            np.full(n_s, mu),
        ]
    )
    col_upper = np.concatenate([s.req[area], np.ones(n_y), s.ext_max[exts], s.req[interior]])
    integer = np.zeros(n_cols, dtype=bool)
    integer[y0:s0] = True
    site_row = np.full(s.n_sites, -1, dtype=np.int64)
    site_row[sites] = np.arange(len(sites))
    item_row = np.full(s.n_areas, -1, dtype=np.int64)
    item_row[interior] = np.arange(n_s)
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    vals: list[FloatArray] = []
    lower: list[FloatArray] = []
    upper: list[FloatArray] = []
    r = 0

    def add(rr: IntArray, cc: IntArray, vv: FloatArray) -> None:
        rows.append(np.asarray(rr, dtype=np.int64))
        cols.append(np.asarray(cc, dtype=np.int64))
        vals.append(np.asarray(vv, dtype=np.float64))

    # interior demand rows: sum_j x_ij + s_i >= R_i
    inner = np.flatnonzero(item_row[area] >= 0)
    add(r + item_row[area[inner]], inner, np.ones(len(inner)))
    add(r + np.arange(n_s), s0 + np.arange(n_s), np.ones(n_s))
    lower.append(s.req[interior])
    upper.append(np.full(n_s, np.inf))
    r += n_s
    # capacity: sum_i x_ij - sum_k q_k y_jk - e_j <= existing slots
    n_j = len(sites)
    add(r + site_row[site], np.arange(n_x), np.ones(n_x))
    add(r + site_row[s.opt_site[opts]], y0 + np.arange(n_y), -s.opt_slots[opts])
    add(r + site_row[exts], e0 + np.arange(n_e), -np.ones(n_e))
    lower.append(np.full(n_j, -np.inf))
    upper.append(s.base_cap[sites])
    r += n_j
    # one option per site
    add(r + site_row[s.opt_site[opts]], y0 + np.arange(n_y), np.ones(n_y))
    lower.append(np.full(n_j, -np.inf))
    upper.append(np.ones(n_j))
    r += n_j
    # linking at new sites: x_ij <= min(R_i, largest size) * sum_k y_jk
    link = np.flatnonzero(~s.existing[site])
    big_u = np.minimum(s.req[area[link]], max_slots[site[link]])
    add(r + np.arange(len(link)), link, np.ones(len(link)))
    opt_pos = np.full(len(s.opt_site), -1, dtype=np.int64)
    opt_pos[opts] = np.arange(n_y)
    count = s.o_ptr[site[link] + 1] - s.o_ptr[site[link]]
    first = np.repeat(s.o_ptr[site[link]], count)
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    add(
        r + np.repeat(np.arange(len(link)), count),
        y0 + opt_pos[s.o_list[first + offset]],
        -np.repeat(big_u, count),
    )
    lower.append(np.full(len(link), -np.inf))
    upper.append(np.zeros(len(link)))
    r += len(link)
    a = sp.csr_array(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, n_cols)
    )
    return MatrixModel(
        c=c,
        A=a,
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        col_lower=np.zeros(n_cols),
        col_upper=col_upper,
        integer=integer,
    )


def region_bound(
    search: CostSearch,
    multipliers: FloatArray,
    *,
    graph: sp.csr_array,
    shortfall_cap: float,
    time_limit_s: float,
    upper: float | None = None,
    sites_per_region: int = 100,
    seed: int = 0,
    max_passes: int = 100,
    stop: threading.Event | None = None,
) -> RegionBound:
    """A lower bound on the cost stage from its regions' own integer programs.

    A pass solves every region's program (HiGHS, each within its share of the time
    left); its bound counts only when every region has one. While time is left for
    another pass, the relaxed items' multipliers take a subgradient step (Polyak's,
    towards ``upper``): an item the regions serve more than once costs less, one
    they leave short more, and the regions are solved again from their last plans.

    Parameters
    ----------
    search
        A :class:`~siting.search.local.CostSearch` of the model (its read-only arrays).
    multipliers
        The demand rows' multipliers, one per demand item (the Lagrangian bound's best).
    graph
        The sites' graph (:func:`siting.search.regions.demand_graph`).
    shortfall_cap
        The most the shortfall objective may be (the shortfall stage's optimum).
    time_limit_s
        Wall-clock limit, shared out among the regions still to solve.
    upper
        The cost of a known plan, the target of the subgradient steps; without one,
        one pass only.
    sites_per_region
        The regions' size.
    seed
        METIS's seed.
    max_passes
        Passes at most.
    stop
        When set (from another thread), the bound stops at the next region; a pass
        cut short does not count.

    Returns
    -------
    RegionBound
        The best bound of a whole pass, and how it was found.
    """
    began = time.perf_counter()
    s = search
    lam = np.maximum(np.asarray(multipliers, dtype=np.float64), 0.0)
    reached = np.bincount(s.pair_area, minlength=s.n_areas) > 0
    lam = np.where(reached, lam, 0.0)
    unreached = float(s.req[~reached].sum())
    budget = max(0.0, shortfall_cap - unreached)
    enforce_demo = shortfall_cap < s.model.demo_weight - 1e-9
    nu = _demo_multipliers(s) if enforce_demo else np.zeros(len(s.demo_need))
    mu = _budget_multiplier(lam, s.req, reached, budget)
    parts = site_regions(graph, sites_per_region=sites_per_region, seed=seed)
    k = int(parts.max()) + 1 if len(parts) else 0
    pair_part = parts[s.pair_site]
    low = np.full(s.n_areas, np.iinfo(np.int64).max)
    high = np.full(s.n_areas, -1)
    np.minimum.at(low, s.pair_area, pair_part)
    np.maximum.at(high, s.pair_area, pair_part)
    relaxed = reached & (low != high)
    max_slots = np.zeros(s.n_sites)
    np.maximum.at(max_slots, s.opt_site, s.opt_slots)
    by_part = np.argsort(pair_part, kind="stable")
    ptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(pair_part, minlength=k), out=ptr[1:])
    reach = float(s.req[reached].sum())
    share = float(s.req[relaxed].sum()) / reach if reach > 0 else 0.0
    fixed = float(nu @ s.demo_need) - mu * budget
    # each region's program, built once; only its relaxed items' prices change
    programs: list[tuple[MatrixModel, IntArray, IntArray]] = []
    for region in np.argsort(np.bincount(pair_part, minlength=k), kind="stable"):
        pairs = by_part[ptr[region] : ptr[region + 1]]
        sites = np.flatnonzero(parts == region)
        sub = _region_model(s, lam, nu, mu, relaxed, pairs, sites, max_slots)
        if sub.num_cols:
            cols = np.flatnonzero(relaxed[s.pair_area[pairs]])
            programs.append((sub, cols, s.pair_area[pairs[cols]]))
    starts: list[FloatArray | None] = [None] * len(programs)
    best, best_solved, theta, stale, passes = -np.inf, 0, 1.0, 0, 0
    last_pass = 0.0

    def left() -> float:
        return time_limit_s - (time.perf_counter() - began)

    while left() > 0 and not (stop is not None and stop.is_set()):
        if passes and (upper is None or passes >= max_passes or left() < 1.2 * last_pass):
            break
        t_pass = time.perf_counter()
        total = fixed + float(lam[relaxed] @ s.req[relaxed])
        total += float(np.minimum(0.0, mu - lam[relaxed]) @ s.req[relaxed])
        served = np.zeros(s.n_areas)
        solved = 0
        for n, (sub, cols, items) in enumerate(programs):
            if left() <= 0 or (stop is not None and stop.is_set()):
                total = -np.inf
                break
            c = sub.c.copy()
            c[cols] = -lam[items]
            result = solve_model(
                replace(sub, c=c),
                time_limit_s=max(left() / (len(programs) - n), 0.05),
                gap=1e-6,
                threads=1,
                start=starts[n],
            )
            if result.stats.bound is None or not np.isfinite(result.stats.bound):
                total = -np.inf
                break
            total += float(result.stats.bound)
            solved += int(result.stats.status.value == "optimal")
            if result.values is not None:
                starts[n] = result.values
                np.add.at(served, items, result.values[cols])
        passes += 1
        last_pass = time.perf_counter() - t_pass
        if not np.isfinite(total):
            break
        if not np.isfinite(best) or total > best + 1e-9 * max(1.0, abs(best)):
            best, best_solved, stale = total, solved, 0
        else:
            stale += 1
            if stale >= 2:
                theta, stale = theta / 2, 0
        if upper is None or upper <= total:
            break
        g = np.where(relaxed, s.req - served, 0.0)
        norm = float(g @ g)
        if norm <= 1e-12:
            break
        lam = np.maximum(0.0, lam + theta * (upper - total) / norm * g)
    return RegionBound(best, k, best_solved, share, time.perf_counter() - began, passes)
