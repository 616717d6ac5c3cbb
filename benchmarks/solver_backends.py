"""SCIP and OR-Tools CP-SAT run on a :class:`siting.mip.MatrixModel` (for the benchmark).

These back-ends take the same arrays as :func:`siting.mip.solve_model`'s HiGHS path and
return the same :class:`siting.mip.MipResult`, with statuses read honestly: "optimal"
only with a proof within :data:`siting.mip.PROVEN_GAP`, "feasible" with the gap when a
limit or a looser requested gap stopped the search, "timed_out" without a plan,
"infeasible" only when the solver proved it. Both record when they found their first
and their last incumbent (``extra["first_solution_s"]``, ``extra["best_solution_s"]``,
seconds from the start of the search).

CP-SAT solves integer programs only, so the model is made integral:

* every continuous column becomes an integer column counting ``1 / k`` of its unit, with
  ``k`` the smallest power of ten up to 1,000 that makes the continuous columns' bounds
  whole (``k = 1`` with whole required slots; ``k = 10`` with the raw requirement to
  0.1 slot that :mod:`siting.demand` gives). For the siting model this loses nothing:
  with the facilities fixed, the assignment is a flow problem whose data are whole in
  those units, and such a problem has a whole optimum. For another model it is a
  restriction, and the bound is the restriction's;
* each row is multiplied by the smallest power of ten (up to ``10**6``) that makes its
  coefficients whole, and its bounds rounded inwards (exact, since the row's activity
  is then whole); a row that no such power makes whole is rounded at ``10**6``, and
  the message says how many rows were;
* the objective is rounded to whole units of ``objective_unit`` (1 CNY for costs); the
  reported objective is recomputed from the real coefficients, and the reported bound
  is CP-SAT's bound less the largest error the rounding can make over the columns'
  bounds, so it stays a valid bound.

Both packages are imported only when their back-end runs.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import SolverError
from siting.mip import PROVEN_GAP, MatrixModel, MipResult, relative_gap, satisfies
from siting.status import SolveStats, Status

__all__ = ["solve_cpsat", "solve_scip"]

FloatArray = npt.NDArray[np.float64]


def _clean(values: FloatArray, model: MatrixModel) -> FloatArray:
    out = values.copy()
    out[model.integer] = np.round(out[model.integer])
    return np.clip(out, model.col_lower, model.col_upper)


# ---------------------------------------------------------------------------
# SCIP
# ---------------------------------------------------------------------------


def _scip_status(text: str, has_solution: bool, gap: float | None) -> Status:
    """The honest status from SCIP's status string, whether it has a plan, and the gap."""
    if text == "optimal":
        if not has_solution:
            return Status.ERROR
        if gap is None or gap <= PROVEN_GAP * (1 + 1e-6) + 1e-12:
            return Status.OPTIMAL
        return Status.FEASIBLE
    if text == "infeasible":
        return Status.INFEASIBLE
    if text == "unbounded":
        return Status.UNBOUNDED
    if text == "inforunbd":
        return Status.UNBOUNDED if has_solution else Status.INFEASIBLE
    if has_solution:
        return Status.FEASIBLE  # gaplimit, timelimit, nodelimit, userinterrupt, ...
    limits = {
        "timelimit",
        "gaplimit",
        "nodelimit",
        "totalnodelimit",
        "stallnodelimit",
        "memlimit",
        "sollimit",
        "bestsollimit",
        "restartlimit",
        "userinterrupt",
        "primallimit",
        "duallimit",
    }
    return Status.TIMED_OUT if text in limits else Status.ERROR


