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
import os
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import SolverError
from siting.status import SolveStats, Status

__all__ = ["PROVEN_GAP", "MatrixModel", "MipResult", "solve_model", "to_pulp", "write_model"]

log = logging.getLogger(__name__)

PROVEN_GAP = 1e-4
"""A relative gap at or below this counts as proven optimal (HiGHS's default ``mip_rel_gap``)."""

INF = float("inf")

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class MatrixModel:
    """``min c·x  s.t.  row_lower <= A x <= row_upper,  col_lower <= x <= col_upper``.

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


def _rel_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None or not np.isfinite(bound):
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solve_model(
    model: MatrixModel,
    *,
    solver: str = "highs",
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    start: FloatArray | None = None,
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
        Relative gap at which the solver may stop.
    threads
        Threads for the solver.
    start
        A feasible (or partial) starting solution, one value per column.

    Returns
    -------
    MipResult
        Values and honest statistics.
    """
    if solver == "highs":
        return _solve_highs(model, time_limit_s=time_limit_s, gap=gap, threads=threads, start=start)
    if solver == "cbc":
        return _solve_cbc(model, time_limit_s=time_limit_s, gap=gap, threads=threads)
    raise SolverError(f"unknown solver {solver!r}. Fix: use 'highs' or 'cbc'.")


def _new_highs() -> Any:
    """A HiGHS instance, without the banner it prints to standard output when created."""
    import highspy

    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (some notebook front ends)
        return highspy.Highs()
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            try:
                return highspy.Highs()
            finally:
                os.dup2(saved, 1)
    finally:
        os.close(saved)


def _solve_highs(
    model: MatrixModel,
    *,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    start: FloatArray | None,
) -> MipResult:
    import highspy

    h = _new_highs()
    h.setOptionValue("output_flag", False)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if gap is not None:
        h.setOptionValue("mip_rel_gap", float(gap))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.setOptionValue("random_seed", 0)

    csc = sp.csc_array(model.A)
    csc.sort_indices()
    lp = highspy.HighsLp()
    lp.num_col_ = model.num_cols
    lp.num_row_ = model.num_rows
    lp.col_cost_ = np.asarray(model.c, dtype=np.float64)
    lp.col_lower_ = np.asarray(model.col_lower, dtype=np.float64)
    lp.col_upper_ = np.asarray(model.col_upper, dtype=np.float64)
    lp.row_lower_ = np.asarray(model.row_lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(model.row_upper, dtype=np.float64)
    lp.offset_ = float(model.offset)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    lp.a_matrix_.num_col_ = model.num_cols
    lp.a_matrix_.num_row_ = model.num_rows
    is_mip = bool(model.integer.any())
    if is_mip:
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
            for flag in model.integer
        ]
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS rejected the model (a bug in siting's model building).")
    if start is not None and is_mip:
        sol = highspy.HighsSolution()
        sol.col_value = np.asarray(start, dtype=np.float64)
        sol.value_valid = True
        h.setSolution(sol)
    began = time.perf_counter()
    h.run()
    solve_s = time.perf_counter() - began

    model_status = h.getModelStatus()
    info = h.getInfo()
    text = h.modelStatusToString(model_status)
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    ms = highspy.HighsModelStatus
    objective = float(info.objective_function_value) if has_solution else None
    if is_mip:
        bound: float | None = float(info.mip_dual_bound)
    else:
        bound = objective if model_status == ms.kOptimal else None
    gap_value = _rel_gap(objective, bound)
    if model_status == ms.kOptimal and has_solution:
        st = Status.OPTIMAL if (gap_value is None or gap_value <= PROVEN_GAP) else Status.FEASIBLE
        if st is Status.FEASIBLE:
            text += f" (stopped at the requested gap {gap:g})"
    elif model_status in (ms.kInfeasible,):
        st = Status.INFEASIBLE
    elif model_status == ms.kUnbounded:
        st = Status.UNBOUNDED
    elif model_status == ms.kUnboundedOrInfeasible:
        st = Status.INFEASIBLE
        text += " (HiGHS could not tell infeasible from unbounded)"
    elif has_solution:
        st = Status.FEASIBLE
    elif model_status in (ms.kTimeLimit, ms.kIterationLimit, ms.kSolutionLimit, ms.kInterrupt):
        st = Status.TIMED_OUT
    else:
        st = Status.ERROR
    values = np.asarray(h.getSolution().col_value, dtype=np.float64) if has_solution else None
    # HiGHS 1.16 can report the improved objective yet return the user's start as the
    # solution. Never pass that on: solve again without the start.
    if (
        values is not None
        and objective is not None
        and start is not None
        and abs(float(model.c @ values) + model.offset - objective) > 1e-6 * max(1, abs(objective))
    ):
        log.warning("HiGHS returned its starting point as the solution; solving again")
        return _solve_highs(model, time_limit_s=time_limit_s, gap=gap, threads=threads, start=None)
    if values is not None:
        values = _clean(values, model)
        objective = float(model.c @ values + model.offset)
    stats = SolveStats(
        status=st,
        objective=objective,
        bound=bound,
        gap=gap_value,
        solver=f"highs {h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}",
        build_s=model.build_s,
        solve_s=solve_s,
        message=text,
    )
    return MipResult(values=values, stats=stats)


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
    prob = pulp.LpProblem(name, pulp.LpMinimize)
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
) -> MipResult:
    import pulp

    prob = to_pulp(model)
    with warnings.catch_warnings():
        # PuLP 3.3 deprecates its bundled CBC (PULP_CBC_CMD) in favour of a separately
        # installed one; the bundled binary is what every PuLP install has today.
        warnings.simplefilter("ignore", DeprecationWarning)
        cmd = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=gap, threads=threads)
    began = time.perf_counter()
    try:
        prob.solve(cmd)
    except pulp.PulpSolverError as exc:
        raise SolverError(f"CBC failed to run: {exc}") from None
    solve_s = time.perf_counter() - began
    status, sol_status = prob.status, prob.sol_status
    text = f"pulp status {pulp.LpStatus[status]}, solution {pulp.LpSolution[sol_status]}"
    variables = prob.siting_vars
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
        gap=_rel_gap(objective, bound),
        solver=f"cbc (pulp {pulp.__version__})",
        build_s=model.build_s,
        solve_s=solve_s,
        message=text,
    )
    return MipResult(values=values, stats=stats)
