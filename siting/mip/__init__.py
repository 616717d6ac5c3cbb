"""A mixed-integer program held as arrays, and the solvers that run it.

Models in ``siting`` are built straight from numpy arrays into a
:class:`MatrixModel` (a sparse constraint matrix with bounds), which is then

* solved by HiGHS through ``highspy`` (the default): the arrays are passed
  to HiGHS as they are, with no Python object per variable;
* or converted to a PuLP problem, to solve with PuLP's bundled CBC or to
  write as LP/MPS for inspection in another solver;
* or made integral and solved by OR-Tools CP-SAT (``ortools``, optional), whose
  portfolio of searches finds far cheaper plans than HiGHS in a minute on dense
  cities' cost stage (``python -m benchmarks.solvers``), with a weaker bound.

Every path reads the solver's answer honestly (see :mod:`siting.status`): a
solution is called optimal only when the solver proved it optimal to within
:data:`PROVEN_GAP`; a solution found at a time limit, or at a looser
requested gap, is "feasible" with its gap.

The modules, in the order a solve goes through them:

* :mod:`~siting.mip.arrays`: :class:`MatrixModel`, :class:`MipResult`, the gap and
  the check of a plan against every row (:func:`satisfies`);
* :mod:`~siting.mip.solve`: :func:`solve_model` and :func:`solve_arrays`, which hand
  the model to one of
* :mod:`~siting.mip.highs`, :mod:`~siting.mip.cbc` (PuLP) and
  :mod:`~siting.mip.cpsat`.
"""

from siting.mip.arrays import (
    INF,
    PROVEN_GAP,
    GiveUp,
    IncumbentHook,
    MatrixModel,
    MipResult,
    Offers,
    give_up_when_set,
    objective_scale,
    relative_gap,
    satisfies,
)
from siting.mip.cbc import to_pulp, write_model
from siting.mip.cpsat import cpsat_grid, onto_cpsat_grid
from siting.mip.highs import highs_version
from siting.mip.solve import solve_arrays, solve_model

__all__ = [
    "INF",
    "PROVEN_GAP",
    "GiveUp",
    "IncumbentHook",
    "MatrixModel",
    "MipResult",
    "Offers",
    "cpsat_grid",
    "give_up_when_set",
    "highs_version",
    "objective_scale",
    "onto_cpsat_grid",
    "relative_gap",
    "satisfies",
    "solve_arrays",
    "solve_model",
    "to_pulp",
    "write_model",
]
