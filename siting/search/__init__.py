"""The cost stage's own search: local and regional searches for plans, and two bounds.

=================  =====================================================================
module             owns
=================  =====================================================================
``_kernels``       the compiled loops (a move with exact rerouting; the per-site bound)
``local``          :class:`CostSearch`, the local search over options and extra slots
``bound``          :func:`lagrangian_bound`, the Lagrangian bound of the cost stage
``lagrange_plan``  :func:`lagrangian_plan`, a plan from the relaxation's choice of sites
``regions``        regions of sites that share little demand (a METIS partition)
``lns``            :func:`region_search`, one region at a time re-planned by HiGHS
``decompose``      :func:`region_bound`, the bound from the regions' own programs
``warm``           :func:`~siting.search.warm.warm_up`: the loops compiled before
                   the stage's clock starts
``stage``          :func:`solve_cost_stage`: the schedule within the stage's time
                   limit (two threads: the descent beside the Lagrangian bound, then
                   HiGHS beside the Lagrangian plan and the region search, which hand
                   it their plans; one thread: each part in turn), then kicks
=================  =====================================================================

It sits between :mod:`siting.mip` and :mod:`siting.solve`, which calls it for the
cost stage.
"""

from __future__ import annotations

from siting.search.bound import LagrangianBound, lagrangian_bound
from siting.search.decompose import RegionBound, region_bound
from siting.search.lagrange_plan import LagrangianPlan, lagrangian_plan
from siting.search.lns import RegionSearchStats, region_search
from siting.search.local import CostSearch, SearchStats
from siting.search.stage import solve_cost_stage

__all__ = [
    "CostSearch",
    "LagrangianBound",
    "LagrangianPlan",
    "RegionBound",
    "RegionSearchStats",
    "SearchStats",
    "lagrangian_bound",
    "lagrangian_plan",
    "region_bound",
    "region_search",
    "solve_cost_stage",
]
