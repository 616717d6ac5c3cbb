"""HiGHS through ``highspy``: the arrays passed as they are, with no Python object per
variable; incumbents fed back and offered through HiGHS's callbacks; Ctrl-C honoured."""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.errors import SolverError
from siting.mip._interrupt import _wait_in_main_thread
from siting.mip.arrays import (
    PROVEN_GAP,
    FloatArray,
    GiveUp,
    IncumbentHook,
    MatrixModel,
    MipResult,
    Offers,
    _clean,
    objective_scale,
    relative_gap,
)
from siting.status import SolveStats, Status

log = logging.getLogger(__name__)

_RESOLVE_MIN_S = 5.0
_RESOLVE_MIN_SHARE = 0.25
"""HiGHS that stopped at its time limit having returned only its start is run again
without it when at least this many seconds, and this share of its limit, are left;
otherwise the start is kept. (HiGHS's presolve does not watch the time limit: on a
170,000-row model it took 19 s of 8.) A solve that ended otherwise, often in
milliseconds on a small model, is always run again."""

_BANNER_LOCK = threading.Lock()
_BANNER_DONE = False


def _new_highs() -> Any:
    """A silent HiGHS instance.

    HiGHS prints a copyright banner to the C-level standard output the first time an
    instance is created in a process, before any option can be set; that one write is
    sent to the null device.
    """
    global _BANNER_DONE
    import highspy

    with _BANNER_LOCK:
        if _BANNER_DONE:
            h = highspy.Highs()
        else:
            try:
                sys.stdout.flush()
                saved = os.dup(1)
            except (OSError, ValueError):  # no real stdout (some notebook front ends)
                h = highspy.Highs()
            else:
                try:
                    with open(os.devnull, "w") as devnull:
                        os.dup2(devnull.fileno(), 1)
                        try:
                            h = highspy.Highs()
                        finally:
                            os.dup2(saved, 1)
                finally:
                    os.close(saved)
            _BANNER_DONE = True
    h.setOptionValue("output_flag", False)
    return h


def highs_version() -> str:
    """The name and version of the bundled HiGHS, for example ``"highs 1.16.0"``."""
    h = _new_highs()
    return f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"


def _read_status(
    model_status: Any, has_solution: bool, gap: float | None, tolerance: float = PROVEN_GAP
) -> Status:
    """The honest status from HiGHS's model status, whether it has a solution, and the gap.

    ``kOptimal`` is optimal only when the gap is within ``tolerance``; a limit
    (time, iterations, solutions, interrupt, objective bound/target) gives a
    feasible solution when there is an incumbent, else a time-out.
    """
    import highspy

    ms = highspy.HighsModelStatus
    if model_status == ms.kOptimal:
        if not has_solution:
            return Status.ERROR  # optimal without a primal point: not usable
        if gap is None or gap <= tolerance * (1 + 1e-6) + 1e-12:
            return Status.OPTIMAL
        return Status.FEASIBLE
    if model_status == ms.kInfeasible:
        return Status.INFEASIBLE
    if model_status == ms.kUnbounded:
        return Status.UNBOUNDED
    if model_status == ms.kUnboundedOrInfeasible:
        return Status.UNBOUNDED if has_solution else Status.INFEASIBLE
    if has_solution:
        return Status.FEASIBLE
    limits = (
        ms.kTimeLimit,
        ms.kIterationLimit,
        ms.kSolutionLimit,
        ms.kInterrupt,
        ms.kObjectiveBound,
        ms.kObjectiveTarget,
    )
    return Status.TIMED_OUT if model_status in limits else Status.ERROR


def tighter_bound(bound: float | None, other: float | None, *, sense: str = "min") -> float | None:
    """The tighter of two valid bounds on one model's optimum (either may be unknown).

    Examples
    --------
    >>> tighter_bound(6.7e9, 28.6e9), tighter_bound(None, 5.0), tighter_bound(3.0, 5.0, sense="max")
    (28600000000.0, 5.0, 3.0)
    """
    known = [b for b in (bound, other) if b is not None]
    if not known:
        return None
    return max(known) if sense == "min" else min(known)


