"""Solve the siting model in lexicographic order, and say honestly how it went.

Stage 1 minimizes the weighted shortfall, stage 2 the cost with the
shortfall held at stage 1's value, stage 3 the walking distance with both
held. When the cost stage ends without a proof (time limit or gap), stage 3
keeps its facilities and sizes and only reassigns demand (a linear program),
since searching other facility sets around an unproven cost is not the
lexicographic order anyway. Each stage starts from the previous stage's solution, which is
feasible for it. The plan's status is the weakest of the three: if any
stage is only feasible (stopped at a time limit or a gap), the plan is
"feasible" with that stage's gap, never "optimal".

With HiGHS, the cost stage is run by :func:`siting.search.stage.solve_cost_stage`
(unless ``cost_search`` is empty): a local search before and around HiGHS, and a
Lagrangian bound beside it; the stage's details (the bound, where it came from, who
found the plan, seconds per part) are in :attr:`StageResult.detail`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import (
    INF,
    MatrixModel,
    MipResult,
    cpsat_grid,
    objective_scale,
    onto_cpsat_grid,
    satisfies,
    solve_model,
)
from siting.model import SitingModel
from siting.search.stage import solve_cost_stage
from siting.start import cost_greedy_start, greedy_start, is_feasible
from siting.status import SolveStats, Status

__all__ = ["SitingSolution", "StageResult", "solve_lexicographic", "solve_siting"]

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

STAGES = ("shortfall", "cost", "distance")
COST_SEARCH: tuple[str, ...] = ("local", "lagrangian", "regions")
"""What works on the cost stage besides HiGHS by default (see :func:`solve_siting`)."""

COST_STAGE_ONLY = ("cpsat",)
"""Solvers used for the cost stage only; HiGHS solves the other two stages.

