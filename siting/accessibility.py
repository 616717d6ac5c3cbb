r"""Floating-catchment access scores: 2SFCA and E2SFCA on a demand × supply cost table.

How much supply a place can reach, shared with everyone else who can reach it.
Both measures work in two steps over the pairs within reach
(Luo & Wang 2003; Luo & Qi 2009):

1. every supply point :math:`j` divides its supply among the demand that can
   reach it, weighted by distance:

   .. math:: R_j = \frac{S_j}{\sum_{k:\,d_{kj} \le d_0} W(d_{kj})\,P_k}

2. every demand point :math:`i` adds up the ratios it can reach, weighted the
   same way:

   .. math:: A_i = \sum_{j:\,d_{ij} \le d_0} W(d_{ij})\,R_j

=================  ===========================================================
symbol             meaning
=================  ===========================================================
:math:`P_k`        demand at demand point :math:`k` (people, children)
:math:`S_j`        supply at supply point :math:`j` (slots)
:math:`d_{ij}`     cost (walk in metres or minutes) between :math:`i` and :math:`j`
:math:`d_0`        the catchment: ``max_cost`` (2SFCA) or the last band's edge (E2SFCA)
:math:`W`          the distance weight: 1 (binary 2SFCA), a function of cost, or
                   the step weight of the band the cost falls in (E2SFCA)
:math:`R_j`        supply per unit of demand within :math:`j`'s catchment
:math:`A_i`        the access score: supply per unit of demand at :math:`i`
=================  ===========================================================

Because every unit of supply is shared out in step 1 and gathered in step 2,
:math:`\sum_i A_i P_i = \sum_j S_j` over the supply that any demand reaches:
the demand-weighted mean of the scores is the supply-to-demand ratio, so a
score times 1,000 reads as "slots per 1,000 people", the unit of the policy's
ratios.

The conventions are those of PySAL ``access`` (``Access.two_stage_fca`` and
``Access.enhanced_two_stage_fca`` with ``normalize=False``), and the tests
check the scores against it to 1e-9:

* a pair is within the catchment when its cost is **at most** ``max_cost``
  (``<=``);
* an E2SFCA band ``(edge, weight)`` holds the costs above the previous edge
  and **up to and including** its own (``access.weights.step_fn``); costs
  beyond the last edge weigh nothing;
* the weight applies in **both** steps, to the demand in step 1 and to the
  ratio in step 2.

Two deliberate differences, both where ``access`` returns no number: a demand
point that reaches no supply scores 0 (``access`` gives NaN), and supply whose
catchment holds no demand shares nothing (``access`` divides by zero and gives
an infinite score to demand points of zero demand beside it).

The cost table is the one :mod:`siting.locate` takes: a
:class:`pandas.DataFrame` (index: demand ids, columns: supply ids; NaN or
``inf`` where a pair is out of reach), a numpy array (ids are then positions)
or a scipy sparse matrix (a missing entry is out of reach; a stored zero is a
cost of 0). For large cities it may also be the sparse long form, a
:class:`pandas.Series` of costs indexed by a two-level (demand id, supply id)
:class:`pandas.MultiIndex`, such as ``table.set_index(["area_id",
"site_id"])["distance_m"]`` from :func:`siting.network.distance_table`. The
work is two weighted ``bincount`` passes over the pairs within reach, so 50,000
demand points × 10,000 sites with a few million pairs in reach take seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from siting._values import as_series, cost_limit, dense_costs, values_by_id
from siting.errors import InputError, Problem

__all__ = [
    "LUO_QI_BANDS",
    "CostTable",
    "band_weights",
    "enhanced_two_step_fca",
    "supply_ratios",
    "two_step_fca",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
CostTable: TypeAlias = "pd.DataFrame | pd.Series | npt.ArrayLike | sp.spmatrix | sp.sparray"
Weight = Callable[[Any], Any]

LUO_QI_BANDS: tuple[tuple[float, float], ...] = ((10.0, 1.0), (20.0, 0.68), (30.0, 0.22))
"""The travel-time zones and weights of Luo & Qi (2009), in minutes: the
default of ``access``'s ``enhanced_two_stage_fca``."""


@dataclass(frozen=True)
class _Pairs:
    """The pairs of a cost table, as positions into the demand and supply ids."""

    demand_ids: pd.Index
    supply_ids: pd.Index
    row: IntArray
    col: IntArray
    cost: FloatArray