def solve_scip(
    model: MatrixModel,
    *,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    start: FloatArray | None,
    options: dict[str, Any] | None = None,
) -> MipResult:
    """Solve ``model`` with SCIP through ``pyscipopt``.

    ``threads`` above 1 runs SCIP's concurrent solver (several settings racing on
    one model, ``solveConcurrent``); SCIP's own search is single-threaded.
    """
    import pyscipopt

    t0 = time.perf_counter()
    m = pyscipopt.Model()
    m.hideOutput()
    m.setParam("randomization/randomseedshift", 0)
    if time_limit_s is not None:
        m.setParam("limits/time", max(float(time_limit_s), 0.0))
    if gap is not None:
        m.setParam("limits/gap", float(gap))
    concurrent = threads is not None and threads > 1
    if concurrent:
        m.setParam("parallel/maxnthreads", int(threads or 1))
        m.setParam("parallel/minnthreads", int(threads or 1))
    for key, value in (options or {}).items():
        m.setParam(key, value)
    inf = m.infinity()

    def bound(v: float) -> float:
        return v if math.isfinite(v) else (inf if v > 0 else -inf)

    variables = [
        m.addVar(
            name=f"x{j}",
            vtype="I" if model.integer[j] else "C",
            lb=None if not math.isfinite(model.col_lower[j]) else float(model.col_lower[j]),
            ub=None if not math.isfinite(model.col_upper[j]) else float(model.col_upper[j]),
            obj=float(model.c[j]),
        )
        for j in range(model.num_cols)
    ]
    if model.sense == "max":
        m.setMaximize()
    if model.offset:
        m.addObjoffset(float(model.offset))
    csr = sp.csr_array(model.A)
    for r in range(model.num_rows):
        lo, hi = csr.indptr[r], csr.indptr[r + 1]
        terms = {
            pyscipopt.scip.Term(variables[j]): float(v)
            for j, v in zip(csr.indices[lo:hi], csr.data[lo:hi], strict=True)
        }
        expr = pyscipopt.scip.Expr(terms)
        rl, ru = bound(float(model.row_lower[r])), bound(float(model.row_upper[r]))
        m.addCons(pyscipopt.scip.ExprCons(expr, lhs=rl if rl > -inf else None, rhs=ru if ru < inf else None), name=f"r{r}")

    found: list[float] = []

    class _Found(pyscipopt.Eventhdlr):  # type: ignore[misc]
        def eventinit(self) -> None:
            self.model.catchEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexit(self) -> None:
            self.model.dropEvent(pyscipopt.SCIP_EVENTTYPE.BESTSOLFOUND, self)

        def eventexec(self, event: Any) -> None:
            found.append(time.perf_counter())

    if not concurrent:
        m.includeEventhdlr(_Found(), "siting_found", "records when incumbents are found")
    start_accepted = None
    if start is not None and model.integer.any():
        sol = m.createSol()
        for var, value in zip(variables, np.asarray(start, dtype=np.float64), strict=True):
            m.setSolVal(sol, var, float(value))
        start_accepted = bool(m.addSol(sol, free=True))
    pass_s = time.perf_counter() - t0
    began = time.perf_counter()
    if concurrent:
        m.solveConcurrent()
    else:
        m.optimize()
    solve_s = time.perf_counter() - began
    text = str(m.getStatus())
    has_solution = m.getNSols() > 0
    values: FloatArray | None = None
    objective = None
    if has_solution:
        best = m.getBestSol()
        values = _clean(np.array([m.getSolVal(best, v) for v in variables]), model)
        objective = float(model.c @ values + model.offset)
    raw_bound = float(m.getDualbound())
    bound_value = raw_bound if math.isfinite(raw_bound) and abs(raw_bound) < inf else None
    gap_value = relative_gap(objective, bound_value)
    st = _scip_status(text, has_solution, gap_value)
    if not st.has_solution:
        values, objective = None, None
    extra: dict[str, Any] = {"start_accepted": start_accepted}
    if start_accepted:
        extra["first_solution_s"] = 0.0
    if found:
        extra.setdefault("first_solution_s", max(found[0] - began, 0.0))
        extra["best_solution_s"] = max(found[-1] - began, 0.0)
    elif start_accepted:
        extra["best_solution_s"] = 0.0
    stats = SolveStats(
        status=st,
        objective=objective,
        bound=bound_value,
        gap=gap_value,
        solver=f"scip {m.version()}" + (f" concurrent x{threads}" if concurrent else ""),
        build_s=model.build_s + pass_s,
        solve_s=solve_s,
        message=f"scip status {text}",
    )
    return MipResult(values=values, stats=stats, extra=extra)


