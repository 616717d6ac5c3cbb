"""The cost stage run as a search: local and regional searches, bounds, HiGHS fed by them.

With two threads or more (the default), within the stage's time limit:

1. the local search's descent (:class:`~siting.search.local.CostSearch`) from the
   starting plan (the cost-aware greedy), to a local optimum (at most 15 % of the
   time with the regions, else half), while the Lagrangian bound
   (:func:`~siting.search.bound.lagrangian_bound`) runs beside it for at most 15 %
   of the limit (its compiled loop releases the GIL);
2. HiGHS on the whole cost stage, started from the best plan, for the rest of the
   time: each improving solution it finds goes through the descent, and the result,
   when cheaper, is handed back to HiGHS as a new incumbent. Beside it, once the
   Lagrangian bound is done and HiGHS has had the model to itself for 2 s (at most
   5 % of the stage): the plan built from the Lagrangian relaxation's choice of
   sites (:func:`~siting.search.lagrange_plan.lagrangian_plan`, from the greedy
   start and from the descent's plan, for at most a quarter of the stage), then,
   from the cheapest plan so far, the region search
   (:func:`~siting.search.lns.region_search`): regions of about 50 sites, each
   re-planned exactly by HiGHS with the rest of the plan fixed (when two partitions
   in a row improve nothing, with longer limits and then larger regions). After
   the first fifth of the stage, every cheaper plan found beside HiGHS is offered to
   it as an incumbent (which prunes its tree), and HiGHS's own bound keeps rising
   (without the regions, the Lagrangian plan is only compared at the end).
   When HiGHS proves the requested gap the stage ends there with HiGHS's plan, so
   small instances take about as long as with HiGHS alone and give the same plan
   however busy the machine is. Without the regions, a tenth of the time is kept
   for step 3;
3. if time is still left, the local search with kicks (an iterated local search)
   from the best plan.

On one thread (a province's workers) the same parts run one after the other: the
descent; HiGHS, which keeps the model past a fifth of the stage only while its gap
is under 2 % (or four times the requested gap), as it is then near a proof nothing
else here can give; the Lagrangian bound and its plan; the region search (60 % of
what is left); the decomposition bound (:func:`~siting.search.decompose.region_bound`);
kicks.

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
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import (
    PROVEN_GAP,
    GiveUp,
    IncumbentHook,
    MatrixModel,
    MipResult,
    Offers,
    give_up_when_set,
    relative_gap,
    satisfies,
    solve_model,
)
from siting.model import SitingModel
from siting.search.bound import LagrangianBound, lagrangian_bound
from siting.search.decompose import RegionBound, region_bound
from siting.search.lagrange_plan import lagrangian_plan
from siting.search.lns import region_search
from siting.search.local import CostSearch
from siting.search.regions import demand_graph
from siting.search.warm import warm_up
from siting.status import SolveStats, Status

__all__ = ["solve_cost_stage"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

HIGHS_SHARE = 0.2
"""With the regions, the share of the stage HiGHS has to itself: on one thread it then
stops unless close to its proof; on two it sees the plans found beside it (the
Lagrangian plan's, the region search's) only after it."""
HIGHS_CLOSE_GAP = 0.02
"""HiGHS's gap (or four times the requested one) under which it keeps the stage."""
HIGHS_ALONE_S = 2.0
"""On two threads, the seconds (at most 5 % of the stage) HiGHS runs before the
Lagrangian plan and the region search start beside it."""
LNS_SITES = 50
"""Sites per region of the large-neighbourhood search (HiGHS solves one in about a second)."""
LNS_REGION_S = 1.0
"""HiGHS's limit for one region of the large-neighbourhood search: it finds most of a
region's saving in its first second, and a minute then covers every region once (at
50 s: city 1,392.4 against 1,394.2 M with 2 s; six-sizes 1,206.0 against 1,207.5 M;
stretch 3,084.5 against 3,090.6 M; at 0.5 s six-sizes stalls at 1,216.4 M)."""
LNS_ESCALATION = ((50, 3.0), (100, 6.0))
"""The large-neighbourhood search's next regions (sites, seconds each) once two
partitions in a row improve nothing. Without it, a 3,600 s stage of the city went
stale at 50 sites and 1 s by 1,192 s and left the other core idle (a 600 s one by
518 s; another 600 s run was never stale twice); from that 3,600 s plan
(1,374.44 M), 300 s of regions found 1.39 M more with 50 sites and 3 s, 1.23 M with
100 sites and 6 s, and 0.04 M with 200 sites and 15 s."""
BOUND_SITES = 40
"""Sites per region of the decomposition bound."""
LAGRANGE_PLAN_SHARE = 0.25
"""On two threads, the most of the stage the Lagrangian plan may take beside HiGHS. It
stops earlier on most cities (the benchmark city 1 s of 60, six-sizes 8 s), but on
``wide`` (75,692 pairs) its two descents need more than 9 s: with 15 s the stage's plan
was 1,095.1 and 1,095.6 M at 60 s, against 1,097.0-1,100.1 M in four runs with 9 s."""


