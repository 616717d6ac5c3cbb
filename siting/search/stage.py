"""The cost stage run as a search: local and regional searches, two bounds, HiGHS fed by them.

Within the stage's time limit, in order:

1. the local search's descent (:class:`~siting.search.local.CostSearch`) from the
   starting plan (the cost-aware greedy), to a local optimum (at most 15 % of the
   time with the regions, else half);
2. HiGHS on the cost stage's model, started from the best plan; each improving
   solution it finds goes through the descent, and the result, when cheaper, is
   handed back to HiGHS as a new incumbent. Beside it, on a second thread, the
   Lagrangian bound (:func:`~siting.search.bound.lagrangian_bound`) runs for at
   most 15 % of the limit (its compiled loop releases the GIL) and then, with the
   regions, the decomposition bound (:func:`~siting.search.decompose.region_bound`)
   for the rest of the stage. When HiGHS proves the requested gap the stage ends
   there, so small instances take about as long as with HiGHS alone. With the
   regions, HiGHS keeps the whole model for a fifth of the stage, and longer only
   while its own gap is under 2 % (or four times the requested gap): it is then
   near a proof that nothing else here can give;
3. the region search (:func:`~siting.search.lns.region_search`): regions of about
   50 sites, each re-planned exactly by HiGHS with the rest of the plan fixed, for
   the rest of the time (on one thread, 60 % of it, then the decomposition bound);
4. if time is still left, the local search with kicks (an iterated local search)
   from the best plan.

The plan is the cheapest of all; the bound is the highest of HiGHS's, the
Lagrangian one and the regions' one, and the gap is taken against it. Every plan
the search hands on is checked against every row of the stage's model
(:func:`siting.mip.satisfies`). The stage is "optimal" only when that gap is
proven within :data:`siting.mip.PROVEN_GAP`; otherwise it is "feasible" with its gap.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import PROVEN_GAP, MatrixModel, MipResult, relative_gap, satisfies, solve_model
from siting.model import SitingModel
from siting.search.bound import lagrangian_bound
from siting.search.decompose import RegionBound, region_bound
from siting.search.lns import region_search
from siting.search.local import CostSearch
from siting.search.regions import demand_graph
from siting.status import SolveStats, Status

__all__ = ["solve_cost_stage"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]


def solve_cost_stage(
    model: SitingModel,
    stage: MatrixModel,
    *,
    start: FloatArray,
    shortfall_cap: float,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    local: bool = True,
    bound: bool = True,
    highs: bool = True,
    regions: bool = True,
) -> tuple[MipResult, dict[str, Any]]:
    """Solve the cost stage with the local search and the Lagrangian bound around HiGHS.

    Parameters
    ----------
    model
        The built siting model.
    stage
        The cost stage's matrix model (the base rows plus the held shortfall row).
    start
        A plan that satisfies ``stage`` (the cost-aware greedy or stage 1's plan).
    shortfall_cap
        The right-hand side of the held shortfall row, unscaled.
    time_limit_s
        The stage's wall-clock limit (``None``: 120 s for the search parts).
    gap
        The relative gap at which the stage may stop.
    threads
        HiGHS threads.
    local, bound, highs, regions
        Which parts run (the benchmark compares them); HiGHS alone is
        ``local=False, bound=False``. ``regions`` (with ``local`` or ``bound``)
        adds the large-neighbourhood search by regions and, with ``bound``, the
        decomposition bound.

    Returns
    -------
    tuple of MipResult and dict
        The stage's result, and the details for ``run.json``: the bound and where
        it came from, who found the plan, and the seconds each part took.
    """
    began = time.perf_counter()
    limit = float(time_limit_s) if time_limit_s is not None else 120.0
    wanted = float(gap) if gap is not None else PROVEN_GAP
    times: dict[str, float] = {"local_search": 0.0, "lagrangian": 0.0, "highs": 0.0}
    if regions:
        times.update({"region_search": 0.0, "region_bound": 0.0})
    detail: dict[str, Any] = {"parts": [p for p, on in _parts(local, bound, highs, regions) if on]}

    def left() -> float:
        return max(0.0, limit - (time.perf_counter() - began))

    best = np.asarray(start, dtype=np.float64)
    best_cost = float(stage.c @ best + stage.offset)
    found_by = "start"
    detail["start_cost"] = best_cost
    search = CostSearch(model, shortfall_cap=shortfall_cap) if (local or bound) else None

    def polish(values: FloatArray, budget: float, *, kicks: bool = False) -> FloatArray | None:
        """The local search from ``values``; the result if it is cheaper and feasible."""
        assert search is not None
        t0 = time.perf_counter()
        search.load_plan(values)
        stats = search.improve(time_limit_s=budget, kicks=kicks)
        times["local_search"] += time.perf_counter() - t0
        if stats.cost >= stats.start_cost - 1e-6 * max(1.0, abs(stats.start_cost)):
            return None
        out = search.values()
        if not satisfies(stage, out):
            log.warning("the local search's plan breaks a row of the cost stage; not used")
            return None
        return out

    def take(values: FloatArray | None, who: str) -> None:
        nonlocal best, best_cost, found_by
        if values is None:
            return
        cost = float(stage.c @ values + stage.offset)
        if cost < best_cost - 1e-6 * max(1.0, abs(best_cost)):
            best, best_cost, found_by = values, cost, who

    # 1. the descent from the start (fast: a local optimum in seconds at city scale)
    if local and search is not None:
        take(polish(best, (0.15 if regions else 0.5) * limit), "local search")
        detail["local_search_cost"] = best_cost

    # 2. HiGHS from the best plan, its improving plans polished and fed back, while the
    #    Lagrangian bound runs beside it on a second thread (its loop is compiled and
    #    releases the GIL). With the regions, HiGHS has a fifth of the time (enough for
    #    the instances it proves); else all but a tenth, kept for kicks
    bounds: dict[str, float] = {}
    result: MipResult | None = None
    stop = threading.Event()
    lagrange: dict[str, Any] = {}

    def run_bound(budget: float) -> None:
        t0 = time.perf_counter()
        lagrange["result"] = lagrangian_bound(
            model,
            shortfall_cap=shortfall_cap,
            upper=best_cost,
            time_limit_s=budget,
            search=search,
            stop=stop,
        )
        times["lagrangian"] += time.perf_counter() - t0

    def proven() -> bool:
        if not bounds:
            return False
        enough = max(wanted, PROVEN_GAP) * (1 + 1e-6) + 1e-12
        return (relative_gap(best_cost, max(bounds.values())) or 0.0) <= enough

    def take_lagrange() -> None:
        if "result" in lagrange:
            lag = lagrange["result"]
            if np.isfinite(lag.bound):
                bounds["lagrangian"] = max(bounds.get("lagrangian", -np.inf), lag.bound)
            detail["lagrangian_iterations"] = lag.iterations

    use_regions = regions and search is not None
    graph: sp.csr_array | None = None

    def region_graph() -> sp.csr_array:
        """The sites' graph, built the first time the regions need it (never when HiGHS
        proves the stage alone); the thread beside reads it only after HiGHS's end."""
        nonlocal graph
        if graph is None:
            assert search is not None
            graph = demand_graph(search.pair_area, search.pair_site, search.req, search.n_sites)
        return graph

    region_out: dict[str, RegionBound] = {}

    def run_region_bound(budget: float) -> None:
        lag = lagrange.get("result")
        if not use_regions or search is None or lag is None or not np.isfinite(lag.bound):
            return
        if budget <= 0 or stop.is_set():
            return
        t0 = time.perf_counter()
        region_out["bound"] = region_bound(
            search,
            lag.multipliers,
            graph=region_graph(),
            shortfall_cap=shortfall_cap,
            time_limit_s=budget,
            upper=best_cost,
            sites_per_region=BOUND_SITES,
            stop=stop,
        )
        times["region_bound"] += time.perf_counter() - t0

    highs_over = threading.Event()

    def run_beside() -> None:
        run_bound(0.15 * limit)
        if use_regions:
            # the decomposition bound follows when HiGHS has left the whole model
            # unproven (so a plan HiGHS proves never depends on how fast this thread
            # was), for the rest of the stage
            highs_over.wait()
            run_region_bound(left() - 0.25)

    beside: threading.Thread | None = None
    fed: list[float] = []  # costs of the plans handed back to HiGHS
    if highs and left() > 0:
        highs_s = left() - (0.1 * limit if local else 0.0)
        give_up = None
        if use_regions:
            # with the regions, HiGHS keeps the stage past a fifth of it only while its
            # gap is small (it is then near its proof, which the regions cannot give)
            close = max(HIGHS_CLOSE_GAP, 4 * wanted)

            def give_up(seconds: float, highs_gap: float) -> bool:
                spent = time.perf_counter() - began
                return spent >= HIGHS_SHARE * limit and highs_gap > close

        if bound and search is not None and threads != 1:
            beside = threading.Thread(target=run_beside, name="bounds", daemon=True)
            beside.start()
        hook = None
        if local and search is not None:
            polish_s = min(5.0, 0.05 * limit)

            def hook(values: FloatArray) -> FloatArray | None:
                if left() <= polish_s + (0.1 if regions else 0.0) * limit:
                    return None
                better = polish(values, polish_s)
                if better is not None:
                    fed.append(float(stage.c @ better + stage.offset))
                return better

        t0 = time.perf_counter()
        ls_before = times["local_search"]
        try:
            result = solve_model(
                stage,
                solver="highs",
                time_limit_s=max(min(highs_s, left()), 0.01),
                gap=gap,
                threads=threads,
                start=best,
                incumbents=hook,
                give_up=give_up,
            )
        except BaseException:  # Ctrl-C: the bounds beside stop at their next step
            stop.set()
            raise
        finally:
            done = result is not None and (result.stats.gap or 1.0) <= max(wanted, PROVEN_GAP)
            if done:
                stop.set()
            elif use_regions and result is not None:
                region_graph()
            highs_over.set()
            if beside is not None and (done or not use_regions):
                # HiGHS proved its gap: no other bound is needed; else the Lagrangian
                # bound may use what is left of its time (with the regions, the bounds
                # go on beside the region search)
                beside.join(timeout=0.0 if done else left())
                stop.set()
                beside.join()
        # the local search run inside HiGHS's callbacks is counted as local search
        times["highs"] = time.perf_counter() - t0 - (times["local_search"] - ls_before)
        if result.stats.bound is not None:
            bounds["highs"] = result.stats.bound
        if result.stats.objective is not None:
            cost = float(result.stats.objective)
            polished = any(abs(cost - f) <= 1e-6 * max(1.0, abs(f)) for f in fed)
            take(result.values, "highs + local search" if polished else "highs")
        gap_left = relative_gap(best_cost, result.stats.bound) if result.stats.bound else None
        if bound and search is not None and threads == 1 and (gap_left or 1.0) > wanted:
            # one thread: the bound runs after HiGHS, and only when HiGHS left a gap
            run_bound(min(0.15 * limit, max(left(), 0.0)))
    elif bound and search is not None:
        run_bound(max(min(left(), 0.15 * limit if regions else left()), min(0.05 * limit, 2.0)))
    take_lagrange()

    # 3. unproven: the regions, each re-planned exactly (the large-neighbourhood search),
    #    while the decomposition bound runs beside it (or after it, on one thread)
    if use_regions and search is not None and not proven() and left() > 0:
        sequential = beside is None or not beside.is_alive()
        t0 = time.perf_counter()
        try:
            plan, lns = region_search(
                stage,
                model.index,
                best,
                graph=region_graph(),
                time_limit_s=0.6 * left() if sequential and bound else left(),
                sites_per_region=LNS_SITES,
                sub_limit_s=LNS_REGION_S,
            )
        except BaseException:
            stop.set()
            raise
        times["region_search"] += time.perf_counter() - t0
        if lns.cost < lns.start_cost:
            take(plan, "region search")
        detail["region_search"] = {
            "start_cost": lns.start_cost,
            "cost": lns.cost,
            "regions": lns.regions,
            "improved": lns.improved,
            "rounds": lns.rounds,
        }
        if sequential and bound and "bound" not in region_out:
            run_region_bound(left())
    if beside is not None and beside.is_alive():
        beside.join()
    take_lagrange()
    if "bound" in region_out:
        rb = region_out["bound"]
        detail["region_bound"] = {
            "bound": rb.bound if np.isfinite(rb.bound) else None,
            "regions": rb.regions,
            "solved": rb.solved,
            "relaxed_share": rb.relaxed_share,
            "passes": rb.passes,
        }
        if np.isfinite(rb.bound):
            bounds["regions"] = rb.bound

    # 4. still unproven: kicks (an iterated local search) from the best plan with the rest
    if local and search is not None and not proven() and left() > 0:
        who = "local search" if found_by in ("start", "local search") else found_by
        take(
            polish(best, left(), kicks=True),
            who if who.endswith("local search") else f"{who} + local search",
        )
    lower = max(bounds.values()) if bounds else None
    source = max(bounds, key=lambda k: bounds[k]) if bounds else None
    if lower is not None and lower > best_cost:
        lower = best_cost  # numerical noise only: a bound cannot exceed a feasible plan
    found_gap = relative_gap(best_cost, lower)
    by_highs = result is not None and result.stats.status is Status.OPTIMAL and found_by == "highs"
    by_bound = found_gap is not None and found_gap <= PROVEN_GAP * (1 + 1e-6) + 1e-12
    status = Status.OPTIMAL if by_highs or by_bound else Status.FEASIBLE
    solver_name = result.stats.solver if result is not None else "siting search"
    parts = [solver_name] + [
        p
        for p, on in (
            ("local search", local),
            ("lagrangian", bound),
            ("regions", regions and search is not None),
        )
        if on
    ]
    message = (
        f"cost search: plan by {found_by}, bound from {source or 'nothing'}"
        + (f"; highs: {result.stats.message}" if result is not None else "")
        + (" (stopped at the time limit)" if status is Status.FEASIBLE and left() <= 0 else "")
    )
    stats = SolveStats(
        status=status,
        objective=best_cost,
        bound=lower,
        gap=found_gap,
        solver=" + ".join(parts),
        build_s=result.stats.build_s if result is not None else 0.0,
        solve_s=time.perf_counter() - began,
        message=message,
    )
    detail.update(
        {
            "bound": lower,
            "bound_source": source,
            "bounds": bounds,
            "found_by": found_by,
            "times_s": {k: round(v, 3) for k, v in times.items()},
        }
    )
    return MipResult(values=best, stats=stats, extra={"cost_search": detail}), detail


def _parts(local: bool, bound: bool, highs: bool, regions: bool) -> list[tuple[str, bool]]:
    return [
        ("local_search", local),
        ("lagrangian", bound),
        ("highs", highs),
        ("regions", regions),
    ]


HIGHS_SHARE = 0.2
"""With the regions, the share of the stage HiGHS has on the whole model, unless close."""
HIGHS_CLOSE_GAP = 0.02
"""HiGHS's gap (or four times the requested one) under which it keeps the stage."""
LNS_SITES = 50
"""Sites per region of the large-neighbourhood search (HiGHS solves one in about a second)."""
LNS_REGION_S = 2.0
"""HiGHS's limit for one region of the large-neighbourhood search."""
BOUND_SITES = 40
"""Sites per region of the decomposition bound."""
