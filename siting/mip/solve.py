"""One entry point for every solver: :func:`solve_model` on a :class:`MatrixModel`,
:func:`solve_arrays` on plain arrays."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import InputError, Problem, SolverError
from siting.mip.arrays import (
    FloatArray,
    GiveUp,
    IncumbentHook,
    MatrixModel,
    MipResult,
    Offers,
    Sense,
    _as_float_array,
)
from siting.mip.cbc import _solve_cbc
from siting.mip.cpsat import _solve_cpsat
from siting.mip.highs import _solve_highs


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