def _pairs(cost: CostTable, demand_ids: pd.Index | None) -> _Pairs:
    """Every finite pair of ``cost``, with the demand and supply ids."""
    problems: list[Problem] = []
    if (
        isinstance(cost, pd.DataFrame)
        and isinstance(cost.index, pd.MultiIndex)
        and cost.index.nlevels == 2
        and cost.shape[1] == 1
        and demand_ids is not None
        # not a matrix of one site whose rows are demand ids of two levels
        and not (isinstance(demand_ids, pd.MultiIndex) and cost.index.isin(demand_ids).all())
    ):
        cost = cost.iloc[:, 0]  # the long form as a one-column table: pairs[["distance_m"]]
    if isinstance(cost, pd.Series):
        if not isinstance(cost.index, pd.MultiIndex) or cost.index.nlevels != 2:
            raise InputError(
                [
                    Problem(
                        "a cost Series must be indexed by (demand id, supply id) pairs",
                        fix="use a two-level MultiIndex, e.g. "
                        'table.set_index(["area_id", "site_id"])["distance_m"]',
                    )
                ]
            )
        if demand_ids is None:
            raise InputError(
                [
                    Problem(
                        "with a long cost table, demand must be a Series indexed by demand id",
                        fix="pass demand as a pandas.Series",
                    )
                ]
            )
        if cost.index.duplicated().any():
            problems.append(
                Problem(
                    "the cost table lists some (demand, supply) pairs twice",
                    ids=tuple(str(p) for p in cost.index[cost.index.duplicated()][:8]),
                    fix="keep one cost per pair (the shortest)",
                )
            )
        if demand_ids.has_duplicates:
            raise InputError(
                [
                    Problem(
                        "demand gives some demand ids more than one value",
                        ids=tuple(str(i) for i in demand_ids[demand_ids.duplicated()].unique()),
                        fix="give one value per demand id, e.g. values.groupby(level=0).sum()",
                    )
                ]
            )
        d_level = cost.index.get_level_values(0)
        row = demand_ids.get_indexer(d_level)
        if (row < 0).any():
            problems.append(
                Problem(
                    "the cost table names demand ids that demand does not have",
                    ids=tuple(str(i) for i in pd.unique(d_level[row < 0])),
                    fix="give a demand value for every demand id of the cost table",
                )
            )
        supply_ids = pd.Index(pd.unique(cost.index.get_level_values(1)))
        col = supply_ids.get_indexer(cost.index.get_level_values(1))
        values = cost.to_numpy(dtype=np.float64, na_value=np.nan)
        d_ids = demand_ids
    elif isinstance(cost, pd.DataFrame):
        d_ids, supply_ids = cost.index, cost.columns  # a MultiIndex stays one
        dense = dense_costs(cost)
        row, col = np.nonzero(np.isfinite(dense))
        values = dense[row, col]
    elif sp.issparse(cost):
        coo = sp.coo_array(cost)
        d_ids, supply_ids = pd.RangeIndex(coo.shape[0]), pd.RangeIndex(coo.shape[1])
        row, col = coo.row.astype(np.intp), coo.col.astype(np.intp)
        values = np.asarray(coo.data, dtype=np.float64)
    else:
        dense = np.asarray(cost, dtype=np.float64)
        if dense.ndim != 2:
            raise InputError(
                [Problem(f"cost has {dense.ndim} dimensions", fix="pass a demand × supply matrix")]
            )
        d_ids, supply_ids = pd.RangeIndex(dense.shape[0]), pd.RangeIndex(dense.shape[1])
        row, col = np.nonzero(np.isfinite(dense))
        values = dense[row, col]
    if not d_ids.is_unique:
        problems.append(Problem("demand ids (cost index) are not unique"))
    if not supply_ids.is_unique:
        problems.append(Problem("supply ids (cost columns) are not unique"))
    values = np.asarray(values, dtype=np.float64)
    if (values < 0).any():
        problems.append(
            Problem(
                "cost has negative entries",
                ids=tuple(str(d_ids[r]) for r in pd.unique(row[values < 0])[:8] if r >= 0),
                fix="costs must be distances or times, zero or more",
            )
        )
    if problems:
        raise InputError(problems)
    keep = np.isfinite(values)
    return _Pairs(
        demand_ids=d_ids,
        supply_ids=supply_ids,
        row=np.asarray(row[keep], dtype=np.intp),
        col=np.asarray(col[keep], dtype=np.intp),
        cost=values[keep],
    )


def _inputs(
    cost: CostTable, demand: pd.Series | npt.ArrayLike, supply: pd.Series | npt.ArrayLike
) -> tuple[_Pairs, FloatArray, FloatArray]:
    demand = as_series(demand, name="demand")  # type: ignore[assignment]
    demand_ids = demand.index if isinstance(demand, pd.Series) else None
    pairs = _pairs(cost, demand_ids)
    p = values_by_id(demand, pairs.demand_ids, name="demand", what="demand")
    s = values_by_id(supply, pairs.supply_ids, name="supply", what="supply")
    return pairs, p, s