# ---------------------------------------------------------------------------
# CP-SAT
# ---------------------------------------------------------------------------

_MAX_ROW_SCALE = 6
_BIG = 10**9  # the bound given to a column without one (CP-SAT needs finite domains)


def _row_scales(csr: sp.csr_array) -> tuple[FloatArray, int]:
    """The smallest power of ten that makes each row's coefficients whole, and how many
    rows no power up to ``10**6`` makes whole (those are rounded at ``10**6``)."""
    n = csr.shape[0]
    scale = np.full(n, 10.0**_MAX_ROW_SCALE)
    pending = np.ones(n, dtype=bool)
    row_of = np.repeat(np.arange(n), np.diff(csr.indptr))
    for k in range(_MAX_ROW_SCALE + 1):
        s = 10.0**k
        v = csr.data * s
        bad = np.abs(v - np.round(v)) > 1e-9 * np.maximum(1.0, np.abs(v))
        row_bad = np.zeros(n, dtype=bool)
        row_bad[row_of[bad]] = True
        ok = pending & ~row_bad
        scale[ok] = s
        pending &= row_bad
        if not pending.any():
            break
    return scale, int(pending.sum())


def _continuous_unit(model: MatrixModel) -> float:
    """The smallest power of ten (up to 1,000) that makes every continuous column's
    finite bounds whole (1,000 when none does)."""
    cont = ~model.integer
    bounds = np.concatenate([model.col_lower[cont], model.col_upper[cont]])
    bounds = bounds[np.isfinite(bounds)]
    for k in range(4):
        v = bounds * 10.0**k
        if np.all(np.abs(v - np.round(v)) <= 1e-9 * np.maximum(1.0, np.abs(v))):
            return 10.0**k
    return 1e3


