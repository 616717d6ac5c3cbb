r"""Certified lower bounds for set covering, from LP relaxations and row branching.

The set-covering model here is

.. math::

    \min \sum_j y_j \quad\text{s.t.}\quad A y \ge 1, \qquad
    \ell \le y \le 1, \qquad y \in \{0, 1\}

with a 0/1 matrix :math:`A` (rows are demand points, columns sites) and
:math:`\ell_j = 1` for required sites.

Every bound below is a **Lagrangian bound**, computed in numpy from a dual
vector :math:`u \ge 0` that HiGHS returns for an LP relaxation:

.. math::

    L(u) = \sum_i u_i + \sum_j \min(r_j \ell_j,\; r_j u_j^{\max}), \qquad
    r = 1 - A^\top u.

For any cover :math:`y` within the column bounds,
:math:`\sum_j y_j \ge \sum_j y_j + u^\top (1 - A y) = \sum_i u_i + r^\top y
\ge L(u)`. So :math:`L(u)` is a valid lower bound whatever the LP solver's
tolerances were: the solver only supplies a good :math:`u`, the argument does
not rely on its optimality.

The count is an integer, so a bound :math:`L > T` proves that no cover has
:math:`T` sites or fewer. :func:`no_cover_of_size` proves it by **row
branching**: every cover opens some site of each row :math:`i`, so when the
relaxation with :math:`y_k = 1` bounds every site :math:`k` of one row above
:math:`T`, no cover of size :math:`T` exists.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from siting.mip.highs import _new_highs

__all__ = ["CoverRelaxation", "lagrangian_bound", "no_cover_of_size"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

_MARGIN = 1e-7
"""A bound must exceed a count by this much to exclude it (covers float rounding in the sums)."""


def lagrangian_bound(
    A: sp.csr_array,  # noqa: N803 - the usual name of the matrix
    u: npt.ArrayLike,
    lower: FloatArray,
    upper: FloatArray,
) -> float:
    """The Lagrangian lower bound :math:`L(u)` on the number of sites of any cover.

    Parameters
    ----------
    A
        0/1 covering matrix, rows × sites.
    u
        One multiplier per row; negative entries are raised to zero.
    lower, upper
        Bounds of the site variables (a site fixed open has both equal to 1).

    Returns
    -------
    float
        A valid lower bound on :math:`\\sum_j y_j` over all covers within the bounds.
    """
    mult = np.maximum(np.asarray(u, dtype=np.float64), 0.0)
    r = 1.0 - A.T @ mult
    return float(mult.sum() + np.where(r < 0, r * upper, r * lower).sum())


class CoverRelaxation:
    """The LP relaxation of a set-covering model, kept warm in HiGHS.

    Parameters
    ----------
    rows
        ``n_rows × n_sites`` boolean covering matrix; every row must have a site.
    lower
        Lower bound of each site variable (1 for a site that must be open).

    Attributes
    ----------
    root
        Certified lower bound of the relaxation (a Lagrangian bound).
    x
        The relaxation's optimal site values.
    lps
        Number of LPs solved so far.
    """

    def __init__(self, rows: BoolArray, lower: FloatArray) -> None:
        import highspy

        self._highspy = highspy
        self.A = sp.csr_array(rows.astype(np.float64))
        self.lower = np.asarray(lower, dtype=np.float64)
        self.upper = np.ones(rows.shape[1])
        csc = sp.csc_array(self.A)
        csc.sort_indices()
        n, m = rows.shape
        lp = highspy.HighsLp()
        lp.num_col_ = m
        lp.num_row_ = n
        lp.col_cost_ = np.ones(m)
        lp.col_lower_ = self.lower.copy()
        lp.col_upper_ = self.upper.copy()
        lp.row_lower_ = np.ones(n)
        lp.row_upper_ = np.full(n, np.inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(np.float64)
        lp.a_matrix_.num_col_ = m
        lp.a_matrix_.num_row_ = n
        self._h: Any = _new_highs()
        # no presolve: each probe then restarts the dual simplex from the last basis
        self._h.setOptionValue("presolve", "off")
        self._h.passModel(lp)
        self.lps = 0
        u = self._solve()
        self.x = (
            np.asarray(self._h.getSolution().col_value, dtype=np.float64)
            if u is not None
            else np.zeros(m)
        )
        if u is None:
            u = np.zeros(n)
        self.root = lagrangian_bound(self.A, u, self.lower, self.upper)
        self.reduced = 1.0 - self.A.T @ np.maximum(u, 0.0)
        self._open_bound: dict[int, float] = {}

    def _solve(self) -> FloatArray | None:
        """Run the LP; the row duals, or ``None`` if HiGHS did not reach an optimum."""
        self._h.run()
        self.lps += 1
        if self._h.getModelStatus() != self._highspy.HighsModelStatus.kOptimal:
            return None
        return np.asarray(self._h.getSolution().row_dual, dtype=np.float64)

    def cheap_open_bound(self, k: int) -> float:
        """Bound with site ``k`` open, from the root multipliers alone (no LP)."""
        r = float(self.reduced[k])
        if self.lower[k] >= 1.0:
            return self.root
        return self.root + max(r, 0.0)

    def open_bound(self, k: int) -> float:
        """Certified lower bound on every cover that opens site ``k`` (one LP, cached).

        Parameters
        ----------
        k
            Site position.

        Returns
        -------
        float
            A Lagrangian bound of the relaxation with :math:`y_k = 1`; never below
            :meth:`cheap_open_bound`.
        """
        if k in self._open_bound:
            return self._open_bound[k]
        best = self.cheap_open_bound(k)
        if self.lower[k] < 1.0:
            self._h.changeColBounds(k, 1.0, 1.0)
            u = self._solve()
            self._h.changeColBounds(k, float(self.lower[k]), 1.0)
            if u is not None:
                lower = self.lower.copy()
                lower[k] = 1.0
                best = max(best, lagrangian_bound(self.A, u, lower, self.upper))
        self._open_bound[k] = best
        return best


def no_cover_of_size(
    relax: CoverRelaxation,
    size: int,
    *,
    deadline: float | None = None,
    max_lps: int = 120,
) -> bool:
    """Whether the bounds prove that no cover has ``size`` sites or fewer.

    First the root bound; then row branching: a row all of whose sites ``k``
    have a certified bound with :math:`y_k = 1` above ``size`` proves it,
    because every cover opens one of them. Rows are tried from the shortest;
    within a row the sites the relaxation likes most (likeliest to fail) go
    first, so a row that cannot work is given up early. ``False`` means "not
    proven", not "a cover exists".

    Parameters
    ----------
    relax
        The relaxation of the model.
    size
        The cover size to exclude.
    deadline
        ``time.perf_counter()`` value after which to stop trying.
    max_lps
        Largest number of LPs to solve in this call.

    Returns
    -------
    bool
        ``True`` only when proven.
    """
    limit = size + _MARGIN
    if relax.root > limit:
        return True
    start_lps = relax.lps
    indptr, indices = relax.A.indptr, relax.A.indices
    lengths = np.diff(indptr)
    liking = np.asarray(relax.A @ relax.x, dtype=np.float64)
    order = np.lexsort((liking, lengths))
    for i in order:
        sites = indices[indptr[i] : indptr[i + 1]]
        sites = sites[np.argsort(-relax.x[sites], kind="stable")]
        proven = True
        for k in (int(s) for s in sites):
            if relax.cheap_open_bound(k) > limit:
                continue
            if k not in relax._open_bound and (
                relax.lps - start_lps >= max_lps
                or (deadline is not None and time.perf_counter() > deadline)
            ):
                return False
            if relax.open_bound(k) <= limit:
                proven = False
                break
        if proven:
            return True
    return False
