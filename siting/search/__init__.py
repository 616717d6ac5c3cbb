"""The cost stage's own search: a local search for better plans and a Lagrangian bound.

=================  =====================================================================
module             owns
=================  =====================================================================
``_kernels``       the compiled loops (a move with exact rerouting; the per-site bound)
``local``          :class:`CostSearch`, the local search over options and extra slots
``bound``          :func:`lagrangian_bound`, the Lagrangian bound of the cost stage
``stage``          :func:`solve_cost_stage`: the descent, HiGHS fed back by the search,
                   the bound beside it, and kicks, within the stage's time limit
=================  =====================================================================

It sits between :mod:`siting.mip` and :mod:`siting.solve`, which calls it for the
cost stage.
"""

from __future__ import annotations

from siting.search.bound import LagrangianBound, lagrangian_bound
from siting.search.local import CostSearch, SearchStats
from siting.search.stage import solve_cost_stage

__all__ = ["CostSearch", "LagrangianBound", "SearchStats", "lagrangian_bound", "solve_cost_stage"]
