"""Classic location models (set covering, maximal covering, p-median, p-center).

Built straight from numpy arrays into HiGHS and solved to proven optimality.
The core takes a demand × site cost matrix; :func:`cost_from_geodataframes`
makes one from two GeoDataFrames.
"""

from siting.locate._highs import MipSolution, solve_mip
from siting.locate.geo import cost_from_geodataframes
from siting.locate.models import (
    LocateResult,
    capacitated_lscp,
    capacitated_p_median,
    lscp,
    mclp,
    p_center,
    p_median,
)

__all__ = [
    "LocateResult",
    "MipSolution",
    "capacitated_lscp",
    "capacitated_p_median",
    "cost_from_geodataframes",
    "lscp",
    "mclp",
    "p_center",
    "p_median",
    "solve_mip",
]
