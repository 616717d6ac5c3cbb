"""A large-neighbourhood search: one region's sites at a time, re-planned exactly by HiGHS.

The local search (:mod:`siting.search.local`) changes one or two sites per move,
so it stops at plans that only a change of many sites at once can improve: a
neighbourhood where three medium facilities should be two large ones, placed
elsewhere. Here the sites are split into regions that share little demand
(:func:`siting.search.regions.site_regions`); for each region in turn, every
site outside it keeps its size and extra slots, every demand item out of the
region's reach keeps its assignment, and HiGHS solves what is left, the region's
sizes and the assignment of the demand it reaches, to optimality or to a short
time limit. It starts from the current plan, so it can only return a plan at
least as cheap; a cheaper one becomes the current plan. The restriction is made
on the cost stage's own model by fixing column bounds, so every row (the held
shortfall, demonstration facilities, budget, affordable share) holds unchanged.

A round visits every region, those with the most idle capacity first; the next
round uses another partition (another METIS seed), so the regions' borders move.
When two rounds in a row improve nothing, the plan is a local optimum for
regions of that size and time limit; with ``escalate`` the search then goes on
with the next size and limit given (a longer limit, larger regions), so a long
stage keeps both cores at work instead of leaving one idle. The search stops
when two rounds of the last of them improve nothing, at its time limit, or when
asked to.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import MatrixModel, give_up_when_set, satisfies, solve_model
from siting.model import ModelIndex
from siting.search.regions import site_regions

__all__ = ["RegionSearchStats", "region_search", "restrict_to_sites", "sliced"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RegionSearchStats:
    """What :func:`region_search` did.

    Attributes
    ----------
    start_cost, cost
        The plan's cost before and after.
    regions, improved
        Regions re-planned, and how many of them gave a cheaper plan.
    rounds
        Partitions used.
    sites_per_region, sub_limit_s
        The regions' size and time limit when the search ended (the first ones unless it
        escalated).
    seconds
        Wall time.
    """

    start_cost: float
    cost: float
    regions: int
    improved: int
    rounds: int
    sites_per_region: int
    sub_limit_s: float
    seconds: float


def restrict_to_sites(
    stage: MatrixModel, index: ModelIndex, values: FloatArray, free: IntArray
) -> MatrixModel:
    """The cost stage with everything but the ``free`` sites' decisions fixed at ``values``.

    Parameters
    ----------
    stage
        The cost stage's model.
    index
        Where each kind of variable sits.
    values
        A plan that satisfies ``stage`` (its integer columns whole).
    free
        Codes of the sites whose options and extra slots stay free.

    Returns
    -------
    MatrixModel
        ``stage`` with new column bounds: options and extra slots of the other
        sites, and the assignment and shortfall of demand no free site reaches, are
        fixed at ``values``. ``values`` satisfies it.
    """
    n_sites = len(index.site_capacity_existing)
    site_free = np.zeros(n_sites, dtype=bool)
    site_free[free] = True
    area_free = np.zeros(len(index.required), dtype=bool)
    area_free[index.x_demand_code[site_free[index.x_site_code]]] = True
    fixed = np.concatenate(
        [
            index.y.start + np.flatnonzero(~site_free[index.y_site_code]),
            index.e.start + np.flatnonzero(~site_free[index.e_site_code]),
            index.x.start + np.flatnonzero(~area_free[index.x_demand_code]),
            index.s.start + np.flatnonzero(~area_free),
        ]
    )
    lower, upper = stage.col_lower.copy(), stage.col_upper.copy()
    lower[fixed] = values[fixed]
    upper[fixed] = values[fixed]
    return replace(stage, col_lower=lower, col_upper=upper)


def sliced(
    stage: MatrixModel, values: FloatArray, *, csc: sp.csc_array | None = None
) -> tuple[MatrixModel, IntArray]:
    """``stage``'s program over its free columns only (``col_lower < col_upper``), the
    others held at ``values``: their part of each row moved into its bounds, and of the
    objective into the offset; rows that hold no free column (met by ``values``) left out.

    HiGHS solved each region on the whole model with the other columns fixed by their
    bounds, and passing and presolving 289,111 columns took 3–5 s of a region's 1 s on
    a 28,804-area city.

    Parameters
    ----------
    stage
        A model with the fixed columns' bounds closed (:func:`restrict_to_sites`).
    values
        The plan the fixed columns are held at.
    csc
        ``stage.A`` as a CSC array, when the caller keeps one.

    Returns
    -------
    tuple of MatrixModel and numpy.ndarray
        The smaller program, and the positions of its columns in ``stage``.
    """
    a = csc if csc is not None else sp.csc_array(stage.A)
    free = stage.col_lower < stage.col_upper
    cols = np.flatnonzero(free)
    held = np.where(free, 0.0, values)
    moved = a @ held
    part = a[:, cols]
    rows = np.unique(part.indices)
    return (
        MatrixModel(
            c=stage.c[cols],
            A=sp.csr_array(part[rows, :]),
            row_lower=stage.row_lower[rows] - moved[rows],
            row_upper=stage.row_upper[rows] - moved[rows],
            col_lower=stage.col_lower[cols],
            col_upper=stage.col_upper[cols],
            integer=stage.integer[cols],
            offset=float(stage.offset + stage.c @ held),
            sense=stage.sense,
        ),
        cols,
    )


def _idle_slots(index: ModelIndex, values: FloatArray) -> FloatArray:
    """Each site's open capacity that no demand uses in ``values``."""
    n_sites = len(index.site_capacity_existing)
    cap = index.site_capacity_existing.astype(np.float64).copy()
    cap[index.e_site_code] += values[index.e]
    np.add.at(cap, index.y_site_code, index.y_slots * values[index.y])
    load = np.bincount(index.x_site_code, weights=values[index.x], minlength=n_sites)
    return np.maximum(cap - load, 0.0)


