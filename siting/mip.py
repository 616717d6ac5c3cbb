"""A mixed-integer program held as arrays, and the two solvers that run it.

Models in ``siting`` are built straight from numpy arrays into a
:class:`MatrixModel` (a sparse constraint matrix with bounds), which is then

* solved by HiGHS through ``highspy`` (the default): the arrays are passed
  to HiGHS as they are, with no Python object per variable;
* or converted to a PuLP problem, to solve with PuLP's bundled CBC or to
  write as LP/MPS for inspection in another solver;
* or made integral and solved by OR-Tools CP-SAT (``ortools``, optional), whose
  portfolio of searches finds far cheaper plans than HiGHS in a minute on dense
  cities' cost stage (``python -m benchmarks.solvers``), with a weaker bound.

Both paths read the solver's answer honestly (see :mod:`siting.status`): a
solution is called optimal only when the solver proved it optimal to within
:data:`PROVEN_GAP`; a solution found at a time limit, or at a looser
requested gap, is "feasible" with its gap.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import InputError, Problem, SolverError
from siting.status import SolveStats, Status

__all__ = [
    "INF",
    "PROVEN_GAP",
    "GiveUp",
    "IncumbentHook",
    "MatrixModel",
    "MipResult",
    "Offers",
    "cpsat_grid",
    "highs_version",
    "onto_cpsat_grid",
    "relative_gap",
    "satisfies",
    "solve_arrays",
    "solve_model",
    "to_pulp",
    "write_model",
]

log = logging.getLogger(__name__)

PROVEN_GAP = 1e-4
"""A relative gap at or below this counts as proven optimal (HiGHS's default ``mip_rel_gap``)."""

INF = float("inf")

FloatArray = npt.NDArray[np.float64]
Sense = Literal["min", "max"]
IncumbentHook = Callable[[npt.NDArray[np.float64]], "npt.NDArray[np.float64] | None"]
"""Called with a solver's improving solution; returns a better one to feed back, or None."""

GiveUp = Callable[[float, float], bool]
"""Called with the seconds a MIP solve has run and its relative gap; True stops it."""
Offers = Callable[[], "npt.NDArray[np.float64] | None"]
"""Called when the solver takes users' solutions; returns a plan found elsewhere, or None."""

_BANNER_LOCK = threading.Lock()
_BANNER_DONE = False


@dataclass(frozen=True)
class MatrixModel:
    """``min (or max) c·x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper``.

    Attributes
    ----------
    c
        Objective coefficients, one per column.
    A
        Constraint matrix, rows × columns, any scipy sparse format.
    row_lower, row_upper
        Row bounds; use ``-inf``/``inf`` for one-sided rows.
    col_lower, col_upper
        Column bounds.
    integer
        True where the column is integer.
    col_names
        Optional names, used by the PuLP conversion and LP/MPS export.
    offset
        A constant added to the objective.
    build_s
        Seconds spent building the model (reported in the solve statistics).
    sense
        ``"min"`` (the default) or ``"max"``.
    """

    c: FloatArray
    A: sp.spmatrix | sp.sparray
    row_lower: FloatArray
    row_upper: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    integer: npt.NDArray[np.bool_]
    col_names: tuple[str, ...] | None = None
    offset: float = 0.0
    build_s: float = 0.0
    sense: Sense = "min"

    @property
    def num_cols(self) -> int:
        """Number of variables."""
        return int(self.c.shape[0])

    @property
    def num_rows(self) -> int:
        """Number of constraints."""
        return int(self.A.shape[0])


@dataclass(frozen=True)
class MipResult:
    """Primal values and how the solve went.

    Attributes
    ----------
    values
        Column values, or ``None`` when there is no solution.
    stats
        Status, objective, bound, gap and times.
    """

    values: FloatArray | None
    stats: SolveStats
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def x(self) -> FloatArray | None:
        """The column values (the same as :attr:`values`)."""
        return self.values


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """Relative gap ``|objective - bound| / max(|objective|, 1e-9)``.

    Parameters
    ----------
    objective
        Incumbent objective value.
    bound
        Proven dual bound.

    Returns
    -------
    float or None
        The gap, ``None`` if either value is missing or not finite.
    """
    if objective is None or bound is None:
        return None
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


_rel_gap = relative_gap


def solve_model(
    model: MatrixModel,
    *,
    solver: str = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    start: FloatArray | None = None,
    options: dict[str, Any] | None = None,
    incumbents: IncumbentHook | None = None,
    give_up: GiveUp | None = None,
    offers: Offers | None = None,
) -> MipResult:
    """Solve a :class:`MatrixModel`.

    Parameters
    ----------
    model
        The model.
    solver
        ``"highs"``, ``"cbc"`` or ``"cpsat"`` (OR-Tools CP-SAT, which solves the model
        made integral: see :func:`_solve_cpsat`).
    time_limit_s
        Wall-clock limit in seconds.
    gap
        Relative gap at which the solver may stop. ``0`` asks for an exact proof
        (the absolute gap is then zero too).
    threads
        Threads for the solver (CP-SAT's workers; ``None``: one per core).
    start
        A feasible (or partial) starting solution, one value per column.
    options
        Extra HiGHS options by name, for example ``{"presolve": "off"}``, or CP-SAT
        parameters by name (``{"linearization_level": 2}``); not for CBC.
    incumbents
        HiGHS only: called with each improving solution the solver finds (one value per
        column); what it returns (a better feasible solution, or ``None``) is handed
        back to HiGHS as a new incumbent at its next chance.
    give_up
        HiGHS only: called with the seconds spent and the relative gap each time the
        branch and bound checks for an interrupt; ``True`` stops the solve, which is
        then reported as a time limit is (feasible with its gap, or timed out).
    offers
        HiGHS only: asked, each time HiGHS takes a user's solution, for a plan found
        elsewhere (by a search on another thread); a plan returned (feasible, one value
        per column) is handed to HiGHS as a new incumbent, ``None`` hands nothing.

    Returns
    -------
    MipResult
        Values and honest statistics.
    """
    if solver == "highs":
        return _solve_highs(
            model,
            time_limit_s=time_limit_s,
            gap=gap,
            threads=threads,
            start=start,
            options=options,
            incumbents=incumbents,
            give_up=give_up,
            offers=offers,
        )
    if solver == "cbc":
        return _solve_cbc(model, time_limit_s=time_limit_s, gap=gap, threads=threads, start=start)
    if solver == "cpsat":
        return _solve_cpsat(
            model, time_limit_s=time_limit_s, gap=gap, threads=threads, start=start, options=options
        )
    raise SolverError(f"unknown solver {solver!r}. Fix: use 'highs', 'cbc' or 'cpsat'.")


def _as_float_array(values: npt.ArrayLike, size: int, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 0:
        array = np.full(size, float(array))
    if array.shape != (size,):
        raise InputError(
            [
                Problem(
                    f"{name} has shape {array.shape}, expected ({size},)",
                    fix=f"pass one value per {'column' if 'col' in name else 'row'}",
                )
            ]
        )
    return array


def solve_arrays(
    c: npt.ArrayLike,
    A: sp.spmatrix | sp.sparray | npt.ArrayLike,  # noqa: N803 - the usual name of the matrix
    row_lower: npt.ArrayLike,
    row_upper: npt.ArrayLike,
    col_lower: npt.ArrayLike,
    col_upper: npt.ArrayLike,
    integrality: npt.ArrayLike | None = None,
    *,
    sense: Sense = "min",
    offset: float = 0.0,
    solver: str = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    start: npt.ArrayLike | None = None,
    options: dict[str, Any] | None = None,
    build_s: float = 0.0,
) -> MipResult:
    """Build a :class:`MatrixModel` from arrays and solve it with :func:`solve_model`.

    Parameters
    ----------
    c
        Objective coefficient of each column.
    A
        Constraint matrix, ``n_rows × n_cols``, any scipy sparse format or a dense array.
    row_lower, row_upper
        Row bounds (``-inf`` / ``inf`` for one-sided rows); a scalar is broadcast.
    col_lower, col_upper
        Column bounds; a scalar is broadcast.
    integrality
        Truthy for each integer column; ``None`` means a pure LP.
    sense
        ``"min"`` or ``"max"``.
    offset
        Constant added to the objective.
    solver, time_limit_s, gap, threads, options
        As in :func:`solve_model`.
    start
        A full primal point, one value per column.
    build_s
        Seconds the caller spent building the arrays (reported in the statistics).

    Returns
    -------
    MipResult
        Values (also as ``.x``) and honest statistics.

    Raises
    ------
    InputError
        If the arrays do not have matching shapes.
    """
    matrix: sp.spmatrix | sp.sparray = (
        A if isinstance(A, sp.spmatrix | sp.sparray) else sp.csc_array(np.asarray(A, dtype=float))
    )
    n_rows, n_cols = matrix.shape
    if integrality is None:
        flags = np.zeros(n_cols, dtype=bool)
    else:
        flags = np.asarray(integrality).astype(bool).reshape(-1)
        if flags.shape != (n_cols,):
            raise InputError(
                [Problem(f"integrality has shape {flags.shape}, expected ({n_cols},)")]
            )
    model = MatrixModel(
        c=_as_float_array(c, n_cols, "c"),
        A=matrix,
        row_lower=_as_float_array(row_lower, n_rows, "row_lower"),
        row_upper=_as_float_array(row_upper, n_rows, "row_upper"),
        col_lower=_as_float_array(col_lower, n_cols, "col_lower"),
        col_upper=_as_float_array(col_upper, n_cols, "col_upper"),
        integer=flags,
        offset=float(offset),
        build_s=build_s,
        sense=sense,
    )
    point = None if start is None else _as_float_array(start, n_cols, "start")
    return solve_model(
        model,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=gap,
        threads=threads,
        start=point,
        options=options,
    )


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
    run_status = _run_interruptibly(h)
    solve_s = time.perf_counter() - began

    model_status = h.getModelStatus()
    ms = highspy.HighsModelStatus
    if run_status == highspy.HighsStatus.kError and model_status not in (
        ms.kInfeasible,
        ms.kUnboundedOrInfeasible,
    ):
        raise SolverError(f"HiGHS failed to run: {h.modelStatusToString(model_status)}")
    info = h.getInfo()
    text = h.modelStatusToString(model_status)
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    objective = float(info.objective_function_value) * scale if has_solution else None
    bound: float | None
    if is_mip:
        raw = float(info.mip_dual_bound) * scale
        bound = raw if math.isfinite(raw) else None
    else:
        bound = objective if model_status == ms.kOptimal else None
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
        if same:
            values = same[-1]
        else:
            log.warning("HiGHS returned its starting point as the solution; solving again")
            spent = time.perf_counter() - t0
            return _solve_highs(
                model,
                time_limit_s=None if time_limit_s is None else max(time_limit_s - spent, 1.0),
                gap=gap,
                threads=threads,
                start=None,
                options=options,
                incumbents=incumbents,
                give_up=give_up,
                offers=offers,
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


def _run_interruptibly(h: Any) -> Any:
    """``h.run()``, stopped within a fraction of a second by Ctrl-C.

    ``h.run()`` keeps the calling thread inside HiGHS until the solve ends, and
    Python handles a signal only between bytecodes of the main thread, so a
    Ctrl-C would wait for the solve (22 s and more on a city). Called from the
    main thread, the solve therefore runs in a worker thread while the main
    thread waits in short steps; on ``KeyboardInterrupt`` HiGHS's interrupt
    callbacks (simplex, interior point, MIP) tell it to stop, the worker is
    given a second to finish, and the interrupt is raised again. HiGHS
    checks the callbacks often but not everywhere; a solve still running then
    stops at its next check, and the command line exits without waiting for it.

    Parameters
    ----------
    h
        A ``highspy.Highs`` holding the model.

    Returns
    -------
    highspy.HighsStatus
        What ``h.run()`` returned.
    """
    if threading.current_thread() is not threading.main_thread():
        _fit_scheduler(h)
        return h.run()  # signals reach only the main thread
    stop = threading.Event()

    def interrupt(event: Any) -> None:
        if stop.is_set():
            event.interrupt()

    for callbacks in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callbacks.subscribe(interrupt)
    done = threading.Event()
    try:
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


def _wait_in_main_thread(
    run: Callable[[], Any], *, on_interrupt: Callable[[], None], done: threading.Event, name: str
) -> Any:
    """``run()`` in a worker thread while the main thread waits, so Ctrl-C stays prompt.

    On ``KeyboardInterrupt``, ``on_interrupt()`` tells the solver to stop, the worker
    is given a second, and the interrupt is raised again. ``done`` is set when
    ``run`` has returned or raised (its error is raised here).
    """
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["status"] = run()
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc
        finally:
            done.set()

    # Waiting on an Event, not Thread.join: a join interrupted by Ctrl-C can mark the
    # thread stopped while the solver still runs, and the process then aborts at exit.
    threading.Thread(target=work, name=name, daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        on_interrupt()
        done.wait(1.0)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]


def satisfies(model: MatrixModel, values: FloatArray, *, tol: float = 1e-6) -> bool:
    """Whether ``values`` meets every row and column bound of ``model`` within ``tol``.

    Parameters
    ----------
    model
        The model.
    values
        One value per column.
    tol
        Absolute tolerance.

    Returns
    -------
    bool
        True when feasible.
    """
    row = sp.csr_array(model.A) @ values
    return bool(
        np.all(row >= model.row_lower - tol)
        and np.all(row <= model.row_upper + tol)
        and np.all(values >= model.col_lower - tol)
        and np.all(values <= model.col_upper + tol)
    )


def objective_scale(c: FloatArray, *, largest: float = 1e3) -> float:
    """A power of ten that brings the largest objective coefficient to at most ``largest``.

    Parameters
    ----------
    c
        Objective coefficients.
    largest
        The largest coefficient wanted after scaling.

    Returns
    -------
    float
        1.0 when the coefficients are already small.

    Examples
    --------
    >>> objective_scale(np.array([2.5e6, 1.0]))
    10000.0
    >>> objective_scale(np.array([0.5, 12.0]))
    1.0
    """
    biggest = float(np.max(np.abs(c))) if len(c) else 0.0
    if not np.isfinite(biggest) or biggest <= largest:
        return 1.0
    return float(10.0 ** math.ceil(math.log10(biggest / largest)))


def _clean(values: FloatArray, model: MatrixModel) -> FloatArray:
    """Round integer columns, and clip every column into its bounds."""
    out = values.copy()
    out[model.integer] = np.round(out[model.integer])
    return np.clip(out, model.col_lower, model.col_upper)


def to_pulp(model: MatrixModel, *, name: str = "siting") -> Any:
    """Convert to a ``pulp.LpProblem`` (for CBC or LP/MPS export).

    Parameters
    ----------
    model
        The model.
    name
        The problem's name.

    Returns
    -------
    pulp.LpProblem
        The problem and, as ``problem.siting_vars``, its variables in column order.
    """
    import pulp

    names = model.col_names or tuple(f"x{j}" for j in range(model.num_cols))
    prob = pulp.LpProblem(name, pulp.LpMaximize if model.sense == "max" else pulp.LpMinimize)
    # PuLP 3.3 deprecates constructing LpVariable directly in favour of prob.add_variable.
    make = getattr(prob, "add_variable", None) or pulp.LpVariable
    variables = [
        make(
            names[j],
            None if not np.isfinite(model.col_lower[j]) else float(model.col_lower[j]),
            None if not np.isfinite(model.col_upper[j]) else float(model.col_upper[j]),
            cat=pulp.LpInteger if model.integer[j] else pulp.LpContinuous,
        )
        for j in range(model.num_cols)
    ]
    nz = np.flatnonzero(model.c)
    prob += (
        pulp.lpSum(float(model.c[j]) * variables[j] for j in nz) + float(model.offset),
        "objective",
    )
    csr = sp.csr_array(model.A)
    for r in range(model.num_rows):
        lo, hi = csr.indptr[r], csr.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [
                (variables[j], float(v))
                for j, v in zip(csr.indices[lo:hi], csr.data[lo:hi], strict=False)
            ]
        )
        rl, ru = float(model.row_lower[r]), float(model.row_upper[r])
        if rl == ru:
            prob += (expr == rl), f"r{r}"
        else:
            if np.isfinite(rl):
                prob += (expr >= rl), f"r{r}_lo"
            if np.isfinite(ru):
                prob += (expr <= ru), f"r{r}_hi"
    prob.siting_vars = variables  # type: ignore[attr-defined]
    return prob


def write_model(model: MatrixModel, path: str | Path) -> Path:
    """Write the model as an LP (``.lp``) or MPS (``.mps``) file through PuLP.

    Parameters
    ----------
    model
        The model.
    path
        Where to write; the suffix chooses the format.

    Returns
    -------
    Path
        The path written.
    """
    path = Path(path)
    prob = to_pulp(model)
    if path.suffix.lower() == ".mps":
        prob.writeMPS(str(path))
    else:
        prob.writeLP(str(path))
    return path


def _solve_cbc(
    model: MatrixModel,
    *,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    start: FloatArray | None = None,
) -> MipResult:
    import pulp

    t0 = time.perf_counter()
    prob = to_pulp(model)
    variables = prob.siting_vars
    if start is not None:
        for var, value in zip(variables, np.asarray(start, dtype=np.float64), strict=True):
            var.setInitialValue(float(value))
    pass_s = time.perf_counter() - t0
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates its bundled CBC (PULP_CBC_CMD) in favour of a separately
        # installed one; the bundled binary is what every PuLP install has today.
        warnings.simplefilter("ignore", DeprecationWarning)
        cmd = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=time_limit_s,
            gapRel=gap,
            threads=threads,
            warmStart=start is not None,
        )
    began = time.perf_counter()
    try:
        prob.solve(cmd)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"CBC failed to run: {exc}") from None
    solve_s = time.perf_counter() - began
    status, sol_status = prob.status, prob.sol_status
    text = f"pulp status {pulp.LpStatus[status]}, solution {pulp.LpSolution[sol_status]}"
    raw = [v.varValue for v in variables]
    has_values = all(v is not None for v in raw)
    values = _clean(np.asarray(raw, dtype=np.float64), model) if has_values else None
    objective = float(model.c @ values + model.offset) if values is not None else None
    if sol_status == pulp.LpSolutionOptimal and values is not None:
        # CBC proved optimality up to the requested gap; PuLP does not pass the bound back.
        requested = gap or 0.0
        st = Status.OPTIMAL if requested <= PROVEN_GAP else Status.FEASIBLE
        bound = objective if st is Status.OPTIMAL else None
        if st is Status.FEASIBLE:
            text += f" (CBC stopped within the requested gap {requested:g}; bound not reported)"
    elif sol_status == pulp.LpSolutionIntegerFeasible and values is not None:
        st, bound = Status.FEASIBLE, None
        text += " (time limit reached; CBC's bound is not reported through PuLP)"
    elif sol_status == pulp.LpSolutionInfeasible or status == pulp.LpStatusInfeasible:
        st, bound, values, objective = Status.INFEASIBLE, None, None, None
    elif sol_status == pulp.LpSolutionUnbounded or status == pulp.LpStatusUnbounded:
        st, bound, values, objective = Status.UNBOUNDED, None, None, None
    elif status == pulp.LpStatusNotSolved or sol_status == pulp.LpSolutionNoSolutionFound:
        st, bound, values, objective = Status.TIMED_OUT, None, None, None
    else:
        st, bound, values, objective = Status.ERROR, None, None, None
    stats = SolveStats(
        status=st,
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        solver=f"cbc (pulp {pulp.__version__})",
        build_s=model.build_s + pass_s,
        solve_s=solve_s,
        message=text,
    )
    return MipResult(values=values, stats=stats)


