r"""Classic location models (set covering, maximal covering, p-median, p-center).

Built straight from numpy arrays and solved to proven optimality by the
solver core :mod:`siting.mip` (HiGHS, or CBC through PuLP for small models,
``solver="cbc"``). Every model takes a cost matrix with one row per demand
point and one column per candidate site: a :class:`pandas.DataFrame` (its
index and columns are the ids), a numpy array (ids are then positions
``0..n-1``) or a scipy sparse matrix (a missing entry means the pair is
unreachable; ``inf`` or ``NaN`` in a dense matrix mean the same).
:func:`cost_from_geodataframes` makes one from two GeoDataFrames.
``solve_mip`` and ``MipSolution`` are the core's
:func:`siting.mip.solve_arrays` and :class:`siting.mip.MipResult`.

Symbols used in the formulations: :math:`i` a demand point with weight
:math:`w_i`, :math:`j` a site, :math:`d_{ij}` the cost, :math:`y_j = 1` when
site :math:`j` opens, :math:`r` the service radius,
:math:`N_i = \{j : d_{ij} \le r\}`, :math:`p` the number of sites to open and
:math:`R` the required sites.

Modules: :mod:`~siting.locate.covering` (:func:`lscp`, :func:`mclp`),
:mod:`~siting.locate.median` (:func:`p_median`),
:mod:`~siting.locate.center` (:func:`p_center`),
:mod:`~siting.locate.capacitated` (:func:`capacitated_lscp`,
:func:`capacitated_p_median`), :mod:`~siting.locate.result`
(:class:`LocateResult`), :mod:`~siting.locate.geo` (cost matrices from
GeoDataFrames), :mod:`~siting.locate.heuristics` (starting solutions) and
:mod:`~siting.locate.bounds` (covering bounds); ``_inputs`` reads and checks
the inputs every model shares, ``_mip`` is their one call into the solver core.
"""

from siting.locate.capacitated import capacitated_lscp, capacitated_p_median
from siting.locate.center import p_center
from siting.locate.covering import lscp, mclp
from siting.locate.geo import cost_from_geodataframes
from siting.locate.median import p_median
from siting.locate.result import LocateResult
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