PRESOLVE_S_PER_NONZERO = 30e-6
"""HiGHS's presolve of a cost stage, seconds per nonzero on this 2-core machine, the
slower of two cities of about 28,000 areas: 19 s for 0.67 million nonzeros (the
hand-over-shaped city of ``python -m benchmarks.time_limits``) and 19 s for 1.3 million
(a grid city). The benchmark city's 0.17 million take 1-2 s."""


def presolve_too_slow(stage: MatrixModel, time_limit_s: float) -> bool:
    """Whether HiGHS's presolve of the cost stage would take more than half of
    ``time_limit_s`` (and more than a second), by :data:`PRESOLVE_S_PER_NONZERO`.

    HiGHS 1.16's presolve does not stop at its time limit. On a 28,000-area grid city's
    cost stage it took 19 s of an 8 s limit and left no bound, and the 10 s stage took
    25 s; without presolve HiGHS ends on time with its root's bound, and the stage took
    11 s. (The shortfall stage's presolve of the same city takes a second, so this is the
    cost stage's alone.)
    """
    estimate = stage.A.nnz * PRESOLVE_S_PER_NONZERO
    return bool(estimate > max(1.0, 0.5 * time_limit_s))


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
    """Solve the cost stage with the local and region searches and the bounds around HiGHS.

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
        HiGHS threads; with one, the parts run one after the other.
    local, bound, highs, regions
        Which parts run (the benchmark compares them); HiGHS alone is
        ``local=False, bound=False``. ``regions`` (with ``local`` or ``bound``)
        adds the large-neighbourhood search by regions and, on one thread with
        ``bound``, the decomposition bound.

    Returns
    -------
    tuple of MipResult and dict
        The stage's result, and the details for ``run.json``: the bound and where
        it came from, who found the plan, and the seconds each part took.
    """
    run = _Stage(
        model,
        stage,
        start=start,
        shortfall_cap=shortfall_cap,
        limit=float(time_limit_s) if time_limit_s is not None else 120.0,
        wanted=float(gap) if gap is not None else PROVEN_GAP,
        gap=gap,
        threads=threads,
        parts={"local_search": local, "lagrangian": bound, "highs": highs, "regions": regions},
    )
    if highs and bound and threads != 1:  # (``bound`` gives the run its search)
        _side_by_side(run)
    else:
        _one_after_another(run)
    return run.finish()