def solve_cpsat(
    model: MatrixModel,
    *,
    time_limit_s: float | None,
    gap: float | None,
    threads: int | None,
    start: FloatArray | None,
    options: dict[str, Any] | None = None,
    objective_unit: float = 1.0,
) -> MipResult:
    """Solve ``model`` with OR-Tools CP-SAT, made integral as the module says."""
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    cp = cp_model.CpModel()
    proto = cp.proto
    unit = _continuous_unit(model)
    # column j of CP-SAT holds col_scale[j] times column j of the model
    col_scale = np.where(model.integer, 1.0, unit)
    lower = np.where(np.isfinite(model.col_lower), model.col_lower * col_scale, -_BIG)
    upper = np.where(np.isfinite(model.col_upper), model.col_upper * col_scale, _BIG)
    lo_int = np.ceil(lower - 1e-9).astype(np.int64)
    hi_int = np.floor(upper + 1e-9).astype(np.int64)
    if (lo_int > hi_int).any():
        raise SolverError("CP-SAT: a column has no whole value between its bounds")
    for j in range(model.num_cols):
        var = proto.variables.add()
        var.domain.extend([int(lo_int[j]), int(hi_int[j])])
    csr = sp.csr_array(sp.csr_array(model.A) @ sp.diags_array(1.0 / col_scale))
    csr.sum_duplicates()
    scale, rounded_rows = _row_scales(csr)
    row_of = np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr))
    coeffs = np.round(csr.data * scale[row_of]).astype(np.int64)
    rl = np.where(np.isfinite(model.row_lower), np.ceil(model.row_lower * scale - 1e-6), -np.inf)
    ru = np.where(np.isfinite(model.row_upper), np.floor(model.row_upper * scale + 1e-6), np.inf)
    int_min, int_max = -(2**62), 2**62
    for r in range(csr.shape[0]):
        lo, hi = csr.indptr[r], csr.indptr[r + 1]
        ct = proto.constraints.add()
        ct.linear.vars.extend(csr.indices[lo:hi].tolist())
        ct.linear.coeffs.extend(coeffs[lo:hi].tolist())
        ct.linear.domain.extend(
            [
                int(rl[r]) if math.isfinite(rl[r]) else int_min,
                int(ru[r]) if math.isfinite(ru[r]) else int_max,
            ]
        )
    sign = -1.0 if model.sense == "max" else 1.0
    c_units = sign * model.c / col_scale / objective_unit
    c_int = np.round(c_units)
    # the most the rounding can move the objective (in units) over the columns' bounds
    reach = np.maximum(np.abs(lo_int), np.abs(hi_int)).astype(np.float64)
    rounding = float(np.abs(c_units - c_int) @ reach)
    nz = np.flatnonzero(c_int)
    proto.objective.vars.extend(nz.tolist())
    proto.objective.coeffs.extend(c_int[nz].astype(np.int64).tolist())
    if start is not None:
        point = np.asarray(start, dtype=np.float64) * col_scale
        point = np.clip(np.round(point), lo_int, hi_int)
        proto.solution_hint.vars.extend(range(model.num_cols))
        proto.solution_hint.values.extend(point.astype(np.int64).tolist())

    solver = cp_model.CpSolver()
    params = solver.parameters
    if time_limit_s is not None:
        params.max_time_in_seconds = max(float(time_limit_s), 0.0)
    if gap is not None:
        params.relative_gap_limit = float(gap)
    params.num_workers = int(threads) if threads else 0
    params.random_seed = 0
    params.log_search_progress = False
    for key, value in (options or {}).items():
        setattr(params, key, value)

    found: list[float] = []

    class _Found(cp_model.CpSolverSolutionCallback):  # type: ignore[misc]
        def on_solution_callback(self) -> None:
            found.append(time.perf_counter())

    pass_s = time.perf_counter() - t0
    began = time.perf_counter()
    code = solver.solve(cp, _Found())
    solve_s = time.perf_counter() - began
    text = solver.status_name(code)
    has_solution = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    values: FloatArray | None = None
    objective = None
    bound_value: float | None = None
    if has_solution:
        raw = np.asarray(solver.response_proto.solution, dtype=np.float64) / col_scale
        values = _clean(raw, model)
        objective = float(model.c @ values + model.offset)
    cp_bound = float(solver.best_objective_bound)
    if math.isfinite(cp_bound) and code != cp_model.INFEASIBLE:
        b = (cp_bound - rounding) * objective_unit
        bound_value = sign * b + model.offset
    gap_value = relative_gap(objective, bound_value)
    if code == cp_model.INFEASIBLE:
        st = Status.INFEASIBLE
    elif code == cp_model.MODEL_INVALID:
        raise SolverError(f"CP-SAT rejected the model: {cp.validate()}")
    elif has_solution:
        proven = code == cp_model.OPTIMAL
        st = (
            Status.OPTIMAL
            if proven and gap_value is not None and gap_value <= PROVEN_GAP * (1 + 1e-6) + 1e-12
            else Status.FEASIBLE
        )
    else:
        st = Status.TIMED_OUT
    message = f"cp-sat status {text}"
    if unit != 1:
        message += f" (continuous columns in units of 1/{unit:g})"
    if rounded_rows:
        message += f" ({rounded_rows} rows rounded at 1e{_MAX_ROW_SCALE})"
    if values is not None and not satisfies(model, values):
        st, values, objective = Status.ERROR, None, None
        message += " (its plan breaks a row of the real model after the integral rounding)"
    extra: dict[str, Any] = {"objective_rounding": rounding * objective_unit}
    if found:
        extra["first_solution_s"] = max(found[0] - began, 0.0)
        extra["best_solution_s"] = max(found[-1] - began, 0.0)
    import ortools

    stats = SolveStats(
        status=st,
        objective=objective,
        bound=bound_value,
        gap=relative_gap(objective, bound_value),
        solver=f"cp-sat {ortools.__version__} x{params.num_workers}",
        build_s=model.build_s + pass_s,
        solve_s=solve_s,
        message=message,
    )
    return MipResult(values=values, stats=stats, extra=extra)
