r"""A lower bound on the cost stage by Lagrangian relaxation of the demand rows.

With the demand rows :math:`\sum_j x_{ij} + s_i \ge R_i` moved into the objective
with multipliers :math:`\lambda_i \ge 0`, the cost stage falls apart by site:

.. math::

   L(\lambda) = \sum_i \lambda_i R_i
     + \sum_j \min_{k, e} \Big( c_{jk} + e^c_j e - \max_{x} \sum_i \lambda_i x_{ij} \Big)
     - \max_{s} \sum_i \lambda_i s_i

where site :math:`j` picks one option :math:`k` (or none) and its extra slots
:math:`e` (an integer) and fills that capacity with the demand of highest
:math:`\lambda` it reaches (a fractional knapsack, solved exactly), and the
unserved slots :math:`s` may total what the shortfall stage left. Each
district that needs demonstration facilities gets them at its sites where
they cost the least extra (exact, since the sites are otherwise independent).
The budget and the affordable-share rows are dropped (a relaxation of a
relaxation is still a lower bound). :math:`L(\lambda)` is a lower bound on
the cost stage's optimum for every :math:`\lambda \ge 0`; because each site's
size is chosen whole, it can be far above the LP bound, which may open a
fraction of a large, cheap-per-slot facility. The multipliers are improved by
subgradient steps (Polyak's step towards the best known plan's cost, halved
when the bound stalls).

Demand items that no site reaches keep their rows (their slots are unserved in
every plan), so they do not take the allowance for unserved slots.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from siting.jit import compiled
from siting.model import SitingModel
from siting.search._kernels import lagrange_eval
from siting.search.local import CostSearch

__all__ = ["HeldShortfall", "LagrangianBound", "held_shortfall", "lagrangian_bound"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LagrangianBound:
    """The best Lagrangian bound found.

    Attributes
    ----------
    bound
        The bound (a cost no plan of the cost stage can beat); ``-inf`` if none.
    multipliers
        The multipliers that gave it, one per demand item.
    iterations
        Subgradient steps taken.
    seconds
        Wall time.
    site_option, site_extra
        The relaxation's choice at those multipliers: per site, the option it opens
        (a position among the model's ``y`` columns, or -1) and its extra slots. A plan
        built from it (:func:`siting.search.lagrange_plan.lagrangian_plan`) is often
        far cheaper than the descent's.
    """

    bound: float
    multipliers: FloatArray
    iterations: int
    seconds: float
    site_option: npt.NDArray[np.int64]
    site_extra: FloatArray


@dataclass(frozen=True)
class HeldShortfall:
    """What the held shortfall row leaves the cost stage's relaxations.

    The row is ``W * missing demonstration + unserved + missing affordable <= cap``.

    Attributes
    ----------
    reached
        Per demand item: whether any site reaches it (the others are unserved in
        every plan, and keep their rows).
    budget
        The unserved slots allowed among the reached items.
    enforce_demo
        Whether every district must get its demonstration facilities (the cap is
        below the weight of one missing facility).
    """

    reached: npt.NDArray[np.bool_]
    budget: float
    enforce_demo: bool


def held_shortfall(search: CostSearch, shortfall_cap: float) -> HeldShortfall:
    """The held shortfall row as the relaxations read it (see :class:`HeldShortfall`)."""
    reached = np.bincount(search.pair_area, minlength=search.n_areas) > 0
    unreached = float(search.req[~reached].sum())
    return HeldShortfall(
        reached=reached,
        budget=max(0.0, shortfall_cap - unreached),
        enforce_demo=shortfall_cap < search.model.demo_weight - 1e-9,
    )


def _start_multipliers(search: CostSearch) -> FloatArray:
    """For each item, the lowest cost per slot of any option of a site that reaches it."""
    per_slot = np.full(search.n_sites, np.inf)
    if len(search.opt_site):
        np.minimum.at(
            per_slot, search.opt_site, search.opt_cost / np.maximum(search.opt_slots, 1e-9)
        )
    expandable = search.ext_max > 0
    per_slot[expandable] = np.minimum(per_slot[expandable], search.ext_cost[expandable])
    per_slot[~np.isfinite(per_slot)] = 0.0
    lam = np.full(search.n_areas, np.inf)
    np.minimum.at(lam, search.pair_area, per_slot[search.pair_site])
    lam[~np.isfinite(lam)] = 0.0
    return lam


def lagrangian_bound(
    model: SitingModel,
    *,
    shortfall_cap: float,
    upper: float | None = None,
    time_limit_s: float = 10.0,
    max_iterations: int = 3000,
    start: FloatArray | None = None,
    search: CostSearch | None = None,
    patience: int = 20,
    theta0: float = 2.0,
    reset: bool = True,
    stop: threading.Event | None = None,
) -> LagrangianBound:
    """A lower bound on the cost stage's optimum, by subgradient steps on the demand rows.

    Parameters
    ----------
    model
        The built model.
    shortfall_cap
        The most the shortfall objective may be (the shortfall stage's optimum).
    upper
        The cost of a known plan (the target of Polyak's step); without one, a
        target 10 % above the current bound is used.
    time_limit_s
        Wall-clock limit.
    max_iterations
        Subgradient steps at most.
    start
        Multipliers to start from (one per demand item); default: each item's
        lowest cost per slot among the options that reach it.
    search
        A :class:`~siting.search.local.CostSearch` of the same model, to reuse its
        (read-only) arrays.
    patience, theta0, reset
        The step: Polyak's step times ``theta``, which starts at ``theta0`` and is
        halved after ``patience`` steps without a better bound (going back to the best
        multipliers when ``reset``).
    stop
        When set (from another thread), the steps stop at the next one.

    Returns
    -------
    LagrangianBound
        The best bound, its multipliers, steps and time.
    """
    began = time.perf_counter()
    s = search if search is not None else CostSearch(model, shortfall_cap=shortfall_cap)
    ix = model.index
    held = held_shortfall(s, shortfall_cap)
    reached, enforce_demo, s_budget = held.reached, held.enforce_demo, held.budget
    site_row = np.full(s.n_sites, -1, dtype=np.int64)
    demo_opts = s.opt_row >= 0
    site_row[s.opt_site[demo_opts]] = s.opt_row[demo_opts]
    lam = np.asarray(start, dtype=np.float64).copy() if start is not None else _start_multipliers(s)
    lam[~reached] = 0.0
    grad = np.zeros(s.n_areas)
    site_opt = np.zeros(s.n_sites, dtype=np.int64)
    site_ext = np.zeros(s.n_sites)
    kernel = compiled(lagrange_eval)
    best, best_lam = -np.inf, lam.copy()
    theta, stall, it = theta0, 0, 0
    need = ix.t_need.astype(np.float64)

    def evaluate(at: FloatArray) -> float:
        return float(
            kernel(
                at,
                s.s_ptr,
                s.s_pairs,
                s.pair_area,
                s.req,
                s.base_cap,
                s.existing,
                s.o_ptr,
                s.o_list,
                s.opt_slots,
                s.opt_cost,
                s.opt_row,
                s.ext_max,
                s.ext_cost,
                site_row,
                need,
                enforce_demo,
                reached,
                s_budget,
                grad,
                site_opt,
                site_ext,
            )
        )

    while it < max_iterations and time.perf_counter() - began < time_limit_s:
        if stop is not None and stop.is_set():
            break
        it += 1
        value = evaluate(lam)
        if not np.isfinite(best) or value > best + 1e-9 * max(1.0, abs(best)):
            best, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= patience:
                theta, stall = theta / 2, 0
                if theta < 1e-4:
                    break
                if reset:
                    lam = best_lam.copy()
                    continue
        norm = float(grad @ grad)
        if norm <= 1e-12:
            break  # the relaxed plan serves demand exactly: the bound is the optimum
        target = upper if upper is not None and upper > best else best + 0.1 * abs(best) + 1.0
        step = theta * (target - value) / norm
        lam = np.maximum(0.0, lam + step * grad)
    if it:
        evaluate(best_lam)  # the relaxation's choice at the best multipliers
    return LagrangianBound(
        bound=best if best < 1e29 else -np.inf,
        multipliers=best_lam,
        iterations=it,
        seconds=time.perf_counter() - began,
        site_option=site_opt if it else np.full(s.n_sites, -1, dtype=np.int64),
        site_extra=site_ext,
    )
