"""Classic location models (set covering, maximal covering, p-median, p-center).

Built straight from numpy arrays and solved to proven optimality by the
solver core :mod:`siting.mip` (HiGHS, or CBC through PuLP). The core takes a
demand × site cost matrix; :func:`cost_from_geodataframes` makes one from two
GeoDataFrames. ``solve_mip`` and ``MipSolution`` are the core's
:func:`siting.mip.solve_arrays` and :class:`siting.mip.MipResult`.
"""

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
from siting.mip import MipResult as MipSolution
from siting.mip import solve_arrays as solve_mip

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