CP-SAT found far cheaper plans than HiGHS alone in the cost stage of a dense city
(``python -m benchmarks.solvers``), while the shortfall stage takes HiGHS a second
and the distance stage after an unproven cost stage is a linear program. The
default cost stage (HiGHS with :mod:`siting.search`) now does better still on the
benchmark city; CP-SAT stays an option."""


@dataclass(frozen=True)
class StageResult:
    """One stage of the lexicographic solve.

    Attributes
    ----------
    name
        ``"shortfall"``, ``"cost"`` or ``"distance"``.
    stats
        The solver's statistics for this stage.
    detail
        The cost search's account of the cost stage (:mod:`siting.search.stage`): the
        bound and where it came from, who found the plan, seconds per part. Empty
        for the other stages and when the cost search is off.
    """

    name: str
    stats: SolveStats
    detail: dict[str, Any] = field(default_factory=dict)


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
    # keep the held objective's row in the same range as the others (costs are ~1e6)
    norm = objective_scale(row)
    row, cap = row / norm, cap / norm
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
    start: FloatArray | None = None,
    cost_search: tuple[str, ...] = COST_SEARCH,
) -> SitingSolution:
    """Solve the siting model lexicographically.

    Parameters
    ----------
    model
        The built model.
    solver
        ``"highs"``, ``"cbc"`` or ``"cpsat"`` (the cost stage on CP-SAT, the
        shortfall and distance stages on HiGHS: :data:`COST_STAGE_ONLY`).
    time_limit_s
        Time limit per stage.
    gap
        Relative gap at which each stage may stop.
    threads
        Solver threads.
    stages
        How many stages to run (1 to 3).
    start
        A plan to start stage 1 from, one value per column (for example the plan of a
        smaller budget, which is feasible for a larger one); ``None`` starts from
        :func:`~siting.start.greedy_start`. A start that breaks a row is not used as
        a fallback plan.
    cost_search
        With HiGHS, what works on the cost stage besides it (:mod:`siting.search`):
        ``"local"`` (the local search, which also polishes HiGHS's incumbents),
        ``"lagrangian"`` (the Lagrangian bound) and ``"regions"`` (the
        large-neighbourhood search by regions, beside HiGHS on two threads; on one,
        followed by the decomposition bound). Empty: HiGHS alone.

    Returns
    -------
    SitingSolution
        Values and honest statistics.
    """
    results: list[StageResult] = []
    current = model.base
    starts = solver in ("highs", *COST_STAGE_ONLY)  # the solvers that take a start
    if start is None and starts:
        start = greedy_start(model)
    values: FloatArray | None = None
    objectives = (model.shortfall, model.cost, model.distance)
    for n, name in enumerate(STAGES[:stages]):
        stage_solver = "highs" if solver in COST_STAGE_ONLY and name != "cost" else solver
        grid_note = ""
        if n > 0:
            assert values is not None
            previous = objectives[n - 1]
            if stage_solver in COST_STAGE_ONLY:
                gridded = _onto_grid(current, values)
                if gridded is None:
                    stage_solver = "highs"
                    grid_note = "stage 1's plan has no point on CP-SAT's grid: solved by HiGHS"
                    held = float(previous @ values)
                else:
                    held, grid_note = gridded
            else:
                held = float(previous @ values)
            current = _with_cap(current, objectives[n], previous, _cap_value(held))
            start = values
            if n == 1 and starts:
                # Stage 1's plan opens every useful site; a cost-aware greedy with the same
                # shortfall is a far better incumbent for the cost stage.
                cheap = cost_greedy_start(model)
                if (
                    float(previous @ cheap) <= _cap_value(held)
                    and float(model.cost @ cheap) < float(model.cost @ values)
                    and is_feasible(model, cheap)
                ):
                    start = cheap
            if n == 2 and results[-1].stats.status is not Status.OPTIMAL:
                # The cost stage stopped short of a proof, so its facility set is not a
                # lexicographic optimum to search around: keep it (fix y and e) and only
                # reassign demand to the nearest slots, which is a linear program.
                current = _fix_integers(current, values)
        else:
            current = replace(current, c=objectives[0])
        detail: dict[str, Any] = {}
        if n == 1 and stage_solver == "highs" and cost_search and start is not None:
            result, detail = solve_cost_stage(
                model,
                current,
                start=start,
                shortfall_cap=_cap_value(held),
                time_limit_s=time_limit_s,
                gap=gap,
                threads=threads,
                local="local" in cost_search,
                bound="lagrangian" in cost_search,
                regions="regions" in cost_search,
            )
        else:
            result = solve_model(
                current,
                solver=stage_solver,
                time_limit_s=time_limit_s,
                gap=gap,
                threads=threads,
                start=start,
            )
        if not result.stats.status.has_solution and start is not None:
            result = _keep_start(
                current, result, start, feasible=n > 0 or is_feasible(model, start)
            )
        elif start is not None and result.stats.objective is not None:
            result = _check_claim(current, result, start)
        if grid_note:
            result = replace(
                result, stats=replace(result.stats, message=f"{result.stats.message}; {grid_note}")
            )
        _log_stage(name, result)
        results.append(StageResult(name, result.stats, detail))
        if not result.stats.status.has_solution:
            break
        values = result.values
    return _solution(results, values)


def solve_lexicographic(
    base: MatrixModel,
    objectives: Sequence[tuple[str, FloatArray]],
    *,
    start: FloatArray | None = None,
    solver: str = "highs",
    time_limit_s: float | None = 120.0,
    gap: float | None = 0.005,
    threads: int | None = None,
    reassign_last: bool = False,
) -> SitingSolution:
    """Solve ``base`` for each objective in turn, each holding those before at their values.

    The same steps as :func:`solve_siting`, for any list of stages (a phased plan's
    years, :mod:`siting.phasing`): each stage starts from the previous one's
    solution; a stage stopped at a limit holds its incumbent's value (feasible,
    not a proven optimum); the last stage, after a stage without a proof, keeps
    the integer columns and only re-solves the continuous ones.

    Parameters
    ----------
    base
        Constraints and bounds.
    objectives
        ``(name, coefficients)`` in the order to optimize them.
    start
        A feasible plan for the first stage, if one is known.
    solver, time_limit_s, gap, threads
        As in :func:`solve_siting` (the limit and the gap are per stage).
    reassign_last
        Always keep the integer columns in the last stage (a linear program),
        not only after a stage without a proof.

    Returns
    -------
    SitingSolution
        Values and each stage's honest statistics.
    """
    results: list[StageResult] = []
    current = base
    values: FloatArray | None = None
    first_start = start if solver == "highs" else None
    for n, (name, c) in enumerate(objectives):
        point = first_start
        if n > 0:
            assert values is not None
            previous = objectives[n - 1][1]
            held = float(previous @ values)
            current = _with_cap(current, c, previous, _cap_value(held))
            point = values
            unproven = any(r.stats.status is not Status.OPTIMAL for r in results)
            if n == len(objectives) - 1 and (unproven or reassign_last):
                current = _fix_integers(current, values)
        else:
            current = replace(current, c=c)
        result = solve_model(
            current, solver=solver, time_limit_s=time_limit_s, gap=gap, threads=threads, start=point
        )
        if not result.stats.status.has_solution and point is not None:
            result = _keep_start(current, result, point, feasible=satisfies(current, point))
        elif point is not None and result.stats.objective is not None:
            result = _check_claim(current, result, point)
        _log_stage(name, result)
        results.append(StageResult(name, result.stats))
        if not result.stats.status.has_solution:
            break
        values = result.values
    return _solution(results, values)


def _log_stage(name: str, result: MipResult) -> None:
    """Log one stage's outcome."""
    log.info(
        "stage %s: %s, objective %s, gap %s, %.2f s",
        name,
        result.stats.status.value,
        result.stats.objective,
        result.stats.gap,
        result.stats.solve_s,
    )