# ---------------------------------------------------------------------------
# OR-Tools CP-SAT
# ---------------------------------------------------------------------------

_CPSAT_MAX_ROW_SCALE = 6
"""Rows are multiplied by at most ``10**6`` to make their coefficients whole."""

_CPSAT_BIG = 10**9
"""The bound CP-SAT is given for a column without one (it needs finite domains)."""


def _continuous_unit(model: MatrixModel) -> float:
    """The smallest power of ten up to 1,000 that makes the continuous columns' bounds whole.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    float
        ``k``: CP-SAT counts each continuous column in ``1 / k`` of its unit (1,000 when
        no power up to 1,000 makes the bounds whole).
    """
    cont = ~model.integer
    bounds = np.concatenate([model.col_lower[cont], model.col_upper[cont]])
    bounds = bounds[np.isfinite(bounds)]
    for k in range(4):
        v = bounds * 10.0**k
        if np.all(np.abs(v - np.round(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return float(10.0**k)
    return 1e3


def _row_scales(
    csr: sp.csr_array, continuous: npt.NDArray[np.bool_]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The power of ten each row is multiplied by for CP-SAT.

    The smallest power up to ``10**6`` that makes the row's coefficients on continuous
    columns whole (on integer columns too, for a row without continuous columns).

    Parameters
    ----------
    csr
        The constraint matrix in CP-SAT's column units (sorted, summed entries).
    continuous
        True for each continuous column.

    Returns
    -------
    tuple of numpy.ndarray
        One multiplier per row, and True for each row no such power made whole (its
        continuous coefficients are then rounded at ``10**6``).
    """
    n = csr.shape[0]
    row_of = np.repeat(np.arange(n), np.diff(csr.indptr))
    has_cont = np.zeros(n, dtype=bool)
    has_cont[row_of[continuous[csr.indices]]] = True
    # which entries must become whole: continuous ones, or all in a row without any
    must = continuous[csr.indices] | ~has_cont[row_of]
    scale = np.full(n, 10.0**_CPSAT_MAX_ROW_SCALE)
    pending = np.ones(n, dtype=bool)
    for k in range(_CPSAT_MAX_ROW_SCALE + 1):
        v = csr.data * 10.0**k
        bad = must & (np.abs(v - np.round(v)) > 1e-9 * np.maximum(1.0, np.abs(v)))
        row_bad = np.zeros(n, dtype=bool)
        row_bad[row_of[bad]] = True
        ok = pending & ~row_bad
        scale[ok] = 10.0**k
        pending &= row_bad
        if not pending.any():
            break
    return scale, pending


@dataclass(frozen=True)
class _CpsatArrays:
    """The model as CP-SAT gets it: whole columns, whole rows (see :func:`_solve_cpsat`)."""

    unit: float
    col_scale: FloatArray
    lo_int: npt.NDArray[np.int64]
    hi_int: npt.NDArray[np.int64]
    csr: sp.csr_array
    row_scale: FloatArray
    coeffs: npt.NDArray[np.int64]
    rl: FloatArray
    ru: FloatArray
    rounded_rows: int


def _cpsat_arrays(model: MatrixModel) -> _CpsatArrays:
    unit = _continuous_unit(model)
    col_scale = np.where(model.integer, 1.0, unit)  # CP-SAT's column = col_scale x model's
    lower = np.where(np.isfinite(model.col_lower), model.col_lower * col_scale, -_CPSAT_BIG)
    upper = np.where(np.isfinite(model.col_upper), model.col_upper * col_scale, _CPSAT_BIG)
    # integer columns: whole bounds inwards; continuous ones: outwards onto the grid (a
    # plan is clipped back into the model's bounds, see _solve_cpsat)
    cont = ~model.integer
    lo_int = np.where(cont, np.floor(lower + 1e-9), np.ceil(lower - 1e-9)).astype(np.int64)
    hi_int = np.where(cont, np.ceil(upper - 1e-9), np.floor(upper + 1e-9)).astype(np.int64)
    if (lo_int > hi_int).any():
        bad = int(np.flatnonzero(lo_int > hi_int)[0])
        raise SolverError(f"CP-SAT: column {bad} has no whole value between its bounds")
    csr = sp.csr_array(sp.csr_array(model.A) @ sp.diags_array(1.0 / col_scale))
    csr.sum_duplicates()
    csr.sort_indices()
    scale, inexact = _row_scales(csr, cont)
    row_of = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    v = csr.data * scale[row_of]
    whole = np.abs(v - np.round(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))
    # a coefficient still not whole is on an integer column: rounded so that the row
    # gets tighter for a column >= 0 (up in a <= row, down in a >= row)
    upper_only = ~np.isfinite(model.row_lower) & np.isfinite(model.row_upper)
    lower_only = np.isfinite(model.row_lower) & ~np.isfinite(model.row_upper)
    nonneg = lo_int[csr.indices] >= 0
    up = ~whole & nonneg & upper_only[row_of]
    down = ~whole & nonneg & lower_only[row_of]
    coeffs_f = np.where(up, np.ceil(v), np.where(down, np.floor(v), np.round(v)))
    coeffs = coeffs_f.astype(np.int64)
    loose = ~whole & ~up & ~down
    inexact = inexact.copy()
    inexact[row_of[loose]] = True
    rounded_rows = int(inexact.sum())
    with np.errstate(invalid="ignore"):
        rl = np.ceil(model.row_lower * scale - 1e-6)
        ru = np.floor(model.row_upper * scale + 1e-6)
    return _CpsatArrays(
        unit=unit,
        col_scale=col_scale,
        lo_int=lo_int,
        hi_int=hi_int,
        csr=csr,
        row_scale=scale,
        coeffs=coeffs,
        rl=rl,
        ru=ru,
        rounded_rows=rounded_rows,
    )


def cpsat_grid(model: MatrixModel) -> MatrixModel:
    """The model CP-SAT solves, as a :class:`MatrixModel`: bounds rounded onto whole units.

    CP-SAT counts each continuous column in ``1 / k`` of its unit (see
    :func:`_solve_cpsat`) and needs whole row bounds, so the row bounds are rounded
    inwards, the integer columns' bounds inwards and the continuous columns' bounds
    outwards onto that grid (so that a shortfall column bounded by a demand of 7.8345
    slots may reach the 7.835 its demand row now asks for). With whole data (whole
    required slots) nothing changes and ``model`` itself is returned. With the raw
    requirement the least shortfall on the grid can be a few thousandths of a slot above
    the model's: :func:`siting.solve.solve_siting` holds a CP-SAT cost stage at the
    shortfall stage 1's facilities reach on the grid.

    Parameters
    ----------
    model
        The model.

    Returns
    -------
    MatrixModel
        The grid's model (``model`` itself when nothing is rounded).
    """
    g = _cpsat_arrays(model)
    col_lower = np.where(np.isfinite(model.col_lower), g.lo_int / g.col_scale, model.col_lower)
    col_upper = np.where(np.isfinite(model.col_upper), g.hi_int / g.col_scale, model.col_upper)
    with np.errstate(invalid="ignore"):
        row_lower = np.where(np.isfinite(g.rl), g.rl / g.row_scale, model.row_lower)
        row_upper = np.where(np.isfinite(g.ru), g.ru / g.row_scale, model.row_upper)
    # keep the model's own bound where it is already on the grid (no float noise)
    pairs = (
        (col_lower, model.col_lower, 1e-9),
        (col_upper, model.col_upper, 1e-9),
        (row_lower, model.row_lower, 1e-7),
        (row_upper, model.row_upper, 1e-7),
    )
    same = [
        np.isclose(new, old, rtol=0, atol=tol) | (np.isinf(new) & np.isinf(old))
        for new, old, tol in pairs
    ]
    row_of = np.repeat(np.arange(g.csr.shape[0]), np.diff(g.csr.indptr))
    exact = np.allclose(g.coeffs / g.row_scale[row_of], g.csr.data, rtol=1e-12, atol=1e-12)
    if exact and all(bool(np.all(flags)) for flags in same):
        return model
    kept = [np.where(flags, old, new) for flags, (new, old, _) in zip(same, pairs, strict=True)]
    row_of = np.repeat(np.arange(g.csr.shape[0]), np.diff(g.csr.indptr))
    data = g.coeffs / g.row_scale[row_of] * g.col_scale[g.csr.indices]
    matrix = sp.csr_array((data, g.csr.indices, g.csr.indptr), shape=g.csr.shape)
    return replace(
        model,
        A=matrix,
        col_lower=kept[0],
        col_upper=kept[1],
        row_lower=kept[2],
        row_upper=kept[3],
    )


def onto_cpsat_grid(model: MatrixModel, start: FloatArray) -> FloatArray | None:
    """A point of :func:`cpsat_grid`'s model with the integer columns of ``start``.

    Parameters
    ----------
    model
        The model.
    start
        One value per column.

    Returns
    -------
    numpy.ndarray or None
        ``start`` itself when it already lies on the grid and meets the grid model's
        rows and bounds; otherwise the integer columns are kept and the continuous ones
        re-solved by HiGHS as a linear program on the grid model, for the model's
        objective (a flow for the siting model, whose optimal vertices lie on the grid).
        ``None`` when that linear program has no solution.
    """
    point = np.asarray(start, dtype=np.float64)
    unit = _continuous_unit(model)
    scaled = point[~model.integer] * unit
    grid = cpsat_grid(model)
    if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6) and satisfies(grid, point):
        return point
    return _fixed_lp(grid, point)


def _fixed_lp(model: MatrixModel, point: FloatArray) -> FloatArray | None:
    """The continuous columns re-solved by HiGHS with the integer ones fixed at ``point``."""
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    fixed = np.round(point[model.integer])
    lower[model.integer] = fixed
    upper[model.integer] = fixed
    lp = replace(model, col_lower=lower, col_upper=upper, integer=np.zeros_like(lower, bool))
    result = _solve_highs(lp, time_limit_s=None, gap=None, threads=1, start=None)
    return result.values if result.stats.status is Status.OPTIMAL else None


def _cpsat_status(code: str, has_solution: bool, gap: float | None) -> Status:
    """The honest status from CP-SAT's status name, whether it has a plan, and the gap.

    CP-SAT says ``OPTIMAL`` also when it stopped at the requested relative gap, so
    "optimal" needs the gap within :data:`PROVEN_GAP`.

    Parameters
    ----------
    code
        ``solver.status_name(...)``: ``OPTIMAL``, ``FEASIBLE``, ``INFEASIBLE``,
        ``MODEL_INVALID`` or ``UNKNOWN`` (a limit reached before any plan).
    has_solution
        Whether CP-SAT returned a plan that meets the model's rows.
    gap
        The relative gap of that plan against the reported bound.

    Returns
    -------
    Status
        The outcome.

    Examples
    --------
    >>> _cpsat_status("OPTIMAL", True, 0.004).value
    'feasible'
    >>> _cpsat_status("UNKNOWN", False, None).value
    'timed_out'
    """
    if code == "INFEASIBLE":
        return Status.INFEASIBLE
    if code in ("OPTIMAL", "FEASIBLE") and has_solution:
        proven = code == "OPTIMAL" and gap is not None
        if proven and gap is not None and gap <= PROVEN_GAP * (1 + 1e-6) + 1e-12:
            return Status.OPTIMAL
        return Status.FEASIBLE
    if code == "UNKNOWN":
        return Status.TIMED_OUT
    return Status.ERROR


def _solve_cpsat(
    model: MatrixModel,
    *,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    start: FloatArray | None,
    options: dict[str, Any] | None = None,
) -> MipResult:
    """Solve ``model`` with OR-Tools CP-SAT, made integral.

    CP-SAT solves integer programs only, so:

    * each continuous column becomes an integer column counting ``1 / k`` of its unit,
      ``k`` the smallest power of ten up to 1,000 that makes the continuous columns'
      bounds whole (:func:`_continuous_unit`: 1 with whole required slots, 10 with the
      raw requirement to 0.1 slot that :mod:`siting.demand` gives). For the siting
      model this loses nothing: with the facilities fixed, the assignment is a flow
      problem whose data are whole in those units, and it has a whole optimum. For
      another model it is a restriction, and the bound is the restriction's;
    * each row is multiplied by the smallest power of ten up to ``10**6`` that makes
      its coefficients on continuous columns whole (all of them, in a row without
      continuous columns) and its bounds are rounded inwards (exact, since the row's
      activity is then whole). A coefficient on an integer column still not whole is
      rounded so that the row gets tighter; the message counts the rows rounded any
      other way. :func:`cpsat_grid` gives this model as a :class:`MatrixModel`;
    * the objective is multiplied by the smallest power of ten (up to ``10**6``, and
      while its largest coefficient stays below ``10**12``) that makes it whole, and
      rounded. The reported objective is recomputed from the real coefficients, and the
      reported bound is CP-SAT's less the most the rounding can move the objective
      within the columns' bounds, so it stays a valid bound.

    CP-SAT's plan is clipped into the model's bounds; if it then misses a row (by a
    fraction of a grid unit), its continuous columns are re-solved by HiGHS with its
    integer columns fixed, and a plan that still breaks a row is refused (status
    "error"). Ctrl-C stops the search and is raised again.

    Parameters
    ----------
    model
        The model.
    time_limit_s, gap, threads, start
        As in :func:`solve_model`; ``threads`` is CP-SAT's number of workers (``None``:
        one per core), and ``start`` becomes CP-SAT's solution hint.
    options
        CP-SAT parameters by name (``SatParameters`` fields with a single value).

    Returns
    -------
    MipResult
        Values and honest statistics; ``extra`` holds ``first_solution_s`` and
        ``best_solution_s`` (seconds into the search) and ``objective_rounding``.
    """
    try:
        import ortools
        from ortools.sat.python import cp_model
    except ImportError:
        raise SolverError(
            "solver 'cpsat' needs OR-Tools. Fix: pip install ortools "
            "(or siting[cpsat]), or use solver 'highs'."
        ) from None

    t0 = time.perf_counter()
    grid = _cpsat_arrays(model)
    lo_int, hi_int, col_scale = grid.lo_int, grid.hi_int, grid.col_scale
    point = None if start is None else onto_cpsat_grid(model, start)
    if point is None and start is not None:
        point = np.asarray(start, dtype=np.float64)  # a hint all the same
    cp = cp_model.CpModel()
    proto = cp.proto
    for j in range(model.num_cols):
        proto.variables.add().domain.extend([int(lo_int[j]), int(hi_int[j])])
    csr = grid.csr
    floor_, ceiling = -(2**62), 2**62
    for r in range(csr.shape[0]):
        lo, hi = csr.indptr[r], csr.indptr[r + 1]
        linear = proto.constraints.add().linear
        linear.vars.extend(csr.indices[lo:hi].tolist())
        linear.coeffs.extend(grid.coeffs[lo:hi].tolist())
        linear.domain.extend(
            [
                int(grid.rl[r]) if math.isfinite(grid.rl[r]) else floor_,
                int(grid.ru[r]) if math.isfinite(grid.ru[r]) else ceiling,
            ]
        )
    sign = -1.0 if model.sense == "max" else 1.0
    c_grid = sign * model.c / col_scale
    objective_unit = 1.0
    for k in range(_CPSAT_MAX_ROW_SCALE + 1):
        v = c_grid * 10.0**k
        if np.max(np.abs(v), initial=0.0) > 1e12:
            break
        objective_unit = 10.0**-k
        if np.all(np.abs(v - np.round(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            break
    c_units = c_grid / objective_unit
    c_int = np.round(c_units)
    reach = np.maximum(np.abs(lo_int), np.abs(hi_int)).astype(np.float64)
    rounding = float(np.abs(c_units - c_int) @ reach)
    nz = np.flatnonzero(c_int)
    proto.objective.vars.extend(nz.tolist())
    proto.objective.coeffs.extend(c_int[nz].astype(np.int64).tolist())
    if point is not None:
        hint = np.clip(np.round(point * col_scale), lo_int, hi_int)
        proto.solution_hint.vars.extend(range(model.num_cols))
        proto.solution_hint.values.extend(hint.astype(np.int64).tolist())
    unit, rounded_rows = grid.unit, grid.rounded_rows

    solver = cp_model.CpSolver()
    params = solver.parameters
    if time_limit_s is not None:
        # the time spent building (and putting the start on the grid) counts
        params.max_time_in_seconds = max(float(time_limit_s) - (time.perf_counter() - t0), 0.0)
    if gap is not None:
        params.relative_gap_limit = float(gap)
    params.num_workers = int(threads) if threads else 0
    params.random_seed = 0
    params.catch_sigint_signal = False  # Ctrl-C is Python's (see _run_cpsat)
    for key, value in (options or {}).items():
        try:
            setattr(params, key, value)
        except (AttributeError, TypeError, ValueError) as exc:
            raise SolverError(f"CP-SAT rejected the parameter {key} = {value!r}: {exc}") from None

    found: list[float] = []

    class _Found(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
        def on_solution_callback(self) -> None:
            found.append(time.perf_counter())

    pass_s = time.perf_counter() - t0
    began = time.perf_counter()
    code = solver.status_name(_run_cpsat(solver, cp, _Found()))
    solve_s = time.perf_counter() - began
    values: FloatArray | None = None
    if code in ("OPTIMAL", "FEASIBLE"):
        raw = np.asarray(solver.response_proto.solution, dtype=np.float64) / col_scale
        values = _clean(raw, model)
    if code == "MODEL_INVALID":
        raise SolverError(f"CP-SAT rejected the model: {cp.validate()}")
    message = f"cp-sat status {code}"
    if unit != 1:
        message += f"; continuous columns in units of 1/{unit:g}"
    if rounded_rows:
        message += f"; {rounded_rows} rows' coefficients rounded to the nearest 1e-6"
    if values is not None and not satisfies(model, values):
        # clipped into the model's bounds the plan may leave a row short by a fraction of
        # a grid unit: keep CP-SAT's integer columns and re-solve the continuous ones
        values = _fixed_lp(model, values)
        if values is None:
            code = "ERROR"
            message += "; its plan breaks a row of the model after the integral rounding"
        else:
            message += "; continuous columns re-solved by HiGHS for its integer ones"
    objective = float(model.c @ values + model.offset) if values is not None else None
    bound: float | None = None
    cp_bound = float(solver.best_objective_bound)
    if math.isfinite(cp_bound) and code != "INFEASIBLE":
        bound = sign * (cp_bound - rounding) * objective_unit + model.offset
    gap_value = relative_gap(objective, bound)
    st = _cpsat_status(code, values is not None, gap_value)
    if code == "OPTIMAL" and st is Status.FEASIBLE:
        message += f" (stopped at the requested gap {gap:g})"
    extra: dict[str, Any] = {"objective_rounding": rounding * objective_unit}
    if found:
        extra["first_solution_s"] = max(found[0] - began, 0.0)
        extra["best_solution_s"] = max(found[-1] - began, 0.0)
    version = getattr(ortools, "__version__", "")
    stats = SolveStats(
        status=st,
        objective=objective if st.has_solution else None,
        bound=bound,
        gap=gap_value if st.has_solution else None,
        solver=f"cp-sat {version} ({params.num_workers or os.cpu_count()} workers)",
        build_s=model.build_s + pass_s,
        solve_s=solve_s,
        message=message,
    )
    return MipResult(values=values if st.has_solution else None, stats=stats, extra=extra)


def _run_cpsat(solver: Any, cp: Any, callback: Any) -> Any:
    """``solver.solve(cp, callback)``, stopped within a fraction of a second by Ctrl-C.

    As :func:`_run_interruptibly` does for HiGHS: from the main thread the search
    runs in a worker thread; on ``KeyboardInterrupt`` CP-SAT is told to stop, given a
    second, and the interrupt is raised again.
    """
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(cp, callback)
    return _wait_in_main_thread(
        lambda: solver.solve(cp, callback),
        on_interrupt=solver.stop_search,
        done=threading.Event(),
        name="cpsat",
    )
