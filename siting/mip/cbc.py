"""PuLP: the model as a ``pulp.LpProblem``, to solve with PuLP's bundled CBC or to write
as LP/MPS for inspection in another solver."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from siting.errors import SolverError
from siting.mip.arrays import PROVEN_GAP, FloatArray, MatrixModel, MipResult, _clean, relative_gap
from siting.status import SolveStats, Status


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
