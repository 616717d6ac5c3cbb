"""Reading and checking the inputs every location model shares.

The cost matrix (dense, sparse or a DataFrame) becomes one dense array with
``inf`` where a pair is unreachable, next to the demand and site ids; demand
weights, per-site values (capacities), required sites and ``p`` are checked
against it; what is wrong is raised as :class:`~siting.errors.InputError`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Literal, ParamSpec, TypeAlias, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting._values import dense_costs, mistyped_ids_problem, values_by_id
from siting.errors import InputError, Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]
Solver = Literal["highs", "cbc"]
CostMatrix: TypeAlias = "pd.DataFrame | npt.ArrayLike | sp.spmatrix | sp.sparray"

_TOL = 1e-6

_P = ParamSpec("_P")
_R = TypeVar("_R")


def called_as(signature: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A model function that refuses a call its parameters do not fit with an
    :class:`~siting.errors.InputError` saying ``signature``, where Python raises a bare
    ``TypeError``: the four models take their arguments in spopt's orders, which differ
    (``p_center(cost, w, p=2)`` gives ``p`` twice, as ``p_median(cost, w, p=2)`` does not).
    """

    def wrap(func: Callable[_P, _R]) -> Callable[_P, _R]:
        parameters = inspect.signature(func)

        @functools.wraps(func)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                parameters.bind(*args, **kwargs)
            except TypeError as err:
                raise InputError(
                    [
                        Problem(
                            f"{func.__name__} was called with arguments its signature does "
                            f"not take ({err})",
                            fix=f"call it as {signature}",
                        )
                    ]
                ) from None
            return func(*args, **kwargs)

        return call

    return wrap


@dataclass(frozen=True)
class _Costs:
    dist: FloatArray  # dense, inf where unreachable
    demand_ids: pd.Index
    site_ids: pd.Index


def _read_costs(cost: CostMatrix) -> _Costs:
    problems: list[Problem] = []
    if isinstance(cost, pd.DataFrame):
        demand_ids = cost.index  # a MultiIndex (after a groupby) stays one
        site_ids = cost.columns
        dist = dense_costs(cost)
    elif sp.issparse(cost):
        coo = sp.coo_array(cost)
        dist = np.full(coo.shape, np.inf)
        dist[coo.row, coo.col] = coo.data
        demand_ids = pd.RangeIndex(coo.shape[0])
        site_ids = pd.RangeIndex(coo.shape[1])
    else:
        dist = np.array(cost, dtype=np.float64, copy=True)
        if dist.ndim != 2:
            raise InputError(
                [Problem(f"cost has {dist.ndim} dimensions", fix="pass a demand × site matrix")]
            )
        demand_ids = pd.RangeIndex(dist.shape[0])
        site_ids = pd.RangeIndex(dist.shape[1])
    dist[np.isnan(dist)] = np.inf
    if dist.shape[0] == 0 or dist.shape[1] == 0:
        problems.append(Problem(f"cost matrix is empty (shape {dist.shape})"))
    if (dist < 0).any():
        bad = demand_ids[(dist < 0).any(axis=1)]
        problems.append(
            Problem(
                "cost has negative entries",
                ids=tuple(str(i) for i in bad),
                fix="costs must be distances or times, zero or more",
            )
        )
    if not demand_ids.is_unique:
        problems.append(Problem("demand ids (cost index) are not unique"))
    if not site_ids.is_unique:
        problems.append(Problem("site ids (cost columns) are not unique"))
    if problems:
        raise InputError(problems)
    return _Costs(dist, demand_ids, site_ids)


def _read_weights(weights: npt.ArrayLike | pd.Series | None, costs: _Costs) -> FloatArray:
    if weights is None:
        return np.ones(len(costs.demand_ids))
    return values_by_id(weights, costs.demand_ids, name="weights", what="demand")


def _read_site_values(values: npt.ArrayLike | pd.Series, costs: _Costs, name: str) -> FloatArray:
    return values_by_id(values, costs.site_ids, name=name, what="site", scalar=True)


def _read_required(required: Iterable[Hashable] | None, costs: _Costs) -> IntArray:
    if required is None:
        return np.zeros(0, dtype=np.intp)
    # one id given alone ("site1", 3) is that site, not its characters or a TypeError
    wanted = [required] if isinstance(required, str | int | np.integer) else list(required)
    positions = costs.site_ids.get_indexer(pd.Index(wanted))
    unknown = [w for w, k in zip(wanted, positions, strict=True) if k < 0]
    if unknown:
        # "1001" for the int64 column 1001 is said as such, not as a site that is not there
        mistyped = mistyped_ids_problem(
            pd.Index(wanted), costs.site_ids, unknown, "required", as_list=True
        )
        raise InputError(
            [
                mistyped
                or Problem(
                    "required sites are not columns of the cost matrix",
                    ids=tuple(str(w) for w in unknown),
                    fix="use site ids from the cost matrix columns",
                )
            ]
        )
    return np.unique(positions.astype(np.intp))


def _demand_problem(
    mask: npt.ArrayLike, costs: _Costs, what: str, *, fix: str | None = None
) -> Problem:
    """The problem of the demand points in ``mask``: ``"<count> demand points <what>"``."""
    rows = np.asarray(mask, dtype=bool)
    return Problem(
        f"{int(rows.sum())} demand points {what}",
        ids=tuple(str(i) for i in costs.demand_ids[rows]),
        fix=fix,
    )


def _check_p(p: int, costs: _Costs, required: IntArray, *, signature: str) -> None:
    """``p``, the number of sites to open, checked against the sites; ``signature`` is
    the model's, said when ``p`` is not a number (values passed in its place)."""
    m = len(costs.site_ids)
    if not isinstance(p, (int, np.integer)) or isinstance(p, bool):
        if np.ndim(p) > 0 or isinstance(p, pd.Series | pd.DataFrame):
            got = f"{type(p).__name__} of {np.size(p)} values (weights?)"
        else:
            got = repr(p)
        raise InputError(
            [
                Problem(
                    f"p must be an integer, the number of sites to open, got {got}",
                    fix=f"call it as {signature}",
                )
            ]
        )
    if p < 1 or p > m:
        raise InputError([Problem(f"p = {p} must be between 1 and the {m} sites")])
    if len(required) > p:
        raise InputError([Problem(f"{len(required)} required sites exceed p = {p}", fix="raise p")])
