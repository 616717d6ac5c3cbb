"""The same array interface as :func:`siting.locate._highs.solve_mip`, solved with CBC via PuLP.

Meant for small models, for exporting a model to an LP/MPS file, and as an
independent second solver in tests. PuLP reports ``status == Optimal`` even
when CBC stopped on a time limit with an unproven incumbent; its
``sol_status`` then says "Solution Found". Both are read here.
"""

from __future__ import annotations

import math
import time
import warnings
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import SolverError
from siting.locate._highs import MipSolution, _as_float_array
from siting.status import SolveStats, Status

__all__ = ["build_pulp_problem", "solve_mip_pulp"]


def _bound(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def build_pulp_problem(
    c: npt.ArrayLike,
    A: sp.spmatrix | sp.sparray,  # noqa: N803
    row_lower: npt.ArrayLike,
    row_upper: npt.ArrayLike,
    col_lower: npt.ArrayLike,
    col_upper: npt.ArrayLike,
    integrality: npt.ArrayLike | None = None,
    *,
    sense: Literal["min", "max"] = "min",
    offset: float = 0.0,
    name: str = "siting",
) -> tuple[Any, list[Any]]:
    """Build a ``pulp.LpProblem`` from arrays (for export or CBC).

    Parameters
    ----------
    c, A, row_lower, row_upper, col_lower, col_upper, integrality, sense, offset
        As in :func:`siting.locate._highs.solve_mip`.
    name
        Problem name.

    Returns
    -------
    tuple
        The problem and its variables, in column order.
    """
    import pulp

    matrix = sp.csr_array(A)
    n_rows, n_cols = matrix.shape
    cost = _as_float_array(c, n_cols, "c")
    rl = _as_float_array(row_lower, n_rows, "row_lower")
    ru = _as_float_array(row_upper, n_rows, "row_upper")
    cl = _as_float_array(col_lower, n_cols, "col_lower")
    cu = _as_float_array(col_upper, n_cols, "col_upper")
    flags = (
        np.zeros(n_cols, dtype=bool)
        if integrality is None
        else np.asarray(integrality).astype(bool)
    )
    prob = pulp.LpProblem(name, pulp.LpMaximize if sense == "max" else pulp.LpMinimize)
    make = getattr(prob, "add_variable", None) or pulp.LpVariable  # PuLP 4 API when present
    variables = [
        make(
            f"x{k}",
            lowBound=_bound(cl[k]),
            upBound=_bound(cu[k]),
            cat=pulp.LpInteger if flags[k] else pulp.LpContinuous,
        )
        for k in range(n_cols)
    ]
    prob += pulp.LpAffineExpression(
        [(variables[k], float(cost[k])) for k in np.flatnonzero(cost)]
    ) + float(offset)
    for r in range(n_rows):
        lo, hi = matrix.indptr[r], matrix.indptr[r + 1]
        expr = pulp.LpAffineExpression(
            [
                (variables[int(k)], float(v))
                for k, v in zip(matrix.indices[lo:hi], matrix.data[lo:hi], strict=True)
            ]
        )
        if rl[r] == ru[r]:
            prob += expr == float(rl[r]), f"r{r}"
        else:
            if math.isfinite(rl[r]):
                prob += expr >= float(rl[r]), f"r{r}_lo"
            if math.isfinite(ru[r]):
                prob += expr <= float(ru[r]), f"r{r}_hi"
    return prob, variables


def solve_mip_pulp(
    c: npt.ArrayLike,
    A: sp.spmatrix | sp.sparray,  # noqa: N803
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
) -> MipSolution:
    """Solve the array model with PuLP's bundled CBC.

    Parameters
    ----------
    c, A, row_lower, row_upper, col_lower, col_upper, integrality, sense, offset
        As in :func:`siting.locate._highs.solve_mip`.
    time_limit_s, gap, threads, start
        As in :func:`siting.locate._highs.solve_mip`.

    Returns
    -------
    MipSolution
        The incumbent and an honest status. CBC's best bound is not exposed
        through PuLP, so ``bound`` is the objective when proven optimal and
        ``None`` otherwise.

    Raises
    ------
    SolverError
        If CBC cannot be run.
    """
    import pulp

    t0 = time.perf_counter()
    prob, variables = build_pulp_problem(
        c,
        A,
        row_lower,
        row_upper,
        col_lower,
        col_upper,
        integrality,
        sense=sense,
        offset=offset,
    )
    if start is not None:
        point = np.asarray(start, dtype=np.float64)
        for var, value in zip(variables, point, strict=True):
            var.setInitialValue(float(value))
    build_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        # PuLP 3.3 flags its bundled CBC as going away in PuLP 4; it is still the
        # only CBC that ships with PuLP, so the notice is not the caller's business.
        warnings.simplefilter("ignore", DeprecationWarning)
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=time_limit_s,
            gapRel=1e-4 if gap is None else gap,
            threads=threads,
            warmStart=start is not None,
        )
        try:
            prob.solve(solver)
        except pulp.PulpSolverError as exc:
            raise SolverError(f"CBC failed to run: {exc}") from exc
    solve_s = time.perf_counter() - t1
    status_code = prob.status
    sol_status = prob.sol_status
    if sol_status == pulp.LpSolutionOptimal and status_code == pulp.LpStatusOptimal:
        status = Status.OPTIMAL
    elif sol_status == pulp.LpSolutionIntegerFeasible:
        status = Status.FEASIBLE
    elif status_code == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        status = Status.INFEASIBLE
    elif status_code == pulp.LpStatusUnbounded or sol_status == pulp.LpSolutionUnbounded:
        status = Status.UNBOUNDED
    elif status_code == pulp.LpStatusNotSolved or sol_status == pulp.LpSolutionNoSolutionFound:
        status = Status.TIMED_OUT
    else:
        status = Status.ERROR
    x = None
    objective = None
    bound = None
    if status.has_solution:
        x = np.array([v.varValue or 0.0 for v in variables], dtype=np.float64)
        objective = float(pulp.value(prob.objective) or 0.0)
        if status is Status.OPTIMAL:
            bound = objective
    stats = SolveStats(
        status=status,
        objective=objective,
        bound=bound,
        gap=0.0 if status is Status.OPTIMAL else None,
        solver=f"cbc (pulp {pulp.__version__})",
        build_s=build_s,
        solve_s=solve_s,
        message=f"{pulp.LpStatus[status_code]}; {pulp.LpSolution[sol_status]}",
    )
    return MipSolution(x=x, stats=stats)