class _Stage:
    """One cost stage's run: the parts, and what they share (the best plan, the bounds,
    the seconds each part took, the details for ``run.json``)."""

    def __init__(
        self,
        model: SitingModel,
        stage: MatrixModel,
        *,
        start: FloatArray,
        shortfall_cap: float,
        limit: float,
        wanted: float,
        gap: float | None,
        threads: int | None,
        parts: dict[str, bool],
    ) -> None:
        # compiled before the clock starts: a cold numba cache took seconds of the limit
        compile_s = warm_up() if (parts["local_search"] or parts["lagrangian"]) else 0.0
        self.began = time.perf_counter()
        self.model, self.stage, self.shortfall_cap = model, stage, shortfall_cap
        self.limit, self.wanted, self.gap, self.threads = limit, wanted, gap, threads
        self.local, self.bound = parts["local_search"], parts["lagrangian"]
        self.highs = parts["highs"]
        self.search = (
            CostSearch(model, shortfall_cap=shortfall_cap) if (self.local or self.bound) else None
        )
        self.regions = parts["regions"] and self.search is not None
        self.times: dict[str, float] = {
            "local_search": 0.0,
            "lagrangian": 0.0,
            "lagrangian_plan": 0.0,
            "highs": 0.0,
        }
        if parts["regions"]:
            self.times.update({"region_search": 0.0, "region_bound": 0.0})
        self.start = self.best = np.asarray(start, dtype=np.float64)
        self.best_cost = self.cost_of(self.best)
        self.found_by = "start"
        self.detail: dict[str, Any] = {
            "parts": [p for p, on in parts.items() if on],
            "start_cost": self.best_cost,
            "compile_s": compile_s,
        }
        self.bounds: dict[str, float] = {}
        self.result: MipResult | None = None
        self.stop = threading.Event()
        self.lagrange: LagrangianBound | None = None
        self.graph: sp.csr_array | None = None
        self.fed: list[float] = []  # costs of the plans handed back to HiGHS
        self.offered: list[tuple[float, str]] = []  # plans handed to HiGHS: cost, finder
        self.region_plan: FloatArray | None = None
        self.lagrange_plan: FloatArray | None = None

    # -- bookkeeping ------------------------------------------------------------------

    def left(self) -> float:
        """Seconds left of the stage."""
        return max(0.0, self.limit - (time.perf_counter() - self.began))

    def cost_of(self, values: FloatArray) -> float:
        """A plan's cost."""
        return float(self.stage.c @ values + self.stage.offset)

    def take(self, values: FloatArray | None, who: str) -> None:
        """Keep ``values`` (found by ``who``) when it is cheaper than the best plan."""
        if values is None:
            return
        cost = self.cost_of(values)
        if cost < self.best_cost - 1e-6 * max(1.0, abs(self.best_cost)):
            self.best, self.best_cost, self.found_by = values, cost, who

    def proven(self) -> bool:
        """Whether the best bound proves the best plan within the requested gap."""
        if not self.bounds:
            return False
        enough = max(self.wanted, PROVEN_GAP) * (1 + 1e-6) + 1e-12
        return (relative_gap(self.best_cost, max(self.bounds.values())) or 0.0) <= enough

    def region_graph(self) -> sp.csr_array:
        """The sites' graph, built the first time the regions need it (never when HiGHS
        proves the stage alone)."""
        if self.graph is None:
            s = self.search
            assert s is not None
            self.graph = demand_graph(s.pair_area, s.pair_site, s.req, s.n_sites)
        return self.graph

    # -- the parts --------------------------------------------------------------------

    def polish(
        self, values: FloatArray, budget: float, *, kicks: bool = False
    ) -> FloatArray | None:
        """The local search from ``values``; the result if it is cheaper and feasible."""
        assert self.search is not None
        t0 = time.perf_counter()
        self.search.load_plan(values)
        stats = self.search.improve(time_limit_s=budget, kicks=kicks)
        self.times["local_search"] += time.perf_counter() - t0
        if stats.cost >= stats.start_cost - 1e-6 * max(1.0, abs(stats.start_cost)):
            return None
        out = self.search.values()
        if not satisfies(self.stage, out):
            log.warning("the local search's plan breaks a row of the cost stage; not used")
            return None
        return out

    def descend(self) -> None:
        """The descent from the start (a local optimum in seconds at city scale)."""
        if self.local and self.search is not None:
            self.take(
                self.polish(self.best, (0.15 if self.regions else 0.5) * self.limit), "local search"
            )
            self.detail["local_search_cost"] = self.best_cost

    def lagrangian(self, budget: float) -> None:
        """The Lagrangian bound, for at most ``budget`` seconds (or until ``stop``)."""
        t0 = time.perf_counter()
        self.lagrange = lagrangian_bound(
            self.model,
            shortfall_cap=self.shortfall_cap,
            upper=self.best_cost,
            time_limit_s=budget,
            search=self.search,
            stop=self.stop,
        )
        self.times["lagrangian"] += time.perf_counter() - t0

    def take_lagrange(self) -> None:
        """Count the Lagrangian bound, once it has run."""
        lag = self.lagrange
        if lag is not None:
            if np.isfinite(lag.bound):
                self.bounds["lagrangian"] = max(self.bounds.get("lagrangian", -np.inf), lag.bound)
            self.detail["lagrangian_iterations"] = lag.iterations

    def plan_from_lagrange(self, seconds: float) -> tuple[FloatArray, bool]:
        """The plan from the Lagrangian relaxation's choice, from the start and from the
        best plan (on a search of its own: HiGHS's callbacks use the stage's).

        Returns the plan the parts after it start from, and whether it is the new one
        (else the best plan as it was when this began)."""
        best, best_cost = self.best, self.best_cost  # HiGHS's thread may replace them
        lag = self.lagrange
        if not self.local or lag is None or not np.isfinite(lag.bound):
            return best, False
        if seconds <= 0 or self.stop.is_set():
            return best, False
        starts = [self.start] if best is self.start else [self.start, best]
        found = lagrangian_plan(
            CostSearch(self.model, shortfall_cap=self.shortfall_cap),
            lag.site_option,
            lag.site_extra,
            starts,
            time_limit_s=seconds,
            stop=self.stop,
        )
        self.times["lagrangian_plan"] += found.seconds
        self.detail["lagrangian_plan"] = {
            "cost": found.cost if found.values is not None else None,
            "costs": [c if np.isfinite(c) else None for c in found.costs],
        }
        if found.values is None:
            return best, False
        # not cheaper: not used (this also keeps a budget row, which the moves do not
        # check, whenever the best plan keeps it)
        if found.cost >= best_cost - 1e-6 * max(1.0, abs(best_cost)):
            return best, False
        if not satisfies(self.stage, found.values):
            log.warning("the Lagrangian plan breaks a row of the cost stage; not used")
            return best, False
        self.lagrange_plan = found.values
        return found.values, True

    def take_lagrange_plan(self) -> None:
        """Count the plan from the Lagrangian relaxation's choice, once it has run."""
        self.take(self.lagrange_plan, "lagrangian plan")

    def run_highs(
        self, seconds: float, *, give_up: GiveUp | None = None, offers: Offers | None = None
    ) -> MipResult:
        """HiGHS on the whole stage from the best plan; its improving plans polished and
        fed back, and ``offers``'s plans taken. ``offers`` comes only from the thread
        beside HiGHS with the regions (the Lagrangian plan, then the region search's
        plans); HiGHS then keeps polishing until the stage's end.
        Ctrl-C sets ``stop`` (the parts beside stop at their next step)."""
        hook: IncumbentHook | None = None
        if self.local and self.search is not None:
            polish_s = min(5.0, 0.05 * self.limit)
            regions_beside = offers is not None
            keep = 0.0 if regions_beside else (0.1 if self.regions else 0.0) * self.limit

            def hook(values: FloatArray) -> FloatArray | None:
                if self.left() <= polish_s + keep:
                    return None
                better = self.polish(values, polish_s)
                if better is not None:
                    self.fed.append(self.cost_of(better))
                return better

        t0 = time.perf_counter()
        ls_before = self.times["local_search"]
        limit = max(min(seconds, self.left()), 0.01)
        try:
            result = solve_model(
                self.stage,
                solver="highs",
                time_limit_s=limit,
                gap=self.gap,
                threads=self.threads,
                start=self.best,
                incumbents=hook,
                give_up=give_up,
                offers=offers,
                options={"presolve": "off"} if presolve_too_slow(self.stage, limit) else None,
            )
        except BaseException:
            self.stop.set()
            raise
        # the local search run inside HiGHS's callbacks is counted as local search
        self.times["highs"] = time.perf_counter() - t0 - (self.times["local_search"] - ls_before)
        self.result = result
        if result.stats.bound is not None:
            self.bounds["highs"] = result.stats.bound
        if result.stats.objective is not None:
            cost = float(result.stats.objective)

            def among(costs: list[float]) -> bool:
                return any(abs(cost - f) <= 1e-6 * max(1.0, abs(f)) for f in costs)

            who = "highs + local search" if among(self.fed) else "highs"
            for offered, finder in self.offered:
                if among([offered]):
                    who = finder
            self.take(result.values, who)
        return result

    def highs_proved(self) -> bool:
        """Whether HiGHS proved the requested gap."""
        gap = self.result.stats.gap if self.result is not None else None
        return gap is not None and gap <= max(self.wanted, PROVEN_GAP)

    def region_search(
        self,
        start: FloatArray,
        seconds: float,
        *,
        offer: list[tuple[FloatArray, str]] | None = None,
    ) -> None:
        """The region search from ``start``; each cheaper plan also goes to ``offer``."""
        t0 = time.perf_counter()

        def better(values: FloatArray, cost: float) -> None:
            if offer is not None:
                offer[:] = [(values, "region search")]

        plan, lns = region_search(
            self.stage,
            self.model.index,
            start,
            graph=self.region_graph(),
            time_limit_s=seconds,
            sites_per_region=LNS_SITES,
            sub_limit_s=LNS_REGION_S,
            escalate=LNS_ESCALATION,
            stop=self.stop,
            on_better=better,
        )
        self.times["region_search"] += time.perf_counter() - t0
        self.detail["region_search"] = {
            "start_cost": lns.start_cost,
            "cost": lns.cost,
            "regions": lns.regions,
            "improved": lns.improved,
            "rounds": lns.rounds,
            "sites_per_region": lns.sites_per_region,
            "region_limit_s": lns.sub_limit_s,
        }
        self.region_plan = plan if lns.cost < lns.start_cost else None

    def take_region_search(self) -> None:
        """Count the region search's plan, once it has run."""
        self.take(self.region_plan, "region search")

    def region_bound(self, seconds: float) -> None:
        """The decomposition bound from the Lagrangian multipliers."""
        lag = self.lagrange
        if not (self.regions and self.bound) or self.search is None or lag is None:
            return
        if not np.isfinite(lag.bound) or seconds <= 0 or self.stop.is_set():
            return
        t0 = time.perf_counter()
        rb: RegionBound = region_bound(
            self.search,
            lag.multipliers,
            graph=self.region_graph(),
            shortfall_cap=self.shortfall_cap,
            time_limit_s=seconds,
            upper=self.best_cost,
            sites_per_region=BOUND_SITES,
            stop=self.stop,
        )
        self.times["region_bound"] += time.perf_counter() - t0
        self.detail["region_bound"] = {
            "bound": rb.bound if np.isfinite(rb.bound) else None,
            "regions": rb.regions,
            "solved": rb.solved,
            "relaxed_share": rb.relaxed_share,
            "passes": rb.passes,
        }
        if np.isfinite(rb.bound):
            self.bounds["regions"] = rb.bound

    def kicks(self) -> None:
        """The local search with kicks from the best plan, with what is left."""
        if self.local and self.search is not None and not self.proven() and self.left() > 0:
            who = "local search" if self.found_by in ("start", "local search") else self.found_by
            self.take(
                self.polish(self.best, self.left(), kicks=True),
                who if who.endswith("local search") else f"{who} + local search",
            )

    # -- the result -------------------------------------------------------------------

    def finish(self) -> tuple[MipResult, dict[str, Any]]:
        """The stage's result: the best plan, the best bound, an honest status."""
        lower = max(self.bounds.values()) if self.bounds else None
        source = max(self.bounds, key=lambda k: self.bounds[k]) if self.bounds else None
        if lower is not None and lower > self.best_cost:
            lower = self.best_cost  # numerical noise only: no bound exceeds a feasible plan
        found_gap = relative_gap(self.best_cost, lower)
        result = self.result
        by_highs = (
            result is not None
            and result.stats.status is Status.OPTIMAL
            and self.found_by == "highs"
        )
        by_bound = found_gap is not None and found_gap <= PROVEN_GAP * (1 + 1e-6) + 1e-12
        status = Status.OPTIMAL if by_highs or by_bound else Status.FEASIBLE
        solver_name = result.stats.solver if result is not None else "siting search"
        names = [solver_name] + [
            p
            for p, on in (
                ("local search", self.local),
                ("lagrangian", self.bound),
                ("regions", self.regions),
            )
            if on
        ]
        message = (
            f"cost search: plan by {self.found_by}, bound from {source or 'nothing'}"
            + (f"; highs: {result.stats.message}" if result is not None else "")
            + (
                " (stopped at the time limit)"
                if status is Status.FEASIBLE and self.left() <= 0
                else ""
            )
        )
        stats = SolveStats(
            status=status,
            objective=self.best_cost,
            bound=lower,
            gap=found_gap,
            solver=" + ".join(names),
            build_s=result.stats.build_s if result is not None else 0.0,
            solve_s=time.perf_counter() - self.began,
            message=message,
        )
        self.detail.update(
            {
                "bound": lower,
                "bound_source": source,
                "bounds": self.bounds,
                "found_by": self.found_by,
                "times_s": {k: round(v, 3) for k, v in self.times.items()},
            }
        )
        extra = {"cost_search": self.detail}
        return MipResult(values=self.best, stats=stats, extra=extra), self.detail


