"""The outcome of a location model, :class:`LocateResult`, and how the models build it."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.locate._inputs import _TOL, IntArray, _Costs
from siting.mip import relative_gap
from siting.status import SolveStats, Status

__all__ = ["LocateResult"]


@dataclass(frozen=True)
class LocateResult:
    """The outcome of one location model.

    Attributes
    ----------
    model
        ``"lscp"``, ``"mclp"``, ``"p_median"``, ``"p_center"``,
        ``"capacitated_p_median"`` or ``"capacitated_lscp"``.
    objective
        The model's own objective: number of sites (LSCP), covered weight
        (MCLP), weighted cost sum (p-median), largest cost (p-center).
        ``None`` without a solution.
    bound
        Proven bound on the objective (lower for minimisation, upper for MCLP).
    gap
        Relative gap between ``objective`` and ``bound``.
    status
        What the solver proved.
    selected
        Ids of the open sites, in the order of the cost matrix columns.
    assignment
        Demand id → site id of the open site serving it (``None`` when no open
        site serves it, e.g. uncovered demand in MCLP). For split assignments
        of capacitated models, a DataFrame with columns ``demand_id``,
        ``site_id``, ``share`` and ``weight``.
    stats
        Solver statistics, with total build and solve times.
    """

    model: str
    objective: float | None
    bound: float | None
    gap: float | None
    status: Status
    selected: tuple[Hashable, ...]
    assignment: pd.Series | pd.DataFrame
    stats: SolveStats


def _nearest_assignment(
    costs: _Costs, open_sites: IntArray, *, radius: float | None = None
) -> pd.Series:
    values: list[Hashable | None] = [None] * len(costs.demand_ids)
    if len(open_sites):
        sub = costs.dist[:, open_sites]
        nearest = np.argmin(sub, axis=1)
        best = sub[np.arange(sub.shape[0]), nearest]
        ok = np.isfinite(best)
        if radius is not None:
            ok &= best <= radius + _TOL * max(1.0, abs(radius))
        site_ids = costs.site_ids[open_sites[nearest]]
        values = [s if flag else None for s, flag in zip(site_ids, ok, strict=True)]
    return pd.Series(values, index=costs.demand_ids, dtype=object, name="site_id")


def _merge_stats(
    parts: list[SolveStats],
    *,
    status: Status,
    objective: float | None,
    bound: float | None,
    gap: float | None,
    build_s: float,
) -> SolveStats:
    solver = parts[-1].solver if parts else "none"
    message = parts[-1].message if parts else "solved without a solver"
    return SolveStats(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        solver=solver,
        build_s=build_s + sum(s.build_s for s in parts),
        solve_s=sum(s.solve_s for s in parts),
        message=message,
    )


def _result(
    model: str,
    costs: _Costs,
    open_sites: IntArray | None,
    parts: list[SolveStats],
    *,
    status: Status,
    objective: float | None,
    bound: float | None,
    build_s: float,
    assignment: pd.Series | pd.DataFrame | None = None,
    radius: float | None = None,
) -> LocateResult:
    gap = relative_gap(objective, bound)
    stats = _merge_stats(
        parts, status=status, objective=objective, bound=bound, gap=gap, build_s=build_s
    )
    if open_sites is None:
        selected: tuple[Hashable, ...] = ()
        if assignment is None:
            assignment = pd.Series(
                [None] * len(costs.demand_ids), index=costs.demand_ids, dtype=object
            )
    else:
        open_sites = np.sort(open_sites)
        selected = tuple(costs.site_ids[open_sites])
        if assignment is None:
            assignment = _nearest_assignment(costs, open_sites, radius=radius)
    return LocateResult(
        model=model,
        objective=objective,
        bound=bound,
        gap=gap,
        status=status,
        selected=selected,
        assignment=assignment,
        stats=stats,
    )
