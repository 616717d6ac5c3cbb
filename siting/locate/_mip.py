"""The location models' one call into the solver core :mod:`siting.mip`."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from siting.errors import InputError, Problem
from siting.locate._inputs import BoolArray, FloatArray, IntArray, Solver
from siting.mip import MipResult, solve_arrays


def _solve(
    c: FloatArray,
    A: sp.csc_array,  # noqa: N803
    rl: FloatArray,
    ru: FloatArray,
    cl: FloatArray,
    cu: FloatArray,
    integ: BoolArray,
    *,
    solver: Solver,
    sense: Literal["min", "max"] = "min",
    offset: float = 0.0,
    time_limit_s: float | None,
    gap: float | None,
    start: FloatArray | None = None,
    options: dict[str, Any] | None = None,
) -> MipResult:
    if solver not in ("highs", "cbc"):
        raise InputError([Problem(f"unknown solver {solver!r}", fix="use 'highs' or 'cbc'")])
    return solve_arrays(
        c,
        A,
        rl,
        ru,
        cl,
        cu,
        integ,
        sense=sense,
        offset=offset,
        solver=solver,
        time_limit_s=time_limit_s,
        gap=1e-4 if gap is None and solver == "cbc" else gap,
        start=start,
        options=options if solver == "highs" else None,
    )


def _open_from(x: FloatArray, m: int) -> IntArray:
    return np.flatnonzero(x[:m] > 0.5).astype(np.intp)
