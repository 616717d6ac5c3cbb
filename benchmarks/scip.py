"""SCIP run on a :class:`siting.mip.MatrixModel`, for ``benchmarks.solvers`` only.

SCIP (``pyscipopt``) lost to HiGHS and to CP-SAT on the cost stage of both generated
cities (see ``benchmarks/README.md``), so it is not a solver of the package; this
back-end keeps the comparison re-runnable. It takes the same arrays as
:func:`siting.mip.solve_model`'s HiGHS path, returns the same
:class:`siting.mip.MipResult`, and reads statuses honestly: "optimal" only with a
proof within :data:`siting.mip.PROVEN_GAP`, "feasible" with the gap when a limit or
a looser requested gap stopped it, "timed_out" without a plan, "infeasible" only
when SCIP proved it. It records when it found its first and its last incumbent
(``extra["first_solution_s"]``, ``extra["best_solution_s"]``, seconds into the
search; 0 when the start was accepted).
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip import PROVEN_GAP, MatrixModel, MipResult, relative_gap
from siting.status import SolveStats, Status

__all__ = ["solve_scip"]

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
        m.addCons(
            pyscipopt.scip.ExprCons(
                expr, lhs=rl if rl > -inf else None, rhs=ru if ru < inf else None
            ),
            name=f"r{r}",
        )

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
