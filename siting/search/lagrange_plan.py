"""A plan from the Lagrangian relaxation's choice of sites (a Lagrangian heuristic).

At good multipliers the Lagrangian relaxation of the demand rows
(:mod:`siting.search.bound`) chooses, site by site, whether to open and at
which size, pricing demand by how hard it is to serve. Its choice is not a
plan (demand may be served twice or not at all), but it sees the whole city at
once, where the descent (:mod:`siting.search.local`) changes one or two sites
at a time from the greedy start and stops at the first plan no such move
improves. So the choice is turned into a plan by the local search's own moves,
each of which keeps every row:

1. every site the relaxation opens is opened, or grown, to its size there
   (capacity added never breaks a row);
2. every other open site is closed, the dearest first, where the demand it
   served can be rerouted (an exact maximum flow, as in every move);
3. the sites left larger than the relaxation's size are shrunk to it where
   the demand still fits;

then the descent runs to a local optimum. The moves do not check a budget row
(steps 1 and 3 can add cost); the stage uses the plan only when it is cheaper
than its best plan, which keeps the budget, and checks it with
:func:`siting.mip.satisfies`. This is done from each starting plan
given (in the stage, the greedy start and the best plan so far: they leave
different sites open where the relaxation opens none), and the cheapest result
is kept.

Measured from the converged multipliers (one minute's Lagrangian bound), a
second or a few: the benchmark city 1,395.0 M CNY against the descent's
1,416.9 M; the six-sizes city 1,197.1 M against 1,220.4 M; the stretch
instance 3,075.4 M against 3,117.9 M. Multipliers from early steps of the
subgradient give dearer plans (1,405–1,412 M on the city).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from siting.search.local import CostSearch

__all__ = ["LagrangianPlan", "lagrangian_plan", "steer"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LagrangianPlan:
    """The cheapest plan built from the relaxation's choice.

    Attributes
    ----------
    values
        The plan (one value per column of the model); ``None`` when no start was tried.
    cost
        Its cost (``inf`` without a plan).
    costs
        The cost reached from each start, in order (``nan`` for a start not tried).
    seconds
        Wall time.
    """

    values: FloatArray | None
    cost: float
    costs: tuple[float, ...]
    seconds: float


def steer(
    search: CostSearch,
    option: IntArray,
    extra: FloatArray,
    *,
    stop: threading.Event | None = None,
) -> None:
    """Move the search's plan towards a choice of options and extra slots.

    Every move keeps every row the local search checks (demand within the held
    shortfall, demonstration facilities, the affordable share), but not a budget,
    so the plan satisfies the cost stage after any move, and steering can stop
    between two moves.

    Parameters
    ----------
    search
        Holds a plan that satisfies the cost stage; it is changed in place.
    option
        Per site, the option to open (a position among the model's ``y`` columns) or -1.
    extra
        Per site, the extra slots to add (0 where it cannot expand).
    stop
        When set (from another thread), steering ends before its next move.
    """
    slots = search.opt_slots

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    # 1. open or grow every chosen site (more capacity: always kept)
    for j in np.flatnonzero(option >= 0).tolist():
        if stopped():
            return
        now, want = int(search.site_opt[j]), int(option[j])
        if now == want or (now >= 0 and slots[now] > slots[want]):
            continue
        search.try_site(j, want, max(float(extra[j]), float(search.site_ext[j])))
    for j in np.flatnonzero(extra > search.site_ext).tolist():
        if stopped():
            return
        search.try_site(j, int(search.site_opt[j]), float(extra[j]))
    # 2. close every other open site, the dearest first, where demand can be rerouted
    others = np.flatnonzero((search.site_opt >= 0) & (option < 0))
    others = others[np.argsort(-search.opt_cost[search.site_opt[others]], kind="stable")]
    for j in others.tolist():
        if stopped():
            return
        search.try_site(j, -1, float(search.site_ext[j]))
    # 3. shrink the chosen sites left larger than their chosen size
    for j in np.flatnonzero((option >= 0) & (search.site_opt >= 0)).tolist():
        if stopped():
            return
        if search.site_opt[j] != option[j]:
            search.try_site(j, int(option[j]), float(search.site_ext[j]))


def lagrangian_plan(
    search: CostSearch,
    option: IntArray,
    extra: FloatArray,
    starts: Sequence[FloatArray],
    *,
    time_limit_s: float,
    stop: threading.Event | None = None,
) -> LagrangianPlan:
    """The cheapest local optimum reached by steering each start towards the relaxation's choice.

    Parameters
    ----------
    search
        A :class:`~siting.search.local.CostSearch` of the model; its state is overwritten
        (give each thread its own).
    option, extra
        The relaxation's choice (:attr:`~siting.search.bound.LagrangianBound.site_option`
        and ``site_extra``).
    starts
        Plans that satisfy the cost stage, tried in order.
    time_limit_s
        Wall-clock limit, shared by the starts' descents.
    stop
        When set (from another thread), the descent stops after its current move and no
        further start is tried.

    Returns
    -------
    LagrangianPlan
        The cheapest plan found and what each start gave. Every plan it returns went
        through the local search's moves only, each of which keeps every row of the
        cost stage but a budget (the caller checks it with :func:`siting.mip.satisfies`).
    """
    began = time.perf_counter()
    best: FloatArray | None = None
    best_cost = np.inf
    costs = [np.nan] * len(starts)
    option = np.asarray(option, dtype=np.int64)
    extra = np.asarray(extra, dtype=np.float64)
    for n, start in enumerate(starts):
        left = time_limit_s - (time.perf_counter() - began)
        if left <= 0 or (stop is not None and stop.is_set()):
            break
        search.load_plan(start)
        steer(search, option, extra, stop=stop)
        # each start's descent gets its share of what is left
        search.improve(time_limit_s=left / (len(starts) - n), kicks=False, stop=stop)
        costs[n] = search.cost()
        if costs[n] < best_cost:
            best, best_cost = search.values(), costs[n]
    return LagrangianPlan(
        values=best, cost=float(best_cost), costs=tuple(costs), seconds=time.perf_counter() - began
    )