def _whole(stage: MatrixModel, values: FloatArray) -> FloatArray:
    out = values.copy()
    out[stage.integer] = np.round(out[stage.integer])
    return out


def region_search(
    stage: MatrixModel,
    index: ModelIndex,
    values: FloatArray,
    *,
    graph: sp.csr_array,
    time_limit_s: float,
    sites_per_region: int = 50,
    sub_limit_s: float = 3.0,
    escalate: Sequence[tuple[int, float]] = (),
    seed: int = 0,
    stop: threading.Event | None = None,
    on_better: Callable[[FloatArray, float], None] | None = None,
) -> tuple[FloatArray, RegionSearchStats]:
    """Improve a plan region by region, each region's sub-problem solved by HiGHS.

    Parameters
    ----------
    stage
        The cost stage's model (minimised).
    index
        Where each kind of variable sits.
    values
        A plan that satisfies ``stage``.
    graph
        The sites' graph (:func:`siting.search.regions.demand_graph`).
    time_limit_s
        Wall-clock limit for the whole search.
    sites_per_region
        The regions' size.
    sub_limit_s
        HiGHS's limit for one region.
    escalate
        The regions' sizes and limits to go on with, in order, each time two rounds in
        a row improve nothing (empty: stop then).
    seed
        The first partition's seed; each round adds one.
    stop
        When set (from another thread), the search stops; a region being solved keeps
        the best plan HiGHS has for it by then.
    on_better
        Called with each cheaper plan and its cost.

    Returns
    -------
    tuple of numpy.ndarray and RegionSearchStats
        The best plan (it satisfies ``stage``; ``values`` itself when nothing
        cheaper was found) and what the search did.
    """
    began = time.perf_counter()
    best = _whole(stage, np.asarray(values, dtype=np.float64))
    if not satisfies(stage, best):
        best = np.asarray(values, dtype=np.float64)
    best_cost = start_cost = float(stage.c @ best + stage.offset)
    tried = improved = rounds = stale = 0

    def left() -> float:
        return time_limit_s - (time.perf_counter() - began)

    csc = sp.csc_array(stage.A)
    size, sub_s = sites_per_region, sub_limit_s
    steps = iter(escalate)
    give_up = give_up_when_set(stop)
    while left() > 0.05 and not (stop is not None and stop.is_set()):
        if stale >= 2:
            step = next(steps, None)
            if step is None:
                break
            (size, sub_s), stale = step, 0
        parts = site_regions(graph, sites_per_region=size, seed=seed + rounds)
        rounds += 1
        k = int(parts.max()) + 1 if len(parts) else 0
        idle = np.bincount(parts, weights=_idle_slots(index, best), minlength=k)
        gained = False
        for region in np.argsort(-idle, kind="stable"):
            if left() <= 0.05 or (stop is not None and stop.is_set()):
                break
            tried += 1
            sub = restrict_to_sites(stage, index, best, np.flatnonzero(parts == region))
            small, cols = sliced(sub, best, csc=csc)
            result = solve_model(
                small,
                time_limit_s=min(sub_s, left()),
                gap=1e-6,
                threads=1,
                start=best[cols],
                give_up=give_up,
            )
            if result.values is None or result.stats.objective is None:
                continue
            candidate = best.copy()
            candidate[cols] = result.values
            candidate = _whole(stage, candidate)
            cost = float(stage.c @ candidate + stage.offset)
            if cost < best_cost - 1e-7 * max(1.0, abs(best_cost)) and satisfies(stage, candidate):
                best, best_cost, gained = candidate, cost, True
                improved += 1
                if on_better is not None:
                    on_better(best, best_cost)
        stale = 0 if gained else stale + 1
    return best, RegionSearchStats(
        start_cost=start_cost,
        cost=best_cost,
        regions=tried,
        improved=improved,
        rounds=rounds,
        sites_per_region=size,
        sub_limit_s=sub_s,
        seconds=time.perf_counter() - began,
    )