def _apply(weight: Weight, cost: FloatArray) -> FloatArray:
    """``weight`` of every cost: called on the array, or one cost at a time if it cannot be."""
    try:
        out = np.asarray(weight(cost), dtype=np.float64)
    except (TypeError, ValueError):
        out = np.empty(0)
    if out.shape != cost.shape:
        out = np.fromiter((float(weight(float(c))) for c in cost), np.float64, len(cost))
    if not np.isfinite(out).all() or (out < 0).any():
        raise InputError(
            [Problem("the weight function gave negative or non-finite weights", fix="fix weight")]
        )
    return out


def _scores(pairs: _Pairs, p: FloatArray, s: FloatArray, w: FloatArray) -> pd.Series:
    ratio = _ratios(pairs, p, s, w)
    score = np.bincount(
        pairs.row, weights=w * ratio[pairs.col], minlength=len(pairs.demand_ids)
    ).astype(np.float64)
    return pd.Series(score, index=pairs.demand_ids, name="access")


def _ratios(pairs: _Pairs, p: FloatArray, s: FloatArray, w: FloatArray) -> FloatArray:
    """Step 1: :math:`R_j`, 0 where no demand is within the catchment."""
    load = np.bincount(pairs.col, weights=w * p[pairs.row], minlength=len(pairs.supply_ids))
    ratio = np.zeros(len(pairs.supply_ids))
    np.divide(s, load, out=ratio, where=load > 0)
    return ratio


def _within(pairs: _Pairs, max_cost: float) -> _Pairs:
    keep = pairs.cost <= max_cost
    return _Pairs(
        pairs.demand_ids, pairs.supply_ids, pairs.row[keep], pairs.col[keep], pairs.cost[keep]
    )