def _solution(results: list[StageResult], values: FloatArray | None) -> SitingSolution:
    """The stages' results as one solution: its status is the weakest stage's."""
    worst = _weakest([r.stats.status for r in results])
    if values is None:
        status = results[-1].stats.status
    else:
        status = worst if worst.has_solution else Status.FEASIBLE
    return SitingSolution(
        status=status, values=values, stages=tuple(results), message=_message(results, status)
    )


def _onto_grid(model: MatrixModel, values: FloatArray) -> tuple[float, str] | None:
    """The shortfall a CP-SAT cost stage must hold: stage 1's on CP-SAT's grid.

    CP-SAT counts slots in whole units (:func:`siting.mip.cpsat_grid`). With whole
    required slots nothing changes. With the raw requirement the demand rows are rounded
    up to the grid, so the cost stage holds the shortfall that stage 1's facilities reach
    on the grid: at most a few thousandths of a slot above stage 1's, which is what CP-SAT
    can meet. Its plan is then a plan of the model itself (see
    :func:`siting.mip.cpsat._solve_cpsat`).

    Returns
    -------
    tuple or None
        The shortfall to hold and a note for the cost stage's message (empty when the
        grid changes nothing); ``None`` when stage 1's facilities have no plan on the
        grid (the cost stage then runs on HiGHS).
    """
    held = float(model.c @ values)
    if cpsat_grid(model) is model:
        return held, ""
    point = onto_cpsat_grid(model, values)
    if point is None:
        log.warning("stage 1's plan has no point on CP-SAT's grid; the cost stage uses HiGHS")
        return None
    on_grid = float(model.c @ point)
    return on_grid, f"shortfall held at {on_grid:.4f} on CP-SAT's grid ({on_grid - held:+.4f})"


def _fix_integers(model: MatrixModel, values: FloatArray) -> MatrixModel:
    """The model with every integer column fixed at its value in ``values``."""
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    fixed = np.round(values[model.integer])
    lower[model.integer] = fixed
    upper[model.integer] = fixed
    return replace(model, col_lower=lower, col_upper=upper)


def _check_claim(model: MatrixModel, result: MipResult, start: FloatArray) -> MipResult:
    """Never pass on a solution worse than the feasible start the solver was given.

    A solver that returns something worse than its own starting point has been
    wrong about it (HiGHS has declared such incumbents optimal): keep the start
    and report "feasible", with no claim of a proof.
    """
    assert result.stats.objective is not None
    start_objective = float(model.c @ start + model.offset)
    slack = 1e-6 * max(1.0, abs(start_objective))
    if start_objective >= result.stats.objective - slack or not satisfies(model, start):
        return result
    log.warning(
        "the solver returned %.6g although its feasible start has %.6g; keeping the start",
        result.stats.objective,
        start_objective,
    )
    stats = replace(
        result.stats,
        status=Status.FEASIBLE,
        objective=start_objective,
        bound=None,
        gap=None,
        message=result.stats.message + " (contradicted by its own better start; kept the start)",
    )
    return MipResult(values=start, stats=stats)


def _keep_start(
    model: MatrixModel, result: MipResult, start: FloatArray, *, feasible: bool
) -> MipResult:
    """When the solver ends without a plan but its start was feasible, keep the start.

    The start is reported as "feasible" with the solver's bound, never as optimal.
    """
    if not feasible or result.stats.status not in (Status.TIMED_OUT, Status.ERROR):
        return result
    objective = float(model.c @ start + model.offset)
    bound = result.stats.bound
    usable = bound is not None and np.isfinite(bound)
    stats = replace(
        result.stats,
        status=Status.FEASIBLE,
        objective=objective,
        bound=bound if usable else None,
        gap=abs(objective - bound) / max(abs(objective), 1e-9) if usable and bound else None,
        message=result.stats.message + " (kept the feasible starting plan)",
    )
    return MipResult(values=start, stats=stats)


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
