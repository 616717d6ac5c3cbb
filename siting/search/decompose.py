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
Each region's program is the cost stage's own rows and columns of the region
(taken from the model as built, linking rows included), so it is as tight as
the cost stage, and whole: the bound captures that a few areas' demand cannot
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

from siting.mip import MatrixModel, give_up_when_set, solve_model
from siting.search.bound import held_shortfall
from siting.search.local import CostSearch
from siting.search.regions import site_regions
from siting.status import Status

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
    link_of_pair: IntArray,
) -> MatrixModel:
    """Region's program: the cost stage's own rows and columns of its sites and interior items.

    Columns: the region's pairs, its sites' options and extra slots, its interior
    items' shortfall. Rows: its interior items' demand rows, its sites' capacity and
    one-option rows, and its pairs' linking rows, all taken from the model as built.
    """
    base, ix = s.model.base, s.model.index
    area = s.pair_area[pairs]
    in_region = np.zeros(s.n_sites, dtype=bool)
    in_region[sites] = True
    opts = np.flatnonzero(in_region[s.opt_site])
    exts = np.flatnonzero(in_region[ix.e_site_code])
    interior = np.unique(area[~relaxed[area]])
    links = link_of_pair[pairs]
    links = links[links >= 0]
    cols = np.concatenate(
        [ix.x.start + pairs, ix.y.start + opts, ix.e.start + exts, ix.s.start + interior]
    )
    rows = np.concatenate(
        [
            ix.demand_rows.start + interior,
            ix.capacity_rows.start + sites,
            ix.option_rows.start + sites,
            ix.link_rows.start + links,
        ]
    )
    opt_nu = np.append(nu, 0.0)[s.opt_row[opts]]  # row -1 (not a demonstration option): 0
    c = np.concatenate(
        [
            np.where(relaxed[area], -lam[area], 0.0),
            s.opt_cost[opts] - opt_nu,
            s.ext_cost[ix.e_site_code[exts]],
            np.full(len(interior), mu),
        ]
    )
    return MatrixModel(
        c=c,
        A=sp.csr_array(base.A)[rows][:, cols],
        row_lower=base.row_lower[rows],
        row_upper=base.row_upper[rows],
        col_lower=base.col_lower[cols],
        col_upper=base.col_upper[cols],
        integer=base.integer[cols],
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
        When set (from another thread), the bound stops: a region being solved ends
        at HiGHS's next check, and a pass cut short does not count.

    Returns
    -------
    RegionBound
        The best bound of a whole pass, and how it was found.
    """
    began = time.perf_counter()
    s = search
    lam = np.maximum(np.asarray(multipliers, dtype=np.float64), 0.0)
    held = held_shortfall(s, shortfall_cap)
    reached, budget = held.reached, held.budget
    lam = np.where(reached, lam, 0.0)
    nu = _demo_multipliers(s) if held.enforce_demo else np.zeros(len(s.demo_need))
    mu = _budget_multiplier(lam, s.req, reached, budget)
    parts = site_regions(graph, sites_per_region=sites_per_region, seed=seed)
    k = int(parts.max()) + 1 if len(parts) else 0
    pair_part = parts[s.pair_site]
    low = np.full(s.n_areas, np.iinfo(np.int64).max)
    high = np.full(s.n_areas, -1)
    np.minimum.at(low, s.pair_area, pair_part)
    np.maximum.at(high, s.pair_area, pair_part)
    relaxed = reached & (low != high)
    ix = s.model.index
    link_of_pair = np.full(len(s.pair_area), -1, dtype=np.int64)
    link_of_pair[ix.link_pair] = np.arange(len(ix.link_pair))
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
        sub = _region_model(s, lam, nu, mu, relaxed, pairs, sites, link_of_pair)
        if sub.num_cols:
            cols = np.flatnonzero(relaxed[s.pair_area[pairs]])
            programs.append((sub, cols, s.pair_area[pairs[cols]]))
    starts: list[FloatArray | None] = [None] * len(programs)
    best, best_solved, theta, stale, passes = -np.inf, 0, 1.0, 0, 0
    last_pass = 0.0

    give_up = give_up_when_set(stop)

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
                give_up=give_up,
            )
            if stop is not None and stop.is_set():
                total = -np.inf
                break
            if result.stats.bound is None or not np.isfinite(result.stats.bound):
                total = -np.inf
                break
            total += float(result.stats.bound)
            solved += int(result.stats.status is Status.OPTIMAL)
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
