"""A mixed-integer program held as arrays, and the two solvers that run it.

Models in ``siting`` are built straight from numpy arrays into a
:class:`MatrixModel` (a sparse constraint matrix with bounds), which is then

* solved by HiGHS through ``highspy`` (the default): the arrays are passed
  to HiGHS as they are, with no Python object per variable;
* or converted to a PuLP problem, to solve with PuLP's bundled CBC or to
  write as LP/MPS for inspection in another solver.

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
from dataclasses import dataclass, field
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
    "IncumbentHook",
    "MatrixModel",
    "MipResult",
    "highs_version",
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
) -> MipResult:
    """Solve a :class:`MatrixModel`.

    Parameters
    ----------
    model
        The model.
    solver
        ``"highs"`` or ``"cbc"``.
    time_limit_s
        Wall-clock limit in seconds.
    gap
        Relative gap at which the solver may stop. ``0`` asks for an exact proof
        (the absolute gap is then zero too).
    threads
        Threads for the solver.
    start
        A feasible (or partial) starting solution, one value per column.
    options
        Extra HiGHS options by name, for example ``{"presolve": "off"}`` (HiGHS only).
    incumbents
        HiGHS only: called with each improving solution the solver finds (one value per
        column); what it returns (a better feasible solution, or ``None``) is handed
        back to HiGHS as a new incumbent at its next chance.

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
        )
    if solver == "cbc":
        return _solve_cbc(model, time_limit_s=time_limit_s, gap=gap, threads=threads, start=start)
    raise SolverError(f"unknown solver {solver!r}. Fix: use 'highs' or 'cbc'.")


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
    if incumbents is not None and is_mip:
        fed = _feed_back(h, incumbents)
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


def _feed_back(h: Any, incumbents: IncumbentHook) -> list[FloatArray]:
    """Show HiGHS's improving solutions to ``incumbents``; give back what it improves.

    Returns the list the solutions handed back are appended to.
    """
    pending: list[FloatArray] = []
    fed: list[FloatArray] = []

    def improving(event: Any) -> None:
        better = incumbents(np.array(event.data_out.mip_solution, dtype=np.float64))
        if better is not None:
            pending[:] = [np.asarray(better, dtype=np.float64)]

    def user_solution(event: Any) -> None:
        if pending and event.data_in is not None:
            fed.append(pending.pop())
            event.data_in.setSolution(fed[-1])
            event.data_in.user_has_solution = True

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
        return h.run()  # signals reach only the main thread
    stop = threading.Event()

    def interrupt(event: Any) -> None:
        if stop.is_set():
            event.interrupt()

    for callbacks in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
        callbacks.subscribe(interrupt)
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["status"] = h.run()
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc
        finally:
            done.set()

    # Waiting on an Event, not Thread.join: a join interrupted by Ctrl-C can mark the
    # thread stopped while HiGHS still runs, and the process then aborts at exit.
    threading.Thread(target=work, name="highs", daemon=True).start()
    try:
        while not done.wait(0.05):
            pass
    except KeyboardInterrupt:
        stop.set()
        done.wait(1.0)
        raise
    finally:
        if done.is_set():  # never change callbacks under a running solve
            for callbacks in (h.cbSimplexInterrupt, h.cbIpmInterrupt, h.cbMipInterrupt):
                callbacks.unsubscribe(interrupt)
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
