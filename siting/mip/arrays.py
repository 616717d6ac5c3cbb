"""A mixed-integer program held as arrays (:class:`MatrixModel`), a solver's result
(:class:`MipResult`), and the checks every solver's answer goes through."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.errors import InputError, Problem
from siting.status import SolveStats

PROVEN_GAP = 1e-4
"""A relative gap at or below this counts as proven optimal (HiGHS's default ``mip_rel_gap``)."""

INF = float("inf")

FloatArray = npt.NDArray[np.float64]
Sense = Literal["min", "max"]
IncumbentHook = Callable[[npt.NDArray[np.float64]], "npt.NDArray[np.float64] | None"]
"""Called with a solver's improving solution; returns a better one to feed back, or None."""

GiveUp = Callable[[float, float], bool]
"""Called with the seconds a MIP solve has run and its relative gap; True stops it."""


def give_up_when_set(stop: threading.Event | None) -> GiveUp | None:
    """A :data:`GiveUp` that ends a solve once ``stop`` is set (from another thread).

    Parameters
    ----------
    stop
        The event; ``None`` gives ``None`` (nothing to watch).

    Returns
    -------
    GiveUp or None
        For :func:`siting.mip.solve_model`'s ``give_up``.
    """
    if stop is None:
        return None
    event = stop

    def give_up(_seconds: float, _gap: float) -> bool:
        return event.is_set()

    return give_up


Offers = Callable[[], "npt.NDArray[np.float64] | None"]
"""Called when the solver takes users' solutions; returns a plan found elsewhere, or None."""


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
