"""A thin, fast bridge from numpy / scipy arrays to the HiGHS MIP solver.

Every model in ``siting`` that goes to HiGHS is built here: the caller hands
over the objective, a sparse constraint matrix and bounds as arrays, and gets
back the primal values and an honest :class:`~siting.status.SolveStats`. No
Python object is created per variable or per constraint, so building a model
with millions of non-zeros takes a fraction of a second.

The status is read from the solver's own model status *and* its gap:

- ``kOptimal`` is :attr:`Status.OPTIMAL` only when the reported MIP gap is
  within the requested tolerance (it always is, unless HiGHS misbehaves);
- ``kTimeLimit``, ``kIterationLimit``, ``kSolutionLimit``, ``kInterrupt`` and
  friends are :attr:`Status.FEASIBLE` (with the gap) when an incumbent exists,
  else :attr:`Status.TIMED_OUT`;
- ``kInfeasible`` is :attr:`Status.INFEASIBLE`, ``kUnbounded`` is
  :attr:`Status.UNBOUNDED`; anything else is :attr:`Status.ERROR`.
"""

from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import InputError, Problem, SolverError
from siting.status import SolveStats, Status

__all__ = ["MipSolution", "highs_version", "relative_gap", "solve_mip"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]

_DEFAULT_GAP = 1e-4
_BANNER_LOCK = threading.Lock()
_BANNER_DONE = False


@dataclass(frozen=True)
class MipSolution:
    """Primal values and statistics of one solver run.

    Attributes
    ----------
    x
        Column values of the incumbent (length ``n_cols``), or ``None`` when
        the solver found no solution.
    stats
        Status, objective, bound, gap and timings.
    """

    x: FloatArray | None
    stats: SolveStats


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


def _new_highs() -> Any:
    """Create a silent ``highspy.Highs`` instance.

    HiGHS prints a copyright banner to the C-level stdout the first time an
    instance is created in a process, before any option can be set; that one
    write is sent to the null device.
    """
    global _BANNER_DONE
    import highspy

    with _BANNER_LOCK:
        if _BANNER_DONE:
            highs = highspy.Highs()
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                with open(os.devnull, "wb") as null:
                    os.dup2(null.fileno(), 1)
                    try:
                        highs = highspy.Highs()
                    finally:
                        os.dup2(saved, 1)
            finally:
                os.close(saved)
            _BANNER_DONE = True
    highs.setOptionValue("output_flag", False)
    return highs


def highs_version() -> str:
    """The name and version of the bundled HiGHS, for example ``"highs 1.16.0"``."""
    highs = _new_highs()
    return f"highs {highs.version()}"


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


def _read_status(
    model_status: Any,
    has_solution: bool,
    gap: float | None,
    tolerance: float,
) -> Status:
    import highspy

    ms = highspy.HighsModelStatus
    if model_status == ms.kOptimal:
        if not has_solution:
            # An LP/MIP reported optimal without a primal point: not usable.
            return Status.ERROR
        if gap is None or gap <= tolerance * (1 + 1e-6) + 1e-12:
            return Status.OPTIMAL
        return Status.FEASIBLE
    if model_status == ms.kInfeasible:
        return Status.INFEASIBLE
    if model_status in (ms.kUnbounded, ms.kUnboundedOrInfeasible):
        return Status.UNBOUNDED if has_solution else Status.INFEASIBLE
    limits = (
        ms.kTimeLimit,
        ms.kIterationLimit,
        ms.kSolutionLimit,
        ms.kInterrupt,
        ms.kObjectiveBound,
        ms.kObjectiveTarget,
        ms.kMemoryLimit,
        ms.kUnknown,
    )
    if model_status in limits:
        return Status.FEASIBLE if has_solution else Status.TIMED_OUT
    return Status.ERROR