def _solve_highs(
    model: MatrixModel,
    *,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    start: FloatArray | None,
    options: dict[str, Any] | None = None,
    incumbents: IncumbentHook | None = None,
    give_up: GiveUp | None = None,
    offers: Offers | None = None,
    bound_before: float | None = None,
) -> MipResult:
    import highspy

    t0 = time.perf_counter()
    h = _new_highs()
    if time_limit_s is not None:
        h.setOptionValue("time_limit", max(float(time_limit_s), 0.0))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
        if gap == 0:
            h.setOptionValue("mip_abs_gap", 0.0)
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)
    for key, value in (options or {}).items():
        if h.setOptionValue(key, value) == highspy.HighsStatus.kError:
            raise SolverError(f"HiGHS rejected the option {key} = {value!r}")

    csc = sp.csc_array(model.A)
    csc.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_cols
    lp.num_row_ = model.num_rows
    # Objectives in the 1e9 range (costs in CNY) make HiGHS 1.16 prune nodes wrongly and
    # declare an unproven incumbent optimal (seen on a 5,000-area city: two different
    # "optimal" costs for one model). Scaling the objective to at most 1e3 avoids it.
    scale = objective_scale(model.c)
    lp.col_cost_ = np.asarray(model.c, dtype=np.float64) / scale
    lp.col_lower_ = np.asarray(model.col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(model.col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=np.float64)
    lp.offset_ = float(model.offset) / scale
    if model.sense == "max":
        lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    lp.a_matrix_.num_col_ = model.num_cols
    lp.a_matrix_.num_row_ = model.num_rows
    is_mip = bool(model.integer.any())
    if is_mip:
        kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
        lp.integrality_ = [kinds[int(flag)] for flag in model.integer]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (a bug in siting's model building).")
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    fed: list[FloatArray] = []
    if (incumbents is not None or offers is not None) and is_mip:
        fed = _feed_back(h, incumbents, offers)
    if give_up is not None and is_mip:

        def check(event: Any) -> None:
            out = event.data_out
            if give_up(float(out.running_time), float(out.mip_gap)):
                event.interrupt()

        h.cbMipInterrupt.subscribe(check)
    pass_s = time.perf_counter() - t0
    began = time.perf_counter()
    # HiGHS checks its time_limit only between some steps: on a 28,804-area city a 50.9 s
    # cost stage ran 76.2 s. Its interrupt callbacks hold it to the limit too.
    deadline = None if time_limit_s is None else t0 + max(float(time_limit_s), 0.0)
    run_status = _run_interruptibly(h, deadline=deadline)
    solve_s = time.perf_counter() - began

    model_status = h.getModelStatus()
    ms = highspy.HighsModelStatus
    late = (
        deadline is not None and model_status == ms.kInterrupt and time.perf_counter() >= deadline
    )
    if run_status == highspy.HighsStatus.kError and model_status not in (
        ms.kInfeasible,
        ms.kUnboundedOrInfeasible,
    ):
        raise SolverError(f"HiGHS failed to run: {h.modelStatusToString(model_status)}")
    info = h.getInfo()
    text = h.modelStatusToString(model_status)
    if late:
        text = "Time limit reached (stopped at the deadline by its interrupt callback)"
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    objective = float(info.objective_function_value) * scale if has_solution else None
    bound: float | None
    if is_mip:
        raw = float(info.mip_dual_bound) * scale
        bound = raw if math.isfinite(raw) else None
    else:
        bound = objective if model_status == ms.kOptimal else None
    bound = tighter_bound(bound, bound_before, sense=model.sense)
    gap_value = relative_gap(objective, bound)
    st = _read_status(model_status, has_solution, gap_value)
    if model_status == ms.kOptimal and st is Status.FEASIBLE:
        text += f" (stopped at the requested gap {gap:g})"
    elif model_status == ms.kUnboundedOrInfeasible and st is Status.INFEASIBLE:
        text += " (HiGHS could not tell infeasible from unbounded)"
    values = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None

    # HiGHS 1.16 can report the improved objective yet return the user's start as the
    # solution. Never pass that on: take the plan fed back with that objective, if one
    # was, or else solve again without the start (in the time left).
    def _off(v: FloatArray) -> bool:
        assert objective is not None
        return abs(float(model.c @ v) + model.offset - objective) > 1e-6 * max(1, abs(objective))

    if values is not None and objective is not None and (start is not None or fed) and _off(values):
        same = [v for v in fed if not _off(v)]
        spent = time.perf_counter() - t0
        left = None if time_limit_s is None else time_limit_s - spent
        if same:
            values = same[-1]
        elif (
            (model_status == ms.kTimeLimit or late)
            and left is not None
            and left < max(_RESOLVE_MIN_S, _RESOLVE_MIN_SHARE * (left + spent))
        ):
            # too little time for a second presolve (HiGHS's does not watch the clock):
            # the plan is what HiGHS returned (the start), at its own cost
            log.warning(
                "HiGHS returned its starting point as the solution with %.1f s left; kept it",
                max(left, 0.0),
            )
            objective = float(model.c @ values + model.offset)
            gap_value = relative_gap(objective, bound)
            st = _read_status(model_status, has_solution, gap_value)
            text += " (no better plan than the start; too little time left to solve again)"
        else:
            log.warning("HiGHS returned its starting point as the solution; solving again")
            return _solve_highs(
                model,
                time_limit_s=None if left is None else max(left, 1.0),
                gap=gap,
                threads=threads,
                start=None,
                options=options,
                incumbents=incumbents,
                give_up=give_up,
                offers=offers,
                # the first attempt's bound holds whatever solution HiGHS handed back; a
                # second presolve from nothing on a loaded machine may end far below it
                # (28,003 areas at load 6: 6.7e9 against 28.6e9, a 36 % gap reported)
                bound_before=bound,
            )
    if values is not None and st.has_solution:
        values = _clean(values, model)
        objective = float(model.c @ values + model.offset)
    else:
        values = None
    stats = SolveStats(
        status=st,
        objective=objective,
        bound=bound,
        gap=gap_value,
        solver=f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        build_s=model.build_s + pass_s,
        solve_s=solve_s,
        message=text,
    )
    return MipResult(values=values, stats=stats)


def _feed_back(
    h: Any, incumbents: IncumbentHook | None, offers: Offers | None = None
) -> list[FloatArray]:
    """Show HiGHS's improving solutions to ``incumbents``; give back what it improves,
    and what ``offers`` has found elsewhere.

    Returns the list the solutions handed back are appended to.
    """
    pending: list[FloatArray] = []
    fed: list[FloatArray] = []

    def improving(event: Any) -> None:
        assert incumbents is not None
        better = incumbents(np.array(event.data_out.mip_solution, dtype=np.float64))
        if better is not None:
            pending[:] = [np.asarray(better, dtype=np.float64)]

    def user_solution(event: Any) -> None:
        if not pending and offers is not None:
            offered = offers()
            if offered is not None:
                pending.append(np.asarray(offered, dtype=np.float64))
        if pending and event.data_in is not None:
            fed.append(pending.pop())
            event.data_in.setSolution(fed[-1])
            event.data_in.user_has_solution = True

    if incumbents is not None:
        h.cbMipImprovingSolution.subscribe(improving)
    h.cbMipUserSolution.subscribe(user_solution)
    return fed


def _run_interruptibly(h: Any, *, deadline: float | None = None) -> Any:
    """``h.run()``, stopped within a fraction of a second by Ctrl-C.

    ``h.run()`` keeps the calling thread inside HiGHS until the solve ends, and
    Python handles a signal only between bytecodes of the main thread, so a
    Ctrl-C would wait for the solve (22 s and more on a city). Called from the
    main thread, the solve therefore runs in a worker thread while the main
    thread waits in short steps; on ``KeyboardInterrupt`` HiGHS's interrupt
    callbacks (simplex, interior point, MIP) tell it to stop, the worker is
    waited for, and the interrupt is raised again. HiGHS checks the callbacks
    often but not everywhere (not within its root LP or its sub-MIP heuristics):
    a solve in such a step is waited for, with a warning after a second, and a
    second Ctrl-C stops the waiting (the command line then exits at once).

    Parameters
    ----------
    h
        A ``highspy.Highs`` holding the model.
    deadline
        A ``time.perf_counter()`` time at which the callbacks stop the solve, as
        HiGHS's own ``time_limit`` does only between some of its steps.

    Returns
    -------
    highspy.HighsStatus
        What ``h.run()`` returned.
    """
    stop = threading.Event()

    def interrupt(event: Any) -> None:
        if stop.is_set() or (deadline is not None and time.perf_counter() >= deadline):
            event.interrupt()

    main = threading.current_thread() is threading.main_thread()
    if not main and deadline is None:
        _fit_scheduler(h)
        return h.run()  # signals reach only the main thread
    for callbacks in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callbacks.subscribe(interrupt)
    done = threading.Event()
    try:
        if not main:
            _fit_scheduler(h)
            status = h.run()
            done.set()
            return status
        return _wait_in_main_thread(h.run, on_interrupt=stop.set, done=done, name="highs")
    finally:
        if done.is_set():  # never change callbacks under a running solve
            for callbacks in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
                callbacks.unsubscribe(interrupt)


_SCHEDULER = threading.local()  # the thread count HiGHS's scheduler has on this thread


def _fit_scheduler(h: Any) -> None:
    """Give this thread's HiGHS scheduler the thread count ``h`` asks for.

    HiGHS keeps one task scheduler per calling thread, made with the thread count of
    the first solve on that thread; a later solve there asking for another count fails
    ("Not Set"). A Dask worker's thread solves stage 1 on two threads and may then solve
    the cost stage on one, so the scheduler is shut down when the count changes (only
    this thread's: it is thread-local in HiGHS).
    """
    import highspy

    wanted = h.getOptionValue("threads")[1]
    had = getattr(_SCHEDULER, "threads", None)
    if had is not None and had != wanted:
        highspy.Highs.resetGlobalScheduler(True)
    _SCHEDULER.threads = wanted
