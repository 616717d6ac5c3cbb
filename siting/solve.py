"""Solve the siting model in lexicographic order, and say honestly how it went.

Stage 1 minimizes the weighted shortfall, stage 2 the cost with the
shortfall held at stage 1's value, stage 3 the walking distance with both
held. Each stage starts from the previous stage's solution, which is
feasible for it. The plan's status is the weakest of the three: if any
stage is only feasible (stopped at a time limit or a gap), the plan is
"feasible" with that stage's gap, never "optimal".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import INF, MatrixModel, MipResult, solve_model
from siting.model import SitingModel
from siting.status import SolveStats, Status

__all__ = ["SitingSolution", "StageResult", "greedy_start", "solve_siting"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

STAGES = ("shortfall", "cost", "distance")


@dataclass(frozen=True)
class StageResult:
    """One stage of the lexicographic solve.

    Attributes
    ----------
    name
        ``"shortfall"``, ``"cost"`` or ``"distance"``.
    stats
        The solver's statistics for this stage.
    """

    name: str
    stats: SolveStats


@dataclass(frozen=True)
class SitingSolution:
    """The solution of all stages.

    Attributes
    ----------
    status
        The weakest status over the stages run.
    values
        Column values of the last stage that found a solution, or ``None``.
    stages
        Each stage's statistics.
    message
        A sentence saying what happened.
    """

    status: Status
    values: FloatArray | None
    stages: tuple[StageResult, ...]
    message: str

    @property
    def gap(self) -> float | None:
        """The largest gap over the stages (``None`` when unknown)."""
        gaps = [s.stats.gap for s in self.stages if s.stats.gap is not None]
        return max(gaps) if gaps else None

    @property
    def solve_s(self) -> float:
        """Seconds in the solver, all stages."""
        return sum(s.stats.solve_s for s in self.stages)


def _with_cap(base: MatrixModel, c: FloatArray, row: FloatArray, cap: float) -> MatrixModel:
    extra = sp.csr_array(row.reshape(1, -1))
    return replace(
        base,
        c=c,
        A=sp.vstack([sp.csr_array(base.A), extra], format="csr"),
        row_lower=np.append(base.row_lower, -INF),
        row_upper=np.append(base.row_upper, cap),
    )


def _cap_value(value: float) -> float:
    """Allow for the solver's feasibility tolerance when holding a stage's optimum."""
    return value + 1e-6 + 1e-9 * abs(value)


def solve_siting(
    model: SitingModel,
    *,
    solver: str = "highs",
    time_limit_s: float | None = 120.0,
    gap: float | None = 0.005,
    threads: int | None = None,
    stages: int = 3,
) -> SitingSolution:
    """Solve the siting model lexicographically.

    Parameters
    ----------
    model
        The built model.
    solver
        ``"highs"`` or ``"cbc"``.
    time_limit_s
        Time limit per stage.
    gap
        Relative gap at which each stage may stop.
    threads
        Solver threads.
    stages
        How many stages to run (1 to 3).

    Returns
    -------
    SitingSolution
        Values and honest statistics.
    """
    results: list[StageResult] = []
    current = model.base
    start: FloatArray | None = greedy_start(model) if solver == "highs" else None
    values: FloatArray | None = None
    objectives = (model.shortfall, model.cost, model.distance)
    for n, name in enumerate(STAGES[:stages]):
        if n > 0:
            assert values is not None
            previous = objectives[n - 1]
            held = float(previous @ values)
            current = _with_cap(current, objectives[n], previous, _cap_value(held))
            start = values
        else:
            current = replace(current, c=objectives[0])
        result: MipResult = solve_model(
            current, solver=solver, time_limit_s=time_limit_s, gap=gap, threads=threads, start=start
        )
        log.info(
            "stage %s: %s, objective %s, gap %s, %.2f s",
            name,
            result.stats.status.value,
            result.stats.objective,
            result.stats.gap,
            result.stats.solve_s,
        )
        results.append(StageResult(name, result.stats))
        if not result.stats.status.has_solution:
            break
        values = result.values
    worst = _weakest([r.stats.status for r in results])
    if values is None:
        status = results[-1].stats.status
    else:
        status = worst if worst.has_solution else Status.FEASIBLE
    return SitingSolution(
        status=status, values=values, stages=tuple(results), message=_message(results, status)
    )


def greedy_start(model: SitingModel) -> FloatArray:
    """A feasible starting plan for stage 1 (ignoring a budget, which may make it infeasible).

    Every candidate site gets its largest option, except that each district still
    needing demonstration facilities gets them at its largest demonstration-capable
    sites. Demand is then assigned to the nearest sites with room, in order of
    distance, and what is left is shortfall.

    Parameters
    ----------
    model
        The built model.

    Returns
    -------
    numpy.ndarray
        One value per column.
    """
    ix = model.index
    values = np.zeros(model.base.num_cols)
    n_sites = len(model.index.site_capacity_existing)
    chosen = np.full(n_sites, -1, dtype=np.int64)
    # demonstration options first, at the sites with the most slots
    for pos, d in enumerate(ix.t_district_code):
        cand = np.flatnonzero(ix.y_demo & (ix.y_district_code == d))
        cand = cand[chosen[ix.y_site_code[cand]] < 0]
        cand = cand[np.argsort(-ix.y_slots[cand], kind="stable")]
        need = round(float(ix.t_need[pos]))
        for k in cand:
            if need <= 0:
                break
            if chosen[ix.y_site_code[k]] < 0:
                chosen[ix.y_site_code[k]] = k
                need -= 1
    order = np.lexsort((-ix.y_slots, ix.y_site_code))
    first = np.ones(len(order), dtype=bool)
    first[1:] = ix.y_site_code[order][1:] != ix.y_site_code[order][:-1]
    for k in order[first]:
        if chosen[ix.y_site_code[k]] < 0:
            chosen[ix.y_site_code[k]] = k
    picked = chosen[chosen >= 0]
    values[ix.y.start + picked] = 1.0
    capacity = ix.site_capacity_existing.copy()
    np.add.at(capacity, ix.y_site_code[picked], ix.y_slots[picked])
    left = ix.required.copy()
    x = np.zeros(len(ix.x_distance))
    for p in np.argsort(ix.x_distance, kind="stable"):
        i, j = ix.x_demand_code[p], ix.x_site_code[p]
        amount = min(left[i], capacity[j])
        if amount > 0:
            x[p] = amount
            left[i] -= amount
            capacity[j] -= amount
    values[ix.x] = x
    values[ix.s] = left
    demo_open = np.zeros(len(ix.t_need))
    for pos, d in enumerate(ix.t_district_code):
        demo_open[pos] = np.count_nonzero(ix.y_demo[picked] & (ix.y_district_code[picked] == d))
    values[ix.t] = np.maximum(ix.t_need - demo_open, 0.0)
    if ix.u.stop > ix.u.start:
        # the affordable slack takes whatever the row needs
        row = sp.csr_array(model.base.A)[[-1], :].toarray().ravel()
        lhs = float(row @ values)
        values[ix.u] = max(0.0, float(model.base.row_lower[-1]) - lhs)
    return values


def _weakest(statuses: list[Status]) -> Status:
    order = [
        Status.OPTIMAL,
        Status.FEASIBLE,
        Status.TIMED_OUT,
        Status.INFEASIBLE,
        Status.UNBOUNDED,
        Status.ERROR,
    ]
    return max(statuses, key=order.index)


def _message(results: list[StageResult], status: Status) -> str:
    parts = []
    for r in results:
        st = r.stats
        text = f"{r.name}: {st.status.value}"
        if st.status is Status.FEASIBLE and st.gap is not None:
            text += f", gap {st.gap:.2%}"
        elif st.status is Status.FEASIBLE:
            text += ", gap unknown"
        parts.append(text)
    head = {
        Status.OPTIMAL: "proven optimal",
        Status.FEASIBLE: "feasible, not proven optimal",
        Status.INFEASIBLE: "infeasible",
        Status.TIMED_OUT: "timed out without a plan",
        Status.UNBOUNDED: "unbounded",
        Status.ERROR: "solver error",
    }[status]
    return f"{head} ({'; '.join(parts)})"