def _check_bands(bands: Sequence[tuple[float, float]]) -> tuple[FloatArray, FloatArray]:
    """Band edges (strictly increasing, zero or more) and weights (zero or more)."""
    try:
        edges = np.array([float(e) for e, _ in bands], dtype=np.float64)
        weights = np.array([float(w) for _, w in bands], dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(
            [
                Problem(
                    f"bands must be (edge, weight) pairs, got {bands!r}",
                    fix="write them like ((10, 1.0), (20, 0.68), (30, 0.22))",
                )
            ]
        ) from err
    problems = []
    if len(edges) == 0:
        problems.append(Problem("bands is empty", fix="give at least one (edge, weight)"))
    if not np.isfinite(edges).all() or (edges < 0).any() or (np.diff(edges) <= 0).any():
        problems.append(
            Problem(f"band edges must be finite, zero or more and increasing, got {edges.tolist()}")
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        problems.append(Problem(f"band weights must be zero or more, got {weights.tolist()}"))
    if problems:
        raise InputError(problems)
    return edges, weights


def band_weights(cost: npt.ArrayLike, bands: Sequence[tuple[float, float]]) -> FloatArray:
    """The step weight of each cost: the weight of the first band whose edge is at least it.

    Parameters
    ----------
    cost
        Costs, zero or more.
    bands
        ``(edge, weight)`` pairs with increasing edges.

    Returns
    -------
    numpy.ndarray
        The weights; 0 beyond the last edge.

    Examples
    --------
    >>> band_weights([0, 10, 10.5, 20, 30, 31], LUO_QI_BANDS).tolist()
    [1.0, 1.0, 0.68, 0.68, 0.22, 0.0]
    """
    edges, weights = _check_bands(bands)
    c = np.asarray(cost, dtype=np.float64)
    band = np.searchsorted(edges, c, side="left")
    out: FloatArray = np.append(weights, 0.0)[band]
    return out


def two_step_fca(
    cost: CostTable,
    demand: pd.Series | npt.ArrayLike,
    supply: pd.Series | npt.ArrayLike,
    *,
    max_cost: float,
    weight: Weight | None = None,
) -> pd.Series:
    """The two-step floating catchment access score (2SFCA, Luo & Wang 2003).

    Parameters
    ----------
    cost
        Demand × supply costs (see the module docstring for the accepted forms).
    demand
        Demand per demand point: a Series indexed by the cost table's demand
        ids, or an array in its row order.
    supply
        Supply per supply point: a Series indexed by supply id, or an array in
        the cost table's column order.
    max_cost
        The catchment: pairs costing more are out of reach (a pair at exactly
        ``max_cost`` is within).
    weight
        ``None`` for the original binary catchment, or a function of cost
        giving each pair's weight (applied in both steps). It is called with
        a numpy array of costs; a function of one number is applied cost by cost.

    Returns
    -------
    pandas.Series
        The score of every demand id, named ``"access"``, in supply per unit of
        demand (slots per person for slots and people: × 1,000 for a plan's
        ``access_…_per_1000``), 0 where no supply is within reach.

    Raises
    ------
    InputError
        Bad costs, demand or supply, naming the ids.

    Examples
    --------
    Two areas of 1,000 and 3,000 people share one facility of 40 slots:

    >>> import pandas as pd
    >>> cost = pd.DataFrame({"F": [200.0, 250.0]}, index=["A", "B"])
    >>> score = two_step_fca(cost, pd.Series({"A": 1000.0, "B": 3000.0}),
    ...                      pd.Series({"F": 40.0}), max_cost=300.0)
    >>> (score * 1000).round(3).tolist()
    [10.0, 10.0]
    """
    cost_limit(max_cost, name="max_cost", infinite=True)
    pairs, p, s = _inputs(cost, demand, supply)
    pairs = _within(pairs, float(max_cost))
    w = np.ones(len(pairs.cost)) if weight is None else _apply(weight, pairs.cost)
    return _scores(pairs, p, s, w)


def enhanced_two_step_fca(
    cost: CostTable,
    demand: pd.Series | npt.ArrayLike,
    supply: pd.Series | npt.ArrayLike,
    *,
    bands: Sequence[tuple[float, float]] = LUO_QI_BANDS,
) -> pd.Series:
    """The enhanced two-step floating catchment access score (E2SFCA, Luo & Qi 2009).

    Parameters
    ----------
    cost
        Demand × supply costs (see the module docstring for the accepted forms).
    demand
        Demand per demand point (a Series by demand id, or an array by row).
    supply
        Supply per supply point (a Series by supply id, or an array by column).
    bands
        ``(edge, weight)`` pairs with increasing edges, in the cost's unit:
        a cost up to and including the first edge weighs the first weight, a
        cost above it and up to the second edge the second, and so on; costs
        beyond the last edge are out of reach. Default :data:`LUO_QI_BANDS`
        (10, 20 and 30 minutes weighing 1, 0.68 and 0.22).

    Returns
    -------
    pandas.Series
        The score of every demand id, named ``"access"``, in supply per unit of
        demand (slots per person for slots and people: × 1,000 for a plan's
        ``access_…_per_1000``), 0 where no supply is within reach.

    Raises
    ------
    InputError
        Bad costs, demand, supply or bands.

    Examples
    --------
    >>> import pandas as pd
    >>> cost = pd.DataFrame({"F": [5.0, 15.0]}, index=["A", "B"])
    >>> score = enhanced_two_step_fca(cost, pd.Series({"A": 100.0, "B": 100.0}),
    ...                               pd.Series({"F": 168.0}))
    >>> score.round(6).tolist()  # R = 168 / (100 + 68) = 1
    [1.0, 0.68]
    """
    edges, _ = _check_bands(bands)
    pairs, p, s = _inputs(cost, demand, supply)
    pairs = _within(pairs, float(edges[-1]))
    return _scores(pairs, p, s, band_weights(pairs.cost, bands))


def supply_ratios(
    cost: CostTable,
    demand: pd.Series | npt.ArrayLike,
    supply: pd.Series | npt.ArrayLike,
    *,
    bands: Sequence[tuple[float, float]] = LUO_QI_BANDS,
) -> pd.Series:
    """Step 1 of E2SFCA alone: each supply point's supply per unit of weighted demand in reach.

    Parameters
    ----------
    cost, demand, supply, bands
        As for :func:`enhanced_two_step_fca`.

    Returns
    -------
    pandas.Series
        :math:`R_j` by supply id, 0 where no demand is within reach. Above 1
        with demand counted in slots, the supply point has slots left even if
        all the demand within reach asked it for one.

    Examples
    --------
    >>> import pandas as pd
    >>> cost = pd.DataFrame({"F": [5.0, 15.0]}, index=["A", "B"])
    >>> supply_ratios(cost, pd.Series({"A": 10.0, "B": 10.0}),
    ...               pd.Series({"F": 20.0})).round(4).tolist()
    [1.1905]
    """
    edges, _ = _check_bands(bands)
    pairs, p, s = _inputs(cost, demand, supply)
    pairs = _within(pairs, float(edges[-1]))
    ratio = _ratios(pairs, p, s, band_weights(pairs.cost, bands))
    return pd.Series(ratio, index=pairs.supply_ids, name="supply_ratio")