def solve_mip(
    c: npt.ArrayLike,
    A: sp.spmatrix | sp.sparray,  # noqa: N803 - the usual name of a constraint matrix
    row_lower: npt.ArrayLike,
    row_upper: npt.ArrayLike,
    col_lower: npt.ArrayLike,
    col_upper: npt.ArrayLike,
    integrality: npt.ArrayLike | None = None,
    *,
    sense: Literal["min", "max"] = "min",
    offset: float = 0.0,
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    start: npt.ArrayLike | None = None,
    options: dict[str, Any] | None = None,
) -> MipSolution:
    """Solve ``min/max c·x + offset`` s.t. ``row_lower <= A x <= row_upper`` with HiGHS.

    Parameters
    ----------
    c
        Objective coefficient of each column.
    A
        Constraint matrix, ``n_rows × n_cols``, any scipy sparse format (or a
        dense array). It is converted to CSC once, without copying when it
        already is CSC with ``int32`` indices.
    row_lower, row_upper
        Row bounds; use ``-inf`` / ``inf`` for one-sided rows. A scalar is
        broadcast.
    col_lower, col_upper
        Column bounds; a scalar is broadcast.
    integrality
        Truthy for each integer column; ``None`` means a pure LP.
    sense
        ``"min"`` or ``"max"``.
    offset
        Constant added to the objective.
    time_limit_s
        Wall-clock limit in seconds; ``None`` for no limit.
    gap
        Relative MIP gap at which the solver may stop and call the solution
        optimal; ``None`` keeps the default ``1e-4``. Use ``0`` for an exact
        proof.
    threads
        Number of threads; ``None`` lets HiGHS decide.
    start
        A full primal point (length ``n_cols``) given to the solver as its
        first incumbent. HiGHS checks it and ignores it when infeasible.
    options
        Extra HiGHS options by name, for example ``{"presolve": "off"}``.

    Returns
    -------
    MipSolution
        The incumbent and an honest status.

    Raises
    ------
    InputError
        If the arrays do not have matching shapes.
    SolverError
        If HiGHS refuses the model or fails to run.
    """
    import highspy

    t0 = time.perf_counter()
    matrix = sp.csc_array(A)
    n_rows, n_cols = matrix.shape
    cost = _as_float_array(c, n_cols, "c")
    rl = _as_float_array(row_lower, n_rows, "row_lower")
    ru = _as_float_array(row_upper, n_rows, "row_upper")
    cl = _as_float_array(col_lower, n_cols, "col_lower")
    cu = _as_float_array(col_upper, n_cols, "col_upper")

    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = cl
    lp.col_upper_ = cu
    lp.row_lower_ = rl
    lp.row_upper_ = ru
    lp.offset_ = float(offset)
    lp.sense_ = highspy.ObjSense.kMaximize if sense == "max" else highspy.ObjSense.kMinimize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n_cols
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32, copy=False)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32, copy=False)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64, copy=False)
    is_mip = False
    if integrality is not None:
        flags = np.asarray(integrality).astype(bool)
        if flags.shape != (n_cols,):
            raise InputError(
                [Problem(f"integrality has shape {flags.shape}, expected ({n_cols},)")]
            )
        if flags.any():
            is_mip = True
            kinds = (highspy.HighsVarType.kContinuous, highspy.HighsVarType.kInteger)
            lp.integrality_ = [kinds[int(flag)] for flag in flags]

    highs = _new_highs()
    tolerance = _DEFAULT_GAP if gap is None else float(gap)
    highs.setOptionValue("mip_rel_gap", tolerance)
    if gap is not None and gap == 0:
        highs.setOptionValue("mip_abs_gap", 0.0)
    if time_limit_s is not None:
        highs.setOptionValue("time_limit", max(float(time_limit_s), 0.0))
    if threads is not None:
        highs.setOptionValue("threads", int(threads))
    for key, value in (options or {}).items():
        highs.setOptionValue(key, value)
    status = highs.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS refused the model (passModel returned an error)")
    if start is not None:
        point = _as_float_array(start, n_cols, "start")
        solution = highspy.HighsSolution()
        solution.col_value = point.tolist()
        solution.value_valid = True
        highs.setSolution(solution)
    build_s = time.perf_counter() - t0

    t1 = time.perf_counter()
    run_status = highs.run()
    solve_s = time.perf_counter() - t1
    if run_status == highspy.HighsStatus.kError:
        model_status = highs.getModelStatus()
        if model_status not in (
            highspy.HighsModelStatus.kInfeasible,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            message = highs.modelStatusToString(model_status)
            raise SolverError(f"HiGHS failed to run: {message}")
    model_status = highs.getModelStatus()
    info = highs.getInfo()
    has_solution = int(info.primal_solution_status) == 2  # kSolutionStatusFeasible
    x: FloatArray | None = None
    objective: float | None = None
    bound: float | None = None
    if has_solution:
        x = np.asarray(highs.getSolution().col_value, dtype=np.float64)
        objective = float(info.objective_function_value)
    if is_mip:
        raw_bound = float(info.mip_dual_bound)
        bound = raw_bound if math.isfinite(raw_bound) else None
    elif model_status == highspy.HighsModelStatus.kOptimal and has_solution:
        bound = objective
    rel_gap = relative_gap(objective, bound)
    result_status = _read_status(model_status, has_solution, rel_gap, tolerance)
    message = highs.modelStatusToString(model_status)
    logger.debug(
        "HiGHS %s on %d rows x %d cols (%d nnz): %s, objective %s, bound %s, %.3f s",
        "MIP" if is_mip else "LP",
        n_rows,
        n_cols,
        matrix.nnz,
        message,
        objective,
        bound,
        solve_s,
    )
    stats = SolveStats(
        status=result_status,
        objective=objective,
        bound=bound,
        gap=rel_gap,
        solver=f"highs {highs.version()}",
        build_s=build_s,
        solve_s=solve_s,
        message=message,
    )
    return MipSolution(x=x if result_status.has_solution else None, stats=stats)
