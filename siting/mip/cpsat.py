"""OR-Tools CP-SAT (``ortools``, optional) on the model made integral: its portfolio of
searches finds far cheaper plans than HiGHS in a minute on dense cities' cost stage
(``python -m benchmarks.solvers``), with a weaker bound."""

from __future__ import annotations

import math
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import SolverError
from siting.mip._interrupt import _wait_in_main_thread
from siting.mip.arrays import (
    PROVEN_GAP,
    FloatArray,
    MatrixModel,
    MipResult,
    _clean,
    relative_gap,
    satisfies,
)
from siting.mip.highs import _solve_highs
from siting.status import SolveStats, Status

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
    runs in a worker thread; on ``KeyboardInterrupt`` CP-SAT is told to stop, waited
    for, and the interrupt is raised again.
    """
    if threading.current_thread() is not threading.main_thread():
        return solver.solve(cp, callback)
    return _wait_in_main_thread(
        lambda: solver.solve(cp, callback),
        on_interrupt=solver.stop_search,
        done=threading.Event(),
        name="cpsat",
    )