class _Beside:
    """A part of the stage run on a thread of its own, beside the caller's.

    Its error is kept for the caller (and sets ``stop``, so the other parts end too),
    and :meth:`wait` may be interrupted by Ctrl-C: a ``Thread.join`` interrupted on
    Python 3.11 can mark a thread stopped while it still runs.
    """

    def __init__(self, work: Callable[[], None], *, name: str, stop: threading.Event) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None

        def run() -> None:
            try:
                work()
            except BaseException as exc:  # handed to the caller by _side_by_side
                self.error = exc
                stop.set()
            finally:
                self.done.set()

        self.thread = threading.Thread(target=run, name=name, daemon=True)
        self.thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the part has ended (at most ``timeout`` seconds); whether it has."""
        if not self.done.wait(timeout):
            return False
        self.thread.join()  # its last step: nothing left to interrupt
        return True


def _side_by_side(run: _Stage) -> None:
    """Two threads: the descent beside the Lagrangian bound, then HiGHS beside the
    Lagrangian plan and the region search (without the regions, beside the Lagrangian
    plan only), then kicks.

    Every thread started here has ended when this returns or raises: on Ctrl-C or an
    error, ``stop`` ends the parts beside at their next step, and they are waited for
    (a second Ctrl-C stops the waiting). An error in a part beside is raised here once
    every thread has ended.
    """
    parts = [_Beside(lambda: run.lagrangian(0.15 * run.limit), name="lagrangian", stop=run.stop)]
    try:
        _beside_threads(run, parts)
    finally:
        run.stop.set()  # on Ctrl-C too: the threads beside stop at their next step
        for part in parts:
            part.wait()
    for part in parts:
        if part.error is not None:
            raise part.error
    run.take_lagrange()
    if not run.highs_proved():  # else HiGHS's plan, within the gap asked for, stands
        run.take_lagrange_plan()
        run.take_region_search()
    run.kicks()


def _beside_threads(run: _Stage, parts: list[_Beside]) -> None:
    """The descent, then HiGHS with the Lagrangian plan and the region search beside
    it (the Lagrangian bound is ``parts[0]``; the thread beside HiGHS is added to
    ``parts``)."""
    lagrange = parts[0]
    run.descend()
    offer: list[tuple[FloatArray, str]] = []  # the latest plan found beside HiGHS, and by whom
    if (run.regions or run.local) and run.left() > 0 and not run.stop.is_set():
        highs_from = time.perf_counter()

        def beside_highs() -> None:
            lagrange.wait()
            # HiGHS has the model to itself for its first seconds: a stage it proves in
            # them (the sample, sparse cities) takes no longer than HiGHS alone
            alone = min(HIGHS_ALONE_S, 0.05 * run.limit)
            run.stop.wait(max(0.0, highs_from + alone - time.perf_counter()))
            if run.stop.is_set() or run.left() <= 0.5:
                return
            start, new = run.plan_from_lagrange(
                min(LAGRANGE_PLAN_SHARE * run.limit, run.left() - 0.5)
            )
            if new and run.regions:
                offer[:] = [(start, "lagrangian plan")]
            if run.regions and not run.stop.is_set() and run.left() > 0.5:
                run.region_search(start, run.left() - 0.25, offer=offer)

        parts.append(_Beside(beside_highs, name="beside HiGHS", stop=run.stop))
    if run.left() > 0 and not run.stop.is_set():

        def offers() -> FloatArray | None:
            # HiGHS sees the plans found beside it only after a fifth of the stage, so a
            # stage HiGHS proves before then gives the same plan on any machine load
            if time.perf_counter() - run.began < HIGHS_SHARE * run.limit or not offer:
                return None
            plan, finder = offer.pop()
            run.offered.append((run.cost_of(plan), finder))
            return plan

        keep = 0.0 if run.regions else (0.1 * run.limit if run.local else 0.0)
        run.run_highs(
            run.left() - keep,
            give_up=give_up_when_set(run.stop),  # set only when a part beside fails
            offers=offers if run.regions else None,
        )
        if not (run.highs_proved() or run.regions):
            lagrange.wait(timeout=run.left())  # the bound may use what is left of its time


def _one_after_another(run: _Stage) -> None:
    """One thread (or no HiGHS): each part in turn."""
    run.descend()
    if run.highs and run.left() > 0:
        give_up: GiveUp | None = None
        if run.regions:
            close = max(HIGHS_CLOSE_GAP, 4 * run.wanted)

            def give_up(seconds: float, highs_gap: float) -> bool:
                spent = time.perf_counter() - run.began
                return spent >= HIGHS_SHARE * run.limit and highs_gap > close

        run.run_highs(run.left() - (0.1 * run.limit if run.local else 0.0), give_up=give_up)
        if run.bound and run.search is not None and not run.highs_proved():
            run.lagrangian(min(0.15 * run.limit, run.left()))
    elif run.bound and run.search is not None:
        share = 0.15 * run.limit if run.regions else run.left()
        run.lagrangian(max(min(run.left(), share), min(0.05 * run.limit, 2.0)))
    run.take_lagrange()
    if not run.proven() and run.left() > 0:
        # 15 %, not LAGRANGE_PLAN_SHARE: a quarter measured no better on one thread
        run.plan_from_lagrange(min(0.15 * run.limit, run.left()))
        run.take_lagrange_plan()
    if run.regions and not run.proven() and run.left() > 0:
        run.region_search(run.best, 0.6 * run.left() if run.bound else run.left())
        run.take_region_search()
        run.region_bound(run.left())
    run.kicks()
